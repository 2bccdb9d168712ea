package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/b5m5/travelcred/certlogic"
)

// Type is the type of a rule.
type Type string

// Rule types.
const (
	// Acceptance rules are set by the destination (arrival) country.
	Acceptance Type = "Acceptance"
	// Invalidation rules are set by the issuing country.
	Invalidation Type = "Invalidation"
)

// CertificateType is the kind of credential a rule is about.
type CertificateType string

// Certificate types.
const (
	// General rules apply to every credential.
	General     CertificateType = "General"
	Vaccination CertificateType = "Vaccination"
	Test        CertificateType = "Test"
	Recovery    CertificateType = "Recovery"
)

// EngineCertLogic is the only rule engine this package evaluates.
const EngineCertLogic = "CERTLOGIC"

// Description is a rule's description in one language.
type Description struct {
	// Lang is the language code, e.g. "en" or "de".
	Lang string `json:"lang"`
	// Desc is the text.
	Desc string `json:"desc"`
}

// Rule is one EU DCC business rule.
type Rule struct {
	// Identifier names the rule, e.g. "VR-DE-0001"; versions of a rule
	// share it.
	Identifier string
	// Type is Acceptance or Invalidation.
	Type Type
	// Country is the ISO 3166 alpha-2 code of the rule's owner ("EU" for
	// the templates).
	Country string
	// Region is an optional region of Country the rule is limited to.
	Region string
	// Version is the rule's semantic version, e.g. "1.0.2".
	Version string
	// SchemaVersion is the version of the rule format, "1.0.0".
	SchemaVersion string
	// Engine is the rule language, "CERTLOGIC".
	Engine string
	// EngineVersion is the engine version the rule was written for.
	EngineVersion string
	// CertificateType is General, Vaccination, Test or Recovery.
	CertificateType CertificateType
	// Description lists the rule's descriptions, one per language.
	Description []Description
	// ValidFrom and ValidTo bound the rule's validity: ValidFrom ≤ clock <
	// ValidTo.
	ValidFrom, ValidTo time.Time
	// AffectedFields lists the payload fields the rule reads, e.g. "v.0.dn".
	AffectedFields []string
	// Logic is the rule as a JSON value (numbers as json.Number).
	Logic any

	version     [3]int             // Version, parsed
	program     *certlogic.Program // Logic, compiled; nil for other engines
	unsupported error              // why the rule cannot be evaluated, if so
}

// ErrMalformed matches every error of ParseRule, ParseRules, ParseSet and
// LoadFS about the content of a rule document.
var ErrMalformed = errors.New("rules: malformed rule")

// ParseError is an error about the content of a rule document.
type ParseError struct {
	// File is the file the rule came from, when known.
	File string
	// Identifier is the rule's Identifier, when it could be read.
	Identifier string
	// Field is the offending field, e.g. "ValidFrom"; empty for the whole
	// document.
	Field string
	// Detail says what is wrong.
	Detail string
	// Err is the underlying error, if any (for Logic, a
	// *certlogic.InvalidError).
	Err error
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("rules: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Identifier != "" {
		b.WriteString(e.Identifier + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Detail)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Is reports whether target is ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

var (
	identifierRE = pattern{`^(GR|VR|TR|RR|IR)-[A-Z]{2}-\d{4}$`, isIdentifier}
	countryRE    = pattern{`^[A-Z]{2}$`, isCountry}
	regionRE     = pattern{`^[A-Za-z0-9]{1,5}$`, isRegion}
	semverRE     = pattern{`^(\d{1,9})\.(\d{1,9})\.(\d{1,9})`, func(s string) bool { _, ok := semverPrefix(s); return ok }}
)

// ParseRule parses one rule document. Every field of the gateway's rule
// schema except Region is required; Identifier, Country, Region, the
// versions, Type, CertificateType and the dates must have their schema's
// form; ValidFrom must be before ValidTo; and a CERTLOGIC rule's Logic must
// be valid CertLogic (it is compiled once, here). Unknown fields are
// ignored. Errors match [ErrMalformed].
func ParseRule(b []byte) (*Rule, error) {
	v, err := certlogic.DecodeJSON(b)
	if err != nil {
		return nil, &ParseError{Detail: "not JSON", Err: err}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Detail: "not a JSON object"}
	}
	return ruleFromObject(obj)
}

// ParseRules parses a JSON array of rule documents, or a single one.
func ParseRules(b []byte) ([]*Rule, error) {
	v, err := certlogic.DecodeJSON(b)
	if err != nil {
		return nil, &ParseError{Detail: "not JSON", Err: err}
	}
	switch x := v.(type) {
	case map[string]any:
		r, err := ruleFromObject(x)
		if err != nil {
			return nil, err
		}
		return []*Rule{r}, nil
	case []any:
		out := make([]*Rule, 0, len(x))
		for i, it := range x {
			obj, ok := it.(map[string]any)
			if !ok {
				return nil, &ParseError{Detail: fmt.Sprintf("item %d is not a JSON object", i)}
			}
			r, err := ruleFromObject(obj)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, &ParseError{Detail: "neither a rule object nor an array of them"}
}

// ruleReader reads typed fields and keeps the first error.
type ruleReader struct {
	obj map[string]any
	id  string
	err error
}

func (r *ruleReader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = &ParseError{Identifier: r.id, Field: field, Detail: fmt.Sprintf(format, args...)}
	}
}

func (r *ruleReader) str(field string, required bool, re *pattern) string {
	v, ok := r.obj[field]
	if !ok || v == nil {
		if required {
			r.fail(field, "missing")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(field, "not a string")
		return ""
	}
	if re != nil && !re.MatchString(s) {
		r.fail(field, "%q does not match %s", s, re)
	}
	return s
}

func (r *ruleReader) time(field string) time.Time {
	s := r.str(field, true, nil)
	if r.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		r.fail(field, "%q is not an ISO 8601 timestamp with offset", s)
	}
	return t
}

func ruleFromObject(obj map[string]any) (*Rule, error) {
	r := &ruleReader{obj: obj}
	rule := &Rule{}
	rule.Identifier = r.str("Identifier", true, &identifierRE)
	r.id = rule.Identifier
	rule.Type = Type(r.str("Type", true, nil))
	if r.err == nil && rule.Type != Acceptance && rule.Type != Invalidation {
		r.fail("Type", "%q is neither Acceptance nor Invalidation", rule.Type)
	}
	rule.Country = r.str("Country", true, &countryRE)
	rule.Region = r.str("Region", false, nil)
	if rule.Region != "" && !regionRE.MatchString(rule.Region) {
		r.fail("Region", "%q is not 1 to 5 letters or digits", rule.Region)
	}
	rule.Version = r.str("Version", true, &semverRE)
	rule.SchemaVersion = r.str("SchemaVersion", true, &semverRE)
	rule.Engine = r.str("Engine", true, nil)
	rule.EngineVersion = r.str("EngineVersion", true, &semverRE)
	rule.CertificateType = CertificateType(r.str("CertificateType", true, nil))
	switch rule.CertificateType {
	case General, Vaccination, Test, Recovery:
	default:
		r.fail("CertificateType", "%q is not General, Vaccination, Test or Recovery", rule.CertificateType)
	}
	rule.ValidFrom = r.time("ValidFrom")
	rule.ValidTo = r.time("ValidTo")
	if r.err == nil && !rule.ValidFrom.Before(rule.ValidTo) {
		r.fail("ValidTo", "not after ValidFrom")
	}
	rule.Description = r.descriptions()
	rule.AffectedFields = r.strings("AffectedFields")
	logic, ok := obj["Logic"]
	if !ok {
		r.fail("Logic", "missing")
	}
	rule.Logic = logic
	if r.err != nil {
		return nil, r.err
	}
	rule.version = parseSemver(rule.Version)
	if rule.Engine == EngineCertLogic {
		p, err := certlogic.Compile(logic)
		if err != nil {
			return nil, &ParseError{Identifier: rule.Identifier, Field: "Logic", Detail: "not valid CertLogic", Err: err}
		}
		rule.program = p
	}
	rule.unsupported = rule.checkSupported()
	return rule, nil
}

func (r *ruleReader) descriptions() []Description {
	v, ok := r.obj["Description"]
	if !ok {
		r.fail("Description", "missing")
		return nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		r.fail("Description", "not a non-empty array")
		return nil
	}
	out := make([]Description, 0, len(list))
	for i, it := range list {
		o, ok := it.(map[string]any)
		lang, ok1 := o["lang"].(string)
		desc, ok2 := o["desc"].(string)
		if !ok || !ok1 || !ok2 {
			r.fail("Description", "item %d is not {lang, desc}", i)
			return nil
		}
		out = append(out, Description{Lang: lang, Desc: desc})
	}
	return out
}

func (r *ruleReader) strings(field string) []string {
	v, ok := r.obj[field]
	if !ok {
		r.fail(field, "missing")
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		r.fail(field, "not an array")
		return nil
	}
	out := make([]string, 0, len(list))
	for i, it := range list {
		s, ok := it.(string)
		if !ok {
			r.fail(field, "item %d is not a string", i)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// parseSemver reads the leading MAJOR.MINOR.PATCH of a version that
// matched semverRE.
func parseSemver(s string) [3]int {
	v, _ := semverPrefix(s)
	return v
}

// pattern is a fixed syntax check written out by hand; Expr documents it
// in error messages.
type pattern struct {
	Expr  string
	match func(string) bool
}

// MatchString reports whether s matches.
func (p *pattern) MatchString(s string) bool { return p.match(s) }

func (p *pattern) String() string { return p.Expr }

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentifier matches ^(GR|VR|TR|RR|IR)-[A-Z]{2}-\d{4}$.
func isIdentifier(s string) bool {
	if len(s) != 10 || s[2] != '-' || s[5] != '-' {
		return false
	}
	switch s[:2] {
	case "GR", "VR", "TR", "RR", "IR":
	default:
		return false
	}
	return isUpper(s[3]) && isUpper(s[4]) && isDigit(s[6]) && isDigit(s[7]) && isDigit(s[8]) && isDigit(s[9])
}

func isCountry(s string) bool { return len(s) == 2 && isUpper(s[0]) && isUpper(s[1]) }

func isRegion(s string) bool {
	if len(s) < 1 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isUpper(c) && !isDigit(c) && !('a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// semverPrefix reads a leading MAJOR.MINOR.PATCH, each part 1 to 9 digits.
func semverPrefix(s string) ([3]int, bool) {
	var v [3]int
	i := 0
	for part := 0; part < 3; part++ {
		if part > 0 {
			if i >= len(s) || s[i] != '.' {
				return v, false
			}
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) && i-start < 9 {
			v[part] = v[part]*10 + int(s[i]-'0')
			i++
		}
		if i == start {
			return v, false
		}
	}
	return v, true
}

// compareVersions orders two rule versions: by MAJOR.MINOR.PATCH, then by
// the full string (for pre-release suffixes), so the order is total.
func compareVersions(a, b *Rule) int {
	for i := range a.version {
		if a.version[i] != b.version[i] {
			if a.version[i] < b.version[i] {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a.Version, b.Version)
}

// Describe returns the rule's description in lang, else in English, else
// the first one.
func (r *Rule) Describe(lang string) string {
	for _, d := range r.Description {
		if strings.EqualFold(d.Lang, lang) {
			return d.Desc
		}
	}
	for _, d := range r.Description {
		if d.Lang == "en" {
			return d.Desc
		}
	}
	if len(r.Description) > 0 {
		return r.Description[0].Desc
	}
	return ""
}

// ValidAt reports whether the rule is valid at t: ValidFrom ≤ t < ValidTo.
func (r *Rule) ValidAt(t time.Time) bool {
	return !t.Before(r.ValidFrom) && t.Before(r.ValidTo)
}

// Supported reports whether this package can evaluate the rule: engine
// CERTLOGIC at an engine version of major 0 or 1, and rule schema version
// of major 1. Unsupported rules are reported as open.
func (r *Rule) Supported() error {
	if r.unsupported == nil && r.program == nil {
		return fmt.Errorf("%w: rule has no compiled Logic (it was not made by ParseRule)", ErrUnsupported)
	}
	return r.unsupported
}

func (r *Rule) checkSupported() error {
	if r.Engine != EngineCertLogic || r.program == nil {
		return fmt.Errorf("%w: engine %q", ErrUnsupported, r.Engine)
	}
	if v := parseSemver(r.EngineVersion); v[0] > 1 {
		return fmt.Errorf("%w: engine version %s", ErrUnsupported, r.EngineVersion)
	}
	if v := parseSemver(r.SchemaVersion); v[0] != 1 {
		return fmt.Errorf("%w: schema version %s", ErrUnsupported, r.SchemaVersion)
	}
	return nil
}

// ErrUnsupported matches the error of a rule this package cannot evaluate
// (another engine, or a newer engine or schema major version).
var ErrUnsupported = errors.New("rules: unsupported rule")

// Evaluate evaluates the rule's Logic against a complete data context
// ({"payload": …, "external": …}) and returns the raw result. It fails
// with ErrUnsupported for a rule of another engine, and otherwise with the
// certlogic evaluation error.
func (r *Rule) Evaluate(data any) (any, error) {
	if err := r.Supported(); err != nil {
		return nil, err
	}
	return r.program.Evaluate(data)
}

// MarshalJSON encodes the rule in the gateway's rule format.
func (r *Rule) MarshalJSON() ([]byte, error) {
	type wire struct {
		Identifier      string          `json:"Identifier"`
		Type            Type            `json:"Type"`
		Country         string          `json:"Country"`
		Region          string          `json:"Region,omitempty"`
		Version         string          `json:"Version"`
		SchemaVersion   string          `json:"SchemaVersion"`
		Engine          string          `json:"Engine"`
		EngineVersion   string          `json:"EngineVersion"`
		CertificateType CertificateType `json:"CertificateType"`
		Description     []Description   `json:"Description"`
		ValidFrom       string          `json:"ValidFrom"`
		ValidTo         string          `json:"ValidTo"`
		AffectedFields  []string        `json:"AffectedFields"`
		Logic           any             `json:"Logic"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wire{
		r.Identifier, r.Type, r.Country, r.Region, r.Version, r.SchemaVersion, r.Engine,
		r.EngineVersion, r.CertificateType, r.Description,
		r.ValidFrom.Format(time.RFC3339), r.ValidTo.Format(time.RFC3339), r.AffectedFields, r.Logic,
	})
	return bytes.TrimRight(buf.Bytes(), "\n"), err
}
