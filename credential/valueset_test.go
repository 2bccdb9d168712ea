package credential

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadValueSetsUpstream(t *testing.T) {
	dir := sharedDir(t, "valuesets")
	sets, err := LoadValueSets(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	// The table of dcc-extra/SOURCES.md §2.
	want := map[string]struct {
		date  string
		codes int
	}{
		"country-2-codes":                         {"2019-11-01", 250},
		"disease-agent-targeted":                  {"2021-04-27", 1},
		"sct-vaccines-covid-19":                   {"2023-01-25", 9},
		"vaccines-covid-19-names":                 {"2022-11-30", 39},
		"vaccines-covid-19-auth-holders":          {"2022-01-26", 31},
		"covid-19-lab-test-type":                  {"2021-04-27", 2},
		"covid-19-lab-result":                     {"2021-04-27", 2},
		"covid-19-lab-test-manufacturer-and-name": {"2021-07-01", 88},
	}
	for id, w := range want {
		vs := sets[id]
		if vs == nil {
			t.Errorf("value set %s missing", id)
			continue
		}
		if vs.ID != id || vs.Date != w.date || len(vs.Values) != w.codes {
			t.Errorf("%s: id %s, date %s, %d codes; want %s, %d codes", id, vs.ID, vs.Date, len(vs.Values), w.date, w.codes)
		}
	}
	// The Annex A encoding instructions are not a value set.
	if len(sets) != len(want) {
		var ids []string
		for id := range sets {
			ids = append(ids, id)
		}
		t.Errorf("loaded %d sets (%v), want %d", len(sets), ids, len(want))
	}

	// Inactive codes are kept.
	v, ok := sets.Lookup("sct-vaccines-covid-19", "J07BX03")
	if !ok || v.Active {
		t.Errorf("J07BX03: %+v, %v; want an inactive entry", v, ok)
	}
	inactive := 0
	for _, vs := range sets {
		for _, v := range vs.Values {
			if !v.Active {
				inactive++
			}
		}
	}
	if inactive != 7 {
		t.Errorf("%d inactive codes, want 7 (1 vp, 4 mp, 2 test devices)", inactive)
	}
	if v, ok := sets.Lookup("country-2-codes", "AT"); !ok || v.Display != "Austria" || !v.Active || v.Lang != "en" || v.System != "urn:iso:std:iso:3166" {
		t.Errorf("AT: %+v, %v", v, ok)
	}
	if v, ok := sets.Lookup("vaccines-covid-19-names", "EU/1/20/1528"); !ok || v.Display != "Comirnaty" {
		t.Errorf("EU/1/20/1528: %+v, %v", v, ok)
	}
	// Unknown codes and sets are not errors, just absent.
	if _, ok := sets.Lookup("country-2-codes", "XX"); ok {
		t.Error("XX found")
	}
	if _, ok := sets.Lookup("no-such-set", "AT"); ok {
		t.Error("unknown set found")
	}
	var none ValueSets
	if _, ok := none.Lookup("country-2-codes", "AT"); ok {
		t.Error("nil ValueSets found a code")
	}
}

func TestParseValueSet(t *testing.T) {
	good := `{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{
		"A":{"display":"a","lang":"en","active":true,"system":"s","version":"1"},
		"B":{"display":"b","lang":"en","active":false,"system":"s","version":"","validUntil":"2022-01-01","extra":1}}}`
	vs, err := ParseValueSet([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if vs.ID != "x" || vs.Date != "2021-04-27" || len(vs.Values) != 2 ||
		vs.Values["A"] != (ValueSetValue{Display: "a", Lang: "en", Active: true, System: "s", Version: "1"}) ||
		vs.Values["B"] != (ValueSetValue{Display: "b", Lang: "en", System: "s", ValidUntil: "2022-01-01"}) {
		t.Errorf("got %+v", vs)
	}

	notSets := []string{
		`[]`,
		`"x"`,
		`{}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27"}`,
		`{"valueSetDate":"2021-04-27","valueSetValues":{}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"C":{"vaccine-code":"EU/1/20/1528","sct-codes":["1"]}}}`,
	}
	for _, in := range notSets {
		if _, err := ParseValueSet([]byte(in)); !errors.Is(err, ErrNotValueSet) {
			t.Errorf("%s: %v, want ErrNotValueSet", in, err)
		}
	}
	broken := []string{
		`{`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":[]}`,
		`{"valueSetId":1,"valueSetDate":"2021-04-27","valueSetValues":{}}`,
		`{"valueSetId":"","valueSetDate":"2021-04-27","valueSetValues":{}}`,
		`{"valueSetId":"x","valueSetValues":{}}`,
		`{"valueSetId":"x","valueSetDate":"2021-02-30","valueSetValues":{}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"A":null}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"A":"a"}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"A":{"display":"a","lang":"en","active":true,"system":"s"}}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"A":{"display":"a","lang":"en","active":"yes","system":"s","version":""}}}`,
		`{"valueSetId":"x","valueSetDate":"2021-04-27","valueSetValues":{"A":{"display":"a","lang":"en","active":true,"system":"s","version":"","validUntil":"soon"}}}`,
	}
	for _, in := range broken {
		if _, err := ParseValueSet([]byte(in)); err == nil || errors.Is(err, ErrNotValueSet) {
			t.Errorf("%s: %v, want a malformed-value-set error", in, err)
		}
	}
}

func TestLoadValueSetsFS(t *testing.T) {
	vs := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`{"valueSetId":"` + id + `","valueSetDate":"2021-04-27","valueSetValues":{"A":{"display":"a","lang":"en","active":true,"system":"s","version":""}}}`)}
	}
	fsys := fstest.MapFS{
		"a.json":              vs("set-a"),
		"B.JSON":              vs("set-b"),
		"LICENSE":             {Data: []byte("Apache License")},
		"README.md":           {Data: []byte("# value sets")},
		"other.json":          {Data: []byte(`{"hello":"world"}`)},
		"schemas/schema.json": {Data: []byte(`{"$schema":"x"}`)},
		"sub/set-c.json":      vs("set-c"),
		"instructions.json":   {Data: []byte(`{"valueSetId":"i","valueSetDate":"2023-05-05","valueSetValues":{"X":{"note":"n"}}}`)},
	}
	sets, err := LoadValueSets(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 || sets["set-a"] == nil || sets["set-b"] == nil {
		t.Errorf("got %v", sets)
	}

	dup := fstest.MapFS{"a.json": vs("same"), "b.json": vs("same")}
	if _, err := LoadValueSets(dup); err == nil || !strings.Contains(err.Error(), "same") {
		t.Errorf("duplicate ids: %v", err)
	}
	bad := fstest.MapFS{"a.json": vs("a"), "b.json": {Data: []byte(`{"valueSetId":`)}}
	if _, err := LoadValueSets(bad); err == nil || !strings.Contains(err.Error(), "b.json") {
		t.Errorf("malformed file: %v", err)
	}
	if _, err := LoadValueSets(fstest.MapFS{"LICENSE": {Data: []byte("x")}}); err == nil {
		t.Error("no value sets: no error")
	}
}
