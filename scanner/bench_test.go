package scanner_test

import (
	"strings"
	"testing"

	"github.com/b5m5/travelcred/scanner"
)

// BenchmarkCheck is the cost of one scanned line in travelscan: Normalize
// and a full verification, per algorithm. scripts/embedded-check runs it
// natively and under qemu-user to compare the targets.
func BenchmarkCheck(b *testing.B) {
	f := fixture(b)
	v := newVerifier(b)
	for _, name := range []string{"ES256", "PS256-2048", "PS256-3072"} {
		c, ok := f.Credential(name)
		if !ok {
			b.Fatalf("no %s credential", name)
		}
		line := "]Q1" + c.Text + "\r\n"
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := scanner.Check(line, v.Verify, scanner.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDamaged is the cost of a line with keyboard-layout damage:
// the failed verification and the diagnosis.
func BenchmarkDamaged(b *testing.B) {
	f := fixture(b)
	v := newVerifier(b)
	l, _ := scanner.LayoutByName("us-scanner-de-host")
	line := l.Apply(f.Credentials[0].Text)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := scanner.Check(line, v.Verify, scanner.Options{}); err == nil {
			b.Fatal("damaged line verified")
		}
	}
}

// BenchmarkNormalize is scanner-text normalisation alone, on what a
// handheld sends: an AIM symbology prefix, the code, CR LF; and on a line
// typed through a keyboard layout that lower-cased it.
func BenchmarkNormalize(b *testing.B) {
	f := fixture(b)
	text := f.Credentials[0].Text
	for _, bc := range []struct{ name, line string }{
		{"aim-crlf", "]Q1" + text + "\r\n"},
		{"lower-case", strings.ToLower(text) + "\n"},
		{"clean", text},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.line)))
			b.ReportAllocs()
			for b.Loop() {
				if scanner.Normalize(bc.line) == "" {
					b.Fatal("empty")
				}
			}
		})
	}
}
