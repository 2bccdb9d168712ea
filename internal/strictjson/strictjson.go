// Package strictjson checks that a signed JSON document means one thing to
// every reader, before encoding/json decodes it: exactly one JSON value
// (RFC 8259) and nothing after it, no object with the same member name
// twice (encoding/json keeps the last, other parsers the first), and,
// against a Go type, no member that the type does not name exactly
// (encoding/json would match "Sequence" to a field tagged "sequence").
//
// It works on the bytes in one pass, without the token values and
// allocations of encoding/json's Decoder.Token: a 10,000-key trust list is
// checked in a few milliseconds.
package strictjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of checked values.
const MaxDepth = 32

// Error is a syntax or strictness error at a byte offset.
type Error struct {
	Offset int    // where in the input
	Msg    string // what is wrong there
}

func (e *Error) Error() string { return fmt.Sprintf("%s (offset %d)", e.Msg, e.Offset) }

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// Check reports whether b is one JSON value, optionally surrounded by
// whitespace, in which no object names a member twice, that nests at most
// MaxDepth deep where t describes it, and whose objects that t maps to a
// struct name only the struct's members, exactly (tag name or field name;
// embedded structs contribute theirs). t may be nil: any member names are
// then accepted. Values of type json.RawMessage are checked for syntax
// only: they are documents of their own, checked where they are read.
// Scalars are not checked against t: encoding/json does that.
func Check(b []byte, t reflect.Type) error {
	var names [32][]byte
	c := checker{b: b, names: names[:0]}
	c.space()
	if err := c.value(t, 0); err != nil {
		return err
	}
	c.space()
	if c.i != len(b) {
		return c.fail("data after the document")
	}
	return nil
}

type checker struct {
	b     []byte
	i     int
	names [][]byte // member names of the objects being read, innermost last
}

func (c *checker) fail(msg string) error { return &Error{Offset: c.i, Msg: msg} }

func (c *checker) space() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// value reads one value described by t at nesting depth.
func (c *checker) value(t reflect.Type, depth int) error {
	if depth > MaxDepth {
		return c.fail("nesting too deep")
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return c.skip()
	}
	if c.i >= len(c.b) {
		return c.fail("unexpected end of data")
	}
	switch c.b[c.i] {
	case '{':
		return c.object(t, depth)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		c.i++
		c.space()
		if c.i < len(c.b) && c.b[c.i] == ']' {
			c.i++
			return nil
		}
		for {
			c.space()
			if err := c.value(elem, depth+1); err != nil {
				return err
			}
			c.space()
			if c.i >= len(c.b) {
				return c.fail("unexpected end of data in an array")
			}
			switch c.b[c.i] {
			case ',':
				c.i++
			case ']':
				c.i++
				return nil
			default:
				return c.fail("expected , or ] in an array")
			}
		}
	default:
		return c.scalar()
	}
}

// object reads an object whose members t describes.
func (c *checker) object(t reflect.Type, depth int) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		switch {
		case t.Kind() == reflect.Struct && t != timeType:
			fields = fieldsOf(t)
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		}
	}
	c.i++ // '{'
	c.space()
	if c.i < len(c.b) && c.b[c.i] == '}' {
		c.i++
		return nil
	}
	first := len(c.names)
	defer func() { c.names = c.names[:first] }()
	var seen map[string]bool // once an object has many members
	for {
		c.space()
		if c.i >= len(c.b) || c.b[c.i] != '"' {
			return c.fail("expected a member name")
		}
		at := c.i
		name, err := c.name()
		if err != nil {
			return err
		}
		// Duplicates: a scan of this object's names, or a map once it
		// has more than a few dozen (a hostile object must not cost
		// quadratic time).
		own := c.names[first:]
		switch {
		case seen != nil:
			if seen[string(name)] {
				return &Error{Offset: at, Msg: fmt.Sprintf("member %q appears twice", name)}
			}
			seen[string(name)] = true
		default:
			for _, n := range own {
				if bytes.Equal(n, name) {
					return &Error{Offset: at, Msg: fmt.Sprintf("member %q appears twice", name)}
				}
			}
			c.names = append(c.names, name)
			if len(own) >= 32 {
				seen = make(map[string]bool, 2*len(own))
				for _, n := range c.names[first:] {
					seen[string(n)] = true
				}
			}
		}
		next := elem
		if fields != nil {
			ft, ok := fields[string(name)]
			if !ok {
				return &Error{Offset: at, Msg: fmt.Sprintf("unknown member %q", name)}
			}
			next = ft
		}
		c.space()
		if c.i >= len(c.b) || c.b[c.i] != ':' {
			return c.fail("expected : after a member name")
		}
		c.i++
		c.space()
		if err := c.value(next, depth+1); err != nil {
			return err
		}
		c.space()
		if c.i >= len(c.b) {
			return c.fail("unexpected end of data in an object")
		}
		switch c.b[c.i] {
		case ',':
			c.i++
		case '}':
			c.i++
			return nil
		default:
			return c.fail("expected , or } in an object")
		}
	}
}

// name reads a member name and returns it unescaped: the input bytes
// themselves when it has no escapes.
func (c *checker) name() ([]byte, error) {
	start := c.i
	escaped, err := c.str()
	if err != nil {
		return nil, err
	}
	raw := c.b[start+1 : c.i-1]
	// encoding/json turns invalid UTF-8 into U+FFFD: such a name is
	// decoded as it would be, like an escaped one.
	if !escaped && utf8.Valid(raw) {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(c.b[start:c.i], &s); err != nil {
		return nil, &Error{Offset: start, Msg: "bad member name: " + err.Error()}
	}
	return []byte(s), nil
}

// str reads a string; escaped reports whether it has escapes.
func (c *checker) str() (escaped bool, err error) {
	c.i++ // '"'
	for {
		c.i = plainRun(c.b, c.i)
		if c.i >= len(c.b) {
			return false, c.fail("unexpected end of data in a string")
		}
		switch ch := c.b[c.i]; {
		case ch == '"':
			c.i++
			return escaped, nil
		case ch < 0x20:
			return false, c.fail("control character in a string")
		default: // '\\'
			escaped = true
			if c.i+1 >= len(c.b) {
				return false, c.fail("unexpected end of data in a string")
			}
			switch c.b[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.b) || !isHex4(c.b[c.i+2:c.i+6]) {
					return false, c.fail("bad \\u escape in a string")
				}
				c.i += 6
			default:
				return false, c.fail("bad escape in a string")
			}
		}
	}
}

// plainRun returns the index of the first byte at or after i that ends a
// run of plain string bytes: a quote, a backslash or a control character
// (len(b) if none). Eight bytes are tested at a time: a signed payload
// string is megabytes of base64url.
func plainRun(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte of x is below 0x20, or equals '"' or '\\', exactly when
		// its high bit is set in the matching term (the classic "has a
		// zero byte" test: (v - 0x01…) & ^v & 0x80…).
		q, bs := x^(ones*'"'), x^(ones*'\\')
		if ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
	}
	for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 {
		i++
	}
	return i
}

func isHex4(b []byte) bool {
	for _, x := range b[:4] {
		if !('0' <= x && x <= '9' || 'a' <= x && x <= 'f' || 'A' <= x && x <= 'F') {
			return false
		}
	}
	return true
}

// scalar reads a string, number, true, false or null.
func (c *checker) scalar() error {
	switch ch := c.b[c.i]; {
	case ch == '"':
		_, err := c.str()
		return err
	case ch == '-' || '0' <= ch && ch <= '9':
		return c.number()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	}
	return c.fail(fmt.Sprintf("unexpected character %q", c.b[c.i]))
}

func (c *checker) literal(lit string) error {
	if !bytes.HasPrefix(c.b[c.i:], []byte(lit)) {
		return c.fail("bad literal")
	}
	c.i += len(lit)
	return nil
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (c *checker) number() error {
	if c.b[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(c.b) && c.b[c.i] == '0':
		c.i++
	case c.i < len(c.b) && '1' <= c.b[c.i] && c.b[c.i] <= '9':
		c.digits()
	default:
		return c.fail("bad number")
	}
	if c.i < len(c.b) && c.b[c.i] == '.' {
		c.i++
		if c.digits() == 0 {
			return c.fail("bad number: no digit after the point")
		}
	}
	if c.i < len(c.b) && (c.b[c.i] == 'e' || c.b[c.i] == 'E') {
		c.i++
		if c.i < len(c.b) && (c.b[c.i] == '+' || c.b[c.i] == '-') {
			c.i++
		}
		if c.digits() == 0 {
			return c.fail("bad number: no digit in the exponent")
		}
	}
	return nil
}

func (c *checker) digits() int {
	start := c.i
	for c.i < len(c.b) && '0' <= c.b[c.i] && c.b[c.i] <= '9' {
		c.i++
	}
	return c.i - start
}

// skip reads any value for syntax only, iteratively (a raw document may
// nest deeper than MaxDepth; its own check bounds it where it is read).
func (c *checker) skip() error {
	var stack []byte // open brackets
	for {
		c.space()
		if c.i >= len(c.b) {
			return c.fail("unexpected end of data")
		}
		switch c.b[c.i] {
		case '{':
			c.i++
			c.space()
			if c.i < len(c.b) && c.b[c.i] == '}' {
				c.i++
				break
			}
			stack = append(stack, '{')
			if err := c.memberName(); err != nil {
				return err
			}
			continue
		case '[':
			c.i++
			c.space()
			if c.i < len(c.b) && c.b[c.i] == ']' {
				c.i++
				break
			}
			stack = append(stack, '[')
			continue
		default:
			if err := c.scalar(); err != nil {
				return err
			}
		}
		// After a value: close containers, or go on to the next element.
		for {
			if len(stack) == 0 {
				return nil
			}
			c.space()
			if c.i >= len(c.b) {
				return c.fail("unexpected end of data")
			}
			top := stack[len(stack)-1]
			ch := c.b[c.i]
			if ch == ',' {
				c.i++
				if top == '{' {
					c.space()
					if err := c.memberName(); err != nil {
						return err
					}
				}
				break
			}
			if top == '{' && ch == '}' || top == '[' && ch == ']' {
				c.i++
				stack = stack[:len(stack)-1]
				continue
			}
			return c.fail("expected , or a closing bracket")
		}
	}
}

// memberName reads `"name" :` inside a skipped object.
func (c *checker) memberName() error {
	if c.i >= len(c.b) || c.b[c.i] != '"' {
		return c.fail("expected a member name")
	}
	if _, err := c.str(); err != nil {
		return err
	}
	c.space()
	if c.i >= len(c.b) || c.b[c.i] != ':' {
		return c.fail("expected : after a member name")
	}
	c.i++
	return nil
}

// timeType is checked as a scalar: encoding/json reads it from a string.
var timeType = reflect.TypeFor[time.Time]()

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

// Members calls fn with the name (unescaped) and the raw value of each
// member of the object b holds, in order, without decoding the values:
// a caller can take a large member (a signed payload, an array of
// embedded documents) as a sub-slice of b instead of having encoding/json
// scan and copy it. b must have passed Check; Members returns an error
// if b is not an object, and the first error fn returns.
func Members(b []byte, fn func(name string, value []byte) error) error {
	c := checker{b: b}
	c.space()
	if c.i >= len(b) || b[c.i] != '{' {
		return c.fail("not an object")
	}
	c.i++
	c.space()
	if c.i < len(b) && b[c.i] == '}' {
		return nil
	}
	for {
		c.space()
		if c.i >= len(b) || b[c.i] != '"' {
			return c.fail("expected a member name")
		}
		name, err := c.name()
		if err != nil {
			return err
		}
		c.space()
		if c.i >= len(b) || b[c.i] != ':' {
			return c.fail("expected : after a member name")
		}
		c.i++
		c.space()
		start := c.i
		if err := c.skip(); err != nil {
			return err
		}
		if err := fn(string(name), b[start:c.i]); err != nil {
			return err
		}
		c.space()
		if c.i >= len(b) {
			return c.fail("unexpected end of data in an object")
		}
		switch b[c.i] {
		case ',':
			c.i++
		case '}':
			return nil
		default:
			return c.fail("expected , or } in an object")
		}
	}
}

// Elements returns the raw elements of the array b holds, as sub-slices
// of b (nil for null, as encoding/json decodes null into a slice). b must
// have passed Check, or be a value that did.
func Elements(b []byte) ([][]byte, error) {
	c := checker{b: b}
	c.space()
	if c.literal("null") == nil {
		return nil, nil
	}
	if c.i >= len(b) || b[c.i] != '[' {
		return nil, c.fail("not an array")
	}
	c.i++
	c.space()
	out := [][]byte{}
	if c.i < len(b) && b[c.i] == ']' {
		return out, nil
	}
	for {
		c.space()
		start := c.i
		if err := c.skip(); err != nil {
			return nil, err
		}
		out = append(out, b[start:c.i])
		c.space()
		if c.i >= len(b) {
			return nil, c.fail("unexpected end of data in an array")
		}
		switch b[c.i] {
		case ',':
			c.i++
		case ']':
			return out, nil
		default:
			return nil, c.fail("expected , or ] in an array")
		}
	}
}

// String returns the string a raw JSON value holds: the bytes between
// the quotes when it has no escape and is valid UTF-8 (most do, and a
// large base64url payload is then copied once, not scanned again), else
// what encoding/json decodes, with its error when the value is not a
// string. null gives "", as encoding/json leaves a string unchanged.
func String(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		// A valid JSON value with a quote at each end and no escape is
		// one string: an inner quote would need an escape.
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}
