package httpapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/testvectors"
)

const (
	deskToken  = "desk-1-0123456789abcdefghijklmnopqrstuv"
	otherToken = "desk-2-ZYXWVUTSRQPONMLKJIHGFEDCBA98765432"
)

var tokensFile = "# issuing desks\n\ndesk-1 " + deskToken + "\n\tdesk-2\t" + otherToken + "  \n"

func samplePayloadJSON(t testing.TB, typ credential.Type) string {
	t.Helper()
	b, err := json.Marshal(testvectors.SamplePayload(typ, "GB"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func issuingServer(t testing.TB, adjust func(*Config)) (*Server, *logBuffer) {
	t.Helper()
	f := getFixture(t)
	gb, _ := f.fed.Member("GB")
	toks, err := ParseTokens(strings.NewReader(tokensFile))
	if err != nil {
		t.Fatal(err)
	}
	return newServer(t, func(c *Config) {
		c.Issuer = gb.Issuer
		c.Tokens = toks
		if adjust != nil {
			adjust(c)
		}
	})
}

func TestIssue(t *testing.T) {
	s, logs := issuingServer(t, nil)
	payload := samplePayloadJSON(t, credential.TypeVaccination)
	bearer := "Bearer " + deskToken

	t.Run("text", func(t *testing.T) {
		w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", bearer)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), "HC1:") {
			t.Fatalf("%d %q", w.Code, w.Body)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", bytes.NewReader(w.Body.Bytes())))
		if !v.Valid || v.Country != "GB" || v.Credential.Type != credential.TypeVaccination {
			t.Fatalf("issued credential does not verify: %+v", v)
		}
	})
	t.Run("png", func(t *testing.T) {
		w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(samplePayloadJSON(t, credential.TypeTest)),
			"Authorization", bearer, "Accept", "image/png")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
		}
		text, err := qr.DecodeBytes(w.Body.Bytes())
		if err != nil || !strings.HasPrefix(text, "HC1:") {
			t.Fatalf("PNG does not decode: %v", err)
		}
		if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(w.Body.Bytes()))); !v.Valid || v.Credential.Type != credential.TypeTest {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("json", func(t *testing.T) {
		w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload),
			"Authorization", "bearer "+otherToken, "Accept", "application/json, image/png;q=0.5")
		var out IssueResponse
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || !strings.HasPrefix(out.QR, "HC1:") || out.Country != "GB" || len(out.KeyID) != 8 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("invalid payload", func(t *testing.T) {
		w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(`{"ver":"1.3.0","nam":{"fnt":"X"},"dob":"1990-01-01"}`), "Authorization", bearer)
		decodeError(t, w, http.StatusUnprocessableEntity, "invalid_payload")
		decodeError(t, do(s, "POST", "/v1/issue", "application/json", strings.NewReader(`{"ver":`), "Authorization", bearer), http.StatusBadRequest, "unreadable_request")
		decodeError(t, do(s, "POST", "/v1/issue", "text/plain", strings.NewReader(payload), "Authorization", bearer), http.StatusUnsupportedMediaType, "unsupported_media_type")
		decodeError(t, do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload+strings.Repeat(" ", 16<<10)), "Authorization", bearer), http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("unauthenticated", func(t *testing.T) {
		w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload))
		decodeError(t, w, http.StatusUnauthorized, "unauthorized")
		if h := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer ") {
			t.Errorf("WWW-Authenticate %q", h)
		}
		for _, authz := range []string{"Bearer " + deskToken[:len(deskToken)-1], "Bearer " + deskToken + "x", "Bearer ", "Basic ZGVzay0xOnB3", deskToken} {
			w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", authz)
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%q: %d", authz, w.Code)
			}
		}
	})

	// The log names who issued what, never the holder.
	out := logs.String()
	for _, want := range []string{`"msg":"issued"`, `"client":"token:desk-1"`, `"client":"token:desk-2"`, `"type":"vaccination"`, `"type":"test"`, `"kid":"`, `"country":"GB"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	for _, secret := range []string{"Arsøns", "DARSONS", "FRANCOIS", "1990-01-01", "HC1:", deskToken, otherToken} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestIssueDisabled(t *testing.T) {
	s, _ := newServer(t, nil)
	decodeError(t, do(s, "POST", "/v1/issue", "application/json", strings.NewReader("{}"), "Authorization", "Bearer "+deskToken), http.StatusNotFound, "issuing_disabled")
	// An issuer without an authentication method is refused at start.
	f := getFixture(t)
	gb, _ := f.fed.Member("GB")
	if _, err := New(Config{Trust: f.trust, Issuer: gb.Issuer}); err == nil {
		t.Fatal("issuing without authentication was accepted")
	}
}

func TestIssueRateLimit(t *testing.T) {
	s, _ := issuingServer(t, func(c *Config) { c.IssueLimit = RateLimit{Rate: 1.0 / 3600, Burst: 3} })
	payload := samplePayloadJSON(t, credential.TypeRecovery)
	for i := 0; i < 3; i++ {
		if w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", "Bearer "+deskToken); w.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", "Bearer "+deskToken)
	decodeError(t, w, http.StatusTooManyRequests, "rate_limited")
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// Another client has its own bucket.
	if w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", "Bearer "+otherToken); w.Code != http.StatusOK {
		t.Fatalf("other client: %d", w.Code)
	}
	// Failed authentication does not use up a client's bucket, and is
	// refused before the rate limit is even looked at.
	if w := do(s, "POST", "/v1/issue", "application/json", strings.NewReader(payload), "Authorization", "Bearer wrong-token-wrong-token-wrong-token"); w.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", w.Code)
	}
}

func TestParseTokens(t *testing.T) {
	toks, err := ParseTokens(strings.NewReader(tokensFile))
	if err != nil {
		t.Fatal(err)
	}
	if toks.Len() != 2 {
		t.Fatalf("%d tokens", toks.Len())
	}
	for tok, want := range map[string]string{deskToken: "desk-1", otherToken: "desk-2", "": "", "desk-1": "", deskToken + " ": ""} {
		if name, ok := toks.Lookup(tok); name != want || ok != (want != "") {
			t.Errorf("Lookup(%q) = %q, %v", tok, name, ok)
		}
	}
	for _, bad := range []string{
		"",
		"# only comments\n",
		"desk-1\n",
		"desk-1 short\n",
		"desk 1 " + deskToken + "\n",
		"dé " + deskToken + "\n",
		"a " + deskToken + "\nb " + deskToken + "\n",
		strings.Repeat("x", 5000) + "\n",
	} {
		if _, err := ParseTokens(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %.40q", bad)
		}
	}
	// Rotation: one client, two tokens.
	if _, err := ParseTokens(strings.NewReader("a " + deskToken + "\na " + otherToken + "\n")); err != nil {
		t.Error(err)
	}
}

func TestLoadTokensPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens")
	if err := os.WriteFile(path, []byte(tokensFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTokens(path); !errors.Is(err, ErrTokenFilePermissions) {
		t.Fatalf("mode 0644 accepted: %v", err)
	}
	os.Chmod(path, 0o600)
	if toks, err := LoadTokens(path); err != nil || toks.Len() != 2 {
		t.Fatalf("%v", err)
	}
}

// Client certificates: a verified certificate on the allowed list issues,
// one that is not gets 403, and none at all gets 401.
func TestIssueClientCertificates(t *testing.T) {
	ca, caKey := newCA(t)
	allowed := newClientCert(t, ca, caKey, "desk-3")
	other := newClientCert(t, ca, caKey, "kiosk-9")
	s, logs := issuingServer(t, func(c *Config) {
		c.Tokens = nil
		c.ClientCertificates = true
		c.ClientSubjects = []string{"desk-3"}
	})
	ts := httptest.NewUnstartedServer(s)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	ts.TLS = &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	ts.StartTLS()
	defer ts.Close()
	payload := samplePayloadJSON(t, credential.TypeVaccination)
	post := func(cert *tls.Certificate) int {
		tr := ts.Client().Transport.(*http.Transport).Clone()
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
		resp, err := c.Post(ts.URL+"/v1/issue", "application/json", strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(&allowed); code != http.StatusOK {
		t.Errorf("allowed certificate: %d", code)
	}
	if code := post(&other); code != http.StatusForbidden {
		t.Errorf("certificate not on the list: %d", code)
	}
	if code := post(nil); code != http.StatusUnauthorized {
		t.Errorf("no certificate: %d", code)
	}
	if !strings.Contains(logs.String(), `"client":"cert:CN=desk-3,O=Test Agency"`) {
		t.Errorf("issuance not logged with the certificate subject:\n%s", logs)
	}
}

func newCA(t testing.TB) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func newClientCert(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"Test Agency"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
