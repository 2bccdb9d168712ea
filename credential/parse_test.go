package credential

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// toCBORShape converts a JSON-shaped tree into the shape fxamacker/cbor
// decodes into: map[any]any objects and uint64 / int64 integers.
func toCBORShape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[any]any, len(x))
		for k, e := range x {
			m[k] = toCBORShape(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = toCBORShape(e)
		}
		return a
	case float64:
		if x == math.Trunc(x) && x >= 0 {
			return uint64(x)
		}
		if x == math.Trunc(x) {
			return int64(x)
		}
	}
	return v
}

// cborRoundTrip encodes a JSON-shaped tree as CBOR and decodes it into an
// any, as the HCERT decoder does.
func cborRoundTrip(t *testing.T, tree any) any {
	t.Helper()
	b, err := cbor.Marshal(toCBORShape(tree))
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := cbor.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidateCBORShapes(t *testing.T) {
	for _, g := range []string{"v", "t", "r"} {
		decoded := cborRoundTrip(t, baseTree(g))
		if _, ok := decoded.(map[any]any); !ok {
			t.Fatalf("fxamacker/cbor gave %T, the test expects map[any]any", decoded)
		}
		if err := ValidateDCC(decoded); err != nil {
			t.Errorf("%s: %v", g, err)
		}
		if err := ValidateDCC(toCBORShape(baseTree(g))); err != nil {
			t.Errorf("%s hand-built: %v", g, err)
		}
	}

	// Faults are found in CBOR trees too, at the same paths.
	cases := []struct {
		name   string
		mutate func(map[string]any)
		path   string
		rule   string
	}{
		{"dn 0", setField("v", "dn", 0.0), "/v/0/dn", "minimum"},
		{"dn -3", setField("v", "dn", -3.0), "/v/0/dn", "minimum"},
		{"dn string", setField("v", "dn", "1"), "/v/0/dn", "type"},
		{"dn float", setField("v", "dn", 1.5), "/v/0/dn", "type"},
		{"two v", setRoot("v", []any{baseVac(), baseVac()}), "/v", "maxItems"},
		{"fnt lowercase", setName("fnt", "x"), "/nam/fnt", "pattern"},
		{"missing dob", delRoot("dob"), "/dob", "required"},
		{"bad dt", setField("v", "dt", "2021-02-30"), "/v/0/dt", "format"},
	}
	for _, c := range cases {
		tree := baseTree("v")
		c.mutate(tree)
		for shape, tr := range map[string]any{"decoded": cborRoundTrip(t, tree), "hand-built": toCBORShape(tree)} {
			var se *SchemaError
			if err := ValidateDCC(tr); !errors.As(err, &se) || se.Path != c.path || se.Rule != c.rule {
				t.Errorf("%s (%s): %v, want %s at %s", c.name, shape, err, c.rule, c.path)
			}
		}
	}

	// A byte string is not a string; a non-string key is ignored.
	tree := toCBORShape(baseTree("v")).(map[any]any)
	tree[uint64(1)] = "ignored"
	if err := ValidateDCC(tree); err != nil {
		t.Errorf("non-string key: %v", err)
	}
	tree["dob"] = []byte("1964-01-01")
	var se *SchemaError
	if err := ValidateDCC(tree); !errors.As(err, &se) || se.Path != "/dob" || se.Rule != "type" || !strings.Contains(se.Detail, "byte string") {
		t.Errorf("byte-string dob: %v", err)
	}
	// CBOR bignums (tag 2 / 3) decode as big.Int.
	tree = toCBORShape(baseTree("v")).(map[any]any)
	v0 := tree["v"].([]any)[0].(map[any]any)
	v0["sd"] = *new(big.Int).Lsh(big.NewInt(1), 80)
	if err := ValidateDCC(tree); err != nil {
		t.Errorf("bignum sd: %v", err)
	}
	if err := ValidateDCCVersion(tree, "1.2.1"); !errors.As(err, &se) || se.Rule != "maximum" {
		t.Errorf("bignum sd under 1.2.1: %v", err)
	}
}

func wantDCC() *DCC {
	return &DCC{
		Version:     "1.3.3",
		Name:        Name{FamilyName: "Müller", FamilyNameStd: "MUELLER", GivenName: "Anna Maria", GivenNameStd: "ANNA<MARIA"},
		DateOfBirth: "1964-01-01",
	}
}

func TestParseDCC(t *testing.T) {
	vac := wantDCC()
	vac.Vaccinations = []Vaccination{{
		Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
		DoseNumber: 1, TotalDoses: 2, Date: "2021-06-11", Country: "AT",
		Issuer: "Ministry of Health, Austria", ID: "URN:UVCI:01:AT:B5M5TEST0001#X",
	}}
	tst := wantDCC()
	tst.Tests = []Test{{
		Target: "840539006", TestType: "LP217198-3", Manufacturer: "1232", SampledAt: "2021-06-11T17:30:00+02:00",
		Result: "260415000", Centre: "Teststrasse Wien", Country: "AT",
		Issuer: "Ministry of Health, Austria", ID: "URN:UVCI:01:AT:B5M5TEST0002#Y",
	}}
	rec := wantDCC()
	rec.Recoveries = []Recovery{{
		Target: "840539006", FirstPositive: "2021-06-01", Country: "AT", Issuer: "Ministry of Health, Austria",
		ValidFrom: "2021-06-12", ValidUntil: "2021-11-28", ID: "URN:UVCI:01:AT:B5M5TEST0003#Z",
	}}
	want := map[string]*DCC{"v": vac, "t": tst, "r": rec}
	for g, w := range want {
		base := baseTree(g)
		b, _ := json.Marshal(base)
		var number any
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&number); err != nil {
			t.Fatal(err)
		}
		shapes := map[string]any{
			"float64":      base,
			"json.Number":  number,
			"cbor":         cborRoundTrip(t, base),
			"cbor by hand": toCBORShape(base),
		}
		for shape, tree := range shapes {
			got, err := ParseDCC(tree)
			if err != nil {
				t.Errorf("%s %s: %v", g, shape, err)
				continue
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s %s:\n got %+v\nwant %+v", g, shape, got, w)
			}
			if got.Type() != Type(g) {
				t.Errorf("%s %s: Type() = %q", g, shape, got.Type())
			}
		}
	}

	// dr (schemas 1.0.x and 1.1.0) lands in ResultAt; unknown keys are
	// ignored; absent optional fields stay empty.
	tree := baseTree("t")
	firstEntry(tree, "t")["dr"] = "2021-06-12T08:00:00Z"
	firstEntry(tree, "t")["zz"] = 1.0
	delete(firstEntry(tree, "t"), "ma")
	d, err := ParseDCC(tree)
	if err != nil {
		t.Fatal(err)
	}
	if d.Tests[0].ResultAt != "2021-06-12T08:00:00Z" || d.Tests[0].Manufacturer != "" {
		t.Errorf("got %+v", d.Tests[0])
	}

	// The schemas before 1.3.0 allowed several events, but the HCERT
	// specification never did: validation refuses them, while ParseDCC
	// (which does not validate) still maps them.
	tree = baseTree("v")
	tree["ver"] = "1.2.1"
	tree["v"] = []any{baseVac(), baseVac()}
	firstEntry(tree, "v")["dn"] = 2.0
	tree["r"] = []any{baseRec()}
	if err := ValidateDCC(tree); err == nil {
		t.Fatal("two events validated under 1.2.1")
	}
	d, err = ParseDCC(tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Vaccinations) != 2 || d.Vaccinations[0].DoseNumber != 2 || len(d.Recoveries) != 1 || d.Type() != "" {
		t.Errorf("got %+v, Type %q", d, d.Type())
	}
}

func TestParseDCCErrors(t *testing.T) {
	cases := []struct {
		name   string
		tree   any
		mutate func(map[string]any)
		path   string
	}{
		{"not object", []any{}, nil, "(root)"},
		{"ver number", nil, setRoot("ver", 1.0), "/ver"},
		{"nam string", nil, setRoot("nam", "x"), "/nam"},
		{"fnt number", nil, setName("fnt", 1.0), "/nam/fnt"},
		{"dob null", nil, setRoot("dob", nil), "/dob"},
		{"v object", nil, setRoot("v", map[string]any{}), "/v"},
		{"v item string", nil, setRoot("v", []any{"x"}), "/v/0"},
		{"dn string", nil, setField("v", "dn", "1"), "/v/0/dn"},
		{"dn fraction", nil, setField("v", "dn", 1.5), "/v/0/dn"},
		{"dn too big", nil, setField("v", "dn", 1e30), "/v/0/dn"},
		{"dn uint64 too big", nil, setField("v", "dn", uint64(math.MaxUint64)), "/v/0/dn"},
		{"dn json too big", nil, setField("v", "dn", json.Number("1e30")), "/v/0/dn"},
		{"sd big.Int too big", nil, setField("v", "sd", new(big.Int).Lsh(big.NewInt(1), 70)), "/v/0/sd"},
		{"ci number", nil, setField("v", "ci", 1.0), "/v/0/ci"},
	}
	for _, c := range cases {
		tree := c.tree
		if tree == nil {
			m := baseTree("v")
			c.mutate(m)
			tree = m
		}
		d, err := ParseDCC(tree)
		if err == nil || d != nil || !strings.Contains(err.Error(), c.path+":") {
			t.Errorf("%s: (%v, %v), want an error at %s", c.name, d, err, c.path)
		}
	}
	// Integral numbers in other shapes convert.
	for _, n := range []any{3.0, json.Number("3"), json.Number("3.0"), json.Number("3e0"), int64(3), uint64(3), 3, *big.NewInt(3), big.NewInt(3)} {
		m := baseTree("v")
		firstEntry(m, "v")["dn"] = n
		d, err := ParseDCC(m)
		if err != nil || d.Vaccinations[0].DoseNumber != 3 {
			t.Errorf("dn %#v: %v", n, err)
		}
	}
}

func TestDecodeDCCJSON(t *testing.T) {
	good, _ := json.Marshal(baseTree("v"))
	d, tree, err := DecodeDCCJSON(good)
	if err != nil || d == nil || tree == nil {
		t.Fatalf("(%v, %v, %v)", d, tree, err)
	}
	if n, ok := firstEntry(tree.(map[string]any), "v")["dn"].(json.Number); !ok || n != "1" {
		t.Errorf("tree dn = %#v, want json.Number", firstEntry(tree.(map[string]any), "v")["dn"])
	}
	if d.Vaccinations[0].DoseNumber != 1 || d.Name.FamilyNameStd != "MUELLER" {
		t.Errorf("got %+v", d)
	}

	bad := baseTree("v")
	firstEntry(bad, "v")["dn"] = 0.0
	b, _ := json.Marshal(bad)
	d, tree, err = DecodeDCCJSON(b)
	var se *SchemaError
	if !errors.As(err, &se) || se.Path != "/v/0/dn" || d != nil || tree == nil {
		t.Errorf("schema-invalid: (%v, %v, %v)", d, tree, err)
	}

	for _, in := range []string{"", "{", `{"ver":"1.3.3"} {}`, `{"ver":"1.3.3"} x`, "[1,2"} {
		d, tree, err := DecodeDCCJSON([]byte(in))
		if err == nil || d != nil || tree != nil || errors.As(err, &se) {
			t.Errorf("%q: (%v, %v, %v), want a JSON error", in, d, tree, err)
		}
	}
	// Trailing white space is fine.
	if _, _, err := DecodeDCCJSON(append(good, " \n"...)); err != nil {
		t.Errorf("trailing space: %v", err)
	}
}
