package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

var (
	// ErrTooLong reports text that does not fit a version-40 QR code at the
	// requested error correction level. The wrapping error names the text
	// length and the level.
	ErrTooLong = errors.New("qr: text too long for a QR code")

	// ErrEmpty reports an attempt to encode empty text.
	ErrEmpty = errors.New("qr: empty text")
)

// Level is a QR error correction level. Higher levels survive more damage
// but need a larger symbol for the same text.
type Level int

// The four QR error correction levels, with the approximate share of the
// symbol that can be damaged and still read.
const (
	LevelL Level = iota + 1 // about 7%
	LevelM                  // about 15%
	LevelQ                  // about 25%; the default
	LevelH                  // about 30%
)

// String returns the single-letter name of the level ("L", "M", "Q", "H").
func (l Level) String() string {
	switch l {
	case LevelL:
		return "L"
	case LevelM:
		return "M"
	case LevelQ:
		return "Q"
	case LevelH:
		return "H"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

func (l Level) valid() bool { return l >= LevelL && l <= LevelH }

// recovery maps l to the go-qrcode constant of the same strength (go-qrcode
// names them Low, Medium, High and Highest).
func (l Level) recovery() qrcode.RecoveryLevel {
	switch l {
	case LevelL:
		return qrcode.Low
	case LevelM:
		return qrcode.Medium
	case LevelH:
		return qrcode.Highest
	}
	return qrcode.High
}

// Defaults for encoding.
const (
	// DefaultLevel is the error correction level used unless WithLevel is given.
	DefaultLevel = LevelQ
	// DefaultQuietZone is the blank border, in modules, drawn around the
	// symbol unless WithQuietZone is given; 4 is the specification minimum.
	DefaultQuietZone = 4
	// DefaultModulePixels is the side length in pixels of one module unless
	// WithSize or WithModulePixels is given.
	DefaultModulePixels = 5
)

// maxQuietZone bounds WithQuietZone; a wider border serves no purpose.
const maxQuietZone = 64

// EncodeOption configures Encode, EncodePNG, EncodeSVG and
// EncodeTerminal.
type EncodeOption func(*encodeConfig)

type encodeConfig struct {
	level        Level
	quietZone    int
	size         int // total image side in pixels; 0 means use modulePixels
	modulePixels int
	plainText    bool // EncodeTerminal without ANSI colours
}

// WithLevel selects the error correction level (default LevelQ).
func WithLevel(l Level) EncodeOption {
	return func(c *encodeConfig) { c.level = l }
}

// WithQuietZone sets the blank border around the symbol, in modules
// (default 4). Zero is allowed for callers that supply their own margin;
// readers may fail on codes placed without one.
func WithQuietZone(modules int) EncodeOption {
	return func(c *encodeConfig) { c.quietZone = modules }
}

// WithSize sets the width and height of the PNG (or of the SVG's
// width and height attributes) in pixels. Every module gets
// the same whole number of pixels; pixels left over are added to the quiet
// zone so the image is exactly the requested size. EncodePNG fails if the
// size is smaller than one pixel per module. It overrides WithModulePixels.
func WithSize(pixels int) EncodeOption {
	return func(c *encodeConfig) { c.size, c.modulePixels = pixels, 0 }
}

// WithModulePixels sets the side length of one module in pixels (default
// 5), so the PNG or SVG size follows from the QR version. It overrides
// WithSize.
func WithModulePixels(pixels int) EncodeOption {
	return func(c *encodeConfig) { c.modulePixels, c.size = pixels, 0 }
}

func newEncodeConfig(opts []EncodeOption) (encodeConfig, error) {
	c := encodeConfig{level: DefaultLevel, quietZone: DefaultQuietZone, modulePixels: DefaultModulePixels}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	switch {
	case !c.level.valid():
		return c, fmt.Errorf("qr: invalid error correction level %d", int(c.level))
	case c.quietZone < 0 || c.quietZone > maxQuietZone:
		return c, fmt.Errorf("qr: quiet zone of %d modules out of range 0..%d", c.quietZone, maxQuietZone)
	case c.size == 0 && c.modulePixels <= 0:
		return c, fmt.Errorf("qr: module size of %d pixels must be positive", c.modulePixels)
	case c.size < 0:
		return c, fmt.Errorf("qr: image size of %d pixels must be positive", c.size)
	}
	return c, nil
}

// Code is an encoded QR symbol: a square matrix of dark and light modules,
// independent of any output format.
type Code struct {
	// Version is the QR version, 1 to 40.
	Version int
	// Level is the error correction level.
	Level Level
	// Size is the number of modules on each side of the symbol,
	// 17+4×Version, not counting the quiet zone.
	Size int
	// QuietZone is the blank border, in modules, that renderers should
	// leave on every side of the symbol.
	QuietZone int

	modules []bool // Size×Size, row-major, true = dark
}

// Module reports whether the module at column x, row y is dark. The origin
// is the top-left corner of the symbol; coordinates outside the symbol
// (such as those in the quiet zone) are light.
func (c *Code) Module(x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return false
	}
	return c.modules[y*c.Size+x]
}

// Encode encodes text into a QR symbol. Text made only of QR alphanumeric
// characters (0-9, A-Z, space and $%*+-./:), such as base45 credential
// text, is stored in alphanumeric mode; digit runs may use numeric mode and
// any other text uses byte mode (the raw bytes of the string, without ECI).
// The smallest version that holds the text at the chosen level is used.
//
// It fails with ErrEmpty for empty text and with an error wrapping
// ErrTooLong when the text does not fit version 40.
func Encode(text string, opts ...EncodeOption) (*Code, error) {
	cfg, err := newEncodeConfig(opts)
	if err != nil {
		return nil, err
	}
	return encode(text, cfg)
}

func encode(text string, cfg encodeConfig) (*Code, error) {
	if text == "" {
		return nil, ErrEmpty
	}
	// No text longer than the numeric-mode capacity can fit; refuse it
	// before the encoder classifies every byte.
	if _, n := maxChars("0", cfg.level); len(text) > n {
		return nil, fmt.Errorf("%w: %d bytes at level %s (%s)",
			ErrTooLong, len(text), cfg.level, capacityNote(text, cfg.level))
	}
	// go-qrcode reports only "content too long" style errors once the
	// input is non-empty: every way its encoder can fail is a length limit.
	q, err := qrcode.New(text, cfg.level.recovery())
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes at level %s (%s)",
			ErrTooLong, len(text), cfg.level, capacityNote(text, cfg.level))
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	size := len(bm)
	if size != 17+4*q.VersionNumber {
		return nil, fmt.Errorf("qr: encoder returned a %d-module symbol for version %d", size, q.VersionNumber)
	}
	c := &Code{
		Version:   q.VersionNumber,
		Level:     cfg.level,
		Size:      size,
		QuietZone: cfg.quietZone,
		modules:   make([]bool, size*size),
	}
	for y, row := range bm {
		if len(row) != size {
			return nil, fmt.Errorf("qr: encoder returned a ragged matrix")
		}
		copy(c.modules[y*size:], row)
	}
	return c, nil
}

// EncodePNG encodes text as Encode does and renders it as a black-on-white
// PNG with a 1-bit palette. By default each module is 5×5 pixels with a
// 4-module quiet zone; see WithSize and WithModulePixels. Images of more
// than MaxPixels pixels are refused, so DecodeBytes can always read the
// output with its default limit.
func EncodePNG(text string, opts ...EncodeOption) ([]byte, error) {
	cfg, err := newEncodeConfig(opts)
	if err != nil {
		return nil, err
	}
	c, err := encode(text, cfg)
	if err != nil {
		return nil, err
	}
	img, err := c.render(cfg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: writing PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// render draws c as a paletted image (index 0 light, index 1 dark).
func (c *Code) render(cfg encodeConfig) (*image.Paletted, error) {
	side, scale, err := c.pixelSize(cfg)
	if err != nil {
		return nil, err
	}
	return c.draw(side, scale), nil
}

// pixelSize returns the side of the rendered image in pixels and the
// side of one module, for the sizing options of cfg.
func (c *Code) pixelSize(cfg encodeConfig) (int, int, error) {
	modules := int64(c.Size + 2*c.QuietZone)
	scale, side := int64(cfg.modulePixels), int64(cfg.size)
	if side > 0 {
		if side < modules {
			return 0, 0, fmt.Errorf("qr: image size %dpx is smaller than the %d modules of a version-%d code with a %d-module quiet zone",
				side, modules, c.Version, c.QuietZone)
		}
		scale = side / modules
	} else if scale <= MaxPixels {
		side = modules * scale
	}
	// Checking side first keeps side×side from overflowing.
	if side <= 0 || side > MaxPixels || side*side > MaxPixels {
		return 0, 0, fmt.Errorf("qr: a %d-module image at %d pixels per module would exceed the %d-pixel limit",
			modules, scale, MaxPixels)
	}
	return int(side), int(scale), nil
}

// draw paints c, scale pixels per module, centred on a side×side canvas.
func (c *Code) draw(side, scale int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	// Centre the symbol; with WithSize the leftover pixels widen the margin.
	off := (side - c.Size*scale) / 2
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.modules[y*c.Size+x] {
				continue
			}
			px, py := off+x*scale, off+y*scale
			for dy := 0; dy < scale; dy++ {
				row := img.Pix[(py+dy)*img.Stride+px:]
				for dx := 0; dx < scale; dx++ {
					row[dx] = 1
				}
			}
		}
	}
	return img
}

// version40DataBits returns the number of data bits in a version-40 symbol
// at level l (ISO/IEC 18004 table 7).
func version40DataBits(l Level) int {
	switch l {
	case LevelL:
		return 23648
	case LevelM:
		return 18672
	case LevelH:
		return 10208
	}
	return 13328
}

// capacityNote describes how much text of the same kind as text fits a
// version-40 symbol at level l, for error messages.
func capacityNote(text string, l Level) string {
	mode, n := maxChars(text, l)
	return fmt.Sprintf("version 40 holds at most %d characters in %s mode", n, mode)
}

// maxChars returns the mode a single-segment encoding of text would use and
// the number of characters of that mode that fit version 40 at level l.
// Mixed numeric/alphanumeric text can sometimes hold a little more because
// digit runs pack more densely.
func maxChars(text string, l Level) (mode string, n int) {
	bits := version40DataBits(l) - 4 // mode indicator
	numeric, alnum := true, true
	for i := 0; i < len(text); i++ {
		b := text[i]
		if b < '0' || b > '9' {
			numeric = false
			if !isAlphanumeric(b) {
				alnum = false
				break
			}
		}
	}
	switch {
	case numeric:
		bits -= 14
		n = bits / 10 * 3
		switch r := bits % 10; {
		case r >= 7:
			n += 2
		case r >= 4:
			n++
		}
		return "numeric", n
	case alnum:
		bits -= 13
		n = bits / 11 * 2
		if bits%11 >= 6 {
			n++
		}
		return "alphanumeric", n
	}
	return "byte", (bits - 16) / 8
}

// isAlphanumeric reports whether b is in the QR alphanumeric character set.
func isAlphanumeric(b byte) bool {
	switch {
	case b >= '0' && b <= '9', b >= 'A' && b <= 'Z':
		return true
	}
	switch b {
	case ' ', '$', '%', '*', '+', '-', '.', '/', ':':
		return true
	}
	return false
}
