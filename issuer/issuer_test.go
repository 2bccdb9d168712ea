package issuer_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

var now = testvectors.DefaultNow

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

// federation is shared by the tests: one ES256 and one PS256 member.
var federation = sync.OnceValues(func() (*testvectors.Federation, error) {
	return testvectors.NewFederation(testvectors.FederationOptions{
		Countries: []string{"GB", "NZ"},
		Alg:       map[string]string{"NZ": "PS256"},
	})
})

func member(t *testing.T, country string) *testvectors.Member {
	t.Helper()
	f, err := federation()
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Member(country)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// decoded decodes issued text and checks its signature with the DSC.
func decoded(t *testing.T, text string, dsc *x509.Certificate) (*hcert.Message, *hcert.Claims) {
	t.Helper()
	m, err := hcert.Decode(text)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := m.Verify(dsc.PublicKey); err != nil {
		t.Fatalf("Verify with the DSC: %v", err)
	}
	c, err := hcert.ParseClaims(m.Payload)
	if err != nil {
		t.Fatalf("ParseClaims: %v", err)
	}
	return m, c
}

func TestIssue(t *testing.T) {
	types := []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery}
	for _, cc := range []string{"GB", "NZ"} {
		for _, typ := range types {
			t.Run(cc+"/"+string(typ), func(t *testing.T) {
				mb := member(t, cc)
				at := now.Add(90*time.Minute + 700*time.Millisecond) // sub-second part is dropped
				iss, err := issuer.New(mb.DSCKey, mb.DSC, issuer.WithClock(clock(at)), issuer.WithValidity(30*24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				wantAlg := hcert.ES256
				if cc == "NZ" {
					wantAlg = hcert.PS256
				}
				if iss.Algorithm() != wantAlg || iss.Country() != cc {
					t.Errorf("Algorithm, Country = %v, %s; want %v, %s", iss.Algorithm(), iss.Country(), wantAlg, cc)
				}
				out, err := iss.Issue(testvectors.SamplePayload(typ, cc))
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				wantIat := now.Add(90 * time.Minute)
				wantExp := wantIat.Add(30 * 24 * time.Hour)
				if out.Type != typ || !out.IssuedAt.Equal(wantIat) || !out.ExpiresAt.Equal(wantExp) {
					t.Errorf("Issued = type %s iat %v exp %v; want %s %v %v", out.Type, out.IssuedAt, out.ExpiresAt, typ, wantIat, wantExp)
				}
				sum := sha256.Sum256(mb.DSC.Raw)
				if !bytes.Equal(out.KeyID, sum[:8]) || !bytes.Equal(iss.KeyID(), sum[:8]) {
					t.Errorf("kid = %x / %x, want SHA-256(DER)[0:8] = %x", out.KeyID, iss.KeyID(), sum[:8])
				}
				m, c := decoded(t, out.Text, mb.DSC)
				if !bytes.Equal(m.KID, sum[:8]) || m.KIDUnprotected || m.Alg != wantAlg {
					t.Errorf("message kid %x (unprotected %v) alg %v", m.KID, m.KIDUnprotected, m.Alg)
				}
				cm, err := hcert.ParseCOSE(out.COSE)
				if err != nil || !bytes.Equal(cm.Payload, m.Payload) {
					t.Errorf("Issued.COSE does not hold the signed payload: %v", err)
				}
				if c.Issuer != cc {
					t.Errorf("iss = %q, want %q", c.Issuer, cc)
				}
				if !c.IssuedAt.Equal(wantIat) || !c.ExpiresAt.Equal(wantExp) {
					t.Errorf("claims iat %v exp %v, want %v %v", c.IssuedAt, c.ExpiresAt, wantIat, wantExp)
				}
				tree, err := hcert.DecodeDCC(c.DCC)
				if err != nil {
					t.Fatal(err)
				}
				d, err := credential.ParseDCC(tree)
				if err != nil {
					t.Fatal(err)
				}
				if d.Type() != typ || d.Name.FamilyNameStd != "DARSONS<VAN<HALEN" {
					t.Errorf("signed DCC type %s, name %q", d.Type(), d.Name.FamilyNameStd)
				}
			})
		}
	}
}

func TestIssueDefaults(t *testing.T) {
	mb := member(t, "GB")
	iss, err := issuer.New(mb.DSCKey, mb.DSC, issuer.WithClock(clock(now)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := iss.Issue(testvectors.SamplePayload(credential.TypeTest, "GB"))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.ExpiresAt.Sub(out.IssuedAt); got != issuer.DefaultValidity {
		t.Errorf("default validity = %v, want %v", got, issuer.DefaultValidity)
	}
	// KeyID returns a copy.
	kid := iss.KeyID()
	kid[0] ^= 0xff
	if bytes.Equal(iss.KeyID(), kid) {
		t.Error("KeyID returns the issuer's own slice")
	}
	out.KeyID[0] ^= 0xff
	if bytes.Equal(iss.KeyID(), out.KeyID) {
		t.Error("Issued.KeyID aliases the issuer's kid")
	}
}

func TestIssueJSON(t *testing.T) {
	mb := member(t, "GB")
	iss, err := issuer.New(mb.DSCKey, mb.DSC, issuer.WithClock(clock(now)))
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(`{"ver":"1.3.0","nam":{"fnt":"DOE","fn":"Doe"},"dob":"1990-01-01","t":[{"tg":"840539006","tt":"LP6464-4","nm":"PCR","sc":"2025-12-31T08:00:00Z","tr":"260415000","tc":"Centre","co":"GB","is":"NHS","ci":"URN:UVCI:01:GB:1"}]}`)
	out, err := iss.IssueJSON(good)
	if err != nil {
		t.Fatalf("IssueJSON: %v", err)
	}
	if out.Type != credential.TypeTest {
		t.Errorf("type = %s, want t", out.Type)
	}
	for name, bad := range map[string]string{
		"not JSON":       `{"ver":`,
		"trailing data":  string(good) + `{}`,
		"schema":         `{"ver":"1.3.0","nam":{"fnt":"DOE"},"dob":"not a date","v":[]}`,
		"empty":          ``,
		"array":          `[]`,
		"no credential":  `{"ver":"1.3.0","nam":{"fnt":"DOE"},"dob":"1990-01-01"}`,
		"unknown schema": `{"ver":"9.0.0","nam":{"fnt":"DOE"},"dob":"1990-01-01"}`,
	} {
		if _, err := iss.IssueJSON([]byte(bad)); !errors.Is(err, issuer.ErrInvalidPayload) {
			t.Errorf("%s: IssueJSON error = %v, want ErrInvalidPayload", name, err)
		}
	}
}

func TestIssueRefuses(t *testing.T) {
	mb := member(t, "GB")
	mustNew := func(opts ...issuer.Option) *issuer.Issuer {
		iss, err := issuer.New(mb.DSCKey, mb.DSC, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return iss
	}
	vacc := func() *credential.DCC { return testvectors.SamplePayload(credential.TypeVaccination, "GB") }
	badDOB := vacc()
	badDOB.DateOfBirth = "01/01/1990"
	twoTypes := vacc()
	twoTypes.Tests = testvectors.SamplePayload(credential.TypeTest, "GB").Tests
	noType := vacc()
	noType.Vaccinations = nil
	badDose := vacc()
	badDose.Vaccinations[0].DoseNumber = 0
	badVer := vacc()
	badVer.Version = "2.0.0"

	// A DSC that may sign test certificates only.
	testOnly, err := issuer.CreateDSC(mb.DSCKey.Public(), mb.CSCA, mb.CSCAKey, issuer.CertOptions{
		Country: "GB", NotBefore: mb.DSC.NotBefore, NotAfter: mb.DSC.NotAfter, Usage: trustlist.UsageTest,
	})
	if err != nil {
		t.Fatal(err)
	}
	testIssuer, err := issuer.New(mb.DSCKey, testOnly, issuer.WithClock(clock(now)))
	if err != nil {
		t.Fatal(err)
	}
	vrOnly, err := issuer.CreateDSC(mb.DSCKey.Public(), mb.CSCA, mb.CSCAKey, issuer.CertOptions{
		Country: "GB", NotBefore: mb.DSC.NotBefore, NotAfter: mb.DSC.NotAfter, Usage: trustlist.UsageVaccination | trustlist.UsageRecovery,
	})
	if err != nil {
		t.Fatal(err)
	}
	vrIssuer, err := issuer.New(mb.DSCKey, vrOnly, issuer.WithClock(clock(now)))
	if err != nil {
		t.Fatal(err)
	}

	dsc := mb.DSC
	untilNotAfter := dsc.NotAfter.Sub(now) // exp exactly at notAfter is allowed
	tests := []struct {
		name    string
		iss     *issuer.Issuer
		payload *credential.DCC
		want    error // nil means success
	}{
		{"valid", mustNew(issuer.WithClock(clock(now))), vacc(), nil},
		{"nil payload", mustNew(issuer.WithClock(clock(now))), nil, issuer.ErrInvalidPayload},
		{"bad date of birth", mustNew(issuer.WithClock(clock(now))), badDOB, issuer.ErrInvalidPayload},
		{"two credential types", mustNew(issuer.WithClock(clock(now))), twoTypes, issuer.ErrInvalidPayload},
		{"no credential type", mustNew(issuer.WithClock(clock(now))), noType, issuer.ErrInvalidPayload},
		{"dose number 0", mustNew(issuer.WithClock(clock(now))), badDose, issuer.ErrInvalidPayload},
		{"unknown schema version", mustNew(issuer.WithClock(clock(now))), badVer, issuer.ErrInvalidPayload},
		{"vaccination with a test-only DSC", testIssuer, vacc(), issuer.ErrKeyUsage},
		{"recovery with a test-only DSC", testIssuer, testvectors.SamplePayload(credential.TypeRecovery, "GB"), issuer.ErrKeyUsage},
		{"test with a test-only DSC", testIssuer, testvectors.SamplePayload(credential.TypeTest, "GB"), nil},
		{"test with a v,r DSC", vrIssuer, testvectors.SamplePayload(credential.TypeTest, "GB"), issuer.ErrKeyUsage},
		{"recovery with a v,r DSC", vrIssuer, testvectors.SamplePayload(credential.TypeRecovery, "GB"), nil},
		{"iat one second before notBefore", mustNew(issuer.WithClock(clock(dsc.NotBefore.Add(-time.Second))), issuer.WithValidity(time.Hour)), vacc(), issuer.ErrValidity},
		{"iat at notBefore", mustNew(issuer.WithClock(clock(dsc.NotBefore)), issuer.WithValidity(time.Hour)), vacc(), nil},
		{"iat before notBefore, sub-second", mustNew(issuer.WithClock(clock(dsc.NotBefore.Add(-time.Millisecond))), issuer.WithValidity(time.Hour)), vacc(), issuer.ErrValidity},
		{"exp one second after notAfter", mustNew(issuer.WithClock(clock(now)), issuer.WithValidity(untilNotAfter+time.Second)), vacc(), issuer.ErrValidity},
		{"exp at notAfter", mustNew(issuer.WithClock(clock(now)), issuer.WithValidity(untilNotAfter)), vacc(), nil},
		{"exp years after notAfter", mustNew(issuer.WithClock(clock(now)), issuer.WithValidity(10*365*24*time.Hour)), vacc(), issuer.ErrValidity},
		{"iat after notAfter", mustNew(issuer.WithClock(clock(dsc.NotAfter.Add(time.Hour))), issuer.WithValidity(time.Hour)), vacc(), issuer.ErrValidity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.iss.Issue(tt.payload)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				return
			}
			if out != nil {
				t.Errorf("Issue returned a credential with an error")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Issue error = %v, want %v", err, tt.want)
			}
			for _, other := range []error{issuer.ErrInvalidPayload, issuer.ErrKeyUsage, issuer.ErrValidity} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

// selfSigned makes a certificate for pub signed by signer (which need not
// be pub's key), with the given subject.
func selfSigned(t *testing.T, pub crypto.PublicKey, signer crypto.Signer, subject pkix.Name) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      subject,
		NotBefore:    now.AddDate(-1, 0, 0),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewRefuses(t *testing.T) {
	gb, nz := member(t, "GB"), member(t, "NZ")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Cert, err := issuer.CreateDSC(p384.Public(), gb.CSCA, gb.CSCAKey, issuer.CertOptions{
		Country: "GB", NotBefore: gb.DSC.NotBefore, NotAfter: gb.DSC.NotAfter,
	})
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert, err := issuer.CreateDSC(rsa1024.Public(), gb.CSCA, gb.CSCAKey, issuer.CertOptions{
		Country: "GB", NotBefore: gb.DSC.NotBefore, NotAfter: gb.DSC.NotAfter,
	})
	if err != nil {
		t.Fatal(err)
	}
	noCountry := selfSigned(t, gb.DSCKey.Public(), gb.CSCAKey, pkix.Name{CommonName: "no country"})
	longCountry := selfSigned(t, gb.DSCKey.Public(), gb.CSCAKey, pkix.Name{CommonName: "GBR", Country: []string{"GBR"}})

	tests := []struct {
		name   string
		signer crypto.Signer
		cert   *x509.Certificate
		opts   []issuer.Option
	}{
		{"key of another certificate", gb.DSCKey, nz.DSC, nil},
		{"certificate of another key", nz.DSCKey, gb.DSC, nil},
		{"CSCA key with the DSC", gb.CSCAKey, gb.DSC, nil},
		{"P-384 key", p384, p384Cert, nil},
		{"RSA 1024", rsa1024, rsaCert, nil},
		{"certificate without country", gb.DSCKey, noCountry, nil},
		{"three-letter country", gb.DSCKey, longCountry, nil},
		{"nil signer", nil, gb.DSC, nil},
		{"nil certificate", gb.DSCKey, nil, nil},
		{"nil clock", gb.DSCKey, gb.DSC, []issuer.Option{issuer.WithClock(nil)}},
		{"zero validity", gb.DSCKey, gb.DSC, []issuer.Option{issuer.WithValidity(0)}},
		{"negative validity", gb.DSCKey, gb.DSC, []issuer.Option{issuer.WithValidity(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := issuer.New(tt.signer, tt.cert, tt.opts...)
			if err == nil {
				t.Fatalf("New succeeded (%v), want an error", iss.Algorithm())
			}
			if iss != nil {
				t.Errorf("New returned an issuer with an error")
			}
		})
	}
	// The same certificates with a country and a proper key are fine.
	if _, err := issuer.New(gb.DSCKey, selfSigned(t, gb.DSCKey.Public(), gb.CSCAKey, pkix.Name{Country: []string{"GB"}})); err != nil {
		t.Errorf("New with a hand-made certificate: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	for _, alg := range []string{"ES256", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			key, err := issuer.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "dsc.key")
			if err := issuer.WriteKeyFile(path, key); err != nil {
				t.Fatalf("WriteKeyFile: %v", err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
			}
			got, err := issuer.LoadKeyFile(path)
			if err != nil {
				t.Fatalf("LoadKeyFile(0600): %v", err)
			}
			if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Errorf("loaded key differs from the written one")
			}

			// No overwrite, and the file is untouched.
			before, _ := os.ReadFile(path)
			other, _ := issuer.GenerateKey("ES256")
			if err := issuer.WriteKeyFile(path, other); err == nil {
				t.Errorf("WriteKeyFile overwrote an existing file")
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("a refused WriteKeyFile changed the file")
			}

			for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602, 0o620, 0o700 | 0o004} {
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
				if _, err := issuer.LoadKeyFile(path); !errors.Is(err, issuer.ErrKeyFilePermissions) {
					t.Errorf("LoadKeyFile(%04o) error = %v, want ErrKeyFilePermissions", mode, err)
				}
			}
			for _, mode := range []os.FileMode{0o600, 0o400} {
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
				if _, err := issuer.LoadKeyFile(path); err != nil {
					t.Errorf("LoadKeyFile(%04o): %v", mode, err)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := issuer.LoadKeyFile(filepath.Join(t.TempDir(), "none"))
		if err == nil || errors.Is(err, issuer.ErrKeyFilePermissions) {
			t.Errorf("LoadKeyFile(missing) = %v", err)
		}
	})
	t.Run("certificate in a key file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cert.key")
		if err := os.WriteFile(path, issuer.MarshalCertificatePEM(member(t, "GB").DSC), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := issuer.LoadKeyFile(path); err == nil {
			t.Error("LoadKeyFile accepted a certificate")
		}
	})
	t.Run("directory missing", func(t *testing.T) {
		key, _ := issuer.GenerateKey("ES256")
		if err := issuer.WriteKeyFile(filepath.Join(t.TempDir(), "no", "such", "dir.key"), key); err == nil {
			t.Error("WriteKeyFile into a missing directory succeeded")
		}
	})
}

func TestParseKeyPEM(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pk8, err := issuer.MarshalKeyPEM(ec)
	if err != nil {
		t.Fatal(err)
	}
	sec1DER, _ := x509.MarshalECPrivateKey(ec)
	sec1 := pemBlock("EC PRIVATE KEY", sec1DER)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	pkcs1 := pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk))
	for name, data := range map[string][]byte{"PKCS #8": pk8, "SEC 1": sec1, "PKCS #1": pkcs1} {
		if _, err := issuer.ParseKeyPEM(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"empty":       nil,
		"public key":  pemBlock("PUBLIC KEY", []byte{1}),
		"certificate": issuer.MarshalCertificatePEM(member(t, "GB").DSC),
		"corrupt":     pemBlock("PRIVATE KEY", []byte{0x30, 0x00}),
	} {
		if _, err := issuer.ParseKeyPEM(data); err == nil {
			t.Errorf("%s: ParseKeyPEM succeeded", name)
		}
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
