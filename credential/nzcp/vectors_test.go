package nzcp_test

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
)

// manifest is the shape of expected.json (see SOURCES.md).
type manifest struct {
	Suite string       `json:"suite"`
	Clock string       `json:"clock"`
	Trust []trustEntry `json:"trust"`
	Cases []struct {
		Input  string        `json:"input"`
		Stage  string        `json:"stage"`
		Expect string        `json:"expect"`
		Class  string        `json:"class"`
		Clock  string        `json:"clock"`
		Trust  *[]trustEntry `json:"trust"`
		Note   string        `json:"note"`
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

// loadManifest reads expected.json, skipping the test when the vector
// folder is absent.
func loadManifest(t testing.TB) *manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, "expected.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("NZCP test vectors not found: %s/expected.json is absent (the shared vectors live in ../shared/testvectors/nzcp next to the module)", vectorsDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	if m.Suite != "nzcp" {
		t.Fatalf("expected.json is for suite %q", m.Suite)
	}
	return &m
}

// loadTrust builds the trust of a manifest's entries. Only "did" entries
// can hold NZCP keys; a file that does not parse contributes no keys.
func loadTrust(t testing.TB, entries []trustEntry) trust {
	t.Helper()
	tr := trust{}
	for _, e := range entries {
		if e.Kind != "did" {
			t.Logf("trust entry %s (%s) holds no NZCP keys", e.File, e.Kind)
			continue
		}
		data, err := os.ReadFile(filepath.Join(vectorsDir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := nzcp.ParseDIDDocument(data)
		if err != nil {
			t.Logf("trust file %s does not parse: %v", e.File, err)
			continue
		}
		issuer := e.Issuer
		if issuer == "" {
			t.Logf("trust file %s names no issuer: its keys belong to none", e.File)
		} else if doc.ID != issuer {
			t.Logf("trust file %s is the document of %q, not of %q: no keys", e.File, doc.ID, issuer)
			continue
		}
		keys, err := doc.AssertionKeys()
		if err != nil {
			t.Logf("trust file %s: %v", e.File, err)
			continue
		}
		for _, k := range keys {
			tr[k.ID] = trustedKey{issuer: issuer, pub: k.PublicKey.(*ecdsa.PublicKey)}
		}
	}
	return tr
}

// caseText returns the QR text of a case. A qr-text input loses one final
// newline (scanner noise). An image is not decoded here (images are package
// qr's job, and this codec's tests use only the codec): the text recorded
// beside it is used instead, which SOURCES.md says the image decodes to.
func caseText(t *testing.T, input, stage string) string {
	t.Helper()
	path := filepath.Join(vectorsDir, input)
	switch stage {
	case "qr-text":
	case "image":
		base := strings.TrimSuffix(input, filepath.Ext(input)) + ".txt"
		path = filepath.Join(vectorsDir, base)
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(vectorsDir, "derived", filepath.Base(base))
		}
		if _, err := os.Stat(path); err != nil {
			t.Skipf("image %s has no recorded text; decode it with package qr", input)
		}
		rel, _ := filepath.Rel(vectorsDir, path)
		t.Logf("image stage: checking the recorded text of the same QR code, %s", rel)
	default:
		t.Skipf("stage %q is not an NZCP codec input", stage)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// wantReasons pins the reason of each invalid text, beyond its class.
var wantReasons = map[string]credential.Reason{
	"nzcp-bad-public-key":            credential.ReasonBadSignature,
	"nzcp-not-associated-public-key": credential.ReasonUnknownKey,
	"nzcp-modified-sig":              credential.ReasonBadSignature,
	"nzcp-modified-payload":          credential.ReasonBadSignature,
	"nzcp-expired-payload":           credential.ReasonExpired,
	"nzcp-notactive-payload":         credential.ReasonNotYetValid,
	"nzcp-revoked-public-key":        credential.ReasonUnknownKey,
}

func TestVectors(t *testing.T) {
	m := loadManifest(t)
	topTrust := loadTrust(t, m.Trust)
	if len(topTrust) == 0 {
		t.Fatal("the manifest's trust holds no keys")
	}
	if len(m.Cases) == 0 {
		t.Fatal("expected.json has no cases")
	}
	for _, c := range m.Cases {
		t.Run(c.Input, func(t *testing.T) {
			clock := m.Clock
			if c.Clock != "" {
				clock = c.Clock
			}
			now, err := time.Parse(time.RFC3339, clock)
			if err != nil {
				t.Fatalf("clock %q: %v", clock, err)
			}
			tr := topTrust
			if c.Trust != nil {
				tr = loadTrust(t, *c.Trust)
			}
			txt := caseText(t, c.Input, c.Stage)
			_, err = verifyPass(txt, tr, now)
			if c.Expect == "valid" {
				if err != nil {
					t.Fatalf("want valid, got %v (%s)", err, c.Note)
				}
				return
			}
			if err == nil {
				t.Fatalf("want invalid/%s, got valid (%s)", c.Class, c.Note)
			}
			class, reason := verdictClass(err)
			if class != c.Class {
				t.Fatalf("want invalid/%s, got %s: %v (%s)", c.Class, class, err, c.Note)
			}
			name := strings.TrimSuffix(filepath.Base(c.Input), filepath.Ext(c.Input))
			if want, ok := wantReasons[name]; ok && reason != want {
				t.Errorf("reason %s, want %s: %v", reason, want, err)
			}
			t.Logf("invalid/%s: %v", class, err)
		})
	}
}

// TestVectorValidDecode checks the decoded valid pass against the decode
// oracles of the valid example.
func TestVectorValidDecode(t *testing.T) {
	loadManifest(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(vectorsDir, "examples/valid", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p, err := nzcp.Decode(strings.TrimSpace(string(read("nzcp.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss string `json:"iss"`
		Nbf int64  `json:"nbf"`
		Exp int64  `json:"exp"`
		JTI string `json:"jti"`
		VC  struct {
			Context           []string     `json:"@context"`
			Version           string       `json:"version"`
			CredentialSubject nzcp.Subject `json:"credentialSubject"`
		} `json:"vc"`
	}
	if err := json.Unmarshal(read("nzcp.json"), &claims); err != nil {
		t.Fatal(err)
	}
	if p.Issuer != claims.Iss || p.NotBefore.Unix() != claims.Nbf || p.ExpiresAt.Unix() != claims.Exp || p.JTI != claims.JTI {
		t.Errorf("claims = %q %v %v %q, want %q %d %d %q", p.Issuer, p.NotBefore, p.ExpiresAt, p.JTI, claims.Iss, claims.Nbf, claims.Exp, claims.JTI)
	}
	if p.Subject != claims.VC.CredentialSubject || p.Version != claims.VC.Version || strings.Join(p.Context, " ") != strings.Join(claims.VC.Context, " ") {
		t.Errorf("vc = %+v %q %q, want %+v", p.Subject, p.Version, p.Context, claims.VC)
	}
	var hdr struct{ KID, Alg string }
	if err := json.Unmarshal(read("nzcp-protected-headers.json"), &hdr); err != nil {
		t.Fatal(err)
	}
	if string(p.KID) != hdr.KID || hdr.Alg != "ES256" {
		t.Errorf("kid = %q, want %q (alg %s)", p.KID, hdr.KID, hdr.Alg)
	}
	if got, want := string(p.KeyRef()), "did:web:nzcp.covid19.health.nz#key-1"; got != want {
		t.Errorf("KeyRef = %q, want %q", got, want)
	}
	// The COSE message, rebuilt from the parts, is the hex intermediate.
	want, err := hex.DecodeString(strings.TrimSpace(string(read("nzcp-cwt-hex.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	msg := cose(tag18, p.Protected, emptyMap, p.Payload, p.Signature)
	if !bytes.Equal(msg, want) {
		t.Errorf("COSE message = %x\nwant %x", msg, want)
	}
	c := p.Credential()
	if c.Format != credential.FormatNZCP || c.Type != "" || c.Holder.GivenName != "Jack" || c.Holder.FamilyName != "Sparrow" ||
		c.DateOfBirth != "1960-04-16" || c.Country != "NZ" || !c.IssuedAt.Equal(p.NotBefore) || !c.ExpiresAt.Equal(p.ExpiresAt) ||
		!bytes.Equal(c.Raw, p.Payload) {
		t.Errorf("Credential() = %+v", c)
	}
}

// TestVectorKeyTraps checks the facts SOURCES.md records about the
// signatures, so that a verdict cannot be right for the wrong reason.
func TestVectorKeyTraps(t *testing.T) {
	m := loadManifest(t)
	tr := loadTrust(t, m.Trust)
	key1 := tr["did:web:nzcp.covid19.health.nz#key-1"].pub
	if key1 == nil {
		t.Fatal("did.json does not yield #key-1")
	}
	if len(tr) != 1 {
		t.Errorf("did.json yields %d keys, want only #key-1", len(tr))
	}
	// jwk.json is the same key.
	jwkDoc := `{"id":"did:web:x.example","verificationMethod":[{"id":"#k","type":"JsonWebKey2020","controller":"did:web:x.example","publicKeyJwk":` +
		string(mustRead(t, "examples/valid/jwk.json")) + `}],"assertionMethod":["#k"]}`
	doc, err := nzcp.ParseDIDDocument([]byte(jwkDoc))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := doc.AssertionKeys()
	if err != nil || len(keys) != 1 || !keys[0].PublicKey.(*ecdsa.PublicKey).Equal(key1) {
		t.Fatalf("jwk.json is not the key of did.json: %v %v", keys, err)
	}
	for _, c := range []struct {
		file   string
		kid    string
		verify bool
	}{
		{"examples/valid/nzcp.txt", "key-1", true},
		{"examples/invalid/nzcp-bad-public-key.txt", "key-1", false},
		{"examples/invalid/nzcp-not-associated-public-key.txt", "key-2", true},
		{"examples/invalid/nzcp-modified-sig.txt", "key-1", false},
		{"examples/invalid/nzcp-modified-payload.txt", "key-1", false},
		{"examples/invalid/nzcp-expired-payload.txt", "key-1", true},
		{"examples/invalid/nzcp-notactive-payload.txt", "key-1", true},
	} {
		p, err := nzcp.Decode(strings.TrimSpace(string(mustRead(t, c.file))))
		if err != nil {
			t.Errorf("%s: Decode: %v", c.file, err)
			continue
		}
		if string(p.KID) != c.kid || p.Issuer != "did:web:nzcp.covid19.health.nz" {
			t.Errorf("%s: iss#kid = %s, want kid %s", c.file, p.KeyRef(), c.kid)
		}
		err = p.Verify(key1)
		if c.verify && err != nil {
			t.Errorf("%s: signature with key-1: %v, want it to verify", c.file, err)
		}
		if !c.verify {
			if err == nil {
				t.Errorf("%s: signature verifies with key-1", c.file)
			} else {
				wantReason(t, err, credential.ReasonBadSignature)
			}
		}
	}
	// The revoked-key pass decodes; only the trust check refuses it.
	p, err := nzcp.Decode(strings.TrimSpace(string(mustRead(t, "derived/nzcp-revoked-public-key.txt"))))
	if err != nil {
		t.Fatalf("revoked-public-key: Decode: %v", err)
	}
	if got, want := string(p.KeyRef()), "did:web:mattrglobal.github.io:nzcp:qvnnk89kijroeindxa3u#key-2"; got != want {
		t.Errorf("revoked-public-key: KeyRef = %q, want %q", got, want)
	}
	if p.JTI != "urn:uuid:ebf858ca-eecb-4a24-92fb-0665e6d0f250" {
		t.Errorf("revoked-public-key: JTI = %q (cti in tag 64)", p.JTI)
	}
	if u, err := nzcp.DIDWebURL(p.Issuer); err != nil || u != "https://mattrglobal.github.io/nzcp/qvnnk89kijroeindxa3u/did.json" {
		t.Errorf("revoked-public-key: DIDWebURL = %q, %v", u, err)
	}
}

// TestVectorManifestCoverage checks that every input file in the folder is
// a case or listed as omitted.
func TestVectorManifestCoverage(t *testing.T) {
	m := loadManifest(t)
	listed := map[string]bool{}
	for _, c := range m.Cases {
		listed[c.Input] = true
	}
	for _, o := range m.Omitted {
		listed[o.Input] = true
	}
	for _, dir := range []string{"examples/valid", "examples/invalid", "derived"} {
		entries, err := os.ReadDir(filepath.Join(vectorsDir, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := dir + "/" + e.Name()
			if !listed[name] && e.Name() != "did.json" && e.Name() != "jwk.json" {
				t.Errorf("%s is neither a case nor omitted in expected.json", name)
			}
		}
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
