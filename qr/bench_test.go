package qr

import (
	"image"
	"image/png"
	"testing"
)

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

// BenchmarkDecodeBytes reads a typical credential rendered as a 300×300
// PNG.
func BenchmarkDecodeBytes(b *testing.B) {
	text := hc1Like(301, 520)
	data, err := EncodePNG(text, WithSize(300))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := DecodeBytes(data)
		if err != nil || got != text {
			b.Fatalf("DecodeBytes = %.20q, %v", got, err)
		}
	}
}

// BenchmarkDecodeBytesNoCode measures the slowest path: a 300×300 image
// without a code goes through every pass, including the enlarged retries.
func BenchmarkDecodeBytesNoCode(b *testing.B) {
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	data := encodeWith(b, white, png.Encode)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBytes(data); err == nil {
			b.Fatal("decoded a blank image")
		}
	}
}
