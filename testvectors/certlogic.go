package testvectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/b5m5/travelcred/certlogic"
	"github.com/b5m5/travelcred/rules"
)

// The parts of a CertLogic test-data directory (the layout of
// ../shared/testvectors/certlogic).
const (
	certLogicSpecDir       = "spec/testSuite"
	certLogicValidationDir = "spec/validation-testSuite"
	certLogicRulesDir      = "rules"
)

// RunCertLogic runs both CertLogic suites of dir (see RunCertLogicSpec and
// RunRules) into one report, suite "certlogic+rules". Absent parts are
// skipped; a dir with none of them is an error.
func RunCertLogic(dir string) (*Report, error) {
	fsys, err := dirFS(dir)
	if err != nil {
		return nil, err
	}
	return RunCertLogicFS(fsys)
}

// RunCertLogicFS is RunCertLogic over a file system rooted at the suite.
func RunCertLogicFS(fsys fs.FS) (*Report, error) {
	rep := &Report{Suite: "certlogic+rules"}
	found, err := runSpec(fsys, rep)
	if err != nil {
		return nil, err
	}
	foundRules, err := runRules(fsys, rep)
	if err != nil {
		return nil, err
	}
	if !found && !foundRules {
		return nil, errors.New("no CertLogic test data (spec/testSuite, spec/validation-testSuite or rules/<country>/<rule id>/) found")
	}
	return rep, nil
}

// RunCertLogicSpec runs the CertLogic specification's suites found in dir,
// suite "certlogic":
//
//   - spec/testSuite/*.json: one case per assertion; it passes when
//     certlogic.Evaluate of the assertion's expression (else the case's) on
//     its data deep-equals expected (certlogic.DeepEqual). A "skip"
//     directive on the suite, case or assertion makes it skipped; an "only"
//     directive anywhere skips everything not under one.
//   - spec/validation-testSuite/*.json: one case per expression; it passes
//     when certlogic.Validate reports exactly the expected issues (same
//     number, and each with the same expr and message, in order).
//
// An absent part is skipped; a dir with neither is an error. In each
// CaseResult, File is the suite file, Flag names the case ("<case name>
// #<assertion number>", or "#<case number>" for validation cases),
// Expected is true (the assertion should hold) and Got says whether it did;
// Reason shows the expression, the data, the expected and the actual value.
func RunCertLogicSpec(dir string) (*Report, error) {
	fsys, err := dirFS(dir)
	if err != nil {
		return nil, err
	}
	return RunCertLogicSpecFS(fsys)
}

// RunCertLogicSpecFS is RunCertLogicSpec over a file system rooted at the
// suite.
func RunCertLogicSpecFS(fsys fs.FS) (*Report, error) {
	rep := &Report{Suite: "certlogic"}
	found, err := runSpec(fsys, rep)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("no CertLogic specification suite (spec/testSuite or spec/validation-testSuite) found")
	}
	return rep, nil
}

// RunRules runs the business-rule tests found under dir/rules, suite
// "rules": for each rules/<country>/<rule id>/rule.json, every
// tests/*.json of that folder. A test passes when the rule's Logic,
// evaluated against {"payload": payload, "external": external} exactly as
// the file gives them, deep-equals expected; when external.validationClock
// is present it must also lie in the rule's validity (ValidFrom ≤ clock <
// ValidTo). A rule that does not parse fails each of its tests. Files not
// named rule.json (such as MT's) are not rules of this layout and are
// ignored, as the upstream runner does. In each CaseResult, File is the
// test file, Flag the test's name, Expected the test's expected boolean and
// Got whether the rule evaluated to true.
func RunRules(dir string) (*Report, error) {
	fsys, err := dirFS(dir)
	if err != nil {
		return nil, err
	}
	return RunRulesFS(fsys)
}

// RunRulesFS is RunRules over a file system rooted at the suite.
func RunRulesFS(fsys fs.FS) (*Report, error) {
	rep := &Report{Suite: "rules"}
	found, err := runRules(fsys, rep)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("no business-rule tests (rules/<country>/<rule id>/rule.json) found")
	}
	return rep, nil
}

func dirFS(dir string) (fs.FS, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return os.DirFS(dir), nil
}

// jsonFiles lists the *.json files directly in dir, sorted; ok is false
// when dir does not exist.
func jsonFiles(fsys fs.FS, dir string) (files []string, ok bool, err error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			files = append(files, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files, true, nil
}

func readJSONFile(fsys fs.FS, file string) (any, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	return certlogic.DecodeJSON(b)
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// specSuite is one spec/testSuite file.
type specSuite struct {
	Name      string     `json:"name"`
	Directive string     `json:"directive"`
	Cases     []specCase `json:"cases"`
}

type specCase struct {
	Name       string          `json:"name"`
	Directive  string          `json:"directive"`
	Expr       json.RawMessage `json:"certLogicExpression"`
	Assertions []struct {
		Directive string          `json:"directive"`
		Expr      json.RawMessage `json:"certLogicExpression"`
		Data      json.RawMessage `json:"data"`
		Expected  json.RawMessage `json:"expected"`
		Message   string          `json:"message"`
	} `json:"assertions"`
}

// decodeRaw decodes a raw member; an absent member is null.
func decodeRaw(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	return certlogic.DecodeJSON(raw)
}

func runSpec(fsys fs.FS, rep *Report) (bool, error) {
	files, okEval, err := jsonFiles(fsys, certLogicSpecDir)
	if err != nil {
		return false, err
	}
	suites := make([]specSuite, len(files))
	only := false
	for i, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return false, err
		}
		if err := json.Unmarshal(b, &suites[i]); err != nil {
			rep.add(CaseResult{File: f, Flag: "JSON", Expected: true, Outcome: Failed, Reason: "suite is not valid JSON of the test-suite schema: " + err.Error()})
			suites[i] = specSuite{}
			continue
		}
		s := suites[i]
		only = only || s.Directive == "only"
		for _, c := range s.Cases {
			only = only || c.Directive == "only"
			for _, a := range c.Assertions {
				only = only || a.Directive == "only"
			}
		}
	}
	for i, f := range files {
		s := suites[i]
		for _, c := range s.Cases {
			for j, a := range c.Assertions {
				cr := CaseResult{File: f, Flag: fmt.Sprintf("%s #%d", c.Name, j+1), Expected: true}
				switch {
				case s.Directive == "skip" || c.Directive == "skip" || a.Directive == "skip":
					cr.Outcome, cr.Reason = Skipped, "marked skip in the suite"
					rep.add(cr)
					continue
				case only && s.Directive != "only" && c.Directive != "only" && a.Directive != "only":
					cr.Outcome, cr.Reason = Skipped, "not selected by the suite's only directive"
					rep.add(cr)
					continue
				}
				raw := a.Expr
				if len(raw) == 0 {
					raw = c.Expr
				}
				cr.Got, cr.Reason = checkAssertion(raw, a.Data, a.Expected)
				if a.Message != "" && !cr.Got {
					cr.Reason += " (" + a.Message + ")"
				}
				if cr.Got {
					cr.Outcome = Passed
				} else {
					cr.Outcome = Failed
				}
				rep.add(cr)
			}
		}
	}

	vfiles, okVal, err := jsonFiles(fsys, certLogicValidationDir)
	if err != nil {
		return false, err
	}
	for _, f := range vfiles {
		runValidationFile(fsys, f, rep)
	}
	return okEval || okVal, nil
}

// checkAssertion evaluates one assertion; it reports whether it holds and,
// if not, why.
func checkAssertion(rawExpr, rawData, rawExpected json.RawMessage) (bool, string) {
	expr, err1 := decodeRaw(rawExpr)
	data, err2 := decodeRaw(rawData)
	want, err3 := decodeRaw(rawExpected)
	if err := errors.Join(err1, err2, err3); err != nil {
		return false, "assertion JSON: " + err.Error()
	}
	got, err := certlogic.Evaluate(expr, data)
	if err != nil {
		return false, fmt.Sprintf("%s on %s: want %s, got error: %v", jsonString(expr), jsonString(data), jsonString(want), err)
	}
	if !certlogic.DeepEqual(got, want) {
		return false, fmt.Sprintf("%s on %s: want %s, got %s", jsonString(expr), jsonString(data), jsonString(want), jsonString(got))
	}
	return true, ""
}

func runValidationFile(fsys fs.FS, f string, rep *Report) {
	var suite struct {
		Directive string `json:"directive"`
		Cases     []struct {
			Name      string          `json:"name"`
			Directive string          `json:"directive"`
			Expr      json.RawMessage `json:"certLogicExpression"`
			Issues    []struct {
				Expr    json.RawMessage `json:"expr"`
				Message string          `json:"message"`
			} `json:"issues"`
		} `json:"cases"`
	}
	b, err := fs.ReadFile(fsys, f)
	if err == nil {
		err = json.Unmarshal(b, &suite)
	}
	if err != nil {
		rep.add(CaseResult{File: f, Flag: "JSON", Expected: true, Outcome: Failed, Reason: "suite is not valid JSON of the validation-suite schema: " + err.Error()})
		return
	}
	for i, c := range suite.Cases {
		cr := CaseResult{File: f, Flag: fmt.Sprintf("#%d", i+1), Expected: true}
		if c.Name != "" {
			cr.Flag += " " + c.Name
		}
		if suite.Directive == "skip" || c.Directive == "skip" {
			cr.Outcome, cr.Reason = Skipped, "marked skip in the suite"
			rep.add(cr)
			continue
		}
		expr, err := decodeRaw(c.Expr)
		if err != nil {
			cr.Outcome, cr.Reason = Failed, "case JSON: "+err.Error()
			rep.add(cr)
			continue
		}
		got := certlogic.Validate(expr)
		cr.Got, cr.Reason = true, ""
		if len(got) != len(c.Issues) {
			cr.Got = false
			cr.Reason = fmt.Sprintf("%s: want %d issues, got %d: %v", jsonString(expr), len(c.Issues), len(got), got)
		} else {
			for j, want := range c.Issues {
				wantExpr, err := decodeRaw(want.Expr)
				if err != nil || got[j].Message != want.Message || !certlogic.DeepEqual(got[j].Expr, wantExpr) {
					cr.Got = false
					cr.Reason = fmt.Sprintf("issue %d: want %q on %s, got %q on %s", j+1, want.Message, jsonString(wantExpr), got[j].Message, jsonString(got[j].Expr))
					break
				}
			}
		}
		if cr.Got {
			cr.Outcome = Passed
		} else {
			cr.Outcome = Failed
		}
		rep.add(cr)
	}
}

// ruleTest is one rules/<CC>/<id>/tests/*.json file.
type ruleTest struct {
	Name     string          `json:"name"`
	Payload  json.RawMessage `json:"payload"`
	Expected json.RawMessage `json:"expected"`
	External json.RawMessage `json:"external"`
}

func runRules(fsys fs.FS, rep *Report) (bool, error) {
	countries, err := fs.ReadDir(fsys, certLogicRulesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	found := false
	for _, cc := range countries {
		if !cc.IsDir() {
			continue
		}
		ids, err := fs.ReadDir(fsys, path.Join(certLogicRulesDir, cc.Name()))
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			if !id.IsDir() {
				continue
			}
			dir := path.Join(certLogicRulesDir, cc.Name(), id.Name())
			ruleFile := path.Join(dir, "rule.json")
			b, err := fs.ReadFile(fsys, ruleFile)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return false, err
			}
			found = true
			rule, ruleErr := rules.ParseRule(b)
			tests, _, err := jsonFiles(fsys, path.Join(dir, "tests"))
			if err != nil {
				return false, err
			}
			for _, tf := range tests {
				rep.add(runRuleTest(fsys, tf, rule, ruleErr))
			}
		}
	}
	return found, nil
}

func runRuleTest(fsys fs.FS, file string, rule *rules.Rule, ruleErr error) CaseResult {
	cr := CaseResult{File: file, Flag: path.Base(file)}
	b, err := fs.ReadFile(fsys, file)
	var t ruleTest
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil {
		cr.Outcome, cr.Reason = Failed, "test is not valid JSON of the rule-test schema: "+err.Error()
		return cr
	}
	cr.Flag = t.Name
	payload, err1 := decodeRaw(t.Payload)
	external, err2 := decodeRaw(t.External)
	want, err3 := decodeRaw(t.Expected)
	if err := errors.Join(err1, err2, err3); err != nil {
		cr.Outcome, cr.Reason = Failed, "test JSON: "+err.Error()
		return cr
	}
	cr.Expected = want == true
	if ruleErr != nil {
		cr.Outcome, cr.Reason = Failed, "rule.json: "+ruleErr.Error()
		return cr
	}
	if ext, ok := external.(map[string]any); ok {
		if clock, present := ext["validationClock"]; present {
			s, _ := clock.(string)
			at, err := certlogic.ParseDateTime(s)
			switch {
			case err != nil:
				cr.Outcome, cr.Reason = Failed, fmt.Sprintf("external.validationClock %s: %v", jsonString(clock), err)
				return cr
			case !rule.ValidAt(at.Time()):
				cr.Outcome, cr.Reason = Failed, fmt.Sprintf("validationClock %s is outside the rule's validity %s to %s", s, rule.ValidFrom.Format("2006-01-02T15:04:05Z07:00"), rule.ValidTo.Format("2006-01-02T15:04:05Z07:00"))
				return cr
			}
		}
	}
	got, err := rule.Evaluate(map[string]any{"payload": payload, "external": external})
	if err != nil {
		cr.Outcome, cr.Reason = Failed, fmt.Sprintf("%s: want %s, got error: %v", rule.Identifier, jsonString(want), err)
		return cr
	}
	cr.Got = got == true
	if certlogic.DeepEqual(got, want) {
		cr.Outcome = Passed
	} else {
		cr.Outcome, cr.Reason = Failed, fmt.Sprintf("%s: want %s, got %s", rule.Identifier, jsonString(want), jsonString(got))
	}
	return cr
}
