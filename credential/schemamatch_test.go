package credential

import (
	"strings"
	"testing"
)

func TestMatchVer(t *testing.T) {
	cases := map[string]bool{
		"1.3.0":      true,
		"1.0.0":      true,
		"10.20.30":   true,
		"1x3x0":      true, // "." is any character
		"1é3€0":      true, // including a non-ASCII one
		"12345":      true, // a digit is a character too
		"1.2345":     true,
		"1.3":        false,
		"1..3.0":     false,
		"1.3.0.":     false,
		".1.3.0":     false,
		"1.3.0\n":    false, // "$" is the end of input only
		"1\n3.0.0":   false,
		"1\r3.0":     false,
		"1\u20283.0": false,
		"":           false,
		"a.b.c":      false,
		"1.3.a":      false,
		"1234":       false,
		"١.٣.٠":      false, // "\d" is ASCII only
	}
	for in, want := range cases {
		if got := matchVer(in); got != want {
			t.Errorf("matchVer(%q) = %v, want %v", in, got, want)
		}
	}
	if !matchVer(strings.Repeat("1", 1<<20) + ".2.3") {
		t.Error("long version")
	}
}

func TestSplitVer(t *testing.T) {
	cases := []struct {
		in      string
		a, b, c uint64
		ok      bool
	}{
		{"1.3.0", 1, 3, 0, true},
		{"01.003.10", 1, 3, 10, true},
		{"1é3-2", 1, 3, 2, true},
		{"1.99999999999999999999999.0", 1, ^uint64(0), 0, true},
		{"12345", 0, 0, 0, false},
		{"1.2345", 0, 0, 0, false},
		{"1.3", 0, 0, 0, false},
		{"1.3.0x", 0, 0, 0, false},
		{"1\n3.0", 0, 0, 0, false},
	}
	for _, c := range cases {
		a, b, cc, ok := splitVer(c.in)
		if a != c.a || b != c.b || cc != c.c || ok != c.ok {
			t.Errorf("splitVer(%q) = %d %d %d %v", c.in, a, b, cc, ok)
		}
	}
}

func TestDOBPatterns(t *testing.T) {
	partial := map[string]bool{
		"1964": true, "1964-01": true, "1964-01-01": true, "2099-99-99": true, "1900": true,
		"": false, "1899": false, "2100": false, "1964-1": false, "1964-01-1": false,
		"1964-01-01-01": false, "1964/01/01": false, " 1964": false, "1964\n": false, "196a": false,
	}
	for in, want := range partial {
		if got := isPartialDOB(in); got != want {
			t.Errorf("isPartialDOB(%q) = %v, want %v", in, got, want)
		}
	}
	contains := map[string]bool{
		"1964-01-01": true, "x1964-01-01y": true, "2000-99-99": true, "19641-01-01 2001-02-03": true,
		"1964-01": false, "1864-01-01": false, "1964-01-0": false, "": false,
	}
	for in, want := range contains {
		if got := containsDOB10(in); got != want {
			t.Errorf("containsDOB10(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNamePatterns(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "MUELLER": true, "DARSONS<VAN<HALEN": true, "<": true,
		"Mueller": false, "MÜLLER": false, "ANNA MARIA": false, "O'NEIL": false, "ABC\n": false,
	} {
		if got := isStdName(in); got != want {
			t.Errorf("isStdName(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"AT": true, "UNHCR": true, "xAx": true, "ABCDEFGHIJKLMNOP": true,
		"": false, "at": false, "12": false, "ÄÖ": false,
	} {
		if got := hasUpperASCII(in); got != want {
			t.Errorf("hasUpperASCII(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsDate(t *testing.T) {
	for in, want := range map[string]bool{
		"2021-06-11": true, "2024-02-29": true, "2000-02-29": true, "0000-01-01": true, "9999-12-31": true,
		"2021-01-31": true, "2021-04-30": true,
		"2023-02-29": false, "1900-02-29": false, "2021-04-31": false, "2021-00-10": false, "2021-13-10": false,
		"2021-06-00": false, "2021-6-11": false, "21-06-11": false, "2021-06-11 ": false, "2021-06-11\n": false,
		"2021/06/11": false, "": false, "2021-06": false, "+2021-06-11": false,
	} {
		if got := isDate(in); got != want {
			t.Errorf("isDate(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsDateTime(t *testing.T) {
	for in, want := range map[string]bool{
		// Zones as in the upstream test vectors.
		"2021-06-11T17:30:00Z":      true,
		"2021-06-11T17:30:00+02":    true,
		"2021-06-11T17:30:00+0200":  true,
		"2021-06-11T17:30:00+02:00": true,
		"2021-06-11T17:30:00-05:30": true,
		// Separator and zone letters are case-insensitive; white space
		// separates too.
		"2021-06-11t17:30:00z":                true,
		"2021-06-11 17:30:00Z":                true,
		"2021-06-11\t17:30:00Z":               true,
		"2021-06-11\u00a017:30:00Z":           true,
		"2021-06-11\u300017:30:00Z":           true,
		"2021-06-11T17:30:00.5Z":              true,
		"2021-06-11T17:30:00.123456789+01:00": true,
		"2021-06-11T17:30:00.Z":               false,
		"2021-06-11T17:30:00":                 false, // the zone is required
		"2021-06-11T17:30Z":                   false,
		"2021-06-11T17:30:00+2":               false,
		"2021-06-11T17:30:00+020":             false,
		"2021-06-11T17:30:00+02:":             false,
		"2021-06-11T17:30:00+02:0":            false,
		"2021-06-11T17:30:00+02:000":          false,
		"2021-06-11T17:30:00+24:00":           false,
		"2021-06-11T17:30:00+23:60":           false,
		"2021-06-11T17:30:00+23:59":           true,
		"2021-06-11T17:30:00ZZ":               false,
		"2021-06-11T17:30:00 Z":               false, // two separators
		"2021-06-11TT17:30:00Z":               false,
		"2021-06-11":                          false,
		"T17:30:00Z":                          false,
		"2021-06-31T17:30:00Z":                false,
		"2021-06-11T24:00:00Z":                false,
		"2021-06-11T23:60:00Z":                false,
		"2021-06-11T23:59:60Z":                true, // leap second at 23:59 UTC
		"2021-06-11T23:59:60.999Z":            true,
		"2021-06-11T23:59:61Z":                false,
		"2021-06-11T22:59:60Z":                false,
		"2021-06-11T15:59:60-08:00":           true, // 23:59:60 UTC
		"2021-06-12T00:59:60+01:00":           true, // 23:59:60 UTC the day before
		"2021-06-11T23:59:60+01:00":           false,
		// Seconds round as ECMAScript numbers do: this is 60, not below.
		"2021-06-11T10:00:59.99999999999999999Z": false,
		"2021-06-11T10:00:59.9999999Z":           true,
		"":                                       false,
	} {
		if got := isDateTime(in); got != want {
			t.Errorf("isDateTime(%q) = %v, want %v", in, got, want)
		}
	}
}
