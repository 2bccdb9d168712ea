package trustlist

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/b5m5/travelcred/internal/strictjson"
)

// decodeStrict decodes a trust document strictly: member names must match
// a field's name exactly (encoding/json would match "Sequence" to
// "sequence"), a name may appear once in an object (encoding/json keeps
// the last of duplicates, where another parser might keep the first),
// unknown members are refused, and nothing may follow the value. Signed
// bytes must mean one thing to every reader.
//
// internal/strictjson checks the bytes against the target type in one
// pass (members of type json.RawMessage are documents of their own,
// checked where they are read); encoding/json then decodes.
func decodeStrict(b []byte, v any) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("%w: decode target is not a pointer", ErrMalformed)
	}
	if err := strictjson.Check(b, t.Elem()); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// decodeStrictSplit is decodeStrict for documents that embed many signed
// documents: the members named in split, each an array of embedded
// documents, are taken as sub-slices of b after the strict check, and
// only the other members go through encoding/json, which would scan and
// copy megabytes of embedded lists twice more.
func decodeStrictSplit(b []byte, v any, split map[string]*[]json.RawMessage) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("%w: decode target is not a pointer", ErrMalformed)
	}
	if err := strictjson.Check(b, t.Elem()); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	rest := []byte{'{'}
	parts := map[string][]json.RawMessage{}
	err := strictjson.Members(b, func(name string, value []byte) error {
		if _, ok := split[name]; ok {
			els, err := strictjson.Elements(value)
			if err != nil {
				return err
			}
			raws := make([]json.RawMessage, len(els))
			for i, e := range els {
				raws[i] = e
			}
			if els == nil {
				raws = nil
			}
			parts[name] = raws
			return nil
		}
		if len(rest) > 1 {
			rest = append(rest, ',')
		}
		q, _ := json.Marshal(name)
		rest = append(append(append(rest, q...), ':'), value...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal(append(rest, '}'), v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for name, raws := range parts {
		*split[name] = raws
	}
	return nil
}
