package deflate

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

func inflate(t testing.TB, z []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("zlib header: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

func bestCompression(src []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(src)
	w.Close()
	return b.Bytes()
}

// inputs covers the shapes the encoder must handle: empty, tiny, runs
// (overlapping matches), text, random bytes (the stored fallback),
// lengths around MaxSmall, and matches of every length and far distances.
func inputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	text := []byte(strings.Repeat("URN:UVCI:01:GB:1A2B3C4D5E6F7G8H#J; EU/1/20/1528 ORG-100030215 ", 40))
	m := map[string][]byte{
		"empty":        {},
		"one":          {'x'},
		"two":          {'x', 'y'},
		"three same":   {'a', 'a', 'a'},
		"run 1000":     bytes.Repeat([]byte{0}, 1000),
		"run 259":      bytes.Repeat([]byte{7}, 259),
		"high bytes":   bytes.Repeat([]byte{0xff, 0x90}, 300),
		"text":         text,
		"random 400":   random(400),
		"random small": random(MaxSmall),
		"random large": random(MaxSmall + 1),
		"text large":   bytes.Repeat(text, 10),
		"far match":    append(append(random(3), random(MaxSmall-300)...), random(3)...),
	}
	far := random(MaxSmall)
	copy(far[MaxSmall-100:], far[:100]) // a match at distance MaxSmall-100
	m["far copy"] = far
	// Matches of every length 3–258 at varied distances.
	var lens []byte
	for l := 3; l <= 258; l++ {
		seg := random(l)
		lens = append(lens, seg...)
		lens = append(lens, random(l%50)...)
		lens = append(lens, seg...)
	}
	m["every length"] = lens[:min(len(lens), MaxSmall)]
	return m
}

func TestRoundTrip(t *testing.T) {
	for name, src := range inputs() {
		t.Run(name, func(t *testing.T) {
			z := AppendZlib(nil, src)
			if got := inflate(t, z); !bytes.Equal(got, src) {
				t.Fatalf("round trip changed %d bytes into %d bytes", len(src), len(got))
			}
			// Never more than the stored form: 2 + 5 + n + 4.
			if len(src) <= MaxSmall && len(z) > len(src)+11 {
				t.Errorf("%d bytes compressed to %d, more than stored (%d)", len(src), len(z), len(src)+11)
			}
			// Raw DEFLATE reads back with compress/flate.
			raw := AppendDeflate([]byte("prefix"), src)
			if !bytes.HasPrefix(raw, []byte("prefix")) {
				t.Fatal("AppendDeflate overwrote dst")
			}
			got, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw[len("prefix"):])))
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("raw round trip: %v", err)
			}
		})
	}
}

// TestSmallerThanBestCompression: on repetitive and on credential-sized
// inputs the single block is no larger than compress/flate's best level.
func TestSmallerThanBestCompression(t *testing.T) {
	for _, name := range []string{"text", "run 1000", "random 400", "high bytes"} {
		src := inputs()[name]
		ours, theirs := len(AppendZlib(nil, src)), len(bestCompression(src))
		t.Logf("%s: %d bytes → ours %d, compress/zlib best %d", name, len(src), ours, theirs)
		if ours > theirs {
			t.Errorf("%s: ours %d bytes > compress/zlib %d", name, ours, theirs)
		}
	}
	// The text compresses well below its length: the matches are used.
	text := inputs()["text"]
	if n := len(AppendZlib(nil, text)); n > len(text)/10 {
		t.Errorf("text of %d bytes compressed only to %d", len(text), n)
	}
}

func TestStoredFallback(t *testing.T) {
	src := inputs()["random 400"]
	z := AppendZlib(nil, src)
	if len(z) != len(src)+11 {
		t.Fatalf("random input: %d bytes, want stored size %d", len(z), len(src)+11)
	}
	if z[2] != 1 { // BFINAL=1, BTYPE=00
		t.Errorf("block header %#x, want a final stored block", z[2])
	}
}

func TestZlibHeader(t *testing.T) {
	z := AppendZlib(nil, []byte("abc"))
	if z[0] != 0x78 || z[1] != 0xda || (int(z[0])<<8|int(z[1]))%31 != 0 {
		t.Fatalf("header % x", z[:2])
	}
}

func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	src := inputs()["text"][:400]
	dst := make([]byte, 0, 1024)
	AppendZlib(dst, src) // warm the pool
	if n := testing.AllocsPerRun(100, func() { AppendZlib(dst[:0], src) }); n != 0 {
		t.Errorf("AppendZlib into a large enough dst: %v allocations, want 0", n)
	}
}

// TestTables checks the derived tables against RFC 1951 §3.2.5 examples.
func TestTables(t *testing.T) {
	for _, tt := range []struct{ length, code int }{{3, 0}, {10, 7}, {11, 8}, {12, 8}, {13, 9}, {227, 27}, {257, 27}, {258, 28}} {
		if got := int(lengthCode[tt.length]); got != tt.code {
			t.Errorf("lengthCode[%d] = %d, want %d", tt.length, got, tt.code)
		}
	}
	for _, tt := range []struct{ dist, code int }{{1, 0}, {4, 3}, {5, 4}, {6, 4}, {256, 15}, {257, 16}, {384, 16}, {385, 17}, {24576, 28}, {24577, 29}, {32768, 29}} {
		if got := distCode(tt.dist); got != tt.code {
			t.Errorf("distCode(%d) = %d, want %d", tt.dist, got, tt.code)
		}
	}
	// Fixed code: 'A' (65) is 0x30+65 = 0x71 in 8 bits, sent reversed.
	if fixedLen['A'] != 8 || fixedCode['A'] != 0b10001110 {
		t.Errorf("fixed code of 'A' = %08b/%d", fixedCode['A'], fixedLen['A'])
	}
	if fixedLen[256] != 7 || fixedCode[256] != 0 || fixedLen[255] != 9 || fixedLen[285] != 8 {
		t.Error("fixed code lengths differ from RFC 1951 §3.2.6")
	}
}

func FuzzAppendZlib(f *testing.F) {
	for _, src := range inputs() {
		if len(src) <= 2000 {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		z := AppendZlib(nil, src)
		if got := inflate(t, z); !bytes.Equal(got, src) {
			t.Fatalf("round trip changed the data")
		}
		if len(src) <= MaxSmall && len(z) > len(src)+11 {
			t.Fatalf("%d bytes compressed to %d", len(src), len(z))
		}
	})
}

func BenchmarkAppendZlib400(b *testing.B) {
	src := append(inputs()["text"][:300], inputs()["random 400"][:100]...)
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		AppendZlib(dst[:0], src)
	}
}

func BenchmarkBestCompression400(b *testing.B) {
	src := append(inputs()["text"][:300], inputs()["random 400"][:100]...)
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		buf.Reset()
		w.Reset(&buf)
		w.Write(src)
		w.Close()
	}
}

// TestStoredUnlessWorthIt: a coded block that saves less than 1/32 of the
// input is written stored (free to inflate); one that saves more is kept.
func TestStoredUnlessWorthIt(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ascii := make([]byte, 400) // 8 bits a byte in the fixed code: saves ~4 bytes
	for i := range ascii {
		ascii[i] = 'A' + byte(rng.IntN(26))
	}
	z := AppendZlib(nil, ascii)
	if z[2]&7 != 1 || len(z) != len(ascii)+11 {
		t.Errorf("random letters: block header %#x, %d bytes; want stored (%d)", z[2]&7, len(z), len(ascii)+11)
	}
	// The same letters with a long repeat: the coded block saves far more
	// than 1/32.
	rep := append(bytes.Clone(ascii), ascii[:100]...)
	z = AppendZlib(nil, rep)
	if z[2]&7 != 3 || len(z) > len(rep)+11-len(rep)/32 {
		t.Errorf("letters with a repeat: block header %#x, %d bytes; want fixed Huffman", z[2]&7, len(z))
	}
	if !bytes.Equal(inflate(t, z), rep) {
		t.Fatal("round trip")
	}
}
