package shc_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
)

// TestCredentialExamples maps the four official cards.
func TestCredentialExamples(t *testing.T) {
	dir := vectorsDir(t)
	card := func(n string) *shc.Card {
		return must(shc.Decode(string(readFile(t, filepath.Join(dir, "examples", "example-"+n+"-d-jws.txt")))))
	}
	c00 := must(card("00").Credential())
	want00 := credential.Vaccination{
		Target: shc.TargetCOVID19, Vaccine: shc.SystemCVX + "|229", Product: "229",
		DoseNumber: 3, Date: "2022-09-05", Issuer: "ABC General Hospital",
	}
	if c00.Format != credential.FormatSHC || c00.Type != credential.TypeVaccination || c00.Test != nil || c00.Recovery != nil ||
		c00.Holder != (credential.Name{FamilyName: "Anyperson", GivenName: "John B."}) || c00.DateOfBirth != "1951-01-20" ||
		c00.Vaccination == nil || *c00.Vaccination != want00 || c00.Country != "" ||
		!c00.IssuedAt.Equal(time.UnixMilli(1687450764656)) || !c00.ExpiresAt.IsZero() || len(c00.Raw) == 0 {
		c00.Raw = nil
		t.Errorf("card 00: %+v %+v", c00, c00.Vaccination)
	}
	c03 := must(card("03").Credential())
	if c03.Holder.FamilyName != "Revoked" || c03.Vaccination.DoseNumber != 2 || c03.Vaccination.Date != "2021-03-29" ||
		!c03.ExpiresAt.Equal(time.UnixMilli(1718986764657)) {
		t.Errorf("card 03: %+v %+v", c03, c03.Vaccination)
	}
	// Card 02: a lab report without a Patient.
	c02 := must(card("02").Credential())
	if c02.Type != credential.TypeTest || c02.Test == nil || c02.Vaccination != nil || c02.Holder != (credential.Name{}) ||
		c02.Test.TestType != "http://acme.com/labs/reports|GHP" || c02.Test.SampledAt != "2015-08-16T06:40:17Z" ||
		c02.Test.Centre != "Acme Laboratory, Inc" || c02.Test.ResultAt != "2015-08-17T06:40:17Z" {
		t.Errorf("card 02: %+v %+v", c02, c02.Test)
	}
	// The COVID-19 lab payload of the upstream tests.
	lab := must(shc.ParseClaims(readFile(t, filepath.Join(dir, "dev-tools/testdata/test-example-covid-lab-jwspayload-missing-lab-vc-type.json"))))
	cl := must(lab.Credential())
	wantTest := credential.Test{
		Target: shc.TargetCOVID19, TestType: shc.SystemLOINC + "|94558-4", SampledAt: "2021-02-17",
		Result: shc.SystemSNOMED + "|260373001", Centre: "ABC General Hospital", Issuer: "ABC General Hospital",
	}
	if cl.Type != credential.TypeTest || *cl.Test != wantTest || cl.Holder.FamilyName != "Anyperson" {
		t.Errorf("lab: %+v %+v", cl, cl.Test)
	}
}

func TestCredentialMapping(t *testing.T) {
	build := func(resources ...string) *shc.Claims {
		var entries []string
		for i, r := range resources {
			entries = append(entries, `{"fullUrl":"resource:`+string(rune('0'+i))+`","resource":`+r+`}`)
		}
		bundle := `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`
		return &shc.Claims{Issuer: issA, NotBefore: sampleNbf, Types: []string{shc.HealthCardType}, FHIRVersion: "4.0.1", FHIRBundle: json.RawMessage(bundle)}
	}
	patient := `{"resourceType":"Patient","name":[{"text":"Jane Q Public"}],"birthDate":"1980-05"}`
	imm := func(code, date, status string, extra string) string {
		return `{"resourceType":"Immunization","status":"` + status + `","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"` + code + `"}]},"occurrenceDateTime":"` + date + `"` + extra + `}`
	}
	// Latest dose, doses counted per target, protocolApplied wins, name text.
	c := must(build(patient,
		imm("208", "2021-02-01T10:00:00Z", "completed", ""),
		imm("141", "2021-10-01", "completed", ""), // influenza, other target
		imm("208", "2021-03-01", "completed", `,"protocolApplied":[{"doseNumberPositiveInt":2,"seriesDosesPositiveInt":2}]`),
		imm("208", "2021-04-01", "entered-in-error", ""),
	).Credential())
	v := c.Vaccination
	if c.Holder.FamilyName != "Jane Q Public" || c.DateOfBirth != "1980-05" || v.Date != "2021-10-01" || v.Product != "141" || v.Target != "" || v.DoseNumber != 1 {
		t.Errorf("latest is influenza: %+v %+v", c, v)
	}
	c = must(build(patient,
		imm("208", "2021-02-01T10:00:00Z", "completed", ""),
		imm("208", "2021-03-01", "completed", `,"protocolApplied":[{"doseNumberPositiveInt":2,"seriesDosesPositiveInt":2}]`),
	).Credential())
	if v := c.Vaccination; v.Date != "2021-03-01" || v.DoseNumber != 2 || v.TotalDoses != 2 || v.Target != shc.TargetCOVID19 {
		t.Errorf("protocolApplied: %+v", v)
	}
	// Observation with a quantity, latest with a value wins.
	obs := func(date, value string) string {
		return `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"94500-6","display":"SARS-CoV-2 RNA"}]},"effectiveDateTime":"` + date + `"` + value + `}`
	}
	c = must(build(patient,
		obs("2021-01-01", `,"valueString":"negative"`),
		obs("2021-02-01", `,"valueQuantity":{"value":1.5,"unit":"ct"}`),
		obs("2021-03-01", ``),
	).Credential())
	if tt := c.Test; c.Type != credential.TypeTest || tt.Result != "1.5 ct" || tt.Name != "SARS-CoV-2 RNA" || tt.SampledAt != "2021-02-01" || tt.Target != shc.TargetCOVID19 {
		t.Errorf("observations: %+v", tt)
	}
	// A report's conclusion.
	c = must(build(`{"resourceType":"DiagnosticReport","code":{"text":"Panel"},"conclusion":"all fine","performer":[{"display":"Lab"}]}`).Credential())
	if tt := c.Test; tt.Result != "all fine" || tt.TestType != "Panel" || tt.Name != "Panel" || tt.Issuer != "Lab" {
		t.Errorf("report: %+v", tt)
	}
	for name, cl := range map[string]*shc.Claims{
		"two patients":       build(patient, patient, imm("208", "2021-01-01", "completed", "")),
		"nothing to map":     build(patient, imm("208", "2021-01-01", "not-done", "")),
		"resource not obj":   build(`"x"`),
		"wrong member type":  build(`{"resourceType":"Patient","name":"x"}`),
		"observation no val": build(obs("2021-01-01", "")),
	} {
		if _, err := cl.Credential(); err == nil {
			t.Errorf("%s: mapped", name)
		} else if ce := checkErr(t, name, err); ce.Reason != credential.ReasonSchema {
			t.Errorf("%s: %v", name, err)
		}
	}
}
