package nzcp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
)

// claimsText signs claims with the sample headers.
func claimsText(t testing.TB, claims omap) string {
	return signedText(t, sampleProtected(), emptyMap, enc(claims))
}

// vcText signs the sample claims with vc replaced.
func vcText(t testing.TB, vc any) string {
	return claimsText(t, sampleClaims().with("vc", vc))
}

// subjectText signs the sample claims with credentialSubject replaced.
func subjectText(t testing.TB, s any) string {
	return vcText(t, sampleVC().with("credentialSubject", s))
}

func TestDecodeBadInput(t *testing.T) {
	valid := sampleText(t)
	b32 := strings.TrimPrefix(valid, nzcp.Prefix)
	prot := sampleProtected()
	payload := enc(sampleClaims())
	sig := es256(t, key1Once(), prot, payload)
	// A base32 body whose length is not a multiple of 8, for padding.
	unpadded := text([]byte{0xd2, 0x84, 0x40})[len(nzcp.Prefix):]

	tests := []struct {
		name   string
		text   string
		reason credential.Reason
		detail string // a substring of the error text
	}{
		// Prefix.
		{"empty", "", credential.ReasonBadPrefix, `does not start with "NZCP:/1/"`},
		{"prefix only", nzcp.Prefix, credential.ReasonBadCOSE, "no data after the prefix"},
		{"major version 2", "NZCP:/2/" + b32, credential.ReasonBadPrefix, `version "2"`},
		{"major version 10", "NZCP:/10/" + b32, credential.ReasonBadPrefix, `version "10"`},
		{"no version", "NZCP://" + b32, credential.ReasonBadPrefix, "version number"},
		{"lower-case prefix", "nzcp:/1/" + b32, credential.ReasonBadPrefix, "does not start"},
		{"HC1 text", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IU", credential.ReasonBadPrefix, "does not start"},
		{"too long", nzcp.Prefix + strings.Repeat("A", nzcp.MaxTextLen), credential.ReasonTooLarge, "limit"},

		// Base32.
		{"lower-case base32", nzcp.Prefix + strings.ToLower(b32), credential.ReasonBadCOSE, "lower-case"},
		{"padding present", nzcp.Prefix + unpadded + strings.Repeat("=", (8-len(unpadded)%8)%8), credential.ReasonBadCOSE, "padding"},
		{"character outside the alphabet", nzcp.Prefix + "1" + b32[1:], credential.ReasonBadCOSE, "not in the base32 alphabet"},
		{"trailing newline", valid + "\n", credential.ReasonBadCOSE, "not in the base32 alphabet"},
		{"impossible length", nzcp.Prefix + b32 + "A", credential.ReasonBadCOSE, "cannot be unpadded base32"},
		{"non-zero unused bits", nzcp.Prefix + "2MCA" + "B", credential.ReasonBadCOSE, "unused bits"},

		// COSE envelope.
		{"untagged COSE", text(cose(untagged, prot, emptyMap, payload, sig)), credential.ReasonBadCOSE, "untagged"},
		{"tag 61 around 18", text(cose([]byte{0xd8, 0x3d, 0xd2}, prot, emptyMap, payload, sig)), credential.ReasonBadCOSE, "tag 61"},
		{"COSE_Sign (tag 98)", text(cose([]byte{0xd8, 0x62}, prot, emptyMap, payload, sig)), credential.ReasonBadCOSE, "tag 98"},
		{"array of 3", text(append([]byte{0xd2, 0x83}, enc([]any{prot, omap{}, payload})[1:]...)), credential.ReasonBadCOSE, "3 elements"},
		{"indefinite COSE array", text(append(append([]byte{0xd2, 0x9f}, cose(nil, prot, emptyMap, payload, sig)[1:]...), 0xff)), credential.ReasonBadCBOR, "indefinite"},
		{"detached payload", text(append(append(append([]byte{0xd2, 0x84}, enc(prot)...), 0xa0, 0xf6), enc(sig)...)), credential.ReasonBadCOSE, "detached"},
		{"3-byte signature", text(cose(tag18, prot, emptyMap, payload, []byte{1, 2, 3})), credential.ReasonBadCOSE, "3 bytes"},
		{"trailing bytes", text(append(cose(tag18, prot, emptyMap, payload, sig), 0x00)), credential.ReasonBadCOSE, "follow the COSE_Sign1"},
		{"truncated", text(cose(tag18, prot, emptyMap, payload, sig)[:100]), credential.ReasonBadCBOR, "end of data"},

		// Algorithm.
		{"alg PS256", signedText(t, enc(omap{{4, []byte(testKID)}, {1, -37}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "PS256"},
		{"alg ES384", signedText(t, enc(omap{{4, []byte(testKID)}, {1, -35}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "ES384"},
		{"alg 0 (none)", signedText(t, enc(omap{{4, []byte(testKID)}, {1, 0}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "none"},
		{"alg text none", signedText(t, enc(omap{{4, []byte(testKID)}, {1, "none"}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "as text"},
		{"alg text ES256", signedText(t, enc(omap{{4, []byte(testKID)}, {1, "ES256"}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "as text"},
		{"no alg", signedText(t, enc(omap{{4, []byte(testKID)}}), emptyMap, payload), credential.ReasonUnsupportedAlg, "no alg"},
		{"empty protected header", signedText(t, nil, enc(omap{{1, -7}, {4, []byte(testKID)}}), payload), credential.ReasonUnsupportedAlg, "only in the unprotected"},
		{"alg only in unprotected header", signedText(t, enc(omap{{4, []byte(testKID)}}), enc(omap{{1, -7}}), payload), credential.ReasonUnsupportedAlg, "only in the unprotected"},
		{"unprotected alg contradicts", signedText(t, prot, enc(omap{{1, -37}}), payload), credential.ReasonUnsupportedAlg, "contradicts"},

		// Key id.
		{"text kid", signedText(t, enc(omap{{4, testKID}, {1, -7}}), emptyMap, payload), credential.ReasonBadCOSE, "text string"},
		{"no kid", signedText(t, enc(omap{{1, -7}}), emptyMap, payload), credential.ReasonBadCOSE, "no kid"},
		{"kid only in unprotected header", signedText(t, enc(omap{{1, -7}}), enc(omap{{4, []byte(testKID)}}), payload), credential.ReasonBadCOSE, "no kid"},
		{"empty kid", signedText(t, enc(omap{{4, []byte{}}, {1, -7}}), emptyMap, payload), credential.ReasonBadCOSE, "empty"},
		{"kid with #", signedText(t, enc(omap{{4, []byte("a#b")}, {1, -7}}), emptyMap, payload), credential.ReasonBadCOSE, "key reference"},
		{"duplicate protected label", signedText(t, enc(omap{{4, []byte(testKID)}, {1, -7}, {1, -7}}), emptyMap, payload), credential.ReasonBadCBOR, "duplicate"},
		{"bytes after protected map", signedText(t, append(append([]byte(nil), prot...), 0x00), emptyMap, payload), credential.ReasonBadCOSE, "follow the protected"},

		// CWT claims.
		{"missing vc", claimsText(t, sampleClaims().without("vc")), credential.ReasonBadClaims, `"vc"`},
		{"missing iss", claimsText(t, sampleClaims().without(1)), credential.ReasonBadClaims, "iss (1)"},
		{"missing nbf", claimsText(t, sampleClaims().without(5)), credential.ReasonBadClaims, "nbf (5)"},
		{"missing exp", claimsText(t, sampleClaims().without(4)), credential.ReasonBadClaims, "exp (4)"},
		{"missing cti", claimsText(t, sampleClaims().without(7)), credential.ReasonBadClaims, "cti (7)"},
		{"vc under an integer key", claimsText(t, sampleClaims().without("vc").with(-1, sampleVC())), credential.ReasonBadClaims, `"vc"`},
		{"iss not did:web", claimsText(t, sampleClaims().with(1, "https://issuer.example.nz")), credential.ReasonBadClaims, "did:web"},
		{"iss bad did:web", claimsText(t, sampleClaims().with(1, "did:web:127.0.0.1")), credential.ReasonBadClaims, "IP address"},
		{"iss integer", claimsText(t, sampleClaims().with(1, 7)), credential.ReasonBadClaims, "iss"},
		{"nbf text", claimsText(t, sampleClaims().with(5, "2026-01-01")), credential.ReasonBadClaims, "nbf"},
		{"exp NaN", claimsText(t, sampleClaims().with(4, raw{0xf9, 0x7e, 0x00})), credential.ReasonBadClaims, "exp"},
		{"cti 15 bytes", claimsText(t, sampleClaims().with(7, testJTI[:15])), credential.ReasonBadClaims, "15 bytes"},
		{"cti text", claimsText(t, sampleClaims().with(7, testJTIURN)), credential.ReasonBadClaims, "cti"},
		{"cti in tag 99", claimsText(t, sampleClaims().with(7, tagged{99, testJTI[:]})), credential.ReasonBadClaims, "tag 99"},
		{"duplicate claim", claimsText(t, sampleClaims().plus(1, testIss)), credential.ReasonBadCBOR, "duplicate"},
		{"duplicate vc", claimsText(t, sampleClaims().plus("vc", sampleVC())), credential.ReasonBadCBOR, "duplicate"},
		{"indefinite claims map", signedText(t, prot, emptyMap, append(append([]byte{0xbf}, enc(sampleClaims())[1:]...), 0xff)), credential.ReasonBadCBOR, "indefinite"},
		{"tagged claims", signedText(t, prot, emptyMap, enc(tagged{61, sampleClaims()})), credential.ReasonBadClaims, "untagged"},
		{"claims not a map", signedText(t, prot, emptyMap, enc([]any{1, 2})), credential.ReasonBadClaims, "map"},
		{"bytes after claims", signedText(t, prot, emptyMap, append(enc(sampleClaims()), 0x00)), credential.ReasonBadCBOR, "follow the CWT claims"},

		// The vc claim.
		{"vc not a map", vcText(t, "vc"), credential.ReasonBadClaims, "vc"},
		{"wrong context order", vcText(t, sampleVC().with("@context", []string{nzcp.ContextNZCP, nzcp.ContextW3C})), credential.ReasonBadClaims, "@context starts with"},
		{"no context", vcText(t, sampleVC().without("@context")), credential.ReasonBadClaims, "no @context"},
		{"context not text", vcText(t, sampleVC().with("@context", []any{1})), credential.ReasonBadClaims, "vc"},
		{"no version", vcText(t, sampleVC().without("version")), credential.ReasonBadClaims, "no version"},
		{"version 2.0.0", vcText(t, sampleVC().with("version", "2.0.0")), credential.ReasonBadClaims, "1.x.y"},
		{"wrong type", vcText(t, sampleVC().with("type", []string{"VerifiableCredential"})), credential.ReasonBadClaims, "type"},
		{"type order", vcText(t, sampleVC().with("type", []string{"PublicCovidPass", "VerifiableCredential"})), credential.ReasonBadClaims, "type"},
		{"no credentialSubject", vcText(t, sampleVC().without("credentialSubject")), credential.ReasonBadClaims, "credentialSubject"},
		{"duplicate vc member", vcText(t, sampleVC().plus("version", "1.0.0")), credential.ReasonBadCBOR, "duplicate"},
		{"tag inside vc", vcText(t, sampleVC().with("version", tagged{32, "1.0.0"})), credential.ReasonBadCBOR, "tag"},
		{"indefinite vc string", vcText(t, sampleVC().with("version", raw{0x7f, 0x65, '1', '.', '0', '.', '0', 0xff})), credential.ReasonBadCBOR, "indefinite"},
		{"indefinite vc map", vcText(t, raw(append(append([]byte{0xbf}, enc(sampleVC())[1:]...), 0xff))), credential.ReasonBadCBOR, "indefinite"},
		{"vc too deep", vcText(t, sampleVC().with("deep", raw(deepArray(20)))), credential.ReasonBadCBOR, "deep"},

		// The subject.
		{"givenName missing", subjectText(t, sampleSubjectMap().without("givenName")), credential.ReasonBadClaims, "no givenName"},
		{"givenName in other case", subjectText(t, sampleSubjectMap().without("givenName").with("GivenName", "Jack")), credential.ReasonBadClaims, "no givenName"},
		{"givenName empty", subjectText(t, sampleSubjectMap().with("givenName", "")), credential.ReasonBadClaims, "empty"},
		{"givenName 101 chars", subjectText(t, sampleSubjectMap().with("givenName", name101)), credential.ReasonBadClaims, "101 characters"},
		{"givenName integer", subjectText(t, sampleSubjectMap().with("givenName", 1)), credential.ReasonBadClaims, "vc"},
		{"givenName bytes", subjectText(t, sampleSubjectMap().with("givenName", []byte("Jack"))), credential.ReasonBadClaims, "vc"},
		{"givenName not UTF-8", subjectText(t, sampleSubjectMap().with("givenName", "J\xffck")), credential.ReasonBadCBOR, "UTF-8"},
		{"familyName 101 chars", subjectText(t, sampleSubjectMap().with("familyName", name101)), credential.ReasonBadClaims, "101 characters"},
		{"dob missing", subjectText(t, sampleSubjectMap().without("dob")), credential.ReasonBadClaims, "no dob"},
		{"dob short month", subjectText(t, sampleSubjectMap().with("dob", "1960-4-16")), credential.ReasonBadClaims, "dob"},
		{"dob 30 February", subjectText(t, sampleSubjectMap().with("dob", "1960-02-30")), credential.ReasonBadClaims, "dob"},
		{"dob day first", subjectText(t, sampleSubjectMap().with("dob", "16/04/1960")), credential.ReasonBadClaims, "dob"},
		{"dob year only", subjectText(t, sampleSubjectMap().with("dob", "1960")), credential.ReasonBadClaims, "dob"},
		{"dob with time", subjectText(t, sampleSubjectMap().with("dob", "1960-04-16T00:00:00Z")), credential.ReasonBadClaims, "dob"},
		{"dob integer", subjectText(t, sampleSubjectMap().with("dob", 19600416)), credential.ReasonBadClaims, "vc"},
		{"duplicate subject member", subjectText(t, sampleSubjectMap().plus("givenName", "Jill")), credential.ReasonBadCBOR, "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := nzcp.Decode(tt.text)
			if p != nil {
				t.Errorf("Decode returned a pass with the error")
			}
			wantReason(t, err, tt.reason)
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not mention %q", err, tt.detail)
			}
		})
	}
}

// deepArray is n nested one-element arrays around 0.
func deepArray(n int) []byte {
	b := make([]byte, 0, n+1)
	for range n {
		b = append(b, 0x81)
	}
	return append(b, 0x00)
}

func TestDecodeBase32Errors(t *testing.T) {
	for _, s := range []string{nzcp.Prefix, nzcp.Prefix + "a", nzcp.Prefix + "AB=", nzcp.Prefix + "A"} {
		_, err := nzcp.Decode(s)
		if !errors.Is(err, nzcp.ErrBase32) {
			t.Errorf("Decode(%q) = %v, want an error wrapping ErrBase32", s, err)
		}
		wantReason(t, err, credential.ReasonBadCOSE)
	}
	if _, err := nzcp.Decode("NZCP:/2/AAAA"); errors.Is(err, nzcp.ErrBase32) {
		t.Errorf("a prefix error wraps ErrBase32")
	}
}

// TestDecodeAccepts covers what Decode tolerates beyond the sample pass.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		check func(*testing.T, *nzcp.Pass)
	}{
		{"float NumericDates", claimsText(t, sampleClaims().with(5, f64(float64(testNbf.Unix())+0.5)).with(4, f64(float64(testExp.Unix())))), func(t *testing.T, p *nzcp.Pass) {
			if want := testNbf.Add(500 * time.Millisecond); !p.NotBefore.Equal(want) || !p.ExpiresAt.Equal(testExp) {
				t.Errorf("nbf, exp = %v, %v; want %v, %v", p.NotBefore, p.ExpiresAt, want, testExp)
			}
		}},
		{"cti in tag 64", claimsText(t, sampleClaims().with(7, tagged{64, testJTI[:]})), nil},
		{"cti in tag 37", claimsText(t, sampleClaims().with(7, tagged{37, testJTI[:]})), nil},
		{"no familyName", subjectText(t, sampleSubjectMap().without("familyName")), func(t *testing.T, p *nzcp.Pass) {
			if p.Subject.FamilyName != "" {
				t.Errorf("FamilyName = %q", p.Subject.FamilyName)
			}
		}},
		{"names of 100 characters", subjectText(t, sampleSubjectMap().with("givenName", name100).with("familyName", name100)), func(t *testing.T, p *nzcp.Pass) {
			if p.Subject.GivenName != name100 || p.Subject.FamilyName != name100 {
				t.Errorf("names not kept")
			}
		}},
		{"older second context", vcText(t, sampleVC().with("@context", []string{nzcp.ContextW3C, "https://health.govt.nz/credentials/cpnz"})), nil},
		{"only the W3C context", vcText(t, sampleVC().with("@context", []string{nzcp.ContextW3C})), nil},
		{"version 1.1.0", vcText(t, sampleVC().with("version", "1.1.0")), func(t *testing.T, p *nzcp.Pass) {
			if p.Version != "1.1.0" {
				t.Errorf("Version = %q", p.Version)
			}
		}},
		{"unknown claims and members", claimsText(t, sampleClaims().with(6, testNbf.Unix()).with("extra", omap{{"a", 1}}).
			with("vc", sampleVC().with("id", "urn:x").with("credentialSubject", sampleSubjectMap().with("note", "x")))), nil},
		{"claims in another order", claimsText(t, omap{{7, testJTI[:]}, {"vc", sampleVC()}, {4, testExp.Unix()}, {5, testNbf.Unix()}, {1, testIss}}), nil},
		{"kid in the unprotected header too", signedText(t, sampleProtected(), enc(omap{{4, []byte("other")}, {1, -7}}), enc(sampleClaims())), func(t *testing.T, p *nzcp.Pass) {
			if string(p.KID) != testKID {
				t.Errorf("KID = %q, want the protected %q", p.KID, testKID)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := nzcp.Decode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Verify(key1Once().Public()); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if p.JTI != testJTIURN {
				t.Errorf("JTI = %q, want %q", p.JTI, testJTIURN)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}
