package credential

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// LatestDCCSchemaVersion is the newest EU DCC payload schema version whose
// rules this package knows.
const LatestDCCSchemaVersion = "1.3.3"

// SchemaError reports the first rule of the DCC payload schema that a tree
// breaks.
type SchemaError struct {
	// Version is the schema version whose rules were applied, e.g. "1.3.0".
	// It is empty when no version could be chosen (ver missing or unusable).
	Version string
	// Path is a JSON pointer (RFC 6901) to the offending value, e.g.
	// "/v/0/dn". For a missing property it points at where the property
	// should be; the empty string is the whole payload.
	Path string
	// Rule is the JSON Schema keyword that failed: "type", "required",
	// "oneOf", "minItems", "maxItems", "maxLength", "pattern", "format",
	// "minimum" or "maximum"; or "version" when ver names a schema this
	// package cannot apply.
	Rule string
	// Detail says what was expected and what was found.
	Detail string
}

// Error formats the error as "schema <version>: <path>: <detail>".
func (e *SchemaError) Error() string {
	p := e.Path
	if p == "" {
		p = "(root)"
	}
	if e.Version == "" {
		return "schema: " + p + ": " + e.Detail
	}
	return "schema " + e.Version + ": " + p + ": " + e.Detail
}

// DCCSchemaVersions returns the schema versions whose rules this package
// knows, oldest first.
func DCCSchemaVersions() []string {
	out := make([]string, len(dccRuleSets))
	for i, r := range dccRuleSets {
		out[i] = r.version
	}
	return out
}

// ValidateDCC checks a decoded DCC payload against the schema version named
// by its "ver" field and returns nil or the first broken rule as a
// *SchemaError.
//
// tree is what encoding/json (with or without UseNumber) or fxamacker/cbor
// produce when decoding into an any: objects as map[string]any or
// map[any]any, arrays as []any, and numbers as float64, json.Number, int64,
// uint64 or big.Int.
//
// A ver of the form 1.x.y that is not a released schema version is checked
// against the newest released 1.x.y rules not newer than it, so "1.3.4" and
// "1.4.0" get the 1.3.3 rules and "1.0.2" gets the 1.0.1 rules. A ver with
// another major version is refused.
func ValidateDCC(tree any) error {
	if e := validateDCC(anyValue{tree}); e != nil {
		return e
	}
	return nil
}

// validateDCC is ValidateDCC on any value representation (see value).
func validateDCC[V value[V]](root V) *SchemaError {
	if !root.isObject() {
		return &SchemaError{Rule: "type", Detail: "must be object (got " + root.jsonType() + ")"}
	}
	v, ok := root.get("ver")
	if !ok {
		return &SchemaError{Path: "/ver", Rule: "required", Detail: "is required"}
	}
	ver, ok := v.text()
	if !ok {
		return &SchemaError{Path: "/ver", Rule: "type", Detail: "must be string (got " + v.jsonType() + ")"}
	}
	if !matchVer(ver) {
		return &SchemaError{Path: "/ver", Rule: "pattern", Detail: "must match " + verPattern + " (got " + quote(ver) + ")"}
	}
	rules, detail := rulesFor(ver)
	if rules == nil {
		return &SchemaError{Path: "/ver", Rule: "version", Detail: detail}
	}
	return validate(rules, root)
}

// ValidateDCCVersion checks a decoded DCC payload against the rules of the
// given schema version, whatever its "ver" field says. version is resolved
// as ValidateDCC resolves ver. The tree shapes accepted are those of
// ValidateDCC; schema violations are returned as a *SchemaError, an unusable
// version as a plain error.
func ValidateDCCVersion(tree any, version string) error {
	if !matchVer(version) {
		return fmt.Errorf("credential: malformed DCC schema version %q", version)
	}
	rules, detail := rulesFor(version)
	if rules == nil {
		return fmt.Errorf("credential: DCC schema version %q: %s", version, detail)
	}
	root := anyValue{tree}
	if !root.isObject() {
		return rules.fail(at{}, "", "type", "must be object (got "+root.jsonType()+")")
	}
	if e := validate(rules, root); e != nil {
		return e
	}
	return nil
}

// dobRule selects how "dob" is checked.
type dobRule uint8

const (
	// dobFullDate (1.0.x): format date plus the unanchored pattern
	// (19|20)\d{2}-\d{2}-\d{2}.
	dobFullDate dobRule = iota
	// dobPartial (1.1.0 to 1.2.1): ^(19|20)\d\d(-\d\d){0,2}$, no format.
	dobPartial
	// dobPartialOrEmpty (1.3.0 on): ^((19|20)\d\d(-\d\d){0,2}){0,1}$.
	dobPartialOrEmpty
)

// fieldKind is the check applied to one property of an entry or name.
type fieldKind uint8

const (
	kindString   fieldKind = iota // type string (and maxLength if set)
	kindDate                      // type string, format date
	kindDateTime                  // type string, format date-time
	kindCountry                   // type string, pattern [A-Z]{1,10} (unanchored)
	kindStdName                   // type string, pattern ^[A-Z<]*$
	kindDose                      // type integer, minimum 1, maybe maximum
)

// fieldRule is the schema of one property.
type fieldRule struct {
	key    string
	kind   fieldKind
	maxLen int // 0: no maxLength
}

// dccRules is one schema version's rules, flattened from its combined
// schema.
type dccRules struct {
	version  string
	dob      dobRule
	doseMax  int64 // 0: no maximum
	oneEvent bool  // oneOf v/t/r and maxItems 1
	fntOrGnt bool  // anyOf required fnt / required gnt instead of required fnt

	name                   []fieldRule
	vReq, tReq, rReq       []string
	vProps, tProps, rProps []fieldRule
}

// ruleFeatures are the points on which the versions differ.
type ruleFeatures struct {
	maxLen     int     // fn, fnt, gn, gnt, is, ci, tc: 50, later 80
	doseMax    int64   // dn, sd maximum: 9, later none
	dob        dobRule //
	tcRequired bool    // up to 1.2.1
	hasDr      bool    // test "dr" defined up to 1.1.0
	nmMaxLen   int     // test "nm" maxLength 80 from 1.3.0
	fntOrGnt   bool    // from 1.3.2
}

func newRules(version string, f ruleFeatures) *dccRules {
	r := &dccRules{
		version: version,
		dob:     f.dob,
		doseMax: f.doseMax,
		// The schemas before 1.3.0 did not encode it, but the HCERT
		// specification has always required a payload to carry exactly one
		// event, so every version enforces it.
		oneEvent: true,
		fntOrGnt: f.fntOrGnt,
	}
	r.name = []fieldRule{
		{"fn", kindString, f.maxLen},
		{"fnt", kindStdName, f.maxLen},
		{"gn", kindString, f.maxLen},
		{"gnt", kindStdName, f.maxLen},
	}
	r.vReq = []string{"tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"}
	r.vProps = []fieldRule{
		{"tg", kindString, 0},
		{"vp", kindString, 0},
		{"mp", kindString, 0},
		{"ma", kindString, 0},
		{"dn", kindDose, 0},
		{"sd", kindDose, 0},
		{"dt", kindDate, 0},
		{"co", kindCountry, 0},
		{"is", kindString, f.maxLen},
		{"ci", kindString, f.maxLen},
	}
	r.tReq = []string{"tg", "tt", "sc", "tr"}
	if f.tcRequired {
		r.tReq = append(r.tReq, "tc")
	}
	r.tReq = append(r.tReq, "co", "is", "ci")
	r.tProps = []fieldRule{
		{"tg", kindString, 0},
		{"tt", kindString, 0},
		{"nm", kindString, f.nmMaxLen},
		{"ma", kindString, 0},
		{"sc", kindDateTime, 0},
	}
	if f.hasDr {
		r.tProps = append(r.tProps, fieldRule{"dr", kindDateTime, 0})
	}
	r.tProps = append(r.tProps,
		fieldRule{"tr", kindString, 0},
		fieldRule{"tc", kindString, f.maxLen},
		fieldRule{"co", kindCountry, 0},
		fieldRule{"is", kindString, f.maxLen},
		fieldRule{"ci", kindString, f.maxLen},
	)
	r.rReq = []string{"tg", "fr", "co", "is", "df", "du", "ci"}
	r.rProps = []fieldRule{
		{"tg", kindString, 0},
		{"fr", kindDate, 0},
		{"co", kindCountry, 0},
		{"is", kindString, f.maxLen},
		{"df", kindDate, 0},
		{"du", kindDate, 0},
		{"ci", kindString, f.maxLen},
	}
	return r
}

// dccRuleSets holds every released version, oldest first.
var dccRuleSets = func() []*dccRules {
	v100 := ruleFeatures{maxLen: 50, doseMax: 9, dob: dobFullDate, tcRequired: true, hasDr: true}
	v110 := v100
	v110.dob = dobPartial
	v120 := v110
	v120.hasDr = false
	v130 := ruleFeatures{maxLen: 80, dob: dobPartialOrEmpty, nmMaxLen: 80}
	v132 := v130
	v132.fntOrGnt = true
	return []*dccRules{
		newRules("1.0.0", v100),
		newRules("1.0.1", v100), // tt became a value-set $ref: still a string
		newRules("1.1.0", v110),
		newRules("1.2.0", v120),
		newRules("1.2.1", v120), // DGC renamed DCC; same rules
		newRules("1.3.0", v130),
		newRules("1.3.1", v130), // descriptions and examples only
		newRules("1.3.2", v132),
		newRules("1.3.3", v132), // descriptions only
	}
}()

// dccRuleNums holds the minor and patch numbers of dccRuleSets.
var dccRuleNums = [...][2]uint64{{0, 0}, {0, 1}, {1, 0}, {2, 0}, {2, 1}, {3, 0}, {3, 1}, {3, 2}, {3, 3}}

// rulesFor picks the rules for a ver that matches the ver pattern. It
// returns nil and a reason when there are none.
func rulesFor(ver string) (*dccRules, string) {
	major, minor, patch, ok := splitVer(ver)
	if !ok {
		return nil, "cannot tell major, minor and patch apart in " + quote(ver)
	}
	if major != 1 {
		return nil, "unsupported major version (got " + quote(ver) + ", want 1.x.y)"
	}
	for i := len(dccRuleNums) - 1; i > 0; i-- {
		n := dccRuleNums[i]
		if minor > n[0] || minor == n[0] && patch >= n[1] {
			return dccRuleSets[i], ""
		}
	}
	return dccRuleSets[0], ""
}

// at locates a container in the payload: the root (grp ""), the name object
// (grp "nam", idx < 0) or entry idx of the group "v", "t" or "r".
type at struct {
	grp string
	idx int
}

// path returns the JSON pointer of key inside the container.
func (a at) path(key string) string {
	p := ""
	if a.grp != "" {
		p = "/" + a.grp
		if a.idx >= 0 {
			p += "/" + strconv.Itoa(a.idx)
		}
	}
	if key != "" {
		p += "/" + key
	}
	return p
}

var nameAt = at{grp: "nam", idx: -1}

func (r *dccRules) fail(a at, key, rule, detail string) *SchemaError {
	return &SchemaError{Version: r.version, Path: a.path(key), Rule: rule, Detail: detail}
}

var rootRequired = [...]string{"ver", "nam", "dob"}
var eventKeys = [...]string{"v", "t", "r"}

// validate checks a payload object. The order of the checks is fixed: root
// required and oneOf, then ver, nam, dob, v, t, r; inside an object its
// required properties first, then its properties in schema order.
//
// The validate functions are generic over the value representation, so
// the same code checks the any trees of encoding/json and fxamacker/cbor
// and the compact Tree that package hcert decodes into.
func validate[V value[V]](r *dccRules, root V) *SchemaError {
	for _, k := range rootRequired {
		if !has(root, k) {
			return r.fail(at{}, k, "required", "is required")
		}
	}
	if r.oneEvent {
		n := 0
		for _, k := range eventKeys {
			if has(root, k) {
				n++
			}
		}
		if n != 1 {
			return r.fail(at{}, "", "oneOf", `must have exactly one of "v", "t", "r" (got `+strconv.Itoa(n)+")")
		}
	}

	ver, _ := root.get("ver")
	s, ok := ver.text()
	if !ok {
		return r.fail(at{}, "ver", "type", "must be string (got "+ver.jsonType()+")")
	}
	if !matchVer(s) {
		return r.fail(at{}, "ver", "pattern", "must match "+verPattern+" (got "+quote(s)+")")
	}

	nam, _ := root.get("nam")
	if e := validateName(r, nam); e != nil {
		return e
	}

	dob, _ := root.get("dob")
	if e := validateDOB(r, dob); e != nil {
		return e
	}

	if e := validateGroup(r, root, "v", r.vReq, r.vProps); e != nil {
		return e
	}
	if e := validateGroup(r, root, "t", r.tReq, r.tProps); e != nil {
		return e
	}
	return validateGroup(r, root, "r", r.rReq, r.rProps)
}

func validateName[V value[V]](r *dccRules, nam V) *SchemaError {
	if !nam.isObject() {
		return r.fail(at{}, "nam", "type", "must be object (got "+nam.jsonType()+")")
	}
	if r.fntOrGnt {
		if !has(nam, "fnt") && !has(nam, "gnt") {
			return r.fail(nameAt, "", "required", `must have "fnt" or "gnt"`)
		}
	} else if !has(nam, "fnt") {
		return r.fail(nameAt, "fnt", "required", "is required")
	}
	return validateProps(r, nam, nameAt, r.name)
}

func validateDOB[V value[V]](r *dccRules, v V) *SchemaError {
	s, ok := v.text()
	if !ok {
		return r.fail(at{}, "dob", "type", "must be string (got "+v.jsonType()+")")
	}
	switch r.dob {
	case dobFullDate:
		if !containsDOB10(s) {
			return r.fail(at{}, "dob", "pattern", `must match (19|20)\d{2}-\d{2}-\d{2} (got `+quote(s)+")")
		}
		if !isDate(s) {
			return r.fail(at{}, "dob", "format", "must be a valid date (got "+quote(s)+")")
		}
	case dobPartial:
		if !isPartialDOB(s) {
			return r.fail(at{}, "dob", "pattern", `must match ^(19|20)\d\d(-\d\d){0,2}$ (got `+quote(s)+")")
		}
	default:
		if s != "" && !isPartialDOB(s) {
			return r.fail(at{}, "dob", "pattern", `must match ^((19|20)\d\d(-\d\d){0,2}){0,1}$ (got `+quote(s)+")")
		}
	}
	return nil
}

func validateGroup[V value[V]](r *dccRules, root V, grp string, req []string, props []fieldRule) *SchemaError {
	v, ok := root.get(grp)
	if !ok {
		return nil
	}
	n, ok := v.arrayLen()
	if !ok {
		return r.fail(at{}, grp, "type", "must be array (got "+v.jsonType()+")")
	}
	if n < 1 {
		return r.fail(at{}, grp, "minItems", "must have at least 1 item (got 0)")
	}
	if r.oneEvent && n > 1 {
		return r.fail(at{}, grp, "maxItems", "must have at most 1 item (got "+strconv.Itoa(n)+")")
	}
	for i := 0; i < n; i++ {
		a := at{grp: grp, idx: i}
		obj := v.index(i)
		if !obj.isObject() {
			return r.fail(a, "", "type", "must be object (got "+obj.jsonType()+")")
		}
		for _, k := range req {
			if _, ok := obj.get(k); !ok {
				return r.fail(a, k, "required", "is required")
			}
		}
		if e := validateProps(r, obj, a, props); e != nil {
			return e
		}
	}
	return nil
}

func validateProps[V value[V]](r *dccRules, obj V, a at, props []fieldRule) *SchemaError {
	for i := range props {
		f := &props[i]
		v, ok := obj.get(f.key)
		if !ok {
			continue
		}
		if f.kind == kindDose {
			if e := validateDose(r, v, a, f.key); e != nil {
				return e
			}
			continue
		}
		s, ok := v.text()
		if !ok {
			return r.fail(a, f.key, "type", "must be string (got "+v.jsonType()+")")
		}
		// A string has at least as many bytes as code points; only count
		// code points (as JSON Schema does) when the bytes exceed the limit.
		if f.maxLen > 0 && len(s) > f.maxLen {
			if n := utf8.RuneCountInString(s); n > f.maxLen {
				return r.fail(a, f.key, "maxLength", "must be at most "+strconv.Itoa(f.maxLen)+" characters (got "+strconv.Itoa(n)+")")
			}
		}
		switch f.kind {
		case kindDate:
			if !isDate(s) {
				return r.fail(a, f.key, "format", "must be a valid date (got "+quote(s)+")")
			}
		case kindDateTime:
			if !isDateTime(s) {
				return r.fail(a, f.key, "format", "must be a valid date-time (got "+quote(s)+")")
			}
		case kindCountry:
			if !hasUpperASCII(s) {
				return r.fail(a, f.key, "pattern", "must match [A-Z]{1,10} (got "+quote(s)+")")
			}
		case kindStdName:
			if !isStdName(s) {
				return r.fail(a, f.key, "pattern", "must match ^[A-Z<]*$ (got "+quote(s)+")")
			}
		}
	}
	return nil
}

func validateDose[V value[V]](r *dccRules, v V, a at, key string) *SchemaError {
	n, ok := v.number()
	if !ok || !n.isInteger() {
		return r.fail(a, key, "type", "must be integer (got "+v.jsonType()+")")
	}
	if n.cmp(1) < 0 {
		return r.fail(a, key, "minimum", "must be >= 1 (got "+n.String()+")")
	}
	if r.doseMax > 0 && n.cmp(r.doseMax) > 0 {
		return r.fail(a, key, "maximum", "must be <= "+strconv.FormatInt(r.doseMax, 10)+" (got "+n.String()+")")
	}
	return nil
}

// numKind tells which field of a number is set.
type numKind uint8

const (
	numInt numKind = iota
	numUint
	numFloat
	numBig
)

// number is a decoded numeric value of any of the shapes the decoders
// produce.
type number struct {
	kind numKind
	i    int64
	u    uint64
	f    float64
	b    *big.Int
}

// toNumber converts a decoded value to a number; ok is false when v is not
// numeric. A json.Number is read as ECMAScript reads a JSON number, as the
// nearest float64; one beyond the float64 range becomes an infinity, which
// is a number but not an integer.
func toNumber(v any) (n number, ok bool) {
	switch x := v.(type) {
	case float64:
		return number{kind: numFloat, f: x}, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return number{}, false
		}
		return number{kind: numFloat, f: f}, true
	case int64:
		return number{kind: numInt, i: x}, true
	case uint64:
		return number{kind: numUint, u: x}, true
	case int:
		return number{kind: numInt, i: int64(x)}, true
	case int32:
		return number{kind: numInt, i: int64(x)}, true
	case int16:
		return number{kind: numInt, i: int64(x)}, true
	case int8:
		return number{kind: numInt, i: int64(x)}, true
	case uint:
		return number{kind: numUint, u: uint64(x)}, true
	case uint32:
		return number{kind: numUint, u: uint64(x)}, true
	case uint16:
		return number{kind: numUint, u: uint64(x)}, true
	case uint8:
		return number{kind: numUint, u: uint64(x)}, true
	case float32:
		return number{kind: numFloat, f: float64(x)}, true
	case *big.Int:
		if x == nil {
			return number{}, false
		}
		return number{kind: numBig, b: x}, true
	case big.Int:
		return number{kind: numBig, b: &x}, true
	}
	return number{}, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isInteger reports whether the number is a finite whole number, as JSON
// Schema's "integer" type requires (1.0 is an integer).
func (n number) isInteger() bool {
	if n.kind != numFloat {
		return true
	}
	return !math.IsInf(n.f, 0) && !math.IsNaN(n.f) && n.f == math.Trunc(n.f)
}

// cmp compares the number with k and returns -1, 0 or +1.
func (n number) cmp(k int64) int {
	switch n.kind {
	case numInt:
		return cmpInt(n.i, k)
	case numUint:
		if n.u > math.MaxInt64 {
			return 1
		}
		return cmpInt(int64(n.u), k)
	case numBig:
		if n.b.IsInt64() {
			return cmpInt(n.b.Int64(), k)
		}
		return n.b.Sign()
	}
	kf := float64(k)
	switch {
	case n.f < kf:
		return -1
	case n.f > kf:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String formats the number for error messages.
func (n number) String() string {
	switch n.kind {
	case numInt:
		return strconv.FormatInt(n.i, 10)
	case numUint:
		return strconv.FormatUint(n.u, 10)
	case numBig:
		return n.b.String()
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

// jsonType names the JSON type of a decoded value for error messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any, map[any]any:
		return "object"
	case []any:
		return "array"
	case []byte:
		return "byte string"
	}
	if n, ok := toNumber(v); ok {
		return n.jsonType()
	}
	return fmt.Sprintf("%T", v)
}

// jsonType names the JSON type of a number, with its value.
func (n number) jsonType() string {
	if n.isInteger() {
		return "integer " + n.String()
	}
	return "number " + n.String()
}

// quote quotes s for an error message, shortening it past 64 characters.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		n := 0
		for i := range s {
			if n == max {
				return strconv.Quote(s[:i]) + "…"
			}
			n++
		}
	}
	return strconv.Quote(s)
}
