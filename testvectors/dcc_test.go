package testvectors

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/qr"
)

// sharedDir returns a directory of ../shared/testvectors, or skips the test
// when the shared vectors are not beside the repository.
func sharedDir(t testing.TB, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "testvectors"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("official vectors not found at %s (clone the project with ../shared beside it): %v", dir, err)
	}
	return dir
}

func TestRunDCCOfficial(t *testing.T) {
	dir := sharedDir(t, "dcc")
	rep, err := RunDCC(dir, DCCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Summary())
	for _, c := range rep.Cases {
		switch c.Outcome {
		case Failed:
			t.Errorf("%s %s: expected %t, got %t: %s", c.File, c.Flag, c.Expected, c.Got, c.Reason)
		case Skipped:
			if c.Reason == "" {
				t.Errorf("%s %s skipped without a reason", c.File, c.Flag)
			}
		}
	}
	// Every valid vector is checked: a drop in passed cases means vectors
	// stopped being found or flags stopped being read.
	if rep.Passed < 1879 {
		t.Errorf("only %d cases passed, want at least 1879", rep.Passed)
	}
}

func TestKnownDefectsFile(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(dccKnownDefects)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || !slices.Equal(recs[0], []string{"file", "flag", "evidence"}) {
		t.Fatalf("header or entries missing: %v", recs)
	}
	dir := ""
	if _, err := os.Stat(filepath.Join("..", "..", "shared", "testvectors", "dcc")); err == nil {
		dir = filepath.Join("..", "..", "shared", "testvectors", "dcc")
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		file, flag, evidence := rec[0], rec[1], rec[2]
		if !slices.Contains(dccFlags, flag) {
			t.Errorf("%s: unknown flag %s", file, flag)
		}
		if len(evidence) < 40 {
			t.Errorf("%s %s: evidence %q is too thin", file, flag, evidence)
		}
		if seen[file+flag] {
			t.Errorf("%s %s listed twice", file, flag)
		}
		seen[file+flag] = true
		if dir == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("stale entry: %v", err)
			continue
		}
		var v dccVector
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if _, ok := v.Expected[flag]; !ok {
			t.Errorf("stale entry: %s has no %s", file, flag)
		}
	}
}

// syntheticVector builds a dgc-testdata vector from our own issuer, with
// every field filled and every flag expected true.
func syntheticVector(t *testing.T, typ credential.Type) map[string]any {
	t.Helper()
	fed, err := NewFederation(FederationOptions{Countries: []string{"NZ"}})
	if err != nil {
		t.Fatal(err)
	}
	m := fed.Members[0]
	d := SamplePayload(typ, "NZ")
	out, err := m.Issuer.Issue(d)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := hcert.ParseCOSE(out.COSE)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := hcert.ParseClaims(msg.Payload)
	if err != nil {
		t.Fatal(err)
	}
	png, err := qr.EncodePNG(out.Text)
	if err != nil {
		t.Fatal(err)
	}
	b45, _ := hcert.Unprefix(out.Text)
	z, _ := hcert.AppendBase45(nil, b45)
	jsonPayload, _ := json.Marshal(d)
	flags := map[string]bool{}
	for _, f := range dccFlags {
		flags[f] = true
	}
	return map[string]any{
		"JSON":       json.RawMessage(jsonPayload),
		"CBOR":       hex.EncodeToString(claims.DCC),
		"COSE":       hex.EncodeToString(out.COSE),
		"COMPRESSED": hex.EncodeToString(z),
		"BASE45":     b45,
		"PREFIX":     out.Text,
		"2DCODE":     base64.StdEncoding.EncodeToString(png),
		"TESTCTX": map[string]any{
			"VERSION":         1,
			"SCHEMA":          "1.3.0",
			"CERTIFICATE":     base64.StdEncoding.EncodeToString(m.DSC.Raw),
			"VALIDATIONCLOCK": DefaultNow.Add(time.Hour).Format(time.RFC3339),
			"DESCRIPTION":     "synthetic",
		},
		"EXPECTEDRESULTS": flags,
	}
}

func writeSuite(t *testing.T, vectors map[string]map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range vectors {
		p := filepath.Join(dir, "XX", "2DCode", "raw", name+".json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRunDCCSyntheticValid(t *testing.T) {
	vectors := map[string]map[string]any{}
	for _, typ := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
		vectors[string(typ)] = syntheticVector(t, typ)
	}
	rep, err := RunDCC(writeSuite(t, vectors), DCCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Passed != 3*len(dccFlags) || rep.Skipped != 0 {
		for _, c := range rep.Cases {
			if c.Outcome != Passed {
				t.Logf("%s %s: %s", c.File, c.Flag, c.Reason)
			}
		}
		t.Fatalf("got %s, want %d passed", rep.Summary(), 3*len(dccFlags))
	}
}

// TestRunDCCEachFlagCanFail breaks one stage's data per vector and checks
// that exactly that flag (and the later stages reading the same data)
// fails, so no stage passes regardless of its input.
func TestRunDCCEachFlagCanFail(t *testing.T) {
	corrupt := map[string]func(v map[string]any){
		"EXPECTEDPICTUREDECODE": func(v map[string]any) { v["2DCODE"] = base64.StdEncoding.EncodeToString([]byte("not a png")) },
		"EXPECTEDUNPREFIX":      func(v map[string]any) { v["PREFIX"] = "HC2:" + v["BASE45"].(string) },
		"EXPECTEDB45DECODE":     func(v map[string]any) { v["BASE45"] = "GGW" + v["BASE45"].(string) },
		"EXPECTEDCOMPRESSION":   func(v map[string]any) { v["COMPRESSED"] = "0000" + v["COMPRESSED"].(string) },
		"EXPECTEDDECODE":        func(v map[string]any) { v["COSE"] = "d2" + v["COSE"].(string) },
		"EXPECTEDVERIFY": func(v map[string]any) {
			b, _ := hex.DecodeString(v["COSE"].(string))
			b[len(b)-1] ^= 1
			v["COSE"] = hex.EncodeToString(b)
		},
		"EXPECTEDEXPIRATIONCHECK":  func(v map[string]any) { v["TESTCTX"].(map[string]any)["VALIDATIONCLOCK"] = "2099-01-01T00:00:00Z" },
		"EXPECTEDKEYUSAGE":         nil, // built below with a restricted DSC
		"EXPECTEDSCHEMAVALIDATION": nil, // built below with a signed invalid payload
		"EXPECTEDVALIDJSON":        func(v map[string]any) { v["JSON"] = json.RawMessage(`{"ver":"1.3.0"}`) },
	}
	for flag, f := range corrupt {
		if f == nil {
			continue
		}
		t.Run(flag, func(t *testing.T) {
			v := syntheticVector(t, credential.TypeVaccination)
			f(v)
			v["EXPECTEDRESULTS"] = map[string]bool{flag: true}
			rep, err := RunDCC(writeSuite(t, map[string]map[string]any{"1": v}), DCCOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failed != 1 || rep.Cases[0].Flag != flag || rep.Cases[0].Got {
				t.Fatalf("corrupted %s: got %s %+v", flag, rep.Summary(), rep.Cases)
			}
			// The same data with the flag expected false passes.
			v["EXPECTEDRESULTS"] = map[string]bool{flag: false}
			rep, err = RunDCC(writeSuite(t, map[string]map[string]any{"1": v}), DCCOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Passed != 1 {
				t.Fatalf("corrupted %s expected false: got %s", flag, rep.Summary())
			}
		})
	}
}

func TestRunDCCKeyUsageAndSchema(t *testing.T) {
	// A DSC allowed to sign tests only, used for a vaccination.
	fed, err := NewFederation(FederationOptions{Countries: []string{"AU"}})
	if err != nil {
		t.Fatal(err)
	}
	v := syntheticVector(t, credential.TypeVaccination)
	v["TESTCTX"].(map[string]any)["CERTIFICATE"] = base64.StdEncoding.EncodeToString(restrictedDSC(t, fed).Raw)
	v["EXPECTEDRESULTS"] = map[string]bool{"EXPECTEDKEYUSAGE": false}
	// A payload that breaks the schema (dn 0), signed.
	m := fed.Members[0]
	bad := SamplePayload(credential.TypeVaccination, "AU")
	bad.Vaccinations[0].DoseNumber = 0
	dcc, err := hcert.MarshalDCC(bad)
	if err != nil {
		t.Fatal(err)
	}
	cose, err := hcert.Sign(nil, m.DSCKey, hcert.ES256, m.TrustKey.KID, hcert.MarshalClaims("AU", DefaultNow, DefaultNow.Add(time.Hour), dcc))
	if err != nil {
		t.Fatal(err)
	}
	s := map[string]any{
		"PREFIX":          hcert.Encode(cose),
		"TESTCTX":         map[string]any{"VALIDATIONCLOCK": DefaultNow.Format(time.RFC3339)},
		"EXPECTEDRESULTS": map[string]bool{"EXPECTEDSCHEMAVALIDATION": false, "EXPECTEDEXPIRATIONCHECK": true},
	}
	rep, err := RunDCC(writeSuite(t, map[string]map[string]any{"ku": v, "schema": s}), DCCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Passed != 3 {
		t.Fatalf("got %s: %+v", rep.Summary(), rep.Cases)
	}
}

func TestRunDCCErrors(t *testing.T) {
	if _, err := RunDCC(filepath.Join(t.TempDir(), "missing"), DCCOptions{}); err == nil {
		t.Error("missing directory accepted")
	}
	if _, err := RunDCC(t.TempDir(), DCCOptions{}); err == nil {
		t.Error("empty suite accepted")
	}
	dir := writeSuite(t, map[string]map[string]any{})
	p := filepath.Join(dir, "XX", "2DCode", "raw", "broken.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("{"), 0o644)
	rep, err := RunDCC(dir, DCCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 {
		t.Errorf("broken JSON vector: got %s", rep.Summary())
	}
}

func TestParseClock(t *testing.T) {
	want := time.Date(2021, 6, 9, 13, 15, 34, 0, time.UTC)
	for _, s := range []string{"2021-06-09T13:15:34Z", "2021-06-09T15:15:34+0200", "2021-06-09T15:15:34+02:00", "2021-06-09T13:15:34"} {
		got, err := parseClock(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseClock(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := parseClock("yesterday"); err == nil {
		t.Error("parseClock accepted nonsense")
	}
}

// TestCompressionOnDCCVectors recompresses the COSE message of every
// distinct official DCC with hcert.Compress: each reads back unchanged,
// and in total the output is no larger than compress/zlib's best level
// (the single-block encoder of internal/deflate must not cost QR size).
func TestCompressionOnDCCVectors(t *testing.T) {
	seen := map[string]bool{}
	var ours, best int
	for f, z := range dccCompressed(t) {
		cose, err := hcert.AppendInflate(nil, z, 0)
		if err != nil || seen[string(cose)] {
			continue
		}
		seen[string(cose)] = true
		c := hcert.Compress(cose)
		back, err := hcert.AppendInflate(nil, c, 0)
		if err != nil || !bytes.Equal(back, cose) {
			t.Fatalf("%s: recompressed COSE does not read back: %v", f, err)
		}
		var buf bytes.Buffer
		w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		w.Write(cose)
		w.Close()
		ours += len(c)
		best += buf.Len()
	}
	t.Logf("%d distinct COSE messages: hcert.Compress %d bytes, compress/zlib best %d", len(seen), ours, best)
	if len(seen) < 150 {
		t.Errorf("only %d distinct messages read", len(seen))
	}
	if ours > best {
		t.Errorf("hcert.Compress wrote %d bytes in total, more than compress/zlib's %d", ours, best)
	}
}

// dccCompressed returns the zlib data of every EU test credential whose
// text has the HC1: prefix and valid Base45 (including those that fail
// later), keyed by file.
func dccCompressed(tb testing.TB) map[string][]byte {
	tb.Helper()
	dir := sharedDir(tb, "dcc")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*", "raw", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no vectors under %s: %v", dir, err)
	}
	out := make(map[string][]byte)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var v struct{ PREFIX string }
		if json.Unmarshal(b, &v) != nil {
			continue
		}
		s, err := hcert.Unprefix(v.PREFIX)
		if err != nil {
			continue
		}
		if z, err := hcert.AppendBase45(nil, s); err == nil {
			out[f] = z
		}
	}
	return out
}

// zlibInflate is the reference reading: compress/zlib, and nothing may
// follow its stream.
func zlibInflate(z []byte) ([]byte, error) {
	br := bytes.NewReader(z)
	r, err := zlib.NewReader(br)
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(r)
	if err == nil && br.Len() > 0 {
		err = fmt.Errorf("%d bytes follow the stream", br.Len())
	}
	return out, err
}

// TestInflateOnDCCVectors: on every EU test credential, stored, fixed and
// dynamic Huffman alike, hcert.AppendInflate (internal/deflate) gives what
// compress/zlib gives, or refuses where it refuses.
func TestInflateOnDCCVectors(t *testing.T) {
	types := map[string]int{}
	for f, z := range dccCompressed(t) {
		got, err := hcert.AppendInflate(nil, z, 0)
		want, werr := zlibInflate(z)
		if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Errorf("%s: AppendInflate %d bytes, %v; compress/zlib %d bytes, %v", f, len(got), err, len(want), werr)
		}
		if len(z) > 2 {
			types[[]string{"stored", "fixed", "dynamic", "reserved"}[z[2]>>1&3]]++
		}
	}
	t.Logf("first blocks: %v", types)
	if types["fixed"] == 0 || types["dynamic"] == 0 || types["stored"] == 0 {
		t.Errorf("the vectors should hold every block type: %v", types)
	}
}

// BenchmarkInflateDCCVectors inflates every EU test credential that
// compress/zlib reads, with hcert.AppendInflate and with a reused
// compress/zlib reader; ns/op is per credential.
func BenchmarkInflateDCCVectors(b *testing.B) {
	var zs [][]byte
	for _, z := range dccCompressed(b) {
		if _, err := zlibInflate(z); err == nil {
			zs = append(zs, z)
		}
	}
	out := make([]byte, 0, 1<<16)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := hcert.AppendInflate(out[:0], zs[i%len(zs)], 0); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("compress-zlib", func(b *testing.B) {
		b.ReportAllocs()
		var br bytes.Reader
		br.Reset(zs[0])
		r, err := zlib.NewReader(&br)
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			br.Reset(zs[i%len(zs)])
			if err := r.(zlib.Resetter).Reset(&br, nil); err != nil {
				b.Fatal(err)
			}
			o := out[:0]
			for {
				n, err := r.Read(o[len(o):cap(o)])
				o = o[:len(o)+n]
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			i++
		}
	})
}
