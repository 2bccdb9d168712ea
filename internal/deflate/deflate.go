// Package deflate writes DEFLATE (RFC 1951) and zlib (RFC 1950) streams
// for the small payloads of health credentials, a COSE message or a JWS
// payload of a few hundred bytes, and reads DEFLATE streams held in memory
// (AppendInflate; see inflate.go).
//
// compress/flate is built for streams: its writer carries 600 KB of hash
// tables that every Reset clears, builds a dynamic Huffman code per block
// and ends every stream with an empty stored block. For a 400-byte
// credential that costs as much time as the ECDSA signature, and the
// dynamic code table and the empty block cost more bytes than the
// Huffman code saves. Payloads up to MaxSmall bytes are therefore written
// here as one final block, the smaller of
//
//   - the fixed Huffman code of RFC 1951 §3.2.6 over LZ77 matches found
//     with a hash chain across the whole input, a match taken only when
//     it is cheaper in bits than the literals it replaces, and
//   - a stored block, so that the output is never more than 5 bytes (11
//     with the zlib framing) larger than the input; it is also chosen
//     when the coded block saves less than 1/32 of the input, as a stored
//     block costs a verifier next to nothing to inflate.
//
// On the EU DCC test data (197 distinct COSE messages) this is 1.1%
// smaller than compress/flate at BestCompression. Larger inputs go to
// compress/flate at BestCompression.
package deflate

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
	"math/bits"
	"sync"
)

// MaxSmall is the largest input written by the single-block encoder;
// larger inputs are compressed by compress/flate.
const MaxSmall = 1 << 14

const (
	minMatch  = 3   // shortest match DEFLATE can express
	maxMatch  = 258 // longest
	hashBits  = 11
	minSaving = 32 // a coded block must save len/minSaving bytes over stored
	maxChain  = 8  // candidates tried per position
)

// AppendZlib appends the zlib stream (header 78 DA, DEFLATE data,
// Adler-32) of src to dst.
func AppendZlib(dst, src []byte) []byte {
	dst = append(dst, 0x78, 0xda)
	dst = AppendDeflate(dst, src)
	return binary.BigEndian.AppendUint32(dst, adler32.Checksum(src))
}

// AppendZlibFixed appends the zlib stream of src (at most MaxSmall bytes)
// coded with the fixed Huffman code whether or not that saves anything, as
// most other issuers' encoders write a credential. It exists for tests and
// benchmarks of the reading side, which must not depend on whether a
// random signature made the message compressible.
func AppendZlibFixed(dst, src []byte) []byte {
	if len(src) > MaxSmall {
		panic("deflate: AppendZlibFixed input over MaxSmall")
	}
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	s.match(src)
	dst = append(dst, 0x78, 0xda)
	dst = s.appendFixed(dst, src)
	return binary.BigEndian.AppendUint32(dst, adler32.Checksum(src))
}

// AppendDeflate appends the raw DEFLATE stream of src to dst.
func AppendDeflate(dst, src []byte) []byte {
	if len(src) > MaxSmall {
		return appendLarge(dst, src)
	}
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	// A Huffman-coded block must pay for itself: even AppendInflate
	// decodes it at about 3 ns a byte (1.1 µs for a credential, 2 % of an
	// ES256 verification, more on a handheld scanner's core; compress/flate
	// takes 5 ns), while a stored block is a copy. It is kept only when it
	// saves at least 1/32 of the input (12 bytes, 18 Base45 characters,
	// of a 400-byte message).
	if coded := (s.match(src) + 7) / 8; coded <= len(src)+5-len(src)/minSaving {
		return s.appendFixed(dst, src)
	}
	// Stored: BFINAL=1, BTYPE=00, then LEN and NLEN.
	dst = append(dst, 1)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(src)))
	dst = binary.LittleEndian.AppendUint16(dst, ^uint16(len(src)))
	dst = append(dst, src...)
	return dst
}

// scratch is the match finder's state. head and prev hold positions plus
// one (0: none); prev is written for a position before it is read, so
// only head needs clearing between inputs (4 KB instead of 36 KB).
type scratch struct {
	head    [1 << hashBits]uint16
	prev    [MaxSmall]uint16
	matches []uint64 // the matches taken, for appendFixed
}

// scratches reuses match-finder state: it is 36 KB, too large to clear
// or allocate for each credential.
var scratches = sync.Pool{New: func() any { return new(scratch) }}

// hash3 hashes the first three bytes of b (len(b) ≥ 3) as the main
// loop does, which loads them as the low bytes of a little-endian word.
func hash3(b []byte) uint32 {
	_ = b[2]
	return (uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16) * 2654435761 >> (32 - hashBits)
}

// match finds the LZ77 matches of src worth taking in the fixed code, in
// s.matches (start<<32 | length<<16 | distance, in order), and returns
// the size of the fixed-Huffman block in bits. Nothing is written yet:
// when the block does not pay for itself (most short credentials) the
// bytes are stored, and coding them would have been wasted.
func (s *scratch) match(src []byte) (bits int) {
	clear(s.head[:])
	s.matches = s.matches[:0]
	n := len(src)
	head, prev := &s.head, s.prev[:n]
	bits = 3 + int(fixedLen[256]) // block header, end of block
	i := 0
	// Positions are hashed on their first three bytes, loaded as four
	// (so the loop stops one byte before the last possible match start).
	for i+4 <= n {
		x := binary.LittleEndian.Uint32(src[i:]) & 0xffffff
		h := x * 2654435761 >> (32 - hashBits)
		cand := int(head[h])
		prev[i] = uint16(cand)
		head[h] = uint16(i + 1)
		// Walk the chain only when its newest entry shares the three
		// bytes: otherwise the bucket holds hash collisions, and an older
		// true match is rare enough not to pay for the walk.
		if cand != 0 && binary.LittleEndian.Uint32(src[cand-1:])&0xffffff == x {
			length, dist := s.longest(src, i, cand)
			if length >= minMatch {
				if mb := matchBits(length, dist); mb < literalBits(src[i:i+length]) {
					bits += mb
					s.matches = append(s.matches, uint64(i)<<32|uint64(length)<<16|uint64(dist))
					// Index the positions inside the match for later matches.
					for j := i + 1; j < i+length && j+minMatch <= n; j++ {
						h := hash3(src[j:])
						prev[j] = head[h]
						head[h] = uint16(j + 1)
					}
					i += length
					continue
				}
			}
		}
		bits += int(fixedLen[src[i]])
		i++
	}
	for ; i < n; i++ { // the last bytes, too few to start a match
		bits += int(fixedLen[src[i]])
	}
	return bits
}

// appendFixed appends src as one final fixed-Huffman block with the
// matches s.match found. Bits go least significant first into acc, which
// holds fewer than 32 pending bits between symbols (a match adds at most
// 31, a literal 9).
func (s *scratch) appendFixed(dst, src []byte) []byte {
	out := dst
	acc, nacc := uint64(0b011), uint(3) // BFINAL=1, BTYPE=01 (fixed Huffman)
	put := func(code uint64, n uint) {
		acc |= code << nacc
		nacc += n
		if nacc >= 32 {
			out = binary.LittleEndian.AppendUint32(out, uint32(acc))
			acc >>= 32
			nacc -= 32
		}
	}
	literals := func(b []byte) {
		for _, c := range b {
			lit := fixedLit[c]
			put(uint64(lit&0xffff), uint(lit>>16))
		}
	}
	i := 0
	for _, m := range s.matches {
		start, length, dist := int(m>>32), int(m>>16&0xffff), int(m&0xffff)
		literals(src[i:start])
		lc, dc := int(lengthCode[length]), distCode(dist)
		acc |= uint64(fixedCode[257+lc]) << nacc
		nacc += uint(fixedLen[257+lc])
		acc |= uint64(length-lengthBase[lc]) << nacc
		nacc += uint(lengthExtra[lc])
		acc |= uint64(fixedDist[dc]) << nacc
		nacc += 5
		put(uint64(dist-distBase[dc]), uint(distExtra[dc]))
		i = start + length
	}
	literals(src[i:])
	put(uint64(fixedCode[256]), uint(fixedLen[256])) // end of block
	for nacc > 0 {                                   // pad to a byte
		out = append(out, byte(acc))
		acc >>= 8
		nacc -= min(nacc, 8)
	}
	return out
}

// longest returns the longest match for src[i:] among the chain starting
// at cand (a position plus one), and its distance; length 0 if none.
func (s *scratch) longest(src []byte, i, cand int) (length, dist int) {
	limit := min(maxMatch, len(src)-i)
	cur := src[i : i+limit]
	for tries := 0; cand != 0 && tries < maxChain; tries++ {
		p := cand - 1
		cand = int(s.prev[p])
		prior := src[p:]
		// A candidate can only be longer if it agrees at the current best
		// length; checking that byte first skips most candidates.
		if length > 0 && (length >= len(prior) || prior[length] != cur[length]) {
			continue
		}
		l := commonPrefix(prior, cur)
		if l > length {
			length, dist = l, i-p
			if l == limit {
				break
			}
		}
	}
	if length < minMatch {
		return 0, 0
	}
	return length, dist
}

// commonPrefix returns the length of the common prefix of a and b, eight
// bytes at a time.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for ; i < n && a[i] == b[i]; i++ {
	}
	return i
}

// literalBits is the fixed-code cost of b as literals.
func literalBits(b []byte) int {
	c := 0
	for _, x := range b {
		c += int(fixedLen[x])
	}
	return c
}

// matchBits is the fixed-code cost of a match.
func matchBits(length, dist int) int {
	lc, dc := int(lengthCode[length]), distCode(dist)
	return int(fixedLen[257+lc]) + int(lengthExtra[lc]) + 5 + int(distExtra[dc])
}

// distCode returns the distance code (0–29) of a distance 1–32768.
func distCode(d int) int {
	if d <= 256 {
		return int(distCodeSmall[d-1])
	}
	return int(distCodeLarge[(d-1)>>7])
}

// Tables of RFC 1951 §3.2.5 and §3.2.6.
var (
	lengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

	// lengthCode[l] is the length code (0–28, for symbols 257–285) of a
	// match length l in 3–258.
	lengthCode = func() (t [maxMatch + 1]uint8) {
		for c := range lengthBase {
			end := maxMatch + 1
			if c+1 < len(lengthBase) {
				end = lengthBase[c+1]
			}
			for l := lengthBase[c]; l < end; l++ {
				t[l] = uint8(c)
			}
		}
		return t
	}()
	// distCodeSmall[d-1] is the code of distances 1–256, and
	// distCodeLarge[(d-1)>>7] that of distances 257–32768: from 257 on,
	// every code spans a multiple of 128.
	distCodeSmall, distCodeLarge = func() (small [256]uint8, large [256]uint8) {
		for c := range distBase {
			end := 32769
			if c+1 < len(distBase) {
				end = distBase[c+1]
			}
			for d := distBase[c]; d < end; d++ {
				if d <= 256 {
					small[d-1] = uint8(c)
				} else {
					large[(d-1)>>7] = uint8(c)
				}
			}
		}
		return small, large
	}()

	// fixedCode[sym] is the fixed Huffman code of literal/length symbol
	// sym, bit-reversed for least-significant-first output, and
	// fixedLen[sym] its length in bits.
	fixedCode, fixedLen = func() (code [288]uint16, length [288]uint8) {
		for sym := range 288 {
			var c, n int
			switch {
			case sym < 144:
				c, n = 0x30+sym, 8
			case sym < 256:
				c, n = 0x190+sym-144, 9
			case sym < 280:
				c, n = sym-256, 7
			default:
				c, n = 0xc0+sym-280, 8
			}
			code[sym] = bits.Reverse16(uint16(c)) >> (16 - n)
			length[sym] = uint8(n)
		}
		return code, length
	}()
	// fixedLit[b] is fixedCode[b] | fixedLen[b]<<16 for literal b: one
	// table load per literal.
	fixedLit = func() (t [256]uint32) {
		for b := range t {
			t[b] = uint32(fixedCode[b]) | uint32(fixedLen[b])<<16
		}
		return t
	}()
	// fixedDist[c] is distance code c (5 bits), bit-reversed.
	fixedDist = func() (t [30]uint8) {
		for c := range t {
			t[c] = bits.Reverse8(uint8(c)) >> 3
		}
		return t
	}()
)

// large is a reusable compress/flate writer for inputs beyond MaxSmall.
type large struct {
	w   *flate.Writer
	buf bytes.Buffer
}

var larges sync.Pool // of *large

func appendLarge(dst, src []byte) []byte {
	l, _ := larges.Get().(*large)
	if l == nil {
		l = new(large)
		l.w, _ = flate.NewWriter(&l.buf, flate.BestCompression)
	}
	l.buf.Reset()
	l.w.Reset(&l.buf)
	l.w.Write(src)
	l.w.Close()
	dst = append(dst, l.buf.Bytes()...)
	if l.buf.Cap() <= 1<<20 { // do not keep the buffer of an unusually large input
		larges.Put(l)
	}
	return dst
}
