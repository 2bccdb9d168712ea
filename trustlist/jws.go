package trustlist

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/b5m5/travelcred/internal/jose"
	"github.com/b5m5/travelcred/internal/strictjson"
)

// b64 is strict base64url without padding: non-zero padding bits are
// refused, so each value has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// ErrSignature is wrapped by every signature failure of a trust document.
var ErrSignature = errors.New("trustlist: signature check failed")

// Signed is a trust document in the JWS JSON general serialization (RFC
// 7515 §7.2.1): the payload (the document's exact JSON bytes, base64url)
// and any number of signatures. Payload bytes are never re-serialised: what
// was signed is what is verified.
type Signed struct {
	Payload    string      `json:"payload"`
	Signatures []Signature `json:"signatures"`

	// decoded is Payload decoded by ParseSigned, valid while Payload
	// equals decodedFrom.
	decoded     []byte
	decodedFrom string
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
	if err := decodeSigned(data, &s); err != nil {
		return nil, fmt.Errorf("%w: not a JWS JSON document: %v", ErrMalformed, err)
	}
	if s.Payload == "" {
		return nil, fmt.Errorf("%w: empty payload", ErrMalformed)
	}
	b, err := b64.DecodeString(s.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not canonical base64url", ErrMalformed)
	}
	s.decoded, s.decodedFrom = b, s.Payload
	return &s, nil
}

// decodeSigned decodes a JWS JSON document strictly. The payload string
// (the whole list, megabytes for a federated list) is taken from the
// bytes directly; encoding/json only decodes the signatures.
func decodeSigned(b []byte, s *Signed) error {
	if err := strictjson.Check(b, signedType); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return strictjson.Members(b, func(name string, v []byte) error {
		var err error
		switch name {
		case "payload":
			s.Payload, err = strictjson.String(v)
		case "signatures":
			err = json.Unmarshal(v, &s.Signatures)
		}
		if err != nil {
			return fmt.Errorf("%w: member %q: %v", ErrMalformed, name, err)
		}
		return nil
	})
}

var signedType = reflect.TypeFor[Signed]()

// PayloadBytes returns the signed payload.
func (s *Signed) PayloadBytes() ([]byte, error) {
	// ParseSigned has decoded it already, unless Payload changed since.
	if s.decoded != nil && s.Payload == s.decodedFrom {
		return bytes.Clone(s.decoded), nil
	}
	b, err := b64.DecodeString(s.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not canonical base64url", ErrMalformed)
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

// AddSignature signs the document with key and appends the signature. The
// protected header names the algorithm (ES256/384/512 by curve, PS256 for
// RSA), the key's thumbprint as kid, and country when not empty. ECDSA
// signatures are deterministic (RFC 6979), so re-signing the same bytes
// with the same key gives the same document.
func (s *Signed) AddSignature(key crypto.Signer, country string) error {
	alg, err := jose.Algorithm(key.Public())
	if err != nil {
		return err
	}
	if rk, ok := key.Public().(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
		return fmt.Errorf("trustlist: RSA key of %d bits, below 2048", rk.N.BitLen())
	}
	kid, err := KeyThumbprint(key.Public())
	if err != nil {
		return err
	}
	hdr, err := json.Marshal(signatureHeader{Alg: alg, KID: kid, Country: country})
	if err != nil {
		return err
	}
	protected := base64.RawURLEncoding.EncodeToString(hdr)
	sig, err := jose.SignDeterministic(key, protected+"."+s.Payload)
	if err != nil {
		return fmt.Errorf("trustlist: signing: %w", err)
	}
	s.Signatures = append(s.Signatures, Signature{Protected: protected, Signature: base64.RawURLEncoding.EncodeToString(sig)})
	return nil
}

// header decodes the protected header of signature i.
func (s *Signed) header(i int) (*signatureHeader, error) {
	raw, err := b64.DecodeString(s.Signatures[i].Protected)
	if err != nil {
		return nil, fmt.Errorf("%w: signature %d: protected header is not base64url", ErrMalformed, i)
	}
	var h signatureHeader
	if err := decodeStrict(raw, &h); err != nil {
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
	sig, err := b64.DecodeString(s.Signatures[i].Signature)
	if err != nil {
		return fmt.Errorf("%w: signature %d is not base64url", ErrSignature, i)
	}
	if err := jose.Verify(h.Alg, s.Signatures[i].Protected+"."+s.Payload, sig, pub); err != nil {
		return fmt.Errorf("%w: signature %d (kid %s) does not verify: %v", ErrSignature, i, h.KID, err)
	}
	return nil
}
