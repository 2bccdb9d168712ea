package hcert_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/internal/cborx"
)

// Test keys are generated once per test binary; RSA generation is slow.
var (
	ecKeyOnce  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	ecKey2Once = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	p384Once   = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)) })
	rsaKeyOnce = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testKID is the key id the hand-made messages carry.
var testKID = []byte{0xd9, 0x19, 0x37, 0x5f, 0xc1, 0xe7, 0xb6, 0xb2}

// iat and exp of the sample claims.
var (
	sampleIat = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sampleExp = sampleIat.AddDate(1, 0, 0)
)

// sampleDCC is a valid schema 1.3.0 vaccination payload.
func sampleDCC() *credential.DCC {
	return &credential.DCC{
		Version: "1.3.0",
		Name: credential.Name{
			FamilyName: "Musterfrau-Gößinger", FamilyNameStd: "MUSTERFRAU<GOESSINGER",
			GivenName: "Gabriele", GivenNameStd: "GABRIELE",
		},
		DateOfBirth: "1998-02-26",
		Vaccinations: []credential.Vaccination{{
			Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528",
			Manufacturer: "ORG-100030215", DoseNumber: 2, TotalDoses: 2,
			Date: "2025-11-01", Country: "GB", Issuer: "NHS Digital",
			ID: "URN:UVCI:01:GB:1234567890ABCDEF#X",
		}},
	}
}

func sampleDCCBytes(t testing.TB) []byte {
	t.Helper()
	b, err := hcert.MarshalDCC(sampleDCC())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func samplePayload(t testing.TB) []byte {
	t.Helper()
	return hcert.MarshalClaims("GB", sampleIat, sampleExp, sampleDCCBytes(t))
}

// signRaw signs the Sig_structure of (protected, payload) with key, using
// the hash and signature scheme of alg, and returns the COSE signature.
func signRaw(t testing.TB, key crypto.Signer, alg hcert.Algorithm, protected, payload []byte) []byte {
	t.Helper()
	tbs := hcert.ToBeSigned(protected, payload)
	var h crypto.Hash
	switch alg {
	case hcert.ES256, hcert.PS256:
		h = crypto.SHA256
	case hcert.ES384:
		h = crypto.SHA384
	default:
		t.Fatalf("signRaw: no hash for %v", alg)
	}
	hh := h.New()
	hh.Write(tbs)
	d := hh.Sum(nil)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, d)
		if err != nil {
			t.Fatal(err)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig
	case *rsa.PrivateKey:
		sig, err := rsa.SignPSS(rand.Reader, k, h, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	t.Fatalf("signRaw: key type %T", key)
	return nil
}

// Envelope prefixes, written by hand.
var (
	tag18    = []byte{0xd2}
	untagged = []byte{}
	tag61_18 = []byte{0xd8, 0x3d, 0xd2}
)

// cose assembles a COSE_Sign1 message: the envelope prefix, then an
// array of four holding the protected header bytes, the raw unprotected
// header map, the payload and the signature.
func cose(prefix, protected, unprotected, payload, sig []byte) []byte {
	b := append([]byte(nil), prefix...)
	b = append(b, 0x84)
	b = cborx.AppendBytes(b, protected)
	b = append(b, unprotected...)
	b = cborx.AppendBytes(b, payload)
	return cborx.AppendBytes(b, sig)
}

// header builds a header map from alternating labels and values; values
// are int64 (an integer), []byte (a byte string), string (a text string)
// or raw (already encoded CBOR).
type raw []byte

func header(kv ...any) []byte {
	b := cborx.AppendHead(nil, cborx.MajorMap, uint64(len(kv)/2))
	for _, v := range kv {
		switch x := v.(type) {
		case int:
			b = cborx.AppendInt(b, int64(x))
		case int64:
			b = cborx.AppendInt(b, x)
		case hcert.Algorithm:
			b = cborx.AppendInt(b, int64(x))
		case []byte:
			b = cborx.AppendBytes(b, x)
		case string:
			b = cborx.AppendText(b, x)
		case raw:
			b = append(b, x...)
		default:
			panic("header: unsupported value")
		}
	}
	return b
}

// signedCOSE makes a COSE_Sign1 message over payload with the given
// protected and unprotected headers, signed with key under alg.
func signedCOSE(t testing.TB, prefix []byte, key crypto.Signer, alg hcert.Algorithm, protected, unprotected, payload []byte) []byte {
	t.Helper()
	return cose(prefix, protected, unprotected, payload, signRaw(t, key, alg, protected, payload))
}

// hc1 wraps compressed bytes in Base45 and the prefix.
func hc1(compressed []byte) string {
	return hcert.Prefix + base45.EncodeToString(compressed)
}

// validText returns a genuine HC1 text signed with ES256.
func validText(t testing.TB) string {
	t.Helper()
	msg, err := hcert.Sign(nil, ecKeyOnce(), hcert.ES256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	return hcert.Encode(msg)
}

// wantReason checks that err is a *credential.Error with reason want and
// that it matches want's class, and no other class, with errors.Is.
func wantReason(t testing.TB, err error, want credential.Reason) *credential.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want reason %s", want)
	}
	var ce *credential.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *credential.Error", err, err)
	}
	if ce.Reason != want {
		t.Fatalf("reason = %s (%v), want %s", ce.Reason, err, want)
	}
	for _, class := range []error{credential.ErrMalformed, credential.ErrUntrusted, credential.ErrExpired, credential.ErrRevoked} {
		if got, want := errors.Is(err, class), class == want.Class(); got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, class, got, want)
		}
	}
	return ce
}

// wantDetail checks that err's text mentions every one of subs.
func wantDetail(t testing.TB, err error, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}
