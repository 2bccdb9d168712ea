package shc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/deflate"
	"github.com/b5m5/travelcred/internal/limits"
)

// The JWS header values SHC requires.
const (
	AlgES256 = "ES256"
	ZipDEF   = "DEF"
)

// sigSize is the length of an ES256 signature: r‖s, 32 bytes each.
const sigSize = 64

// maxKIDLen bounds the header kid (an RFC 7638 thumbprint is 43
// characters).
const maxKIDLen = 128

// Card is a decoded, unverified SMART Health Card.
type Card struct {
	// Claims are the JWS payload claims. They have not been judged:
	// call Validate once the signature has been checked.
	Claims
	// KID is the kid of the protected header: the RFC 7638 thumbprint
	// of the issuer's key, in base64url.
	KID string
	// JWS is the compact serialization the card was read from.
	JWS string

	sig []byte // r‖s
}

// KeyRef returns the key reference iss + "#" + kid. A decoded kid never
// contains '#' (it is base64url), so the reference names exactly one
// issuer and kid.
func KeyRef(iss, kid string) []byte {
	b := make([]byte, 0, len(iss)+1+len(kid))
	b = append(b, iss...)
	b = append(b, '#')
	return append(b, kid...)
}

// KeyRef returns the reference of the key that must have signed the card:
// the issuer URL, "#", and the header kid. Trusted keys must be looked up
// by this whole reference, so that a key trusted for one issuer is never
// used for a card that names another.
func (c *Card) KeyRef() []byte { return KeyRef(c.Issuer, c.KID) }

// DecodeJWS decodes a compact JWS with the default limits (a JWS up to
// MaxFileLen characters). See Decoder.DecodeJWS.
func DecodeJWS(jws string) (*Card, error) {
	var d Decoder
	return d.DecodeJWS(jws)
}

// DecodeJWS decodes a compact JWS, as found in a .smart-health-card file or
// after the numeric decoding of QR text. It is refused unless the protected
// header has alg ES256, zip DEF and a kid, the signature is 64 bytes
// (r‖s, not DER), the payload inflates as raw DEFLATE (no zlib header)
// within the output limit, and the result is strict JSON claims (see
// ParseClaims). The signature is not checked.
func (d *Decoder) DecodeJWS(jws string) (*Card, error) {
	return d.decodeJWS(jws, limits.Lower(MaxFileLen, d.MaxFileLen))
}

var b64 = base64.RawURLEncoding.Strict()

// decodeJWS decodes a JWS of at most max characters.
func (d *Decoder) decodeJWS(jws string, max int) (*Card, error) {
	if len(jws) > max {
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("JWS is %d characters, over the %d-character limit", len(jws), max), nil)
	}
	h, rest, ok1 := strings.Cut(jws, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || h == "" || p == "" || s == "" {
		return nil, newErr(credential.ReasonBadClaims, "not a compact JWS (three non-empty base64url parts)", ErrJWS)
	}
	for _, part := range [...]string{h, p, s} {
		if i := strings.IndexFunc(part, notBase64URL); i >= 0 {
			return nil, newErr(credential.ReasonBadClaims, fmt.Sprintf("character %q in a JWS part is not base64url", part[i]), ErrJWS)
		}
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, newErr(credential.ReasonBadClaims, "protected header is not base64url", ErrJWS)
	}
	kid, err := checkHeader(hb)
	if err != nil {
		return nil, err
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, newErr(credential.ReasonBadClaims, "signature is not base64url", ErrJWS)
	}
	if len(sig) != sigSize {
		return nil, newErr(credential.ReasonBadClaims, fmt.Sprintf("ES256 signature is %d bytes, want %d (r‖s; DER is not accepted)", len(sig), sigSize), ErrJWS)
	}
	compressed, err := b64.DecodeString(p)
	if err != nil {
		return nil, newErr(credential.ReasonBadClaims, "payload is not base64url", ErrJWS)
	}
	payload, err := Inflate(compressed, d.MaxInflated)
	if err != nil {
		return nil, err
	}
	c := &Card{KID: kid, JWS: jws, sig: sig}
	if err := parseClaimsInto(&c.Claims, payload); err != nil {
		return nil, err
	}
	return c, nil
}

func notBase64URL(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

// checkHeader checks the protected header and returns its kid.
func checkHeader(b []byte) (string, error) {
	m, err := strictObject(b)
	if err != nil {
		return "", newErr(credential.ReasonBadClaims, "protected header: "+err.Error(), ErrJWS)
	}
	alg, okAlg, err := stringField(m, "alg")
	if err != nil {
		return "", newErr(credential.ReasonBadClaims, "protected header: "+err.Error(), ErrJWS)
	}
	zip, okZip, err := stringField(m, "zip")
	if err != nil {
		return "", newErr(credential.ReasonBadClaims, "protected header: "+err.Error(), ErrJWS)
	}
	kid, okKID, err := stringField(m, "kid")
	if err != nil {
		return "", newErr(credential.ReasonBadClaims, "protected header: "+err.Error(), ErrJWS)
	}
	if _, ok := m["crit"]; ok {
		return "", newErr(credential.ReasonBadClaims, "protected header has crit parameters, none of which are understood", ErrJWS)
	}
	switch {
	case !okAlg:
		return "", newErr(credential.ReasonBadClaims, "protected header has no alg", ErrJWS)
	case alg != AlgES256:
		return "", newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("alg %q is not accepted (only %s)", alg, AlgES256), nil)
	case !okZip:
		return "", newErr(credential.ReasonBadCompression, `protected header has no zip: SHC payloads are compressed ("zip":"DEF")`, nil)
	case zip != ZipDEF:
		return "", newErr(credential.ReasonBadCompression, fmt.Sprintf("zip %q is not accepted (only %s)", zip, ZipDEF), nil)
	case !okKID || kid == "":
		return "", newErr(credential.ReasonBadClaims, "protected header has no kid", ErrJWS)
	case len(kid) > maxKIDLen || strings.IndexFunc(kid, notBase64URL) >= 0:
		return "", newErr(credential.ReasonBadClaims, "kid is not a base64url key thumbprint", ErrJWS)
	}
	return kid, nil
}

// Inflate decompresses raw DEFLATE data (RFC 1951, no zlib or gzip
// header), refusing output beyond max bytes (MaxInflated when max ≤ 0;
// max can only lower it). A truncated or corrupt stream, or one followed by
// trailing bytes, is malformed. internal/deflate does the work on the slice
// in memory, accepting exactly what compress/flate accepts.
func Inflate(src []byte, max int) ([]byte, error) {
	max = limits.Lower(MaxInflated, max)
	out, n, err := deflate.AppendInflate(make([]byte, 0, min(max, 4*len(src)+512)), src, max)
	switch {
	case errors.Is(err, deflate.ErrTooLarge):
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("decompressed payload exceeds %d bytes", max), nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newErr(credential.ReasonBadCompression, "compressed payload is truncated", err)
	case err != nil:
		detail := "payload is not raw DEFLATE"
		if looksZlib(src) {
			detail = "payload is zlib-wrapped; SHC uses raw DEFLATE without a header"
		}
		return nil, newErr(credential.ReasonBadCompression, detail, err)
	}
	if n < len(src) {
		return nil, newErr(credential.ReasonBadCompression, fmt.Sprintf("%d bytes follow the compressed stream", len(src)-n), nil)
	}
	return out, nil
}

func looksZlib(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// signingInput returns the JWS signing input: the header and payload
// parts as they were carried.
func (c *Card) signingInput() string {
	i := strings.LastIndexByte(c.JWS, '.')
	if i < 0 {
		return ""
	}
	return c.JWS[:i]
}

// Verify checks the card's ES256 signature with pub, which must be an
// *ecdsa.PublicKey on P-256. The signature must be the 64-byte r‖s form.
// It returns nil or a *credential.Error: bad_signature when the key does
// not fit or the signature does not verify, bad_claims (wrapping ErrJWS)
// for a signature of another length.
//
// Verify says nothing about whether pub may sign for the card's issuer:
// find pub by KeyRef.
func (c *Card) Verify(pub crypto.PublicKey) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k == nil {
		return newErr(credential.ReasonBadSignature, fmt.Sprintf("ES256 needs an ECDSA P-256 public key, not %T", pub), nil)
	}
	if k.Curve != elliptic.P256() {
		return newErr(credential.ReasonBadSignature, "ES256 needs a key on P-256, not "+k.Curve.Params().Name, nil)
	}
	if len(c.sig) != sigSize {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("ES256 signature is %d bytes, want %d (r‖s)", len(c.sig), sigSize), ErrJWS)
	}
	h := sha256.New()
	io.WriteString(h, c.signingInput())
	var d [sha256.Size]byte
	r := new(big.Int).SetBytes(c.sig[:32])
	s := new(big.Int).SetBytes(c.sig[32:])
	if !ecdsa.Verify(k, h.Sum(d[:0]), r, s) {
		return newErr(credential.ReasonBadSignature, "signature does not verify", nil)
	}
	return nil
}
