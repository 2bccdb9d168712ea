package qr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"strconv"
	"strings"
	"testing"
)

// TestEncodeSVG checks the SVG document and reads it back.
func TestEncodeSVG(t *testing.T) {
	text := hc1Like(50, 480)
	for _, tt := range []struct {
		name  string
		opts  []EncodeOption
		px    string
		quiet int
	}{
		{"default", nil, "", 4},
		{"size 300", []EncodeOption{WithSize(300)}, `width="300" height="300"`, 4},
		{"quiet zone 6, 3 px", []EncodeOption{WithQuietZone(6), WithModulePixels(3)}, "", 6},
		{"level H", []EncodeOption{WithLevel(LevelH)}, "", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := EncodeSVG(text, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := Encode(text, tt.opts...)
			// Well-formed XML with the expected root.
			dec := xml.NewDecoder(bytes.NewReader(svg))
			var root struct {
				XMLName xml.Name
				ViewBox string `xml:"viewBox,attr"`
				Width   string `xml:"width,attr"`
			}
			if err := dec.Decode(&root); err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
			n := c.Size + 2*tt.quiet
			if root.XMLName.Local != "svg" || root.ViewBox != "0 0 "+strconv.Itoa(n)+" "+strconv.Itoa(n) {
				t.Errorf("root %s viewBox %q", root.XMLName.Local, root.ViewBox)
			}
			if tt.px != "" && !bytes.Contains(svg, []byte(tt.px)) {
				t.Errorf("SVG lacks %s", tt.px)
			}
			// The rasterised drawing has the modules of the code.
			g, unit, err := rasterSVG(svg, MaxPixels)
			if err != nil {
				t.Fatal(err)
			}
			for y := -tt.quiet; y < c.Size+tt.quiet; y++ {
				for x := -tt.quiet; x < c.Size+tt.quiet; x++ {
					px := int((float64(x+tt.quiet) + 0.5) * unit)
					py := int((float64(y+tt.quiet) + 0.5) * unit)
					if dark := g.Pix[py*g.Stride+px] < 128; dark != c.Module(x, y) {
						t.Fatalf("module (%d,%d): dark=%v, code says %v", x, y, dark, c.Module(x, y))
					}
				}
			}
			res, err := DecodeDetailed(svg)
			if err != nil || res.Text != text {
				t.Fatalf("DecodeDetailed = %+v, %v", res, err)
			}
		})
	}
	if _, err := EncodeSVG(""); !errors.Is(err, ErrEmpty) {
		t.Errorf("EncodeSVG(\"\"): %v", err)
	}
	if _, err := EncodeSVG(strings.Repeat("A", 5000)); !errors.Is(err, ErrTooLong) {
		t.Errorf("EncodeSVG(too long): %v", err)
	}
}

// TestRasterSVG checks the SVG features QR generators use.
func TestRasterSVG(t *testing.T) {
	// Each drawing is 10×10 units, rendered at 120 pixels per unit; the
	// probes are user-space points and whether they should be dark.
	type probe struct {
		x, y float64
		dark bool
	}
	for _, tt := range []struct {
		name   string
		body   string
		probes []probe
	}{
		{"rect", `<rect x="2" y="2" width="3" height="4" fill="#000"/>`,
			[]probe{{3, 3, true}, {1.5, 3, false}, {5.5, 3, false}, {3, 6.5, false}}},
		{"default fill is black", `<rect x="2" y="2" width="3" height="4"/>`, []probe{{3, 3, true}}},
		{"fill none", `<rect x="2" y="2" width="3" height="4" fill="none"/>`, []probe{{3, 3, false}}},
		{"white on black", `<rect width="10" height="10" fill="black"/><rect x="4" y="4" width="2" height="2" fill="white"/>`,
			[]probe{{1, 1, true}, {5, 5, false}}},
		{"style attribute", `<rect x="2" y="2" width="3" height="4" style="fill: #ffffff; stroke: none"/><rect x="6" y="2" width="3" height="4" fill="#fff" style="fill:rgb(0,0,0)"/>`,
			[]probe{{3, 3, false}, {7, 3, true}}},
		{"stroked path (SMART Health Cards)", `<path stroke="#000000" d="M1 1.5h3m2 0h1M1 3.5h1"/>`,
			[]probe{{2, 1.5, true}, {4.5, 1.5, false}, {6.5, 1.5, true}, {1.5, 3.5, true}, {2, 2.5, false}}},
		{"filled path runs", `<path d="M1 1h3v1h-3zM6 1h1v1h-1z"/>`,
			[]probe{{2, 1.5, true}, {5, 1.5, false}, {6.5, 1.5, true}}},
		{"relative and implicit commands", `<path d="m1 1 3 0 0 3 -3 0z"/>`, []probe{{2, 2, true}, {5, 2, false}}},
		{"evenodd hole", `<path fill-rule="evenodd" d="M1 1H9V9H1ZM3 3H7V7H3Z"/>`,
			[]probe{{2, 2, true}, {5, 5, false}}},
		{"nonzero keeps same-direction inner", `<path d="M1 1H9V9H1ZM3 3H7V7H3Z"/>`, []probe{{5, 5, true}}},
		{"group transform", `<g transform="translate(5 0) scale(2)"><rect width="1" height="1"/></g>`,
			[]probe{{6, 1, true}, {4, 1, false}, {7.5, 1, false}}},
		{"group fill inherited", `<g fill="#fff"><rect width="10" height="10"/></g><g fill="#000"><rect x="1" y="1" width="1" height="1"/></g>`,
			[]probe{{5, 5, false}, {1.5, 1.5, true}}},
		{"polygon and circle", `<polygon points="1,1 4,1 4,4 1,4"/><circle cx="7" cy="7" r="1.5"/>`,
			[]probe{{2, 2, true}, {7, 7, true}, {8.9, 8.9, false}}},
		{"defs not drawn", `<defs><rect id="r" width="10" height="10"/></defs>`, []probe{{5, 5, false}}},
		{"display none", `<rect width="10" height="10" display="none"/>`, []probe{{5, 5, false}}},
		{"opacity", `<rect width="10" height="10" fill-opacity="0.1"/>`, []probe{{5, 5, false}}},
		{"curve flattened", `<path d="M1 5C1 1 9 1 9 5z"/>`, []probe{{5, 4, true}, {5, 6, false}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">` + tt.body + `</svg>`
			g, unit, err := rasterSVG([]byte(svg), MaxPixels)
			if err != nil {
				t.Fatal(err)
			}
			if unit != 120 || g.Rect != image.Rect(0, 0, 1200, 1200) {
				t.Fatalf("raster %v at %g px/unit", g.Rect, unit)
			}
			for _, p := range tt.probes {
				v := g.Pix[int(p.y*unit)*g.Stride+int(p.x*unit)]
				if dark := v < 128; dark != p.dark {
					t.Errorf("(%g,%g) = %d, want dark=%v", p.x, p.y, v, p.dark)
				}
			}
		})
	}
	// Size from width and height when there is no viewBox, with a prolog.
	g, unit, err := rasterSVG([]byte(`<?xml version="1.0"?><!-- c --><!DOCTYPE svg><svg width="20px" height="10"><rect width="5" height="5"/></svg>`), MaxPixels)
	if err != nil || g.Rect.Dx() != 1200 || g.Rect.Dy() != 600 || unit != 60 {
		t.Errorf("width/height: %v, %g, %v", g.Rect, unit, err)
	}
	if !looksLikeSVG([]byte("\ufeff  <?xml version='1.0'?>\n<svg>")) || looksLikeSVG([]byte("<svgx>")) || looksLikeSVG([]byte("<html>")) {
		t.Error("looksLikeSVG misjudges")
	}
	// Elements after the root has closed (fuzzing found the renderer
	// indexing an empty style stack on them): refused, whether the root
	// was self-closing or not.
	for _, doc := range []string{
		`<svg viewBox="0 0 10 10"/><rect width="5" height="5"/>`,
		`<svg viewBox="0 0 10 10"></svg><g><rect width="5" height="5"/></g>`,
	} {
		if _, _, err := rasterSVG([]byte(doc), MaxPixels); err == nil || !strings.Contains(err.Error(), "after the root <svg>") {
			t.Errorf("rasterSVG(%s) = %v, want an error naming content after the root", doc, err)
		}
	}
}

// terminalModules parses EncodeTerminal output back into a grid of dark
// modules.
func terminalModules(t *testing.T, s string, colors bool) [][]bool {
	t.Helper()
	var grid [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if colors {
			var ok bool
			if line, ok = strings.CutPrefix(line, ansiBlackOnWhite); !ok {
				t.Fatalf("line %q lacks the colour prefix", line)
			}
			if line, ok = strings.CutSuffix(line, ansiReset); !ok {
				t.Fatalf("line %q lacks the reset", line)
			}
		}
		var top, bot []bool
		for _, r := range line {
			var u, d bool
			switch r {
			case '█':
				u, d = true, true
			case '▀':
				u = true
			case '▄':
				d = true
			case ' ':
			default:
				t.Fatalf("unexpected rune %q", r)
			}
			if !colors { // the blocks are the light modules
				u, d = !u, !d
			}
			top, bot = append(top, u), append(bot, d)
		}
		grid = append(grid, top, bot)
	}
	return grid
}

// TestEncodeTerminal checks both terminal renderings module by module and
// reads the code back from a rasterised copy of the text.
func TestEncodeTerminal(t *testing.T) {
	text := hc1Like(51, 300)
	for _, colors := range []bool{true, false} {
		for _, quiet := range []int{4, 3} {
			s, err := EncodeTerminal(text, WithTerminalColors(colors), WithQuietZone(quiet))
			if err != nil {
				t.Fatal(err)
			}
			c, _ := Encode(text)
			grid := terminalModules(t, s, colors)
			n := c.Size + 2*quiet
			if len(grid) != n+n%2 {
				t.Fatalf("colors=%v: %d module rows, want %d", colors, len(grid), n+n%2)
			}
			for y, row := range grid {
				if len(row) != n {
					t.Fatalf("row %d has %d modules, want %d", y, len(row), n)
				}
				for x, dark := range row {
					if want := y < n && c.Module(x-quiet, y-quiet); dark != want {
						t.Fatalf("colors=%v quiet=%d: module (%d,%d) dark=%v, want %v", colors, quiet, x, y, dark, want)
					}
				}
			}
			// What a phone sees: the cells drawn 8×16 pixels each.
			img := newGray(n*8, len(grid)*8)
			for y, row := range grid {
				for x, dark := range row {
					v := uint8(255)
					if dark {
						v = 0
					}
					for dy := 0; dy < 8; dy++ {
						for dx := 0; dx < 8; dx++ {
							img.Pix[(y*8+dy)*img.Stride+x*8+dx] = v
						}
					}
				}
			}
			if res, err := DecodeDetailed(pngOf(t, img)); err != nil || res.Text != text {
				t.Errorf("colors=%v: reading the rendering back: %+v, %v", colors, res, err)
			}
		}
	}
	if _, err := EncodeTerminal(""); !errors.Is(err, ErrEmpty) {
		t.Errorf("EncodeTerminal(\"\"): %v", err)
	}
	if _, err := EncodeTerminal("x", WithQuietZone(-1)); err == nil {
		t.Error("negative quiet zone accepted")
	}
}
