// Package certlogic evaluates and validates CertLogic expressions, the
// JsonLogic subset in which the EU Digital COVID Certificate network writes
// its business rules.
//
// It implements the CertLogic specification 1.3.x
// (ehn-dcc-development/dgc-business-rules, certlogic/specification): the
// operations var, if, ===, and, <, >, <=, >=, in, +, !, reduce, after,
// before, not-after, not-before, plusTime, dccDateOfBirth and
// extractFromUVCI, and the static format validator.
//
//	expr, _ := certlogic.DecodeJSON([]byte(`{"===": [{"var": "v.0.dn"}, 2]}`))
//	prog, err := certlogic.Compile(expr) // validates; reuse prog for many evaluations
//	result, err := prog.Evaluate(data)
//
// [Evaluate] compiles and evaluates in one call. [Validate] lists every
// [Issue] of an expression without evaluating it.
//
// # Values
//
// Expressions and data are JSON values as encoding/json decodes them into
// an any: nil, bool, string, numbers, []any and map[string]any.
//
// Numbers: CertLogic numbers are JavaScript numbers, so the evaluator
// computes with float64. Expressions and data may hold numbers as float64
// (json.Unmarshal's default), as json.Number (json.Decoder.UseNumber, what
// [DecodeJSON] and package credential produce) or as any Go integer type (as
// CBOR decoders produce). A number the evaluator makes (the value of a
// number literal of the expression, or a sum) is a float64; a value that var
// reads from the data is returned unchanged. Use [DeepEqual] to compare
// results with expected JSON values regardless of representation. Only
// integers are CertLogic numbers: a number with a fraction is neither truthy
// nor falsy and is refused by the comparison operators and +.
//
// Truthiness follows the specification, not JavaScript: false, null, "",
// the integer 0, [] and {} are falsy; true, non-empty strings, non-zero
// integers, non-empty arrays and non-empty objects are truthy; anything else
// (date-times, numbers with a fraction) is neither, and "and" and "!" fail on
// it. "if" takes its else branch for any guard that is not truthy, as the
// specification words it.
//
// Date-times are [DateTime] values, made only by plusTime and
// dccDateOfBirth, held in milliseconds since the Unix epoch in UTC. plusTime
// offsets in UTC with the JavaScript Date setter semantics the specification
// prescribes, so 2020-02-29 plus one year is 2021-03-01 and 2021-01-31 plus
// one month is 2021-03-03. The range is that of a JavaScript Date (±8.64e15
// ms); a result outside it is an evaluation error.
//
// Equality (=== and in) compares strings, numbers (by value), booleans and
// null. Arrays, objects and date-times equal nothing: JavaScript compares
// them by reference, and values built by evaluation are always distinct.
//
// The result of an evaluation may share memory with the expression, the data
// and the [Program]; treat it as read-only.
//
// # Errors
//
// Nothing panics on any input. An expression that breaks the
// specification's format yields an [*InvalidError] listing its issues
// (errors.Is(err, [ErrInvalid])); an operand of the wrong type at run time
// (an "in" over a non-array, plusTime of a non-date) yields an [*EvalError]
// (errors.Is(err, [ErrEvaluation])); running past [MaxSteps] yields an
// [*EvalError] matching [ErrLimit]. The specification advises callers to
// treat any error of a validation rule as a failed (open) rule.
//
// # Limits
//
// Expressions nest at most [MaxDepth] levels, and one evaluation performs at
// most [MaxSteps] operation steps (reduce iterations included), so hostile
// data (a huge array under a nested reduce) costs bounded time and memory.
package certlogic
