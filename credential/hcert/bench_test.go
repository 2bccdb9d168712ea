package hcert_test

import (
	"slices"
	"testing"
	"time"

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

// BenchmarkDecodeCredential is a whole decode without the signature check:
// every transport stage, the CWT claims and the DCC payload, decoded,
// checked against the schema and mapped to a credential.DCC. Budget 5 µs.
//
// Besides ns/op it reports the median time of one decode ("median-ns"):
// on a shared machine ns/op counts the time the process spent waiting for
// a CPU, a median leaves out the calls during which that happened.
func BenchmarkDecodeCredential(b *testing.B) {
	text := benchText(b)
	times := make([]time.Duration, 0, 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		m, err := hcert.Decode(text)
		if err != nil {
			b.Fatal(err)
		}
		c, err := hcert.ParseClaims(m.Payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := hcert.ParseDCC(c.DCC); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns")
}

// BenchmarkParseDCC decodes, validates and maps the DCC payload alone;
// BenchmarkParseDCCGeneric is the same through the map[string]any tree.
func BenchmarkParseDCC(b *testing.B) {
	raw := sampleDCCBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hcert.ParseDCC(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDCCGeneric(b *testing.B) {
	raw := sampleDCCBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := genericParseDCC(raw); err != nil {
			b.Fatal(err)
		}
	}
}
