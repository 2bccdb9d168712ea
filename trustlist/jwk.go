package trustlist

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/b5m5/travelcred/internal/jose"
)

// ErrBadJWK is wrapped by every error about a malformed or unacceptable
// JSON Web Key.
var ErrBadJWK = errors.New("trustlist: bad JWK")

// PublicJWK is a parsed public JSON Web Key.
type PublicJWK struct {
	// KeyID is the RFC 7638 thumbprint (SHA-256, base64url), whatever kid
	// the JWK itself names.
	KeyID string
	// Key is an *ecdsa.PublicKey (P-256, P-384, P-521) or *rsa.PublicKey.
	Key crypto.PublicKey
	// Chain is the x5c certificate chain, leaf first, when present.
	Chain []*x509.Certificate
	// Raw is the JWK as given.
	Raw json.RawMessage
}

// ParsePublicJWK parses a public JWK. Private members ("d", "p", "q", …)
// are refused: a trust document must never carry private key material.
// RSA keys must have at least 2048 bits. When x5c is present its leaf must
// hold the same public key.
func ParsePublicJWK(raw []byte) (*PublicJWK, error) {
	k, err := jose.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	return &PublicJWK{KeyID: k.Thumbprint, Key: k.Public, Chain: k.Chain, Raw: append(json.RawMessage(nil), raw...)}, nil
}

// MarshalPublicJWK encodes a public key as a JWK with its thumbprint as
// kid and, when chain is given, an x5c member.
func MarshalPublicJWK(pub crypto.PublicKey, chain ...*x509.Certificate) (json.RawMessage, error) {
	b, err := jose.MarshalKey(pub, chain...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	return b, nil
}

// KeyThumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url without padding.
func KeyThumbprint(pub crypto.PublicKey) (string, error) {
	tp, err := jose.Thumbprint(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	return tp, nil
}

func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// marshalDoc encodes a document payload as indented JSON, so publishers can
// read and diff it; the exact bytes are what gets signed.
func marshalDoc(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
