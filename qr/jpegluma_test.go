package qr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// jpegSpec describes a baseline JPEG for buildJPEG, which writes the
// variants image/jpeg's encoder does not: other chroma subsampling,
// non-interleaved scans, restart intervals, long Huffman codes.
type jpegSpec struct {
	w, h        int
	gray        bool
	hy, vy      int  // luma sampling factors (chroma is 1×1)
	separate    bool // one scan per component
	restart     int  // restart interval in MCUs, 0 for none
	quality     float64
	y, cb, cr   func(x, y int) float64
	adobeRGBIDs bool // component ids R, G, B
}

// testHuff is a canonical Huffman code: lengths per symbol.
type testHuff struct {
	counts [16]byte
	vals   []byte
	code   [256]uint32
	size   [256]uint8
}

func newTestHuff(length func(sym int) int, nsym int) *testHuff {
	h := &testHuff{}
	for l := 1; l <= 16; l++ {
		for s := 0; s < nsym; s++ {
			if length(s) == l {
				h.counts[l-1]++
				h.vals = append(h.vals, byte(s))
			}
		}
	}
	code, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(h.counts[l-1]); i++ {
			s := h.vals[k]
			h.code[s], h.size[s] = code, uint8(l)
			code++
			k++
		}
		code <<= 1
	}
	return h
}

type bitWriter struct {
	buf  bytes.Buffer
	acc  uint32
	nacc uint
}

func (b *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		b.acc = b.acc<<1 | (v>>uint(i))&1
		b.nacc++
		if b.nacc == 8 {
			c := byte(b.acc)
			b.buf.WriteByte(c)
			if c == 0xff {
				b.buf.WriteByte(0)
			}
			b.acc, b.nacc = 0, 0
		}
	}
}

func (b *bitWriter) flush() {
	for b.nacc != 0 {
		b.put(1, 1)
	}
}

// buildJPEG encodes a baseline JPEG.
func buildJPEG(s jpegSpec) []byte {
	q := make([]int, 64) // natural order
	for i := range q {
		u, v := i%8, i/8
		q[i] = max(1, int(float64(2+u+v)*(100-s.quality)/10))
	}
	dcH := newTestHuff(func(int) int { return 4 }, 12)
	acH := newTestHuff(func(sym int) int {
		if sym>>4 >= 8 {
			return 12
		}
		return 8
	}, 256)

	type comp struct {
		id     byte
		h, v   int
		sample func(x, y int) float64
		w, ht  int // size in samples
		pred   int
	}
	comps := []*comp{{id: 1, h: s.hy, v: s.vy, sample: s.y}}
	if !s.gray {
		comps = append(comps, &comp{id: 2, h: 1, v: 1, sample: s.cb}, &comp{id: 3, h: 1, v: 1, sample: s.cr})
	}
	if s.adobeRGBIDs {
		comps[0].id, comps[1].id, comps[2].id = 'R', 'G', 'B'
	}
	hmax, vmax := s.hy, s.vy
	for _, c := range comps {
		c.w = (s.w*c.h + hmax - 1) / hmax
		c.ht = (s.h*c.v + vmax - 1) / vmax
	}
	// sampleAt averages the full-resolution samples a chroma sample covers
	// and replicates edges.
	sampleAt := func(c *comp, x, y int) float64 {
		fx, fy := hmax/c.h, vmax/c.v
		sum := 0.0
		for dy := 0; dy < fy; dy++ {
			for dx := 0; dx < fx; dx++ {
				sx := min(x*fx+dx, s.w-1)
				sy := min(y*fy+dy, s.h-1)
				sum += c.sample(sx, sy)
			}
		}
		return sum / float64(fx*fy)
	}
	bw := &bitWriter{}
	encodeBlock := func(c *comp, bx, by int) {
		var f [64]float64
		for y := 0; y < 8; y++ {
			for x := 0; x < 8; x++ {
				sx, sy := min(bx*8+x, c.w-1), min(by*8+y, c.ht-1)
				f[y*8+x] = sampleAt(c, sx, sy) - 128
			}
		}
		var coef [64]int
		for v := 0; v < 8; v++ {
			for u := 0; u < 8; u++ {
				sum := 0.0
				for y := 0; y < 8; y++ {
					for x := 0; x < 8; x++ {
						sum += f[y*8+x] * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
					}
				}
				cu, cv := 1.0, 1.0
				if u == 0 {
					cu = 1 / math.Sqrt2
				}
				if v == 0 {
					cv = 1 / math.Sqrt2
				}
				coef[v*8+u] = int(math.Round(sum * cu * cv / 4 / float64(q[v*8+u])))
			}
		}
		emit := func(h *testHuff, sym int) { bw.put(h.code[sym], uint(h.size[sym])) }
		magnitude := func(v int) (uint32, uint) {
			a := v
			if a < 0 {
				a = -a
			}
			n := uint(0)
			for a>>n != 0 {
				n++
			}
			if v < 0 {
				v += 1<<n - 1
			}
			return uint32(v), n
		}
		diff := coef[0] - c.pred
		c.pred = coef[0]
		bits, n := magnitude(diff)
		emit(dcH, int(n))
		bw.put(bits, n)
		run := 0
		for k := 1; k < 64; k++ {
			v := coef[zigzag[k]]
			if v == 0 {
				run++
				continue
			}
			for run > 15 {
				emit(acH, 0xf0)
				run -= 16
			}
			bits, n := magnitude(v)
			emit(acH, run<<4|int(n))
			bw.put(bits, n)
			run = 0
		}
		if run > 0 {
			emit(acH, 0)
		}
	}

	var out bytes.Buffer
	seg := func(marker byte, body []byte) {
		out.Write([]byte{0xff, marker})
		binary.Write(&out, binary.BigEndian, uint16(len(body)+2))
		out.Write(body)
	}
	out.Write([]byte{0xff, 0xd8})
	dqt := []byte{0}
	for i := 0; i < 64; i++ {
		dqt = append(dqt, byte(q[zigzag[i]]))
	}
	seg(0xdb, dqt)
	sof := []byte{8, byte(s.h >> 8), byte(s.h), byte(s.w >> 8), byte(s.w), byte(len(comps))}
	for _, c := range comps {
		sof = append(sof, c.id, byte(c.h<<4|c.v), 0)
	}
	seg(0xc0, sof)
	seg(0xc4, append(append([]byte{0x00}, dcH.counts[:]...), dcH.vals...))
	seg(0xc4, append(append([]byte{0x10}, acH.counts[:]...), acH.vals...))
	if s.restart > 0 {
		seg(0xdd, []byte{byte(s.restart >> 8), byte(s.restart)})
	}
	writeScan := func(scan []*comp, units func(func())) {
		body := []byte{byte(len(scan))}
		for _, c := range scan {
			body = append(body, c.id, 0x00)
			c.pred = 0
		}
		seg(0xda, append(body, 0, 63, 0))
		bw.buf.Reset()
		units(func() {})
		bw.flush()
		out.Write(bw.buf.Bytes())
	}
	// units runs each MCU (or block, for one component) and handles the
	// restart markers between intervals.
	interval := func(scan []*comp, total int, do func(i int)) func(func()) {
		return func(func()) {
			rst := 0
			for i := 0; i < total; i++ {
				do(i)
				if s.restart > 0 && (i+1)%s.restart == 0 && i+1 < total {
					bw.flush()
					bw.buf.Write([]byte{0xff, byte(0xd0 + rst%8)})
					rst++
					for _, c := range scan {
						c.pred = 0
					}
				}
			}
		}
	}
	if s.separate || len(comps) == 1 {
		for _, c := range comps {
			bwc, bhc := (c.w+7)/8, (c.ht+7)/8
			writeScan([]*comp{c}, interval([]*comp{c}, bwc*bhc, func(i int) { encodeBlock(c, i%bwc, i/bwc) }))
		}
	} else {
		mw := (s.w + 8*hmax - 1) / (8 * hmax)
		mh := (s.h + 8*vmax - 1) / (8 * vmax)
		writeScan(comps, interval(comps, mw*mh, func(i int) {
			mx, my := i%mw, i/mw
			for _, c := range comps {
				for v := 0; v < c.v; v++ {
					for u := 0; u < c.h; u++ {
						encodeBlock(c, mx*c.h+u, my*c.v+v)
					}
				}
			}
		}))
	}
	out.Write([]byte{0xff, 0xd9})
	return out.Bytes()
}

// TestJPEGLuma compares the reduced luma decoder with image/jpeg followed
// by the box filter, over subsampling, scan layout, restart intervals,
// sizes and reduction factors.
func TestJPEGLuma(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	noise := make([]float64, 4096)
	for i := range noise {
		noise[i] = r.Float64()*60 - 30
	}
	luma := func(x, y int) float64 {
		v := 128 + 90*math.Sin(float64(x)/7)*math.Cos(float64(y)/11) + noise[(x*31+y*17)%4096]
		if (x/9+y/9)%2 == 0 {
			v -= 40
		}
		return min(255, max(0, v))
	}
	cb := func(x, y int) float64 { return 128 + 40*math.Sin(float64(x+y)/13) }
	cr := func(x, y int) float64 { return 128 - 30*math.Cos(float64(x-y)/9) }
	cases := []jpegSpec{
		{w: 100, h: 61, gray: true, hy: 1, vy: 1},
		{w: 100, h: 61, hy: 1, vy: 1},
		{w: 99, h: 77, hy: 2, vy: 2},
		{w: 130, h: 45, hy: 2, vy: 1},
		{w: 64, h: 64, hy: 1, vy: 2},
		{w: 99, h: 77, hy: 2, vy: 2, separate: true},
		{w: 99, h: 77, hy: 2, vy: 2, restart: 3},
		{w: 99, h: 77, hy: 1, vy: 1, separate: true, restart: 7},
		{w: 17, h: 9, gray: true, hy: 2, vy: 2, restart: 1},
	}
	for _, c := range cases {
		c.y, c.cb, c.cr, c.quality = luma, cb, cr, 90
		data := buildJPEG(c)
		std, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%+v: image/jpeg cannot read the test JPEG: %v", c, err)
		}
		full := toGray(std)
		if ycc, ok := std.(*image.YCbCr); ok {
			full = downscale(plane{ycc.Y, ycc.YStride, c.w, c.h}, 1)
		}
		for _, k := range []int{2, 4, 6, 8, 16} {
			got, err := decodeJPEGLuma(data, k, MaxPixels)
			if err != nil {
				t.Fatalf("%dx%d %d:%d separate=%v restart=%d k=%d: %v", c.w, c.h, c.hy, c.vy, c.separate, c.restart, k, err)
			}
			want := downscale(planeOf(full), k)
			if got.Rect != want.Rect {
				t.Fatalf("k=%d: bounds %v, want %v", k, got.Rect, want.Rect)
			}
			worst := 0
			for y := 0; y < want.Rect.Dy(); y++ {
				for x := 0; x < want.Rect.Dx(); x++ {
					// Blocks cut by the right or bottom edge average in the
					// encoder's padding; compare whole blocks only.
					if (x+1)*k > c.w/8*8 || (y+1)*k > c.h/8*8 {
						continue
					}
					d := int(got.Pix[y*got.Stride+x]) - int(want.Pix[y*want.Stride+x])
					worst = max(worst, d, -d)
				}
			}
			if worst > 3 {
				t.Errorf("%dx%d gray=%v %d:%d separate=%v restart=%d k=%d: differs from image/jpeg by up to %d levels",
					c.w, c.h, c.gray, c.hy, c.vy, c.separate, c.restart, k, worst)
			}
		}
	}
}

// TestJPEGLumaFallback checks what the luma decoder leaves to image/jpeg.
func TestJPEGLumaFallback(t *testing.T) {
	base := jpegSpec{w: 40, h: 40, hy: 1, vy: 1, quality: 80,
		y: func(x, y int) float64 { return float64(x * 6) }, cb: func(int, int) float64 { return 128 }, cr: func(int, int) float64 { return 128 }}
	good := buildJPEG(base)
	rgb := base
	rgb.adobeRGBIDs = true
	g := newGray(40, 40)
	var prog bytes.Buffer
	jpeg.Encode(&prog, g, nil)
	progData := bytes.Replace(prog.Bytes(), []byte{0xff, 0xc0}, []byte{0xff, 0xc2}, 1)
	for name, tt := range map[string]struct {
		data []byte
		k    int
	}{
		"odd factor":  {good, 3},
		"factor 1":    {good, 1},
		"RGB ids":     {buildJPEG(rgb), 2},
		"progressive": {progData, 2},
		"truncated":   {good[:len(good)/2], 2},
		"not a jpeg":  {[]byte("hello"), 2},
	} {
		if _, err := decodeJPEGLuma(tt.data, tt.k, MaxPixels); err != errJPEGFallback {
			t.Errorf("%s: err = %v, want errJPEGFallback", name, err)
		}
	}
	if _, err := decodeJPEGLuma(good, 2, 100); err != errJPEGFallback {
		t.Errorf("over the pixel limit: %v", err)
	}
}
