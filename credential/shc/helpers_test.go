package shc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
)

// vectorsDir returns ../../../shared/testvectors/shc (relative to this
// package's directory) and skips the test when it is absent.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testvectors", "shc")
	if fi, err := os.Stat(filepath.Join(dir, "expected.json")); err != nil || fi.IsDir() {
		t.Skipf("SHC test vectors not found at %s (they live outside the module, in the shared tree); skipping", dir)
	}
	return dir
}

// devToolsDir returns the dev-tools test data folder of the vectors and
// skips the test when it is absent.
func devToolsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(vectorsDir(t), "dev-tools", "testdata")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("health-cards-dev-tools test data not found at %s; skipping", dir)
	}
	return dir
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Deterministic test keys, so that failures reproduce.
var (
	keyA = sync.OnceValue(func() *ecdsa.PrivateKey { return rawKey(1) })
	keyB = sync.OnceValue(func() *ecdsa.PrivateKey { return rawKey(2) })
)

func rawKey(seed byte) *ecdsa.PrivateKey {
	d := make([]byte, 32)
	for i := range d {
		d[i] = seed + byte(i)
	}
	return must(ecdsa.ParseRawPrivateKey(elliptic.P256(), d))
}

func kidOf(k *ecdsa.PrivateKey) string { return must(shc.Thumbprint(&k.PublicKey)) }

// Issuers of our own cards.
const (
	issA = "https://issuer-a.example/shc"
	issB = "https://issuer-b.example/shc"
)

// sampleBundle is a small immunization bundle.
const sampleBundle = `{"resourceType":"Bundle","type":"collection","entry":[` +
	`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Tester","given":["Tess","T."]}],"birthDate":"1990-02-03"}},` +
	`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2025-01-10","performer":[{"actor":{"display":"Clinic One"}}],"lotNumber":"L1"}},` +
	`{"fullUrl":"resource:2","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2025-02-07","performer":[{"actor":{"display":"Clinic Two"}}],"lotNumber":"L2"}}]}`

var sampleNbf = time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)

// signSample issues a card with key k for iss.
func signSample(t testing.TB, k *ecdsa.PrivateKey, iss string, opts *shc.SignOptions) (jws, qr string) {
	t.Helper()
	jws, qr, err := shc.Sign(k, "", iss, json.RawMessage(sampleBundle), sampleNbf, opts)
	if err != nil {
		t.Fatal(err)
	}
	return jws, qr
}

// trust is the trust material of one verdict: keys and revocation lists
// by key reference (iss#kid).
type trust struct {
	keys map[string]shc.Key
	crls map[string]*shc.CRL
}

func newTrust() *trust {
	return &trust{keys: map[string]shc.Key{}, crls: map[string]*shc.CRL{}}
}

// addKeys trusts keys for issuer iss; keys bound to no issuer (iss "")
// are never found, because lookups use iss#kid.
func (tr *trust) addKeys(iss string, keys []shc.Key) {
	if iss == "" {
		return
	}
	for _, k := range keys {
		tr.keys[string(k.Ref(iss))] = k
	}
}

func (tr *trust) addCRL(iss string, c *shc.CRL) {
	if iss == "" {
		return
	}
	tr.crls[string(shc.KeyRef(iss, c.KID))] = c
}

// judge is the verdict on a decoded card: the key found by the card's
// whole key reference, then the signature, the content, the dates at the
// instant at, and revocation.
func (tr *trust) judge(c *shc.Card, at time.Time) error {
	ref := string(c.KeyRef())
	key, ok := tr.keys[ref]
	if !ok {
		return credential.NewError(credential.ReasonUnknownKey, "no trusted key "+ref, nil)
	}
	if err := c.Verify(key.PublicKey); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := c.CheckTime(at); err != nil {
		return err
	}
	return shc.CheckRevocation(key, tr.crls[ref], c)
}

// className returns the expected.json class of a verdict error.
func className(err error) string {
	var ce *credential.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce) && ce.Reason == credential.ReasonNotYetValid:
		return "not_yet_valid"
	case errors.Is(err, credential.ErrExpired):
		return "expired"
	case errors.Is(err, credential.ErrRevoked):
		return "revoked"
	case errors.Is(err, credential.ErrUntrusted):
		return "untrusted"
	case errors.Is(err, credential.ErrMalformed):
		return "malformed"
	}
	return "unclassified"
}

// knownReasons are the reasons this package's decoding and verification
// may give.
var knownReasons = map[credential.Reason]bool{
	credential.ReasonBadPrefix: true, credential.ReasonTooLarge: true, credential.ReasonBadCompression: true,
	credential.ReasonBadClaims: true, credential.ReasonSchema: true, credential.ReasonUnsupportedAlg: true,
	credential.ReasonBadSignature: true,
}

// checkErr fails unless err is a *credential.Error with a known reason
// that matches its class.
func checkErr(t testing.TB, stage string, err error) *credential.Error {
	t.Helper()
	var ce *credential.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: error %v (%T) is not a *credential.Error", stage, err, err)
	}
	if !knownReasons[ce.Reason] {
		t.Fatalf("%s: unexpected reason %q (%v)", stage, ce.Reason, err)
	}
	if !errors.Is(err, ce.Reason.Class()) {
		t.Fatalf("%s: errors.Is(err, class) = false for %v", stage, err)
	}
	return ce
}

// manifest is the shape of expected.json.
type manifest struct {
	Suite string       `json:"suite"`
	Clock string       `json:"clock"`
	Trust []trustEntry `json:"trust"`
	Cases []struct {
		Input  string       `json:"input"`
		Stage  string       `json:"stage"`
		Expect string       `json:"expect"`
		Class  string       `json:"class"`
		Clock  string       `json:"clock"`
		Trust  []trustEntry `json:"trust"`
		Note   string       `json:"note"`
	} `json:"cases"`
	Omitted []struct {
		Input string `json:"input"`
		Why   string `json:"why"`
	} `json:"omitted"`
}

type trustEntry struct {
	Kind   string `json:"kind"`
	File   string `json:"file"`
	Issuer string `json:"issuer"`
}

func loadManifest(t testing.TB, dir string) *manifest {
	t.Helper()
	var m manifest
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "expected.json")), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// loadTrust reads trust entries; a file that does not parse contributes
// nothing (and is logged).
func loadTrust(t testing.TB, dir string, entries []trustEntry) *trust {
	t.Helper()
	tr := newTrust()
	for _, e := range entries {
		data := readFile(t, filepath.Join(dir, e.File))
		switch e.Kind {
		case "jwks":
			keys, err := shc.ParseJWKS(data)
			if err != nil {
				t.Logf("trust %s: %v (no keys)", e.File, err)
				continue
			}
			tr.addKeys(e.Issuer, keys)
		case "crl-shc":
			c, err := shc.ParseCRL(data)
			if err != nil {
				t.Logf("trust %s: %v (no list)", e.File, err)
				continue
			}
			tr.addCRL(e.Issuer, c)
		default:
			t.Fatalf("trust kind %q is not for SHC", e.Kind)
		}
	}
	return tr
}

func parseClock(t testing.TB, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// judgeInput decodes one input of the given stage and judges it. skip is
// non-empty when the stage is not this package's to run.
func judgeInput(tr *trust, stage string, data []byte, at time.Time) (err error, skip string) {
	switch stage {
	case "qr-text":
		c, err := shc.Decode(strings.TrimSuffix(string(data), "\n"))
		if err != nil {
			return err, ""
		}
		return tr.judge(c, at), ""
	case "jws":
		c, err := shc.Decode(string(data))
		if err != nil {
			return err, ""
		}
		return tr.judge(c, at), ""
	case "shc-file":
		cards, err := shc.ParseFile(data)
		if err != nil {
			return err, ""
		}
		for _, c := range cards {
			if err := tr.judge(c, at); err != nil {
				return err, ""
			}
		}
		return nil, ""
	case "payload":
		c, err := shc.ParseClaims(data)
		if err != nil {
			return err, ""
		}
		if err := c.Validate(); err != nil {
			return err, ""
		}
		return c.CheckTime(at), ""
	case "image":
		return nil, "QR images are decoded by package qr and the verifier, not by this codec"
	}
	return nil, "unknown stage " + stage
}

func readFileIfExists(path string) ([]byte, error) { return os.ReadFile(path) }
