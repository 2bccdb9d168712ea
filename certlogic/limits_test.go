package certlogic

import (
	"errors"
	"testing"
)

func TestMaxValueSize(t *testing.T) {
	xs := make([]any, 60)
	for _, lambda := range []string{
		`[{"var": "accumulator"}, {"var": "accumulator"}]`,
		`[{"var": ""}, {"var": ""}]`,
		`[[{"var": "accumulator"}], [{"var": "accumulator"}]]`,
	} {
		expr := j(t, `{"reduce": [{"var": "xs"}, `+lambda+`, 0]}`)
		_, err := Evaluate(expr, map[string]any{"xs": xs})
		if !errors.Is(err, ErrLimit) {
			t.Errorf("doubling lambda %s over 60 elements: %v, want ErrLimit", lambda, err)
		}
		// Ten doublings are fine.
		got, err := Evaluate(expr, map[string]any{"xs": xs[:10]})
		if err != nil {
			t.Errorf("doubling lambda %s over 10 elements: %v", lambda, err)
		} else if _, err := jsonMarshal(got); err != nil {
			t.Error(err)
		}
	}
	// Linear growth within the limit passes.
	got, err := Evaluate(j(t, `{"reduce": [{"var": "xs"}, [{"var": "accumulator"}, {"var": "current"}], 0]}`), map[string]any{"xs": xs})
	if err != nil || got == nil {
		t.Errorf("linear nesting: %v", err)
	}
}
