package rules

import (
	"os"
	"testing"
	"time"

	"github.com/b5m5/travelcred/certlogic"
)

const benchPayload = `{"ver": "1.3.0", "dob": "1964-08-12",
	"nam": {"fn": "Musterfrau", "gn": "Erika", "fnt": "MUSTERFRAU", "gnt": "ERIKA"},
	"v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
	       "dn": 2, "sd": 2, "dt": "2021-09-29", "co": "AT", "is": "BMSGPK",
	       "ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}]}`

func benchSetup(b *testing.B, country string) (*Set, Input) {
	set, err := LoadFS(os.DirFS(sharedRules(b, country)))
	if err != nil {
		b.Fatal(err)
	}
	vs, err := LoadValueSets(os.DirFS(sharedRules(b, "valuesets")))
	if err != nil {
		b.Fatal(err)
	}
	p, _ := certlogic.DecodeJSON([]byte(benchPayload))
	return set, Input{Payload: p, Country: country, ValidationClock: time.Date(2021, 11, 1, 12, 0, 0, 0, time.UTC), ValueSets: vs}
}

// BenchmarkRuleEvaluate evaluates one typical acceptance rule (VR-DE-0003:
// doses, product and 14-day interval, with plusTime) on a DCC payload,
// with the data context built once.
func BenchmarkRuleEvaluate(b *testing.B) {
	set, in := benchSetup(b, "DE")
	var rule *Rule
	for _, r := range set.Rules() {
		if r.Identifier == "VR-DE-0003" {
			rule = r
		}
	}
	data := in.Context()
	if v, err := rule.Evaluate(data); v != true {
		b.Fatalf("VR-DE-0003 = %v, %v", v, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rule.Evaluate(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetCheck selects and evaluates every DE rule that applies to a
// vaccination credential, and checks its codes against the value sets.
func BenchmarkSetCheck(b *testing.B) {
	set, in := benchSetup(b, "DE")
	rep, err := set.Check(in)
	if err != nil || !rep.Passed() || len(rep.Results) != 4 {
		b.Fatalf("%v %+v", err, rep)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Check(in); err != nil {
			b.Fatal(err)
		}
	}
}
