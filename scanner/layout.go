package scanner

import (
	"strings"
	"unicode/utf8"
)

// base45Alphabet is the RFC 9285 alphabet: every character that HCERT
// text (and NZCP's Base32 text, a subset) can hold.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// A Layout is a keyboard-layout mismatch between a keyboard-wedge scanner
// and its host. A wedge types each character as the key codes of its own
// layout; the host turns key codes into characters with its layout, so
// when the two differ some characters arrive as others. Every character
// of a QR code's Base45 alphabet except the digits, the letters and the
// space sits on a layout-dependent key, and so does the ':' of "HC1:".
//
// The layouts are derived from the standard PC keyboard maps. Dead keys
// (the Swedish and German accent keys) are modelled as the accent itself.
type Layout struct {
	// Name is a stable identifier, such as "us-scanner-de-host".
	Name string
	// Description says in words what is mismatched.
	Description string
	t           *tables // nil in the zero Layout, which changes nothing
}

// tables are a layout's substitutions, computed once and never modified.
type tables struct {
	fwd   map[rune]rune   // what the scanner meant → what arrived
	inv   map[rune]rune   // what arrived → the one Base45 character that gives it
	tells map[rune][]rune // arrived characters outside Base45 → what was meant
	rev   bool            // no two Base45 characters arrive as the same one
}

// newLayout builds a layout from pairs of runes: what the scanner meant,
// what arrived.
func newLayout(name, description, pairs string) Layout {
	t := &tables{fwd: map[rune]rune{}, inv: map[rune]rune{}, tells: map[rune][]rune{}, rev: true}
	rs := []rune(pairs)
	for i := 0; i+1 < len(rs); i += 2 {
		t.fwd[rs[i]] = rs[i+1]
	}
	pre := map[rune][]rune{}
	for _, d := range base45Alphabet {
		to := d
		if m, ok := t.fwd[d]; ok {
			to = m
			if !strings.ContainsRune(base45Alphabet, to) {
				t.tells[to] = append(t.tells[to], d)
			}
		}
		pre[to] = append(pre[to], d)
	}
	for to, from := range pre {
		switch {
		case len(from) > 1:
			t.rev = false
		case from[0] != to:
			t.inv[to] = from[0]
		}
	}
	return Layout{Name: name, Description: description, t: t}
}

// layouts are the known mismatches, most common first. Never modified.
var layouts = []Layout{
	newLayout("us-scanner-de-host", "a scanner typing with a US layout into a German (QWERTZ) host",
		"YZZYyzzy*(+`-ß/-:Ö"),
	newLayout("de-scanner-us-host", "a scanner typing with a German (QWERTZ) layout into a US host",
		"YZZYyzzy*}+]-//&:>"),
	newLayout("us-scanner-fr-host", "a scanner typing with a US layout into a French (AZERTY) host",
		"1&2é3\"4'5(6-7è8_9ç0àAQQAWZZWM?aqqawzzwm,$4%5*8-).:/!:M"),
	newLayout("us-scanner-it-host", "a scanner typing with a US layout into an Italian host",
		"*(+^-'/-:ç"),
	newLayout("us-scanner-se-host", "a scanner typing with a US layout into a Swedish or Finnish host",
		"$¤*(+`-+/-:Ö"),
	newLayout("shift-lost", "a scanner whose Shift key state is lost (upper case and Shift symbols arrive unshifted)",
		"AaBbCcDdEeFfGgHhIiJjKkLlMmNnOoPpQqRrSsTtUuVvWwXxYyZz$4%5*8+=:;"),
	newLayout("yz-swap", "a scanner and a host that disagree on QWERTY and QWERTZ letters (Y and Z swapped)",
		"YZZYyzzy"),
}

// Layouts returns the keyboard-layout mismatches that Diagnose knows, most
// common first.
func Layouts() []Layout { return append([]Layout(nil), layouts...) }

// LayoutByName returns the known layout mismatch with the given name.
func LayoutByName(name string) (Layout, bool) {
	for _, l := range layouts {
		if l.Name == name {
			return l, true
		}
	}
	return Layout{}, false
}

// String returns the layout's name.
func (l Layout) String() string { return l.Name }

// Apply returns s as a host with this mismatch receives it when a scanner
// types s: what tests and simulations need.
func (l Layout) Apply(s string) string {
	if l.t == nil {
		return s
	}
	return substitute(s, l.t.fwd)
}

// Undo reverses the mismatch in s wherever that is unambiguous: a
// character that only one Base45 character turns into is replaced by it;
// every other character is kept. For a reversible layout, Undo(Apply(s))
// == s for every Base45 text s.
//
// The result is a guess: it is worth something only if it then verifies.
func (l Layout) Undo(s string) string {
	if l.t == nil {
		return s
	}
	return substitute(s, l.t.inv)
}

// Reversible reports whether Undo restores every Base45 text: whether no
// two Base45 characters arrive as the same character.
func (l Layout) Reversible() bool { return l.t == nil || l.t.rev }

func substitute(s string, m map[rune]rune) string {
	return strings.Map(func(r rune) rune {
		if to, ok := m[r]; ok {
			return to
		}
		return r
	}, s)
}

// firstRune returns the rune at byte offset i of s.
func firstRune(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}
