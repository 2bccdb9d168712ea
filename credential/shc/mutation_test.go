package shc_test

import (
	"path/filepath"
	"testing"

	"github.com/b5m5/travelcred/credential/shc"
)

// TestMutations changes every character of a genuine JWS and of its QR
// text, one at a time: no mutant may both decode and verify.
func TestMutations(t *testing.T) {
	jws, qr := signSample(t, keyA(), issA, nil)
	inputs := map[string]string{"own JWS": jws, "own QR": qr}
	pubs := map[string]any{"own JWS": &keyA().PublicKey, "own QR": &keyA().PublicKey}
	dir := filepath.Join("..", "..", "..", "shared", "testvectors", "shc")
	if b, err := readFileIfExists(filepath.Join(dir, "examples", "example-00-d-jws.txt")); err == nil {
		keys := must(shc.ParseJWKS(must(readFileIfExists(filepath.Join(dir, "examples/issuer/.well-known/jwks.json")))))
		inputs["card 00"], pubs["card 00"] = string(b), keys[0].PublicKey
	}
	for name, in := range inputs {
		if c, err := shc.Decode(in); err != nil || c.Verify(pubs[name]) != nil {
			t.Fatalf("%s does not verify", name)
		}
		accepted := 0
		for i := 0; i < len(in); i++ {
			for _, repl := range []byte{'A', 'B', '0', '9', '.'} {
				if repl == in[i] {
					continue
				}
				m := in[:i] + string(repl) + in[i+1:]
				c, err := shc.Decode(m)
				if err != nil {
					checkErr(t, name, err)
					continue
				}
				if err := c.Verify(pubs[name]); err == nil {
					accepted++
					t.Errorf("%s: mutant at %d (%q→%q) verifies", name, i, in[i], repl)
				}
			}
		}
		t.Logf("%s: %d characters mutated, %d mutants accepted", name, len(in), accepted)
	}
}
