package certlogic

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MaxDepth is the deepest nesting of arrays and operations an expression
// may have; deeper expressions are invalid. Real rules nest about 10 deep.
const MaxDepth = 256

// opcode identifies a compiled operation.
type opcode uint8

const (
	opLit opcode = iota
	opArray
	opVar
	opIf
	opEq
	opAnd
	opLT
	opGT
	opLE
	opGE
	opIn
	opPlus
	opNot
	opReduce
	opAfter
	opBefore
	opNotAfter
	opNotBefore
	opPlusTime
	opDOB
	opUVCI
)

// operators maps the operation ids to their opcode.
var operators = map[string]opcode{
	"if":              opIf,
	"===":             opEq,
	"and":             opAnd,
	"<":               opLT,
	">":               opGT,
	"<=":              opLE,
	">=":              opGE,
	"in":              opIn,
	"+":               opPlus,
	"!":               opNot,
	"reduce":          opReduce,
	"after":           opAfter,
	"before":          opBefore,
	"not-after":       opNotAfter,
	"not-before":      opNotBefore,
	"plusTime":        opPlusTime,
	"dccDateOfBirth":  opDOB,
	"extractFromUVCI": opUVCI,
}

// node is a compiled (sub-)expression.
type node struct {
	op   opcode
	name string // operation id, for errors
	src  any    // the expression as given, for errors
	val  any    // opLit: the value
	path []step // opVar: the path; nil for ""
	args []*node
	// plusTime: amount and unit; extractFromUVCI: index in amount.
	amount float64
	unit   timeUnit
}

// step is one fragment of a var path.
type step struct {
	key   string
	index int // the fragment as an array index, or -1
}

// Program is a compiled, validated CertLogic expression. It is immutable
// and safe for concurrent use.
type Program struct {
	root *node
}

// Compile validates expr and compiles it for repeated evaluation. The
// expression is a JSON value as encoding/json decodes it (see the package
// documentation for numbers). An expression with issues yields an
// [*InvalidError] listing them all.
func Compile(expr any) (*Program, error) {
	c := compiler{}
	root := c.compile(expr, 0)
	if len(c.issues) > 0 {
		return nil, &InvalidError{Issues: c.issues}
	}
	return &Program{root: root}, nil
}

// Validate checks expr against the CertLogic format without evaluating it,
// and returns every issue found, or nil for a valid expression. These are
// the checks of the specification's validation test suite, plus the
// operand counts and literal operands of each operation.
func Validate(expr any) []*Issue {
	c := compiler{}
	c.compile(expr, 0)
	return c.issues
}

type compiler struct {
	issues []*Issue
}

func (c *compiler) issue(expr any, format string, args ...any) {
	c.issues = append(c.issues, &Issue{Expr: expr, Message: fmt.Sprintf(format, args...)})
}

// compile validates and compiles expr; it returns a node even after an
// issue (so that compilation continues and finds the other issues), which
// is then never evaluated.
func (c *compiler) compile(expr any, depth int) *node {
	if depth > MaxDepth {
		c.issue(expr, "expression nested deeper than %d levels", MaxDepth)
		return &node{op: opLit}
	}
	switch x := expr.(type) {
	case nil:
		c.issue(expr, "invalid CertLogic expression")
		return &node{op: opLit}
	case bool, string:
		return &node{op: opLit, val: x, src: expr}
	case []any:
		return c.compileArray(x, depth)
	case map[string]any:
		return c.compileObject(x, depth)
	}
	if f, ok := number(expr); ok {
		if !isInteger(f) {
			c.issue(expr, "%s is a non-integer number", formatNumber(f))
		}
		return &node{op: opLit, val: f, src: expr}
	}
	if n, ok := expr.(json.Number); ok {
		c.issue(expr, "%q is not a number", string(n))
		return &node{op: opLit}
	}
	c.issue(expr, "invalid CertLogic expression")
	return &node{op: opLit}
}

func (c *compiler) compileArray(items []any, depth int) *node {
	n := &node{op: opArray, src: items, args: make([]*node, len(items))}
	allLit := true
	for i, it := range items {
		n.args[i] = c.compile(it, depth+1)
		allLit = allLit && n.args[i].op == opLit
	}
	if allLit {
		vals := make([]any, len(items))
		for i, a := range n.args {
			vals[i] = a.val
		}
		return &node{op: opLit, val: vals, src: items}
	}
	return n
}

func (c *compiler) compileObject(obj map[string]any, depth int) *node {
	if len(obj) != 1 {
		c.issue(obj, "expression object must have exactly one key, but it has %d", len(obj))
		return &node{op: opLit}
	}
	var name string
	var value any
	for k, v := range obj {
		name, value = k, v
	}
	if name == "var" {
		return c.compileVar(obj, value)
	}
	operands, ok := value.([]any)
	if !ok {
		c.issue(obj, `operation not of the form { "<operator>": [ <values...> ] }`)
		return &node{op: opLit}
	}
	op, known := operators[name]
	if !known {
		c.issue(obj, "unrecognised operator: %q", name)
		return &node{op: opLit}
	}
	n := &node{op: op, name: name, src: obj}
	switch op {
	case opIf:
		c.arity(obj, name, operands, 3, 3)
	case opEq, opIn, opPlus:
		c.arity(obj, name, operands, 2, 2)
	case opAnd:
		c.arity(obj, name, operands, 2, -1)
	case opLT, opGT, opLE, opGE, opAfter, opBefore, opNotAfter, opNotBefore:
		c.arity(obj, name, operands, 2, 3)
	case opNot, opDOB:
		c.arity(obj, name, operands, 1, 1)
	case opReduce:
		c.arity(obj, name, operands, 3, 3)
	case opPlusTime:
		if c.arity(obj, name, operands, 3, 3) {
			c.literals(n, obj, operands)
			operands = operands[:1]
		}
	case opUVCI:
		if c.arity(obj, name, operands, 2, 2) {
			c.literals(n, obj, operands)
			operands = operands[:1]
		}
	}
	n.args = make([]*node, len(operands))
	for i, o := range operands {
		n.args[i] = c.compile(o, depth+1)
	}
	return n
}

// arity checks the operand count; max < 0 means no maximum.
func (c *compiler) arity(obj map[string]any, name string, operands []any, min, max int) bool {
	n := len(operands)
	if n >= min && (max < 0 || n <= max) {
		return true
	}
	var want string
	switch {
	case max < 0:
		want = fmt.Sprintf("at least %d operands", min)
	case min == max && min == 1:
		want = "exactly 1 operand"
	case min == max:
		want = fmt.Sprintf("exactly %d operands", min)
	default:
		want = fmt.Sprintf("%d or %d operands", min, max)
	}
	c.issue(obj, "an operation with operator %q must have %s, but it has %d", name, want, n)
	return false
}

// literals checks and stores the literal operands of plusTime (amount,
// unit) and extractFromUVCI (index), which are not evaluated.
func (c *compiler) literals(n *node, obj map[string]any, operands []any) {
	f, ok := integer(operands[1])
	switch n.op {
	case opPlusTime:
		if !ok {
			c.issue(obj, `the amount of a "plusTime" operation must be an integer literal, not %s`, describe(operands[1]))
		}
		n.amount = f
		unit, _ := operands[2].(string)
		u, ok := timeUnits[unit]
		if !ok {
			c.issue(obj, `the time unit of a "plusTime" operation must be one of "year", "month", "day", "hour", not %s`, describe(operands[2]))
		}
		n.unit = u
	case opUVCI:
		if !ok {
			c.issue(obj, `the index of an "extractFromUVCI" operation must be an integer literal, not %s`, describe(operands[1]))
		}
		n.amount = f
	}
}

func (c *compiler) compileVar(obj map[string]any, value any) *node {
	path, ok := value.(string)
	if !ok {
		c.issue(obj, `not of the form { "var": "<path>" }`)
		return &node{op: opLit}
	}
	n := &node{op: opVar, name: "var", src: obj}
	if path == "" {
		return n
	}
	frags := strings.Split(path, ".")
	n.path = make([]step, len(frags))
	for i, f := range frags {
		if f == "" {
			c.issue(obj, "data access path doesn't have a valid format: %s", path)
			return &node{op: opLit}
		}
		n.path[i] = step{key: f, index: arrayIndex(f)}
	}
	return n
}

// arrayIndex returns the fragment as a 0-based array index, or -1 when it
// is not a run of digits of a sensible size.
func arrayIndex(f string) int {
	if len(f) > 9 {
		return -1
	}
	i, ok := digits(f)
	if !ok {
		return -1
	}
	return i
}
