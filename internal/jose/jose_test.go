package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// The RSA example key of RFC 7638 §3.1 and its thumbprint.
const rfc7638Key = `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`

func TestRFC7638Thumbprint(t *testing.T) {
	k, err := ParseKey([]byte(rfc7638Key))
	if err != nil {
		t.Fatal(err)
	}
	if k.Thumbprint != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("thumbprint %s", k.Thumbprint)
	}
	tp, _ := Thumbprint(k.Public)
	if tp != k.Thumbprint || k.KID != "2011-04-29" || k.Alg != "RS256" {
		t.Errorf("Thumbprint(pub) = %s, kid %q alg %q", tp, k.KID, k.Alg)
	}
}

func keys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	out := map[string]crypto.Signer{}
	for name, c := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = k
	}
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	out["PS256"] = r
	return out
}

// TestInteropWithJWX signs with this package and verifies with jwx, and the
// other way round, for every algorithm; and compares JWKs and thumbprints.
func TestInteropWithJWX(t *testing.T) {
	payload := []byte(`{"hello":"world"}`)
	for alg, key := range keys(t) {
		t.Run(alg, func(t *testing.T) {
			if got, _ := Algorithm(key.Public()); got != alg {
				t.Fatalf("Algorithm = %s", got)
			}
			// Ours → jwx.
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `"}`))
			body := base64.RawURLEncoding.EncodeToString(payload)
			sig, err := Sign(nil, key, hdr+"."+body)
			if err != nil {
				t.Fatal(err)
			}
			compact := hdr + "." + body + "." + base64.RawURLEncoding.EncodeToString(sig)
			if _, err := jws.Verify([]byte(compact), jws.WithKey(jwa.SignatureAlgorithm(alg), key.Public())); err != nil {
				t.Errorf("jwx rejects our %s signature: %v", alg, err)
			}
			// jwx → ours.
			theirs, err := jws.Sign(payload, jws.WithKey(jwa.SignatureAlgorithm(alg), key))
			if err != nil {
				t.Fatal(err)
			}
			if _, got, err := VerifyCompact(string(theirs), key.Public()); err != nil || string(got) != string(payload) {
				t.Errorf("we reject jwx's %s signature: %v", alg, err)
			}
			// A flipped bit fails.
			bad := []byte(theirs)
			bad[len(bad)-5] ^= 1
			if _, _, err := VerifyCompact(string(bad), key.Public()); !errors.Is(err, ErrSignature) {
				t.Errorf("tampered %s signature: %v", alg, err)
			}
			// JWK and thumbprint agree with jwx.
			ours, err := MarshalKey(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			jk, err := jwk.ParseKey(ours)
			if err != nil {
				t.Fatalf("jwx cannot parse our JWK: %v", err)
			}
			want, _ := jk.Thumbprint(crypto.SHA256)
			tp, _ := Thumbprint(key.Public())
			if tp != base64.RawURLEncoding.EncodeToString(want) {
				t.Errorf("thumbprint %s, jwx %s", tp, base64.RawURLEncoding.EncodeToString(want))
			}
			jwxKey, _ := jwk.FromRaw(key.Public())
			jb, _ := json.Marshal(jwxKey)
			parsed, err := ParseKey(jb)
			if err != nil {
				t.Fatalf("we cannot parse jwx's JWK: %v", err)
			}
			if eq, ok := parsed.Public.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(key.Public()) {
				t.Error("parsed key differs")
			}
		})
	}
}

func TestParseKeyRefusals(t *testing.T) {
	ks := keys(t)
	good, _ := MarshalKey(ks["ES256"].Public())
	var m map[string]any
	json.Unmarshal(good, &m)
	mutate := func(f func(map[string]any)) []byte {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return b
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallJWK, _ := json.Marshal(map[string]string{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(small.N.Bytes()), "e": "AQAB"})
	x, _ := base64.RawURLEncoding.DecodeString(m["x"].(string))
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"not JSON", []byte("{"), "bad JWK"},
		{"private d", mutate(func(c map[string]any) { c["d"] = "AAAA" }), "private member"},
		{"symmetric k", []byte(`{"kty":"oct","k":"AAAA"}`), "private member"},
		{"OKP", []byte(`{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`), "key type"},
		{"unknown curve", mutate(func(c map[string]any) { c["crv"] = "secp256k1" }), "curve"},
		{"short x", mutate(func(c map[string]any) { c["x"] = "AAAA" }), "coordinate"},
		{"not on curve", mutate(func(c map[string]any) {
			x2 := append([]byte(nil), x...)
			x2[5] ^= 1
			c["x"] = base64.RawURLEncoding.EncodeToString(x2)
		}), "not on"},
		{"x not base64url", mutate(func(c map[string]any) { c["x"] = "***" }), "base64url"},
		{"y missing", mutate(func(c map[string]any) { delete(c, "y") }), "missing"},
		{"x not a string", mutate(func(c map[string]any) { c["x"] = 5 }), "not a string"},
		{"RSA 1024", smallJWK, "below 2048"},
		{"x5c garbage", mutate(func(c map[string]any) { c["x5c"] = []string{"AAAA"} }), "x5c[0]"},
		{"x5c not a list", mutate(func(c map[string]any) { c["x5c"] = "AAAA" }), "x5c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKey(tt.raw)
			if !errors.Is(err, ErrBadJWK) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrBadJWK mentioning %q", err, tt.want)
			}
		})
	}
	// A 33-byte coordinate with a leading zero is accepted.
	padded := mutate(func(c map[string]any) { c["x"] = base64.RawURLEncoding.EncodeToString(append([]byte{0}, x...)) })
	if _, err := ParseKey(padded); err != nil {
		t.Errorf("zero-padded coordinate: %v", err)
	}
}

func TestAlgorithmKeyConfusion(t *testing.T) {
	ks := keys(t)
	sig, _ := Sign(nil, ks["ES256"], "a.b")
	// An ES256 signature presented as PS256 for an EC key, or checked with
	// an RSA key, or with a P-384 key: all refused.
	if err := Verify("PS256", "a.b", sig, ks["ES256"].Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("PS256 header with an EC key: %v", err)
	}
	if err := Verify("ES256", "a.b", sig, ks["PS256"].Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("ES256 with an RSA key: %v", err)
	}
	if err := Verify("ES256", "a.b", sig, ks["ES384"].Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("ES256 with a P-384 key: %v", err)
	}
	if err := Verify("none", "a.b", nil, ks["ES256"].Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("alg none: %v", err)
	}
	if err := Verify("ES256", "a.b", sig, ks["ES256"].Public()); err != nil {
		t.Errorf("genuine: %v", err)
	}
	// Deterministic ECDSA: the same input signs the same.
	a, _ := SignDeterministic(ks["ES256"], "x")
	b, _ := SignDeterministic(ks["ES256"], "x")
	if string(a) != string(b) {
		t.Error("SignDeterministic is not deterministic")
	}
}
