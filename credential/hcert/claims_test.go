package hcert_test

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/cborx"
)

// hcertClaim is the -260 claim value {1: dcc}.
func hcertClaim(dcc []byte) raw {
	b := []byte{0xa1, 0x01}
	return append(b, dcc...)
}

func f16(bits uint16) raw { return raw{0xf9, byte(bits >> 8), byte(bits)} }
func f32(v float32) raw {
	u := math.Float32bits(v)
	return raw{0xfa, byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}
}
func f64(v float64) raw {
	u := math.Float64bits(v)
	return raw{0xfb, byte(u >> 56), byte(u >> 48), byte(u >> 40), byte(u >> 32), byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}
}

func TestNumericDates(t *testing.T) {
	dcc := hcertClaim(sampleDCCBytes(t))
	exp := int64(1800000000)
	tests := []struct {
		name string
		iat  any
		want time.Time
	}{
		{"integer", int64(1700000000), time.Unix(1700000000, 0)},
		{"integer zero", 0, time.Unix(0, 0)},
		{"negative integer", -1, time.Unix(-1, 0)},
		{"half 1.5", f16(0x3e00), time.Unix(1, 5e8)},
		{"half max 65504", f16(0x7bff), time.Unix(65504, 0)},
		{"half smallest subnormal", f16(0x0001), time.Unix(0, 59)}, // 2^-24 s, truncated to ns
		{"half negative 2", f16(0xc000), time.Unix(-2, 0)},
		{"single", f32(1700000000), time.Unix(1700000000, 0)},
		{"single 0.25", f32(0.25), time.Unix(0, 25e7)},
		{"double", f64(1700000000), time.Unix(1700000000, 0)},
		{"double with fraction", f64(1700000000.5), time.Unix(1700000000, 5e8)},
		{"double negative with fraction", f64(-1.5), time.Unix(-1, -5e8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := header(4, exp, 6, tt.iat, -260, dcc)
			c, err := hcert.ParseClaims(payload)
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if !c.IssuedAt.Equal(tt.want) {
				t.Errorf("IssuedAt = %v, want %v", c.IssuedAt, tt.want)
			}
			if c.IssuedAt.Location() != time.UTC {
				t.Errorf("IssuedAt location = %v, want UTC", c.IssuedAt.Location())
			}
			if !c.ExpiresAt.Equal(time.Unix(exp, 0)) {
				t.Errorf("ExpiresAt = %v, want %v", c.ExpiresAt, time.Unix(exp, 0))
			}
			if c.Issuer != "" {
				t.Errorf("Issuer = %q, want empty (no claim 1)", c.Issuer)
			}
			// exp accepts the same forms.
			c, err = hcert.ParseClaims(header(6, exp, 4, tt.iat, -260, dcc))
			if err != nil || !c.ExpiresAt.Equal(tt.want) {
				t.Errorf("exp as %s: ExpiresAt = %v (%v), want %v", tt.name, c.ExpiresAt, err, tt.want)
			}
		})
	}
}

func TestBadNumericDates(t *testing.T) {
	dcc := hcertClaim(sampleDCCBytes(t))
	tests := []struct {
		name   string
		v      any
		reason credential.Reason
	}{
		{"text", "2026-01-01", credential.ReasonBadClaims},
		{"bytes", []byte{1}, credential.ReasonBadClaims},
		{"true", raw{0xf5}, credential.ReasonBadClaims},
		{"null", raw{0xf6}, credential.ReasonBadClaims},
		{"epoch tag 1", raw{0xc1, 0x1a, 0x65, 0x53, 0xf1, 0x00}, credential.ReasonBadClaims},
		{"array", raw{0x81, 0x01}, credential.ReasonBadClaims},
		// A well-formed float that is no instant is a bad claim, not bad CBOR.
		{"half NaN", f16(0x7e00), credential.ReasonBadClaims},
		{"half +Inf", f16(0x7c00), credential.ReasonBadClaims},
		{"double -Inf", f64(math.Inf(-1)), credential.ReasonBadClaims},
		{"double 1e300", f64(1e300), credential.ReasonBadClaims},
		{"truncated double", raw{0xfb, 0x41}, credential.ReasonBadCBOR},
	}
	for _, tt := range tests {
		for _, key := range []int{4, 6} {
			t.Run(fmt.Sprintf("claim %d %s", key, tt.name), func(t *testing.T) {
				other := 10 - key
				payload := header(other, 1700000000, key, tt.v, -260, dcc)
				c, err := hcert.ParseClaims(payload)
				if c != nil {
					t.Errorf("ParseClaims returned claims with an error")
				}
				wantReason(t, err, tt.reason)
			})
		}
	}
}

func TestClaims(t *testing.T) {
	dccBytes := sampleDCCBytes(t)
	dcc := hcertClaim(dccBytes)
	tests := []struct {
		name      string
		payload   []byte
		reason    credential.Reason // "" means success
		detail    []string
		subClaims []int64
	}{
		{name: "minimal", payload: header(-260, dcc), subClaims: []int64{1}},
		{name: "other claims skipped", payload: header(1, "GB", 2, "subject", 4, 1800000000, 6, 1700000000, 7, []byte{1}, "x", raw{0x82, 0x01, 0x02}, -260, dcc), subClaims: []int64{1}},
		{name: "WHO sub-claims beside the EU DCC", payload: header(-260, raw(append(append([]byte{0xa3, 0x01}, dccBytes...), 0x05, 0x61, 'w', 0x3a, 0x00, 0x01, 0x00, 0x00, 0x80))), subClaims: []int64{1, 5, -65537}},
		{name: "missing -260 claim", payload: header(1, "GB", 4, 1800000000, 6, 1700000000), reason: credential.ReasonBadClaims, detail: []string{"-260"}},
		{name: "empty claims map", payload: header(), reason: credential.ReasonBadClaims, detail: []string{"-260"}},
		{name: "missing sub-claim 1", payload: header(-260, raw(append([]byte{0xa1, 0x02}, dccBytes...))), reason: credential.ReasonBadClaims, detail: []string{"sub-claim", "[2]"}},
		{name: "empty hcert map", payload: header(-260, raw{0xa0}), reason: credential.ReasonBadClaims},
		{name: "hcert claim is text", payload: header(-260, "not a map"), reason: credential.ReasonBadClaims},
		{name: "hcert claim is an array", payload: header(-260, raw{0x81, 0x01}), reason: credential.ReasonBadClaims},
		{name: "hcert sub-claim key is text", payload: header(-260, raw(append([]byte{0xa1, 0x61, '1'}, dccBytes...))), reason: credential.ReasonBadClaims},
		{name: "iss not text (integer)", payload: header(1, 826, -260, dcc), reason: credential.ReasonBadClaims, detail: []string{"iss"}},
		{name: "iss not text (bytes)", payload: header(1, []byte("GB"), -260, dcc), reason: credential.ReasonBadClaims, detail: []string{"iss"}},
		{name: "iss not UTF-8", payload: header(1, raw{0x62, 0xff, 0xfe}, -260, dcc), reason: credential.ReasonBadCBOR},
		{name: "claims set is an array", payload: raw{0x81, 0x01}, reason: credential.ReasonBadClaims},
		{name: "claims set is tagged", payload: append([]byte{0xd8, 0x3d}, header(-260, dcc)...), reason: credential.ReasonBadClaims},
		{name: "claims not CBOR (empty)", payload: nil, reason: credential.ReasonBadCBOR},
		{name: "truncated claims", payload: header(1, "GB", -260, dcc)[:10], reason: credential.ReasonBadCBOR},
		{name: "trailing bytes after claims", payload: append(header(-260, dcc), 0x00), reason: credential.ReasonBadCBOR},
		{name: "duplicate claim key", payload: header(1, "GB", 1, "GB", -260, dcc), reason: credential.ReasonBadCBOR, detail: []string{"duplicate"}},
		{name: "duplicate hcert claim", payload: header(-260, dcc, -260, dcc), reason: credential.ReasonBadCBOR, detail: []string{"duplicate"}},
		{name: "duplicate text claim key", payload: header("a", 1, "a", 2, -260, dcc), reason: credential.ReasonBadCBOR, detail: []string{"duplicate"}},
		{name: "duplicate sub-claim key", payload: header(-260, raw(append(append(append([]byte{0xa2, 0x01}, dccBytes...), 0x01), dccBytes...))), reason: credential.ReasonBadCBOR, detail: []string{"duplicate"}},
		{name: "indefinite claims map", payload: append(append([]byte{0xbf, 0x39, 0x01, 0x03}, dcc...), 0xff), reason: credential.ReasonBadCBOR},
		{name: "indefinite hcert map", payload: header(-260, raw(append(append([]byte{0xbf, 0x01}, dccBytes...), 0xff))), reason: credential.ReasonBadCBOR},
		{name: "indefinite DCC map", payload: header(-260, hcertClaim(indefiniteDCC())), reason: credential.ReasonBadCBOR},
		{name: "indefinite text in skipped claim", payload: header(2, raw{0x7f, 0x61, 'a', 0xff}, -260, dcc), reason: credential.ReasonBadCBOR},
		{name: "DCC nested 14 deep (16 with the claims)", payload: header(-260, hcertClaim(nestedDCC(14))), subClaims: []int64{1}},
		{name: "DCC nested 15 deep (17 with the claims)", payload: header(-260, hcertClaim(nestedDCC(15))), reason: credential.ReasonBadCBOR},
		{name: "skipped claim nested too deep", payload: header(2, raw(append(bytes.Repeat([]byte{0x81}, 17), 0x01)), -260, dcc), reason: credential.ReasonBadCBOR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := hcert.ParseClaims(tt.payload)
			if tt.reason != "" {
				if c != nil {
					t.Errorf("ParseClaims returned claims with an error")
				}
				wantReason(t, err, tt.reason)
				wantDetail(t, err, tt.detail...)
				return
			}
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if !reflect.DeepEqual(c.SubClaims, tt.subClaims) {
				t.Errorf("SubClaims = %v, want %v", c.SubClaims, tt.subClaims)
			}
			if c.DCC == nil {
				t.Errorf("DCC = nil")
			}
		})
	}
}

// ParseClaimsInto reuses the claims value without keeping stale fields.
func TestParseClaimsIntoResets(t *testing.T) {
	var c hcert.Claims
	full := hcert.MarshalClaims("GB", sampleIat, sampleExp, sampleDCCBytes(t))
	if err := hcert.ParseClaimsInto(&c, full); err != nil {
		t.Fatal(err)
	}
	bare := header(-260, hcertClaim(sampleDCCBytes(t)))
	if err := hcert.ParseClaimsInto(&c, bare); err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "" || !c.IssuedAt.IsZero() || !c.ExpiresAt.IsZero() || len(c.SubClaims) != 1 {
		t.Errorf("after reuse: %+v, want no iss/iat/exp and one sub-claim", c)
	}
}

// nestedDCC returns a DCC map whose "x" member nests arrays so that the
// whole DCC, its own map included, is depth levels deep.
func nestedDCC(depth int) []byte {
	b := cborx.AppendHead(nil, cborx.MajorMap, 2)
	b = cborx.AppendText(b, "ver")
	b = cborx.AppendText(b, "1.3.0")
	b = cborx.AppendText(b, "x")
	b = append(b, bytes.Repeat([]byte{0x81}, depth-1)...)
	return append(b, 0x01)
}

// indefiniteDCC is a tiny DCC written as an indefinite-length map.
func indefiniteDCC() []byte {
	b := []byte{0xbf}
	b = cborx.AppendText(b, "ver")
	b = cborx.AppendText(b, "1.3.0")
	return append(b, 0xff)
}

func TestDecodeDCC(t *testing.T) {
	good := sampleDCCBytes(t)
	textMap := func(kv ...string) []byte {
		b := cborx.AppendHead(nil, cborx.MajorMap, uint64(len(kv)/2))
		for _, s := range kv {
			b = cborx.AppendText(b, s)
		}
		return b
	}
	tests := []struct {
		name   string
		in     []byte
		reason credential.Reason
	}{
		{"sample", good, ""},
		{"nested 16 deep", nestedDCC(16), ""},
		{"nested 17 deep", nestedDCC(17), credential.ReasonBadCBOR},
		{"nested 40 deep", nestedDCC(40), credential.ReasonBadCBOR},
		{"indefinite map", indefiniteDCC(), credential.ReasonBadCBOR},
		{"indefinite array inside", []byte{0xa1, 0x61, 'v', 0x9f, 0x01, 0xff}, credential.ReasonBadCBOR},
		{"indefinite text inside", []byte{0xa1, 0x63, 'v', 'e', 'r', 0x7f, 0x61, '1', 0xff}, credential.ReasonBadCBOR},
		{"indefinite bytes inside", []byte{0xa1, 0x61, 'x', 0x5f, 0x41, 0x01, 0xff}, credential.ReasonBadCBOR},
		{"duplicate key", textMap("ver", "1.3.0", "ver", "1.3.0"), credential.ReasonBadCBOR},
		{"duplicate key in nested map", append([]byte{0xa1, 0x63, 'n', 'a', 'm'}, textMap("fn", "A", "fn", "B")...), credential.ReasonBadCBOR},
		{"invalid UTF-8", []byte{0xa1, 0x63, 'v', 'e', 'r', 0x62, 0xff, 0xfe}, credential.ReasonBadCBOR},
		{"trailing bytes", append(bytes.Clone(good), 0x00), credential.ReasonBadCBOR},
		{"empty", nil, credential.ReasonBadCBOR},
		{"truncated", good[:len(good)/2], credential.ReasonBadCBOR},
		{"array, not a map", []byte{0x81, 0x01}, credential.ReasonSchema},
		{"text, not a map", []byte{0x61, 'x'}, credential.ReasonSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := hcert.DecodeDCC(tt.in)
			if tt.reason != "" {
				if tree != nil {
					t.Errorf("DecodeDCC returned a tree with an error")
				}
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("DecodeDCC: %v", err)
			}
			if _, ok := tree.(map[string]any); !ok {
				t.Errorf("DecodeDCC = %T, want map[string]any", tree)
			}
		})
	}
}
