package hcert

import (
	"fmt"
	"reflect"

	"github.com/b5m5/travelcred/credential"
)

// EncoderTreeMismatch describes how the tree MarshalValidDCC records for d
// differs from the one the compact decoder builds from the bytes, or
// returns "" when they are the same (or when either leaves d to the
// generic path, which must then be both).
func EncoderTreeMismatch(d *credential.DCC) string {
	e := dccEncoder{record: true}
	e.dcc(d)
	var t treeDecoder
	decoded := t.decode(e.b)
	if e.fallback || !decoded {
		if e.fallback != !decoded {
			return fmt.Sprintf("encoder fallback %t, decoder compact %t", e.fallback, decoded)
		}
		return ""
	}
	if t.tree.Text != string(e.b) {
		return "text differs"
	}
	if !reflect.DeepEqual(t.tree.Nodes, e.nodes) {
		return fmt.Sprintf("nodes differ:\nencoder %+v\ndecoder %+v", e.nodes, t.tree.Nodes)
	}
	return ""
}
