package credential

import "time"

// Format names a credential wire format.
type Format string

// The credential formats travelcred knows.
const (
	FormatHCERT Format = "hcert" // EU DCC / WHO HCERT, "HC1:" prefix
	FormatNZCP  Format = "nzcp"  // NZ COVID Pass, "NZCP:/1/" prefix
	FormatSHC   Format = "shc"   // SMART Health Card, "shc:/" prefix
	FormatVDSNC Format = "vdsnc" // ICAO VDS-NC JSON seal
)

// Type is the kind of health event a credential attests.
type Type string

// The three credential types. The single-letter values are the DCC payload
// keys and the usage letters of the trust list.
const (
	TypeVaccination Type = "v"
	TypeTest        Type = "t"
	TypeRecovery    Type = "r"
)

// String returns the long English name of the type.
func (t Type) String() string {
	switch t {
	case TypeVaccination:
		return "vaccination"
	case TypeTest:
		return "test"
	case TypeRecovery:
		return "recovery"
	}
	return "unknown"
}

// Credential is a decoded credential, independent of its wire format.
//
// A Credential returned by the verifier has been authenticated; one returned
// by a codec's Decode function has not.
type Credential struct {
	// Format is the wire format the credential was read from.
	Format Format `json:"format"`
	// Type is the kind of event the credential attests.
	Type Type `json:"type"`
	// Holder identifies the person.
	Holder Name `json:"holder"`
	// DateOfBirth is the holder's date of birth as written in the
	// credential: YYYY-MM-DD, YYYY-MM, YYYY or empty.
	DateOfBirth string `json:"dob"`
	// Exactly one of Vaccination, Test and Recovery is set, matching Type.
	Vaccination *Vaccination `json:"vaccination,omitempty"`
	Test        *Test        `json:"test,omitempty"`
	Recovery    *Recovery    `json:"recovery,omitempty"`
	// Country is the issuing country (ISO 3166-1 alpha-2), when known.
	Country string `json:"country,omitempty"`
	// IssuedAt and ExpiresAt are the credential's own validity claims; zero
	// when the format has none.
	IssuedAt  time.Time `json:"issuedAt,omitzero"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// DCC is the EU DCC payload for HCERT credentials.
	DCC *DCC `json:"dcc,omitempty"`
	// SubClaims are payloads other than the EU DCC that an HCERT carries
	// (the WHO DDCC:VS, DDCC:TR, link and ICVP sub-claims), kept as raw
	// CBOR with their type.
	SubClaims []SubClaim `json:"subClaims,omitempty"`
	// Raw is the signed claims exactly as they were carried (the CWT payload
	// for HCERT). It aliases no caller buffer.
	Raw []byte `json:"-"`
}

// FromDCC fills the format-neutral fields of c from a DCC payload. It leaves
// Format, Country, IssuedAt, ExpiresAt and Raw alone.
func (c *Credential) FromDCC(d *DCC) {
	c.DCC = d
	c.Holder = d.Name
	c.DateOfBirth = d.DateOfBirth
	c.Vaccination, c.Test, c.Recovery = nil, nil, nil
	c.Type = d.Type()
	switch c.Type {
	case TypeVaccination:
		c.Vaccination = &d.Vaccinations[0]
	case TypeTest:
		c.Test = &d.Tests[0]
	case TypeRecovery:
		c.Recovery = &d.Recoveries[0]
	}
}

// SubClaim is one raw sub-claim of an HCERT's hcert claim (-260).
type SubClaim struct {
	// Key is the sub-claim key: 3 DDCC:VS, 4 DDCC:TR, 5 link, -6 ICVP.
	Key int64 `json:"key"`
	// Name is its short name: ddcc-vs, ddcc-tr, link or icvp.
	Name string `json:"name"`
	// CBOR is the sub-claim as signed.
	CBOR []byte `json:"cbor"`
}
