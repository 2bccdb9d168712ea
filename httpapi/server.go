package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// DefaultIssueLimit is the per-client rate limit on POST /v1/issue when
// Config.IssueLimit is the zero value: one credential a second on
// average, in bursts of up to 10.
var DefaultIssueLimit = RateLimit{Rate: 1, Burst: 10}

// Config configures a Server. Trust is the only required field.
type Config struct {
	// Trust is the trust source every verification uses: a
	// *trustlist.List, a *fetch.Cache refreshing in the background (its
	// Status reports an expired list until the first load, and the server
	// is not ready until then), a *trustlist.Static, or any other Source.
	Trust trustlist.Source

	// TrustList returns the signed federated list served at
	// GET /v1/trustlist, or nil when there is none yet. When TrustList is
	// nil, the list comes from Trust: its Raw bytes when Trust is a
	// *trustlist.List or has a Current() *trustlist.List method (as
	// *fetch.Cache has).
	TrustList func() []byte
	// Anchor is the signed federation anchor served at GET /v1/anchor.
	// When nil, the anchor that the current list was verified against is
	// served.
	Anchor []byte
	// PublishDir, when set, is a folder whose trust documents are served
	// instead: PublishedList at /v1/trustlist, PublishedAnchor at
	// /v1/anchor, and every *.json file (drafts and hidden files excepted)
	// at /v1/lists/NAME. Files are looked up on every request, so a file
	// that the publisher replaces (write and rename) is served from the
	// next request on, without a restart.
	PublishDir string

	// Clock is the verification clock (time.Now when nil).
	Clock func() time.Time
	// MaxTrustAge refuses verification with reason trust_list_stale, and
	// makes the server not ready, when the trust list was issued longer
	// ago than this (zero: only the list's own expiry counts).
	MaxTrustAge time.Duration
	// VerifierOptions are further verifier options, such as
	// verifier.WithSkew. The clock and the maximum trust age come from
	// Clock and MaxTrustAge.
	VerifierOptions []verifier.Option
	// Demo marks the built-in demo trust list: every status and verdict
	// then carries a warning, and the page shows a banner.
	Demo bool

	// Issuer signs credentials at POST /v1/issue; nil disables issuing.
	// Issuing also needs an authentication method: Tokens or
	// ClientCertificates.
	Issuer *issuer.Issuer
	// Tokens are the bearer tokens of the clients allowed to issue.
	Tokens *Tokens
	// ClientCertificates allows clients to authenticate with a TLS client
	// certificate that the TLS server verified (tls.Config.ClientCAs with
	// ClientAuth tls.VerifyClientCertIfGiven or stricter).
	ClientCertificates bool
	// ClientSubjects, when not empty, limits the accepted client
	// certificates to those whose subject common name or full subject
	// (as pkix.Name.String writes it, e.g. "CN=desk-1,O=Agency,C=GB")
	// is listed. A verified certificate that is not listed gets 403.
	ClientSubjects []string
	// IssueLimit is the rate limit per client on POST /v1/issue
	// (DefaultIssueLimit when zero; a negative Rate disables it).
	IssueLimit RateLimit
	// VerifyLimit is the rate limit per client IP address on
	// POST /v1/verify (none when zero). Behind a proxy every request comes
	// from the proxy's address: limit there instead.
	VerifyLimit RateLimit

	// MaxConcurrentImages is how many image verifications may run at once
	// (twice GOMAXPROCS when zero). Others wait up to ten seconds, then
	// get 503.
	MaxConcurrentImages int
	// MaxTextBytes, MaxBodyBytes and MaxImageBytes lower the limits on
	// credential text (limits.QRText), text and JSON bodies
	// (limits.HTTPBody) and images (limits.ImageBytes). They cannot be
	// raised.
	MaxTextBytes, MaxBodyBytes, MaxImageBytes int

	// Logger receives one record per request and one per issuance (no
	// logging when nil).
	Logger *slog.Logger
	// Registerer receives the server's metrics. When nil they go to a
	// private registry, served with the Go and process collectors at
	// GET /metrics; otherwise /metrics is not served and the caller
	// exposes its own registry.
	Registerer prometheus.Registerer
}

// Server is the HTTP service. It is an http.Handler, safe for concurrent
// use; build it with New.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	v         *verifier.Verifier
	now       func() time.Time
	log       *slog.Logger
	metrics   *metrics
	issueLim  *limiter
	verifyLim *limiter
	images    chan struct{}
	pub       *publishDir
	listDoc   memDoc
	anchorDoc memDoc

	maxText, maxBody, maxImage int
}

// New returns a Server for cfg. It starts no goroutine: a refreshing trust
// source must be run by the caller (fetch.Cache.Run).
func New(cfg Config) (*Server, error) {
	if cfg.Trust == nil {
		return nil, errors.New("httpapi: Config.Trust is required (there is no default trust)")
	}
	s := &Server{cfg: cfg, now: cfg.Clock, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Issuer != nil && cfg.Tokens == nil && !cfg.ClientCertificates {
		return nil, errors.New("httpapi: issuing needs an authentication method: Tokens or ClientCertificates")
	}
	if cfg.Tokens != nil && cfg.Tokens.Len() == 0 {
		return nil, errors.New("httpapi: the token set is empty")
	}
	opts := append([]verifier.Option{}, cfg.VerifierOptions...)
	opts = append(opts, verifier.WithClock(s.now), verifier.WithMaxTrustAge(cfg.MaxTrustAge))
	var err error
	if s.v, err = verifier.New(cfg.Trust, opts...); err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	s.maxText = limits.Lower(limits.QRText, cfg.MaxTextBytes)
	s.maxBody = limits.Lower(limits.HTTPBody, cfg.MaxBodyBytes)
	s.maxImage = limits.Lower(limits.ImageBytes, cfg.MaxImageBytes)
	n := cfg.MaxConcurrentImages
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	s.images = make(chan struct{}, n)
	il := cfg.IssueLimit
	if il == (RateLimit{}) {
		il = DefaultIssueLimit
	}
	s.issueLim = newLimiter(il, time.Now, maxLimiterKeys)
	s.verifyLim = newLimiter(cfg.VerifyLimit, time.Now, maxLimiterKeys)
	if cfg.PublishDir != "" {
		s.pub = &publishDir{dir: cfg.PublishDir, files: map[string]*dirFile{}}
	}
	if s.metrics, err = newMetrics(cfg.Registerer, s); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/verify", s.handleVerify)
	m.HandleFunc("POST /v1/issue", s.handleIssue)
	m.HandleFunc("GET /v1/trustlist", s.handleTrustList)
	m.HandleFunc("GET /v1/anchor", s.handleAnchor)
	m.HandleFunc("GET /v1/lists", s.handleListIndex)
	m.HandleFunc("GET /v1/lists/{name}", s.handlePublished)
	m.HandleFunc("GET /v1/status", s.handleStatus)
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	if s.metrics.handler != nil {
		m.Handle("GET /metrics", s.metrics.handler)
	}
	m.HandleFunc("GET /{$}", s.handlePage)
	m.HandleFunc("GET /assets/{name}", s.handleAsset)
	s.mux = m
}

// ServeHTTP implements http.Handler: it gives the request an id (the
// client's X-Request-Id when it is short and plain, else a random one),
// echoes it in the response, routes the request, and logs and counts it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID(r.Header.Get("X-Request-Id"))
	h := w.Header()
	h.Set("X-Request-Id", id)
	h.Set("X-Content-Type-Options", "nosniff")
	rec := &recorder{ResponseWriter: w}
	info := &reqInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			buf := make([]byte, 4<<10)
			buf = buf[:runtime.Stack(buf, false)]
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic", slog.String("id", id), slog.String("stack", string(buf)))
			if !rec.wrote {
				writeError(rec, http.StatusInternalServerError, "internal", "")
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		level := slog.LevelInfo
		switch route {
		case "GET /healthz", "GET /readyz", "GET /metrics", "GET /assets/{name}":
			level = slog.LevelDebug
		}
		if !s.log.Enabled(r.Context(), level) {
			return
		}
		attrs := append([]slog.Attr{
			slog.String("id", id),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("latency_ms", ms(time.Since(start))),
			slog.String("remote", hostOf(r.RemoteAddr)),
		}, info.attrs...)
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	}()
	s.mux.ServeHTTP(rec, r)
}

// reqInfo collects what handlers add to the request's log record.
type reqInfo struct {
	attrs []slog.Attr
}

type infoKey struct{}

func addLog(r *http.Request, attrs ...slog.Attr) {
	if info, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		info.attrs = append(info.attrs, attrs...)
	}
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = code >= 200 // 1xx responses are informational
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// requestID returns the client's id when it is 1 to 64 characters of
// [A-Za-z0-9._-], else a new random one.
func requestID(given string) string {
	if n := len(given); n > 0 && n <= 64 {
		ok := true
		for i := 0; i < n && ok; i++ {
			c := given[i]
			ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		}
		if ok {
			return given
		}
	}
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// ErrorResponse is the JSON body of every error status.
type ErrorResponse struct {
	// Error is a stable snake_case code: unreadable_request, empty,
	// too_large, image_too_large, unreadable_image,
	// unsupported_media_type, unauthorized, invalid_token, forbidden,
	// rate_limited, busy, invalid_payload, key_usage, validity,
	// not_found, not_loaded, issuing_disabled or internal.
	Error string `json:"error"`
	// Detail says more, in English.
	Detail string `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, detail string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(ErrorResponse{Error: code, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Timeouts are the limits NewHTTPServer sets on an http.Server.
type Timeouts struct {
	// ReadHeader bounds the time to read a request's headers: a client
	// dribbling its headers is cut off after it.
	ReadHeader time.Duration
	// Read bounds the time to read a whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the request headers to the
	// end of the response.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request.
	Idle time.Duration
	// MaxHeaderBytes limits the size of request headers; larger ones get
	// 431.
	MaxHeaderBytes int
}

// DefaultTimeouts are the Timeouts used for zero fields.
var DefaultTimeouts = Timeouts{
	ReadHeader:     5 * time.Second,
	Read:           30 * time.Second,
	Write:          60 * time.Second,
	Idle:           120 * time.Second,
	MaxHeaderBytes: 16 << 10,
}

// NewHTTPServer returns an http.Server for h listening on addr, with every
// timeout and the header limit of t set (DefaultTimeouts for zero fields)
// and its error log (TLS handshake failures, for example) sent to log at
// level Warn. log may be nil.
func NewHTTPServer(addr string, h http.Handler, t Timeouts, log *slog.Logger) *http.Server {
	d := DefaultTimeouts
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	if t.MaxHeaderBytes <= 0 {
		t.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: pick(t.ReadHeader, d.ReadHeader),
		ReadTimeout:       pick(t.Read, d.Read),
		WriteTimeout:      pick(t.Write, d.Write),
		IdleTimeout:       pick(t.Idle, d.Idle),
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// ms returns d in milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
