package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/httpapi"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/trustlist/fetch"
)

// shutdownGrace is how long in-flight requests may take to finish after
// SIGTERM or SIGINT.
const shutdownGrace = 20 * time.Second

// serveOptions are the flags of `travelcred serve`.
type serveOptions struct {
	addr, trust, anchor, publish   string
	issueKey, issueCert, tokens    string
	tlsCert, tlsKey, clientCA      string
	clientSubjects                 []string
	refresh, maxAge                time.Duration
	issueRate, verifyRate          float64
	issueBurst, verifyBurst        int
	logFormat                      string
	readHeaderTimeout, readTimeout time.Duration
	writeTimeout, idleTimeout      time.Duration
}

func newServeCmd(e env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--addr :8080] [--trust FILE|URL|demo] [--anchor FILE] [--publish DIR] [--issue-key K --issue-cert C --tokens FILE] [--tls-cert C --tls-key K] [--client-ca FILE] [--refresh 1h] [--max-age D]",
		Short: "Run the HTTP service: verify, issue, publish trust lists, and the checkpoint page",
		Long: `serve runs the HTTP service until SIGTERM or SIGINT, then lets requests in
flight finish. It verifies credentials at POST /v1/verify and serves the
checkpoint page at /; with --issue-key, --issue-cert and --tokens (or
--client-ca) it issues at POST /v1/issue; it publishes the trust list at
/v1/trustlist and /v1/anchor, or the documents of --publish DIR.

--trust names a federated list (a file or an https URL, verified against
--anchor and refreshed every --refresh in the background), PEM DSC
certificate files or folders, or demo (the built-in demo federation, whose
private keys are public). There is no default trust.

It prints "listening on URL" on standard output once it accepts
connections, and logs one JSON line per request on standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":8080", "address to listen on (host:port; port 0 picks a free one)")
	f.StringVar(&o.trust, "trust", "", "a federated list (file or URL, with --anchor), PEM DSC certificate file(s) or folder(s), or demo")
	f.StringVar(&o.anchor, "anchor", "", "the pinned federation anchor for a federated list")
	f.StringVar(&o.publish, "publish", "", "serve trust documents from this folder (anchor.json, federated.json, *.json), picking up new files without restart")
	f.StringVar(&o.issueKey, "issue-key", "", "DSC private key: enables POST /v1/issue (with --issue-cert and --tokens or --client-ca)")
	f.StringVar(&o.issueCert, "issue-cert", "", "DSC certificate of --issue-key")
	f.StringVar(&o.tokens, "tokens", "", `bearer tokens allowed to issue: one "NAME TOKEN" a line, mode 0600`)
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate chain (PEM): serve HTTPS")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM)")
	f.StringVar(&o.clientCA, "client-ca", "", "CA certificates (PEM) of TLS client certificates allowed to issue")
	f.StringSliceVar(&o.clientSubjects, "client-subject", nil, "limit --client-ca certificates to these subject CNs or DNs (repeatable)")
	f.DurationVar(&o.refresh, "refresh", time.Hour, "how often to refresh a federated list")
	f.DurationVar(&o.maxAge, "max-age", 0, "refuse a trust list issued longer ago than this, and report not ready (default: only its own expiry)")
	f.Float64Var(&o.issueRate, "issue-rate", httpapi.DefaultIssueLimit.Rate, "credentials a second each issuing client may sustain")
	f.IntVar(&o.issueBurst, "issue-burst", httpapi.DefaultIssueLimit.Burst, "credentials each issuing client may request at once")
	f.Float64Var(&o.verifyRate, "verify-rate", 0, "verifications a second per client IP address (default: no limit)")
	f.IntVar(&o.verifyBurst, "verify-burst", 0, "verifications per client IP address at once (default: the rate)")
	f.StringVar(&o.logFormat, "log-format", "json", "json or text")
	f.DurationVar(&o.readHeaderTimeout, "read-header-timeout", httpapi.DefaultTimeouts.ReadHeader, "time allowed to read request headers")
	f.DurationVar(&o.readTimeout, "read-timeout", httpapi.DefaultTimeouts.Read, "time allowed to read a whole request")
	f.DurationVar(&o.writeTimeout, "write-timeout", httpapi.DefaultTimeouts.Write, "time allowed to answer a request")
	f.DurationVar(&o.idleTimeout, "idle-timeout", httpapi.DefaultTimeouts.Idle, "how long an idle keep-alive connection stays open")
	return cmd
}

func runServe(parent context.Context, e env, o serveOptions) error {
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var logger *slog.Logger
	switch o.logFormat {
	case "json":
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	case "text":
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	default:
		return usageErr("--log-format must be json or text")
	}
	if o.refresh <= 0 {
		return usageErr("--refresh must be positive")
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	if o.clientCA != "" && o.tlsCert == "" {
		return usageErr("--client-ca needs --tls-cert and --tls-key")
	}
	if len(o.clientSubjects) > 0 && o.clientCA == "" {
		return usageErr("--client-subject needs --client-ca")
	}

	cfg := httpapi.Config{
		Logger:      logger,
		MaxTrustAge: o.maxAge,
		PublishDir:  o.publish,
		IssueLimit:  httpapi.RateLimit{Rate: o.issueRate, Burst: o.issueBurst},
		VerifyLimit: httpapi.RateLimit{Rate: o.verifyRate, Burst: o.verifyBurst},
	}
	if o.issueRate <= 0 {
		cfg.IssueLimit.Rate = -1 // no limit
	}
	if o.publish != "" {
		if st, err := os.Stat(o.publish); err != nil || !st.IsDir() {
			return usageErr("--publish %s is not a folder", o.publish)
		}
	}
	cache, err := serveTrust(e, o, &cfg, logger)
	if err != nil {
		return err
	}
	if err := serveIssuer(o, &cfg); err != nil {
		return err
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		return usageErr("%v", err)
	}

	srv := httpapi.NewHTTPServer(o.addr, api, httpapi.Timeouts{
		ReadHeader: o.readHeaderTimeout, Read: o.readTimeout, Write: o.writeTimeout, Idle: o.idleTimeout,
	}, logger)
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
		tc, err := serveTLS(o)
		if err != nil {
			return err
		}
		srv.TLSConfig = tc
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return ioErr(err)
	}
	if cache != nil {
		go refreshLoop(ctx, cache, o.refresh, logger)
	}
	served := make(chan error, 1)
	go func() {
		if scheme == "https" {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	fmt.Fprintf(e.stdout, "listening on %s://%s/\n", scheme, ln.Addr())
	logger.Info("listening", "addr", ln.Addr().String(), "tls", scheme == "https", "demo", cfg.Demo,
		"issuing", cfg.Issuer != nil, "publish", o.publish)

	select {
	case err := <-served:
		return ioErr(err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return ioErr(fmt.Errorf("shutdown: %w", err))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return ioErr(err)
	}
	return nil
}

// serveTrust sets cfg.Trust from --trust. A federated list comes back as a
// cache to refresh in the background; it is loaded once before serving
// (a local file must load; a URL that fails is retried in the background
// while /readyz says not ready).
func serveTrust(e env, o serveOptions, cfg *httpapi.Config, logger *slog.Logger) (*fetch.Cache, error) {
	switch o.trust {
	case "":
		return nil, usageErr("--trust is required: a federated list with --anchor, PEM DSC certificates, or demo (there is no default trust)")
	case "demo":
		fmt.Fprintln(e.stderr, testvectors.DemoWarning)
		l, err := testvectors.DemoTrust(time.Now())
		if err != nil {
			return nil, policyErr(err)
		}
		cfg.Trust, cfg.Demo = l, true
		return nil, nil
	}
	isURL := strings.HasPrefix(o.trust, "http://") || strings.HasPrefix(o.trust, "https://")
	if !isURL && !isFederatedFile(o.trust) {
		t, err := trustlist.LoadPEM(strings.Split(o.trust, ",")...)
		if err != nil {
			return nil, ioErr(err)
		}
		cfg.Trust = t
		return nil, nil
	}
	anchor, err := loadAnchor(o.anchor)
	if err != nil {
		return nil, err
	}
	c, err := fetch.New(o.trust, anchor, fetch.Options{
		Client:   &http.Client{Timeout: time.Minute},
		Interval: o.refresh,
		OnError: func(err error) {
			logger.Error("trust list refresh failed; keeping the last good list", "err", err.Error())
		},
		OnUpdate: func(l *trustlist.List) {
			logger.Info("trust list loaded", "sequence", l.Sequence, "issuedAt", l.IssuedAt, "nextUpdate", l.NextUpdate, "expiresAt", l.ExpiresAt, "keys", l.Len())
		},
	})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	rctx, cancel := contextWithTimeout(time.Minute)
	defer cancel()
	if err := c.Refresh(rctx); err != nil && !isURL {
		return nil, policyErr(err)
	}
	cfg.Trust = c
	return c, nil
}

func isFederatedFile(path string) bool {
	if strings.Contains(path, ",") {
		return false
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))
}

// refreshLoop retries a list that failed to load, backing off up to the
// refresh interval, then refreshes it every interval until ctx ends.
func refreshLoop(ctx context.Context, c *fetch.Cache, interval time.Duration, logger *slog.Logger) {
	backoff := 5 * time.Second
	for c.Current() == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		c.Refresh(rctx)
		cancel()
		backoff = min(2*backoff, interval)
	}
	c.Run(ctx)
}

// serveIssuer sets cfg.Issuer and its authentication from the flags.
func serveIssuer(o serveOptions, cfg *httpapi.Config) error {
	if o.issueKey == "" && o.issueCert == "" {
		if o.tokens != "" {
			return usageErr("--tokens needs --issue-key and --issue-cert")
		}
		return nil
	}
	if o.issueKey == "" || o.issueCert == "" {
		return usageErr("--issue-key and --issue-cert go together")
	}
	if o.tokens == "" && o.clientCA == "" {
		return usageErr("issuing needs authentication: --tokens FILE and/or --client-ca FILE")
	}
	key, err := issuer.LoadKeyFile(o.issueKey)
	if err != nil {
		return ioErr(err)
	}
	cert, err := issuer.LoadCertificateFile(o.issueCert)
	if err != nil {
		return ioErr(err)
	}
	if cfg.Issuer, err = issuer.New(key, cert); err != nil {
		return usageErr("%v", err)
	}
	if o.tokens != "" {
		if cfg.Tokens, err = httpapi.LoadTokens(o.tokens); err != nil {
			return ioErr(err)
		}
	}
	cfg.ClientCertificates = o.clientCA != ""
	cfg.ClientSubjects = o.clientSubjects
	return nil
}

// serveTLS loads the server certificate and, with --client-ca, asks for
// (but does not require) client certificates: the page and /v1/verify
// stay open to browsers without one.
func serveTLS(o serveOptions) (*tls.Config, error) {
	// The TLS key is a private key like the others: refuse it when group
	// or others may read it, as issuer.LoadKeyFile does.
	if st, err := os.Stat(o.tlsKey); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s",
			issuer.ErrKeyFilePermissions, o.tlsKey, st.Mode().Perm(), o.tlsKey)}
	}
	cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return nil, ioErr(err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if o.clientCA != "" {
		pem, err := os.ReadFile(o.clientCA)
		if err != nil {
			return nil, ioErr(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageErr("--client-ca %s holds no PEM certificate", o.clientCA)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return tc, nil
}
