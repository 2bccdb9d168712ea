package qr

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Benchmarks. Run them with
//
//	go test ./qr/ -run '^$' -bench . -benchmem -cpu 1 -count 5
//
// and see docs/qr.md for the figures and how to read them.

// BenchmarkEncodePNG renders a typical 520-character HC1 credential with
// the default options.
func BenchmarkEncodePNG(b *testing.B) {
	text := hc1Like(300, 520)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodePNG(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeSVG renders the same credential as SVG.
func BenchmarkEncodeSVG(b *testing.B) {
	text := hc1Like(300, 520)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeSVG(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeTerminal renders the same credential for a terminal.
func BenchmarkEncodeTerminal(b *testing.B) {
	text := hc1Like(300, 520)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeTerminal(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode300px reads a typical credential rendered as a 300×300
// PNG.
func BenchmarkDecode300px(b *testing.B) {
	text := hc1Like(301, 520)
	data, err := EncodePNG(text, WithSize(300))
	if err != nil {
		b.Fatal(err)
	}
	benchDecode(b, data, text)
}

// BenchmarkDecodeSM1860 reads the 1860×1860 RGBA PNG of the San Marino
// test vectors (20 pixels per module).
func BenchmarkDecodeSM1860(b *testing.B) {
	data, text := smImage(b)
	benchDecode(b, data, text)
}

// BenchmarkDecodeSM1860PlainGozxing is the baseline for
// BenchmarkDecodeSM1860: what a plain use of the libraries costs on the
// same bytes, i.e. image.Decode, gozxing.NewBinaryBitmapFromImage and one
// QR reader pass without hints.
func BenchmarkDecodeSM1860PlainGozxing(b *testing.B) {
	data, text := smImage(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			b.Fatal(err)
		}
		res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || res.GetText() != text {
			b.Fatalf("gozxing: %v", err)
		}
	}
}

// BenchmarkDecodePhoto12MP reads the synthetic 4000×3000 JPEG photo of a
// printed code (see photo12MP). The target is under 150 ms with -cpu 1.
func BenchmarkDecodePhoto12MP(b *testing.B) {
	data, text := benchPhoto(b)
	benchDecode(b, data, text)
}

// BenchmarkDecodeNoCode measures the slowest path on a small image: a
// 300×300 image without a code goes through every pass, including the
// enlarged retry.
func BenchmarkDecodeNoCode(b *testing.B) {
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	data := encodeWith(b, white, png.Encode)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeDetailed(data); err == nil {
			b.Fatal("decoded a blank image")
		}
	}
}

func benchDecode(b *testing.B, data []byte, text string) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		res, err := DecodeDetailed(data)
		if err != nil || res.Text != text {
			b.Fatalf("DecodeDetailed: %v", err)
		}
	}
}

// reportCPU adds the metric cpu-ns/op: the process's CPU time per
// iteration, which stays meaningful on a busy machine where ns/op (wall
// time) also counts the time spent waiting for a core. With -cpu 1 the
// decoder and the garbage collector share one core, so this is the cost
// on one core. Call it before the loop and defer the function it returns.
func reportCPU(b *testing.B) func() {
	start := processCPUTime()
	return func() {
		if used := processCPUTime() - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

var (
	smOnce sync.Once
	smData []byte
	smText string
)

// smImage returns dcc/SM/png/1.png from the shared test vectors and its
// text or, when the vectors are absent, an equivalent image: a version-18
// code at 20 pixels per module with a 4-module quiet zone, saved as an
// 8-bit RGBA PNG of 1860×1860 pixels.
func smImage(tb testing.TB) ([]byte, string) {
	tb.Helper()
	smOnce.Do(func() {
		path := filepath.Join("..", "..", "shared", "testvectors", "dcc", "SM", "png", "1.png")
		if data, err := os.ReadFile(path); err == nil {
			img, _, err := image.Decode(bytes.NewReader(data))
			if err != nil {
				return
			}
			bmp, err := gozxing.NewBinaryBitmapFromImage(img)
			if err != nil {
				return
			}
			res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
			if err != nil {
				return
			}
			smData, smText = data, res.GetText()
			return
		}
		smText = hc1Like(1860, 700)
		c, err := Encode(smText)
		if err != nil {
			return
		}
		pal := c.draw((c.Size+2*c.QuietZone)*20, 20)
		rgba := image.NewNRGBA(pal.Bounds())
		draw.Draw(rgba, rgba.Bounds(), pal, image.Point{}, draw.Src)
		var buf bytes.Buffer
		if png.Encode(&buf, rgba) == nil {
			smData = buf.Bytes()
		}
	})
	if smData == nil {
		tb.Fatal("no 1860 px image")
	}
	return smData, smText
}

// TestDecodePhotoMemory checks that reading the 12-megapixel photo
// allocates less than 64 MB in total (runtime.MemStats.TotalAlloc over one
// decode), and reports the figure.
func TestDecodePhotoMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("generates a 12-megapixel photo: slow in -short mode and under the race detector")
	}
	data, text := benchPhoto(t)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := DecodeDetailed(data)
	runtime.ReadMemStats(&after)
	if err != nil || res.Text != text {
		t.Fatalf("DecodeDetailed = %+v, %v", res, err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("12 MP photo: %.1f MB allocated, %d allocations; read by the %s pass at scale %g",
		float64(alloc)/(1<<20), after.Mallocs-before.Mallocs, res.Pass, res.Scale)
	if alloc >= 64<<20 {
		t.Errorf("decoding the 12 MP photo allocated %.1f MB, want < 64 MB", float64(alloc)/(1<<20))
	}
}
