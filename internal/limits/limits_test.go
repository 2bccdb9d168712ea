package limits_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/scanner"
)

// TestValues: each limit has the value DESIGN.md ("Limits on hostile
// input") gives it.
func TestValues(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"QRText (QR text ≤ 8 KiB)", limits.QRText, 8 * 1024},
		{"Inflated (inflated payload ≤ 64 KiB)", limits.Inflated, 64 * 1024},
		{"CBORNesting (CBOR nesting ≤ 16)", limits.CBORNesting, 16},
		{"HTTPBody (HTTP text and JSON bodies ≤ 16 KiB)", limits.HTTPBody, 16 * 1024},
		{"ImageBytes (images ≤ 8 MiB)", limits.ImageBytes, 8 * 1024 * 1024},
		{"ImagePixels (images ≤ 40 megapixels)", limits.ImagePixels, 40_000_000},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestOnePlace: the packages' exported limits are these constants, not
// copies that could drift.
func TestOnePlace(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"hcert.MaxTextLen", hcert.MaxTextLen, limits.QRText},
		{"hcert.MaxInflated", hcert.MaxInflated, limits.Inflated},
		{"hcert.MaxNesting", hcert.MaxNesting, limits.CBORNesting},
		{"nzcp.MaxTextLen", nzcp.MaxTextLen, limits.QRText},
		{"nzcp.MaxNesting", nzcp.MaxNesting, limits.CBORNesting},
		{"shc.MaxTextLen", shc.MaxTextLen, limits.QRText},
		{"shc.MaxInflated", shc.MaxInflated, limits.Inflated},
		{"vdsnc.MaxTextLen", vdsnc.MaxTextLen, limits.QRText},
		{"qr.MaxPixels", qr.MaxPixels, limits.ImagePixels},
		{"scanner.DefaultMaxLine", scanner.DefaultMaxLine, limits.QRText},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want the shared limit %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestLower: a limit can be lowered but never raised, and a value that is
// not positive keeps the default.
func TestLower(t *testing.T) {
	const def = limits.QRText
	for _, tt := range []struct {
		want, got int
	}{
		{0, def},
		{-1, def},
		{-def, def},
		{1, 1},
		{def - 1, def - 1},
		{def, def},
		{def + 1, def},
		{2 * def, def},
		{int(^uint(0) >> 1), def},
	} {
		if got := limits.Lower(def, tt.want); got != tt.got {
			t.Errorf("Lower(%d, %d) = %d, want %d", def, tt.want, got, tt.got)
		}
	}
	// Every limit, lowered by one and raised by one.
	for _, l := range []int{limits.QRText, limits.Inflated, limits.CBORNesting, limits.HTTPBody, limits.ImageBytes, limits.ImagePixels} {
		if got := limits.Lower(l, l-1); got != l-1 {
			t.Errorf("Lower(%d, %d) = %d: not lowered", l, l-1, got)
		}
		if got := limits.Lower(l, l+1); got != l {
			t.Errorf("Lower(%d, %d) = %d: raised", l, l+1, got)
		}
	}
}

// TestDesign: the limits paragraph of DESIGN.md (../shared, when present)
// still states these values, so a change to one is made in both places.
func TestDesign(t *testing.T) {
	data, err := os.ReadFile("../../../shared/DESIGN.md")
	if err != nil {
		t.Skipf("DESIGN.md not found: %v", err)
	}
	_, section, ok := strings.Cut(string(data), "## Limits on hostile input")
	if !ok {
		t.Fatal(`DESIGN.md has no "Limits on hostile input" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	section = strings.Join(strings.Fields(section), " ")
	for _, want := range []string{
		`QR text ≤ 8 KiB`, `inflated payload ≤ 64 KiB`, `CBOR nesting ≤ 16`, `no indefinite lengths`,
		`duplicate map keys rejected`, `HTTP text and JSON bodies ≤ 16 KiB`, `images ≤ 8 MiB`, `images ≤ 40 megapixels`,
	} {
		if !strings.Contains(section, want) {
			t.Errorf("DESIGN.md's limits no longer say %q:\n%s", want, section)
		}
	}
	if n := len(regexp.MustCompile(`≤`).FindAllString(section, -1)); n != 6 {
		t.Errorf("DESIGN.md states %d limits, this test knows 6", n)
	}
}
