package testvectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestRunSuiteOfficial(t *testing.T) {
	for _, tc := range []struct {
		set   string
		floor int
	}{
		{"nzcp", 16},
		{"shc", 49},
		{"vdsnc", 11},
		{"who", 10},
	} {
		t.Run(tc.set, func(t *testing.T) {
			dir := sharedDir(t, tc.set)
			rep, err := RunSuite(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep.Summary())
			for _, c := range rep.Cases {
				if c.Outcome == Failed {
					t.Errorf("%s (%s): %s", c.File, c.Flag, c.Reason)
				}
			}
			if rep.Passed < tc.floor {
				t.Errorf("%d passed, want at least %d", rep.Passed, tc.floor)
			}
		})
	}
}

// TestRunSuiteCountsWrongExpectations copies the NZCP suite with its
// expectations inverted and checks that every case then fails.
func TestRunSuiteCountsWrongExpectations(t *testing.T) {
	src := sharedDir(t, "nzcp")
	data, err := os.ReadFile(filepath.Join(src, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Suite
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	for i := range s.Cases {
		c := &s.Cases[i]
		switch {
		case c.Expect == "valid":
			c.Expect, c.Class = "invalid", "untrusted"
		case c.Class == "untrusted":
			c.Class = "expired"
		default:
			c.Class = "untrusted"
		}
		c.Input, _ = filepath.Abs(filepath.Join(src, c.Input))
	}
	for i := range s.Trust {
		abs, _ := filepath.Abs(filepath.Join(src, s.Trust[i].File))
		s.Trust[i].File = abs
	}
	dir := t.TempDir()
	b, _ := json.Marshal(s)
	os.WriteFile(filepath.Join(dir, "expected.json"), b, 0o644)
	rep, err := RunSuite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != len(s.Cases) || rep.Passed != 0 {
		t.Errorf("inverted expectations: %s", rep.Summary())
	}
	for _, c := range rep.Cases {
		if c.Reason == "" || len(c.Reason) > 5 && c.Reason[:5] == "open " {
			t.Errorf("%s failed for the wrong reason: %q", c.File, c.Reason)
		}
	}
}
