package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkServeVerify is the handler's cost per POST /v1/verify, logging
// to a discarded JSON handler as `travelcred serve` logs.
func BenchmarkServeVerify(b *testing.B) {
	f := getFixture(b)
	s, _ := newServer(b, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil)) })
	damaged := []byte(f.valid)
	damaged[len(damaged)/2] ^= 0x01
	for _, bc := range []struct{ name, ct, body string }{
		{"valid", "text/plain", f.valid},
		{"valid-json", "application/json", `{"qr":"` + f.valid + `"}`},
		{"bad-signature", "text/plain", f.tampered},
		{"damaged", "text/plain", string(damaged)},
		{"garbage-json", "application/json", `{"qr":`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				r := httptest.NewRequest("POST", "/v1/verify", strings.NewReader(bc.body))
				r.Header.Set("Content-Type", bc.ct)
				clear(w.h)
				s.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkServeVerifyParallel is the valid text case of
// BenchmarkServeVerify from GOMAXPROCS goroutines: scripts/bench reports
// its throughput against the serial one.
func BenchmarkServeVerifyParallel(b *testing.B) {
	f := getFixture(b)
	s, _ := newServer(b, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil)) })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest("POST", "/v1/verify", strings.NewReader(f.valid))
			r.Header.Set("Content-Type", "text/plain")
			clear(w.h)
			s.ServeHTTP(w, r)
		}
	})
}
