package testvectors

import (
	"fmt"

	"github.com/b5m5/travelcred/credential"
)

// SamplePayload returns a valid schema 1.3.0 DCC payload of the given type
// for a fictional holder, issued in country.
func SamplePayload(t credential.Type, country string) *credential.DCC {
	d := &credential.DCC{
		Version: "1.3.0",
		Name: credential.Name{
			FamilyName: "d'Arsøns-van Halen", FamilyNameStd: "DARSONS<VAN<HALEN",
			GivenName: "François-Joan", GivenNameStd: "FRANCOIS<JOAN",
		},
		DateOfBirth: "1990-01-01",
	}
	uvci := fmt.Sprintf("URN:UVCI:01:%s:DEMO%s0001", country, t)
	switch t {
	case credential.TypeVaccination:
		d.Vaccinations = []credential.Vaccination{{
			Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528",
			Manufacturer: "ORG-100030215", DoseNumber: 2, TotalDoses: 2,
			Date: "2025-11-01", Country: country, Issuer: country + " Ministry of Health", ID: uvci,
		}}
	case credential.TypeTest:
		d.Tests = []credential.Test{{
			Target: "840539006", TestType: "LP217198-3", Manufacturer: "1232",
			SampledAt: "2025-12-31T08:00:00Z", Result: "260415000", Centre: "Test Centre 1",
			Country: country, Issuer: country + " Ministry of Health", ID: uvci,
		}}
	case credential.TypeRecovery:
		d.Recoveries = []credential.Recovery{{
			Target: "840539006", FirstPositive: "2025-10-01", Country: country,
			Issuer: country + " Ministry of Health", ValidFrom: "2025-10-12", ValidUntil: "2026-04-01", ID: uvci,
		}}
	}
	return d
}
