package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// ValueSet is one EU DCC value set, such as the country codes or the
// vaccine products, as published in the ehn-dcc-valuesets files.
type ValueSet struct {
	// ID is the valueSetId, e.g. "country-2-codes"; CertLogic rules refer
	// to the set by it.
	ID string `json:"valueSetId"`
	// Date is the valueSetDate, YYYY-MM-DD.
	Date string `json:"valueSetDate"`
	// Values maps each code to its description. Inactive codes are kept:
	// certificates issued while they were active still carry them.
	Values map[string]ValueSetValue `json:"valueSetValues"`
}

// ValueSetValue describes one code of a value set.
type ValueSetValue struct {
	// Display is the human-readable name, e.g. "Comirnaty".
	Display string `json:"display"`
	// Lang is the language of Display, e.g. "en".
	Lang string `json:"lang"`
	// Active is false for codes that are no longer to be issued.
	Active bool `json:"active"`
	// System is the code system, e.g. "urn:iso:std:iso:3166".
	System string `json:"system"`
	// Version is the code system version; often empty.
	Version string `json:"version"`
	// ValidUntil is the optional last date (YYYY-MM-DD) of the code.
	ValidUntil string `json:"validUntil,omitempty"`
}

// ErrNotValueSet is returned (wrapped) by ParseValueSet for JSON that is
// not shaped as a value set, such as the vaccine encoding instructions file
// that sits next to the value sets.
var ErrNotValueSet = errors.New("credential: not a DCC value set")

// rawValueSetValue detects absent fields.
type rawValueSetValue struct {
	Display    *string `json:"display"`
	Lang       *string `json:"lang"`
	Active     *bool   `json:"active"`
	System     *string `json:"system"`
	Version    *string `json:"version"`
	ValidUntil *string `json:"validUntil"`
}

func (r *rawValueSetValue) missing() string {
	switch {
	case r.Display == nil:
		return "display"
	case r.Lang == nil:
		return "lang"
	case r.Active == nil:
		return "active"
	case r.System == nil:
		return "system"
	case r.Version == nil:
		return "version"
	}
	return ""
}

func (r *rawValueSetValue) empty() bool {
	return r.Display == nil && r.Lang == nil && r.Active == nil && r.System == nil && r.Version == nil
}

// ParseValueSet parses one value-set file: an object with valueSetId,
// valueSetDate and valueSetValues, each value carrying display, lang,
// active, system and version (and optionally validUntil).
//
// Well-formed JSON of another shape yields an error wrapping
// ErrNotValueSet; a value set with missing or mistyped fields, a bad date,
// or malformed JSON yields another error. Unknown fields are ignored.
func ParseValueSet(b []byte) (*ValueSet, error) {
	if !json.Valid(b) {
		var x any
		err := json.Unmarshal(b, &x)
		return nil, fmt.Errorf("credential: value set: %w", err)
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrNotValueSet)
	}
	var raw struct {
		ID     *string                      `json:"valueSetId"`
		Date   *string                      `json:"valueSetDate"`
		Values map[string]*rawValueSetValue `json:"valueSetValues"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("credential: value set: %w", err)
	}
	if raw.ID == nil || raw.Values == nil {
		return nil, fmt.Errorf("%w: no valueSetId or valueSetValues", ErrNotValueSet)
	}
	vs := &ValueSet{ID: *raw.ID, Values: make(map[string]ValueSetValue, len(raw.Values))}
	if vs.ID == "" {
		return nil, errors.New("credential: value set: empty valueSetId")
	}
	if raw.Date == nil {
		return nil, fmt.Errorf("credential: value set %s: no valueSetDate", vs.ID)
	}
	vs.Date = *raw.Date
	if !isDate(vs.Date) {
		return nil, fmt.Errorf("credential: value set %s: valueSetDate %q is not a date", vs.ID, vs.Date)
	}
	for code, r := range raw.Values {
		if r == nil {
			return nil, fmt.Errorf("credential: value set %s: code %q: null value", vs.ID, code)
		}
		if r.empty() {
			return nil, fmt.Errorf("%w: %s: code %q has none of the value fields", ErrNotValueSet, vs.ID, code)
		}
		if f := r.missing(); f != "" {
			return nil, fmt.Errorf("credential: value set %s: code %q: no %s", vs.ID, code, f)
		}
		v := ValueSetValue{
			Display: *r.Display,
			Lang:    *r.Lang,
			Active:  *r.Active,
			System:  *r.System,
			Version: *r.Version,
		}
		if r.ValidUntil != nil {
			if !isDate(*r.ValidUntil) {
				return nil, fmt.Errorf("credential: value set %s: code %q: validUntil %q is not a date", vs.ID, code, *r.ValidUntil)
			}
			v.ValidUntil = *r.ValidUntil
		}
		vs.Values[code] = v
	}
	return vs, nil
}

// ValueSets holds value sets by their ID.
type ValueSets map[string]*ValueSet

// LoadValueSets reads every *.json value-set file at the root of fsys, such
// as a checkout of ehn-dcc-valuesets. Directories (such as schemas/),
// files with other extensions (such as LICENSE) and JSON files that are not
// value sets (ErrNotValueSet) are skipped. It fails on an unreadable or
// malformed value-set file, on two files with the same valueSetId, and when
// it finds no value set at all.
func LoadValueSets(fsys fs.FS) (ValueSets, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("credential: value sets: %w", err)
	}
	sets := make(ValueSets)
	from := make(map[string]string)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(path.Ext(name), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("credential: value sets: %w", err)
		}
		vs, err := ParseValueSet(b)
		if errors.Is(err, ErrNotValueSet) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("credential: value sets: %s: %w", name, err)
		}
		if prev, dup := from[vs.ID]; dup {
			return nil, fmt.Errorf("credential: value sets: %s and %s both define %q", prev, name, vs.ID)
		}
		from[vs.ID] = name
		sets[vs.ID] = vs
	}
	if len(sets) == 0 {
		return nil, errors.New("credential: value sets: no value-set file found")
	}
	return sets, nil
}

// Lookup returns the entry for code in the value set id. It reports false
// when the set or the code is unknown; per the EU DCC FAQ an unknown code
// calls for refreshing the value sets, not for rejecting the certificate.
func (v ValueSets) Lookup(id, code string) (ValueSetValue, bool) {
	vs := v[id]
	if vs == nil {
		return ValueSetValue{}, false
	}
	val, ok := vs.Values[code]
	return val, ok
}
