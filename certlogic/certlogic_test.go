package certlogic

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// j decodes JSON test input, failing the test on malformed JSON.
func j(t testing.TB, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// evalCase is one evaluation: expr on data gives want, or an error of
// class wantErr.
type evalCase struct {
	name    string
	expr    string
	data    string
	want    string // JSON; ignored when wantErr is set
	wantErr error
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Evaluate(j(t, c.expr), j(t, c.data))
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("%s on %s = %v, %v; want error %v", c.expr, c.data, compact(got), err, c.wantErr)
				}
				if got != nil {
					t.Errorf("error with a non-nil result %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s on %s: %v", c.expr, c.data, err)
			}
			if want := j(t, c.want); !DeepEqual(got, want) {
				t.Errorf("%s on %s = %s, want %s", c.expr, c.data, compact(got), c.want)
			}
		})
	}
}

func TestLiterals(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"true", `true`, `{}`, `true`, nil},
		{"string", `"apple"`, `{}`, `"apple"`, nil},
		{"integer", `17`, `{}`, `17`, nil},
		{"integer written with exponent", `1e2`, `{}`, `100`, nil},
		{"array", `[1, {"var": "x"}, "a"]`, `{"x": [2]}`, `[1, [2], "a"]`, nil},
		{"empty array", `[]`, `{}`, `[]`, nil},
		{"null literal", `null`, `{}`, ``, ErrInvalid},
		{"fraction", `1.5`, `{}`, ``, ErrInvalid},
		{"null inside array", `[1, null]`, `{}`, ``, ErrInvalid},
	})
}

func TestVar(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"whole context", `{"var": ""}`, `{"a": 1}`, `{"a": 1}`, nil},
		{"scalar context", `{"var": ""}`, `"x"`, `"x"`, nil},
		{"key", `{"var": "a"}`, `{"a": "b"}`, `"b"`, nil},
		{"nested", `{"var": "a.b.c"}`, `{"a": {"b": {"c": 3}}}`, `3`, nil},
		{"index", `{"var": "a.1"}`, `{"a": [1, 2]}`, `2`, nil},
		{"index into top array", `{"var": "0.x"}`, `[{"x": true}]`, `true`, nil},
		{"numeric key of object", `{"var": "a.1"}`, `{"a": {"1": "one"}}`, `"one"`, nil},
		{"missing key", `{"var": "b"}`, `{"a": 1}`, `null`, nil},
		{"index out of range", `{"var": "a.5"}`, `{"a": [1]}`, `null`, nil},
		{"index on object without key", `{"var": "a.0"}`, `{"a": {"b": 1}}`, `null`, nil},
		{"key on array", `{"var": "a.b"}`, `{"a": [1]}`, `null`, nil},
		{"drill into string", `{"var": "a.0"}`, `{"a": "xyz"}`, `null`, nil},
		{"drill into number", `{"var": "a.b"}`, `{"a": 5}`, `null`, nil},
		{"through null", `{"var": "a.b"}`, `{"a": null}`, `null`, nil},
		{"null context", `{"var": "a"}`, `null`, `null`, nil},
		{"negative index", `{"var": "a.-1"}`, `{"a": [1]}`, `null`, nil},
		{"huge index", `{"var": "a.99999999999999999999"}`, `{"a": [1]}`, `null`, nil},
		{"integer path", `{"var": 0}`, `[1]`, ``, ErrInvalid},
		{"null path", `{"var": null}`, `{}`, ``, ErrInvalid},
		{"array path (default value)", `{"var": ["a", 1]}`, `{}`, ``, ErrInvalid},
		{"trailing dot", `{"var": "a."}`, `{}`, ``, ErrInvalid},
		{"leading dot", `{"var": ".a"}`, `{}`, ``, ErrInvalid},
		{"double dot", `{"var": "a..b"}`, `{}`, ``, ErrInvalid},
	})
}

func TestIf(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"truthy guard", `{"if": [true, "T", "F"]}`, `{}`, `"T"`, nil},
		{"falsy guard", `{"if": [false, "T", "F"]}`, `{}`, `"F"`, nil},
		{"empty object is falsy", `{"if": [{"var": ""}, "T", "F"]}`, `{}`, `"F"`, nil},
		{"non-empty object is truthy", `{"if": [{"var": ""}, "T", "F"]}`, `{"a": 0}`, `"T"`, nil},
		{"empty array is falsy", `{"if": [[], "T", "F"]}`, `{}`, `"F"`, nil},
		{"zero is falsy", `{"if": [0, "T", "F"]}`, `{}`, `"F"`, nil},
		{"-1 is truthy", `{"if": [-1, "T", "F"]}`, `{}`, `"T"`, nil},
		{"string 0 is truthy", `{"if": ["0", "T", "F"]}`, `{}`, `"T"`, nil},
		{"fraction in data is not truthy", `{"if": [{"var": "x"}, "T", "F"]}`, `{"x": 0.5}`, `"F"`, nil},
		{"date-time is not truthy", `{"if": [{"plusTime": ["2021-01-01", 0, "day"]}, "T", "F"]}`, `{}`, `"F"`, nil},
		{"then is lazy", `{"if": [false, {"plusTime": ["bad", 0, "day"]}, 1]}`, `{}`, `1`, nil},
		{"else is lazy", `{"if": [true, 1, {"plusTime": ["bad", 0, "day"]}]}`, `{}`, `1`, nil},
		{"error in guard", `{"if": [{"plusTime": ["bad", 0, "day"]}, 1, 2]}`, `{}`, ``, ErrEvaluation},
		{"two operands", `{"if": [true, 1]}`, `{}`, ``, ErrInvalid},
		{"four operands", `{"if": [true, 1, 2, 3]}`, `{}`, ``, ErrInvalid},
	})
}

func TestEquality(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"strings", `{"===": ["a", "a"]}`, `{}`, `true`, nil},
		{"different strings", `{"===": ["a", "b"]}`, `{}`, `false`, nil},
		{"integers", `{"===": [1, 1]}`, `{}`, `true`, nil},
		{"no coercion", `{"===": [1, "1"]}`, `{}`, `false`, nil},
		{"number representations", `{"===": [{"var": "x"}, 2]}`, `{"x": 2.0}`, `true`, nil},
		{"booleans", `{"===": [true, {"var": "x"}]}`, `{"x": true}`, `true`, nil},
		{"null and null", `{"===": [{"var": "a"}, {"var": "b"}]}`, `{}`, `true`, nil},
		{"null and false", `{"===": [{"var": "a"}, false]}`, `{}`, `false`, nil},
		{"arrays are never equal", `{"===": [[1], [1]]}`, `{}`, `false`, nil},
		{"objects are never equal", `{"===": [{"var": "a"}, {"var": "a"}]}`, `{"a": {"b": 1}}`, `false`, nil},
		{"date-times are never equal", `{"===": [{"plusTime": ["2021-01-01", 0, "day"]}, {"plusTime": ["2021-01-01", 0, "day"]}]}`, `{}`, `false`, nil},
		{"three operands", `{"===": [1, 1, 1]}`, `{}`, ``, ErrInvalid},
		{"one operand", `{"===": [1]}`, `{}`, ``, ErrInvalid},
	})
}

func TestAnd(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"all truthy gives last", `{"and": [true, 1, "x"]}`, `{}`, `"x"`, nil},
		{"first falsy", `{"and": [1, 0, "x"]}`, `{}`, `0`, nil},
		{"empty object falsy", `{"and": [true, {"var": ""}]}`, `{}`, `{}`, nil},
		{"null falsy", `{"and": [{"var": "a"}, true]}`, `{}`, `null`, nil},
		{"lazy", `{"and": [false, {"plusTime": ["bad", 0, "day"]}]}`, `{}`, `false`, nil},
		{"neither truthy nor falsy", `{"and": [true, {"plusTime": ["2021-01-01", 0, "day"]}]}`, `{}`, ``, ErrEvaluation},
		{"fraction operand", `{"and": [{"var": "x"}, true]}`, `{"x": 1.5}`, ``, ErrEvaluation},
		{"one operand", `{"and": [true]}`, `{}`, ``, ErrInvalid},
		{"no operand", `{"and": []}`, `{}`, ``, ErrInvalid},
	})
}

func TestIntegerComparisons(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"<", `{"<": [1, 2]}`, `{}`, `true`, nil},
		{"< equal", `{"<": [2, 2]}`, `{}`, `false`, nil},
		{">", `{">": [3, 2]}`, `{}`, `true`, nil},
		{"> equal", `{">": [2, 2]}`, `{}`, `false`, nil},
		{"<=", `{"<=": [2, 2]}`, `{}`, `true`, nil},
		{"<= greater", `{"<=": [3, 2]}`, `{}`, `false`, nil},
		{">=", `{">=": [2, 2]}`, `{}`, `true`, nil},
		{">= less", `{">=": [1, 2]}`, `{}`, `false`, nil},
		{"ternary < between", `{"<": [1, 2, 3]}`, `{}`, `true`, nil},
		{"ternary < not strict", `{"<": [1, 3, 3]}`, `{}`, `false`, nil},
		{"ternary <=", `{"<=": [1, 1, 3]}`, `{}`, `true`, nil},
		{"ternary > ", `{">": [3, 2, 1]}`, `{}`, `true`, nil},
		{"ternary >= fails", `{">=": [3, 4, 1]}`, `{}`, `false`, nil},
		{"data numbers", `{">=": [{"var": "v.0.dn"}, {"var": "v.0.sd"}]}`, `{"v": [{"dn": 2, "sd": 2}]}`, `true`, nil},
		{"negative", `{"<": [-5, 0]}`, `{}`, `true`, nil},
		{"null operand", `{"<": [{"var": "x"}, 1]}`, `{}`, ``, ErrEvaluation},
		{"string operand", `{">": ["2", 1]}`, `{}`, ``, ErrEvaluation},
		{"fraction operand", `{">": [{"var": "x"}, 1]}`, `{"x": 1.5}`, ``, ErrEvaluation},
		{"date operands", `{"<": [{"plusTime": ["2021-01-01", 0, "day"]}, {"plusTime": ["2021-01-02", 0, "day"]}]}`, `{}`, ``, ErrEvaluation},
		{"one operand", `{"<": [1]}`, `{}`, ``, ErrInvalid},
		{"four operands", `{"<": [1, 2, 3, 4]}`, `{}`, ``, ErrInvalid},
	})
}

func TestDateComparisons(t *testing.T) {
	d := func(s string) string { return `{"plusTime": ["` + s + `", 0, "day"]}` }
	runEvalCases(t, []evalCase{
		{"after", `{"after": [` + d("2021-01-02") + `, ` + d("2021-01-01") + `]}`, `{}`, `true`, nil},
		{"after equal", `{"after": [` + d("2021-01-01") + `, ` + d("2021-01-01T00:00:00Z") + `]}`, `{}`, `false`, nil},
		{"before", `{"before": [` + d("2021-01-01") + `, ` + d("2021-01-01T00:00:00.001Z") + `]}`, `{}`, `true`, nil},
		{"not-after equal", `{"not-after": [` + d("2021-01-01T01:00:00+01:00") + `, ` + d("2021-01-01") + `]}`, `{}`, `true`, nil},
		{"not-before", `{"not-before": [` + d("2021-01-01") + `, ` + d("2021-01-02") + `]}`, `{}`, `false`, nil},
		{"ternary not-after", `{"not-after": [` + d("2021-01-01") + `, ` + d("2021-01-01") + `, ` + d("2021-01-03") + `]}`, `{}`, `true`, nil},
		{"ternary before fails", `{"before": [` + d("2021-01-01") + `, ` + d("2021-01-04") + `, ` + d("2021-01-03") + `]}`, `{}`, `false`, nil},
		{"date-time from var", `{"after": [{"var": "d"}, ` + d("2021-01-01") + `]}`, `{}`, ``, ErrEvaluation},
		{"string operand", `{"after": ["2021-01-02", ` + d("2021-01-01") + `]}`, `{}`, ``, ErrEvaluation},
		{"integer operands", `{"before": [1, 2]}`, `{}`, ``, ErrEvaluation},
		{"one operand", `{"after": [` + d("2021-01-01") + `]}`, `{}`, ``, ErrInvalid},
	})
}

func TestIn(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"member", `{"in": ["b", ["a", "b"]]}`, `{}`, `true`, nil},
		{"not a member", `{"in": ["c", ["a", "b"]]}`, `{}`, `false`, nil},
		{"empty list", `{"in": ["a", []]}`, `{}`, `false`, nil},
		{"no coercion", `{"in": [1, ["1"]]}`, `{}`, `false`, nil},
		{"integers", `{"in": [{"var": "x"}, [1, 2]]}`, `{"x": 2}`, `true`, nil},
		{"null operand", `{"in": [{"var": "x"}, ["a"]]}`, `{}`, `false`, nil},
		{"null in list", `{"in": [{"var": "x"}, [{"var": "y"}]]}`, `{}`, `true`, nil},
		{"list from data", `{"in": [{"var": "c"}, {"var": "vs.codes"}]}`, `{"c": "AT", "vs": {"codes": ["AT", "DE"]}}`, `true`, nil},
		{"substring is not membership", `{"in": ["a", "abc"]}`, `{}`, ``, ErrEvaluation},
		{"null list", `{"in": ["a", {"var": "x"}]}`, `{}`, ``, ErrEvaluation},
		{"object list", `{"in": ["a", {"var": ""}]}`, `{"a": 1}`, ``, ErrEvaluation},
		{"three operands", `{"in": ["a", ["a"], 1]}`, `{}`, ``, ErrInvalid},
	})
}

func TestPlus(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"integers", `{"+": [1, 2]}`, `{}`, `3`, nil},
		{"negative", `{"+": [-1, {"var": "x"}]}`, `{"x": 1}`, `0`, nil},
		{"strings are not concatenated", `{"+": ["a", "b"]}`, `{}`, ``, ErrEvaluation},
		{"null operand", `{"+": [{"var": "x"}, 1]}`, `{}`, ``, ErrEvaluation},
		{"fraction operand", `{"+": [{"var": "x"}, 1]}`, `{"x": 0.5}`, ``, ErrEvaluation},
		{"overflow", `{"+": [{"var": "x"}, {"var": "x"}]}`, `{"x": 1e308}`, ``, ErrEvaluation},
		{"three operands", `{"+": [1, 2, 3]}`, `{}`, ``, ErrInvalid},
	})
}

func TestNot(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"false", `{"!": [false]}`, `{}`, `true`, nil},
		{"true", `{"!": [true]}`, `{}`, `false`, nil},
		{"null", `{"!": [{"var": "x"}]}`, `{}`, `true`, nil},
		{"empty object", `{"!": [{"var": ""}]}`, `{}`, `true`, nil},
		{"empty array", `{"!": [[]]}`, `{}`, `true`, nil},
		{"string 0", `{"!": ["0"]}`, `{}`, `false`, nil},
		{"date-time", `{"!": [{"plusTime": ["2021-01-01", 0, "day"]}]}`, `{}`, ``, ErrEvaluation},
		{"two operands", `{"!": [true, false]}`, `{}`, ``, ErrInvalid},
		{"bare operand", `{"!": true}`, `{}`, ``, ErrInvalid},
	})
}

func TestReduce(t *testing.T) {
	sum := `{"+": [{"var": "accumulator"}, {"var": "current"}]}`
	runEvalCases(t, []evalCase{
		{"sum", `{"reduce": [{"var": "xs"}, ` + sum + `, 0]}`, `{"xs": [1, 2, 3]}`, `6`, nil},
		{"empty array gives initial", `{"reduce": [[], ` + sum + `, 7]}`, `{}`, `7`, nil},
		{"null gives initial", `{"reduce": [{"var": "xs"}, ` + sum + `, 7]}`, `{}`, `7`, nil},
		{"count present entries", `{"reduce": [[{"var": "r"}, {"var": "t"}, {"var": "v"}], {"+": [{"var": "accumulator"}, {"if": [{"var": "current.0"}, 1, 0]}]}, 0]}`, `{"v": [{"dn": 1}], "t": []}`, `1`, nil},
		{"empty entry object is not present", `{"reduce": [[{"var": "v"}], {"+": [{"var": "accumulator"}, {"if": [{"var": "current.0"}, 1, 0]}]}, 0]}`, `{"v": [{}]}`, `0`, nil},
		{"lambda sees only current and accumulator", `{"reduce": [[1], {"var": "xs"}, 0]}`, `{"xs": 5}`, `null`, nil},
		{"lambda context as a whole", `{"reduce": [[1], {"var": ""}, 0]}`, `{}`, `{"current": 1, "accumulator": 0}`, nil},
		{"nested reduce", `{"reduce": [{"var": "m"}, {"+": [{"var": "accumulator"}, {"reduce": [{"var": "current"}, ` + sum + `, 0]}]}, 0]}`, `{"m": [[1, 2], [3]]}`, `6`, nil},
		{"initial evaluated in outer context", `{"reduce": [[1], ` + sum + `, {"var": "x"}]}`, `{"x": 10}`, `11`, nil},
		{"string operand", `{"reduce": ["abc", ` + sum + `, 0]}`, `{}`, ``, ErrEvaluation},
		{"error in lambda", `{"reduce": [["a"], ` + sum + `, 0]}`, `{}`, ``, ErrEvaluation},
		{"two operands", `{"reduce": [[], 0]}`, `{}`, ``, ErrInvalid},
	})
}

func TestPlusTime(t *testing.T) {
	pt := func(s string, n int, unit string) string {
		b, _ := json.Marshal(map[string]any{"plusTime": []any{s, n, unit}})
		return string(b)
	}
	cases := []struct {
		in     string
		amount int
		unit   string
		want   string
	}{
		// The specification's leap-day table.
		{"2020-02-29", 1, "day", "2020-03-01T00:00:00.000Z"},
		{"2020-02-29", 1, "month", "2020-03-29T00:00:00.000Z"},
		{"2020-02-29", 1, "year", "2021-03-01T00:00:00.000Z"},
		// JavaScript setter overflow.
		{"2021-01-31", 1, "month", "2021-03-03T00:00:00.000Z"},
		{"2020-01-31", 1, "month", "2020-03-02T00:00:00.000Z"},
		{"2021-03-31", -1, "month", "2021-03-03T00:00:00.000Z"},
		{"2024-02-29", -18, "year", "2006-03-01T00:00:00.000Z"},
		{"2020-02-29", 4, "year", "2024-02-29T00:00:00.000Z"},
		{"2021-12-15", 1, "month", "2022-01-15T00:00:00.000Z"},
		{"2021-01-15", -13, "month", "2019-12-15T00:00:00.000Z"},
		// Days and hours in UTC: no DST.
		{"2021-03-27T12:00:00+01:00", 1, "day", "2021-03-28T11:00:00.000Z"},
		{"2021-06-01T00:00:00+00:00", 40, "hour", "2021-06-02T16:00:00.000Z"},
		{"2021-06-01", -180, "day", "2020-12-03T00:00:00.000Z"},
		{"2021-06-01T23:30:00-02:00", 0, "hour", "2021-06-02T01:30:00.000Z"},
		// Input formats.
		{"2004", 0, "day", "2004-12-31T00:00:00.000Z"},
		{"2004-02", 0, "day", "2004-02-29T00:00:00.000Z"},
		{"2003-02", 0, "year", "2003-02-28T00:00:00.000Z"},
		{"2021-05-04T10:11:12", 0, "day", "2021-05-04T10:11:12.000Z"},
		{"2021-05-04T10:11:12Z", 0, "day", "2021-05-04T10:11:12.000Z"},
		{"2021-05-04T10:11:12+2", 0, "day", "2021-05-04T08:11:12.000Z"},
		{"2021-05-04T10:11:12+02", 0, "day", "2021-05-04T08:11:12.000Z"},
		{"2021-05-04T10:11:12+230", 0, "day", "2021-05-04T07:41:12.000Z"},
		{"2021-05-04T10:11:12-0230", 0, "day", "2021-05-04T12:41:12.000Z"},
		{"2021-05-04T10:11:12+2:30", 0, "day", "2021-05-04T07:41:12.000Z"},
		{"2021-05-04T10:11:12+02:30", 0, "day", "2021-05-04T07:41:12.000Z"},
		{"2021-05-04T10:11:12.5", 0, "day", "2021-05-04T10:11:12.500Z"},
		{"2021-05-04T10:11:12.123456789Z", 0, "day", "2021-05-04T10:11:12.123Z"},
		{"2021-05-04T10:11:12.9999+01:00", 0, "day", "2021-05-04T09:11:12.999Z"},
		{"0000-01-01", 0, "day", "0000-01-01T00:00:00.000Z"},
		{"1969-12-31T23:59:59.999Z", 0, "day", "1969-12-31T23:59:59.999Z"},
	}
	for _, c := range cases {
		got, err := Evaluate(j(t, pt(c.in, c.amount, c.unit)), nil)
		if err != nil {
			t.Errorf("plusTime(%s, %d, %s): %v", c.in, c.amount, c.unit, err)
			continue
		}
		d, ok := got.(DateTime)
		if !ok || d.String() != c.want {
			t.Errorf("plusTime(%s, %d, %s) = %v, want %s", c.in, c.amount, c.unit, got, c.want)
		}
	}

	runEvalCases(t, []evalCase{
		{"not a date", pt("tomorrow", 0, "day"), `{}`, ``, ErrEvaluation},
		{"empty string", pt("", 0, "day"), `{}`, ``, ErrEvaluation},
		{"no such day", pt("2021-02-29", 0, "day"), `{}`, ``, ErrEvaluation},
		{"month 13", pt("2021-13", 0, "day"), `{}`, ``, ErrEvaluation},
		{"hour 24", pt("2021-01-01T24:00:00Z", 0, "day"), `{}`, ``, ErrEvaluation},
		{"leap second", pt("2016-12-31T23:59:60Z", 0, "day"), `{}`, ``, ErrEvaluation},
		{"lower-case z", pt("2021-01-01T00:00:00z", 0, "day"), `{}`, ``, ErrEvaluation},
		{"space separator", pt("2021-01-01 00:00:00", 0, "day"), `{}`, ``, ErrEvaluation},
		{"no seconds", pt("2021-01-01T00:00Z", 0, "day"), `{}`, ``, ErrEvaluation},
		{"empty fraction", pt("2021-01-01T00:00:00.Z", 0, "day"), `{}`, ``, ErrEvaluation},
		{"offset 24h", pt("2021-01-01T00:00:00+24:00", 0, "day"), `{}`, ``, ErrEvaluation},
		{"five-digit offset", pt("2021-01-01T00:00:00+02300", 0, "day"), `{}`, ``, ErrEvaluation},
		{"five-digit year", pt("22022-01-15", 0, "day"), `{}`, ``, ErrEvaluation},
		{"out of JavaScript range", pt("9999-12-31", 300000, "year"), `{}`, ``, ErrEvaluation},
		{"amount far out of range", `{"plusTime": ["2021-01-01", 1e300, "hour"]}`, `{}`, ``, ErrEvaluation},
		{"operand null", `{"plusTime": [{"var": "x"}, 0, "day"]}`, `{}`, ``, ErrEvaluation},
		{"operand date-time", `{"plusTime": [{"plusTime": ["2021-01-01", 0, "day"]}, 1, "day"]}`, `{}`, ``, ErrEvaluation},
		{"amount expression", `{"plusTime": ["2021-01-01", {"var": "n"}, "day"]}`, `{"n": 1}`, ``, ErrInvalid},
		{"amount fraction", `{"plusTime": ["2021-01-01", 1.5, "day"]}`, `{}`, ``, ErrInvalid},
		{"unit minute", `{"plusTime": ["2021-01-01", 1, "minute"]}`, `{}`, ``, ErrInvalid},
		{"unit plural", `{"plusTime": ["2021-01-01", 1, "days"]}`, `{}`, ``, ErrInvalid},
		{"two operands", `{"plusTime": ["2021-01-01", 1]}`, `{}`, ``, ErrInvalid},
	})
}

func TestDCCDateOfBirth(t *testing.T) {
	cases := map[string]string{
		"2004":       "2004-12-31T00:00:00.000Z",
		"2004-01":    "2004-01-31T00:00:00.000Z",
		"2004-02":    "2004-02-29T00:00:00.000Z",
		"2003-02":    "2003-02-28T00:00:00.000Z",
		"2004-04":    "2004-04-30T00:00:00.000Z",
		"2004-12":    "2004-12-31T00:00:00.000Z",
		"2004-06-15": "2004-06-15T00:00:00.000Z",
		"1900-02":    "1900-02-28T00:00:00.000Z",
		"2000-02":    "2000-02-29T00:00:00.000Z",
	}
	for dob, want := range cases {
		got, err := Evaluate(map[string]any{"dccDateOfBirth": []any{map[string]any{"var": "dob"}}}, map[string]any{"dob": dob})
		if err != nil {
			t.Errorf("dccDateOfBirth(%s): %v", dob, err)
			continue
		}
		if d, ok := got.(DateTime); !ok || d.String() != want {
			t.Errorf("dccDateOfBirth(%s) = %v, want %s", dob, got, want)
		}
	}
	minor := `{"after": [{"dccDateOfBirth": [{"var": "dob"}]}, {"plusTime": [{"var": "clock"}, -18, "year"]}]}`
	runEvalCases(t, []evalCase{
		{"minor on the eve of 18th birthday", minor, `{"dob": "2004-03-01", "clock": "2022-02-28T23:59:59Z"}`, `true`, nil},
		{"adult on 18th birthday", minor, `{"dob": "2004-03-01", "clock": "2022-03-01T00:00:00Z"}`, `false`, nil},
		{"partial DOB counts as last day", minor, `{"dob": "2004-02", "clock": "2022-02-28T12:00:00Z"}`, `true`, nil},
		{"empty DOB", `{"dccDateOfBirth": [""]}`, `{}`, ``, ErrEvaluation},
		{"date-time DOB", `{"dccDateOfBirth": ["2004-01-01T00:00:00Z"]}`, `{}`, ``, ErrEvaluation},
		{"DOB with month 00", `{"dccDateOfBirth": ["2004-00"]}`, `{}`, ``, ErrEvaluation},
		{"XX placeholders", `{"dccDateOfBirth": ["2004-XX-XX"]}`, `{}`, ``, ErrEvaluation},
		{"null DOB", `{"dccDateOfBirth": [{"var": "dob"}]}`, `{}`, ``, ErrEvaluation},
		{"two operands", `{"dccDateOfBirth": ["2004", "2005"]}`, `{}`, ``, ErrInvalid},
	})
}

func TestExtractFromUVCI(t *testing.T) {
	x := func(i int) string {
		b, _ := json.Marshal(i)
		return `{"extractFromUVCI": [{"var": ""}, ` + string(b) + `]}`
	}
	runEvalCases(t, []evalCase{
		{"country", x(1), `"URN:UVCI:01:NL:187/37512422923"`, `"NL"`, nil},
		{"without prefix", x(1), `"01:NL:187/37512422923"`, `"NL"`, nil},
		{"after #", x(3), `"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"`, `"B"`, nil},
		{"empty fragments", x(4), `"a::c/#/f"`, `""`, nil},
		{"last fragment", x(5), `"a::c/#/f"`, `"f"`, nil},
		{"past the end", x(6), `"a::c/#/f"`, `null`, nil},
		{"negative index", x(-1), `"a:b"`, `null`, nil},
		{"empty string", x(0), `""`, `""`, nil},
		{"lower-case prefix is a fragment", x(0), `"urn:uvci:01"`, `"urn"`, nil},
		{"null operand", x(0), `null`, `null`, nil},
		{"number operand", x(0), `5`, ``, ErrEvaluation},
		{"index expression", `{"extractFromUVCI": [{"var": ""}, {"var": ""}]}`, `"a"`, ``, ErrInvalid},
		{"index string", `{"extractFromUVCI": ["a", "0"]}`, `{}`, ``, ErrInvalid},
		{"one operand", `{"extractFromUVCI": ["a"]}`, `{}`, ``, ErrInvalid},
	})
}

func TestOperationObjects(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"unknown operator", `{"all": [[1], true]}`, `{}`, ``, ErrInvalid},
		{"JsonLogic operator outside CertLogic", `{"==": [1, 1]}`, `{}`, ``, ErrInvalid},
		{"two keys", `{"var": "a", "if": []}`, `{}`, ``, ErrInvalid},
		{"empty object", `{}`, `{}`, ``, ErrInvalid},
		{"non-array operands", `{"if": "x"}`, `{}`, ``, ErrInvalid},
	})
}

func TestValidateIssues(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{`{"and": [true]}`, []string{`an operation with operator "and" must have at least 2 operands, but it has 1`}},
		{`{"!": []}`, []string{`an operation with operator "!" must have exactly 1 operand, but it has 0`}},
		{`{"<": [1, 2, 3, 4]}`, []string{`an operation with operator "<" must have 2 or 3 operands, but it has 4`}},
		{`{"plusTime": ["2021", 1.5, "week"]}`, []string{
			`the amount of a "plusTime" operation must be an integer literal, not 1.5`,
			`the time unit of a "plusTime" operation must be one of "year", "month", "day", "hour", not "week"`,
		}},
		// Every issue is found, in order, not only the first.
		{`{"if": [null, 1.5, {"var": 3}]}`, []string{
			`invalid CertLogic expression`,
			`1.5 is a non-integer number`,
			`not of the form { "var": "<path>" }`,
		}},
		{`[{"foo": []}, {}]`, []string{`unrecognised operator: "foo"`, `expression object must have exactly one key, but it has 0`}},
		{`{"reduce": [{"var": "x"}, {"var": "x."}, 0]}`, []string{`data access path doesn't have a valid format: x.`}},
		{`{"if": [true, "a", "b"]}`, nil},
	}
	for _, c := range cases {
		issues := Validate(j(t, c.expr))
		var got []string
		for _, is := range issues {
			got = append(got, is.Message)
			if !errors.Is(is, ErrInvalid) {
				t.Errorf("%s: issue %v does not match ErrInvalid", c.expr, is)
			}
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("Validate(%s) =\n%s\nwant\n%s", c.expr, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
		_, err := Compile(j(t, c.expr))
		var ie *InvalidError
		if (err == nil) != (len(c.want) == 0) || (err != nil && (!errors.As(err, &ie) || len(ie.Issues) != len(c.want))) {
			t.Errorf("Compile(%s) = %v, want %d issues", c.expr, err, len(c.want))
		}
	}
}

func TestMaxDepth(t *testing.T) {
	deep := strings.Repeat(`{"!": [`, MaxDepth+5) + "true" + strings.Repeat(`]}`, MaxDepth+5)
	if _, err := Evaluate(j(t, deep), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("expression %d deep: %v, want ErrInvalid", MaxDepth+5, err)
	}
	ok := strings.Repeat(`{"!": [`, 100) + "true" + strings.Repeat(`]}`, 100)
	if got, err := Evaluate(j(t, ok), nil); err != nil || got != true {
		t.Errorf("expression 100 deep = %v, %v", got, err)
	}
}

func TestMaxSteps(t *testing.T) {
	// A reduce over 2,000 elements whose lambda reduces over the same
	// 2,000 elements: 4,000,000 iterations, far past MaxSteps.
	xs := make([]any, 2000)
	for i := range xs {
		xs[i] = float64(1)
	}
	inner := `{"reduce": [{"var": "current"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}`
	expr := j(t, `{"reduce": [{"var": "m"}, {"+": [{"var": "accumulator"}, `+inner+`]}, 0]}`)
	m := make([]any, 2000)
	for i := range m {
		m[i] = xs
	}
	_, err := Evaluate(expr, map[string]any{"m": m})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("nested reduce over 2000×2000 elements: %v, want ErrLimit", err)
	}
	var ee *EvalError
	if !errors.As(err, &ee) || errors.Is(err, ErrEvaluation) {
		t.Errorf("limit error %v: want an *EvalError of class ErrLimit only", err)
	}
	// 20×2000 iterations are within the limit.
	got, err := Evaluate(expr, map[string]any{"m": m[:20]})
	if err != nil || !DeepEqual(got, 40000) {
		t.Errorf("nested reduce over 20×2000 elements = %v, %v; want 40000", got, err)
	}
}

func TestNumberRepresentations(t *testing.T) {
	expr := j(t, `{"and": [{"===": [{"var": "a"}, 2]}, {">": [{"var": "b"}, 1]}, {"in": [{"var": "c"}, [3]]}, {"+": [{"var": "a"}, {"var": "b"}]}]}`)
	for _, data := range []map[string]any{
		{"a": float64(2), "b": float64(3), "c": float64(3)},
		{"a": json.Number("2"), "b": json.Number("3.0"), "c": json.Number("3e0")},
		{"a": int(2), "b": int64(3), "c": uint64(3)},
		{"a": int8(2), "b": uint16(3), "c": float32(3)},
	} {
		got, err := Evaluate(expr, data)
		if err != nil || !DeepEqual(got, 5) {
			t.Errorf("%v: got %v, %v; want 5", data, got, err)
		}
		if _, ok := got.(float64); !ok {
			t.Errorf("%v: sum is a %T, want float64", data, got)
		}
	}
	// A var result keeps the data's representation.
	got, _ := Evaluate(j(t, `{"var": "n"}`), map[string]any{"n": json.Number("42")})
	if got != json.Number("42") {
		t.Errorf("var returned %#v, want json.Number(42)", got)
	}
	// Unsupported Go types are neither equal nor truthy.
	if got, err := Evaluate(j(t, `{"if": [{"var": "x"}, 1, 2]}`), map[string]any{"x": struct{}{}}); err != nil || !DeepEqual(got, 2) {
		t.Errorf("struct guard: %v, %v", got, err)
	}
	if _, err := Evaluate(j(t, `{"!": [{"var": "x"}]}`), map[string]any{"x": complex(1, 1)}); !errors.Is(err, ErrEvaluation) {
		t.Errorf("complex operand of !: %v", err)
	}
	if _, err := Evaluate(json.Number("1x"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("malformed json.Number literal: %v", err)
	}
}

func TestTruthiness(t *testing.T) {
	truthyVals := []any{true, "0", float64(-1), json.Number("3"), []any{nil}, map[string]any{"a": nil}}
	falsyVals := []any{false, nil, "", float64(0), json.Number("0"), json.Number("-0.0"), []any{}, map[string]any{}}
	neitherVals := []any{float64(0.5), json.Number("1.5"), DateTime{}, struct{}{}}
	for _, v := range truthyVals {
		if !IsTruthy(v) || IsFalsy(v) {
			t.Errorf("%#v: want truthy only", v)
		}
	}
	for _, v := range falsyVals {
		if IsTruthy(v) || !IsFalsy(v) {
			t.Errorf("%#v: want falsy only", v)
		}
	}
	for _, v := range neitherVals {
		if IsTruthy(v) || IsFalsy(v) {
			t.Errorf("%#v: want neither", v)
		}
	}
}

func TestDeepEqual(t *testing.T) {
	a := j(t, `{"x": [1, "a", null, true, {"y": 2.0}]}`)
	b := map[string]any{"x": []any{float64(1), "a", nil, true, map[string]any{"y": int64(2)}}}
	if !DeepEqual(a, b) {
		t.Error("equal trees reported different")
	}
	for _, c := range [][2]any{
		{map[string]any{"x": 1}, map[string]any{"y": 1}},
		{[]any{1}, []any{1, 2}},
		{"1", float64(1)},
		{nil, false},
		{map[string]any{}, []any{}},
	} {
		if DeepEqual(c[0], c[1]) {
			t.Errorf("DeepEqual(%#v, %#v) = true", c[0], c[1])
		}
	}
}

func TestParseDateTimeAndDateTime(t *testing.T) {
	d, err := ParseDateTime("2021-06-01T12:00:00.250+02:00")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2021, 6, 1, 10, 0, 0, 250e6, time.UTC)
	if !d.Time().Equal(want) || d.UnixMilli() != want.UnixMilli() {
		t.Errorf("got %v, want %v", d.Time(), want)
	}
	if b, _ := json.Marshal(d); string(b) != `"2021-06-01T10:00:00.250Z"` {
		t.Errorf("JSON %s", b)
	}
	if dt, ok := DateTimeOf(want.Add(999)); !ok || dt != d {
		t.Errorf("DateTimeOf truncation: %v %v", dt, ok)
	}
	if _, ok := DateTimeOf(time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("DateTimeOf accepted a time beyond the JavaScript Date range")
	}
}

func TestErrorTypes(t *testing.T) {
	_, err := Evaluate(j(t, `{"plusTime": [{"var": "d"}, 1, "day"]}`), j(t, `{"d": "soon"}`))
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Op != "plusTime" || !errors.Is(err, ErrEvaluation) || errors.Is(err, ErrInvalid) {
		t.Fatalf("got %#v", err)
	}
	if !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("message %q does not name the value", err)
	}
	_, err = Evaluate(j(t, `{"foo": [], "bar": [], "if": 1}`), nil)
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) || errors.Is(err, ErrEvaluation) {
		t.Fatalf("got %#v", err)
	}
	many := &InvalidError{Issues: []*Issue{{Message: "a"}, {Message: "b"}, {Message: "c"}, {Message: "d"}, {Message: "e"}}}
	if got := many.Error(); got != "certlogic: invalid expression: a; b; c (and 2 more)" {
		t.Errorf("InvalidError text %q", got)
	}
}

func TestProgramConcurrent(t *testing.T) {
	p, err := Compile(j(t, `{"reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}`))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func(n int) {
			xs := []any{float64(n), float64(n)}
			for i := 0; i < 200; i++ {
				got, err := p.Evaluate(map[string]any{"xs": xs})
				if err != nil || !DeepEqual(got, 2*n) {
					t.Errorf("goroutine %d: %v %v", n, got, err)
				}
			}
			done <- true
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestZeroProgram(t *testing.T) {
	var p *Program
	if _, err := p.Evaluate(nil); !errors.Is(err, ErrEvaluation) {
		t.Errorf("nil Program: %v", err)
	}
	if _, err := (&Program{}).Evaluate(nil); !errors.Is(err, ErrEvaluation) {
		t.Errorf("zero Program: %v", err)
	}
}
