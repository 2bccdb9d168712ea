package testvectors

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

// Countries are the five federation members, by ISO 3166-1 alpha-2 code.
var Countries = []string{"AU", "CA", "NZ", "GB", "US"}

// Member is one country's generated PKI: a CSCA and a DSC with their keys.
type Member struct {
	Country  string
	CSCA     *x509.Certificate
	CSCAKey  crypto.Signer
	DSC      *x509.Certificate
	DSCKey   crypto.Signer
	Alg      string // ES256 or PS256
	Issuer   *issuer.Issuer
	TrustKey *trustlist.Key
}

// Federation is a generated set of members for tests and the demo. Its keys
// are fresh and exist only in memory.
type Federation struct {
	Members []*Member
	// Trust is a static trust source holding every member's DSC.
	Trust *trustlist.Static
}

// FederationOptions tune NewFederation.
type FederationOptions struct {
	// Countries to create (default Countries).
	Countries []string
	// Alg of the DSC keys per country: "ES256" (default) or "PS256".
	Alg map[string]string
	// Now is the clock the certificates and issuers use (default a fixed
	// moment, 2026-01-01T00:00:00Z, so tests do not depend on the wall clock).
	Now func() time.Time
	// Usage of the DSCs (default all types).
	Usage trustlist.Usage
}

// DefaultNow is the fixed clock of generated federations.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewFederation creates a CSCA and a DSC for each country, and an issuer
// for each DSC.
func NewFederation(o FederationOptions) (*Federation, error) {
	if o.Countries == nil {
		o.Countries = Countries
	}
	if o.Now == nil {
		o.Now = func() time.Time { return DefaultNow }
	}
	now := o.Now()
	f := &Federation{}
	var keys []*trustlist.Key
	for _, cc := range o.Countries {
		alg := o.Alg[cc]
		if alg == "" {
			alg = "ES256"
		}
		m := &Member{Country: cc, Alg: alg}
		var err error
		if m.CSCAKey, err = issuer.GenerateKey("ES256"); err != nil {
			return nil, err
		}
		if m.CSCA, err = issuer.CreateCSCA(m.CSCAKey, issuer.CertOptions{
			Country: cc, CommonName: cc + " Health CSCA",
			NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		}); err != nil {
			return nil, err
		}
		if m.DSCKey, err = issuer.GenerateKey(alg); err != nil {
			return nil, err
		}
		if m.DSC, err = issuer.CreateDSC(m.DSCKey.Public(), m.CSCA, m.CSCAKey, issuer.CertOptions{
			Country: cc, CommonName: cc + " Health DSC 1",
			NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(2, 0, 0),
			Usage: o.Usage,
		}); err != nil {
			return nil, err
		}
		if m.Issuer, err = issuer.New(m.DSCKey, m.DSC, issuer.WithClock(o.Now)); err != nil {
			return nil, err
		}
		if m.TrustKey, err = trustlist.KeyFromCertificate(m.DSC); err != nil {
			return nil, err
		}
		keys = append(keys, m.TrustKey)
		f.Members = append(f.Members, m)
	}
	f.Trust = trustlist.NewStatic(keys...)
	return f, nil
}

// Member returns the member of a country.
func (f *Federation) Member(country string) (*Member, error) {
	for _, m := range f.Members {
		if m.Country == country {
			return m, nil
		}
	}
	return nil, fmt.Errorf("testvectors: no member %s", country)
}
