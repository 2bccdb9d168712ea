package shc

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/b5m5/travelcred/credential"
)

// Code systems and values used by the FHIR mapping.
const (
	SystemCVX    = "http://hl7.org/fhir/sid/cvx"
	SystemLOINC  = "http://loinc.org"
	SystemSNOMED = "http://snomed.info/sct"

	// TargetCOVID19 is the SNOMED CT code of COVID-19, the target the EU
	// DCC value sets use.
	TargetCOVID19 = "840539006"

	typeCOVID19 = "https://smarthealth.cards#covid19"
)

// covidCVX are the CVX codes of COVID-19 vaccines.
var covidCVX = map[string]bool{
	"207": true, "208": true, "210": true, "211": true, "212": true, "213": true,
	"217": true, "218": true, "219": true, "221": true, "225": true, "226": true,
	"227": true, "228": true, "229": true, "230": true, "300": true, "301": true,
	"302": true, "309": true, "310": true, "311": true, "312": true, "313": true,
	"500": true, "501": true, "502": true, "503": true, "504": true, "505": true,
	"506": true, "507": true, "508": true, "509": true, "510": true, "511": true,
}

// covidLOINC are LOINC codes of SARS-CoV-2 tests.
var covidLOINC = map[string]bool{
	"94306-8": true, "94307-6": true, "94308-4": true, "94309-2": true, "94500-6": true,
	"94502-2": true, "94531-1": true, "94533-7": true, "94534-5": true, "94558-4": true,
	"94559-2": true, "94565-9": true, "94759-8": true, "94845-5": true, "95209-3": true,
	"95406-5": true, "95409-9": true, "95423-0": true, "95425-5": true, "96094-8": true,
	"96119-3": true, "96120-1": true, "96121-9": true, "96122-7": true, "96123-5": true,
	"96448-6": true, "96986-5": true, "97097-0": true,
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
}

// first returns the first coding, or a zero one.
func (c *codeableConcept) first() coding {
	if c == nil || len(c.Coding) == 0 {
		return coding{}
	}
	return c.Coding[0]
}

// token returns system|code of the first coding (FHIR token syntax), the
// bare code when there is no system, or the text.
func (c *codeableConcept) token() string {
	f := c.first()
	switch {
	case f.Code == "":
		if c != nil {
			return c.Text
		}
		return ""
	case f.System == "":
		return f.Code
	}
	return f.System + "|" + f.Code
}

type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type performer struct {
	Actor     *reference `json:"actor"` // Immunization
	Reference string     `json:"reference"`
	Display   string     `json:"display"` // Observation, DiagnosticReport
}

type quantity struct {
	Value json.Number `json:"value"`
	Unit  string      `json:"unit"`
	Code  string      `json:"code"`
}

// resource holds the members of the FHIR resources the mapping reads.
type resource struct {
	ResourceType string `json:"resourceType"`

	// Patient
	Name []struct {
		Family string   `json:"family"`
		Given  []string `json:"given"`
		Text   string   `json:"text"`
	} `json:"name"`
	BirthDate string `json:"birthDate"`

	// Immunization
	Status             string           `json:"status"`
	VaccineCode        *codeableConcept `json:"vaccineCode"`
	OccurrenceDateTime string           `json:"occurrenceDateTime"`
	LotNumber          string           `json:"lotNumber"`
	Performer          []performer      `json:"performer"`
	ProtocolApplied    []struct {
		DoseNumber    int               `json:"doseNumberPositiveInt"`
		SeriesDoses   int               `json:"seriesDosesPositiveInt"`
		TargetDisease []codeableConcept `json:"targetDisease"`
	} `json:"protocolApplied"`

	// Observation and DiagnosticReport
	Code                 *codeableConcept  `json:"code"`
	EffectiveDateTime    string            `json:"effectiveDateTime"`
	Issued               string            `json:"issued"`
	ValueCodeableConcept *codeableConcept  `json:"valueCodeableConcept"`
	ValueString          *string           `json:"valueString"`
	ValueQuantity        *quantity         `json:"valueQuantity"`
	Conclusion           string            `json:"conclusion"`
	ConclusionCode       []codeableConcept `json:"conclusionCode"`
}

func (r *resource) performerName() string {
	for _, p := range r.Performer {
		switch {
		case p.Actor != nil && p.Actor.Display != "":
			return p.Actor.Display
		case p.Display != "":
			return p.Display
		}
	}
	return ""
}

// value returns the Observation's result: system|code of a coded value,
// a string value, or "value unit" of a quantity; "" when there is none.
func (r *resource) value() string {
	switch {
	case r.ValueCodeableConcept != nil:
		return r.ValueCodeableConcept.token()
	case r.ValueString != nil:
		return *r.ValueString
	case r.ValueQuantity != nil:
		return strings.TrimSpace(r.ValueQuantity.Value.String() + " " + r.ValueQuantity.Unit)
	}
	return ""
}

func schemaErr(format string, args ...any) error {
	return newErr(credential.ReasonSchema, fmt.Sprintf(format, args...), nil)
}

// Credential validates the claims (see Validate) and maps them to the
// format-neutral model. It does not check the signature or the dates: a
// Credential from an unverified card is unauthenticated.
//
// The mapping:
//   - Format is credential.FormatSHC; IssuedAt is nbf, ExpiresAt is exp
//     (zero when absent); Country stays empty (SHC names an issuer URL,
//     Claims.Issuer, not a country); Raw is a copy of the claims JSON.
//   - Holder and DateOfBirth come from the bundle's Patient: the first
//     name's family name, and its given names joined by spaces (or the
//     name's text as FamilyName when it has no parts). A bundle without a
//     Patient (the official lab example 02 has none) leaves them empty;
//     more than one Patient is refused.
//   - Immunization resources (status completed) make a vaccination
//     credential from the latest one: Vaccine is system|code of its
//     vaccineCode (FHIR token syntax) and Product its bare code, Date the
//     date part of occurrenceDateTime, Issuer the performer's name,
//     DoseNumber its protocolApplied dose number or else the count of
//     completed immunizations with the same vaccine target, TotalDoses
//     its protocolApplied series doses (0 when unknown), Target
//     TargetCOVID19 for COVID-19 vaccines (CVX codes, or the #covid19
//     type). Lot numbers have no field in the model and are dropped.
//   - Otherwise a DiagnosticReport, or else the latest Observation with a
//     value, makes a test credential: TestType is system|code of its
//     code, Name the code's display or text, SampledAt its
//     effectiveDateTime, ResultAt its issued time, Result system|code of
//     a coded value (a string value, "value unit" of a quantity, or a
//     report's conclusion), Centre and Issuer the performer's name,
//     Target TargetCOVID19 for SARS-CoV-2 LOINC codes.
//
// A bundle with neither is refused (reason schema).
func (c *Claims) Credential() (*credential.Credential, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(c.FHIRBundle, &bundle); err != nil {
		return nil, schemaErr("fhirBundle: %v", err)
	}
	res := make([]resource, len(bundle.Entry))
	for i, e := range bundle.Entry {
		if len(e.Resource) == 0 || e.Resource[0] != '{' {
			return nil, schemaErr("fhirBundle entry %d has no resource", i)
		}
		if err := json.Unmarshal(e.Resource, &res[i]); err != nil {
			return nil, schemaErr("fhirBundle entry %d: %v", i, err)
		}
	}
	cred := &credential.Credential{
		Format:    credential.FormatSHC,
		IssuedAt:  c.NotBefore,
		ExpiresAt: c.ExpiresAt,
		Raw:       append([]byte(nil), c.Raw...),
	}
	covid := false
	for _, t := range c.Types {
		covid = covid || t == typeCOVID19
	}
	var patient *resource
	var imms []*resource
	var report, obs *resource
	for i := range res {
		r := &res[i]
		switch r.ResourceType {
		case "Patient":
			if patient != nil {
				return nil, schemaErr("fhirBundle has more than one Patient")
			}
			patient = r
		case "Immunization":
			if r.Status == "completed" || r.Status == "" {
				imms = append(imms, r)
			}
		case "DiagnosticReport":
			if report == nil {
				report = r
			}
		case "Observation":
			if r.value() != "" && (obs == nil || r.EffectiveDateTime >= obs.EffectiveDateTime) {
				obs = r
			}
		}
	}
	if patient != nil && len(patient.Name) > 0 {
		n := patient.Name[0]
		cred.Holder.FamilyName = n.Family
		cred.Holder.GivenName = strings.Join(n.Given, " ")
		if n.Family == "" && len(n.Given) == 0 {
			cred.Holder.FamilyName = n.Text
		}
	}
	if patient != nil {
		cred.DateOfBirth = patient.BirthDate
	}
	switch {
	case len(imms) > 0:
		cred.Type = credential.TypeVaccination
		cred.Vaccination = vaccination(imms, covid)
	case report != nil || obs != nil:
		cred.Type = credential.TypeTest
		cred.Test = test(report, obs, covid)
	default:
		return nil, schemaErr("fhirBundle has no completed Immunization, no DiagnosticReport and no Observation with a value")
	}
	return cred, nil
}

func vaccineTarget(r *resource, covid bool) string {
	f := r.VaccineCode.first()
	if covid || f.System == SystemCVX && covidCVX[f.Code] {
		return TargetCOVID19
	}
	for _, p := range r.ProtocolApplied {
		for _, t := range p.TargetDisease {
			if t.first().System == SystemSNOMED && t.first().Code != "" {
				return t.first().Code
			}
		}
	}
	return ""
}

func vaccination(imms []*resource, covid bool) *credential.Vaccination {
	last := imms[0]
	for _, r := range imms[1:] {
		if r.OccurrenceDateTime >= last.OccurrenceDateTime {
			last = r
		}
	}
	target := vaccineTarget(last, covid)
	v := &credential.Vaccination{
		Target:  target,
		Vaccine: last.VaccineCode.token(),
		Product: last.VaccineCode.first().Code,
		Date:    datePart(last.OccurrenceDateTime),
		Issuer:  last.performerName(),
	}
	for _, r := range imms {
		if vaccineTarget(r, covid) == target {
			v.DoseNumber++
		}
	}
	if len(last.ProtocolApplied) > 0 {
		if p := last.ProtocolApplied[0]; p.DoseNumber > 0 {
			v.DoseNumber = p.DoseNumber
		}
		v.TotalDoses = last.ProtocolApplied[0].SeriesDoses
	}
	return v
}

func test(report, obs *resource, covid bool) *credential.Test {
	r := obs
	if report != nil {
		r = report
	}
	code := r.Code.first()
	t := &credential.Test{
		TestType:  r.Code.token(),
		Name:      code.Display,
		SampledAt: r.EffectiveDateTime,
		ResultAt:  r.Issued,
		Result:    r.value(),
		Centre:    r.performerName(),
		Issuer:    r.performerName(),
	}
	if t.Name == "" && r.Code != nil {
		t.Name = r.Code.Text
	}
	if r == report && t.Result == "" {
		t.Result = r.Conclusion
		if t.Result == "" && len(r.ConclusionCode) > 0 {
			t.Result = r.ConclusionCode[0].token()
		}
	}
	if covid || code.System == SystemLOINC && covidLOINC[code.Code] {
		t.Target = TargetCOVID19
	}
	return t
}

// datePart returns the YYYY-MM-DD (or shorter) date part of a FHIR date or
// dateTime.
func datePart(s string) string {
	if i := strings.IndexByte(s, 'T'); i >= 0 {
		return s[:i]
	}
	return s
}
