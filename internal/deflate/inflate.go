package deflate

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"strconv"
	"sync"
)

// Inflating.
//
// A verifier inflates every credential it reads, and most credentials in
// circulation were written by other issuers with a fixed or a dynamic
// Huffman code. compress/flate reads its input through io.ByteReader a byte
// at a time, builds its decoding tables for 2^9 entries plus links, and
// copies every byte through a 32 KB window before the caller sees it: on
// the EU test credentials 1.9 µs for a typical fixed-code one and 4 µs for
// a dynamic one, 4–8 % of an ES256 verification. AppendInflate works on a
// slice already in memory: 64 bits of input are loaded at a time, one
// table lookup decodes most symbols, and the output slice is the window,
// so matches are copied from what was already written and nothing is
// copied twice: 1.1 µs and 2.3 µs for the same two, 1.9× faster over the
// whole EU test set (testvectors.BenchmarkInflateDCCVectors).
//
// It accepts exactly the streams compress/flate accepts (FuzzInflate holds
// the two to the same output, the same input consumed and the same kind of
// error: truncated, corrupt or too large), including the
// degenerate one-code Huffman codes zlib writes, and rejects over-subscribed
// and incomplete codes, a distance reaching before the start of the output,
// and symbols the format leaves undefined.

// ErrTooLarge reports that a stream decompresses to more than the limit
// given to AppendInflate.
var ErrTooLarge = errors.New("deflate: decompressed data exceeds the limit")

// A CorruptError reports DEFLATE data that breaks RFC 1951. A stream that
// ends early is reported as io.ErrUnexpectedEOF instead.
type CorruptError struct {
	Offset  int    // byte of the input being read when the problem was found
	Problem string // what is wrong, e.g. "over-subscribed literal/length code"
}

// Error describes the problem and where it was found.
func (e *CorruptError) Error() string {
	return "deflate: " + e.Problem + " at input byte " + strconv.Itoa(e.Offset)
}

const (
	litRoot  = 9 // index bits of the first-level literal/length table
	distRoot = 7 // of the distance table
	lenRoot  = 7 // of the code-length code table (codes are at most 7 bits)
)

// A huffman decodes one canonical Huffman code. t[:1<<root] is indexed by
// the next root bits of input (least significant first, as DEFLATE packs
// codes). An entry is sym<<8 | n for a code of n bits (n ≤ 15), 0 for bits
// that start no code, and off<<8 | 0x80 | k for codes longer than root:
// the next k bits index the second-level table at t[off:], whose entries
// are sym<<8 | n with n the full code length.
type huffman struct {
	root uint
	// min is the fewest bits a lookup needs before its answer counts:
	// the shortest code's length (for a literal/length code, at least the
	// end-of-block code's, as every block ends with one). With fewer bits
	// left the stream is truncated, whatever the padded lookup says; this
	// is compress/flate's rule, so the two agree on which error a stream
	// that ends early gets.
	min uint
	t   []uint32
}

// build makes h decode the code with the given code lengths (0: symbol
// unused). It accepts what compress/flate accepts: a complete code, a
// single code of one bit (zlib writes those), or no code at all (every
// lookup then fails); it returns a problem description otherwise.
func (h *huffman) build(lengths []uint8, root uint) string {
	// Counted in four interleaved arrays: most lengths are equal, and
	// one array would make each increment wait for the previous store.
	var c [4][16]uint16
	i := 0
	for ; i+4 <= len(lengths); i += 4 {
		c[0][lengths[i]&15]++
		c[1][lengths[i+1]&15]++
		c[2][lengths[i+2]&15]++
		c[3][lengths[i+3]&15]++
	}
	for ; i < len(lengths); i++ {
		c[0][lengths[i]&15]++
	}
	var count [16]uint16
	for l := 1; l < 16; l++ {
		count[l] = c[0][l] + c[1][l] + c[2][l] + c[3][l]
	}
	max := uint(15)
	for max > 0 && count[max] == 0 {
		max--
	}
	h.root = root
	h.t = h.t[:0]
	h.t = append(h.t, make([]uint32, 1<<root)...)
	h.min = 0
	if max == 0 {
		return ""
	}
	h.min = 1
	for count[h.min] == 0 {
		h.min++
	}
	// Kraft sum, in units of 2^-max: complete when it is 2^max. An
	// over-subscribed prefix stays over-subscribed as it is doubled.
	var next [16]uint32 // first canonical code of each length
	code := uint32(0)
	for l := uint(1); l <= max; l++ {
		code = (code + uint32(count[l-1])) << 1
		next[l] = code
	}
	if sum := code + uint32(count[max]); sum != 1<<max && !(sum == 1 && max == 1) {
		if sum > 1<<max {
			return "over-subscribed"
		}
		return "incomplete"
	}
	// Canonical codes are assigned in symbol order within each length,
	// so one pass in symbol order fills the first-level table. Longer
	// codes are kept for a second pass, which needs, for each first-level
	// prefix, the longest code under it: that entry of the table (still
	// 0, as no short code starts with a long code's prefix) holds the
	// running maximum until the second-level table is made.
	mask := uint32(1)<<root - 1
	var long [maxSymbols]uint32 // rev<<13 | sym<<4 | l
	nlong := 0
	t := h.t[:mask+1]
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		rev := uint32(bits.Reverse16(uint16(next[l]))) >> (16 - l)
		next[l]++
		if uint(l) <= root {
			e := uint32(sym)<<8 | uint32(l)
			for j := rev; j <= mask; j += 1 << l {
				t[j] = e
			}
			continue
		}
		long[nlong] = rev<<13 | uint32(sym)<<4 | uint32(l)
		nlong++
		if p := rev & mask; t[p] < uint32(l) {
			t[p] = uint32(l)
		}
	}
	for _, c := range long[:nlong] {
		rev, sym, l := c>>13, c>>4&0x1ff, c&15
		p := rev & mask
		if h.t[p]&0x80 == 0 { // first code under p: make its table
			k := h.t[p] - uint32(root)
			off := uint32(len(h.t))
			h.t = append(h.t, make([]uint32, 1<<k)...)
			h.t[p] = off<<8 | 0x80 | k
		}
		off, k := h.t[p]>>8, h.t[p]&15
		e := sym<<8 | l
		for j := rev >> root; j < 1<<k; j += 1 << (l - uint32(root)) {
			h.t[off+j] = e
		}
	}
	return ""
}

// lookup returns the table entry for the code at the start of b: the
// first-level entry, or the second-level one it links to.
func lookup(t []uint32, root uint, b uint64) uint32 {
	e := t[b&(1<<root-1)]
	if e&0x80 != 0 {
		e = t[e>>8+uint32(b>>root)&(1<<(e&15)-1)]
	}
	return e
}

const maxSymbols = 288 // literal/length symbols of the fixed code

// Fixed Huffman tables of RFC 1951 §3.2.6, built once: the literal/length
// code with all 288 symbols (286 and 287 decode, and are refused as
// compress/flate refuses them) and 32 five-bit distance codes (30 and 31
// likewise).
var fixedLitTable, fixedDistTable = func() (lit, dist huffman) {
	if p := lit.build(fixedLen[:], litRoot); p != "" {
		panic("deflate: fixed literal code: " + p)
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	if p := dist.build(d[:], distRoot); p != "" {
		panic("deflate: fixed distance code: " + p)
	}
	return lit, dist
}()

// lengthSym[s-257] and distSym[d] are base | extra bits<<16 of the
// length symbols 257–285 and distance codes 0–29.
var lengthSym, distSym = func() (ls [29]uint32, ds [30]uint32) {
	for i := range ls {
		ls[i] = uint32(lengthBase[i]) | uint32(lengthExtra[i])<<16
	}
	for i := range ds {
		ds[i] = uint32(distBase[i]) | uint32(distExtra[i])<<16
	}
	return ls, ds
}()

// codeOrder is the order of the code-length code lengths (§3.2.7).
var codeOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// inflateState is the per-call scratch: the dynamic tables and the code
// lengths they are built from, pooled so a call allocates nothing.
type inflateState struct {
	lit, dist, lens huffman
	lengths         [maxSymbols + 32]uint8
}

var inflateStates = sync.Pool{New: func() any {
	s := new(inflateState)
	s.lit.t = make([]uint32, 0, 1024)
	s.dist.t = make([]uint32, 0, 256)
	s.lens.t = make([]uint32, 0, 1<<lenRoot)
	return s
}}

// bitReader reads DEFLATE's least-significant-first bits from a slice.
// b holds nb unread bits; the bits above them are either zero or the
// bits of src[pos:] that a later refill will add again (OR is idempotent).
type bitReader struct {
	src []byte
	pos int
	b   uint64
	nb  uint
}

// refill tops b up to at least 56 bits, or to every bit that is left.
func (r *bitReader) refill() { r.pos, r.b, r.nb = refill(r.src, r.pos, r.b, r.nb) }

// refill is bitReader.refill on values, for the decoding loops that keep
// the reader in locals (registers). It is small enough to be inlined; the
// end of the input, byte by byte, is refillTail.
func refill(src []byte, pos int, b uint64, nb uint) (int, uint64, uint) {
	if pos+8 <= len(src) {
		return pos + int(63-nb)>>3, b | binary.LittleEndian.Uint64(src[pos:])<<nb, nb | 56
	}
	return refillTail(src, pos, b, nb)
}

func refillTail(src []byte, pos int, b uint64, nb uint) (int, uint64, uint) {
	for nb <= 56 && pos < len(src) {
		b |= uint64(src[pos]) << nb
		pos++
		nb += 8
	}
	return pos, b, nb
}

// bits reads n ≤ 32 bits; ok is false when the input ends first.
func (r *bitReader) bits(n uint) (v uint32, ok bool) {
	if r.nb < n {
		r.refill()
		if r.nb < n {
			return 0, false
		}
	}
	v = uint32(r.b & (1<<n - 1))
	r.b >>= n
	r.nb -= n
	return v, true
}

// offset is the input byte being read: the first not wholly consumed.
func (r *bitReader) offset() int { return r.pos - int(r.nb>>3) }

func (r *bitReader) corrupt(problem string) error {
	return &CorruptError{Offset: r.offset(), Problem: problem}
}

// AppendInflate appends the decompressed form of the raw DEFLATE stream at
// the start of src to dst and returns it with the number of input bytes the
// stream took (up to and including the byte holding its last bit; whatever
// follows is the caller's, such as a zlib trailer). If the output would
// exceed max bytes it returns ErrTooLarge; a stream that ends early gives
// io.ErrUnexpectedEOF and invalid data a *CorruptError. On error dst is
// returned at its original length.
func AppendInflate(dst, src []byte, max int) (out []byte, n int, err error) {
	if max < 0 {
		max = 0
	}
	st := inflateStates.Get().(*inflateState)
	defer inflateStates.Put(st)
	r := bitReader{src: src}
	start := len(dst)
	out = dst
	for {
		hdr, ok := r.bits(3)
		if !ok {
			return dst, 0, io.ErrUnexpectedEOF
		}
		switch hdr >> 1 {
		case 0:
			out, err = r.stored(out, start, max)
		case 1:
			out, err = r.huffman(out, start, max, &fixedLitTable, &fixedDistTable)
		case 2:
			if err = st.readCodes(&r); err == nil {
				out, err = r.huffman(out, start, max, &st.lit, &st.dist)
			}
		default:
			err = r.corrupt("reserved block type 3")
		}
		if err != nil {
			return dst[:start], 0, err
		}
		if hdr&1 != 0 { // final block
			return out, r.offset(), nil
		}
	}
}

// stored copies a stored block (§3.2.4).
func (r *bitReader) stored(out []byte, start, max int) ([]byte, error) {
	r.pos = r.offset() // to a byte boundary: the rest of the byte is padding
	r.b, r.nb = 0, 0
	if len(r.src)-r.pos < 4 {
		return out, io.ErrUnexpectedEOF
	}
	n := int(binary.LittleEndian.Uint16(r.src[r.pos:]))
	if uint16(n) != ^binary.LittleEndian.Uint16(r.src[r.pos+2:]) {
		return out, r.corrupt("stored block length and its complement disagree")
	}
	r.pos += 4
	avail := min(n, len(r.src)-r.pos)
	if len(out)-start+avail > max {
		return out, ErrTooLarge
	}
	if avail < n {
		return out, io.ErrUnexpectedEOF
	}
	out = append(out, r.src[r.pos:r.pos+n]...)
	r.pos += n
	return out, nil
}

// readCodes reads a dynamic block's code lengths (§3.2.7) and builds its
// literal/length and distance tables.
func (s *inflateState) readCodes(r *bitReader) error {
	v, ok := r.bits(14)
	if !ok {
		return io.ErrUnexpectedEOF
	}
	nlit, ndist, nclen := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlit > 286 {
		return r.corrupt(strconv.Itoa(nlit) + " literal/length codes (at most 286)")
	}
	if ndist > 30 {
		return r.corrupt(strconv.Itoa(ndist) + " distance codes (at most 30)")
	}
	var clens [19]uint8
	for i := range nclen {
		l, ok := r.bits(3)
		if !ok {
			return io.ErrUnexpectedEOF
		}
		clens[codeOrder[i]] = uint8(l)
	}
	if p := s.lens.build(clens[:], lenRoot); p != "" {
		return r.corrupt(p + " code-length code")
	}
	// The lengths, with the bit buffer in locals (the same refill as
	// huffman below: at least 56 bits, enough for a 7-bit code and 7
	// extra bits, unless the input is ending).
	lengths := s.lengths[:nlit+ndist]
	lt, lensMin := s.lens.t[:1<<lenRoot], s.lens.min
	src, pos, b, nb := r.src, r.pos, r.b, r.nb
	problem := ""
	truncated := false
	for i := 0; i < len(lengths); {
		if nb < 14 {
			pos, b, nb = refill(src, pos, b, nb)
		}
		if nb < lensMin {
			truncated = true
			break
		}
		e := lt[b&(1<<lenRoot-1)]
		n := uint(e & 15)
		if n == 0 {
			problem = "invalid code-length code"
			break
		}
		if n > nb {
			truncated = true
			break
		}
		b >>= n
		nb -= n
		sym := uint8(e >> 8)
		if sym < 16 {
			lengths[i] = sym
			i++
			continue
		}
		// 16: the previous length 3–6 times (2 extra bits); 17: zero 3–10
		// times (3); 18: zero 11–138 times (7).
		rep, extra, fill := uint(3), uint(2), uint8(0)
		switch sym {
		case 16:
			if i == 0 {
				problem = "repeat of the previous code length with none before it"
			} else {
				fill = lengths[i-1]
			}
		case 17:
			extra = 3
		default:
			rep, extra = 11, 7
		}
		if problem != "" {
			break
		}
		if extra > nb {
			truncated = true
			break
		}
		rep += uint(b & (1<<extra - 1))
		b >>= extra
		nb -= extra
		if i+int(rep) > len(lengths) {
			problem = "code lengths repeated past the end of the table"
			break
		}
		for range rep {
			lengths[i] = fill
			i++
		}
	}
	r.pos, r.b, r.nb = pos, b, nb
	switch {
	case problem != "":
		return r.corrupt(problem)
	case truncated:
		return io.ErrUnexpectedEOF
	}
	if p := s.lit.build(lengths[:nlit], litRoot); p != "" {
		return r.corrupt(p + " literal/length code")
	}
	if l := uint(lengths[256]); l > s.lit.min {
		s.lit.min = l
	}
	if p := s.dist.build(lengths[nlit:], distRoot); p != "" {
		return r.corrupt(p + " distance code")
	}
	return nil
}

// huffman decodes one Huffman-coded block (§3.2.5) with the given tables.
// The bit buffer, input position and output index live in locals for the
// loop (no closures, which would keep them in memory); a refill before each
// symbol leaves at least 56 bits, enough for a literal/length code, its
// extra bits, a distance code and its extra bits (15+5+15+13), except at
// the end of the input, where every decoded length is checked against the
// bits actually left.
func (r *bitReader) huffman(out []byte, start, max int, lit, dist *huffman) ([]byte, error) {
	src, pos, b, nb := r.src, r.pos, r.b, r.nb
	lt, dt := lit.t, dist.t
	litMin, distMin := lit.min, dist.min
	limit := start + max
	if limit < start {
		limit = int(^uint(0) >> 1)
	}
	o := len(out)
	out = out[:cap(out)]
	var err error
	problem := ""
	for {
		if nb < 48 {
			pos, b, nb = refill(src, pos, b, nb)
		}
		if nb < litMin {
			err = io.ErrUnexpectedEOF
			break
		}
		e := lookup(lt, litRoot, b)
		n := uint(e & 15)
		if n == 0 {
			problem = "invalid literal/length code"
			break
		}
		if n > nb {
			err = io.ErrUnexpectedEOF
			break
		}
		b >>= n
		nb -= n
		sym := e >> 8
		if sym < 256 {
			if o >= limit {
				err = ErrTooLarge
				break
			}
			if o == len(out) {
				out = append(out, 0)
				out = out[:cap(out)]
			}
			out[o] = byte(sym)
			o++
			continue
		}
		if sym == 256 {
			break
		}
		if sym > 285 {
			problem = "invalid literal/length symbol " + strconv.Itoa(int(sym))
			break
		}
		ls := lengthSym[sym-257]
		extra := uint(ls >> 16)
		if extra > nb {
			err = io.ErrUnexpectedEOF
			break
		}
		length := int(ls&0xffff) + int(b&(1<<extra-1))
		b >>= extra
		nb -= extra

		if nb < distMin {
			err = io.ErrUnexpectedEOF
			break
		}
		e = lookup(dt, distRoot, b)
		n = uint(e & 15)
		if n == 0 {
			problem = "invalid distance code"
			break
		}
		if n > nb {
			err = io.ErrUnexpectedEOF
			break
		}
		b >>= n
		nb -= n
		dsym := e >> 8
		if dsym > 29 {
			problem = "invalid distance symbol " + strconv.Itoa(int(dsym))
			break
		}
		ds := distSym[dsym]
		extra = uint(ds >> 16)
		if extra > nb {
			err = io.ErrUnexpectedEOF
			break
		}
		d := int(ds&0xffff) + int(b&(1<<extra-1))
		b >>= extra
		nb -= extra
		if d > o-start {
			problem = "distance " + strconv.Itoa(d) + " reaches before the start of the output (" + strconv.Itoa(o-start) + " bytes)"
			break
		}
		if length > limit-o {
			err = ErrTooLarge
			break
		}
		if length > len(out)-o {
			out = append(out[:o], make([]byte, length)...)
			out = out[:cap(out)]
		}
		end := o + length
		if d >= length {
			copy(out[o:end], out[o-d:])
		} else {
			// Overlapping: the run out[from:o] repeats with period d, and
			// each copy doubles it.
			for from := o - d; o < end; {
				o += copy(out[o:end], out[from:o])
			}
		}
		o = end
	}
	r.pos, r.b, r.nb = pos, b, nb
	if problem != "" {
		err = r.corrupt(problem)
	}
	return out[:o], err
}
