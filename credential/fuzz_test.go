package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidateDCC decodes JSON bytes, with and without UseNumber, and runs
// ValidateDCC and ParseDCC on the tree. Neither may panic; a tree that
// validates under 1.3.0 or later rules must parse (integers permitting) to
// exactly one event.
func FuzzValidateDCC(f *testing.F) {
	for _, g := range []string{"v", "t", "r", ""} {
		b, _ := json.Marshal(baseTree(g))
		f.Add(b)
	}
	old := baseTree("t")
	old["ver"] = "1.0.0"
	firstEntry(old, "t")["dr"] = "2021-06-12T08:00:00+0200"
	b, _ := json.Marshal(old)
	f.Add(b)
	f.Add([]byte(`{"ver":"12345","nam":{},"dob":"","v":[{"dn":1e400}]}`))
	f.Add([]byte(`{"ver":"1.3.0","nam":{"gnt":"A"},"dob":"","t":[{"sc":"2021-06-11T23:59:60.5-00:00"}]}`))
	f.Add([]byte(`[null, true, "x", 1.5]`))
	for _, sub := range []string{"valid", "invalid"} {
		dir := filepath.Join("..", "..", "shared", "testvectors", "dcc-extra", "schema", sub)
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, useNumber := range []bool{false, true} {
			dec := json.NewDecoder(bytes.NewReader(data))
			if useNumber {
				dec.UseNumber()
			}
			var tree any
			if dec.Decode(&tree) != nil {
				return
			}
			err := ValidateDCC(tree)
			for _, v := range allVersions {
				_ = ValidateDCCVersion(tree, v)
			}
			d, perr := ParseDCC(tree)
			if err != nil {
				var se *SchemaError
				if !errors.As(err, &se) || se.Rule == "" || se.Detail == "" {
					t.Fatalf("error %v is not a complete *SchemaError", err)
				}
				continue
			}
			if perr != nil {
				continue // an integer too large for int
			}
			ver, _ := tree.(map[string]any)["ver"].(string)
			if rules, _ := rulesFor(ver); rules != nil && rules.oneEvent && d.Type() == "" {
				t.Fatalf("valid under %s but Type() is empty: %s", rules.version, data)
			}
		}
	})
}
