package qr

import (
	"encoding/binary"
	"errors"
	"image"
	"math"
)

// This file decodes the luma of baseline JPEG images straight into a grey
// image reduced 2, 4 or 8 times (or any multiple of 2), without building
// the full-size image. The chroma components are entropy-decoded, as the
// bit stream requires, and thrown away; each 8×8 luma block is turned into
// the averages of its 4×4, 2×2 or 1×1 sub-blocks directly from its DCT
// coefficients, which costs a few multiplications per non-zero coefficient
// instead of a full inverse DCT. For a 12-megapixel photo that is about
// half the time of image/jpeg and a twentieth of its memory.
//
// Anything else (progressive or arithmetic coding, 12-bit samples, RGB or
// CMYK JPEGs, odd reduction factors, or data this decoder finds corrupt)
// is left to image/jpeg: decodeJPEGLuma then returns errJPEGFallback.

var errJPEGFallback = errors.New("jpeg: not for the luma decoder")

// zigzag maps the zig-zag scan index of a coefficient to its row-major
// position in the 8×8 block.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

// huffTable is a JPEG Huffman table with a 9-bit lookup for short codes.
type huffTable struct {
	fast    [1 << 9]uint16 // symbol<<8 | code length; 0 for codes over 9 bits
	maxCode [17]int32      // largest code of each length, -1 if none
	valPtr  [17]int32      // index in vals of the first code of each length
	minCode [17]int32
	vals    []uint8
	ok      bool
}

func (h *huffTable) build(counts []uint8, vals []uint8) error {
	h.vals = append(h.vals[:0], vals...)
	h.fast = [1 << 9]uint16{}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.valPtr[l], h.minCode[l] = k, code
		if n == 0 {
			h.maxCode[l] = -1
		} else {
			h.maxCode[l] = code + n - 1
		}
		for i := int32(0); i < n; i++ {
			if l <= 9 {
				lo := (code + i) << (9 - l)
				for j := int32(0); j < 1<<(9-l); j++ {
					h.fast[lo+j] = uint16(vals[k+i])<<8 | uint16(l)
				}
			}
		}
		k += n
		code = (code + n) << 1
		if code > 1<<17 {
			return errJPEGFallback
		}
	}
	h.ok = true
	return nil
}

// bitReader reads entropy-coded data, removing byte stuffing; at a marker
// it supplies zero bits and remembers where the marker is.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64
	n      uint // valid bits in acc (the top n bits)
	marker bool // a marker stopped the data
}

func (b *bitReader) fill() {
	for b.n <= 56 {
		var c byte
		if !b.marker && b.pos < len(b.data) {
			c = b.data[b.pos]
			if c == 0xff {
				if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0 {
					b.pos += 2
				} else {
					b.marker = true
					c = 0
				}
			} else {
				b.pos++
			}
		} else {
			b.marker = true
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

func (b *bitReader) bits(n uint) int32 {
	if b.n < n {
		b.fill()
	}
	v := int32(b.acc >> (64 - n))
	b.acc <<= n
	b.n -= n
	return v
}

// receiveExtend reads an s-bit magnitude category and sign-extends it.
func (b *bitReader) receiveExtend(s uint8) int32 {
	if s == 0 {
		return 0
	}
	v := b.bits(uint(s))
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

func (b *bitReader) decode(h *huffTable) (uint8, bool) {
	if b.n < 16 {
		b.fill()
	}
	if e := h.fast[b.acc>>(64-9)]; e != 0 {
		l := uint(e & 0xff)
		b.acc <<= l
		b.n -= l
		return uint8(e >> 8), true
	}
	for l := 10; l <= 16; l++ {
		code := int32(b.acc >> (64 - uint(l)))
		if code <= h.maxCode[l] {
			b.acc <<= uint(l)
			b.n -= uint(l)
			return h.vals[h.valPtr[l]+code-h.minCode[l]], true
		}
	}
	return 0, false
}

// restart skips to the RSTn marker expected after a restart interval.
func (b *bitReader) restart() bool {
	// Drop the buffered bits: the marker is byte-aligned.
	b.acc, b.n, b.marker = 0, 0, false
	for b.pos+1 < len(b.data) {
		if b.data[b.pos] == 0xff && b.data[b.pos+1] >= 0xd0 && b.data[b.pos+1] <= 0xd7 {
			b.pos += 2
			return true
		}
		if b.data[b.pos] == 0xff && b.data[b.pos+1] != 0 && b.data[b.pos+1] != 0xff {
			return false // some other marker
		}
		b.pos++
	}
	return false
}

type jpegComponent struct {
	id, h, v, tq uint8
	td, ta       uint8 // Huffman tables of the current scan
	pred         int32 // DC predictor
}

// reduceTable holds, for n sub-blocks per side, the weight of DCT basis u
// in sub-block i: c(u)/2 times the mean of cos((2x+1)uπ/16) over the
// sub-block's pixels x.
func reduceTable(n int) (t [8][8]float32, skip [8]bool) {
	m := 8 / n
	for u := 0; u < 8; u++ {
		cu := 1.0
		if u == 0 {
			cu = 1 / math.Sqrt2
		}
		all0 := true
		for i := 0; i < n; i++ {
			s := 0.0
			for x := i * m; x < i*m+m; x++ {
				s += math.Cos(float64(2*x+1) * float64(u) * math.Pi / 16)
			}
			w := cu / 2 * s / float64(m)
			if math.Abs(w) < 1e-9 {
				w = 0
			}
			t[u][i] = float32(w)
			all0 = all0 && w == 0
		}
		skip[u] = all0
	}
	return t, skip
}

// decodeJPEGLuma decodes the luma of a baseline JPEG reduced k times in
// each direction, k even. maxPixels bounds the declared size.
func decodeJPEGLuma(data []byte, k, maxPixels int) (*image.Gray, error) {
	if k < 2 || k%2 != 0 || len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return nil, errJPEGFallback
	}
	var (
		qt         [4][64]float32 // natural order
		dc, ac     [4]huffTable
		comps      []jpegComponent
		w, h       int
		restart    int
		adobeRGB   bool
		n, extra   int // sub-blocks per block side, and the box factor after
		tbl        [8][8]float32
		skip       [8]bool
		inter      *image.Gray // reduced n/8, before the extra box
		hmax, vmax uint8
	)
	p := 2
	for {
		// Find the next marker.
		for p < len(data) && data[p] != 0xff {
			p++
		}
		for p < len(data) && data[p] == 0xff {
			p++
		}
		if p >= len(data) {
			return nil, errJPEGFallback
		}
		m := data[p]
		p++
		switch {
		case m == 0xd9: // EOI
			if inter == nil {
				return nil, errJPEGFallback
			}
			return finishLuma(inter, extra, w, h, k), nil
		case m >= 0xd0 && m <= 0xd7, m == 0x01:
			continue
		}
		if p+2 > len(data) {
			return nil, errJPEGFallback
		}
		l := int(binary.BigEndian.Uint16(data[p:]))
		if l < 2 || p+l > len(data) {
			return nil, errJPEGFallback
		}
		seg := data[p+2 : p+l]
		p += l
		switch m {
		case 0xc0, 0xc1: // baseline, extended sequential Huffman
			if comps != nil || len(seg) < 6 || seg[0] != 8 {
				return nil, errJPEGFallback
			}
			h, w = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
			nc := int(seg[5])
			if w == 0 || h == 0 || (nc != 1 && nc != 3) || len(seg) < 6+3*nc || int64(w)*int64(h) > int64(maxPixels) {
				return nil, errJPEGFallback
			}
			for i := 0; i < nc; i++ {
				c := jpegComponent{id: seg[6+3*i], h: seg[7+3*i] >> 4, v: seg[7+3*i] & 15, tq: seg[8+3*i]}
				if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
					return nil, errJPEGFallback
				}
				hmax, vmax = max(hmax, c.h), max(vmax, c.v)
				comps = append(comps, c)
			}
			if nc == 3 && comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B' {
				adobeRGB = true
			}
			// The luma must be the first component at full resolution.
			if adobeRGB || comps[0].h != hmax || comps[0].v != vmax {
				return nil, errJPEGFallback
			}
			switch {
			case k%8 == 0:
				n, extra = 1, k/8
			case k%4 == 0:
				n, extra = 2, k/4
			default:
				n, extra = 4, k/2
			}
			tbl, skip = reduceTable(n)
			// One sub-block value per n-th of a block, over whole blocks.
			bw := (w + 7) / 8
			bh := (h + 7) / 8
			inter = newGray(bw*n, bh*n)
		case 0xc4: // DHT
			for len(seg) > 0 {
				if len(seg) < 17 {
					return nil, errJPEGFallback
				}
				class, id := seg[0]>>4, seg[0]&15
				total := 0
				for _, c := range seg[1:17] {
					total += int(c)
				}
				if class > 1 || id > 3 || total > 256 || len(seg) < 17+total {
					return nil, errJPEGFallback
				}
				t := &dc[id]
				if class == 1 {
					t = &ac[id]
				}
				if err := t.build(seg[1:17], seg[17:17+total]); err != nil {
					return nil, err
				}
				seg = seg[17+total:]
			}
		case 0xdb: // DQT
			for len(seg) > 0 {
				pq, id := seg[0]>>4, seg[0]&15
				size := 64 * (1 + int(pq))
				if pq > 1 || id > 3 || len(seg) < 1+size {
					return nil, errJPEGFallback
				}
				for i := 0; i < 64; i++ {
					v := float32(seg[1+i])
					if pq == 1 {
						v = float32(binary.BigEndian.Uint16(seg[1+2*i:]))
					}
					qt[id][zigzag[i]] = v
				}
				seg = seg[1+size:]
			}
		case 0xdd: // DRI
			if len(seg) < 2 {
				return nil, errJPEGFallback
			}
			restart = int(binary.BigEndian.Uint16(seg))
		case 0xee: // APP14 Adobe: transform 0 means RGB or CMYK, not YCbCr
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 && len(comps) != 1 {
				adobeRGB = true
			}
		case 0xda: // SOS
			if inter == nil || len(seg) < 1 {
				return nil, errJPEGFallback
			}
			ns := int(seg[0])
			if ns < 1 || ns > len(comps) || len(seg) < 1+2*ns+3 {
				return nil, errJPEGFallback
			}
			var scan []*jpegComponent
			for i := 0; i < ns; i++ {
				id, tabs := seg[1+2*i], seg[2+2*i]
				var c *jpegComponent
				for j := range comps {
					if comps[j].id == id {
						c = &comps[j]
					}
				}
				if c == nil || tabs>>4 > 3 || tabs&15 > 3 || !dc[tabs>>4].ok || !ac[tabs&15].ok {
					return nil, errJPEGFallback
				}
				c.td, c.ta, c.pred = tabs>>4, tabs&15, 0
				scan = append(scan, c)
			}
			if ss, se, ahal := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]; ss != 0 || se != 63 || ahal != 0 {
				return nil, errJPEGFallback
			}
			br := &bitReader{data: data, pos: p}
			if err := decodeScan(br, comps, scan, w, h, hmax, vmax, restart, &dc, &ac, &qt, n, &tbl, &skip, inter); err != nil {
				return nil, err
			}
			p = br.pos
		case 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf:
			return nil, errJPEGFallback // progressive, lossless, arithmetic
		}
	}
}

// decodeScan decodes one scan, writing the reduced luma blocks into inter.
func decodeScan(br *bitReader, comps []jpegComponent, scan []*jpegComponent, w, h int, hmax, vmax uint8,
	restart int, dc, ac *[4]huffTable, qt *[4][64]float32, n int, tbl *[8][8]float32, skip *[8]bool, inter *image.Gray) error {
	luma := &comps[0]
	var coef [64]int32
	var nz [64]uint8 // natural positions of the non-zero coefficients
	block := func(c *jpegComponent, bx, by int) error {
		isLuma := c == luma
		// DC.
		t, ok := br.decode(&dc[c.td])
		if !ok || t > 11 {
			return errJPEGFallback
		}
		c.pred += br.receiveExtend(t)
		cnt := 0
		if isLuma {
			coef[0] = c.pred
			nz[0] = 0
			cnt = 1
		}
		// AC.
		for k := 1; k < 64; {
			rs, ok := br.decode(&ac[c.ta])
			if !ok {
				return errJPEGFallback
			}
			r, s := int(rs>>4), rs&15
			if s == 0 {
				if r != 15 {
					break
				}
				k += 16
				continue
			}
			k += r
			if k > 63 {
				return errJPEGFallback
			}
			v := br.receiveExtend(s)
			if isLuma {
				pos := zigzag[k]
				coef[pos] = v
				nz[cnt] = pos
				cnt++
			}
			k++
		}
		if !isLuma || bx*8 >= w || by*8 >= h {
			return nil
		}
		// Sub-block averages from the coefficients.
		var acc [4][4]float32
		q := &qt[c.tq]
		for _, pos := range nz[:cnt] {
			u, v := pos&7, pos>>3
			f := float32(coef[pos]) * q[pos]
			coef[pos] = 0
			if skip[u] || skip[v] {
				continue
			}
			for j := 0; j < n; j++ {
				fv := f * tbl[v][j]
				if fv == 0 {
					continue
				}
				for i := 0; i < n; i++ {
					acc[j][i] += fv * tbl[u][i]
				}
			}
		}
		stride := inter.Stride
		for j := 0; j < n; j++ {
			row := inter.Pix[(by*n+j)*stride+bx*n:]
			for i := 0; i < n; i++ {
				v := acc[j][i] + 128.5
				switch {
				case v < 0:
					row[i] = 0
				case v > 255:
					row[i] = 255
				default:
					row[i] = uint8(v)
				}
			}
		}
		return nil
	}

	mcu, total := 0, 0
	nextRestart := func() error {
		if restart == 0 {
			return nil
		}
		mcu++
		if mcu%restart != 0 || mcu == total {
			return nil
		}
		if !br.restart() {
			return errJPEGFallback
		}
		for _, c := range scan {
			c.pred = 0
		}
		return nil
	}
	if len(scan) == 1 {
		// Non-interleaved: the component's own blocks in raster order.
		c := scan[0]
		cw := (w*int(c.h) + int(hmax) - 1) / int(hmax)
		ch := (h*int(c.v) + int(vmax) - 1) / int(vmax)
		bw, bh := (cw+7)/8, (ch+7)/8
		total = bw * bh
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				if err := block(c, bx, by); err != nil {
					return err
				}
				if err := nextRestart(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	mw := (w + 8*int(hmax) - 1) / (8 * int(hmax))
	mh := (h + 8*int(vmax) - 1) / (8 * int(vmax))
	total = mw * mh
	for my := 0; my < mh; my++ {
		for mx := 0; mx < mw; mx++ {
			for _, c := range scan {
				for v := 0; v < int(c.v); v++ {
					for u := 0; u < int(c.h); u++ {
						if err := block(c, mx*int(c.h)+u, my*int(c.v)+v); err != nil {
							return err
						}
					}
				}
			}
			if err := nextRestart(); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishLuma crops the sub-block image to the picture and applies the
// remaining box reduction, giving the w×h image reduced k times.
func finishLuma(inter *image.Gray, extra, w, h, k int) *image.Gray {
	m := k / extra // pixels per sub-block
	iw, ih := (w+m-1)/m, (h+m-1)/m
	p := plane{inter.Pix, inter.Stride, iw, ih}
	if extra == 1 {
		return downscale(p, 1)
	}
	return downscale(p, extra)
}
