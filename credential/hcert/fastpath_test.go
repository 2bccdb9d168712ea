package hcert_test

// The fast paths of the verifier and the issuer must behave exactly as the
// generic code they replace: these tests compare them on hand-picked and
// fuzzed inputs.

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/testvectors"
)

// coreDet is the encoder MarshalDCC used to be: fxamacker/cbor in the core
// deterministic encoding.
var coreDet = must(cbor.CoreDetEncOptions().EncMode())

func checkMarshalDCC(t *testing.T, d *credential.DCC) {
	t.Helper()
	want, err := coreDet.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := hcert.MarshalDCC(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("MarshalDCC(%+v)\n got %x\nwant %x", d, got, want)
	}
	// MarshalValidDCC: the same bytes, and exactly ParseDCC's verdict on
	// them, from the tree the encoder records.
	if m := hcert.EncoderTreeMismatch(d); m != "" {
		t.Fatalf("MarshalValidDCC(%+v): %s", d, m)
	}
	valid, vErr := hcert.MarshalValidDCC(d)
	_, pErr := hcert.ParseDCC(got)
	if (vErr == nil) != (pErr == nil) || vErr != nil && (vErr.Error() != pErr.Error() || reflect.TypeOf(vErr) != reflect.TypeOf(pErr)) {
		t.Fatalf("MarshalValidDCC(%+v) error %v, ParseDCC %v", d, vErr, pErr)
	}
	if vErr == nil && !bytes.Equal(valid, got) {
		t.Fatalf("MarshalValidDCC(%+v) = %x, MarshalDCC %x", d, valid, got)
	}
	// After a prefix (the claims head), spans are relative to the DCC.
	prefix := []byte("claims head")
	app, aErr := hcert.AppendValidDCC(bytes.Clone(prefix), d)
	if (aErr == nil) != (vErr == nil) || aErr != nil && aErr.Error() != vErr.Error() {
		t.Fatalf("AppendValidDCC(prefix, %+v) error %v, MarshalValidDCC %v", d, aErr, vErr)
	}
	if want := append(bytes.Clone(prefix), got...); aErr == nil && !bytes.Equal(app, want) || aErr != nil && !bytes.Equal(app, prefix) {
		t.Fatalf("AppendValidDCC(prefix, %+v) = %x (error %v)", d, app, aErr)
	}
}

func TestMarshalDCCMatchesFxamacker(t *testing.T) {
	long := strings.Repeat("é", 200)
	dccs := []*credential.DCC{
		{},
		sampleDCC(),
		{Version: "1.0.0", Name: credential.Name{GivenNameStd: "X"}, Vaccinations: []credential.Vaccination{{DoseNumber: -1, TotalDoses: 1 << 40}, {DoseNumber: 300, TotalDoses: 70000}}},
		{Version: long, DateOfBirth: strings.Repeat("x", 70000), Name: credential.Name{FamilyName: "\xff\xfe"}},
		{Tests: []credential.Test{{}}, Recoveries: []credential.Recovery{{}}, Vaccinations: []credential.Vaccination{}},
		{Tests: []credential.Test{{Name: "n", Manufacturer: "m", ResultAt: "r", Centre: "c", Target: "t"}}},
		// More events than the compact decoder takes: the generic path.
		{Version: "1.3.0", Vaccinations: make([]credential.Vaccination, 65)},
		{Version: "1.3.0", Vaccinations: make([]credential.Vaccination, 64)},
	}
	for _, typ := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
		dccs = append(dccs, testvectors.SamplePayload(typ, "GB"))
	}
	for _, d := range dccs {
		checkMarshalDCC(t, d)
	}
}

func FuzzMarshalDCC(f *testing.F) {
	f.Add("1.3.0", "Müller", "", "1990", "v", 1, int64(2), "x")
	f.Add("", "", "G", "", "t", -5, int64(1)<<40, "")
	f.Add("1", "a", "b", "c", "r", 0, int64(0), "y")
	f.Fuzz(func(t *testing.T, ver, fn, gn, dob, kind string, dn int, sd int64, s string) {
		d := &credential.DCC{Version: ver, DateOfBirth: dob, Name: credential.Name{FamilyName: fn, GivenName: gn, GivenNameStd: s}}
		for _, k := range kind {
			switch k {
			case 'v':
				d.Vaccinations = append(d.Vaccinations, credential.Vaccination{DoseNumber: dn, TotalDoses: int(sd), ID: s, Country: fn})
			case 't':
				d.Tests = append(d.Tests, credential.Test{Name: s, Centre: gn, ResultAt: dob, Country: fn})
			case 'r':
				d.Recoveries = append(d.Recoveries, credential.Recovery{ValidFrom: s, ID: ver})
			}
		}
		checkMarshalDCC(t, d)
	})
}

// genericParseDCC is what the verifier did before hcert.ParseDCC.
func genericParseDCC(raw []byte) (*credential.DCC, error) {
	tree, err := hcert.DecodeDCC(raw)
	if err != nil {
		return nil, err
	}
	if err := credential.ValidateDCC(tree); err != nil {
		return nil, err
	}
	return credential.ParseDCC(tree)
}

func checkParseDCC(t *testing.T, raw []byte) {
	t.Helper()
	orig := bytes.Clone(raw)
	got, gotErr := hcert.ParseDCC(raw)
	if !bytes.Equal(raw, orig) {
		t.Fatal("ParseDCC modified its input")
	}
	want, wantErr := genericParseDCC(raw)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && (gotErr.Error() != wantErr.Error() || reflect.TypeOf(gotErr) != reflect.TypeOf(wantErr)) {
		t.Fatalf("ParseDCC(%x): error %v, generic path %v", raw, gotErr, wantErr)
	}
	var se, wse *credential.SchemaError
	if errors.As(gotErr, &se) && errors.As(wantErr, &wse) && *se != *wse {
		t.Fatalf("ParseDCC(%x): %+v, generic path %+v", raw, *se, *wse)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseDCC(%x) = %+v, generic path %+v", raw, got, want)
	}
}

// parseDCCCorpus holds payloads of every shape the compact decoder takes
// or hands over to the generic one.
func parseDCCCorpus(t testing.TB) [][]byte {
	mapOf := func(kv ...[]byte) []byte {
		b := cborx.AppendHead(nil, cborx.MajorMap, uint64(len(kv)/2))
		for _, x := range kv {
			b = append(b, x...)
		}
		return b
	}
	txt := func(s string) []byte { return cborx.AppendText(nil, s) }
	arr := func(xs ...[]byte) []byte {
		b := cborx.AppendHead(nil, cborx.MajorArray, uint64(len(xs)))
		for _, x := range xs {
			b = append(b, x...)
		}
		return b
	}
	num := func(v int64) []byte { return cborx.AppendInt(nil, v) }
	vac := func(dn []byte) []byte {
		return mapOf(txt("tg"), txt("840539006"), txt("vp"), txt("1119349007"), txt("mp"), txt("EU/1/20/1528"),
			txt("ma"), txt("ORG-100030215"), txt("dn"), dn, txt("sd"), num(2), txt("dt"), txt("2021-05-01"),
			txt("co"), txt("AT"), txt("is"), txt("BMSGPK"), txt("ci"), txt("URN:UVCI:01:AT:X"))
	}
	nam := mapOf(txt("fn"), txt("Müller"), txt("fnt"), txt("MUELLER"))
	root := func(ver string, dn []byte) []byte {
		return mapOf(txt("ver"), txt(ver), txt("nam"), nam, txt("dob"), txt("1964-08-12"), txt("v"), arr(vac(dn)))
	}
	var c [][]byte
	for _, typ := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
		b, err := hcert.MarshalDCC(testvectors.SamplePayload(typ, "AT"))
		if err != nil {
			t.Fatal(err)
		}
		c = append(c, b)
	}
	c = append(c,
		root("1.3.0", num(2)),
		root("1.0.0", num(2)),
		root("1.2.1", num(12)),                                    // over the old maximum of 9
		root("1.3.0", num(0)),                                     // below the minimum
		root("1.3.0", num(-3)),                                    // negative
		root("1.3.0", []byte{0xf9, 0x40, 0x00}),                   // half-precision 2.0
		root("1.3.0", []byte{0xfa, 0x3f, 0xc0, 0x00, 0x00}),       // single 1.5
		root("1.3.0", []byte{0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}), // NaN
		root("1.3.0", cborx.AppendHead(nil, cborx.MajorUint, math.MaxUint64)),
		root("1.3.0", cborx.AppendHead(nil, cborx.MajorNegInt, math.MaxUint64)), // a big.Int
		root("1.3.0", []byte{0xc2, 0x41, 0x02}),                                 // bignum tag
		root("1.3.0", []byte{0x41, 0x02}),                                       // byte string
		root("1.3.0", []byte{0xf5}),                                             // true
		root("1.3.0", []byte{0xf6}),                                             // null
		root("1.3.0", []byte{0xf7}),                                             // undefined
		root("1.3.0", []byte{0xf8, 0x20}),                                       // simple value 32
		root("1.3.0", txt("2")),
		root("2.0.0", num(2)),
		root("1.3.0\n", num(2)),
		mapOf(txt("ver"), txt("1.3.0")),
		mapOf(txt("ver"), num(1)),
		mapOf(num(1), txt("x"), txt("ver"), txt("1.3.0")),
		mapOf(txt("ver"), txt("1.3.0"), txt("ver"), txt("1.3.0")),
		mapOf(txt("ver"), txt("1.3.0"), txt("nam"), nam, txt("dob"), txt("1964"), txt("v"), arr(vac(num(1)), vac(num(2)))),
		mapOf(txt("ver"), txt("1.3.0"), txt("nam"), nam, txt("dob"), txt("1964"), txt("v"), arr()),
		mapOf(txt("ver"), txt("1.3.0"), txt("nam"), txt("x"), txt("dob"), txt("1964"), txt("v"), txt("y")),
		mapOf(txt("ver"), txt("1.3.0"), txt("nam"), nam, txt("dob"), txt("1964"), txt("v"), arr(txt("y"))),
		mapOf(txt("ver"), txt("1.3.0"), txt("nam"), nam, txt("dob"), txt("1964"), txt("t"), arr(vac(num(1))), txt("r"), arr(vac(num(1)))),
		mapOf(txt("ver"), []byte{0xd8, 0x20, 0x61, 'x'}),              // tag 32
		mapOf(txt("ver"), []byte{0xc1, 0x1a, 0x60, 0x00, 0x00, 0x00}), // tag 1 epoch
		mapOf(txt("ver"), []byte{0x62, 0xff, 0xfe}),                   // invalid UTF-8
		mapOf([]byte{0x62, 0xff, 0xfe}, txt("x")),                     // invalid UTF-8 key
		[]byte{0xa1, 0x61, 'v', 0x9f, 0x01, 0xff},                     // indefinite array
		[]byte{0xbf, 0xff},
		[]byte{0x81, 0x01},
		[]byte{0x61, 'x'},
		nil,
		append(root("1.3.0", num(2)), 0x00), // trailing byte
		root("1.3.0", num(2))[:100],         // truncated
	)
	// Nesting at and over the limit of 16.
	for _, depth := range []int{15, 16, 17} {
		b := mapOf(txt("ver"), txt("1.3.0"), txt("x"))
		b = append(b, bytes.Repeat([]byte{0x81}, depth-1)...)
		c = append(c, append(b, 0x01))
	}
	// A map with more members than the compact decoder takes.
	big := cborx.AppendHead(nil, cborx.MajorMap, 70)
	for i := 0; i < 70; i++ {
		big = append(append(big, txt(fmt.Sprintf("k%02d", i))...), num(int64(i))...)
	}
	return append(c, big)
}

func TestParseDCCMatchesGeneric(t *testing.T) {
	for _, raw := range parseDCCCorpus(t) {
		checkParseDCC(t, raw)
	}
}

func FuzzParseDCC(f *testing.F) {
	for _, raw := range parseDCCCorpus(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkParseDCC(t, raw) })
}

// oldInflate is AppendInflate as it was, on compress/zlib.
func oldInflate(src []byte, max int) ([]byte, string) {
	if len(src) < 2 || src[0]&0x0f != 8 || (uint16(src[0])<<8|uint16(src[1]))%31 != 0 {
		return nil, "no header"
	}
	r := bytes.NewReader(src)
	z, err := zlib.NewReader(r)
	if err != nil {
		return nil, "bad header: " + err.Error()
	}
	out, err := io.ReadAll(io.LimitReader(z, int64(max)+1))
	switch {
	case len(out) > max:
		return nil, "too large"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, "truncated"
	case err != nil:
		return nil, err.Error()
	case r.Len() > 0:
		return nil, "trailing"
	}
	return out, ""
}

func checkInflate(t *testing.T, src []byte) {
	t.Helper()
	const max = 4096
	want, wantErr := oldInflate(src, max)
	got, err := hcert.AppendInflate(nil, src, max)
	if (err == nil) != (wantErr == "") || !bytes.Equal(got, want) {
		t.Fatalf("AppendInflate(%x) = %x, %v; compress/zlib: %x, %s", src, got, err, want, wantErr)
	}
	if err != nil {
		ce := wantReason(t, err, reasonOf(wantErr))
		if wantErr == "truncated" && ce.Detail != "compressed data is truncated" || strings.HasPrefix(wantErr, "bad header") && ce.Detail != "bad zlib header" {
			t.Fatalf("AppendInflate(%x): %v, compress/zlib: %s", src, err, wantErr)
		}
	}
}

func reasonOf(oldErr string) credential.Reason {
	if oldErr == "too large" {
		return credential.ReasonTooLarge
	}
	return credential.ReasonBadCompression
}

func inflateCorpus() [][]byte {
	z := hcert.Compress([]byte("a credential payload, a credential payload"))
	dict := func(id uint32) []byte {
		b := []byte{0x78, 0xbb} // FDICT set; 0x78bb % 31 == 0
		b = append(b, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
		return append(b, z[2:]...)
	}
	return [][]byte{
		z, z[:len(z)-1], z[:len(z)-4], z[:len(z)-5], z[:3], append(bytes.Clone(z), 0),
		append(bytes.Clone(z[:len(z)-4]), 0, 0, 0, 0),
		dict(1), dict(2), dict(1)[:4], {0x78, 0xbb},
		{0x88, 0x1c, 0x03, 0x00}, // window of 64 KiB
		hcert.Compress(bytes.Repeat([]byte{'x'}, 5000)),
		hcert.Compress(nil),
	}
}

func TestInflateMatchesZlib(t *testing.T) {
	for _, src := range inflateCorpus() {
		checkInflate(t, src)
	}
}

func FuzzInflate(f *testing.F) {
	for _, src := range inflateCorpus() {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) { checkInflate(t, src) })
}

// The raw r‖s form that Sign extracts from the signer's DER must round
// trip through the DER encoding the verifier builds: a signature of each
// kind verifies.
func TestSignVerifyRoundTrip(t *testing.T) {
	payload := samplePayload(t)
	for i := 0; i < 50; i++ { // r or s with a leading zero byte happens 1 time in 128
		msg, err := hcert.Sign(nil, ecKeyOnce(), hcert.ES256, testKID, payload)
		if err != nil {
			t.Fatal(err)
		}
		m, err := hcert.ParseCOSE(msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Verify(ecKeyOnce().Public()); err != nil {
			t.Fatal(err)
		}
		m.Signature[5] ^= 1
		if err := m.Verify(ecKeyOnce().Public()); err == nil {
			t.Fatal("a damaged signature verifies")
		}
	}
}
