package trustlist_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/trustlist"
)

const b64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// setPaddingBit returns v with the lowest bit of its last character
// flipped: for a base64url string whose length is not a multiple of 4
// that bit is a padding bit, so the decoded bytes stay the same.
func setPaddingBit(t testing.TB, v string) string {
	t.Helper()
	if len(v)%4 == 0 {
		t.Fatalf("%d characters: no padding bits", len(v))
	}
	i := strings.IndexByte(b64urlAlphabet, v[len(v)-1])
	out := v[:len(v)-1] + string(b64urlAlphabet[i^1])
	a, err1 := base64.RawURLEncoding.DecodeString(v)
	b, err2 := base64.RawURLEncoding.DecodeString(out)
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Fatalf("not a padding-bit variant: %v %v", err1, err2)
	}
	return out
}

// TestSignedEncodingIsExact requires the signed parts of a document to be
// taken exactly as they are: a JWS whose payload, protected header or
// signature is written differently (non-zero padding bits, the standard
// base64 alphabet with padding) or whose members are named in another
// case is a tampered document, even though it decodes to the same values.
// DESIGN: "sign exact bytes (nothing is re-serialised before
// verification)"; issue 3: "tampering with any byte of any layer ...
// refused".
func TestSignedEncodingIsExact(t *testing.T) {
	f := getFed(t)
	three := []fedSigner{f.root("AU"), f.root("CA"), f.root("NZ")}
	// An anchor whose payload length is not a multiple of 3, so that its
	// base64url form has padding bits.
	payload := editedPayload(t, f.baseAnchor(t), func(map[string]any) {})
	for len(payload)%3 == 0 {
		payload = append(payload, '\n')
	}
	base := signPayload(t, payload, three...)
	if _, err := trustlist.VerifyAnchor(base); err != nil {
		t.Fatal(err)
	}
	edit := func(mut func(s *trustlist.Signed)) []byte {
		var s trustlist.Signed
		if err := json.Unmarshal(base, &s); err != nil {
			t.Fatal(err)
		}
		mut(&s)
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		doc  []byte
	}{
		{"payload with padding bits set", edit(func(s *trustlist.Signed) { s.Payload = setPaddingBit(t, s.Payload) })},
		{"protected header with padding bits set", edit(func(s *trustlist.Signed) {
			for i := range s.Signatures {
				if len(s.Signatures[i].Protected)%4 != 0 {
					s.Signatures[i].Protected = setPaddingBit(t, s.Signatures[i].Protected)
					return
				}
			}
			t.Fatal("no protected header with padding bits")
		})},
		{"signature with padding bits set", edit(func(s *trustlist.Signed) {
			s.Signatures[1].Signature = setPaddingBit(t, s.Signatures[1].Signature)
		})},
		{"signature in standard base64 with padding", edit(func(s *trustlist.Signed) {
			raw, err := base64.RawURLEncoding.DecodeString(s.Signatures[2].Signature)
			if err != nil {
				t.Fatal(err)
			}
			s.Signatures[2].Signature = base64.StdEncoding.EncodeToString(raw)
		})},
		{"member names in another case", []byte(strings.NewReplacer(`"payload"`, `"Payload"`, `"signatures"`, `"SIGNATURES"`,
			`"protected"`, `"Protected"`, `"signature"`, `"sigNature"`).Replace(string(base)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if string(tc.doc) == string(base) {
				t.Fatal("the variant is the original")
			}
			_, err := trustlist.VerifyAnchor(tc.doc)
			if err == nil {
				t.Fatal("a differently encoded anchor was accepted")
			}
			if !errors.Is(err, trustlist.ErrMalformed) && !errors.Is(err, trustlist.ErrSignature) {
				t.Errorf("refused with %v, want ErrMalformed or ErrSignature", err)
			}
		})
	}
}

// signRaw signs payload (base64url) under the protected header JSON hdr
// with an ES256 key, as JWS does, and returns the document.
func signRaw(t testing.TB, key crypto.Signer, hdr, payload string) []byte {
	t.Helper()
	protected := base64.RawURLEncoding.EncodeToString([]byte(hdr))
	digest := sha256.Sum256([]byte(protected + "." + payload))
	der, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	rs.R.FillBytes(sig[:32])
	rs.S.FillBytes(sig[32:])
	doc := trustlist.Signed{Payload: payload, Signatures: []trustlist.Signature{{Protected: protected,
		Signature: base64.RawURLEncoding.EncodeToString(sig)}}}
	b, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProtectedHeaderRefusals signs a valid country list under crafted
// protected headers: only the plain header this package writes may be
// accepted; extensions it does not implement (crit, b64) and ambiguous
// headers are refused.
func TestProtectedHeaderRefusals(t *testing.T) {
	f := getFed(t)
	key := f.pub.PublisherKeys["AU"]
	kid, err := trustlist.KeyThumbprint(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	gbKID, err := trustlist.KeyThumbprint(f.pub.PublisherKeys["GB"].Public())
	if err != nil {
		t.Fatal(err)
	}
	enc, err := trustlist.Encode(f.countryList(t, "AU", 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		hdr  string
		ok   bool
	}{
		{"plain", `{"alg":"ES256","kid":"` + kid + `","cc":"AU"}`, true},
		{"no cc", `{"alg":"ES256","kid":"` + kid + `"}`, true},
		{"alg none", `{"alg":"none","kid":"` + kid + `"}`, false},
		{"alg HS256", `{"alg":"HS256","kid":"` + kid + `"}`, false},
		{"alg ES384", `{"alg":"ES384","kid":"` + kid + `"}`, false},
		{"no alg", `{"kid":"` + kid + `"}`, false},
		{"no kid", `{"alg":"ES256"}`, false},
		{"crit extension", `{"alg":"ES256","kid":"` + kid + `","crit":["exp"],"exp":1}`, false},
		{"unencoded payload", `{"alg":"ES256","kid":"` + kid + `","b64":false,"crit":["b64"]}`, false},
		{"kid twice", `{"alg":"ES256","kid":"` + gbKID + `","kid":"` + kid + `"}`, false},
		{"member name in capitals", `{"Alg":"ES256","kid":"` + kid + `"}`, false},
		{"not an object", `["ES256"]`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trustlist.VerifyCountryList(f.pub.VerifiedAnchor, signRaw(t, key, tc.hdr, enc.Payload), verifyAt(fedAt))
			if tc.ok {
				wantErr(t, err, nil)
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, trustlist.ErrMalformed) && !errors.Is(err, trustlist.ErrSignature) && !errors.Is(err, trustlist.ErrUnknownSigner) {
				t.Errorf("refused with %v", err)
			}
		})
	}
}
