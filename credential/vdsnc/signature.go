package vdsnc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/gowebpki/jcs"

	"github.com/b5m5/travelcred/credential"
)

// ErrKeyMismatch is wrapped by VerifySignature when the BSC's key does not
// fit sig.alg (not ECDSA, or on another curve).
var ErrKeyMismatch = errors.New("BSC key does not fit the algorithm")

// algParams returns the hash and curve of a sig.alg value.
func algParams(alg string) (crypto.Hash, elliptic.Curve, error) {
	switch alg {
	case ES256:
		return crypto.SHA256, elliptic.P256(), nil
	case ES384:
		return crypto.SHA384, elliptic.P384(), nil
	case ES512:
		return crypto.SHA512, elliptic.P521(), nil
	}
	return 0, nil, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("sig.alg %s is not accepted (ES256, ES384, ES512)", shown(alg)), nil)
}

// digest hashes b with h, one of SHA-256, SHA-384 and SHA-512.
func digest(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(b)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(b)
		return d[:]
	default:
		d := sha512.Sum512(b)
		return d[:]
	}
}

// VerifySignature checks sig.sigvl over the canonical form of data with the
// BSC's public key, by sig.alg: ES256 (P-256, SHA-256), ES384 (P-384,
// SHA-384) or ES512 (P-521, SHA-512). It does not check the BSC itself:
// VerifyChain does.
//
// The signature is raw r‖s. Some issuers' tools (Path-Check's vds-sdk.js)
// concatenate the DER integer contents instead, giving 63 to 66 bytes for
// P-256: an r or s of n+1 bytes starting with a 0x00 sign byte, or of fewer
// than n bytes. Every split of that kind is tried, the even one first, so
// such seals verify; anything else fails.
//
// Reasons: unsupported_alg, bad_signature (wrapping ErrKeyMismatch when
// the key cannot be used with the algorithm).
func (s *Seal) VerifySignature() error {
	h, curve, err := algParams(s.Alg)
	if err != nil {
		return err
	}
	if s.BSC == nil {
		return newErr(credential.ReasonBadSignature, "no BSC", ErrKeyMismatch)
	}
	pub, ok := s.BSC.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("%s needs an ECDSA key, the BSC has %T", s.Alg, s.BSC.PublicKey), ErrKeyMismatch)
	}
	if pub.Curve != curve {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("%s needs a key on %s, the BSC's is on %s", s.Alg, curve.Params().Name, pub.Curve.Params().Name), ErrKeyMismatch)
	}
	size := (curve.Params().BitSize + 7) / 8
	if !verifyRaw(pub, digest(h, s.Canonical), s.Signature, size) {
		return newErr(credential.ReasonBadSignature, "signature does not verify", nil)
	}
	return nil
}

// verifyRaw checks a raw r‖s signature whose halves are nominally size
// bytes, leniently: see VerifySignature.
func verifyRaw(pub *ecdsa.PublicKey, d, sig []byte, size int) bool {
	n := len(sig)
	if n < 2*size-4 || n > 2*size+2 {
		return false
	}
	if n == 2*size && verifyHalves(pub, d, sig[:size], sig[size:]) {
		return true
	}
	for k := size - 2; k <= size+1; k++ {
		if n == 2*size && k == size {
			continue
		}
		r, s := sig[:k], sig[k:]
		if plausibleHalf(r, size) && plausibleHalf(s, size) && verifyHalves(pub, d, r, s) {
			return true
		}
	}
	return false
}

// plausibleHalf reports whether b can be r or s of a signature on a curve
// of size bytes: at least size-2 bytes, and at most size unless the extra
// leading byte is a DER sign byte 0x00.
func plausibleHalf(b []byte, size int) bool {
	switch {
	case len(b) < size-2:
		return false
	case len(b) <= size:
		return true
	case len(b) == size+1:
		return b[0] == 0
	}
	return false
}

func verifyHalves(pub *ecdsa.PublicKey, d, r, s []byte) bool {
	return ecdsa.Verify(pub, d, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s))
}

// Sign issues a seal: it signs the RFC 8785 canonical form of data with
// signer, whose public key must be the BSC's, and returns the seal's JSON
// text (data in canonical form, then sig with alg, cer and sigvl, the last
// two unpadded base64url). The algorithm follows the key's curve: ES256
// for P-256, ES384 for P-384, ES512 for P-521. The signature is fixed-size
// r‖s. The result is decoded again before it is returned, so data must be
// a valid seal body ({"hdr":…,"msg":…}); its errors are Decode's.
func Sign(signer crypto.Signer, bsc *x509.Certificate, data json.RawMessage) (string, error) {
	if signer == nil || bsc == nil {
		return "", errors.New("vdsnc: Sign needs a signer and its BSC")
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("vdsnc: signer has a %T key, want ECDSA", signer.Public())
	}
	if !pub.Equal(bsc.PublicKey) {
		return "", errors.New("vdsnc: signer's key is not the BSC's")
	}
	var alg string
	switch pub.Curve {
	case elliptic.P256():
		alg = ES256
	case elliptic.P384():
		alg = ES384
	case elliptic.P521():
		alg = ES512
	default:
		return "", fmt.Errorf("vdsnc: no VDS-NC algorithm for curve %s", pub.Curve.Params().Name)
	}
	h, _, _ := algParams(alg)
	canonical, err := jcs.Transform(data)
	if err != nil {
		return "", newErr(credential.ReasonBadClaims, "data has no RFC 8785 canonical form", err)
	}
	der, err := signer.Sign(rand.Reader, digest(h, canonical), h)
	if err != nil {
		return "", fmt.Errorf("vdsnc: signing: %w", err)
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil {
		return "", errors.New("vdsnc: signer did not return an ASN.1 ECDSA signature")
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return "", errors.New("vdsnc: signer returned an out-of-range signature")
	}
	raw := make([]byte, 2*size)
	rs.R.FillBytes(raw[:size])
	rs.S.FillBytes(raw[size:])

	sig, err := json.Marshal(struct {
		Alg   string `json:"alg"`
		Cer   string `json:"cer"`
		Sigvl string `json:"sigvl"`
	}{alg, base64.RawURLEncoding.EncodeToString(bsc.Raw), base64.RawURLEncoding.EncodeToString(raw)})
	if err != nil {
		return "", err
	}
	text := `{"data":` + string(canonical) + `,"sig":` + string(sig) + `}`
	if _, err := Decode(text); err != nil {
		return "", err
	}
	return text, nil
}
