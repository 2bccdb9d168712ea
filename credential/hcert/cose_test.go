package hcert_test

import (
	"bytes"
	"crypto"
	"regexp"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/cborx"
)

var emptyMap = []byte{0xa0}

// coseSignRE matches "COSE_Sign" as a word, not as part of "COSE_Sign1".
var coseSignRE = regexp.MustCompile(`COSE_Sign\b`)

func TestEnvelopes(t *testing.T) {
	key := ecKeyOnce()
	payload := samplePayload(t)
	prot := hcert.MarshalProtected(hcert.ES256, testKID)
	tests := []struct {
		name   string
		prefix []byte
		want   hcert.Envelope
	}{
		{"tag 18", tag18, hcert.Tagged},
		{"untagged", untagged, hcert.Untagged},
		{"tag 61(18)", tag61_18, hcert.CWTTag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := signedCOSE(t, tt.prefix, key, hcert.ES256, prot, emptyMap, payload)
			fromBytes, err := hcert.ParseCOSE(msg)
			if err != nil {
				t.Fatalf("ParseCOSE: %v", err)
			}
			fromText, err := hcert.Decode(hcert.Encode(msg))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			for form, m := range map[string]*hcert.Message{"bytes": fromBytes, "text": fromText} {
				if m.Envelope != tt.want {
					t.Errorf("%s: Envelope = %v, want %v", form, m.Envelope, tt.want)
				}
				if m.Alg != hcert.ES256 || !bytes.Equal(m.KID, testKID) || !bytes.Equal(m.Payload, payload) {
					t.Errorf("%s: Alg %v KID %x, payload equal %v", form, m.Alg, m.KID, bytes.Equal(m.Payload, payload))
				}
				if err := m.Verify(key.Public()); err != nil {
					t.Errorf("%s: Verify: %v", form, err)
				}
			}
		})
	}
}

func TestBadEnvelopes(t *testing.T) {
	key := ecKeyOnce()
	payload := samplePayload(t)
	prot := hcert.MarshalProtected(hcert.ES256, testKID)
	sig := signRaw(t, key, hcert.ES256, prot, payload)
	body := cose(untagged, prot, emptyMap, payload, sig) // 0x84 …
	elems := body[1:]                                    // the four elements
	bstr := func(b []byte) []byte { return cborx.AppendBytes(nil, b) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	protB, payB, sigB := bstr(prot), bstr(payload), bstr(sig)

	tests := []struct {
		name   string
		in     []byte
		reason credential.Reason
		detail []string
	}{
		{"COSE_Sign tag 98", cat([]byte{0xd8, 0x62}, body), credential.ReasonBadCOSE, []string{"98", "COSE_Sign1"}},
		{"COSE_Mac0 tag 17", cat([]byte{0xd1}, body), credential.ReasonBadCOSE, []string{"17"}},
		{"COSE_Encrypt0 tag 16", cat([]byte{0xd0}, body), credential.ReasonBadCOSE, []string{"16"}},
		{"COSE_Encrypt tag 96", cat([]byte{0xd8, 0x60}, body), credential.ReasonBadCOSE, []string{"96"}},
		{"COSE_Mac tag 97", cat([]byte{0xd8, 0x61}, body), credential.ReasonBadCOSE, []string{"97"}},
		{"epoch tag 1", cat([]byte{0xc1}, body), credential.ReasonBadCOSE, []string{"tag 1"}},
		{"tag 61 around untagged", cat([]byte{0xd8, 0x3d}, body), credential.ReasonBadCOSE, []string{"61"}},
		{"tag 61 around tag 98", cat([]byte{0xd8, 0x3d, 0xd8, 0x62}, body), credential.ReasonBadCOSE, []string{"61"}},
		{"tag 18 twice", cat([]byte{0xd2, 0xd2}, body), credential.ReasonBadCOSE, nil},
		{"array of 3", cat([]byte{0xd2, 0x83}, protB, emptyMap, payB), credential.ReasonBadCOSE, []string{"3 elements"}},
		{"array of 5", cat([]byte{0xd2, 0x85}, elems, []byte{0x40}), credential.ReasonBadCOSE, []string{"5 elements"}},
		{"array of 0", []byte{0xd2, 0x80}, credential.ReasonBadCOSE, []string{"0 elements"}},
		{"map instead of array", cat([]byte{0xd2, 0xa2}, protB, emptyMap, payB, sigB), credential.ReasonBadCOSE, []string{"array"}},
		{"trailing byte", cat(tag18, body, []byte{0x00}), credential.ReasonBadCOSE, []string{"follow"}},
		{"detached payload", cat([]byte{0xd2, 0x84}, protB, emptyMap, []byte{0xf6}, sigB), credential.ReasonBadCOSE, []string{"detached"}},
		{"payload as text", cat([]byte{0xd2, 0x84}, protB, emptyMap, cborx.AppendText(nil, "x"), sigB), credential.ReasonBadCOSE, []string{"payload"}},
		{"signature as text", cat([]byte{0xd2, 0x84}, protB, emptyMap, payB, cborx.AppendText(nil, "sig")), credential.ReasonBadCOSE, []string{"signature"}},
		{"protected header as a map", cat([]byte{0xd2, 0x84}, prot, emptyMap, payB, sigB), credential.ReasonBadCOSE, []string{"protected"}},
		{"protected header not a map", cat([]byte{0xd2, 0x84}, bstr([]byte{0x01}), emptyMap, payB, sigB), credential.ReasonBadCOSE, []string{"protected"}},
		{"protected header with trailing bytes", cat([]byte{0xd2, 0x84}, bstr(append(bytes.Clone(prot), 0x00)), emptyMap, payB, sigB), credential.ReasonBadCOSE, []string{"protected"}},
		{"unprotected header as bytes", cat([]byte{0xd2, 0x84}, protB, []byte{0x40}, payB, sigB), credential.ReasonBadCOSE, []string{"unprotected"}},
		{"empty", nil, credential.ReasonBadCBOR, nil},
		{"tag only", []byte{0xd2}, credential.ReasonBadCBOR, nil},
		{"truncated", cat(tag18, body)[:len(body)/2], credential.ReasonBadCBOR, nil},
		{"truncated signature", cat(tag18, body)[:len(body)], credential.ReasonBadCBOR, nil},
		{"indefinite array", cat([]byte{0xd2, 0x9f}, elems, []byte{0xff}), credential.ReasonBadCBOR, nil},
		{"indefinite unprotected map", cat([]byte{0xd2, 0x84}, protB, []byte{0xbf, 0xff}, payB, sigB), credential.ReasonBadCBOR, nil},
		{"indefinite payload bytes", cat([]byte{0xd2, 0x84}, protB, emptyMap, []byte{0x5f}, payB, []byte{0xff}, sigB), credential.ReasonBadCBOR, nil},
		{"indefinite signature bytes", cat([]byte{0xd2, 0x84}, protB, emptyMap, payB, []byte{0x5f}, sigB, []byte{0xff}), credential.ReasonBadCBOR, nil},
		{"indefinite protected bytes", cat([]byte{0xd2, 0x84, 0x5f}, protB, []byte{0xff}, emptyMap, payB, sigB), credential.ReasonBadCBOR, nil},
		{"reserved additional information", []byte{0xd2, 0x9c}, credential.ReasonBadCBOR, nil},
		{"array count beyond data", []byte{0xd2, 0x9a, 0xff, 0xff, 0xff, 0xff}, credential.ReasonBadCBOR, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := hcert.ParseCOSE(tt.in)
			if m != nil {
				t.Errorf("ParseCOSE returned a message with an error")
			}
			wantReason(t, err, tt.reason)
			wantDetail(t, err, tt.detail...)
			if strings.Contains(tt.name, "COSE_Sign ") && !coseSignRE.MatchString(err.Error()) {
				t.Errorf("error %q does not name COSE_Sign (as opposed to COSE_Sign1)", err)
			}

			// The same bytes, carried as HC1 text, fail the same way.
			_, err = hcert.Decode(hc1(hcert.Compress(tt.in)))
			wantReason(t, err, tt.reason)
		})
	}
}

func TestHeaders(t *testing.T) {
	ec, rk := ecKeyOnce(), rsaKeyOnce()
	kidA := testKID
	kidB := []byte{0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7}
	payload := samplePayload(t)

	deep := bytes.Repeat([]byte{0x81}, 17)
	deep = append(deep, 0x01)
	indefProt := append([]byte{0xbf, 0x01, 0x26, 0x04}, cborx.AppendBytes(nil, kidA)...)
	indefProt = append(indefProt, 0xff)

	type verdict struct {
		parse, check, verify credential.Reason // "" means success
	}
	tests := []struct {
		name          string
		protected     []byte
		unprotected   []byte
		key           crypto.Signer // signs; its public key verifies
		signAlg       hcert.Algorithm
		wantAlg       hcert.Algorithm
		wantUnprotAlg hcert.Algorithm
		wantKID       []byte
		wantKIDUnprot bool
		want          verdict
		detail        []string
	}{
		{name: "kid in protected header",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantKID: kidA},
		{name: "kid in both headers: protected wins",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(4, kidB), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantKID: kidA},
		{name: "kid in both headers, unprotected first in map order",
			protected: header(4, kidA, 1, hcert.ES256), unprotected: header(4, kidB, 1, hcert.ES256), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantUnprotAlg: hcert.ES256, wantKID: kidA},
		{name: "kid in unprotected header only",
			protected: header(1, hcert.ES256), unprotected: header(4, kidB), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantKID: kidB, wantKIDUnprot: true},
		{name: "empty protected header, alg and kid unprotected (ES256)",
			protected: nil, unprotected: header(1, hcert.ES256, 4, kidA), key: ec, signAlg: hcert.ES256,
			wantUnprotAlg: hcert.ES256, wantKID: kidA, wantKIDUnprot: true},
		{name: "empty protected map, alg and kid unprotected (ES256)",
			protected: emptyMap, unprotected: header(1, hcert.ES256, 4, kidA), key: ec, signAlg: hcert.ES256,
			wantUnprotAlg: hcert.ES256, wantKID: kidA, wantKIDUnprot: true},
		{name: "empty protected header, alg and kid unprotected (PS256)",
			protected: nil, unprotected: header(1, hcert.PS256, 4, kidA), key: rk, signAlg: hcert.PS256,
			wantUnprotAlg: hcert.PS256, wantKID: kidA, wantKIDUnprot: true},
		{name: "no alg anywhere: ES256 from a P-256 key",
			protected: nil, unprotected: header(4, kidA), key: ec, signAlg: hcert.ES256,
			wantKID: kidA, wantKIDUnprot: true},
		{name: "no alg anywhere: PS256 from an RSA key",
			protected: header(4, kidA), unprotected: header(), key: rk, signAlg: hcert.PS256,
			wantKID: kidA},
		{name: "empty protected, unprotected PS256 but P-256 key",
			protected: nil, unprotected: header(1, hcert.PS256, 4, kidA), key: ec, signAlg: hcert.ES256,
			wantUnprotAlg: hcert.PS256, wantKID: kidA, wantKIDUnprot: true,
			want: verdict{verify: credential.ReasonUnsupportedAlg}},
		{name: "empty protected, unprotected ES256 but RSA key",
			protected: nil, unprotected: header(1, hcert.ES256, 4, kidA), key: rk, signAlg: hcert.PS256,
			wantUnprotAlg: hcert.ES256, wantKID: kidA, wantKIDUnprot: true,
			want: verdict{verify: credential.ReasonUnsupportedAlg}},
		{name: "unprotected alg contradicts protected alg",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(1, hcert.PS256), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantUnprotAlg: hcert.PS256, wantKID: kidA,
			want:   verdict{check: credential.ReasonUnsupportedAlg, verify: credential.ReasonUnsupportedAlg},
			detail: []string{"PS256", "ES256"}},
		{name: "unprotected alg repeats protected alg",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(1, hcert.ES256), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantUnprotAlg: hcert.ES256, wantKID: kidA},
		{name: "positive alg 7 in unprotected header",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(1, 7), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantUnprotAlg: 7, wantKID: kidA,
			want:   verdict{check: credential.ReasonUnsupportedAlg, verify: credential.ReasonUnsupportedAlg},
			detail: []string{"alg(7)"}},
		{name: "positive alg 7 in unprotected header, empty protected",
			protected: nil, unprotected: header(1, 7, 4, kidA), key: ec, signAlg: hcert.ES256,
			wantUnprotAlg: 7, wantKID: kidA, wantKIDUnprot: true,
			want:   verdict{check: credential.ReasonUnsupportedAlg, verify: credential.ReasonUnsupportedAlg},
			detail: []string{"alg(7)"}},
		{name: "unprotected alg 0",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(1, 0), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonUnsupportedAlg}},
		{name: "unprotected alg as text",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(1, "ES256"), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCOSE}},
		{name: "protected alg as text",
			protected: header(1, "ES256", 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonUnsupportedAlg}, detail: []string{"ES256"}},
		{name: "protected alg EdDSA",
			protected: header(1, -8, 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			wantAlg: -8, wantKID: kidA,
			want: verdict{check: credential.ReasonUnsupportedAlg, verify: credential.ReasonUnsupportedAlg}},
		{name: "protected alg positive 7",
			protected: header(1, 7, 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			wantAlg: 7, wantKID: kidA,
			want: verdict{check: credential.ReasonUnsupportedAlg, verify: credential.ReasonUnsupportedAlg}},
		{name: "protected ES384 with a P-256 key",
			protected: header(1, hcert.ES384, 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES384, wantKID: kidA,
			want: verdict{verify: credential.ReasonBadSignature}},
		{name: "text kid in protected header",
			protected: header(1, hcert.ES256, 4, "kid-1"), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCOSE}, detail: []string{"kid-1", "text"}},
		{name: "text kid in unprotected header",
			protected: header(1, hcert.ES256), unprotected: header(4, "kid-1"), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCOSE}, detail: []string{"text"}},
		{name: "empty kid",
			protected: header(1, hcert.ES256, 4, []byte{}), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCOSE}, detail: []string{"empty"}},
		{name: "integer kid",
			protected: header(1, hcert.ES256, 4, 12), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCOSE}},
		{name: "duplicate alg in protected header",
			protected: header(1, hcert.ES256, 1, hcert.ES256, 4, kidA), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}, detail: []string{"duplicate"}},
		{name: "duplicate kid in protected header",
			protected: header(1, hcert.ES256, 4, kidA, 4, kidB), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}, detail: []string{"duplicate"}},
		{name: "duplicate kid in unprotected header",
			protected: header(1, hcert.ES256), unprotected: header(4, kidA, 4, kidB), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}, detail: []string{"duplicate"}},
		{name: "duplicate text label in protected header",
			protected: header(1, hcert.ES256, 4, kidA, "x", 1, "x", 2), unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}, detail: []string{"duplicate"}},
		{name: "distinct text labels",
			protected: header(1, hcert.ES256, 4, kidA, "x", 1, "y", 2), unprotected: header("x", 1), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantKID: kidA},
		{name: "other labels are skipped",
			protected:   header(1, hcert.ES256, 3, "application/cbor", 33, raw{0x82, 0x01, 0x81, 0x02}, 4, kidA),
			unprotected: header(5, []byte{1, 2, 3}, -70000, raw{0xa1, 0x01, 0x02}), key: ec, signAlg: hcert.ES256,
			wantAlg: hcert.ES256, wantKID: kidA},
		{name: "indefinite map in protected header",
			protected: indefProt, unprotected: header(), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}},
		{name: "header value nested deeper than 16",
			protected: header(1, hcert.ES256, 4, kidA), unprotected: header(33, raw(deep)), key: ec, signAlg: hcert.ES256,
			want: verdict{parse: credential.ReasonBadCBOR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := signedCOSE(t, tag18, tt.key, tt.signAlg, tt.protected, tt.unprotected, payload)
			m, err := hcert.ParseCOSE(msg)
			if tt.want.parse != "" {
				wantReason(t, err, tt.want.parse)
				wantDetail(t, err, tt.detail...)
				return
			}
			if err != nil {
				t.Fatalf("ParseCOSE: %v", err)
			}
			if m.Alg != tt.wantAlg || m.UnprotectedAlg != tt.wantUnprotAlg {
				t.Errorf("Alg = %v, UnprotectedAlg = %v; want %v, %v", m.Alg, m.UnprotectedAlg, tt.wantAlg, tt.wantUnprotAlg)
			}
			if !bytes.Equal(m.KID, tt.wantKID) || m.KIDUnprotected != tt.wantKIDUnprot {
				t.Errorf("KID = %x (unprotected %v), want %x (unprotected %v)", m.KID, m.KIDUnprotected, tt.wantKID, tt.wantKIDUnprot)
			}
			if !bytes.Equal(m.Protected, tt.protected) {
				t.Errorf("Protected = %x, want the signed bytes %x", m.Protected, tt.protected)
			}
			err = m.CheckAlg()
			if tt.want.check != "" {
				wantReason(t, err, tt.want.check)
				wantDetail(t, err, tt.detail...)
			} else if err != nil {
				t.Errorf("CheckAlg: %v", err)
			}
			err = m.Verify(tt.key.Public())
			if tt.want.verify != "" {
				wantReason(t, err, tt.want.verify)
				wantDetail(t, err, tt.detail...)
			} else if err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// With no alg in the protected header the algorithm comes from the key,
// and a digest cannot be computed without a key.
func TestAlgorithmFor(t *testing.T) {
	m := &hcert.Message{}
	tests := []struct {
		pub    crypto.PublicKey
		want   hcert.Algorithm
		reason credential.Reason
	}{
		{ecKeyOnce().Public(), hcert.ES256, ""},
		{p384Once().Public(), hcert.ES384, ""},
		{rsaKeyOnce().Public(), hcert.PS256, ""},
		{nil, 0, credential.ReasonBadSignature},
		{"not a key", 0, credential.ReasonBadSignature},
	}
	for _, tt := range tests {
		alg, err := m.AlgorithmFor(tt.pub)
		if tt.reason != "" {
			wantReason(t, err, tt.reason)
			continue
		}
		if err != nil || alg != tt.want {
			t.Errorf("AlgorithmFor(%T) = (%v, %v), want %v", tt.pub, alg, err, tt.want)
		}
	}
	if _, err := m.Digest(); err == nil {
		t.Errorf("Digest() with no protected alg succeeded")
	} else {
		wantReason(t, err, credential.ReasonUnsupportedAlg)
	}
	m.Alg = hcert.PS256
	if alg, err := m.AlgorithmFor(ecKeyOnce().Public()); err != nil || alg != hcert.PS256 {
		t.Errorf("AlgorithmFor with protected PS256 = (%v, %v), want the protected alg", alg, err)
	}
}

func TestSignatureSize(t *testing.T) {
	ec, rk := ecKeyOnce(), rsaKeyOnce()
	payload := samplePayload(t)
	tests := []struct {
		name string
		key  crypto.Signer
		alg  hcert.Algorithm
		sig  []byte
	}{
		{"3-byte ES256 signature", ec, hcert.ES256, []byte{1, 2, 3}},
		{"empty ES256 signature", ec, hcert.ES256, nil},
		{"63-byte ES256 signature", ec, hcert.ES256, make([]byte, 63)},
		{"65-byte ES256 signature", ec, hcert.ES256, make([]byte, 65)},
		{"zero ES256 signature", ec, hcert.ES256, make([]byte, 64)},
		{"DER ES256 signature", ec, hcert.ES256, append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 66)...)},
		{"3-byte PS256 signature", rk, hcert.PS256, []byte{1, 2, 3}},
		{"zero PS256 signature", rk, hcert.PS256, make([]byte, 256)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prot := hcert.MarshalProtected(tt.alg, testKID)
			m, err := hcert.ParseCOSE(cose(tag18, prot, emptyMap, payload, tt.sig))
			if err != nil {
				t.Fatalf("ParseCOSE: %v", err)
			}
			wantReason(t, m.Verify(tt.key.Public()), credential.ReasonBadSignature)
		})
	}
}
