package hcert

import (
	"fmt"
	"reflect"

	"github.com/fxamacker/cbor/v2"

	"github.com/b5m5/travelcred/credential"
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

// dccEncMode encodes DCC payloads in the core deterministic encoding.
var dccEncMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
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

// MarshalDCC encodes a DCC payload as deterministic CBOR.
func MarshalDCC(d *credential.DCC) ([]byte, error) {
	return dccEncMode.Marshal(d)
}
