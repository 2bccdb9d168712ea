package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const qrTestText = "HC1:NCF OXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZ/T"

// TestQRFormats writes each output format and reads the files back.
func TestQRFormats(t *testing.T) {
	dir := t.TempDir()
	pngFile, svgFile := filepath.Join(dir, "a.png"), filepath.Join(dir, "a.svg")
	if code, _, errs := runCLI(t, qrTestText, "qr", "encode", "--out", pngFile, "--size", "300"); code != 0 {
		t.Fatalf("encode png: %d %s", code, errs)
	}
	// The .svg extension selects SVG without --format.
	if code, _, errs := runCLI(t, "", "qr", "encode", qrTestText, "--out", svgFile); code != 0 {
		t.Fatalf("encode svg: %d %s", code, errs)
	}
	if b, _ := os.ReadFile(svgFile); !strings.Contains(string(b), "<svg") {
		t.Fatalf("%s is not SVG", svgFile)
	}
	code, out, errs := runCLI(t, "", "qr", "decode", pngFile, svgFile)
	if code != 0 || out != pngFile+": "+qrTestText+"\n"+svgFile+": "+qrTestText+"\n" {
		t.Fatalf("decode: %d %q %s", code, out, errs)
	}

	// Terminal output goes to standard output; --out is not needed.
	code, out, errs = runCLI(t, qrTestText, "qr", "encode", "--format", "terminal")
	if code != 0 || !strings.Contains(out, "█") || !strings.Contains(out, "\x1b[30;107m") {
		t.Fatalf("terminal: %d %q %s", code, out, errs)
	}
	code, plain, _ := runCLI(t, qrTestText, "qr", "encode", "--format", "terminal", "--no-color")
	if code != 0 || strings.Contains(plain, "\x1b") || !strings.Contains(plain, "▀") {
		t.Fatalf("terminal --no-color: %d %q", code, plain)
	}
	// SVG to standard output.
	if code, out, _ := runCLI(t, qrTestText, "qr", "encode", "--format", "svg", "--out", "-"); code != 0 || !strings.HasPrefix(out, "<?xml") {
		t.Errorf("svg to stdout: %d %.40q", code, out)
	}

	for _, args := range [][]string{
		{"qr", "encode", "--format", "gif", "--out", filepath.Join(dir, "x.gif")},
		{"qr", "encode", "--format", "png"},
		{"qr", "encode", "--level", "X", "--out", pngFile},
		{"qr", "encode", "--size", "10", "--out", pngFile},
	} {
		if code, _, errs := runCLI(t, qrTestText, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
	if code, _, _ := runCLI(t, strings.Repeat("A", 3000), "qr", "encode", "--format", "terminal"); code != 1 {
		t.Errorf("text too long for Q: exit %d, want 1", code)
	}
}

// TestQRDecodeJSON checks the --json report and the exit codes.
func TestQRDecodeJSON(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	url := filepath.Join(dir, "url.png")
	bad := filepath.Join(dir, "bad.png")
	missing := filepath.Join(dir, "missing.png")
	if code, _, errs := runCLI(t, qrTestText, "qr", "encode", "--out", good); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, "https://example.org/", "qr", "encode", "--out", url); code != 0 {
		t.Fatal(errs)
	}
	os.WriteFile(bad, []byte("not an image"), 0o644)

	code, out, errs := runCLI(t, "", "qr", "decode", "--json", good, url, bad)
	if code != 1 {
		t.Errorf("exit %d, want 1 (%s)", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines of JSON, want 3:\n%s", len(lines), out)
	}
	var reps []qrDecodeReport
	for _, l := range lines {
		var r qrDecodeReport
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		reps = append(reps, r)
	}
	if r := reps[0]; r.File != good || r.Text != qrTestText || r.Symbology != "qr" || r.Pass != "default" ||
		r.Scale != 1 || !r.Credential || r.Error != "" {
		t.Errorf("good: %+v", r)
	}
	if r := reps[1]; r.Text != "https://example.org/" || r.Credential || !strings.Contains(r.Error, "not hold a travel credential") {
		t.Errorf("url: %+v", r)
	}
	if r := reps[2]; r.Text != "" || r.Pass != "" || !strings.Contains(r.Error, "invalid image") {
		t.Errorf("bad: %+v", r)
	}
	for _, key := range []string{`"file"`, `"text"`, `"symbology"`, `"pass"`, `"error"`} {
		if !strings.Contains(lines[2], key) {
			t.Errorf("JSON lacks %s: %s", key, lines[2])
		}
	}

	// A code that is not a credential still counts as read: exit 0 with a
	// warning.
	code, out, errs = runCLI(t, "", "qr", "decode", url)
	if code != 0 || out != "https://example.org/\n" || !strings.Contains(errs, "warning") {
		t.Errorf("url: exit %d, %q, %q", code, out, errs)
	}
	// A file that cannot be read is an I/O error: exit 2, after the others.
	code, out, errs = runCLI(t, "", "qr", "decode", "--json", good, missing)
	if code != 2 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "no such file") {
		t.Errorf("missing file: exit %d, %q, %q", code, out, errs)
	}
	// Standard input.
	data, _ := os.ReadFile(good)
	if code, out, _ := runCLI(t, string(data), "qr", "decode", "-"); code != 0 || out != qrTestText+"\n" {
		t.Errorf("stdin: exit %d, %q", code, out)
	}
}
