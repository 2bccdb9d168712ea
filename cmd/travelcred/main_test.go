package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

const payloadV = `{"ver":"1.3.0","nam":{"fn":"Smith","fnt":"SMITH","gn":"Ann","gnt":"ANN"},"dob":"1980-02-29",
"v":[{"tg":"840539006","vp":"1119349007","mp":"EU/1/20/1528","ma":"ORG-100030215","dn":1,"sd":2,"dt":"2026-01-05",
"co":"NZ","is":"Ministry of Health","ci":"URN:UVCI:01:NZ:TEST0001"}]}`

// pki makes a CSCA and a vaccination-only DSC for NZ in a temp folder.
func pki(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, errs := runCLI(t, "", "keygen", "--country", "NZ", "--role", "csca", "--out", dir); code != 0 {
		t.Fatalf("keygen csca: %d %s", code, errs)
	}
	if code, out, errs := runCLI(t, "", "keygen", "--country", "nz", "--role", "dsc", "--usage", "v", "--out", dir); code != 0 || !strings.Contains(out, "usage v") {
		t.Fatalf("keygen dsc: %d %s %s", code, out, errs)
	}
	return dir
}

func TestKeygenIssueVerify(t *testing.T) {
	dir := pki(t)
	for _, name := range []string{"NZ-csca.key", "NZ-dsc.key"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	png := filepath.Join(dir, "v.png")
	code, text, errs := runCLI(t, payloadV, "issue", "--key", filepath.Join(dir, "NZ-dsc.key"), "--cert", filepath.Join(dir, "NZ-dsc.crt"), "--qr", png)
	if code != 0 || !strings.HasPrefix(text, "HC1:") {
		t.Fatalf("issue: %d %q %s", code, text, errs)
	}
	text = strings.TrimSpace(text)
	txtFile := filepath.Join(dir, "v.txt")
	os.WriteFile(txtFile, []byte(text+"\r\n\n"), 0o644)

	// Text argument, text file, image and stdin all verify.
	code, out, errs := runCLI(t, text+"\n", "verify", "--trust", dir, text, txtFile, png, "-")
	if code != 0 || strings.Count(out, "VALID ") != 4 || strings.Contains(out, "INVALID") {
		t.Fatalf("verify: %d\n%s\n%s", code, out, errs)
	}

	// JSON output carries the verdict fields.
	code, out, _ = runCLI(t, "", "verify", "--trust", filepath.Join(dir, "NZ-dsc.crt"), "--json", text, "HC1:XX")
	if code != 1 {
		t.Fatalf("one invalid input: exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var ok, bad map[string]any
	json.Unmarshal([]byte(lines[0]), &ok)
	json.Unmarshal([]byte(lines[1]), &bad)
	if ok["valid"] != true || ok["country"] != "NZ" || ok["format"] != "hcert" || ok["kid"] == nil || ok["trust"] == nil {
		t.Errorf("valid verdict: %v", ok)
	}
	if bad["valid"] != false || bad["reason"] == "" || bad["class"] != "malformed" {
		t.Errorf("invalid verdict: %v", bad)
	}

	// A clock after exp: expired, exit 1.
	code, out, _ = runCLI(t, "", "verify", "--trust", dir, "--at", "2040-01-01T00:00:00Z", text)
	if code != 1 || !strings.Contains(out, "expired") {
		t.Errorf("verify --at 2040: %d %s", code, out)
	}
	// Only the CSCA trusted: unknown key.
	code, out, _ = runCLI(t, "", "verify", "--trust", filepath.Join(dir, "NZ-dsc.crt"), "--json", "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN4NN3F85QNCY0O%0VZ001HOC9JU0D0HT0HB2PL/IB*09B9LW4T*8+DCMH0LDK2%K:XFE70*LP$V25$0Q:J:4MO1P0%0L0HD+9E/HY+4J6TH48S%4K.GJ2PT3QY:GQ3TE2I+-CPHN6D7LLK*2HG%89UV-0LZ 2ZJJ524-LH/CJTK96L6SR9MU9DHGZ%P WUQRENS431T1XCNCF+47AY0-IFO0500TGPN8F5G.41Q2E4T8ALW.INSV$ 07UV5SR+BNQHNML7 /KD3TU 4V*CAT3ZGLQMI/XI%ZJNSBBXK2:UG%UJMI:TU+MMPZ5$/PMX19UE:-PSR3/$NU44CBE6DQ3D7B0FBOFX0DV2DGMB$YPF62I$60/F$Z2I6IFX21XNI-LM%3/DF/U6Z9FEOJVRLVW6K$UG+BKK57:1+D10%4K83F+1VWD1NE")
	if code != 1 {
		t.Errorf("foreign credential: exit %d", code)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := pki(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no trust", []string{"verify", "HC1:AAA"}, "--trust is required"},
		{"unknown flag", []string{"verify", "--nope", "x"}, "unknown flag"},
		{"no such input", []string{"verify", "--trust", dir, filepath.Join(dir, "missing.txt")}, "neither credential text nor a readable file"},
		{"bad role", []string{"keygen", "--country", "NZ", "--role", "king", "--out", dir}, "want csca, dsc, root, publisher or aggregator"},
		{"bad usage", []string{"keygen", "--country", "NZ", "--role", "dsc", "--usage", "x", "--out", dir}, "--usage"},
		{"issue without key", []string{"issue"}, "--key and --cert are required"},
		{"bad suite", []string{"conformance", "--suite", "zz", dir}, "not supported"},
		{"missing suite dir", []string{"conformance", filepath.Join(dir, "nope")}, "no such file"},
		{"bad --at", []string{"verify", "--trust", dir, "--at", "soon", "HC1:AAA"}, "--at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "", tt.args...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
}

func TestIssueRefusals(t *testing.T) {
	dir := pki(t)
	key, cert := filepath.Join(dir, "NZ-dsc.key"), filepath.Join(dir, "NZ-dsc.crt")
	// The DSC may sign vaccinations only.
	test := `{"ver":"1.3.0","nam":{"fnt":"SMITH"},"dob":"1980","t":[{"tg":"840539006","tt":"LP6464-4","sc":"2026-01-05T10:00:00Z","tr":"260415000","co":"NZ","is":"MoH","ci":"X"}]}`
	code, _, errs := runCLI(t, test, "issue", "--key", key, "--cert", cert)
	if code != 1 || !strings.Contains(errs, "key usage") {
		t.Errorf("test credential with a v-only DSC: %d %s", code, errs)
	}
	code, _, errs = runCLI(t, `{"ver":"1.3.0"}`, "issue", "--key", key, "--cert", cert)
	if code != 1 || !strings.Contains(errs, "invalid payload") {
		t.Errorf("invalid payload: %d %s", code, errs)
	}
	code, _, errs = runCLI(t, payloadV, "issue", "--key", key, "--cert", cert, "--valid-for", "87600h")
	if code != 1 || !strings.Contains(errs, "notAfter") {
		t.Errorf("validity beyond the DSC: %d %s", code, errs)
	}
	os.Chmod(key, 0o644)
	code, _, errs = runCLI(t, payloadV, "issue", "--key", key, "--cert", cert)
	if code != 2 || !strings.Contains(errs, "chmod 600") {
		t.Errorf("world-readable key: %d %s", code, errs)
	}
}

func TestQREncodeDecode(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "a.png")
	text := "HC1:NCF OXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZ/T"
	if code, _, errs := runCLI(t, text+"\n", "qr", "encode", "--out", png); code != 0 {
		t.Fatalf("encode: %d %s", code, errs)
	}
	code, out, errs := runCLI(t, "", "qr", "decode", png)
	if code != 0 || strings.TrimSpace(out) != text {
		t.Fatalf("decode: %d %q %s", code, out, errs)
	}
	os.WriteFile(filepath.Join(dir, "b.png"), []byte("not an image"), 0o644)
	if code, _, _ := runCLI(t, "", "qr", "decode", filepath.Join(dir, "b.png")); code != 1 {
		t.Errorf("decode of a non-image: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, strings.Repeat("A", 3000), "qr", "encode", "--out", png); code != 1 {
		t.Errorf("text too long for Q: exit %d, want 1", code)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errs := runCLI(t, "", "demo", "--out", dir)
	if code != 0 {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"AU", "CA", "NZ", "GB", "US", "ES256", "PS256", "bad_signature", "every row as expected"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out, " NO ") || strings.Contains(out, "INVALID") {
		t.Errorf("demo has unexpected rows:\n%s", out)
	}
}

func TestVerifyDemoTrustWarns(t *testing.T) {
	code, _, errs := runCLI(t, "", "verify", "--trust", "demo", "HC1:AAA")
	if code != 1 || !strings.Contains(errs, "DEMO") {
		t.Errorf("demo trust: exit %d, stderr %q", code, errs)
	}
}

func TestConformanceSummary(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "testvectors", "dcc")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("official vectors not found at %s: %v", dir, err)
	}
	code, out, errs := runCLI(t, "", "conformance", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if code != 0 || !strings.HasSuffix(last, "skipped") || !strings.Contains(last, " 0 failed") {
		t.Errorf("conformance: exit %d, last line %q, stderr %s", code, last, errs)
	}
	code, out, _ = runCLI(t, "", "conformance", "--json", dir)
	var rep struct{ Passed, Failed, Skipped int }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Passed == 0 {
		t.Errorf("--json: exit %d, %v, %+v", code, err, rep)
	}
}

func TestKeygenRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runCLI(t, "", "keygen", "--country", "AU", "--role", "root", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "AU-root.key"))
	code, _, errs := runCLI(t, "", "keygen", "--country", "AU", "--role", "root", "--out", dir)
	if code != 2 || !strings.Contains(errs, "--force") {
		t.Fatalf("second keygen: exit %d, %s", code, errs)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "AU-root.key"))
	if string(before) != string(after) {
		t.Fatal("the key was overwritten")
	}
	if code, _, errs := runCLI(t, "", "keygen", "--country", "AU", "--role", "root", "--force", "--out", dir); code != 0 {
		t.Fatalf("--force: %s", errs)
	}
	replaced, _ := os.ReadFile(filepath.Join(dir, "AU-root.key"))
	st, _ := os.Stat(filepath.Join(dir, "AU-root.key"))
	if string(replaced) == string(before) || st.Mode().Perm() != 0o600 {
		t.Errorf("--force did not replace the key with a 0600 file (%v)", st.Mode())
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestIssueQRToTerminal(t *testing.T) {
	dir := pki(t)
	code, out, errs := runCLI(t, payloadV, "issue", "--key", filepath.Join(dir, "NZ-dsc.key"), "--cert", filepath.Join(dir, "NZ-dsc.crt"), "--qr", "-")
	if code != 0 || !strings.HasPrefix(out, "HC1:") || !strings.Contains(out, "▀") {
		t.Fatalf("issue --qr -: exit %d, stderr %s, output %.80q", code, errs, out)
	}
}
