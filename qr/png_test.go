package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"math/rand/v2"
	"testing"
)

// pngSpec describes a PNG for buildPNG.
type pngSpec struct {
	w, h, depth, ctype int
	interlace          bool
	plte, trns         []byte
	// sample returns channel ch of pixel (x, y), within the bit depth.
	sample func(x, y, ch int) uint16
	// filter returns the filter type of the n-th row written (0-4).
	filter func(n int) byte
}

func pngChunk(buf *bytes.Buffer, typ string, body []byte) {
	binary.Write(buf, binary.BigEndian, uint32(len(body)))
	buf.WriteString(typ)
	buf.Write(body)
	crc := crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, body)
	binary.Write(buf, binary.BigEndian, crc)
}

// buildPNG writes a PNG of any colour type, bit depth and interlacing, with
// the given row filters, which image/png cannot produce.
func buildPNG(s pngSpec) []byte {
	channels := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[s.ctype]
	bitsPP := s.depth * channels
	bpp := max(1, bitsPP/8)
	var raw bytes.Buffer
	rowN := 0
	writePass := func(x0, y0, xs, ys int) {
		pw, ph := (s.w-x0+xs-1)/xs, (s.h-y0+ys-1)/ys
		if pw <= 0 || ph <= 0 {
			return
		}
		n := (pw*bitsPP + 7) / 8
		prev := make([]byte, n)
		for j := 0; j < ph; j++ {
			row := make([]byte, n)
			bit := 0
			for i := 0; i < pw; i++ {
				for ch := 0; ch < channels; ch++ {
					v := s.sample(x0+i*xs, y0+j*ys, ch)
					switch s.depth {
					case 16:
						binary.BigEndian.PutUint16(row[bit/8:], v)
					case 8:
						row[bit/8] = byte(v)
					default:
						row[bit/8] |= byte(v) << (8 - s.depth - bit%8)
					}
					bit += s.depth
				}
			}
			ft := s.filter(rowN)
			rowN++
			out := make([]byte, n)
			for i := range row {
				var a, b, c int
				if i >= bpp {
					a, c = int(row[i-bpp]), int(prev[i-bpp])
				}
				b = int(prev[i])
				var pred int
				switch ft {
				case 1:
					pred = a
				case 2:
					pred = b
				case 3:
					pred = (a + b) / 2
				case 4:
					p := a + b - c
					pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
					switch {
					case pa <= pb && pa <= pc:
						pred = a
					case pb <= pc:
						pred = b
					default:
						pred = c
					}
				}
				out[i] = row[i] - byte(pred)
			}
			raw.WriteByte(ft)
			raw.Write(out)
			prev = row
		}
	}
	if s.interlace {
		for _, p := range adam7 {
			writePass(p[0], p[1], p[2], p[3])
		}
	} else {
		writePass(0, 0, 1, 1)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()

	var buf bytes.Buffer
	buf.WriteString(pngSignature)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(s.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(s.h))
	ihdr[8], ihdr[9] = byte(s.depth), byte(s.ctype)
	if s.interlace {
		ihdr[12] = 1
	}
	pngChunk(&buf, "IHDR", ihdr)
	if s.plte != nil {
		pngChunk(&buf, "PLTE", s.plte)
	}
	if s.trns != nil {
		pngChunk(&buf, "tRNS", s.trns)
	}
	// Split the data over several IDAT chunks, as encoders do.
	d := z.Bytes()
	for len(d) > 0 {
		n := min(len(d), 997)
		pngChunk(&buf, "IDAT", d[:n])
		d = d[n:]
	}
	pngChunk(&buf, "IEND", nil)
	return buf.Bytes()
}

// TestPNGGray checks the streaming PNG decoder against image/png for every
// colour type, bit depth, filter and interlacing, with transparency, at
// full size and reduced.
func TestPNGGray(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	plte := make([]byte, 3*200)
	for i := range plte {
		plte[i] = byte(r.IntN(256))
	}
	palTRNS := make([]byte, 120)
	for i := range palTRNS {
		palTRNS[i] = byte(r.IntN(256))
	}
	type combo struct {
		ctype, depth int
		plte, trns   []byte
		name         string
	}
	var combos []combo
	for _, d := range []int{1, 2, 4, 8, 16} {
		combos = append(combos, combo{0, d, nil, nil, "gray"})
	}
	combos = append(combos,
		combo{0, 8, nil, []byte{0, 77}, "gray key"},
		combo{0, 2, nil, []byte{0, 1}, "gray2 key"},
		combo{0, 16, nil, []byte{0x12, 0x34}, "gray16 key"},
		combo{2, 8, nil, nil, "rgb"},
		combo{2, 16, nil, nil, "rgb16"},
		combo{2, 8, nil, []byte{0, 10, 0, 20, 0, 30}, "rgb key"},
		combo{4, 8, nil, nil, "gray alpha"},
		combo{4, 16, nil, nil, "gray alpha16"},
		combo{6, 8, nil, nil, "rgba"},
		combo{6, 16, nil, nil, "rgba16"},
	)
	for _, d := range []int{1, 2, 4, 8} {
		combos = append(combos, combo{3, d, plte[:3<<min(d, 6)], nil, "palette"}, combo{3, d, plte[:3<<min(d, 6)], palTRNS[:min(1<<d, len(palTRNS))], "palette tRNS"})
	}
	for _, c := range combos {
		for _, interlace := range []bool{false, true} {
			for _, size := range [][2]int{{37, 23}, {1, 1}, {9, 3}, {64, 41}} {
				w, h := size[0], size[1]
				max := uint16(1)<<c.depth - 1
				if c.ctype == 3 {
					max = uint16(len(c.plte)/3 - 1)
				}
				spec := pngSpec{w: w, h: h, depth: c.depth, ctype: c.ctype, interlace: interlace, plte: c.plte, trns: c.trns,
					sample: func(x, y, ch int) uint16 {
						switch {
						case c.trns != nil && c.ctype == 0 && (x+y)%5 == 0:
							return binary.BigEndian.Uint16(c.trns) // the transparent key
						case c.trns != nil && c.ctype == 2 && (x+y)%5 == 0:
							return binary.BigEndian.Uint16(c.trns[2*ch:])
						}
						return uint16((x*7919 + y*104729 + ch*31337) % (int(max) + 1))
					},
					filter: func(n int) byte { return byte(n % 5) },
				}
				data := buildPNG(spec)
				std, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s %d/%v %dx%d: image/png: %v", c.name, c.depth, interlace, w, h, err)
				}
				want := toGray(std)
				info, err := parsePNG(data)
				if err != nil {
					t.Fatalf("%s %d: %v", c.name, c.depth, err)
				}
				for _, k := range []int{1, 2, 3} {
					got, err := decodePNGGray(info, k)
					if err != nil {
						t.Fatalf("%s %d interlace=%v k=%d: %v", c.name, c.depth, interlace, k, err)
					}
					ref := downscale(planeOf(want), k)
					if got.Rect != ref.Rect {
						t.Fatalf("%s: bounds %v, want %v", c.name, got.Rect, ref.Rect)
					}
					for i := range ref.Pix {
						if d := int(got.Pix[i]) - int(ref.Pix[i]); d < -2 || d > 2 {
							t.Fatalf("%s depth %d interlace=%v %dx%d k=%d: pixel %d = %d, image/png gives %d",
								c.name, c.depth, interlace, w, h, k, i, got.Pix[i], ref.Pix[i])
						}
					}
				}
			}
		}
	}
}

// TestPNGGrayErrors checks that broken PNG structure is reported.
func TestPNGGrayErrors(t *testing.T) {
	good := buildPNG(pngSpec{w: 20, h: 20, depth: 8, ctype: 0,
		sample: func(x, y, _ int) uint16 { return uint16(x * y) }, filter: func(int) byte { return 0 }})
	badCRC := bytes.Clone(good)
	badCRC[len(pngSignature)+8+5] ^= 0xff // inside the IHDR body
	badFilter := buildPNG(pngSpec{w: 20, h: 20, depth: 8, ctype: 0,
		sample: func(x, y, _ int) uint16 { return 1 }, filter: func(int) byte { return 9 }})
	badDepth := buildPNG(pngSpec{w: 4, h: 4, depth: 8, ctype: 3, plte: []byte{1, 2, 3},
		sample: func(x, y, _ int) uint16 { return 0 }, filter: func(int) byte { return 0 }})
	badDepth[len(pngSignature)+8+8] = 16 // paletted images cannot be 16-bit
	for name, data := range map[string][]byte{
		"bad checksum":   badCRC,
		"bad filter":     badFilter,
		"truncated":      good[:len(good)-30],
		"bad depth":      badDepth,
		"only signature": []byte(pngSignature),
	} {
		info, err := parsePNG(data)
		if err == nil {
			_, err = decodePNGGray(info, 1)
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// A missing IEND is tolerated.
	info, err := parsePNG(good[:len(good)-12])
	if err == nil {
		_, err = decodePNGGray(info, 1)
	}
	if err != nil {
		t.Errorf("without IEND: %v", err)
	}
}
