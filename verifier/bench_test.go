package verifier_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/verifier"
)

// benchSetup issues one vaccination credential with the given algorithm.
func benchSetup(b *testing.B, alg string) (*verifier.Verifier, string, *testvectors.Member) {
	b.Helper()
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{
		Countries: []string{"NZ"}, Alg: map[string]string{"NZ": alg},
	})
	if err != nil {
		b.Fatal(err)
	}
	m := fed.Members[0]
	out, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "NZ"))
	if err != nil {
		b.Fatal(err)
	}
	v, err := verifier.New(fed.Trust, verifier.WithClock(func() time.Time { return testvectors.DefaultNow.Add(time.Hour) }))
	if err != nil {
		b.Fatal(err)
	}
	return v, out.Text, m
}

func benchVerify(b *testing.B, alg string) {
	v, text, _ := benchSetup(b, alg)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyES256 is a full verification from HC1: text; its floor is
// BenchmarkFloorECDSAP256.
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, "ES256") }

// BenchmarkVerifyPS256 is the RSA (3072-bit) counterpart; floor
// BenchmarkFloorRSAPSS.
func BenchmarkVerifyPS256(b *testing.B) { benchVerify(b, "PS256") }

// floorInputs returns the key and the digest and signature of the same
// credential, so the floor checks exactly the bytes the verifier checks.
func floorInputs(b *testing.B, alg string) (crypto.PublicKey, []byte, []byte) {
	_, text, m := benchSetup(b, alg)
	msg, err := hcert.Decode(text)
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256(hcert.ToBeSigned(msg.Protected, msg.Payload))
	return m.DSC.PublicKey, d[:], msg.Signature
}

// BenchmarkFloorECDSAP256 is a bare ecdsa.Verify of the same signature.
func BenchmarkFloorECDSAP256(b *testing.B) {
	pub, digest, sig := floorInputs(b, "ES256")
	b.ReportAllocs()
	for b.Loop() {
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub.(*ecdsa.PublicKey), digest, r, s) {
			b.Fatal("floor does not verify")
		}
	}
}

// BenchmarkFloorRSAPSS is a bare rsa.VerifyPSS of the same signature.
func BenchmarkFloorRSAPSS(b *testing.B) {
	pub, digest, sig := floorInputs(b, "PS256")
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
			b.Fatal(err)
		}
	}
}
