package shc_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
)

// ourTrust trusts keyA for issA (crlVersion 1, with a list revoking
// "gone") and keyB for issB.
func ourTrust(t *testing.T) *trust {
	t.Helper()
	tr := newTrust()
	jwksA := must(shc.MarshalJWKS([]shc.Key{{PublicKey: &keyA().PublicKey, CRLVersion: 1}}))
	jwksB := must(shc.MarshalJWKS([]shc.Key{{PublicKey: &keyB().PublicKey}}))
	tr.addKeys(issA, must(shc.ParseJWKS(jwksA)))
	tr.addKeys(issB, must(shc.ParseJWKS(jwksB)))
	crl := `{"kid":"` + kidOf(keyA()) + `","method":"rid","ctr":1,"rids":["gone","later.1767323046"]}`
	tr.addCRL(issA, must(shc.ParseCRL([]byte(crl))))
	return tr
}

func TestSignRoundTrip(t *testing.T) {
	tr := ourTrust(t)
	exp := sampleNbf.AddDate(1, 0, 0)
	jws, qr := signSample(t, keyA(), issA, &shc.SignOptions{ExpiresAt: exp, RID: "keep", Types: []string{"https://smarthealth.cards#immunization"}})
	for name, decode := range map[string]func() (*shc.Card, error){
		"qr":   func() (*shc.Card, error) { return shc.Decode(qr) },
		"jws":  func() (*shc.Card, error) { return shc.Decode(jws) },
		"file": func() (*shc.Card, error) { cs, err := shc.ParseFile(shc.MarshalFile(jws)); return first(cs), err },
	} {
		c, err := decode()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Issuer != issA || c.KID != kidOf(keyA()) || c.RID != "keep" || !c.NotBefore.Equal(sampleNbf) || !c.ExpiresAt.Equal(exp) {
			t.Errorf("%s: claims %+v", name, c.Claims)
		}
		if string(c.KeyRef()) != issA+"#"+kidOf(keyA()) {
			t.Errorf("%s: KeyRef %s", name, c.KeyRef())
		}
		if err := tr.judge(c, sampleNbf.Add(time.Hour)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := tr.judge(c, exp); className(err) != "expired" {
			t.Errorf("%s at exp: %v", name, err)
		}
		if err := tr.judge(c, sampleNbf.Add(-time.Millisecond)); className(err) != "not_yet_valid" {
			t.Errorf("%s before nbf: %v", name, err)
		}
	}
	// The payload is minified and starts with iss.
	c := must(shc.Decode(jws))
	if !strings.HasPrefix(string(c.Raw), `{"iss":"`+issA+`","nbf":1767323045.678,"exp":`) || strings.Contains(string(c.Raw), " \n") {
		t.Errorf("payload %s", c.Raw)
	}
}

func first(cs []*shc.Card) *shc.Card {
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

// TestIssuerMismatch: a card signed by a key trusted for issuer A but
// claiming issuer B is refused, although its signature verifies with A's
// key and A's kid is trusted.
func TestIssuerMismatch(t *testing.T) {
	tr := ourTrust(t)
	jws, _ := signSample(t, keyA(), issB, nil)
	c := must(shc.Decode(jws))
	if err := c.Verify(&keyA().PublicKey); err != nil {
		t.Fatalf("the forged card's signature should verify with key A: %v", err)
	}
	if c.KID != kidOf(keyA()) {
		t.Fatal("kid")
	}
	err := tr.judge(c, sampleNbf.Add(time.Hour))
	if className(err) != "untrusted" {
		t.Fatalf("card from key A claiming issuer B: %v, want untrusted", err)
	}
	// And B's key does not verify it.
	if err := c.Verify(&keyB().PublicKey); !isReason(err, credential.ReasonBadSignature) {
		t.Errorf("Verify with B's key: %v", err)
	}
	// A card claiming A with a kid from B's set is refused as well.
	jwsB, _ := signSample(t, keyB(), issA, nil)
	if err := tr.judge(must(shc.Decode(jwsB)), sampleNbf.Add(time.Hour)); className(err) != "untrusted" {
		t.Errorf("card from key B claiming issuer A: %v, want untrusted", err)
	}
}

func TestRevocationOwnKeys(t *testing.T) {
	tr := ourTrust(t)
	at := sampleNbf.Add(time.Hour)
	for _, tc := range []struct {
		rid  string
		want string
	}{
		{"", ""},
		{"keep", ""},
		{"gone", "revoked"},
		{"later", "revoked"}, // nbf …045.678 < 1767323046
	} {
		var opts *shc.SignOptions
		if tc.rid != "" {
			opts = &shc.SignOptions{RID: tc.rid}
		}
		jws, _ := signSample(t, keyA(), issA, opts)
		if got := className(tr.judge(must(shc.Decode(jws)), at)); got != tc.want {
			t.Errorf("rid %q: %q, want %q", tc.rid, got, tc.want)
		}
	}
	// A card issued at the timestamp is not revoked by rid.<timestamp>.
	jws, _, err := shc.Sign(keyA(), "", issA, json.RawMessage(sampleBundle), time.Unix(1767323046, 0), &shc.SignOptions{RID: "later"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.judge(must(shc.Decode(jws)), at); err != nil {
		t.Errorf("re-issued card: %v", err)
	}
	// Revocation data problems fail closed.
	card := must(shc.Decode(jws))
	keyWithCRL := shc.Key{KID: kidOf(keyA()), PublicKey: &keyA().PublicKey, CRLVersion: 2}
	crl := must(shc.ParseCRL([]byte(`{"kid":"` + kidOf(keyA()) + `","method":"rid","ctr":1,"rids":[]}`)))
	otherCRL := must(shc.ParseCRL([]byte(`{"kid":"other","method":"rid","ctr":5,"rids":[]}`)))
	for name, err := range map[string]error{
		"no list":     shc.CheckRevocation(keyWithCRL, nil, card),
		"stale list":  shc.CheckRevocation(keyWithCRL, crl, card),
		"another kid": shc.CheckRevocation(keyWithCRL, otherCRL, card),
	} {
		if !errors.Is(err, shc.ErrRevocationUnavailable) || !errors.Is(err, credential.ErrUntrusted) || errors.Is(err, credential.ErrRevoked) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := shc.CheckRevocation(shc.Key{KID: kidOf(keyA())}, nil, card); err != nil {
		t.Errorf("key without crlVersion: %v", err)
	}
}

func TestParseCRLErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":        `nope`,
		"no kid":          `{"method":"rid","ctr":1,"rids":[]}`,
		"other method":    `{"kid":"k","method":"hash","ctr":1,"rids":[]}`,
		"ctr 0":           `{"kid":"k","method":"rid","ctr":0,"rids":[]}`,
		"ctr string":      `{"kid":"k","method":"rid","ctr":"1","rids":[]}`,
		"rids missing":    `{"kid":"k","method":"rid","ctr":1}`,
		"rids object":     `{"kid":"k","method":"rid","ctr":1,"rids":{}}`,
		"empty rid":       `{"kid":"k","method":"rid","ctr":1,"rids":[""]}`,
		"rid timestamp 0": `{"kid":"k","method":"rid","ctr":1,"rids":["a.0"]}`,
		"rid bad ts":      `{"kid":"k","method":"rid","ctr":1,"rids":["a.12x"]}`,
		"rid two dots":    `{"kid":"k","method":"rid","ctr":1,"rids":["a.1.2"]}`,
		"rid duplicate":   `{"kid":"k","method":"rid","ctr":1,"rids":["a","b","a.5"]}`,
		"duplicate kid":   `{"kid":"k","kid":"j","method":"rid","ctr":1,"rids":[]}`,
	} {
		if _, err := shc.ParseCRL([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := shc.ParseCRL([]byte("\n{\"kid\":\"k\",\"method\":\"rid\",\"ctr\":3,\"rids\":[\"a\",\"b.100\"]}\n"))
	if err != nil || c.Counter != 3 || c.Len() != 2 {
		t.Fatalf("%v %+v", err, c)
	}
	var nilCRL *shc.CRL
	if nilCRL.Revoked("a", time.Now()) {
		t.Error("nil list revoked a card")
	}
}

func TestParseJWKSErrors(t *testing.T) {
	good := string(must(shc.MarshalJWKS([]shc.Key{{PublicKey: &keyA().PublicKey}})))
	repl := func(old, new string) string {
		if !strings.Contains(good, old) {
			panic(old)
		}
		return strings.Replace(good, old, new, 1)
	}
	x := must(shc.ParseJWKS([]byte(good)))[0]
	ys := strings.Split(strings.Split(good, `"y":"`)[1], `"`)[0]
	yb := must(b64.DecodeString(ys))
	yb[31] ^= 1
	for name, doc := range map[string]string{
		"bare JWK":       good[len(`{"keys":[`) : len(good)-2],
		"keys object":    `{"keys":{}}`,
		"RSA":            repl(`"kty":"EC"`, `"kty":"RSA"`),
		"no kty":         repl(`"kty":"EC",`, ``),
		"P-384":          repl(`"crv":"P-256"`, `"crv":"P-384"`),
		"ES384":          repl(`"alg":"ES256"`, `"alg":"ES384"`),
		"no alg":         repl(`"alg":"ES256",`, ``),
		"use enc":        repl(`"use":"sig"`, `"use":"enc"`),
		"no use":         repl(`"use":"sig",`, ``),
		"private":        repl(`"kty":"EC"`, `"d":"AAAA","kty":"EC"`),
		"wrong kid":      repl(x.KID, strings.Repeat("A", 43)),
		"off curve":      repl(ys, b64.EncodeToString(yb)),
		"33-byte y":      repl(`"y":"`, `"y":"A`),
		"short x":        repl(`"x":"`, `"x":"AAAA`),
		"crlVersion -1":  repl(`"kty":"EC"`, `"crlVersion":-1,"kty":"EC"`),
		"x5c not base64": repl(`"kty":"EC"`, `"x5c":["!!"],"kty":"EC"`),
		"x5c not a cert": repl(`"kty":"EC"`, `"x5c":["AAAA"],"kty":"EC"`),
		"x5c empty":      repl(`"kty":"EC"`, `"x5c":[],"kty":"EC"`),
		"duplicate kid":  `{"keys":[` + good[len(`{"keys":[`):len(good)-2] + `,` + good[len(`{"keys":[`):len(good)-2] + `]}`,
		"duplicate crv":  repl(`"crv":"P-256"`, `"crv":"P-256","crv":"P-384"`),
	} {
		if _, err := shc.ParseJWKS([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A 33-byte coordinate with a leading zero is accepted, and the kid
	// is still the thumbprint of the 32-byte form.
	xs := strings.Split(strings.Split(good, `"x":"`)[1], `"`)[0]
	xb := must(b64.DecodeString(xs))
	padded := repl(`"x":"`+xs, `"x":"`+b64.EncodeToString(append([]byte{0}, xb...)))
	if k, err := shc.ParseJWKS([]byte(padded)); err != nil || !k[0].PublicKey.Equal(&keyA().PublicKey) {
		t.Errorf("33-byte x: %v", err)
	}
	// MarshalJWKS refuses a kid that is not the thumbprint.
	if _, err := shc.MarshalJWKS([]shc.Key{{KID: "x", PublicKey: &keyA().PublicKey}}); err == nil {
		t.Error("MarshalJWKS accepted a wrong kid")
	}
}

// TestThumbprint checks RFC 7638 against the kids of the spec examples.
func TestThumbprint(t *testing.T) {
	dir := vectorsDir(t)
	keys := must(shc.ParseJWKS(readFile(t, dir+"/examples/issuer/.well-known/jwks.json")))
	for _, k := range keys {
		if tp := must(shc.Thumbprint(k.PublicKey)); tp != k.KID {
			t.Errorf("thumbprint %s, kid %s", tp, k.KID)
		}
	}
	if len(keys) != 2 || keys[0].CRLVersion != 1 || keys[1].CRLVersion != 0 || len(keys[1].X5C) != 3 {
		t.Errorf("keys %+v", keys)
	}
	// MarshalJWKS → ParseJWKS keeps everything.
	again := must(shc.ParseJWKS(must(shc.MarshalJWKS(keys))))
	for i := range keys {
		if again[i].KID != keys[i].KID || !again[i].PublicKey.Equal(keys[i].PublicKey) || again[i].CRLVersion != keys[i].CRLVersion || len(again[i].X5C) != len(keys[i].X5C) {
			t.Errorf("key %d changed: %+v", i, again[i])
		}
	}
}

type badSigner struct {
	crypto.Signer
	sig []byte
}

func (b badSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return b.sig, nil }

func TestSignErrors(t *testing.T) {
	bundle := json.RawMessage(sampleBundle)
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	for name, f := range map[string]func() error{
		"P-384 key": func() error { _, _, err := shc.Sign(p384, "", issA, bundle, sampleNbf, nil); return err },
		"wrong kid": func() error { _, _, err := shc.Sign(keyA(), kidOf(keyB()), issA, bundle, sampleNbf, nil); return err },
		"http issuer": func() error {
			_, _, err := shc.Sign(keyA(), "", "http://x.example", bundle, sampleNbf, nil)
			return err
		},
		"issuer slash": func() error { _, _, err := shc.Sign(keyA(), "", issA+"/", bundle, sampleNbf, nil); return err },
		"bundle array": func() error {
			_, _, err := shc.Sign(keyA(), "", issA, json.RawMessage(`[]`), sampleNbf, nil)
			return err
		},
		"bundle invalid": func() error {
			_, _, err := shc.Sign(keyA(), "", issA, json.RawMessage(`{`), sampleNbf, nil)
			return err
		},
		"not a Bundle": func() error {
			_, _, err := shc.Sign(keyA(), "", issA, json.RawMessage(`{"resourceType":"Patient"}`), sampleNbf, nil)
			return err
		},
		"nbf before 1970": func() error { _, _, err := shc.Sign(keyA(), "", issA, bundle, time.Unix(-5, 0), nil); return err },
		"bad rid": func() error {
			_, _, err := shc.Sign(keyA(), "", issA, bundle, sampleNbf, &shc.SignOptions{RID: "a b"})
			return err
		},
		"DER garbage": func() error {
			_, _, err := shc.Sign(badSigner{keyA(), []byte{1, 2}}, "", issA, bundle, sampleNbf, nil)
			return err
		},
		"too long for QR": func() error {
			big := strings.Replace(sampleBundle, `"lotNumber":"L1"`, `"lotNumber":"`+randomText(3000)+`"`, 1)
			_, _, err := shc.Sign(keyA(), "", issA, json.RawMessage(big), sampleNbf, nil)
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
	}
	// SkipQR issues long cards as files.
	big := strings.Replace(sampleBundle, `"lotNumber":"L1"`, `"lotNumber":"`+randomText(3000)+`"`, 1)
	jws, qr, err := shc.Sign(keyA(), "", issA, json.RawMessage(big), sampleNbf, &shc.SignOptions{SkipQR: true})
	if err != nil || qr != "" || len(jws) <= shc.MaxQRJWSLen {
		t.Fatalf("SkipQR: %v, %d, %q", err, len(jws), qr)
	}
	if _, err := shc.ParseFile(shc.MarshalFile(jws)); err != nil {
		t.Error(err)
	}
}

// randomText returns incompressible base64url text.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64.EncodeToString(b)[:n]
}
