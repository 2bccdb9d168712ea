package shc_test

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
)

// Clocks of the two parts of the SHC vectors (SOURCES.md).
var (
	clockA = time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)
	clockB = time.Date(2022, 5, 31, 0, 0, 0, 0, time.UTC)
)

// TestExpected runs every case of expected.json with its clock and trust
// files and compares the verdict and class.
func TestExpected(t *testing.T) {
	dir := vectorsDir(t)
	m := loadManifest(t, dir)
	if m.Suite != "shc" {
		t.Fatalf("suite %q", m.Suite)
	}
	defaultTrust := loadTrust(t, dir, m.Trust)
	var passed, failed, skipped int
	for _, c := range m.Cases {
		t.Run(strings.TrimPrefix(filepath.Base(c.Input), "test-example-"), func(t *testing.T) {
			clock := m.Clock
			if c.Clock != "" {
				clock = c.Clock
			}
			tr := defaultTrust
			if c.Trust != nil {
				tr = loadTrust(t, dir, c.Trust)
			}
			err, skip := judgeInput(tr, c.Stage, readFile(t, filepath.Join(dir, c.Input)), parseClock(t, clock))
			if skip != "" {
				skipped++
				t.Skipf("%s (%s): %s", c.Input, c.Stage, skip)
			}
			got, gotClass := "valid", className(err)
			if err != nil {
				got = "invalid"
			}
			if got != c.Expect || (c.Expect == "invalid" && gotClass != c.Class) {
				failed++
				t.Errorf("%s (%s): got %s/%s (%v), want %s/%s: %s", c.Input, c.Stage, got, gotClass, err, c.Expect, c.Class, c.Note)
				return
			}
			passed++
			t.Logf("%s/%s ok: %v", got, gotClass, err)
		})
	}
	t.Logf("expected.json: %d cases: %d passed, %d failed, %d skipped", len(m.Cases), passed, failed, skipped)
}

// partATrust is the spec issuer's key set and revocation list.
func partATrust(t *testing.T, dir string) *trust {
	return loadTrust(t, dir, loadManifest(t, dir).Trust)
}

func readText(t *testing.T, dir string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(readFile(t, filepath.Join(dir, n)))
	}
	return out
}

// TestChunkedCard02 reassembles card 02's three chunks in every order,
// and refuses the broken chunk sets of the upstream validator's tests.
func TestChunkedCard02(t *testing.T) {
	dir := vectorsDir(t)
	tr := partATrust(t, dir)
	jws := string(readFile(t, filepath.Join(dir, "examples", "example-02-d-jws.txt")))
	chunks := readText(t, dir,
		"examples/example-02-f-qr-code-numeric-value-0.txt",
		"examples/example-02-f-qr-code-numeric-value-1.txt",
		"examples/example-02-f-qr-code-numeric-value-2.txt")
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		in := []string{chunks[order[0]], chunks[order[1]], chunks[order[2]]}
		text, err := shc.Assemble(in)
		if err != nil {
			t.Fatalf("order %v: %v", order, err)
		}
		c, err := shc.Decode(text)
		if err != nil {
			t.Fatalf("order %v: %v", order, err)
		}
		if c.JWS != jws {
			t.Fatalf("order %v: assembled JWS differs from example-02-d-jws.txt", order)
		}
		if err := tr.judge(c, clockA); err != nil {
			t.Fatalf("order %v: %v", order, err)
		}
	}
	// A single chunk is not a card.
	if _, err := shc.Decode(chunks[0]); !errors.Is(err, shc.ErrQRText) {
		t.Errorf("Decode(chunk 1 of 3) = %v, want ErrQRText", err)
	}
	bad := map[string][]string{
		"missing chunk (-0 + -2)":     {chunks[0], chunks[2]},
		"duplicate index (-0 -2 -0)":  {chunks[0], chunks[2], chunks[0]},
		"no chunks":                   nil,
		"count disagrees":             {chunks[0], chunks[1], strings.Replace(chunks[2], "shc:/3/3/", "shc:/3/4/", 1)},
		"chunk not whole characters":  {chunks[0], chunks[1], chunks[2][:len(chunks[2])-1]},
		"chunk without header":        {chunks[0], chunks[1], "shc:/" + chunks[2][len("shc:/3/3/"):]},
		"single QR text among chunks": {chunks[0], chunks[1], "hello"},
	}
	for name, in := range bad {
		if _, err := shc.Assemble(in); err == nil {
			t.Errorf("%s: Assemble accepted", name)
		} else {
			checkErr(t, name, err)
		}
	}
}

// TestX5C checks card 01's key chain: valid at part B's clock, its leaf
// expired at part A's, and the SAN must equal iss exactly.
func TestX5C(t *testing.T) {
	dir := vectorsDir(t)
	keys, err := shc.ParseJWKS(readFile(t, filepath.Join(dir, "examples/issuer/.well-known/jwks.json")))
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://spec.smarthealth.cards/examples/issuer"
	var k shc.Key
	for _, key := range keys {
		if strings.HasPrefix(key.KID, "EBKOr72") {
			k = key
		}
	}
	if len(k.X5C) != 3 {
		t.Fatalf("EBKOr72… has %d certificates, want 3", len(k.X5C))
	}
	roots := x509.NewCertPool()
	roots.AddCert(k.X5C[2])
	if err := shc.VerifyX5C(k, iss, roots, clockB); err != nil {
		t.Errorf("at %v: %v", clockB, err)
	}
	err = shc.VerifyX5C(k, iss, roots, clockA)
	var ce *credential.Error
	if !errors.As(err, &ce) || ce.Reason != credential.ReasonKeyNotValid {
		t.Errorf("at %v: %v, want key_not_valid (leaf expired 2022-06-01)", clockA, err)
	}
	// The card itself stays valid at clock A: x5c is an optional extra.
	c, err := shc.Decode(string(readFile(t, filepath.Join(dir, "examples/example-01-d-jws.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	if err := partATrust(t, dir).judge(c, clockA); err != nil {
		t.Errorf("card 01 at %v: %v", clockA, err)
	}
	for name, tc := range map[string]struct {
		iss   string
		roots *x509.CertPool
	}{
		"trailing slash": {iss + "/", roots},
		"other issuer":   {"https://smarthealth.cards/examples/issuer", roots},
		"no roots":       {iss, nil},
		"wrong root":     {iss, x509.NewCertPool()},
	} {
		if err := shc.VerifyX5C(k, tc.iss, tc.roots, clockB); !errors.Is(err, credential.ErrUntrusted) {
			t.Errorf("%s: %v, want untrusted", name, err)
		}
	}
	other := keys[0]
	other.X5C = k.X5C
	if err := shc.VerifyX5C(other, iss, roots, clockB); err == nil {
		t.Error("a chain whose leaf holds another key was accepted")
	}
	if err := shc.VerifyX5C(keys[0], iss, roots, clockB); err == nil {
		t.Error("a key without x5c was accepted")
	}
}

// devToolsKeyFiles are the upstream key-set checks (B7), with the x5c SAN
// they expect; wantErr is a fragment of the expected error.
var devToolsKeyFiles = []struct {
	file    string
	wantErr string // "" for a key set that parses
	x5cErr  bool   // the x5c chain must fail (when it parses)
}{
	{"valid_key.json", "", false},
	{"valid_key_with_x5c.json", "", false},
	{"wrong_kid_key.json", "thumbprint", false},
	{"wrong_use_key.json", "use", false},
	{"wrong_alg_key.json", "alg", false},
	{"private_key.json", "private", false},
	{"invalid_no_SAN.public.json", "", true},
	{"cert_mismatch.public.json", "", true},
	{"issuer.jwks.public.not.smart.json", "", false},
	{"badcrl/public.json", "not a JWK set", false},
	{"badcrl/private.json", "not a JWK set", false},
	{"badcrl/.well-known/jwks.json", "not a JWK set", false},
	{"badjwks/.well-known/jwks.json", "key set", false},
}

// devToolsCRLFiles are the revocation lists of badcrl/ (B8).
var devToolsCRLFiles = []struct {
	file    string
	wantErr string
}{
	{"badcrl/duplicate-rid/.well-known/crl/hrvC0uzB16UXK83BnPo7Glg685b1D6iYOyJd5hpRaAA.json", "more than once"},
	{"badcrl/non-base64url-rid/.well-known/crl/hrvC0uzB16UXK83BnPo7Glg685b1D6iYOyJd5hpRaAA.json", "base64url"},
	{"badcrl/too-long-rid/.well-known/crl/hrvC0uzB16UXK83BnPo7Glg685b1D6iYOyJd5hpRaAA.json", "base64url"},
}

// TestDevToolsKeys runs the upstream key-set files through ParseJWKS and,
// for x5c keys, VerifyX5C with the SAN upstream expects.
func TestDevToolsKeys(t *testing.T) {
	dir := devToolsDir(t)
	const sanIss = "https://smarthealth.cards/examples/issuer"
	for _, tc := range devToolsKeyFiles {
		keys, err := shc.ParseJWKS(readFile(t, filepath.Join(dir, tc.file)))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.file, err)
			continue
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one mentioning %q", tc.file, err, tc.wantErr)
			continue
		case err != nil:
			t.Logf("%s: refused: %v", tc.file, err)
			continue
		}
		for _, k := range keys {
			if len(k.X5C) == 0 {
				continue
			}
			roots := x509.NewCertPool()
			roots.AddCert(k.X5C[len(k.X5C)-1])
			err := shc.VerifyX5C(k, sanIss, roots, clockB)
			if (err != nil) != tc.x5cErr {
				t.Errorf("%s: VerifyX5C: %v, want error %v", tc.file, err, tc.x5cErr)
			} else {
				t.Logf("%s: x5c: %v", tc.file, err)
			}
			if !tc.x5cErr {
				if err := shc.VerifyX5C(k, sanIss+"/other", roots, clockB); err == nil {
					t.Errorf("%s: VerifyX5C accepted another SAN", tc.file)
				}
			}
		}
	}
}

// TestDevToolsCRL refuses the malformed upstream revocation lists and
// reads the spec example's.
func TestDevToolsCRL(t *testing.T) {
	devToolsDir(t)
	root := vectorsDir(t)
	for _, tc := range devToolsCRLFiles {
		_, err := shc.ParseCRL(readFile(t, filepath.Join(root, "dev-tools", "testdata", tc.file)))
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.file, err, tc.wantErr)
		}
	}
	c, err := shc.ParseCRL(readFile(t, filepath.Join(root, "examples/issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json")))
	if err != nil {
		t.Fatal(err)
	}
	if c.KID != "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s" || c.Counter != 1 || c.Len() != 4 || c.Method != "rid" {
		t.Errorf("CRL = %+v", c)
	}
	ts := time.Unix(1687450765, 0)
	for _, tc := range []struct {
		rid  string
		nbf  time.Time
		want bool
	}{
		{"vwAjHdarZuc", ts.Add(-343 * time.Millisecond), true}, // card 03
		{"vwAjHdarZuc", ts, false},                             // re-issued at the timestamp
		{"vwAjHdarZuc", ts.Add(time.Hour), false},
		{"FKDIxsTCGlU", ts.Add(10 * 365 * 24 * time.Hour), true}, // no timestamp: all cards
		{"MKyCxh7p6uQ", ts.Add(-time.Hour), false},               // card 00, not listed
		{"", ts, false},
	} {
		if got := c.Revoked(tc.rid, tc.nbf); got != tc.want {
			t.Errorf("Revoked(%q, %v) = %v, want %v", tc.rid, tc.nbf, got, tc.want)
		}
	}
}

// TestCard03Revoked checks card 03's revocation in every stage and that
// the revocation outcome is the package sentinel.
func TestCard03Revoked(t *testing.T) {
	dir := vectorsDir(t)
	tr := partATrust(t, dir)
	c, err := shc.Decode(string(readFile(t, filepath.Join(dir, "examples/example-03-f-qr-code-numeric-value-0.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	if c.RID != "vwAjHdarZuc" || c.NotBefore != time.UnixMilli(1687450764657).UTC() {
		t.Fatalf("rid %q nbf %v", c.RID, c.NotBefore)
	}
	err = tr.judge(c, clockA)
	if !errors.Is(err, shc.ErrRevoked) || !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("card 03: %v, want ErrRevoked", err)
	}
	// Past its exp (2024-06-21T16:19:24.657Z) it is also expired, which
	// the dates report first.
	if err := tr.judge(c, time.Date(2024, 6, 21, 16, 19, 24, 657e6, time.UTC)); className(err) != "expired" {
		t.Errorf("at exp: %v, want expired", err)
	}
	// Without its revocation list, a key with crlVersion fails closed.
	delete(tr.crls, string(c.KeyRef()))
	if err := tr.judge(c, clockA); !errors.Is(err, shc.ErrRevocationUnavailable) || !errors.Is(err, credential.ErrUntrusted) {
		t.Errorf("no CRL: %v, want ErrRevocationUnavailable", err)
	}
}

// TestDevToolsFiles accounts for every file of dev-tools/testdata: each is
// a case of expected.json, checked by a test here, or not applicable to
// this codec. It runs the decoding checks that apply and counts them.
func TestDevToolsFiles(t *testing.T) {
	dir := devToolsDir(t)
	root := vectorsDir(t)
	m := loadManifest(t, root)
	cases := map[string]string{}
	for _, c := range m.Cases {
		cases[c.Input] = c.Stage
	}
	checked := map[string]bool{}
	for _, k := range devToolsKeyFiles {
		checked["dev-tools/testdata/"+k.file] = true
	}
	for _, c := range devToolsCRLFiles {
		checked["dev-tools/testdata/"+c.file] = true
	}
	// Chunk sets: decoded here.
	var small []string
	for i := 0; i <= 16; i++ {
		small = append(small, "dev-tools/testdata/test-example-00-f-qr-code-numeric-value-"+itoa(i)+"-qr_chunk_too_small.txt")
	}
	big := []string{
		"dev-tools/testdata/test-example-02-f-qr-code-numeric-value-0-qr_chunk_too_big.txt",
		"dev-tools/testdata/test-example-02-f-qr-code-numeric-value-1-qr_chunk_too_big.txt",
	}
	for name, set := range map[string][]string{"17 needless chunks": small, "2 oversized chunks": big} {
		_, err := shc.Assemble(readText(t, root, set...))
		if err == nil {
			t.Errorf("%s: Assemble accepted", name)
		} else {
			checkErr(t, name, err)
			t.Logf("%s: refused: %v", name, err)
		}
		for _, f := range set {
			checked[f] = true
			// Each chunk alone is refused too.
			if _, err := shc.Decode(string(readFile(t, filepath.Join(root, f)))); err == nil {
				t.Errorf("%s: Decode accepted a lone chunk", f)
			}
		}
	}
	notApplicable := map[string]string{}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != "LICENSE" {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	sort.Strings(files)
	var inCases, imageCases, inTests int
	for _, f := range files {
		stage, isCase := cases[f]
		switch {
		case isCase && stage == "image":
			imageCases++
		case isCase:
			inCases++
		case checked[f]:
			inTests++
		case strings.HasSuffix(f, ".png") || strings.HasSuffix(f, ".jpg"):
			notApplicable[f] = "QR image (package qr)"
		case strings.Contains(f, "shlink") || strings.Contains(f, "shl-examples"):
			notApplicable[f] = "SMART Health Link (out of scope)"
		case strings.Contains(f, "fhirBundle") || strings.Contains(f, "-a-non-dm") || strings.Contains(f, "-a-short-refs"):
			notApplicable[f] = "bare FHIR bundle: FHIR profile checks"
		case strings.Contains(f, "fhirhealthcard"):
			notApplicable[f] = "FHIR $health-cards-issue response"
		case strings.HasSuffix(f, "test-issuers.json"):
			notApplicable[f] = "VCI issuer directory"
		case strings.Contains(f, "badcrl/") && strings.HasSuffix(f, "jwks.json"):
			notApplicable[f] = "trust file of a badcrl case (loaded by TestExpected)"
		default:
			t.Errorf("%s: not accounted for", f)
		}
	}
	for f, why := range notApplicable {
		t.Logf("not applicable: %s: %s", f, why)
	}
	t.Logf("dev-tools/testdata: %d files: %d decoded as expected.json cases (+%d image cases skipped here), %d checked by this package's key/CRL/chunk tests, %d not applicable",
		len(files), inCases, imageCases, inTests, len(notApplicable))
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}
