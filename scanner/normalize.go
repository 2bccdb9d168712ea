// Package scanner prepares text from barcode scanners for verification:
// keyboard-wedge and serial scanners frame a QR code's text with control
// characters and symbology identifiers, change its case, and, when the
// scanner's keyboard layout differs from the host's, replace characters.
//
// The package has three parts:
//
//   - [Normalize] undoes the framing that loses nothing: leading and
//     trailing CR, LF, TAB and NUL, one AIM symbology identifier, and
//     lower case in formats whose alphabet has none (Base45 "HC1:", Base32
//     "NZCP:/"). Spaces are Base45 data and are never trimmed.
//   - [Diagnose] looks at text that was refused as malformed and says
//     whether the damage matches a known scanner pattern (a keyboard-layout
//     mismatch, control characters inside the text, an AIM identifier in the
//     wrong place), with a hint for the operator and, where a layout mismatch
//     can be undone unambiguously, repaired candidate texts. [Check] runs
//     the whole sequence around a verify function.
//   - [LineReader] splits a byte stream from a scanner into lines: CR, LF or
//     CR LF terminators, input in arbitrary chunks, over-long lines refused
//     without stopping the stream, and partial input discarded after an
//     idle time, in bounded memory.
//
// # Repairs are never silent
//
// A repair candidate is only a guess at what the scanner meant to type. It
// counts only if the caller's verify function accepts it, which for a
// credential means its signature verifies under a trusted key: a repair can
// therefore never turn damaged text into a credential that nobody signed.
// Check tries repairs only for input refused as malformed (never for a
// credential that verified, or failed for a reason such as a bad signature
// or expiry), only when asked to, and reports every repair it used, so a
// caller can show that the scanner needs reconfiguring.
//
// The package does no I/O of its own beyond the io.Reader it is given, reads
// no clock unless the caller leaves the clock unset, and has no mutable
// package state.
package scanner

import "strings"

// Credential text prefixes that Normalize recognises.
const (
	prefixHCERT = "HC1:"   // Base45
	prefixNZCP  = "NZCP:/" // Base32
)

// Normalize returns scanner text with the framing a scanner adds removed,
// in this order (DESIGN.md, "Embedded profile"):
//
//  1. leading CR, LF, TAB and NUL are dropped;
//  2. one AIM symbology identifier ("]" and two printable ASCII
//     characters, such as "]Q1") is dropped;
//  3. when the text is Base45 HCERT ("HC1:", and the later versions "HC2:"
//     to "HCZ:") or Base32 NZCP ("NZCP:/"), in any case, ASCII lower case
//     letters are folded to upper case, prefix included: neither alphabet
//     has lower case letters, so this loses nothing;
//  4. trailing CR, LF, TAB and NUL are dropped.
//
// Nothing else changes: spaces are Base45 data and are never trimmed, and
// other formats ("shc:/" numeric, JSON) keep their case. Normalize returns
// s itself when there is nothing to change.
func Normalize(s string) string {
	s = strings.TrimLeft(s, framing)
	if len(s) >= 3 && s[0] == ']' && isGraphic(s[1]) && isGraphic(s[2]) {
		s = s[3:]
	}
	if foldable(s) {
		s = upperASCII(s)
	}
	return strings.TrimRight(s, framing)
}

// framing holds the control characters scanners put around a code.
const framing = "\r\n\t\x00"

// foldable reports whether s starts, in any case, with the prefix of a
// format whose alphabet has no lower case letters.
func foldable(s string) bool {
	if len(s) >= 4 && (s[0]|0x20) == 'h' && (s[1]|0x20) == 'c' && s[3] == ':' && isAlnum(s[2]) {
		return true
	}
	return len(s) >= len(prefixNZCP) && strings.EqualFold(s[:len(prefixNZCP)], prefixNZCP)
}

// isGraphic reports whether c is printable ASCII other than space.
func isGraphic(c byte) bool { return c > ' ' && c < 0x7f }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// upperASCII folds ASCII a–z to A–Z and leaves every other byte alone
// (strings.ToUpper would also change non-ASCII letters).
func upperASCII(s string) string {
	// A byte loop: no byte of a multi-byte UTF-8 sequence is in a–z, and
	// strings.IndexFunc would decode runes (twice the time on a scan).
	i := 0
	for i < len(s) && (s[i] < 'a' || s[i] > 'z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}
