package qr

import (
	"bytes"
	"strconv"
	"strings"
)

// EncodeSVG encodes text as Encode does and renders it as an SVG
// document: a white square and one black path made of a rectangle per
// horizontal run of dark modules, in a viewBox of one unit per module
// including the quiet zone, with crisp edges. Its width and height
// attributes follow WithSize or WithModulePixels as EncodePNG's pixel
// size does (5 pixels per module by default); the drawing scales to any
// size without loss. DecodeBytes reads the result back.
func EncodeSVG(text string, opts ...EncodeOption) ([]byte, error) {
	cfg, err := newEncodeConfig(opts)
	if err != nil {
		return nil, err
	}
	c, err := encode(text, cfg)
	if err != nil {
		return nil, err
	}
	side, _, err := c.pixelSize(cfg)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(c.Size + 2*c.QuietZone)
	px := strconv.Itoa(side)
	var b bytes.Buffer
	b.Grow(64 + c.Size*c.Size)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="` + px + `" height="` + px +
		`" viewBox="0 0 ` + n + ` ` + n + `" shape-rendering="crispEdges">` + "\n")
	b.WriteString(`<rect x="0" y="0" width="` + n + `" height="` + n + `" fill="#ffffff"/>` + "\n")
	b.WriteString(`<path fill="#000000" d="`)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Module(x, y) {
				x++
				continue
			}
			run := 1
			for c.Module(x+run, y) {
				run++
			}
			// One rectangle: move to its top left, across, down one, back.
			b.WriteByte('M')
			b.WriteString(strconv.Itoa(x + c.QuietZone))
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(y + c.QuietZone))
			b.WriteByte('h')
			b.WriteString(strconv.Itoa(run))
			b.WriteString("v1h-")
			b.WriteString(strconv.Itoa(run))
			b.WriteByte('z')
			x += run
		}
	}
	b.WriteString("\"/>\n</svg>\n")
	return b.Bytes(), nil
}

// WithTerminalColors chooses how EncodeTerminal draws. With on (the
// default) every line sets black text on a bright white background with
// ANSI escape codes and resets it at the end, so the code reads dark on
// light in any terminal theme. With off the output is plain text that
// draws the light modules as blocks, for light text on a dark background,
// the usual terminal default; on a light-background terminal it shows
// the code inverted, which some phone scanners do not read.
func WithTerminalColors(on bool) EncodeOption {
	return func(c *encodeConfig) { c.plainText = !on }
}

// ANSI escape codes for EncodeTerminal: black on bright white, and reset.
const (
	ansiBlackOnWhite = "\x1b[30;107m"
	ansiReset        = "\x1b[0m"
)

// EncodeTerminal encodes text as Encode does and renders it for a
// terminal with Unicode half blocks (▀ ▄ █): each character cell shows two
// modules, one above the other, so modules come out roughly square in the
// usual 1:2 cells and a phone can scan the code off the screen. The quiet
// zone (4 modules by default, see WithQuietZone) is part of the output.
// Every line ends in a newline. See WithTerminalColors for the colours;
// the size options have no effect.
func EncodeTerminal(text string, opts ...EncodeOption) (string, error) {
	cfg, err := newEncodeConfig(opts)
	if err != nil {
		return "", err
	}
	c, err := encode(text, cfg)
	if err != nil {
		return "", err
	}
	// cells[top][bottom], indexed by darkness.
	cells := [2][2]string{{" ", "▄"}, {"▀", "█"}}
	if cfg.plainText {
		// The blocks are the light modules.
		cells = [2][2]string{{"█", "▀"}, {"▄", " "}}
	}
	qz := c.QuietZone
	n := c.Size + 2*qz
	var b strings.Builder
	b.Grow((n + 1) / 2 * (n*3 + len(ansiBlackOnWhite) + len(ansiReset) + 1))
	for y := 0; y < n; y += 2 {
		if !cfg.plainText {
			b.WriteString(ansiBlackOnWhite)
		}
		for x := 0; x < n; x++ {
			top := c.Module(x-qz, y-qz)
			bot := y+1 < n && c.Module(x-qz, y+1-qz)
			b.WriteString(cells[b2i(top)][b2i(bot)])
		}
		if !cfg.plainText {
			b.WriteString(ansiReset)
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}
