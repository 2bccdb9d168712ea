package vdsnc

import (
	"bytes"
	"strings"

	"github.com/b5m5/travelcred/credential"
)

// Alpha2 maps an ICAO 9303 state code ("AUS", "D<<", "GBN") to its ISO
// 3166-1 alpha-2 code ("AU", "DE", "GB"). A code it does not know is
// returned unchanged, so the result is two letters exactly when the code
// is known.
func Alpha2(code string) string {
	if a2, ok := alpha3[code]; ok {
		return a2
	}
	return code
}

// Credential maps the seal to the format-neutral model. The result has not
// been authenticated unless the caller has verified the seal.
//
// A proof of vaccination becomes a vaccination credential whose single
// event is the dose with the highest sequence number (the latest date on a
// tie): Target is dis, Vaccine des, Product nam, DoseNumber seq, Date dvc,
// Country ctr (as alpha-2), Issuer the BSC's common name (the issuing
// authority, else the issuing state's code) and ID the UVCI. VDS-NC states
// no series length, so TotalDoses is 0; lot, centre and the other doses
// stay in s.Vaccination. A proof of testing becomes a test credential:
// TestType tc, Result r, SampledAt sc, ResultAt ri, Centre spn, Country ctr
// (alpha-2), ID the UTCI; VDS-NC names no target disease.
//
// The holder's name pid.n is split at its first double space into family
// and given names ("CITIZEN  JANE CATHERINE" → CITIZEN, JANE CATHERINE),
// and the ICAO-transliterated forms are filled in when the name is already
// plain A–Z. Country is the issuing state as ISO 3166-1 alpha-2 (see
// Alpha2; an unknown code is kept as its three letters). The seal has no
// issue or expiry time, so IssuedAt and ExpiresAt are zero. Raw is a copy
// of Data.
func (s *Seal) Credential() (*credential.Credential, error) {
	c := &credential.Credential{
		Format:  credential.FormatVDSNC,
		Country: Alpha2(s.Header.Country),
		Raw:     bytes.Clone(s.Data),
	}
	switch {
	case s.Header.Type == TypeVaccination && s.Vaccination != nil:
		v := s.Vaccination
		ev, dose := latestDose(v.Events)
		if dose == nil {
			return nil, newErr(credential.ReasonSchema, "the proof of vaccination has no dose", nil)
		}
		c.Type = credential.TypeVaccination
		c.Holder = splitName(v.Person.Name)
		c.DateOfBirth = v.Person.DateOfBirth
		c.Vaccination = &credential.Vaccination{
			Target:     ev.Disease,
			Vaccine:    ev.Vaccine,
			Product:    ev.Product,
			DoseNumber: dose.Seq,
			Date:       dose.Date,
			Country:    Alpha2(dose.Country),
			Issuer:     s.issuerName(),
			ID:         v.UVCI,
		}
	case s.Header.Type == TypeTest && s.Test != nil:
		t := s.Test
		c.Type = credential.TypeTest
		c.Holder = splitName(t.Person.Name)
		c.DateOfBirth = t.Person.DateOfBirth
		c.Test = &credential.Test{
			TestType:  t.Result.Type,
			SampledAt: t.SampledAt,
			ResultAt:  t.ReportedAt,
			Result:    t.Result.Result,
			Centre:    t.Provider.Name,
			Country:   Alpha2(t.Provider.Country),
			Issuer:    s.issuerName(),
			ID:        t.UTCI,
		}
	default:
		return nil, newErr(credential.ReasonSchema, "the seal has no message of type "+s.Header.Type, nil)
	}
	return c, nil
}

// issuerName is the BSC's common name, else the issuing state's code.
func (s *Seal) issuerName() string {
	if s.BSC != nil && s.BSC.Subject.CommonName != "" {
		return s.BSC.Subject.CommonName
	}
	return s.Header.Country
}

// latestDose returns the dose with the highest sequence number across all
// events, the later date winning a tie, and its event.
func latestDose(events []VaccinationEvent) (*VaccinationEvent, *Dose) {
	var ev *VaccinationEvent
	var best *Dose
	for i := range events {
		for j := range events[i].Doses {
			d := &events[i].Doses[j]
			if best == nil || d.Seq > best.Seq || d.Seq == best.Seq && d.Date > best.Date {
				ev, best = &events[i], d
			}
		}
	}
	return ev, best
}

// splitName splits an ICAO-style name at its first double space.
func splitName(n string) credential.Name {
	family, given, _ := strings.Cut(n, "  ")
	family, given = strings.TrimSpace(family), strings.TrimSpace(given)
	return credential.Name{
		FamilyName:    family,
		FamilyNameStd: transliterated(family),
		GivenName:     given,
		GivenNameStd:  transliterated(given),
	}
}

// transliterated returns the ICAO 9303 form of a name that is already
// plain upper- or lower-case A–Z with spaces, hyphens and apostrophes
// (upper-cased, separators as '<', apostrophes dropped), and "" for any
// other name, which needs real transliteration.
func transliterated(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c)
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c == ' ' || c == '-':
			b.WriteByte('<')
		case c == '\'':
		default:
			return ""
		}
	}
	return b.String()
}
