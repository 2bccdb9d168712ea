package certlogic

import (
	"fmt"
	"math"
	"reflect"
	"strings"
)

// MaxSteps is the most operation steps one evaluation may take: every
// evaluated (sub-)expression and every reduce iteration is a step. A
// typical rule takes fewer than 100. Past it, evaluation stops with an
// [*EvalError] matching [ErrLimit].
const MaxSteps = 1 << 20

// MaxValueSize is the largest logical size an array or object built by an
// evaluation may have: its number of elements, nested ones included,
// counting a shared sub-value every time it occurs (as serialising it
// would). Without it, a reduce whose lambda is [accumulator, accumulator]
// builds in a few steps a value whose JSON would be exabytes long. Values
// read from the data count one per element. Past it, evaluation stops with
// an [*EvalError] matching [ErrLimit].
const MaxValueSize = 1 << 20

// Evaluate validates expr, then evaluates it against the data context data.
// Both are JSON values as encoding/json decodes them (see the package
// documentation). To evaluate one expression many times, [Compile] it once.
func Evaluate(expr, data any) (any, error) {
	p, err := Compile(expr)
	if err != nil {
		return nil, err
	}
	return p.Evaluate(data)
}

// Evaluate evaluates the program against the data context data.
func (p *Program) Evaluate(data any) (any, error) {
	if p == nil || p.root == nil {
		return nil, &EvalError{Message: "Program not made by Compile", Err: ErrEvaluation}
	}
	e := evaluator{}
	return e.eval(p.root, data)
}

type evaluator struct {
	steps int
	// sizes records the logical size of the arrays and objects this
	// evaluation built that hold arrays or objects, by address: a few
	// inline, the rest in a map.
	inline [4]sized
	n      int
	more   map[uintptr]int
}

type sized struct {
	ptr  uintptr
	size int
}

// identity returns the address of a non-empty array or object.
func identity(v any) (uintptr, int, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return reflect.ValueOf(x).Pointer(), len(x), true
		}
	case map[string]any:
		if len(x) > 0 {
			return reflect.ValueOf(x).Pointer(), len(x), true
		}
	}
	return 0, 0, false
}

// size returns the logical size of v: 1 for a scalar or empty value, the
// recorded size of a value this evaluation built, else 1 plus its length.
func (e *evaluator) size(v any) int {
	p, n, ok := identity(v)
	if !ok {
		return 1
	}
	for _, s := range e.inline[:e.n] {
		if s.ptr == p {
			return s.size
		}
	}
	if s, ok := e.more[p]; ok {
		return s
	}
	return 1 + n
}

// built accounts for a new array or object v with the given elements, and
// fails past MaxValueSize.
func (e *evaluator) built(n *node, v any, elems ...any) error {
	total, nested := 1, false
	for _, el := range elems {
		s := e.size(el)
		nested = nested || s > 1
		total += s
		if total > MaxValueSize {
			return &EvalError{Op: n.name, Expr: n.src, Message: fmt.Sprintf("value larger than %d elements", MaxValueSize), Err: ErrLimit}
		}
	}
	if !nested && e.n == 0 {
		return nil // 1 + length, as size assumes
	}
	// Record the size; also when it is 1 + length, if records exist, since
	// a value freed during this evaluation may have left a record at the
	// same address.
	p, _, _ := identity(v)
	for i := range e.inline[:e.n] {
		if e.inline[i].ptr == p {
			e.inline[i].size = total
			return nil
		}
	}
	if _, ok := e.more[p]; ok || (nested && e.n == len(e.inline)) {
		if e.more == nil {
			e.more = map[uintptr]int{}
		}
		e.more[p] = total
		return nil
	}
	if nested {
		e.inline[e.n] = sized{p, total}
		e.n++
	}
	return nil
}

// reduceContext is the data context of a reduce lambda, {"current": …,
// "accumulator": …}, without building the map for every iteration.
type reduceContext struct {
	current, accumulator any
}

func (r *reduceContext) asMap() map[string]any {
	return map[string]any{"current": r.current, "accumulator": r.accumulator}
}

func fail(n *node, format string, args ...any) error {
	return &EvalError{Op: n.name, Expr: n.src, Message: fmt.Sprintf(format, args...), Err: ErrEvaluation}
}

func (e *evaluator) eval(n *node, data any) (any, error) {
	e.steps++
	if e.steps > MaxSteps {
		return nil, &EvalError{Op: n.name, Expr: n.src, Message: fmt.Sprintf("more than %d evaluation steps", MaxSteps), Err: ErrLimit}
	}
	switch n.op {
	case opLit:
		return n.val, nil

	case opArray:
		out := make([]any, len(n.args))
		for i, a := range n.args {
			v, err := e.eval(a, data)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if err := e.built(n, out, out...); err != nil {
			return nil, err
		}
		return out, nil

	case opVar:
		if r, ok := data.(*reduceContext); ok && len(n.path) == 0 {
			m := r.asMap()
			if err := e.built(n, m, r.current, r.accumulator); err != nil {
				return nil, err
			}
			return m, nil
		}
		return lookup(data, n.path), nil

	case opIf:
		g, err := e.eval(n.args[0], data)
		if err != nil {
			return nil, err
		}
		if classify(g) == truthy {
			return e.eval(n.args[1], data)
		}
		return e.eval(n.args[2], data)

	case opAnd:
		var v any
		for i, a := range n.args {
			var err error
			if v, err = e.eval(a, data); err != nil {
				return nil, err
			}
			switch classify(v) {
			case falsy:
				return v, nil
			case neither:
				return nil, fail(n, "operand %d is %s, which is neither truthy nor falsy", i+1, describe(v))
			}
		}
		return v, nil

	case opNot:
		v, err := e.eval(n.args[0], data)
		if err != nil {
			return nil, err
		}
		switch classify(v) {
		case truthy:
			return false, nil
		case falsy:
			return true, nil
		}
		return nil, fail(n, "operand is %s, which is neither truthy nor falsy", describe(v))

	case opEq:
		a, b, err := e.eval2(n, data)
		if err != nil {
			return nil, err
		}
		return strictEqual(a, b), nil

	case opIn:
		a, b, err := e.eval2(n, data)
		if err != nil {
			return nil, err
		}
		list, ok := b.([]any)
		if !ok {
			return nil, fail(n, "second operand is %s, not an array", describe(b))
		}
		for _, it := range list {
			if strictEqual(a, it) {
				return true, nil
			}
		}
		return false, nil

	case opPlus:
		a, b, err := e.eval2(n, data)
		if err != nil {
			return nil, err
		}
		x, ok1 := integer(a)
		y, ok2 := integer(b)
		if !ok1 || !ok2 {
			return nil, fail(n, "operands are %s and %s, not both integers", describe(a), describe(b))
		}
		s := x + y
		if math.IsInf(s, 0) {
			return nil, fail(n, "sum out of range")
		}
		return s, nil

	case opLT, opGT, opLE, opGE:
		return e.compareIntegers(n, data)

	case opAfter, opBefore, opNotAfter, opNotBefore:
		return e.compareDates(n, data)

	case opPlusTime, opDOB:
		return e.date(n, data)

	case opUVCI:
		v, err := e.eval(n.args[0], data)
		if err != nil {
			return nil, err
		}
		switch s := v.(type) {
		case nil:
			return nil, nil
		case string:
			f, ok := uvciFragment(s, n.amount)
			if !ok {
				return nil, nil
			}
			return f, nil
		}
		return nil, fail(n, "operand is %s, not a string or null", describe(v))

	case opReduce:
		return e.reduce(n, data)
	}
	return nil, fail(n, "internal error: unknown opcode %d", n.op)
}

func (e *evaluator) eval2(n *node, data any) (any, any, error) {
	a, err := e.eval(n.args[0], data)
	if err != nil {
		return nil, nil, err
	}
	b, err := e.eval(n.args[1], data)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// lookup drills into data along path; anything missing or undrillable is
// null.
func lookup(data any, path []step) any {
	if len(path) == 0 {
		return data
	}
	cur := data
	for _, s := range path {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[s.key]
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return nil
			}
			cur = x[s.index]
		case *reduceContext:
			switch s.key {
			case "current":
				cur = x.current
			case "accumulator":
				cur = x.accumulator
			default:
				return nil
			}
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

func (e *evaluator) compareIntegers(n *node, data any) (any, error) {
	var vals [3]float64
	for i, a := range n.args {
		v, err := e.eval(a, data)
		if err != nil {
			return nil, err
		}
		f, ok := integer(v)
		if !ok {
			return nil, fail(n, "operand %d is %s, not an integer", i+1, describe(v))
		}
		vals[i] = f
	}
	ok := true
	for i := 0; i+1 < len(n.args); i++ {
		a, b := vals[i], vals[i+1]
		switch n.op {
		case opLT:
			ok = a < b
		case opGT:
			ok = a > b
		case opLE:
			ok = a <= b
		case opGE:
			ok = a >= b
		}
		if !ok {
			break
		}
	}
	return ok, nil
}

func (e *evaluator) compareDates(n *node, data any) (any, error) {
	var vals [3]int64
	for i, a := range n.args {
		var d DateTime
		var err error
		if a.op == opPlusTime || a.op == opDOB {
			// Fast path: no boxing of the intermediate date-time.
			e.steps++
			d, err = e.dateValue(a, data)
		} else {
			var v any
			if v, err = e.eval(a, data); err == nil {
				var ok bool
				if d, ok = v.(DateTime); !ok {
					err = fail(n, "operand %d is %s, not a date-time", i+1, describe(v))
				}
			}
		}
		if err != nil {
			return nil, err
		}
		vals[i] = d.ms
	}
	ok := true
	for i := 0; i+1 < len(n.args); i++ {
		a, b := vals[i], vals[i+1]
		switch n.op {
		case opAfter:
			ok = a > b
		case opBefore:
			ok = a < b
		case opNotAfter:
			ok = a <= b
		case opNotBefore:
			ok = a >= b
		}
		if !ok {
			break
		}
	}
	return ok, nil
}

func (e *evaluator) date(n *node, data any) (any, error) {
	d, err := e.dateValue(n, data)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// dateValue evaluates a plusTime or dccDateOfBirth node.
func (e *evaluator) dateValue(n *node, data any) (DateTime, error) {
	v, err := e.eval(n.args[0], data)
	if err != nil {
		return DateTime{}, err
	}
	s, ok := v.(string)
	if !ok {
		return DateTime{}, fail(n, "operand is %s, not a string", describe(v))
	}
	if n.op == opDOB {
		d, err := parseDOB(s)
		if err != nil {
			return DateTime{}, fail(n, "%s: %v", describe(s), err)
		}
		return d, nil
	}
	d, err := ParseDateTime(s)
	if err != nil {
		return DateTime{}, fail(n, "%s: %v", describe(s), err)
	}
	if d, err = plusTime(d, n.amount, n.unit); err != nil {
		return DateTime{}, fail(n, "%s plus %s: %v", describe(s), formatNumber(n.amount), err)
	}
	return d, nil
}

// uvciFragment returns fragment index of a UVCI: the string split on "/",
// "#" and ":", after an optional "URN:UVCI:" prefix.
func uvciFragment(s string, index float64) (string, bool) {
	if index < 0 || index > float64(len(s)) {
		return "", false
	}
	s = strings.TrimPrefix(s, "URN:UVCI:")
	want := int(index)
	i := 0
	start := 0
	for j := 0; j <= len(s); j++ {
		if j == len(s) || s[j] == '/' || s[j] == '#' || s[j] == ':' {
			if i == want {
				return s[start:j], true
			}
			i++
			start = j + 1
		}
	}
	return "", false
}

func (e *evaluator) reduce(n *node, data any) (any, error) {
	v, err := e.eval(n.args[0], data)
	if err != nil {
		return nil, err
	}
	acc, err := e.eval(n.args[2], data)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return acc, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fail(n, "operand is %s, not an array or null", describe(v))
	}
	ctx := &reduceContext{}
	for _, it := range list {
		ctx.current, ctx.accumulator = it, acc
		if acc, err = e.eval(n.args[1], ctx); err != nil {
			return nil, err
		}
	}
	return acc, nil
}
