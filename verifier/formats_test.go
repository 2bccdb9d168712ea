package verifier_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"github.com/fxamacker/cbor/v2"
	"math/big"
	"net/url"
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

	// One verifier whose signature cache is warm from a valid check: a
	// change of trust is still seen on the next seal.
	revokedCSCA := trustlist.NewStatic(&trustlist.Key{Format: credential.FormatVDSNC, KID: csca.SubjectKeyId, Country: "AU",
		PublicKey: csca.PublicKey, Certificate: csca, Usage: trustlist.UsageAll, CRLs: [][]byte{crlOK}, Revoked: true})
	testUsage := trustlist.NewStatic(&trustlist.Key{Format: credential.FormatVDSNC, KID: csca.SubjectKeyId, Country: "AU",
		PublicKey: csca.PublicKey, Certificate: csca, Usage: trustlist.UsageTest, CRLs: [][]byte{crlOK}})
	src := &switchSource{Source: trust(crlOK)}
	v := newVerifier(t, src)
	for _, step := range []struct {
		name   string
		trust  trustlist.Source
		reason credential.Reason // "" for valid
	}{
		{"valid (the cache fills)", trust(crlOK), ""},
		{"valid again (from the cache)", trust(crlOK), ""},
		{"BSC now on the CRL", trust(crlRevoked), credential.ReasonKeyRevoked},
		{"CRL withdrawn", trust(), credential.ReasonKeyNotValid},
		{"CSCA revoked in the trust list", revokedCSCA, credential.ReasonKeyRevoked},
		{"CSCA limited to tests", testUsage, credential.ReasonKeyUsage},
		{"CSCA no longer trusted", trustlist.NewStatic(), credential.ReasonUnknownKey},
		{"trusted again", trust(crlOK), ""},
	} {
		src.Source = step.trust
		res, err := v.Verify(text)
		ve := new(verifierErr)
		switch {
		case step.reason == "" && err != nil:
			t.Errorf("%s: %v", step.name, err)
		case step.reason != "" && (res != nil || !asVerr(err, ve) || ve.Reason != step.reason):
			t.Errorf("%s: got %v, want %s", step.name, err, step.reason)
		}
	}
}

// switchSource is a trust source whose answers a test can replace.
type switchSource struct{ trustlist.Source }

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

// TestWHOSubClaims verifies HCERTs carrying WHO sub-claims instead of the
// EU DCC: a DDCC:VS maps to a vaccination with the holder's name and date
// of birth, a link sub-claim is kept with no type, and both are kept raw.
func TestWHOSubClaims(t *testing.T) {
	gb := fedMember(t, "GB")
	v := newVerifier(t, fedTrust(t))
	sign := func(sub map[int]any, withExp bool) string {
		claims := map[int]any{1: "GB", 6: iat0.Unix(), -260: sub}
		if withExp {
			claims[4] = iat0.AddDate(0, 1, 0).Unix()
		}
		payload, err := cbor.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		return signText(t, gb, payload)
	}
	res, err := v.Verify(sign(map[int]any{3: map[string]any{"name": "Ana Silva", "birthDate": "1985-07-13", "vaccine": map[string]any{"code": "XM68M6"}}}, false))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Credential
	if c.Type != credential.TypeVaccination || c.Holder.FamilyName != "Ana Silva" || c.DateOfBirth != "1985-07-13" ||
		len(c.SubClaims) != 1 || c.SubClaims[0].Name != "ddcc-vs" || c.DCC != nil {
		t.Errorf("DDCC:VS credential %+v", c)
	}
	res, err = v.Verify(sign(map[int]any{5: "https://example.org/shl#abc", 4: map[string]any{"name": "Ana"}}, true))
	if err != nil {
		t.Fatal(err)
	}
	if res.Credential.Type != credential.TypeTest || len(res.Credential.SubClaims) != 2 {
		t.Errorf("DDCC:TR with a link: %+v", res.Credential)
	}
	// An hcert claim with only an unknown sub-claim is refused.
	_, err = v.Verify(sign(map[int]any{9: "x"}, true))
	ve := new(verifierErr)
	if !asVerr(err, ve) || ve.Reason != credential.ReasonBadClaims {
		t.Errorf("unknown sub-claim only: %v", err)
	}
	// A WHO sub-claim with duplicate keys is not strict CBOR.
	dup := []byte{0xa2, 0x64, 'n', 'a', 'm', 'e', 0x61, 'a', 0x64, 'n', 'a', 'm', 'e', 0x61, 'b'}
	payload := append([]byte{0xa3, 0x01, 0x62, 'G', 'B', 0x06}, cbor.RawMessage(mustCBOR(t, iat0.Unix()))...)
	payload = append(payload, 0x39, 0x01, 0x03, 0xa1, 0x03)
	payload = append(payload, dup...)
	_, err = v.Verify(signText(t, gb, payload))
	if !asVerr(err, ve) || ve.Reason != credential.ReasonBadCBOR {
		t.Errorf("duplicate keys in DDCC:VS: %v", err)
	}
}

func mustCBOR(t *testing.T, v any) []byte {
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSHCX5CBinding checks that an SHC key's x5c chain must name the
// card's issuer in the leaf's URI SAN and hold the key.
func TestSHCX5CBinding(t *testing.T) {
	const iss = "https://health.example.org/shc"
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "SHC CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: vnow.AddDate(-1, 0, 0), NotAfter: vnow.AddDate(5, 0, 0), KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid, _ := shc.Thumbprint(&key.PublicKey)
	leafFor := func(san string) *x509.Certificate {
		u, _ := url.Parse(san)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "issuer"}, URIs: []*url.URL{u},
			NotBefore: vnow.AddDate(-1, 0, 0), NotAfter: vnow.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		c, _ := x509.ParseCertificate(der)
		return c
	}
	_, qrText, err := shc.Sign(key, "", iss, shcBundle, vnow.Add(-time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		san  string
		ok   bool
	}{{"SAN names the issuer", iss, true}, {"SAN names another issuer", "https://evil.example.org/shc", false}} {
		leaf := leafFor(tc.san)
		trust := trustlist.NewStatic(&trustlist.Key{Format: credential.FormatSHC, Issuer: iss, KID: []byte(kid), PublicKey: &key.PublicKey,
			Usage: trustlist.UsageAll, Certificate: leaf, Chain: []*x509.Certificate{leaf, ca}})
		_, err := newVerifier(t, trust).Verify(qrText)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
