package testvectors

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/trustlist"
)

// The EXPECTED* flags of the dgc-testdata format, in the order they are
// checked.
var dccFlags = []string{
	"EXPECTEDPICTUREDECODE",
	"EXPECTEDUNPREFIX",
	"EXPECTEDB45DECODE",
	"EXPECTEDCOMPRESSION",
	"EXPECTEDDECODE",
	"EXPECTEDVERIFY",
	"EXPECTEDEXPIRATIONCHECK",
	"EXPECTEDKEYUSAGE",
	"EXPECTEDSCHEMAVALIDATION",
	"EXPECTEDVALIDJSON",
}

// dccTestNames maps the test names of the suite's tests/known_issues.csv to
// the flags they cover.
var dccTestNames = map[string][]string{
	"test_cose_schema":        {"EXPECTEDSCHEMAVALIDATION"},
	"test_cose_json":          {"EXPECTEDVALIDJSON"},
	"test_cbor_json":          {"EXPECTEDDECODE"},
	"test_verification_check": {"EXPECTEDVERIFY"},
	"test_expiration_check":   {"EXPECTEDEXPIRATIONCHECK"},
	"test_expected_key_usage": {"EXPECTEDKEYUSAGE"},
	"test_picture_decode":     {"EXPECTEDPICTUREDECODE"},
	"test_b45decode":          {"EXPECTEDB45DECODE"},
	"test_compression":        {"EXPECTEDCOMPRESSION"},
	"test_unprefix":           {"EXPECTEDUNPREFIX"},
}

// Outcome is the result of one flag of one vector.
type Outcome string

// Outcomes.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// CaseResult is one checked flag of one vector.
type CaseResult struct {
	File     string  `json:"file"`
	Flag     string  `json:"flag"`
	Expected bool    `json:"expected"`
	Got      bool    `json:"got"`
	Outcome  Outcome `json:"outcome"`
	// Reason says why the stage failed (when Got is false) or why the case
	// was skipped.
	Reason string `json:"reason,omitempty"`
}

// Report is the result of a conformance run.
type Report struct {
	Suite   string       `json:"suite"`
	Passed  int          `json:"passed"`
	Failed  int          `json:"failed"`
	Skipped int          `json:"skipped"`
	Cases   []CaseResult `json:"cases"`
}

func (r *Report) add(c CaseResult) {
	switch c.Outcome {
	case Passed:
		r.Passed++
	case Failed:
		r.Failed++
	case Skipped:
		r.Skipped++
	}
	r.Cases = append(r.Cases, c)
}

// Summary returns the closing line: "N passed, M failed, K skipped".
func (r *Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

// dccKnownDefects lists vectors whose own data contradict their expected
// result, beyond the suite's known_issues.csv. Each line: file (relative
// to the suite root), flag, evidence. Failures of our code never go here.
//
//go:embed dcc_known_defects.csv
var dccKnownDefects string

type skipKey struct{ file, flag string }

func loadKnownIssues(fsys fs.FS, files []string) (map[skipKey]string, error) {
	skips := map[skipKey]string{}
	// The suite's own list.
	if data, err := fs.ReadFile(fsys, "tests/known_issues.csv"); err == nil {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("tests/known_issues.csv: %w", err)
		}
		for i, rec := range recs {
			if i == 0 || len(rec) < 4 {
				continue
			}
			flags := dccTestNames[rec[0]]
			for _, f := range files {
				parts := strings.Split(f, "/")
				if parts[0] != rec[1] {
					continue
				}
				if rec[2] != "" && strings.TrimSuffix(path.Base(f), path.Ext(f)) != rec[2] {
					continue
				}
				for _, flag := range flags {
					skips[skipKey{f, flag}] = "known issue (tests/known_issues.csv): " + rec[3]
				}
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// Our list of data defects.
	recs, err := csv.NewReader(strings.NewReader(dccKnownDefects)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("dcc_known_defects.csv: %w", err)
	}
	for i, rec := range recs {
		if i == 0 {
			continue
		}
		if len(rec) != 3 {
			return nil, fmt.Errorf("dcc_known_defects.csv line %d: want 3 fields", i+1)
		}
		skips[skipKey{rec[0], rec[1]}] = "known data defect (testvectors/dcc_known_defects.csv): " + rec[2]
	}
	return skips, nil
}

// DCCOptions tune RunDCC.
type DCCOptions struct {
	// Skew is the clock allowance for the expiration check (default 0:
	// the suite's clocks are exact).
	Skew time.Duration
}

// RunDCC runs the EU dgc-testdata suite found in dir.
func RunDCC(dir string, opts DCCOptions) (*Report, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return RunDCCFS(os.DirFS(dir), opts)
}

// RunDCCFS is RunDCC over a file system rooted at the suite.
func RunDCCFS(fsys fs.FS, opts DCCOptions) (*Report, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dir := strings.ToLower(path.Dir(p))
		if !d.IsDir() && strings.HasSuffix(dir, "2dcode/raw") && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no dgc-testdata vectors (<COUNTRY>/2DCode/raw/*.json) found")
	}
	sort.Strings(files)
	skips, err := loadKnownIssues(fsys, files)
	if err != nil {
		return nil, err
	}
	rep := &Report{Suite: "dcc"}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		v := dccVector{fsys: fsys, file: f}
		if err := json.Unmarshal(data, &v); err != nil {
			rep.add(CaseResult{File: f, Flag: "JSON", Expected: true, Outcome: Failed, Reason: "vector is not valid JSON: " + err.Error()})
			continue
		}
		for _, flag := range dccFlags {
			want, ok := v.Expected[flag]
			if !ok {
				continue
			}
			c := CaseResult{File: f, Flag: flag, Expected: want}
			if why, skip := skips[skipKey{f, flag}]; skip {
				c.Outcome, c.Reason = Skipped, why
				rep.add(c)
				continue
			}
			stageErr := v.check(flag, opts)
			c.Got = stageErr == nil
			if stageErr != nil {
				c.Reason = stageErr.Error()
			}
			if c.Got == want {
				c.Outcome = Passed
			} else {
				c.Outcome = Failed
				if c.Got {
					c.Reason = "stage succeeded"
				}
			}
			rep.add(c)
		}
	}
	return rep, nil
}

type dccVector struct {
	JSON       json.RawMessage `json:"JSON"`
	CBOR       string          `json:"CBOR"`
	COSE       string          `json:"COSE"`
	Compressed string          `json:"COMPRESSED"`
	Base45     *string         `json:"BASE45"`
	Prefix     *string         `json:"PREFIX"`
	Image      string          `json:"2DCODE"`
	Ctx        struct {
		Certificate string `json:"CERTIFICATE"`
		Clock       string `json:"VALIDATIONCLOCK"`
		Schema      string `json:"SCHEMA"`
	} `json:"TESTCTX"`
	Expected map[string]bool `json:"EXPECTEDRESULTS"`

	fsys fs.FS  // the suite
	file string // path of the vector in fsys
}

// Each accessor yields a stage's input: the vector's own field when present,
// else what the previous stage makes of the fields that are.

func (v *dccVector) base45() (string, error) {
	if v.Base45 != nil {
		return *v.Base45, nil
	}
	if v.Prefix == nil {
		return "", errors.New("vector has neither BASE45 nor PREFIX")
	}
	return hcert.Unprefix(*v.Prefix)
}

func (v *dccVector) compressed() ([]byte, error) {
	if v.Compressed != "" {
		return hexField("COMPRESSED", v.Compressed)
	}
	s, err := v.base45()
	if err != nil {
		return nil, err
	}
	return hcert.AppendBase45(nil, s)
}

func (v *dccVector) cose() ([]byte, error) {
	if v.COSE != "" {
		return hexField("COSE", v.COSE)
	}
	z, err := v.compressed()
	if err != nil {
		return nil, err
	}
	return hcert.AppendInflate(nil, z, 0)
}

func hexField(name, s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("vector field %s is not hex: %w", name, err)
	}
	return b, nil
}

// decoded runs the COSE, claims and DCC stages on the vector's COSE input.
func (v *dccVector) decoded() (*hcert.Message, *hcert.Claims, any, error) {
	raw, err := v.cose()
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := hcert.ParseCOSE(raw)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := hcert.ParseClaims(m.Payload)
	if err != nil {
		return m, nil, nil, err
	}
	tree, err := hcert.DecodeDCC(c.DCC)
	if err != nil {
		return m, c, nil, err
	}
	return m, c, tree, nil
}

// picture returns the vector's QR image: the 2DCODE field, or else an image
// file beside the vector that carries its name, as some countries ship
// them (<COUNTRY>/png/<name>.png, <name>_qr.png, or 2DCode/png/).
func (v *dccVector) picture() ([]byte, error) {
	if s := strings.TrimSpace(v.Image); s != "" {
		png, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("2DCODE is not base64: %w", err)
		}
		return png, nil
	}
	name := strings.TrimSuffix(path.Base(v.file), ".json")
	rawDir := path.Dir(v.file)      // <COUNTRY>/…/2DCode/raw
	codeDir := path.Dir(rawDir)     // <COUNTRY>/…/2DCode
	countryDir := path.Dir(codeDir) // <COUNTRY>/…
	for _, dir := range []string{path.Join(countryDir, "png"), path.Join(codeDir, "png")} {
		for _, n := range []string{name + ".png", name + "_qr.png", name + ".jpg"} {
			if b, err := fs.ReadFile(v.fsys, path.Join(dir, n)); err == nil {
				return b, nil
			}
		}
	}
	return nil, errors.New("vector has no 2DCODE and no image file beside it")
}

func (v *dccVector) certificate() (*x509.Certificate, error) {
	if v.Ctx.Certificate == "" {
		return nil, errors.New("vector has no TESTCTX.CERTIFICATE")
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v.Ctx.Certificate))
	if err != nil {
		return nil, fmt.Errorf("TESTCTX.CERTIFICATE is not base64: %w", err)
	}
	return x509.ParseCertificate(der)
}

func (v *dccVector) check(flag string, opts DCCOptions) error {
	switch flag {
	case "EXPECTEDPICTUREDECODE":
		png, err := v.picture()
		if err != nil {
			return err
		}
		text, err := qr.DecodeBytes(png)
		if err != nil {
			return err
		}
		if v.Prefix != nil && text != *v.Prefix {
			return errors.New("decoded text differs from PREFIX")
		}
		return nil

	case "EXPECTEDUNPREFIX":
		if v.Prefix == nil {
			return errors.New("vector has no PREFIX")
		}
		s, err := hcert.Unprefix(*v.Prefix)
		if err != nil {
			return err
		}
		if v.Base45 != nil && s != *v.Base45 {
			return errors.New("text after the prefix differs from BASE45")
		}
		return nil

	case "EXPECTEDB45DECODE":
		s, err := v.base45()
		if err != nil {
			return err
		}
		z, err := hcert.AppendBase45(nil, s)
		if err != nil {
			return err
		}
		if v.Compressed != "" {
			want, err := hexField("COMPRESSED", v.Compressed)
			if err != nil {
				return err
			}
			if !bytes.Equal(z, want) {
				return errors.New("decoded bytes differ from COMPRESSED")
			}
		}
		return nil

	case "EXPECTEDCOMPRESSION":
		z, err := v.compressed()
		if err != nil {
			return err
		}
		raw, err := hcert.AppendInflate(nil, z, 0)
		if err != nil {
			return err
		}
		if v.COSE != "" {
			want, err := hexField("COSE", v.COSE)
			if err != nil {
				return err
			}
			if !bytes.Equal(raw, want) {
				return errors.New("inflated bytes differ from COSE")
			}
		}
		return nil

	case "EXPECTEDDECODE":
		m, c, tree, err := v.decoded()
		if err != nil {
			return err
		}
		if v.CBOR != "" {
			want, err := hexField("CBOR", v.CBOR)
			if err != nil {
				return err
			}
			var wantTree any
			if err := cbor.Unmarshal(want, &wantTree); err != nil {
				return fmt.Errorf("vector field CBOR does not decode: %w", err)
			}
			got := tree
			if isClaimsSet(wantTree) {
				// Some vectors give the whole CWT claims set, not the DCC.
				if err := cbor.Unmarshal(m.Payload, &got); err != nil {
					return err
				}
			}
			if !sameTree(normalize(got), normalize(wantTree)) {
				return fmt.Errorf("payload differs from CBOR (%d bytes vs %d)", len(c.DCC), len(want))
			}
		}
		return nil

	case "EXPECTEDVERIFY":
		cert, err := v.certificate()
		if err != nil {
			return err
		}
		key, err := trustlist.KeyFromCertificate(cert)
		if err != nil {
			return err
		}
		raw, err := v.cose()
		if err != nil {
			return err
		}
		m, err := hcert.ParseCOSE(raw)
		if err != nil {
			return err
		}
		if !bytes.Equal(m.KID, key.KID) {
			return fmt.Errorf("kid %x does not name the certificate (kid %x)", m.KID, key.KID)
		}
		if err := m.Verify(key.PublicKey); err != nil {
			return err
		}
		_, err = hcert.ParseClaims(m.Payload)
		return err

	case "EXPECTEDEXPIRATIONCHECK":
		_, c, _, err := v.decoded()
		if c == nil {
			return err
		}
		clock, err := parseClock(v.Ctx.Clock)
		if err != nil {
			return fmt.Errorf("TESTCTX.VALIDATIONCLOCK: %w", err)
		}
		if c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
			return errors.New("iat or exp missing")
		}
		if c.IssuedAt.After(clock.Add(opts.Skew)) {
			return fmt.Errorf("not yet valid: iat %s is after the clock %s", c.IssuedAt.Format(time.RFC3339), v.Ctx.Clock)
		}
		if clock.After(c.ExpiresAt.Add(opts.Skew)) {
			return fmt.Errorf("expired: exp %s is before the clock %s", c.ExpiresAt.Format(time.RFC3339), v.Ctx.Clock)
		}
		return nil

	case "EXPECTEDKEYUSAGE":
		cert, err := v.certificate()
		if err != nil {
			return err
		}
		_, _, tree, err := v.decoded()
		if err != nil {
			return err
		}
		d, err := credential.ParseDCC(tree)
		if err != nil {
			return err
		}
		t := d.Type()
		if u := trustlist.CertificateUsage(cert); !u.Allows(t) {
			return fmt.Errorf("certificate allows %s, payload is %s", u, t)
		}
		return nil

	case "EXPECTEDSCHEMAVALIDATION":
		_, _, tree, err := v.decoded()
		if err != nil {
			// No COSE to read: fall back to the CBOR, then the JSON field.
			switch {
			case v.CBOR != "":
				raw, herr := hexField("CBOR", v.CBOR)
				if herr != nil {
					return herr
				}
				if tree, err = hcert.DecodeDCC(raw); err != nil {
					return err
				}
			case len(v.JSON) > 0 && string(v.JSON) != "null":
				if _, tree, err = credential.DecodeDCCJSON(v.JSON); err != nil {
					return err
				}
			default:
				return err
			}
		}
		return credential.ValidateDCC(tree)

	case "EXPECTEDVALIDJSON":
		if len(v.JSON) == 0 || string(v.JSON) == "null" {
			return errors.New("vector has no JSON")
		}
		if v.Prefix == nil {
			return errors.New("vector has no PREFIX")
		}
		m, err := hcert.Decode(*v.Prefix)
		if err != nil {
			return err
		}
		c, err := hcert.ParseClaims(m.Payload)
		if err != nil {
			return err
		}
		tree, err := hcert.DecodeDCC(c.DCC)
		if err != nil {
			return err
		}
		var want any
		if err := json.Unmarshal(v.JSON, &want); err != nil {
			return fmt.Errorf("vector field JSON: %w", err)
		}
		if !sameTree(normalize(tree), normalize(want)) {
			return errors.New("payload differs from JSON")
		}
		return nil
	}
	return fmt.Errorf("unknown flag %s", flag)
}

// clockLayouts are the VALIDATIONCLOCK spellings found in the suite: RFC
// 3339, offsets without a colon, and local times without an offset (read
// as UTC).
var clockLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
}

func parseClock(s string) (time.Time, error) {
	var first error
	for _, l := range clockLayouts {
		t, err := time.Parse(l, strings.TrimSpace(s))
		if err == nil {
			return t, nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, first
}

// isClaimsSet reports whether a decoded tree is a CWT claims set (a map
// with integer keys) rather than a DCC (a map with text keys).
func isClaimsSet(v any) bool {
	m, ok := v.(map[any]any)
	if !ok {
		return false
	}
	for k := range m {
		switch k.(type) {
		case uint64, int64:
			return true
		}
	}
	return false
}

// normalize maps a decoded CBOR or JSON tree onto one shape: maps with
// string keys, numbers as float64, times as RFC 3339 strings.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return v
}

// sameTree compares two normalized trees. Strings that both read as RFC
// 3339 date-times compare as instants, since "Z" and "+00:00" (or a tag 0
// date re-rendered by the decoder) spell the same value.
func sameTree(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !sameTree(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameTree(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.Abs(x-y) < 1e-9)
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		tx, errx := time.Parse(time.RFC3339Nano, x)
		ty, erry := time.Parse(time.RFC3339Nano, y)
		return errx == nil && erry == nil && tx.Equal(ty)
	}
	return reflect.DeepEqual(a, b)
}
