package certlogic

import "testing"

// benchRule is VR-EU-0003-like: vaccination date plus 14 days, not after
// the clock, not after the date plus 365 days.
const benchRule = `{
  "if": [
    {"var": "payload.v.0"},
    {"and": [
      {">=": [{"var": "payload.v.0.dn"}, {"var": "payload.v.0.sd"}]},
      {"in": [{"var": "payload.v.0.mp"}, ["EU/1/20/1507", "EU/1/20/1525", "EU/1/20/1528", "EU/1/21/1529"]]},
      {"not-after": [
        {"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]},
        {"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
        {"plusTime": [{"var": "payload.v.0.dt"}, 365, "day"]}
      ]}
    ]},
    true
  ]
}`

const benchData = `{
  "payload": {
    "ver": "1.3.0", "dob": "1964-08-12",
    "nam": {"fn": "Musterfrau", "gn": "Erika", "fnt": "MUSTERFRAU", "gnt": "ERIKA"},
    "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
           "dn": 2, "sd": 2, "dt": "2021-05-29", "co": "DE", "is": "Robert Koch-Institut",
           "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"}]
  },
  "external": {"validationClock": "2021-07-01T12:00:00+02:00", "countryCode": "DE"}
}`

func BenchmarkEvaluateRule(b *testing.B) {
	p, err := Compile(j(b, benchRule))
	if err != nil {
		b.Fatal(err)
	}
	data := j(b, benchData)
	if got, err := p.Evaluate(data); err != nil || got != true {
		b.Fatalf("got %v, %v", got, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Evaluate(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileRule(b *testing.B) {
	expr := j(b, benchRule)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(expr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluateUncompiled(b *testing.B) {
	expr, data := j(b, benchRule), j(b, benchData)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(expr, data); err != nil {
			b.Fatal(err)
		}
	}
}
