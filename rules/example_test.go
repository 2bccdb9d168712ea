package rules_test

import (
	"fmt"
	"time"

	"github.com/b5m5/travelcred/certlogic"
	"github.com/b5m5/travelcred/rules"
)

// Two versions of a Dutch vaccination rule and a general rule; at the
// validation clock version 1.1.0 is the newest valid one.
const exampleRules = `[
{"Identifier": "VR-NL-0001", "Type": "Acceptance", "Country": "NL", "Version": "1.0.0",
 "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
 "Description": [{"lang": "en", "desc": "At least 14 days must have passed since the last dose."}],
 "ValidFrom": "2021-07-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["v.0.dt"],
 "Logic": {"if": [{"var": "payload.v.0"},
   {"not-before": [{"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
                   {"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]}]}, true]}},
{"Identifier": "VR-NL-0001", "Type": "Acceptance", "Country": "NL", "Version": "1.1.0",
 "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
 "Description": [{"lang": "en", "desc": "The last dose must be at most 270 days old."}],
 "ValidFrom": "2022-02-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["v.0.dt"],
 "Logic": {"if": [{"var": "payload.v.0"},
   {"not-after": [{"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
                  {"plusTime": [{"var": "payload.v.0.dt"}, 270, "day"]}]}, true]}},
{"Identifier": "VR-NL-0002", "Type": "Acceptance", "Country": "NL", "Version": "1.0.0",
 "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Vaccination",
 "Description": [{"lang": "en", "desc": "Only vaccines in the allowed valueset that have been approved by the EMA are allowed."}],
 "ValidFrom": "2021-07-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["v.0.mp"],
 "Logic": {"if": [{"var": "payload.v.0"},
   {"in": [{"var": "payload.v.0.mp"}, {"var": "external.valueSets.vaccines-covid-19-names"}]}, true]}},
{"Identifier": "TR-NL-0001", "Type": "Acceptance", "Country": "NL", "Version": "1.0.0",
 "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5", "CertificateType": "Test",
 "Description": [{"lang": "en", "desc": "The test must be a NAA test (e.g. PCR)."}],
 "ValidFrom": "2021-07-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z", "AffectedFields": ["t.0.tt"],
 "Logic": {"===": [{"var": "payload.t.0.tt"}, "LP6464-4"]}}
]`

func ExampleSet_Check() {
	set, err := rules.ParseSet([]byte(exampleRules))
	if err != nil {
		panic(err)
	}
	valueSets := rules.NewValueSets(map[string][]string{
		"vaccines-covid-19-names": {"EU/1/20/1528", "EU/1/20/1507"},
	})
	payload, _ := certlogic.DecodeJSON([]byte(`{"ver": "1.3.0", "dob": "1990-01-01",
		"v": [{"tg": "840539006", "mp": "EU/1/21/1618", "dn": 2, "sd": 2, "dt": "2021-05-01", "co": "BE"}]}`))

	report, err := set.Check(rules.Input{
		Payload:         payload,
		Country:         "NL",
		ValidationClock: time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC),
		ValueSets:       valueSets,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("type:", report.Type)
	for _, r := range report.Results {
		fmt.Printf("%s %s %s: %s\n", r.Identifier, r.Version, r.Outcome, r.Description)
	}
	for _, u := range report.UnknownCodes {
		fmt.Printf("unknown code %s in %s (value set %s)\n", u.Code, u.Field, u.ValueSet)
	}
	fmt.Println("passed:", report.Passed())
	// Output:
	// type: Vaccination
	// VR-NL-0001 1.1.0 fail: The last dose must be at most 270 days old.
	// VR-NL-0002 1.0.0 fail: Only vaccines in the allowed valueset that have been approved by the EMA are allowed.
	// unknown code EU/1/21/1618 in v.0.mp (value set vaccines-covid-19-names)
	// passed: false
}

func ExampleSet_Select() {
	set, _ := rules.ParseSet([]byte(exampleRules))
	for _, at := range []string{"2021-08-01T00:00:00Z", "2022-03-01T00:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, at)
		fmt.Print(at[:10], ":")
		for _, r := range set.Select(rules.Query{Country: "NL", Type: rules.Vaccination, At: t}) {
			fmt.Print(" ", r.Identifier, "@", r.Version)
		}
		fmt.Println()
	}
	// Output:
	// 2021-08-01: VR-NL-0001@1.0.0 VR-NL-0002@1.0.0
	// 2022-03-01: VR-NL-0001@1.1.0 VR-NL-0002@1.0.0
}
