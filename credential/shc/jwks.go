package shc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// maxX5C bounds the length of a key's certificate chain.
const maxX5C = 10

// Key is one issuer signing key from a key set.
type Key struct {
	// KID is the key id: the RFC 7638 thumbprint of the key, base64url.
	KID string
	// PublicKey is the ES256 verification key, on P-256.
	PublicKey *ecdsa.PublicKey
	// X5C is the optional certificate chain, leaf first. ParseJWKS does
	// not check it; VerifyX5C does.
	X5C []*x509.Certificate
	// CRLVersion is the key's crlVersion: when positive, cards signed by
	// the key may be revoked, and a revocation list with at least this
	// counter must be consulted.
	CRLVersion int
}

// Ref returns the key reference of k for issuer iss (see KeyRef).
func (k Key) Ref(iss string) []byte { return KeyRef(iss, k.KID) }

// ParseJWKS parses an issuer's key set, the document served at
// iss + "/.well-known/jwks.json": {"keys":[JWK, …]}. Every key must be a
// public ES256 signing key — kty "EC", crv "P-256", alg "ES256",
// use "sig", no private member "d", a point on the curve — whose kid is
// its RFC 7638 thumbprint; kids must be unique. One bad key refuses the
// whole set, so that a misconfigured issuer is noticed rather than
// half-trusted. An x5c chain is parsed but not verified (see VerifyX5C).
func ParseJWKS(data []byte) ([]Key, error) {
	if len(data) > MaxJWKSLen {
		return nil, fmt.Errorf("shc: key set is %d bytes, over the %d-byte limit", len(data), MaxJWKSLen)
	}
	m, err := documentObject(data)
	if err != nil {
		return nil, fmt.Errorf("shc: key set: %w", err)
	}
	raw, ok := m["keys"]
	if !ok {
		return nil, errors.New(`shc: not a JWK set: no "keys" member`)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || raw[0] != '[' {
		return nil, errors.New("shc: keys is not an array")
	}
	keys := make([]Key, 0, len(list))
	seen := map[string]bool{}
	for i, jwk := range list {
		k, err := parseJWK(jwk)
		if err != nil {
			return nil, fmt.Errorf("shc: key %d: %w", i, err)
		}
		if seen[k.KID] {
			return nil, fmt.Errorf("shc: key %d: kid %q appears twice", i, k.KID)
		}
		seen[k.KID] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func parseJWK(raw json.RawMessage) (Key, error) {
	m, ok := object(raw)
	if !ok {
		return Key{}, errors.New("not a JSON object")
	}
	str := func(name string) (string, error) {
		s, ok, err := stringField(m, name)
		if err == nil && !ok {
			err = fmt.Errorf("no %s", name)
		}
		return s, err
	}
	if _, ok := m["d"]; ok {
		return Key{}, errors.New("the key set holds a private key (member d)")
	}
	kty, err := str("kty")
	if err != nil {
		return Key{}, err
	}
	if kty != "EC" {
		return Key{}, fmt.Errorf("kty %q is not EC", kty)
	}
	if crv, err := str("crv"); err != nil {
		return Key{}, err
	} else if crv != "P-256" {
		return Key{}, fmt.Errorf("crv %q is not P-256", crv)
	}
	if alg, err := str("alg"); err != nil {
		return Key{}, err
	} else if alg != AlgES256 {
		return Key{}, fmt.Errorf("alg %q is not ES256", alg)
	}
	if use, err := str("use"); err != nil {
		return Key{}, err
	} else if use != "sig" {
		return Key{}, fmt.Errorf("use %q is not sig", use)
	}
	kid, err := str("kid")
	if err != nil {
		return Key{}, err
	}
	x, err := coordinate(m, "x")
	if err != nil {
		return Key{}, err
	}
	y, err := coordinate(m, "y")
	if err != nil {
		return Key{}, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return Key{}, errors.New("x, y is not a point on P-256")
	}
	k := Key{KID: kid, PublicKey: pub}
	if tp := thumbprint(x, y); kid != tp {
		return Key{}, fmt.Errorf("kid %q is not the key's RFC 7638 thumbprint %q", kid, tp)
	}
	if raw, ok := m["crlVersion"]; ok {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil || v < 0 {
			return Key{}, errors.New("crlVersion is not a non-negative integer")
		}
		k.CRLVersion = v
	}
	if raw, ok := m["x5c"]; ok {
		var certs []string
		if err := json.Unmarshal(raw, &certs); err != nil || raw[0] != '[' || len(certs) == 0 || len(certs) > maxX5C {
			return Key{}, fmt.Errorf("x5c is not an array of 1 to %d base64 certificates", maxX5C)
		}
		for i, s := range certs {
			der, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return Key{}, fmt.Errorf("x5c[%d] is not base64", i)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return Key{}, fmt.Errorf("x5c[%d]: %w", i, err)
			}
			k.X5C = append(k.X5C, cert)
		}
	}
	return k, nil
}

// coordinate reads a P-256 coordinate: 32 bytes of base64url. A 33-byte
// encoding with a leading zero byte, which some encoders produce, is
// accepted.
func coordinate(m map[string]json.RawMessage, name string) ([]byte, error) {
	s, ok, err := stringField(m, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no %s", name)
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url", name)
	}
	if len(b) == 33 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("%s is %d bytes, want 32", name, len(b))
	}
	return b, nil
}

// thumbprint computes the RFC 7638 thumbprint of a P-256 key from its
// 32-byte coordinates.
func thumbprint(x, y []byte) string {
	canon := `{"crv":"P-256","kty":"EC","x":"` + b64.EncodeToString(x) + `","y":"` + b64.EncodeToString(y) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a P-256 public
// key, base64url without padding: the kid SMART Health Cards use.
func Thumbprint(pub *ecdsa.PublicKey) (string, error) {
	x, y, err := coordinates(pub)
	if err != nil {
		return "", err
	}
	return thumbprint(x, y), nil
}

func coordinates(pub *ecdsa.PublicKey) (x, y []byte, err error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, nil, errors.New("shc: not a P-256 public key")
	}
	b, err := pub.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("shc: %w", err)
	}
	return b[1:33], b[33:], nil
}

// MarshalJWKS returns the key set document of keys, as an issuer serves it
// at /.well-known/jwks.json: each key with kty, kid, use, alg, crv, x, y,
// and crlVersion and x5c when set. A key whose KID is empty gets its
// thumbprint; any other KID must be the thumbprint.
func MarshalJWKS(keys []Key) ([]byte, error) {
	type jwk struct {
		Kty        string   `json:"kty"`
		Kid        string   `json:"kid"`
		Use        string   `json:"use"`
		Alg        string   `json:"alg"`
		Crv        string   `json:"crv"`
		X          string   `json:"x"`
		Y          string   `json:"y"`
		CRLVersion int      `json:"crlVersion,omitempty"`
		X5C        []string `json:"x5c,omitempty"`
	}
	out := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for i, k := range keys {
		x, y, err := coordinates(k.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		tp := thumbprint(x, y)
		if k.KID != "" && k.KID != tp {
			return nil, fmt.Errorf("shc: key %d: kid %q is not the thumbprint %q", i, k.KID, tp)
		}
		j := jwk{Kty: "EC", Kid: tp, Use: "sig", Alg: AlgES256, Crv: "P-256",
			X: b64.EncodeToString(x), Y: b64.EncodeToString(y), CRLVersion: k.CRLVersion}
		for _, c := range k.X5C {
			j.X5C = append(j.X5C, base64.StdEncoding.EncodeToString(c.Raw))
		}
		out.Keys = append(out.Keys, j)
	}
	return json.Marshal(out)
}

// VerifyX5C checks a key's certificate chain at the instant at: the leaf
// (X5C[0]) must hold the key's public key and have a URI subject
// alternative name exactly equal to iss, and the chain, with X5C[1:] as
// intermediates, must reach one of roots with every certificate valid at
// at. roots must be given: the system pool is never used.
//
// Errors are *credential.Error: key_not_valid when the chain fails only
// on a validity period, unknown_key otherwise.
//
// The chain is an optional extra in SMART Health Cards: a key is trusted
// because its issuer's key set lists it. The leaf of the official example
// key EBKOr72… expired on 2022-06-01, so that check fails for any card
// issued after that date.
func VerifyX5C(key Key, iss string, roots *x509.CertPool, at time.Time) error {
	if len(key.X5C) == 0 {
		return newErr(credential.ReasonUnknownKey, "key "+key.KID+" has no x5c chain", nil)
	}
	if roots == nil {
		return newErr(credential.ReasonUnknownKey, "no trust anchors for the x5c chain", nil)
	}
	leaf := key.X5C[0]
	lk, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.PublicKey == nil || !lk.Equal(key.PublicKey) {
		return newErr(credential.ReasonUnknownKey, "x5c leaf certificate does not hold the JWK's public key", nil)
	}
	san := false
	for _, u := range leaf.URIs {
		san = san || u.String() == iss
	}
	if !san {
		return newErr(credential.ReasonUnknownKey, fmt.Sprintf("x5c leaf certificate has no URI subject alternative name %q", iss), nil)
	}
	inter := x509.NewCertPool()
	for _, c := range key.X5C[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var ci x509.CertificateInvalidError
		if errors.As(err, &ci) && ci.Reason == x509.Expired {
			return newErr(credential.ReasonKeyNotValid, "x5c chain at "+at.UTC().Format(time.RFC3339), err)
		}
		return newErr(credential.ReasonUnknownKey, "x5c chain", err)
	}
	return nil
}
