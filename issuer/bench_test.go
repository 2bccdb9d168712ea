package issuer_test

// Issuing benchmarks of issue 4, each with its floor in this package so
// that scripts/bench takes ratios from one run: Issue (schema check, CBOR,
// COSE, zlib and Base45 to HC1: text; no QR image) against a bare
// signature of the same bytes: SHA-256 of the Sig_structure, then the
// ECDSA or RSA-PSS signature, as crypto.Signer makes it (ecdsa.SignASN1,
// rsa.SignPSS). The Pair benchmarks measure
// the two call by call in one loop, for a ratio that contention on a
// shared machine does not distort.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/benchpair"
	"github.com/b5m5/travelcred/testvectors"
)

// benchMember returns the shared federation's member signing with alg
// (GB: ES256, NZ: PS256 on a 3072-bit key).
func benchMember(b *testing.B, alg string) *testvectors.Member {
	b.Helper()
	f, err := federation()
	if err != nil {
		b.Fatal(err)
	}
	cc := "GB"
	if alg == "PS256" {
		cc = "NZ"
	}
	m, err := f.Member(cc)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchIssue(b *testing.B, alg string) {
	m := benchMember(b, alg)
	d := testvectors.SamplePayload(credential.TypeVaccination, m.Country)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Issuer.Issue(d); err != nil {
			b.Fatal(err)
		}
	}
}

// floorBytes returns the Sig_structure of a credential the member issued:
// the bytes Issue signs.
func floorBytes(b *testing.B, m *testvectors.Member) []byte {
	b.Helper()
	out, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, m.Country))
	if err != nil {
		b.Fatal(err)
	}
	msg, err := hcert.ParseCOSE(out.COSE)
	if err != nil {
		b.Fatal(err)
	}
	return hcert.ToBeSigned(msg.Protected, msg.Payload)
}

// signES256 and signPS256 are the floors: a bare signature of tbs.
func signES256(b *testing.B, key *ecdsa.PrivateKey, tbs []byte) {
	d := sha256.Sum256(tbs)
	if _, err := ecdsa.SignASN1(rand.Reader, key, d[:]); err != nil {
		b.Fatal(err)
	}
}

func signPS256(b *testing.B, key *rsa.PrivateKey, tbs []byte) {
	d := sha256.Sum256(tbs)
	if _, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIssueES256 issues an ES256 vaccination credential as HC1:
// text; its floor is BenchmarkFloorSignES256.
func BenchmarkIssueES256(b *testing.B) { benchIssue(b, "ES256") }

// BenchmarkIssuePS256 is the PS256 (RSA 3072) counterpart; floor
// BenchmarkFloorSignPS256.
func BenchmarkIssuePS256(b *testing.B) { benchIssue(b, "PS256") }

// BenchmarkFloorSignES256 is a bare ES256 signature of the same bytes.
func BenchmarkFloorSignES256(b *testing.B) {
	m := benchMember(b, "ES256")
	tbs := floorBytes(b, m)
	key := m.DSCKey.(*ecdsa.PrivateKey)
	b.ReportAllocs()
	for b.Loop() {
		signES256(b, key, tbs)
	}
}

// BenchmarkFloorSignPS256 is a bare PS256 signature of the same bytes.
func BenchmarkFloorSignPS256(b *testing.B) {
	m := benchMember(b, "PS256")
	tbs := floorBytes(b, m)
	key := m.DSCKey.(*rsa.PrivateKey)
	b.ReportAllocs()
	for b.Loop() {
		signPS256(b, key, tbs)
	}
}

func benchPairIssue(b *testing.B, alg string, floor func(tbs []byte) func()) {
	m := benchMember(b, alg)
	d := testvectors.SamplePayload(credential.TypeVaccination, m.Country)
	benchpair.Run(b, floor(floorBytes(b, m)), func() {
		if _, err := m.Issuer.Issue(d); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkPairIssueES256 is BenchmarkIssueES256 against
// BenchmarkFloorSignES256, measured as a pair (budget: x-floor ≤ 1.15).
func BenchmarkPairIssueES256(b *testing.B) {
	key := benchMember(b, "ES256").DSCKey.(*ecdsa.PrivateKey)
	benchPairIssue(b, "ES256", func(tbs []byte) func() {
		return func() { signES256(b, key, tbs) }
	})
}

// BenchmarkPairIssuePS256 is BenchmarkIssuePS256 against
// BenchmarkFloorSignPS256 as a pair.
func BenchmarkPairIssuePS256(b *testing.B) {
	key := benchMember(b, "PS256").DSCKey.(*rsa.PrivateKey)
	benchPairIssue(b, "PS256", func(tbs []byte) func() {
		return func() { signPS256(b, key, tbs) }
	})
}
