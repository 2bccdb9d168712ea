package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

// testNow is the fixed clock of the tests: six hours after the demo
// federation's list was issued, so the list is fresh.
var testNow = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

// fixture is demo trust plus credentials issued by demo members.
type fixture struct {
	fed      *testvectors.Federation
	trust    *trustlist.List
	valid    string // GB vaccination, valid at testNow
	tampered string // valid's payload with one byte changed: bad_signature
	issued   map[string]string
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{issued: map[string]string{}}
		if f.fed, fixErr = testvectors.DemoFederation(clock); fixErr != nil {
			return
		}
		if f.trust, fixErr = testvectors.DemoTrust(testNow); fixErr != nil {
			return
		}
		gb, err := f.fed.Member("GB")
		if err != nil {
			fixErr = err
			return
		}
		out, err := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "GB"))
		if err != nil {
			fixErr = err
			return
		}
		f.valid = out.Text
		// One byte of the signed payload changed and re-encoded, so only the
		// signature check can catch it.
		m, err := hcert.ParseCOSE(append([]byte(nil), out.COSE...))
		if err != nil {
			fixErr = err
			return
		}
		cose := append([]byte(nil), out.COSE...)
		cose[len(cose)-len(m.Signature)-2-len(m.Payload)/2] ^= 0x01
		f.tampered = hcert.Encode(cose)
		fix = f
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

// logBuffer is a concurrency-safe buffer for a JSON slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newServer builds a Server over demo trust at the fixed clock, letting
// the caller adjust the config.
func newServer(t testing.TB, adjust func(*Config)) (*Server, *logBuffer) {
	t.Helper()
	f := getFixture(t)
	logs := &logBuffer{}
	cfg := Config{Trust: f.trust, Clock: clock, Demo: true, Logger: logs.logger()}
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// do runs one request against h and returns the recorder.
func do(h http.Handler, method, target, contentType string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeVerdict(t testing.TB, w *httptest.ResponseRecorder) VerifyResponse {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var v VerifyResponse
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return v
}

func decodeError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	var e ErrorResponse
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, w.Body)
	}
	if code != "" && e.Error != code {
		t.Fatalf("error %q, want %q (%s)", e.Error, code, e.Detail)
	}
}

// staleSource reports its list as stale (past its next update).
type staleSource struct{ *trustlist.List }

func (s staleSource) Status(now time.Time) trustlist.Status {
	st := s.List.Status(now)
	st.Freshness = trustlist.FreshnessStale
	st.NextUpdate = now.Add(-48 * time.Hour)
	return st
}

func holderName(v VerifyResponse) string {
	if v.Credential == nil {
		return ""
	}
	return strings.TrimSpace(v.Credential.Holder.GivenName + " " + v.Credential.Holder.FamilyName)
}
