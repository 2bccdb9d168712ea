package nzcp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
)

// knownReasons are the reasons Decode and Verify may give.
var knownReasons = map[credential.Reason]bool{
	credential.ReasonBadPrefix: true, credential.ReasonTooLarge: true, credential.ReasonBadCOSE: true,
	credential.ReasonBadCBOR: true, credential.ReasonBadClaims: true, credential.ReasonUnsupportedAlg: true,
	credential.ReasonBadSignature: true,
}

func checkErr(t *testing.T, stage string, err error) {
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
}

func FuzzDecode(f *testing.F) {
	valid := sampleText(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(must(nzcp.Sign(key1Once(), testIss, testKID, nzcp.Subject{GivenName: "A", DOB: "2000-01-01"}, testNbf, testExp, testJTI)))
	f.Add(claimsText(f, sampleClaims().with(7, tagged{64, testJTI[:]}).with(5, f64(1.5e9))))
	f.Add("")
	f.Add(nzcp.Prefix)
	f.Add("NZCP:/2/" + valid[len(nzcp.Prefix):])
	f.Add(strings.ToLower(valid))
	f.Add(text([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40}))
	f.Add(text([]byte{0xd2, 0x9f, 0x40, 0xa0, 0x40, 0x40, 0xff}))
	for _, dir := range []string{"examples/valid", "examples/invalid", "derived"} {
		files, _ := filepath.Glob(filepath.Join(vectorsDir, dir, "*.txt"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil && strings.HasPrefix(string(b), "NZCP:") {
				f.Add(strings.TrimSpace(string(b)))
			}
		}
	}
	pub := key1Once().Public()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := nzcp.Decode(s)
		if err != nil {
			if p != nil {
				t.Fatal("Decode returned a pass and an error")
			}
			checkErr(t, "Decode", err)
			return
		}
		// A decoded pass keeps every rule Decode enforces.
		if !strings.HasPrefix(s, nzcp.Prefix) || len(p.Signature) != 64 || len(p.KID) == 0 ||
			!strings.HasPrefix(p.Issuer, "did:web:") || len(p.JTI) != len("urn:uuid:")+36 ||
			p.Subject.GivenName == "" || utf8.RuneCountInString(p.Subject.GivenName) > nzcp.MaxNameLen ||
			utf8.RuneCountInString(p.Subject.FamilyName) > nzcp.MaxNameLen || len(p.Subject.DOB) != 10 ||
			len(p.Context) == 0 || p.Context[0] != nzcp.ContextW3C {
			t.Fatalf("Decode accepted a pass that breaks its rules: %+v", p)
		}
		if ref := string(p.KeyRef()); ref != p.Issuer+"#"+string(p.KID) || strings.Count(ref, "#") != 1 {
			t.Fatalf("KeyRef = %q", ref)
		}
		if _, err := nzcp.DIDWebURL(p.Issuer); err != nil {
			t.Fatalf("iss %q has no DID URL: %v", p.Issuer, err)
		}
		if err := p.Verify(pub); err != nil {
			checkErr(t, "Verify", err)
		}
		if c := p.Credential(); c.Format != credential.FormatNZCP || c.Holder.GivenName != p.Subject.GivenName {
			t.Fatalf("Credential() = %+v", c)
		}
		// Decoding is deterministic.
		q, err := nzcp.Decode(s)
		if err != nil || string(q.Payload) != string(p.Payload) || q.JTI != p.JTI {
			t.Fatalf("second Decode differs: %v", err)
		}
	})
}

func FuzzParseDIDDocument(f *testing.F) {
	f.Add([]byte(didDoc("", "")))
	f.Add([]byte(didDoc(`, "d": "AA"`, "")))
	f.Add([]byte(`{"id":"did:web:a.example","assertionMethod":[{"id":"#k","type":"JsonWebKey2020","controller":"x","publicKeyJwk":{"kty":"EC","crv":"P-256","x":"","y":""}}]}`))
	if b, err := os.ReadFile(filepath.Join(vectorsDir, "examples/valid/did.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := nzcp.ParseDIDDocument(data)
		if err != nil {
			if !errors.Is(err, nzcp.ErrDIDDocument) {
				t.Fatalf("error %v does not wrap ErrDIDDocument", err)
			}
			return
		}
		keys, err := d.AssertionKeys()
		if err != nil {
			if !errors.Is(err, nzcp.ErrDIDDocument) {
				t.Fatalf("error %v does not wrap ErrDIDDocument", err)
			}
			return
		}
		for _, k := range keys {
			if !strings.HasPrefix(k.ID, d.ID+"#") || len(k.ID) == len(d.ID)+1 || k.Controller == "" || k.PublicKey == nil {
				t.Fatalf("bad key %+v of %q", k, d.ID)
			}
		}
	})
}
