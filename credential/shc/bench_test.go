package shc_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential/shc"
)

// benchCard is the official card 00 and its key, or our own card when the
// shared vectors are absent.
func benchCard(b *testing.B) (*shc.Card, *ecdsa.PublicKey) {
	b.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testvectors", "shc")
	if data, err := readFileIfExists(filepath.Join(dir, "examples", "example-00-d-jws.txt")); err == nil {
		c := must(shc.Decode(string(data)))
		keys := must(shc.ParseJWKS(must(readFileIfExists(filepath.Join(dir, "examples/issuer/.well-known/jwks.json")))))
		for _, k := range keys {
			if k.KID == c.KID {
				return c, k.PublicKey
			}
		}
	}
	jws, _ := signSample(b, keyA(), issA, nil)
	return must(shc.Decode(jws)), &keyA().PublicKey
}

// BenchmarkVerifySHC measures Card.Verify: hashing the signing input and
// the ES256 check.
func BenchmarkVerifySHC(b *testing.B) {
	c, pub := benchCard(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Verify(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySHCFloor is the floor of BenchmarkVerifySHC: the bare
// ecdsa.Verify of the same signature over a precomputed digest.
func BenchmarkVerifySHCFloor(b *testing.B) {
	c, pub := benchCard(b)
	i := strings.LastIndexByte(c.JWS, '.')
	d := sha256.Sum256([]byte(c.JWS[:i]))
	sig := must(b64.DecodeString(c.JWS[i+1:]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.Verify(pub, d[:], r, s) {
			b.Fatal("no")
		}
	}
}

// BenchmarkDecodeSHC measures Decode of QR text (numeric, inflate,
// strict JSON claims) without the signature check.
func BenchmarkDecodeSHC(b *testing.B) {
	c, _ := benchCard(b)
	text := must(shc.EncodeQR(c.JWS))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shc.Decode(text); err != nil {
			b.Fatal(err)
		}
	}
}
