package credential

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// Base payloads valid under every schema version: full dob, fnt present,
// test centre present, strings within 50 characters.

func baseName() map[string]any {
	return map[string]any{"fn": "Müller", "fnt": "MUELLER", "gn": "Anna Maria", "gnt": "ANNA<MARIA"}
}

func baseVac() map[string]any {
	return map[string]any{
		"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
		"dn": 1.0, "sd": 2.0, "dt": "2021-06-11", "co": "AT",
		"is": "Ministry of Health, Austria", "ci": "URN:UVCI:01:AT:B5M5TEST0001#X",
	}
}

func baseTest() map[string]any {
	return map[string]any{
		"tg": "840539006", "tt": "LP217198-3", "ma": "1232", "sc": "2021-06-11T17:30:00+02:00",
		"tr": "260415000", "tc": "Teststrasse Wien", "co": "AT",
		"is": "Ministry of Health, Austria", "ci": "URN:UVCI:01:AT:B5M5TEST0002#Y",
	}
}

func baseRec() map[string]any {
	return map[string]any{
		"tg": "840539006", "fr": "2021-06-01", "co": "AT", "is": "Ministry of Health, Austria",
		"df": "2021-06-12", "du": "2021-11-28", "ci": "URN:UVCI:01:AT:B5M5TEST0003#Z",
	}
}

// baseTree returns a fresh payload carrying one entry of the group g.
func baseTree(g string) map[string]any {
	m := map[string]any{"ver": "1.3.3", "nam": baseName(), "dob": "1964-01-01"}
	switch g {
	case "v":
		m["v"] = []any{baseVac()}
	case "t":
		m["t"] = []any{baseTest()}
	case "r":
		m["r"] = []any{baseRec()}
	}
	return m
}

func firstEntry(m map[string]any, g string) map[string]any {
	return m[g].([]any)[0].(map[string]any)
}

func TestBaseTreesValidEverywhere(t *testing.T) {
	for _, g := range []string{"v", "t", "r"} {
		for _, ver := range allVersions {
			if err := ValidateDCCVersion(baseTree(g), ver); err != nil {
				t.Errorf("%s under %s: %v", g, ver, err)
			}
		}
		if err := ValidateDCC(baseTree(g)); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}
}

// Version ranges for the cases.
var (
	versV10   = []string{"1.0.0", "1.0.1"}
	versV11   = []string{"1.1.0"}
	versV12   = []string{"1.2.0", "1.2.1"}
	versPre13 = []string{"1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1"}
	versV130  = []string{"1.3.0", "1.3.1"}
	versV132  = []string{"1.3.2", "1.3.3"}
	versV13   = []string{"1.3.0", "1.3.1", "1.3.2", "1.3.3"}
)

func concat(vs ...[]string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v...)
	}
	return out
}

type ruleCase struct {
	name     string
	group    string // base tree
	versions []string
	mutate   func(m map[string]any)
	path     string // "" with rule "" means valid
	rule     string
}

func (c ruleCase) valid() bool { return c.path == "" && c.rule == "" }

func setField(g, k string, v any) func(map[string]any) {
	return func(m map[string]any) { firstEntry(m, g)[k] = v }
}

func delField(g, k string) func(map[string]any) {
	return func(m map[string]any) { delete(firstEntry(m, g), k) }
}

func setName(k string, v any) func(map[string]any) {
	return func(m map[string]any) { m["nam"].(map[string]any)[k] = v }
}

func delName(ks ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, k := range ks {
			delete(m["nam"].(map[string]any), k)
		}
	}
}

func setRoot(k string, v any) func(map[string]any) {
	return func(m map[string]any) { m[k] = v }
}

func delRoot(k string) func(map[string]any) {
	return func(m map[string]any) { delete(m, k) }
}

func allOf(fs ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, f := range fs {
			f(m)
		}
	}
}

func ruleCases() []ruleCase {
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	cs := []ruleCase{
		// Root.
		{"missing nam", "v", allVersions, delRoot("nam"), "/nam", "required"},
		{"missing dob", "v", allVersions, delRoot("dob"), "/dob", "required"},
		{"ver not string", "v", allVersions, setRoot("ver", 1.3), "/ver", "type"},
		{"ver two parts", "v", allVersions, setRoot("ver", "1.3"), "/ver", "pattern"},
		{"ver prefix", "v", allVersions, setRoot("ver", "v1.3.0"), "/ver", "pattern"},
		{"ver trailing newline", "v", allVersions, setRoot("ver", "1.3.0\n"), "/ver", "pattern"},
		{"ver newline separator", "v", allVersions, setRoot("ver", "1\n3.0"), "/ver", "pattern"},
		{"ver any separators", "v", allVersions, setRoot("ver", "1é3-0"), "", ""},
		{"v and t", "v", versV13, setRoot("t", []any{baseTest()}), "", "oneOf"},
		{"v and t before 1.3.0 (HCERT rule)", "v", versPre13, setRoot("t", []any{baseTest()}), "", "oneOf"},
		{"v, t and r", "v", versV13, allOf(setRoot("t", []any{baseTest()}), setRoot("r", []any{baseRec()})), "", "oneOf"},
		{"null t counts as present", "v", versV13, setRoot("t", nil), "", "oneOf"},
		{"null t before 1.3.0 (HCERT rule)", "v", versPre13, setRoot("t", nil), "", "oneOf"},
		{"no event", "", versV13, nil, "", "oneOf"},
		{"no event before 1.3.0 (HCERT rule)", "", versPre13, nil, "", "oneOf"},
		{"empty v", "v", allVersions, setRoot("v", []any{}), "/v", "minItems"},
		{"empty t", "t", allVersions, setRoot("t", []any{}), "/t", "minItems"},
		{"empty r", "r", allVersions, setRoot("r", []any{}), "/r", "minItems"},
		{"two v", "v", versV13, setRoot("v", []any{baseVac(), baseVac()}), "/v", "maxItems"},
		{"two t", "t", versV13, setRoot("t", []any{baseTest(), baseTest()}), "/t", "maxItems"},
		{"two r", "r", versV13, setRoot("r", []any{baseRec(), baseRec()}), "/r", "maxItems"},
		{"two v before 1.3.0 (HCERT rule)", "v", versPre13, setRoot("v", []any{baseVac(), baseVac()}), "/v", "maxItems"},
		{"second v refused before 1.3.0 (HCERT rule)", "v", versPre13, setRoot("v", []any{baseVac(), map[string]any{}}), "/v", "maxItems"},
		{"v not array", "v", allVersions, setRoot("v", map[string]any{}), "/v", "type"},
		{"v item not object", "v", allVersions, setRoot("v", []any{"x"}), "/v/0", "type"},
		{"extra properties allowed", "v", allVersions, allOf(setRoot("x", 1.0), setName("x", 1.0), setField("v", "x", 1.0)), "", ""},

		// Name.
		{"nam not object", "v", allVersions, setRoot("nam", "MUELLER"), "/nam", "type"},
		{"only gnt", "v", concat(versPre13, versV130), delName("fnt"), "/nam/fnt", "required"},
		{"only gnt since 1.3.2", "v", versV132, delName("fnt"), "", ""},
		{"only fnt", "v", allVersions, delName("gnt", "gn"), "", ""},
		{"no fnt nor gnt", "v", versV132, delName("fnt", "gnt"), "/nam", "required"},
		{"fnt lowercase", "v", allVersions, setName("fnt", "Mueller"), "/nam/fnt", "pattern"},
		{"gnt with space", "v", allVersions, setName("gnt", "ANNA MARIA"), "/nam/gnt", "pattern"},
		{"fnt empty", "v", allVersions, setName("fnt", ""), "", ""},
		{"fnt not string", "v", allVersions, setName("fnt", 1.0), "/nam/fnt", "type"},
		{"fn 81", "v", versV13, setName("fn", long(81, "x")), "/nam/fn", "maxLength"},
		{"fn 80", "v", versV13, setName("fn", long(80, "x")), "", ""},
		{"fn 80 code points", "v", versV13, setName("fn", long(80, "é")), "", ""},
		{"fn 81 code points", "v", versV13, setName("fn", long(81, "é")), "/nam/fn", "maxLength"},
		{"fn 51 before 1.3.0", "v", versPre13, setName("fn", long(51, "x")), "/nam/fn", "maxLength"},
		{"fn 50 before 1.3.0", "v", versPre13, setName("fn", long(50, "x")), "", ""},
		{"fnt 81", "v", versV13, setName("fnt", long(81, "X")), "/nam/fnt", "maxLength"},
		{"gn 81", "v", versV13, setName("gn", long(81, "x")), "/nam/gn", "maxLength"},
		{"gnt 81", "v", versV13, setName("gnt", long(81, "X")), "/nam/gnt", "maxLength"},
		{"gnt 51 before 1.3.0", "v", versPre13, setName("gnt", long(51, "X")), "/nam/gnt", "maxLength"},
		{"fn not string", "v", allVersions, setName("fn", []any{}), "/nam/fn", "type"},

		// Date of birth.
		{"dob not string", "v", allVersions, setRoot("dob", 1964.0), "/dob", "type"},
		{"dob empty", "v", versV13, setRoot("dob", ""), "", ""},
		{"dob empty before 1.3.0", "v", versPre13, setRoot("dob", ""), "/dob", "pattern"},
		{"dob year", "v", concat(versV11, versV12, versV13), setRoot("dob", "1964"), "", ""},
		{"dob year-month", "v", concat(versV11, versV12, versV13), setRoot("dob", "1964-01"), "", ""},
		{"dob year in 1.0.x", "v", versV10, setRoot("dob", "1964"), "/dob", "pattern"},
		{"dob 1809", "v", allVersions, setRoot("dob", "1809-02-28"), "/dob", "pattern"},
		{"dob 2100", "v", allVersions, setRoot("dob", "2100-01-01"), "/dob", "pattern"},
		{"dob short month", "v", allVersions, setRoot("dob", "1964-1-01"), "/dob", "pattern"},
		{"dob impossible day", "v", concat(versV11, versV12, versV13), setRoot("dob", "1964-02-30"), "", ""},
		{"dob impossible day in 1.0.x", "v", versV10, setRoot("dob", "1964-02-30"), "/dob", "format"},
		{"dob 1900-02-29 in 1.0.x", "v", versV10, setRoot("dob", "1900-02-29"), "/dob", "format"},
		{"dob 2000-02-29 in 1.0.x", "v", versV10, setRoot("dob", "2000-02-29"), "", ""},
		{"dob unanchored in 1.0.x", "v", versV10, setRoot("dob", "x1964-01-01"), "/dob", "format"},
		{"dob time in 1.0.x", "v", versV10, setRoot("dob", "1964-01-01T00:00:00Z"), "/dob", "format"},
		{"dob month 13 since 1.1.0", "v", concat(versV11, versV12, versV13), setRoot("dob", "1964-13"), "", ""},

		// Vaccination entry.
		{"dn 0", "v", allVersions, setField("v", "dn", 0.0), "/v/0/dn", "minimum"},
		{"dn -1", "v", allVersions, setField("v", "dn", -1.0), "/v/0/dn", "minimum"},
		{"sd 0", "v", allVersions, setField("v", "sd", 0.0), "/v/0/sd", "minimum"},
		{"dn string", "v", allVersions, setField("v", "dn", "1"), "/v/0/dn", "type"},
		{"dn bool", "v", allVersions, setField("v", "dn", true), "/v/0/dn", "type"},
		{"dn null", "v", allVersions, setField("v", "dn", nil), "/v/0/dn", "type"},
		{"dn 1.5", "v", allVersions, setField("v", "dn", 1.5), "/v/0/dn", "type"},
		{"dn 1.0 is an integer", "v", allVersions, setField("v", "dn", 1.0), "", ""},
		{"dn 10", "v", versV13, setField("v", "dn", 10.0), "", ""},
		{"dn 10 before 1.3.0", "v", versPre13, setField("v", "dn", 10.0), "/v/0/dn", "maximum"},
		{"sd 9 before 1.3.0", "v", versPre13, setField("v", "sd", 9.0), "", ""},
		{"sd 10 before 1.3.0", "v", versPre13, setField("v", "sd", 10.0), "/v/0/sd", "maximum"},
		{"dn json.Number 0", "v", allVersions, setField("v", "dn", json.Number("0")), "/v/0/dn", "minimum"},
		{"dn json.Number 2.0", "v", allVersions, setField("v", "dn", json.Number("2.0")), "", ""},
		{"dn json.Number 1e0", "v", allVersions, setField("v", "dn", json.Number("1e0")), "", ""},
		{"dn json.Number 1.5", "v", allVersions, setField("v", "dn", json.Number("1.5")), "/v/0/dn", "type"},
		{"dn json.Number 1e400", "v", allVersions, setField("v", "dn", json.Number("1e400")), "/v/0/dn", "type"},
		{"dn json.Number junk", "v", allVersions, setField("v", "dn", json.Number("one")), "/v/0/dn", "type"},
		{"dn int64 0", "v", allVersions, setField("v", "dn", int64(0)), "/v/0/dn", "minimum"},
		{"dn uint64 huge", "v", versV13, setField("v", "dn", uint64(1<<63)), "", ""},
		{"dn uint64 huge before 1.3.0", "v", versPre13, setField("v", "dn", uint64(1<<63)), "/v/0/dn", "maximum"},
		{"dn big.Int", "v", allVersions, setField("v", "dn", *big.NewInt(3)), "", ""},
		{"dn big.Int huge negative", "v", allVersions, setField("v", "dn", new(big.Int).Lsh(big.NewInt(-1), 70)), "/v/0/dn", "minimum"},
		{"dt bad date", "v", allVersions, setField("v", "dt", "2021-02-29"), "/v/0/dt", "format"},
		{"dt date-time", "v", allVersions, setField("v", "dt", "2021-06-11T10:00:00Z"), "/v/0/dt", "format"},
		{"dt leap day", "v", allVersions, setField("v", "dt", "2024-02-29"), "", ""},
		{"co lowercase", "v", allVersions, setField("v", "co", "at"), "/v/0/co", "pattern"},
		{"co empty", "v", allVersions, setField("v", "co", ""), "/v/0/co", "pattern"},
		{"co unanchored", "v", allVersions, setField("v", "co", "xAx, 12 letters"), "", ""},
		{"co UNHCR", "v", allVersions, setField("v", "co", "UNHCR"), "", ""},
		{"co number", "v", allVersions, setField("v", "co", 40.0), "/v/0/co", "type"},
		{"is 81", "v", versV13, setField("v", "is", long(81, "i")), "/v/0/is", "maxLength"},
		{"is 51 before 1.3.0", "v", versPre13, setField("v", "is", long(51, "i")), "/v/0/is", "maxLength"},
		{"ci 81", "v", versV13, setField("v", "ci", long(81, "C")), "/v/0/ci", "maxLength"},
		{"ci 80", "v", versV13, setField("v", "ci", long(80, "C")), "", ""},
		{"ci 51 before 1.3.0", "v", versPre13, setField("v", "ci", long(51, "C")), "/v/0/ci", "maxLength"},
		{"tg number", "v", allVersions, setField("v", "tg", 840539006.0), "/v/0/tg", "type"},
		{"vp number", "v", allVersions, setField("v", "vp", 1.0), "/v/0/vp", "type"},
		{"mp null", "v", allVersions, setField("v", "mp", nil), "/v/0/mp", "type"},
		{"ma bool", "v", allVersions, setField("v", "ma", false), "/v/0/ma", "type"},
		{"mp long is fine", "v", allVersions, setField("v", "mp", long(200, "m")), "", ""},

		// Test entry.
		{"tc missing", "t", versV13, delField("t", "tc"), "", ""},
		{"tc missing before 1.3.0", "t", versPre13, delField("t", "tc"), "/t/0/tc", "required"},
		{"tc 81", "t", versV13, setField("t", "tc", long(81, "c")), "/t/0/tc", "maxLength"},
		{"tc 51 before 1.3.0", "t", versPre13, setField("t", "tc", long(51, "c")), "/t/0/tc", "maxLength"},
		{"nm 81", "t", versV13, setField("t", "nm", long(81, "n")), "/t/0/nm", "maxLength"},
		{"nm 81 before 1.3.0", "t", versPre13, setField("t", "nm", long(81, "n")), "", ""},
		{"nm number", "t", allVersions, setField("t", "nm", 1.0), "/t/0/nm", "type"},
		{"ma number", "t", allVersions, setField("t", "ma", 1232.0), "/t/0/ma", "type"},
		{"tt number", "t", allVersions, setField("t", "tt", 1.0), "/t/0/tt", "type"},
		{"tr number", "t", allVersions, setField("t", "tr", 1.0), "/t/0/tr", "type"},
		{"sc Z", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00Z"), "", ""},
		{"sc +hh", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00+02"), "", ""},
		{"sc +hhmm", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00+0200"), "", ""},
		{"sc fraction", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00.123-05:30"), "", ""},
		{"sc no zone", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00"), "/t/0/sc", "format"},
		{"sc date only", "t", allVersions, setField("t", "sc", "2021-06-11"), "/t/0/sc", "format"},
		{"sc hour 24", "t", allVersions, setField("t", "sc", "2021-06-11T24:00:00Z"), "/t/0/sc", "format"},
		{"sc offset 24", "t", allVersions, setField("t", "sc", "2021-06-11T17:30:00+24:00"), "/t/0/sc", "format"},
		{"sc bad day", "t", allVersions, setField("t", "sc", "2021-06-31T17:30:00Z"), "/t/0/sc", "format"},
		{"sc number", "t", allVersions, setField("t", "sc", 1623425400.0), "/t/0/sc", "type"},
		{"dr bad until 1.1.0", "t", concat(versV10, versV11), setField("t", "dr", "yesterday"), "/t/0/dr", "format"},
		{"dr good until 1.1.0", "t", concat(versV10, versV11), setField("t", "dr", "2021-06-12T08:00:00Z"), "", ""},
		{"dr unchecked since 1.2.0", "t", concat(versV12, versV13), setField("t", "dr", "yesterday"), "", ""},
		{"t co lowercase", "t", allVersions, setField("t", "co", "nl"), "/t/0/co", "pattern"},
		{"t is 81", "t", versV13, setField("t", "is", long(81, "i")), "/t/0/is", "maxLength"},
		{"t ci 81", "t", versV13, setField("t", "ci", long(81, "C")), "/t/0/ci", "maxLength"},

		// Recovery entry.
		{"fr bad", "r", allVersions, setField("r", "fr", "2021-6-1"), "/r/0/fr", "format"},
		{"df bad", "r", allVersions, setField("r", "df", "2021-13-01"), "/r/0/df", "format"},
		{"du bad", "r", allVersions, setField("r", "du", "2021-11-00"), "/r/0/du", "format"},
		{"du number", "r", allVersions, setField("r", "du", 20211128.0), "/r/0/du", "type"},
		{"r co lowercase", "r", allVersions, setField("r", "co", "de"), "/r/0/co", "pattern"},
		{"r is 81", "r", versV13, setField("r", "is", long(81, "i")), "/r/0/is", "maxLength"},
		{"r ci 51 before 1.3.0", "r", versPre13, setField("r", "ci", long(51, "C")), "/r/0/ci", "maxLength"},
	}
	// Every required property of every entry.
	for _, k := range []string{"tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"} {
		cs = append(cs, ruleCase{"v missing " + k, "v", allVersions, delField("v", k), "/v/0/" + k, "required"})
	}
	for _, k := range []string{"tg", "tt", "sc", "tr", "co", "is", "ci"} {
		cs = append(cs, ruleCase{"t missing " + k, "t", allVersions, delField("t", k), "/t/0/" + k, "required"})
	}
	for _, k := range []string{"nm", "ma"} {
		cs = append(cs, ruleCase{"t missing optional " + k, "t", allVersions, delField("t", k), "", ""})
	}
	for _, k := range []string{"tg", "fr", "co", "is", "df", "du", "ci"} {
		cs = append(cs, ruleCase{"r missing " + k, "r", allVersions, delField("r", k), "/r/0/" + k, "required"})
	}
	for _, k := range []string{"fn", "gn", "gnt"} {
		cs = append(cs, ruleCase{"nam missing optional " + k, "v", allVersions, delName(k), "", ""})
	}
	return cs
}

func TestValidateRules(t *testing.T) {
	for _, c := range ruleCases() {
		for _, ver := range c.versions {
			tree := baseTree(c.group)
			if c.mutate != nil {
				c.mutate(tree)
			}
			err := ValidateDCCVersion(tree, ver)
			if c.valid() {
				if err != nil {
					t.Errorf("%s under %s: unexpected error %v", c.name, ver, err)
				}
				continue
			}
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Errorf("%s under %s: got %v, want %s at %q", c.name, ver, err, c.rule, c.path)
				continue
			}
			if se.Path != c.path || se.Rule != c.rule || se.Version != ver {
				t.Errorf("%s under %s: got %s at %q (version %s): %v; want %s at %q", c.name, ver, se.Rule, se.Path, se.Version, se, c.rule, c.path)
			}
			if se.Detail == "" || !strings.HasPrefix(se.Error(), "schema "+ver+": ") {
				t.Errorf("%s under %s: poor message %q", c.name, ver, se.Error())
			}
		}
	}
}

func TestValidateNotObject(t *testing.T) {
	for _, tree := range []any{nil, "x", 1.0, []any{}, map[int]any{}} {
		var se *SchemaError
		if err := ValidateDCC(tree); !errors.As(err, &se) || se.Rule != "type" || se.Path != "" {
			t.Errorf("ValidateDCC(%#v) = %v", tree, err)
		}
		if err := ValidateDCCVersion(tree, "1.3.0"); !errors.As(err, &se) || se.Rule != "type" || se.Version != "1.3.0" {
			t.Errorf("ValidateDCCVersion(%#v) = %v", tree, err)
		}
	}
}

func TestValidateDCCVersionSelection(t *testing.T) {
	// A payload without dob fails under every version: the error names the
	// rules that were applied.
	cases := []struct {
		ver, rules string
	}{
		{"1.0.0", "1.0.0"},
		{"1.0.1", "1.0.1"},
		{"1.0.2", "1.0.1"},
		{"1.1.0", "1.1.0"},
		{"1.1.7", "1.1.0"},
		{"1.2.0", "1.2.0"},
		{"1.2.1", "1.2.1"},
		{"1.2.5", "1.2.1"},
		{"1.3.0", "1.3.0"},
		{"1.3.1", "1.3.1"},
		{"1.3.2", "1.3.2"},
		{"1.3.3", "1.3.3"},
		{"1.3.4", "1.3.3"},
		{"1.4.0", "1.3.3"},
		{"1.99999999999999999999999.0", "1.3.3"},
		{"01.03.00", "1.3.0"},
		{"1-3-2", "1.3.2"},
	}
	for _, c := range cases {
		tree := baseTree("v")
		tree["ver"] = c.ver
		delete(tree, "dob")
		var se *SchemaError
		err := ValidateDCC(tree)
		if !errors.As(err, &se) || se.Version != c.rules || se.Path != "/dob" || se.Rule != "required" {
			t.Errorf("ver %q: %v, want the %s rules", c.ver, err, c.rules)
		}
		if err := ValidateDCCVersion(tree, c.ver); !errors.As(err, &se) || se.Version != c.rules {
			t.Errorf("ValidateDCCVersion(%q): %v, want the %s rules", c.ver, err, c.rules)
		}
	}
	// Rules differ: a gnt-only name is valid from 1.3.2 on.
	for ver, want := range map[string]bool{"1.3.1": false, "1.3.2": true, "1.3.9": true, "1.5.0": true, "1.2.9": false} {
		tree := baseTree("v")
		tree["ver"] = ver
		delete(tree["nam"].(map[string]any), "fnt")
		if err := ValidateDCC(tree); (err == nil) != want {
			t.Errorf("gnt only, ver %s: %v", ver, err)
		}
	}
}

func TestValidateDCCBadVer(t *testing.T) {
	cases := []struct {
		ver  any
		rule string
	}{
		{nil, "required"},
		{1.3, "type"},
		{"1.3", "pattern"},
		{"", "pattern"},
		{"1.3.0 ", "pattern"},
		{"2.0.0", "version"},
		{"0.9.9", "version"},
		{"12345", "version"}, // matches the pattern, but which digit is a separator?
		{"1.2345", "version"},
	}
	for _, c := range cases {
		tree := baseTree("v")
		if c.ver == nil {
			delete(tree, "ver")
		} else {
			tree["ver"] = c.ver
		}
		var se *SchemaError
		err := ValidateDCC(tree)
		if !errors.As(err, &se) || se.Rule != c.rule || se.Path != "/ver" || se.Version != "" {
			t.Errorf("ver %#v: %v (%#v), want %s at /ver", c.ver, err, se, c.rule)
		}
	}
	for _, v := range []string{"", "1.3", "2.0.0", "12345", "latest"} {
		err := ValidateDCCVersion(baseTree("v"), v)
		var se *SchemaError
		if err == nil || errors.As(err, &se) {
			t.Errorf("ValidateDCCVersion(%q) = %v, want a plain error", v, err)
		}
	}
}

func TestSchemaErrorMessage(t *testing.T) {
	tree := baseTree("v")
	tree["ver"] = "1.3.0"
	firstEntry(tree, "v")["dn"] = 0.0
	err := ValidateDCC(tree)
	if got, want := err.Error(), "schema 1.3.0: /v/0/dn: must be >= 1 (got 0)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&SchemaError{Path: "/ver", Detail: "is required"}).Error(), "schema: /ver: is required"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&SchemaError{Version: "1.0.0", Detail: "must be object (got null)"}).Error(), "schema 1.0.0: (root): must be object (got null)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tree = baseTree("v")
	tree["nam"].(map[string]any)["fnt"] = strings.Repeat("a", 500)
	err = ValidateDCC(tree)
	if msg := err.Error(); len(msg) > 200 || !strings.Contains(msg, "maxLength") && !strings.Contains(msg, "at most 80") {
		t.Errorf("message %q", msg)
	}
	// Long values are shortened in messages.
	tree = baseTree("v")
	firstEntry(tree, "v")["co"] = strings.Repeat("ü", 100)
	if got, want := ValidateDCC(tree).Error(), `schema 1.3.3: /v/0/co: must match [A-Z]{1,10} (got "`+strings.Repeat("ü", 64)+`"…)`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tree = baseTree("v")
	tree["nam"].(map[string]any)["fnt"] = "abc"
	if got, want := ValidateDCC(tree).Error(), `schema 1.3.3: /nam/fnt: must match ^[A-Z<]*$ (got "abc")`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDCCSchemaVersions(t *testing.T) {
	got := DCCSchemaVersions()
	if strings.Join(got, " ") != strings.Join(allVersions, " ") {
		t.Errorf("DCCSchemaVersions() = %v", got)
	}
	if got[len(got)-1] != LatestDCCSchemaVersion {
		t.Errorf("latest %s, want %s", got[len(got)-1], LatestDCCSchemaVersion)
	}
	got[0] = "x"
	if DCCSchemaVersions()[0] != "1.0.0" {
		t.Error("DCCSchemaVersions returns shared storage")
	}
}

// TestValidateDeterministicOrder checks that with several faults the same
// one is always reported first.
func TestValidateDeterministicOrder(t *testing.T) {
	tree := baseTree("v")
	e := firstEntry(tree, "v")
	delete(e, "ci")
	e["dn"] = 0.0
	e["co"] = "at"
	tree["nam"].(map[string]any)["gnt"] = "x"
	for i := 0; i < 20; i++ {
		var se *SchemaError
		if err := ValidateDCC(tree); !errors.As(err, &se) || se.Path != "/nam/gnt" {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	delete(tree["nam"].(map[string]any), "gnt")
	for i := 0; i < 20; i++ {
		var se *SchemaError
		if err := ValidateDCC(tree); !errors.As(err, &se) || se.Path != "/v/0/ci" || se.Rule != "required" {
			t.Fatalf("run %d: %v", i, err)
		}
	}
}

func TestValidateAllocations(t *testing.T) {
	b := []byte(`{"ver":"1.3.3","nam":{"fn":"Müller","fnt":"MUELLER","gn":"Anna","gnt":"ANNA"},"dob":"1964-01-01",
		"t":[{"tg":"840539006","tt":"LP217198-3","ma":"1232","sc":"2021-06-11T17:30:00+02:00","tr":"260415000",
		"tc":"Teststrasse","co":"AT","is":"Ministry of Health","ci":"URN:UVCI:01:AT:X"}]}`)
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	trees := map[string]any{"json": plain, "v": baseTree("v"), "r": baseTree("r"), "cbor": toCBORShape(baseTree("v"))}
	for name, tree := range trees {
		if err := ValidateDCC(tree); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = ValidateDCC(tree) }); n != 0 {
			t.Errorf("%s: ValidateDCC allocates %v times per run", name, n)
		}
	}
}

func BenchmarkValidateDCC(b *testing.B) {
	tree := baseTree("v")
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateDCC(tree); err != nil {
			b.Fatal(err)
		}
	}
}
