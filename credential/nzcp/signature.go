package nzcp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// sigStructurePrefix is the CBOR encoding of the array head and the context
// string of Sig_structure = ["Signature1", protected, external_aad, payload].
var sigStructurePrefix = []byte{0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'}

// writeToBeSigned streams the Sig_structure (no external AAD) into h
// without building it.
func writeToBeSigned(h hash.Hash, protected, payload []byte) {
	var head [9]byte
	h.Write(sigStructurePrefix)
	h.Write(cborx.AppendHead(head[:0], cborx.MajorBytes, uint64(len(protected))))
	h.Write(protected)
	h.Write([]byte{0x40})
	h.Write(cborx.AppendHead(head[:0], cborx.MajorBytes, uint64(len(payload))))
	h.Write(payload)
}

func digest(protected, payload []byte, dst []byte) []byte {
	h := sha256.New()
	writeToBeSigned(h, protected, payload)
	return h.Sum(dst)
}

// ErrKeyMismatch is wrapped by Verify when the public key is not an ECDSA
// P-256 key.
var ErrKeyMismatch = errors.New("public key is not an ECDSA P-256 key")

// Verify checks the pass's ES256 signature with pub, which must be an
// *ecdsa.PublicKey on P-256. It returns nil or a *credential.Error with
// reason bad_signature (wrapping ErrKeyMismatch when pub does not fit).
//
// Verify says only that pub signed the pass. Choosing pub is the caller's
// part: it must be the key the issuer's DID document lists under
// KeyRef(), from an issuer the caller trusts.
func (p *Pass) Verify(pub crypto.PublicKey) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k == nil {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("ES256 needs an ECDSA P-256 key, got %T", pub), ErrKeyMismatch)
	}
	if k.Curve != elliptic.P256() {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("ES256 needs a key on P-256, got %s", k.Curve.Params().Name), ErrKeyMismatch)
	}
	if len(p.Signature) != 64 {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("ES256 signature is %d bytes, want 64 (r‖s)", len(p.Signature)), nil)
	}
	var buf [sha256.Size]byte
	d := digest(p.Protected, p.Payload, buf[:0])
	r := new(big.Int).SetBytes(p.Signature[:32])
	s := new(big.Int).SetBytes(p.Signature[32:])
	if !ecdsa.Verify(k, d, r, s) {
		return newErr(credential.ReasonBadSignature, "signature does not verify", nil)
	}
	return nil
}

// Sign issues a PublicCovidPass and returns its "NZCP:/1/" text. The pass
// is signed with ES256, so signer must hold an ECDSA P-256 key; iss must be
// a did:web DID and kid the fragment of the key's id in iss's DID document
// (KeyRef of the result is iss + "#" + kid). The subject must meet the
// PublicCovidPass rules, exp must be after nbf, and jti becomes the cti
// claim. Times are written as integer NumericDates (whole seconds).
func Sign(signer crypto.Signer, iss, kid string, subject Subject, nbf, exp time.Time, jti [16]byte) (string, error) {
	if signer == nil {
		return "", errors.New("nzcp: no signer")
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return "", fmt.Errorf("nzcp: ES256 needs an ECDSA P-256 signer, got %T", signer.Public())
	}
	if _, err := DIDWebURL(iss); err != nil {
		return "", fmt.Errorf("nzcp: iss: %w", err)
	}
	if err := checkKID(kid); err != nil {
		return "", fmt.Errorf("nzcp: %w", err)
	}
	if err := subject.check(); err != nil {
		return "", fmt.Errorf("nzcp: subject: %w", err)
	}
	if !utf8.ValidString(subject.GivenName) || !utf8.ValidString(subject.FamilyName) {
		return "", errors.New("nzcp: subject names must be valid UTF-8")
	}
	if exp.Unix() <= nbf.Unix() {
		return "", fmt.Errorf("nzcp: exp %s is not after nbf %s", exp.UTC().Format(time.RFC3339), nbf.UTC().Format(time.RFC3339))
	}
	protected := marshalProtected([]byte(kid))
	payload := marshalClaims(iss, subject, nbf.Unix(), exp.Unix(), jti)
	der, err := signer.Sign(rand.Reader, digest(protected, payload, nil), crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("nzcp: signing: %w", err)
	}
	sig, err := rawECDSA(der)
	if err != nil {
		return "", err
	}
	msg := make([]byte, 0, len(protected)+len(payload)+len(sig)+16)
	msg = append(msg, 0xd2, 0x84) // tag 18, array of 4
	msg = cborx.AppendBytes(msg, protected)
	msg = append(msg, 0xa0) // empty unprotected header
	msg = cborx.AppendBytes(msg, payload)
	msg = cborx.AppendBytes(msg, sig)
	out := make([]byte, 0, len(Prefix)+rawBase32.EncodedLen(len(msg)))
	out = append(out, Prefix...)
	return string(rawBase32.AppendEncode(out, msg)), nil
}

// marshalProtected encodes the protected header {4: kid, 1: -7}, in the
// order the specification's example uses.
func marshalProtected(kid []byte) []byte {
	b := make([]byte, 0, 8+len(kid))
	b = cborx.AppendHead(b, cborx.MajorMap, 2)
	b = cborx.AppendInt(b, headerKID)
	b = cborx.AppendBytes(b, kid)
	b = cborx.AppendInt(b, headerAlg)
	return cborx.AppendInt(b, ES256)
}

// marshalClaims encodes the CWT claims of a PublicCovidPass in the order
// of the specification's example: iss, nbf, exp, vc, cti.
func marshalClaims(iss string, s Subject, nbf, exp int64, jti [16]byte) []byte {
	b := make([]byte, 0, 320)
	b = cborx.AppendHead(b, cborx.MajorMap, 5)
	b = cborx.AppendInt(b, claimIss)
	b = cborx.AppendText(b, iss)
	b = cborx.AppendInt(b, claimNbf)
	b = cborx.AppendInt(b, nbf)
	b = cborx.AppendInt(b, claimExp)
	b = cborx.AppendInt(b, exp)
	b = cborx.AppendText(b, claimVC)
	b = cborx.AppendHead(b, cborx.MajorMap, 4)
	b = cborx.AppendText(b, "@context")
	b = cborx.AppendHead(b, cborx.MajorArray, 2)
	b = cborx.AppendText(b, ContextW3C)
	b = cborx.AppendText(b, ContextNZCP)
	b = cborx.AppendText(b, "version")
	b = cborx.AppendText(b, Version)
	b = cborx.AppendText(b, "type")
	b = cborx.AppendHead(b, cborx.MajorArray, 2)
	b = cborx.AppendText(b, TypeVerifiableCredential)
	b = cborx.AppendText(b, TypePublicCovidPass)
	b = cborx.AppendText(b, "credentialSubject")
	n := uint64(2)
	if s.FamilyName != "" {
		n++
	}
	b = cborx.AppendHead(b, cborx.MajorMap, n)
	b = cborx.AppendText(b, "givenName")
	b = cborx.AppendText(b, s.GivenName)
	if s.FamilyName != "" {
		b = cborx.AppendText(b, "familyName")
		b = cborx.AppendText(b, s.FamilyName)
	}
	b = cborx.AppendText(b, "dob")
	b = cborx.AppendText(b, s.DOB)
	b = cborx.AppendInt(b, claimCti)
	return cborx.AppendBytes(b, jti[:])
}

// rawECDSA turns an ASN.1 DER P-256 ECDSA signature into the 64-byte r‖s
// form COSE uses.
func rawECDSA(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("nzcp: signer returned a malformed ECDSA signature")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return nil, errors.New("nzcp: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}
