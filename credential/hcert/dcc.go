package hcert

import (
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// dccDecMode decodes DCC payloads strictly: definite lengths only,
// duplicate map keys rejected, nesting bounded, text must be UTF-8. It is
// immutable after initialisation.
var dccDecMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  MaxNesting,
		MaxArrayElements: 1024,
		MaxMapPairs:      1024,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		UTF8:             cbor.UTF8RejectInvalid,
		IntDec:           cbor.IntDecConvertNone,
		// A date-time written with tag 0 (RFC 3339 text) or tag 1 (epoch)
		// reads as the RFC 3339 string the schema expects.
		TimeTagToAny: cbor.TimeTagToRFC3339Nano,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// DecodeDCC decodes the raw CBOR of an EU DCC sub-claim into a generic tree
// (maps with string keys, slices, strings, integers as uint64 or int64,
// floats as float64), strictly. Use credential.ValidateDCC and
// credential.ParseDCC on the result.
func DecodeDCC(raw []byte) (any, error) {
	var tree any
	if err := dccDecMode.Unmarshal(raw, &tree); err != nil {
		return nil, newErr(credential.ReasonBadCBOR, "EU DCC payload", err)
	}
	if _, ok := tree.(map[string]any); !ok {
		return nil, newErr(credential.ReasonSchema, fmt.Sprintf("EU DCC payload is a %T, want a map", tree), nil)
	}
	return tree, nil
}

// MarshalDCC encodes a DCC payload in the core deterministic encoding of
// RFC 8949 (§4.2.1): map keys sorted by their encoded bytes, which for text
// keys means shorter keys first, then bytewise; fields tagged omitempty
// left out when empty; integers in their shortest form. The DCC struct is
// fixed, so it is written out field by field in that order, with no
// reflection; the bytes are those fxamacker/cbor's CoreDetEncOptions give
// (a test checks).
func MarshalDCC(d *credential.DCC) ([]byte, error) {
	e := dccEncoder{b: make([]byte, 0, 384)}
	e.dcc(d)
	return e.b, nil
}

// MarshalValidDCC is MarshalDCC followed by the check a verifier makes of
// what it decodes: it returns exactly the error ParseDCC would return on
// the encoded bytes (a test holds it to that), for an issuer that must not
// sign a payload a verifier refuses.
//
// It is faster than decoding its own output: the encoder records the tree
// a verifier's decoder would build (same nodes, same text) while it
// writes, and the schema is checked on that. Where the decoder would not
// build a compact tree (text that is not UTF-8, more than 64 events) the
// bytes go through ParseDCC itself.
func MarshalValidDCC(d *credential.DCC) ([]byte, error) {
	return AppendValidDCC(make([]byte, 0, 384), d)
}

// AppendValidDCC is MarshalValidDCC appending to b (after AppendClaimsHead,
// say); b is returned unchanged with the error.
func AppendValidDCC(b []byte, d *credential.DCC) ([]byte, error) {
	t, _ := treeDecoders.Get().(*treeDecoder)
	if t == nil {
		t = new(treeDecoder)
	}
	defer t.release()
	base := len(b)
	e := dccEncoder{b: b, base: base, nodes: t.tree.Nodes[:0], record: true}
	e.dcc(d)
	t.tree.Nodes = e.nodes
	if e.fallback {
		if _, err := ParseDCC(e.b[base:]); err != nil {
			return b, err
		}
		return e.b, nil
	}
	t.tree.Text = string(e.b[base:])
	if err := credential.ValidateDCCTree(&t.tree); err != nil {
		return b, err
	}
	return e.b, nil
}

// dccEncoder writes a DCC in the deterministic encoding and, when record
// is set, the credential.Tree nodes the compact decoder would build from
// the bytes: member keys and strings as spans of the output.
type dccEncoder struct {
	b        []byte
	base     int // where the DCC starts in b: spans are offsets from it
	nodes    []credential.Node
	record   bool
	fallback bool // a value the compact decoder would leave to the generic one
}

// open starts a map or an array of n items under key (a span of e.b) and
// returns its node index.
func (e *dccEncoder) open(key credential.Span, major byte, n int) int {
	e.b = cborx.AppendHead(e.b, major, uint64(n))
	if !e.record {
		return 0
	}
	if n > maxTreeContainer {
		e.fallback = true
	}
	kind := credential.NodeObject
	if major == cborx.MajorArray {
		kind = credential.NodeArray
	}
	e.nodes = append(e.nodes, credential.Node{Kind: kind, Len: int32(n), Key: key})
	return len(e.nodes) - 1
}

// close ends the container at node i.
func (e *dccEncoder) close(i int) {
	if e.record {
		e.nodes[i].End = int32(len(e.nodes))
	}
}

// key writes a member name and returns its span.
func (e *dccEncoder) key(k string) credential.Span {
	e.b = cborx.AppendText(e.b, k)
	return credential.Span{Off: uint32(len(e.b) - e.base - len(k)), Len: uint32(len(k))}
}

// field writes a text member.
func (e *dccEncoder) field(k, v string) {
	key := e.key(k)
	e.b = cborx.AppendText(e.b, v)
	if e.record {
		if !utf8.ValidString(v) {
			e.fallback = true
		}
		n := len(e.nodes)
		e.nodes = append(e.nodes, credential.Node{Kind: credential.NodeString, End: int32(n + 1), Key: key,
			Str: credential.Span{Off: uint32(len(e.b) - e.base - len(v)), Len: uint32(len(v))}})
	}
}

// optField is field for an omitempty member: nothing when v is empty.
func (e *dccEncoder) optField(k, v string) {
	if v != "" {
		e.field(k, v)
	}
}

// intField writes an integer member.
func (e *dccEncoder) intField(k string, v int) {
	key := e.key(k)
	e.b = cborx.AppendInt(e.b, int64(v))
	if e.record {
		n := credential.Node{Kind: credential.NodeUint, Bits: uint64(v), End: int32(len(e.nodes) + 1), Key: key}
		if v < 0 {
			n.Kind = credential.NodeInt
		}
		e.nodes = append(e.nodes, n)
	}
}

func (e *dccEncoder) dcc(d *credential.DCC) {
	// Keys in encoded order: r, t, v, dob, nam, ver.
	root := e.open(credential.Span{}, cborx.MajorMap, 3+count(len(d.Recoveries) > 0, len(d.Tests) > 0, len(d.Vaccinations) > 0))
	if len(d.Recoveries) > 0 {
		arr := e.open(e.key("r"), cborx.MajorArray, len(d.Recoveries))
		for i := range d.Recoveries {
			e.recovery(&d.Recoveries[i])
		}
		e.close(arr)
	}
	if len(d.Tests) > 0 {
		arr := e.open(e.key("t"), cborx.MajorArray, len(d.Tests))
		for i := range d.Tests {
			e.test(&d.Tests[i])
		}
		e.close(arr)
	}
	if len(d.Vaccinations) > 0 {
		arr := e.open(e.key("v"), cborx.MajorArray, len(d.Vaccinations))
		for i := range d.Vaccinations {
			e.vaccination(&d.Vaccinations[i])
		}
		e.close(arr)
	}
	e.field("dob", d.DateOfBirth)
	e.name(&d.Name)
	e.field("ver", d.Version)
	e.close(root)
}

// name writes the name; every member is omitempty.
func (e *dccEncoder) name(n *credential.Name) {
	// Keys in encoded order: fn, gn, fnt, gnt.
	i := e.open(e.key("nam"), cborx.MajorMap, count(n.FamilyName != "", n.GivenName != "", n.FamilyNameStd != "", n.GivenNameStd != ""))
	e.optField("fn", n.FamilyName)
	e.optField("gn", n.GivenName)
	e.optField("fnt", n.FamilyNameStd)
	e.optField("gnt", n.GivenNameStd)
	e.close(i)
}

func (e *dccEncoder) vaccination(v *credential.Vaccination) {
	i := e.open(credential.Span{}, cborx.MajorMap, 10)
	e.field("ci", v.ID)
	e.field("co", v.Country)
	e.intField("dn", v.DoseNumber)
	e.field("dt", v.Date)
	e.field("is", v.Issuer)
	e.field("ma", v.Manufacturer)
	e.field("mp", v.Product)
	e.intField("sd", v.TotalDoses)
	e.field("tg", v.Target)
	e.field("vp", v.Vaccine)
	e.close(i)
}

func (e *dccEncoder) test(t *credential.Test) {
	// nm, ma, dr and tc are omitempty.
	i := e.open(credential.Span{}, cborx.MajorMap, 7+count(t.ResultAt != "", t.Manufacturer != "", t.Name != "", t.Centre != ""))
	e.field("ci", t.ID)
	e.field("co", t.Country)
	e.optField("dr", t.ResultAt)
	e.field("is", t.Issuer)
	e.optField("ma", t.Manufacturer)
	e.optField("nm", t.Name)
	e.field("sc", t.SampledAt)
	e.optField("tc", t.Centre)
	e.field("tg", t.Target)
	e.field("tr", t.Result)
	e.field("tt", t.TestType)
	e.close(i)
}

func (e *dccEncoder) recovery(r *credential.Recovery) {
	i := e.open(credential.Span{}, cborx.MajorMap, 7)
	e.field("ci", r.ID)
	e.field("co", r.Country)
	e.field("df", r.ValidFrom)
	e.field("du", r.ValidUntil)
	e.field("fr", r.FirstPositive)
	e.field("is", r.Issuer)
	e.field("tg", r.Target)
	e.close(i)
}

func count(conds ...bool) int {
	n := 0
	for _, c := range conds {
		if c {
			n++
		}
	}
	return n
}
