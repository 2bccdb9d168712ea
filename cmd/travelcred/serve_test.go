package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
)

// lockedBuffer collects stderr from the server goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `travelcred serve ARGS` in-process until the test ends
// (or stop is called, which returns the command's error), and returns the
// URL it printed.
func startServe(t *testing.T, args ...string) (url string, stderr *lockedBuffer, stop func() error) {
	t.Helper()
	pr, pw := io.Pipe()
	stderr = &lockedBuffer{}
	cmd := newServeCmd(env{stdin: strings.NewReader(""), stdout: pw, stderr: stderr})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := cmd.ExecuteContext(ctx)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("serve ended before listening: %v\n%s", <-done, stderr)
	}
	line := lines.Text()
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(line, "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = errors.New("serve did not shut down within 30 s")
			}
		})
		return result
	}
	t.Cleanup(func() { stop() })
	return strings.TrimSuffix(url, "/"), stderr, stop
}

// serveErr runs serve with args that must be refused, and returns the exit
// code.
func serveErr(t *testing.T, args ...string) int {
	t.Helper()
	cmd := newServeCmd(env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err == nil {
		t.Fatalf("%v: accepted", args)
	}
	var xe *exitError
	if !errors.As(err, &xe) {
		return exitUsage // as run() maps cobra's own errors
	}
	return xe.code
}

func demoCredential(t *testing.T) string {
	t.Helper()
	fed, err := testvectors.DemoFederation(nil)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := fed.Member("GB")
	out, err := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "GB"))
	if err != nil {
		t.Fatal(err)
	}
	return out.Text
}

func verifyOver(t *testing.T, c *http.Client, url, text string) bool {
	t.Helper()
	resp, err := c.Post(url+"/v1/verify", "text/plain", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Valid  bool   `json:"valid"`
		Reason string `json:"reason"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&v) != nil {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	return v.Valid
}

func get(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestServeDemo(t *testing.T) {
	url, stderr, stop := startServe(t, "--addr", "127.0.0.1:0", "--trust", "demo")
	c := http.DefaultClient
	for _, p := range []string{"/healthz", "/readyz", "/", "/assets/app.js", "/v1/status", "/v1/trustlist", "/v1/anchor", "/metrics"} {
		if resp := get(t, c, url+p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp := get(t, c, url+"/v1/trustlist"); resp.Header.Get("ETag") == "" {
		t.Error("trust list without ETag")
	}
	text := demoCredential(t)
	if !verifyOver(t, c, url, text) {
		t.Error("demo credential not valid")
	}
	if verifyOver(t, c, url, text[:len(text)-3]) {
		t.Error("damaged credential valid")
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, testvectors.DemoWarning) {
		t.Error("no demo warning")
	}
	for _, want := range []string{`"msg":"request"`, `"route":"POST /v1/verify"`, `"verdict":"valid"`, `"msg":"shutting down"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	if strings.Contains(logs, text[:30]) {
		t.Error("credential text logged")
	}
}

// A federated list from a file, verified against the anchor and refreshed
// in the background, and a publish folder.
func TestServeFederatedFile(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "federated.json")
	anchor := filepath.Join(dir, "anchor.json")
	os.WriteFile(list, testvectors.DemoFederatedList(), 0o644)
	os.WriteFile(anchor, testvectors.DemoAnchor(), 0o644)
	url, stderr, stop := startServe(t, "--addr", "127.0.0.1:0", "--trust", list, "--anchor", anchor,
		"--refresh", "50ms", "--publish", dir, "--max-age", "87600h")
	c := http.DefaultClient
	if resp := get(t, c, url+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz %d: %s", resp.StatusCode, stderr)
	}
	if !verifyOver(t, c, url, demoCredential(t)) {
		t.Error("not valid")
	}
	if resp := get(t, c, url+"/v1/trustlist"); resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Errorf("publish: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), testvectors.DemoWarning) {
		t.Error("demo warning for a real list")
	}
	if !strings.Contains(stderr.String(), `"msg":"trust list loaded"`) {
		t.Errorf("load not logged:\n%s", stderr)
	}
}

// HTTPS with issuing by bearer token.
func TestServeTLSIssue(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dscKey, _ := testvectors.DemoFile("GB-dsc.key")
	dscCert, _ := testvectors.DemoFile("GB-dsc.crt")
	keyPath := write("GB-dsc.key", dscKey, 0o600)
	certPath := write("GB-dsc.crt", dscCert, 0o644)
	token := "0123456789abcdefghijklmnopqrstuvwxyzABCD"
	tokens := write("tokens", []byte("desk-1 "+token+"\n"), 0o600)
	tlsCert, tlsKey, pool := selfSigned(t, dir)

	url, stderr, _ := startServe(t, "--addr", "127.0.0.1:0", "--trust", "demo",
		"--tls-cert", tlsCert, "--tls-key", tlsKey,
		"--issue-key", keyPath, "--issue-cert", certPath, "--tokens", tokens)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %s", url)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	payload, _ := json.Marshal(testvectors.SamplePayload(credential.TypeTest, "GB"))
	issue := func(authz string) (int, string) {
		req, _ := http.NewRequest("POST", url+"/v1/issue", strings.NewReader(string(payload)))
		req.Header.Set("Content-Type", "application/json")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := issue(""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := issue("Bearer " + token[1:] + "x"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	code, text := issue("Bearer " + token)
	if code != http.StatusOK || !strings.HasPrefix(text, "HC1:") {
		t.Fatalf("issue: %d %s", code, text)
	}
	if !verifyOver(t, c, url, text) {
		t.Error("issued credential not valid")
	}
	if !strings.Contains(stderr.String(), `"msg":"issued","id"`) || !strings.Contains(stderr.String(), `"client":"token:desk-1"`) {
		t.Errorf("issuance not logged:\n%s", stderr)
	}
}

func selfSigned(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "checkpoint.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certPath, keyPath = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

func TestServeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "federated.json")
	os.WriteFile(list, testvectors.DemoFederatedList(), 0o644)
	loose := filepath.Join(dir, "tokens")
	os.WriteFile(loose, []byte("a 0123456789abcdefghijklmnopqrstuvwxyz\n"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, args := range [][]string{
		{},
		{"--trust", "demo", "--tls-cert", "x.crt"},
		{"--trust", "demo", "--client-ca", "ca.pem"},
		{"--trust", "demo", "--client-subject", "desk-1"},
		{"--trust", "demo", "--issue-key", "k", "--issue-cert", "c"},
		{"--trust", "demo", "--issue-key", "k"},
		{"--trust", "demo", "--tokens", loose},
		{"--trust", "demo", "--publish", filepath.Join(dir, "missing")},
		{"--trust", "demo", "--log-format", "xml"},
		{"--trust", list},
		{"--trust", filepath.Join(dir, "missing.pem")},
		{"--trust", "demo", "--addr", busy.Addr().String()},
		{"--trust", "demo", "extra-argument"},
	} {
		if code := serveErr(t, append([]string{"--addr", "127.0.0.1:0"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// The server that serve builds cuts off a client dribbling its headers.
func TestServeSlowClient(t *testing.T) {
	url, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--trust", "demo", "--read-header-timeout", "200ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("not cut off within 10 s")
	}
}
