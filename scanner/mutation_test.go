package scanner_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/verifier"
)

// mutation is one damaged form of a credential text.
type mutation struct {
	kind string
	text string
	// restorable: Normalize must give back the original text.
	restorable bool
}

// mutations returns the scanner damage of the "Mutation test"
// applied to text: at every position (every step-th with step > 1), one
// character dropped, doubled or swapped with its neighbour; CR, LF, TAB,
// NUL and an AIM identifier inserted; each space removed, and all of them;
// the whole text lower-cased; the framing of a real wedge scanner; and
// each keyboard-layout mismatch. Only the leading and trailing framing,
// the AIM identifier at the start and lower case are restorable.
func mutations(text string, step int) []mutation {
	var ms []mutation
	add := func(kind, s string, restorable bool) { ms = append(ms, mutation{kind, s, restorable}) }
	for i := 0; i < len(text); i += step {
		add("drop", text[:i]+text[i+1:], false)
		add("double", text[:i+1]+text[i:], false)
		if i+1 < len(text) && text[i] != text[i+1] {
			add("swap", text[:i]+text[i+1:i+2]+text[i:i+1]+text[i+2:], false)
		}
	}
	for _, ins := range []string{"\r", "\n", "\t", "\x00", "]Q1"} {
		kind := fmt.Sprintf("insert %q", ins)
		for i := 0; i <= len(text); i++ {
			if i%step != 0 && i != len(text) {
				continue
			}
			restorable := i == 0 || (i == len(text) && ins != "]Q1")
			add(kind, text[:i]+ins+text[i:], restorable)
		}
	}
	for i := range len(text) {
		if text[i] == ' ' {
			add("remove a space", text[:i]+text[i+1:], false)
		}
	}
	if strings.Contains(text, " ") {
		add("remove all spaces", strings.ReplaceAll(text, " ", ""), false)
	}
	add("lower case", strings.ToLower(text), true)
	add("wedge framing", "]Q1"+strings.ToLower(text)+"\r\n", true)
	add("wedge framing", "\x00\r"+text+"\t\r\n", true)
	for _, l := range scanner.Layouts() {
		add("layout "+l.Name, l.Apply(text), false)
	}
	return ms
}

// cose returns the COSE message that HCERT text carries, or nil.
func cose(text string) []byte {
	b, err := hcert.AppendBase45(nil, strings.TrimPrefix(text, hcert.Prefix))
	if err != nil {
		return nil
	}
	raw, err := hcert.AppendInflate(nil, b, 0)
	if err != nil {
		return nil
	}
	return raw
}

// The mutation test: every damaged input that normalisation can
// restore verifies as valid; every other one is malformed input, never a
// bad signature and never valid. Where Diagnose offers repairs, a repair
// that verifies is exactly the original text.
//
// One exception is not a failure, and is counted apart: damage that only
// changes bits zlib ignores. Deflate is not a canonical encoding; the few
// bits that pad a stored block's header to a byte boundary carry nothing,
// and a swap of two Base45 characters over such a byte decodes to the
// byte-identical COSE message, so the same signed credential verifies (a
// few times in a hundred runs). Any other damaged input that verifies,
// with a COSE message that differs in a single bit, fails the test.
func TestMutations(t *testing.T) {
	f := fixture(t)
	v := newVerifier(t)
	step := 1
	if testing.Short() {
		step = 13 // enough for emulated targets
	}
	type counts struct{ total, valid, equivalent, malformed, diagnosed, repaired int }
	byKind := map[string]*counts{}
	reasons := map[credential.Reason]int{}
	var all counts
	for _, c := range f.Credentials {
		for _, m := range mutations(c.Text, step) {
			k := byKind[m.kind]
			if k == nil {
				k = new(counts)
				byKind[m.kind] = k
			}
			k.total++
			text := scanner.Normalize(m.text)
			if (text == c.Text) != m.restorable {
				t.Errorf("%s %s: Normalize restores it: %v, want %v (%.60q)", c.Name, m.kind, text == c.Text, m.restorable, m.text)
				continue
			}
			res, err := v.Verify(text)
			if m.restorable {
				if err != nil {
					t.Errorf("%s %s: restorable input refused: %v", c.Name, m.kind, err)
					continue
				}
				k.valid++
				continue
			}
			if err == nil {
				if orig := cose(c.Text); orig != nil && bytes.Equal(cose(text), orig) {
					t.Logf("%s %s: damaged text carries the identical COSE message (zlib padding bits): verifies", c.Name, m.kind)
					k.equivalent++
					continue
				}
				t.Errorf("%s %s: damaged input verified as valid (%s), please report: %q", c.Name, m.kind, res.Country, m.text)
				continue
			}
			var ve *verifier.Error
			if !errors.As(err, &ve) {
				t.Errorf("%s %s: error %T is not a *verifier.Error: %v", c.Name, m.kind, err, err)
				continue
			}
			reasons[ve.Reason]++
			if ve.Reason == credential.ReasonBadSignature {
				t.Errorf("%s %s: damage reported as bad_signature, please report: %.80q", c.Name, m.kind, m.text)
			}
			if !errors.Is(err, verifier.ErrMalformed) {
				t.Errorf("%s %s: reason %s is not malformed input", c.Name, m.kind, ve.Reason)
				continue
			}
			k.malformed++

			d := scanner.Diagnose(m.text, err)
			if d != nil {
				k.diagnosed++
			}
			isLayout := strings.HasPrefix(m.kind, "layout ")
			if isLayout && d == nil {
				t.Errorf("%s %s: no diagnosis", c.Name, m.kind)
			}
			for _, r := range repairs(d) {
				if _, err := v.Verify(r.Text); err == nil {
					if r.Text != c.Text {
						t.Errorf("%s %s: repair %s verifies but is not the original text", c.Name, m.kind, r.Layout)
					}
					k.repaired++
				}
			}
			l, _ := scanner.LayoutByName(strings.TrimPrefix(m.kind, "layout "))
			wantRepair := isLayout && (l.Reversible() || !strings.ContainsAny(c.Text, "$%*"))
			if got := d != nil && slices.ContainsFunc(d.Repairs, func(r scanner.Repair) bool { return r.Text == c.Text }); isLayout && got != wantRepair {
				t.Errorf("%s %s: repaired %v, want %v", c.Name, m.kind, got, wantRepair)
			}
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		k := byKind[kind]
		t.Logf("%-24s %6d mutations: %4d restored and valid, %6d malformed (%5d with a hint, %3d repaired), %d same COSE",
			kind, k.total, k.valid, k.malformed, k.diagnosed, k.repaired, k.equivalent)
		all.total += k.total
		all.valid += k.valid
		all.equivalent += k.equivalent
		all.malformed += k.malformed
		all.diagnosed += k.diagnosed
		all.repaired += k.repaired
	}
	t.Logf("%-24s %6d mutations: %4d restored and valid, %6d malformed (%5d with a hint, %3d repaired), %d same COSE",
		"all", all.total, all.valid, all.malformed, all.diagnosed, all.repaired, all.equivalent)
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		t.Logf("reason %-16s %6d", r, reasons[r])
	}

	// The counts follow from the rules: per credential, CR, LF, TAB and NUL
	// inserted first or last (8), the AIM identifier first (1), lower
	// case (1) and the two wedge framings (2) restore; every layout but
	// shift-lost is repaired (shift-lost too when the text has no $ % *).
	n := len(f.Credentials)
	wantRepaired := 0
	for _, c := range f.Credentials {
		for _, l := range scanner.Layouts() {
			if l.Reversible() || !strings.ContainsAny(c.Text, "$%*") {
				wantRepaired++
			}
		}
	}
	if want := 12 * n; all.valid != want {
		t.Errorf("%d restored inputs verified, want %d", all.valid, want)
	}
	if all.malformed != all.total-all.valid-all.equivalent {
		t.Errorf("%d malformed of %d damaged inputs (%d carrying the same COSE message)", all.malformed, all.total-all.valid, all.equivalent)
	}
	if all.repaired != wantRepaired {
		t.Errorf("%d repairs verified, want %d", all.repaired, wantRepaired)
	}
	if reasons[credential.ReasonBadSignature] != 0 {
		t.Errorf("%d damaged inputs reported as bad_signature", reasons[credential.ReasonBadSignature])
	}
}

func repairs(d *scanner.DamageError) []scanner.Repair {
	if d == nil {
		return nil
	}
	return d.Repairs
}
