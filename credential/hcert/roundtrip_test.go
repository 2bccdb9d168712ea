package hcert_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		alg  hcert.Algorithm
		key  func() crypto.Signer
		// other is a key of the same type that must not verify.
		other func() crypto.Signer
	}{
		{"ES256", hcert.ES256, func() crypto.Signer { return ecKeyOnce() }, func() crypto.Signer { return ecKey2Once() }},
		{"PS256", hcert.PS256, func() crypto.Signer { return rsaKeyOnce() }, func() crypto.Signer {
			return must(rsa.GenerateKey(rand.Reader, 2048))
		}},
		{"ES384", hcert.ES384, func() crypto.Signer { return p384Once() }, func() crypto.Signer {
			return must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key()
			payload := samplePayload(t)
			msg, err := hcert.Sign(nil, key, tt.alg, testKID, payload)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if msg[0] != 0xd2 {
				t.Errorf("Sign output starts with %#x, want tag 18 (0xd2)", msg[0])
			}
			text := hcert.Encode(msg)
			if !strings.HasPrefix(text, "HC1:") {
				t.Fatalf("Encode = %.10q…, want the HC1: prefix", text)
			}
			m, err := hcert.Decode(text)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Alg != tt.alg || m.UnprotectedAlg != 0 {
				t.Errorf("Alg = %v, UnprotectedAlg = %v; want %v, 0", m.Alg, m.UnprotectedAlg, tt.alg)
			}
			if !bytes.Equal(m.KID, testKID) || m.KIDUnprotected {
				t.Errorf("KID = %x (unprotected %v), want %x in the protected header", m.KID, m.KIDUnprotected, testKID)
			}
			if m.Envelope != hcert.Tagged {
				t.Errorf("Envelope = %v, want %v", m.Envelope, hcert.Tagged)
			}
			if want := hcert.MarshalProtected(tt.alg, testKID); !bytes.Equal(m.Protected, want) {
				t.Errorf("Protected = %x, want %x", m.Protected, want)
			}
			if !bytes.Equal(m.Payload, payload) {
				t.Errorf("Payload differs from what was signed")
			}
			if err := m.Verify(key.Public()); err != nil {
				t.Fatalf("Verify with the signing key: %v", err)
			}
			if err := m.Verify(tt.other().Public()); err == nil {
				t.Errorf("Verify with another key succeeded")
			} else {
				wantReason(t, err, credential.ReasonBadSignature)
			}
			if alg, err := m.AlgorithmFor(key.Public()); err != nil || alg != tt.alg {
				t.Errorf("AlgorithmFor = (%v, %v), want %v", alg, err, tt.alg)
			}

			// The digest is the hash of the Sig_structure.
			d, err := m.Digest()
			if err != nil {
				t.Fatal(err)
			}
			h := crypto.SHA256
			if tt.alg == hcert.ES384 {
				h = crypto.SHA384
			}
			hh := h.New()
			hh.Write(hcert.ToBeSigned(m.Protected, m.Payload))
			if !bytes.Equal(d, hh.Sum(nil)) {
				t.Errorf("Digest() differs from the hash of ToBeSigned")
			}

			c, err := hcert.ParseClaims(m.Payload)
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if c.Issuer != "GB" || !c.IssuedAt.Equal(sampleIat) || !c.ExpiresAt.Equal(sampleExp) {
				t.Errorf("claims = %q %v %v, want GB %v %v", c.Issuer, c.IssuedAt, c.ExpiresAt, sampleIat, sampleExp)
			}
			if !reflect.DeepEqual(c.SubClaims, []int64{1}) {
				t.Errorf("SubClaims = %v, want [1]", c.SubClaims)
			}
			tree, err := hcert.DecodeDCC(c.DCC)
			if err != nil {
				t.Fatalf("DecodeDCC: %v", err)
			}
			if err := credential.ValidateDCC(tree); err != nil {
				t.Fatalf("ValidateDCC: %v", err)
			}
			d2, err := credential.ParseDCC(tree)
			if err != nil {
				t.Fatalf("ParseDCC: %v", err)
			}
			if !reflect.DeepEqual(d2, sampleDCC()) {
				t.Errorf("DCC after round trip = %+v, want %+v", d2, sampleDCC())
			}

			// ParseCOSE on the bytes agrees with Decode on the text.
			m2, err := hcert.ParseCOSE(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, m2) {
				t.Errorf("ParseCOSE(msg) = %+v, Decode(text) = %+v", m2, m)
			}
		})
	}
}

// A one-bit change anywhere in the signed parts must break the signature.
func TestVerifyDetectsTamper(t *testing.T) {
	key := ecKeyOnce()
	msg, err := hcert.Sign(nil, key, hcert.ES256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := hcert.ParseCOSE(msg)
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{"payload": m.Payload, "signature": m.Signature}
	for name, p := range parts {
		for _, i := range []int{0, len(p) / 2, len(p) - 1} {
			m, _ := hcert.ParseCOSE(bytes.Clone(msg))
			target := m.Payload
			if name == "signature" {
				target = m.Signature
			}
			target[i] ^= 0x01
			if err := m.Verify(key.Public()); err == nil {
				t.Errorf("%s byte %d flipped: Verify succeeded", name, i)
			} else {
				wantReason(t, err, credential.ReasonBadSignature)
			}
		}
	}
}

func TestVerifyKeyMismatch(t *testing.T) {
	ec, rk := ecKeyOnce(), rsaKeyOnce()
	es, err := hcert.Sign(nil, ec, hcert.ES256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := hcert.Sign(nil, rk, hcert.PS256, testKID, samplePayload(t))
	if err != nil {
		t.Fatal(err)
	}
	small := must(rsa.GenerateKey(rand.Reader, 1024))
	tests := []struct {
		name     string
		msg      []byte
		pub      crypto.PublicKey
		mismatch bool
	}{
		{"ES256 message, RSA key", es, &rk.PublicKey, true},
		{"ES256 message, P-384 key", es, p384Once().Public(), true},
		{"ES256 message, nil key", es, nil, true},
		{"ES256 message, unsupported key type", es, []byte("key"), true},
		{"PS256 message, P-256 key", ps, ec.Public(), true},
		{"PS256 message, 1024-bit RSA key", ps, &small.PublicKey, true},
		{"PS256 message, other 2048-bit RSA key", ps, &must(rsa.GenerateKey(rand.Reader, 2048)).PublicKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := hcert.ParseCOSE(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Verify(tt.pub)
			wantReason(t, err, credential.ReasonBadSignature)
			if got := errors.Is(err, hcert.ErrKeyMismatch); got != tt.mismatch {
				t.Errorf("errors.Is(err, ErrKeyMismatch) = %v, want %v (err %v)", got, tt.mismatch, err)
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	small := must(rsa.GenerateKey(rand.Reader, 1024))
	tests := []struct {
		name   string
		key    crypto.Signer
		alg    hcert.Algorithm
		reason credential.Reason // empty: any error
	}{
		{"ES256 with RSA key", rsaKeyOnce(), hcert.ES256, ""},
		{"ES256 with P-384 key", p384Once(), hcert.ES256, ""},
		{"PS256 with EC key", ecKeyOnce(), hcert.PS256, ""},
		{"PS256 with 1024-bit RSA", small, hcert.PS256, ""},
		{"no alg", ecKeyOnce(), 0, credential.ReasonUnsupportedAlg},
		{"EdDSA", ecKeyOnce(), -8, credential.ReasonUnsupportedAlg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := hcert.Sign(nil, tt.key, tt.alg, testKID, samplePayload(t))
			if err == nil {
				t.Fatalf("Sign succeeded (%d bytes), want an error", len(msg))
			}
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
			}
		})
	}
}

func TestToBeSigned(t *testing.T) {
	got := hcert.ToBeSigned([]byte{0xa0}, []byte{0x01, 0x02})
	want := append([]byte{0x84, 0x6a}, "Signature1"...)
	want = append(want, 0x41, 0xa0, 0x40, 0x42, 0x01, 0x02)
	if !bytes.Equal(got, want) {
		t.Errorf("ToBeSigned = %x, want %x", got, want)
	}
	// Long fields get multi-byte heads.
	long := bytes.Repeat([]byte{7}, 300)
	got = hcert.ToBeSigned(nil, long)
	if !bytes.Equal(got[12:17], []byte{0x40, 0x40, 0x59, 0x01, 0x2c}) {
		t.Errorf("ToBeSigned(nil, 300 bytes) heads = %x", got[12:17])
	}
}

func TestMarshalProtected(t *testing.T) {
	got := hcert.MarshalProtected(hcert.ES256, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	want := []byte{0xa2, 0x04, 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x26}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalProtected = %x, want %x", got, want)
	}
	got = hcert.MarshalProtected(hcert.PS256, []byte{9})
	want = []byte{0xa2, 0x04, 0x41, 9, 0x01, 0x38, 0x24}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalProtected(PS256) = %x, want %x", got, want)
	}
}

func TestMarshalClaims(t *testing.T) {
	dcc := sampleDCCBytes(t)
	for _, iss := range []string{"GB", ""} {
		b := hcert.MarshalClaims(iss, sampleIat, sampleExp, dcc)
		c, err := hcert.ParseClaims(b)
		if err != nil {
			t.Fatalf("iss %q: %v", iss, err)
		}
		if c.Issuer != iss || !c.IssuedAt.Equal(sampleIat) || !c.ExpiresAt.Equal(sampleExp) || !bytes.Equal(c.DCC, dcc) {
			t.Errorf("iss %q: claims = %+v", iss, c)
		}
		wantPairs := byte(0xa3)
		if iss != "" {
			wantPairs = 0xa4
		}
		if b[0] != wantPairs {
			t.Errorf("iss %q: map head %#x, want %#x", iss, b[0], wantPairs)
		}
	}
}

func TestAlgorithmString(t *testing.T) {
	tests := map[hcert.Algorithm]string{
		hcert.ES256: "ES256", hcert.ES384: "ES384", hcert.ES512: "ES512", hcert.PS256: "PS256",
		0: "none", 7: "alg(7)", -8: "alg(-8)",
	}
	for a, want := range tests {
		if got := a.String(); got != want {
			t.Errorf("Algorithm(%d).String() = %q, want %q", int64(a), got, want)
		}
	}
	envs := map[hcert.Envelope]string{hcert.Tagged: "tag 18", hcert.Untagged: "untagged", hcert.CWTTag: "tag 61(18)", 9: "unknown"}
	for e, want := range envs {
		if got := e.String(); got != want {
			t.Errorf("Envelope(%d).String() = %q, want %q", e, got, want)
		}
	}
}

func TestKIDSize(t *testing.T) {
	if hcert.KIDSize != 8 {
		t.Errorf("KIDSize = %d, want 8 (SHA-256(DSC)[0:8])", hcert.KIDSize)
	}
}
