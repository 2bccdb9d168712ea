package trustlist_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

// RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
const (
	rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn" +
		"64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI" +
		"SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
)

func rfc7638Key(t testing.TB) *rsa.PublicKey {
	t.Helper()
	n, err := base64.RawURLEncoding.DecodeString(rfc7638N)
	if err != nil {
		t.Fatal(err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
}

func TestKeyThumbprintRFC7638(t *testing.T) {
	got, err := trustlist.KeyThumbprint(rfc7638Key(t))
	if err != nil {
		t.Fatal(err)
	}
	if got != rfc7638Thumbprint {
		t.Errorf("thumbprint %s, want %s", got, rfc7638Thumbprint)
	}
	// The RFC's JWK, with its own kid and alg: KeyID is the thumbprint
	// whatever kid the JWK names.
	j, err := trustlist.ParsePublicJWK([]byte(`{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`))
	if err != nil {
		t.Fatal(err)
	}
	if j.KeyID != rfc7638Thumbprint {
		t.Errorf("KeyID %s, want %s", j.KeyID, rfc7638Thumbprint)
	}
	if !rfc7638Key(t).Equal(j.Key) {
		t.Errorf("parsed key differs")
	}
}

// TestKeyThumbprintEC checks an EC thumbprint against the RFC 7638
// canonical form computed here.
func TestKeyThumbprintEC(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k := mustKey(ecdsa.GenerateKey(curve, rand.Reader))
		size := (curve.Params().BitSize + 7) / 8
		canon := `{"crv":"` + curve.Params().Name + `","kty":"EC","x":"` +
			base64.RawURLEncoding.EncodeToString(k.X.FillBytes(make([]byte, size))) + `","y":"` +
			base64.RawURLEncoding.EncodeToString(k.Y.FillBytes(make([]byte, size))) + `"}`
		sum := sha256.Sum256([]byte(canon))
		got, err := trustlist.KeyThumbprint(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: thumbprint %s, want %s", curve.Params().Name, got, want)
		}
	}
}

// selfSigned makes a certificate for key, signed by itself.
func selfSigned(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jwk test", Country: []string{"NZ"}},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPublicJWKRoundTrip(t *testing.T) {
	rsaKey := mustKey(rsa.GenerateKey(rand.Reader, 2048))
	keys := []struct {
		name string
		key  crypto.Signer
		kty  string
	}{
		{"P-256", mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)), "EC"},
		{"P-384", mustKey(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)), "EC"},
		{"P-521", mustKey(ecdsa.GenerateKey(elliptic.P521(), rand.Reader)), "EC"},
		{"RSA 2048", rsaKey, "RSA"},
	}
	for _, k := range keys {
		cert := selfSigned(t, k.key)
		ca := selfSigned(t, mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)))
		for _, chain := range [][]*x509.Certificate{nil, {cert}, {cert, ca}} {
			t.Run(k.name+"/x5c "+string(rune('0'+len(chain))), func(t *testing.T) {
				pub := k.key.Public()
				raw, err := trustlist.MarshalPublicJWK(pub, chain...)
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				if err := json.Unmarshal(raw, &m); err != nil {
					t.Fatal(err)
				}
				for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi"} {
					if _, ok := m[priv]; ok {
						t.Errorf("private member %q in %s", priv, raw)
					}
				}
				tp, err := trustlist.KeyThumbprint(pub)
				if err != nil {
					t.Fatal(err)
				}
				if m["kty"] != k.kty || m["kid"] != tp {
					t.Errorf("kty %v kid %v, want %s %s", m["kty"], m["kid"], k.kty, tp)
				}
				if _, ok := m["x5c"]; ok != (len(chain) > 0) {
					t.Errorf("x5c present %v with a chain of %d", ok, len(chain))
				}
				j, err := trustlist.ParsePublicJWK(raw)
				if err != nil {
					t.Fatal(err)
				}
				if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(j.Key) {
					t.Errorf("round trip changed the key")
				}
				if j.KeyID != tp || string(j.Raw) != string(raw) {
					t.Errorf("KeyID %s (want %s); raw kept %v", j.KeyID, tp, string(j.Raw) == string(raw))
				}
				if len(j.Chain) != len(chain) {
					t.Fatalf("chain of %d, want %d", len(j.Chain), len(chain))
				}
				for i := range chain {
					if !j.Chain[i].Equal(chain[i]) {
						t.Errorf("x5c[%d] differs", i)
					}
				}
				again, err := trustlist.MarshalPublicJWK(j.Key, j.Chain...)
				if err != nil || string(again) != string(raw) {
					t.Errorf("re-marshalled JWK differs: %s vs %s (%v)", again, raw, err)
				}
			})
		}
	}
}

func TestParsePublicJWKRefusals(t *testing.T) {
	ec := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	other := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	rsa1024 := mustKey(rsa.GenerateKey(rand.Reader, 1024))
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	x, y := b64(ec.X.FillBytes(make([]byte, 32))), b64(ec.Y.FillBytes(make([]byte, 32)))
	good := map[string]any{"kty": "EC", "crv": "P-256", "x": x, "y": y}
	with := func(kv ...any) []byte {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rsaJWK := func(k *rsa.PublicKey) []byte {
		j, err := trustlist.MarshalPublicJWK(k)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	otherCert := selfSigned(t, other)
	tests := []struct {
		name string
		raw  []byte
	}{
		{"private d", with("d", b64(ec.D.FillBytes(make([]byte, 32))))},
		{"private d, empty", with("d", "")},
		{"symmetric key", []byte(`{"kty":"oct","k":"c2VjcmV0"}`)},
		{"RSA private members", []byte(`{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB","p":"AQAB","q":"AQAB"}`)},
		{"1024-bit RSA", rsaJWK(&rsa1024.PublicKey)},
		{"not JSON", []byte(`garbage`)},
		{"JSON string", []byte(`"garbage"`)},
		{"JSON array", []byte(`[]`)},
		{"empty object", []byte(`{}`)},
		{"empty", nil},
		{"OKP key", []byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`)},
		{"no crv", with("crv", nil)},
		{"unsupported curve", with("crv", "P-192")},
		{"no y", with("y", nil)},
		{"x not base64url", with("x", "!!!")},
		{"point not on the curve", with("y", x)},
		{"short coordinate", with("x", "AQ", "y", "AQ")},
		{"x5c not base64", with("x5c", []string{"%%%"})},
		{"x5c not a certificate", with("x5c", []string{base64.StdEncoding.EncodeToString([]byte("not DER"))})},
		{"x5c leaf holds another key", with("x5c", []string{base64.StdEncoding.EncodeToString(otherCert.Raw)})},
		{"x5c not a list", with("x5c", "MIIB")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := trustlist.ParsePublicJWK(tc.raw)
			wantErr(t, err, trustlist.ErrBadJWK)
			if j != nil {
				t.Errorf("refused JWK returned")
			}
		})
	}
	t.Run("control", func(t *testing.T) {
		if _, err := trustlist.ParsePublicJWK(with()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMarshalPublicJWKRefusals(t *testing.T) {
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p224 := mustKey(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))
	for name, pub := range map[string]crypto.PublicKey{"Ed25519": edPub, "P-224": &p224.PublicKey, "nil": nil, "string": "key"} {
		t.Run(name, func(t *testing.T) {
			_, err := trustlist.MarshalPublicJWK(pub)
			wantErr(t, err, trustlist.ErrBadJWK)
			if _, err := trustlist.KeyThumbprint(pub); err == nil {
				t.Errorf("KeyThumbprint accepted %T", pub)
			}
		})
	}
}
