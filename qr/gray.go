package qr

import (
	"image"
	"image/color"
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

// upscale returns src enlarged f times with bilinear interpolation. Once
// thresholded (see binarize), module edges fall where the interpolation
// crosses the midpoint, so a code drawn at one or two pixels per module
// becomes one with several, which the reader locates far more reliably.
func upscale(src *image.Gray, f int) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewGray(image.Rect(0, 0, w*f, h*f))
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
	// Pix starts at Rect.Min, so offsets are relative to the bounds.
	pix := func(x, y int) int { return int(src.Pix[y*src.Stride+x]) }
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
