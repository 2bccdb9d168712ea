package hcert

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/internal/deflate"
)

// MarshalClaims encodes a CWT claims set for an HCERT: iss (omitted when
// empty), iat and exp as integer NumericDates, and the hcert claim holding
// dcc (already CBOR-encoded) as the EU DCC sub-claim.
func MarshalClaims(iss string, iat, exp time.Time, dcc []byte) []byte {
	return append(AppendClaimsHead(make([]byte, 0, len(dcc)+48), iss, iat, exp), dcc...)
}

// AppendClaimsHead appends what MarshalClaims writes before the DCC, so
// that the DCC can be encoded in place after it (AppendValidDCC) instead
// of being copied.
func AppendClaimsHead(b []byte, iss string, iat, exp time.Time) []byte {
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
	return cborx.AppendInt(b, subClaimEUDCC)
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
	sc := getSigScratch()
	// The signer gets its own copy of the digest: it is not bound to let
	// go of it when Sign returns, and sc goes back to the pool.
	d := bytes.Clone(sc.digest(h, protected, payload))
	sc.release()
	// The message is written into one buffer: headers and payload, then
	// the signature straight after its CBOR head.
	cose := func(sigLen int) []byte {
		b := make([]byte, 0, len(protected)+len(payload)+sigLen+16)
		b = append(b, 0xd2, 0x84) // tag 18, array of 4
		b = cborx.AppendBytes(b, protected)
		b = append(b, 0xa0) // empty unprotected header
		b = cborx.AppendBytes(b, payload)
		return cborx.AppendHead(b, cborx.MajorBytes, uint64(sigLen))
	}
	switch pub := signer.Public().(type) {
	case *ecdsa.PublicKey:
		if curve == nil || pub.Curve != curve {
			return nil, fmt.Errorf("hcert: %v needs an ECDSA key on %s", alg, curveName(curve))
		}
		der, err := signer.Sign(rand, d, h)
		if err != nil {
			return nil, fmt.Errorf("hcert: signing: %w", err)
		}
		size := (curve.Params().BitSize + 7) / 8
		return appendRawECDSA(cose(2*size), der, size)
	case *rsa.PublicKey:
		if alg != PS256 {
			return nil, fmt.Errorf("hcert: %v cannot be made with an RSA key", alg)
		}
		if pub.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("hcert: RSA key of %d bits is below the %d-bit minimum", pub.N.BitLen(), MinRSABits)
		}
		sig, err := signer.Sign(rand, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
		if err != nil {
			return nil, fmt.Errorf("hcert: signing: %w", err)
		}
		return append(cose(len(sig)), sig...), nil
	default:
		return nil, fmt.Errorf("hcert: unsupported signer key type %T", pub)
	}
}

// rawECDSA turns an ASN.1 DER ECDSA signature, SEQUENCE { INTEGER r,
// INTEGER s }, into the fixed-size r‖s form that COSE uses. It reads the
// DER directly, which is much cheaper than encoding/asn1's reflection, and
// accepts what encoding/asn1 accepted: minimal lengths and integers, r and
// s positive and of at most size bytes, nothing after the sequence.
func rawECDSA(der []byte, size int) ([]byte, error) {
	return appendRawECDSA(nil, der, size)
}

// appendRawECDSA is rawECDSA appending r‖s to dst.
func appendRawECDSA(dst, der []byte, size int) ([]byte, error) {
	seq, rest, ok := derElement(der, 0x30)
	if !ok || len(rest) != 0 {
		return nil, errMalformedECDSA
	}
	r, seq, ok := derElement(seq, 0x02)
	if !ok {
		return nil, errMalformedECDSA
	}
	// Bytes after s inside the sequence are ignored, as encoding/asn1
	// ignores them when it reads the sequence into a struct.
	s, _, ok := derElement(seq, 0x02)
	if !ok {
		return nil, errMalformedECDSA
	}
	start := len(dst)
	dst = slices.Grow(dst, 2*size)[:start+2*size]
	out := dst[start:]
	clear(out)
	for i, v := range [2][]byte{r, s} {
		// A DER INTEGER is minimal: a leading zero byte only when the next
		// byte has its top bit set, which would otherwise make it negative.
		if len(v) == 0 || len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0 {
			return nil, errMalformedECDSA
		}
		if v[0]&0x80 != 0 { // negative
			return nil, errRangeECDSA
		}
		v = trimZeros(v)
		if len(v) == 0 || len(v) > size {
			return nil, errRangeECDSA
		}
		copy(out[(i+1)*size-len(v):(i+1)*size], v)
	}
	return dst, nil
}

var (
	errMalformedECDSA = errors.New("hcert: signer returned a malformed ECDSA signature")
	errRangeECDSA     = errors.New("hcert: signer returned an out-of-range ECDSA signature")
)

// derElement reads one DER element with the given tag and returns its
// contents and the bytes after it. Lengths must use the shortest form;
// ECDSA signatures need at most one length byte after 0x81.
func derElement(b []byte, tag byte) (contents, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, b := int(b[1]), b[2:]
	switch {
	case n < 0x80: // short form
	case n == 0x81 && len(b) > 0 && b[0] >= 0x80: // one length byte, needed
		n, b = int(b[0]), b[1:]
	default:
		return nil, nil, false
	}
	if n > len(b) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}

// Compress zlib-compresses a COSE message. Messages of credential size
// are written as one fixed-Huffman or stored block, whichever is smaller
// (internal/deflate explains why: it is smaller than compress/zlib's best
// level on real DCCs, at an eighth of the time).
func Compress(cose []byte) []byte {
	return deflate.AppendZlib(nil, cose)
}

// Encode turns a COSE message into HCERT text: zlib, Base45 and the
// "HC1:" prefix. The compressed bytes and the text are built in pooled
// buffers, so the returned string is the only allocation.
func Encode(cose []byte) string {
	e, _ := encodeBufs.Get().(*encodeBuf)
	if e == nil {
		e = new(encodeBuf)
	}
	e.z = deflate.AppendZlib(e.z[:0], cose)
	e.text = base45.AppendEncode(append(e.text[:0], Prefix...), e.z)
	s := string(e.text)
	if cap(e.text) <= 64<<10 { // do not keep the buffers of an unusually large message
		encodeBufs.Put(e)
	}
	return s
}

// encodeBuf holds Encode's working buffers.
type encodeBuf struct{ z, text []byte }

var encodeBufs sync.Pool // of *encodeBuf
