package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/b5m5/travelcred/certlogic"
	"github.com/b5m5/travelcred/credential"
)

// ValueSets are the code lists rules see as external.valueSets: value-set
// id → codes. It is immutable and safe for concurrent use; the zero value
// and nil hold no set.
type ValueSets struct {
	codes map[string][]string            // sorted, without duplicates
	index map[string]map[string]struct{} // for UnknownCodes
	tree  map[string]any                 // id → []any of codes, for rules
}

// NewValueSets returns value sets holding the given code lists. Duplicate
// codes are dropped; the order of codes does not matter.
func NewValueSets(sets map[string][]string) *ValueSets {
	v := &ValueSets{
		codes: make(map[string][]string, len(sets)),
		index: make(map[string]map[string]struct{}, len(sets)),
		tree:  make(map[string]any, len(sets)),
	}
	for id, codes := range sets {
		cs := slices.Clone(codes)
		slices.Sort(cs)
		cs = slices.Compact(cs)
		v.codes[id] = cs
		idx := make(map[string]struct{}, len(cs))
		list := make([]any, len(cs))
		for i, c := range cs {
			idx[c] = struct{}{}
			list[i] = c
		}
		v.index[id] = idx
		v.tree[id] = list
	}
	return v
}

// FromCredential converts value sets in the ehn-dcc-valuesets form (as
// credential.LoadValueSets reads them) to the code lists rules see. Every
// code is kept, active or not: credentials issued while a code was active
// still carry it.
func FromCredential(sets credential.ValueSets) *ValueSets {
	m := make(map[string][]string, len(sets))
	for id, vs := range sets {
		if vs == nil {
			continue
		}
		m[id] = slices.Collect(maps.Keys(vs.Values))
	}
	return NewValueSets(m)
}

// ParseValueSets parses a value-set bundle: a JSON object mapping each
// value-set id to its array of codes, as the rule test data's
// valueSets.json and the external.valueSets of a rule test.
func ParseValueSets(b []byte) (*ValueSets, error) {
	v, err := certlogic.DecodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("rules: value sets: %w", err)
	}
	m, err := bundle(v)
	if err != nil {
		return nil, err
	}
	return NewValueSets(m), nil
}

func bundle(v any) (map[string][]string, error) {
	obj, ok := v.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, errors.New("rules: value sets: not a non-empty object of id → [codes]")
	}
	m := make(map[string][]string, len(obj))
	for id, list := range obj {
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("rules: value sets: %q is not an array of codes", id)
		}
		codes := make([]string, 0, len(items))
		for i, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("rules: value sets: %q item %d is not a string", id, i)
			}
			codes = append(codes, s)
		}
		m[id] = codes
	}
	return m, nil
}

// LoadValueSets reads the *.json files at the root of fsys: value-set files
// of the ehn-dcc-valuesets form (see credential.ParseValueSet) and bundles
// of the form ParseValueSets reads (such as valueSets.json). Other JSON
// files are skipped. A value-set id defined twice, a malformed value-set
// file, or no value set at all is an error.
func LoadValueSets(fsys fs.FS) (*ValueSets, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("rules: value sets: %w", err)
	}
	m := map[string][]string{}
	from := map[string]string{}
	add := func(file, id string, codes []string) error {
		if prev, dup := from[id]; dup {
			return fmt.Errorf("rules: value sets: %s and %s both define %q", prev, file, id)
		}
		from[id] = file
		m[id] = codes
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(path.Ext(name), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("rules: value sets: %w", err)
		}
		vs, err := credential.ParseValueSet(b)
		switch {
		case err == nil:
			if err := add(name, vs.ID, slices.Collect(maps.Keys(vs.Values))); err != nil {
				return nil, err
			}
			continue
		case !errors.Is(err, credential.ErrNotValueSet):
			return nil, fmt.Errorf("rules: value sets: %s: %w", name, err)
		}
		v, err := certlogic.DecodeJSON(b)
		if err != nil {
			continue
		}
		bm, err := bundle(v)
		if err != nil {
			continue // some other JSON file
		}
		for _, id := range slices.Sorted(maps.Keys(bm)) {
			if err := add(name, id, bm[id]); err != nil {
				return nil, err
			}
		}
	}
	if len(m) == 0 {
		return nil, errors.New("rules: value sets: no value-set file found")
	}
	return NewValueSets(m), nil
}

// IDs returns the ids of the value sets, sorted.
func (v *ValueSets) IDs() []string {
	if v == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(v.codes))
}

// Codes returns the codes of value set id, sorted; nil for an unknown set.
func (v *ValueSets) Codes(id string) []string {
	if v == nil {
		return nil
	}
	return slices.Clone(v.codes[id])
}

// Contains reports whether value set id holds code.
func (v *ValueSets) Contains(id, code string) bool {
	if v == nil {
		return false
	}
	_, ok := v.index[id][code]
	return ok
}

// external returns the sets as rules see them; nil for no sets.
func (v *ValueSets) external() map[string]any {
	if v == nil {
		return nil
	}
	return v.tree
}

// UnknownCode is a coded field of a credential whose code its value set
// does not hold.
type UnknownCode struct {
	// Field is the payload path, e.g. "v.0.mp".
	Field string `json:"field"`
	// ValueSet is the id of the value set, e.g. "vaccines-covid-19-names".
	ValueSet string `json:"valueSet"`
	// Code is the value found; a non-string value is shown as JSON.
	Code string `json:"code"`
}

// codedFields maps the coded fields of each DCC group to their value sets.
var codedFields = []struct {
	group, field, valueSet string
}{
	{"v", "tg", "disease-agent-targeted"},
	{"v", "vp", "sct-vaccines-covid-19"},
	{"v", "mp", "vaccines-covid-19-names"},
	{"v", "ma", "vaccines-covid-19-auth-holders"},
	{"v", "co", "country-2-codes"},
	{"t", "tg", "disease-agent-targeted"},
	{"t", "tt", "covid-19-lab-test-type"},
	{"t", "ma", "covid-19-lab-test-manufacturer-and-name"},
	{"t", "tr", "covid-19-lab-result"},
	{"t", "co", "country-2-codes"},
	{"r", "tg", "disease-agent-targeted"},
	{"r", "co", "country-2-codes"},
}

// UnknownCodes lists the coded fields of a DCC payload tree (v[*].tg, vp,
// mp, ma, co; t[*].tg, tt, ma, tr, co; r[*].tg, co) whose value is not in
// the corresponding value set. Fields that are absent, and value sets that
// are not loaded, are not reported. It never fails, whatever the shape of
// payload.
func (v *ValueSets) UnknownCodes(payload any) []UnknownCode {
	root, _ := payload.(map[string]any)
	if v == nil || root == nil {
		return nil
	}
	var out []UnknownCode
	for _, cf := range codedFields {
		idx, loaded := v.index[cf.valueSet]
		if !loaded {
			continue
		}
		entries, _ := root[cf.group].([]any)
		for i, e := range entries {
			obj, _ := e.(map[string]any)
			val, present := obj[cf.field]
			if !present {
				continue
			}
			code, isString := val.(string)
			if isString {
				if _, ok := idx[code]; ok {
					continue
				}
			} else {
				code = jsonText(val)
			}
			out = append(out, UnknownCode{
				Field:    cf.group + "." + strconv.Itoa(i) + "." + cf.field,
				ValueSet: cf.valueSet,
				Code:     code,
			})
		}
	}
	return out
}

func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
