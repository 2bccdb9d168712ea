package shc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// checkJSON checks that b is exactly one strict JSON object: valid UTF-8,
// nothing before or after it (no byte order mark, no white space), no
// duplicate member names at any depth, and nesting within MaxJSONDepth.
func checkJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty document")
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		return errors.New("document starts with a UTF-8 byte order mark")
	case b[0] != '{':
		return fmt.Errorf("document starts with %q, not '{' (leading characters)", b[0])
	case b[len(b)-1] != '}':
		return errors.New("document does not end with '}' (trailing characters)")
	case !utf8.Valid(b):
		return errors.New("document is not valid UTF-8")
	}
	s := scanner{b: b}
	if err := s.value(0); err != nil {
		return err
	}
	if s.i != len(b) {
		return errors.New("data after the JSON object (trailing characters)")
	}
	return nil
}

// scanner is a strict JSON syntax checker (RFC 8259) that also refuses
// duplicate member names and deep nesting. Its recursion is bounded by
// MaxJSONDepth.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) error {
	s.space()
	if s.i >= len(s.b) {
		return s.errorf("unexpected end")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, err := s.str(false)
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			s.i += len(lit)
			return nil
		}
	}
	return s.errorf("unexpected %q", s.b[s.i])
}

func (s *scanner) object(depth int) error {
	if depth > MaxJSONDepth {
		return fmt.Errorf("nesting deeper than %d", MaxJSONDepth)
	}
	s.i++ // {
	var names [][]byte
	var set map[string]struct{}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.errorf("member name expected")
		}
		name, err := s.str(true)
		if err != nil {
			return err
		}
		// Linear search for small objects, a set for large ones.
		if set == nil && len(names) >= 16 {
			set = make(map[string]struct{}, 2*len(names))
			for _, n := range names {
				set[string(n)] = struct{}{}
			}
		}
		dup := false
		if set != nil {
			_, dup = set[string(name)]
			set[string(name)] = struct{}{}
		} else {
			for _, n := range names {
				dup = dup || bytes.Equal(n, name)
			}
			names = append(names, name)
		}
		if dup {
			return fmt.Errorf("duplicate member %q", name)
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.errorf("':' expected")
		}
		s.i++
		if err := s.value(depth); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.errorf("unexpected end")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("',' or '}' expected")
		}
	}
}

func (s *scanner) array(depth int) error {
	if depth > MaxJSONDepth {
		return fmt.Errorf("nesting deeper than %d", MaxJSONDepth)
	}
	s.i++ // [
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.errorf("unexpected end")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("',' or ']' expected")
		}
	}
}

// str scans a string and, when want is set, returns its value: a slice
// of the input, or the decoded bytes when it has escapes.
func (s *scanner) str(want bool) ([]byte, error) {
	start := s.i
	s.i++ // opening quote
	escaped := false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if !want {
				return nil, nil
			}
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, s.errorf("%v", err)
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, s.errorf("unterminated string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, s.errorf("short \\u escape")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, s.errorf("bad \\u escape")
					}
				}
				s.i += 6
			default:
				return nil, s.errorf("bad escape")
			}
		case c < 0x20:
			return nil, s.errorf("control character in a string")
		default:
			s.i++
		}
	}
	return nil, s.errorf("unterminated string")
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *scanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if s.digits() == 0 {
		return s.errorf("digit expected")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.errorf("digit expected after '.'")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.errorf("digit expected in the exponent")
		}
	}
	return nil
}

// strictObject checks b with checkJSON and returns its members by exact
// name (encoding/json alone would match names case-insensitively).
func strictObject(b []byte) (map[string]json.RawMessage, error) {
	if err := checkJSON(b); err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// documentObject is strictObject for a served document (a key set or a
// revocation list) rather than a credential: JSON white space around the
// object, such as a final newline, is allowed.
func documentObject(b []byte) (map[string]json.RawMessage, error) {
	return strictObject(bytes.Trim(b, " \t\r\n"))
}

// object returns the members of a nested object already checked by
// checkJSON.
func object(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}

// stringField returns the string member name of m: present is false when
// there is no such member, and a member that is not a string is an error.
func stringField(m map[string]json.RawMessage, name string) (s string, present bool, err error) {
	raw, ok := m[name]
	if !ok {
		return "", false, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("%s is not a string", name)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("%s: %v", name, err)
	}
	return s, true, nil
}
