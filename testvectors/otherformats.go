package testvectors

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/trustlist"
)

// FormatIssuer issues credentials of a format other than HCERT for one
// member, and names the trust-list entries a verifier needs for them.
type FormatIssuer struct {
	Country string
	Format  credential.Format
	// Entries are the country-list entries of the issuing key.
	Entries []trustlist.Entry
	// Issue makes one credential's text at the given time.
	Issue func(at time.Time) (string, error)
	// Level is the QR error correction level the format uses.
	Level qr.Level
}

// NZCPIssuer makes an NZ COVID Pass issuer (a did:web DID with key-1).
func NZCPIssuer(country string) (*FormatIssuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	did := "did:web:nzcp.demo.travelcred.example"
	jwk, err := trustlist.MarshalPublicJWK(key.Public())
	if err != nil {
		return nil, err
	}
	return &FormatIssuer{
		Country: country, Format: credential.FormatNZCP, Level: qr.LevelQ,
		Entries: []trustlist.Entry{{KID: "key-1", Format: credential.FormatNZCP, Key: jwk, Status: trustlist.StatusActive, Issuer: did}},
		Issue: func(at time.Time) (string, error) {
			var jti [16]byte
			rand.Read(jti[:])
			return nzcp.Sign(key, did, "key-1", nzcp.Subject{GivenName: "Aroha", FamilyName: "Ngata", DOB: "1988-03-14"},
				at.Add(-time.Hour), at.AddDate(1, 0, 0), jti)
		},
	}, nil
}

// SHCIssuer makes a SMART Health Card issuer with its JWKS key.
func SHCIssuer(country, iss string) (*FormatIssuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwks, err := shc.MarshalJWKS([]shc.Key{{PublicKey: &key.PublicKey}})
	if err != nil {
		return nil, err
	}
	entries, err := trustlist.ImportJWKS(jwks, iss)
	if err != nil {
		return nil, err
	}
	bundle := json.RawMessage(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Rivera","given":["Sam"]}],"birthDate":"1979-11-02"}},` +
		`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"occurrenceDateTime":"2025-10-01","performer":[{"actor":{"display":"Demo Pharmacy"}}]}}]}`)
	return &FormatIssuer{
		Country: country, Format: credential.FormatSHC, Entries: entries, Level: qr.LevelL,
		Issue: func(at time.Time) (string, error) {
			_, text, err := shc.Sign(key, "", iss, bundle, at.Add(-time.Hour), nil)
			return text, err
		},
	}, nil
}

// VDSNCIssuer makes a barcode signer under the member's CSCA, with the
// VDS-NC extensions, and a current CRL of the CSCA.
func VDSNCIssuer(m *Member, now time.Time) (*FormatIssuer, error) {
	bscKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl, err := vdsnc.BSCTemplate(m.Country, m.Country+" DEMO barcode signer", now.AddDate(0, -1, 0), now.AddDate(2, 0, 0))
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, m.CSCA, bscKey.Public(), m.CSCAKey)
	if err != nil {
		return nil, err
	}
	bsc, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: now.Add(-time.Hour), NextUpdate: now.AddDate(0, 3, 0)}, m.CSCA, m.CSCAKey.(crypto.Signer))
	if err != nil {
		return nil, err
	}
	byCountry, err := trustlist.ImportICAOCSCA(m.CSCA.Raw)
	if err != nil {
		return nil, err
	}
	entries := byCountry[m.Country]
	if n, err := trustlist.AttachCRL(entries, crl); err != nil || n != 1 {
		return nil, fmt.Errorf("testvectors: CRL attached to %d entries: %v", n, err)
	}
	alpha3 := map[string]string{"AU": "AUS", "CA": "CAN", "NZ": "NZL", "GB": "GBR", "US": "USA"}[m.Country]
	return &FormatIssuer{
		Country: m.Country, Format: credential.FormatVDSNC, Entries: entries, Level: qr.LevelL,
		Issue: func(at time.Time) (string, error) {
			data := fmt.Sprintf(`{"hdr":{"t":"icao.vacc","v":1,"is":%q},"msg":{"uvci":"VB0000000001",`+
				`"pid":{"n":"CITIZEN  JANE","dob":"1977-05-16"},"ve":[{"des":"XM68M6","nam":"Comirnaty","dis":"RA01.0",`+
				`"vd":[{"dvc":%q,"seq":1,"ctr":%q,"lot":"EP2163"}]}]}}`, alpha3, at.AddDate(0, -2, 0).Format("2006-01-02"), alpha3)
			return vdsnc.Sign(bscKey, bsc, []byte(data))
		},
	}, nil
}
