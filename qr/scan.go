package qr

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

type hints = map[gozxing.DecodeHintType]interface{}

// Hint sets for the QR reader.
var (
	hintsDefault   hints = nil
	hintsPure            = hints{gozxing.DecodeHintType_PURE_BARCODE: true}
	hintsTryHarder       = hints{gozxing.DecodeHintType_TRY_HARDER: true}
)

// scanner runs the readers over a sequence of images and keeps what the
// failed attempts reveal.
type scanner struct {
	qr gozxing.Reader
	az *aztec.AztecReader

	scans int // reader runs so far
	// other is the first code read whose text is not a credential.
	other *DecodeResult
	// unreadable is the first error from a reader that located a symbol
	// but could not decode it.
	unreadable error
	// first is the first error of any other kind.
	first error
}

func newScanner() *scanner {
	return &scanner{qr: zxqr.NewQRCodeReader(), az: aztec.NewAztecReader()}
}

// scan reads g with the QR reader once per hint set and then, if withAztec
// is set, with the Aztec reader. It returns the first result whose text
// is a credential; other texts are kept in s.other.
func (s *scanner) scan(g *image.Gray, pass string, scale float64, qrHints []hints, withAztec bool) *DecodeResult {
	p := planeOf(g)
	if p.w == 0 || p.h == 0 {
		return nil
	}
	// Our grey images are contiguous, so the reader sees the pixels in
	// place instead of a copy.
	lum, err := gozxing.NewPlanarYUVLuminanceSource(p.pix[:p.stride*p.h], p.stride, p.h, 0, 0, p.w, p.h, false)
	if err != nil {
		s.note(err, false)
		return nil
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(lum))
	if err != nil {
		s.note(err, false)
		return nil
	}
	for _, h := range qrHints {
		_, pure := h[gozxing.DecodeHintType_PURE_BARCODE]
		if r := s.read(s.qr, bmp, h, pass, scale, SymbologyQR, !pure); r != nil {
			return r
		}
	}
	if withAztec {
		return s.read(s.az, bmp, nil, pass, scale, SymbologyAztec, true)
	}
	return nil
}

// read runs one reader once. located says whether a format or checksum
// error from this reader means that a symbol was found (true except for
// the PURE_BARCODE pass, which decodes whatever lies between the outermost
// dark pixels and so "finds" a symbol in any image).
func (s *scanner) read(r gozxing.Reader, bmp *gozxing.BinaryBitmap, h hints, pass string, scale float64, symbology string, located bool) (res *DecodeResult) {
	s.scans++
	// The readers are ports of Java code that signal some internal
	// failures by panicking; an unreadable image must not crash the
	// caller, nor stop the remaining passes.
	defer func() {
		if p := recover(); p != nil {
			s.note(fmt.Errorf("%s reader failed: %v", symbology, p), false)
			res = nil
		}
	}()
	out, err := r.Decode(bmp, h)
	if err != nil {
		// Only the outermost type counts: a NotFoundException may wrap
		// the format error of a candidate the reader then rejected.
		_, cs := err.(gozxing.ChecksumException)
		_, fm := err.(gozxing.FormatException)
		s.note(err, located && (cs || fm))
		return nil
	}
	res = &DecodeResult{Text: out.GetText(), Symbology: symbology, Pass: pass, Scale: scale}
	if segs, ok := out.GetResultMetadata()[gozxing.ResultMetadataType_BYTE_SEGMENTS].([][]byte); ok {
		for _, b := range segs {
			res.ByteModeBytes += len(b)
		}
	}
	if isCredential(res.Text) {
		return res
	}
	if s.other == nil {
		s.other = res
	}
	return nil
}

// note records a failed attempt.
func (s *scanner) note(err error, unreadable bool) {
	switch {
	case unreadable && s.unreadable == nil:
		s.unreadable = err
	case !unreadable && s.first == nil:
		s.first = err
	}
}
