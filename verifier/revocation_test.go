package verifier_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// TestCredentialRevocation revokes one credential by each hash type and
// checks that exactly it is refused, with reason revoked, while an
// unrevoked credential of the same key passes.
func TestCredentialRevocation(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"GB", "NZ", "AU"},
		Alg: map[string]string{"AU": "PS256"}})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(m *testvectors.Member, uvci string) (string, *hcert.Message) {
		d := testvectors.SamplePayload(credential.TypeVaccination, m.Country)
		d.Vaccinations[0].ID = uvci
		out, err := m.Issuer.Issue(d)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := hcert.ParseCOSE(out.COSE)
		if err != nil {
			t.Fatal(err)
		}
		return out.Text, msg
	}
	gb, _ := fed.Member("GB")
	au, _ := fed.Member("AU")
	texts := map[string]string{}
	revs := map[string]*trustlist.RevocationList{"GB": {}, "AU": {}}
	kidGB := base64.StdEncoding.EncodeToString(gb.TrustKey.KID)
	kidAU := base64.StdEncoding.EncodeToString(au.TrustKey.KID)
	for _, tc := range []struct {
		name, hashType string
		m              *testvectors.Member
		kid            string
	}{
		{"GB by UCI", trustlist.HashUCI, gb, kidGB},
		{"GB by country+UCI", trustlist.HashCountryUCI, gb, kidGB},
		{"GB by signature (ECDSA r)", trustlist.HashSignature, gb, kidGB},
		{"AU by signature (RSA, whole)", trustlist.HashSignature, au, kidAU},
	} {
		uvci := "URN:UVCI:01:" + tc.m.Country + ":REVOKED-" + tc.hashType
		text, msg := issue(tc.m, uvci)
		texts[tc.name] = text
		h := trustlist.HashesOf(uvci, tc.m.Country, msg.Signature, tc.m.Alg == "ES256")
		var hash [16]byte
		switch tc.hashType {
		case trustlist.HashUCI:
			hash = h.UCI
		case trustlist.HashCountryUCI:
			hash = h.CountryUCI
		default:
			hash = h.Signature
		}
		revs[tc.m.Country].Add(credential.FormatHCERT, tc.kid, tc.hashType, hash, tc.m.DSC.NotAfter)
	}
	okText, _ := issue(gb, "URN:UVCI:01:GB:NOT-REVOKED")
	pub, err := fed.Publish(testvectors.PublishOptions{Revocations: revs})
	if err != nil {
		t.Fatal(err)
	}
	if pub.List.RevokedCount() != 4 {
		t.Fatalf("list holds %d revocation hashes, want 4", pub.List.RevokedCount())
	}
	v := newVerifier(t, pub.List)
	for name, text := range texts {
		_, err := v.Verify(text)
		var ve *verifier.Error
		if !errors.As(err, &ve) || ve.Reason != credential.ReasonRevoked || !errors.Is(err, verifier.ErrRevoked) {
			t.Errorf("%s: %v, want revoked", name, err)
		}
	}
	if _, err := v.Verify(okText); err != nil {
		t.Errorf("unrevoked credential: %v", err)
	}

	// A member cannot revoke another member's credentials.
	nz, _ := fed.Member("NZ")
	foreign := map[string]*trustlist.RevocationList{"NZ": {}}
	foreign["NZ"].Add(credential.FormatHCERT, kidGB, trustlist.HashUCI, [16]byte{1}, nz.DSC.NotAfter)
	if _, err := fed.Publish(testvectors.PublishOptions{Revocations: foreign, Keys: pub}); !errors.Is(err, trustlist.ErrForeignKey) {
		t.Errorf("NZ revoking GB's credentials: %v", err)
	}
}

// TestEntryRules evaluates a destination's rules carried in the federated
// list: a rule that the credential meets and one it fails.
func TestEntryRules(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"GB", "NZ", "US"}})
	if err != nil {
		t.Fatal(err)
	}
	rule := func(id, desc string, logic string) json.RawMessage {
		return json.RawMessage(`{"Identifier":"` + id + `","Type":"Acceptance","Country":"NZ","Version":"1.0.0","SchemaVersion":"1.0.0",` +
			`"Engine":"CERTLOGIC","EngineVersion":"0.7.5","CertificateType":"Vaccination",` +
			`"Description":[{"lang":"en","desc":"` + desc + `"}],"ValidFrom":"2025-01-01T00:00:00Z","ValidTo":"2030-01-01T00:00:00Z",` +
			`"AffectedFields":["v.0.dn","v.0.sd"],"Logic":` + logic + `}`)
	}
	complete := rule("VR-NZ-0001", "The vaccination series must be complete.", `{">=":[{"var":"payload.v.0.dn"},{"var":"payload.v.0.sd"}]}`)
	booster := rule("VR-NZ-0002", "Three doses are required.", `{">=":[{"var":"payload.v.0.dn"},3]}`)
	pub, err := fed.Publish(testvectors.PublishOptions{Rules: map[string][]json.RawMessage{"NZ": {complete, booster}},
		ValueSets: map[string][]string{"country-2-codes": {"GB", "NZ", "US"}}})
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := fed.Member("GB")
	out, err := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "GB"))
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, pub.List, verifier.WithClock(func() time.Time { return testvectors.DefaultNow.Add(time.Hour) }))
	res, err := v.Verify(out.Text)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := v.CheckEntry(res, "NZ", "")
	if err != nil {
		t.Fatal(err)
	}
	pass, fail, open := entry.Report.Count()
	if entry.Allowed || pass != 1 || fail != 1 || open != 0 {
		t.Errorf("entry to NZ: allowed %t, %d pass %d fail %d open: %+v", entry.Allowed, pass, fail, open, entry.Report.Results)
	}
	// No rules for the US: nothing applies, entry allowed.
	entry, err = v.CheckEntry(res, "US", "")
	if err != nil || !entry.Allowed || len(entry.Report.Results) != 0 {
		t.Errorf("entry to US: %+v %v", entry, err)
	}
	// A rule of another country in NZ's set is refused.
	bad := json.RawMessage(string(complete[:0]) + string(rule("VR-GB-0001", "x", `true`)))
	bad = json.RawMessage(replaceOnce(string(bad), `"Country":"NZ"`, `"Country":"GB"`))
	if _, err := fed.Publish(testvectors.PublishOptions{Rules: map[string][]json.RawMessage{"NZ": {bad}}, Keys: pub}); !errors.Is(err, trustlist.ErrForeignKey) {
		t.Errorf("GB rule in NZ's set: %v", err)
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
