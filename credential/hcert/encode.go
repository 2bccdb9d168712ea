package hcert

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/internal/cborx"
)

// MarshalClaims encodes a CWT claims set for an HCERT: iss (omitted when
// empty), iat and exp as integer NumericDates, and the hcert claim holding
// dcc (already CBOR-encoded) as the EU DCC sub-claim.
func MarshalClaims(iss string, iat, exp time.Time, dcc []byte) []byte {
	b := make([]byte, 0, len(dcc)+48)
	n := uint64(3)
	if iss != "" {
		n++
	}
	b = cborx.AppendHead(b, cborx.MajorMap, n)
	if iss != "" {
		b = cborx.AppendInt(b, claimIss)
		b = cborx.AppendText(b, iss)
	}
	b = cborx.AppendInt(b, claimExp)
	b = cborx.AppendInt(b, exp.Unix())
	b = cborx.AppendInt(b, claimIat)
	b = cborx.AppendInt(b, iat.Unix())
	b = cborx.AppendInt(b, claimHCert)
	b = cborx.AppendHead(b, cborx.MajorMap, 1)
	b = cborx.AppendInt(b, subClaimEUDCC)
	return append(b, dcc...)
}

// MarshalProtected encodes a protected header holding alg and kid.
func MarshalProtected(alg Algorithm, kid []byte) []byte {
	b := make([]byte, 0, 16+len(kid))
	b = cborx.AppendHead(b, cborx.MajorMap, 2)
	b = cborx.AppendInt(b, headerKID)
	b = cborx.AppendBytes(b, kid)
	b = cborx.AppendInt(b, headerAlg)
	return cborx.AppendInt(b, int64(alg))
}

// Sign makes a tagged COSE_Sign1 message over payload with signer, putting
// alg and kid in the protected header. ES256/384/512 signers must hold an
// ECDSA key on the matching curve, PS256 signers an RSA key of at least
// MinRSABits; rand is passed to the signer (nil means crypto/rand).
func Sign(rand io.Reader, signer crypto.Signer, alg Algorithm, kid, payload []byte) ([]byte, error) {
	h, curve, err := hashFor(alg)
	if err != nil {
		return nil, err
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	protected := MarshalProtected(alg, kid)
	d := digest(h, protected, payload, nil)
	var sig []byte
	switch pub := signer.Public().(type) {
	case *ecdsa.PublicKey:
		if curve == nil || pub.Curve != curve {
			return nil, fmt.Errorf("hcert: %v needs an ECDSA key on %s", alg, curveName(curve))
		}
		der, err := signer.Sign(rand, d, h)
		if err != nil {
			return nil, fmt.Errorf("hcert: signing: %w", err)
		}
		if sig, err = rawECDSA(der, (curve.Params().BitSize+7)/8); err != nil {
			return nil, err
		}
	case *rsa.PublicKey:
		if alg != PS256 {
			return nil, fmt.Errorf("hcert: %v cannot be made with an RSA key", alg)
		}
		if pub.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("hcert: RSA key of %d bits is below the %d-bit minimum", pub.N.BitLen(), MinRSABits)
		}
		sig, err = signer.Sign(rand, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
		if err != nil {
			return nil, fmt.Errorf("hcert: signing: %w", err)
		}
	default:
		return nil, fmt.Errorf("hcert: unsupported signer key type %T", pub)
	}
	b := make([]byte, 0, len(protected)+len(payload)+len(sig)+16)
	b = append(b, 0xd2, 0x84) // tag 18, array of 4
	b = cborx.AppendBytes(b, protected)
	b = append(b, 0xa0) // empty unprotected header
	b = cborx.AppendBytes(b, payload)
	return cborx.AppendBytes(b, sig), nil
}

// rawECDSA turns an ASN.1 DER ECDSA signature into the fixed-size r‖s form
// that COSE uses.
func rawECDSA(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("hcert: signer returned a malformed ECDSA signature")
	}
	r, s := sig.R, sig.S
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > size*8 || s.BitLen() > size*8 {
		return nil, fmt.Errorf("hcert: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	s.FillBytes(out[size:])
	return out, nil
}

// Compress zlib-compresses a COSE message at the best compression level.
func Compress(cose []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(cose)
	w.Close()
	return buf.Bytes()
}

// Encode turns a COSE message into HCERT text: zlib, Base45 and the
// "HC1:" prefix.
func Encode(cose []byte) string {
	z := Compress(cose)
	b := make([]byte, 0, len(Prefix)+base45.EncodedLen(len(z)))
	b = append(b, Prefix...)
	return string(base45.AppendEncode(b, z))
}
