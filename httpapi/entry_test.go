package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/rules"
	"github.com/b5m5/travelcred/verifier"
)

// TestVerifyWithDestination checks that a destination country in the
// request (JSON "to", or ?to= for other bodies) brings back the entry
// rules' outcome.
func TestVerifyWithDestination(t *testing.T) {
	f := getFixture(t)
	rule, err := rules.ParseRule([]byte(`{"Identifier":"VR-NZ-0002","Type":"Acceptance","Country":"NZ","Version":"1.0.0",` +
		`"SchemaVersion":"1.0.0","Engine":"CERTLOGIC","EngineVersion":"0.7.5","CertificateType":"Vaccination",` +
		`"Description":[{"lang":"en","desc":"Three doses are required."}],"ValidFrom":"2025-01-01T00:00:00Z",` +
		`"ValidTo":"2030-01-01T00:00:00Z","AffectedFields":["v.0.dn"],"Logic":{">=":[{"var":"payload.v.0.dn"},3]}}`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(rule)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, func(c *Config) {
		c.VerifierOptions = append(c.VerifierOptions, verifier.WithRules(set, nil))
	})
	for _, tc := range []struct {
		name, target, ctype, body string
	}{
		{"JSON to", "/v1/verify", "application/json", `{"qr":"` + f.valid + `","to":"nz"}`},
		{"query to", "/v1/verify?to=NZ", "text/plain", f.valid},
	} {
		w := do(s, http.MethodPost, tc.target, tc.ctype, strings.NewReader(tc.body))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.name, w.Code, w.Body)
		}
		v := decodeVerdict(t, w)
		if !v.Valid || v.Entry == nil || v.Entry.Allowed || v.Entry.To != "NZ" {
			t.Fatalf("%s: verdict %+v entry %+v", tc.name, v.Verdict, v.Entry)
		}
		if r := v.Entry.Report.Results; len(r) != 1 || r[0].Outcome != rules.Fail || r[0].Identifier != "VR-NZ-0002" {
			t.Errorf("%s: results %+v", tc.name, r)
		}
	}
	// Without a destination, no entry is reported.
	w := do(s, http.MethodPost, "/v1/verify", "text/plain", strings.NewReader(f.valid))
	if v := decodeVerdict(t, w); v.Entry != nil {
		t.Errorf("entry without a destination: %+v", v.Entry)
	}
}
