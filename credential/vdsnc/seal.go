package vdsnc

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
)

// MaxTextLen is the longest seal text Decode accepts, in bytes. Real seals
// are about 1.7 KB.
const MaxTextLen = limits.QRText

// maxNesting is the deepest JSON nesting Decode accepts; a seal needs 6.
const maxNesting = 16

// Seal types, the values of data.hdr.t.
const (
	TypeVaccination = "icao.vacc" // proof of vaccination (PoV)
	TypeTest        = "icao.test" // proof of testing (PoT)
)

// Signature algorithms accepted in sig.alg. ES256 is the one in every known
// sample; ES384 and ES512 are accepted defensively.
const (
	ES256 = "ES256"
	ES384 = "ES384"
	ES512 = "ES512"
)

// OIDs of the ICAO certificate extensions a BSC must carry.
var (
	// OIDExtKeyUsageBSC is the extended key usage of a VDS-NC barcode
	// signer certificate.
	OIDExtKeyUsageBSC = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 14, 2}
	// OIDDocumentTypeList is the ICAO 9303 document type list extension.
	OIDDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
)

// DocumentTypeVDSNC is the document type a BSC's document type list must
// contain.
const DocumentTypeVDSNC = "NV"

// Seal is a decoded, unverified VDS-NC seal. It aliases no caller buffer.
type Seal struct {
	// Header is data.hdr.
	Header Header
	// Exactly one of Vaccination and Test is set, matching Header.Type.
	Vaccination *ProofOfVaccination
	Test        *ProofOfTest
	// Data is the "data" member exactly as received, whitespace included.
	Data json.RawMessage
	// Canonical is the RFC 8785 canonical form of Data: the signed bytes.
	Canonical []byte
	// Alg is sig.alg as written; VerifySignature checks it.
	Alg string
	// Signature is sig.sigvl decoded: raw r‖s, possibly of an odd length.
	Signature []byte
	// BSC is the barcode signer certificate from sig.cer.
	BSC *x509.Certificate
}

// Header is the seal header, data.hdr.
type Header struct {
	// Type is t: TypeVaccination or TypeTest.
	Type string
	// Version is v; always 1.
	Version int
	// Country is is: the ICAO 9303 three-letter code of the issuing state
	// ("AUS"), as written. Alpha2 maps it to ISO 3166-1 alpha-2.
	Country string
}

// Person identifies the holder, msg.pid.
type Person struct {
	// Name is n as written: ICAO 9303 style, primary identifier, two
	// spaces, secondary identifier ("CITIZEN  JANE CATHERINE").
	Name string
	// DateOfBirth is dob as written (YYYY-MM-DD).
	DateOfBirth string
	// Sex is sex (PoV): F, M or X.
	Sex string
	// DocumentNumber is the travel document number: i (PoV) or dn (PoT).
	DocumentNumber string
	// DocumentType is dt (PoT): P, A, C, I, AC, V or D.
	DocumentType string
	// AdditionalID is ai (PoV): another document number.
	AdditionalID string
}

// ProofOfVaccination is the message of an icao.vacc seal.
type ProofOfVaccination struct {
	// UVCI is uvci, the unique vaccination certificate identifier.
	UVCI string
	// Person is pid.
	Person Person
	// Events is ve: one entry per vaccine, each with its doses.
	Events []VaccinationEvent
}

// VaccinationEvent is one ve entry.
type VaccinationEvent struct {
	// Vaccine is des: the ICD-11 extension code of the vaccine (XM68M6).
	Vaccine string
	// Product is nam: the medicinal product name.
	Product string
	// Disease is dis: the ICD-11 code of the disease targeted (RA01.0).
	Disease string
	// Doses is vd.
	Doses []Dose
}

// Dose is one vd entry.
type Dose struct {
	// Date is dvc: the date of vaccination, YYYY-MM-DD.
	Date string
	// Seq is seq: the dose number.
	Seq int
	// Country is ctr: the ICAO three-letter code of the country of
	// vaccination.
	Country string
	// Centre is adm: the administering centre.
	Centre string
	// Lot is lot: the vaccine lot number.
	Lot string
	// NextDue is dvn: the date of the next dose, if given.
	NextDue string
}

// ProofOfTest is the message of an icao.test seal.
type ProofOfTest struct {
	// UTCI is utci, the unique test certificate identifier.
	UTCI string
	// Person is pid.
	Person Person
	// Provider is sp, the testing facility.
	Provider ServiceProvider
	// SampledAt and ReportedAt are dat.sc and dat.ri as written.
	SampledAt  string
	ReportedAt string
	// Result is tr.
	Result TestResult
	// Optional is opt, issuer-defined data.
	Optional string
}

// ServiceProvider is sp, the testing facility of a PoT.
type ServiceProvider struct {
	Name    string // spn
	Country string // ctr, ICAO three-letter code
	Phone   string // cd.p
	Email   string // cd.e
	Address string // cd.a
}

// TestResult is tr of a PoT.
type TestResult struct {
	Type   string // tc: molecular(PCR), molecular(other), antigen, antibody
	Result string // r: positive, negative, normal, abnormal
	Method string // m: nasopharyngeal, oropharyngeal, saliva, blood, other
}

// KeyRef returns the BSC's authority key identifier: the subject key
// identifier of the CSCA that must have issued it, and so the key id under
// which a trust list holds that CSCA. It is nil when the BSC has none.
func (s *Seal) KeyRef() []byte {
	if s == nil || s.BSC == nil {
		return nil
	}
	return s.BSC.AuthorityKeyId
}

func newErr(r credential.Reason, detail string, err error) error {
	return credential.NewError(r, detail, err)
}
