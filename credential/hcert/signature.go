package hcert

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"sync"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// MinRSABits is the smallest RSA modulus accepted for PS256, for signing
// and for verifying.
const MinRSABits = 2048

// sigStructurePrefix is the CBOR encoding of the array head and the context
// string of Sig_structure = ["Signature1", protected, external_aad, payload].
var sigStructurePrefix = []byte{0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'}

// ToBeSigned returns the Sig_structure bytes of a COSE_Sign1 message with
// the given serialized protected header and payload and no external AAD.
func ToBeSigned(protected, payload []byte) []byte {
	return appendToBeSigned(make([]byte, 0, len(sigStructurePrefix)+len(protected)+len(payload)+12), protected, payload)
}

// appendToBeSigned appends the Sig_structure to b.
func appendToBeSigned(b, protected, payload []byte) []byte {
	b = append(b, sigStructurePrefix...)
	b = cborx.AppendBytes(b, protected)
	b = append(b, 0x40) // external_aad: empty byte string
	return cborx.AppendBytes(b, payload)
}

// hashFor returns the hash and the expected ECDSA curve of alg.
func hashFor(alg Algorithm) (crypto.Hash, elliptic.Curve, error) {
	switch alg {
	case ES256:
		return crypto.SHA256, elliptic.P256(), nil
	case ES384:
		return crypto.SHA384, elliptic.P384(), nil
	case ES512:
		return crypto.SHA512, elliptic.P521(), nil
	case PS256:
		return crypto.SHA256, nil, nil
	case 0:
		return 0, nil, newErr(credential.ReasonUnsupportedAlg, "the protected header has no alg", nil)
	}
	return 0, nil, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("algorithm %v is not accepted (ES256, PS256, ES384, ES512)", alg), nil)
}

// CheckAlg refuses a message whose algorithm cannot be accepted whatever
// the key: an unknown alg in the protected header, an unprotected alg that
// contradicts the protected one, or, when the protected header has none,
// an unknown unprotected alg.
func (m *Message) CheckAlg() error {
	if m.Alg != 0 {
		if _, _, err := hashFor(m.Alg); err != nil {
			return err
		}
		if m.UnprotectedAlg != 0 && m.UnprotectedAlg != m.Alg {
			return newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("unprotected alg %v contradicts protected alg %v", m.UnprotectedAlg, m.Alg), nil)
		}
		return nil
	}
	if m.UnprotectedAlg != 0 {
		if _, _, err := hashFor(m.UnprotectedAlg); err != nil {
			return err
		}
	}
	return nil
}

// AlgorithmFor returns the algorithm used to check the message with pub.
// It is the protected header's alg when there is one. When there is none
// (some early issuers sent an empty protected header), the algorithm is
// the only one pub's type admits in HCERT — ES256 for P-256, ES384 for
// P-384, ES512 for P-521, PS256 for RSA — so an attacker who can edit the
// unprotected header still cannot choose it; an unprotected alg that
// differs is refused.
func (m *Message) AlgorithmFor(pub crypto.PublicKey) (Algorithm, error) {
	if err := m.CheckAlg(); err != nil {
		return 0, err
	}
	if m.Alg != 0 {
		return m.Alg, nil
	}
	var alg Algorithm
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			alg = ES256
		case elliptic.P384():
			alg = ES384
		case elliptic.P521():
			alg = ES512
		}
	case *rsa.PublicKey:
		alg = PS256
	}
	if alg == 0 {
		return 0, newErr(credential.ReasonBadSignature, fmt.Sprintf("no HCERT algorithm for key type %T", pub), ErrKeyMismatch)
	}
	if m.UnprotectedAlg != 0 && m.UnprotectedAlg != alg {
		return 0, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("unprotected alg %v does not fit the key (%v)", m.UnprotectedAlg, alg), nil)
	}
	return alg, nil
}

// Digest returns the hash of the message's Sig_structure for its alg.
func (m *Message) Digest() ([]byte, error) {
	h, _, err := hashFor(m.Alg)
	if err != nil {
		return nil, err
	}
	sc := getSigScratch()
	defer sc.release()
	return bytes.Clone(sc.digest(h, m.Protected, m.Payload)), nil
}

// sigScratch is the memory of one signature check or signing. It is
// pooled, so checking a signature allocates nothing of ours: the
// Sig_structure is written into tbs and hashed with one sha256.Sum256 (or
// Sum384, Sum512) call, whose hash state lives on the stack instead of
// behind a hash.Hash interface; the digest and the DER form of an ECDSA
// signature go into fixed arrays.
type sigScratch struct {
	tbs []byte
	sum [sha512.Size]byte
	der [maxDERSignature]byte
}

// maxDERSignature is the longest DER ECDSA signature, on P-521: a
// SEQUENCE header of 3 bytes and two INTEGERs of 2 + 1 + 66 bytes.
const maxDERSignature = 3 + 2*(2+1+66)

var sigScratches = sync.Pool{New: func() any { return new(sigScratch) }}

func getSigScratch() *sigScratch { return sigScratches.Get().(*sigScratch) }

// digest hashes the Sig_structure of protected and payload with h and
// returns the digest, which aliases sc.
func (sc *sigScratch) digest(h crypto.Hash, protected, payload []byte) []byte {
	sc.tbs = appendToBeSigned(sc.tbs[:0], protected, payload)
	switch h {
	case crypto.SHA256:
		sum := sha256.Sum256(sc.tbs)
		return sc.sum[:copy(sc.sum[:], sum[:])]
	case crypto.SHA384:
		sum := sha512.Sum384(sc.tbs)
		return sc.sum[:copy(sc.sum[:], sum[:])]
	default:
		sum := sha512.Sum512(sc.tbs)
		return sc.sum[:copy(sc.sum[:], sum[:])]
	}
}

// release returns sc to the pool, unless an unusually large payload made
// its buffer big.
func (sc *sigScratch) release() {
	if cap(sc.tbs) <= 16<<10 {
		sigScratches.Put(sc)
	}
}

// appendDERSignature appends the ASN.1 DER form of the ECDSA signature
// r‖s — SEQUENCE { INTEGER r, INTEGER s } — exactly as ecdsa.Verify builds
// it from big.Int values before calling ecdsa.VerifyASN1. Calling
// VerifyASN1 directly skips two big.Ints and that encoding's allocations.
// ok is false when r or s is zero, which ecdsa.Verify refuses.
func appendDERSignature(b, r, s []byte) (der []byte, ok bool) {
	r, s = trimZeros(r), trimZeros(s)
	if len(r) == 0 || len(s) == 0 {
		return b, false
	}
	n := derIntLen(r) + derIntLen(s)
	b = append(b, 0x30) // SEQUENCE
	if n >= 0x80 {
		b = append(b, 0x81) // long form: one length byte follows
	}
	b = append(b, byte(n))
	return appendDERInt(appendDERInt(b, r), s), true
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the encoded length of a positive INTEGER with big-endian
// magnitude v (no leading zeros, at most 126 bytes): a zero byte is
// prepended when the top bit is set, so it does not read as negative.
func derIntLen(v []byte) int { return 2 + len(v) + int(v[0]>>7) }

func appendDERInt(b, v []byte) []byte {
	b = append(b, 0x02, byte(len(v)+int(v[0]>>7))) // INTEGER
	if v[0]&0x80 != 0 {
		b = append(b, 0)
	}
	return append(b, v...)
}

// pssVerifyOptions are the options of every PS256 check; a package
// variable, so passing them does not allocate.
var pssVerifyOptions = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}

// ErrKeyMismatch is wrapped by Verify when the public key's type or curve
// does not fit the message's algorithm.
var ErrKeyMismatch = errors.New("public key does not fit the algorithm")

// Verify checks the message's signature with pub, using the algorithm
// that AlgorithmFor gives. It returns nil or a *credential.Error with reason
// unsupported_alg or bad_signature.
func (m *Message) Verify(pub crypto.PublicKey) error {
	alg, err := m.AlgorithmFor(pub)
	if err != nil {
		return err
	}
	h, curve, err := hashFor(alg)
	if err != nil {
		return err
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if curve == nil || k.Curve != curve {
			return newErr(credential.ReasonBadSignature, fmt.Sprintf("%v needs a key on %s", alg, curveName(curve)), ErrKeyMismatch)
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(m.Signature) != 2*size {
			return newErr(credential.ReasonBadSignature, fmt.Sprintf("%v signature is %d bytes, want %d (r‖s)", alg, len(m.Signature), 2*size), nil)
		}
		sc := getSigScratch()
		defer sc.release()
		d := sc.digest(h, m.Protected, m.Payload)
		der, ok := appendDERSignature(sc.der[:0], m.Signature[:size], m.Signature[size:])
		if !ok || !ecdsa.VerifyASN1(k, d, der) {
			return newErr(credential.ReasonBadSignature, "signature does not verify", nil)
		}
		return nil
	case *rsa.PublicKey:
		if alg != PS256 {
			return newErr(credential.ReasonBadSignature, fmt.Sprintf("%v cannot be checked with an RSA key", alg), ErrKeyMismatch)
		}
		if k.N.BitLen() < MinRSABits {
			return newErr(credential.ReasonBadSignature, fmt.Sprintf("RSA key of %d bits is below the %d-bit minimum", k.N.BitLen(), MinRSABits), ErrKeyMismatch)
		}
		sc := getSigScratch()
		defer sc.release()
		d := sc.digest(h, m.Protected, m.Payload)
		if err := rsa.VerifyPSS(k, h, d, m.Signature, &pssVerifyOptions); err != nil {
			return newErr(credential.ReasonBadSignature, "signature does not verify", nil)
		}
		return nil
	case nil:
		return newErr(credential.ReasonBadSignature, "no public key", ErrKeyMismatch)
	}
	return newErr(credential.ReasonBadSignature, fmt.Sprintf("unsupported public key type %T", pub), ErrKeyMismatch)
}

func curveName(c elliptic.Curve) string {
	if c == nil {
		return "no curve (RSA)"
	}
	return c.Params().Name
}
