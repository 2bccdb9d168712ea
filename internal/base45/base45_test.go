package base45

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// Examples from RFC 9285 §4.3 and §4.4, plus edge values.
var vectors = []struct {
	raw string
	enc string
}{
	{"", ""},
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"\x00", "00"},
	{"\xff", "U5"},
	{"\x00\x00", "000"},
	{"\xff\xff", "FGW"},
}

func TestEncodeDecode(t *testing.T) {
	for _, v := range vectors {
		if got := EncodeToString([]byte(v.raw)); got != v.enc {
			t.Errorf("Encode(%q) = %q, want %q", v.raw, got, v.enc)
		}
		got, err := DecodeString(v.enc)
		if err != nil {
			t.Errorf("Decode(%q): %v", v.enc, err)
			continue
		}
		if string(got) != v.raw {
			t.Errorf("Decode(%q) = %q, want %q", v.enc, got, v.raw)
		}
		if DecodedLen(len(v.enc)) != len(v.raw) || EncodedLen(len(v.raw)) != len(v.enc) {
			t.Errorf("length helpers disagree for %q", v.raw)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset int
	}{
		{"single char", "A", 0},
		{"four chars", "BB8A", 3},
		{"lower case", "bb8", 0},
		{"char outside alphabet", "BB#", 2},
		{"triple over 65535", "GGW", 0},
		{"pair over 255", "BB8V5", 3},
		{"bad char in pair", "BB8A_", 4},
		{"NUL", "\x00BB", 0},
		{"high byte", "BB\xc3", 2},
		{"RFC example of invalid triple", ":::", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeString(tt.in)
			var ce *CorruptInputError
			if !errors.As(err, &ce) {
				t.Fatalf("Decode(%q) error = %v, want *CorruptInputError", tt.in, err)
			}
			if ce.Offset != tt.offset {
				t.Errorf("offset = %d, want %d (%v)", ce.Offset, tt.offset, err)
			}
		})
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		got, err := DecodeString(EncodeToString(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %d bytes failed: %v", n, err)
		}
	}
}

func TestAppendDecodeNoAllocWithCapacity(t *testing.T) {
	enc := EncodeToString(bytes.Repeat([]byte{0x78, 0xda, 0x01}, 200))
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := AppendDecode(buf[:0], enc); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendDecode allocated %.0f times with a large enough buffer", allocs)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.enc)
	}
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeString(s)
		if err != nil {
			return
		}
		if EncodeToString(b) != s {
			t.Fatalf("decode of %q is not canonical: re-encodes to %q", s, EncodeToString(b))
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	enc := EncodeToString(bytes.Repeat([]byte{0x78, 0xda, 0x01}, 130))
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendDecode(buf[:0], enc)
	}
}

func BenchmarkEncode(b *testing.B) {
	src := make([]byte, 400)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]byte, 0, EncodedLen(len(src)))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		AppendEncode(dst[:0], src)
	}
}
