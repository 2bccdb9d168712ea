package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
)

// This file holds a PNG decoder that produces 8-bit grey pixels directly,
// reduced k times in each direction while the rows stream out of the zlib
// stream. image/png would first build the full-colour image (4 or 8 bytes
// a pixel: 48 MB for a 12-megapixel RGBA photo, 320 MB at the 40-megapixel
// limit with 16-bit samples); this decoder holds two rows of the source
// and the reduced grey result, plus a full-size sum buffer of the reduced
// size for interlaced images.

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngInfo is what decodePNGGray needs from the chunks before IDAT.
type pngInfo struct {
	w, h      int
	depth     int  // bits per sample
	ctype     int  // colour type
	interlace bool // Adam7
	// palette holds the grey level of each palette index, composited on
	// white with its tRNS alpha; indexes beyond PLTE read as black.
	palette [256]uint8
	// Transparent colour key (tRNS for colour types 0 and 2).
	hasKey  bool
	keyGray uint16
	keyRGB  [3]uint16
	idat    [][]byte
}

var errPNGFormat = errors.New("not a valid PNG")

func pngErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errPNGFormat, fmt.Sprintf(format, args...))
}

// parsePNG walks the chunks of a PNG file, checking their CRCs, and
// collects the header, palette, transparency and image data.
func parsePNG(data []byte) (*pngInfo, error) {
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		return nil, pngErr("missing signature")
	}
	hdr := &pngInfo{}
	var plte []byte
	var trns []byte
	seenIHDR, seenIDAT := false, false
	p := len(pngSignature)
	for {
		if len(data)-p < 12 {
			if seenIDAT {
				break // tolerate a missing IEND
			}
			return nil, pngErr("file ends after %d bytes, before the image data", len(data))
		}
		n := binary.BigEndian.Uint32(data[p:])
		typ := string(data[p+4 : p+8])
		if n > 0x7fffffff || uint64(len(data)-p-12) < uint64(n) {
			return nil, pngErr("%s chunk of %d bytes runs past the end of the file (%d bytes)", typ, n, len(data))
		}
		body := data[p+8 : p+8+int(n)]
		crc := crc32.Update(crc32.ChecksumIEEE(data[p+4:p+8]), crc32.IEEETable, body)
		if crc != binary.BigEndian.Uint32(data[p+8+int(n):]) {
			return nil, pngErr("%s chunk has a bad checksum", typ)
		}
		p += 12 + int(n)
		if !seenIHDR && typ != "IHDR" {
			return nil, pngErr("first chunk is %q, not IHDR", typ)
		}
		switch typ {
		case "IHDR":
			if seenIHDR || n != 13 {
				return nil, pngErr("bad IHDR chunk")
			}
			seenIHDR = true
			if err := hdr.parseIHDR(body); err != nil {
				return nil, err
			}
		case "PLTE":
			plte = body
		case "tRNS":
			trns = body
		case "IDAT":
			seenIDAT = true
			hdr.idat = append(hdr.idat, body)
		case "IEND":
			if !seenIDAT {
				return nil, pngErr("no image data")
			}
			return hdr, hdr.setColours(plte, trns)
		}
		if p == len(data) && seenIDAT {
			break
		}
	}
	return hdr, hdr.setColours(plte, trns)
}

func (h *pngInfo) parseIHDR(b []byte) error {
	w, ht := binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:])
	if w == 0 || ht == 0 || w > 0x7fffffff || ht > 0x7fffffff {
		return pngErr("image is %d×%d pixels", w, ht)
	}
	h.w, h.h = int(w), int(ht)
	h.depth, h.ctype = int(b[8]), int(b[9])
	ok := false
	switch h.ctype {
	case 0:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8 || h.depth == 16
	case 3:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8
	case 2, 4, 6:
		ok = h.depth == 8 || h.depth == 16
	}
	if !ok {
		return pngErr("colour type %d with bit depth %d", h.ctype, h.depth)
	}
	if b[10] != 0 || b[11] != 0 || b[12] > 1 {
		return pngErr("unknown compression, filter or interlace method")
	}
	h.interlace = b[12] == 1
	return nil
}

// setColours prepares the palette lookup table and transparency key.
func (h *pngInfo) setColours(plte, trns []byte) error {
	switch h.ctype {
	case 3:
		if len(plte) == 0 || len(plte)%3 != 0 || len(plte) > 768 {
			return pngErr("bad or missing palette")
		}
		for i := 0; i < len(plte)/3; i++ {
			a := uint32(255)
			if i < len(trns) {
				a = uint32(trns[i])
			}
			r, g, b := uint32(plte[3*i]), uint32(plte[3*i+1]), uint32(plte[3*i+2])
			h.palette[i] = gray8(r, g, b, a)
		}
	case 0:
		if len(trns) >= 2 {
			h.hasKey, h.keyGray = true, binary.BigEndian.Uint16(trns)
		}
	case 2:
		if len(trns) >= 6 {
			h.hasKey = true
			for i := range h.keyRGB {
				h.keyRGB[i] = binary.BigEndian.Uint16(trns[2*i:])
			}
		}
	}
	return nil
}

// gray8 is luma for 8-bit straight-alpha samples: (r+2g+b)/4 composited
// on white, the same weighting as luma.
func gray8(r, g, b, a uint32) uint8 {
	if a == 255 {
		return uint8((r + 2*g + b) >> 2)
	}
	return uint8(((r+2*g+b)*a + 4*255*(255-a)) / 1020)
}

// channels returns the number of samples per pixel for the colour type.
func (h *pngInfo) channels() int {
	switch h.ctype {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// convertRow writes the grey level of each of the n pixels of the
// unfiltered row raw into dst.
func (h *pngInfo) convertRow(dst []uint8, raw []byte, n int) {
	dst = dst[:n]
	switch {
	case h.ctype == 0 && h.depth == 8:
		if !h.hasKey {
			copy(dst, raw)
			return
		}
		for i := range dst {
			if uint16(raw[i]) == h.keyGray {
				dst[i] = 255
			} else {
				dst[i] = raw[i]
			}
		}
	case h.ctype == 0 && h.depth == 16:
		for i := range dst {
			v := binary.BigEndian.Uint16(raw[2*i:])
			if h.hasKey && v == h.keyGray {
				dst[i] = 255
			} else {
				dst[i] = uint8(v >> 8)
			}
		}
	case h.ctype == 0: // 1, 2 or 4 bits
		d := uint(h.depth)
		mask := uint16(1)<<d - 1
		mul := 255 / mask
		perByte := 8 / d
		for i := range dst {
			v := uint16(raw[uint(i)/perByte]>>(8-d-d*(uint(i)%perByte))) & mask
			if h.hasKey && v == h.keyGray {
				dst[i] = 255
			} else {
				dst[i] = uint8(v * mul)
			}
		}
	case h.ctype == 3 && h.depth == 8:
		for i := range dst {
			dst[i] = h.palette[raw[i]]
		}
	case h.ctype == 3:
		d := uint(h.depth)
		mask := byte(1)<<d - 1
		perByte := 8 / d
		for i := range dst {
			dst[i] = h.palette[raw[uint(i)/perByte]>>(8-d-d*(uint(i)%perByte))&mask]
		}
	case h.ctype == 2 && h.depth == 8:
		for i := range dst {
			p := raw[3*i : 3*i+3 : 3*i+3]
			if h.hasKey && uint16(p[0]) == h.keyRGB[0] && uint16(p[1]) == h.keyRGB[1] && uint16(p[2]) == h.keyRGB[2] {
				dst[i] = 255
			} else {
				dst[i] = uint8((uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) >> 2)
			}
		}
	case h.ctype == 2: // 16 bits
		for i := range dst {
			p := raw[6*i : 6*i+6 : 6*i+6]
			r, g, b := binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:]), binary.BigEndian.Uint16(p[4:])
			if h.hasKey && r == h.keyRGB[0] && g == h.keyRGB[1] && b == h.keyRGB[2] {
				dst[i] = 255
			} else {
				dst[i] = uint8((uint32(r>>8) + 2*uint32(g>>8) + uint32(b>>8)) >> 2)
			}
		}
	case h.ctype == 4 && h.depth == 8:
		for i := range dst {
			g, a := uint32(raw[2*i]), uint32(raw[2*i+1])
			dst[i] = uint8((g*a + 255*(255-a)) / 255)
		}
	case h.ctype == 4: // 16 bits
		for i := range dst {
			g, a := uint32(raw[4*i]), uint32(raw[4*i+2])
			dst[i] = uint8((g*a + 255*(255-a)) / 255)
		}
	case h.ctype == 6 && h.depth == 8:
		for i := range dst {
			p := raw[4*i : 4*i+4 : 4*i+4]
			dst[i] = gray8(uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3]))
		}
	default: // colour type 6, 16 bits
		for i := range dst {
			p := raw[8*i : 8*i+8 : 8*i+8]
			dst[i] = gray8(uint32(p[0]), uint32(p[2]), uint32(p[4]), uint32(p[6]))
		}
	}
}

// adam7 lists the seven passes of Adam7 interlacing: x and y offset and step.
var adam7 = [7][4]int{
	{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
	{0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
}

// decodePNGGray decodes the image of a parsed PNG as grey levels reduced
// k times in each direction (k = 1: full size) by area averaging.
func decodePNGGray(h *pngInfo, k int) (*image.Gray, error) {
	readers := make([]io.Reader, len(h.idat))
	for i, b := range h.idat {
		readers[i] = bytes.NewReader(b)
	}
	zr, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return nil, pngErr("image data: %v", err)
	}
	defer zr.Close()

	bitsPP := h.depth * h.channels()
	bpp := max(1, bitsPP/8) // filter unit in bytes
	rowBytes := func(w int) int { return (w*bitsPP + 7) / 8 }
	maxRow := rowBytes(h.w)
	cur := make([]byte, maxRow+1)
	prev := make([]byte, maxRow+1)
	line := make([]uint8, h.w)

	// readRow reads and unfilters the next row of n bytes into cur[1:].
	readRow := func(n int) error {
		if _, err := io.ReadFull(zr, cur[:n+1]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return pngErr("image data: %v", err)
		}
		if err := unfilter(cur[0], cur[1:n+1], prev[1:n+1], bpp); err != nil {
			return err
		}
		cur, prev = prev, cur
		return nil
	}

	dw, dh := reducedSize(h.w, h.h, k)
	out := newGray(dw, dh)
	if !h.interlace {
		n := rowBytes(h.w)
		clear(prev)
		if k == 1 {
			for y := 0; y < h.h; y++ {
				if err := readRow(n); err != nil {
					return nil, err
				}
				h.convertRow(out.Pix[y*dw:(y+1)*dw], prev[1:n+1], h.w)
			}
			return out, nil
		}
		sums := make([]uint32, dw)
		full := h.w / k
		for dy := 0; dy < dh; dy++ {
			clear(sums)
			y0, y1 := dy*k, min(dy*k+k, h.h)
			for y := y0; y < y1; y++ {
				if err := readRow(n); err != nil {
					return nil, err
				}
				h.convertRow(line, prev[1:n+1], h.w)
				accumulateRow(sums, line, k, full)
			}
			rows := uint32(y1 - y0)
			dst := out.Pix[dy*dw : (dy+1)*dw]
			cnt := rows * uint32(k)
			for dx := 0; dx < full; dx++ {
				dst[dx] = uint8((sums[dx] + cnt/2) / cnt)
			}
			if full < dw {
				cnt := rows * uint32(h.w-full*k)
				dst[full] = uint8((sums[full] + cnt/2) / cnt)
			}
		}
		return out, nil
	}

	// Interlaced: each pass covers a sparse grid of pixels; add them to
	// the reduced image's sums wherever they fall.
	var sums []uint32
	if k > 1 {
		sums = make([]uint32, dw*dh)
	}
	for _, pass := range adam7 {
		x0, y0, xs, ys := pass[0], pass[1], pass[2], pass[3]
		pw, ph := (h.w-x0+xs-1)/xs, (h.h-y0+ys-1)/ys
		if pw <= 0 || ph <= 0 {
			continue
		}
		n := rowBytes(pw)
		clear(prev)
		for j := 0; j < ph; j++ {
			if err := readRow(n); err != nil {
				return nil, err
			}
			h.convertRow(line, prev[1:n+1], pw)
			y := y0 + j*ys
			if k == 1 {
				row := out.Pix[y*dw:]
				for i, v := range line[:pw] {
					row[x0+i*xs] = v
				}
				continue
			}
			row := sums[(y/k)*dw:]
			for i, v := range line[:pw] {
				row[(x0+i*xs)/k] += uint32(v)
			}
		}
	}
	if k > 1 {
		for dy := 0; dy < dh; dy++ {
			rows := uint32(min(dy*k+k, h.h) - dy*k)
			for dx := 0; dx < dw; dx++ {
				cnt := rows * uint32(min(dx*k+k, h.w)-dx*k)
				out.Pix[dy*dw+dx] = uint8((sums[dy*dw+dx] + cnt/2) / cnt)
			}
		}
	}
	return out, nil
}

// unfilter reverses the PNG row filter ft on cur, given the previous
// unfiltered row prev (zero for the first row) and the filter unit bpp.
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	switch ft {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i, p := range prev {
			cur[i] += p
		}
	case 3: // Average
		for i := 0; i < bpp && i < len(cur); i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := 0; i < bpp && i < len(cur); i++ {
			cur[i] += prev[i]
		}
		for i := bpp; i < len(cur); i++ {
			a, b, c := int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return pngErr("unknown row filter %d", ft)
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
