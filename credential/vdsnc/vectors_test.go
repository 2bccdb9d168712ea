package vdsnc_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// expectedFile is the shape of expected.json (see SOURCES.md).
type expectedFile struct {
	Suite string       `json:"suite"`
	Clock time.Time    `json:"clock"`
	Trust []trustEntry `json:"trust"`
	Cases []struct {
		Input  string       `json:"input"`
		Stage  string       `json:"stage"`
		Expect string       `json:"expect"`
		Class  string       `json:"class"`
		Clock  *time.Time   `json:"clock"`
		Trust  []trustEntry `json:"trust"`
		Note   string       `json:"note"`
	} `json:"cases"`
}

type trustEntry struct {
	Kind string `json:"kind"`
	File string `json:"file"`
}

// loadTrust reads the trust files of a case. A file that does not parse
// contributes nothing, as SOURCES.md says.
func loadTrust(t *testing.T, entries []trustEntry) ([]*vdsnc.CSCA, [][]byte) {
	t.Helper()
	var cscas []*vdsnc.CSCA
	var crls [][]byte
	for _, e := range entries {
		b := vectorFile(t, e.File)
		switch e.Kind {
		case "csca":
			if cs, err := vdsnc.ParseCSCAs(b); err == nil {
				cscas = append(cscas, cs...)
			} else {
				t.Logf("trust file %s does not parse: %v", e.File, err)
			}
		case "crl-icao":
			crls = append(crls, b)
		default:
			t.Fatalf("trust kind %q is not a VDS-NC kind", e.Kind)
		}
	}
	return cscas, crls
}

// TestExpected runs every case of expected.json with its trust files and
// pinned clock, and compares verdict and class.
func TestExpected(t *testing.T) {
	var exp expectedFile
	if err := json.Unmarshal(vectorFile(t, "expected.json"), &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Suite != "vdsnc" || len(exp.Cases) == 0 {
		t.Fatalf("expected.json: suite %q with %d cases", exp.Suite, len(exp.Cases))
	}
	passed := 0
	for i, c := range exp.Cases {
		t.Run(c.Input, func(t *testing.T) {
			clock := exp.Clock
			if c.Clock != nil {
				clock = *c.Clock
			}
			trust := exp.Trust
			if c.Trust != nil {
				trust = c.Trust
			}
			cscas, crls := loadTrust(t, trust)
			text := string(vectorFile(t, c.Input))
			err := verdictErr(text, cscas, crls, clock)
			got, class := verdict(t, err)
			t.Logf("case %d (%s): %s %s %v", i+1, c.Stage, got, class, err)
			if got != c.Expect || c.Expect == "invalid" && class != c.Class {
				t.Fatalf("got %s/%s (%v), want %s/%s: %s", got, class, err, c.Expect, c.Class, c.Note)
			}
			passed++
		})
	}
	t.Logf("%d of %d expected.json cases pass", passed, len(exp.Cases))
}

// TestVectorUnitChecks covers the assertions SOURCES.md lists as unit
// checks rather than cases: canonical form, CSCA pin, AKI/SKI, path.
func TestVectorUnitChecks(t *testing.T) {
	t.Run("canonical form of the whole seal", func(t *testing.T) {
		got, err := jcs.Transform(vectorFile(t, "au-ios/seal-valid.json"))
		if err != nil {
			t.Fatal(err)
		}
		if want := vectorFile(t, "au-ios/seal-valid.canonical.json"); !bytes.Equal(got, want) {
			t.Fatalf("JCS differs:\n got %s\nwant %s", got, want)
		}
	})
	t.Run("canonical data is the same for every copy", func(t *testing.T) {
		var canon [][]byte
		for _, f := range []string{"au-ios/seal-valid.json", "au-ios/seal-valid.canonical.json", "au-android/example-app/seal-valid.json"} {
			s, err := vdsnc.Decode(string(vectorFile(t, f)))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			canon = append(canon, s.Canonical)
		}
		if !bytes.Equal(canon[0], canon[1]) || !bytes.Equal(canon[0], canon[2]) {
			t.Fatal("pretty, compact and tab-indented copies canonicalise differently")
		}
	})
	t.Run("raw data is kept as received", func(t *testing.T) {
		text := vectorFile(t, "au-android/example-app/seal-valid.json")
		s := must(vdsnc.Decode(string(text)))
		if !bytes.Contains(text, s.Data) || !bytes.Contains(s.Data, []byte("\t")) {
			t.Fatalf("Data is not the received bytes: %q", s.Data)
		}
	})
	for _, pin := range []struct{ cert, sum string }{
		{"au-ios/csca-au.cer", "au-ios/csca-au.cer.sha256.txt"},
		{"au-android/example-app/csca-au-test.cer", "au-android/example-app/csca-au-test.cer.sha256.txt"},
	} {
		t.Run("pin "+pin.cert, func(t *testing.T) {
			sum := sha256.Sum256(vectorFile(t, pin.cert))
			want := strings.Fields(string(vectorFile(t, pin.sum)))[0]
			if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
				t.Fatalf("SHA-256 %s, pinned %s", got, want)
			}
		})
	}
	t.Run("AKI of the BSC is the SKI of the CSCA", func(t *testing.T) {
		cscas, _ := auTrust(t)
		s := must(vdsnc.Decode(string(vectorFile(t, "au-ios/seal-valid.json"))))
		bsc := must(x509.ParseCertificate(vectorFile(t, "au-ios/bsc-au-dfat.cer")))
		if !bytes.Equal(s.BSC.Raw, bsc.Raw) {
			t.Fatal("sig.cer is not bsc-au-dfat.cer")
		}
		if !bytes.Equal(s.KeyRef(), cscas[0].SubjectKeyID) || cscas[0].Country != "AU" {
			t.Fatalf("KeyRef %x, CSCA SKI %x, country %q", s.KeyRef(), cscas[0].SubjectKeyID, cscas[0].Country)
		}
		types, err := vdsnc.DocumentTypes(bsc)
		if err != nil || len(types) != 1 || types[0] != "NV" {
			t.Fatalf("document types %q, %v", types, err)
		}
	})
	t.Run("path with crypto/x509 as a cross-check", func(t *testing.T) {
		bsc := must(x509.ParseCertificate(vectorFile(t, "au-ios/bsc-au-dfat.cer")))
		for _, c := range []struct {
			file string
			ok   bool
		}{{"au-ios/csca-au.cer", true}, {"au-android/example-app/csca-au-test.cer", false}} {
			pool := x509.NewCertPool()
			pool.AddCert(must(x509.ParseCertificate(vectorFile(t, c.file))))
			_, err := bsc.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: auClock, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if (err == nil) != c.ok {
				t.Fatalf("%s: crypto/x509 path %v", c.file, err)
			}
		}
	})
	t.Run("TEST CSCA and CRL parse; no AU seal chains to it", func(t *testing.T) {
		test := must(vdsnc.ParseCSCAs(vectorFile(t, "au-android/example-app/csca-au-test.cer")))
		crl := vectorFile(t, "au-android/example-app/crl-au-test.crl")
		s := must(vdsnc.Decode(string(vectorFile(t, "ddcc-validator/ICAOAUQR1Contents.txt"))))
		_, err := s.VerifyChain(test, [][]byte{crl}, auClock)
		if reasonOf(t, err) != credential.ReasonUnknownKey {
			t.Fatalf("got %v, want unknown_key", err)
		}
	})
}

// TestVectorTrustEdges exercises the AU trust material beyond the listed
// cases: the empty CRL of upstream testEmptyCRL, a stale CRL, the BSC's
// own validity, and a CRL of another CSCA.
func TestVectorTrustEdges(t *testing.T) {
	cscas, crls := auTrust(t)
	s := must(vdsnc.Decode(string(vectorFile(t, "au-ios/seal-valid.json"))))
	testCRL := vectorFile(t, "au-android/example-app/crl-au-test.crl")
	for _, c := range []struct {
		name  string
		crls  [][]byte
		at    time.Time
		class string
		want  credential.Reason
	}{
		{"pinned clock", crls, auClock, "", ""},
		{"empty CRL (upstream testEmptyCRL)", [][]byte{{}}, auClock, "untrusted", credential.ReasonKeyNotValid},
		{"no CRL at all", nil, auClock, "untrusted", credential.ReasonKeyNotValid},
		{"only another CSCA's CRL", [][]byte{testCRL}, auClock, "untrusted", credential.ReasonKeyNotValid},
		{"garbage then the right CRL", [][]byte{[]byte("junk"), testCRL, crls[0]}, auClock, "", ""},
		{"last second of the CRL", crls, time.Date(2021, 11, 17, 3, 56, 55, 0, time.UTC), "", ""},
		{"CRL stale (today without a pinned clock)", crls, time.Date(2021, 11, 17, 3, 56, 56, 0, time.UTC), "untrusted", credential.ReasonKeyNotValid},
		{"before the BSC", crls, time.Date(2021, 8, 31, 13, 59, 59, 0, time.UTC), "expired", credential.ReasonNotYetValid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.VerifyChain(cscas, c.crls, c.at)
			if got := reasonOf(t, err); got != c.want {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if _, class := verdict(t, err); class != c.class {
				t.Fatalf("class %q, want %q", class, c.class)
			}
		})
	}
}

// TestVectorCredential checks the mapping of the three AU seals.
func TestVectorCredential(t *testing.T) {
	for _, c := range []struct {
		file, family, given, dob, product, date, id string
		dose                                        int
	}{
		{"au-ios/seal-valid.json", "CITIZEN", "JANE CATHERINE", "1977-05-16", "Pfizer Comirnaty", "2021-07-01", "VB0009990038", 2},
		{"au-android/seal-valid.json", "CITIZEN", "JOHN", "2004-03-20", "Moderna Spikevax", "2021-10-03", "VB0009990025", 2},
		{"ddcc-validator/ICAOAUQR1Contents.txt", "CITIZEN", "JANE SUE", "1961-05-15", "AstraZeneca Vaxzevria", "2021-09-15", "VB0009990012", 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			s := must(vdsnc.Decode(string(vectorFile(t, c.file))))
			cred, err := s.Credential()
			if err != nil {
				t.Fatal(err)
			}
			v := cred.Vaccination
			if cred.Format != credential.FormatVDSNC || cred.Type != credential.TypeVaccination || v == nil {
				t.Fatalf("credential %+v", cred)
			}
			if cred.Holder.FamilyName != c.family || cred.Holder.GivenName != c.given {
				t.Fatalf("holder %+v", cred.Holder)
			}
			if !strings.Contains(s.Vaccination.Person.Name, "  ") {
				t.Fatalf("raw name %q lost its double space", s.Vaccination.Person.Name)
			}
			if c.dob != "" && cred.DateOfBirth != c.dob || c.product != "" && v.Product != c.product {
				t.Fatalf("dob %q product %q", cred.DateOfBirth, v.Product)
			}
			if v.Date != c.date || v.DoseNumber != c.dose || v.ID != c.id || v.Country != "AU" || cred.Country != "AU" ||
				v.Target != "RA01.0" || v.Vaccine != "XM68M6" || v.Issuer != "DFAT" {
				t.Fatalf("vaccination %+v, country %q", v, cred.Country)
			}
			if s.Header.Country != "AUS" || !bytes.Equal(cred.Raw, s.Data) {
				t.Fatalf("header %+v", s.Header)
			}
		})
	}
}

// TestICAOHealthExplicitParameters reads the ICAO Health certificates of
// the ddcc-validator set, whose P-256 keys have explicit parameters:
// crypto/x509 refuses them, ParseCSCA reads them, and the signatures
// between them verify.
func TestICAOHealthExplicitParameters(t *testing.T) {
	pemData := vectorFile(t, "ddcc-validator/ICAOHealthMLSigner1.pem.crt")
	certs, err := vdsnc.ParseCSCAs(pemData)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 {
		t.Fatalf("%d certificates, want the ML signer and the ICAO Health CA", len(certs))
	}
	signer, ca := certs[0], certs[1]
	for _, c := range certs {
		if c.Cert != nil || !c.ExplicitCurve || c.Country != "IA" || len(c.SubjectKeyID) != 20 {
			t.Fatalf("CSCA %+v", c)
		}
		if _, err := x509.ParseCertificate(c.Raw); err == nil || !strings.Contains(err.Error(), "ECDSA parameters") {
			t.Fatalf("crypto/x509 now reads it (%v): drop the workaround?", err)
		}
	}
	if !ca.IsCA || signer.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("constraints: CA %v/%v, signer %v", ca.IsCA, ca.KeyUsage, signer.IsCA)
	}
	if err := signer.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("ML signer by ICAO Health CA: %v", err)
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("ICAO Health CA self-signature: %v", err)
	}
	if err := ca.CheckSignatureFrom(signer); err == nil {
		t.Fatal("the CA verifies with the signer's key")
	}
	want := time.Date(2023, 3, 9, 9, 16, 53, 0, time.UTC)
	if !signer.NotAfter.Equal(want) {
		t.Fatalf("NotAfter %v, want %v", signer.NotAfter, want)
	}
}
