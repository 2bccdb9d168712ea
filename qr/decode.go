package qr

import (
	"errors"
	"fmt"
	"image"

	"github.com/b5m5/travelcred/internal/limits"
)

// MaxPixels is the largest image, in pixels (width × height), that
// DecodeBytes and DecodeDetailed will decode: 40 million, the module-wide
// image limit. WithMaxPixels can lower it but not raise it.
const MaxPixels = limits.ImagePixels

var (
	// ErrNoCode reports an image in which no QR or Aztec symbol was
	// located at all.
	ErrNoCode = errors.New("qr: no QR or Aztec code found in image")

	// ErrUnreadable reports an image in which a symbol was located (its
	// finder patterns, or an Aztec bull's eye, and format information
	// were found) but its data could not be decoded: the code is
	// damaged, blurred, cut off or too small. The distinction rests on
	// the reader's error types and is a hint, not a guarantee; images
	// with code-like texture can occasionally report it.
	ErrUnreadable = errors.New("qr: a code was found but could not be read")

	// ErrNotCredential reports a code that was read but whose text is not
	// a travel credential: it does not start with HC1:, NZCP:/, shc:/,
	// LT1: or AT1:, nor is it a JSON object with "data" and "sig"
	// members. DecodeDetailed returns the result together with this
	// error, so the text is still available.
	ErrNotCredential = errors.New("qr: code does not hold a travel credential")

	// ErrInvalidImage reports bytes that are not an image in a known
	// format, or a corrupt image. When the format is not recognised at
	// all the error also matches image.ErrFormat.
	ErrInvalidImage = errors.New("qr: invalid image")

	// ErrImageTooLarge reports an image with more pixels than the limit
	// (MaxPixels unless lowered with WithMaxPixels). It is detected from
	// the image header, before any pixel data is decoded.
	ErrImageTooLarge = errors.New("qr: image too large")
)

// Symbologies reported in DecodeResult.Symbology.
const (
	// SymbologyQR is a QR code.
	SymbologyQR = "qr"
	// SymbologyAztec is an Aztec code.
	SymbologyAztec = "aztec"
)

// Passes reported in DecodeResult.Pass, in the order they are tried.
const (
	// PassDefault is a normal scan of the whole image.
	PassDefault = "default"
	// PassPure assumes a clean computer-generated symbol with nothing but
	// its quiet zone around it (the reader's PURE_BARCODE hint).
	PassPure = "pure"
	// PassTryHarder is a slower, more thorough scan (TRY_HARDER).
	PassTryHarder = "try-harder"
	// PassInverted scans the negative image: a light code on a dark
	// screen.
	PassInverted = "inverted"
	// PassRot90 scans the image turned a quarter turn clockwise.
	PassRot90 = "rot90"
	// PassRot180 scans the image turned upside down.
	PassRot180 = "rot180"
	// PassRot270 scans the image turned a quarter turn anticlockwise.
	PassRot270 = "rot270"
	// PassRotPlus30 scans the image turned 30° clockwise, for codes near
	// 45° whose finder patterns the reader misses.
	PassRotPlus30 = "rot+30"
	// PassRotMinus30 scans the image turned 30° anticlockwise.
	PassRotMinus30 = "rot-30"
	// PassUpscaled scans a small image enlarged 2 or 4 times and reduced
	// to black and white, which rescues codes drawn at one or two pixels
	// per module.
	PassUpscaled = "upscaled"
)

// DecodeResult describes a code read from an image and how it was found.
type DecodeResult struct {
	// Text is the text of the code, exactly as stored for numeric and
	// alphanumeric segments. Byte segments without an ECI designator are
	// converted to UTF-8 from the character set the reader guesses;
	// ASCII is unaffected.
	Text string
	// Symbology is SymbologyQR or SymbologyAztec.
	Symbology string
	// Pass is the pass that read the code: one of the Pass constants.
	Pass string
	// Scale is the size of the scanned image relative to the decoded one:
	// 1 at full size, 0.25 when a large photo was reduced 4 times, 4 when
	// a small image was enlarged. For SVG it is the number of pixels per
	// SVG user unit at which the drawing was rasterised.
	Scale float64
	// ByteModeBytes is how many bytes of the text were stored in byte-mode
	// segments (QR only). SMART Health Cards must store their digits in
	// numeric mode, leaving only "shc:/" in byte mode.
	ByteModeBytes int `json:"byteModeBytes,omitempty"`
}

// DecodeOption configures DecodeBytes and DecodeDetailed.
type DecodeOption func(*decodeConfig)

type decodeConfig struct {
	maxPixels int
}

// WithMaxPixels lowers the pixel limit of DecodeBytes and DecodeDetailed
// to n. Values that are not positive, or above MaxPixels, leave the limit
// at MaxPixels.
func WithMaxPixels(n int) DecodeOption {
	return func(c *decodeConfig) { c.maxPixels = limits.Lower(MaxPixels, n) }
}

// DecodeBytes returns the text of the QR or Aztec code in a PNG, JPEG,
// GIF or SVG image, as DecodeDetailed reads it.
//
// It returns the text of any code, credential or not: a code that is not
// a credential yields its text and a nil error. Use DecodeDetailed to
// tell the two apart and to learn how the code was found.
func DecodeBytes(data []byte, opts ...DecodeOption) (text string, err error) {
	res, err := DecodeDetailed(data, opts...)
	if errors.Is(err, ErrNotCredential) {
		return res.Text, nil
	}
	if err != nil {
		return "", err
	}
	return res.Text, nil
}

// DecodeDetailed reads the QR or Aztec code in a PNG, JPEG, GIF or SVG
// image (or one in any other format registered with package image) and
// reports its text and the decode path taken.
//
// The image header is read first: data in an unknown format yields an
// error matching both ErrInvalidImage and image.ErrFormat, an image with
// no pixels or corrupt data yields ErrInvalidImage, and an image with
// more than MaxPixels pixels (or the WithMaxPixels limit) yields
// ErrImageTooLarge without its pixels being decoded. The image is then
// decoded straight to grey levels, already reduced when it is large: PNG
// rows as they stream out of the compressed data, baseline JPEG luma from
// its DCT coefficients, SVG drawings rasterised; a 12-megapixel photo
// costs a few megabytes, not the tens that a full decode would.
//
// The image is reduced by a whole factor to at most about 1.2 megapixels
// and scanned, in order, by: the default pass, PURE_BARCODE, TRY_HARDER,
// the inverted image, rotations by 90°, 180° and 270°, and rotations by
// +30° and -30° (see the Pass constants). Each pass tries the QR reader,
// and the default and inverted passes also the Aztec reader. If all fail
// on a reduced image, larger copies up to full size (within 16
// megapixels) are scanned with the default and TRY_HARDER passes; if the
// image is small, an enlarged copy is scanned last.
//
// Scanning stops at the first code whose text is a credential (HC1:,
// NZCP:/, shc:/, LT1:, AT1:, or a JSON object with "data" and "sig"). If
// only other codes are read, DecodeDetailed returns the first of them
// with an error matching ErrNotCredential: both return values are then
// non-nil. If nothing is read the error matches ErrUnreadable when a
// symbol was located but not decoded, and ErrNoCode otherwise. Every
// error matches exactly one of the package's sentinel errors.
func DecodeDetailed(data []byte, opts ...DecodeOption) (*DecodeResult, error) {
	cfg := decodeConfig{maxPixels: MaxPixels}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	src, err := load(data, cfg.maxPixels)
	if err != nil {
		return nil, err
	}
	return decodeSource(src)
}

// Decode returns the text of the QR or Aztec code in img, scanning it as
// DecodeDetailed does. Like DecodeBytes it returns the text of any code,
// credential or not. Transparent pixels count as white.
//
// Decode applies no pixel limit: the image is already in memory. An image
// without a readable code yields an error matching ErrNoCode or
// ErrUnreadable; a nil image, ErrInvalidImage.
func Decode(img image.Image) (text string, err error) {
	if img == nil {
		return "", fmt.Errorf("%w: nil image", ErrInvalidImage)
	}
	b := img.Bounds()
	if b.Empty() {
		return "", fmt.Errorf("%w: empty image", ErrNoCode)
	}
	src := &source{w: b.Dx(), h: b.Dy(), format: "in-memory", unit: 1, full: planeOf(toGray(img))}
	res, err := decodeSource(src)
	if errors.Is(err, ErrNotCredential) {
		return res.Text, nil
	}
	if err != nil {
		return "", err
	}
	return res.Text, nil
}

// minSide is the smallest width or height that can hold a code: a
// version-1 QR code is 21 modules and a compact Aztec code 15.
const minSide = 15

// decodeSource runs the passes over src.
func decodeSource(src *source) (*DecodeResult, error) {
	if src.w < minSide || src.h < minSide {
		return nil, fmt.Errorf("%w: %s image of %d×%d pixels is too small to hold a code",
			ErrNoCode, src.format, src.w, src.h)
	}
	s := newScanner()
	k0 := factorFor(src.w, src.h, workPixels)
	g0, err := src.gray(k0)
	if err != nil {
		return nil, err
	}
	scale := src.unit / float64(k0)
	if r := s.passes(g0, scale); r != nil {
		return r, nil
	}

	// Finer scales: a code too small to read in the reduced image.
	if k0 > 1 {
		kmin := factorFor(src.w, src.h, finePixels)
		for k := k0; k > kmin; {
			next := max(k/2, kmin)
			if src.jpeg != nil && next%2 == 1 && next > 1 && next+1 < k {
				next++ // even factors keep a JPEG on the reduced luma decoder
			}
			k = next
			g, err := src.gray(k)
			if err != nil {
				// Corrupt data that the reduced decode tolerated; what the
				// earlier passes found still counts.
				s.note(err, false)
				break
			}
			if r := s.scan(g, PassDefault, src.unit/float64(k), []hints{hintsDefault, hintsTryHarder}, true); r != nil {
				return r, nil
			}
		}
	} else if f := upscaleFactor(g0.Bounds()); f > 1 {
		big := upscale(g0, f)
		binarize(big)
		if r := s.scan(big, PassUpscaled, scale*float64(f), []hints{hintsDefault, hintsTryHarder}, true); r != nil {
			return r, nil
		}
	}
	return s.failure(src)
}

// passes scans g, the image at its working scale, with each pass in turn.
func (s *scanner) passes(g *image.Gray, scale float64) *DecodeResult {
	if r := s.scan(g, PassDefault, scale, []hints{hintsDefault}, true); r != nil {
		return r
	}
	if r := s.scan(g, PassPure, scale, []hints{hintsPure}, false); r != nil {
		return r
	}
	if r := s.scan(g, PassTryHarder, scale, []hints{hintsTryHarder}, false); r != nil {
		return r
	}
	if r := s.scan(inverted(g), PassInverted, scale, []hints{hintsDefault}, true); r != nil {
		return r
	}
	for q, pass := range []string{PassRot90, PassRot180, PassRot270} {
		if r := s.scan(rotateQuarter(g, q+1), pass, scale, []hints{hintsDefault}, false); r != nil {
			return r
		}
	}
	// Turning a long thin image enlarges its canvas enormously (a 17000×15
	// strip would need 130 megapixels); such images get no turned passes.
	if w, h := rotatedSize(g.Rect.Dx(), g.Rect.Dy(), 30); w*h <= 2*g.Rect.Dx()*g.Rect.Dy() {
		for _, rot := range []struct {
			pass string
			deg  float64
		}{{PassRotPlus30, 30}, {PassRotMinus30, -30}} {
			if r := s.scan(rotateDegrees(g, rot.deg), rot.pass, scale, []hints{hintsDefault}, false); r != nil {
				return r
			}
		}
	}
	return nil
}

// failure returns the result and error for a source in which no
// credential was read.
func (s *scanner) failure(src *source) (*DecodeResult, error) {
	what := fmt.Sprintf("%d×%d %s image, %d scans", src.w, src.h, src.format, s.scans)
	switch {
	case s.other != nil:
		shown := []rune(s.other.Text)
		if len(shown) > 12 {
			shown = append(shown[:12], '…')
		}
		return s.other, fmt.Errorf("%w: %s code read by the %s pass starts %q", ErrNotCredential,
			s.other.Symbology, s.other.Pass, string(shown))
	case s.unreadable != nil:
		return nil, fmt.Errorf("%w (damaged, blurred, cut off or too small; %s): %v", ErrUnreadable, what, s.unreadable)
	}
	return nil, fmt.Errorf("%w (%s)", ErrNoCode, what)
}

// upscaleFactor returns how many times a small image with bounds b is
// enlarged for its last pass, or 0 if it is large enough already.
// Enlarged images stay within 2400 pixels a side.
func upscaleFactor(b image.Rectangle) int {
	switch side := max(b.Dx(), b.Dy()); {
	case side <= 600:
		return 4
	case side <= 1200:
		return 2
	}
	return 0
}
