package scanner

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock that only moves when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// chunk is what one Read returns, after the clock has moved by wait: the
// time the Read blocked.
type chunk struct {
	wait time.Duration
	data string
}

// scripted returns its chunks one per Read, advancing the clock by each
// chunk's wait during the Read, then err (io.EOF when nil).
type scripted struct {
	clock  *fakeClock
	chunks []chunk
	err    error
}

func (s *scripted) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		if s.err == nil {
			return 0, io.EOF
		}
		return 0, s.err
	}
	c := &s.chunks[0]
	s.clock.t = s.clock.t.Add(c.wait)
	c.wait = 0
	n := copy(p, c.data)
	c.data = c.data[n:]
	if c.data == "" {
		s.chunks = s.chunks[1:]
	}
	return n, nil
}

// result is one ReadLine outcome, written compactly for comparisons:
// the line, or "!idle N" / "!long N" for a refused line.
func readAll(t *testing.T, lr *LineReader) []string {
	t.Helper()
	var out []string
	for {
		line, err := lr.ReadLine()
		var le *LineError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &le) && errors.Is(err, ErrIdle):
			out = append(out, fmt.Sprintf("!idle %d", le.Bytes))
		case errors.As(err, &le) && errors.Is(err, ErrLineTooLong):
			out = append(out, fmt.Sprintf("!long %d", le.Bytes))
		case err != nil:
			t.Fatalf("ReadLine: %v", err)
		default:
			out = append(out, line)
		}
		if len(out) > 100000 {
			t.Fatal("no end")
		}
	}
}

func TestLineTerminators(t *testing.T) {
	in := "a\rb\nc\r\nd\n\re\r\rf\n\ng\r\n\r\nh"
	lr := NewLineReader(strings.NewReader(in), LineOptions{})
	got := readAll(t, lr)
	want := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if lr.Line() != len(want) {
		t.Errorf("Line() = %d, want %d", lr.Line(), len(want))
	}
}

func TestLineKeepsSpacesAndTabs(t *testing.T) {
	got := readAll(t, NewLineReader(strings.NewReader(" HC1:A B \t\r\n"), LineOptions{}))
	if len(got) != 1 || got[0] != " HC1:A B \t" {
		t.Fatalf("lines %q", got)
	}
}

// tiny returns between 1 and 7 bytes per Read.
type tiny struct {
	r   io.Reader
	rng *rand.Rand
}

func (t *tiny) Read(p []byte) (int, error) {
	n := 1 + t.rng.IntN(7)
	return t.r.Read(p[:min(n, len(p))])
}

func TestLineChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	terms := []string{"\r", "\n", "\r\n"}
	var in strings.Builder
	var want []string
	for i := range 2000 {
		line := fmt.Sprintf("HC1:%d %s", i, strings.Repeat("X", rng.IntN(300)))
		want = append(want, line)
		in.WriteString(line + terms[rng.IntN(len(terms))])
	}
	lr := NewLineReader(&tiny{strings.NewReader(in.String()), rng}, LineOptions{})
	got := readAll(t, lr)
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %q, want %q", i+1, got[i], want[i])
		}
	}
}

func TestLineTooLong(t *testing.T) {
	const max = 100
	long := strings.Repeat("A", max+1)
	huge := strings.Repeat("B", 1<<20)
	in := "first\n" + strings.Repeat("C", max) + "\n" + long + "\r\nsecond\n" + huge + "\nthird\n" + long
	rng := rand.New(rand.NewPCG(3, 4))
	lr := NewLineReader(&tiny{strings.NewReader(in), rng}, LineOptions{MaxLine: max})
	got := readAll(t, lr)
	want := []string{"first", strings.Repeat("C", max), "!long 101", "second", fmt.Sprintf("!long %d", 1<<20), "third", "!long 101"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lines %.200q, want %.200q", got, want)
	}
	if c := cap(lr.line); c > max {
		t.Errorf("pending-line buffer grew to %d bytes, over the %d-byte limit", c, max)
	}
}

func TestLineDefaultLimit(t *testing.T) {
	ok := strings.Repeat("A", DefaultMaxLine)
	in := ok + "\n" + ok + "A\nB\n"
	got := readAll(t, NewLineReader(strings.NewReader(in), LineOptions{}))
	want := []string{ok, fmt.Sprintf("!long %d", DefaultMaxLine+1), "B"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lines %.100q, want %.100q", got, want)
	}
	// The limit can be lowered, never raised.
	lr := NewLineReader(strings.NewReader(""), LineOptions{MaxLine: 1 << 20})
	if lr.max != DefaultMaxLine {
		t.Errorf("MaxLine 1 MiB gave a limit of %d", lr.max)
	}
}

func TestLineIdle(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		idle   time.Duration
		chunks []chunk
		want   []string
	}{
		{"pause longer than idle discards the fragment", 0,
			[]chunk{{0, "HC1:AB"}, {3 * time.Second, "CD\nXY\n"}},
			[]string{"!idle 6", "CD", "XY"}},
		{"pause within idle keeps it", 0,
			[]chunk{{0, "HC1:AB"}, {time.Second, "CD\nXY\n"}},
			[]string{"HC1:ABCD", "XY"}},
		{"pause of exactly the idle time keeps it", 0,
			[]chunk{{0, "HC1:AB"}, {2 * time.Second, "CD\n"}},
			[]string{"HC1:ABCD"}},
		{"pause between lines is no fragment", 0,
			[]chunk{{0, "HC1:AB\r\n"}, {time.Hour, "CD\n"}},
			[]string{"HC1:AB", "CD"}},
		{"pause after a CR", 0,
			[]chunk{{0, "HC1:AB\r"}, {time.Hour, "\nCD\n"}},
			[]string{"HC1:AB", "CD"}},
		{"configured idle", 500 * time.Millisecond,
			[]chunk{{0, "A"}, {600 * time.Millisecond, "B\n"}, {0, "C"}, {400 * time.Millisecond, "D\n"}},
			[]string{"!idle 1", "B", "CD"}},
		{"idle check off", -1,
			[]chunk{{0, "A"}, {time.Hour, "B\n"}},
			[]string{"AB"}},
		{"over-long fragment then pause", 0,
			[]chunk{{0, strings.Repeat("L", DefaultMaxLine+5)}, {3 * time.Second, "OK\n"}},
			[]string{fmt.Sprintf("!long %d", DefaultMaxLine+5), "OK"}},
		{"fragment at the end is a line", 0,
			[]chunk{{0, "A\nB"}, {time.Hour, ""}},
			[]string{"A", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{start}
			r := &scripted{clock: clock, chunks: tt.chunks}
			got := readAll(t, NewLineReader(r, LineOptions{Idle: tt.idle, Clock: clock.now}))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

// A slow caller is not an idle scanner: time spent between ReadLine calls,
// with the rest of the line already waiting, never counts.
func TestLineIdleIgnoresBusyCaller(t *testing.T) {
	clock := &fakeClock{time.Unix(0, 0)}
	r := &scripted{clock: clock, chunks: []chunk{{0, "FIRST\nHC1:A"}, {0, "B\n"}}}
	lr := NewLineReader(r, LineOptions{Clock: clock.now})
	if line, err := lr.ReadLine(); err != nil || line != "FIRST" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	clock.t = clock.t.Add(time.Minute) // the caller verifies slowly
	if line, err := lr.ReadLine(); err != nil || line != "HC1:AB" {
		t.Fatalf("ReadLine = %q, %v; want HC1:AB", line, err)
	}
}

func TestLineReadError(t *testing.T) {
	boom := errors.New("device gone")
	clock := &fakeClock{time.Unix(0, 0)}
	r := &scripted{clock: clock, chunks: []chunk{{0, "A\nPART"}}, err: boom}
	lr := NewLineReader(r, LineOptions{Clock: clock.now})
	if line, err := lr.ReadLine(); err != nil || line != "A" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	for range 2 {
		if line, err := lr.ReadLine(); err != boom || line != "" {
			t.Fatalf("ReadLine = %q, %v; want the read error, sticky, and the fragment dropped", line, err)
		}
	}
}

// lineSource generates n lines of text on demand, so the input itself
// takes no memory.
type lineSource struct {
	n, i int
	line []byte
	off  int
}

func (s *lineSource) Read(p []byte) (int, error) {
	if s.i == s.n {
		return 0, io.EOF
	}
	n := copy(p, s.line[s.off:])
	s.off += n
	if s.off == len(s.line) {
		s.off = 0
		s.i++
	}
	return n, nil
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestLineMemoryFlat(t *testing.T) {
	const lines = 10000
	src := &lineSource{n: lines, line: []byte("]Q1HC1:" + strings.Repeat("NCF 6*B", 80) + "\r\n")}
	lr := NewLineReader(src, LineOptions{})
	var before uint64
	for i := 1; ; i++ {
		line, err := lr.ReadLine()
		if err == io.EOF {
			if i-1 != lines {
				t.Fatalf("%d lines, want %d", i-1, lines)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = Normalize(line)
		if i == 100 {
			before = heapInuse()
		}
	}
	after := heapInuse()
	t.Logf("HeapInuse after 100 lines %d KiB, after %d lines %d KiB", before>>10, lines, after>>10)
	if after > before+2<<20 {
		t.Errorf("heap grew from %d to %d bytes over %d lines", before, after, lines)
	}
}
