package nzcp_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential/nzcp"
)

func TestDIDWebURL(t *testing.T) {
	good := map[string]string{
		"did:web:nzcp.identity.health.nz":                         "https://nzcp.identity.health.nz/.well-known/did.json",
		"did:web:nzcp.covid19.health.nz":                          "https://nzcp.covid19.health.nz/.well-known/did.json",
		"did:web:mattrglobal.github.io:nzcp:qvnnk89kijroeindxa3u": "https://mattrglobal.github.io/nzcp/qvnnk89kijroeindxa3u/did.json",
		"did:web:example.com%3A8443":                              "https://example.com:8443/.well-known/did.json",
		"did:web:example.com%3A3000:user:alice":                   "https://example.com:3000/user/alice/did.json",
		"did:web:w3c-ccg.github.io:user:a_b%20c":                  "https://w3c-ccg.github.io/user/a_b%20c/did.json",
		"did:web:localhost":                                       "https://localhost/.well-known/did.json",
	}
	for did, want := range good {
		got, err := nzcp.DIDWebURL(did)
		if err != nil || got != want {
			t.Errorf("DIDWebURL(%q) = %q, %v; want %q", did, got, err, want)
		}
	}
	for _, did := range []string{
		"", "did:web:", "did:key:z6Mk", "DID:WEB:example.com", "did:web:example.com:", "did:web::path",
		"did:web:127.0.0.1", "did:web:%5B::1%5D", "did:web:1.2.3", "did:web:example.com%3A0", "did:web:example.com%3A99999",
		"did:web:example.com%3Ax", "did:web:exa mple.com", "did:web:example.com#key-1", "did:web:example.com?x=1",
		"did:web:example.com/path", "did:web:example.com:%2E%2E", "did:web:example.com:.", "did:web:example.com:a%2Fb",
		"did:web:-example.com", "did:web:example..com", "did:web:ex_ample.com", "did:web:example.com%2Fevil",
		"did:web:example.com:a%0Ab", "did:web:example.com%",
	} {
		if got, err := nzcp.DIDWebURL(did); err == nil {
			t.Errorf("DIDWebURL(%q) = %q, want an error", did, got)
		} else if !errors.Is(err, nzcp.ErrInvalidDID) {
			t.Errorf("DIDWebURL(%q) error %v does not wrap ErrInvalidDID", did, err)
		}
	}
}

// jwkOf returns the public JWK members of a P-256 key.
func jwkOf(pub *ecdsa.PublicKey) (x, y string) {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:])
}

// didDoc builds a DID document for testIss holding key 1 as #key-1, with
// extra JWK members and extra top-level JSON.
func didDoc(jwkExtra, extra string) string {
	x, y := jwkOf(&key1Once().PublicKey)
	return fmt.Sprintf(`{
  "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
  "id": %q,
  "verificationMethod": [{
    "id": %q, "controller": %q, "type": "JsonWebKey2020",
    "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": %q, "y": %q%s}
  }],
  "assertionMethod": [%q]%s
}`, testIss, testIss+"#key-1", testIss, x, y, jwkExtra, testIss+"#key-1", extra)
}

func TestAssertionKeys(t *testing.T) {
	x, y := jwkOf(&key1Once().PublicKey)
	x2, y2 := jwkOf(&key2Once().PublicKey)
	method := func(id, typ, jwk string) string {
		return fmt.Sprintf(`{"id":%q,"controller":%q,"type":%q,"publicKeyJwk":%s}`, id, testIss, typ, jwk)
	}
	ec := func(x, y, extra string) string {
		return fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q%s}`, x, y, extra)
	}
	doc := func(methods, assertion string) string {
		return fmt.Sprintf(`{"id":%q,"verificationMethod":[%s],"assertionMethod":[%s]}`, testIss, methods, assertion)
	}
	padded := func(s string) string { // a 33-byte coordinate with a leading zero byte
		b, _ := base64.RawURLEncoding.DecodeString(s)
		return base64.RawURLEncoding.EncodeToString(append([]byte{0}, b...))
	}
	k1, k2 := testIss+"#key-1", testIss+"#key-2"

	good := []struct {
		name string
		doc  string
		ids  []string
	}{
		{"spec shape", didDoc("", ""), []string{k1}},
		{"relative ids", doc(method("#key-1", "JsonWebKey2020", ec(x, y, "")), `"#key-1"`), []string{k1}},
		{"embedded method", fmt.Sprintf(`{"id":%q,"assertionMethod":[%s]}`, testIss, method(k1, "JsonWebKey2020", ec(x, y, ""))), []string{k1}},
		{"two keys", doc(method(k1, "JsonWebKey2020", ec(x, y, ""))+","+method(k2, "JsonWebKey2020", ec(x2, y2, "")), `"#key-2",`+fmt.Sprintf("%q", k1)), []string{k2, k1}},
		{"only assertion keys", doc(method(k1, "JsonWebKey2020", ec(x, y, ""))+","+method(k2, "JsonWebKey2020", ec(x2, y2, "")), fmt.Sprintf("%q", k1)), []string{k1}},
		{"repeated reference", doc(method(k1, "JsonWebKey2020", ec(x, y, "")), fmt.Sprintf("%q,%q", k1, k1)), []string{k1}},
		{"33-byte coordinates", doc(method(k1, "JsonWebKey2020", ec(padded(x), padded(y), "")), fmt.Sprintf("%q", k1)), []string{k1}},
		{"alg, use, kid members", didDoc(`, "alg": "ES256", "use": "sig", "kid": "key-1"`, ""), []string{k1}},
		{"other method type skipped", doc(method(k1, "Ed25519VerificationKey2020", `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`), fmt.Sprintf("%q", k1)), nil},
		{"OKP JWK skipped", doc(method(k1, "JsonWebKey2020", `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`), fmt.Sprintf("%q", k1)), nil},
		{"P-384 JWK skipped", doc(method(k1, "JsonWebKey2020", `{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`), fmt.Sprintf("%q", k1)), nil},
		{"no assertionMethod", fmt.Sprintf(`{"id":%q,"verificationMethod":[%s]}`, testIss, method(k1, "JsonWebKey2020", ec(x, y, ""))), nil},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			d, err := nzcp.ParseDIDDocument([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != testIss {
				t.Errorf("ID = %q", d.ID)
			}
			keys, err := d.AssertionKeys()
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.ID)
				if k.Controller != testIss {
					t.Errorf("%s: Controller = %q", k.ID, k.Controller)
				}
				want := &key1Once().PublicKey
				if k.ID == k2 {
					want = &key2Once().PublicKey
				}
				if pub, ok := k.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(want) {
					t.Errorf("%s: wrong public key %v", k.ID, k.PublicKey)
				}
			}
			if strings.Join(ids, " ") != strings.Join(tt.ids, " ") {
				t.Errorf("keys = %q, want %q", ids, tt.ids)
			}
		})
	}

	notOnCurve := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	bad := []struct {
		name   string
		doc    string
		detail string
	}{
		{"private d", didDoc(`, "d": "AAAA"`, ""), `"d"`},
		{"private k", didDoc(`, "k": "AAAA"`, ""), `"k"`},
		{"private d on a skipped type", doc(method(k1, "Ed25519VerificationKey2020", `{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}`), fmt.Sprintf("%q", k1)), `"d"`},
		{"not on the curve", doc(method(k1, "JsonWebKey2020", ec(x, notOnCurve, "")), fmt.Sprintf("%q", k1)), "P-256"},
		{"33 bytes without leading zero", doc(method(k1, "JsonWebKey2020", ec(base64.RawURLEncoding.EncodeToString(append([]byte{1}, make([]byte, 32)...)), y, "")), fmt.Sprintf("%q", k1)), "33 bytes"},
		{"short coordinate", doc(method(k1, "JsonWebKey2020", ec("AAAA", y, "")), fmt.Sprintf("%q", k1)), "3 bytes"},
		{"padded base64", doc(method(k1, "JsonWebKey2020", ec(x+"=", y, "")), fmt.Sprintf("%q", k1)), "base64url"},
		{"no y", doc(method(k1, "JsonWebKey2020", `{"kty":"EC","crv":"P-256","x":"`+x+`"}`), fmt.Sprintf("%q", k1)), "no y"},
		{"alg ES384", didDoc(`, "alg": "ES384"`, ""), "alg"},
		{"use enc", didDoc(`, "use": "enc"`, ""), "use"},
		{"no publicKeyJwk", doc(fmt.Sprintf(`{"id":%q,"controller":%q,"type":"JsonWebKey2020"}`, k1, testIss), fmt.Sprintf("%q", k1)), "publicKeyJwk"},
		{"no controller", doc(fmt.Sprintf(`{"id":%q,"type":"JsonWebKey2020","publicKeyJwk":%s}`, k1, ec(x, y, "")), fmt.Sprintf("%q", k1)), "controller"},
		{"dangling reference", doc(method(k1, "JsonWebKey2020", ec(x, y, "")), fmt.Sprintf("%q", k2)), "not in verificationMethod"},
		{"foreign key", doc(method("did:web:other.example#key-1", "JsonWebKey2020", ec(x, y, "")), `"did:web:other.example#key-1"`), "not a key of"},
		{"foreign embedded key", fmt.Sprintf(`{"id":%q,"assertionMethod":[%s]}`, testIss, method("did:web:other.example#key-1", "JsonWebKey2020", ec(x, y, ""))), "not a key of"},
		{"duplicate method id", doc(method(k1, "JsonWebKey2020", ec(x, y, ""))+","+method(k1, "JsonWebKey2020", ec(x2, y2, "")), fmt.Sprintf("%q", k1)), "twice"},
		{"assertionMethod not an array", fmt.Sprintf(`{"id":%q,"assertionMethod":%q}`, testIss, k1), "not an array"},
		{"assertion entry a number", doc("", "1"), "neither"},
		{"empty fragment", doc(method(testIss+"#", "JsonWebKey2020", ec(x, y, "")), fmt.Sprintf("%q", testIss+"#")), "empty"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			d, err := nzcp.ParseDIDDocument([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			keys, err := d.AssertionKeys()
			if err == nil {
				t.Fatalf("AssertionKeys = %v, want an error", keys)
			}
			if !errors.Is(err, nzcp.ErrDIDDocument) || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q: want ErrDIDDocument mentioning %q", err, tt.detail)
			}
		})
	}
}

func TestParseDIDDocumentRefuses(t *testing.T) {
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	for name, doc := range map[string]string{
		"empty":             "",
		"not JSON":          "did",
		"array":             "[]",
		"no id":             `{"assertionMethod":[]}`,
		"id not did:web":    `{"id":"did:key:z6Mk"}`,
		"id number":         `{"id":1}`,
		"duplicate id":      `{"id":"did:web:a.example","id":"did:web:b.example"}`,
		"duplicate nested":  `{"id":"did:web:a.example","x":{"k":1,"k":2}}`,
		"trailing data":     `{"id":"did:web:a.example"} {}`,
		"invalid UTF-8":     "{\"id\":\"did:web:a.example\",\"x\":\"\xff\"}",
		"too deep":          `{"id":"did:web:a.example","x":` + deep + `}`,
		"too large":         `{"id":"did:web:a.example","x":"` + strings.Repeat("a", nzcp.MaxDIDDocumentLen) + `"}`,
		"truncated":         `{"id":"did:web:a.example"`,
		"case-variant only": `{"ID":"did:web:a.example"}`,
	} {
		if d, err := nzcp.ParseDIDDocument([]byte(doc)); err == nil {
			t.Errorf("%s: ParseDIDDocument = %+v, want an error", name, d)
		} else if !errors.Is(err, nzcp.ErrDIDDocument) {
			t.Errorf("%s: error %v does not wrap ErrDIDDocument", name, err)
		}
	}
}

// TestKeyRefNeedsAssertion checks, end to end, that a key found only in
// verificationMethod and not under assertionMethod verifies nothing, and
// that a kid of another issuer's document finds nothing.
func TestKeyRefNeedsAssertion(t *testing.T) {
	x, y := jwkOf(&key1Once().PublicKey)
	docJSON := fmt.Sprintf(`{"id":%q,"verificationMethod":[{"id":"#key-1","controller":%q,"type":"JsonWebKey2020","publicKeyJwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}}],"authentication":["#key-1"]}`, testIss, testIss, x, y)
	d := must(nzcp.ParseDIDDocument([]byte(docJSON)))
	keys := must(d.AssertionKeys())
	if len(keys) != 0 {
		t.Fatalf("a key under authentication only is an assertion key: %v", keys)
	}
	// A pass from another issuer naming the same kid.
	s := must(nzcp.Sign(key1Once(), "did:web:other.example", testKID, testSubject, testNbf, testExp, testJTI))
	tr := trustFor(&key1Once().PublicKey)
	_, err := verifyPass(s, tr, testNbf)
	if class, _ := verdictClass(err); class != "untrusted" {
		t.Errorf("a pass of another issuer with a trusted kid: %v", err)
	}
}

// TestAssertionKeysIgnoresOtherMethods checks that methods not under
// assertionMethod do not have to be usable.
func TestAssertionKeysIgnoresOtherMethods(t *testing.T) {
	x, y := jwkOf(&key1Once().PublicKey)
	doc := fmt.Sprintf(`{"id":%q,"verificationMethod":[
		{"id":"did:web:other.example#k","controller":"did:web:other.example","type":"JsonWebKey2020","publicKeyJwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}},
		{"id":"#key-1","controller":%q,"type":"JsonWebKey2020","publicKeyJwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}}],
		"assertionMethod":["#key-1"]}`, testIss, testIss, x, y)
	keys, err := must(nzcp.ParseDIDDocument([]byte(doc))).AssertionKeys()
	if err != nil || len(keys) != 1 || keys[0].ID != testIss+"#key-1" {
		t.Fatalf("AssertionKeys = %v, %v", keys, err)
	}
}
