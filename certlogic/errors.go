package certlogic

import (
	"errors"
	"fmt"
	"strings"
)

// Error classes, for errors.Is.
var (
	// ErrInvalid matches an expression that is not valid CertLogic: an
	// [*InvalidError] or an [*Issue].
	ErrInvalid = errors.New("certlogic: invalid expression")
	// ErrEvaluation matches an [*EvalError] raised while evaluating a valid
	// expression: an operand of the wrong type, or a date-time that cannot
	// be parsed or is out of range.
	ErrEvaluation = errors.New("certlogic: evaluation error")
	// ErrLimit matches an [*EvalError] raised when an evaluation exceeds
	// [MaxSteps].
	ErrLimit = errors.New("certlogic: evaluation limit exceeded")
)

// Issue is one problem the static validator found in an expression.
type Issue struct {
	// Expr is the offending (sub-)expression, as given.
	Expr any
	// Message says what is wrong, in the wording of the CertLogic
	// validation test suite where it has a case for it.
	Message string
}

// Error implements error.
func (i *Issue) Error() string { return "certlogic: invalid expression: " + i.Message }

// Is reports whether target is [ErrInvalid].
func (i *Issue) Is(target error) bool { return target == ErrInvalid }

// InvalidError is returned by [Compile] and [Evaluate] for an expression
// the validator finds issues in.
type InvalidError struct {
	// Issues lists every issue found, in the order of the expression.
	Issues []*Issue
}

// Error implements error.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("certlogic: invalid expression")
	for i, is := range e.Issues {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Issues)-3)
			break
		}
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(is.Message)
	}
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// EvalError is an error raised while evaluating a valid expression.
type EvalError struct {
	// Op is the operation that failed, e.g. "plusTime".
	Op string
	// Expr is the (sub-)expression of that operation, as given.
	Expr any
	// Message says what went wrong.
	Message string
	// Err is the class: [ErrEvaluation] or [ErrLimit].
	Err error
}

// Error implements error.
func (e *EvalError) Error() string {
	if e.Op == "" {
		return "certlogic: " + e.Message
	}
	return fmt.Sprintf("certlogic: %q operation: %s", e.Op, e.Message)
}

// Unwrap returns the class, [ErrEvaluation] or [ErrLimit].
func (e *EvalError) Unwrap() error { return e.Err }
