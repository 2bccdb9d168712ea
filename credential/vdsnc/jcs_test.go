package vdsnc_test

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"
)

// These tests pin the RFC 8785 behaviour of github.com/gowebpki/jcs, which
// computes the signed bytes of every seal. If one fails after an upgrade,
// the canonicaliser has regressed and seals will stop verifying.

// TestJCSRFC8785Examples checks the examples of RFC 8785 §3.2.2 and §3.2.3.
func TestJCSRFC8785Examples(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{
			"§3.2.2 numbers, strings, literals",
			`{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			"§3.2.3 sorting by UTF-16 code units",
			`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := jcs.Transform([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestJCSNumbers checks the IEEE 754 → ES6 table of RFC 8785 Appendix B,
// through NumberToJSON and through Transform of a JSON number.
func TestJCSNumbers(t *testing.T) {
	for _, c := range []struct{ bits, want string }{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"}, // minus zero
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	} {
		f := math.Float64frombits(binary.BigEndian.Uint64(must(hex.DecodeString(c.bits))))
		got, err := jcs.NumberToJSON(f)
		if err != nil || got != c.want {
			t.Errorf("%s: NumberToJSON %q, %v; want %q", c.bits, got, err, c.want)
		}
		in := "[" + strconv.FormatFloat(f, 'g', -1, 64) + "]"
		if out, err := jcs.Transform([]byte(in)); err != nil || string(out) != "["+c.want+"]" {
			t.Errorf("%s: Transform(%s) = %s, %v; want [%s]", c.bits, in, out, err, c.want)
		}
	}
	for _, bits := range []uint64{0x7fffffffffffffff, 0x7ff0000000000000, 0xfff0000000000000} {
		if _, err := jcs.NumberToJSON(math.Float64frombits(bits)); err == nil {
			t.Errorf("%016x (NaN or infinity) has a JSON form", bits)
		}
	}
}

// TestJCSNumberSpellings checks that every spelling of a number
// canonicalises to its ES6 form, as the seal's v and seq must.
func TestJCSNumberSpellings(t *testing.T) {
	for in, want := range map[string]string{
		"1": "1", "1.0": "1", "1.00e0": "1", "10E-1": "1", "0.1e1": "1", "-0": "0", "-0.0": "0",
		"1E2": "100", "100000000000000000000": "100000000000000000000", "1e21": "1e+21",
		"0.0000001": "1e-7", "0.000001": "0.000001", "-1.5e-7": "-1.5e-7", "123456789012345678": "123456789012345680",
	} {
		got, err := jcs.Transform([]byte("[" + in + "]"))
		if err != nil || string(got) != "["+want+"]" {
			t.Errorf("%s: got %s, %v; want [%s]", in, got, err, want)
		}
	}
	for _, bad := range []string{"[1e400]", "[-1e400]", "[01]", "[+1]", "[.5]", "[1.]", "[0x10]", "[1_000]", "[NaN]", "[Infinity]"} {
		if got, err := jcs.Transform([]byte(bad)); err == nil {
			t.Errorf("%s accepted as %s", bad, got)
		}
	}
}

// TestJCSStrings checks string escaping: the two-character escapes, \u00xx
// in lower case for the other controls, everything else (DEL, U+2028,
// non-ASCII, '/') as UTF-8, and input escapes decoded.
func TestJCSStrings(t *testing.T) {
	for c := 0; c < 0x20; c++ {
		var want string
		switch c {
		case '\b':
			want = `\b`
		case '\t':
			want = `\t`
		case '\n':
			want = `\n`
		case '\f':
			want = `\f`
		case '\r':
			want = `\r`
		default:
			want = `\u00` + hex.EncodeToString([]byte{byte(c)})
		}
		in := `["\u` + strings.ToUpper(hex.EncodeToString([]byte{0, byte(c)})) + `"]`
		got, err := jcs.Transform([]byte(in))
		if err != nil || string(got) != `["`+want+`"]` {
			t.Errorf("U+%04X: got %s, %v; want [\"%s\"]", c, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`["\u007f"]`:         "[\"\x7f\"]",
		`["\u2028\u2029"]`:   "[\"\u2028\u2029\"]",
		`["\/"]`:             `["/"]`,
		`["\u00e9", "é"]`:    `["é","é"]`,
		`["\ud83d\ude00"]`:   `["😀"]`,
		`["\"\\"]`:           `["\"\\"]`,
		`["<>&'"]`:           `["<>&'"]`,
		"[\"\u00a0\ufeff\"]": "[\"\u00a0\ufeff\"]",
		"{ \"b\" : [ 1 , { \"d\":1,\"c\":2 } ] ,\n\t\"a\" : true }": `{"a":true,"b":[1,{"c":2,"d":1}]}`,
		`{"aa":1,"a":2,"b":3,"A":4,"":5}`:                           `{"":5,"A":4,"a":2,"aa":1,"b":3}`,
	} {
		got, err := jcs.Transform([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("%s: got %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{
		`["\ud83d"]`, `["\ude00"]`, `["\ud83dx"]`, `["\ud83d\u0041"]`, // lone or broken surrogates
		"[\"\xff\"]", "[\"\xed\xa0\x80\"]", "[\"\xc0\xaf\"]", // invalid UTF-8
		"[\"a\x01\"]", `["\x"]`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `[1,]`, `[1] [2]`, ``,
	} {
		if got, err := jcs.Transform([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %s", bad, got)
		}
	}
}
