package scanner

import (
	"strings"
	"testing"
)

// Each rule of Normalize has cases that fail when the rule is removed or
// weakened; the comment on each case names the rule it pins.
func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Nothing to do.
		{"clean HCERT", "HC1:NCF 6*", "HC1:NCF 6*"},
		{"empty", "", ""},

		// Rule 1: leading CR, LF, TAB, NUL dropped, all of them.
		{"leading CR", "\rHC1:ABC", "HC1:ABC"},
		{"leading LF", "\nHC1:ABC", "HC1:ABC"},
		{"leading TAB", "\tHC1:ABC", "HC1:ABC"},
		{"leading NUL", "\x00HC1:ABC", "HC1:ABC"},
		{"leading mix", "\r\n\x00\t\r\nHC1:ABC", "HC1:ABC"},
		{"leading space kept", " HC1:ABC", " HC1:ABC"},
		{"leading STX kept", "\x02HC1:ABC", "\x02HC1:ABC"},

		// Rule 2: one AIM identifier dropped, after the leading framing.
		{"AIM ]Q1", "]Q1HC1:ABC", "HC1:ABC"},
		{"AIM ]Q0 after CR", "\r]Q0HC1:ABC", "HC1:ABC"},
		{"AIM on shc", "]Q1shc:/5676", "shc:/5676"},
		{"AIM on JSON", "]Q3{\"data\":1}", "{\"data\":1}"},
		{"only one AIM", "]Q1]Q2HC1:ABC", "]Q2HC1:ABC"},
		{"AIM not at start kept", "HC1:]Q1ABC", "HC1:]Q1ABC"},
		{"too short for AIM", "]Q", "]Q"},
		{"AIM needs printable", "]Q\tHC1:A", "]Q\tHC1:A"},

		// Rule 3: ASCII lower case folded in Base45 and Base32 text,
		// prefix included.
		{"lower HCERT", "hc1:ncf 6*", "HC1:NCF 6*"},
		{"mixed prefix", "Hc1:AbC", "HC1:ABC"},
		{"lower payload only", "HC1:abc", "HC1:ABC"},
		{"later HCERT version", "hc2:abc", "HC2:ABC"},
		{"lower NZCP", "nzcp:/1/2kcerrsf", "NZCP:/1/2KCERRSF"},
		{"mixed NZCP", "NzCp:/1/abc", "NZCP:/1/ABC"},
		{"AIM then lower", "]Q1hc1:abc", "HC1:ABC"},
		{"non-ASCII kept", "hc1:ä", "HC1:ä"},
		{"shc untouched", "shc:/567629095243206034602924374044603122295953265460346029254077280433602870286471674522280928613331456437653141590640220306450459085643550341424541364037063665417137241236380304375622046737407532323925433443326057360106452931531270742428395038692212766728666731266342087422573776302062041251437", "shc:/567629095243206034602924374044603122295953265460346029254077280433602870286471674522280928613331456437653141590640220306450459085643550341424541364037063665417137241236380304375622046737407532323925433443326057360106452931531270742428395038692212766728666731266342087422573776302062041251437"},
		{"shc lower kept", "shc:/abc", "shc:/abc"},
		{"JSON case kept", "{\"data\":\"abc\"}", "{\"data\":\"abc\"}"},
		{"unknown prefix case kept", "hello", "hello"},
		{"damaged prefix not folded", "hc1;abc", "hc1;abc"},

		// Rule 4: trailing CR, LF, TAB, NUL dropped, all of them.
		{"trailing CR", "HC1:ABC\r", "HC1:ABC"},
		{"trailing LF", "HC1:ABC\n", "HC1:ABC"},
		{"trailing CRLF", "HC1:ABC\r\n", "HC1:ABC"},
		{"trailing TAB", "HC1:ABC\t", "HC1:ABC"},
		{"trailing NUL", "HC1:ABC\x00", "HC1:ABC"},
		{"trailing on shc", "shc:/56\r\n", "shc:/56"},

		// Spaces are data: never trimmed, at either end or inside.
		{"trailing space kept", "HC1:AB \r\n", "HC1:AB "},
		{"space before CR kept", "HC1:AB  \t\r", "HC1:AB  "},
		{"space after prefix kept", "\rHC1: AB", "HC1: AB"},
		{"inner CR kept", "HC1:A\rB", "HC1:A\rB"},

		// All rules together, as a wedge scanner sends them.
		{"everything", "\x00]Q1hc1:ncf 6*b\t\r\n", "HC1:NCF 6*B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got && !strings.HasPrefix(got, "]") {
				t.Errorf("not idempotent: Normalize(%q) = %q", got, again)
			}
		})
	}
}

func TestNormalizeDoesNotCopyCleanText(t *testing.T) {
	in := "HC1:" + strings.Repeat("NCF", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Normalize(in) }); n != 0 {
		t.Errorf("Normalize of clean text allocates %v times", n)
	}
}
