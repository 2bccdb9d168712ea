package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"strings"

	// Image formats accepted by DecodeBytes and DecodeDetailed.
	_ "image/gif"
	_ "image/png"
)

const (
	// workPixels bounds the size of the image the first passes scan: the
	// decoded image is reduced by the smallest whole factor that brings it
	// within this many pixels. About a megapixel keeps a code that fills a
	// fair part of a photo at several pixels per module while making each
	// scan take a few milliseconds.
	workPixels = 1_200_000

	// finePixels bounds the larger copies scanned after the first passes
	// fail on a reduced image (a small code in a large image).
	finePixels = 16_000_000

	// maxProgressiveJPEGPixels is the pixel limit for progressive JPEGs:
	// image/jpeg keeps every DCT coefficient of a progressive image as a
	// 32-bit integer (4 bytes per pixel per colour component) in addition
	// to the pixels, so these cost several times more memory than
	// baseline JPEGs of the same size.
	maxProgressiveJPEGPixels = 16_000_000
)

// source is an image, decoded only as far as needed, that can be had as
// grey levels at any whole reduction factor.
type source struct {
	w, h   int    // size in pixels
	format string // "png", "jpeg", "gif", "svg", ...
	// unit is the size in pixels of w and h per unit of the original: 1
	// for bitmaps, the rasterisation scale for SVG.
	unit float64

	full plane    // the full-size grey image, when it is held in memory
	png  *pngInfo // or the PNG data to stream it from
	jpeg []byte   // or the JPEG data to decode it from
}

// gray returns the image reduced k times in each direction. The result
// may share memory with the source and must not be modified.
func (s *source) gray(k int) (*image.Gray, error) {
	switch {
	case s.png != nil:
		g, err := decodePNGGray(s.png, k)
		if err != nil {
			return nil, fmt.Errorf("%w: decoding png image: %w", ErrInvalidImage, err)
		}
		return g, nil
	case s.jpeg != nil && s.full.pix == nil:
		// Reduced luma straight from the coefficients when the JPEG and
		// the factor allow; otherwise the full image, kept for later.
		if g, err := decodeJPEGLuma(s.jpeg, k, s.w*s.h); err == nil {
			return g, nil
		}
		if err := s.decodeJPEG(); err != nil {
			return nil, err
		}
	}
	return downscale(s.full, k), nil
}

// decodeJPEG decodes the whole JPEG with image/jpeg and keeps its luma.
func (s *source) decodeJPEG() error {
	px := int64(s.w) * int64(s.h)
	if px > maxProgressiveJPEGPixels && jpegProgressive(s.jpeg) {
		return fmt.Errorf("%w: progressive jpeg image is %d×%d = %d pixels, limit %d for progressive JPEG",
			ErrImageTooLarge, s.w, s.h, px, maxProgressiveJPEGPixels)
	}
	img, err := jpeg.Decode(bytes.NewReader(s.jpeg))
	if err != nil {
		return fmt.Errorf("%w: decoding jpeg image: %w", ErrInvalidImage, err)
	}
	// The luma plane of a colour JPEG is already the grey image.
	switch m := img.(type) {
	case *image.YCbCr:
		s.full = plane{m.Y, m.YStride, m.Rect.Dx(), m.Rect.Dy()}
	default:
		s.full = planeOf(toGray(img))
	}
	if s.full.w != s.w || s.full.h != s.h {
		return fmt.Errorf("%w: jpeg image decodes to %d×%d, header says %d×%d",
			ErrInvalidImage, s.full.w, s.full.h, s.w, s.h)
	}
	return nil
}

// factorFor returns the smallest reduction factor that brings a w×h
// image within limit pixels.
func factorFor(w, h, limit int) int {
	k := 1
	for {
		dw, dh := reducedSize(w, h, k)
		if int64(dw)*int64(dh) <= int64(limit) {
			return k
		}
		k++
	}
}

// load checks the image header against the pixel limit and decodes the
// image, as far as needed, into a source.
func load(data []byte, maxPixels int) (*source, error) {
	if looksLikeSVG(data) {
		g, unit, err := rasterSVG(data, maxPixels)
		if err != nil {
			return nil, err
		}
		return &source{w: g.Rect.Dx(), h: g.Rect.Dy(), format: "svg", unit: unit, full: planeOf(g)}, nil
	}

	// image/png rejects sizes whose pixel count overflows an int as a
	// format error; report every oversized PNG as too large.
	if len(data) >= 24 && string(data[:8]) == pngSignature && string(data[12:16]) == "IHDR" {
		w, h := binary.BigEndian.Uint32(data[16:]), binary.BigEndian.Uint32(data[20:])
		if px := uint64(w) * uint64(h); px > uint64(maxPixels) {
			return nil, fmt.Errorf("%w: png image is %d×%d = %d pixels, limit %d",
				ErrImageTooLarge, w, h, px, maxPixels)
		}
	}
	hdr, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("%w: data is not a PNG, JPEG, GIF or SVG image: %w", ErrInvalidImage, image.ErrFormat)
		}
		return nil, fmt.Errorf("%w: reading image header: %w", ErrInvalidImage, err)
	}
	if hdr.Width <= 0 || hdr.Height <= 0 {
		return nil, fmt.Errorf("%w: %s image has no pixels (%d×%d)", ErrInvalidImage, format, hdr.Width, hdr.Height)
	}
	px := int64(hdr.Width) * int64(hdr.Height)
	if px > int64(maxPixels) {
		return nil, fmt.Errorf("%w: %s image is %d×%d = %d pixels, limit %d",
			ErrImageTooLarge, format, hdr.Width, hdr.Height, px, maxPixels)
	}
	src := &source{w: hdr.Width, h: hdr.Height, format: format, unit: 1}

	switch format {
	case "png":
		ph, err := parsePNG(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidImage, err)
		}
		if ph.w != hdr.Width || ph.h != hdr.Height {
			return nil, fmt.Errorf("%w: inconsistent PNG header", ErrInvalidImage)
		}
		src.png = ph
		return src, nil
	case "jpeg":
		src.jpeg = data
		if px > maxProgressiveJPEGPixels && jpegProgressive(data) {
			return nil, src.decodeJPEG() // the error
		}
		return src, nil
	default:
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: decoding %s image: %w", ErrInvalidImage, format, err)
		}
		src.full = planeOf(toGray(img))
	}
	if src.full.w != src.w || src.full.h != src.h {
		return nil, fmt.Errorf("%w: %s image decodes to %d×%d, header says %d×%d",
			ErrInvalidImage, format, src.full.w, src.full.h, src.w, src.h)
	}
	return src, nil
}

// jpegProgressive reports whether the JPEG data has a progressive frame
// header (SOF2, SOF6, SOF10 or SOF14) before its first scan.
func jpegProgressive(data []byte) bool {
	p := 2 // after SOI
	for p+4 <= len(data) {
		if data[p] != 0xff {
			return false
		}
		m := data[p+1]
		switch {
		case m == 0xff: // fill byte
			p++
			continue
		case m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01:
			p += 2
			continue
		case m == 0xda: // start of scan
			return false
		case m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce:
			return true
		}
		p += 2 + (int(data[p+2])<<8 | int(data[p+3]))
	}
	return false
}

// looksLikeSVG reports whether data starts, after any byte-order mark,
// white space, XML declaration, comments and doctype, with an <svg tag.
func looksLikeSVG(data []byte) bool {
	s := string(data[:min(len(data), 4096)])
	s = strings.TrimPrefix(s, "\ufeff")
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "<svg"):
			return len(s) > 4 && strings.ContainsRune(" \t\r\n>/", rune(s[4]))
		case strings.HasPrefix(s, "<?"):
			i := strings.Index(s, "?>")
			if i < 0 {
				return false
			}
			s = s[i+2:]
		case strings.HasPrefix(s, "<!--"):
			i := strings.Index(s, "-->")
			if i < 0 {
				return false
			}
			s = s[i+3:]
		case strings.HasPrefix(s, "<!DOCTYPE"), strings.HasPrefix(s, "<!doctype"):
			// Skip an internal subset in brackets, then the closing '>'.
			i := strings.IndexAny(s, "[>")
			if i >= 0 && s[i] == '[' {
				j := strings.Index(s[i:], "]")
				if j < 0 {
					return false
				}
				i += j
				k := strings.IndexByte(s[i:], '>')
				if k < 0 {
					return false
				}
				i += k
			}
			if i < 0 {
				return false
			}
			s = s[i+1:]
		default:
			return false
		}
	}
}
