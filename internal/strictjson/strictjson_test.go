package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tokenCheck is the reference: the same rules walked over encoding/json's
// Decoder.Token, as trust documents were checked before this package. The
// differential tests and the fuzz target hold Check to its verdicts.
func tokenCheck(b []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := tokenValue(dec, t, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the document")
	}
	return nil
}

func tokenValue(dec *json.Decoder, t reflect.Type, depth int) error {
	if depth > MaxDepth {
		return errors.New("nesting too deep")
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
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
		case t == nil || t.Kind() == reflect.Interface:
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
			if err := tokenValue(dec, next, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := tokenValue(dec, elem, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return fmt.Errorf("unexpected %v", delim)
}

type inner struct {
	Name string `json:"name"`
	N    int    `json:"n,omitempty"`
}

type Embedded struct {
	Extra string `json:"extra"`
}

type doc struct {
	Embedded
	Type    string                     `json:"type"`
	Items   []inner                    `json:"items"`
	ByName  map[string]inner           `json:"byName"`
	Raw     json.RawMessage            `json:"raw"`
	Raws    []json.RawMessage          `json:"raws"`
	RawMap  map[string]json.RawMessage `json:"rawMap"`
	At      time.Time                  `json:"at"`
	Ptr     *inner                     `json:"ptr"`
	Any     any                        `json:"any"`
	Skipped string                     `json:"-"`
	Plain   string
}

var docType = reflect.TypeFor[doc]()

// cases are documents with the verdict both checkers must give.
var cases = []struct {
	name string
	in   string
	ok   bool
}{
	{"empty object", `{}`, true},
	{"whitespace around", " \t\r\n{}\n ", true},
	{"all members", `{"extra":"e","type":"t","items":[{"name":"a","n":1},{"name":"b"}],"byName":{"x":{"name":"x"}},"raw":{"any":[1,{"a":1,"a":2}]},"raws":[1,"s",null],"rawMap":{"k":{"k":1,"k":2}},"at":"2026-01-01T00:00:00Z","ptr":{"name":"p"},"any":{"q":[1,2,{"r":true}]},"Plain":"p"}`, true},
	{"nothing", ``, false},
	{"only space", `   `, false},
	{"trailing value", `{} {}`, false},
	{"trailing garbage", `{}x`, false},
	{"trailing bracket", `{}}`, false},
	{"duplicate member", `{"type":"a","type":"b"}`, false},
	{"duplicate escaped", `{"type":"a","\u0074ype":"b"}`, false},
	{"duplicate in map", `{"byName":{"x":{"name":"1"},"x":{"name":"2"}}}`, false},
	{"duplicate in any", `{"any":{"a":1,"a":1}}`, false},
	{"duplicate deep", `{"items":[{"name":"a","name":"a"}]}`, false},
	{"unknown member", `{"typ":"a"}`, false},
	{"case differs", `{"Type":"a"}`, false},
	{"ignored field name", `{"Skipped":"x"}`, false},
	{"dash name", `{"-":"x"}`, false},
	{"field name without tag", `{"Plain":"x"}`, true},
	{"embedded by own name", `{"Embedded":{}}`, false},
	{"unknown in item", `{"items":[{"nam":"a"}]}`, false},
	{"unknown in ptr", `{"ptr":{"x":1}}`, false},
	{"unknown in map value", `{"byName":{"k":{"x":1}}}`, false},
	{"escaped known name", `{"typ\u0065":"a"}`, true},
	{"time as object", `{"at":{"x":1}}`, true},
	{"scalar where object", `{"items":5}`, true},
	{"top-level scalar", `"s"`, true},
	{"top-level array", `[{"a":1},{"a":1}]`, true},
	{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-1,123456789012345678901234567890]`, true},
	{"leading zero", `[01]`, false},
	{"bare minus", `[-]`, false},
	{"point without digits", `[1.]`, false},
	{"exponent without digits", `[1e]`, false},
	{"plus sign", `[+1]`, false},
	{"literals", `[true,false,null]`, true},
	{"bad literal", `[tru]`, false},
	{"capital literal", `[True]`, false},
	{"escapes", `["\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"]`, true},
	{"bad escape", `["\x"]`, false},
	{"short unicode escape", `["\u12"]`, false},
	{"control character", "[\"a\x01b\"]", false},
	{"raw newline in string", "[\"a\nb\"]", false},
	{"unterminated string", `["abc`, false},
	{"unterminated object", `{"type":"a"`, false},
	{"unterminated array", `[1,2`, false},
	{"missing colon", `{"type" "a"}`, false},
	{"missing comma", `{"type":"a" "extra":"b"}`, false},
	{"trailing comma object", `{"type":"a",}`, false},
	{"trailing comma array", `[1,]`, false},
	{"non-string name", `{1:2}`, false},
	{"single quotes", `{'type':'a'}`, false},
	{"raw bad syntax", `{"raw":{"a":}}`, false},
	{"raw trailing comma", `{"raw":[1,]}`, false},
	{"raw unterminated", `{"raw":[1`, false},
	{"raw empty containers", `{"raw":[{},[],{"a":[]}]}`, true},
	{"invalid UTF-8 names collide", "{\"any\":{\"\xff\":1,\"\xfe\":2}}", false},
	{"invalid UTF-8 in value", "[\"\xff\"]", true},
	{"deep any", `{"any":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, true},
	{"too deep any", `{"any":` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `}`, false},
	{"deep raw", `{"raw":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, true},
}

func TestCheck(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.in), docType)
			if (err == nil) != tt.ok {
				t.Errorf("Check = %v, want ok %v", err, tt.ok)
			}
			if ref := tokenCheck([]byte(tt.in), docType); (ref == nil) != (err == nil) {
				t.Errorf("Check = %v, reference %v", err, ref)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(tt.in) {
					t.Errorf("error %v is not an *Error with an offset in the input", err)
				}
			}
		})
	}
}

func TestCheckUntyped(t *testing.T) {
	for _, tt := range cases {
		err, ref := Check([]byte(tt.in), nil), tokenCheck([]byte(tt.in), nil)
		if (err == nil) != (ref == nil) {
			t.Errorf("%s: Check(nil type) = %v, reference %v", tt.name, err, ref)
		}
	}
}

func TestMessages(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"type":"a","type":"b"}`, `member "type" appears twice (offset 12)`},
		{`{"typ":1}`, `unknown member "typ" (offset 1)`},
		{`{} x`, `data after the document (offset 3)`},
	} {
		if err := Check([]byte(tt.in), docType); err == nil || err.Error() != tt.want {
			t.Errorf("Check(%s) = %v, want %s", tt.in, err, tt.want)
		}
	}
}

// TestManyMembers: an object with thousands of members is checked in
// linear time (duplicates through a map past 32 members) and a duplicate
// far down is still found.
func TestManyMembers(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 50_000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	ok := b.String() + "}"
	if err := Check([]byte(ok), nil); err != nil {
		t.Fatal(err)
	}
	dup := b.String() + `,"k49999":1}`
	if err := Check([]byte(dup), nil); err == nil || !strings.Contains(err.Error(), `"k49999" appears twice`) {
		t.Fatalf("duplicate at the end: %v", err)
	}
	early := `{"a":1,"b":2,"a":3}`
	if err := Check([]byte(early), nil); err == nil {
		t.Fatal("early duplicate accepted")
	}
}

func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	in := []byte(`{"type":"t","items":[{"name":"a","n":1},{"name":"b"}],"byName":{"x":{"name":"x"}},"raw":{"any":[1]}}`)
	Check(in, docType) // fill the field cache
	if n := testing.AllocsPerRun(100, func() { Check(in, docType) }); n > 1 {
		t.Errorf("Check: %v allocations, want at most 1", n)
	}
}

func FuzzCheck(f *testing.F) {
	for _, tt := range cases {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, typ := range []reflect.Type{docType, nil} {
			err, ref := Check(b, typ), tokenCheck(b, typ)
			if (err == nil) != (ref == nil) {
				t.Fatalf("Check(%q, %v) = %v, reference %v", b, typ, err, ref)
			}
		}
		if Check(b, nil) == nil {
			checkSplit(t, b)
		}
	})
}

// checkSplit holds Members, Elements and String to encoding/json on a
// document Check accepted.
func checkSplit(t *testing.T, b []byte) {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) == nil && m != nil {
		n := 0
		err := Members(b, func(name string, v []byte) error {
			n++
			if !bytes.Equal(v, m[name]) {
				t.Fatalf("Members(%q): %q = %q, encoding/json %q", b, name, v, m[name])
			}
			return nil
		})
		if err != nil || n != len(m) {
			t.Fatalf("Members(%q): %d members, %v; encoding/json %d", b, n, err, len(m))
		}
	}
	var a []json.RawMessage
	if json.Unmarshal(b, &a) == nil {
		els, err := Elements(b)
		if err != nil || len(els) != len(a) || (a == nil) != (els == nil) {
			t.Fatalf("Elements(%q) = %d, %v; encoding/json %d", b, len(els), err, len(a))
		}
		for i := range a {
			if !bytes.Equal(els[i], a[i]) {
				t.Fatalf("Elements(%q)[%d] = %q, encoding/json %q", b, i, els[i], a[i])
			}
		}
	}
	var want string
	wantErr := json.Unmarshal(b, &want)
	got, err := String(bytes.TrimSpace(b))
	if (err == nil) != (wantErr == nil) || got != want {
		t.Fatalf("String(%q) = %q, %v; encoding/json %q, %v", b, got, err, want, wantErr)
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range cases {
		if Check([]byte(tt.in), nil) == nil {
			checkSplit(t, []byte(tt.in))
		}
	}
	if err := Members([]byte(`[1]`), func(string, []byte) error { return nil }); err == nil {
		t.Error("Members of an array: no error")
	}
	if _, err := Elements([]byte(`{}`)); err == nil {
		t.Error("Elements of an object: no error")
	}
	stop := errors.New("stop")
	if err := Members([]byte(`{"a":1,"b":2}`), func(string, []byte) error { return stop }); err != stop {
		t.Errorf("Members did not return fn's error: %v", err)
	}
}

// benchDoc is a document of 1,000 items and a 100 KB string.
func benchDoc() []byte {
	var sb strings.Builder
	sb.WriteString(`{"type":"t","items":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"name":"entry %d with some text","n":%d}`, i, i)
	}
	sb.WriteString(`],"raw":"` + strings.Repeat("A", 100_000) + `"}`)
	return []byte(sb.String())
}

func benchCheck(b *testing.B, check func([]byte, reflect.Type) error) {
	in := benchDoc()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := check(in, docType); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is Check on benchDoc; BenchmarkTokenCheck is the walk
// over encoding/json tokens it replaced.
func BenchmarkCheck(b *testing.B)      { benchCheck(b, Check) }
func BenchmarkTokenCheck(b *testing.B) { benchCheck(b, tokenCheck) }

// TestPlainRun puts each byte that ends a plain run at every position of
// a run of bytes that do not (ASCII, high bytes, 0x20, 0x7f), so the
// eight-byte test is checked at every offset in a word.
func TestPlainRun(t *testing.T) {
	fill := []byte{'A', 0x20, 0x7f, 0x80, 0xff, 0xc3, '!', '#', '[', ']'}
	for _, end := range []byte{'"', '\\', 0x00, 0x1f, 0x0a} {
		for p := 0; p < 40; p++ {
			for start := 0; start < 3; start++ {
				b := make([]byte, 41)
				for i := range b {
					b[i] = fill[(i+p)%len(fill)]
				}
				b[p] = end
				want := p
				if p < start {
					want = len(b)
				}
				if got := plainRun(b, start); got != want {
					t.Fatalf("plainRun(%q, %d) = %d, want %d", b, start, got, want)
				}
			}
		}
	}
	b := bytes.Repeat([]byte{'x'}, 100)
	if got := plainRun(b, 0); got != 100 {
		t.Errorf("plainRun of plain bytes = %d, want 100", got)
	}
}
