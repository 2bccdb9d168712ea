package trustlist_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

const (
	bigListHCERT = 10  // hcert entries (with certificates) per country
	bigListNZCP  = 995 // nzcp entries per country
	bigListSHC   = 995 // shc entries per country
)

func bigIssuer(cc string) string    { return "did:web:" + cc + ".example" }
func bigSHCIssuer(cc string) string { return "https://" + strings.ToLower(cc) + ".example/shc" }

// bigFixture is a verified federated list of 10,000 keys: for each of five
// countries 10 hcert entries (certificates), 995 nzcp and 995 shc entries.
type bigFixture struct {
	list  *trustlist.List
	certs map[string][]*x509.Certificate // hcert certificates by country
}

var bigList = sync.OnceValues(func() (*bigFixture, error) {
	f, err := fedFixtureOnce()
	if err != nil {
		return nil, err
	}
	bf := &bigFixture{certs: map[string][]*x509.Certificate{}}
	var members [][]byte
	for serial, cc := range testvectors.Countries {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		jwk, err := trustlist.MarshalPublicJWK(key.Public())
		if err != nil {
			return nil, err
		}
		cl := &trustlist.CountryList{Country: cc, Sequence: 1, IssuedAt: fedT0, ExpiresAt: fedEx}
		for i := 0; i < bigListHCERT; i++ {
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(serial*1000 + i + 1)),
				Subject:   pkix.Name{Country: []string{cc}, CommonName: fmt.Sprintf("%s DSC %d", cc, i)},
				NotBefore: fedT0.AddDate(0, -1, 0), NotAfter: fedT0.AddDate(1, 0, 0)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
			if err != nil {
				return nil, err
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, err
			}
			e, err := trustlist.EntryFromCertificate(cert, 0)
			if err != nil {
				return nil, err
			}
			bf.certs[cc] = append(bf.certs[cc], cert)
			cl.Entries = append(cl.Entries, e)
		}
		for i := 0; i < bigListNZCP; i++ {
			cl.Entries = append(cl.Entries, trustlist.Entry{KID: fmt.Sprintf("key-%d", i), Format: credential.FormatNZCP,
				Key: jwk, Status: trustlist.StatusActive, Issuer: bigIssuer(cc)})
		}
		for i := 0; i < bigListSHC; i++ {
			cl.Entries = append(cl.Entries, trustlist.Entry{KID: fmt.Sprintf("shc-%d", i), Format: credential.FormatSHC,
				Key: jwk, Status: trustlist.StatusActive, Issuer: bigSHCIssuer(cc)})
		}
		doc, err := trustlist.Encode(cl)
		if err != nil {
			return nil, err
		}
		if err := doc.AddSignature(f.pub.PublisherKeys[cc], cc); err != nil {
			return nil, err
		}
		b, err := doc.Marshal()
		if err != nil {
			return nil, err
		}
		members = append(members, b)
	}
	fl, err := trustlist.Aggregate(members, 1, 1, fedT0, fedUp, fedEx)
	if err != nil {
		return nil, err
	}
	if err := fl.AddSignature(f.pub.AggregatorKey, ""); err != nil {
		return nil, err
	}
	data, err := fl.Marshal()
	if err != nil {
		return nil, err
	}
	bf.list, err = trustlist.VerifyFederated(f.pub.VerifiedAnchor, data, verifyAt(fedAt))
	return bf, err
})

func getBigList(t testing.TB) *bigFixture {
	t.Helper()
	bf, err := bigList()
	if err != nil {
		t.Fatal(err)
	}
	return bf
}

// TestLookupLargeList checks every one of 10,000 keys is found under its
// reference, and only there.
func TestLookupLargeList(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-key list")
	}
	bf := getBigList(t)
	l := bf.list
	if l.Len() != 10000 {
		t.Fatalf("%d keys, want 10000", l.Len())
	}
	for _, cc := range testvectors.Countries {
		for i, cert := range bf.certs[cc] {
			kid := trustlist.HCERTKeyID(cert.Raw)
			ks := l.Lookup(credential.FormatHCERT, kid)
			if len(ks) != 1 || !bytes.Equal(ks[0].KID, kid) || ks[0].Country != cc || !ks[0].Certificate.Equal(cert) {
				t.Fatalf("%s hcert %d: %v", cc, i, ks)
			}
			if ks := l.Lookup(credential.FormatVDSNC, kid); ks != nil {
				t.Fatalf("%s hcert %d found as vdsnc", cc, i)
			}
		}
		for _, fm := range []struct {
			format    credential.Format
			issuer    string
			prefix    string
			n         int
			otherForm credential.Format
		}{
			{credential.FormatNZCP, bigIssuer(cc), "key-", bigListNZCP, credential.FormatSHC},
			{credential.FormatSHC, bigSHCIssuer(cc), "shc-", bigListSHC, credential.FormatNZCP},
		} {
			for i := 0; i < fm.n; i++ {
				kid := []byte(fmt.Sprintf("%s%d", fm.prefix, i))
				ref := trustlist.KeyRef(fm.format, fm.issuer, kid)
				ks := l.Lookup(fm.format, ref)
				if len(ks) != 1 || ks[0].Country != cc || ks[0].Issuer != fm.issuer || !bytes.Equal(ks[0].KID, kid) || ks[0].Format != fm.format {
					t.Fatalf("%s %s %d: %v", cc, fm.format, i, ks)
				}
				if ks := l.Lookup(fm.format, kid); ks != nil {
					t.Fatalf("%s %s %d found without its issuer", cc, fm.format, i)
				}
				if ks := l.Lookup(fm.otherForm, ref); ks != nil {
					t.Fatalf("%s %s %d found as %s", cc, fm.format, i, fm.otherForm)
				}
			}
		}
	}
	for _, miss := range [][]byte{nil, {}, []byte("12345678"), []byte("key-0")} {
		if ks := l.Lookup(credential.FormatHCERT, miss); ks != nil {
			t.Errorf("lookup of %x found %v", miss, ks)
		}
	}
	for _, ref := range [][]byte{
		trustlist.KeyRef(credential.FormatNZCP, bigIssuer("AU"), []byte(fmt.Sprintf("key-%d", bigListNZCP))),
		trustlist.KeyRef(credential.FormatNZCP, bigIssuer("FR"), []byte("key-0")),
		trustlist.KeyRef(credential.FormatNZCP, bigIssuer("AU")+"x", []byte("key-0")),
	} {
		if ks := l.Lookup(credential.FormatNZCP, ref); ks != nil {
			t.Errorf("lookup of %s found %v", ref, ks)
		}
	}
}

// TestLookupCollidingKIDs: a kid listed by two countries yields both keys.
func TestLookupCollidingKIDs(t *testing.T) {
	f := getFed(t)
	au, gb := f.countryList(t, "AU", 1), f.countryList(t, "GB", 1)
	shared := trustlist.Entry{KID: "collides", Format: credential.FormatSHC, Issuer: "https://shared.example/shc",
		Key: mustJWK(t, newSignerKey(t).Public()), Status: trustlist.StatusActive}
	au.Entries = append(au.Entries, shared)
	shared.Key = mustJWK(t, newSignerKey(t).Public())
	gb.Entries = append(gb.Entries, shared)
	l, err := trustlist.VerifyFederated(f.pub.VerifiedAnchor, f.federated(t, 1, f.signedCountry(t, au), f.signedCountry(t, gb)), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	ks := l.Lookup(credential.FormatSHC, trustlist.KeyRef(credential.FormatSHC, "https://shared.example/shc", []byte("collides")))
	if len(ks) != 2 || ks[0].Country == ks[1].Country {
		t.Fatalf("got %v, want the AU and GB keys", ks)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-key list")
	}
	bf := getBigList(t)
	l := bf.list
	hit := trustlist.HCERTKeyID(bf.certs["NZ"][7].Raw)
	miss := []byte("12345678")
	ref := trustlist.KeyRef(credential.FormatSHC, bigSHCIssuer("US"), []byte("shc-321"))
	var src trustlist.Source = l
	small := getFed(t).pub.List
	for name, fn := range map[string]func(){
		"hit":        func() { _ = src.Lookup(credential.FormatHCERT, hit) },
		"miss":       func() { _ = src.Lookup(credential.FormatHCERT, miss) },
		"issuer#kid": func() { _ = src.Lookup(credential.FormatSHC, ref) },
		"status":     func() { _ = src.Status(fedAt) },
		"small list": func() { _ = small.Lookup(credential.FormatHCERT, hit) },
	} {
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("%s: %v allocations per lookup", name, n)
		}
	}
	if len(l.Lookup(credential.FormatHCERT, hit)) != 1 || len(l.Lookup(credential.FormatSHC, ref)) != 1 {
		t.Fatal("lookups measured did not find their keys")
	}
}
