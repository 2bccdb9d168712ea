package main

// Private key material never appears in what the CLI prints — stdout,
// stderr or --json — whatever it is given: a key file where a credential
// or a trust file is expected, a corrupted or loosely-protected key for
// issue, tampered credentials. And no private key is read from a file
// that group or others may read.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/issuer"
)

// cliLeak finds private key material in the CLI's output: any 8
// consecutive characters of the hex, base64 or base64url form of a
// secret number of the key, 12 of its decimal form, or 8 of the key
// file's base64 body.
func cliLeak(t *testing.T, key crypto.Signer, keyPEM []byte) func(string) string {
	t.Helper()
	var secrets []*big.Int
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, new(big.Int).SetBytes(b))
	case *rsa.PrivateKey:
		secrets = append(secrets, k.D, k.Primes[0], k.Primes[1])
	default:
		t.Fatalf("unexpected key %T", key)
	}
	type needle struct {
		what   string
		s      string
		window int
	}
	var needles []needle
	for _, s := range secrets {
		b := s.Bytes()
		needles = append(needles, needle{"hex", hex.EncodeToString(b), 8}, needle{"HEX", strings.ToUpper(hex.EncodeToString(b)), 8},
			needle{"base64", base64.StdEncoding.EncodeToString(b), 8}, needle{"base64url", base64.RawURLEncoding.EncodeToString(b), 8},
			needle{"decimal", s.String(), 12})
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatal("key file is not PEM")
	}
	needles = append(needles, needle{"key file body", base64.StdEncoding.EncodeToString(block.Bytes), 8})
	return func(out string) string {
		for _, n := range needles {
			for i := 0; i+n.window <= len(n.s); i++ {
				if w := n.s[i : i+n.window]; strings.Contains(out, w) {
					return fmt.Sprintf("%s %q (offset %d)", n.what, w, i)
				}
			}
		}
		return ""
	}
}

func TestCLIDoesNotPrintKeys(t *testing.T) {
	dir := pki(t)
	keyFile, certFile := filepath.Join(dir, "NZ-dsc.key"), filepath.Join(dir, "NZ-dsc.crt")
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := issuer.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leak := cliLeak(t, key, keyPEM)
	if leak(string(keyPEM)) == "" {
		t.Fatal("the detector does not find the key in its own file")
	}
	code, text, errs := runCLI(t, payloadV, "issue", "--key", keyFile, "--cert", certFile)
	if code != 0 {
		t.Fatalf("issue: %d %s", code, errs)
	}
	text = strings.TrimSpace(text)

	// Damaged and misplaced keys for issue.
	bad := filepath.Join(dir, "bad.key")
	writeKey := func(data []byte, mode os.FileMode) {
		os.Remove(bad)
		if err := os.WriteFile(bad, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(bad, mode); err != nil {
			t.Fatal(err)
		}
	}
	block, _ := pem.Decode(keyPEM)
	flipped := func(i int) []byte {
		der := append([]byte(nil), block.Bytes...)
		der[i] ^= 0x80
		return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})
	}
	tampered := text[:len(text)-10] + strings.Repeat("0", 10)

	for _, tt := range []struct {
		name  string
		setup func()
		stdin string
		args  []string
	}{
		{name: "verify --json with the key file as input", args: []string{"verify", "--trust", certFile, "--json", keyFile}},
		{name: "verify with the key file as input", args: []string{"verify", "--trust", certFile, keyFile}},
		{name: "verify --json with the key on stdin", stdin: string(keyPEM), args: []string{"verify", "--trust", certFile, "--json", "-"}},
		{name: "verify with the key file as trust", args: []string{"verify", "--trust", keyFile, "--json", text}},
		{name: "verify --json of tampered credentials", args: []string{"verify", "--trust", certFile, "--json", tampered, text[:len(text)-1], text + "0"}},
		{name: "issue with a key whose DER is damaged", setup: func() { writeKey(flipped(len(block.Bytes)/2), 0o600) }, stdin: payloadV, args: []string{"issue", "--key", bad, "--cert", certFile}},
		{name: "issue with a key whose header is damaged", setup: func() { writeKey(flipped(3), 0o600) }, stdin: payloadV, args: []string{"issue", "--key", bad, "--cert", certFile}},
		{name: "issue with a truncated key", setup: func() { writeKey(keyPEM[:len(keyPEM)/2], 0o600) }, stdin: payloadV, args: []string{"issue", "--key", bad, "--cert", certFile}},
		{name: "issue with the key under another PEM type", setup: func() {
			writeKey(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}), 0o600)
		}, stdin: payloadV, args: []string{"issue", "--key", bad, "--cert", certFile}},
		{name: "issue with a group-readable key", setup: func() { writeKey(keyPEM, 0o640) }, stdin: payloadV, args: []string{"issue", "--key", bad, "--cert", certFile}},
		{name: "issue with the key as certificate", stdin: payloadV, args: []string{"issue", "--key", keyFile, "--cert", keyFile}},
		{name: "issue with the key as payload", args: []string{"issue", "--key", keyFile, "--cert", certFile, "--in", keyFile}},
		{name: "keygen with a damaged CSCA key", setup: func() { writeKey(flipped(len(block.Bytes)/2), 0o600) },
			args: []string{"keygen", "--country", "NZ", "--role", "dsc", "--csca-key", bad, "--csca-cert", filepath.Join(dir, "NZ-csca.crt"), "--out", t.TempDir()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			code, out, errs := runCLI(t, tt.stdin, tt.args...)
			if code == 0 {
				t.Fatalf("exit 0 for %v:\n%s", tt.args, out)
			}
			for name, s := range map[string]string{"stdout": out, "stderr": errs} {
				if l := leak(s); l != "" {
					t.Errorf("%s holds key material (%s):\n%s", name, l, s)
				}
			}
		})
	}
}

// TestServeRefusesReadableTLSKey: the TLS private key of `serve` gets the
// same protection as every other private key — a file that group or
// others may read is refused before anything listens.
func TestServeRefusesReadableTLSKey(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := issuer.WriteKeyFile(keyPath, key); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := newServeCmd(env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--trust", "demo", "--tls-cert", certPath, "--tls-key", keyPath})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	select {
	case err := <-done:
		var xe *exitError
		if errors.As(err, &xe) {
			err = xe.err
		}
		if !errors.Is(err, issuer.ErrKeyFilePermissions) {
			t.Errorf("serve with a group-readable TLS key: %v, want issuer.ErrKeyFilePermissions", err)
		}
	case <-time.After(10 * time.Second):
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
		t.Error("serve started with a TLS key that group and others may read")
	}
}
