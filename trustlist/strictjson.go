package trustlist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// decodeStrict decodes a trust document strictly: member names must match
// a field's name exactly (encoding/json would match "Sequence" to
// "sequence"), a name may appear once in an object (encoding/json keeps
// the last of duplicates, where another parser might keep the first),
// unknown members are refused, and nothing may follow the value. Signed
// bytes must mean one thing to every reader.
//
// A first pass walks the tokens against the target type; encoding/json
// then decodes. This keeps the verification path small enough for the
// embedded scanner binary.
func decodeStrict(b []byte, v any) error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer {
		return fmt.Errorf("%w: decode target is not a pointer", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := checkValue(dec, t.Elem(), 0); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the document", ErrMalformed)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// maxJSONDepth bounds nesting in trust documents.
const maxJSONDepth = 32

// fieldCache maps a struct type to its exact member names.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if n, _, _ := strings.Cut(tag, ","); n != "" {
			name = n
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range fieldsOf(f.Type) {
				m[k] = v
			}
			continue
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// checkValue reads one JSON value from dec, checking object members
// against type t (any JSON is accepted where t is not a struct, map or
// slice of them: encoding/json then checks the value's type).
func checkValue(dec *json.Decoder, t reflect.Type, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("nesting too deep")
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		// Raw members are documents of their own, checked strictly where
		// they are read: embedded signed lists by decodeStrict, JWKs by
		// jose.ParseKey. Skipping them here keeps a 10,000-key list fast.
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '{':
		var fields map[string]reflect.Type
		var elem reflect.Type
		switch {
		case t == nil || t == rawMessageType || t.Kind() == reflect.Interface:
		case t.Kind() == reflect.Struct && t.String() != "time.Time":
			fields = fieldsOf(t)
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key := kt.(string)
			if seen[key] {
				return fmt.Errorf("member %q appears twice", key)
			}
			seen[key] = true
			next := elem
			if fields != nil {
				ft, ok := fields[key]
				if !ok {
					return fmt.Errorf("unknown member %q", key)
				}
				next = ft
			}
			if err := checkValue(dec, next, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	case '[':
		var elem reflect.Type
		if t != nil && t != rawMessageType && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := checkValue(dec, elem, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return fmt.Errorf("unexpected %v", delim)
}
