package certlogic

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
)

// DecodeJSON decodes one JSON value the way this package prefers: numbers
// as json.Number, so that no digit is lost before the evaluator sees it.
// Trailing data after the value is an error.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("certlogic: unexpected data after the JSON value")
	}
	return v, nil
}

// number returns the value of a number of any representation this package
// accepts, and whether v is a number at all.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil && !isRangeErr(err) {
			return 0, false
		}
		return f, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	case int16:
		return float64(n), true
	case uint16:
		return float64(n), true
	case int8:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint:
		return float64(n), true
	case float32:
		return float64(n), true
	}
	return 0, false
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

// isInteger reports whether f is an integer in the JavaScript sense
// (Number.isInteger): finite and without a fraction.
func isInteger(f float64) bool {
	return !math.IsInf(f, 0) && !math.IsNaN(f) && f == math.Trunc(f)
}

// integer returns v as an integer, if it is a number with an integer value.
func integer(v any) (float64, bool) {
	f, ok := number(v)
	if !ok || !isInteger(f) {
		return 0, false
	}
	return f, true
}

// truthiness classes.
const (
	neither = iota
	truthy
	falsy
)

// classify says whether v is truthy, falsy or neither, per the
// specification's lists.
func classify(v any) int {
	switch x := v.(type) {
	case nil:
		return falsy
	case bool:
		if x {
			return truthy
		}
		return falsy
	case string:
		if x == "" {
			return falsy
		}
		return truthy
	case []any:
		if len(x) == 0 {
			return falsy
		}
		return truthy
	case map[string]any:
		if len(x) == 0 {
			return falsy
		}
		return truthy
	case DateTime:
		return neither
	}
	if f, ok := integer(v); ok {
		if f == 0 {
			return falsy
		}
		return truthy
	}
	return neither
}

// IsTruthy reports whether v is truthy per the CertLogic specification:
// true, a non-empty string, a non-zero integer, a non-empty array or a
// non-empty object.
func IsTruthy(v any) bool { return classify(v) == truthy }

// IsFalsy reports whether v is falsy per the CertLogic specification:
// false, null, "", the integer 0, [] or {}. Some values (date-times, numbers
// with a fraction) are neither truthy nor falsy.
func IsFalsy(v any) bool { return classify(v) == falsy }

// strictEqual is ===: equality without type coercion. Strings, numbers,
// booleans and null compare by value; arrays, objects and date-times never
// compare equal (JavaScript compares them by reference).
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any, map[string]any, DateTime:
		return false
	}
	fa, ok := number(a)
	if !ok {
		return false
	}
	fb, ok := number(b)
	return ok && fa == fb
}

// DeepEqual reports whether two JSON values are equal: numbers by value
// whatever their representation (float64, json.Number, Go integers), arrays
// element by element, objects key by key, date-times by instant. It is the
// comparison the CertLogic test suites prescribe for results.
func DeepEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case DateTime:
		y, ok := b.(DateTime)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !DeepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !DeepEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	fa, ok := number(a)
	if !ok {
		return false
	}
	fb, ok := number(b)
	return ok && fa == fb
}

// formatNumber writes f the way JavaScript's String(f) does for the usual
// magnitudes, for messages.
func formatNumber(f float64) string {
	a := math.Abs(f)
	if a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// describe names the JSON type of v, for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return strconv.Quote(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case DateTime:
		return "the date-time " + x.String()
	}
	if f, ok := number(v); ok {
		return formatNumber(f)
	}
	return "a value of unsupported type"
}
