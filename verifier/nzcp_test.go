package verifier_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

func TestVerifyNZCP(t *testing.T) {
	const iss = "did:web:nzcp.example.nz"
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	trust := trustlist.NewStatic(
		&trustlist.Key{Format: credential.FormatNZCP, Issuer: iss, KID: []byte("key-1"), PublicKey: k1.Public(), Country: "NZ", Usage: trustlist.UsageAll},
		&trustlist.Key{Format: credential.FormatNZCP, Issuer: "did:web:other.example", KID: []byte("key-2"), PublicKey: k2.Public(), Country: "NZ", Usage: trustlist.UsageAll},
	)
	nbf := vnow.Add(-24 * time.Hour)
	subject := nzcp.Subject{GivenName: "Jack", FamilyName: "Sparrow", DOB: "1960-04-16"}
	sign := func(key *ecdsa.PrivateKey, iss, kid string, nbf, exp time.Time) string {
		t.Helper()
		s, err := nzcp.Sign(key, iss, kid, subject, nbf, exp, [16]byte{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	v := newVerifier(t, trust)
	res, err := v.Verify(sign(k1, iss, "key-1", nbf, vnow.AddDate(1, 0, 0)))
	if err != nil {
		t.Fatalf("valid pass: %v", err)
	}
	if res.Format != credential.FormatNZCP || res.Country != "NZ" || res.Credential.Holder.GivenName != "Jack" || res.Credential.DateOfBirth != "1960-04-16" {
		t.Errorf("result %+v %+v", res, res.Credential)
	}
	tests := []struct {
		name   string
		text   string
		reason credential.Reason
	}{
		{"kid the issuer does not list, though key-1 signed it", sign(k1, iss, "key-2", nbf, vnow.AddDate(1, 0, 0)), credential.ReasonUnknownKey},
		{"another issuer's key under this issuer", sign(k2, iss, "key-1", nbf, vnow.AddDate(1, 0, 0)), credential.ReasonBadSignature},
		{"trusted key of another issuer claimed by an untrusted issuer", sign(k2, "did:web:evil.example", "key-2", nbf, vnow.AddDate(1, 0, 0)), credential.ReasonUnknownKey},
		{"expired", sign(k1, iss, "key-1", nbf, vnow.Add(-time.Hour)), credential.ReasonExpired},
		{"expires exactly now", sign(k1, iss, "key-1", nbf, vnow.Add(-verifier.DefaultSkew)), credential.ReasonExpired},
		{"not active yet", sign(k1, iss, "key-1", vnow.Add(time.Hour), vnow.AddDate(1, 0, 0)), credential.ReasonNotYetValid},
		{"damaged base32", "NZCP:/1/2KCEV!QEIVVWK6JNGEASNICZAEP2KALYDZSGSZB2O5SWEOTOPJRXALTDN53GSZBRHEXGQZLBNR2GQLTOPICRU", credential.ReasonBadCOSE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(tt.text)
			var ve *verifier.Error
			if res != nil || err == nil {
				t.Fatalf("accepted: %+v", res)
			}
			if !asError(err, &ve) || ve.Reason != tt.reason {
				t.Errorf("got %v, want %s", err, tt.reason)
			}
		})
	}
}

func asError(err error, ve **verifier.Error) bool {
	e, ok := err.(*verifier.Error)
	*ve = e
	return ok
}
