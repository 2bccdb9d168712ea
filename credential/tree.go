package credential

import (
	"math"
	"slices"
)

// value is the view of one decoded payload value that the schema validator
// and ParseDCC need. Two representations implement it: anyValue, the any
// trees that encoding/json and fxamacker/cbor produce, and treeValue, a
// node of a compact Tree. The validator and the parser are generic over
// it, so the same code checks both, and walking a Tree boxes nothing into
// an interface (no allocation per value).
type value[V any] interface {
	// isObject reports whether the value is an object (a map).
	isObject() bool
	// get returns the member key of an object; ok is false when the value
	// is not an object or has no such member.
	get(key string) (v V, ok bool)
	// text returns a string value.
	text() (string, bool)
	// arrayLen returns the length of an array.
	arrayLen() (int, bool)
	// index returns element i of an array (0 ≤ i < arrayLen).
	index(i int) V
	// number returns a numeric value.
	number() (number, bool)
	// toInt returns an integral numeric value that fits an int.
	toInt() (int, bool)
	// jsonType names the value's JSON type for error messages.
	jsonType() string
}

// has reports whether obj has the member key.
func has[V value[V]](obj V, key string) bool {
	_, ok := obj.get(key)
	return ok
}

// anyValue is a value of an any tree: objects as map[string]any or
// map[any]any, arrays as []any, numbers in any of the shapes toNumber
// reads.
type anyValue struct{ v any }

func (a anyValue) isObject() bool {
	switch a.v.(type) {
	case map[string]any, map[any]any:
		return true
	}
	return false
}

func (a anyValue) get(key string) (anyValue, bool) {
	switch m := a.v.(type) {
	case map[string]any:
		v, ok := m[key]
		return anyValue{v}, ok
	case map[any]any:
		v, ok := m[key]
		return anyValue{v}, ok
	}
	return anyValue{}, false
}

func (a anyValue) text() (string, bool) {
	s, ok := a.v.(string)
	return s, ok
}

func (a anyValue) arrayLen() (int, bool) {
	arr, ok := a.v.([]any)
	return len(arr), ok
}

func (a anyValue) index(i int) anyValue { return anyValue{a.v.([]any)[i]} }

func (a anyValue) number() (number, bool) { return toNumber(a.v) }

func (a anyValue) toInt() (int, bool) { return toInt(a.v) }

func (a anyValue) jsonType() string { return jsonType(a.v) }

// Tree is a decoded DCC payload in compact form: every value is a Node of
// one slice, and every member name and string is a Span of one string,
// Text. A decoder that fills a reused Tree therefore allocates nothing per
// value, and as a Node holds no pointers the garbage collector neither
// scans the nodes nor slows down writing them. Package hcert decodes the
// CBOR of a credential into a Tree, with Text the CBOR bytes themselves;
// ValidateDCCTree and ParseDCCTree apply exactly the rules of ValidateDCC
// and ParseDCC.
//
// Nodes are in document order: Nodes[0] is the root, and the members of an
// object or the elements of an array follow their container, each one's
// own subtree before the next; Node.End skips a subtree.
type Tree struct {
	Text  string
	Nodes []Node

	// keys holds each node's member name packed into an integer (see
	// keyCode), refreshed by every entry point: the validator and the
	// parser look members up a hundred times per payload, and comparing
	// integers held next to each other beats comparing strings.
	keys []uint32
}

// keyCode packs a name of at most three bytes — every member name of the
// DCC schema — with its length into an integer unique to it; longer names
// get 0 and are compared as strings.
func keyCode(s string) uint32 {
	switch len(s) {
	case 0:
		return 1 << 31
	case 1:
		return 1<<31 | 1<<24 | uint32(s[0])
	case 2:
		return 1<<31 | 2<<24 | uint32(s[0])<<8 | uint32(s[1])
	case 3:
		return 1<<31 | 3<<24 | uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
	}
	return 0
}

// indexKeys computes t.keys.
func (t *Tree) indexKeys() {
	t.keys = slices.Grow(t.keys[:0], len(t.Nodes))[:len(t.Nodes)]
	for i := range t.Nodes {
		t.keys[i] = keyCode(t.String(t.Nodes[i].Key))
	}
}

// Span is the substring Text[Off:Off+Len] of a Tree; it must lie within
// Text.
type Span struct {
	Off, Len uint32
}

// String returns the text of s.
func (t *Tree) String(s Span) string { return t.Text[s.Off : s.Off+s.Len] }

// Is reports whether the text of s is key. Member names in a DCC are two
// or three bytes long: comparing the length and then byte by byte, rather
// than calling the runtime's general string comparison, rejects the other
// members of an object after one or two byte comparisons.
func (t *Tree) Is(s Span, key string) bool {
	if int(s.Len) != len(key) {
		return false
	}
	text := t.String(s)
	for i := 0; i < len(key); i++ {
		if text[i] != key[i] {
			return false
		}
	}
	return true
}

// NodeKind is the JSON type of a Node.
type NodeKind uint8

// Node kinds. Integers are NodeInt when negative and NodeUint otherwise,
// as fxamacker/cbor decodes them into int64 and uint64.
const (
	NodeNull NodeKind = iota + 1
	NodeBool
	NodeString
	NodeInt
	NodeUint
	NodeFloat
	NodeArray
	NodeObject
)

// Node is one value of a Tree.
type Node struct {
	Kind NodeKind
	// Len is the number of elements of an array or members of an object.
	Len int32
	// End is the index just past the node's subtree: its next sibling,
	// if it has one.
	End int32
	// Key is the member name when the node is a member of an object.
	Key Span
	// Str is the text of a NodeString.
	Str Span
	// Bits holds a NodeInt as int64 bits, a NodeUint, a NodeFloat as
	// math.Float64bits, and a NodeBool as 0 or 1.
	Bits uint64
}

// ValidateDCCTree is ValidateDCC for a Tree.
func ValidateDCCTree(t *Tree) error {
	t.indexKeys()
	if e := validateDCC(treeValue{t, 0}); e != nil {
		return e
	}
	return nil
}

// ParseDCCTree is ParseDCC for a Tree. The strings of the result are those
// of the tree's nodes.
func ParseDCCTree(t *Tree) (*DCC, error) {
	t.indexKeys()
	return parseDCC(treeValue{t, 0})
}

// treeValue is the node i of a Tree. A node index outside the tree (an
// empty tree's root) reads as null.
type treeValue struct {
	t *Tree
	i int
}

func (v treeValue) node() *Node {
	if v.i < 0 || v.i >= len(v.t.Nodes) {
		return &nullNode
	}
	return &v.t.Nodes[v.i]
}

var nullNode = Node{Kind: NodeNull}

func (v treeValue) isObject() bool { return v.node().Kind == NodeObject }

// get scans the members: DCC objects have at most a dozen.
func (v treeValue) get(key string) (treeValue, bool) {
	n := v.node()
	if n.Kind != NodeObject {
		return treeValue{v.t, -1}, false
	}
	nodes, keys, code := v.t.Nodes, v.t.keys, keyCode(key)
	j := v.i + 1
	for k := int32(0); k < n.Len && j < len(nodes); k++ {
		if code != 0 && keys[j] == code || code == 0 && v.t.Is(nodes[j].Key, key) {
			return treeValue{v.t, j}, true
		}
		j = int(nodes[j].End)
	}
	return treeValue{v.t, -1}, false
}

func (v treeValue) text() (string, bool) {
	n := v.node()
	if n.Kind != NodeString {
		return "", false
	}
	return v.t.String(n.Str), true
}

func (v treeValue) arrayLen() (int, bool) {
	n := v.node()
	if n.Kind != NodeArray {
		return 0, false
	}
	return int(n.Len), true
}

// index walks the siblings: arrays in a valid payload have one element.
func (v treeValue) index(i int) treeValue {
	j := v.i + 1
	for ; i > 0 && j < len(v.t.Nodes); i-- {
		j = int(v.t.Nodes[j].End)
	}
	return treeValue{v.t, j}
}

func (v treeValue) number() (number, bool) {
	n := v.node()
	switch n.Kind {
	case NodeInt:
		return number{kind: numInt, i: int64(n.Bits)}, true
	case NodeUint:
		return number{kind: numUint, u: n.Bits}, true
	case NodeFloat:
		return number{kind: numFloat, f: math.Float64frombits(n.Bits)}, true
	}
	return number{}, false
}

func (v treeValue) toInt() (int, bool) {
	n, ok := v.number()
	if !ok {
		return 0, false
	}
	return n.toInt()
}

func (v treeValue) jsonType() string {
	switch v.node().Kind {
	case NodeBool:
		return "boolean"
	case NodeString:
		return "string"
	case NodeArray:
		return "array"
	case NodeObject:
		return "object"
	}
	if n, ok := v.number(); ok {
		return n.jsonType()
	}
	return "null"
}
