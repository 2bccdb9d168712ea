package nzcp_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential/nzcp"
)

// benchInputs returns a pass text, the trust that verifies it and a clock
// inside its validity: the specification's valid example with its DID
// document when the vectors are present, else a pass signed here.
func benchInputs(b *testing.B) (string, trust, time.Time) {
	b.Helper()
	txt, err := os.ReadFile(filepath.Join(vectorsDir, "examples/valid/nzcp.txt"))
	doc, err2 := os.ReadFile(filepath.Join(vectorsDir, "examples/valid/did.json"))
	if err != nil || err2 != nil {
		b.Logf("NZCP vectors absent (%v); benchmarking a pass signed here", err)
		s := must(nzcp.Sign(key1Once(), testIss, testKID, testSubject, testNbf, testExp, testJTI))
		return s, trustFor(&key1Once().PublicKey), testNbf.Add(time.Hour)
	}
	d := must(nzcp.ParseDIDDocument(doc))
	tr := trust{}
	for _, k := range must(d.AssertionKeys()) {
		tr[k.ID] = trustedKey{issuer: d.ID, pub: k.PublicKey.(*ecdsa.PublicKey)}
	}
	return strings.TrimSpace(string(txt)), tr, time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
}

// BenchmarkVerifyNZCP is a full verification from NZCP:/1/ text: decode,
// key lookup by KeyRef, ES256 check and time check. Its floor is
// BenchmarkFloorECDSA.
func BenchmarkVerifyNZCP(b *testing.B) {
	s, tr, now := benchInputs(b)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifyPass(s, tr, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeNZCP is the decoding part alone, without the signature.
func BenchmarkDecodeNZCP(b *testing.B) {
	s, _, _ := benchInputs(b)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nzcp.Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorECDSA is a bare ecdsa.Verify of the same signature over the
// same, precomputed digest: what BenchmarkVerifyNZCP cannot go below.
func BenchmarkFloorECDSA(b *testing.B) {
	s, tr, _ := benchInputs(b)
	p := must(nzcp.Decode(s))
	pub := tr[string(p.KeyRef())].pub
	d := sha256.Sum256(toBeSigned(p.Protected, p.Payload))
	sig := p.Signature
	b.ReportAllocs()
	for b.Loop() {
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, d[:], r, s) {
			b.Fatal("floor does not verify")
		}
	}
}
