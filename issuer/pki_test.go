package issuer_test

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

func TestCreateCSCA(t *testing.T) {
	key, err := issuer.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	nb, na := now.AddDate(-1, 0, 0), now.AddDate(10, 0, 0)
	csca, err := issuer.CreateCSCA(key, issuer.CertOptions{Country: "AU", NotBefore: nb, NotAfter: na})
	if err != nil {
		t.Fatal(err)
	}
	if !csca.IsCA || csca.Subject.Country[0] != "AU" || csca.Subject.CommonName != "AU CSCA" ||
		!csca.NotBefore.Equal(nb) || !csca.NotAfter.Equal(na) || csca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CSCA = IsCA %v, subject %v, validity %v–%v, usage %v", csca.IsCA, csca.Subject, csca.NotBefore, csca.NotAfter, csca.KeyUsage)
	}
	if err := csca.CheckSignatureFrom(csca); err != nil {
		t.Errorf("CSCA is not self-signed: %v", err)
	}
	if len(csca.SubjectKeyId) == 0 {
		t.Error("CSCA has no subject key id")
	}
	for name, o := range map[string]issuer.CertOptions{
		"lower-case country": {Country: "au", NotBefore: nb, NotAfter: na},
		"three letters":      {Country: "AUS", NotBefore: nb, NotAfter: na},
		"no country":         {NotBefore: nb, NotAfter: na},
		"notAfter before":    {Country: "AU", NotBefore: na, NotAfter: nb},
		"empty validity":     {Country: "AU", NotBefore: nb, NotAfter: nb},
	} {
		if _, err := issuer.CreateCSCA(key, o); err == nil {
			t.Errorf("%s: CreateCSCA succeeded", name)
		}
	}
}

func TestCreateDSC(t *testing.T) {
	cscaKey, err := issuer.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	nb, na := now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0)
	csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{Country: "CA", NotBefore: nb, NotAfter: na})
	if err != nil {
		t.Fatal(err)
	}
	dscKey, err := issuer.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		o       issuer.CertOptions
		wantErr bool
		usage   trustlist.Usage
		oids    []asn1.ObjectIdentifier
	}{
		{"whole CSCA validity", issuer.CertOptions{Country: "CA", NotBefore: nb, NotAfter: na}, false,
			trustlist.UsageAll, []asn1.ObjectIdentifier{trustlist.OIDTest, trustlist.OIDVaccination, trustlist.OIDRecovery}},
		{"test only", issuer.CertOptions{Country: "CA", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), Usage: trustlist.UsageTest}, false,
			trustlist.UsageTest, []asn1.ObjectIdentifier{trustlist.OIDTest}},
		{"vaccination and recovery", issuer.CertOptions{Country: "CA", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), Usage: trustlist.UsageVaccination | trustlist.UsageRecovery}, false,
			trustlist.UsageVaccination | trustlist.UsageRecovery, []asn1.ObjectIdentifier{trustlist.OIDVaccination, trustlist.OIDRecovery}},
		{"starts before the CSCA", issuer.CertOptions{Country: "CA", NotBefore: nb.Add(-time.Second), NotAfter: now}, true, 0, nil},
		{"ends after the CSCA", issuer.CertOptions{Country: "CA", NotBefore: now, NotAfter: na.Add(time.Second)}, true, 0, nil},
		{"entirely after the CSCA", issuer.CertOptions{Country: "CA", NotBefore: na.AddDate(1, 0, 0), NotAfter: na.AddDate(2, 0, 0)}, true, 0, nil},
		{"other country", issuer.CertOptions{Country: "US", NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, true, 0, nil},
		{"bad country", issuer.CertOptions{Country: "C1", NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, true, 0, nil},
		{"empty validity", issuer.CertOptions{Country: "CA", NotBefore: now, NotAfter: now}, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsc, err := issuer.CreateDSC(dscKey.Public(), csca, cscaKey, tt.o)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("CreateDSC succeeded: %v–%v", dsc.NotBefore, dsc.NotAfter)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateDSC: %v", err)
			}
			if err := dsc.CheckSignatureFrom(csca); err != nil {
				t.Errorf("DSC is not signed by the CSCA: %v", err)
			}
			if dsc.IsCA || dsc.Subject.Country[0] != "CA" || dsc.Subject.CommonName != "CA DSC" {
				t.Errorf("DSC IsCA %v subject %v", dsc.IsCA, dsc.Subject)
			}
			if !slices.EqualFunc(dsc.UnknownExtKeyUsage, tt.oids, func(a, b asn1.ObjectIdentifier) bool { return a.Equal(b) }) {
				t.Errorf("EKU OIDs = %v, want %v", dsc.UnknownExtKeyUsage, tt.oids)
			}
			if got := trustlist.CertificateUsage(dsc); got != tt.usage {
				t.Errorf("CertificateUsage = %v, want %v", got, tt.usage)
			}
			if string(dsc.AuthorityKeyId) != string(csca.SubjectKeyId) {
				t.Errorf("authority key id %x, want the CSCA's %x", dsc.AuthorityKeyId, csca.SubjectKeyId)
			}
			// The issuer accepts it, and issues within it.
			if _, err := issuer.New(dscKey, dsc); err != nil {
				t.Errorf("issuer.New with the DSC: %v", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	for alg, want := range map[string]string{"": "*ecdsa.PrivateKey", "ES256": "*ecdsa.PrivateKey", "PS256": "*rsa.PrivateKey"} {
		k, err := issuer.GenerateKey(alg)
		if err != nil {
			t.Fatalf("%q: %v", alg, err)
		}
		if got := fmt.Sprintf("%T", k); got != want {
			t.Errorf("GenerateKey(%q) = %s, want %s", alg, got, want)
		}
	}
	if _, err := issuer.GenerateKey("EdDSA"); err == nil {
		t.Error("GenerateKey(EdDSA) succeeded")
	}
}
