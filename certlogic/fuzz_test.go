package certlogic

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzEvaluate feeds arbitrary JSON as expression and data. Properties:
// no panic; an error is nil-valued and of a known class; Validate and
// Compile agree; a valid expression evaluates deterministically.
func FuzzEvaluate(f *testing.F) {
	seeds := [][2]string{
		{`{"var": "a.0.b"}`, `{"a": [{"b": 1}]}`},
		{`{"if": [{"var": "x"}, {"plusTime": ["2021-02-28T23:00:00+01", 1, "year"]}, "no"]}`, `{"x": true}`},
		{`{"and": [{"var": "payload.dob"}, {"after": [{"dccDateOfBirth": [{"var": "payload.dob"}]}, {"plusTime": [{"var": "external.validationClock"}, -18, "year"]}]}]}`, `{"payload": {"dob": "2004-02"}, "external": {"validationClock": "2022-02-28T12:00:00Z"}}`},
		{`{"reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}`, `{"xs": [1, 2, 3]}`},
		{`{"in": [{"var": "c"}, ["AT", "DE"]]}`, `{"c": "AT"}`},
		{`{"extractFromUVCI": [{"var": "u"}, 2]}`, `{"u": "URN:UVCI:01:AT:1080#B"}`},
		{`{"<=": [1, {"var": "n"}, 3]}`, `{"n": 2.5}`},
		{`{"!": [{"var": ""}]}`, `{}`},
		{`{"not-before": [{"plusTime": ["2020-12-25", 0, "day"]}, {"plusTime": ["2021-06-23T00:00:00Z", -180, "day"]}]}`, `null`},
		{`[1, {"===": [1, "1"]}, 3]`, `[]`},
	}
	// Seed from the rule test data when present.
	if files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testvectors", "certlogic", "rules", "DE", "*", "rule.json")); len(files) > 0 {
		for _, file := range files[:min(3, len(files))] {
			b, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			v, err := DecodeJSON(b)
			if m, ok := v.(map[string]any); err == nil && ok {
				if logic, err := jsonMarshal(m["Logic"]); err == nil {
					seeds = append(seeds, [2]string{logic, `{"payload": {"v": [{"dn": 2, "sd": 2, "dt": "2021-06-01", "mp": "EU/1/20/1528"}]}, "external": {"validationClock": "2021-07-01T00:00:00Z"}}`})
				}
			}
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, exprJSON, dataJSON []byte) {
		expr, err := DecodeJSON(exprJSON)
		if err != nil {
			return
		}
		data, err := DecodeJSON(dataJSON)
		if err != nil {
			return
		}
		issues := Validate(expr)
		p, cerr := Compile(expr)
		if (len(issues) == 0) != (cerr == nil) {
			t.Fatalf("Validate found %d issues, Compile error %v", len(issues), cerr)
		}
		got, err := Evaluate(expr, data)
		if err != nil {
			if got != nil {
				t.Fatalf("error %v with result %v", err, got)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrEvaluation) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error of unknown class: %#v", err)
			}
			if errors.Is(err, ErrInvalid) != (cerr != nil) {
				t.Fatalf("Evaluate error %v but Compile error %v", err, cerr)
			}
			return
		}
		again, err := p.Evaluate(data)
		if err != nil || !DeepEqual(got, again) {
			t.Fatalf("second evaluation differs: %v, %v vs %v", again, err, got)
		}
		_ = IsTruthy(got)
		_, _ = jsonMarshal(got)
	})
}
