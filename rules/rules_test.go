package rules

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/b5m5/travelcred/certlogic"
	"github.com/b5m5/travelcred/credential"
)

// sharedRules returns a directory of ../shared/testvectors/certlogic/rules,
// or skips the test.
func sharedRules(t testing.TB, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "testvectors", "certlogic", "rules"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("rule test data not found at %s (clone the project with ../shared beside it): %v", dir, err)
	}
	return dir
}

// ruleJSON builds a rule document; edit changes fields (nil deletes one).
func ruleJSON(t testing.TB, edit map[string]any) []byte {
	t.Helper()
	r := map[string]any{
		"Identifier":      "VR-XX-0001",
		"Type":            "Acceptance",
		"Country":         "XX",
		"Version":         "1.0.0",
		"SchemaVersion":   "1.0.0",
		"Engine":          "CERTLOGIC",
		"EngineVersion":   "0.7.5",
		"CertificateType": "Vaccination",
		"Description":     []any{map[string]any{"lang": "en", "desc": "The vaccination schedule must be complete."}},
		"ValidFrom":       "2021-06-01T00:00:00Z",
		"ValidTo":         "2030-06-01T00:00:00Z",
		"AffectedFields":  []any{"v.0.dn", "v.0.sd"},
		"Logic":           map[string]any{"if": []any{map[string]any{"var": "payload.v.0"}, map[string]any{">=": []any{map[string]any{"var": "payload.v.0.dn"}, map[string]any{"var": "payload.v.0.sd"}}}, true}},
	}
	for k, v := range edit {
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRule(t testing.TB, edit map[string]any) *Rule {
	t.Helper()
	r, err := ParseRule(ruleJSON(t, edit))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseRule(t *testing.T) {
	r := mustRule(t, map[string]any{"Region": "BY"})
	if r.Identifier != "VR-XX-0001" || r.Type != Acceptance || r.Country != "XX" || r.Region != "BY" ||
		r.CertificateType != Vaccination || r.Engine != EngineCertLogic || len(r.AffectedFields) != 2 ||
		!r.ValidFrom.Equal(time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)) || r.Describe("de") != "The vaccination schedule must be complete." {
		t.Errorf("parsed %+v", r)
	}
	// Round trip through MarshalJSON.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ParseRule(b)
	if err != nil {
		t.Fatalf("re-parse of %s: %v", b, err)
	}
	b2, _ := json.Marshal(r2)
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
}

func TestParseRuleErrors(t *testing.T) {
	cases := []struct {
		name  string
		edit  map[string]any
		field string
	}{
		{"no identifier", map[string]any{"Identifier": nil}, "Identifier"},
		{"bad identifier", map[string]any{"Identifier": "XR-XX-0001"}, "Identifier"},
		{"identifier not string", map[string]any{"Identifier": 7}, "Identifier"},
		{"bad type", map[string]any{"Type": "Rejection"}, "Type"},
		{"lower-case country", map[string]any{"Country": "de"}, "Country"},
		{"long region", map[string]any{"Region": "BAVARIA"}, "Region"},
		{"bad version", map[string]any{"Version": "one"}, "Version"},
		{"no schema version", map[string]any{"SchemaVersion": nil}, "SchemaVersion"},
		{"no engine", map[string]any{"Engine": nil}, "Engine"},
		{"bad engine version", map[string]any{"EngineVersion": "0.7"}, "EngineVersion"},
		{"bad certificate type", map[string]any{"CertificateType": "Passport"}, "CertificateType"},
		{"five-digit year", map[string]any{"ValidFrom": "22022-01-15T00:00:00Z"}, "ValidFrom"},
		{"no offset", map[string]any{"ValidTo": "2030-06-01T00:00:00"}, "ValidTo"},
		{"empty validity", map[string]any{"ValidTo": "2021-06-01T00:00:00Z"}, "ValidTo"},
		{"no description", map[string]any{"Description": []any{}}, "Description"},
		{"description not object", map[string]any{"Description": []any{"text"}}, "Description"},
		{"affected fields not strings", map[string]any{"AffectedFields": []any{1}}, "AffectedFields"},
		{"no logic", map[string]any{"Logic": nil}, "Logic"},
		{"invalid logic", map[string]any{"Logic": map[string]any{"===": []any{"a", "b", "c"}}}, "Logic"},
		{"logic with unknown operator", map[string]any{"Logic": map[string]any{"some": []any{}}}, "Logic"},
	}
	for _, c := range cases {
		_, err := ParseRule(ruleJSON(t, c.edit))
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) || pe.Field != c.field {
			t.Errorf("%s: got %v, want a ParseError on %s", c.name, err, c.field)
		}
	}
	if _, err := ParseRule(ruleJSON(t, map[string]any{"Logic": map[string]any{"in": []any{1, 2, 3}}})); !errors.Is(err, certlogic.ErrInvalid) {
		t.Errorf("invalid Logic error %v does not wrap certlogic.ErrInvalid", err)
	}
	for _, doc := range []string{``, `[]`, `"rule"`, `{"Identifier": "VR-XX-0001"`, `{} {}`} {
		if _, err := ParseRule([]byte(doc)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseRule(%q) = %v, want ErrMalformed", doc, err)
		}
	}
	// Another engine parses but cannot be evaluated.
	r, err := ParseRule(ruleJSON(t, map[string]any{"Engine": "AT-METADATA", "Logic": map[string]any{"anything": "goes"}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Evaluate(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("evaluating another engine: %v", err)
	}
	for _, edit := range []map[string]any{{"EngineVersion": "2.0.0"}, {"SchemaVersion": "2.0.0"}} {
		if err := mustRule(t, edit).Supported(); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%v: Supported() = %v", edit, err)
		}
	}
}

func TestParseRules(t *testing.T) {
	a, b := ruleJSON(t, nil), ruleJSON(t, map[string]any{"Version": "1.0.1"})
	list, err := ParseRules([]byte("[" + string(a) + "," + string(b) + "]"))
	if err != nil || len(list) != 2 {
		t.Fatalf("ParseRules: %v, %d rules", err, len(list))
	}
	if _, err := ParseRules([]byte(`[` + string(a) + `, 5]`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("array with a number: %v", err)
	}
	if _, err := ParseSet([]byte("[" + string(a) + "," + string(a) + "]")); !errors.Is(err, ErrMalformed) {
		t.Errorf("same identifier and version twice: %v", err)
	}
	set, err := ParseSet(b)
	if err != nil || set.Len() != 1 {
		t.Errorf("ParseSet of one rule: %v", err)
	}
}

func TestLoadFSShared(t *testing.T) {
	dir := sharedRules(t)
	total := 0
	for _, cc := range []string{"AT", "CH", "CZ", "DE", "ES", "EU", "FI", "IE", "NL", "PL"} {
		set, err := LoadFS(os.DirFS(filepath.Join(dir, cc)))
		if err != nil {
			t.Errorf("%s: %v", cc, err)
			continue
		}
		total += set.Len()
		for _, r := range set.Rules() {
			if r.Country != cc {
				t.Errorf("%s: rule %s of country %s", cc, r.Identifier, r.Country)
			}
			if err := r.Supported(); err != nil {
				t.Errorf("%s: %v", r.Identifier, err)
			}
		}
	}
	if total != 134 {
		t.Errorf("%d rules, want 134 (SOURCES.md)", total)
	}
	// The whole tree holds MT's malformed file: loading it fails and says
	// where.
	if _, err := LoadFS(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "MT/RR-MT-0001/TR-MT-0001.json") {
		t.Errorf("whole tree: %v", err)
	}
}

// TestLoadFSMalta uses MT's files, which upstream ignores, for robustness:
// rule files named after the identifier, one invalid JSON file, one rule
// whose "if" has four operands.
func TestLoadFSMalta(t *testing.T) {
	dir := sharedRules(t, "MT")
	_, err := LoadFS(os.DirFS(dir))
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
		t.Fatalf("MT: %v, want a ParseError", err)
	}
	if pe.File != "RR-MT-0001/TR-MT-0001.json" {
		t.Errorf("first bad file %q, want RR-MT-0001/TR-MT-0001.json", pe.File)
	}
	for file, want := range map[string]string{
		"RR-MT-0001/TR-MT-0001.json": "not JSON",
		"VR-MT-0005/VR-MT-0005.json": `operator "if" must have exactly 3 operands, but it has 4`,
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRule(b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
	// The others parse.
	good := 0
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if _, err := ParseRule(b); err == nil {
			good++
		}
	}
	if good != 6 {
		t.Errorf("%d MT files parse, want 6 of 8", good)
	}
}

func TestLoadFSLayout(t *testing.T) {
	rule := ruleJSON(t, nil)
	fsys := fstest.MapFS{
		"XX/VR-XX-0001/rule.json":             {Data: rule},
		"XX/VR-XX-0001/tests/test001.json":    {Data: []byte(`{"name": "not a rule", "payload": {}, "expected": true}`)},
		"XX/VR-XX-0002.json":                  {Data: ruleJSON(t, map[string]any{"Identifier": "VR-XX-0002"})},
		"XX/notes.json":                       {Data: []byte(`{"not": "a rule"}`)},
		"schemas/validation-rule-schema.json": {Data: []byte(`{}`)},
		"valuesets/valueSets.json":            {Data: []byte(`{}`)},
	}
	set, err := LoadFS(fsys)
	if err != nil || set.Len() != 2 {
		t.Fatalf("LoadFS: %v (%d rules)", err, set.Len())
	}
	if _, err := LoadFS(fstest.MapFS{"README.md": {Data: []byte("x")}}); err == nil {
		t.Error("LoadFS of a tree without rules succeeded")
	}
}

func TestSelect(t *testing.T) {
	r := func(id, country, typ, version, from, to string, extra map[string]any) *Rule {
		edit := map[string]any{"Identifier": id, "Country": country, "CertificateType": typ, "Version": version, "ValidFrom": from, "ValidTo": to}
		for k, v := range extra {
			edit[k] = v
		}
		return mustRule(t, edit)
	}
	const (
		y21 = "2021-01-01T00:00:00Z"
		y22 = "2022-01-01T00:00:00Z"
		y23 = "2023-01-01T00:00:00Z"
		y30 = "2030-01-01T00:00:00Z"
	)
	set, err := NewSet(
		r("GR-DE-0001", "DE", "General", "1.0.0", y21, y30, nil),
		r("VR-DE-0001", "DE", "Vaccination", "1.0.0", y21, y30, nil),
		r("VR-DE-0001", "DE", "Vaccination", "1.0.10", y22, y30, nil), // newer, valid from 2022
		r("VR-DE-0001", "DE", "Vaccination", "1.0.9", y22, y30, nil),
		r("VR-DE-0001", "DE", "Vaccination", "2.0.0", y30, "2031-01-01T00:00:00Z", nil), // future
		r("VR-DE-0002", "DE", "Vaccination", "1.0.0", y21, y22, nil),                    // expired in 2022
		r("TR-DE-0001", "DE", "Test", "1.0.0", y21, y30, nil),
		r("RR-DE-0001", "DE", "Recovery", "1.0.0", y21, y30, nil),
		r("VR-DE-0003", "DE", "Vaccination", "1.0.0", y21, y30, map[string]any{"Region": "BY"}),
		r("VR-FR-0001", "FR", "Vaccination", "1.0.0", y21, y30, nil),
		r("IR-AT-0001", "AT", "Vaccination", "1.0.0", y21, y30, map[string]any{"Type": "Invalidation"}),
		r("IR-DE-0001", "DE", "General", "1.0.0", y21, y30, map[string]any{"Type": "Invalidation"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	cases := []struct {
		name string
		q    Query
		want []string // Identifier@Version
	}{
		{"vaccination in DE, 2021", Query{Country: "DE", Type: Vaccination, At: at("2021-06-01T00:00:00Z")},
			[]string{"GR-DE-0001@1.0.0", "VR-DE-0001@1.0.0", "VR-DE-0002@1.0.0"}},
		{"vaccination in DE, 2023: newest valid version, expired rule gone", Query{Country: "de", Type: Vaccination, At: at(y23)},
			[]string{"GR-DE-0001@1.0.0", "VR-DE-0001@1.0.10"}},
		{"ValidFrom is inclusive", Query{Country: "DE", Type: Vaccination, At: at(y22)},
			[]string{"GR-DE-0001@1.0.0", "VR-DE-0001@1.0.10"}},
		{"ValidTo is exclusive", Query{Country: "DE", Type: Vaccination, At: at(y22).Add(-time.Nanosecond)},
			[]string{"GR-DE-0001@1.0.0", "VR-DE-0001@1.0.0", "VR-DE-0002@1.0.0"}},
		{"future major version", Query{Country: "DE", Type: Vaccination, At: at("2030-06-01T00:00:00Z")},
			[]string{"VR-DE-0001@2.0.0"}},
		{"test", Query{Country: "DE", Type: Test, At: at(y23)}, []string{"GR-DE-0001@1.0.0", "TR-DE-0001@1.0.0"}},
		{"recovery", Query{Country: "DE", Type: Recovery, At: at(y23)}, []string{"GR-DE-0001@1.0.0", "RR-DE-0001@1.0.0"}},
		{"unknown type: General only", Query{Country: "DE", Type: General, At: at(y23)}, []string{"GR-DE-0001@1.0.0"}},
		{"region", Query{Country: "DE", Region: "by", Type: Vaccination, At: at(y23)},
			[]string{"GR-DE-0001@1.0.0", "VR-DE-0001@1.0.10", "VR-DE-0003@1.0.0"}},
		{"invalidation by issuer", Query{Country: "FR", IssuerCountry: "AT", Type: Vaccination, At: at(y23)},
			[]string{"IR-AT-0001@1.0.0", "VR-FR-0001@1.0.0"}},
		{"destination's invalidation rules do not apply", Query{Country: "DE", IssuerCountry: "FR", Type: Test, At: at(y23)},
			[]string{"GR-DE-0001@1.0.0", "TR-DE-0001@1.0.0"}},
		{"issuer's acceptance rules do not apply", Query{Country: "FR", IssuerCountry: "DE", Type: Test, At: at(y23)},
			[]string{"IR-DE-0001@1.0.0"}},
		{"country without rules", Query{Country: "IT", Type: Vaccination, At: at(y23)}, nil},
		{"no clock", Query{Country: "DE", Type: Vaccination}, nil},
		{"no country", Query{Type: Vaccination, At: at(y23)}, nil},
		{"before every rule", Query{Country: "DE", Type: Vaccination, At: at("2020-01-01T00:00:00Z")}, nil},
	}
	for _, c := range cases {
		var got []string
		for _, r := range set.Select(c.q) {
			got = append(got, r.Identifier+"@"+r.Version)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	for payload, want := range map[string]CertificateType{
		`{"v": [{}]}`:            Vaccination,
		`{"t": [{}], "v": []}`:   Test,
		`{"r": [{}]}`:            Recovery,
		`{"v": [{}], "t": [{}]}`: General,
		`{}`:                     General,
		`{"v": "x"}`:             General,
		`[1]`:                    General,
	} {
		v, _ := certlogic.DecodeJSON([]byte(payload))
		if got := TypeOf(v); got != want {
			t.Errorf("TypeOf(%s) = %s, want %s", payload, got, want)
		}
	}
}

func TestValueSets(t *testing.T) {
	vs, err := LoadValueSets(os.DirFS(sharedRules(t, "valuesets")))
	if err != nil {
		t.Fatal(err)
	}
	if ids := vs.IDs(); len(ids) != 9 {
		t.Errorf("bundle ids %v, want 9", ids)
	}
	if !vs.Contains("country-2-codes", "AT") || vs.Contains("country-2-codes", "XX") || vs.Contains("no-such-set", "AT") {
		t.Error("Contains")
	}
	if n := len(vs.Codes("country-2-codes")); n < 200 {
		t.Errorf("%d country codes", n)
	}

	// The ehn-dcc-valuesets form, through package credential.
	extra := filepath.Join("..", "..", "shared", "testvectors", "dcc-extra", "valuesets")
	if _, err := os.Stat(extra); err == nil {
		vs2, err := LoadValueSets(os.DirFS(extra))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := credential.LoadValueSets(os.DirFS(extra))
		if err != nil {
			t.Fatal(err)
		}
		vs3 := FromCredential(cs)
		if !slices.Equal(vs2.IDs(), vs3.IDs()) || !vs3.Contains("vaccines-covid-19-names", "EU/1/20/1528") {
			t.Errorf("ids %v vs %v", vs2.IDs(), vs3.IDs())
		}
	}

	// Bundles, duplicates and junk.
	if _, err := ParseValueSets([]byte(`{"a": ["x", 1]}`)); err == nil {
		t.Error("non-string code accepted")
	}
	if _, err := ParseValueSets([]byte(`[]`)); err == nil {
		t.Error("array accepted")
	}
	dup := fstest.MapFS{
		"a.json": {Data: []byte(`{"country-2-codes": ["AT"]}`)},
		"b.json": {Data: []byte(`{"country-2-codes": ["DE"]}`)},
	}
	if _, err := LoadValueSets(dup); err == nil || !strings.Contains(err.Error(), "both define") {
		t.Errorf("duplicate id: %v", err)
	}
	if _, err := LoadValueSets(fstest.MapFS{"x.json": {Data: []byte(`{"a": 1}`)}}); err == nil {
		t.Error("no value set: no error")
	}
	var nilSets *ValueSets
	if nilSets.Contains("a", "b") || nilSets.IDs() != nil || nilSets.UnknownCodes(map[string]any{}) != nil {
		t.Error("nil ValueSets")
	}
}

func TestUnknownCodes(t *testing.T) {
	vs := NewValueSets(map[string][]string{
		"vaccines-covid-19-names": {"EU/1/20/1528"},
		"country-2-codes":         {"AT", "DE"},
		"disease-agent-targeted":  {"840539006"},
	})
	payload, _ := certlogic.DecodeJSON([]byte(`{
		"v": [
			{"tg": "840539006", "mp": "EU/1/20/1528", "co": "DE", "vp": "J07BX03"},
			{"tg": "840539006", "mp": "Sputnik-V", "co": "XX"},
			{"mp": 5, "co": null},
			"not an object"
		],
		"t": {"not": "an array"},
		"r": [{"tg": "999"}]
	}`))
	got := vs.UnknownCodes(payload)
	want := []UnknownCode{
		{"v.1.mp", "vaccines-covid-19-names", "Sputnik-V"},
		{"v.2.mp", "vaccines-covid-19-names", "5"},
		{"v.1.co", "country-2-codes", "XX"},
		{"v.2.co", "country-2-codes", "null"},
		{"r.0.tg", "disease-agent-targeted", "999"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for _, junk := range []any{nil, "x", []any{1}, map[string]any{"v": 7}} {
		if got := vs.UnknownCodes(junk); got != nil {
			t.Errorf("UnknownCodes(%v) = %v", junk, got)
		}
	}
}

func TestCheck(t *testing.T) {
	set, err := LoadFS(os.DirFS(sharedRules(t, "DE")))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := LoadValueSets(os.DirFS(sharedRules(t, "valuesets")))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2021, 11, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	check := func(payload string) *Report {
		t.Helper()
		p, err := certlogic.DecodeJSON([]byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := set.Check(Input{Payload: p, Country: "DE", IssuerCountry: "AT", ValidationClock: clock, ValueSets: vs, Lang: "de"})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	// Complete vaccination, 33 days old: every rule passes.
	rep := check(`{"ver": "1.3.0", "dob": "1964-08-12", "nam": {"fnt": "MUSTERFRAU"},
		"v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
		       "dn": 2, "sd": 2, "dt": "2021-09-29", "co": "AT", "is": "BMSGPK", "ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}]}`)
	if rep.Type != Vaccination || !rep.Passed() || len(rep.UnknownCodes) != 0 {
		t.Errorf("complete vaccination: %+v", rep)
	}
	pass, fail, open := rep.Count()
	if pass != 4 || fail != 0 || open != 0 {
		t.Fatalf("complete vaccination: %d pass, %d fail, %d open; results %+v", pass, fail, open, rep.Results)
	}
	if !strings.HasPrefix(rep.Results[0].Description, "Die Impfreihe") {
		t.Errorf("German description: %q", rep.Results[0].Description)
	}

	// Dose 1 of 2, yesterday, with an unknown product: fails, and the code
	// is reported.
	rep = check(`{"ver": "1.3.0", "dob": "1964",
		"v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/99/9999", "ma": "ORG-100030215",
		       "dn": 1, "sd": 2, "dt": "2021-10-31", "co": "AT", "is": "BMSGPK", "ci": "x"}]}`)
	if rep.Passed() {
		t.Errorf("incomplete vaccination passed: %+v", rep.Results)
	}
	failed := map[string]bool{}
	for _, r := range rep.Results {
		if r.Outcome == Fail {
			failed[r.Identifier] = true
		}
	}
	if !failed["VR-DE-0001"] || !failed["VR-DE-0002"] {
		t.Errorf("failed rules %v, want VR-DE-0001 (doses) and VR-DE-0002 (product)", failed)
	}
	if len(rep.UnknownCodes) != 1 || rep.UnknownCodes[0].Field != "v.0.mp" {
		t.Errorf("unknown codes %v", rep.UnknownCodes)
	}

	// A date the rule cannot parse: open, with the reason.
	rep = check(`{"v": [{"tg": "840539006", "mp": "EU/1/20/1528", "dn": 2, "sd": 2, "dt": "yesterday", "co": "AT"}]}`)
	var opened []Result
	for _, r := range rep.Results {
		if r.Outcome == Open {
			opened = append(opened, r)
		}
	}
	if len(opened) == 0 || !errors.Is(opened[0].Err, certlogic.ErrEvaluation) || !strings.Contains(opened[0].Reason, "yesterday") {
		t.Errorf("open results %+v", opened)
	}

	// Hostile payloads never crash.
	for _, p := range []string{`null`, `[]`, `"x"`, `{"v": 7}`, `{"v": [null]}`, `{"v": [{"dn": "two", "sd": {}}]}`, `{"t": [{"sc": 5}]}`} {
		rep := check(p)
		if rep == nil {
			t.Errorf("%s: no report", p)
		}
	}

	// Input errors.
	if _, err := set.Check(Input{ValidationClock: clock}); !errors.Is(err, ErrInput) {
		t.Errorf("no country: %v", err)
	}
	if _, err := set.Check(Input{Country: "DE"}); !errors.Is(err, ErrInput) {
		t.Errorf("no clock: %v", err)
	}
}

func TestRuleCheckOutcomes(t *testing.T) {
	for logic, want := range map[string]Outcome{
		`true`:                            Pass,
		`{"===": [1, 2]}`:                 Fail,
		`"yes"`:                           Open,
		`{"var": "payload"}`:              Open,
		`{"plusTime": ["bad", 0, "day"]}`: Open,
	} {
		l, _ := certlogic.DecodeJSON([]byte(logic))
		r := mustRule(t, map[string]any{"Logic": l})
		res := r.Check(map[string]any{"payload": map[string]any{"v": []any{}}}, "en")
		if res.Outcome != want {
			t.Errorf("%s: %s, want %s (%v)", logic, res.Outcome, want, res.Err)
		}
		if want == Open && (res.Err == nil || res.Reason == "") {
			t.Errorf("%s: open without a reason", logic)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Errorf("%s: result does not marshal: %v", logic, err)
		}
	}
	l, _ := certlogic.DecodeJSON([]byte(`"yes"`))
	if res := mustRule(t, map[string]any{"Logic": l}).Check(nil, "en"); !errors.Is(res.Err, ErrNotBoolean) {
		t.Errorf("non-boolean: %v", res.Err)
	}
}

func TestInputContext(t *testing.T) {
	in := Input{
		Payload:         map[string]any{"ver": "1.3.0"},
		Country:         "de",
		Region:          "BY",
		IssuerCountry:   "at",
		ValidationClock: time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC),
		Exp:             time.Date(2022, 7, 1, 0, 0, 0, 0, time.FixedZone("", 3600)),
		Iat:             time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC),
		ValueSets:       NewValueSets(map[string][]string{"country-2-codes": {"DE", "AT"}}),
	}
	b, err := json.Marshal(in.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"external":{"countryCode":"DE","exp":"2022-07-01T00:00:00.000+01:00","iat":"2021-06-01T00:00:00.000Z","issuerCountryCode":"AT","region":"BY","validationClock":"2021-07-01T12:00:00.000Z","valueSets":{"country-2-codes":["AT","DE"]}},"payload":{"ver":"1.3.0"}}`
	if string(b) != want {
		t.Errorf("context\n%s\nwant\n%s", b, want)
	}
	// Every time format the context uses is one plusTime reads.
	for _, k := range []string{"validationClock", "exp", "iat"} {
		s := in.Context()["external"].(map[string]any)[k].(string)
		if _, err := certlogic.ParseDateTime(s); err != nil {
			t.Errorf("%s %q: %v", k, s, err)
		}
	}
	// Optional members are left out; nothing comes from the wall clock.
	min := Input{Country: "DE", ValidationClock: in.ValidationClock}
	ext := min.Context()["external"].(map[string]any)
	if len(ext) != 3 {
		t.Errorf("minimal external %v", ext)
	}
}

func TestZeroRule(t *testing.T) {
	r := &Rule{Identifier: "VR-XX-0001", Engine: EngineCertLogic}
	if _, err := r.Evaluate(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("hand-made rule: %v", err)
	}
	if res := r.Check(nil, "en"); res.Outcome != Open {
		t.Errorf("hand-made rule: %+v", res)
	}
}

func TestHandWrittenPatterns(t *testing.T) {
	for s, want := range map[string]bool{"VR-DE-0001": true, "GR-AT-0000": true, "IR-NZ-9999": true, "XR-DE-0001": false,
		"VR-de-0001": false, "VR-DE-001": false, "VR-DE-00011": false, "VRXDE-0001": false, "": false} {
		if isIdentifier(s) != want {
			t.Errorf("isIdentifier(%q) = %t", s, !want)
		}
	}
	for s, want := range map[string]bool{"1.0.0": true, "1.0.0-beta": true, "12.345.6789": true, "1.0": false, "1..0": false,
		"a.0.0": false, "1234567890.0.0": false} {
		if _, ok := semverPrefix(s); ok != want {
			t.Errorf("semverPrefix(%q) ok = %t", s, ok)
		}
	}
	for s, want := range map[string]bool{"A": true, "ab1Z9": true, "abcdef": false, "": false, "a-b": false} {
		if isRegion(s) != want {
			t.Errorf("isRegion(%q) = %t", s, !want)
		}
	}
}
