package trustlist

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// ErrSignature is wrapped by every signature failure of a trust document.
var ErrSignature = errors.New("trustlist: signature check failed")

// Signed is a trust document in the JWS JSON general serialization (RFC
// 7515 §7.2.1): the payload (the document's exact JSON bytes, base64url)
// and any number of signatures. Payload bytes are never re-serialised: what
// was signed is what is verified.
type Signed struct {
	Payload    string      `json:"payload"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one JWS signature with its protected header.
type Signature struct {
	Protected string `json:"protected"`
	Signature string `json:"signature"`
}

// signatureHeader is what we put in, and read from, a protected header.
type signatureHeader struct {
	Alg     string `json:"alg"`
	KID     string `json:"kid"`
	Country string `json:"cc,omitempty"`
	Typ     string `json:"typ,omitempty"`
}

// ParseSigned reads a signed document, refusing anything over max bytes
// (MaxDocumentSize when max ≤ 0).
func ParseSigned(data []byte, max int) (*Signed, error) {
	if max <= 0 || max > MaxDocumentSize {
		max = MaxDocumentSize
	}
	if len(data) > max {
		return nil, fmt.Errorf("%w: document is %d bytes, over the %d-byte limit", ErrTooLarge, len(data), max)
	}
	var s Signed
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: not a JWS JSON document: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JWS JSON document", ErrMalformed)
	}
	if _, err := base64.RawURLEncoding.DecodeString(s.Payload); err != nil || s.Payload == "" {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	return &s, nil
}

// PayloadBytes returns the signed payload.
func (s *Signed) PayloadBytes() ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	return b, nil
}

// Marshal encodes the document.
func (s *Signed) Marshal() ([]byte, error) {
	if s.Signatures == nil {
		s.Signatures = []Signature{}
	}
	return marshalDoc(s)
}

// NewSigned wraps payload bytes in an unsigned document.
func NewSigned(payload []byte) *Signed {
	return &Signed{Payload: base64.RawURLEncoding.EncodeToString(payload), Signatures: []Signature{}}
}

// algFor picks the JWS algorithm for a key: ES256/384/512 by curve, PS256
// for RSA.
func algFor(pub crypto.PublicKey) (jwa.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return jwa.ES256, nil
		case elliptic.P384():
			return jwa.ES384, nil
		case elliptic.P521():
			return jwa.ES512, nil
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("trustlist: RSA key of %d bits, below 2048", k.N.BitLen())
		}
		return jwa.PS256, nil
	}
	return "", fmt.Errorf("trustlist: unsupported key type %T", pub)
}

// deterministicSigner passes a nil random source to ECDSA keys, which then
// sign deterministically (RFC 6979); used for reproducible demo documents.
type deterministicSigner struct{ crypto.Signer }

func (d deterministicSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.Signer.Sign(nil, digest, opts)
}

// AddSignature signs the document with key and appends the signature. The
// protected header names the algorithm, the key's thumbprint as kid, and
// country when not empty.
func (s *Signed) AddSignature(key crypto.Signer, country string) error {
	alg, err := algFor(key.Public())
	if err != nil {
		return err
	}
	kid, err := KeyThumbprint(key.Public())
	if err != nil {
		return err
	}
	payload, err := s.PayloadBytes()
	if err != nil {
		return err
	}
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, kid)
	if country != "" {
		hdr.Set("cc", country)
	}
	var signer crypto.Signer = key
	if _, ok := key.Public().(*ecdsa.PublicKey); ok {
		signer = deterministicSigner{key}
	}
	compact, err := jws.Sign(payload, jws.WithKey(alg, signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return fmt.Errorf("trustlist: signing: %w", err)
	}
	parts := strings.Split(string(compact), ".")
	if len(parts) != 3 {
		return errors.New("trustlist: signer produced a malformed JWS")
	}
	s.Signatures = append(s.Signatures, Signature{Protected: parts[0], Signature: parts[2]})
	return nil
}

// header decodes the protected header of signature i.
func (s *Signed) header(i int) (*signatureHeader, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s.Signatures[i].Protected)
	if err != nil {
		return nil, fmt.Errorf("%w: signature %d: protected header is not base64url", ErrMalformed, i)
	}
	var h signatureHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("%w: signature %d: protected header: %v", ErrMalformed, i, err)
	}
	return &h, nil
}

// verifySignature checks signature i with pub, whose algorithm must be the
// one the header names.
func (s *Signed) verifySignature(i int, pub crypto.PublicKey) error {
	h, err := s.header(i)
	if err != nil {
		return err
	}
	alg, err := algFor(pub)
	if err != nil {
		return err
	}
	if h.Alg != alg.String() {
		return fmt.Errorf("%w: signature %d has alg %q, but the key is for %s", ErrSignature, i, h.Alg, alg)
	}
	compact := s.Signatures[i].Protected + "." + s.Payload + "." + s.Signatures[i].Signature
	if _, err := jws.Verify([]byte(compact), jws.WithKey(alg, pub)); err != nil {
		return fmt.Errorf("%w: signature %d (kid %s) does not verify", ErrSignature, i, h.KID)
	}
	return nil
}
