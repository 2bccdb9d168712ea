package scanner_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/scanner/scantest"
	"github.com/b5m5/travelcred/verifier"
)

func fixture(t testing.TB) *scantest.Fixture {
	t.Helper()
	f, err := scantest.Get()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newVerifier verifies against the fixture's colliding source, so that
// the kid-collision credential is checked with impostor keys first.
func newVerifier(t testing.TB) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(fixture(t).Colliding, verifier.WithClock(func() time.Time { return scantest.At }))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func TestLayouts(t *testing.T) {
	prefix := map[string]string{
		"us-scanner-de-host": "HC1Ö",
		"de-scanner-us-host": "HC1>",
		"us-scanner-fr-host": "HC&M",
		"us-scanner-it-host": "HC1ç",
		"us-scanner-se-host": "HC1Ö",
		"shift-lost":         "hc1;",
		"yz-swap":            "HC1:",
	}
	ls := scanner.Layouts()
	if len(ls) != len(prefix) {
		t.Fatalf("%d layouts, want %d", len(ls), len(prefix))
	}
	for _, l := range ls {
		t.Run(l.Name, func(t *testing.T) {
			if got := l.Apply("HC1:"); got != prefix[l.Name] {
				t.Errorf("Apply(HC1:) = %q, want %q", got, prefix[l.Name])
			}
			if l.Apply(base45) == base45 {
				t.Error("Apply changes no Base45 character")
			}
			if want := l.Name != "shift-lost"; l.Reversible() != want {
				t.Errorf("Reversible() = %v, want %v", l.Reversible(), want)
			}
			if l.Reversible() {
				if got := l.Undo(l.Apply(base45)); got != base45 {
					t.Errorf("Undo(Apply(alphabet)) = %q", got)
				}
			}
			if got, ok := scanner.LayoutByName(l.Name); !ok || got.Name != l.Name {
				t.Error("LayoutByName does not find it")
			}
		})
	}
	// Shift lost: only the unambiguous characters come back.
	sl, _ := scanner.LayoutByName("shift-lost")
	if got := sl.Undo(sl.Apply("HC1:A$%*+4")); got != "HC1:A458+4" {
		t.Errorf("shift-lost Undo = %q", got)
	}
	// Layouts returns a copy.
	ls[0].Name = "changed"
	if scanner.Layouts()[0].Name == "changed" {
		t.Error("Layouts exposes the package's table")
	}
}

func malformed(detail string) error {
	return &verifier.Error{Reason: credential.ReasonBadBase45, Detail: detail}
}

func TestDiagnoseRefusesNonMalformed(t *testing.T) {
	c := fixture(t).Credentials[0]
	damaged := mustLayout(t, "us-scanner-de-host").Apply(c.Text)
	for _, err := range []error{
		nil,
		&verifier.Error{Reason: credential.ReasonBadSignature},
		&verifier.Error{Reason: credential.ReasonUnknownKey},
		&verifier.Error{Reason: credential.ReasonExpired},
		errors.New("not a verifier error"),
	} {
		if d := scanner.Diagnose(damaged, err); d != nil {
			t.Errorf("Diagnose(…, %v) = %v, want nil", err, d)
		}
	}
}

func mustLayout(t testing.TB, name string) scanner.Layout {
	t.Helper()
	l, ok := scanner.LayoutByName(name)
	if !ok {
		t.Fatalf("no layout %s", name)
	}
	return l
}

func TestDiagnosePatterns(t *testing.T) {
	f := fixture(t)
	es := f.Credentials[0].Text
	body := es[len("HC1:"):]
	if !strings.ContainsAny(body, "$%*") {
		t.Fatal("the ES256 credential has none of $%* (the shift-lost case needs one)")
	}
	tests := []struct {
		name    string
		text    string
		pattern scanner.Pattern // "" for nil
		offset  int
		layout  string // first suspected layout
		repair  bool   // a repair restores es
		hint    string // substring of the hint
	}{
		{"semicolon for colon", "HC1;" + body, scanner.PatternKeyboardLayout, 3, "shift-lost", true, "';' arrived for ':' at offset 3"},
		{"German host", mustLayout(t, "us-scanner-de-host").Apply(es), scanner.PatternKeyboardLayout, 3, "us-scanner-de-host", true, "German (QWERTZ) host"},
		{"German scanner", mustLayout(t, "de-scanner-us-host").Apply(es), scanner.PatternKeyboardLayout, 3, "de-scanner-us-host", true, "German (QWERTZ) layout into a US host"},
		{"French host", mustLayout(t, "us-scanner-fr-host").Apply(es), scanner.PatternKeyboardLayout, 2, "us-scanner-fr-host", true, "AZERTY"},
		{"Y and Z only", mustLayout(t, "yz-swap").Apply(es), scanner.PatternKeyboardLayout, -2, "yz-swap", true, "Y and Z swapped"},
		{"Shift lost, not repairable", mustLayout(t, "shift-lost").Apply(es), scanner.PatternKeyboardLayout, 0, "shift-lost", false, `"HC1:" arrived as "hc1;"`},
		{"line break inside", es[:40] + "\r\n" + es[40:], scanner.PatternControlCharacter, 40, "", false, "a line break at offset 40"},
		{"TAB inside", es[:40] + "\t" + es[40:], scanner.PatternControlCharacter, 40, "", false, "a TAB"},
		{"STX prefix", "\x02" + es, scanner.PatternControlCharacter, 0, "", false, "0x02"},
		{"AIM inside", es[:10] + "]Q1" + es[10:], scanner.PatternAIMIdentifier, 10, "", false, "AIM"},
		{"AIM at the end", es + "]Q1", scanner.PatternAIMIdentifier, len(es), "", false, "AIM"},
		{"Swedish currency sign", es[:20] + "¤" + es[21:], scanner.PatternKeyboardLayout, 20, "us-scanner-se-host", false, `'$' becomes`},
		{"accent", es[:20] + "é" + es[21:], scanner.PatternKeyboardLayout, 20, "us-scanner-fr-host", false, `'2' becomes`},
		{"unknown non-ASCII", es[:20] + "☃" + es[21:], scanner.PatternKeyboardLayout, 20, "", false, "cannot be in a QR code"},
		{"unknown ASCII", es[:20] + "#" + es[21:], "", 0, "", false, ""},
		{"dropped character", es[:20] + es[21:], "", 0, "", false, ""},
		{"not a credential", "hello", "", 0, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := scanner.Diagnose(tt.text, malformed("test"))
			if tt.pattern == "" {
				if d != nil {
					t.Fatalf("Diagnose = %+v, want nil", d)
				}
				return
			}
			if d == nil {
				t.Fatal("Diagnose = nil")
			}
			if d.Pattern != tt.pattern {
				t.Errorf("pattern %s, want %s", d.Pattern, tt.pattern)
			}
			if tt.offset != -2 && d.Offset != tt.offset {
				t.Errorf("offset %d, want %d", d.Offset, tt.offset)
			}
			if tt.layout != "" && (len(d.Layouts) == 0 || d.Layouts[0] != tt.layout) {
				t.Errorf("layouts %v, want %s first", d.Layouts, tt.layout)
			}
			restored := slices.ContainsFunc(d.Repairs, func(r scanner.Repair) bool { return r.Text == es })
			if restored != tt.repair {
				t.Errorf("a repair restores the credential: %v, want %v (%d repairs)", restored, tt.repair, len(d.Repairs))
			}
			if !strings.Contains(d.Hint, tt.hint) {
				t.Errorf("hint %q does not contain %q", d.Hint, tt.hint)
			}
			if !errors.Is(d, verifier.ErrMalformed) {
				t.Error("the DamageError lost the class of the error it wraps")
			}
			var ve *verifier.Error
			if !errors.As(d, &ve) || ve.Reason != credential.ReasonBadBase45 {
				t.Error("the DamageError lost the reason of the error it wraps")
			}
			if !strings.Contains(d.Error(), "hint: ") {
				t.Errorf("Error() = %q has no hint", d.Error())
			}
		})
	}
}

// Check verifies the normalised text, diagnoses malformed input, and uses
// repairs only when asked, reporting them.
func TestCheck(t *testing.T) {
	f := fixture(t)
	v := newVerifier(t)
	c := f.Credentials[1]
	var seen []string
	verify := func(s string) (*verifier.Result, error) {
		seen = append(seen, s)
		return v.Verify(s)
	}

	res, rep, err := scanner.Check("]Q1"+strings.ToLower(c.Text)+"\r\n", verify, scanner.Options{})
	if err != nil || res == nil || rep.Repair != nil || rep.Text != c.Text {
		t.Fatalf("framed text: %v, %v, %+v", res, err, rep)
	}

	damaged := mustLayout(t, "us-scanner-de-host").Apply(c.Text)
	seen = nil
	res, rep, err = scanner.Check(damaged, verify, scanner.Options{})
	var d *scanner.DamageError
	if res != nil || !errors.As(err, &d) || !errors.Is(err, verifier.ErrMalformed) {
		t.Fatalf("damaged text without repair: %v, %v", res, err)
	}
	if len(seen) != 1 || rep.Repair != nil {
		t.Errorf("without Repair, verify saw %d texts, repair %v", len(seen), rep.Repair)
	}

	seen = nil
	res, rep, err = scanner.Check(damaged, verify, scanner.Options{Repair: true})
	if err != nil || res == nil {
		t.Fatalf("damaged text with repair: %v", err)
	}
	if rep.Repair == nil || rep.Repair.Layout != "us-scanner-de-host" || rep.Repair.Text != c.Text {
		t.Errorf("repair %+v", rep.Repair)
	}
	if len(seen) != 2 || seen[0] != damaged || seen[1] != c.Text {
		t.Errorf("verify saw %q", seen)
	}

	// A failure that is not malformed input is never diagnosed or repaired.
	seen = nil
	badSig := func(s string) (*verifier.Result, error) {
		seen = append(seen, s)
		return nil, &verifier.Error{Reason: credential.ReasonBadSignature}
	}
	_, _, err = scanner.Check(damaged, badSig, scanner.Options{Repair: true})
	if errors.As(err, &d) || len(seen) != 1 {
		t.Errorf("bad signature: %v after %d calls", err, len(seen))
	}
	// Nor is damage without a pattern.
	_, _, err = scanner.Check(c.Text[:100]+c.Text[101:], verify, scanner.Options{Repair: true})
	if err == nil || errors.As(err, &d) || !errors.Is(err, verifier.ErrMalformed) {
		t.Errorf("dropped character: %v", err)
	}
}
