// Package cborx is a small, strict, allocation-free CBOR (RFC 8949) reader
// and writer for the fixed structures of COSE and CWT: envelopes, header
// maps and claim maps. Free-form payloads such as the DCC are decoded with
// fxamacker/cbor instead.
//
// The reader accepts definite lengths only, preferred ("shortest") argument
// encodings are not required, and nesting is bounded while skipping.
package cborx

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Major types.
const (
	MajorUint   = 0
	MajorNegInt = 1
	MajorBytes  = 2
	MajorText   = 3
	MajorArray  = 4
	MajorMap    = 5
	MajorTag    = 6
	MajorSimple = 7
)

// Errors returned by the reader.
var (
	ErrTruncated  = errors.New("cbor: unexpected end of data")
	ErrIndefinite = errors.New("cbor: indefinite-length item")
	ErrReserved   = errors.New("cbor: reserved additional information")
	ErrTooDeep    = errors.New("cbor: nesting too deep")
)

// TypeError reports an item of a different major type than expected.
type TypeError struct {
	Want, Got byte
	Offset    int
}

var majorNames = [8]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value or float"}

func (e *TypeError) Error() string {
	return fmt.Sprintf("cbor: expected %s, got %s at offset %d", majorNames[e.Want&7], majorNames[e.Got&7], e.Offset)
}

// Reader reads CBOR items from a byte slice. The zero value reads nothing;
// set B to the data.
type Reader struct {
	B   []byte
	Off int
}

// NewReader returns a Reader over b.
func NewReader(b []byte) Reader { return Reader{B: b} }

// Done reports whether every byte has been read.
func (r *Reader) Done() bool { return r.Off >= len(r.B) }

// PeekMajor returns the major type of the next item without consuming it.
func (r *Reader) PeekMajor() (byte, error) {
	if r.Off >= len(r.B) {
		return 0, ErrTruncated
	}
	return r.B[r.Off] >> 5, nil
}

// Head reads an item head: its major type, additional information and
// argument. Indefinite lengths are refused for strings, arrays and maps.
// For major type 7 the argument is the raw simple value or float bits.
func (r *Reader) Head() (major, info byte, arg uint64, err error) {
	if r.Off >= len(r.B) {
		return 0, 0, 0, ErrTruncated
	}
	ib := r.B[r.Off]
	major, info = ib>>5, ib&0x1f
	p := r.Off + 1
	switch {
	case info < 24:
		arg = uint64(info)
	case info <= 27:
		n := 1 << (info - 24)
		if len(r.B)-p < n {
			return 0, 0, 0, ErrTruncated
		}
		for i := 0; i < n; i++ {
			arg = arg<<8 | uint64(r.B[p+i])
		}
		p += n
	case info == 31:
		return 0, 0, 0, ErrIndefinite
	default:
		return 0, 0, 0, ErrReserved
	}
	r.Off = p
	return major, info, arg, nil
}

func (r *Reader) expect(want byte) (uint64, error) {
	start := r.Off
	major, _, arg, err := r.Head()
	if err != nil {
		return 0, err
	}
	if major != want {
		r.Off = start
		return 0, &TypeError{Want: want, Got: major, Offset: start}
	}
	return arg, nil
}

// Bytes reads a byte string and returns a slice aliasing the input.
func (r *Reader) Bytes() ([]byte, error) { return r.str(MajorBytes) }

// Text reads a text string and returns a slice aliasing the input. The
// caller converts it to a string if it needs one.
func (r *Reader) Text() ([]byte, error) { return r.str(MajorText) }

func (r *Reader) str(major byte) ([]byte, error) {
	n, err := r.expect(major)
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.B)-r.Off) {
		return nil, ErrTruncated
	}
	s := r.B[r.Off : r.Off+int(n)]
	r.Off += int(n)
	return s, nil
}

// ArrayLen reads an array head and returns its length.
func (r *Reader) ArrayLen() (int, error) { return r.length(MajorArray) }

// MapLen reads a map head and returns its number of pairs.
func (r *Reader) MapLen() (int, error) { return r.length(MajorMap) }

func (r *Reader) length(major byte) (int, error) {
	n, err := r.expect(major)
	if err != nil {
		return 0, err
	}
	// Every element takes at least one byte: a longer count is a lie.
	if n > uint64(len(r.B)-r.Off) {
		return 0, ErrTruncated
	}
	return int(n), nil
}

// Int reads an integer (major type 0 or 1) that fits an int64.
func (r *Reader) Int() (int64, error) {
	start := r.Off
	major, _, arg, err := r.Head()
	if err != nil {
		return 0, err
	}
	switch major {
	case MajorUint:
		if arg > math.MaxInt64 {
			return 0, fmt.Errorf("cbor: integer %d overflows int64", arg)
		}
		return int64(arg), nil
	case MajorNegInt:
		if arg > math.MaxInt64 {
			return 0, fmt.Errorf("cbor: integer -1-%d overflows int64", arg)
		}
		return -1 - int64(arg), nil
	}
	r.Off = start
	return 0, &TypeError{Want: MajorUint, Got: major, Offset: start}
}

// Number reads an integer or a floating-point number (half, single or
// double precision) as a float64, and reports whether it was a float.
func (r *Reader) Number() (v float64, isFloat bool, err error) {
	start := r.Off
	major, info, arg, err := r.Head()
	if err != nil {
		return 0, false, err
	}
	switch major {
	case MajorUint:
		return float64(arg), false, nil
	case MajorNegInt:
		return -1 - float64(arg), false, nil
	case MajorSimple:
		switch info {
		case 25:
			return HalfToFloat(uint16(arg)), true, nil
		case 26:
			return float64(math.Float32frombits(uint32(arg))), true, nil
		case 27:
			return math.Float64frombits(arg), true, nil
		}
	}
	r.Off = start
	return 0, false, &TypeError{Want: MajorUint, Got: major, Offset: start}
}

// ErrDateRange marks a NumericDate that is well-formed CBOR but no date:
// NaN, an infinity, or beyond ±2^62 seconds.
var ErrDateRange = errors.New("NumericDate out of range")

// NumericDate reads a NumericDate (RFC 8392): seconds since the epoch as an
// integer or a floating-point number, returned in UTC. A value of another
// type is a *TypeError and leaves the reader where it was; a number that is
// no date is ErrDateRange.
func (r *Reader) NumericDate() (time.Time, error) {
	v, isFloat, err := r.Number()
	if err != nil {
		return time.Time{}, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < -(1<<62) || v > 1<<62 {
		return time.Time{}, fmt.Errorf("%w: %v", ErrDateRange, v)
	}
	if !isFloat {
		return time.Unix(int64(v), 0).UTC(), nil
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// HalfToFloat converts the bits of an IEEE 754 half-precision float.
func HalfToFloat(h uint16) float64 {
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			v = math.Inf(1)
		} else {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(mant+1024, exp-25)
	}
	if h&0x8000 != 0 {
		return -v
	}
	return v
}

// Tag reads a tag head if the next item is a tag and returns its number;
// ok is false, and nothing is consumed, when the next item is not a tag.
func (r *Reader) Tag() (num uint64, ok bool, err error) {
	m, err := r.PeekMajor()
	if err != nil || m != MajorTag {
		return 0, false, err
	}
	_, _, num, err = r.Head()
	return num, err == nil, err
}

// Skip consumes one complete item, descending at most maxDepth levels into
// arrays, maps and tags.
func (r *Reader) Skip(maxDepth int) error {
	if maxDepth < 0 {
		return ErrTooDeep
	}
	major, _, arg, err := r.Head()
	if err != nil {
		return err
	}
	switch major {
	case MajorBytes, MajorText:
		if arg > uint64(len(r.B)-r.Off) {
			return ErrTruncated
		}
		r.Off += int(arg)
	case MajorArray, MajorMap:
		if arg > uint64(len(r.B)-r.Off) {
			return ErrTruncated
		}
		n := int(arg)
		if major == MajorMap {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := r.Skip(maxDepth - 1); err != nil {
				return err
			}
		}
	case MajorTag:
		return r.Skip(maxDepth - 1)
	}
	return nil
}

// Raw consumes one complete item and returns its encoded bytes.
func (r *Reader) Raw(maxDepth int) ([]byte, error) {
	start := r.Off
	if err := r.Skip(maxDepth); err != nil {
		r.Off = start
		return nil, err
	}
	return r.B[start:r.Off], nil
}

// AppendHead appends an item head with the shortest encoding of arg.
func AppendHead(b []byte, major byte, arg uint64) []byte {
	m := major << 5
	switch {
	case arg < 24:
		return append(b, m|byte(arg))
	case arg <= math.MaxUint8:
		return append(b, m|24, byte(arg))
	case arg <= math.MaxUint16:
		return append(b, m|25, byte(arg>>8), byte(arg))
	case arg <= math.MaxUint32:
		return append(b, m|26, byte(arg>>24), byte(arg>>16), byte(arg>>8), byte(arg))
	}
	return append(b, m|27, byte(arg>>56), byte(arg>>48), byte(arg>>40), byte(arg>>32),
		byte(arg>>24), byte(arg>>16), byte(arg>>8), byte(arg))
}

// AppendInt appends an integer.
func AppendInt(b []byte, v int64) []byte {
	if v < 0 {
		return AppendHead(b, MajorNegInt, uint64(-1-v))
	}
	return AppendHead(b, MajorUint, uint64(v))
}

// AppendBytes appends a byte string.
func AppendBytes(b, s []byte) []byte {
	return append(AppendHead(b, MajorBytes, uint64(len(s))), s...)
}

// AppendText appends a text string.
func AppendText(b []byte, s string) []byte {
	return append(AppendHead(b, MajorText, uint64(len(s))), s...)
}
