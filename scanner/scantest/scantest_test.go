package scantest

import (
	"fmt"
	"testing"
	"time"

	"github.com/b5m5/travelcred/verifier"
)

// Every credential verifies against both sources, the collision credential
// with its genuine key after the impostors.
func TestFixture(t *testing.T) {
	f, err := Get()
	if err != nil {
		t.Fatal(err)
	}
	algs := map[string]bool{}
	for _, src := range []struct {
		name string
		v    func() (*verifier.Verifier, error)
	}{
		{"list", func() (*verifier.Verifier, error) {
			return verifier.New(f.List, verifier.WithClock(func() time.Time { return At }))
		}},
		{"colliding", func() (*verifier.Verifier, error) {
			return verifier.New(f.Colliding, verifier.WithClock(func() time.Time { return At }))
		}},
	} {
		v, err := src.v()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Credentials {
			res, err := v.Verify(c.Text)
			if err != nil {
				t.Errorf("%s %s: %v", src.name, c.Name, err)
				continue
			}
			if res.Country != c.Country || res.Alg != c.Alg || res.Key.Country != c.Country || res.Key.Certificate == nil {
				t.Errorf("%s %s: country %s alg %s key %s", src.name, c.Name, res.Country, res.Alg, res.Key.Country)
			}
			algs[fmt.Sprint(c.Alg, c.Bits)] = true
		}
	}
	for _, want := range []string{"ES2560", "PS2562048", "PS2563072"} {
		if !algs[want] {
			t.Errorf("no %s credential", want)
		}
	}
}
