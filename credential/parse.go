package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
)

// ParseDCC maps a decoded DCC payload tree (of the shapes ValidateDCC
// accepts) into a DCC. Strings are taken as they are and integers converted
// to int.
//
// ParseDCC does not apply the schema: call ValidateDCC first. It only fails
// when the tree is not an object or a known property has the wrong type
// (null included), or an integer does not fit an int. Absent properties
// are left zero and unknown ones ignored. Note that schema versions before
// 1.3.0 allow several entries and several of v, t and r at once; check
// DCC.Type on the result.
func ParseDCC(tree any) (*DCC, error) {
	root, ok := asObject(tree)
	if !ok {
		return nil, parseError(at{}, "", "must be object (got "+jsonType(tree)+")")
	}
	var p dccParser
	d := &DCC{}
	d.Version = p.str(root, at{}, "ver")
	if v, ok := root.get("nam"); ok {
		if nam, ok := asObject(v); ok {
			d.Name.FamilyName = p.str(nam, nameAt, "fn")
			d.Name.FamilyNameStd = p.str(nam, nameAt, "fnt")
			d.Name.GivenName = p.str(nam, nameAt, "gn")
			d.Name.GivenNameStd = p.str(nam, nameAt, "gnt")
		} else {
			p.fail(at{}, "nam", "must be object (got "+jsonType(v)+")")
		}
	}
	d.DateOfBirth = p.str(root, at{}, "dob")

	if items := p.array(root, "v"); len(items) > 0 {
		d.Vaccinations = make([]Vaccination, len(items))
		for i, item := range items {
			a := at{grp: "v", idx: i}
			o := p.entry(item, a)
			e := &d.Vaccinations[i]
			e.Target = p.str(o, a, "tg")
			e.Vaccine = p.str(o, a, "vp")
			e.Product = p.str(o, a, "mp")
			e.Manufacturer = p.str(o, a, "ma")
			e.DoseNumber = p.int(o, a, "dn")
			e.TotalDoses = p.int(o, a, "sd")
			e.Date = p.str(o, a, "dt")
			e.Country = p.str(o, a, "co")
			e.Issuer = p.str(o, a, "is")
			e.ID = p.str(o, a, "ci")
		}
	}
	if items := p.array(root, "t"); len(items) > 0 {
		d.Tests = make([]Test, len(items))
		for i, item := range items {
			a := at{grp: "t", idx: i}
			o := p.entry(item, a)
			e := &d.Tests[i]
			e.Target = p.str(o, a, "tg")
			e.TestType = p.str(o, a, "tt")
			e.Name = p.str(o, a, "nm")
			e.Manufacturer = p.str(o, a, "ma")
			e.SampledAt = p.str(o, a, "sc")
			e.ResultAt = p.str(o, a, "dr")
			e.Result = p.str(o, a, "tr")
			e.Centre = p.str(o, a, "tc")
			e.Country = p.str(o, a, "co")
			e.Issuer = p.str(o, a, "is")
			e.ID = p.str(o, a, "ci")
		}
	}
	if items := p.array(root, "r"); len(items) > 0 {
		d.Recoveries = make([]Recovery, len(items))
		for i, item := range items {
			a := at{grp: "r", idx: i}
			o := p.entry(item, a)
			e := &d.Recoveries[i]
			e.Target = p.str(o, a, "tg")
			e.FirstPositive = p.str(o, a, "fr")
			e.Country = p.str(o, a, "co")
			e.Issuer = p.str(o, a, "is")
			e.ValidFrom = p.str(o, a, "df")
			e.ValidUntil = p.str(o, a, "du")
			e.ID = p.str(o, a, "ci")
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return d, nil
}

// DecodeDCCJSON decodes a DCC payload from JSON, validates it with
// ValidateDCC and maps it with ParseDCC. It returns the typed payload and
// the generic tree (numbers as json.Number).
//
// When the JSON is well-formed but the payload breaks the schema, the tree
// is still returned, with a nil DCC and the *SchemaError, so that a caller
// can show what it read. On malformed JSON both are nil.
func DecodeDCCJSON(b []byte) (*DCC, any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, nil, errors.New("credential: DCC JSON: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("credential: DCC JSON: unexpected data after the payload")
	}
	if err := ValidateDCC(tree); err != nil {
		return nil, tree, err
	}
	d, err := ParseDCC(tree)
	if err != nil {
		return nil, tree, err
	}
	return d, tree, nil
}

// dccParser reads typed values from a tree and keeps the first error.
type dccParser struct {
	err error
}

func parseError(a at, key, detail string) error {
	p := a.path(key)
	if p == "" {
		p = "(root)"
	}
	return errors.New("credential: DCC " + p + ": " + detail)
}

func (p *dccParser) fail(a at, key, detail string) {
	if p.err == nil {
		p.err = parseError(a, key, detail)
	}
}

func (p *dccParser) str(o object, a at, key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(a, key, "must be string (got "+jsonType(v)+")")
	}
	return s
}

func (p *dccParser) int(o object, a at, key string) int {
	v, ok := o.get(key)
	if !ok {
		return 0
	}
	n, ok := toInt(v)
	if !ok {
		p.fail(a, key, "must be an integer that fits an int (got "+jsonType(v)+")")
	}
	return n
}

func (p *dccParser) array(root object, key string) []any {
	v, ok := root.get(key)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		p.fail(at{}, key, "must be array (got "+jsonType(v)+")")
	}
	return arr
}

func (p *dccParser) entry(v any, a at) object {
	o, ok := asObject(v)
	if !ok {
		p.fail(a, "", "must be object (got "+jsonType(v)+")")
	}
	return o
}

// toInt converts a decoded integral number to int.
func toInt(v any) (int, bool) {
	if s, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(s), 10, 64); err == nil {
			return intFrom64(i)
		}
	}
	n, ok := toNumber(v)
	if !ok || !n.isInteger() {
		return 0, false
	}
	switch n.kind {
	case numInt:
		return intFrom64(n.i)
	case numUint:
		if n.u > math.MaxInt64 {
			return 0, false
		}
		return intFrom64(int64(n.u))
	case numBig:
		if !n.b.IsInt64() {
			return 0, false
		}
		return intFrom64(n.b.Int64())
	}
	// -2^63 and 2^63 are exact float64 values; the int64 range is the
	// half-open interval between them.
	if n.f < -(1<<63) || n.f >= 1<<63 {
		return 0, false
	}
	return intFrom64(int64(n.f))
}

func intFrom64(i int64) (int, bool) {
	if int64(int(i)) != i {
		return 0, false
	}
	return int(i), true
}
