package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// photoSpec describes a synthetic photograph of a printed code.
type photoSpec struct {
	w, h     int     // image size in pixels
	side     float64 // side of the code's quiet-zone square, in pixels, before perspective
	angle    float64 // rotation in degrees, clockwise
	keystone float64 // the far edge is this much shorter than the near one (0..1)
	blur     int     // box-blur radius in pixels, applied twice
	noise    float64 // standard deviation of the sensor noise, in grey levels
	seed     uint64
}

// photo12MP is the benchmark photo: 4000×3000, the code about 1150 px
// wide with its quiet zone (about 12 px per module for the version-18
// code of benchPhoto's text), rotated 17°,
// photographed from below so its top edge is 18% shorter, blurred and
// noisy, with uneven light and a textured background, saved as a 4:2:0
// JPEG at quality 85 as a phone would.
var photo12MP = photoSpec{w: 4000, h: 3000, side: 1150, angle: 17, keystone: 0.18, blur: 2, noise: 5, seed: 12}

// syntheticPhoto renders text as a QR code on a sheet of paper lying on a
// desk and returns the photograph as JPEG bytes.
func syntheticPhoto(tb testing.TB, text string, ps photoSpec) []byte {
	tb.Helper()
	code, err := Encode(text)
	if err != nil {
		tb.Fatal(err)
	}
	img := renderPhoto(code, ps)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// homography is a 3×3 projective transform, row-major.
type homography [9]float64

// squareToQuad maps the unit square's corners (0,0), (1,0), (1,1), (0,1)
// to the quadrilateral q (Heckbert's closed form).
func squareToQuad(q [4][2]float64) homography {
	x0, y0, x1, y1 := q[0][0], q[0][1], q[1][0], q[1][1]
	x2, y2, x3, y3 := q[2][0], q[2][1], q[3][0], q[3][1]
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	den := dx1*dy2 - dx2*dy1
	g := (dx3*dy2 - dx2*dy3) / den
	h := (dx1*dy3 - dx3*dy1) / den
	return homography{
		x1 - x0 + g*x1, x3 - x0 + h*x3, x0,
		y1 - y0 + g*y1, y3 - y0 + h*y3, y0,
		g, h, 1,
	}
}

func (m homography) inverse() homography {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	return homography{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
}

func (m homography) apply(x, y float64) (float64, float64) {
	w := m[6]*x + m[7]*y + m[8]
	return (m[0]*x + m[1]*y + m[2]) / w, (m[3]*x + m[4]*y + m[5]) / w
}

// renderPhoto draws the photo as a 4:2:0 YCbCr image.
func renderPhoto(c *Code, ps photoSpec) *image.YCbCr {
	w, h := ps.w, ps.h
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(ps.seed, ps.seed^0x5851f42d4c957f2d))

	// The code's quiet-zone square, rotated about the image centre, with
	// the top edge shortened for the perspective.
	cx, cy := float64(w)/2+0.04*float64(w), float64(h)/2-0.03*float64(h)
	half := ps.side / 2
	sin, cos := math.Sincos(ps.angle * math.Pi / 180)
	corner := func(u, v float64) [2]float64 {
		if v < 0 {
			u *= 1 - ps.keystone
		}
		return [2]float64{cx + u*cos - v*sin, cy + u*sin + v*cos}
	}
	quad := [4][2]float64{corner(-half, -half), corner(half, -half), corner(half, half), corner(-half, half)}
	inv := squareToQuad(quad).inverse()
	// The sheet of paper: the same transform, extending 35% beyond the code.
	n := float64(c.Size + 2*c.QuietZone)

	y := img.Y
	for py := 0; py < h; py++ {
		row := y[py*img.YStride : py*img.YStride+w]
		fy := float64(py) + 0.5
		for px := range row {
			fx := float64(px) + 0.5
			// Uneven light: brighter top left, darker corners.
			dx, dy := (fx-float64(w)*0.35)/float64(w), (fy-float64(h)*0.3)/float64(h)
			light := 1 - 0.55*(dx*dx+dy*dy)
			u, v := inv.apply(fx, fy)
			var lum float64
			switch {
			case u >= 0 && u < 1 && v >= 0 && v < 1:
				mx, my := int(u*n)-c.QuietZone, int(v*n)-c.QuietZone
				if c.Module(mx, my) {
					lum = 38
				} else {
					lum = 212
				}
			case u >= -0.35 && u < 1.35 && v >= -0.35 && v < 1.35:
				lum = 205 // paper
			default:
				// Wood-like desk texture.
				lum = 105 + 18*math.Sin(fx/37+3*math.Sin(fy/211)) + 9*math.Sin(fy/13)
			}
			row[px] = clamp8(lum * light)
		}
	}
	for range 2 {
		boxBlur(y, w, h, img.YStride, ps.blur)
	}
	// Sensor noise, roughly Gaussian (sum of three uniforms).
	for py := 0; py < h; py++ {
		row := y[py*img.YStride : py*img.YStride+w]
		for px, v := range row {
			nz := (r.Float64() + r.Float64() + r.Float64() - 1.5) * 2 * ps.noise
			row[px] = clamp8(float64(v) + nz)
		}
	}
	// A warm tint that varies slowly across the frame.
	cw := (w + 1) / 2
	for py := 0; py < (h+1)/2; py++ {
		for px := 0; px < cw; px++ {
			img.Cb[py*img.CStride+px] = uint8(118 + 4*px/cw)
			img.Cr[py*img.CStride+px] = uint8(136 - 3*py*2/h)
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v + 0.5)
}

// boxBlur blurs the w×h plane p (row stride stride) in place with a box of
// radius r, horizontally then vertically.
func boxBlur(p []uint8, w, h, stride, r int) {
	if r <= 0 {
		return
	}
	n := max(w, h)
	tmp := make([]int, n)
	blur1 := func(get func(i int) uint8, set func(i int, v uint8), length int) {
		for i := 0; i < length; i++ {
			tmp[i] = int(get(i))
		}
		sum, cnt := 0, 0
		for i := 0; i < r && i < length; i++ {
			sum += tmp[i]
			cnt++
		}
		for i := 0; i < length; i++ {
			if j := i + r; j < length {
				sum += tmp[j]
				cnt++
			}
			if j := i - r - 1; j >= 0 {
				sum -= tmp[j]
				cnt--
			}
			set(i, uint8(sum/cnt))
		}
	}
	for y := 0; y < h; y++ {
		row := p[y*stride:]
		blur1(func(i int) uint8 { return row[i] }, func(i int, v uint8) { row[i] = v }, w)
	}
	for x := 0; x < w; x++ {
		blur1(func(i int) uint8 { return p[i*stride+x] }, func(i int, v uint8) { p[i*stride+x] = v }, h)
	}
}

var (
	photoOnce sync.Once
	photoData []byte
	photoText string
)

// benchPhoto returns the 12-megapixel synthetic photo and its text,
// generating it once per test binary.
func benchPhoto(tb testing.TB) ([]byte, string) {
	photoOnce.Do(func() {
		photoText = hc1Like(1200, 560)
		photoData = syntheticPhoto(tb, photoText, photo12MP)
	})
	if photoData == nil {
		tb.Fatal("synthetic photo generation failed earlier")
	}
	return photoData, photoText
}
