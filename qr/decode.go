package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"

	// Image formats accepted by DecodeBytes.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/b5m5/travelcred/internal/limits"
)

// MaxPixels is the largest image, in pixels (width × height), that
// DecodeBytes will decode: 40 million, the module-wide image limit.
// WithMaxPixels can lower it but not raise it.
const MaxPixels = limits.ImagePixels

var (
	// ErrNoCode reports an image in which no readable QR code was found:
	// either no symbol was detected or a detected symbol could not be
	// decoded (too damaged, blurred or cropped).
	ErrNoCode = errors.New("qr: no readable QR code in image")

	// ErrInvalidImage reports bytes that are not an image in a known
	// format, or a corrupt image. When the format is not recognised at
	// all the error also matches image.ErrFormat.
	ErrInvalidImage = errors.New("qr: invalid image")

	// ErrImageTooLarge reports an image with more pixels than the limit
	// (MaxPixels unless lowered with WithMaxPixels). It is detected from
	// the image header, before any pixel data is decoded.
	ErrImageTooLarge = errors.New("qr: image too large")
)

// DecodeOption configures DecodeBytes.
type DecodeOption func(*decodeConfig)

type decodeConfig struct {
	maxPixels int
}

// WithMaxPixels lowers the pixel limit of DecodeBytes to n. Values that are
// not positive, or above MaxPixels, leave the limit at MaxPixels.
func WithMaxPixels(n int) DecodeOption {
	return func(c *decodeConfig) { c.maxPixels = limits.Lower(MaxPixels, n) }
}

// DecodeBytes decodes a PNG, JPEG or GIF image (or one in any other format
// registered with package image) and returns the text of the QR code in it,
// as Decode does.
//
// The image header is read first: data in an unknown format yields an
// error matching both ErrInvalidImage and image.ErrFormat, and an image
// with more than MaxPixels pixels (or the WithMaxPixels limit) yields
// ErrImageTooLarge without its pixels being decoded. An image without a
// readable code yields ErrNoCode.
func DecodeBytes(data []byte, opts ...DecodeOption) (text string, err error) {
	cfg := decodeConfig{maxPixels: MaxPixels}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}

	hdr, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return "", fmt.Errorf("%w: data is not a PNG, JPEG or GIF image: %w", ErrInvalidImage, image.ErrFormat)
		}
		return "", fmt.Errorf("%w: reading image header: %w", ErrInvalidImage, err)
	}
	if hdr.Width <= 0 || hdr.Height <= 0 {
		return "", fmt.Errorf("%w: %s image has no pixels (%d×%d)", ErrInvalidImage, format, hdr.Width, hdr.Height)
	}
	if px := int64(hdr.Width) * int64(hdr.Height); px > int64(cfg.maxPixels) {
		return "", fmt.Errorf("%w: %s image is %d×%d = %d pixels, limit %d",
			ErrImageTooLarge, format, hdr.Width, hdr.Height, px, cfg.maxPixels)
	}

	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%w: decoding %s image: %w", ErrInvalidImage, format, err)
	}
	return Decode(img)
}

// Decode returns the text of the QR code in img. It tries three scans in
// turn: the default one, one for a clean computer-generated image with
// nothing but the code and its margin (the PURE_BARCODE hint), and a
// slower, more thorough search (TRY_HARDER). If all fail and the image is
// small (at most 1200 pixels on its longer side), it scans once more on a
// copy enlarged up to 2400 pixels by smooth interpolation and reduced to
// black and white, which rescues codes drawn at one or two pixels per
// module. The first success wins.
//
// Transparent pixels count as white. The text is returned exactly as
// stored for numeric and alphanumeric segments, so base45 credential text
// and an "HC1:" prefix come back unchanged. Byte segments without an ECI
// designator are converted to UTF-8 from the character set the reader
// guesses; ASCII is unaffected.
//
// Decode applies no pixel limit: the image is already in memory. An image
// without a readable code yields an error matching ErrNoCode.
func Decode(img image.Image) (text string, err error) {
	if img == nil {
		return "", fmt.Errorf("%w: nil image", ErrInvalidImage)
	}
	if img.Bounds().Empty() {
		return "", fmt.Errorf("%w: empty image", ErrNoCode)
	}
	// The reader is a port of Java code that signals some internal
	// failures by panicking; an unreadable image must not crash the caller.
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%w: reader failed: %v", ErrNoCode, r)
		}
	}()

	gray := toGray(img)
	text, err = scan(gray, fullPasses())
	if err == nil {
		return text, nil
	}
	first := err
	if f := upscaleFactor(gray.Bounds()); f > 1 {
		big := upscale(gray, f)
		binarize(big)
		if text, err = scan(big, upscalePasses()); err == nil {
			return text, nil
		}
	}
	return "", fmt.Errorf("%w (%v)", ErrNoCode, first)
}

// upscaleFactor returns how many times Decode enlarges an image with
// bounds b for its last attempt, or 0 if the image is large enough
// already. Enlarged images stay within 2400 pixels a side.
func upscaleFactor(b image.Rectangle) int {
	switch side := max(b.Dx(), b.Dy()); {
	case side <= 600:
		return 4
	case side <= 1200:
		return 2
	}
	return 0
}

type hints = map[gozxing.DecodeHintType]interface{}

// fullPasses returns the hint sets tried on the image as given, in order.
func fullPasses() []hints {
	return []hints{
		nil,
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
	}
}

// upscalePasses returns the hint sets tried on an enlarged copy. An image
// that needs enlarging is not a clean symbol, so PURE_BARCODE is skipped.
func upscalePasses() []hints {
	return []hints{nil, {gozxing.DecodeHintType_TRY_HARDER: true}}
}

// scan runs the QR reader over gray with each hint set in turn and returns
// the first text found, or the first pass's error.
func scan(gray *image.Gray, passes []hints) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(gray)))
	if err != nil {
		return "", err
	}
	reader := zxqr.NewQRCodeReader()
	var first error
	for _, h := range passes {
		res, err := reader.Decode(bmp, h)
		if err == nil {
			return res.GetText(), nil
		}
		if first == nil {
			first = err
		}
	}
	return "", first
}
