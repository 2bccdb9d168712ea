package credential

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharedDir returns a directory under ../../shared/testvectors/dcc-extra,
// relative to the package directory in which go test runs, and skips the
// test when it is absent.
func sharedDir(t testing.TB, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "testvectors", "dcc-extra"}, parts...)...)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("test vectors not found at %s (they live outside the module, in the shared tree); skipping", dir)
	}
	return dir
}

// readJSONTree decodes a JSON file into a generic tree.
func readJSONTree(t testing.TB, file string, useNumber bool) any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if useNumber {
		dec.UseNumber()
	}
	var tree any
	if err := dec.Decode(&tree); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tree
}

// allVersions are the columns of the expected matrix.
var allVersions = []string{"1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1", "1.3.0", "1.3.1", "1.3.2", "1.3.3"}

// schemaMatrix is the table "The same cases against each schema version" of
// dcc-extra/SOURCES.md: one character per version of allVersions, '+' for
// valid and '-' for invalid.
var schemaMatrix = map[string]string{
	"valid/R-dates1.json":          "--+++++++",
	"valid/R-dates2.json":          "--+++++++",
	"valid/R-min-data.json":        "--+++++++",
	"valid/T-naat-min-data.json":   "--+++++++",
	"valid/V-dates1.json":          "--+++++++",
	"valid/V-dates2.json":          "--+++++++",
	"valid/V-min-data.json":        "--+++++++",
	"valid/V-only-fnt.json":        "--+++++++",
	"valid/T-rat-min-data.json":    "-----++++",
	"valid/T-rat-dates1.json":      "-----++++",
	"valid/T-rat-dates2.json":      "-----++++",
	"valid/T-rat-dates3.json":      "+++++++++",
	"valid/V-only-gnt.json":        "-------++",
	"invalid/empty.json":           "---------",
	"invalid/invalid_dob.json":     "---------",
	"invalid/invalid_dob2.json":    "---------",
	"invalid/invalid_vac.json":     "---------",
	"invalid/missing_dob.json":     "---------",
	"invalid/missing_fnt_gnt.json": "---------",
}

// schemaInvalidWhy is the failure SOURCES.md gives for each invalid case
// under 1.3.3, as path and rule.
var schemaInvalidWhy = map[string][2]string{
	"invalid/empty.json":           {"/v", "minItems"},
	"invalid/invalid_dob.json":     {"/dob", "pattern"},
	"invalid/invalid_dob2.json":    {"/dob", "pattern"},
	"invalid/invalid_vac.json":     {"/v/0/dn", "minimum"},
	"invalid/missing_dob.json":     {"/dob", "required"},
	"invalid/missing_fnt_gnt.json": {"/nam", "required"},
}

func TestSchemaVectorsMatrix(t *testing.T) {
	dir := sharedDir(t, "schema")
	var files []string
	for _, sub := range []string{"valid", "invalid"} {
		m, err := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			files = append(files, sub+"/"+filepath.Base(f))
		}
	}
	sort.Strings(files)
	if len(files) != len(schemaMatrix) {
		t.Errorf("found %d case files, the matrix has %d", len(files), len(schemaMatrix))
	}
	for _, name := range files {
		row, ok := schemaMatrix[name]
		if !ok {
			t.Errorf("%s: not in the expected matrix", name)
			continue
		}
		for _, useNumber := range []bool{false, true} {
			tree := readJSONTree(t, filepath.Join(dir, filepath.FromSlash(name)), useNumber)
			for i, ver := range allVersions {
				want := row[i] == '+'
				err := ValidateDCCVersion(tree, ver)
				if got := err == nil; got != want {
					t.Errorf("%s under %s (UseNumber %v): valid = %v, want %v (err: %v)", name, ver, useNumber, got, want, err)
				}
				if err != nil {
					var se *SchemaError
					if !errors.As(err, &se) || se.Version != ver {
						t.Errorf("%s under %s: error %v is not a *SchemaError for that version", name, ver, err)
					}
				}
			}
			// Every case says "ver": "1.3.3", so ValidateDCC agrees with
			// the 1.3.3 column.
			err := ValidateDCC(tree)
			if got, want := err == nil, row[len(row)-1] == '+'; got != want {
				t.Errorf("%s: ValidateDCC valid = %v, want %v (err: %v)", name, got, want, err)
			}
			if why, ok := schemaInvalidWhy[name]; ok {
				var se *SchemaError
				if !errors.As(err, &se) || se.Path != why[0] || se.Rule != why[1] {
					t.Errorf("%s: ValidateDCC = %v, want %s at %s", name, err, why[1], why[0])
				}
			}
		}
	}
}

// TestSchemaVectorsParse maps every valid case into a DCC.
func TestSchemaVectorsParse(t *testing.T) {
	dir := sharedDir(t, "schema", "valid")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, tree, err := DecodeDCCJSON(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if tree == nil || d.Version != "1.3.3" {
			t.Errorf("%s: tree %v, version %q", filepath.Base(f), tree != nil, d.Version)
		}
		want := Type(strings.ToLower(filepath.Base(f)[:1]))
		if d.Type() != want {
			t.Errorf("%s: Type() = %q, want %q", filepath.Base(f), d.Type(), want)
		}
	}
}
