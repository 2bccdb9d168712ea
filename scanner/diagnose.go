package scanner

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
)

// Pattern names a kind of scanner damage that Diagnose recognises.
type Pattern string

// The damage patterns.
const (
	// PatternKeyboardLayout: characters replaced because the scanner's
	// keyboard layout differs from the host's.
	PatternKeyboardLayout Pattern = "keyboard_layout"
	// PatternControlCharacter: a control character (a line break, a TAB,
	// a NUL, STX…) inside the text, where Normalize does not remove it.
	PatternControlCharacter Pattern = "control_character"
	// PatternAIMIdentifier: an AIM symbology identifier ("]Q1") that is not
	// at the start of the text.
	PatternAIMIdentifier Pattern = "aim_identifier"
)

// Repair is a candidate text for damaged input.
type Repair struct {
	// Layout is the name of the layout mismatch that was undone.
	Layout string
	// Text is the repaired, normalised text.
	Text string
}

// DamageError explains a verification failure as scanner damage. It wraps
// the verification error, so errors.Is and errors.As still find that
// error's class and reason.
type DamageError struct {
	// Pattern is the kind of damage recognised.
	Pattern Pattern
	// Layouts names the suspected layout mismatches, most likely first,
	// when Pattern is PatternKeyboardLayout.
	Layouts []string
	// Offset is the byte offset, in the normalised text, of the first
	// damaged character, or -1 when unknown.
	Offset int
	// Hint is advice for the operator.
	Hint string
	// Repairs are candidate texts, one per layout mismatch whose undoing
	// makes the text decode (its Base45, zlib checksum and COSE structure
	// are then intact). A repair is only a guess until it verifies.
	Repairs []Repair
	// Err is the verification error of the text as scanned.
	Err error
}

// Error returns the verification error's message with the hint.
func (e *DamageError) Error() string {
	return e.Err.Error() + " [hint: " + e.Hint + "]"
}

// Unwrap returns the verification error.
func (e *DamageError) Unwrap() error { return e.Err }

// Diagnose explains why text was refused with verr, when the refusal is
// malformed input (errors.Is(verr, credential.ErrMalformed)) and the text
// shows a known pattern of scanner damage: a keyboard-layout mismatch, a
// control character inside the text, or a misplaced AIM identifier. It
// returns nil when verr is nil, is not of the malformed class, or no known
// pattern matches: a bad signature, an unknown key or an expired credential
// is never explained as damage, and neither is damage with no recognisable
// signature, such as a dropped character.
//
// Diagnose looks at Normalize(text). For each layout mismatch whose undoing
// turns the text into one that decodes as HCERT, it offers a Repair; the
// zlib checksum makes a wrong guess decode only by accident, and a repair
// counts only if it then verifies (see Check).
func Diagnose(text string, verr error) *DamageError {
	if verr == nil || !errors.Is(verr, credential.ErrMalformed) {
		return nil
	}
	t := Normalize(text)
	d := &DamageError{Offset: -1, Err: verr}

	// A control character inside the text: no layout mismatch makes one,
	// and no repair removes it.
	if i := strings.IndexFunc(t, func(r rune) bool { return r < ' ' || r == 0x7f }); i >= 0 {
		d.Pattern, d.Offset = PatternControlCharacter, i
		what := "a line break"
		switch t[i] {
		case '\t':
			what = "a TAB"
		case 0:
			what = "a NUL"
		case '\r', '\n':
		default:
			what = fmt.Sprintf("the control character 0x%02X", t[i])
		}
		d.Hint = fmt.Sprintf("%s at offset %d inside the text: set the scanner to send no prefix and one terminator (CR or LF) after the code", what, i)
		return d
	}

	// Layout mismatches that, undone, give text that decodes.
	for _, l := range layouts {
		c := Normalize(l.Undo(t))
		if c == t || !decodes(c) || hasRepair(d.Repairs, c) {
			continue
		}
		d.Repairs = append(d.Repairs, Repair{Layout: l.Name, Text: c})
		d.Layouts = append(d.Layouts, l.Name)
	}
	if len(d.Repairs) > 0 {
		d.Pattern = PatternKeyboardLayout
		d.Offset = firstDifference(t, d.Repairs[0].Text)
		l, _ := LayoutByName(d.Repairs[0].Layout)
		d.Hint = fmt.Sprintf("%s, as with %s: set the scanner and the host to the same keyboard layout",
			describeChange(t, d.Repairs[0].Text, d.Offset), l.Description)
		return d
	}

	// A known prefix that arrives changed by a layout mismatch.
	for _, l := range layouts {
		if knownPrefix(t) == "" && knownPrefix(Normalize(l.Undo(t))) != "" {
			d.Layouts = append(d.Layouts, l.Name)
		}
	}
	if len(d.Layouts) > 0 {
		p := knownPrefix(Normalize(mustLayout(d.Layouts[0]).Undo(t)))
		d.Pattern = PatternKeyboardLayout
		d.Offset = firstDifference(t, p)
		d.Hint = fmt.Sprintf("the prefix %q arrived as %q, as it does for %s: set the scanner and the host to the same keyboard layout",
			p, prefixOf(t, p), describeLayouts(d.Layouts))
		return d
	}

	// A character that a layout mismatch produces, in Base45 text.
	if knownPrefix(t) == prefixHCERT {
		for i, r := range t {
			if strings.ContainsRune(base45Alphabet, r) {
				continue
			}
			if r == ']' && i+3 <= len(t) && isGraphic(t[i+1]) && isGraphic(t[i+2]) {
				d.Pattern, d.Offset = PatternAIMIdentifier, i
				d.Hint = fmt.Sprintf("an AIM symbology identifier %q at offset %d inside the text: the scanner's prefix settings or a second scan ran into this one", t[i:i+3], i)
				return d
			}
			var names, meant []string
			for _, l := range layouts {
				if from, ok := l.t.tells[r]; ok {
					names = append(names, l.Name)
					for _, f := range from {
						if q := strconv.QuoteRune(f); !slices.Contains(meant, q) {
							meant = append(meant, q)
						}
					}
				}
			}
			if len(names) == 0 && r < 0x80 {
				return nil // not a pattern we know
			}
			d.Pattern, d.Offset, d.Layouts = PatternKeyboardLayout, i, names
			if len(names) == 0 {
				d.Hint = fmt.Sprintf("the character %q at offset %d cannot be in a QR code's text: the scanner's keyboard layout probably differs from the host's", r, i)
			} else {
				d.Hint = fmt.Sprintf("%q at offset %d cannot be in a QR code's text; it is what %s becomes for %s: set the scanner and the host to the same keyboard layout",
					r, i, strings.Join(meant, " or "), describeLayouts(names))
			}
			return d
		}
	}
	return nil
}

// Options tune Check.
type Options struct {
	// Repair lets Check verify the repair candidates of recognised
	// keyboard-layout damage when the text as scanned is malformed. A
	// repair counts only if verify accepts it; it is reported in the
	// Report, never applied silently.
	Repair bool
}

// Report says what Check did besides verifying.
type Report struct {
	// Text is the normalised text.
	Text string
	// Repair is the repair that verified, when the text as scanned did
	// not.
	Repair *Repair
}

// Check runs scanner text through the whole sequence: Normalize, verify,
// and, when verify refuses the text as malformed, Diagnose. It returns
// verify's result, or an error: a *DamageError wrapping verify's error
// when a damage pattern was recognised, otherwise verify's error itself.
//
// With opts.Repair, the repair candidates of recognised damage are
// verified in turn and the first one that verify accepts gives the
// result, recorded in Report.Repair. verify is typically
// (*verifier.Verifier).Verify, whose acceptance means a trusted key signed
// exactly the repaired text, so a repair can never produce a credential
// that was not issued. Only the text as scanned and the repair candidates
// are ever passed to verify.
func Check[R any](text string, verify func(text string) (R, error), opts Options) (R, Report, error) {
	var zero R
	rep := Report{Text: Normalize(text)}
	res, err := verify(rep.Text)
	if err == nil {
		return res, rep, nil
	}
	// A verifier that diagnoses damage itself (package verifier does)
	// returns the DamageError inside its error: use it as it is.
	var d *DamageError
	if !errors.As(err, &d) {
		d = Diagnose(text, err)
	}
	if d == nil {
		return zero, rep, err
	}
	if opts.Repair {
		for i := range d.Repairs {
			if res, rerr := verify(d.Repairs[i].Text); rerr == nil {
				r := d.Repairs[i]
				rep.Repair = &r
				return res, rep, nil
			}
		}
	}
	return zero, rep, d
}

// decodes reports whether text passes HCERT's transport stages: prefix,
// Base45, zlib with its checksum, and the COSE_Sign1 structure.
func decodes(text string) bool {
	_, err := hcert.Decode(text)
	return err == nil
}

func hasRepair(rs []Repair, text string) bool {
	for _, r := range rs {
		if r.Text == text {
			return true
		}
	}
	return false
}

// knownPrefix returns the credential prefix that s starts with, if any.
func knownPrefix(s string) string {
	for _, p := range []string{prefixHCERT, prefixNZCP, "shc:/"} {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}

// prefixOf returns the start of s that corresponds to prefix p: as many
// runes as p has.
func prefixOf(s, p string) string {
	n := 0
	for i := range s {
		if n == len([]rune(p)) {
			return s[:i]
		}
		n++
	}
	return s
}

func mustLayout(name string) Layout {
	l, _ := LayoutByName(name)
	return l
}

func describeLayouts(names []string) string {
	var ds []string
	for _, n := range names {
		ds = append(ds, mustLayout(n).Description)
	}
	return strings.Join(ds, ", or ")
}

// firstDifference returns the byte offset of the first difference between
// a and b, or -1 when one is a prefix of the other.
func firstDifference(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// describeChange says which character at offset i of the damaged text the
// repair changed, as `'Ö' arrived for ':' at offset 3`.
func describeChange(damaged, repaired string, i int) string {
	if i < 0 {
		return "characters were replaced"
	}
	return fmt.Sprintf("%q arrived for %q at offset %d", firstRune(damaged, i), firstRune(repaired, i), i)
}
