package certlogic_test

import (
	"fmt"

	"github.com/b5m5/travelcred/certlogic"
)

// A vaccination rule: the last dose must be at least 14 days old at the
// validation clock.
func ExampleEvaluate() {
	expr, _ := certlogic.DecodeJSON([]byte(`{
		"not-before": [
			{"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
			{"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]}
		]
	}`))
	data, _ := certlogic.DecodeJSON([]byte(`{
		"payload": {"v": [{"dt": "2021-06-01", "dn": 2, "sd": 2}]},
		"external": {"validationClock": "2021-06-14T12:00:00+02:00"}
	}`))
	result, err := certlogic.Evaluate(expr, data)
	fmt.Println(result, err)
	// Output: false <nil>
}

// Compile once, evaluate many times; errors are typed.
func ExampleCompile() {
	expr, _ := certlogic.DecodeJSON([]byte(`{"plusTime": [{"var": "dob"}, 18, "year"]}`))
	prog, err := certlogic.Compile(expr)
	if err != nil {
		panic(err)
	}
	for _, dob := range []string{"2004-02-29", "2004", "someday"} {
		v, err := prog.Evaluate(map[string]any{"dob": dob})
		fmt.Println(v, err)
	}
	// Output:
	// 2022-03-01T00:00:00.000Z <nil>
	// 2022-12-31T00:00:00.000Z <nil>
	// <nil> certlogic: "plusTime" operation: "someday": not a date or date-time in an allowed format
}

func ExampleValidate() {
	expr, _ := certlogic.DecodeJSON([]byte(`{"if": [{"var": "x."}, 1.5, {"all": []}]}`))
	for _, issue := range certlogic.Validate(expr) {
		fmt.Println(issue.Message)
	}
	// Output:
	// data access path doesn't have a valid format: x.
	// 1.5 is a non-integer number
	// unrecognised operator: "all"
}
