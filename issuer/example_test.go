package issuer_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

// A country's health authority creates its CSCA and a Document Signer
// Certificate, then signs a test certificate valid for 72 hours.
func Example() {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	cscaKey, _ := issuer.GenerateKey("ES256")
	csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{
		Country: "NZ", NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(10, 0, 0),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	dscKey, _ := issuer.GenerateKey("ES256")
	dsc, err := issuer.CreateDSC(dscKey.Public(), csca, cscaKey, issuer.CertOptions{
		Country: "NZ", NotBefore: at.AddDate(0, -1, 0), NotAfter: at.AddDate(1, 0, 0),
		Usage: trustlist.UsageTest,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	iss, err := issuer.New(dscKey, dsc,
		issuer.WithClock(func() time.Time { return at }),
		issuer.WithValidity(72*time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := iss.Issue(&credential.DCC{
		Version:     "1.3.0",
		Name:        credential.Name{FamilyName: "Ngata", FamilyNameStd: "NGATA", GivenName: "Aroha", GivenNameStd: "AROHA"},
		DateOfBirth: "1985-07-14",
		Tests: []credential.Test{{
			Target: "840539006", TestType: "LP6464-4", Name: "SARS-CoV-2 PCR",
			SampledAt: "2026-01-01T08:00:00Z", Result: "260415000", Centre: "Auckland Airport",
			Country: "NZ", Issuer: "Ministry of Health NZ", ID: "URN:UVCI:01:NZ:EXAMPLE0001",
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Text[:4], iss.Algorithm(), iss.Country(), out.Type, len(out.KeyID))
	fmt.Println(out.IssuedAt.Format(time.RFC3339), "to", out.ExpiresAt.Format(time.RFC3339))

	// A vaccination is outside this DSC's key usage.
	_, err = iss.Issue(&credential.DCC{Version: "1.3.0", Name: credential.Name{FamilyNameStd: "NGATA"}, DateOfBirth: "1985-07-14",
		Vaccinations: []credential.Vaccination{{Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528",
			Manufacturer: "ORG-100030215", DoseNumber: 1, TotalDoses: 2, Date: "2025-12-01", Country: "NZ",
			Issuer: "Ministry of Health NZ", ID: "URN:UVCI:01:NZ:EXAMPLE0002"}}})
	fmt.Println(err != nil, errors.Is(err, issuer.ErrKeyUsage))

	m, _ := hcert.Decode(out.Text)
	fmt.Println(m.Verify(dsc.PublicKey) == nil)
	// Output:
	// HC1: ES256 NZ test 8
	// 2026-01-01T12:00:00Z to 2026-01-04T12:00:00Z
	// true true
	// true
}
