package shc_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential/shc"
)

// fuzzSeeds are genuine texts of every input form.
func fuzzSeeds(f *testing.F) []string {
	jws, qr := signSample(f, keyA(), issA, &shc.SignOptions{RID: "abc", ExpiresAt: sampleNbf.AddDate(1, 0, 0)})
	seeds := []string{qr, jws, "shc:/1/1/" + qr[5:], "", "shc:/", "shc:/1/2/56", "eyJ..", jws[:len(jws)/2]}
	dir := filepath.Join("..", "..", "..", "shared", "testvectors", "shc")
	for _, n := range []string{"examples/example-00-f-qr-code-numeric-value-0.txt", "examples/example-02-d-jws.txt", "examples/example-03-d-jws.txt"} {
		if b, err := readFileIfExists(filepath.Join(dir, n)); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	return seeds
}

// FuzzDecode: Decode never panics, returns a *credential.Error with a
// known reason or a card, and everything done with a decoded card
// (verify, validate, map, time, revocation) is panic-free and classified.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	pub := &keyA().PublicKey
	crl := must(shc.ParseCRL([]byte(`{"kid":"` + kidOf(keyA()) + `","method":"rid","ctr":1,"rids":["abc.1767323046"]}`)))
	key := shc.Key{KID: kidOf(keyA()), PublicKey: pub, CRLVersion: 1}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := shc.Decode(text)
		if err != nil {
			if c != nil {
				t.Fatal("Decode returned a card and an error")
			}
			checkErr(t, "Decode", err)
			return
		}
		if !strings.HasPrefix(text, shc.Prefix) && c.JWS != text {
			t.Fatal("JWS is not the input")
		}
		if err := c.Verify(pub); err != nil {
			checkErr(t, "Verify", err)
		}
		_ = c.KeyRef()
		if err := c.Validate(); err != nil {
			checkErr(t, "Validate", err)
		} else if _, err := c.Credential(); err != nil {
			checkErr(t, "Credential", err)
		}
		_ = c.CheckTime(time.Now())
		_ = shc.CheckRevocation(key, crl, c)
		if _, err := shc.ParseFile(shc.MarshalFile(c.JWS)); err != nil {
			t.Fatalf("a decoded JWS does not parse as a file: %v", err)
		}
	})
}

// FuzzParseFile covers the file form and the claims parser.
func FuzzParseFile(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s))
		f.Add(shc.MarshalFile(s))
	}
	f.Add([]byte(goodClaims))
	f.Fuzz(func(t *testing.T, data []byte) {
		if cards, err := shc.ParseFile(data); err != nil {
			checkErr(t, "ParseFile", err)
		} else if len(cards) == 0 {
			t.Fatal("no cards and no error")
		}
		if c, err := shc.ParseClaims(data); err != nil {
			checkErr(t, "ParseClaims", err)
		} else if err := c.Validate(); err == nil {
			if _, err := c.Credential(); err != nil {
				checkErr(t, "Credential", err)
			}
		}
	})
}

// FuzzTrustDocuments covers ParseJWKS, ParseCRL and Assemble.
func FuzzTrustDocuments(f *testing.F) {
	f.Add([]byte(must(shc.MarshalJWKS([]shc.Key{{PublicKey: &keyA().PublicKey, CRLVersion: 2}}))))
	f.Add([]byte(`{"kid":"k","method":"rid","ctr":1,"rids":["a","b.1687450765"]}`))
	f.Add([]byte("shc:/1/2/5656\nshc:/2/2/5656"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if keys, err := shc.ParseJWKS(data); err == nil {
			for _, k := range keys {
				if tp, err := shc.Thumbprint(k.PublicKey); err != nil || tp != k.KID {
					t.Fatalf("key %q: thumbprint %q, %v", k.KID, tp, err)
				}
			}
		}
		if c, err := shc.ParseCRL(data); err == nil {
			_ = c.Revoked("a", time.Now())
		}
		if text, err := shc.Assemble(strings.Split(string(data), "\n")); err != nil {
			checkErr(t, "Assemble", err)
		} else if !strings.HasPrefix(text, shc.Prefix) {
			t.Fatal(text)
		}
	})
}
