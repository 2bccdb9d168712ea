package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// Re-encodings of a QR PNG in the other supported formats and in forms a
// scanner meets in practice.
var transforms = []struct {
	name string
	fn   func(t *testing.T, img image.Image) []byte
}{
	{"png", func(t *testing.T, img image.Image) []byte { return encodeWith(t, img, png.Encode) }},
	{"jpeg q90", func(t *testing.T, img image.Image) []byte { return jpegBytes(t, img, 90) }},
	{"jpeg q50", func(t *testing.T, img image.Image) []byte { return jpegBytes(t, img, 50) }},
	{"gif", func(t *testing.T, img image.Image) []byte {
		var buf bytes.Buffer
		if err := gif.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}},
	{"transparent background", func(t *testing.T, img image.Image) []byte {
		// Dark modules on a fully transparent canvas: must read as on white.
		b := img.Bounds()
		out := image.NewNRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
					out.Set(x, y, color.NRGBA{0, 0, 0, 255})
				}
			}
		}
		return encodeWith(t, out, png.Encode)
	}},
	{"on a larger grey canvas", func(t *testing.T, img image.Image) []byte {
		b := img.Bounds()
		out := image.NewRGBA(image.Rect(0, 0, b.Dx()*2, b.Dy()*2))
		draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{0x70}), image.Point{}, draw.Src)
		draw.Draw(out, b.Add(image.Pt(b.Dx()/3, b.Dy()/2)), img, b.Min, draw.Src)
		return jpegBytes(t, out, 80)
	}},
}

func encodeWith(t testing.TB, img image.Image, enc func(w io.Writer, m image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip encodes HC1-like texts of realistic length, re-encodes the
// PNG in several ways and checks the text comes back byte for byte.
func TestRoundTrip(t *testing.T) {
	texts := []struct {
		name string
		text string
		opts []EncodeOption
	}{
		{"400 chars", hc1Like(100, 400), nil},
		{"473 chars, level M", hc1Like(101, 473), []EncodeOption{WithLevel(LevelM)}},
		{"540 chars, 300px", hc1Like(102, 540), []EncodeOption{WithSize(300)}},
		{"600 chars, level H", hc1Like(103, 600), []EncodeOption{WithLevel(LevelH)}},
		{"600 chars, 3px modules", hc1Like(104, 600), []EncodeOption{WithModulePixels(3)}},
	}
	for _, tt := range texts {
		data, err := EncodePNG(tt.text, tt.opts...)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, tr := range transforms {
			t.Run(tt.name+"/"+tr.name, func(t *testing.T) {
				got, err := DecodeBytes(tr.fn(t, img))
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.text {
					t.Fatalf("text differs:\n got %q\nwant %q", got, tt.text)
				}
			})
		}
	}
}

// TestRoundTripByteMode checks texts outside the alphanumeric set, which
// are stored as bytes: ASCII must survive the reader's character-set guess,
// and so does UTF-8 text with multi-byte characters.
func TestRoundTripByteMode(t *testing.T) {
	for _, text := range []string{
		"https://example.org/verify?c=hc1%3Aabc&lang=en",
		"shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0",
		"Name: Müller-Lüdenscheidt, Łódź, Ærøskøbing",
	} {
		data, err := EncodePNG(text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeBytes(data)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got != text {
			t.Errorf("got %q, want %q", got, text)
		}
		// None of these is a credential: DecodeDetailed says so and still
		// returns the text.
		res, err := DecodeDetailed(data)
		if !errors.Is(err, ErrNotCredential) || res == nil || res.Text != text {
			t.Errorf("DecodeDetailed(%q) = %+v, %v; want the text and ErrNotCredential", text, res, err)
		}
	}
}

// TestDecodeImage checks Decode on in-memory images of several types.
func TestDecodeImage(t *testing.T) {
	text := "HC1:6BF+70790T9WJWG.FKY*4GO0.O1CV2 O5 N2FBBRW1*70HS8WY04AC*WIFN0AHCD8KD97TK0F90KECTHGWJC0FDC:5AIA%G7X+AQB9746HS80:54IBQF60R6$A80X6S1BTYACG6M+9XG8KIAWNA91AY%67092L4WJCT3EHS8XJC$+DXJCCWENF6OF63W5NW6WF6%JC QE/IAYJC5LEW34U3ET7DXC9 QE-ED8%E.JCBECB1A-:8$96646AL60A60S6Q$D.UDRYA 96NF6L/5QW6307KQEPD09WEQDD+Q6TW6FA7C466KCN9E%961A6DL6FA7D46JPCT3E5JDLA7$Q6E464W5TG6..DX%DZJC6/DTZ9 QE5$CB$DA/D JC1/D3Z8WED1ECW.CCWE.Y92OAGY8MY9L+9MPCG/D5 C5IA5N9$PC5$CWA"
	data, err := EncodePNG(text, WithModulePixels(4))
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	gray := image.NewGray(b)
	rgba := image.NewRGBA(b)
	nrgba := image.NewNRGBA(b)
	ycc := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	gray16 := image.NewGray16(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := src.At(x, y)
			gray.Set(x, y, c)
			rgba.Set(x, y, c)
			nrgba.Set(x, y, c)
			gray16.Set(x, y, c)
			g := color.GrayModel.Convert(c).(color.Gray).Y
			yy, _, _ := color.RGBToYCbCr(g, g, g)
			ycc.Y[ycc.YOffset(x, y)] = yy
		}
	}
	// A sub-image whose bounds do not start at the origin.
	big := image.NewGray(image.Rect(0, 0, b.Dx()+50, b.Dy()+30))
	draw.Draw(big, big.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(big, b.Add(image.Pt(20, 10)), src, b.Min, draw.Src)
	sub := big.SubImage(image.Rect(10, 5, b.Dx()+40, b.Dy()+25))

	for name, img := range map[string]image.Image{
		"paletted": src, "gray": gray, "rgba": rgba, "nrgba": nrgba,
		"ycbcr": ycc, "gray16": gray16, "sub-image": sub,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Decode(img)
			if err != nil {
				t.Fatal(err)
			}
			if got != text {
				t.Fatalf("got %q", got)
			}
		})
	}
}

// shrink renders c at 16 pixels per module and area-averages it down to
// quarters/4 pixels per module, as a low-resolution scan or export would.
func shrink(c *Code, quarters int) *image.Gray {
	big := c.draw((c.Size+2*c.QuietZone)*16, 16)
	bs := big.Bounds().Dx()
	side := (c.Size + 2*c.QuietZone) * quarters / 4
	small := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			sum, n := 0, 0
			for yy := y * bs / side; yy < (y+1)*bs/side; yy++ {
				for xx := x * bs / side; xx < (x+1)*bs/side; xx++ {
					if big.Pix[yy*big.Stride+xx] == 0 { // palette index 0 is white
						sum += 255
					}
					n++
				}
			}
			small.Pix[y*small.Stride+x] = uint8(sum / n)
		}
	}
	return small
}

// TestDecodeUpscale reads codes drawn at under two pixels per module,
// which the plain scans miss and the enlarged retry reads.
func TestDecodeUpscale(t *testing.T) {
	plainMissed := 0
	for i, quarters := range []int{6, 6, 7, 7, 8} { // 1.5 to 2 pixels per module
		text := hc1Like(uint64(210+i), 420+20*i)
		c, err := Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		small := shrink(c, quarters)
		if r := newScanner().passes(small, 1); r == nil {
			plainMissed++
		}
		got, err := DecodeBytes(jpegBytes(t, small, 90))
		if err != nil {
			t.Errorf("%.2f px/module, %d px image: %v", float64(quarters)/4, small.Bounds().Dx(), err)
			continue
		}
		if got != text {
			t.Errorf("%.2f px/module: text differs", float64(quarters)/4)
		}
	}
	if plainMissed == 0 {
		t.Log("every image was readable without enlarging; the test no longer exercises the retry")
	}
}

func TestToGrayAndUpscale(t *testing.T) {
	p := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.White, color.Black, color.Transparent, color.RGBA{0x80, 0x80, 0x80, 0xff}})
	copy(p.Pix, []uint8{0, 1, 2, 3, 1, 0})
	g := toGray(p)
	if want := []uint8{255, 0, 255, 0x80, 0, 255}; !bytes.Equal(g.Pix, want) {
		t.Errorf("toGray = %v, want %v", g.Pix, want)
	}
	if u := upscale(g, 1); !bytes.Equal(u.Pix, g.Pix) {
		t.Errorf("upscale by 1 = %v, want identity", u.Pix)
	}
	flat := image.NewGray(image.Rect(0, 0, 4, 3))
	for i := range flat.Pix {
		flat.Pix[i] = 99
	}
	u := upscale(flat, 3)
	if u.Bounds().Dx() != 12 || u.Bounds().Dy() != 9 {
		t.Fatalf("upscale bounds %v", u.Bounds())
	}
	for _, v := range u.Pix {
		if v != 99 {
			t.Fatalf("upscale of a flat image is not flat: %v", u.Pix)
		}
	}
}
