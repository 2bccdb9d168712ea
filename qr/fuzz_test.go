package qr

import (
	"errors"
	"image"
	"testing"
)

// FuzzDecodeBytes checks that no input makes DecodeDetailed panic, that
// its results and errors are consistent, and that memory stays bounded:
// the pixel limit is lowered so each input costs little.
//
//	go test ./qr/ -run '^$' -fuzz FuzzDecodeBytes -fuzztime 1m
func FuzzDecodeBytes(f *testing.F) {
	code, err := EncodePNG("HC1:FUZZ", WithModulePixels(2))
	if err != nil {
		f.Fatal(err)
	}
	svg, err := EncodeSVG("HC1:FUZZ")
	if err != nil {
		f.Fatal(err)
	}
	g, _ := codeGray(f, "HC1:FUZZ", 2)
	f.Add(code)
	f.Add(svg)
	f.Add(jpegBytes(f, g, 80))
	f.Add(pngHeader(100_000, 100_000))
	f.Add(pngHeader(0, 0))
	f.Add(gifHeader(10, 10))
	f.Add(jpegHeader(30, 30))
	f.Add(buildPNG(pngSpec{w: 30, h: 30, depth: 2, ctype: 0, interlace: true,
		sample: func(x, y, _ int) uint16 { return uint16(x ^ y&3) }, filter: func(n int) byte { return byte(n % 5) }}))
	f.Add([]byte(`<svg viewBox="0 0 4 4"><path d="M0 0h2v2H0z" stroke="#000" stroke-width=".5"/></svg>`))
	f.Add([]byte("not an image"))
	sentinels := []error{ErrInvalidImage, ErrNoCode, ErrUnreadable, ErrImageTooLarge, ErrNotCredential}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := DecodeDetailed(data, WithMaxPixels(1<<18))
		switch {
		case err == nil:
			if res == nil || !isCredential(res.Text) {
				t.Fatalf("no error but result %+v", res)
			}
		case errors.Is(err, ErrNotCredential):
			if res == nil || isCredential(res.Text) {
				t.Fatalf("ErrNotCredential with result %+v", res)
			}
		default:
			if res != nil {
				t.Fatalf("result %+v with error %v", res, err)
			}
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 && !errors.Is(err, image.ErrFormat) {
				t.Fatalf("error %q matches %d sentinels", err, n)
			}
		}
	})
}
