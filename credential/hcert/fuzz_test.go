package hcert_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
)

// knownReasons are the reasons the HCERT codec may give.
var knownReasons = map[credential.Reason]bool{
	credential.ReasonBadPrefix: true, credential.ReasonBadBase45: true, credential.ReasonBadCompression: true,
	credential.ReasonTooLarge: true, credential.ReasonBadCOSE: true, credential.ReasonBadCBOR: true,
	credential.ReasonBadClaims: true, credential.ReasonSchema: true, credential.ReasonUnsupportedAlg: true,
	credential.ReasonBadSignature: true,
}

func checkErr(t *testing.T, stage string, err error) {
	t.Helper()
	var ce *credential.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: error %v (%T) is not a *credential.Error", stage, err, err)
	}
	if !knownReasons[ce.Reason] {
		t.Fatalf("%s: unexpected reason %q (%v)", stage, ce.Reason, err)
	}
	if !errors.Is(err, ce.Reason.Class()) {
		t.Fatalf("%s: errors.Is(err, class) = false for %v", stage, err)
	}
}

// seedMessages returns genuine COSE messages in every envelope form.
func seedMessages(t testing.TB) [][]byte {
	payload := samplePayload(t)
	es, err := hcert.Sign(nil, ecKeyOnce(), hcert.ES256, testKID, payload)
	if err != nil {
		t.Fatal(err)
	}
	prot := hcert.MarshalProtected(hcert.ES256, testKID)
	sig := signRaw(t, ecKeyOnce(), hcert.ES256, prot, payload)
	return [][]byte{
		es,
		cose(untagged, prot, emptyMap, payload, sig),
		cose(tag61_18, prot, emptyMap, payload, sig),
		cose(tag18, nil, header(1, hcert.ES256, 4, testKID), payload, signRaw(t, ecKeyOnce(), hcert.ES256, nil, payload)),
	}
}

func FuzzDecode(f *testing.F) {
	for _, msg := range seedMessages(f) {
		f.Add(hcert.Encode(msg))
	}
	valid := validText(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add("")
	f.Add("HC1:")
	f.Add("HC2:" + valid[4:])
	f.Add("HC1:" + "NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IU")
	f.Add(hc1(hcert.Compress([]byte{0xd8, 0x62, 0x84, 0x40, 0xa0, 0x40, 0x40})))
	pub := ecKeyOnce().Public()
	f.Fuzz(func(t *testing.T, text string) {
		m, err := hcert.Decode(text)
		if err != nil {
			if m != nil {
				t.Fatal("Decode returned a message and an error")
			}
			checkErr(t, "Decode", err)
			return
		}
		if err := m.CheckAlg(); err != nil {
			checkErr(t, "CheckAlg", err)
		}
		if err := m.Verify(pub); err != nil {
			checkErr(t, "Verify", err)
		}
		c, err := hcert.ParseClaims(m.Payload)
		if err != nil {
			checkErr(t, "ParseClaims", err)
			return
		}
		if c.DCC == nil {
			t.Fatal("ParseClaims succeeded without a DCC")
		}
		tree, err := hcert.DecodeDCC(c.DCC)
		if err != nil {
			checkErr(t, "DecodeDCC", err)
			return
		}
		_ = credential.ValidateDCC(tree)
		_, _ = credential.ParseDCC(tree)
	})
}

func FuzzParseCOSE(f *testing.F) {
	for _, msg := range seedMessages(f) {
		f.Add(msg)
		f.Add(msg[:len(msg)-1])
	}
	f.Add([]byte{})
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Add([]byte{0xd8, 0x62, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Add([]byte{0xd2, 0x9f, 0x40, 0xa0, 0x40, 0x40, 0xff})
	f.Add(samplePayload(f))
	pub := ecKeyOnce().Public()
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		m, err := hcert.ParseCOSE(b)
		if !bytes.Equal(b, orig) {
			t.Fatal("ParseCOSE modified its input")
		}
		if err != nil {
			if m != nil {
				t.Fatal("ParseCOSE returned a message and an error")
			}
			checkErr(t, "ParseCOSE", err)
			return
		}
		// The message's slices alias the input.
		for name, s := range map[string][]byte{"protected": m.Protected, "payload": m.Payload, "signature": m.Signature, "kid": m.KID} {
			if len(s) > 0 && !within(s, b) {
				t.Fatalf("%s does not alias the input", name)
			}
		}
		if err := m.Verify(pub); err != nil {
			checkErr(t, "Verify", err)
		}
		if _, err := m.AlgorithmFor(nil); err == nil && m.Alg == 0 {
			t.Fatal("AlgorithmFor(nil) succeeded without a protected alg")
		}
		c, err := hcert.ParseClaims(m.Payload)
		if err != nil {
			checkErr(t, "ParseClaims", err)
			return
		}
		if _, err := hcert.DecodeDCC(c.DCC); err != nil {
			checkErr(t, "DecodeDCC", err)
		}
	})
}

// within reports whether s lies inside b's memory.
func within(s, b []byte) bool {
	for i := range b {
		if &b[i] == &s[0] {
			return len(s) <= len(b)-i
		}
	}
	return false
}
