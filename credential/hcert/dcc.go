package hcert

import (
	"fmt"
	"reflect"

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
	return appendDCC(make([]byte, 0, 384), d), nil
}

func appendDCC(b []byte, d *credential.DCC) []byte {
	// Keys in encoded order: r, t, v, dob, nam, ver.
	n := 3 + count(len(d.Recoveries) > 0, len(d.Tests) > 0, len(d.Vaccinations) > 0)
	b = cborx.AppendHead(b, cborx.MajorMap, uint64(n))
	if len(d.Recoveries) > 0 {
		b = cborx.AppendHead(cborx.AppendText(b, "r"), cborx.MajorArray, uint64(len(d.Recoveries)))
		for i := range d.Recoveries {
			b = appendRecovery(b, &d.Recoveries[i])
		}
	}
	if len(d.Tests) > 0 {
		b = cborx.AppendHead(cborx.AppendText(b, "t"), cborx.MajorArray, uint64(len(d.Tests)))
		for i := range d.Tests {
			b = appendTest(b, &d.Tests[i])
		}
	}
	if len(d.Vaccinations) > 0 {
		b = cborx.AppendHead(cborx.AppendText(b, "v"), cborx.MajorArray, uint64(len(d.Vaccinations)))
		for i := range d.Vaccinations {
			b = appendVaccination(b, &d.Vaccinations[i])
		}
	}
	b = field(b, "dob", d.DateOfBirth)
	b = appendName(cborx.AppendText(b, "nam"), &d.Name)
	return field(b, "ver", d.Version)
}

// appendName writes the name; every member is omitempty.
func appendName(b []byte, n *credential.Name) []byte {
	// Keys in encoded order: fn, gn, fnt, gnt.
	b = cborx.AppendHead(b, cborx.MajorMap, uint64(count(n.FamilyName != "", n.GivenName != "", n.FamilyNameStd != "", n.GivenNameStd != "")))
	b = optField(b, "fn", n.FamilyName)
	b = optField(b, "gn", n.GivenName)
	b = optField(b, "fnt", n.FamilyNameStd)
	return optField(b, "gnt", n.GivenNameStd)
}

func appendVaccination(b []byte, v *credential.Vaccination) []byte {
	b = cborx.AppendHead(b, cborx.MajorMap, 10)
	b = field(b, "ci", v.ID)
	b = field(b, "co", v.Country)
	b = cborx.AppendInt(cborx.AppendText(b, "dn"), int64(v.DoseNumber))
	b = field(b, "dt", v.Date)
	b = field(b, "is", v.Issuer)
	b = field(b, "ma", v.Manufacturer)
	b = field(b, "mp", v.Product)
	b = cborx.AppendInt(cborx.AppendText(b, "sd"), int64(v.TotalDoses))
	b = field(b, "tg", v.Target)
	return field(b, "vp", v.Vaccine)
}

func appendTest(b []byte, t *credential.Test) []byte {
	// nm, ma, dr and tc are omitempty.
	n := 7 + count(t.ResultAt != "", t.Manufacturer != "", t.Name != "", t.Centre != "")
	b = cborx.AppendHead(b, cborx.MajorMap, uint64(n))
	b = field(b, "ci", t.ID)
	b = field(b, "co", t.Country)
	b = optField(b, "dr", t.ResultAt)
	b = field(b, "is", t.Issuer)
	b = optField(b, "ma", t.Manufacturer)
	b = optField(b, "nm", t.Name)
	b = field(b, "sc", t.SampledAt)
	b = optField(b, "tc", t.Centre)
	b = field(b, "tg", t.Target)
	b = field(b, "tr", t.Result)
	return field(b, "tt", t.TestType)
}

func appendRecovery(b []byte, r *credential.Recovery) []byte {
	b = cborx.AppendHead(b, cborx.MajorMap, 7)
	b = field(b, "ci", r.ID)
	b = field(b, "co", r.Country)
	b = field(b, "df", r.ValidFrom)
	b = field(b, "du", r.ValidUntil)
	b = field(b, "fr", r.FirstPositive)
	b = field(b, "is", r.Issuer)
	return field(b, "tg", r.Target)
}

// field appends a text key and a text value.
func field(b []byte, key, v string) []byte {
	return cborx.AppendText(cborx.AppendText(b, key), v)
}

// optField is field for an omitempty member: nothing when v is empty.
func optField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return field(b, key, v)
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
