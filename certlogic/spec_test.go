package certlogic

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// specDir returns the shared CertLogic specification suites, or skips.
func specDir(t testing.TB, part string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "testvectors", "certlogic", "spec", part)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("CertLogic specification suites not found at %s (clone the project with ../shared beside it): %v", dir, err)
	}
	return dir
}

func readJSON(t testing.TB, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeJSON(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object", file)
	}
	return m
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// TestSpecSuite runs spec/testSuite directly; package testvectors runs it
// again through the conformance runner.
func TestSpecSuite(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(specDir(t, "testSuite"), "*.json"))
	run, skipped := 0, 0
	for _, f := range files {
		suite := readJSON(t, f)
		for _, c := range suite["cases"].([]any) {
			c := c.(map[string]any)
			for i, a := range c["assertions"].([]any) {
				a := a.(map[string]any)
				if suite["directive"] == "skip" || c["directive"] == "skip" || a["directive"] == "skip" {
					skipped++
					continue
				}
				expr, ok := a["certLogicExpression"]
				if !ok {
					expr = c["certLogicExpression"]
				}
				run++
				got, err := Evaluate(expr, a["data"])
				if err != nil {
					t.Errorf("%s: %s #%d: %s on %s: %v", filepath.Base(f), c["name"], i+1, compact(expr), compact(a["data"]), err)
					continue
				}
				if !DeepEqual(got, a["expected"]) {
					t.Errorf("%s: %s #%d: %s on %s = %s, want %s", filepath.Base(f), c["name"], i+1, compact(expr), compact(a["data"]), compact(got), compact(a["expected"]))
				}
			}
		}
	}
	t.Logf("%d assertions run, %d skipped", run, skipped)
	if run < 188 {
		t.Errorf("only %d assertions run, want at least 188", run)
	}
}

func TestSpecValidationSuite(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(specDir(t, "validation-testSuite"), "*.json"))
	n := 0
	for _, f := range files {
		suite := readJSON(t, f)
		for i, c := range suite["cases"].([]any) {
			c := c.(map[string]any)
			n++
			expr := c["certLogicExpression"]
			want := c["issues"].([]any)
			got := Validate(expr)
			if len(got) != len(want) {
				t.Errorf("%s #%d %s: %d issues %v, want %d %s", filepath.Base(f), i+1, compact(expr), len(got), got, len(want), compact(want))
				continue
			}
			for j, w := range want {
				w := w.(map[string]any)
				if got[j].Message != w["message"] || !DeepEqual(got[j].Expr, w["expr"]) {
					t.Errorf("%s #%d %s: issue %q on %s, want %q on %s", filepath.Base(f), i+1, compact(expr), got[j].Message, compact(got[j].Expr), w["message"], compact(w["expr"]))
				}
			}
			// A valid expression compiles; an invalid one does not.
			if _, err := Compile(expr); (err == nil) != (len(want) == 0) {
				t.Errorf("%s #%d %s: Compile error %v, want issues %d", filepath.Base(f), i+1, compact(expr), err, len(want))
			}
		}
	}
	if n < 23 {
		t.Errorf("only %d validation cases, want at least 23", n)
	}
}
