package hcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"math/big"

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
	b := make([]byte, 0, len(sigStructurePrefix)+len(protected)+len(payload)+12)
	b = append(b, sigStructurePrefix...)
	b = cborx.AppendBytes(b, protected)
	b = append(b, 0x40) // external_aad: empty byte string
	return cborx.AppendBytes(b, payload)
}

// writeToBeSigned streams the Sig_structure into h without building it.
func writeToBeSigned(h hash.Hash, protected, payload []byte) {
	var head [9]byte
	h.Write(sigStructurePrefix)
	h.Write(cborx.AppendHead(head[:0], cborx.MajorBytes, uint64(len(protected))))
	h.Write(protected)
	h.Write([]byte{0x40})
	h.Write(cborx.AppendHead(head[:0], cborx.MajorBytes, uint64(len(payload))))
	h.Write(payload)
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
	return digest(h, m.Protected, m.Payload, nil), nil
}

func digest(h crypto.Hash, protected, payload, dst []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.New()
		writeToBeSigned(d, protected, payload)
		return d.Sum(dst)
	case crypto.SHA384:
		d := sha512.New384()
		writeToBeSigned(d, protected, payload)
		return d.Sum(dst)
	default:
		d := sha512.New()
		writeToBeSigned(d, protected, payload)
		return d.Sum(dst)
	}
}

// ErrKeyMismatch is wrapped by Verify when the public key's type or curve
// does not fit the message's algorithm.
var ErrKeyMismatch = errors.New("public key does not fit the algorithm")

// Verify checks the message's signature with pub, using the algorithm
// that AlgorithmFor gives. It returns nil or a *credential.Error with reason
// unsupported_alg or bad_signature.
func (m *Message) Verify(pub crypto.PublicKey) error {
	var buf [64]byte
	return m.verify(pub, buf[:0])
}

func (m *Message) verify(pub crypto.PublicKey, scratch []byte) error {
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
		d := digest(h, m.Protected, m.Payload, scratch)
		r := new(big.Int).SetBytes(m.Signature[:size])
		s := new(big.Int).SetBytes(m.Signature[size:])
		if !ecdsa.Verify(k, d, r, s) {
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
		d := digest(h, m.Protected, m.Payload, scratch)
		if err := rsa.VerifyPSS(k, h, d, m.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
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
