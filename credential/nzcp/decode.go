package nzcp

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// ErrBase32 is wrapped by the error Decode returns when the text after the
// prefix is not unpadded, upper-case RFC 4648 base32. Such an error has
// reason bad_cose: the text cannot yield a COSE message.
var ErrBase32 = errors.New("not unpadded RFC 4648 base32")

// COSE header labels and CWT claim keys.
const (
	headerAlg = 1
	headerKID = 4

	claimIss = 1
	claimExp = 4
	claimNbf = 5
	claimCti = 7
	claimVC  = "vc"

	tagCOSESign1 = 18
	tagUUID      = 37 // binary UUID (RFC 9562)
	tagUint8     = 64 // uint8 typed array (RFC 8746)
)

func newErr(r credential.Reason, detail string, err error) error {
	return credential.NewError(r, detail, err)
}

// Decode runs every decoding stage on text and returns the unverified pass.
// It checks neither the signature nor the time: see Pass.KeyRef and
// Pass.Verify. Errors are *credential.Error values with reasons too_large,
// bad_prefix, bad_cose (including damaged base32, wrapping ErrBase32),
// bad_cbor, bad_claims and unsupported_alg.
func Decode(text string) (*Pass, error) {
	if len(text) > MaxTextLen {
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("text is %d bytes, over the %d-byte limit", len(text), MaxTextLen), nil)
	}
	b32, err := unprefix(text)
	if err != nil {
		return nil, err
	}
	raw, err := decodeBase32(b32)
	if err != nil {
		return nil, err
	}
	p := new(Pass)
	if err := p.parseCOSE(raw); err != nil {
		return nil, err
	}
	if err := p.parseClaims(); err != nil {
		return nil, err
	}
	return p, nil
}

// unprefix checks the "NZCP:/<version>/" identifier and returns the text
// after it. A well-formed identifier of another major version is named in
// the error.
func unprefix(text string) (string, error) {
	if strings.HasPrefix(text, Prefix) {
		return text[len(Prefix):], nil
	}
	const scheme = "NZCP:/"
	if rest, ok := strings.CutPrefix(text, scheme); ok {
		v, _, found := strings.Cut(rest, "/")
		if found && v != "" && len(v) <= 9 && strings.Trim(v, "0123456789") == "" {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("NZCP major version %q is not supported (only %q)", v, Prefix), nil)
		}
		return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("%q is not followed by a version number and %q", scheme, "/"), nil)
	}
	shown := text
	if len(shown) > 8 {
		shown = shown[:8] + "…"
	}
	return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("text %q does not start with %q", shown, Prefix), nil)
}

var rawBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// decodeBase32 decodes unpadded, upper-case RFC 4648 base32 and refuses
// anything else: padding, lower case, other characters (including the line
// breaks encoding/base32 would skip), impossible lengths and non-zero
// unused bits in the last character, so that one byte string has exactly
// one accepted text.
func decodeBase32(s string) ([]byte, error) {
	fail := func(detail string) error { return newErr(credential.ReasonBadCOSE, detail, ErrBase32) }
	if s == "" {
		return nil, fail("no data after the prefix")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= '2' && c <= '7':
		case c == '=':
			return nil, fail(fmt.Sprintf("padding '=' at offset %d (NZCP base32 is unpadded)", i))
		case c >= 'a' && c <= 'z':
			return nil, fail(fmt.Sprintf("lower-case %q at offset %d (the base32 alphabet is upper case)", c, i))
		default:
			return nil, fail(fmt.Sprintf("character %q at offset %d is not in the base32 alphabet", c, i))
		}
	}
	// Bits carried by the last group of r characters that no byte uses.
	var unused uint
	switch len(s) % 8 {
	case 0:
	case 2:
		unused = 2
	case 4:
		unused = 4
	case 5:
		unused = 1
	case 7:
		unused = 3
	default:
		return nil, fail(fmt.Sprintf("length %d cannot be unpadded base32", len(s)))
	}
	last := s[len(s)-1]
	var v byte
	if last >= 'A' {
		v = last - 'A'
	} else {
		v = last - '2' + 26
	}
	if v&(1<<unused-1) != 0 {
		return nil, fail("the last character has non-zero unused bits")
	}
	out := make([]byte, rawBase32.DecodedLen(len(s)))
	n, err := rawBase32.Decode(out, []byte(s))
	if err != nil {
		return nil, newErr(credential.ReasonBadCOSE, "", fmt.Errorf("%w: %w", ErrBase32, err))
	}
	return out[:n], nil
}

// parseCOSE reads a tagged COSE_Sign1 message into p's header, payload and
// signature fields. p's slices alias b.
func (p *Pass) parseCOSE(b []byte) error {
	r := cborx.NewReader(b)
	tag, ok, err := r.Tag()
	if err != nil {
		return coseErr("", err)
	}
	if !ok {
		return newErr(credential.ReasonBadCOSE, "COSE_Sign1 is untagged; NZCP requires tag 18", nil)
	}
	if tag != tagCOSESign1 {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("CBOR tag %d where NZCP requires COSE_Sign1 (tag 18)", tag), nil)
	}
	n, err := r.ArrayLen()
	if err != nil {
		return coseErr("COSE_Sign1 must be an array", err)
	}
	if n != 4 {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("COSE_Sign1 array has %d elements, want 4", n), nil)
	}
	if p.Protected, err = r.Bytes(); err != nil {
		return coseErr("protected header must be a byte string", err)
	}
	alg, hasAlg, err := p.parseProtected()
	if err != nil {
		return err
	}
	ualg, hasUAlg, err := parseUnprotected(&r)
	if err != nil {
		return err
	}
	switch {
	case !hasAlg && hasUAlg:
		return newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("alg %d is only in the unprotected header; NZCP requires it in the protected header", ualg), nil)
	case !hasAlg:
		return newErr(credential.ReasonUnsupportedAlg, "the protected header has no alg", nil)
	case hasUAlg && ualg != alg:
		return newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("unprotected alg %d contradicts protected alg %d", ualg, alg), nil)
	}
	if p.KID == nil {
		return newErr(credential.ReasonBadCOSE, "the protected header has no kid", nil)
	}
	if r.Off < len(b) && b[r.Off] == 0xf6 {
		return newErr(credential.ReasonBadCOSE, "detached payload (nil) is not allowed", nil)
	}
	if p.Payload, err = r.Bytes(); err != nil {
		return coseErr("payload must be a byte string", err)
	}
	if p.Signature, err = r.Bytes(); err != nil {
		return coseErr("signature must be a byte string", err)
	}
	if len(p.Signature) != 64 {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("ES256 signature is %d bytes, want 64 (r‖s)", len(p.Signature)), nil)
	}
	if !r.Done() {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("%d bytes follow the COSE_Sign1 message", len(b)-r.Off), nil)
	}
	return nil
}

// labelErr passes a duplicate-label error on and classifies the others.
func labelErr(detail string, err error) error {
	if _, ok := err.(*credential.Error); ok {
		return err
	}
	return coseErr(detail, err)
}

func coseErr(detail string, err error) error {
	if errors.Is(err, cborx.ErrTruncated) || errors.Is(err, cborx.ErrIndefinite) || errors.Is(err, cborx.ErrReserved) ||
		errors.Is(err, cborx.ErrTooDeep) {
		return newErr(credential.ReasonBadCBOR, detail, err)
	}
	return newErr(credential.ReasonBadCOSE, detail, err)
}

// parseProtected reads alg and kid from the serialized protected header.
// Any alg but ES256 is refused here; an empty byte string is an empty map.
func (p *Pass) parseProtected() (alg int64, hasAlg bool, err error) {
	if len(p.Protected) == 0 {
		return 0, false, nil
	}
	r := cborx.NewReader(p.Protected)
	n, err := r.MapLen()
	if err != nil {
		return 0, false, coseErr("protected header must be a map", err)
	}
	var seen labelSet
	for i := 0; i < n; i++ {
		label, _, isText, err := seen.read(&r)
		if err != nil {
			return 0, false, labelErr("protected header label", err)
		}
		switch {
		case !isText && label == headerAlg:
			if mj, _ := r.PeekMajor(); mj == cborx.MajorText {
				name, _ := r.Text()
				return 0, false, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("alg %q given as text; NZCP requires the integer -7 (ES256)", name), nil)
			}
			if alg, err = r.Int(); err != nil {
				return 0, false, coseErr("alg must be an integer", err)
			}
			if alg != ES256 {
				return 0, false, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("alg %s is not accepted; NZCP allows only ES256 (-7)", algName(alg)), nil)
			}
			hasAlg = true
		case !isText && label == headerKID:
			if p.KID, err = readKID(&r); err != nil {
				return 0, false, err
			}
		default:
			if err := r.Skip(MaxNesting - 2); err != nil {
				return 0, false, coseErr("protected header value", err)
			}
		}
	}
	if !r.Done() {
		return 0, false, newErr(credential.ReasonBadCOSE, "bytes follow the protected header map", nil)
	}
	return alg, hasAlg, nil
}

// parseUnprotected reads the unprotected header map. Nothing in it is used;
// an alg found there is returned only so that a message whose alg is there
// alone, or contradicts the protected one, can be refused.
func parseUnprotected(r *cborx.Reader) (alg int64, hasAlg bool, err error) {
	n, err := r.MapLen()
	if err != nil {
		return 0, false, coseErr("unprotected header must be a map", err)
	}
	var seen labelSet
	for i := 0; i < n; i++ {
		label, _, isText, err := seen.read(r)
		if err != nil {
			return 0, false, labelErr("unprotected header label", err)
		}
		if !isText && label == headerAlg {
			if mj, _ := r.PeekMajor(); mj == cborx.MajorText {
				name, _ := r.Text()
				return 0, false, newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("unprotected alg %q given as text", name), nil)
			}
			if alg, err = r.Int(); err != nil {
				return 0, false, coseErr("unprotected alg must be an integer", err)
			}
			hasAlg = true
			continue
		}
		if err := r.Skip(MaxNesting - 2); err != nil {
			return 0, false, coseErr("unprotected header value", err)
		}
	}
	return alg, hasAlg, nil
}

func algName(alg int64) string {
	switch alg {
	case -7:
		return "ES256 (-7)"
	case -35:
		return "ES384 (-35)"
	case -36:
		return "ES512 (-36)"
	case -37:
		return "PS256 (-37)"
	case -257:
		return "RS256 (-257)"
	case -8:
		return "EdDSA (-8)"
	case 0:
		return "0 (none)"
	}
	return strconv.FormatInt(alg, 10)
}

// readKID reads the kid: a non-empty byte string that can stand as the
// fragment of a DID URL (UTF-8, no '#', no control characters).
func readKID(r *cborx.Reader) ([]byte, error) {
	if mj, _ := r.PeekMajor(); mj == cborx.MajorText {
		t, _ := r.Text()
		return nil, newErr(credential.ReasonBadCOSE, fmt.Sprintf("kid %q is a text string; NZCP passes carry it as a byte string", t), nil)
	}
	kid, err := r.Bytes()
	if err != nil {
		return nil, coseErr("kid must be a byte string", err)
	}
	if err := checkKID(string(kid)); err != nil {
		return nil, newErr(credential.ReasonBadCOSE, err.Error(), nil)
	}
	return kid, nil
}

func checkKID(kid string) error {
	if kid == "" {
		return errors.New("kid is empty")
	}
	if !utf8.ValidString(kid) {
		return errors.New("kid is not valid UTF-8")
	}
	for _, c := range kid {
		if c < 0x20 || c == 0x7f || c == '#' || (c >= 0x80 && c < 0xa0) {
			return fmt.Errorf("kid %q contains %q, which cannot appear in a key reference", kid, c)
		}
	}
	return nil
}

// labelSet reads map labels (integers or text strings) and detects
// duplicates. Header and claims maps are small.
type labelSet struct {
	ints  []int64
	texts []string
}

// read reads one label: an integer, returned in label, or a text string,
// returned in text with isText set. A label seen before is refused with
// reason bad_cbor.
func (s *labelSet) read(r *cborx.Reader) (label int64, text string, isText bool, err error) {
	mj, err := r.PeekMajor()
	if err != nil {
		return 0, "", false, err
	}
	if mj == cborx.MajorText {
		t, err := r.Text()
		if err != nil {
			return 0, "", false, err
		}
		for _, x := range s.texts {
			if x == string(t) {
				return 0, "", false, newErr(credential.ReasonBadCBOR, fmt.Sprintf("duplicate map key %q", t), nil)
			}
		}
		text = string(t)
		s.texts = append(s.texts, text)
		return 0, text, true, nil
	}
	if label, err = r.Int(); err != nil {
		return 0, "", false, err
	}
	for _, x := range s.ints {
		if x == label {
			return 0, "", false, newErr(credential.ReasonBadCBOR, fmt.Sprintf("duplicate map key %d", label), nil)
		}
	}
	s.ints = append(s.ints, label)
	return label, "", false, nil
}

// parseClaims reads the CWT claims of p.Payload: iss, nbf, exp, cti and vc,
// all required. Other claims are skipped.
func (p *Pass) parseClaims() error {
	r := cborx.NewReader(p.Payload)
	if _, ok, _ := r.Tag(); ok {
		return newErr(credential.ReasonBadClaims, "CWT claims set must be an untagged map", nil)
	}
	n, err := r.MapLen()
	if err != nil {
		return claimsErr("CWT claims set must be a map", err)
	}
	var seen labelSet
	var hasIss, hasNbf, hasExp, hasCti bool
	var vc []byte
	for i := 0; i < n; i++ {
		key, text, isText, err := seen.read(&r)
		if err != nil {
			if _, ok := err.(*credential.Error); ok {
				return err
			}
			return claimsErr("claim key", err)
		}
		if isText {
			if text != claimVC {
				if err := r.Skip(MaxNesting - 1); err != nil {
					return claimsErr("claim value", err)
				}
				continue
			}
			if vc, err = r.Raw(MaxNesting - 1); err != nil {
				return claimsErr("vc claim", err)
			}
			continue
		}
		switch key {
		case claimIss:
			t, err := r.Text()
			if err != nil {
				return claimsErr("iss (claim 1) must be a text string", err)
			}
			if !utf8.Valid(t) {
				return newErr(credential.ReasonBadCBOR, "iss is not valid UTF-8", nil)
			}
			p.Issuer, hasIss = string(t), true
		case claimNbf, claimExp:
			name := "nbf (claim 5)"
			if key == claimExp {
				name = "exp (claim 4)"
			}
			v, err := r.NumericDate()
			if err != nil {
				return claimsErr(name+" must be a NumericDate", err)
			}
			if key == claimNbf {
				p.NotBefore, hasNbf = v, true
			} else {
				p.ExpiresAt, hasExp = v, true
			}
		case claimCti:
			if p.JTI, err = readCti(&r); err != nil {
				return err
			}
			hasCti = true
		default:
			if err := r.Skip(MaxNesting - 1); err != nil {
				return claimsErr("claim value", err)
			}
		}
	}
	if !r.Done() {
		return newErr(credential.ReasonBadCBOR, "bytes follow the CWT claims map", nil)
	}
	var missing []string
	for _, c := range []struct {
		ok   bool
		name string
	}{{hasIss, "iss (1)"}, {hasNbf, "nbf (5)"}, {hasExp, "exp (4)"}, {hasCti, "cti (7)"}, {vc != nil, `"vc"`}} {
		if !c.ok {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return newErr(credential.ReasonBadClaims, "missing claims: "+strings.Join(missing, ", "), nil)
	}
	if !strings.HasPrefix(p.Issuer, "did:web:") {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("iss %q is not a did:web DID", p.Issuer), nil)
	}
	if _, err := DIDWebURL(p.Issuer); err != nil {
		return newErr(credential.ReasonBadClaims, "iss", err)
	}
	return p.parseVC(vc)
}

func claimsErr(detail string, err error) error {
	var te *cborx.TypeError
	if errors.As(err, &te) || errors.Is(err, cborx.ErrDateRange) {
		return newErr(credential.ReasonBadClaims, detail, err)
	}
	return newErr(credential.ReasonBadCBOR, detail, err)
}

// readCti reads the cti claim, a 16-byte byte string, optionally wrapped in
// tag 37 (binary UUID) or tag 64 (uint8 array) as some issuers wrote it,
// and returns it as a "urn:uuid:" URI.
func readCti(r *cborx.Reader) (string, error) {
	tag, ok, err := r.Tag()
	if err != nil {
		return "", claimsErr("cti (claim 7)", err)
	}
	if ok && tag != tagUUID && tag != tagUint8 {
		return "", newErr(credential.ReasonBadClaims, fmt.Sprintf("cti (claim 7) is wrapped in tag %d; only tags 37 and 64 are tolerated", tag), nil)
	}
	b, err := r.Bytes()
	if err != nil {
		return "", claimsErr("cti (claim 7) must be a byte string", err)
	}
	if len(b) != 16 {
		return "", newErr(credential.ReasonBadClaims, fmt.Sprintf("cti (claim 7) is %d bytes, want a 16-byte UUID", len(b)), nil)
	}
	return uuidURN(b), nil
}

func uuidURN(b []byte) string {
	var buf [9 + 36]byte
	out := append(buf[:0], "urn:uuid:"...)
	for i, g := range [...]int{4, 2, 2, 2, 6} {
		if i > 0 {
			out = append(out, '-')
		}
		out = hex.AppendEncode(out, b[:g])
		b = b[g:]
	}
	return string(out)
}

// vcClaim and vcSubject are the shapes the "vc" claim is decoded into.
// Pointers tell a missing member from an empty one.
type vcClaim struct {
	Context           []string   `cbor:"@context"`
	Version           *string    `cbor:"version"`
	Type              []string   `cbor:"type"`
	CredentialSubject *vcSubject `cbor:"credentialSubject"`
}

type vcSubject struct {
	GivenName  *string `cbor:"givenName"`
	FamilyName *string `cbor:"familyName"`
	DOB        *string `cbor:"dob"`
}

// vcDecMode decodes the vc claim strictly: definite lengths only,
// duplicate map keys refused, no tags, nesting bounded (the claim sits one
// level inside the claims map), text must be UTF-8, and member names match
// exactly. It is immutable after initialisation.
var vcDecMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   MaxNesting - 1,
		MaxArrayElements:  1024,
		MaxMapPairs:       1024,
		UTF8:              cbor.UTF8RejectInvalid,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// parseVC decodes and checks the vc claim against the PublicCovidPass
// rules.
func (p *Pass) parseVC(raw []byte) error {
	var vc vcClaim
	if err := vcDecMode.Unmarshal(raw, &vc); err != nil {
		var te *cbor.UnmarshalTypeError
		if errors.As(err, &te) {
			return newErr(credential.ReasonBadClaims, "vc claim", err)
		}
		return newErr(credential.ReasonBadCBOR, "vc claim", err)
	}
	bad := func(format string, args ...any) error {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf(format, args...), nil)
	}
	switch {
	case len(vc.Context) == 0:
		return bad("vc has no @context")
	case vc.Context[0] != ContextW3C:
		return bad("vc @context starts with %q, want %q", vc.Context[0], ContextW3C)
	case vc.Version == nil:
		return bad("vc has no version")
	case !validVersion(*vc.Version):
		return bad("vc version %q is not 1.x.y", *vc.Version)
	case len(vc.Type) != 2 || vc.Type[0] != TypeVerifiableCredential || vc.Type[1] != TypePublicCovidPass:
		return bad("vc type is %q, want [%q %q]", vc.Type, TypeVerifiableCredential, TypePublicCovidPass)
	case vc.CredentialSubject == nil:
		return bad("vc has no credentialSubject")
	}
	cs := vc.CredentialSubject
	switch {
	case cs.GivenName == nil:
		return bad("credentialSubject has no givenName")
	case cs.DOB == nil:
		return bad("credentialSubject has no dob")
	}
	s := Subject{GivenName: *cs.GivenName, DOB: *cs.DOB}
	if cs.FamilyName != nil {
		s.FamilyName = *cs.FamilyName
	}
	if err := s.check(); err != nil {
		return newErr(credential.ReasonBadClaims, err.Error(), nil)
	}
	p.Context, p.Version, p.Subject = vc.Context, *vc.Version, s
	return nil
}

// check applies the PublicCovidPass subject rules.
func (s *Subject) check() error {
	switch {
	case s.GivenName == "":
		return errors.New("givenName is empty")
	case utf8.RuneCountInString(s.GivenName) > MaxNameLen:
		return fmt.Errorf("givenName is %d characters, over %d", utf8.RuneCountInString(s.GivenName), MaxNameLen)
	case utf8.RuneCountInString(s.FamilyName) > MaxNameLen:
		return fmt.Errorf("familyName is %d characters, over %d", utf8.RuneCountInString(s.FamilyName), MaxNameLen)
	case !validDate(s.DOB):
		return fmt.Errorf("dob %q is not a YYYY-MM-DD date", s.DOB)
	}
	return nil
}

// validVersion reports whether v is a semantic version with major 1
// ("1.0.0", "1.2.10"), without pre-release or build parts.
func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 3 || parts[0] != "1" {
		return false
	}
	for _, n := range parts[1:] {
		if n == "" || len(n) > 9 || strings.Trim(n, "0123456789") != "" || len(n) > 1 && n[0] == '0' {
			return false
		}
	}
	return true
}

// validDate reports whether s is a calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
