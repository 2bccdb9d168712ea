package vdsnc_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/b5m5/travelcred/credential/vdsnc"
)

// BenchmarkVerifyVDSNC measures the verification of the real AU seal
// (ddcc-validator, 1,658 bytes) with the pinned clock: "signature" is
// Decode (strict JSON, JCS, BSC parse) plus the ECDSA check; "full" adds
// the chain, with the RSA-4096 CSCA checking the BSC and its CRL. Compare
// with BenchmarkVerifyVDSNCFloor below, the bare cost of one P-256 verify.
func BenchmarkVerifyVDSNC(b *testing.B) {
	text := string(vectorFile(b, "ddcc-validator/ICAOAUQR1Contents.txt"))
	cscas, crls := auTrust(b)
	b.Run("signature", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			s, err := vdsnc.Decode(text)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.VerifySignature(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache := vdsnc.NewSignatureCache(0)
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			s, err := vdsnc.Decode(text)
			if err == nil {
				err = s.VerifySignature()
			}
			if err == nil {
				_, err = cache.VerifyChain(s, cscas, crls, auClock)
			}
			if err == nil {
				_, err = s.Credential()
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			if err := verdictErr(text, cscas, crls, auClock); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyVDSNCFloor is the floor of BenchmarkVerifyVDSNC: one
// ecdsa.Verify of the AU seal's signature over a precomputed digest, with
// the key and r, s already decoded.
func BenchmarkVerifyVDSNCFloor(b *testing.B) {
	s, err := vdsnc.Decode(string(vectorFile(b, "ddcc-validator/ICAOAUQR1Contents.txt")))
	if err != nil {
		b.Fatal(err)
	}
	pub := s.BSC.PublicKey.(*ecdsa.PublicKey)
	d := sha256.Sum256(s.Canonical)
	r := new(big.Int).SetBytes(s.Signature[:32])
	sv := new(big.Int).SetBytes(s.Signature[32:])
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.Verify(pub, d[:], r, sv) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkDecode measures Decode alone on the real AU seal: strict JSON
// checks, message parsing, JCS and the BSC parse.
func BenchmarkDecode(b *testing.B) {
	text := string(vectorFile(b, "ddcc-validator/ICAOAUQR1Contents.txt"))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vdsnc.Decode(text); err != nil {
			b.Fatal(err)
		}
	}
}
