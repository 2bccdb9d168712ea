package nzcp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDIDDocumentLen is the largest DID document ParseDIDDocument accepts,
// in bytes.
const MaxDIDDocumentLen = 256 << 10

// maxJSONDepth bounds the nesting of a DID document.
const maxJSONDepth = 32

// Errors wrapped by the DID functions.
var (
	// ErrInvalidDID reports a DID that is not a usable did:web DID.
	ErrInvalidDID = errors.New("invalid did:web DID")
	// ErrDIDDocument reports a DID document that cannot be used: bad
	// JSON, a missing or invalid id, or an assertion method that is
	// dangling, malformed or publishes private key material.
	ErrDIDDocument = errors.New("unusable DID document")
)

// DIDWebURL returns the HTTPS URL of the DID document of a did:web DID:
// did:web:host gives https://host/.well-known/did.json and
// did:web:host:a:b gives https://host/a/b/did.json. A port is written
// percent-encoded ("did:web:example.com%3A8443"). IP addresses, empty or
// dot segments and characters outside the DID syntax are refused, with an
// error wrapping ErrInvalidDID. It is for import tooling: nothing in this
// package fetches.
func DIDWebURL(did string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("%w: %q: %s", ErrInvalidDID, did, fmt.Sprintf(format, args...))
	}
	msid, ok := strings.CutPrefix(did, "did:web:")
	if !ok {
		return fail("does not start with %q", "did:web:")
	}
	segs := strings.Split(msid, ":")
	for _, s := range segs {
		if s == "" {
			return fail("empty segment")
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
				i += 2
			default:
				return fail("character %q is not allowed", c)
			}
		}
	}
	hostport, err := url.PathUnescape(segs[0])
	if err != nil {
		return fail("%v", err)
	}
	host, port, hasPort := strings.Cut(hostport, ":")
	if hasPort {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fail("port %q is not a port number", port)
		}
	}
	if err := checkHost(host); err != nil {
		return fail("%v", err)
	}
	var b strings.Builder
	b.WriteString("https://")
	b.WriteString(hostport)
	if len(segs) == 1 {
		b.WriteString("/.well-known")
	}
	for _, s := range segs[1:] {
		seg, err := url.PathUnescape(s)
		if err != nil {
			return fail("%v", err)
		}
		if seg == "." || seg == ".." {
			return fail("dot segment %q", seg)
		}
		if !utf8.ValidString(seg) || strings.ContainsAny(seg, "/\\?#") || strings.IndexFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return fail("path segment %q", seg)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(seg))
	}
	b.WriteString("/did.json")
	return b.String(), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// checkHost accepts a DNS host name: labels of letters, digits and inner
// hyphens, 1 to 63 characters each, 253 in all, not an IP address.
func checkHost(host string) error {
	if host == "" || len(host) > 253 {
		return fmt.Errorf("host %q has a bad length", host)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("host %q is an IP address", host)
	}
	allDigits := true
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host %q is not a DNS name", host)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("host %q is not a DNS name", host)
			}
		}
		allDigits = allDigits && strings.Trim(label, "0123456789") == ""
	}
	if allDigits {
		return fmt.Errorf("host %q is not a DNS name", host)
	}
	return nil
}

// DIDDocument is a parsed did:web DID document.
type DIDDocument struct {
	// ID is the DID the document describes.
	ID string

	tree map[string]any
}

// Key is a public key a DID document authorizes for assertions, that is,
// for signing passes.
type Key struct {
	// ID is the key's absolute id, DID + "#" + kid: the value a pass's
	// KeyRef must equal.
	ID string
	// Controller is the DID that controls the key.
	Controller string
	// PublicKey is an *ecdsa.PublicKey on P-256.
	PublicKey crypto.PublicKey
}

// ParseDIDDocument parses a DID document: a JSON object, valid UTF-8, at
// most MaxDIDDocumentLen bytes, without duplicate member names, whose id is
// a did:web DID. Errors wrap ErrDIDDocument.
func ParseDIDDocument(data []byte) (*DIDDocument, error) {
	fail := func(format string, args ...any) (*DIDDocument, error) {
		return nil, fmt.Errorf("%w: %s", ErrDIDDocument, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxDIDDocumentLen {
		return fail("%d bytes, over the %d-byte limit", len(data), MaxDIDDocumentLen)
	}
	if !utf8.Valid(data) {
		return fail("not valid UTF-8")
	}
	v, err := parseJSON(data)
	if err != nil {
		return fail("%v", err)
	}
	tree, ok := v.(map[string]any)
	if !ok {
		return fail("not a JSON object")
	}
	id, ok := tree["id"].(string)
	if !ok {
		return fail("no id string")
	}
	if _, err := DIDWebURL(id); err != nil {
		return fail("id: %v", err)
	}
	return &DIDDocument{ID: id, tree: tree}, nil
}

// AssertionKeys returns the keys the document lists under assertionMethod,
// by reference to its verificationMethod entries or embedded, in document
// order and without repeats. An entry is returned when it is a
// JsonWebKey2020 method whose publicKeyJwk is an EC P-256 key; entries of
// other types or curves are skipped, as NZCP cannot use them.
//
// The whole call fails, with an error wrapping ErrDIDDocument, when an
// entry is dangling or ambiguous, has an id outside the document's DID,
// lacks a controller, or has a JWK that publishes private members (d, p,
// q, dp, dq, qi, oth, k), is not a point on P-256, or declares an alg
// other than ES256 or a use other than sig. Coordinates of 33 bytes with a
// leading zero byte, as some encoders write them, are accepted.
func (d *DIDDocument) AssertionKeys() ([]Key, error) {
	fail := func(format string, args ...any) ([]Key, error) {
		return nil, fmt.Errorf("%w: %s", ErrDIDDocument, fmt.Sprintf(format, args...))
	}
	methods := map[string]map[string]any{}
	if vm, ok := d.tree["verificationMethod"]; ok {
		list, ok := vm.([]any)
		if !ok {
			return fail("verificationMethod is not an array")
		}
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return fail("verificationMethod[%d] is not an object", i)
			}
			id, ok := m["id"].(string)
			if !ok {
				return fail("verificationMethod[%d] has no id string", i)
			}
			id = d.resolve(id)
			if _, dup := methods[id]; dup {
				return fail("verificationMethod lists %q twice", id)
			}
			methods[id] = m
		}
	}
	am, ok := d.tree["assertionMethod"]
	if !ok {
		return nil, nil
	}
	list, ok := am.([]any)
	if !ok {
		return fail("assertionMethod is not an array")
	}
	var keys []Key
	seen := map[string]bool{}
	for i, e := range list {
		var m map[string]any
		switch x := e.(type) {
		case string:
			id := d.resolve(x)
			if m, ok = methods[id]; !ok {
				return fail("assertionMethod[%d] refers to %q, which is not in verificationMethod", i, id)
			}
		case map[string]any:
			m = x
		default:
			return fail("assertionMethod[%d] is neither a reference nor a method", i)
		}
		k, use, err := d.method(m)
		if err != nil {
			return fail("assertionMethod[%d]: %v", i, err)
		}
		if !use || seen[k.ID] {
			continue
		}
		seen[k.ID] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// resolve makes a relative DID URL ("#key-1") absolute.
func (d *DIDDocument) resolve(id string) string {
	if strings.HasPrefix(id, "#") {
		return d.ID + id
	}
	return id
}

// absID resolves a verification method id, absolute or relative, and
// checks that it names a key of this document.
func (d *DIDDocument) absID(v any) (string, error) {
	id, ok := v.(string)
	if !ok {
		return "", errors.New("id is not a string")
	}
	id = d.resolve(id)
	frag, ok := strings.CutPrefix(id, d.ID+"#")
	if !ok {
		return "", fmt.Errorf("id %q is not a key of %q", id, d.ID)
	}
	if err := checkKID(frag); err != nil {
		return "", fmt.Errorf("id %q: %v", id, err)
	}
	return id, nil
}

// privateJWKMembers are the JWK parameters the IANA registry classes as
// private.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// method reads one verification method. use is false for a method NZCP
// cannot use (another type, key type or curve); err is set for one that is
// broken or dangerous.
func (d *DIDDocument) method(m map[string]any) (k Key, use bool, err error) {
	if k.ID, err = d.absID(m["id"]); err != nil {
		return Key{}, false, err
	}
	if k.Controller, _ = m["controller"].(string); k.Controller == "" {
		return Key{}, false, fmt.Errorf("%q has no controller", k.ID)
	}
	jwk, hasJWK := m["publicKeyJwk"].(map[string]any)
	if hasJWK {
		for _, name := range privateJWKMembers {
			if _, ok := jwk[name]; ok {
				return Key{}, false, fmt.Errorf("%q publishes the private JWK member %q", k.ID, name)
			}
		}
	}
	if t, _ := m["type"].(string); t != "JsonWebKey2020" {
		return Key{}, false, nil
	}
	if !hasJWK {
		return Key{}, false, fmt.Errorf("%q is a JsonWebKey2020 without a publicKeyJwk object", k.ID)
	}
	if kty, _ := jwk["kty"].(string); kty != "EC" {
		return Key{}, false, nil
	}
	if crv, _ := jwk["crv"].(string); crv != "P-256" {
		return Key{}, false, nil
	}
	if alg, ok := jwk["alg"]; ok && alg != "ES256" {
		return Key{}, false, fmt.Errorf("%q: JWK alg %v is not ES256", k.ID, alg)
	}
	if u, ok := jwk["use"]; ok && u != "sig" {
		return Key{}, false, fmt.Errorf("%q: JWK use %v is not sig", k.ID, u)
	}
	x, err := coordinate(jwk, "x")
	if err != nil {
		return Key{}, false, fmt.Errorf("%q: %v", k.ID, err)
	}
	y, err := coordinate(jwk, "y")
	if err != nil {
		return Key{}, false, fmt.Errorf("%q: %v", k.ID, err)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return Key{}, false, fmt.Errorf("%q: not a P-256 public key: %v", k.ID, err)
	}
	k.PublicKey = pub
	return k, true, nil
}

// coordinate decodes a base64url P-256 coordinate: 32 bytes, or 33 with a
// leading zero byte.
func coordinate(jwk map[string]any, name string) ([]byte, error) {
	s, ok := jwk[name].(string)
	if !ok {
		return nil, fmt.Errorf("JWK has no %s string", name)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("JWK %s is not unpadded base64url: %v", name, err)
	}
	if len(b) == 33 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("JWK %s is %d bytes, want 32", name, len(b))
	}
	return b, nil
}

// parseJSON decodes one JSON value into maps, slices, strings, json.Number,
// bools and nil, refusing duplicate member names, nesting beyond
// maxJSONDepth and trailing data.
func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data follows the JSON value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name, _ := tok.(string)
			if _, dup := obj[name]; dup {
				return nil, fmt.Errorf("duplicate member %q", name)
			}
			if obj[name], err = jsonValue(dec, depth+1); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token() // '}'
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := jsonValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token() // ']'
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", delim)
}
