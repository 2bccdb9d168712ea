package qr

import (
	"image"
	"image/color"
	"math"
)

// toGray returns the luminance of img as an 8-bit grey image, with
// transparent pixels composited onto white. Common image types are
// converted without going through the per-pixel color.Color interface.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.YCbCr:
		// Y is the luma; the chroma planes do not matter here.
		for y := 0; y < h; y++ {
			row := src.Y[src.YOffset(b.Min.X, b.Min.Y+y):]
			copy(out.Pix[y*out.Stride:y*out.Stride+w], row[:w])
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range src.Palette {
			lut[i] = grayOf(c)
		}
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				dst[x] = lut[row[x]]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4 : 4*x+4]
				r, g, bl, a := uint32(p[0])*0x101, uint32(p[1])*0x101, uint32(p[2])*0x101, uint32(p[3])*0x101
				dst[x] = luma(r*a/0xffff, g*a/0xffff, bl*a/0xffff, a)
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4 : 4*x+4]
				dst[x] = luma(uint32(p[0])*0x101, uint32(p[1])*0x101, uint32(p[2])*0x101, uint32(p[3])*0x101)
			}
		}
	default:
		for y := 0; y < h; y++ {
			dst := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				dst[x] = grayOf(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return out
}

// grayOf returns the luminance of c composited onto white.
func grayOf(c color.Color) uint8 {
	r, g, b, a := c.RGBA()
	return luma(r, g, b, a)
}

// luma converts alpha-premultiplied 16-bit components to an 8-bit
// luminance over a white background, weighting green double as the
// reader's own conversion does.
func luma(r, g, b, a uint32) uint8 {
	white := 0xffff - a
	r, g, b = r+white, g+white, b+white
	return uint8((r + 2*g + b) * 255 / (4 * 0xffff))
}

// plane is a read-only view of 8-bit grey pixels: w×h pixels, row y
// starting at pix[y*stride].
type plane struct {
	pix          []uint8
	stride, w, h int
}

// planeOf returns the view of g's pixels.
func planeOf(g *image.Gray) plane {
	return plane{g.Pix, g.Stride, g.Rect.Dx(), g.Rect.Dy()}
}

// newGray returns a w×h grey image whose rows are contiguous.
func newGray(w, h int) *image.Gray {
	return image.NewGray(image.Rect(0, 0, w, h))
}

// reducedSize returns the size of a w×h image reduced k times in each
// direction, rounding up so that no source pixel is dropped.
func reducedSize(w, h, k int) (int, int) {
	return (w + k - 1) / k, (h + k - 1) / k
}

// downscale returns p reduced k times in each direction by averaging
// each k×k block of pixels (a box filter, which also removes the sensor
// noise and JPEG ringing that would otherwise alias into false edges).
// Blocks at the right and bottom edges may be partial. For k = 1 it
// returns a contiguous copy, or p itself when p is already contiguous.
func downscale(p plane, k int) *image.Gray {
	if k <= 1 {
		if p.stride == p.w && len(p.pix) >= p.w*p.h {
			return &image.Gray{Pix: p.pix[:p.w*p.h], Stride: p.w, Rect: image.Rect(0, 0, p.w, p.h)}
		}
		out := newGray(p.w, p.h)
		for y := 0; y < p.h; y++ {
			copy(out.Pix[y*p.w:(y+1)*p.w], p.pix[y*p.stride:])
		}
		return out
	}
	dw, dh := reducedSize(p.w, p.h, k)
	out := newGray(dw, dh)
	sums := make([]uint32, dw)
	full := p.w / k // blocks of full width
	for dy := 0; dy < dh; dy++ {
		clear(sums)
		y0, y1 := dy*k, min(dy*k+k, p.h)
		for y := y0; y < y1; y++ {
			row := p.pix[y*p.stride : y*p.stride+p.w]
			accumulateRow(sums, row, k, full)
		}
		rows := uint32(y1 - y0)
		dst := out.Pix[dy*dw : dy*dw+dw]
		n := rows * uint32(k)
		for dx := 0; dx < full; dx++ {
			dst[dx] = uint8((sums[dx] + n/2) / n)
		}
		if full < dw {
			n := rows * uint32(p.w-full*k)
			dst[full] = uint8((sums[full] + n/2) / n)
		}
	}
	return out
}

// accumulateRow adds the pixels of row to sums, k pixels per entry; the
// first full entries cover k pixels each and any rest goes to the next.
func accumulateRow(sums []uint32, row []uint8, k, full int) {
	switch k {
	case 2:
		for dx := 0; dx < full; dx++ {
			b := row[2*dx : 2*dx+2 : 2*dx+2]
			sums[dx] += uint32(b[0]) + uint32(b[1])
		}
	case 4:
		for dx := 0; dx < full; dx++ {
			b := row[4*dx : 4*dx+4 : 4*dx+4]
			sums[dx] += uint32(b[0]) + uint32(b[1]) + uint32(b[2]) + uint32(b[3])
		}
	default:
		for dx := 0; dx < full; dx++ {
			var s uint32
			for _, v := range row[dx*k : dx*k+k] {
				s += uint32(v)
			}
			sums[dx] += s
		}
	}
	if rest := row[full*k:]; len(rest) > 0 {
		var s uint32
		for _, v := range rest {
			s += uint32(v)
		}
		sums[full] += s
	}
}

// inverted returns a copy of g with every level v replaced by 255-v, so
// that a light code on a dark screen reads as a dark code on light.
func inverted(g *image.Gray) *image.Gray {
	p := planeOf(g)
	out := newGray(p.w, p.h)
	for y := 0; y < p.h; y++ {
		src := p.pix[y*p.stride : y*p.stride+p.w]
		dst := out.Pix[y*p.w : (y+1)*p.w]
		for i, v := range src {
			dst[i] = ^v
		}
	}
	return out
}

// rotateQuarter returns g rotated clockwise by q quarter turns (1, 2 or 3).
func rotateQuarter(g *image.Gray, q int) *image.Gray {
	p := planeOf(g)
	w, h := p.w, p.h
	var out *image.Gray
	switch q & 3 {
	case 1: // (x, y) -> (h-1-y, x)
		out = newGray(h, w)
		for y := 0; y < h; y++ {
			row := p.pix[y*p.stride : y*p.stride+w]
			col := h - 1 - y
			for x, v := range row {
				out.Pix[x*h+col] = v
			}
		}
	case 2: // (x, y) -> (w-1-x, h-1-y)
		out = newGray(w, h)
		for y := 0; y < h; y++ {
			row := p.pix[y*p.stride : y*p.stride+w]
			dst := out.Pix[(h-1-y)*w : (h-y)*w]
			for x, v := range row {
				dst[w-1-x] = v
			}
		}
	case 3: // (x, y) -> (y, w-1-x)
		out = newGray(h, w)
		for y := 0; y < h; y++ {
			row := p.pix[y*p.stride : y*p.stride+w]
			for x, v := range row {
				out.Pix[(w-1-x)*h+y] = v
			}
		}
	default:
		return downscale(p, 1)
	}
	return out
}

// rotateDegrees returns g rotated clockwise by deg degrees about its
// centre with bilinear interpolation, on a canvas just large enough to
// hold all of it; the uncovered corners are white.
func rotateDegrees(g *image.Gray, deg float64) *image.Gray {
	p := planeOf(g)
	sin, cos := math.Sincos(deg * math.Pi / 180)
	w, h := float64(p.w), float64(p.h)
	dw, dh := rotatedSize(p.w, p.h, deg)
	out := newGray(dw, dh)
	// Inverse map: source = R(-deg)·(dest - dest centre) + source centre,
	// in 16.16 fixed point, stepped along each row.
	const one = 1 << 16
	fcos, fsin := int64(cos*one), int64(sin*one)
	scx, scy := int64(w*one/2), int64(h*one/2)
	maxX, maxY := int64(p.w-1)<<16, int64(p.h-1)<<16
	for dy := 0; dy < dh; dy++ {
		ry := int64((float64(dy) + 0.5 - float64(dh)/2) * one)
		rx := int64((0.5 - float64(dw)/2) * one)
		// x' = x cos + y sin, y' = -x sin + y cos (pixel centres).
		sx := scx + (rx*fcos+ry*fsin)>>16 - one/2
		sy := scy + (-rx*fsin+ry*fcos)>>16 - one/2
		dst := out.Pix[dy*dw : (dy+1)*dw]
		for dx := range dst {
			if sx < 0 || sy < 0 || sx > maxX || sy > maxY {
				dst[dx] = 255
			} else {
				x0, y0 := int(sx>>16), int(sy>>16)
				fx, fy := uint32(sx&0xffff)>>8, uint32(sy&0xffff)>>8
				x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
				r0, r1 := p.pix[y0*p.stride:], p.pix[y1*p.stride:]
				top := uint32(r0[x0])*(256-fx) + uint32(r0[x1])*fx
				bot := uint32(r1[x0])*(256-fx) + uint32(r1[x1])*fx
				dst[dx] = uint8((top*(256-fy) + bot*fy + 1<<15) >> 16)
			}
			sx += fcos
			sy -= fsin
		}
	}
	return out
}

// rotatedSize returns the size of the canvas that holds a w×h image
// turned by deg degrees.
func rotatedSize(w, h int, deg float64) (int, int) {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	fw, fh := float64(w), float64(h)
	// The epsilon keeps rounding error from adding a column at 90°.
	dw := int(math.Ceil(math.Abs(fw*cos) + math.Abs(fh*sin) - 1e-9))
	dh := int(math.Ceil(math.Abs(fw*sin) + math.Abs(fh*cos) - 1e-9))
	return dw, dh
}

// upscale returns src enlarged f times with bilinear interpolation. Once
// thresholded (see binarize), module edges fall where the interpolation
// crosses the midpoint, so a code drawn at one or two pixels per module
// becomes one with several, which the reader locates far more reliably.
func upscale(src *image.Gray, f int) *image.Gray {
	p := planeOf(src)
	w, h := p.w, p.h
	dst := newGray(w*f, h*f)
	// Source coordinate of each destination column, in 1/256 pixel units,
	// measured between pixel centres and clamped at the edges.
	type tap struct{ i0, i1, t int }
	taps := func(n int) []tap {
		out := make([]tap, n*f)
		for d := range out {
			pos := ((2*d+1)*256/f - 256) / 2
			if pos < 0 {
				pos = 0
			}
			i0, t := pos>>8, pos&0xff
			i1 := min(i0+1, n-1)
			out[d] = tap{i0, i1, t}
		}
		return out
	}
	xs, ys := taps(w), taps(h)
	pix := func(x, y int) int { return int(p.pix[y*p.stride+x]) }
	for dy, ty := range ys {
		row := dst.Pix[dy*dst.Stride:]
		for dx, tx := range xs {
			top := pix(tx.i0, ty.i0)*(256-tx.t) + pix(tx.i1, ty.i0)*tx.t
			bot := pix(tx.i0, ty.i1)*(256-tx.t) + pix(tx.i1, ty.i1)*tx.t
			row[dx] = uint8((top*(256-ty.t) + bot*ty.t + 1<<15) >> 16)
		}
	}
	return dst
}

// binarize maps every pixel of g to black or white in place, splitting
// halfway between the darkest and lightest levels after discarding the
// extreme 1% at either end as noise.
func binarize(g *image.Gray) {
	var hist [256]int
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	cut := w * h / 100
	lo, n := 0, 0
	for ; lo < 255; lo++ {
		if n += hist[lo]; n > cut {
			break
		}
	}
	hi, n := 255, 0
	for ; hi > 0; hi-- {
		if n += hist[hi]; n > cut {
			break
		}
	}
	threshold := (lo + hi) / 2
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for i, v := range row {
			if int(v) > threshold {
				row[i] = 255
			} else {
				row[i] = 0
			}
		}
	}
}
