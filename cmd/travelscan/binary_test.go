package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// goTool returns the go command, or skips the test without one.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		p = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(p); err != nil {
			t.Skip("no go command to build or list with")
		}
	}
	return p
}

// hostArch reports whether the test runs on the host's own architecture,
// so that a binary built for it can be started (under qemu-user
// emulation it cannot: there is no binfmt_misc to run a foreign binary).
func hostArch(t *testing.T, gotool string) bool {
	out, err := exec.Command(gotool, "env", "GOHOSTARCH", "GOHOSTOS").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	f := strings.Fields(string(out))
	return len(f) == 2 && f[0] == runtime.GOARCH && f[1] == runtime.GOOS
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
	binaryDir  string
)

// buildBinary builds travelscan for the test's own GOOS and GOARCH, once.
func buildBinary(t *testing.T) string {
	t.Helper()
	gotool := goTool(t)
	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "travelscan-test-")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "travelscan")
		cmd := exec.Command(gotool, "build", "-trimpath", "-o", binaryPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// netImporters are the only packages allowed to import package net:
// crypto/x509 needs its IP address types for certificate SANs, and links
// none of its socket code.
var netImporters = map[string]bool{"crypto/x509": true}

// The binary contains no network code: no package of the network stack in
// its dependencies (go list -deps), package net only through crypto/x509,
// and none of net's socket, dialer or resolver code linked in.
func TestNoNetworkCode(t *testing.T) {
	gotool := goTool(t)
	out, err := exec.Command(gotool, "list", "-deps", "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, row := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(row, "\t")
		switch {
		case pkg == "crypto/tls", pkg == "net/http", strings.HasPrefix(pkg, "net/http/"),
			strings.HasPrefix(pkg, "net/") && pkg != "net/netip" && pkg != "net/url",
			strings.HasPrefix(pkg, "golang.org/x/net"), strings.HasPrefix(pkg, "vendor/golang.org/x/net/http"):
			t.Errorf("network package %s in go list -deps ./cmd/travelscan", pkg)
		}
		for _, imp := range strings.Fields(imports) {
			if imp == "net" && !netImporters[pkg] {
				t.Errorf("%s imports package net (only crypto/x509 may; use net/netip for address parsing)", pkg)
			}
		}
	}
	if testing.Short() && !hostArch(t, gotool) {
		t.Skip("-short under emulation: the linked-symbol check runs natively")
	}
	bin := buildBinary(t)
	nm, err := exec.Command(gotool, "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	forbidden := []string{"net.(*netFD)", "net.(*Dialer)", "net.(*Resolver)", "net.(*ListenConfig)", "net.socket",
		"net.Dial", "net.Listen", "net.internetSocket", "crypto/tls.", "net/http."}
	for _, line := range strings.Split(string(nm), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		for _, bad := range forbidden {
			if strings.HasPrefix(f[2], bad) {
				t.Errorf("network code linked into travelscan: %s", f[2])
				break
			}
		}
	}
}

// The built binary answers each line at once: a line is sent only after
// the result of the previous one has been read.
func TestBinaryEndToEnd(t *testing.T) {
	gotool := goTool(t)
	if !hostArch(t, gotool) {
		t.Skip("cannot start a foreign binary under emulation; the in-process tests cover run()")
	}
	f, args := trustFiles(t)
	cmd := exec.Command(buildBinary(t), args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	results := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			results <- sc.Text()
		}
		close(results)
	}()
	inputs := []struct{ line, want string }{
		{f.Credentials[0].Text + "\r\n", "VALID GB vaccination"},
		{"garbage\n", "INVALID bad_prefix"},
		{"]Q1" + strings.ToLower(f.Credentials[1].Text) + "\r", "VALID NZ test"},
		{strings.Repeat("X", 10000) + "\n", "INVALID too_large"},
		{f.Credentials[2].Text + "\n", "VALID CA recovery"},
		{f.Credentials[3].Text + "\n", "VALID AU vaccination"},
	}
	for i, in := range inputs {
		if _, err := io.WriteString(stdin, in.line); err != nil {
			t.Fatal(err)
		}
		select {
		case got, ok := <-results:
			if !ok {
				t.Fatalf("output ended at line %d; stderr %s", i+1, stderr.String())
			}
			if !strings.HasPrefix(got, in.want) || !strings.HasSuffix(got, "| trust fresh age 3h") {
				t.Errorf("line %d: %s, want %s…", i+1, got, in.want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no result for line %d within 30 s: output is not flushed per line", i+1)
		}
	}
	stdin.Close()
	if extra, ok := <-results; ok {
		t.Errorf("extra output %q", extra)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInvalid {
		t.Errorf("exit: %v, want status %d", err, exitInvalid)
	}
}
