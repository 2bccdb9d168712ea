package hcert_test

import (
	"testing"

	"github.com/b5m5/travelcred/credential/hcert"
)

// benchText is a realistic HC1 vaccination credential signed with ES256.
func benchText(b *testing.B) string {
	b.Helper()
	text := validText(b)
	if len(text) < 300 {
		b.Fatalf("benchmark text is only %d bytes", len(text))
	}
	return text
}

// BenchmarkDecode measures every transport stage (prefix, Base45, zlib,
// COSE parse) without the signature check.
func BenchmarkDecode(b *testing.B) {
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hcert.Decode(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeInto is Decode with a reused message and buffer, as the
// verifier calls it.
func BenchmarkDecodeInto(b *testing.B) {
	text := benchText(b)
	var d hcert.Decoder
	var m hcert.Message
	var buf []byte
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = d.DecodeInto(&m, text, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseClaims measures reading the CWT claims and decoding the
// DCC payload.
func BenchmarkParseClaims(b *testing.B) {
	m, err := hcert.Decode(benchText(b))
	if err != nil {
		b.Fatal(err)
	}
	var c hcert.Claims
	b.ReportAllocs()
	for b.Loop() {
		if err := hcert.ParseClaimsInto(&c, m.Payload); err != nil {
			b.Fatal(err)
		}
		if _, err := hcert.DecodeDCC(c.DCC); err != nil {
			b.Fatal(err)
		}
	}
}
