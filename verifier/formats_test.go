package verifier_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

var shcBundle = json.RawMessage(`{"resourceType":"Bundle","type":"collection","entry":[` +
	`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1985-04-12"}},` +
	`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"occurrenceDateTime":"2025-12-15","performer":[{"actor":{"display":"City Clinic"}}]}}]}`)

func TestVerifySHC(t *testing.T) {
	const iss = "https://health.example.org/shc"
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid, _ := shc.Thumbprint(&key.PublicKey)
	okid, _ := shc.Thumbprint(&other.PublicKey)
	crl := []byte(`{"kid":"` + kid + `","method":"rid","ctr":1,"rids":["revokedRID1"]}`)
	mk := func(crlVersion int, crls ...[]byte) *trustlist.Static {
		return trustlist.NewStatic(
			&trustlist.Key{Format: credential.FormatSHC, Issuer: iss, KID: []byte(kid), PublicKey: &key.PublicKey, Usage: trustlist.UsageAll, Country: "US", CRLVersion: crlVersion, CRLs: crls},
			&trustlist.Key{Format: credential.FormatSHC, Issuer: "https://other.example.org", KID: []byte(okid), PublicKey: &other.PublicKey, Usage: trustlist.UsageAll, Country: "CA"},
		)
	}
	nbf := vnow.Add(-24 * time.Hour)
	sign := func(signer *ecdsa.PrivateKey, iss string, opts *shc.SignOptions) (string, string) {
		t.Helper()
		jws, qrText, err := shc.Sign(signer, "", iss, shcBundle, nbf, opts)
		if err != nil {
			t.Fatal(err)
		}
		return jws, qrText
	}
	jws, qrText := sign(key, iss, nil)
	v := newVerifier(t, mk(0))
	for _, text := range []string{qrText, jws, string(shc.MarshalFile(jws))} {
		res, err := v.Verify(text)
		if err != nil {
			t.Fatalf("%.20s…: %v", text, err)
		}
		if res.Format != credential.FormatSHC || res.Country != "US" || res.Credential.Holder.FamilyName != "Doe" || res.Credential.Type != credential.TypeVaccination {
			t.Errorf("result %+v / %+v", res, res.Credential)
		}
	}
	// The other issuer's genuine key, but the card claims our issuer.
	_, forged := sign(other, iss, nil)
	_, revoked := sign(key, iss, &shc.SignOptions{RID: "revokedRID1"})
	_, expired := sign(key, iss, &shc.SignOptions{ExpiresAt: vnow.Add(-time.Hour)})
	tests := []struct {
		name   string
		text   string
		trust  *trustlist.Static
		reason credential.Reason
	}{
		{name: "card claims an issuer its key does not belong to", text: forged, trust: mk(0), reason: credential.ReasonUnknownKey},
		{name: "rid listed", text: revoked, trust: mk(1, crl), reason: credential.ReasonRevoked},
		{name: "crlVersion but no list", text: qrText, trust: mk(1), reason: credential.ReasonRevocationUnavailable},
		{name: "stale list (ctr below crlVersion)", text: qrText, trust: mk(2, crl), reason: credential.ReasonRevocationUnavailable},
		{name: "expired card", text: expired, trust: mk(0), reason: credential.ReasonExpired},
		{name: "digit pair over 77", text: "shc:/" + strings.Repeat("99", 10), trust: mk(0), reason: credential.ReasonBadPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newVerifier(t, tt.trust).Verify(tt.text)
			var ve = new(verifierErr)
			if res != nil || !asVerr(err, ve) || ve.Reason != tt.reason {
				t.Errorf("got %v, want %s", err, tt.reason)
			}
		})
	}
	// The same card with the list loaded but not listing it passes.
	if _, err := newVerifier(t, mk(1, crl)).Verify(qrText); err != nil {
		t.Errorf("unrevoked card with its list: %v", err)
	}
}

func TestVerifyVDSNC(t *testing.T) {
	cscaKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"AU"}, CommonName: "Test CSCA"},
		NotBefore: vnow.AddDate(-1, 0, 0), NotAfter: vnow.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &cscaKey.PublicKey, cscaKey)
	csca, _ := x509.ParseCertificate(der)
	crlOK, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: vnow.AddDate(0, -1, 0), NextUpdate: vnow.AddDate(0, 2, 0)}, csca, cscaKey)
	bscKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bt, _ := vdsnc.BSCTemplate("AU", "DFAT", vnow.AddDate(0, -1, 0), vnow.AddDate(5, 0, 0))
	bder, _ := x509.CreateCertificate(rand.Reader, bt, csca, &bscKey.PublicKey, cscaKey)
	bsc, _ := x509.ParseCertificate(bder)
	crlRevoked, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2),
		ThisUpdate: vnow.AddDate(0, -1, 0), NextUpdate: vnow.AddDate(0, 2, 0),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: bsc.SerialNumber, RevocationTime: vnow.AddDate(0, 0, -1)}}}, csca, cscaKey)
	text, err := vdsnc.Sign(bscKey, bsc, []byte(`{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{"uvci":"VB0009990038",`+
		`"pid":{"n":"CITIZEN  JANE","dob":"1977-05-16"},"ve":[{"des":"XM68M6","nam":"Comirnaty","dis":"RA01.0",`+
		`"vd":[{"dvc":"2025-06-13","seq":1,"ctr":"AUS","lot":"EP2163"}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	trust := func(crls ...[]byte) *trustlist.Static {
		return trustlist.NewStatic(&trustlist.Key{Format: credential.FormatVDSNC, KID: csca.SubjectKeyId, Country: "AU",
			PublicKey: csca.PublicKey, Certificate: csca, Usage: trustlist.UsageAll, CRLs: crls})
	}
	res, err := newVerifier(t, trust(crlOK)).Verify(text)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != credential.FormatVDSNC || res.Country != "AU" || res.Credential.Type != credential.TypeVaccination {
		t.Errorf("result %+v / %+v", res, res.Credential)
	}
	for _, tt := range []struct {
		name   string
		text   string
		trust  *trustlist.Static
		reason credential.Reason
	}{
		{"BSC on the CSCA's CRL", text, trust(crlRevoked), credential.ReasonKeyRevoked},
		{"no CRL", text, trust(), credential.ReasonKeyNotValid},
		{"unknown CSCA", text, trustlist.NewStatic(), credential.ReasonUnknownKey},
		{"tampered", strings.Replace(text, "CITIZEN", "CITIZEM", 1), trust(crlOK), credential.ReasonBadSignature},
		{"not a seal", `{"hello":"world"}`, trust(crlOK), credential.ReasonBadPrefix},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newVerifier(t, tt.trust).Verify(tt.text)
			ve := new(verifierErr)
			if res != nil || !asVerr(err, ve) || ve.Reason != tt.reason {
				t.Errorf("got %v, want %s", err, tt.reason)
			}
		})
	}
}

type verifierErr = verifier.Error

func asVerr(err error, out *verifier.Error) bool {
	e, ok := err.(*verifier.Error)
	if ok {
		*out = *e
	}
	return ok
}

// shcWithoutRevocationList returns an SHC card and a verifier trusting its
// key, which requires a rid list (crlVersion 1) that is not loaded.
func shcWithoutRevocationList(t *testing.T) (string, *verifier.Verifier) {
	const iss = "https://health.example.org/shc"
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid, _ := shc.Thumbprint(&key.PublicKey)
	_, qrText, err := shc.Sign(key, "", iss, shcBundle, vnow.Add(-time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	trust := trustlist.NewStatic(&trustlist.Key{Format: credential.FormatSHC, Issuer: iss, KID: []byte(kid),
		PublicKey: &key.PublicKey, Usage: trustlist.UsageAll, CRLVersion: 1})
	return qrText, newVerifier(t, trust)
}

// TestVerifyImageReportsDecode checks that an image verification says how
// the code was read, and that images without credentials get reasons
// telling no code, unreadable code and non-credential code apart.
func TestVerifyImageReportsDecode(t *testing.T) {
	gb := fedMember(t, "GB")
	text := signText(t, gb, claims(t, gb, credential.TypeVaccination, iat0, iat0.AddDate(0, 1, 0)))
	png, err := qr.EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, fedTrust(t))
	res, err := photo.Verify(v, png)
	if err != nil {
		t.Fatal(err)
	}
	if res.Image == nil || res.Image.Symbology != qr.SymbologyQR || res.Image.Pass == "" {
		t.Errorf("image info %+v", res.Image)
	}
	other, _ := qr.EncodePNG("https://example.org/not-a-credential")
	for _, tt := range []struct {
		name   string
		data   []byte
		reason credential.Reason
	}{
		{"a code that is no credential", other, credential.ReasonBadPrefix},
		{"no code", blankPNG(t), credential.ReasonBadImage},
		{"not an image", []byte("not an image at all"), credential.ReasonBadImage},
	} {
		_, err := photo.Verify(v, tt.data)
		ve := new(verifierErr)
		if !asVerr(err, ve) || ve.Reason != tt.reason {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.reason)
		}
	}
}
