package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// flateInflate is the reference: compress/flate over a bytes.Reader, which
// it reads a byte at a time, so the reader's position after the stream is
// the number of input bytes the stream took. Output beyond max is
// ErrTooLarge even when an error comes with the same Read (compress/flate
// returns the data decoded before an error together with the error).
func flateInflate(src []byte, max int) (out []byte, n int, err error) {
	br := bytes.NewReader(src)
	r := flate.NewReader(br)
	buf := make([]byte, 4096)
	for {
		k, rerr := r.Read(buf)
		out = append(out, buf[:k]...)
		if len(out) > max {
			return nil, 0, ErrTooLarge
		}
		if rerr == io.EOF {
			return out, len(src) - br.Len(), nil
		}
		if rerr != nil {
			return nil, 0, rerr
		}
	}
}

// streams returns raw DEFLATE streams of every block type and shape, with
// what they decompress to: ours (stored, fixed Huffman) and compress/flate
// at several levels (dynamic codes, several blocks, stored blocks from
// NoCompression, Huffman-only, and an empty stored block from a Flush
// between two Huffman blocks).
func streams(t testing.TB) map[string][2][]byte {
	t.Helper()
	m := make(map[string][2][]byte)
	for name, src := range inputs() {
		m[name+"/ours"] = [2][]byte{AppendDeflate(nil, src), src}
		for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			var b bytes.Buffer
			w, err := flate.NewWriter(&b, level)
			if err != nil {
				t.Fatal(err)
			}
			half := len(src) / 2
			w.Write(src[:half])
			if level == flate.DefaultCompression {
				w.Flush()
			}
			w.Write(src[half:])
			w.Close()
			m[fmt.Sprintf("%s/level %d", name, level)] = [2][]byte{b.Bytes(), src}
		}
	}
	return m
}

func TestInflate(t *testing.T) {
	for name, s := range streams(t) {
		t.Run(name, func(t *testing.T) {
			z, want := s[0], s[1]
			// Trailing bytes are left alone and counted out.
			in := append(bytes.Clone(z), 0xde, 0xad)
			got, n, err := AppendInflate([]byte("prefix"), in, len(want))
			if err != nil {
				t.Fatalf("AppendInflate: %v", err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("output differs: %d bytes, want %d", len(got)-len("prefix"), len(want))
			}
			if n != len(z) {
				t.Errorf("consumed %d bytes, the stream is %d", n, len(z))
			}
			// One byte under the size is too large, and loses nothing.
			if len(want) > 0 {
				got, _, err := AppendInflate([]byte("prefix"), z, len(want)-1)
				if !errors.Is(err, ErrTooLarge) || string(got) != "prefix" {
					t.Errorf("limit %d: %q, %v; want ErrTooLarge and dst unchanged", len(want)-1, got[:min(len(got), 10)], err)
				}
			}
			// Every truncation is refused, with the kind of error
			// compress/flate gives (truncated, or corrupt where the cut
			// leaves bits that decode to no code).
			for cut := 0; cut < len(z); cut += 1 + len(z)/50 {
				_, _, err := AppendInflate(nil, z[:cut], len(want))
				if err == nil {
					t.Fatalf("truncated to %d of %d bytes: no error", cut, len(z))
				}
				if _, _, ferr := flateInflate(z[:cut], len(want)); kind(err) != kind(ferr) {
					t.Fatalf("truncated to %d of %d bytes: %v; compress/flate: %v", cut, len(z), err, ferr)
				}
			}
		})
	}
}

// TestInflateErrors: hand-built streams for each refusal.
func TestInflateErrors(t *testing.T) {
	corrupt := func(problem string) error { return &CorruptError{Problem: problem} }
	for _, tt := range []struct {
		name string
		bits string // the stream, least significant bit of each byte first
		max  int
		want error
	}{
		{"empty input", "", 100, io.ErrUnexpectedEOF},
		{"reserved block type", "111", 100, corrupt("reserved block type 3")},
		{"stored length and complement", "100 00000 0000000000000000 0000000000000000", 100, corrupt("stored block length and its complement disagree")},
		{"stored truncated header", "100 00000 00000000", 100, io.ErrUnexpectedEOF},
		{"stored truncated data", "100 00000 0100000000000000 1011111111111111 00000000", 100, io.ErrUnexpectedEOF},
		{"stored over limit", "100 00000 0100000000000000 1011111111111111 00000000 00000000", 1, ErrTooLarge},
		// Fixed: literal 'a' (0x61 → 0x91 = 10010001), then symbol 286
		// (11000110).
		{"fixed symbol 286", "110 10010001 11000110", 100, corrupt("invalid literal/length symbol 286")},
		// 'a', then length 3 (symbol 257 = 0000001) at distance code 30.
		{"fixed distance 30", "110 10010001 0000001 11110", 100, corrupt("invalid distance symbol 30")},
		// 'a', then length 3 at distance 2 (code 1).
		{"distance before output", "110 10010001 0000001 00001", 100, corrupt("distance 2 reaches before the start of the output (1 bytes)")},
		{"match over limit", "110 10010001 0000001 00000 0000000", 3, ErrTooLarge},
		{"literal over limit", "110 10010001 10010001 0000000", 1, ErrTooLarge},
		{"fixed truncated", "110 1001", 100, io.ErrUnexpectedEOF},
		// Dynamic: HLIT 0 (257), HDIST 0 (1), HCLEN 15 (19) with every
		// code-length code of length 1: over-subscribed.
		{"over-subscribed code-length code", "101 00000 00000 1111" + repeat("100", 19), 100, corrupt("over-subscribed code-length code")},
		// HCLEN 0 (4 codes: 16, 17, 18, 0) all of length 0: every
		// code-length lookup fails.
		{"empty code-length code", "101 00000 00000 0000 000 000 000 000", 100, corrupt("invalid code-length code")},
		// Code lengths 16 and 17 of length 1: symbol 16 first repeats
		// nothing.
		{"repeat with no previous length", "101 00000 00000 0000 100 100 000 000 0", 100, corrupt("repeat of the previous code length with none before it")},
		// Lengths 17 (0) and 18 (1): 18 with 7 extra bits 127 repeats
		// 138 zeros, twice is past 258.
		{"repeat past the table", "101 00000 00000 0000 000 100 100 000 1 1111111 1 1111111", 100, corrupt("code lengths repeated past the end of the table")},
		{"too many literal codes", "101 01111 00000 0000", 100, corrupt("287 literal/length codes (at most 286)")},
		{"too many distance codes", "101 00000 01111 0000", 100, corrupt("31 distance codes (at most 30)")},
		// Code-length symbols 0 (code 0) and 18 (code 1): 138 + 120
		// zeros for all 258 lengths, an empty literal/length code whose
		// first lookup fails.
		{"empty literal code", "101 00000 00000 0000 000 000 100 100 1 1111111 1 1011011", 100, corrupt("invalid literal/length code")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := bitsToBytes(tt.bits)
			got, _, err := AppendInflate([]byte("x"), src, tt.max)
			if string(got) != "x" {
				t.Errorf("dst changed to %q", got)
			}
			var ce *CorruptError
			switch want := tt.want.(type) {
			case *CorruptError:
				if !errors.As(err, &ce) || ce.Problem != want.Problem {
					t.Fatalf("error %v, want corrupt input: %s", err, want.Problem)
				}
				if msg := fmt.Sprintf("deflate: %s at input byte %d", ce.Problem, ce.Offset); err.Error() != msg || ce.Offset > len(src) {
					t.Errorf("message %q, want %q (offset within the %d-byte input)", err.Error(), msg, len(src))
				}
			default:
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
			}
			// compress/flate refuses the same streams.
			if _, _, ferr := flateInflate(src, tt.max); ferr == nil {
				t.Errorf("compress/flate accepts %x", src)
			}
		})
	}
}

// TestInflateEndsBeforeShortestCode: a dynamic block whose input ends with
// fewer bits than its shortest distance code is truncated, even though the
// zero-padded lookup finds no code there (found by fuzzing hcert: this
// reported corrupt data where compress/flate reports a truncation).
func TestInflateEndsBeforeShortestCode(t *testing.T) {
	src := []byte{0xec, 0xc0, 0x31, 0x01, 0x00, 0x00, 0x00, 0xc2, 0xa0, 0xda, 0xc6, 0x37, 0xc5, 0x37, 0x58, 0x80}
	_, _, err := AppendInflate(nil, src, 4096)
	_, _, ferr := flateInflate(src, 4096)
	if !errors.Is(err, io.ErrUnexpectedEOF) || kind(ferr) != "truncated" {
		t.Errorf("AppendInflate: %v; compress/flate: %v; want both truncated", err, ferr)
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// bitsToBytes packs a string of 0s and 1s (spaces ignored) into bytes,
// the first bit into the least significant bit of the first byte.
func bitsToBytes(s string) []byte {
	var out []byte
	n := 0
	for _, c := range s {
		if c != '0' && c != '1' {
			continue
		}
		if n%8 == 0 {
			out = append(out, 0)
		}
		if c == '1' {
			out[n/8] |= 1 << (n % 8)
		}
		n++
	}
	return out
}

// TestInflateAllocations: inflating into a large enough dst allocates
// nothing (the tables are pooled).
func TestInflateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	dst := make([]byte, 0, 4096)
	for _, s := range benchStreams() {
		AppendInflate(dst, s.z, 1<<16) // warm the pool
		if n := testing.AllocsPerRun(100, func() { AppendInflate(dst[:0], s.z, 1<<16) }); n != 0 {
			t.Errorf("%s: %v allocations, want 0", s.name, n)
		}
	}
}

// TestInflateDegenerateCodes: a dynamic block whose distance code is a
// single one-bit code (zlib writes these) or empty (a block of literals
// only) is accepted, as compress/flate accepts it.
func TestInflateDegenerateCodes(t *testing.T) {
	lit := make([]uint8, 257)
	lit['a'], lit[256] = 1, 1 // 'a' is code 0, end of block code 1
	for _, dist := range []uint8{1, 0} {
		src := dynamicBlock(lit, []uint8{dist}, "0 0 0 1")
		got, n, err := AppendInflate(nil, src, 100)
		if err != nil || string(got) != "aaa" || n != len(src) {
			t.Errorf("distance code length %d: %q, %d of %d bytes, %v", dist, got, n, len(src), err)
		}
		if want, _, ferr := flateInflate(src, 100); ferr != nil || string(want) != "aaa" {
			t.Errorf("compress/flate: %q, %v", want, ferr)
		}
	}
	// A single literal code of one bit is degenerate too; two codes of
	// one bit and one of two over-subscribe; one of two bits is
	// incomplete.
	for _, tt := range []struct {
		name    string
		lit     map[int]uint8
		problem string
	}{
		{"over-subscribed", map[int]uint8{'a': 1, 'b': 1, 256: 2}, "over-subscribed literal/length code"},
		{"incomplete", map[int]uint8{'a': 1, 256: 2}, "incomplete literal/length code"},
	} {
		lit := make([]uint8, 257)
		for sym, l := range tt.lit {
			lit[sym] = l
		}
		_, _, err := AppendInflate(nil, dynamicBlock(lit, []uint8{1}, "0 0"), 100)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Problem != tt.problem {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.problem)
		}
	}
}

// TestInflateLongCodes: codes of every length up to 15 bits, in both the
// literal/length and the distance code, so that second-level tables of
// several sizes are built and read.
func TestInflateLongCodes(t *testing.T) {
	// Lengths 1, 2, …, 14, 15, 15: a complete code of 16 symbols.
	lit := make([]uint8, 258)
	for i := range 14 {
		lit['a'+i] = uint8(i + 1)
	}
	lit[256], lit[257] = 15, 15
	dist := make([]uint8, 16)
	for i := 1; i < 15; i++ {
		dist[i] = uint8(i)
	}
	dist[0], dist[15] = 15, 15
	lc, dc := canonical(lit), canonical(dist)
	code := func(codes []uint32, lengths []uint8, sym int) string {
		return msb(int(codes[sym]), int(lengths[sym]))
	}
	// "a", "n", then a match of 3 at distance 1, then "m" and the end.
	data := code(lc, lit, 'a') + code(lc, lit, 'n') + code(lc, lit, 257) + code(dc, dist, 0) +
		code(lc, lit, 'm') + code(lc, lit, 256)
	src := dynamicBlock(lit, dist, data)
	got, n, err := AppendInflate(nil, src, 100)
	if err != nil || string(got) != "annnnm" || n != len(src) {
		t.Fatalf("%q, %d of %d bytes, %v", got, n, len(src), err)
	}
	if want, _, ferr := flateInflate(src, 100); ferr != nil || string(want) != "annnnm" {
		t.Errorf("compress/flate: %q, %v", want, ferr)
	}
}

// canonical returns the canonical Huffman codes of RFC 1951 §3.2.2 for the
// given code lengths.
func canonical(lengths []uint8) []uint32 {
	var count, next [16]uint32
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	code := uint32(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	codes := make([]uint32, len(lengths))
	for sym, l := range lengths {
		if l != 0 {
			codes[sym] = next[l]
			next[l]++
		}
	}
	return codes
}

// dynamicBlock writes a final dynamic block with the given literal/length
// and distance code lengths followed by the data bits. The code lengths
// are sent with a code-length code giving 0–15 four-bit codes (complete),
// so length l is sent as the four bits of l, most significant first.
func dynamicBlock(lit, dist []uint8, data string) []byte {
	s := "101" + lsb(len(lit)-257, 5) + lsb(len(dist)-1, 5) + lsb(19-4, 4)
	for _, sym := range codeOrder {
		if sym < 16 {
			s += lsb(4, 3)
		} else {
			s += lsb(0, 3)
		}
	}
	for _, l := range append(append([]uint8(nil), lit...), dist...) {
		s += msb(int(l), 4)
	}
	return bitsToBytes(s + data)
}

// lsb and msb write the n low bits of v least or most significant first.
func lsb(v, n int) string {
	out := ""
	for i := range n {
		out += string(rune('0' + v>>i&1))
	}
	return out
}

func msb(v, n int) string {
	out := ""
	for i := n - 1; i >= 0; i-- {
		out += string(rune('0' + v>>i&1))
	}
	return out
}

// FuzzInflate holds AppendInflate to compress/flate: the same output and
// the same number of input bytes taken, or both refuse.
func FuzzInflate(f *testing.F) {
	n := 0
	for _, s := range streams(f) {
		if len(s[0]) <= 1200 && n < 60 {
			f.Add(s[0])
			n++
		}
	}
	f.Add(bitsToBytes("110 10010001 0000001 00000 0000000"))
	lit := make([]uint8, 257)
	lit['a'], lit[256] = 1, 1
	f.Add(dynamicBlock(lit, []uint8{1}, "0 0 0 1"))
	f.Fuzz(func(t *testing.T, src []byte) {
		const max = 1 << 16
		got, n, err := AppendInflate(nil, src, max)
		want, wn, ferr := flateInflate(src, max)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("AppendInflate: %v; compress/flate: %v", err, ferr)
		}
		if err != nil {
			if len(got) != 0 || n != 0 {
				t.Fatalf("error %v with %d bytes out, %d taken", err, len(got), n)
			}
			// The same kind of error: truncated, corrupt or too large.
			if kind(err) == "" || kind(err) != kind(ferr) {
				t.Fatalf("AppendInflate: %v; compress/flate: %v", err, ferr)
			}
			return
		}
		if !bytes.Equal(got, want) || n != wn {
			t.Fatalf("output %d bytes (%d taken), compress/flate %d bytes (%d taken)", len(got), n, len(want), wn)
		}
	})
}

// benchStreams are credential-sized streams of each block type: a
// 400-byte mix of text and random bytes as our encoder writes it (fixed
// Huffman), as compress/flate writes it at its best level (dynamic), and
// stored.
func benchStreams() []struct {
	name string
	z    []byte
} {
	text := inputs()["text"]
	src := append(bytes.Clone(text[:300]), inputs()["random 400"][:100]...)
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(src)
	w.Close()
	var s bytes.Buffer
	w, _ = flate.NewWriter(&s, flate.NoCompression)
	w.Write(src)
	w.Close()
	return []struct {
		name string
		z    []byte
	}{{"fixed", AppendDeflate(nil, src)}, {"dynamic", b.Bytes()}, {"stored", s.Bytes()}}
}

// BenchmarkInflate pairs AppendInflate with a reused compress/flate reader
// (what the verifier used before) on each block type.
func BenchmarkInflate(b *testing.B) {
	for _, s := range benchStreams() {
		out := make([]byte, 0, 4096)
		b.Run(s.name+"/ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := AppendInflate(out[:0], s.z, 1<<16); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/compress-flate", func(b *testing.B) {
			b.ReportAllocs()
			var br bytes.Reader
			r := flate.NewReader(&br)
			for b.Loop() {
				br.Reset(s.z)
				r.(flate.Resetter).Reset(&br, nil)
				o := out[:0]
				for {
					n, err := r.Read(o[len(o):cap(o)])
					o = o[:len(o)+n]
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// kind classifies an error of AppendInflate or of flateInflate.
func kind(err error) string {
	var ce *CorruptError
	var fce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case errors.Is(err, ErrTooLarge):
		return "too large"
	case errors.As(err, &ce), errors.As(err, &fce):
		return "corrupt"
	}
	return ""
}
