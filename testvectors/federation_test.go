package testvectors

import (
	"crypto/x509"

	"github.com/b5m5/travelcred/credential"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

func restrictedDSC(t *testing.T, fed *Federation) *x509.Certificate {
	t.Helper()
	m := fed.Members[0]
	key, err := issuer.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	c, err := issuer.CreateDSC(key.Public(), m.CSCA, m.CSCAKey, issuer.CertOptions{
		Country: m.Country, NotBefore: DefaultNow.AddDate(0, -1, 0), NotAfter: DefaultNow.AddDate(1, 0, 0),
		Usage: trustlist.UsageTest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunDemo(t *testing.T) {
	dir := t.TempDir()
	rep, err := RunDemo(dir, func() time.Time { return DefaultNow })
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("demo rows not as expected: %+v %+v", rep.Rows, rep.Tampered)
	}
	if len(rep.Rows) != 19 || len(rep.Tampered) != 4 {
		t.Fatalf("got %d rows and %d refusals, want 19 and 4", len(rep.Rows), len(rep.Tampered))
	}
	formats := map[credential.Format]bool{}
	for _, r := range rep.Rows {
		formats[r.Format] = true
	}
	if len(formats) != 4 {
		t.Errorf("demo shows formats %v, want all four", formats)
	}
	if rep.Tampered[2].Reason != "key_revoked" {
		t.Errorf("revoked DSC gave %q, want key_revoked", rep.Tampered[2].Reason)
	}
	if len(rep.Steps) < 4 {
		t.Errorf("steps: %v", rep.Steps)
	}
	if rep.Tampered[1].Reason != "bad_signature" {
		t.Errorf("payload tamper gave %q, want bad_signature", rep.Tampered[1].Reason)
	}
	algs := map[string]bool{}
	for _, r := range rep.Rows {
		algs[r.Alg] = true
		if _, err := os.Stat(r.QRFile); err != nil {
			t.Error(err)
		}
	}
	if !algs["ES256"] || !algs["PS256"] || len(algs) != 2 {
		t.Errorf("demo should show both algorithms, got %v", algs)
	}
	for _, cc := range Countries {
		st, err := os.Stat(filepath.Join(dir, cc+"-dsc.key"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s key mode %v, want 0600", cc, st.Mode().Perm())
		}
	}
	// A second run in the same folder refuses to overwrite keys.
	if _, err := RunDemo(dir, nil); err == nil {
		t.Error("RunDemo overwrote existing keys")
	}
}

func TestDemoTrust(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	l, err := DemoTrust(now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 5 || l.Status(now).Freshness != "fresh" {
		t.Fatalf("demo list: %d keys, %+v", l.Len(), l.Status(now))
	}
	fed, err := DemoFederation(func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fed.Members {
		if len(l.Lookup("hcert", m.TrustKey.KID)) != 1 {
			t.Errorf("%s DSC not in the demo federated list", m.Country)
		}
	}
}

// TestDemoGeneratorDeterministic regenerates the embedded demo federation
// and compares it byte for byte with the committed files.
func TestDemoGeneratorDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/gendemo", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gendemo: %v\n%s", err, out)
	}
	entries, err := os.ReadDir("demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, _ := os.ReadFile(filepath.Join("demo", e.Name()))
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: regenerated file differs from the committed one (%v)", e.Name(), err)
		}
	}
}

func TestDemoFederation(t *testing.T) {
	fed, err := DemoFederation(func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	if len(fed.Members) != 5 || fed.Trust.Len() != 5 {
		t.Fatalf("got %d members, %d keys", len(fed.Members), fed.Trust.Len())
	}
	for _, m := range fed.Members {
		if !strings.Contains(m.DSC.Subject.CommonName, "DEMO") || m.DSC.Subject.Country[0] != m.Country {
			t.Errorf("%s: unexpected subject %v", m.Country, m.DSC.Subject)
		}
		if _, err := m.Issuer.Issue(SamplePayload("v", m.Country)); err != nil {
			t.Errorf("%s: %v", m.Country, err)
		}
	}
	if !strings.Contains(DemoWarning, "DEMO") {
		t.Error("warning does not say DEMO")
	}
}
