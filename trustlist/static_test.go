package trustlist_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/trustlist"
)

var (
	caKey   = sync.OnceValue(func() *ecdsa.PrivateKey { return mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	leafKey = sync.OnceValue(func() *ecdsa.PrivateKey { return mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	notBef  = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	notAft  = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
)

func mustKey[T any](k T, err error) T {
	if err != nil {
		panic(err)
	}
	return k
}

type certSpec struct {
	country string
	oids    []asn1.ObjectIdentifier
	ekus    []x509.ExtKeyUsage
	pub     crypto.PublicKey // default leafKey
	isCA    bool
	parent  *x509.Certificate // nil: self-signed by caKey
}

// newCert makes a certificate signed by caKey.
func newCert(t testing.TB, s certSpec) *x509.Certificate {
	t.Helper()
	if s.pub == nil {
		s.pub = leafKey().Public()
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "test " + s.country},
		NotBefore:             notBef,
		NotAfter:              notAft,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage:    s.oids,
		ExtKeyUsage:           s.ekus,
		BasicConstraintsValid: s.isCA,
		IsCA:                  s.isCA,
	}
	if s.isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	if s.country != "" {
		tmpl.Subject.Country = []string{s.country}
	}
	parent := s.parent
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, s.pub, caKey())
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCertificateUsage(t *testing.T) {
	tests := []struct {
		name string
		oids []asn1.ObjectIdentifier
		ekus []x509.ExtKeyUsage
		want trustlist.Usage
	}{
		{"no OIDs", nil, nil, trustlist.UsageAll},
		{"only unrelated OIDs", []asn1.ObjectIdentifier{{1, 2, 3, 4}}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, trustlist.UsageAll},
		{"test", []asn1.ObjectIdentifier{trustlist.OIDTest}, nil, trustlist.UsageTest},
		{"vaccination", []asn1.ObjectIdentifier{trustlist.OIDVaccination}, nil, trustlist.UsageVaccination},
		{"recovery", []asn1.ObjectIdentifier{trustlist.OIDRecovery}, nil, trustlist.UsageRecovery},
		{"test (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDTestAlt}, nil, trustlist.UsageTest},
		{"vaccination (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDVaccinationAlt}, nil, trustlist.UsageVaccination},
		{"recovery (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDRecoveryAlt}, nil, trustlist.UsageRecovery},
		{"all three", []asn1.ObjectIdentifier{trustlist.OIDTest, trustlist.OIDVaccination, trustlist.OIDRecovery}, nil, trustlist.UsageAll},
		{"families mixed", []asn1.ObjectIdentifier{trustlist.OIDTest, trustlist.OIDRecoveryAlt}, nil, trustlist.UsageTest | trustlist.UsageRecovery},
		{"same type in both families", []asn1.ObjectIdentifier{trustlist.OIDVaccination, trustlist.OIDVaccinationAlt}, nil, trustlist.UsageVaccination},
		{"with an unrelated OID", []asn1.ObjectIdentifier{{1, 2, 3, 4}, trustlist.OIDVaccination}, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, trustlist.UsageVaccination},
		{"a prefix of an HCERT OID", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1}}, nil, trustlist.UsageAll},
		{"an HCERT OID with an extra arc", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1, 1}}, nil, trustlist.UsageAll},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCert(t, certSpec{country: "GB", oids: tt.oids, ekus: tt.ekus})
			if got := trustlist.CertificateUsage(c); got != tt.want {
				t.Errorf("CertificateUsage = %v, want %v", got, tt.want)
			}
			k, err := trustlist.KeyFromCertificate(c)
			if err != nil {
				t.Fatal(err)
			}
			if k.Usage != tt.want {
				t.Errorf("KeyFromCertificate usage = %v, want %v", k.Usage, tt.want)
			}
		})
	}
}

func TestOIDs(t *testing.T) {
	want := map[string]asn1.ObjectIdentifier{
		"1.3.6.1.4.1.1847.2021.1.1":   trustlist.OIDTest,
		"1.3.6.1.4.1.1847.2021.1.2":   trustlist.OIDVaccination,
		"1.3.6.1.4.1.1847.2021.1.3":   trustlist.OIDRecovery,
		"1.3.6.1.4.1.0.1847.2021.1.1": trustlist.OIDTestAlt,
		"1.3.6.1.4.1.0.1847.2021.1.2": trustlist.OIDVaccinationAlt,
		"1.3.6.1.4.1.0.1847.2021.1.3": trustlist.OIDRecoveryAlt,
	}
	for s, oid := range want {
		if oid.String() != s {
			t.Errorf("OID %v, want %s", oid, s)
		}
	}
}

func TestKeyFromCertificate(t *testing.T) {
	c := newCert(t, certSpec{country: "NZ", oids: []asn1.ObjectIdentifier{trustlist.OIDTest}})
	k, err := trustlist.KeyFromCertificate(c)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(c.Raw)
	if !bytes.Equal(k.KID, sum[:8]) {
		t.Errorf("KID = %x, want SHA-256(DER)[0:8] = %x", k.KID, sum[:8])
	}
	if k.Format != credential.FormatHCERT || k.Country != "NZ" || k.Certificate != c ||
		!k.NotBefore.Equal(notBef) || !k.NotAfter.Equal(notAft) || k.Usage != trustlist.UsageTest || k.Revoked {
		t.Errorf("KeyFromCertificate = %+v", k)
	}
	if !leafKey().PublicKey.Equal(k.PublicKey) {
		t.Errorf("PublicKey is not the certificate's")
	}

	noCountry := newCert(t, certSpec{})
	if k, err := trustlist.KeyFromCertificate(noCountry); err != nil || k.Country != "" {
		t.Errorf("certificate without C: (%+v, %v), want no country and no error", k, err)
	}

	rsa2048 := mustKey(rsa.GenerateKey(rand.Reader, 2048))
	if _, err := trustlist.KeyFromCertificate(newCert(t, certSpec{country: "GB", pub: &rsa2048.PublicKey})); err != nil {
		t.Errorf("RSA 2048: %v", err)
	}
	rsa1024 := mustKey(rsa.GenerateKey(rand.Reader, 1024))
	if _, err := trustlist.KeyFromCertificate(newCert(t, certSpec{country: "GB", pub: &rsa1024.PublicKey})); err == nil {
		t.Errorf("RSA 1024 accepted")
	}
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := trustlist.KeyFromCertificate(newCert(t, certSpec{country: "GB", pub: edPub})); err == nil {
		t.Errorf("Ed25519 key accepted")
	}
}

func TestHCERTKeyID(t *testing.T) {
	der := []byte("not really a certificate")
	kid := trustlist.HCERTKeyID(der)
	sum := sha256.Sum256(der)
	if !bytes.Equal(kid, sum[:8]) || len(kid) != 8 {
		t.Fatalf("HCERTKeyID = %x, want %x", kid, sum[:8])
	}
	// Appending to the kid must not write into anything else.
	if cap(kid) != 8 {
		t.Errorf("cap(kid) = %d, want 8 so that appends copy", cap(kid))
	}
}

func key(kid string, country string) *trustlist.Key {
	return &trustlist.Key{KID: []byte(kid), Format: credential.FormatHCERT, Country: country, PublicKey: leafKey().Public()}
}

func TestStaticLookup(t *testing.T) {
	a1, a2 := key("AAAAAAAA", "GB"), key("AAAAAAAA", "NZ")
	b := key("BBBBBBBB", "AU")
	nz := &trustlist.Key{KID: []byte("AAAAAAAA"), Format: credential.FormatNZCP, Country: "NZ", Issuer: "did:web:nz.example"}
	s := trustlist.NewStatic(a1, b, a2, nz)
	tests := []struct {
		name   string
		format credential.Format
		kid    []byte
		want   []*trustlist.Key
	}{
		{"colliding kid gives every key, in order", credential.FormatHCERT, []byte("AAAAAAAA"), []*trustlist.Key{a1, a2}},
		{"single key", credential.FormatHCERT, []byte("BBBBBBBB"), []*trustlist.Key{b}},
		{"other format, looked up by issuer#kid", credential.FormatNZCP, trustlist.KeyRef(credential.FormatNZCP, "did:web:nz.example", []byte("AAAAAAAA")), []*trustlist.Key{nz}},
		{"other format, kid alone", credential.FormatNZCP, []byte("AAAAAAAA"), nil},
		{"other format, another issuer", credential.FormatNZCP, trustlist.KeyRef(credential.FormatNZCP, "did:web:evil.example", []byte("AAAAAAAA")), nil},
		{"unknown kid", credential.FormatHCERT, []byte("CCCCCCCC"), nil},
		{"prefix of a kid", credential.FormatHCERT, []byte("AAAA"), nil},
		{"empty kid", credential.FormatHCERT, nil, nil},
		{"kid of another format", credential.FormatSHC, []byte("BBBBBBBB"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Lookup(tt.format, tt.kid)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Lookup = %v, want %v", got, tt.want)
			}
		})
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d, want 4", s.Len())
	}
	keys := s.Keys()
	if len(keys) != 4 {
		t.Fatalf("Keys returned %d keys, want 4", len(keys))
	}
	for _, k := range []*trustlist.Key{a1, a2, b, nz} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys lacks %s/%s", k.Country, k.KID)
		}
	}
	if st := s.Status(time.Now()); st.Freshness != trustlist.FreshnessStatic {
		t.Errorf("Status = %+v, want static", st)
	}
	empty := trustlist.NewStatic()
	if empty.Len() != 0 || empty.Lookup(credential.FormatHCERT, []byte("AAAAAAAA")) != nil || len(empty.Keys()) != 0 {
		t.Errorf("empty source is not empty")
	}
}

// The kid is an independent copy: a caller reusing its buffer does not
// change what is found.
func TestStaticLookupKIDBuffer(t *testing.T) {
	s := trustlist.NewStatic(key("AAAAAAAA", "GB"))
	buf := []byte("AAAAAAAA")
	if len(s.Lookup(credential.FormatHCERT, buf)) != 1 {
		t.Fatal("key not found")
	}
	copy(buf, "BBBBBBBB")
	if len(s.Lookup(credential.FormatHCERT, buf)) != 0 {
		t.Error("found a key under a kid it does not have")
	}
}

func TestStaticLookupDoesNotAllocate(t *testing.T) {
	var keys []*trustlist.Key
	for i := 0; i < 10000; i++ {
		kid := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		keys = append(keys, &trustlist.Key{KID: kid[:8], Format: credential.FormatHCERT})
	}
	s := trustlist.NewStatic(keys...)
	hit := bytes.Clone(keys[1234].KID)
	miss := []byte("ZZZZZZZZ")
	var found int
	allocs := testing.AllocsPerRun(1000, func() {
		found += len(s.Lookup(credential.FormatHCERT, hit))
		found += len(s.Lookup(credential.FormatHCERT, miss))
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per call pair, want 0", allocs)
	}
	if found == 0 {
		t.Error("Lookup found nothing")
	}
}

func TestKeyValidAt(t *testing.T) {
	k := &trustlist.Key{NotBefore: notBef, NotAfter: notAft}
	tests := []struct {
		name string
		k    *trustlist.Key
		at   time.Time
		want bool
	}{
		{"at notBefore", k, notBef, true},
		{"at notAfter", k, notAft, true},
		{"inside", k, notBef.Add(time.Hour), true},
		{"one second before", k, notBef.Add(-time.Second), false},
		{"one nanosecond after", k, notAft.Add(time.Nanosecond), false},
		{"unbounded", &trustlist.Key{}, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"no notAfter", &trustlist.Key{NotBefore: notBef}, notAft.AddDate(100, 0, 0), true},
		{"no notBefore", &trustlist.Key{NotAfter: notAft}, notBef.AddDate(-100, 0, 0), true},
		{"no notBefore, after notAfter", &trustlist.Key{NotAfter: notAft}, notAft.Add(time.Second), false},
	}
	for _, tt := range tests {
		if got := tt.k.ValidAt(tt.at); got != tt.want {
			t.Errorf("%s: ValidAt = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseUsage(t *testing.T) {
	tests := []struct {
		in   string
		want trustlist.Usage
		ok   bool
	}{
		{"v", trustlist.UsageVaccination, true},
		{"t", trustlist.UsageTest, true},
		{"r", trustlist.UsageRecovery, true},
		{"v,t,r", trustlist.UsageAll, true},
		{"r,v", trustlist.UsageVaccination | trustlist.UsageRecovery, true},
		{" v , t ", trustlist.UsageVaccination | trustlist.UsageTest, true},
		{"v,v", trustlist.UsageVaccination, true},
		{"", 0, false},
		{",", 0, false},
		{"v,", 0, false},
		{"v,,t", 0, false},
		{"x", 0, false},
		{"v,x", 0, false},
		{"vt", 0, false},
		{"vaccination", 0, false},
	}
	for _, tt := range tests {
		got, ok := trustlist.ParseUsage(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseUsage(%q) = (%v, %v), want (%v, %v)", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// String and ParseUsage are inverses for every non-empty set.
	for u := trustlist.Usage(1); u <= trustlist.UsageAll; u++ {
		got, ok := trustlist.ParseUsage(u.String())
		if !ok || got != u {
			t.Errorf("ParseUsage(%q) = (%v, %v), want (%v, true)", u.String(), got, ok, u)
		}
	}
	if s := trustlist.UsageAll.String(); s != "v,t,r" {
		t.Errorf("UsageAll.String() = %q, want v,t,r", s)
	}
	if s := trustlist.Usage(0).String(); s != "" {
		t.Errorf("Usage(0).String() = %q, want empty", s)
	}
}

func TestUsageAllows(t *testing.T) {
	types := []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery}
	bits := []trustlist.Usage{trustlist.UsageVaccination, trustlist.UsageTest, trustlist.UsageRecovery}
	for i, typ := range types {
		if trustlist.UsageOf(typ) != bits[i] {
			t.Errorf("UsageOf(%s) = %v, want %v", typ, trustlist.UsageOf(typ), bits[i])
		}
		for j, b := range bits {
			if got := b.Allows(typ); got != (i == j) {
				t.Errorf("%v.Allows(%s) = %v", b, typ, got)
			}
		}
		if !trustlist.UsageAll.Allows(typ) {
			t.Errorf("UsageAll does not allow %s", typ)
		}
		if trustlist.Usage(0).Allows(typ) {
			t.Errorf("Usage(0) allows %s", typ)
		}
	}
	for _, typ := range []credential.Type{"", "x", "V"} {
		if trustlist.UsageOf(typ) != 0 || trustlist.UsageAll.Allows(typ) {
			t.Errorf("unknown type %q is allowed", typ)
		}
	}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParsePEM(t *testing.T) {
	c1 := newCert(t, certSpec{country: "GB"})
	c2 := newCert(t, certSpec{country: "NZ"})
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey())
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{1}})
	tests := []struct {
		name    string
		data    []byte
		want    int
		wantErr bool
	}{
		{"one", pemCert(c1), 1, false},
		{"two with text around", bytes.Join([][]byte{[]byte("# GB\n"), pemCert(c1), []byte("# NZ\n"), pemCert(c2)}, nil), 2, false},
		{"private key", keyPEM, 0, true},
		{"certificate then private key", append(pemCert(c1), keyPEM...), 0, true},
		{"EC private key", append(ecPEM, pemCert(c1)...), 0, true},
		{"empty", nil, 0, true},
		{"not PEM", []byte("hello"), 0, true},
		{"corrupt certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}}), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := trustlist.ParsePEM(tt.data)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePEM = %d certificates, want an error", len(certs))
				}
				return
			}
			if err != nil || len(certs) != tt.want {
				t.Fatalf("ParsePEM = (%d, %v), want %d", len(certs), err, tt.want)
			}
		})
	}
}

func TestLoadPEM(t *testing.T) {
	gb := newCert(t, certSpec{country: "GB"})
	nz := newCert(t, certSpec{country: "NZ", oids: []asn1.ObjectIdentifier{trustlist.OIDVaccinationAlt}})
	au := newCert(t, certSpec{country: "AU"})
	us := newCert(t, certSpec{country: "US"})
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey())
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "gb.pem"), pemCert(gb))
	writeFile(t, filepath.Join(dir, "NZ.CRT"), pemCert(nz))
	writeFile(t, filepath.Join(dir, "sub", "au.crt"), pemCert(au))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not a certificate"))
	writeFile(t, filepath.Join(dir, "us.der"), us.Raw)

	s, err := trustlist.LoadPEM(dir)
	if err != nil {
		t.Fatalf("LoadPEM(dir): %v", err)
	}
	if s.Len() != 3 {
		t.Errorf("LoadPEM(dir) loaded %d keys, want 3 (gb.pem, NZ.CRT, sub/au.crt)", s.Len())
	}
	for _, c := range []*x509.Certificate{gb, nz, au} {
		ks := s.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(c.Raw))
		if len(ks) != 1 || ks[0].Country != c.Subject.Country[0] {
			t.Errorf("%s: Lookup = %v", c.Subject.Country[0], ks)
		}
	}
	if ks := s.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(nz.Raw)); len(ks) == 1 && ks[0].Usage != trustlist.UsageVaccination {
		t.Errorf("NZ usage = %v, want v", ks[0].Usage)
	}
	if ks := s.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(us.Raw)); len(ks) != 0 {
		t.Errorf("us.der (not .pem/.crt) was loaded")
	}

	// Files and directories can be mixed.
	file := filepath.Join(t.TempDir(), "us.pem")
	writeFile(t, file, pemCert(us))
	s, err = trustlist.LoadPEM(dir, file)
	if err != nil || s.Len() != 4 {
		t.Errorf("LoadPEM(dir, file) = (%v keys, %v), want 4", lenOf(s), err)
	}

	t.Run("private key in the directory", func(t *testing.T) {
		bad := t.TempDir()
		writeFile(t, filepath.Join(bad, "gb.pem"), pemCert(gb))
		writeFile(t, filepath.Join(bad, "dsc.key.pem"), keyPEM)
		if s, err := trustlist.LoadPEM(bad); err == nil {
			t.Errorf("LoadPEM loaded %d keys from a folder holding a private key", s.Len())
		}
	})
	t.Run("private key named directly", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "dsc.pem")
		writeFile(t, f, append(pemCert(gb), keyPEM...))
		if _, err := trustlist.LoadPEM(f); err == nil {
			t.Errorf("LoadPEM accepted a file with a private key block")
		}
	})
	t.Run("missing path", func(t *testing.T) {
		if _, err := trustlist.LoadPEM(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Error("LoadPEM of a missing path succeeded")
		}
	})
	t.Run("empty directory", func(t *testing.T) {
		if _, err := trustlist.LoadPEM(t.TempDir()); err == nil {
			t.Error("LoadPEM of an empty directory succeeded")
		}
	})
	t.Run("no paths", func(t *testing.T) {
		if _, err := trustlist.LoadPEM(); err == nil {
			t.Error("LoadPEM() succeeded")
		}
	})
	t.Run("weak key", func(t *testing.T) {
		small := mustKey(rsa.GenerateKey(rand.Reader, 1024))
		f := filepath.Join(t.TempDir(), "weak.pem")
		writeFile(t, f, pemCert(newCert(t, certSpec{country: "GB", pub: &small.PublicKey})))
		if _, err := trustlist.LoadPEM(f); err == nil {
			t.Error("LoadPEM accepted a 1024-bit RSA certificate")
		}
	})
}

// A folder holding a CSCA beside the DSCs it issued trusts the DSCs only;
// a CA certificate that issued nothing in the set, or one named directly,
// is loaded.
func TestLoadPEMSkipsIssuingCA(t *testing.T) {
	csca := newCert(t, certSpec{country: "GB", pub: caKey().Public(), isCA: true})
	dsc := newCert(t, certSpec{country: "GB", parent: csca})
	if err := dsc.CheckSignatureFrom(csca); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "csca.pem"), pemCert(csca))
	writeFile(t, filepath.Join(dir, "dsc.pem"), pemCert(dsc))
	s, err := trustlist.LoadPEM(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || len(s.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(dsc.Raw))) != 1 {
		t.Errorf("folder with CSCA and DSC: %d keys, want only the DSC", s.Len())
	}
	s, err = trustlist.LoadPEM(filepath.Join(dir, "csca.pem"))
	if err != nil || s.Len() != 1 {
		t.Errorf("CSCA named directly: (%v keys, %v), want it loaded", lenOf(s), err)
	}
	lone := t.TempDir()
	writeFile(t, filepath.Join(lone, "csca.pem"), pemCert(csca))
	s, err = trustlist.LoadPEM(lone)
	if err != nil || s.Len() != 1 {
		t.Errorf("CA alone in a folder: (%v keys, %v), want it loaded", lenOf(s), err)
	}
}

func lenOf(s *trustlist.Static) int {
	if s == nil {
		return -1
	}
	return s.Len()
}

func TestFromCertificates(t *testing.T) {
	a := newCert(t, certSpec{country: "GB"})
	b := newCert(t, certSpec{country: "NZ"})
	s, err := trustlist.FromCertificates(a, b)
	if err != nil || s.Len() != 2 {
		t.Fatalf("FromCertificates = (%v, %v)", lenOf(s), err)
	}
	small := mustKey(rsa.GenerateKey(rand.Reader, 1024))
	if _, err := trustlist.FromCertificates(a, newCert(t, certSpec{country: "GB", pub: &small.PublicKey})); err == nil {
		t.Error("FromCertificates accepted a weak key")
	}
}
