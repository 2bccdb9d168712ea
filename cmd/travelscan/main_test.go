package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/scanner/scantest"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

var atFlag = scantest.At.Format(time.RFC3339)

// trustFiles writes the fixture's anchor and federated list to a temporary
// folder and returns the flags naming them.
func trustFiles(t testing.TB) (*scantest.Fixture, []string) {
	t.Helper()
	f, err := scantest.Get()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	anchor, list := filepath.Join(dir, "anchor.json"), filepath.Join(dir, "federated.json")
	if err := os.WriteFile(anchor, f.Anchor, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, f.Federated, 0o644); err != nil {
		t.Fatal(err)
	}
	return f, []string{"--trust", list, "--anchor", anchor, "--at", atFlag}
}

// runWith runs travelscan in-process on stdin and returns its exit status,
// output lines and standard error.
func runWith(t testing.TB, args []string, stdin string) (int, []string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	var lines []string
	if s := strings.TrimSuffix(out.String(), "\n"); s != "" {
		lines = strings.Split(s, "\n")
	}
	return code, lines, errOut.String()
}

func TestVerifyLines(t *testing.T) {
	f, args := trustFiles(t)
	de, _ := scanner.LayoutByName("us-scanner-de-host")
	es := f.Credentials[0].Text
	type want struct{ prefix, contains string }
	var in strings.Builder
	var wants []want
	add := func(line string, w want) {
		in.WriteString(line)
		wants = append(wants, w)
	}
	for _, c := range f.Credentials {
		add(c.Text+"\n", want{"VALID " + c.Country + " " + c.Type.String() + " d'Arsøns-van Halen, François-Joan born 1990-01-01 | trust fresh age 3h", ""})
	}
	add("]Q1"+strings.ToLower(es)+"\r\n", want{"VALID GB vaccination", "| trust fresh age 3h"})
	add(de.Apply(es)+"\r", want{"INVALID input_mangled (malformed): bad_prefix: ", "[hint: 'Ö' arrived for ':' at offset 3, as with a scanner typing with a US layout into a German (QWERTZ) host"})
	add(es[:100]+es[101:]+"\n", want{"INVALID bad_", "(malformed)"})
	add(strings.Repeat("A", 9000)+"\n", want{"INVALID too_large (malformed): line of 9000 bytes", "| trust fresh age 3h"})
	add("hello\n", want{"INVALID bad_prefix (malformed)", ""})
	add(es, want{"VALID GB", ""}) // no terminator at the end of the input

	code, lines, stderr := runWith(t, args, in.String())
	if code != exitInvalid {
		t.Errorf("exit %d, want %d; stderr %s", code, exitInvalid, stderr)
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d output lines for %d input lines:\n%s", len(lines), len(wants), strings.Join(lines, "\n"))
	}
	for i, w := range wants {
		if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.contains) {
			t.Errorf("line %d:\n got %s\nwant %s…%s", i+1, lines[i], w.prefix, w.contains)
		}
	}
}

func TestAllValidExitsZero(t *testing.T) {
	f, args := trustFiles(t)
	var in strings.Builder
	for _, c := range f.Credentials {
		in.WriteString(c.Text + "\r\n")
	}
	code, lines, stderr := runWith(t, args, in.String())
	if code != exitValid || len(lines) != len(f.Credentials) {
		t.Fatalf("exit %d, %d lines; stderr %s", code, len(lines), stderr)
	}
}

func TestJSON(t *testing.T) {
	f, args := trustFiles(t)
	de, _ := scanner.LayoutByName("us-scanner-de-host")
	collision, _ := f.Credential("ES256 kid collision")
	in := f.Credentials[1].Text + "\n" + de.Apply(f.Credentials[2].Text) + "\n" + collision.Text + "\n"
	code, lines, _ := runWith(t, append(args, "--json"), in)
	if code != exitInvalid || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines", code, len(lines))
	}
	var rs []map[string]any
	for _, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rs = append(rs, r)
	}
	check := func(i int, key string, want any) {
		t.Helper()
		if got := rs[i][key]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("line %d: %s = %v, want %v", i+1, key, got, want)
		}
	}
	for i := range rs {
		check(i, "line", i+1)
		check(i, "trustAge", "3h0m0s")
		check(i, "trustFreshness", "fresh")
	}
	check(0, "valid", true)
	check(0, "country", "NZ")
	check(0, "alg", "PS256")
	check(1, "valid", false)
	check(1, "reason", "input_mangled")
	check(1, "class", "malformed")
	if h, _ := rs[1]["hint"].(string); !strings.Contains(h, "keyboard layout") {
		t.Errorf("hint %q", h)
	}
	check(2, "valid", true)
	check(2, "country", "AU")
}

func TestRepair(t *testing.T) {
	f, args := trustFiles(t)
	for _, l := range scanner.Layouts() {
		if !l.Reversible() {
			continue
		}
		code, lines, _ := runWith(t, append(args, "--repair"), l.Apply(f.Credentials[0].Text)+"\n")
		if code != exitValid || len(lines) != 1 || !strings.HasPrefix(lines[0], "VALID GB") ||
			!strings.Contains(lines[0], "[repaired: "+l.Name+"]") {
			t.Errorf("%s: exit %d %q", l.Name, code, lines)
		}
	}
	// Without --repair the same input is refused.
	de, _ := scanner.LayoutByName("us-scanner-de-host")
	if code, lines, _ := runWith(t, args, de.Apply(f.Credentials[0].Text)+"\n"); code != exitInvalid || !strings.HasPrefix(lines[0], "INVALID input_mangled") {
		t.Errorf("without --repair: exit %d %q", code, lines)
	}
}

// The trust list is checked before any input is read: an expired list, a
// list older than --max-age, a list signed after the clock's time, a list
// from another federation and a rolled-back list stop travelscan with
// status 2.
func TestTrustRefused(t *testing.T) {
	f, args := trustFiles(t)
	dir := t.TempDir()
	demoAnchor := filepath.Join(dir, "demo-anchor.json")
	if err := os.WriteFile(demoAnchor, testvectors.DemoAnchor(), 0o644); err != nil {
		t.Fatal(err)
	}
	stateFile := filepath.Join(dir, "state.json")
	st, _ := trustlist.MarshalState(&trustlist.State{Federated: 5})
	if err := os.WriteFile(stateFile, st, 0o644); err != nil {
		t.Fatal(err)
	}
	at := func(t time.Time) string { return t.Format(time.RFC3339) }
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"older than --max-age", []string{"--max-age", "2h"}, "issued 3h ago, over --max-age 2h"},
		{"default --max-age", []string{"--at", at(scantest.Issued.Add(49 * time.Hour))}, "over --max-age 48h"},
		{"expired", []string{"--at", at(scantest.Issued.Add(scantest.Expiry + time.Hour)), "--max-age", "1000h"}, "expired"},
		{"signed in the future", []string{"--at", at(scantest.Issued.Add(-time.Hour))}, "check the clock"},
		{"foreign anchor", []string{"--anchor", demoAnchor}, "refused"},
		{"rolled back", []string{"--state", stateFile}, "sequence"},
		{"missing file", []string{"--trust", filepath.Join(dir, "nope.json")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, lines, stderr := runWith(t, append(append([]string{}, args...), tt.args...), f.Credentials[0].Text+"\n")
			if code != exitUsage || len(lines) != 0 || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, %d lines, stderr %q; want 2, none, %q", code, len(lines), stderr, tt.stderr)
			}
		})
	}
}

func TestState(t *testing.T) {
	f, args := trustFiles(t)
	state := filepath.Join(t.TempDir(), "state.json")
	for range 2 {
		if code, _, stderr := runWith(t, append(args, "--state", state), f.Credentials[0].Text+"\n"); code != exitValid {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	s, err := trustlist.ParseState(data)
	if err != nil || s.Federated != 1 {
		t.Errorf("state %+v, %v", s, err)
	}
}

func TestUsage(t *testing.T) {
	_, args := trustFiles(t)
	for _, a := range [][]string{
		{},
		{"--trust", "x.json"},
		append(args, "--max-age", "0s"),
		append(args, "--idle", "-1s"),
		append(args, "--at", "yesterday"),
		append(args, "--nope"),
		append(args, "extra"),
	} {
		if code, _, stderr := runWith(t, a, ""); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", a, code, stderr)
		}
	}
}

func TestDemo(t *testing.T) {
	at := testvectors.DefaultNow.Add(24 * time.Hour)
	fed, err := testvectors.DemoFederation(func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	m, err := fed.Member("CA")
	if err != nil {
		t.Fatal(err)
	}
	issued, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeTest, "CA"))
	if err != nil {
		t.Fatal(err)
	}
	code, lines, stderr := runWith(t, []string{"--trust", "demo", "--at", at.Format(time.RFC3339)}, issued.Text+"\n")
	if code != exitValid || len(lines) != 1 || !strings.HasPrefix(lines[0], "VALID CA test") {
		t.Errorf("exit %d %q", code, lines)
	}
	if !strings.Contains(stderr, testvectors.DemoWarning) {
		t.Errorf("no demo warning on stderr: %q", stderr)
	}
}

// The embedded demo documents are those of package testvectors.
func TestDemoCopies(t *testing.T) {
	anchor, _ := demoFS.ReadFile("demo/anchor.json")
	list, _ := demoFS.ReadFile("demo/federated.json")
	if !bytes.Equal(anchor, testvectors.DemoAnchor()) || !bytes.Equal(list, testvectors.DemoFederatedList()) {
		t.Error("cmd/travelscan/demo differs from testvectors/demo: copy anchor.json and federated.json again")
	}
	if demoWarning != testvectors.DemoWarning {
		t.Error("demoWarning differs from testvectors.DemoWarning")
	}
}

// Each result is written as soon as its line ends: the next input line is
// only sent after the previous result arrived.
func TestFlushedPerLine(t *testing.T) {
	f, args := trustFiles(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run(args, inR, outW, io.Discard)
		outW.Close()
		done <- code
	}()
	results := bufio.NewScanner(outR)
	for i := range 20 {
		c := f.Credentials[i%len(f.Credentials)]
		if _, err := io.WriteString(inW, c.Text+"\r\n"); err != nil {
			t.Fatal(err)
		}
		if !results.Scan() {
			t.Fatalf("no result for line %d", i+1)
		}
		if !strings.HasPrefix(results.Text(), "VALID "+c.Country) {
			t.Fatalf("line %d: %s", i+1, results.Text())
		}
	}
	inW.Close()
	if results.Scan() {
		t.Errorf("extra output %q", results.Text())
	}
	if code := <-done; code != exitValid {
		t.Errorf("exit %d", code)
	}
}

// A fragment followed by a pause longer than --idle is discarded and
// reported, and the next code is read on its own.
func TestIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps")
	}
	f, args := trustFiles(t)
	inR, inW := io.Pipe()
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(append(args, "--idle", "100ms"), inR, &out, io.Discard) }()
	io.WriteString(inW, "HC1:NCF")
	time.Sleep(time.Second)
	io.WriteString(inW, f.Credentials[0].Text+"\n")
	inW.Close()
	<-done
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "INVALID input_mangled (malformed): 7 bytes of partial input discarded") ||
		!strings.HasPrefix(lines[1], "VALID GB") {
		t.Errorf("output %q", lines)
	}
}

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 12 * time.Minute: "12m", 3 * time.Hour: "3h",
		3*time.Hour + 12*time.Minute: "3h12m", 47 * time.Hour: "47h", 52 * time.Hour: "2d4h", 72 * time.Hour: "3d",
	} {
		if got := formatAge(d); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestWriteFixture writes the fixture's trust files and credentials to
// $TRAVELSCAN_FIXTURE_DIR, for scripts/embedded-check: anchor.json,
// federated.json, at.txt (the verification time) and credentials.txt (one
// valid credential per line).
func TestWriteFixture(t *testing.T) {
	dir := os.Getenv("TRAVELSCAN_FIXTURE_DIR")
	if dir == "" {
		t.Skip("TRAVELSCAN_FIXTURE_DIR is not set")
	}
	f, err := scantest.Get()
	if err != nil {
		t.Fatal(err)
	}
	var creds strings.Builder
	for _, c := range f.Credentials {
		creds.WriteString(c.Text + "\n")
	}
	for name, data := range map[string]string{
		"anchor.json": string(f.Anchor), "federated.json": string(f.Federated),
		"at.txt": atFlag + "\n", "credentials.txt": creds.String(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
