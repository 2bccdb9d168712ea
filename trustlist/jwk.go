package trustlist

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwk"
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
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
		if _, ok := members[priv]; ok {
			return nil, fmt.Errorf("%w: private member %q present", ErrBadJWK, priv)
		}
	}
	k, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	var pub crypto.PublicKey
	switch k.KeyType() {
	case "EC":
		var ek ecdsa.PublicKey
		if err := k.Raw(&ek); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
		}
		pub = &ek
	case "RSA":
		var rk rsa.PublicKey
		if err := k.Raw(&rk); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
		}
		if rk.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%w: RSA key of %d bits, below 2048", ErrBadJWK, rk.N.BitLen())
		}
		pub = &rk
	default:
		return nil, fmt.Errorf("%w: key type %q is not EC or RSA", ErrBadJWK, k.KeyType())
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	out := &PublicJWK{KeyID: base64.RawURLEncoding.EncodeToString(tp), Key: pub, Raw: append(json.RawMessage(nil), raw...)}
	if chain := k.X509CertChain(); chain != nil {
		for i := 0; i < chain.Len(); i++ {
			b64, _ := chain.Get(i)
			der, err := base64.StdEncoding.DecodeString(string(b64))
			if err != nil {
				return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrBadJWK, i, err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrBadJWK, i, err)
			}
			out.Chain = append(out.Chain, c)
		}
		if len(out.Chain) > 0 {
			if eq, ok := out.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(pub) {
				return nil, fmt.Errorf("%w: x5c leaf holds a different key", ErrBadJWK)
			}
		}
	}
	return out, nil
}

// MarshalPublicJWK encodes a public key as a JWK with its thumbprint as
// kid and, when chain is given, an x5c member.
func MarshalPublicJWK(pub crypto.PublicKey, chain ...*x509.Certificate) (json.RawMessage, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() && k.Curve != elliptic.P521() {
			return nil, fmt.Errorf("%w: unsupported curve", ErrBadJWK)
		}
	case *rsa.PublicKey:
	default:
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrBadJWK, pub)
	}
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	if err := k.Set(jwk.KeyIDKey, base64.RawURLEncoding.EncodeToString(tp)); err != nil {
		return nil, err
	}
	if len(chain) > 0 {
		var m map[string]any
		b, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		var x5c []string
		for _, c := range chain {
			x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
		}
		m["x5c"] = x5c
		return marshalCompact(m)
	}
	b, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// KeyThumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url without padding.
func KeyThumbprint(pub crypto.PublicKey) (string, error) {
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
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

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
