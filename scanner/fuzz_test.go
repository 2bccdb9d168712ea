package scanner

import (
	"strings"
	"testing"
)

// FuzzNormalize checks that normalisation never panics, only removes
// characters (upper-casing aside), never touches spaces, and strips the
// framing DESIGN.md names.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"HC1:NCF OXN%TS3DH", "\r\n]Q1hc1:abc\r\n", "NZCP:/1/2kcev", "shc:/5676", "{\"data\":1}", "\x00\t]d2 X ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if len(n) > len(s) {
			t.Fatalf("Normalize(%q) = %q grew", s, n)
		}
		// Framing goes from the end; from the start it goes before the AIM
		// identifier only, in the order DESIGN.md gives.
		if n != "" && strings.ContainsRune("\r\n\t\x00", rune(n[len(n)-1])) {
			t.Fatalf("Normalize(%q) = %q keeps trailing framing", s, n)
		}
		if t0 := strings.TrimLeft(s, "\r\n\t\x00"); !strings.HasPrefix(t0, "]") && n != "" && strings.ContainsRune("\r\n\t\x00", rune(n[0])) {
			t.Fatalf("Normalize(%q) = %q keeps leading framing", s, n)
		}
		if strings.Count(n, " ") != strings.Count(s, " ") && !strings.HasPrefix(strings.TrimLeft(s, "\r\n\t\x00"), "]") {
			t.Fatalf("Normalize(%q) = %q changed the spaces", s, n)
		}
	})
}
