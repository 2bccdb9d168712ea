// Package base45 implements the Base45 encoding of RFC 9285, the text form
// of HCERT QR codes.
//
// Base45 encodes every two bytes as three characters of the 45-character QR
// alphanumeric alphabet, and a trailing single byte as two characters. The
// decoder is strict: it rejects characters outside the alphabet, a length
// that leaves one character over (n mod 3 == 1), and any triple or pair whose
// value does not fit the bytes it encodes.
package base45

import (
	"fmt"
	"strconv"
)

// Alphabet is the RFC 9285 alphabet in value order.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// invalid marks a byte outside the alphabet in the decode table.
const invalid = 0xff

var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = invalid
	}
	for i := 0; i < len(Alphabet); i++ {
		m[Alphabet[i]] = byte(i)
	}
	return m
}()

// CorruptInputError reports the offset of the first invalid character or
// group in the input.
type CorruptInputError struct {
	Offset int    // byte offset into the input
	Reason string // what is wrong there
}

func (e *CorruptInputError) Error() string {
	return "base45: " + e.Reason + " at offset " + strconv.Itoa(e.Offset)
}

// EncodedLen returns the length of the Base45 encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the length of the bytes encoded by n Base45 characters.
// It returns -1 for a length no valid encoding has (n mod 3 == 1).
func DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// AppendEncode appends the Base45 encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	for i := 0; i+1 < len(src); i += 2 {
		v := int(src[i])<<8 | int(src[i+1])
		dst = append(dst, Alphabet[v%45], Alphabet[v/45%45], Alphabet[v/2025])
	}
	if len(src)%2 == 1 {
		v := int(src[len(src)-1])
		dst = append(dst, Alphabet[v%45], Alphabet[v/45])
	}
	return dst
}

// EncodeToString returns the Base45 encoding of src.
func EncodeToString(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// AppendDecode appends the bytes encoded by src to dst. On error dst is
// returned unchanged up to its original length plus whatever was decoded
// before the bad group; callers should discard it.
func AppendDecode(dst []byte, src string) ([]byte, error) {
	if DecodedLen(len(src)) < 0 {
		return dst, &CorruptInputError{Offset: len(src) - 1, Reason: fmt.Sprintf("length %d leaves a single character over", len(src))}
	}
	i := 0
	for ; i+2 < len(src); i += 3 {
		c, d, e := decodeMap[src[i]], decodeMap[src[i+1]], decodeMap[src[i+2]]
		if c|d|e == invalid || c == invalid || d == invalid || e == invalid {
			return dst, badChar(src, i, 3)
		}
		v := int(c) + int(d)*45 + int(e)*2025
		if v > 0xffff {
			return dst, &CorruptInputError{Offset: i, Reason: fmt.Sprintf("group %q encodes %d, over 65535", src[i:i+3], v)}
		}
		dst = append(dst, byte(v>>8), byte(v))
	}
	if i+2 == len(src) {
		c, d := decodeMap[src[i]], decodeMap[src[i+1]]
		if c == invalid || d == invalid {
			return dst, badChar(src, i, 2)
		}
		v := int(c) + int(d)*45
		if v > 0xff {
			return dst, &CorruptInputError{Offset: i, Reason: fmt.Sprintf("final pair %q encodes %d, over 255", src[i:i+2], v)}
		}
		dst = append(dst, byte(v))
	}
	return dst, nil
}

// DecodeString returns the bytes encoded by src.
func DecodeString(src string) ([]byte, error) {
	n := DecodedLen(len(src))
	if n < 0 {
		n = 0
	}
	return AppendDecode(make([]byte, 0, n), src)
}

func badChar(src string, i, n int) error {
	for j := i; j < i+n; j++ {
		if decodeMap[src[j]] == invalid {
			return &CorruptInputError{Offset: j, Reason: fmt.Sprintf("character %q is not in the Base45 alphabet", src[j])}
		}
	}
	return &CorruptInputError{Offset: i, Reason: "invalid group"}
}
