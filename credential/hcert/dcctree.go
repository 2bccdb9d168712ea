package hcert

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// ParseDCC decodes the raw CBOR of an EU DCC sub-claim, checks it against
// the schema its ver names and maps it to a DCC. The result and the errors
// are exactly those of DecodeDCC, credential.ValidateDCC and
// credential.ParseDCC in turn; only the cost differs.
//
// The payload is decoded into a reused credential.Tree instead of a
// map[string]any tree: every string of the result is a substring of one
// string converted from raw, so the whole call makes three allocations
// (that string, the DCC with its event, and nothing per value). Whatever
// the compact decoder does not take — byte strings, tags, non-text map
// keys, simple values other than false, true and null, big negative
// integers, large containers, and every malformed input — goes through
// the generic path, which gives the canonical result and error.
func ParseDCC(raw []byte) (*credential.DCC, error) {
	d, _ := treeDecoders.Get().(*treeDecoder)
	if d == nil {
		d = new(treeDecoder)
	}
	defer d.release()
	if d.decode(raw) {
		if err := credential.ValidateDCCTree(&d.tree); err != nil {
			return nil, err
		}
		return credential.ParseDCCTree(&d.tree)
	}
	tree, err := DecodeDCC(raw)
	if err != nil {
		return nil, err
	}
	if err := credential.ValidateDCC(tree); err != nil {
		return nil, err
	}
	return credential.ParseDCC(tree)
}

// maxTreeContainer bounds the arrays and maps the compact decoder takes
// (DCC objects have about a dozen members, arrays one element); larger
// ones go to the generic decoder, so the duplicate-key scan stays small.
const maxTreeContainer = 64

// treeDecoder decodes DCC CBOR into a credential.Tree. It is pooled: the
// node slice is reused from one call to the next.
type treeDecoder struct {
	r    cborx.Reader
	tree credential.Tree
}

var treeDecoders sync.Pool // of *treeDecoder

// release drops the text, so a pooled decoder keeps no holder data alive,
// and returns d to the pool (unless it grew unusually large). The nodes
// hold no pointers and need no clearing.
func (d *treeDecoder) release() {
	d.tree.Text, d.r = "", cborx.Reader{}
	if cap(d.tree.Nodes) <= 256 {
		treeDecoders.Put(d)
	}
}

// decode fills d.tree from raw and reports whether it could: a false
// result means "use the generic decoder", never "invalid". Text is raw
// converted to a string, the one allocation: every key and string of the
// tree is a span of it, and so every string of the DCC parsed from it.
func (d *treeDecoder) decode(raw []byte) bool {
	if len(raw) == 0 || raw[0]>>5 != cborx.MajorMap || uint64(len(raw)) > math.MaxUint32 {
		return false
	}
	d.r = cborx.NewReader(raw)
	d.tree.Text = string(raw)
	d.tree.Nodes = d.tree.Nodes[:0]
	return d.item(credential.Span{}, 1) && d.r.Done()
}

// item decodes one item as a node with the given member key. depth is the
// nesting level the item has if it is an array or a map, the root map
// being level 1, as fxamacker/cbor counts MaxNesting.
func (d *treeDecoder) item(key credential.Span, depth int) bool {
	major, info, arg, err := d.r.Head()
	if err != nil {
		return false
	}
	i := len(d.tree.Nodes)
	d.tree.Nodes = append(d.tree.Nodes, credential.Node{})
	n := credential.Node{Key: key}
	switch major {
	case cborx.MajorUint:
		n.Kind, n.Bits = credential.NodeUint, arg
	case cborx.MajorNegInt:
		if arg > math.MaxInt64 {
			return false // a big.Int in the generic tree
		}
		n.Kind, n.Bits = credential.NodeInt, uint64(-1-int64(arg))
	case cborx.MajorText:
		s, ok := d.text(arg)
		if !ok {
			return false
		}
		n.Kind, n.Str = credential.NodeString, s
	case cborx.MajorArray:
		if depth > MaxNesting || arg > maxTreeContainer {
			return false
		}
		n.Kind, n.Len = credential.NodeArray, int32(arg)
		for k := int32(0); k < n.Len; k++ {
			if !d.item(credential.Span{}, depth+1) {
				return false
			}
		}
	case cborx.MajorMap:
		if depth > MaxNesting || arg > maxTreeContainer {
			return false
		}
		n.Kind, n.Len = credential.NodeObject, int32(arg)
		for k := int32(0); k < n.Len; k++ {
			mk, _, karg, err := d.r.Head()
			if err != nil || mk != cborx.MajorText {
				return false
			}
			name, ok := d.text(karg)
			if !ok || d.hasMember(i, k, name) {
				return false // a duplicate key is an error the generic decoder reports
			}
			if !d.item(name, depth+1) {
				return false
			}
		}
	case cborx.MajorSimple:
		switch info {
		case 20, 21: // false, true
			n.Kind, n.Bits = credential.NodeBool, uint64(info-20)
		case 22: // null
			n.Kind = credential.NodeNull
		case 25:
			n.Kind, n.Bits = credential.NodeFloat, math.Float64bits(cborx.HalfToFloat(uint16(arg)))
		case 26:
			n.Kind, n.Bits = credential.NodeFloat, math.Float64bits(float64(math.Float32frombits(uint32(arg))))
		case 27:
			n.Kind, n.Bits = credential.NodeFloat, arg
		default:
			return false
		}
	default: // byte strings and tags
		return false
	}
	n.End = int32(len(d.tree.Nodes))
	d.tree.Nodes[i] = n
	return true
}

// text reads the n bytes of a text string as a span of the tree's text,
// which must be UTF-8.
func (d *treeDecoder) text(n uint64) (credential.Span, bool) {
	if n > uint64(len(d.r.B)-d.r.Off) {
		return credential.Span{}, false
	}
	s := credential.Span{Off: uint32(d.r.Off), Len: uint32(n)}
	d.r.Off += int(n)
	return s, utf8.ValidString(d.tree.String(s))
}

// hasMember reports whether the first k members of the object at node
// obj include name.
func (d *treeDecoder) hasMember(obj int, k int32, name credential.Span) bool {
	t := &d.tree
	j := obj + 1
	for ; k > 0; k-- {
		if t.Is(t.Nodes[j].Key, t.String(name)) {
			return true
		}
		j = int(t.Nodes[j].End)
	}
	return false
}
