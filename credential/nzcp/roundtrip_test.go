package nzcp_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
)

func TestRoundTrip(t *testing.T) {
	key := key1Once()
	s, err := nzcp.Sign(key, testIss, testKID, testSubject, testNbf, testExp, testJTI)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !strings.HasPrefix(s, nzcp.Prefix) || strings.ContainsAny(s[len(nzcp.Prefix):], "=abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("Sign = %.20q…, want NZCP:/1/ and unpadded upper-case base32", s)
	}
	p, err := nzcp.Decode(s)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if p.Issuer != testIss || string(p.KID) != testKID || !p.NotBefore.Equal(testNbf) || !p.ExpiresAt.Equal(testExp) ||
		p.JTI != testJTIURN || p.Subject != testSubject || p.Version != nzcp.Version ||
		strings.Join(p.Context, " ") != nzcp.ContextW3C+" "+nzcp.ContextNZCP {
		t.Errorf("decoded pass = %+v", p)
	}
	if got, want := string(p.KeyRef()), testIss+"#"+testKID; got != want {
		t.Errorf("KeyRef = %q, want %q", got, want)
	}
	if err := p.Verify(key.Public()); err != nil {
		t.Fatalf("Verify with the signing key: %v", err)
	}
	if _, err := verifyPass(s, trustFor(&key.PublicKey), testNbf); err != nil {
		t.Errorf("verify at nbf: %v", err)
	}
	if _, err := verifyPass(s, trustFor(&key.PublicKey), testNbf.Add(-time.Second)); err == nil {
		t.Errorf("verify a second before nbf succeeded")
	} else {
		wantReason(t, err, credential.ReasonNotYetValid)
	}
	if _, err := verifyPass(s, trustFor(&key.PublicKey), testExp); err == nil {
		t.Errorf("verify at exp succeeded (exp is exclusive)")
	} else {
		wantReason(t, err, credential.ReasonExpired)
	}

	// Another key, other key types, tampering.
	wantReason(t, p.Verify(key2Once().Public()), credential.ReasonBadSignature)
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	for _, pub := range []any{p384.Public(), nil, (*ecdsa.PublicKey)(nil), &rsa.PublicKey{}, "key"} {
		err := p.Verify(pub)
		wantReason(t, err, credential.ReasonBadSignature)
		if !errors.Is(err, nzcp.ErrKeyMismatch) {
			t.Errorf("Verify(%T) = %v, want ErrKeyMismatch", pub, err)
		}
	}
	for name, mutate := range map[string]func(q *nzcp.Pass){
		"payload":   func(q *nzcp.Pass) { q.Payload[len(q.Payload)-1] ^= 1 },
		"protected": func(q *nzcp.Pass) { q.Protected[len(q.Protected)-1] ^= 1 },
		"signature": func(q *nzcp.Pass) { q.Signature[10] ^= 1 },
		"zero r":    func(q *nzcp.Pass) { clear(q.Signature[:32]) },
		"short sig": func(q *nzcp.Pass) { q.Signature = q.Signature[:63] },
	} {
		q, err := nzcp.Decode(s)
		if err != nil {
			t.Fatal(err)
		}
		mutate(q)
		if err := q.Verify(key.Public()); err == nil {
			t.Errorf("Verify after changing the %s succeeded", name)
		} else {
			wantReason(t, err, credential.ReasonBadSignature)
		}
	}

	// The common model.
	c := p.Credential()
	if c.Format != credential.FormatNZCP || c.Type != "" || c.Holder.GivenName != "Jack" || c.Holder.FamilyName != "Sparrow" ||
		c.DateOfBirth != "1960-04-16" || c.Country != "NZ" || !c.IssuedAt.Equal(testNbf) || !c.ExpiresAt.Equal(testExp) ||
		!bytes.Equal(c.Raw, p.Payload) || c.Vaccination != nil || c.DCC != nil {
		t.Errorf("Credential() = %+v", c)
	}
	c.Raw[0] ^= 1
	if c.Raw[0] == p.Payload[0] {
		t.Errorf("Credential().Raw aliases the pass")
	}
	ref := p.KeyRef()
	ref[0] = 'X'
	if p.KeyRef()[0] == 'X' {
		t.Errorf("KeyRef aliases the pass")
	}
}

// TestSignMatchesSpecExample signs the claims of the specification's valid
// example and gets its protected header and payload byte for byte.
func TestSignMatchesSpecExample(t *testing.T) {
	loadManifest(t)
	ex, err := nzcp.Decode(strings.TrimSpace(string(mustRead(t, filepath.Join("examples", "valid", "nzcp.txt")))))
	if err != nil {
		t.Fatal(err)
	}
	var jti [16]byte
	copy(jti[:], testJTI[:]) // the example's cti
	if ex.JTI != testJTIURN {
		t.Fatalf("example JTI = %q", ex.JTI)
	}
	s, err := nzcp.Sign(key1Once(), ex.Issuer, string(ex.KID), ex.Subject, ex.NotBefore, ex.ExpiresAt, jti)
	if err != nil {
		t.Fatal(err)
	}
	p, err := nzcp.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Protected, ex.Protected) || !bytes.Equal(p.Payload, ex.Payload) {
		t.Errorf("Sign's headers and claims differ from the example:\nprotected %x\nwant      %x\npayload %x\nwant    %x", p.Protected, ex.Protected, p.Payload, ex.Payload)
	}
	if len(s) != 600 {
		t.Errorf("text is %d characters, the example's is 600", len(s))
	}
}

func TestSignRefuses(t *testing.T) {
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	long := strings.Repeat("x", 101)
	tests := []struct {
		name   string
		signer any
		iss    string
		kid    string
		subj   nzcp.Subject
		nbf    time.Time
		exp    time.Time
	}{
		{"P-384 signer", p384, testIss, testKID, testSubject, testNbf, testExp},
		{"nil signer", nil, testIss, testKID, testSubject, testNbf, testExp},
		{"iss not did:web", key1Once(), "https://issuer.example.nz", testKID, testSubject, testNbf, testExp},
		{"iss IP address", key1Once(), "did:web:10.0.0.1", testKID, testSubject, testNbf, testExp},
		{"empty kid", key1Once(), testIss, "", testSubject, testNbf, testExp},
		{"kid with #", key1Once(), testIss, "a#b", testSubject, testNbf, testExp},
		{"no givenName", key1Once(), testIss, testKID, nzcp.Subject{DOB: "1960-04-16"}, testNbf, testExp},
		{"long givenName", key1Once(), testIss, testKID, nzcp.Subject{GivenName: long, DOB: "1960-04-16"}, testNbf, testExp},
		{"long familyName", key1Once(), testIss, testKID, nzcp.Subject{GivenName: "A", FamilyName: long, DOB: "1960-04-16"}, testNbf, testExp},
		{"bad dob", key1Once(), testIss, testKID, nzcp.Subject{GivenName: "A", DOB: "1960-13-01"}, testNbf, testExp},
		{"no dob", key1Once(), testIss, testKID, nzcp.Subject{GivenName: "A"}, testNbf, testExp},
		{"name not UTF-8", key1Once(), testIss, testKID, nzcp.Subject{GivenName: "\xff", DOB: "1960-04-16"}, testNbf, testExp},
		{"exp = nbf", key1Once(), testIss, testKID, testSubject, testNbf, testNbf},
		{"exp before nbf", key1Once(), testIss, testKID, testSubject, testExp, testNbf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var signer *ecdsa.PrivateKey
			if k, ok := tt.signer.(*ecdsa.PrivateKey); ok {
				signer = k
			}
			var s string
			var err error
			if signer == nil {
				s, err = nzcp.Sign(nil, tt.iss, tt.kid, tt.subj, tt.nbf, tt.exp, testJTI)
			} else {
				s, err = nzcp.Sign(signer, tt.iss, tt.kid, tt.subj, tt.nbf, tt.exp, testJTI)
			}
			if err == nil {
				t.Fatalf("Sign = %.20q…, want an error", s)
			}
			if s != "" {
				t.Errorf("Sign returned text with the error")
			}
		})
	}
}
