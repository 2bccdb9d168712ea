package testvectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Floors of passed cases over ../shared/testvectors/certlogic (SOURCES.md):
// 188 evaluation assertions (10 more are marked skip) plus 23 validation
// cases, and 910 rule tests. A drop means cases stopped being found.
const (
	certLogicSpecFloor     = 188 + 23
	certLogicSpecSkipped   = 10
	certLogicRulesFloor    = 910
	certLogicCombinedFloor = certLogicSpecFloor + certLogicRulesFloor
)

func checkReport(t *testing.T, rep *Report, suite string, floor int) {
	t.Helper()
	t.Logf("%s: %s", rep.Suite, rep.Summary())
	if rep.Suite != suite {
		t.Errorf("suite %q, want %q", rep.Suite, suite)
	}
	for _, c := range rep.Cases {
		switch c.Outcome {
		case Failed:
			t.Errorf("FAIL %s %s: %s", c.File, c.Flag, c.Reason)
		case Skipped:
			if c.Reason == "" {
				t.Errorf("%s %s skipped without a reason", c.File, c.Flag)
			}
		}
	}
	if rep.Failed != 0 {
		t.Errorf("%d failed, want 0", rep.Failed)
	}
	if rep.Passed < floor {
		t.Errorf("only %d cases passed, want at least %d", rep.Passed, floor)
	}
	if n := rep.Passed + rep.Failed + rep.Skipped; n != len(rep.Cases) {
		t.Errorf("counts add up to %d, but %d cases", n, len(rep.Cases))
	}
}

func TestRunCertLogicSpecOfficial(t *testing.T) {
	rep, err := RunCertLogicSpec(sharedDir(t, "certlogic"))
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, "certlogic", certLogicSpecFloor)
	if rep.Skipped != certLogicSpecSkipped {
		t.Errorf("%d skipped, want %d (patched-reduce.json is marked skip)", rep.Skipped, certLogicSpecSkipped)
	}
}

func TestRunRulesOfficial(t *testing.T) {
	rep, err := RunRules(sharedDir(t, "certlogic"))
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, "rules", certLogicRulesFloor)
	expectTrue := 0
	for _, c := range rep.Cases {
		if c.Expected {
			expectTrue++
		}
		if strings.Contains(c.File, "/MT/") {
			t.Errorf("%s: MT files are not rule.json and must be ignored", c.File)
		}
	}
	if expectTrue != 607 {
		t.Errorf("%d tests expect true, want 607 (SOURCES.md)", expectTrue)
	}
}

func TestRunCertLogicOfficial(t *testing.T) {
	rep, err := RunCertLogic(sharedDir(t, "certlogic"))
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, "certlogic+rules", certLogicCombinedFloor)
}

// writeTree writes files (path → content) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const synthRule = `{"Identifier": "VR-XX-0001", "Type": "Acceptance", "Country": "XX", "Version": "1.0.0",
 "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
 "Description": [{"lang": "en", "desc": "The vaccination schedule must be complete."}],
 "ValidFrom": "2021-06-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["v.0.dn", "v.0.sd"],
 "Logic": {"if": [{"var": "payload.v.0"}, {">=": [{"var": "payload.v.0.dn"}, {"var": "payload.v.0.sd"}]}, true]}}`

// TestRunCertLogicSynthetic proves that wrong expectations count as
// failures, in every part, and that skips and absent parts are handled.
func TestRunCertLogicSynthetic(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"spec/testSuite/plus.json": `{"name": "plus", "cases": [
			{"name": "right", "certLogicExpression": {"+": [1, {"var": "x"}]},
			 "assertions": [{"data": {"x": 2}, "expected": 3}, {"data": {"x": 2.0}, "expected": 3.0}]},
			{"name": "wrong", "certLogicExpression": {"+": [1, 1]},
			 "assertions": [{"data": {}, "expected": 3, "message": "deliberately wrong"}]},
			{"name": "error", "assertions": [{"certLogicExpression": {"in": [1, 2]}, "data": null, "expected": false}]},
			{"name": "skipped", "directive": "skip", "assertions": [{"certLogicExpression": true, "data": null, "expected": false}]}
		]}`,
		"spec/testSuite/skipped-suite.json": `{"name": "s", "directive": "skip", "cases": [
			{"name": "x", "assertions": [{"certLogicExpression": 1, "data": null, "expected": 2}]}]}`,
		"spec/validation-testSuite/v.json": `{"name": "v", "cases": [
			{"certLogicExpression": {"var": "x."}, "issues": [{"expr": {"var": "x."}, "message": "data access path doesn't have a valid format: x."}]},
			{"certLogicExpression": {"var": "x"}, "issues": [{"expr": {"var": "x"}, "message": "a wrong expectation"}]},
			{"certLogicExpression": 1.5, "issues": []},
			{"certLogicExpression": {"var": "y."}, "issues": [{"expr": {"var": "y."}, "message": "some other wording"}]}
		]}`,
		"rules/XX/VR-XX-0001/rule.json":          synthRule,
		"rules/XX/VR-XX-0001/tests/test001.json": `{"name": "complete", "payload": {"v": [{"dn": 2, "sd": 2}]}, "expected": true, "external": {}}`,
		"rules/XX/VR-XX-0001/tests/test002.json": `{"name": "wrong expectation", "payload": {"v": [{"dn": 2, "sd": 2}]}, "expected": false, "external": {}}`,
		"rules/XX/VR-XX-0001/tests/test003.json": `{"name": "clock before the rule", "payload": {}, "expected": true, "external": {"validationClock": "2020-01-01T00:00:00Z"}}`,
		"rules/XX/VR-XX-0001/tests/test004.json": `{"name": "clock inside", "payload": {}, "expected": true, "external": {"validationClock": "2021-06-01T02:00:00+02:00"}}`,
		"rules/XX/VR-XX-0002/rule.json":          `{"Identifier": "VR-XX-0002"}`,
		"rules/XX/VR-XX-0002/tests/test001.json": `{"name": "broken rule", "payload": {}, "expected": true, "external": {}}`,
		"rules/XX/VR-XX-0003/VR-XX-0003.json":    synthRule,
		"rules/XX/VR-XX-0003/tests/test001.json": `{"name": "ignored: no rule.json", "payload": {}, "expected": false, "external": {}}`,
		"rules/valuesets/valueSets.json":         `{}`,
	})

	spec, err := RunCertLogicSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Passed != 3 || spec.Failed != 5 || spec.Skipped != 2 {
		t.Errorf("spec: %s, want 3 passed, 5 failed, 2 skipped; cases %+v", spec.Summary(), spec.Cases)
	}
	failed := map[string]string{}
	for _, c := range spec.Cases {
		if c.Outcome == Failed {
			failed[c.Flag] = c.Reason
		}
	}
	if r := failed["wrong #1"]; !strings.Contains(r, "want 3, got 2") || !strings.Contains(r, "deliberately wrong") {
		t.Errorf("wrong assertion reason %q", r)
	}
	if r := failed["error #1"]; !strings.Contains(r, "got error") {
		t.Errorf("erroring assertion reason %q", r)
	}
	if r := failed["#2"]; !strings.Contains(r, "want 1 issues, got 0") {
		t.Errorf("validation reason %q", r)
	}
	if r := failed["#3"]; !strings.Contains(r, "want 0 issues, got 1") {
		t.Errorf("validation count reason %q", r)
	}
	if r := failed["#4"]; !strings.Contains(r, `want "some other wording"`) {
		t.Errorf("validation message reason %q", r)
	}

	rules, err := RunRules(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rules.Passed != 2 || rules.Failed != 3 || rules.Skipped != 0 {
		t.Errorf("rules: %s, want 2 passed, 3 failed; cases %+v", rules.Summary(), rules.Cases)
	}
	for _, c := range rules.Cases {
		switch c.Flag {
		case "wrong expectation":
			if c.Outcome != Failed || c.Expected || !c.Got {
				t.Errorf("wrong expectation: %+v", c)
			}
		case "clock before the rule":
			if c.Outcome != Failed || !strings.Contains(c.Reason, "outside the rule's validity") {
				t.Errorf("clock outside: %+v", c)
			}
		case "broken rule":
			if c.Outcome != Failed || !strings.Contains(c.Reason, "rule.json") {
				t.Errorf("broken rule: %+v", c)
			}
		case "ignored: no rule.json":
			t.Errorf("a folder without rule.json was run: %+v", c)
		}
	}

	all, err := RunCertLogic(dir)
	if err != nil {
		t.Fatal(err)
	}
	if all.Summary() != "5 passed, 8 failed, 2 skipped" {
		t.Errorf("combined: %s", all.Summary())
	}
}

func TestRunCertLogicOnly(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"spec/testSuite/a.json": `{"name": "a", "cases": [
			{"name": "chosen", "directive": "only", "certLogicExpression": {"!": [{"var": ""}]},
			 "assertions": [{"data": [], "expected": true}, {"data": {}, "expected": true}]},
			{"name": "not chosen", "certLogicExpression": 1, "assertions": [{"data": null, "expected": 2}]}]}`,
		"spec/testSuite/b.json": `{"name": "b", "cases": [
			{"name": "not chosen either", "certLogicExpression": 1, "assertions": [{"data": null, "expected": 2}]}]}`,
	})
	rep, err := RunCertLogicSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary() != "2 passed, 0 failed, 2 skipped" {
		t.Errorf("only: %s", rep.Summary())
	}
}

func TestRunCertLogicAbsentParts(t *testing.T) {
	onlyRules := writeTree(t, map[string]string{
		"rules/XX/VR-XX-0001/rule.json":          synthRule,
		"rules/XX/VR-XX-0001/tests/test001.json": `{"name": "t", "payload": {}, "expected": true, "external": {}}`,
	})
	if _, err := RunCertLogicSpec(onlyRules); err == nil {
		t.Error("spec suite over a rules-only tree: no error")
	}
	rep, err := RunCertLogic(onlyRules)
	if err != nil || rep.Summary() != "1 passed, 0 failed, 0 skipped" {
		t.Errorf("combined over a rules-only tree: %v %v", rep, err)
	}
	onlyValidation := writeTree(t, map[string]string{
		"spec/validation-testSuite/v.json": `{"name": "v", "cases": [{"certLogicExpression": true, "issues": []}]}`,
	})
	if rep, err := RunCertLogicSpec(onlyValidation); err != nil || rep.Passed != 1 {
		t.Errorf("validation only: %v %v", rep, err)
	}
	if _, err := RunRules(onlyValidation); err == nil {
		t.Error("rules over a tree without rules: no error")
	}
	empty := t.TempDir()
	if _, err := RunCertLogic(empty); err == nil {
		t.Error("empty directory: no error")
	}
	if _, err := RunCertLogic(filepath.Join(empty, "missing")); err == nil {
		t.Error("missing directory: no error")
	}
	malformed := writeTree(t, map[string]string{
		"spec/testSuite/bad.json":                `{"cases": [`,
		"rules/XX/VR-XX-0001/rule.json":          synthRule,
		"rules/XX/VR-XX-0001/tests/test001.json": `not json`,
	})
	rep, err = RunCertLogic(malformed)
	if err != nil || rep.Failed != 2 {
		t.Errorf("malformed suite files: %v %+v", err, rep)
	}
}
