package vdsnc_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// dropExtension removes an extension from a BSC template.
func dropExtension(id asn1.ObjectIdentifier) func(*x509.Certificate) {
	return func(c *x509.Certificate) {
		var keep []pkix.Extension
		for _, e := range c.ExtraExtensions {
			if !e.Id.Equal(id) {
				keep = append(keep, e)
			}
		}
		c.ExtraExtensions = keep
	}
}

// setExtension replaces or adds an extension of a BSC template.
func setExtension(e pkix.Extension) func(*x509.Certificate) {
	return func(c *x509.Certificate) {
		dropExtension(e.Id)(c)
		c.ExtraExtensions = append(c.ExtraExtensions, e)
	}
}

var oidEKU = asn1.ObjectIdentifier{2, 5, 29, 37}

// TestChain checks each refusal of VerifyChain, and its reason and class,
// on generated PKIs.
func TestChain(t *testing.T) {
	docTypes := func(types ...string) []byte {
		return must(asn1.Marshal(struct {
			Version int
			Types   []string `asn1:"set"`
		}{0, types}))
	}
	for _, c := range []struct {
		name  string
		o     pkiOptions
		body  string
		at    time.Time
		want  credential.Reason
		class string
	}{
		{name: "valid", class: ""},
		{name: "valid test seal", body: sampleTest},
		{name: "EKU not critical", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: oidEKU, Value: must(asn1.Marshal([]asn1.ObjectIdentifier{vdsnc.OIDExtKeyUsageBSC}))})}},
		{name: "document type list critical", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: vdsnc.OIDDocumentTypeList, Critical: true, Value: docTypes("NV")})}},
		{name: "several document types", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: vdsnc.OIDDocumentTypeList, Value: docTypes("NT", "NV", "P")})}},
		{name: "no key usage extension", o: pkiOptions{editBSC: func(c *x509.Certificate) { c.KeyUsage = 0 }}},
		{name: "revoked", o: pkiOptions{revoked: true}, want: credential.ReasonKeyRevoked, class: "revoked"},
		{name: "revoked on a stale CRL", o: pkiOptions{revoked: true, crlExpiry: testNow.AddDate(0, 0, -1)}, want: credential.ReasonKeyRevoked, class: "revoked"},
		{name: "stale CRL", o: pkiOptions{crlExpiry: testNow.Add(-time.Second)}, want: credential.ReasonKeyNotValid, class: "untrusted"},
		{name: "CRL current to the second", o: pkiOptions{crlExpiry: testNow}},
		{name: "BSC expired", at: testNow.AddDate(5, 0, 1), o: pkiOptions{crlExpiry: testNow.AddDate(6, 0, 0)}, want: credential.ReasonExpired, class: "expired"},
		{name: "BSC not yet valid", at: testNow.AddDate(-1, 0, -1), want: credential.ReasonNotYetValid, class: "expired"},
		{name: "CSCA expired", at: testNow.AddDate(10, 0, 1), o: pkiOptions{crlExpiry: testNow.AddDate(11, 0, 0)}, want: credential.ReasonKeyNotValid, class: "untrusted"},
		{name: "no VDS-NC EKU", o: pkiOptions{editBSC: dropExtension(oidEKU)}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "other EKU only", o: pkiOptions{editBSC: func(c *x509.Certificate) {
			dropExtension(oidEKU)(c)
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		}}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "no document type list", o: pkiOptions{editBSC: dropExtension(vdsnc.OIDDocumentTypeList)}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "document type not NV", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: vdsnc.OIDDocumentTypeList, Value: docTypes("NT")})}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "document type list malformed", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: vdsnc.OIDDocumentTypeList, Value: []byte{0x13, 0x02, 'N', 'V'}})}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "document type list version 1", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: vdsnc.OIDDocumentTypeList, Value: must(asn1.Marshal(struct {
			Version int
			Types   []string `asn1:"set"`
		}{1, []string{"NV"}}))})}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "key usage without digitalSignature", o: pkiOptions{editBSC: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyAgreement }}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "BSC is a CA", o: pkiOptions{editBSC: func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true }}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "unknown critical extension", o: pkiOptions{editBSC: setExtension(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}})}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "seal of another state", body: strings.Replace(sampleVacc, `"is":"AUS"`, `"is":"NZL"`, 1), want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "seal of an unknown state", body: strings.Replace(sampleVacc, `"is":"AUS"`, `"is":"UTO"`, 1), want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "BSC of another country", o: pkiOptions{editBSC: func(c *x509.Certificate) { c.Subject.Country = []string{"NZ"} }}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "PKI of another country", o: pkiOptions{country: "NZ"}, want: credential.ReasonKeyUsage, class: "untrusted"},
		{name: "PKI and seal of NZ", o: pkiOptions{country: "NZ"}, body: strings.Replace(sampleVacc, `"is":"AUS"`, `"is":"NZL"`, 1)},
	} {
		cache := vdsnc.NewSignatureCache(0) // shared by every case
		t.Run(c.name, func(t *testing.T) {
			p := newPKI(t, c.o)
			body := c.body
			if body == "" {
				body = sampleVacc
			}
			at := c.at
			if at.IsZero() {
				at = testNow
			}
			s := must(vdsnc.Decode(p.seal(t, body)))
			if err := s.VerifySignature(); err != nil {
				t.Fatal(err)
			}
			csca, err := s.VerifyChain([]*vdsnc.CSCA{p.csca}, [][]byte{p.crl}, at)
			if got := reasonOf(t, err); got != c.want {
				t.Fatalf("reason %q (%v), want %q", got, err, c.want)
			}
			if _, class := verdict(t, err); class != c.class {
				t.Fatalf("class %q, want %q", class, c.class)
			}
			if (err == nil) != (csca == p.csca) {
				t.Fatalf("returned CSCA %p with error %v", csca, err)
			}
			// The same verdict through a cache, cold and then warm.
			for _, pass := range []string{"cold", "warm"} {
				_, cerr := cache.VerifyChain(s, []*vdsnc.CSCA{p.csca}, [][]byte{p.crl}, at)
				if got := reasonOf(t, cerr); got != c.want {
					t.Fatalf("%s cache: reason %q (%v), want %q", pass, got, cerr, c.want)
				}
			}
		})
	}
}

// TestSignatureCache: a warm cache answers only for the very same
// signature, remembers only signatures that verified, stays within its
// size, and is safe for concurrent use.
func TestSignatureCache(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	text := p.seal(t, sampleVacc)
	cscas, crls := []*vdsnc.CSCA{p.csca}, [][]byte{p.crl}
	cache := vdsnc.NewSignatureCache(0)
	s := must(vdsnc.Decode(text))
	if _, err := cache.VerifyChain(s, cscas, crls, testNow); err != nil {
		t.Fatal(err)
	}
	if n := cache.Len(); n != 2 {
		t.Fatalf("%d signatures remembered, want 2 (the BSC's and the CRL's)", n)
	}

	// A damaged BSC signature under a warm cache: refused, not remembered.
	bad := must(vdsnc.Decode(text))
	bad.BSC.Signature[len(bad.BSC.Signature)/2] ^= 1
	if _, err := cache.VerifyChain(bad, cscas, crls, testNow); reasonOf(t, err) != credential.ReasonBadSignature {
		t.Fatalf("damaged BSC signature with a warm cache: %v", err)
	}
	// A CRL whose signature is damaged.
	crl := bytes.Clone(p.crl)
	crl[len(crl)-3] ^= 1
	if _, err := cache.VerifyChain(s, cscas, [][]byte{crl}, testNow); reasonOf(t, err) != credential.ReasonKeyNotValid {
		t.Fatalf("damaged CRL signature with a warm cache: %v", err)
	}
	// A CSCA with the same certificate bytes and key id but another key:
	// the cache is keyed by the key, so the BSC's signature is checked
	// again, and fails.
	impostor := *p.csca
	impostor.PublicKey = must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)).Public()
	if _, err := cache.VerifyChain(s, []*vdsnc.CSCA{&impostor}, crls, testNow); reasonOf(t, err) != credential.ReasonBadSignature {
		t.Fatalf("a CSCA with another key and a warm cache: %v", err)
	}
	if n := cache.Len(); n != 2 {
		t.Fatalf("%d signatures remembered after failures, want still 2", n)
	}

	small := vdsnc.NewSignatureCache(1)
	if _, err := small.VerifyChain(s, cscas, crls, testNow); err != nil {
		t.Fatal(err)
	}
	if n := small.Len(); n != 1 {
		t.Fatalf("a cache of 1 holds %d", n)
	}
	var none *vdsnc.SignatureCache
	if _, err := none.VerifyChain(s, cscas, crls, testNow); err != nil || none.Len() != 0 {
		t.Fatalf("nil cache: %v, %d", err, none.Len())
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := small.VerifyChain(s, cscas, crls, testNow); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestChainTrustSelection checks how CSCAs and CRLs are picked.
func TestChainTrustSelection(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	s := must(vdsnc.Decode(p.seal(t, sampleVacc)))
	otherKey := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	impostor := *p.csca
	impostor.PublicKey = &otherKey.PublicKey
	notCA := *p.csca
	notCA.IsCA = false
	noCountry := *p.csca
	noCountry.Country = ""
	expired := *p.csca
	expired.NotAfter = testNow.AddDate(-1, 0, 0)
	stranger := newPKI(t, pkiOptions{country: "NZ", cscaKey: must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))})

	// A CRL that names the CSCA but is signed by another key.
	fakeIssuer := *p.cscaCert
	fakeIssuer.PublicKey = &otherKey.PublicKey
	forged := must(x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(9), ThisUpdate: testNow.AddDate(0, -1, 0), NextUpdate: testNow.AddDate(1, 0, 0)}, &fakeIssuer, otherKey))
	stale := newPKI(t, pkiOptions{crlExpiry: testNow.AddDate(0, 0, -1)}).crl // same CSCA key and subject
	crlPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: p.crl})

	for _, c := range []struct {
		name  string
		cscas []*vdsnc.CSCA
		crls  [][]byte
		want  credential.Reason
	}{
		{"no CSCA", nil, [][]byte{p.crl}, credential.ReasonUnknownKey},
		{"nil CSCA", []*vdsnc.CSCA{nil}, [][]byte{p.crl}, credential.ReasonUnknownKey},
		{"another country's CSCA", []*vdsnc.CSCA{stranger.csca}, [][]byte{p.crl}, credential.ReasonUnknownKey},
		{"same SKI, other key", []*vdsnc.CSCA{&impostor}, [][]byte{p.crl}, credential.ReasonBadSignature},
		{"same SKI, other key, then the right one", []*vdsnc.CSCA{nil, stranger.csca, &impostor, p.csca}, [][]byte{p.crl}, ""},
		{"expired CSCA", []*vdsnc.CSCA{&expired}, [][]byte{p.crl}, credential.ReasonKeyNotValid},
		{"expired then re-issued CSCA with the same key", []*vdsnc.CSCA{&expired, p.csca}, [][]byte{p.crl}, ""},
		{"CSCA not a CA", []*vdsnc.CSCA{&notCA}, [][]byte{p.crl}, credential.ReasonKeyUsage},
		{"CSCA names no country", []*vdsnc.CSCA{&noCountry}, [][]byte{p.crl}, credential.ReasonKeyUsage},
		{"no CRL", []*vdsnc.CSCA{p.csca}, nil, credential.ReasonKeyNotValid},
		{"empty CRL", []*vdsnc.CSCA{p.csca}, [][]byte{nil}, credential.ReasonKeyNotValid},
		{"garbage CRL", []*vdsnc.CSCA{p.csca}, [][]byte{[]byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")}, credential.ReasonKeyNotValid},
		{"another CSCA's CRL", []*vdsnc.CSCA{p.csca}, [][]byte{stranger.crl}, credential.ReasonKeyNotValid},
		{"forged CRL", []*vdsnc.CSCA{p.csca}, [][]byte{forged}, credential.ReasonKeyNotValid},
		{"forged then genuine CRL", []*vdsnc.CSCA{p.csca}, [][]byte{forged, p.crl}, ""},
		{"PEM CRL", []*vdsnc.CSCA{p.csca}, [][]byte{crlPEM}, ""},
		{"stale and current CRLs", []*vdsnc.CSCA{p.csca}, [][]byte{stale, p.crl}, ""},
		{"stale CRL only", []*vdsnc.CSCA{p.csca}, [][]byte{stale}, credential.ReasonKeyNotValid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.VerifyChain(c.cscas, c.crls, testNow)
			if got := reasonOf(t, err); got != c.want {
				t.Fatalf("reason %q (%v), want %q", got, err, c.want)
			}
		})
	}
}

// TestChainWeakCSCA checks that an RSA CSCA below 2048 bits is refused.
func TestChainWeakCSCA(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Skipf("cannot make a 1024-bit key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"AU"}, CommonName: "Weak CSCA"},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caCert := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &weak.PublicKey, weak))))
	bscTmpl := must(vdsnc.BSCTemplate("AU", "BSC", testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)))
	bsc := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, bscTmpl, caCert, keyBSC().Public(), weak))))
	crl := must(x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: testNow.AddDate(0, -1, 0), NextUpdate: testNow.AddDate(0, 1, 0)}, caCert, weak))
	text := must(vdsnc.Sign(keyBSC(), bsc, []byte(sampleVacc)))
	err = verdictErr(text, []*vdsnc.CSCA{must(vdsnc.ParseCSCA(caCert.Raw))}, [][]byte{crl}, testNow)
	if reasonOf(t, err) != credential.ReasonBadSignature || !strings.Contains(err.Error(), "2048") {
		t.Fatalf("1024-bit CSCA: %v", err)
	}
}

// TestChainErrorsAreClassified checks that every chain error carries the
// class its reason implies.
func TestChainErrorsAreClassified(t *testing.T) {
	p := newPKI(t, pkiOptions{revoked: true})
	s := must(vdsnc.Decode(p.seal(t, sampleVacc)))
	_, err := s.VerifyChain([]*vdsnc.CSCA{p.csca}, [][]byte{p.crl}, testNow)
	if !errors.Is(err, credential.ErrRevoked) || errors.Is(err, credential.ErrUntrusted) {
		t.Fatalf("%v", err)
	}
}
