package shc

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// Claims are the JWT claims of a SMART Health Card.
type Claims struct {
	// Issuer is the iss claim: the issuer's https URL, without a
	// trailing slash. Its key set is at Issuer + "/.well-known/jwks.json".
	Issuer string
	// NotBefore is the nbf claim, fractional seconds included; zero when
	// absent (Validate refuses that).
	NotBefore time.Time
	// ExpiresAt is the optional exp claim; zero when absent.
	ExpiresAt time.Time
	// Types is vc.type.
	Types []string
	// RID is the optional revocation id, vc.rid.
	RID string
	// FHIRVersion is vc.credentialSubject.fhirVersion.
	FHIRVersion string
	// FHIRBundle is vc.credentialSubject.fhirBundle, as carried.
	FHIRBundle json.RawMessage
	// Raw is the whole claims JSON exactly as signed.
	Raw []byte
}

// ParseClaims parses a JWS payload: the inflated claims JSON. It must be a
// strict JSON object (valid UTF-8, no byte order mark or surrounding
// white space, no duplicate member names) with an iss string; nbf and exp,
// when present, must be non-negative NumericDates (fractional seconds are
// accepted), and vc, when present, must have the JSON types of the SHC
// data model. Errors are *credential.Error with reason bad_claims.
//
// ParseClaims does not judge the content (Validate does), and b is
// retained as Raw.
func ParseClaims(b []byte) (*Claims, error) {
	c := new(Claims)
	if err := parseClaimsInto(c, b); err != nil {
		return nil, err
	}
	return c, nil
}

func claimsErr(format string, args ...any) error {
	return newErr(credential.ReasonBadClaims, fmt.Sprintf(format, args...), nil)
}

func parseClaimsInto(c *Claims, b []byte) error {
	*c = Claims{Raw: b}
	m, err := strictObject(b)
	if err != nil {
		return newErr(credential.ReasonBadClaims, "claims", err)
	}
	iss, ok, err := stringField(m, "iss")
	if err != nil {
		return claimsErr("%v", err)
	}
	if !ok || iss == "" {
		return claimsErr("no iss claim")
	}
	c.Issuer = iss
	if raw, ok := m["nbf"]; ok {
		if c.NotBefore, err = parseNumericDate(raw); err != nil {
			return claimsErr("nbf: %v", err)
		}
	}
	if raw, ok := m["exp"]; ok {
		if c.ExpiresAt, err = parseNumericDate(raw); err != nil {
			return claimsErr("exp: %v", err)
		}
	}
	raw, ok := m["vc"]
	if !ok {
		return nil
	}
	vc, ok := object(raw)
	if !ok {
		return claimsErr("vc is not an object")
	}
	if raw, ok := vc["type"]; ok {
		if err := json.Unmarshal(raw, &c.Types); err != nil || raw[0] != '[' {
			return claimsErr("vc.type is not an array of strings")
		}
	}
	if c.RID, _, err = stringField(vc, "rid"); err != nil {
		return claimsErr("vc.%v", err)
	}
	raw, ok = vc["credentialSubject"]
	if !ok {
		return nil
	}
	cs, ok := object(raw)
	if !ok {
		return claimsErr("vc.credentialSubject is not an object")
	}
	if c.FHIRVersion, _, err = stringField(cs, "fhirVersion"); err != nil {
		return claimsErr("vc.credentialSubject.%v", err)
	}
	if raw, ok := cs["fhirBundle"]; ok {
		if raw[0] != '{' {
			return claimsErr("vc.credentialSubject.fhirBundle is not an object")
		}
		c.FHIRBundle = raw
	}
	return nil
}

// maxNumericDate bounds NumericDates, far beyond any real date but small
// enough for exact arithmetic; a date in milliseconds (about 1.6e12) is
// still read, as a date in the far future.
const maxNumericDate = 1 << 50

// parseNumericDate reads a JSON number of seconds since the epoch,
// keeping fractional seconds to the nanosecond. The decimal text is read
// exactly, exponent forms included.
func parseNumericDate(raw json.RawMessage) (time.Time, error) {
	s := string(raw)
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e < -40 || e > 40 {
			return time.Time{}, fmt.Errorf("%.20s is out of range", s)
		}
		mant, exp = s[:i], e
	}
	ip, fp, _ := strings.Cut(mant, ".")
	digits := ip + fp
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 || len(digits) > 64 {
		return time.Time{}, fmt.Errorf("%.20s is not a non-negative number", s)
	}
	// The point falls after point digits (which may be outside digits).
	point := len(ip) + exp
	digit := func(i int) int64 {
		if i < 0 || i >= len(digits) {
			return 0
		}
		return int64(digits[i] - '0')
	}
	var sec, nsec int64
	for i := 0; i < point; i++ {
		sec = sec*10 + digit(i)
		if sec >= maxNumericDate {
			return time.Time{}, fmt.Errorf("%.20s is out of range", s)
		}
	}
	for i := point; i < point+9; i++ {
		nsec = nsec*10 + digit(i)
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// appendNumericDate writes t as seconds, with milliseconds when t has a
// fraction of a second.
func appendNumericDate(b []byte, t time.Time) []byte {
	b = strconv.AppendInt(b, t.Unix(), 10)
	if ms := t.Nanosecond() / 1e6; ms != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%03d", ms), "0")
		b = append(b, '.')
		b = append(b, frac...)
	}
	return b
}

// CheckIssuer checks an iss value: an absolute https URL with a host, no
// user information, query or fragment, and no trailing slash.
func CheckIssuer(iss string) error {
	u, err := url.Parse(iss)
	switch {
	case err != nil:
		return claimsErr("iss %q is not a URL", iss)
	case u.Scheme != "https":
		return claimsErr("iss %q is not an https URL", iss)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(iss, "?#"):
		return claimsErr("iss %q must be https://host/path without user, query or fragment", iss)
	case strings.HasSuffix(iss, "/"):
		return claimsErr("iss %q ends with '/'", iss)
	}
	return nil
}

// Validate judges the content of the claims, after the signature has been
// checked: iss must pass CheckIssuer and nbf must be present (reason
// bad_claims); vc.type must include HealthCardType (other types, including
// the deprecated #immunization, #covid19 and #laboratory, are ignored),
// credentialSubject must carry a fhirVersion and a FHIR Bundle, and a rid
// must be at most MaxRIDLen base64url characters (reason schema).
//
// Validate does not compare exp with nbf: CheckTime judges the dates.
func (c *Claims) Validate() error {
	if err := CheckIssuer(c.Issuer); err != nil {
		return err
	}
	if c.NotBefore.IsZero() {
		return claimsErr("no nbf claim")
	}
	found := false
	for _, t := range c.Types {
		found = found || t == HealthCardType
	}
	if !found {
		return newErr(credential.ReasonSchema, "vc.type does not include "+HealthCardType, nil)
	}
	if c.FHIRVersion == "" {
		return newErr(credential.ReasonSchema, "vc.credentialSubject has no fhirVersion", nil)
	}
	if c.FHIRBundle == nil {
		return newErr(credential.ReasonSchema, "vc.credentialSubject has no fhirBundle", nil)
	}
	var b struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(c.FHIRBundle, &b); err != nil || b.ResourceType != "Bundle" {
		return newErr(credential.ReasonSchema, "fhirBundle is not a FHIR Bundle", nil)
	}
	if c.RID != "" && !validRID(c.RID) {
		return newErr(credential.ReasonSchema, fmt.Sprintf("rid %q is not 1 to %d base64url characters", c.RID, MaxRIDLen), nil)
	}
	return nil
}

func validRID(rid string) bool {
	return rid != "" && len(rid) <= MaxRIDLen && strings.IndexFunc(rid, notBase64URL) < 0
}

// CheckTime judges the claims' dates at the instant at: not_yet_valid
// before nbf, expired at or after exp (when there is one). Cards without
// exp do not expire. It does not require nbf (Validate does).
func (c *Claims) CheckTime(at time.Time) error {
	if !c.NotBefore.IsZero() && at.Before(c.NotBefore) {
		return newErr(credential.ReasonNotYetValid, "valid from "+c.NotBefore.Format(time.RFC3339Nano), nil)
	}
	if !c.ExpiresAt.IsZero() && !at.Before(c.ExpiresAt) {
		return newErr(credential.ReasonExpired, "expired at "+c.ExpiresAt.Format(time.RFC3339Nano), nil)
	}
	return nil
}
