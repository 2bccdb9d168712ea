// Package jose is the small part of JOSE that travelcred needs at
// verification time: parsing public JWKs (RFC 7517/7518), their RFC 7638
// thumbprints, and signing and verifying JWS signatures (RFC 7515) with
// ES256/ES384/ES512 and PS256.
//
// It exists so that verifying code carries no network code: the general
// JOSE library (lestrrat-go/jwx) links net/http and crypto/tls, which the
// embedded scanner binary must not contain. Tests check this package
// against jwx in both directions.
package jose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strings"

	"github.com/b5m5/travelcred/internal/strictjson"
)

// ErrBadJWK is wrapped by every JWK parsing error.
var ErrBadJWK = errors.New("bad JWK")

// ErrSignature is wrapped by every failed signature check.
var ErrSignature = errors.New("JWS signature does not verify")

// Key is a parsed public JWK.
type Key struct {
	// Public is an *ecdsa.PublicKey (P-256, P-384, P-521) or an
	// *rsa.PublicKey.
	Public crypto.PublicKey
	// KID is the JWK's own "kid" member, if any.
	KID string
	// Alg and Use are the JWK's "alg" and "use" members, if any.
	Alg, Use string
	// Chain is the x5c certificate chain, leaf first.
	Chain []*x509.Certificate
	// Thumbprint is the RFC 7638 SHA-256 thumbprint, base64url.
	Thumbprint string
	// Members holds every member of the JWK as given.
	Members map[string]json.RawMessage
}

// privateMembers are JWK members that carry private key material.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseKey parses a public JWK. Private members are refused; EC keys must
// be on P-256, P-384 or P-521 (coordinates of the curve's exact size, or
// one byte longer with a leading zero, which some publishers emit); RSA
// moduli need 2048 bits. When x5c is present its leaf must hold the same
// key.
func ParseKey(raw []byte) (*Key, error) {
	// One strict pass (syntax, no member twice), then the members are
	// split out of a private copy of raw without encoding/json's second
	// scan and per-value copies: a 10,000-key list parses 10,000 JWKs.
	if err := strictjson.Check(raw, rawMembersType); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	own := bytes.Clone(raw)
	m := make(map[string]json.RawMessage, 8)
	if err := strictjson.Members(own, func(name string, v []byte) error {
		m[name] = v
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	for _, p := range privateMembers {
		if _, ok := m[p]; ok {
			return nil, fmt.Errorf("%w: private member %q present", ErrBadJWK, p)
		}
	}
	str := func(name string) (string, error) {
		v, ok := m[name]
		if !ok {
			return "", nil
		}
		s, err := strictjson.String(v)
		if err != nil {
			return "", fmt.Errorf("%w: member %q is not a string", ErrBadJWK, name)
		}
		return s, nil
	}
	b64 := func(name string) ([]byte, error) {
		s, err := str(name)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, fmt.Errorf("%w: member %q missing", ErrBadJWK, name)
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return nil, fmt.Errorf("%w: member %q is not base64url", ErrBadJWK, name)
		}
		return b, nil
	}
	k := &Key{Members: m}
	var err error
	if k.KID, err = str("kid"); err != nil {
		return nil, err
	}
	if k.Alg, err = str("alg"); err != nil {
		return nil, err
	}
	if k.Use, err = str("use"); err != nil {
		return nil, err
	}
	kty, err := str("kty")
	if err != nil {
		return nil, err
	}
	switch kty {
	case "EC":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		var curve elliptic.Curve
		switch crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("%w: curve %q", ErrBadJWK, crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err := b64("x")
		if err != nil {
			return nil, err
		}
		y, err := b64("y")
		if err != nil {
			return nil, err
		}
		if x, err = coordinate(x, size); err != nil {
			return nil, err
		}
		if y, err = coordinate(y, size); err != nil {
			return nil, err
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, fmt.Errorf("%w: point is not on %s", ErrBadJWK, crv)
		}
		k.Public = pub
		k.Thumbprint = thumbprint(fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, crv,
			base64.RawURLEncoding.EncodeToString(x), base64.RawURLEncoding.EncodeToString(y)))
	case "RSA":
		n, err := b64("n")
		if err != nil {
			return nil, err
		}
		e, err := b64("e")
		if err != nil {
			return nil, err
		}
		n = trimZeros(n)
		e = trimZeros(e)
		N := new(big.Int).SetBytes(n)
		E := new(big.Int).SetBytes(e)
		if N.BitLen() < 2048 {
			return nil, fmt.Errorf("%w: RSA key of %d bits, below 2048", ErrBadJWK, N.BitLen())
		}
		if !E.IsInt64() || E.Int64() < 3 || E.Int64() > 1<<31-1 || E.Bit(0) == 0 {
			return nil, fmt.Errorf("%w: RSA exponent out of range", ErrBadJWK)
		}
		k.Public = &rsa.PublicKey{N: N, E: int(E.Int64())}
		k.Thumbprint = thumbprint(fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`,
			base64.RawURLEncoding.EncodeToString(e), base64.RawURLEncoding.EncodeToString(n)))
	default:
		return nil, fmt.Errorf("%w: key type %q is not EC or RSA", ErrBadJWK, kty)
	}
	if v, ok := m["x5c"]; ok {
		chain, err := stringList(v)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c is not a list of strings", ErrBadJWK)
		}
		for i, s := range chain {
			der, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("%w: x5c[%d] is not base64", ErrBadJWK, i)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrBadJWK, i, err)
			}
			k.Chain = append(k.Chain, c)
		}
		if len(k.Chain) > 0 {
			eq, ok := k.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
			if !ok || !eq.Equal(k.Public) {
				return nil, fmt.Errorf("%w: the x5c leaf holds a different key", ErrBadJWK)
			}
		}
	}
	return k, nil
}

func coordinate(b []byte, size int) ([]byte, error) {
	if len(b) == size+1 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) != size {
		return nil, fmt.Errorf("%w: coordinate of %d bytes, want %d", ErrBadJWK, len(b), size)
	}
	return b, nil
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func thumbprint(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	m, err := members(pub)
	if err != nil {
		return "", err
	}
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return thumbprint(fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, m["crv"], m["x"], m["y"])), nil
	default:
		return thumbprint(fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, m["e"], m["n"])), nil
	}
}

func members(pub crypto.PublicKey) (map[string]string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		var crv string
		switch k.Curve {
		case elliptic.P256():
			crv = "P-256"
		case elliptic.P384():
			crv = "P-384"
		case elliptic.P521():
			crv = "P-521"
		default:
			return nil, fmt.Errorf("%w: unsupported curve", ErrBadJWK)
		}
		raw, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
		}
		size := (len(raw) - 1) / 2
		return map[string]string{"kty": "EC", "crv": crv,
			"x": base64.RawURLEncoding.EncodeToString(raw[1 : 1+size]),
			"y": base64.RawURLEncoding.EncodeToString(raw[1+size:])}, nil
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA",
			"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return nil, fmt.Errorf("%w: unsupported key type %T", ErrBadJWK, pub)
}

// MarshalKey encodes a public key as a JWK whose kid is its thumbprint, with
// an x5c member when chain is given. Members are in a fixed order.
func MarshalKey(pub crypto.PublicKey, chain ...*x509.Certificate) ([]byte, error) {
	m, err := members(pub)
	if err != nil {
		return nil, err
	}
	tp, _ := Thumbprint(pub)
	type ecJWK struct {
		Kty string   `json:"kty"`
		Crv string   `json:"crv,omitempty"`
		X   string   `json:"x,omitempty"`
		Y   string   `json:"y,omitempty"`
		N   string   `json:"n,omitempty"`
		E   string   `json:"e,omitempty"`
		KID string   `json:"kid"`
		X5C []string `json:"x5c,omitempty"`
	}
	j := ecJWK{Kty: m["kty"], Crv: m["crv"], X: m["x"], Y: m["y"], N: m["n"], E: m["e"], KID: tp}
	for _, c := range chain {
		j.X5C = append(j.X5C, base64.StdEncoding.EncodeToString(c.Raw))
	}
	return json.Marshal(j)
}

// Algorithm returns the JWS algorithm for a key: ES256, ES384 or ES512 by
// curve, PS256 for RSA.
func Algorithm(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
	case *rsa.PublicKey:
		return "PS256", nil
	}
	return "", fmt.Errorf("unsupported key type %T", pub)
}

func hashFor(alg string) (crypto.Hash, int, error) {
	switch alg {
	case "ES256":
		return crypto.SHA256, 32, nil
	case "ES384":
		return crypto.SHA384, 48, nil
	case "ES512":
		return crypto.SHA512, 66, nil
	case "PS256":
		return crypto.SHA256, 0, nil
	}
	return 0, 0, fmt.Errorf("%w: algorithm %q is not accepted", ErrSignature, alg)
}

func digest(h crypto.Hash, signingInput string) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384([]byte(signingInput))
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512([]byte(signingInput))
		return d[:]
	}
	d := sha256.Sum256([]byte(signingInput))
	return d[:]
}

// Verify checks a JWS signature over signingInput ("protected.payload")
// with alg and pub. The algorithm must fit the key: an ES256 signature is
// never checked with an RSA key, nor PS256 with an EC key.
func Verify(alg, signingInput string, sig []byte, pub crypto.PublicKey) error {
	want, err := Algorithm(pub)
	if err != nil {
		return err
	}
	if alg != want {
		return fmt.Errorf("%w: alg %q does not fit the key (%s)", ErrSignature, alg, want)
	}
	h, size, err := hashFor(alg)
	if err != nil {
		return err
	}
	d := digest(h, signingInput)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if len(sig) != 2*size {
			return fmt.Errorf("%w: %s signature of %d bytes, want %d", ErrSignature, alg, len(sig), 2*size)
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, d, r, s) {
			return ErrSignature
		}
	case *rsa.PublicKey:
		if err := rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
			return ErrSignature
		}
	}
	return nil
}

// VerifyCompact checks a compact JWS ("protected.payload.signature")
// whose protected header names alg, with pub, and returns the decoded
// header and payload.
func VerifyCompact(compact string, pub crypto.PublicKey) (header map[string]json.RawMessage, payload []byte, err error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%w: not a compact JWS", ErrSignature)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: header is not base64url", ErrSignature)
	}
	if err := json.Unmarshal(hb, &header); err != nil {
		return nil, nil, fmt.Errorf("%w: header is not JSON", ErrSignature)
	}
	var alg string
	json.Unmarshal(header["alg"], &alg)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signature is not base64url", ErrSignature)
	}
	if err := Verify(alg, parts[0]+"."+parts[1], sig, pub); err != nil {
		return nil, nil, err
	}
	payload, err = base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload is not base64url", ErrSignature)
	}
	return header, payload, nil
}

// Sign makes a JWS signature over signingInput with signer, using the
// algorithm of its key; rand nil means crypto/rand, except that ECDSA
// signers given a nil rand by a deterministic caller should use
// SignDeterministic.
func Sign(rnd io.Reader, signer crypto.Signer, signingInput string) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	return sign(rnd, signer, signingInput)
}

// SignDeterministic signs like Sign but makes ECDSA signatures
// deterministic (RFC 6979), for reproducible documents. RSA-PSS stays
// randomised.
func SignDeterministic(signer crypto.Signer, signingInput string) ([]byte, error) {
	return sign(nil, signer, signingInput)
}

func sign(rnd io.Reader, signer crypto.Signer, signingInput string) ([]byte, error) {
	alg, err := Algorithm(signer.Public())
	if err != nil {
		return nil, err
	}
	h, size, _ := hashFor(alg)
	d := digest(h, signingInput)
	switch signer.Public().(type) {
	case *ecdsa.PublicKey:
		der, err := signer.Sign(rnd, d, h)
		if err != nil {
			return nil, err
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
			return nil, errors.New("jose: signer returned a malformed ECDSA signature")
		}
		out := make([]byte, 2*size)
		rs.R.FillBytes(out[:size])
		rs.S.FillBytes(out[size:])
		return out, nil
	default:
		if rnd == nil {
			rnd = rand.Reader
		}
		return signer.Sign(rnd, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	}
}

// stringList decodes a JSON array of strings (null: none), as
// json.Unmarshal into a []string would, from a value strictjson.Check has
// accepted.
func stringList(v []byte) ([]string, error) {
	els, err := strictjson.Elements(v)
	if err != nil {
		return nil, err
	}
	list := make([]string, len(els))
	for i, e := range els {
		if list[i], err = strictjson.String(e); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// rawMembersType is a JWK as ParseKey reads it first: strictjson.Check
// against it refuses a member named twice at the top level (encoding/json
// would keep the last, another parser the first).
var rawMembersType = reflect.TypeFor[map[string]json.RawMessage]()
