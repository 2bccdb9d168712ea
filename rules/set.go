package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Set is an immutable collection of rules, e.g. every rule a gateway
// distributes, or one country's. It is safe for concurrent use.
type Set struct {
	rules []*Rule // sorted by Identifier, then version
}

// NewSet returns a set of the given rules. Two rules with the same
// Identifier and Version are an error (ErrMalformed): the set could not say
// which one applies.
func NewSet(rules ...*Rule) (*Set, error) {
	s := &Set{rules: slices.Clone(rules)}
	slices.SortFunc(s.rules, func(a, b *Rule) int {
		if c := strings.Compare(a.Identifier, b.Identifier); c != 0 {
			return c
		}
		return compareVersions(a, b)
	})
	for i := 1; i < len(s.rules); i++ {
		a, b := s.rules[i-1], s.rules[i]
		if a.Identifier == b.Identifier && a.Version == b.Version {
			return nil, &ParseError{Identifier: a.Identifier, Field: "Version", Detail: fmt.Sprintf("version %s given twice", a.Version)}
		}
	}
	return s, nil
}

// ParseSet parses a JSON array of rule documents (or a single one) into a
// set.
func ParseSet(b []byte) (*Set, error) {
	rules, err := ParseRules(b)
	if err != nil {
		return nil, err
	}
	return NewSet(rules...)
}

// ruleFileRE matches the files LoadFS reads besides rule.json: files named
// after a rule identifier, as some countries name them.
var ruleFileRE = pattern{`^(GR|VR|TR|RR|IR)-[A-Z]{2}-\d{4}\.json$`, func(s string) bool {
	return strings.HasSuffix(s, ".json") && isIdentifier(strings.TrimSuffix(s, ".json"))
}}

// LoadFS reads every rule file in fsys: files named rule.json, as in the
// dgc-business-rules-testdata layout <CC>/<rule id>/rule.json, and files
// named after a rule identifier (<rule id>.json). Directories named tests,
// schemas and valuesets are not entered. The first malformed rule file is
// an error naming it; a tree without any rule file is an error too.
func LoadFS(fsys fs.FS) (*Set, error) {
	var rules []*Rule
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != "." && (name == "tests" || name == "schemas" || name == "valuesets") {
				return fs.SkipDir
			}
			return nil
		}
		if name != "rule.json" && !ruleFileRE.MatchString(name) {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		r, err := ParseRule(b)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.File = p
			}
			return err
		}
		rules = append(rules, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, errors.New("rules: no rule file (rule.json or <rule id>.json) found")
	}
	return NewSet(rules...)
}

// Rules returns the set's rules, ordered by Identifier then version.
func (s *Set) Rules() []*Rule { return slices.Clone(s.rules) }

// Len returns the number of rules (all versions) in the set.
func (s *Set) Len() int { return len(s.rules) }

// Countries returns the countries that own rules in the set, sorted.
func (s *Set) Countries() []string {
	var cs []string
	for _, r := range s.rules {
		cs = append(cs, r.Country)
	}
	slices.Sort(cs)
	return slices.Compact(cs)
}

// Query says which rules to select.
type Query struct {
	// Country is the destination (arrival) country, ISO 3166 alpha-2: its
	// Acceptance rules apply.
	Country string
	// Region is the destination region, if any: Acceptance rules limited to
	// another region do not apply, and with no Region, no region-limited
	// rule applies.
	Region string
	// IssuerCountry is the country that issued the credential: its
	// Invalidation rules apply. Empty selects no Invalidation rule.
	IssuerCountry string
	// Type is the credential's type (see TypeOf). Rules of type General
	// always apply; Type General selects only those.
	Type CertificateType
	// At is the validation clock; a rule applies when ValidFrom ≤ At <
	// ValidTo. A zero At selects nothing.
	At time.Time
}

// Select returns the rules that apply to q, one version per identifier
// (the highest among the versions valid at q.At), ordered by Identifier.
func (s *Set) Select(q Query) []*Rule {
	if q.At.IsZero() {
		return nil
	}
	var out []*Rule
	for _, r := range s.rules {
		if !q.matches(r) {
			continue
		}
		// s.rules is sorted by identifier then version: a later match of
		// the same identifier is a higher version.
		if n := len(out); n > 0 && out[n-1].Identifier == r.Identifier {
			out[n-1] = r
			continue
		}
		out = append(out, r)
	}
	return out
}

func (q *Query) matches(r *Rule) bool {
	switch r.Type {
	case Acceptance:
		if q.Country == "" || !strings.EqualFold(r.Country, q.Country) {
			return false
		}
		if r.Region != "" && !strings.EqualFold(r.Region, q.Region) {
			return false
		}
	case Invalidation:
		if q.IssuerCountry == "" || !strings.EqualFold(r.Country, q.IssuerCountry) {
			return false
		}
	default:
		return false
	}
	if r.CertificateType != General && r.CertificateType != q.Type {
		return false
	}
	return r.ValidAt(q.At)
}

// TypeOf returns the type of a DCC payload tree: Vaccination, Test or
// Recovery when exactly one of the arrays v, t, r is present and non-empty,
// else General (no type-specific rule then applies).
func TypeOf(payload any) CertificateType {
	m, _ := payload.(map[string]any)
	t := General
	n := 0
	for key, typ := range map[string]CertificateType{"v": Vaccination, "t": Test, "r": Recovery} {
		if list, ok := m[key].([]any); ok && len(list) > 0 {
			t = typ
			n++
		}
	}
	if n != 1 {
		return General
	}
	return t
}
