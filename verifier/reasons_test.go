package verifier_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// hc1 wraps bytes, zlib-compressed, in Base45 and the HC1: prefix.
func hc1(cose []byte) string { return hcert.Encode(cose) }

// hc1Raw wraps bytes in Base45 and the prefix without compressing them.
func hc1Raw(b []byte) string { return hcert.Prefix + base45.EncodeToString(b) }

func blankPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(100, 100, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEveryReason produces each reason code the verifier can give for
// HCERT. Content failures are signed with a federation member's genuine
// key, so the signature is valid and only the content is wrong.
func TestEveryReason(t *testing.T) {
	gb, nz := fedMember(t, "GB"), fedMember(t, "NZ")
	trust := fedTrust(t)
	v := newVerifier(t, trust)
	vacc := credential.TypeVaccination
	good := claims(t, gb, vacc, iat0, iat0.AddDate(0, 1, 0))
	validText := signText(t, gb, good)
	validCOSE := signCOSE(t, gb, good)

	shcText, shcV := shcWithoutRevocationList(t)
	tamperedSig := bytes.Clone(validCOSE)
	tamperedSig[len(tamperedSig)-1] ^= 0x01

	schemaBad := testvectors.SamplePayload(vacc, "GB")
	schemaBad.DateOfBirth = "31.12.1990"
	schemaDCC, err := hcert.MarshalDCC(schemaBad)
	if err != nil {
		t.Fatal(err)
	}
	dcc := dccOf(t, vacc, "GB")
	hcertClaim := append([]byte{0xa1, 0x01}, dcc...)
	exp := iat0.AddDate(0, 1, 0).Unix()
	iat := iat0.Unix()

	// Keys that change one property of GB's genuine key.
	testOnly := trustlist.NewStatic(withKey(gb.TrustKey, func(k *trustlist.Key) { k.Usage = trustlist.UsageTest }))
	revoked := trustlist.NewStatic(withKey(gb.TrustKey, func(k *trustlist.Key) {
		k.Revoked, k.RevokedAt, k.RevocationReason = true, iat0.Add(30*time.Minute), "key compromise"
	}))

	gbProt := hcert.MarshalProtected(hcert.ES256, gb.TrustKey.KID)
	tests := []struct {
		name   string
		reason credential.Reason
		text   string
		image  []byte
		v      *verifier.Verifier
		detail string
	}{
		{name: "unknown prefix", reason: credential.ReasonBadPrefix, text: "XYZ:1234"},
		{name: "empty input", reason: credential.ReasonBadPrefix, text: ""},
		{name: "later HCERT version", reason: credential.ReasonBadPrefix, text: "HC2:" + validText[4:], detail: "HC2:"},
		{name: "SMART Health Link (not a credential format)", reason: credential.ReasonBadPrefix, text: "shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0"},
		{name: "SMART Health Card", reason: credential.ReasonBadClaims, text: "shc:/5676290952432060346029243740"},
		{name: "VDS-NC JSON", reason: credential.ReasonBadClaims, text: `{"data":{},"sig":{}}`},
		{name: "character outside Base45", reason: credential.ReasonBadBase45, text: validText[:20] + "#" + validText[21:]},
		{name: "prefix alone", reason: credential.ReasonBadBase45, text: "HC1:"},
		{name: "not zlib", reason: credential.ReasonBadCompression, text: hc1Raw(validCOSE)},
		{name: "truncated zlib", reason: credential.ReasonBadCompression, text: hc1Raw(hcert.Compress(validCOSE)[:40])},
		{name: "text over 8 KiB", reason: credential.ReasonTooLarge, text: "HC1:" + strings.Repeat("0", 9000)},
		{name: "text over a lowered limit", reason: credential.ReasonTooLarge, text: validText, v: newVerifier(t, trust, verifier.WithMaxTextLen(len(validText)-1))},
		{name: "inflated over a lowered limit", reason: credential.ReasonTooLarge, text: validText, v: newVerifier(t, trust, verifier.WithMaxInflated(len(validCOSE)-1))},
		{name: "COSE_Sign", reason: credential.ReasonBadCOSE, text: hc1(append([]byte{0xd8, 0x62}, validCOSE[1:]...)), detail: "COSE_Sign "},
		{name: "text kid", reason: credential.ReasonBadCOSE, text: craftText(t, gb, hmap(1, hcert.ES256, 4, "GB-DSC-1"), hmap(), good)},
		{name: "indefinite-length envelope", reason: credential.ReasonBadCBOR, text: hc1(append(append([]byte{0xd2, 0x9f}, validCOSE[2:]...), 0xff))},
		{name: "duplicate claim (signed)", reason: credential.ReasonBadCBOR, text: signText(t, gb, hmap(1, "GB", 1, "GB", 4, exp, 6, iat, -260, rawCBOR(hcertClaim)))},
		{name: "iss not text (signed)", reason: credential.ReasonBadClaims, text: signText(t, gb, hmap(1, 826, 4, exp, 6, iat, -260, rawCBOR(hcertClaim)))},
		{name: "no hcert claim (signed)", reason: credential.ReasonBadClaims, text: signText(t, gb, hmap(1, "GB", 4, exp, 6, iat))},
		{name: "no iat (signed)", reason: credential.ReasonBadClaims, text: signText(t, gb, hmap(1, "GB", 4, exp, -260, rawCBOR(hcertClaim))), detail: "iat"},
		{name: "no exp (signed)", reason: credential.ReasonBadClaims, text: signText(t, gb, hmap(1, "GB", 6, iat, -260, rawCBOR(hcertClaim))), detail: "exp"},
		{name: "schema (signed)", reason: credential.ReasonSchema, text: signText(t, gb, hcert.MarshalClaims("GB", iat0, iat0.AddDate(0, 1, 0), schemaDCC)), detail: "dob"},
		{name: "DCC is not a map (signed)", reason: credential.ReasonSchema, text: signText(t, gb, hcert.MarshalClaims("GB", iat0, iat0.AddDate(0, 1, 0), []byte{0x81, 0x01}))},
		{name: "EdDSA", reason: credential.ReasonUnsupportedAlg, text: craftText(t, gb, hmap(1, -8, 4, gb.TrustKey.KID), hmap(), good)},
		{name: "unprotected alg contradicts", reason: credential.ReasonUnsupportedAlg, text: craftText(t, gb, gbProt, hmap(1, hcert.PS256), good)},
		{name: "unprotected PS256 for an EC key", reason: credential.ReasonUnsupportedAlg, text: craftText(t, gb, nil, hmap(1, hcert.PS256, 4, gb.TrustKey.KID), good)},
		{name: "unknown kid", reason: credential.ReasonUnknownKey, text: hcert.Encode(signCOSEKID(t, gb, []byte("unknown!"), good))},
		{name: "no kid", reason: credential.ReasonUnknownKey, text: craftText(t, gb, hmap(1, hcert.ES256), hmap(), good)},
		{name: "signature tampered", reason: credential.ReasonBadSignature, text: hc1(tamperedSig)},
		{name: "signed by another member under GB's kid", reason: credential.ReasonBadSignature, text: hcert.Encode(signCOSEKID(t, nz, gb.TrustKey.KID, good))},
		{name: "3-byte signature", reason: credential.ReasonBadSignature, text: hc1(append(bytes.Clone(validCOSE[:len(validCOSE)-66]), 0x43, 1, 2, 3))},
		{name: "type outside key usage", reason: credential.ReasonKeyUsage, text: validText, v: newVerifier(t, testOnly)},
		{name: "issued before the DSC", reason: credential.ReasonKeyNotValid, text: signText(t, gb, claims(t, gb, vacc, gb.DSC.NotBefore.Add(-time.Second), iat0.AddDate(0, 1, 0)))},
		{name: "expired", reason: credential.ReasonExpired, text: signText(t, gb, claims(t, gb, vacc, iat0, vnow.Add(-time.Hour)))},
		{name: "not yet valid", reason: credential.ReasonNotYetValid, text: signText(t, gb, claims(t, gb, vacc, vnow.Add(time.Hour), vnow.AddDate(0, 1, 0)))},
		{name: "key revoked", reason: credential.ReasonKeyRevoked, text: validText, v: newVerifier(t, revoked), detail: "key compromise"},
		{name: "SHC key needs a rid list that is missing", reason: credential.ReasonRevocationUnavailable, text: shcText, v: shcV},
		{name: "keyboard layout damage (HC1; for HC1:)", reason: credential.ReasonInputMangled, text: strings.Replace(validText, "HC1:", "HC1;", 1), detail: "layout"},
		{name: "credential revoked", reason: credential.ReasonRevoked, text: validText, detail: "UCI", v: newVerifier(t, revokeAll{trust})},
		{name: "trust list expired", reason: credential.ReasonTrustStale, text: validText, detail: "expired",
			v: newVerifier(t, statusSource{trust, trustlist.Status{Freshness: trustlist.FreshnessStale, Expired: true, ExpiresAt: vnow.Add(-time.Hour)}})},
		{name: "trust list older than the allowed age", reason: credential.ReasonTrustStale, text: validText, detail: "old",
			v: newVerifier(t, statusSource{trust, trustlist.Status{Freshness: trustlist.FreshnessStale, Age: 72 * time.Hour}}, verifier.WithMaxTrustAge(48*time.Hour))},
		{name: "clock before the trust list", reason: credential.ReasonSuspectClock, text: validText, detail: "clock",
			v: newVerifier(t, statusSource{trust, trustlist.Status{Freshness: trustlist.FreshnessFresh, SuspectClock: true, IssuedAt: vnow.Add(time.Hour)}})},
		{name: "not an image", reason: credential.ReasonBadImage, image: []byte("not an image")},
		{name: "image without a code", reason: credential.ReasonBadImage, image: blankPNG(t)},
	}
	produced := map[credential.Reason]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vv := v
			if tt.v != nil {
				vv = tt.v
			}
			var verr *verifier.Error
			var res *verifier.Result
			if tt.image != nil {
				res, verr = verifyImage(t, vv, tt.image)
			} else {
				res, verr = verify(t, vv, tt.text)
			}
			if verr == nil {
				t.Fatalf("valid (%s %s), want %s", res.Country, res.Credential.Type, tt.reason)
			}
			if verr.Reason != tt.reason {
				t.Fatalf("reason = %s (%v), want %s", verr.Reason, verr, tt.reason)
			}
			if got, want := verr.Class(), classNames[tt.reason.Class()]; got != want {
				t.Errorf("Class() = %q, want %q", got, want)
			}
			if tt.detail != "" && !strings.Contains(verr.Error(), tt.detail) {
				t.Errorf("error %q does not mention %q", verr, tt.detail)
			}
			produced[tt.reason] = true
		})
	}
	for _, r := range credential.Reasons() {
		if !produced[r] {
			t.Errorf("no case produced reason %s", r)
		}
	}
	// The reasons' classes are those DESIGN.md gives.
	wantClass := map[credential.Reason]error{
		credential.ReasonBadPrefix: verifier.ErrMalformed, credential.ReasonBadBase45: verifier.ErrMalformed,
		credential.ReasonBadCompression: verifier.ErrMalformed, credential.ReasonTooLarge: verifier.ErrMalformed,
		credential.ReasonBadCOSE: verifier.ErrMalformed, credential.ReasonBadCBOR: verifier.ErrMalformed,
		credential.ReasonBadClaims: verifier.ErrMalformed, credential.ReasonSchema: verifier.ErrMalformed,
		credential.ReasonBadImage: verifier.ErrMalformed, credential.ReasonUnsupportedAlg: verifier.ErrUntrusted,
		credential.ReasonInputMangled: verifier.ErrMalformed,
		credential.ReasonUnknownKey:   verifier.ErrUntrusted, credential.ReasonBadSignature: verifier.ErrUntrusted,
		credential.ReasonKeyUsage: verifier.ErrUntrusted, credential.ReasonKeyNotValid: verifier.ErrUntrusted,
		credential.ReasonTrustStale: verifier.ErrUntrusted, credential.ReasonSuspectClock: verifier.ErrUntrusted,
		credential.ReasonExpired: verifier.ErrExpired, credential.ReasonNotYetValid: verifier.ErrExpired,
		credential.ReasonKeyRevoked: verifier.ErrRevoked, credential.ReasonRevoked: verifier.ErrRevoked,
		credential.ReasonRevocationUnavailable: verifier.ErrUntrusted,
	}
	for r, class := range wantClass {
		if r.Class() != class {
			t.Errorf("%s.Class() = %v, want %v", r, r.Class(), class)
		}
	}
}

// statusSource is a trust source whose status is fixed.
type statusSource struct {
	trustlist.Source
	st trustlist.Status
}

func (s statusSource) Status(time.Time) trustlist.Status { return s.st }

func TestTrustAgeWithinLimit(t *testing.T) {
	gb := fedMember(t, "GB")
	text := signText(t, gb, claims(t, gb, credential.TypeVaccination, iat0, iat0.AddDate(0, 1, 0)))
	src := statusSource{fedTrust(t), trustlist.Status{Freshness: trustlist.FreshnessStale, Age: 47 * time.Hour}}
	res, err := newVerifier(t, src, verifier.WithMaxTrustAge(48*time.Hour)).Verify(text)
	if err != nil {
		t.Fatalf("47h-old list with a 48h limit: %v", err)
	}
	if res.Trust.Freshness != trustlist.FreshnessStale || res.Trust.Age != 47*time.Hour {
		t.Errorf("result trust %+v, want stale with its age", res.Trust)
	}
}

// revokeAll is a trust source whose revocation list holds every credential.
type revokeAll struct{ trustlist.Source }

func (revokeAll) Revoked(credential.Format, []byte, trustlist.CredentialHashes) (string, bool) {
	return trustlist.HashUCI, true
}
