package qr

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
)

// codeGray renders text as a grey image, px pixels per module.
func codeGray(t testing.TB, text string, px int, opts ...EncodeOption) (*image.Gray, *Code) {
	t.Helper()
	c, err := Encode(text, opts...)
	if err != nil {
		t.Fatal(err)
	}
	pal := c.draw((c.Size+2*c.QuietZone)*px, px)
	g := newGray(pal.Rect.Dx(), pal.Rect.Dy())
	for i, v := range pal.Pix {
		g.Pix[i] = 255 * (1 - v) // index 1 is dark
	}
	return g, c
}

func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	return encodeWith(t, img, png.Encode)
}

// TestDecodeInverted reads a light code on a dark background, as phones
// show in dark mode.
func TestDecodeInverted(t *testing.T) {
	text := hc1Like(40, 300)
	g, _ := codeGray(t, text, 4)
	res, err := DecodeDetailed(pngOf(t, inverted(g)))
	if err != nil || res.Text != text {
		t.Fatalf("DecodeDetailed = %+v, %v", res, err)
	}
	if res.Pass != PassInverted || res.Symbology != SymbologyQR || res.Scale != 1 {
		t.Errorf("read by %s/%s at scale %g, want the inverted QR pass at 1", res.Symbology, res.Pass, res.Scale)
	}
}

// TestDecodeRotated reads a code turned by every multiple of 15° (45°
// under the race detector), on a grey background, and reports which
// passes read it.
func TestDecodeRotated(t *testing.T) {
	text := hc1Like(41, 350)
	g, _ := codeGray(t, text, 4)
	canvas := newGray(g.Rect.Dx()+120, g.Rect.Dy()+120)
	for i := range canvas.Pix {
		canvas.Pix[i] = 150
	}
	for y := 0; y < g.Rect.Dy(); y++ {
		copy(canvas.Pix[(y+60)*canvas.Stride+60:], g.Pix[y*g.Stride:(y+1)*g.Stride])
	}
	passes := map[string]int{}
	step := 15
	if raceEnabled {
		step = 45 // about ten times slower
	}
	for deg := 0; deg < 360; deg += step {
		img := rotateDegrees(canvas, float64(deg))
		res, err := DecodeDetailed(jpegBytes(t, img, 90))
		if err != nil || res.Text != text {
			t.Errorf("%d°: %+v, %v", deg, res, err)
			continue
		}
		passes[res.Pass]++
	}
	t.Logf("passes used: %v", passes)
}

// TestRotations checks the image rotations pixel by pixel.
func TestRotations(t *testing.T) {
	g := newGray(3, 2)
	copy(g.Pix, []uint8{1, 2, 3, 4, 5, 6})
	for q, want := range [][]uint8{
		1: {4, 1, 5, 2, 6, 3},
		2: {6, 5, 4, 3, 2, 1},
		3: {3, 6, 2, 5, 1, 4},
	} {
		if q == 0 {
			continue
		}
		r := rotateQuarter(g, q)
		if !bytes.Equal(r.Pix, want) {
			t.Errorf("rotateQuarter(%d) = %v, want %v", q, r.Pix, want)
		}
	}
	// Turning by +30° and back restores the centre of the image, up to
	// interpolation error.
	big := newGray(80, 60)
	for i := range big.Pix {
		big.Pix[i] = uint8(i % 80 * 3)
	}
	back := rotateDegrees(rotateDegrees(big, 30), -30)
	ox, oy := (back.Rect.Dx()-80)/2, (back.Rect.Dy()-60)/2
	for y := 20; y < 40; y++ {
		for x := 20; x < 60; x++ {
			d := int(back.Pix[(y+oy)*back.Stride+x+ox]) - int(big.Pix[y*80+x])
			if d < -12 || d > 12 {
				t.Fatalf("pixel (%d,%d): %d after turning back, was %d", x, y, back.Pix[(y+oy)*back.Stride+x+ox], big.Pix[y*80+x])
			}
		}
	}
	if r := rotateDegrees(big, 90); r.Rect.Dx() != 60 || r.Rect.Dy() != 80 {
		t.Errorf("rotateDegrees(90) is %v", r.Rect)
	}
}

// TestDownscale checks the box filter, including partial edge blocks.
func TestDownscale(t *testing.T) {
	g := newGray(5, 3)
	copy(g.Pix, []uint8{
		10, 20, 30, 40, 50,
		60, 70, 80, 90, 100,
		110, 120, 130, 140, 150,
	})
	d := downscale(planeOf(g), 2)
	if want := []uint8{40, 60, 75, 115, 135, 150}; !bytes.Equal(d.Pix, want) {
		t.Errorf("downscale by 2 = %v, want %v", d.Pix, want)
	}
	d = downscale(planeOf(g), 4)
	if want := []uint8{75, 100}; !bytes.Equal(d.Pix, want) {
		t.Errorf("downscale by 4 = %v, want %v", d.Pix, want)
	}
	// A strided view is copied, not aliased, at k = 1.
	sub := g.SubImage(image.Rect(1, 1, 4, 3)).(*image.Gray)
	if d := downscale(planeOf(sub), 1); !bytes.Equal(d.Pix, []uint8{70, 80, 90, 120, 130, 140}) {
		t.Errorf("downscale of a sub-image = %v", d.Pix)
	}
}

// TestDecodeUnreadable damages the data of a code while keeping its
// finder patterns and format information: the reader locates it but
// cannot correct the errors.
func TestDecodeUnreadable(t *testing.T) {
	text := hc1Like(42, 400)
	c, err := Encode(text, WithLevel(LevelL))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for y := 10; y < c.Size-10; y++ {
		for x := 0; x < c.Size; x++ {
			if x != 6 { // keep the timing pattern
				c.modules[y*c.Size+x] = r.IntN(2) == 0
			}
		}
	}
	img := c.draw((c.Size+8)*4, 4)
	res, err := DecodeDetailed(pngOf(t, img))
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("DecodeDetailed = %+v, %v; want ErrUnreadable", res, err)
	}
	t.Log(err)
}

// TestDecodeCredentials checks which texts count as credentials.
func TestDecodeCredentials(t *testing.T) {
	for text, want := range map[string]bool{
		"HC1:6BFOXN%TS3DH":         true,
		"hc1:6bfoxn":               true,
		"NZCP:/1/2KCEVIQEIVVWK6JN": true,
		"shc:/567629095243206034":  true,
		"SHC:/567629":              true,
		"LT1:ABCDEF":               true,
		"AT1:ABCDEF":               true,
		`{"data":{"hdr":{"t":"icao.vacc"}},"sig":{"alg":"ES256"}}`: true,
		` {"sig":"x", "data": 1} `:                                 true,
		`{"data":{"hdr":{}}}`:                                      false,
		`{"data": 1, "sig": `:                                      false,
		"HC2:ABC":                                                  false,
		"https://example.org/?HC1:abc":                             false,
		"shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0":          false,
		"":      false,
		"NZCP:": false,
	} {
		if got := isCredential(text); got != want {
			t.Errorf("isCredential(%q) = %v, want %v", text, got, want)
		}
	}
	// A VDS-NC seal in a QR code is a credential.
	seal := `{"data":{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{}},"sig":{"alg":"ES256","cer":"x","sigvl":"y"}}`
	data, err := EncodePNG(seal, WithLevel(LevelM))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := DecodeDetailed(data); err != nil || res.Text != seal || res.Pass != PassDefault {
		t.Errorf("seal: %+v, %v", res, err)
	}
}

// TestDecodeStopsAtCredential puts a URL code and a credential side by
// side: the default pass finds the URL first, later passes find the
// credential, and the credential wins.
func TestDecodeStopsAtCredential(t *testing.T) {
	url := "https://example.org/" + alnumString(5, 40, "abcdefghijklmnopqrstuvwxyz")
	cred := hc1Like(43, 200)
	a, _ := codeGray(t, url, 4)
	b, _ := codeGray(t, cred, 4)
	w := a.Rect.Dx() + b.Rect.Dx()
	h := max(a.Rect.Dy(), b.Rect.Dy())
	both := newGray(w, h)
	for i := range both.Pix {
		both.Pix[i] = 255
	}
	for y := 0; y < a.Rect.Dy(); y++ {
		copy(both.Pix[y*w:], a.Pix[y*a.Stride:(y+1)*a.Stride])
	}
	for y := 0; y < b.Rect.Dy(); y++ {
		copy(both.Pix[y*w+a.Rect.Dx():], b.Pix[y*b.Stride:(y+1)*b.Stride])
	}
	res, err := DecodeDetailed(pngOf(t, both))
	switch {
	case err == nil && res.Text == cred:
		t.Logf("credential read by the %s pass", res.Pass)
	case errors.Is(err, ErrNotCredential) && res != nil && res.Text == url:
		// The reader locked on to the URL code in every pass; acceptable,
		// but it must then say so.
		t.Logf("only the URL code was read: %v", err)
	default:
		t.Fatalf("DecodeDetailed = %+v, %v", res, err)
	}
}

// TestDecodeScale checks the scale reported for reduced, full-size and
// enlarged images.
func TestDecodeScale(t *testing.T) {
	text := hc1Like(44, 300)
	for _, tt := range []struct {
		name   string
		px     int       // pixels per module
		scales []float64 // acceptable scales
	}{
		{"one pixel per module", 1, []float64{1, 4}}, // 4 if enlarged
		{"four pixels per module", 4, []float64{1}},
		{"large", 40, []float64{1.0 / 3}}, // 3080 px: reduced to 1027 px
	} {
		g, _ := codeGray(t, text, tt.px)
		res, err := DecodeDetailed(pngOf(t, g))
		if err != nil || res.Text != text {
			t.Fatalf("%s: %+v, %v", tt.name, res, err)
		}
		ok := false
		for _, s := range tt.scales {
			ok = ok || res.Scale == s
		}
		if !ok {
			t.Errorf("%s (%d px): scale %g (pass %s), want one of %v", tt.name, g.Rect.Dx(), res.Scale, res.Pass, tt.scales)
		}
	}
	// An enlarged small image reports the enlargement.
	small, _ := codeGray(t, text, 1)
	s := newScanner()
	if r := s.scan(upscaledForTest(small), PassUpscaled, 4, []hints{hintsDefault}, false); r == nil || r.Scale != 4 {
		t.Errorf("upscaled scan: %+v", r)
	}
}

func upscaledForTest(g *image.Gray) *image.Gray {
	big := upscale(g, 4)
	binarize(big)
	return big
}

// TestDecodeSmallCodeInLargeImage puts a small code in a corner of a large
// image: the reduced image is too coarse, a finer one reads it.
func TestDecodeSmallCodeInLargeImage(t *testing.T) {
	text := hc1Like(45, 300)
	g, _ := codeGray(t, text, 2)
	big := newGray(3000, 2000)
	for i := range big.Pix {
		big.Pix[i] = 255
	}
	for y := 0; y < g.Rect.Dy(); y++ {
		copy(big.Pix[(y+1700)*3000+2600:], g.Pix[y*g.Stride:(y+1)*g.Stride])
	}
	res, err := DecodeDetailed(pngOf(t, big))
	if err != nil || res.Text != text {
		t.Fatalf("DecodeDetailed = %+v, %v", res, err)
	}
	if res.Scale != 1 {
		t.Errorf("read at scale %g by the %s pass, want 1", res.Scale, res.Pass)
	}
}
