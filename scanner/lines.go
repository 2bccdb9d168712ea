package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/b5m5/travelcred/internal/limits"
)

// Line reader defaults.
const (
	// DefaultMaxLine is the longest accepted line, in bytes without its
	// terminator: the limit on QR text.
	DefaultMaxLine = limits.QRText
	// DefaultIdle is how long partial input may wait for the rest of its
	// line before it is discarded.
	DefaultIdle = 2 * time.Second
)

// readSize is the size of each Read from the underlying reader.
const readSize = 4 << 10

// Recoverable line errors, matched with errors.Is on a *LineError. After
// either, the LineReader carries on with the next line.
var (
	// ErrLineTooLong: a line was longer than the maximum; it was discarded
	// up to its terminator.
	ErrLineTooLong = errors.New("scanner: line too long")
	// ErrIdle: partial input waited longer than the idle time for the
	// rest of its line and was discarded.
	ErrIdle = errors.New("scanner: partial input discarded after idle time")
)

// LineError is a line that the LineReader refused. The stream goes on.
type LineError struct {
	// Err is ErrLineTooLong or ErrIdle.
	Err error
	// Bytes is how many bytes were discarded.
	Bytes int
	// Max is the line limit (ErrLineTooLong) and Idle the idle time
	// (ErrIdle) in force.
	Max  int
	Idle time.Duration
}

// Error says what was discarded and why.
func (e *LineError) Error() string {
	if e.Err == ErrIdle {
		return fmt.Sprintf("%d bytes of partial input discarded after more than %s without the rest of the line", e.Bytes, e.Idle)
	}
	return fmt.Sprintf("line of %d bytes or more, over the %d-byte limit", e.Bytes, e.Max)
}

// Unwrap returns ErrLineTooLong or ErrIdle.
func (e *LineError) Unwrap() error { return e.Err }

// LineOptions configure a LineReader. The zero value gives the defaults.
type LineOptions struct {
	// MaxLine is the longest accepted line in bytes, terminator excluded
	// (DefaultMaxLine when zero or negative; it can only be lowered).
	MaxLine int
	// Idle is how long partial input may wait for the rest of its line
	// (DefaultIdle when zero; negative disables the idle check).
	Idle time.Duration
	// Clock tells the time for the idle check (time.Now when nil).
	Clock func() time.Time
}

// LineReader splits scanner input into lines. A line ends at CR, LF or
// CR LF; empty lines are skipped (so CR LF, LF CR and a doubled terminator
// each end one line). Input may arrive in chunks of any size.
//
// Memory is bounded by the maximum line length: a line that grows past it
// is discarded up to its terminator and reported as a *LineError with
// ErrLineTooLong. Partial input is discarded, and reported with ErrIdle,
// when a Read waits longer than the idle time while part of a line is
// pending: a scanner sends a code in one burst, so a pause in the middle of
// a line means the rest was lost, and keeping the fragment would spoil the
// next code. The pause is measured around the blocking Read, so input that
// arrived while the caller was busy never counts as idle. A LineReader
// starts no goroutine and needs no deadline support from the reader.
//
// A LineReader is not safe for concurrent use.
type LineReader struct {
	r    io.Reader
	max  int
	idle time.Duration
	now  func() time.Time
	buf  []byte // read buffer
	rest []byte // unread part of buf
	line []byte // pending line, at most max bytes
	over int    // bytes dropped from an over-long pending line; 0 when none
	n    int    // lines returned, refused ones included
	err  error  // sticky read error
}

// NewLineReader returns a LineReader reading from r.
func NewLineReader(r io.Reader, opts LineOptions) *LineReader {
	lr := &LineReader{r: r, max: limits.Lower(DefaultMaxLine, opts.MaxLine), idle: opts.Idle, now: opts.Clock}
	if lr.idle == 0 {
		lr.idle = DefaultIdle
	}
	if lr.now == nil {
		lr.now = time.Now
	}
	lr.buf = make([]byte, readSize)
	lr.line = make([]byte, 0, min(lr.max, readSize))
	return lr
}

// Line returns the number of the line last returned by ReadLine, counting
// refused lines, starting at 1.
func (lr *LineReader) Line() int { return lr.n }

// ReadLine returns the next line without its terminator. A refused line
// gives a *LineError (errors.Is ErrLineTooLong or ErrIdle), after which
// reading goes on. At the end of the input a final line without a
// terminator is returned as a line; then ReadLine returns io.EOF. Any other
// error is the reader's: what is pending is dropped, and the error is
// returned again by every later call.
func (lr *LineReader) ReadLine() (string, error) {
	for {
		if line, err, ok := lr.scan(); ok {
			lr.n++
			return line, err
		}
		if lr.err != nil {
			return lr.finish()
		}
		pending := len(lr.line) > 0 || lr.over > 0
		start := lr.now()
		n, err := lr.r.Read(lr.buf)
		if n > 0 && pending && lr.idle > 0 && lr.now().Sub(start) > lr.idle {
			lr.rest = lr.buf[:n]
			lr.n++
			return "", lr.discard()
		}
		lr.rest = lr.buf[:n]
		if err != nil {
			lr.err = err
		}
	}
}

// scan consumes lr.rest up to the end of a line, if there is one.
func (lr *LineReader) scan() (line string, err error, ok bool) {
	for len(lr.rest) > 0 {
		i := bytes.IndexAny(lr.rest, "\r\n")
		if i < 0 {
			lr.add(lr.rest)
			lr.rest = nil
			return "", nil, false
		}
		lr.add(lr.rest[:i])
		lr.rest = lr.rest[i+1:]
		if lr.over > 0 {
			return "", lr.discardLong(), true
		}
		if len(lr.line) == 0 {
			continue // an empty line, or the LF of CR LF
		}
		line = string(lr.line)
		lr.line = lr.line[:0]
		return line, nil, true
	}
	return "", nil, false
}

// add appends p to the pending line, or counts it as dropped once the line
// is over the limit.
func (lr *LineReader) add(p []byte) {
	if lr.over > 0 {
		lr.over += len(p)
		return
	}
	if len(lr.line)+len(p) > lr.max {
		lr.over = len(lr.line) + len(p)
		lr.line = lr.line[:0]
		return
	}
	lr.line = append(lr.line, p...)
}

// discard drops the pending partial line after an idle wait.
func (lr *LineReader) discard() error {
	if lr.over > 0 {
		return lr.discardLong()
	}
	n := len(lr.line)
	lr.line = lr.line[:0]
	return &LineError{Err: ErrIdle, Bytes: n, Idle: lr.idle}
}

func (lr *LineReader) discardLong() error {
	n := lr.over
	lr.over = 0
	lr.line = lr.line[:0]
	return &LineError{Err: ErrLineTooLong, Bytes: n, Max: lr.max}
}

// finish returns what is pending at the end of the input, then io.EOF. A
// read error other than io.EOF drops what is pending.
func (lr *LineReader) finish() (string, error) {
	if lr.err != io.EOF {
		lr.line, lr.over = lr.line[:0], 0
		return "", lr.err
	}
	if lr.over > 0 {
		lr.n++
		return "", lr.discardLong()
	}
	if len(lr.line) > 0 {
		line := string(lr.line)
		lr.line = lr.line[:0]
		lr.n++
		return line, nil
	}
	return "", lr.err
}
