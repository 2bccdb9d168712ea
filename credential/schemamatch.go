package credential

import (
	"strconv"
	"unicode/utf8"
)

// Hand-written matchers for the patterns and formats of the DCC schemas.
// They follow ECMAScript regular expression semantics as AJV applies them
// (the "u" flag: "." is any code point but a line terminator, "\d" is
// [0-9], "$" is the end of input, and an unanchored pattern may match
// anywhere), and the "date" and "date-time" checks of ajv-formats 3 in
// "full" mode.

// verPattern is the pattern of "ver" in every version.
const verPattern = `^\d+.\d+.\d+$`

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isLineTerminator reports whether r is one of the code points "." does not
// match.
func isLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'
}

// matchVer reports whether s matches ^\d+.\d+.\d+$. As "." also matches a
// digit, the match runs a small NFA over the code points of s: linear time,
// whatever the input.
func matchVer(s string) bool {
	// States: 1 start, 2 in the first number, 4 after the first ".",
	// 8 in the second number, 16 after the second ".", 32 in the third
	// number (accepting).
	st := uint8(1)
	for i := 0; i < len(s) && st != 0; {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		digit := '0' <= r && r <= '9'
		dot := !isLineTerminator(r)
		var next uint8
		if digit && st&(1|2) != 0 {
			next |= 2
		}
		if dot && st&2 != 0 {
			next |= 4
		}
		if digit && st&(4|8) != 0 {
			next |= 8
		}
		if dot && st&8 != 0 {
			next |= 16
		}
		if digit && st&(16|32) != 0 {
			next |= 32
		}
		st = next
	}
	return st&32 != 0
}

// splitVer reads a ver as three digit runs, each separated by one
// non-digit character. It fails on strings that match the ver pattern only
// with a digit as a separator, such as "12345", whose parts are ambiguous.
// Numbers too large for a uint64 saturate.
func splitVer(s string) (major, minor, patch uint64, ok bool) {
	var nums [3]uint64
	i := 0
	for k := 0; k < 3; k++ {
		if k > 0 {
			if i >= len(s) || isDigit(s[i]) {
				return 0, 0, 0, false
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if isLineTerminator(r) {
				return 0, 0, 0, false
			}
			i += size
		}
		start := i
		var n uint64
		for i < len(s) && isDigit(s[i]) {
			d := uint64(s[i] - '0')
			if n > (^uint64(0)-d)/10 {
				n = ^uint64(0)
			} else {
				n = n*10 + d
			}
			i++
		}
		if i == start {
			return 0, 0, 0, false
		}
		nums[k] = n
	}
	if i != len(s) {
		return 0, 0, 0, false
	}
	return nums[0], nums[1], nums[2], true
}

// dobAt reports whether s[i:i+10] matches (19|20)\d{2}-\d{2}-\d{2}.
func dobAt(s string, i int) bool {
	return (s[i] == '1' && s[i+1] == '9' || s[i] == '2' && s[i+1] == '0') &&
		isDigit(s[i+2]) && isDigit(s[i+3]) && s[i+4] == '-' &&
		isDigit(s[i+5]) && isDigit(s[i+6]) && s[i+7] == '-' &&
		isDigit(s[i+8]) && isDigit(s[i+9])
}

// containsDOB10 reports whether the unanchored 1.0.x dob pattern
// (19|20)\d{2}-\d{2}-\d{2} matches somewhere in s.
func containsDOB10(s string) bool {
	for i := 0; i+10 <= len(s); i++ {
		if dobAt(s, i) {
			return true
		}
	}
	return false
}

// isPartialDOB reports whether s matches ^(19|20)\d\d(-\d\d){0,2}$.
func isPartialDOB(s string) bool {
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return false
	}
	if !(s[0] == '1' && s[1] == '9' || s[0] == '2' && s[1] == '0') || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for i := 4; i < len(s); i += 3 {
		if s[i] != '-' || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
			return false
		}
	}
	return true
}

// hasUpperASCII reports whether the unanchored pattern [A-Z]{1,10} matches
// somewhere in s, that is whether s holds a letter A to Z.
func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// isStdName reports whether s matches ^[A-Z<]*$.
func isStdName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && c != '<' {
			return false
		}
	}
	return true
}

func num2(s string, i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }

var daysInMonth = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// isDate reports whether s is an RFC 3339 full-date, YYYY-MM-DD with a real
// month and day (29 February in leap years only), as the "date" format.
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(s[i]) {
			return false
		}
	}
	year := num2(s, 0)*100 + num2(s, 2)
	month, day := num2(s, 5), num2(s, 8)
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	max := daysInMonth[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		max = 29
	}
	return day <= max
}

// isJSSpace reports whether r is matched by the ECMAScript "\s" class.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029',
		'\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return '\u2000' <= r && r <= '\u200a'
}

// isDateTime reports whether s passes the "date-time" format: split at
// every "t", "T" or white space, it must give exactly two parts, a full-date
// and a time with a time zone. The time zone may be "Z", "±hh", "±hhmm" or
// "±hh:mm"; the letters are case-insensitive.
func isDateTime(s string) bool {
	sep, sepLen, n := 0, 0, 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if r == 't' || r == 'T' || isJSSpace(r) {
			n++
			if n > 1 {
				return false
			}
			sep, sepLen = i, size
		}
		i += size
	}
	return n == 1 && isDate(s[:sep]) && isTime(s[sep+sepLen:])
}

// isTime reports whether s is hh:mm:ss[.fraction] followed by a required
// time zone, with the ranges ajv-formats checks: hours up to 23, minutes up
// to 59, seconds below 60, offsets up to 23:59, and a leap second (seconds
// below 61) only at 23:59 UTC.
func isTime(s string) bool {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return false
	}
	for _, i := range [...]int{0, 1, 3, 4, 6, 7} {
		if !isDigit(s[i]) {
			return false
		}
	}
	i := 8
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	secEnd := i
	if i == len(s) {
		return false // no time zone
	}
	sign, tzH, tzM := 1, 0, 0
	switch s[i] {
	case 'z', 'Z':
		i++
	case '+', '-':
		if s[i] == '-' {
			sign = -1
		}
		if i+3 > len(s) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
			return false
		}
		tzH = num2(s, i+1)
		i += 3
		if i < len(s) {
			// Minutes, with or without a colon: exactly two digits must
			// follow and end the string.
			if s[i] == ':' {
				i++
			}
			if i+2 != len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
				return false
			}
			tzM = num2(s, i)
			i += 2
		}
	default:
		return false
	}
	if i != len(s) || tzH > 23 || tzM > 59 {
		return false
	}
	hr, min := num2(s, 0), num2(s, 3)
	// The seconds with their fraction, rounded to a float64 exactly as
	// ECMAScript's Number() rounds them.
	sec, err := strconv.ParseFloat(s[6:secEnd], 64)
	if err != nil {
		return false
	}
	if hr <= 23 && min <= 59 && sec < 60 {
		return true
	}
	utcMin := min - tzM*sign
	utcHr := hr - tzH*sign
	if utcMin < 0 {
		utcHr--
	}
	return (utcHr == 23 || utcHr == -1) && (utcMin == 59 || utcMin == -1) && sec < 61
}
