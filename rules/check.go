package rules

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Outcome is the result of one rule.
type Outcome string

// Outcomes.
const (
	// Pass: the rule's Logic evaluated to true.
	Pass Outcome = "pass"
	// Fail: the rule's Logic evaluated to false.
	Fail Outcome = "fail"
	// Open: the rule could not be decided: an evaluation error, a
	// non-boolean result, or an unsupported rule. The CertLogic
	// specification advises treating it as not passed.
	Open Outcome = "open"
)

// ErrNotBoolean matches the error of a rule whose Logic evaluated to
// something other than true or false.
var ErrNotBoolean = errors.New("rules: rule evaluated to a non-boolean")

// Result is the outcome of one rule.
type Result struct {
	// Rule is the rule evaluated.
	Rule *Rule `json:"-"`
	// Identifier, Version, Country, Type and CertificateType are the
	// rule's.
	Identifier      string          `json:"identifier"`
	Version         string          `json:"version"`
	Country         string          `json:"country"`
	Type            Type            `json:"type"`
	CertificateType CertificateType `json:"certificateType"`
	// Outcome is pass, fail or open.
	Outcome Outcome `json:"outcome"`
	// Description is the rule's description in the language asked for.
	Description string `json:"description"`
	// Value is the raw result of the Logic when it was neither a boolean
	// nor an array or object.
	Value any `json:"value,omitempty"`
	// Err says why an open rule is open: a *certlogic.EvalError, or an
	// error matching ErrNotBoolean or ErrUnsupported.
	Err error `json:"-"`
	// Reason is Err's text, for JSON.
	Reason string `json:"reason,omitempty"`
}

// Check evaluates the rule against a complete data context ({"payload": …,
// "external": …}; see Input.Context) and classifies the result. lang
// chooses the description's language (see Rule.Describe).
func (r *Rule) Check(data any, lang string) Result {
	res := Result{
		Rule:            r,
		Identifier:      r.Identifier,
		Version:         r.Version,
		Country:         r.Country,
		Type:            r.Type,
		CertificateType: r.CertificateType,
		Description:     r.Describe(lang),
	}
	v, err := r.Evaluate(data)
	switch {
	case err != nil:
		res.Outcome, res.Err = Open, err
	case v == true:
		res.Outcome = Pass
	case v == false:
		res.Outcome = Fail
	default:
		res.Outcome = Open
		res.Err = fmt.Errorf("%w: %s", ErrNotBoolean, short(v))
		switch v.(type) {
		case []any, map[string]any:
			// Not kept: it may be large.
		default:
			res.Value = v
		}
	}
	if res.Err != nil {
		res.Reason = res.Err.Error()
	}
	return res
}

func short(v any) string {
	switch x := v.(type) {
	case []any:
		return fmt.Sprintf("an array of %d elements", len(x))
	case map[string]any:
		return fmt.Sprintf("an object of %d members", len(x))
	case string:
		if len(x) > 60 {
			x = x[:60] + "…"
		}
		return fmt.Sprintf("%q", x)
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// Input is what Set.Check needs to know about a credential and its
// verification.
type Input struct {
	// Payload is the DCC JSON tree (hcert claim -260, key 1), as
	// credential.DecodeDCCJSON or hcert.DecodeDCC return it.
	Payload any
	// Country is the destination country (ISO 3166 alpha-2); required.
	Country string
	// Region is the destination region, if any.
	Region string
	// IssuerCountry is the credential's issuing country, if known: it
	// selects Invalidation rules and is passed as external.issuerCountryCode.
	IssuerCountry string
	// ValidationClock is the time of validation; required.
	ValidationClock time.Time
	// Exp and Iat are the credential's expiry and issuance times, passed
	// as external.exp and external.iat; zero leaves them out.
	Exp, Iat time.Time
	// ValueSets are passed as external.valueSets and used to report unknown
	// codes; nil passes none.
	ValueSets *ValueSets
	// Lang is the language of the descriptions in the results; default "en".
	Lang string
}

// ErrInput matches the error of Set.Check for an unusable Input.
var ErrInput = errors.New("rules: incomplete input")

// timeFormat is how times reach rules: ISO 8601 with milliseconds and the
// offset of the given time, which CertLogic's plusTime reads.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// Context returns the data context rules are evaluated against:
// {"payload": Payload, "external": {…}} with validationClock, valueSets,
// countryCode, and exp, iat, issuerCountryCode and region when set. Times
// are written with milliseconds and their own offset. The context shares
// Payload and the value sets' code lists: do not modify it.
func (in *Input) Context() map[string]any {
	ext := map[string]any{
		"validationClock": in.ValidationClock.Format(timeFormat),
		"countryCode":     strings.ToUpper(in.Country),
	}
	if vs := in.ValueSets.external(); vs != nil {
		ext["valueSets"] = vs
	} else {
		ext["valueSets"] = map[string]any{}
	}
	if !in.Exp.IsZero() {
		ext["exp"] = in.Exp.Format(timeFormat)
	}
	if !in.Iat.IsZero() {
		ext["iat"] = in.Iat.Format(timeFormat)
	}
	if in.IssuerCountry != "" {
		ext["issuerCountryCode"] = strings.ToUpper(in.IssuerCountry)
	}
	if in.Region != "" {
		ext["region"] = in.Region
	}
	return map[string]any{"payload": in.Payload, "external": ext}
}

// Report is the result of checking one credential against a rule set.
type Report struct {
	// Type is the credential type rules were selected for (see TypeOf).
	Type CertificateType `json:"type"`
	// Results holds one entry per applicable rule, ordered by Identifier.
	Results []Result `json:"results"`
	// UnknownCodes lists coded fields the value sets do not know.
	UnknownCodes []UnknownCode `json:"unknownCodes,omitempty"`
}

// Passed reports whether every applicable rule passed. With no applicable
// rule it is true: the destination sets no rule for this credential.
func (r *Report) Passed() bool {
	for _, res := range r.Results {
		if res.Outcome != Pass {
			return false
		}
	}
	return true
}

// Count returns the number of results with each outcome.
func (r *Report) Count() (pass, fail, open int) {
	for _, res := range r.Results {
		switch res.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			open++
		}
	}
	return
}

// Check selects the rules of the set that apply to the credential in in
// (see Set.Select, with the type from TypeOf) and evaluates each. It fails
// only for an Input without a destination country or validation clock
// (ErrInput); every problem of a rule or of the payload is a result.
func (s *Set) Check(in Input) (*Report, error) {
	if in.Country == "" {
		return nil, fmt.Errorf("%w: no destination country", ErrInput)
	}
	if in.ValidationClock.IsZero() {
		return nil, fmt.Errorf("%w: no validation clock", ErrInput)
	}
	lang := in.Lang
	if lang == "" {
		lang = "en"
	}
	rep := &Report{Type: TypeOf(in.Payload)}
	selected := s.Select(Query{
		Country:       in.Country,
		Region:        in.Region,
		IssuerCountry: in.IssuerCountry,
		Type:          rep.Type,
		At:            in.ValidationClock,
	})
	data := in.Context()
	rep.Results = make([]Result, 0, len(selected))
	for _, r := range selected {
		rep.Results = append(rep.Results, r.Check(data, lang))
	}
	rep.UnknownCodes = in.ValueSets.UnknownCodes(in.Payload)
	return rep, nil
}
