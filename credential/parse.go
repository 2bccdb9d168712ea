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
	return parseDCC(anyValue{tree})
}

// dccWith1 holds a DCC and room for one event, so that mapping the usual
// payload (exactly one event) takes one allocation instead of two.
type dccWith1[E any] struct {
	dcc   DCC
	event [1]E
}

// events returns n zeroed events, in the room of w when n is 1.
func events[E any](w *dccWith1[E], n int) []E {
	if n == 1 {
		return w.event[:]
	}
	return make([]E, n)
}

// parseDCC is ParseDCC on any value representation (see value).
func parseDCC[V value[V]](root V) (*DCC, error) {
	if !root.isObject() {
		return nil, parseError(at{}, "", "must be object (got "+root.jsonType()+")")
	}
	var p dccParser
	vs, vn := arrayOf(root, "v")
	ts, tn := arrayOf(root, "t")
	rs, rn := arrayOf(root, "r")
	var d *DCC
	var vacs []Vaccination
	var tests []Test
	var recs []Recovery
	// Allocate the DCC together with its one event when there is one.
	switch {
	case vn > 0 && tn == 0 && rn == 0:
		w := new(dccWith1[Vaccination])
		d, vacs = &w.dcc, events(w, vn)
	case tn > 0 && vn == 0 && rn == 0:
		w := new(dccWith1[Test])
		d, tests = &w.dcc, events(w, tn)
	case rn > 0 && vn == 0 && tn == 0:
		w := new(dccWith1[Recovery])
		d, recs = &w.dcc, events(w, rn)
	default:
		d = &DCC{}
		if vn > 0 {
			vacs = make([]Vaccination, vn)
		}
		if tn > 0 {
			tests = make([]Test, tn)
		}
		if rn > 0 {
			recs = make([]Recovery, rn)
		}
	}
	d.Version = str(&p, root, at{}, "ver")
	if v, ok := root.get("nam"); ok {
		if v.isObject() {
			d.Name.FamilyName = str(&p, v, nameAt, "fn")
			d.Name.FamilyNameStd = str(&p, v, nameAt, "fnt")
			d.Name.GivenName = str(&p, v, nameAt, "gn")
			d.Name.GivenNameStd = str(&p, v, nameAt, "gnt")
		} else {
			p.fail(at{}, "nam", "must be object (got "+v.jsonType()+")")
		}
	}
	d.DateOfBirth = str(&p, root, at{}, "dob")

	// Type errors are recorded in the order of the fields, so the first
	// one reported does not depend on the allocation above.
	checkArray(&p, root, "v")
	if len(vacs) > 0 {
		d.Vaccinations = vacs
		for i := range vacs {
			a := at{grp: "v", idx: i}
			o := entry(&p, vs.index(i), a)
			e := &vacs[i]
			e.Target = str(&p, o, a, "tg")
			e.Vaccine = str(&p, o, a, "vp")
			e.Product = str(&p, o, a, "mp")
			e.Manufacturer = str(&p, o, a, "ma")
			e.DoseNumber = integer(&p, o, a, "dn")
			e.TotalDoses = integer(&p, o, a, "sd")
			e.Date = str(&p, o, a, "dt")
			e.Country = str(&p, o, a, "co")
			e.Issuer = str(&p, o, a, "is")
			e.ID = str(&p, o, a, "ci")
		}
	}
	checkArray(&p, root, "t")
	if len(tests) > 0 {
		d.Tests = tests
		for i := range tests {
			a := at{grp: "t", idx: i}
			o := entry(&p, ts.index(i), a)
			e := &tests[i]
			e.Target = str(&p, o, a, "tg")
			e.TestType = str(&p, o, a, "tt")
			e.Name = str(&p, o, a, "nm")
			e.Manufacturer = str(&p, o, a, "ma")
			e.SampledAt = str(&p, o, a, "sc")
			e.ResultAt = str(&p, o, a, "dr")
			e.Result = str(&p, o, a, "tr")
			e.Centre = str(&p, o, a, "tc")
			e.Country = str(&p, o, a, "co")
			e.Issuer = str(&p, o, a, "is")
			e.ID = str(&p, o, a, "ci")
		}
	}
	checkArray(&p, root, "r")
	if len(recs) > 0 {
		d.Recoveries = recs
		for i := range recs {
			a := at{grp: "r", idx: i}
			o := entry(&p, rs.index(i), a)
			e := &recs[i]
			e.Target = str(&p, o, a, "tg")
			e.FirstPositive = str(&p, o, a, "fr")
			e.Country = str(&p, o, a, "co")
			e.Issuer = str(&p, o, a, "is")
			e.ValidFrom = str(&p, o, a, "df")
			e.ValidUntil = str(&p, o, a, "du")
			e.ID = str(&p, o, a, "ci")
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

// The readers below are functions, not methods, because Go methods
// cannot have type parameters.

func str[V value[V]](p *dccParser, o V, a at, key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	s, ok := v.text()
	if !ok {
		p.fail(a, key, "must be string (got "+v.jsonType()+")")
	}
	return s
}

func integer[V value[V]](p *dccParser, o V, a at, key string) int {
	v, ok := o.get(key)
	if !ok {
		return 0
	}
	n, ok := v.toInt()
	if !ok {
		p.fail(a, key, "must be an integer that fits an int (got "+v.jsonType()+")")
	}
	return n
}

// arrayOf returns the array under key and its length: 0 when it is absent
// or not an array.
func arrayOf[V value[V]](root V, key string) (V, int) {
	v, ok := root.get(key)
	if !ok {
		return v, 0
	}
	n, _ := v.arrayLen()
	return v, n
}

// checkArray records an error when the value under key is not an array.
func checkArray[V value[V]](p *dccParser, root V, key string) {
	if v, ok := root.get(key); ok {
		if _, ok := v.arrayLen(); !ok {
			p.fail(at{}, key, "must be array (got "+v.jsonType()+")")
		}
	}
}

func entry[V value[V]](p *dccParser, v V, a at) V {
	if !v.isObject() {
		p.fail(a, "", "must be object (got "+v.jsonType()+")")
	}
	return v
}

// toInt converts a decoded integral number to int.
func toInt(v any) (int, bool) {
	if s, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(s), 10, 64); err == nil {
			return intFrom64(i)
		}
	}
	n, ok := toNumber(v)
	if !ok {
		return 0, false
	}
	return n.toInt()
}

// toInt converts an integral number to int.
func (n number) toInt() (int, bool) {
	if !n.isInteger() {
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
