package verifier

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/b5m5/travelcred/certlogic"
	"github.com/b5m5/travelcred/rules"
)

// RuleSource is implemented by trust sources that carry business rules and
// value sets (a verified federated list does).
type RuleSource interface {
	RuleSet() (*rules.Set, *rules.ValueSets)
}

// WithRules sets the business rules and value sets used by CheckEntry,
// instead of those of the trust source.
func WithRules(set *rules.Set, values *rules.ValueSets) Option {
	return func(v *Verifier) { v.rules, v.values = set, values }
}

// ErrNoRules is returned by CheckEntry when no rules are available.
var ErrNoRules = errors.New("verifier: no business rules available")

// Entry is the outcome of a destination's entry rules for an authentic
// credential.
type Entry struct {
	// To is the destination country.
	To string `json:"to"`
	// Allowed is true when no applicable rule failed or stayed open.
	Allowed bool `json:"allowed"`
	// Report lists each applicable rule with pass, fail or open.
	Report *rules.Report `json:"report"`
}

// CheckEntry evaluates the destination's business rules for a verified
// credential (its Result) at the verifier's clock. Only EU DCC payloads
// carry the fields rules read; other formats return an error. A rule that
// cannot be evaluated counts as open, and an open rule denies entry.
func (v *Verifier) CheckEntry(res *Result, to, region string) (*Entry, error) {
	if res == nil || res.Credential == nil || res.Credential.DCC == nil {
		return nil, errors.New("verifier: entry rules apply to EU DCC credentials only")
	}
	set, values := v.rules, v.values
	if set == nil {
		if rs, ok := v.trust.(RuleSource); ok {
			set, values = rs.RuleSet()
		}
	}
	if set == nil {
		return nil, ErrNoRules
	}
	b, err := json.Marshal(res.Credential.DCC)
	if err != nil {
		return nil, err
	}
	payload, err := certlogic.DecodeJSON(b)
	if err != nil {
		return nil, err
	}
	rep, err := set.Check(rules.Input{
		Payload: payload, Country: to, Region: region, IssuerCountry: res.Country,
		ValidationClock: v.now(), Exp: res.ExpiresAt, Iat: res.IssuedAt, ValueSets: values,
	})
	if err != nil {
		return nil, fmt.Errorf("verifier: rules: %w", err)
	}
	return &Entry{To: to, Allowed: rep.Passed(), Report: rep}, nil
}
