package hcert

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"testing"
)

// asn1RawECDSA is rawECDSA as it was, on encoding/asn1: the reference.
func asn1RawECDSA(der []byte, size int) ([]byte, bool) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, false
	}
	r, s := sig.R, sig.S
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > size*8 || s.BitLen() > size*8 {
		return nil, false
	}
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	s.FillBytes(out[size:])
	return out, true
}

func checkRawECDSA(t *testing.T, der []byte, size int) {
	t.Helper()
	want, wantOK := asn1RawECDSA(der, size)
	got, err := rawECDSA(der, size)
	if (err == nil) != wantOK || !bytes.Equal(got, want) {
		t.Fatalf("rawECDSA(%x, %d) = %x, %v; encoding/asn1 gives %x, %v", der, size, got, err, want, wantOK)
	}
}

// TestRawECDSAMatchesASN1 checks the hand-written DER reader against
// encoding/asn1 on real signatures of every curve (P-521 ones need a long
// form length) and on malformed ones.
func TestRawECDSAMatchesASN1(t *testing.T) {
	digest := make([]byte, 32)
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		size := (c.Params().BitSize + 7) / 8
		for i := 0; i < 40; i++ {
			der, err := ecdsa.SignASN1(rand.Reader, k, digest)
			if err != nil {
				t.Fatal(err)
			}
			checkRawECDSA(t, der, size)
			checkRawECDSA(t, der, size-1)
			for j := range der { // every truncation and one flipped bit per byte
				checkRawECDSA(t, der[:j], size)
				bad := bytes.Clone(der)
				bad[j] ^= 0x80
				checkRawECDSA(t, bad, size)
			}
			checkRawECDSA(t, append(bytes.Clone(der), 0), size)
		}
	}
	for _, der := range [][]byte{
		{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},             // r = s = 1
		{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01},             // r = 0
		{0x30, 0x06, 0x02, 0x01, 0xff, 0x02, 0x01, 0x01},             // r = -1
		{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01},       // non-minimal r
		{0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01},       // minimal, 128
		{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},       // non-minimal length
		{0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00}, // indefinite length
		{0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},             // SET
		{0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x01},             // OCTET STRING s
	} {
		checkRawECDSA(t, der, 32)
	}
}

// FuzzRawECDSA compares the two on arbitrary input.
func FuzzRawECDSA(f *testing.F) {
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, 32)
	f.Fuzz(func(t *testing.T, der []byte, size int) {
		if size < 1 || size > 70 {
			return
		}
		checkRawECDSA(t, der, size)
	})
}

// TestDERSignatureMatchesEncodeSignature checks appendDERSignature against
// the DER that ecdsa.Verify builds from big.Int values: a signature that
// verifies one way verifies the other.
func TestAppendDERSignature(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		size := (c.Params().BitSize + 7) / 8
		digest := make([]byte, 32)
		for i := 0; i < 40; i++ {
			der, err := ecdsa.SignASN1(rand.Reader, k, digest)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := rawECDSA(der, size)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendDERSignature(nil, raw[:size], raw[size:])
			if !ok || !bytes.Equal(got, der) {
				t.Fatalf("appendDERSignature(%x) = %x, want %x", raw, got, der)
			}
		}
	}
	if _, ok := appendDERSignature(nil, make([]byte, 32), []byte{1}); ok {
		t.Error("r = 0 accepted")
	}
}
