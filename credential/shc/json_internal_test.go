package shc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceCheck is checkJSON written with encoding/json's tokenizer,
// slower but obviously right: the scanner must agree with it.
func referenceCheck(b []byte) error {
	if len(b) == 0 || b[0] != '{' || b[len(b)-1] != '}' || !json.Valid(b) || !utf8.Valid(b) {
		return errors.New("invalid")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type frame struct {
		names map[string]bool
		isKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		top := len(stack) - 1
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if top >= 0 && stack[top].names != nil {
					stack[top].isKey = true
				}
				if len(stack) >= MaxJSONDepth {
					return errors.New("deep")
				}
				f := frame{}
				if v == '{' {
					f = frame{names: map[string]bool{}, isKey: true}
				}
				stack = append(stack, f)
			} else {
				stack = stack[:top]
			}
		case string:
			if top >= 0 && stack[top].names != nil {
				if stack[top].isKey {
					if stack[top].names[v] {
						return errors.New("dup")
					}
					stack[top].names[v] = true
				}
				stack[top].isKey = !stack[top].isKey
			}
		default:
			if top >= 0 && stack[top].names != nil {
				stack[top].isKey = true
			}
		}
	}
}

var jsonSeeds = []string{
	`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":null}]},"b":true}`,
	`{"a":"\u0061","\u0061":1}`, `{"a":1,"\u0061":2}`, `{"a":-0.5e+3,"b":[]}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":"x\ty"}`, `{"a":"\x"}`, `{"a":tru}`,
	`{"a":1}{"b":2}`, `{"a":[1,]}`, `{"a":1,}`, `{ "a" : [ 1 , 2 ] }`, `{"a":"\ud800"}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k3":7}`,
	`{"a":` + strings.Repeat("[", MaxJSONDepth-1) + strings.Repeat("]", MaxJSONDepth-1) + `}`,
	`{"a":` + strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth) + `}`,
}

func TestScannerAgrees(t *testing.T) {
	for _, s := range jsonSeeds {
		if (checkJSON([]byte(s)) == nil) != (referenceCheck([]byte(s)) == nil) {
			t.Errorf("%s: scanner %v, reference %v", s, checkJSON([]byte(s)), referenceCheck([]byte(s)))
		}
	}
}

func FuzzScanner(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := checkJSON(b), referenceCheck(b)
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			want = errors.New("BOM")
		}
		if (got == nil) != (want == nil) {
			t.Fatalf("%q: scanner %v, reference %v", b, got, want)
		}
	})
}
