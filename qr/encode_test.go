package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestEncodeAlphanumericMode checks, by reading the data codewords back,
// that base45 text is stored in alphanumeric mode (possibly with numeric
// runs) and never in byte mode, and that this gives a smaller symbol than
// byte-mode text of the same length.
func TestEncodeAlphanumericMode(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"hc1 400", hc1Like(1, 400)},
		{"hc1 520", hc1Like(2, 520)},
		{"hc1 600", hc1Like(3, 600)},
		{"letters only", "HC1:" + strings.Repeat("NCFOXN%TS MAHN-H$:", 25)},
		{"long digit run", "HC1:ABC" + strings.Repeat("0123456789", 30) + "XYZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			data, err := EncodePNG(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			res := zxDecode(t, data)
			if got := res.GetText(); got != tt.text {
				t.Fatalf("gozxing read %q, want %q", got, tt.text)
			}
			if _, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_BYTE_SEGMENTS]; ok {
				t.Error("reader reports byte segments")
			}
			if got := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; got != "Q" {
				t.Errorf("error correction level %v, want Q", got)
			}
			segs, err := parseSegments(res.GetRawBytes(), code.Version)
			if err != nil {
				t.Fatalf("%v (segments so far: %s)", err, segmentsString(segs))
			}
			total, alnum := 0, false
			for _, s := range segs {
				total += s.count
				switch s.mode {
				case "alphanumeric":
					alnum = true
				case "numeric":
				default:
					t.Errorf("%s segment in %s", s.mode, segmentsString(segs))
				}
			}
			if !alnum || total != len(tt.text) {
				t.Errorf("segments %s cover %d characters, want alphanumeric covering %d", segmentsString(segs), total, len(tt.text))
			}
			t.Logf("version %d: %s", code.Version, segmentsString(segs))

			// The same length in byte mode needs a larger symbol.
			lower, err := Encode(strings.Repeat("a", len(tt.text)))
			if err != nil {
				t.Fatal(err)
			}
			if lower.Version <= code.Version {
				t.Errorf("byte-mode text got version %d, alphanumeric text %d: expected alphanumeric to be smaller", lower.Version, code.Version)
			}
		})
	}
}

// TestEncodeCapacity checks the version-40 limits: text of exactly the
// capacity is accepted (and gets version 40), one character more is
// refused with ErrTooLong naming the length and level. Alphanumeric
// capacities are those of ISO/IEC 18004 table 7; numeric and byte
// capacities are checked against the package's own calculation.
func TestEncodeCapacity(t *testing.T) {
	alnumCap := map[Level]int{LevelL: 4296, LevelM: 3391, LevelQ: 2420, LevelH: 1852}
	numericCap := map[Level]int{LevelL: 7089, LevelM: 5596, LevelQ: 3993, LevelH: 3057}
	byteCap := map[Level]int{LevelL: 2953, LevelM: 2331, LevelQ: 1663, LevelH: 1273}
	// Texts that exceed the capacity must not contain digits: a numeric
	// run can pack denser than alphanumeric and make extra room.
	const noDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	for _, l := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		for _, mode := range []struct {
			name      string
			capacity  int
			fits, too func(n int) string
		}{
			{"alphanumeric", alnumCap[l], func(n int) string { return hc1Like(uint64(n), n) },
				func(n int) string { return "HC1:" + alnumString(uint64(n), n-4, noDigits) }},
			{"numeric", numericCap[l], func(n int) string { return strings.Repeat("7", n) },
				func(n int) string { return strings.Repeat("7", n) }},
			{"byte", byteCap[l], func(n int) string { return strings.Repeat("hc1:x", n/5+1)[:n] },
				func(n int) string { return strings.Repeat("hc1:x", n/5+1)[:n] }},
		} {
			t.Run(l.String()+"/"+mode.name, func(t *testing.T) {
				if m, n := maxChars(mode.fits(10), l); m != mode.name || n != mode.capacity {
					t.Errorf("maxChars = %s %d, want %s %d", m, n, mode.name, mode.capacity)
				}
				code, err := Encode(mode.fits(mode.capacity), WithLevel(l))
				if err != nil {
					t.Fatalf("%d characters at %s: %v", mode.capacity, l, err)
				}
				if code.Version != 40 || code.Level != l {
					t.Errorf("got version %d level %s, want 40 %s", code.Version, code.Level, l)
				}
				over := mode.capacity + 1
				_, err = Encode(mode.too(over), WithLevel(l))
				if !errors.Is(err, ErrTooLong) {
					t.Fatalf("%d characters at %s: err = %v, want ErrTooLong", over, l, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, strconv.Itoa(over)) || !strings.Contains(msg, "level "+l.String()) {
					t.Errorf("error %q does not name the length %d and level %s", msg, over, l)
				}
				if _, err := EncodePNG(mode.too(over), WithLevel(l)); !errors.Is(err, ErrTooLong) {
					t.Errorf("EncodePNG: err = %v, want ErrTooLong", err)
				}
			})
		}
	}
}

// TestEncodeCapacityRoundTrip reads back the largest HC1 text that fits at
// level Q.
func TestEncodeCapacityRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("large symbol")
	}
	text := hc1Like(42, 2420)
	data, err := EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if got != text {
		t.Fatal("text differs after round trip")
	}
}

func TestEncodeEmpty(t *testing.T) {
	if _, err := Encode(""); !errors.Is(err, ErrEmpty) {
		t.Errorf("Encode: err = %v, want ErrEmpty", err)
	}
	if _, err := EncodePNG(""); !errors.Is(err, ErrEmpty) {
		t.Errorf("EncodePNG: err = %v, want ErrEmpty", err)
	}
}

func TestEncodeOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []EncodeOption
	}{
		{"level zero", []EncodeOption{WithLevel(0)}},
		{"level too high", []EncodeOption{WithLevel(LevelH + 1)}},
		{"negative quiet zone", []EncodeOption{WithQuietZone(-1)}},
		{"huge quiet zone", []EncodeOption{WithQuietZone(1000)}},
		{"zero module pixels", []EncodeOption{WithModulePixels(0)}},
		{"negative size", []EncodeOption{WithSize(-10)}},
		{"size below module count", []EncodeOption{WithSize(28)}}, // version 1: 21+8 modules
		{"image over pixel limit", []EncodeOption{WithModulePixels(1000)}},
		{"size over pixel limit", []EncodeOption{WithSize(7000)}},
		{"overflowing module pixels", []EncodeOption{WithModulePixels(1 << 62)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := EncodePNG("HC1:TEST", tt.opts...)
			if err == nil {
				t.Fatalf("EncodePNG succeeded with %d bytes, want an error", len(data))
			}
			if errors.Is(err, ErrTooLong) || errors.Is(err, ErrEmpty) {
				t.Errorf("option error %v matches a text sentinel", err)
			}
		})
	}
	// A nil option is ignored.
	if _, err := EncodePNG("HC1:TEST", nil); err != nil {
		t.Errorf("nil option: %v", err)
	}
}

// TestCodeMatrix checks the structure of the module matrix: dimensions,
// finder patterns, timing patterns and the light area outside the symbol.
func TestCodeMatrix(t *testing.T) {
	for _, l := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		c, err := Encode(hc1Like(7, 500), WithLevel(l), WithQuietZone(6))
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != 17+4*c.Version || c.Level != l || c.QuietZone != 6 {
			t.Fatalf("%s: Size %d Version %d Level %s QuietZone %d", l, c.Size, c.Version, c.Level, c.QuietZone)
		}
		// Finder patterns: 7×7 dark ring, light ring, dark 3×3 core.
		for _, corner := range [][2]int{{0, 0}, {c.Size - 7, 0}, {0, c.Size - 7}} {
			for dy := 0; dy < 7; dy++ {
				for dx := 0; dx < 7; dx++ {
					ring := max(abs(dx-3), abs(dy-3))
					want := ring != 2
					if got := c.Module(corner[0]+dx, corner[1]+dy); got != want {
						t.Fatalf("%s: finder at %v: module (%d,%d) = %v", l, corner, dx, dy, got)
					}
				}
			}
		}
		// Timing patterns alternate, dark on even coordinates.
		for i := 8; i < c.Size-8; i++ {
			if c.Module(i, 6) != (i%2 == 0) || c.Module(6, i) != (i%2 == 0) {
				t.Fatalf("%s: timing pattern broken at %d", l, i)
			}
		}
		for _, p := range [][2]int{{-1, 0}, {0, -1}, {c.Size, 0}, {0, c.Size}, {-5, -5}} {
			if c.Module(p[0], p[1]) {
				t.Errorf("%s: module %v outside the symbol is dark", l, p)
			}
		}
	}
}

// TestEncodePNGLayout checks the PNG dimensions for each sizing option and
// that its pixels match the module matrix.
func TestEncodePNGLayout(t *testing.T) {
	text := hc1Like(11, 450)
	tests := []struct {
		name      string
		opts      []EncodeOption
		quiet     int
		wantScale int // 0: derive from wantSide
		wantSide  int // 0: derive from wantScale
	}{
		{"default", nil, DefaultQuietZone, DefaultModulePixels, 0},
		{"module pixels 3", []EncodeOption{WithModulePixels(3)}, 4, 3, 0},
		{"quiet zone 8", []EncodeOption{WithQuietZone(8)}, 8, DefaultModulePixels, 0},
		{"quiet zone 0", []EncodeOption{WithQuietZone(0), WithModulePixels(2)}, 0, 2, 0},
		{"size 600", []EncodeOption{WithSize(600)}, 4, 0, 600},
		{"size then module pixels", []EncodeOption{WithSize(600), WithModulePixels(2)}, 4, 2, 0},
		{"module pixels then size", []EncodeOption{WithModulePixels(2), WithSize(333)}, 4, 0, 333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			c, err := Encode(text, opts...)
			if err != nil {
				t.Fatal(err)
			}
			data, err := EncodePNG(text, opts...)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			modules := c.Size + 2*tt.quiet
			side, scale := tt.wantSide, tt.wantScale
			if side == 0 {
				side = modules * scale
			} else {
				scale = side / modules
			}
			if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
				t.Fatalf("image %v, want %d×%d", b, side, side)
			}
			off := (side - c.Size*scale) / 2
			if off < tt.quiet*scale {
				t.Fatalf("offset %d px leaves less than the %d-module quiet zone", off, tt.quiet)
			}
			for y := -tt.quiet; y < c.Size+tt.quiet; y++ {
				for x := -tt.quiet; x < c.Size+tt.quiet; x++ {
					// Sample the centre of each module.
					px, py := off+x*scale+scale/2, off+y*scale+scale/2
					r, _, _, _ := img.At(px, py).RGBA()
					if dark := r < 0x8000; dark != c.Module(x, y) {
						t.Fatalf("module (%d,%d): pixel dark=%v, matrix %v", x, y, dark, c.Module(x, y))
					}
				}
			}
			if _, ok := img.(*image.Paletted); !ok {
				t.Errorf("PNG decodes as %T, want a paletted image", img)
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{LevelL: "L", LevelM: "M", LevelQ: "Q", LevelH: "H", 0: "Level(0)"} {
		if got := l.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(l), got, want)
		}
	}
}

// TestEncodeLevels round-trips at every level and checks the level the
// reader sees.
func TestEncodeLevels(t *testing.T) {
	text := hc1Like(5, 480)
	for _, l := range []Level{LevelL, LevelM, LevelQ, LevelH} {
		t.Run(l.String(), func(t *testing.T) {
			data, err := EncodePNG(text, WithLevel(l))
			if err != nil {
				t.Fatal(err)
			}
			res := zxDecode(t, data)
			if got := fmt.Sprint(res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]); got != l.String() {
				t.Errorf("reader sees level %s, want %s", got, l)
			}
			got, err := DecodeBytes(data)
			if err != nil || got != text {
				t.Errorf("DecodeBytes = %.20q, %v", got, err)
			}
		})
	}
}

// TestEncodeHuge checks that text far beyond any QR capacity is refused
// up front, at every level.
func TestEncodeHuge(t *testing.T) {
	huge := strings.Repeat("7", 1<<20)
	for _, l := range []Level{LevelL, LevelH} {
		if _, err := Encode(huge, WithLevel(l)); !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: err = %v, want ErrTooLong", l, err)
		}
	}
}
