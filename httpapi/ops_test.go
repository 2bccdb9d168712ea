package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/trustlist"
)

func TestMetrics(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.valid))
	do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.tampered))
	do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.tampered))
	do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(qrPNG(t, f.valid)))
	do(s, "POST", "/v1/verify", "application/xml", strings.NewReader("<x/>"))
	w := do(s, "GET", "/metrics", "", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`travelcred_verifications_total{reason="none",result="valid"} 2`,
		`travelcred_verifications_total{reason="bad_signature",result="invalid"} 2`,
		`travelcred_verify_duration_seconds_count{input="text"} 3`,
		`travelcred_verify_duration_seconds_count{input="image"} 1`,
		`travelcred_http_requests_total{code="415",route="POST /v1/verify"} 1`,
		`travelcred_trustlist_age_seconds 21600`,
		`travelcred_ready 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// With the caller's registry, /metrics is the caller's business.
	reg := prometheus.NewRegistry()
	sr, _ := newServer(t, func(c *Config) { c.Registerer = reg })
	do(sr, "POST", "/v1/verify", "text/plain", strings.NewReader(f.valid))
	if w := do(sr, "GET", "/metrics", "", nil); w.Code != http.StatusNotFound {
		t.Errorf("/metrics served with an external registry: %d", w.Code)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		found = found || mf.GetName() == "travelcred_verifications_total"
	}
	if !found {
		t.Error("verifications not registered with the caller's registry")
	}
	if _, err := New(Config{Trust: f.trust, Registerer: reg}); err == nil {
		t.Error("two servers registered on one registry")
	}
}

// Request logs carry the id, route, status, verdict, reason and latency,
// and nothing of the credential.
func TestLogs(t *testing.T) {
	f := getFixture(t)
	s, logs := newServer(t, nil)
	do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.valid), "X-Request-Id", "req-valid")
	do(s, "POST", "/v1/verify", "application/json", strings.NewReader(`{"qr":`+quote(f.tampered)+`}`), "X-Request-Id", "req-tampered")
	do(s, "POST", "/v1/verify", "text/plain", strings.NewReader("SECRET-NOT-A-CREDENTIAL"), "X-Request-Id", "bad id with spaces")
	do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(qrPNG(t, f.valid)))
	do(s, "POST", "/v1/verify", "text/csv", strings.NewReader("a,b"))

	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		recs = append(recs, m)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records:\n%s", len(recs), logs)
	}
	check := func(i int, want map[string]any) {
		t.Helper()
		for k, v := range want {
			if got := recs[i][k]; got != v {
				t.Errorf("record %d: %s = %v, want %v", i, k, got, v)
			}
		}
		for _, k := range []string{"id", "latency_ms", "route", "status", "remote"} {
			if _, ok := recs[i][k]; !ok {
				t.Errorf("record %d lacks %s", i, k)
			}
		}
	}
	check(0, map[string]any{"id": "req-valid", "msg": "request", "route": "POST /v1/verify", "status": 200.0, "verdict": "valid", "reason": "none", "input": "text"})
	check(1, map[string]any{"id": "req-tampered", "verdict": "invalid", "reason": "bad_signature"})
	check(2, map[string]any{"verdict": "invalid", "reason": "bad_prefix"})
	check(3, map[string]any{"verdict": "valid", "input": "image"})
	check(4, map[string]any{"status": 415.0, "error": "unsupported_media_type"})
	if id, _ := recs[2]["id"].(string); id == "bad id with spaces" || len(id) != 24 {
		t.Errorf("unsafe request id kept or not replaced: %q", id)
	}
	out := logs.String()
	for _, secret := range []string{f.valid[:40], f.tampered[:40], "SECRET", "Arsøns", "DARSONS", "1990-01-01"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestPage(t *testing.T) {
	s, _ := newServer(t, nil)
	w := do(s, "GET", "/", "", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	for _, name := range []string{"app.js", "style.css"} {
		if w := do(s, "GET", "/assets/"+name, "", nil); w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	for _, p := range []string{"/assets/index.html", "/assets/missing.js", "/index.html", "/v1"} {
		if w := do(s, "GET", p, "", nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	// Everything the page loads is its own: no external URL, no storage.
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	storage := regexp.MustCompile(`localStorage\.|sessionStorage\.|indexedDB\.|document\.cookie|caches\.open|serviceWorker`)
	for name, a := range assets {
		if m := external.Find(a.data); m != nil {
			t.Errorf("%s refers to %s", name, m)
		}
		if m := storage.Find(a.data); m != nil {
			t.Errorf("%s uses browser storage: %s", name, m)
		}
		if name == "index.html" && bytes.Contains(a.data, []byte("<script>")) {
			t.Errorf("inline script in %s", name)
		}
	}
	// Every reason code has plain words on the page.
	js := string(assets["app.js"].data)
	for _, r := range credential.Reasons() {
		if !strings.Contains(js, "\n    "+string(r)+": ") {
			t.Errorf("app.js has no words for reason %s", r)
		}
	}
}

// panicSource fails inside the verifier: the server answers 500 and keeps
// going.
type panicSource struct{ trustlist.Source }

func (panicSource) Lookup(credential.Format, []byte) []*trustlist.Key { panic("boom") }

func TestPanicRecovered(t *testing.T) {
	f := getFixture(t)
	s, logs := newServer(t, func(c *Config) { c.Trust = panicSource{f.trust} })
	decodeError(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.valid)), http.StatusInternalServerError, "internal")
	if !strings.Contains(logs.String(), `"msg":"panic"`) {
		t.Error("panic not logged")
	}
}

// serveReal runs s behind an http.Server built as `travelcred serve` builds
// it, on a loopback port.
func serveReal(t *testing.T, h http.Handler, to Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer("", h, to, nil)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// A client that dribbles its headers is cut off after ReadHeaderTimeout,
// while other clients are served.
func TestSlowClientCutOff(t *testing.T) {
	s, _ := newServer(t, nil)
	addr := serveReal(t, s, Timeouts{ReadHeader: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// 2,000 bytes at one every 20 ms would take 40 s.
	header := "POST /v1/verify HTTP/1.1\r\nHost: checkpoint\r\nX-Slow: " + strings.Repeat("a", 2000)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; i < len(header); i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{header[i]}); err != nil {
				return
			}
		}
	}()
	// Another client gets its answer meanwhile.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("other client: %v", err)
	}
	resp.Body.Close()
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the slow client was not cut off within 10 s")
	}
	t.Logf("cut off %v after reading began (%v)", time.Since(start).Round(time.Millisecond), err)
}

func TestOversizedHeaders(t *testing.T) {
	s, _ := newServer(t, nil)
	addr := serveReal(t, s, Timeouts{})
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("%d", resp.StatusCode)
	}
}

// clientFrom returns an HTTP client whose connections come from the given
// loopback address, so the server sees a distinct client.
func clientFrom(ip string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
		},
	}
}

// canDialFrom reports whether connections from the local address ip work
// (Linux routes all of 127.0.0.0/8 to the loopback interface).
func canDialFrom(ip, addr string) bool {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// flood sends n requests from client c over workers goroutines: a mix of
// valid and tampered credentials and requests refused with 400, 413 and
// 415. It returns the number of answers of each status, and the number of
// wrong answers.
func flood(t *testing.T, c *http.Client, url string, n, workers int) (map[int]int, int64) {
	f := getFixture(t)
	type req struct {
		ct, body string
		status   int
		valid    bool
	}
	big := strings.Repeat("A", 17<<10)
	reqs := []req{
		{"text/plain", f.valid, 200, true},
		{"text/plain", f.tampered, 200, false},
		{"application/json", `{"qr":`, 400, false},
		{"text/plain", big, 413, false},
		{"application/xml", "<qr/>", 415, false},
		{"text/plain", "not a credential", 200, false},
		{"application/json", `{"qr":"HC1:NCF"}`, 200, false},
		{"text/plain", "", 400, false},
	}
	var mu sync.Mutex
	counts := map[int]int{}
	var wrong atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				rq := reqs[i%int64(len(reqs))]
				resp, err := c.Post(url+"/v1/verify", rq.ct, strings.NewReader(rq.body))
				if err != nil {
					wrong.Add(1)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
				switch resp.StatusCode {
				case http.StatusTooManyRequests:
				case rq.status:
					if rq.status == 200 {
						var v VerifyResponse
						if json.Unmarshal(body, &v) != nil || v.Valid != rq.valid {
							wrong.Add(1)
						}
					}
				default:
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return counts, wrong.Load()
}

// 10,000 requests from one client: every answer has the right status and
// verdict, another client is answered throughout, and memory stays
// bounded.
func TestManyRequestsOneClient(t *testing.T) {
	for _, limited := range []bool{false, true} {
		t.Run(fmt.Sprintf("verify limit %v", limited), func(t *testing.T) {
			s, _ := newServer(t, func(c *Config) {
				c.Logger = nil
				if limited {
					c.VerifyLimit = RateLimit{Rate: 50, Burst: 100}
				}
			})
			ts := httptest.NewServer(s)
			defer ts.Close()
			f := getFixture(t)
			other := "127.0.0.2"
			if !canDialFrom(other, ts.Listener.Addr().String()) {
				if limited {
					t.Skip("127.0.0.2 is not a usable loopback address here: the other client cannot be told apart")
				}
				other = "127.0.0.1"
			}

			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)

			done := make(chan struct{})
			otherErr := make(chan error, 1)
			var otherOK atomic.Int64
			go func() {
				defer close(otherErr)
				c := clientFrom(other, 1)
				for {
					select {
					case <-done:
						return
					case <-time.After(20 * time.Millisecond):
					}
					resp, err := c.Post(ts.URL+"/v1/verify", "text/plain", strings.NewReader(f.valid))
					if err != nil {
						otherErr <- err
						return
					}
					var v VerifyResponse
					err = json.NewDecoder(resp.Body).Decode(&v)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 || !v.Valid {
						otherErr <- fmt.Errorf("other client: %d %v %+v", resp.StatusCode, err, v.Verdict)
						return
					}
					otherOK.Add(1)
				}
			}()
			counts, wrong := flood(t, clientFrom("127.0.0.1", 8), ts.URL, 10000, 8)
			close(done)
			if err := <-otherErr; err != nil {
				t.Fatal(err)
			}
			if wrong != 0 {
				t.Errorf("%d wrong answers; statuses %v", wrong, counts)
			}
			if otherOK.Load() == 0 {
				t.Error("the other client was never answered")
			}
			if limited && counts[http.StatusTooManyRequests] == 0 {
				t.Errorf("no 429 from a client far over its limit: %v", counts)
			}
			if !limited && counts[http.StatusTooManyRequests] != 0 {
				t.Errorf("429 without a limit: %v", counts)
			}
			if n := s.verifyLim.size(); n > 2 {
				t.Errorf("limiter holds %d clients", n)
			}
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			if growth > 32<<20 {
				t.Errorf("heap grew by %d MiB", growth>>20)
			}
			t.Logf("statuses %v; other client answered %d times; heap %+d KiB", counts, otherOK.Load(), growth>>10)
		})
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(RateLimit{Rate: 2, Burst: 3}, func() time.Time { return now }, 100)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("burst request %d refused", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("over burst: %v %v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("other key refused")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("not refilled")
	}
	// Bounded: 10,000 distinct keys never hold more than the maximum.
	for i := 0; i < 10000; i++ {
		l.allow(fmt.Sprint("client-", i))
		if l.size() > 100 {
			t.Fatalf("%d keys held", l.size())
		}
	}
	if newLimiter(RateLimit{}, time.Now, 10) != nil {
		t.Error("zero limit is not unlimited")
	}
	var nl *limiter
	if ok, _ := nl.allow("x"); !ok {
		t.Error("nil limiter refused")
	}
}

func TestNegotiate(t *testing.T) {
	offers := []string{"text/plain", "application/json", "image/png"}
	for accept, want := range map[string]string{
		"":                                 "text/plain",
		"*/*":                              "text/plain",
		"image/png":                        "image/png",
		"image/png;q=0, application/json":  "application/json",
		"text/plain;q=0.5, image/png":      "image/png",
		"application/json;q=0.9, */*;q=1":  "application/json",
		"image/webp":                       "text/plain",
		"application/json, image/png;q=.5": "application/json",
	} {
		if got := negotiate(accept, offers...); got != want {
			t.Errorf("%q: %s, want %s", accept, got, want)
		}
	}
}
