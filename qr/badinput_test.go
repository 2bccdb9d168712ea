package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	"image/png"
	"runtime"
	"strings"
	"testing"
)

// pngHeader returns the signature and IHDR chunk of a PNG claiming w×h
// 8-bit greyscale pixels, followed by nothing else.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; colour type 0, default compression, filter, no interlace
	var buf bytes.Buffer
	buf.WriteString(pngSignature)
	binary.Write(&buf, binary.BigEndian, uint32(len(ihdr)))
	crc := crc32.NewIEEE()
	crc.Write([]byte("IHDR"))
	crc.Write(ihdr[:])
	buf.WriteString("IHDR")
	buf.Write(ihdr[:])
	binary.Write(&buf, binary.BigEndian, crc.Sum32())
	return buf.Bytes()
}

// pngBomb returns a small PNG that declares w×h 16-bit RGBA pixels and
// holds them all, as zeros (transparent): w×h×8 bytes once inflated.
func pngBomb(w, h int) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+8*w)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	var buf bytes.Buffer
	buf.WriteString(pngSignature)
	pngChunk(&buf, "IHDR", ihdr[:])
	pngChunk(&buf, "IDAT", z.Bytes())
	pngChunk(&buf, "IEND", nil)
	return buf.Bytes()
}

// gifHeader returns a GIF89a header with a w×h logical screen.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, 0x3b)
}

// jpegHeader returns a JPEG start with a baseline frame header of w×h
// pixels and nothing more.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 1, 1, 0x11, 0)
	return append(b, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0) // start of scan
}

// flipIDAT returns a copy of a PNG with bytes in the middle of its image
// data inverted and the chunk checksum fixed, so only the data is corrupt.
func flipIDAT(data []byte) []byte {
	out := bytes.Clone(data)
	p := len(pngSignature)
	for p+8 <= len(out) {
		n := int(binary.BigEndian.Uint32(out[p:]))
		if string(out[p+4:p+8]) == "IDAT" {
			body := out[p+8 : p+8+n]
			for i := len(body) / 3; i < len(body)*2/3; i++ {
				body[i] ^= 0x5a
			}
			crc := crc32.Update(crc32.ChecksumIEEE(out[p+4:p+8]), crc32.IEEETable, body)
			binary.BigEndian.PutUint32(out[p+8+n:], crc)
			break
		}
		p += 12 + n
	}
	return out
}

// TestDecodeBadInput feeds malformed, hostile and unusual input to
// DecodeDetailed: each must give a clear error matching exactly one of the
// package's sentinels, without panicking and in bounded memory.
func TestDecodeBadInput(t *testing.T) {
	good, err := EncodePNG("HC1:BAD INPUT TEST", WithModulePixels(4))
	if err != nil {
		t.Fatal(err)
	}
	goodImg := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range goodImg.Pix {
		goodImg.Pix[i] = uint8(i)
	}
	goodJPEG := jpegBytes(t, goodImg, 90)
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, goodImg, nil); err != nil {
		t.Fatal(err)
	}
	goodGIF := gifBuf.Bytes()
	white := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	noise := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(i * 7919 % 251)
	}
	wide := buildPNG(pngSpec{w: 100_000, h: 1, depth: 8, ctype: 0,
		sample: func(x, _, _ int) uint16 { return uint16(x % 256) }, filter: func(int) byte { return 1 }})
	strip := buildPNG(pngSpec{w: 40_000, h: 15, depth: 8, ctype: 0,
		sample: func(x, y, _ int) uint16 { return uint16((x / 3 * 7) % 256) }, filter: func(int) byte { return 0 }})
	tall := buildPNG(pngSpec{w: 1, h: 100_000, depth: 1, ctype: 0,
		sample: func(_, y, _ int) uint16 { return uint16(y % 2) }, filter: func(int) byte { return 0 }})
	deep := "<svg viewBox='0 0 10 10'>" + strings.Repeat("<g>", 100) + strings.Repeat("</g>", 100) + "</svg>"
	laughs := `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>` +
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>&d;&d;&d;&d;&d;&d;</text></svg>`
	var complexSVG strings.Builder
	complexSVG.WriteString(`<svg viewBox="0 0 1000 1000"><path d="`)
	for i := range 50_000 {
		fmt.Fprintf(&complexSVG, "M%g 0h.01v1000h-.01z", float64(i)*0.02)
	}
	complexSVG.WriteString(`"/></svg>`)

	invalid, format := []error{ErrInvalidImage}, true
	tests := []struct {
		name       string
		data       []byte
		opts       []DecodeOption
		want       []error // the error must match one of these
		wantFormat bool    // and also image.ErrFormat
	}{
		{"text", []byte("HC1:NCFOXN%TSMAHN-H this is not an image"), nil, invalid, format},
		{"empty", nil, nil, invalid, format},
		{"html", []byte("<!DOCTYPE html><html><body>QR</body></html>"), nil, invalid, format},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), nil, invalid, format},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), nil, invalid, format},
		{"bmp (not registered)", append([]byte("BM"), make([]byte, 60)...), nil, invalid, format},
		{"gif magic only", []byte("GIF89a"), nil, invalid, false},
		{"truncated png", good[:len(good)/2], nil, invalid, false},
		{"truncated jpeg", goodJPEG[:len(goodJPEG)/2], nil, invalid, false},
		{"truncated gif", goodGIF[:len(goodGIF)/2], nil, invalid, false},
		{"png header only", pngHeader(100, 100), nil, invalid, false},
		{"corrupt png data", flipIDAT(good), nil, []error{ErrInvalidImage, ErrNoCode, ErrUnreadable}, false},
		{"0×0 png", pngHeader(0, 0), nil, invalid, false},
		{"0×100 png", pngHeader(0, 100), nil, invalid, false},
		{"0×0 gif", gifHeader(0, 0), nil, invalid, false},
		{"0×0 jpeg", jpegHeader(0, 0), nil, invalid, false},
		{"100000×1 png", wide, nil, []error{ErrNoCode}, false},
		{"1×100000 png", tall, nil, []error{ErrNoCode}, false},
		{"40000×15 png strip", strip, nil, []error{ErrNoCode, ErrUnreadable}, false},
		{"png bomb 100000×100000", pngHeader(100_000, 100_000), nil, []error{ErrImageTooLarge}, false},
		{"png bomb 2³¹-1 square", pngHeader(1<<31-1, 1<<31-1), nil, []error{ErrImageTooLarge}, false},
		{"png one pixel over the limit", pngHeader(8000, 5001), nil, []error{ErrImageTooLarge}, false},
		// Exactly at the limit passes the size check, then fails on the
		// missing pixel data.
		{"png at the limit", pngHeader(8000, 5000), nil, invalid, false},
		{"gif bomb 65535×65535", gifHeader(65535, 65535), nil, []error{ErrImageTooLarge}, false},
		{"jpeg bomb 65535×65535", jpegHeader(65535, 65535), nil, []error{ErrImageTooLarge}, false},
		{"white png", encodeWith(t, white, pngEncode), nil, []error{ErrNoCode}, false},
		{"white jpeg", jpegBytes(t, white, 75), nil, []error{ErrNoCode}, false},
		{"noise png", encodeWith(t, noise, pngEncode), nil, []error{ErrNoCode, ErrUnreadable}, false},
		{"svg without size", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>`), nil, invalid, false},
		{"svg cut short", []byte(`<svg viewBox="0 0 10 10"><rect width="5"`), nil, invalid, false},
		{"svg NaN viewBox", []byte(`<svg viewBox="0 0 NaN 10"></svg>`), nil, invalid, false},
		{"svg huge viewBox", []byte(`<svg viewBox="0 0 1e308 1e308"><rect width="1e300" height="1e300"/></svg>`), nil, []error{ErrNoCode}, false},
		{"svg nested 100 deep", []byte(deep), nil, invalid, false},
		{"svg entity expansion", []byte(laughs), nil, []error{ErrNoCode, ErrInvalidImage}, false},
		{"svg too complex", []byte(complexSVG.String()), nil, invalid, false},
		{"lowered limit", good, []DecodeOption{WithMaxPixels(1000)}, []error{ErrImageTooLarge}, false},
		{"limit cannot be raised", pngHeader(8000, 5001), []DecodeOption{WithMaxPixels(2 * MaxPixels)}, []error{ErrImageTooLarge}, false},
		{"zero limit means default", pngHeader(8000, 5001), []DecodeOption{WithMaxPixels(0)}, []error{ErrImageTooLarge}, false},
	}
	sentinels := []error{ErrInvalidImage, ErrNoCode, ErrUnreadable, ErrImageTooLarge, ErrNotCredential}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alloc := allocated(func() {
				res, err := DecodeDetailed(tt.data, tt.opts...)
				if err == nil {
					t.Fatalf("decoded %q, want an error", res.Text)
				}
				if res != nil {
					t.Errorf("result %+v returned with error %v", res, err)
				}
				matched := 0
				for _, s := range sentinels {
					if errors.Is(err, s) {
						matched++
					}
				}
				if matched != 1 {
					t.Errorf("error %q matches %d sentinels, want exactly 1", err, matched)
				}
				ok := false
				for _, w := range tt.want {
					ok = ok || errors.Is(err, w)
				}
				if !ok {
					t.Errorf("error %q, want one of %v", err, tt.want)
				}
				if errors.Is(err, image.ErrFormat) != tt.wantFormat {
					t.Errorf("errors.Is(%q, image.ErrFormat) = %v", err, !tt.wantFormat)
				}
				t.Log(err)
			})
			if alloc > 64<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
		})
	}

	// The lowered limit still admits images within it.
	if got, err := DecodeBytes(good, WithMaxPixels(MaxPixels/2), nil); err != nil || got != "HC1:BAD INPUT TEST" {
		t.Errorf("DecodeBytes with a generous limit = %q, %v", got, err)
	}
	if _, err := Decode(nil); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("Decode(nil): %v, want ErrInvalidImage", err)
	}
	if _, err := Decode(image.NewGray(image.Rect(0, 0, 0, 0))); !errors.Is(err, ErrNoCode) {
		t.Errorf("Decode(empty): %v, want ErrNoCode", err)
	}
}

// TestDecodeBombWithinLimit decodes a PNG of 3000×3000 16-bit RGBA pixels
// (72 MB once inflated, which image/png would hold in full) from 70 kB:
// the streaming decoder must stay far below that.
func TestDecodeBombWithinLimit(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("inflates 72 MB several times: slow in -short mode and under the race detector")
	}
	data := pngBomb(3000, 3000)
	var err error
	alloc := allocated(func() { _, err = DecodeDetailed(data) })
	t.Logf("%d-byte PNG of 3000×3000×8 bytes: %v; %.1f MB allocated", len(data), err, float64(alloc)/(1<<20))
	if !errors.Is(err, ErrNoCode) {
		t.Errorf("err = %v, want ErrNoCode", err)
	}
	if alloc > 40<<20 {
		t.Errorf("allocated %.1f MB, want < 40 MB", float64(alloc)/(1<<20))
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// pngEncode is png.Encode, for encodeWith.
var pngEncode = png.Encode
