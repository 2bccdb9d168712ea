package credential

// DCC is the EU Digital COVID Certificate payload (hcert claim -260, key 1).
//
// The struct tags serve both JSON and CBOR (fxamacker/cbor falls back to the
// json tag), so one type reads the schema's JSON examples and the wire CBOR.
type DCC struct {
	// Version is the schema version, e.g. "1.3.0".
	Version string `json:"ver"`
	// Name is the holder's name.
	Name Name `json:"nam"`
	// DateOfBirth is YYYY-MM-DD, YYYY-MM, YYYY or (since 1.3.0) empty.
	DateOfBirth string `json:"dob"`
	// Exactly one of the three lists has exactly one entry.
	Vaccinations []Vaccination `json:"v,omitempty"`
	Tests        []Test        `json:"t,omitempty"`
	Recoveries   []Recovery    `json:"r,omitempty"`
}

// Type reports which event list the payload carries. It returns the empty
// Type when the payload does not carry exactly one non-empty list.
func (d *DCC) Type() Type {
	n := 0
	var t Type
	if len(d.Vaccinations) > 0 {
		n, t = n+1, TypeVaccination
	}
	if len(d.Tests) > 0 {
		n, t = n+1, TypeTest
	}
	if len(d.Recoveries) > 0 {
		n, t = n+1, TypeRecovery
	}
	if n != 1 {
		return ""
	}
	return t
}

// Name is the holder's name: as written (fn, gn) and transliterated per ICAO
// 9303 (fnt, gnt, upper-case A-Z and '<').
type Name struct {
	FamilyName    string `json:"fn,omitempty"`
	FamilyNameStd string `json:"fnt,omitempty"`
	GivenName     string `json:"gn,omitempty"`
	GivenNameStd  string `json:"gnt,omitempty"`
}

// Vaccination is one vaccination event ("v" entry).
type Vaccination struct {
	Target       string `json:"tg"` // disease or agent targeted
	Vaccine      string `json:"vp"` // vaccine or prophylaxis
	Product      string `json:"mp"` // medicinal product
	Manufacturer string `json:"ma"` // marketing authorisation holder
	DoseNumber   int    `json:"dn"` // dose number, ≥ 1
	TotalDoses   int    `json:"sd"` // doses in the series, ≥ 1
	Date         string `json:"dt"` // date of vaccination, YYYY-MM-DD
	Country      string `json:"co"` // country of vaccination
	Issuer       string `json:"is"` // certificate issuer
	ID           string `json:"ci"` // unique certificate identifier (UVCI)
}

// Test is one test event ("t" entry).
type Test struct {
	Target       string `json:"tg"`           // disease or agent targeted
	TestType     string `json:"tt"`           // type of test
	Name         string `json:"nm,omitempty"` // NAAT test name
	Manufacturer string `json:"ma,omitempty"` // RAT device identifier
	SampledAt    string `json:"sc"`           // sample collection date-time
	ResultAt     string `json:"dr,omitempty"` // result date-time (schema 1.0.x–1.1.x only)
	Result       string `json:"tr"`           // test result
	Centre       string `json:"tc,omitempty"` // testing centre
	Country      string `json:"co"`           // country of test
	Issuer       string `json:"is"`           // certificate issuer
	ID           string `json:"ci"`           // UVCI
}

// Recovery is one recovery event ("r" entry).
type Recovery struct {
	Target        string `json:"tg"` // disease or agent the holder recovered from
	FirstPositive string `json:"fr"` // date of first positive NAAT result
	Country       string `json:"co"` // country of test
	Issuer        string `json:"is"` // certificate issuer
	ValidFrom     string `json:"df"` // certificate valid from
	ValidUntil    string `json:"du"` // certificate valid until
	ID            string `json:"ci"` // UVCI
}
