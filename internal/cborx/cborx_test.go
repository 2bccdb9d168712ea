package cborx

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestHead(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		major     byte
		info      byte
		arg       uint64
		consumed  int
		wantError error
	}{
		{"uint 0", "00", MajorUint, 0, 0, 1, nil},
		{"uint 23 immediate", "17", MajorUint, 23, 23, 1, nil},
		{"uint 24 one byte", "1818", MajorUint, 24, 24, 2, nil},
		{"uint non-preferred one byte", "1801", MajorUint, 24, 1, 2, nil},
		{"uint 2 bytes", "190100", MajorUint, 25, 256, 3, nil},
		{"uint 4 bytes", "1a00010000", MajorUint, 26, 65536, 5, nil},
		{"uint 8 bytes", "1bffffffffffffffff", MajorUint, 27, math.MaxUint64, 9, nil},
		{"negint", "20", MajorNegInt, 0, 0, 1, nil},
		{"bytes len 3", "43010203", MajorBytes, 3, 3, 1, nil},
		{"text len 1", "6161", MajorText, 1, 1, 1, nil},
		{"array 4", "84", MajorArray, 4, 4, 1, nil},
		{"map 1", "a1", MajorMap, 1, 1, 1, nil},
		{"tag 18", "d2", MajorTag, 18, 18, 1, nil},
		{"tag 61", "d83d", MajorTag, 24, 61, 2, nil},
		{"half float", "f93c00", MajorSimple, 25, 0x3c00, 3, nil},
		{"single float", "fa47c35000", MajorSimple, 26, 0x47c35000, 5, nil},
		{"double float", "fb3ff0000000000000", MajorSimple, 27, 0x3ff0000000000000, 9, nil},
		{"simple true", "f5", MajorSimple, 21, 21, 1, nil},
		{"empty", "", 0, 0, 0, 0, ErrTruncated},
		{"truncated 1-byte arg", "18", 0, 0, 0, 0, ErrTruncated},
		{"truncated 2-byte arg", "1901", 0, 0, 0, 0, ErrTruncated},
		{"truncated 4-byte arg", "1a000100", 0, 0, 0, 0, ErrTruncated},
		{"truncated 8-byte arg", "1b00000000000000", 0, 0, 0, 0, ErrTruncated},
		{"indefinite bytes", "5f", 0, 0, 0, 0, ErrIndefinite},
		{"indefinite text", "7f", 0, 0, 0, 0, ErrIndefinite},
		{"indefinite array", "9f", 0, 0, 0, 0, ErrIndefinite},
		{"indefinite map", "bf", 0, 0, 0, 0, ErrIndefinite},
		{"break", "ff", 0, 0, 0, 0, ErrIndefinite},
		{"reserved 28", "1c", 0, 0, 0, 0, ErrReserved},
		{"reserved 29", "3d", 0, 0, 0, 0, ErrReserved},
		{"reserved 30", "9e", 0, 0, 0, 0, ErrReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			major, info, arg, err := r.Head()
			if tt.wantError != nil {
				if !errors.Is(err, tt.wantError) {
					t.Fatalf("Head() error = %v, want %v", err, tt.wantError)
				}
				if r.Off != 0 {
					t.Errorf("Off = %d after error, want 0 (nothing consumed)", r.Off)
				}
				return
			}
			if err != nil {
				t.Fatalf("Head() error = %v", err)
			}
			if major != tt.major || info != tt.info || arg != tt.arg {
				t.Errorf("Head() = (%d, %d, %#x), want (%d, %d, %#x)", major, info, arg, tt.major, tt.info, tt.arg)
			}
			if r.Off != tt.consumed {
				t.Errorf("Off = %d, want %d", r.Off, tt.consumed)
			}
		})
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
		typeErr bool
	}{
		{"00", 0, false, false},
		{"17", 23, false, false},
		{"1818", 24, false, false},
		{"20", -1, false, false},
		{"26", -7, false, false},
		{"3824", -37, false, false},
		{"390103", -260, false, false},
		{"1b7fffffffffffffff", math.MaxInt64, false, false},
		{"3b7fffffffffffffff", math.MinInt64, false, false},
		{"1b8000000000000000", 0, true, false}, // overflows int64
		{"3b8000000000000000", 0, true, false}, // below MinInt64
		{"6161", 0, true, true},                // text
		{"f93c00", 0, true, true},              // float
		{"40", 0, true, true},                  // bytes
		{"", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			got, err := r.Int()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Int() = %d, want error", got)
				}
				var te *TypeError
				if errors.As(err, &te) != tt.typeErr {
					t.Errorf("Int() error %v: TypeError = %v, want %v", err, !tt.typeErr, tt.typeErr)
				}
				if tt.typeErr && r.Off != 0 {
					t.Errorf("Off = %d after a type error, want 0", r.Off)
				}
				return
			}
			if err != nil {
				t.Fatalf("Int() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("Int() = %d, want %d", got, tt.want)
			}
			if !r.Done() {
				t.Errorf("Done() = false after reading the whole item")
			}
		})
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		isFloat bool
	}{
		{"uint", "1a6553f100", 1700000000, false},
		{"negint", "20", -1, false},
		{"negint large", "3903e7", -1000, false},
		{"half one", "f93c00", 1, true},
		{"half minus two", "f9c000", -2, true},
		{"half one and a half", "f93e00", 1.5, true},
		{"half max", "f97bff", 65504, true},
		{"half smallest normal", "f90400", math.Ldexp(1, -14), true},
		{"half smallest subnormal", "f90001", math.Ldexp(1, -24), true},
		{"half largest subnormal", "f903ff", math.Ldexp(1023, -24), true},
		{"half negative subnormal", "f98001", -math.Ldexp(1, -24), true},
		{"half zero", "f90000", 0, true},
		{"half +inf", "f97c00", math.Inf(1), true},
		{"half -inf", "f9fc00", math.Inf(-1), true},
		{"single 100000", "fa47c35000", 100000, true},
		{"single epoch seconds", "fa4ecaa7e2", 1700000000, true}, // a multiple of 128: exact in float32
		{"double 1.1", "fb3ff199999999999a", 1.1, true},
		{"double epoch with fraction", "fb41d954fc40200000", 1700000000.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			got, isFloat, err := r.Number()
			if err != nil {
				t.Fatalf("Number() error = %v", err)
			}
			if got != tt.want || isFloat != tt.isFloat {
				t.Errorf("Number() = (%v, %v), want (%v, %v)", got, isFloat, tt.want, tt.isFloat)
			}
			if math.Signbit(got) != math.Signbit(tt.want) {
				t.Errorf("Number() sign = %v, want %v", math.Signbit(got), math.Signbit(tt.want))
			}
			if !r.Done() {
				t.Errorf("Number() left %d bytes", len(r.B)-r.Off)
			}
		})
	}
}

func TestNumberSpecial(t *testing.T) {
	t.Run("half NaN", func(t *testing.T) {
		r := NewReader([]byte{0xf9, 0x7e, 0x00})
		v, isFloat, err := r.Number()
		if err != nil || !isFloat || !math.IsNaN(v) {
			t.Errorf("Number() = (%v, %v, %v), want (NaN, true, nil)", v, isFloat, err)
		}
	})
	t.Run("half negative zero", func(t *testing.T) {
		r := NewReader([]byte{0xf9, 0x80, 0x00})
		v, _, err := r.Number()
		if err != nil || v != 0 || !math.Signbit(v) {
			t.Errorf("Number() = (%v, %v), want (-0, nil)", v, err)
		}
	})
	// Every finite half-precision value must match the IEEE 754 definition.
	t.Run("all halves", func(t *testing.T) {
		for h := 0; h < 1<<16; h++ {
			exp := (h >> 10) & 0x1f
			if exp == 31 {
				continue
			}
			frac := float64(h & 0x3ff)
			var want float64
			if exp == 0 {
				want = frac / 1024 * math.Pow(2, -14)
			} else {
				want = (1 + frac/1024) * math.Pow(2, float64(exp-15))
			}
			if h&0x8000 != 0 {
				want = -want
			}
			r := NewReader([]byte{0xf9, byte(h >> 8), byte(h)})
			got, _, err := r.Number()
			if err != nil || got != want {
				t.Fatalf("half %#04x: Number() = (%v, %v), want %v", h, got, err, want)
			}
		}
	})
	for _, in := range []string{"f5", "f6", "f7", "6161", "40", "80", "a0", "c000", "f820"} {
		t.Run("not a number "+in, func(t *testing.T) {
			r := NewReader(unhex(t, in))
			_, _, err := r.Number()
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("Number() error = %v, want a *TypeError", err)
			}
			if r.Off != 0 {
				t.Errorf("Off = %d after a type error, want 0", r.Off)
			}
		})
	}
	for _, in := range []string{"", "f9", "f93c", "fa000000", "fb00000000000000"} {
		t.Run("truncated "+in, func(t *testing.T) {
			r := NewReader(unhex(t, in))
			if _, _, err := r.Number(); !errors.Is(err, ErrTruncated) {
				t.Errorf("Number() error = %v, want ErrTruncated", err)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		text    bool
		want    string
		wantErr error
		typeErr bool
	}{
		{"bytes", "43616263", false, "abc", nil, false},
		{"empty bytes", "40", false, "", nil, false},
		{"text", "63616263", true, "abc", nil, false},
		{"bytes long form", "5803616263", false, "abc", nil, false},
		{"bytes truncated body", "446162", false, "", ErrTruncated, false},
		{"bytes length lies", "5bffffffffffffffff00", false, "", ErrTruncated, false},
		{"indefinite bytes", "5f4161ff", false, "", ErrIndefinite, false},
		{"indefinite text", "7f6161ff", true, "", ErrIndefinite, false},
		{"text read as bytes", "6161", false, "", nil, true},
		{"bytes read as text", "4161", true, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			var got []byte
			var err error
			if tt.text {
				got, err = r.Text()
			} else {
				got, err = r.Bytes()
			}
			switch {
			case tt.typeErr:
				var te *TypeError
				if !errors.As(err, &te) {
					t.Fatalf("error = %v, want *TypeError", err)
				}
				if r.Off != 0 {
					t.Errorf("Off = %d after a type error, want 0", r.Off)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
			default:
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if string(got) != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
				if !r.Done() {
					t.Errorf("not all input consumed")
				}
			}
		})
	}
	t.Run("aliases input", func(t *testing.T) {
		in := []byte{0x42, 'x', 'y'}
		r := NewReader(in)
		b, err := r.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		in[1] = 'z'
		if b[0] != 'z' {
			t.Errorf("Bytes() did not alias the input")
		}
	})
}

func TestLengths(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		mapLen  bool
		want    int
		wantErr error
		typeErr bool
	}{
		{"array 0", "80", false, 0, nil, false},
		{"array 4", "8401020304", false, 4, nil, false},
		{"map 2", "a201020304", true, 2, nil, false},
		{"array count exceeds data", "8501020304", false, 0, ErrTruncated, false},
		{"array huge count", "9bffffffffffffffff", false, 0, ErrTruncated, false},
		{"map huge count", "bb7fffffffffffffff00", true, 0, ErrTruncated, false},
		{"indefinite array", "9f01ff", false, 0, ErrIndefinite, false},
		{"indefinite map", "bf0102ff", true, 0, ErrIndefinite, false},
		{"map read as array", "a0", false, 0, nil, true},
		{"array read as map", "80", true, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			var n int
			var err error
			if tt.mapLen {
				n, err = r.MapLen()
			} else {
				n, err = r.ArrayLen()
			}
			switch {
			case tt.typeErr:
				var te *TypeError
				if !errors.As(err, &te) {
					t.Fatalf("error = %v, want *TypeError", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
			default:
				if err != nil || n != tt.want {
					t.Fatalf("got (%d, %v), want (%d, nil)", n, err, tt.want)
				}
			}
		})
	}
}

func TestTag(t *testing.T) {
	tests := []struct {
		in      string
		num     uint64
		ok      bool
		off     int
		wantErr error
	}{
		{"d2", 18, true, 1, nil},
		{"d83d", 61, true, 2, nil},
		{"d862", 98, true, 2, nil},
		{"84", 0, false, 0, nil},
		{"", 0, false, 0, ErrTruncated},
		{"d8", 0, false, 0, ErrTruncated},
		{"df", 0, false, 0, ErrIndefinite},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			num, ok, err := r.Tag()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || ok {
					t.Fatalf("Tag() = (%d, %v, %v), want error %v", num, ok, err, tt.wantErr)
				}
				return
			}
			if err != nil || num != tt.num || ok != tt.ok || r.Off != tt.off {
				t.Errorf("Tag() = (%d, %v, %v) off %d, want (%d, %v, nil) off %d", num, ok, err, r.Off, tt.num, tt.ok, tt.off)
			}
		})
	}
}

// nested returns depth arrays nested in one another around the integer 1.
func nested(depth int, open byte) []byte {
	b := bytes.Repeat([]byte{open}, depth)
	return append(b, 0x01)
}

func TestSkipDepth(t *testing.T) {
	for _, depth := range []int{0, 1, 5, 15, 16, 17, 40} {
		for _, tc := range []struct {
			name string
			open byte
		}{{"array", 0x81}, {"tag", 0xc1}} {
			in := nested(depth, tc.open)
			r := NewReader(in)
			err := r.Skip(16)
			if depth <= 16 {
				if err != nil || !r.Done() {
					t.Errorf("%s depth %d: Skip(16) = %v, done %v; want nil, true", tc.name, depth, err, r.Done())
				}
			} else if !errors.Is(err, ErrTooDeep) {
				t.Errorf("%s depth %d: Skip(16) = %v, want ErrTooDeep", tc.name, depth, err)
			}
		}
	}
	// A map nests like an array: {1: {1: … 1}}.
	for _, depth := range []int{16, 17} {
		in := bytes.Repeat([]byte{0xa1, 0x01}, depth)
		in = append(in, 0x01)
		r := NewReader(in)
		err := r.Skip(16)
		if (err == nil) != (depth <= 16) {
			t.Errorf("map depth %d: Skip(16) = %v", depth, err)
		}
	}
	t.Run("negative depth", func(t *testing.T) {
		r := NewReader([]byte{0x01})
		if err := r.Skip(-1); !errors.Is(err, ErrTooDeep) {
			t.Errorf("Skip(-1) = %v, want ErrTooDeep", err)
		}
	})
	t.Run("scalar at depth 0", func(t *testing.T) {
		r := NewReader([]byte{0x63, 'a', 'b', 'c'})
		if err := r.Skip(0); err != nil || !r.Done() {
			t.Errorf("Skip(0) = %v, done %v", err, r.Done())
		}
	})
}

func TestSkip(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		rest    int // bytes left after the item
		wantErr error
	}{
		{"uint", "1903e8ff", 1, nil},
		{"text", "6361626300", 1, nil},
		{"array", "83010203", 0, nil},
		{"map", "a2010203040a", 1, nil},
		{"nested map in array", "82a1616101f6", 0, nil},
		{"tagged", "c11a65539bf0", 0, nil},
		{"float", "fb3ff199999999999a", 0, nil},
		{"truncated text", "63616263"[:6], 0, ErrTruncated},
		{"truncated array", "830102", 0, ErrTruncated},
		{"truncated map", "a20102", 0, ErrTruncated},
		{"map count lies", "bb0000000100000000", 0, ErrTruncated},
		{"text count lies", "7b0000000100000000", 0, ErrTruncated},
		{"indefinite array inside", "82019f01ff", 0, ErrIndefinite},
		{"indefinite map inside", "a101bf0102ff", 0, ErrIndefinite},
		{"indefinite bytes inside", "81 5f4101ff", 0, ErrIndefinite},
		{"reserved inside", "811c", 0, ErrReserved},
		{"tag without content", "c1", 0, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, stripSpaces(tt.in))
			r := NewReader(in)
			err := r.Skip(16)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Skip() = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Skip() = %v", err)
			}
			if got := len(in) - r.Off; got != tt.rest {
				t.Errorf("Skip() left %d bytes, want %d", got, tt.rest)
			}
		})
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func TestRaw(t *testing.T) {
	in := unhex(t, "a201820203036161ff")
	r := NewReader(in)
	raw, err := r.Raw(16)
	if err != nil {
		t.Fatal(err)
	}
	if want := in[:len(in)-1]; !bytes.Equal(raw, want) {
		t.Errorf("Raw() = %x, want %x", raw, want)
	}
	if r.Off != len(in)-1 {
		t.Errorf("Off = %d, want %d", r.Off, len(in)-1)
	}

	// On error the reader is left where it was.
	bad := unhex(t, "0a829f")
	r = NewReader(bad)
	if _, err := r.Int(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Raw(16); !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrIndefinite) {
		t.Fatalf("Raw() error = %v", err)
	}
	if r.Off != 1 {
		t.Errorf("Off = %d after Raw error, want 1", r.Off)
	}
	deep := nested(3, 0x81)
	r = NewReader(deep)
	if _, err := r.Raw(2); !errors.Is(err, ErrTooDeep) || r.Off != 0 {
		t.Errorf("Raw(2) on depth 3 = %v (off %d), want ErrTooDeep at 0", err, r.Off)
	}
}

func TestPeekAndDone(t *testing.T) {
	var zero Reader
	if !zero.Done() {
		t.Error("zero Reader is not Done")
	}
	if _, err := zero.PeekMajor(); !errors.Is(err, ErrTruncated) {
		t.Errorf("PeekMajor() on empty = %v, want ErrTruncated", err)
	}
	r := NewReader([]byte{0xa0})
	if m, err := r.PeekMajor(); err != nil || m != MajorMap || r.Off != 0 {
		t.Errorf("PeekMajor() = (%d, %v) off %d, want (%d, nil) off 0", m, err, r.Off, MajorMap)
	}
}

func TestTypeErrorMessage(t *testing.T) {
	r := NewReader([]byte{0x01, 0x61, 'a'})
	r.Int()
	_, err := r.Bytes()
	var te *TypeError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want *TypeError", err)
	}
	if te.Want != MajorBytes || te.Got != MajorText || te.Offset != 1 {
		t.Errorf("TypeError = %+v, want {Want: 2, Got: 3, Offset: 1}", *te)
	}
	const want = "cbor: expected byte string, got text string at offset 1"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestAppendHead(t *testing.T) {
	tests := []struct {
		major byte
		arg   uint64
		want  string
	}{
		{MajorUint, 0, "00"},
		{MajorUint, 23, "17"},
		{MajorUint, 24, "1818"},
		{MajorUint, 255, "18ff"},
		{MajorUint, 256, "190100"},
		{MajorUint, 65535, "19ffff"},
		{MajorUint, 65536, "1a00010000"},
		{MajorUint, math.MaxUint32, "1affffffff"},
		{MajorUint, math.MaxUint32 + 1, "1b0000000100000000"},
		{MajorUint, math.MaxUint64, "1bffffffffffffffff"},
		{MajorBytes, 8, "48"},
		{MajorText, 100, "7864"},
		{MajorArray, 4, "84"},
		{MajorMap, 1000, "b903e8"},
		{MajorTag, 18, "d2"},
		{MajorTag, 61, "d83d"},
	}
	for _, tt := range tests {
		got := AppendHead([]byte{0xee}, tt.major, tt.arg)
		if want := "ee" + tt.want; hex.EncodeToString(got) != want {
			t.Errorf("AppendHead(%d, %d) = %x, want %s", tt.major, tt.arg, got, want)
		}
		// The reader reads back what the writer wrote.
		r := NewReader(got[1:])
		major, _, arg, err := r.Head()
		if err != nil || major != tt.major || arg != tt.arg || !r.Done() {
			t.Errorf("Head(AppendHead(%d, %d)) = (%d, %d, %v)", tt.major, tt.arg, major, arg, err)
		}
	}
}

func TestAppendInt(t *testing.T) {
	tests := []struct {
		v    int64
		want string
	}{
		{0, "00"},
		{1, "01"},
		{23, "17"},
		{24, "1818"},
		{-1, "20"},
		{-7, "26"},
		{-24, "37"},
		{-25, "3818"},
		{-37, "3824"},
		{-260, "390103"},
		{1700000000, "1a6553f100"},
		{math.MaxInt64, "1b7fffffffffffffff"},
		{math.MinInt64, "3b7fffffffffffffff"},
	}
	for _, tt := range tests {
		got := AppendInt(nil, tt.v)
		if hex.EncodeToString(got) != tt.want {
			t.Errorf("AppendInt(%d) = %x, want %s", tt.v, got, tt.want)
		}
		r := NewReader(got)
		if v, err := r.Int(); err != nil || v != tt.v {
			t.Errorf("Int(AppendInt(%d)) = (%d, %v)", tt.v, v, err)
		}
	}
}

func TestAppendStrings(t *testing.T) {
	if got := AppendText(nil, "ES256"); hex.EncodeToString(got) != "654553323536" {
		t.Errorf("AppendText = %x", got)
	}
	if got := AppendText(nil, ""); hex.EncodeToString(got) != "60" {
		t.Errorf("AppendText(\"\") = %x", got)
	}
	long := bytes.Repeat([]byte{0xab}, 300)
	got := AppendBytes([]byte{0x01}, long)
	if !bytes.Equal(got[:4], []byte{0x01, 0x59, 0x01, 0x2c}) || !bytes.Equal(got[4:], long) {
		t.Errorf("AppendBytes(300 bytes) head = %x", got[:4])
	}
	r := NewReader(got[1:])
	if b, err := r.Bytes(); err != nil || !bytes.Equal(b, long) {
		t.Errorf("Bytes(AppendBytes) = (%d bytes, %v)", len(b), err)
	}
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"", "00",
		"d2845829a204480102030405060708012643a10126a0",
		"a3016247420419ffff06f93c00",
		"9f01ff", "bf0102ff", "5f4101ff", "1c", "f97c00", "fb7ff8000000000000",
		"818181818181818181818181818181818181818101",
		"bb7fffffffffffffff00", "c1c1c1c100",
	}
	for _, s := range seeds {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Skip and Raw agree, stay within the data, and restore the
		// offset on error.
		r := NewReader(data)
		err := r.Skip(MaxDepthForFuzz)
		if r.Off > len(data) {
			t.Fatalf("Skip moved Off to %d, beyond %d", r.Off, len(data))
		}
		r2 := NewReader(data)
		raw, err2 := r2.Raw(MaxDepthForFuzz)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Skip error %v but Raw error %v", err, err2)
		}
		if err == nil {
			if !bytes.Equal(raw, data[:r.Off]) {
				t.Fatalf("Raw returned %x, want %x", raw, data[:r.Off])
			}
			// A skipped item starting with a head re-reads from its start.
			r3 := NewReader(raw)
			if err := r3.Skip(MaxDepthForFuzz); err != nil || !r3.Done() {
				t.Fatalf("re-skipping the raw item: %v, done %v", err, r3.Done())
			}
		} else if r2.Off != 0 {
			t.Fatalf("Raw left Off at %d after error", r2.Off)
		}

		// The typed readers never panic and never move past the end.
		readers := []func(*Reader) error{
			func(r *Reader) error { _, _, _, err := r.Head(); return err },
			func(r *Reader) error { _, err := r.Int(); return err },
			func(r *Reader) error { _, _, err := r.Number(); return err },
			func(r *Reader) error { _, err := r.Bytes(); return err },
			func(r *Reader) error { _, err := r.Text(); return err },
			func(r *Reader) error { _, err := r.ArrayLen(); return err },
			func(r *Reader) error { _, err := r.MapLen(); return err },
			func(r *Reader) error {
				_, ok, err := r.Tag()
				if err == nil && !ok {
					return errNotTag
				}
				return err
			},
		}
		for _, read := range readers {
			rr := NewReader(data)
			for i := 0; i < 4 && !rr.Done(); i++ {
				before := rr.Off
				if err := read(&rr); err != nil {
					if rr.Off != before {
						var te *TypeError
						if errors.As(err, &te) {
							t.Fatalf("type error moved Off from %d to %d", before, rr.Off)
						}
					}
					break
				}
				if rr.Off > len(data) || rr.Off <= before {
					t.Fatalf("reader moved Off from %d to %d (len %d)", before, rr.Off, len(data))
				}
			}
		}
	})
}

var errNotTag = errors.New("not a tag")

// MaxDepthForFuzz is the nesting limit the codecs use.
const MaxDepthForFuzz = 16

func TestNumericDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		err      error // nil, ErrDateRange, or a *TypeError when typeErr
		typeErr  bool
	}{
		{"uint", "1a60a5f2c0", time.Unix(1621488320, 0).UTC(), nil, false},
		{"negative", "20", time.Unix(-1, 0).UTC(), nil, false},
		{"float", "fb41d8297cb0200000", time.Unix(1621488320, 500000000).UTC(), nil, false},
		{"NaN", "f97e00", time.Time{}, ErrDateRange, false},
		{"infinity", "f97c00", time.Time{}, ErrDateRange, false},
		{"beyond 2^62", "1b7fffffffffffffff", time.Time{}, ErrDateRange, false},
		{"text", "6161", time.Time{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(unhex(t, tt.in))
			got, err := r.NumericDate()
			var te *TypeError
			switch {
			case tt.typeErr:
				if !errors.As(err, &te) || r.Off != 0 {
					t.Fatalf("err %v, offset %d; want a *TypeError at offset 0", err, r.Off)
				}
			case tt.err != nil:
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
			case err != nil || !got.Equal(tt.want) || got.Location() != time.UTC:
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
