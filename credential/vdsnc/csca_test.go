package vdsnc_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// TestExplicitP256CSCA issues and verifies a seal under a CSCA whose P-256
// key has explicit curve parameters, which crypto/x509 cannot read.
func TestExplicitP256CSCA(t *testing.T) {
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	der, subject, ski := explicitCSCA(t, key, "AU", nil)
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 reads explicit parameters now")
	}
	csca, err := vdsnc.ParseCSCA(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := csca.PublicKey.(*ecdsa.PublicKey)
	if csca.Cert != nil || !csca.ExplicitCurve || !ok || pub.Curve != elliptic.P256() || !pub.Equal(&key.PublicKey) {
		t.Fatalf("CSCA %+v", csca)
	}
	if csca.Country != "AU" || !csca.IsCA || csca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign ||
		string(csca.SubjectKeyID) != string(ski) || string(csca.RawSubject) != string(subject) ||
		!csca.NotBefore.Equal(testNow.AddDate(-5, 0, 0)) {
		t.Fatalf("CSCA fields %+v", csca)
	}
	if err := csca.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("self-signature: %v", err)
	}

	// Issue a BSC and a CRL with the explicit-parameter CSCA's key.
	parent := &x509.Certificate{
		RawSubject: subject, SubjectKeyId: ski, PublicKey: &key.PublicKey,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	tmpl := must(vdsnc.BSCTemplate("AU", "Explicit BSC", testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)))
	bsc := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, tmpl, parent, keyBSC().Public(), key))))
	crl := must(x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: testNow.AddDate(0, -1, 0), NextUpdate: testNow.AddDate(0, 1, 0)}, parent, key))
	text := must(vdsnc.Sign(keyBSC(), bsc, []byte(sampleVacc)))
	s := must(vdsnc.Decode(text))
	if err := s.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	got, err := s.VerifyChain([]*vdsnc.CSCA{csca}, [][]byte{crl}, testNow)
	if err != nil || got != csca {
		t.Fatalf("chain: %v", err)
	}
	// The same seal under another explicit CSCA with the same SKI fails.
	other := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	otherDER, _, _ := explicitCSCA(t, other, "AU", nil)
	impostor := must(vdsnc.ParseCSCA(otherDER))
	impostor.SubjectKeyID = ski
	if _, err := s.VerifyChain([]*vdsnc.CSCA{impostor}, [][]byte{crl}, testNow); reasonOf(t, err) != credential.ReasonBadSignature {
		t.Fatalf("impostor: %v", err)
	}
}

// TestExplicitParametersRefused checks that only the exact parameters of a
// known curve are accepted.
func TestExplicitParametersRefused(t *testing.T) {
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	for name, tweak := range map[string]func(*ecParamsASN1){
		"other b":          func(p *ecParamsASN1) { p.Curve.B[31] ^= 1 },
		"other a":          func(p *ecParamsASN1) { p.Curve.A[31] ^= 1 },
		"other order":      func(p *ecParamsASN1) { p.Order = new(big.Int).Add(p.Order, big.NewInt(2)) },
		"other prime":      func(p *ecParamsASN1) { p.FieldID.Prime = new(big.Int).Add(p.FieldID.Prime, big.NewInt(2)) },
		"cofactor 2":       func(p *ecParamsASN1) { p.Cofactor = big.NewInt(2) },
		"other base point": func(p *ecParamsASN1) { p.Base = must(key.PublicKey.Bytes()) },
		"binary field":     func(p *ecParamsASN1) { p.FieldID.FieldType = []int{1, 2, 840, 10045, 1, 2} },
	} {
		t.Run(name, func(t *testing.T) {
			der, _, _ := explicitCSCA(t, key, "AU", tweak)
			if c, err := vdsnc.ParseCSCA(der); err == nil {
				t.Fatalf("accepted: %+v", c)
			}
		})
	}
	t.Run("compressed base point", func(t *testing.T) {
		der, _, _ := explicitCSCA(t, key, "AU", func(p *ecParamsASN1) {
			gy := new(big.Int).SetBytes(p.Base[33:])
			p.Base = append([]byte{byte(2 + gy.Bit(0))}, p.Base[1:33]...)
		})
		if _, err := vdsnc.ParseCSCA(der); err != nil {
			t.Fatal(err)
		}
	})
	for _, bad := range [][]byte{nil, []byte("junk"), {0x30, 0x03, 0x02, 0x01, 0x01}} {
		if _, err := vdsnc.ParseCSCA(bad); err == nil {
			t.Errorf("ParseCSCA(%x) accepted", bad)
		}
	}
	if _, err := vdsnc.ParseCSCAs([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")); err == nil {
		t.Error("ParseCSCAs accepted PEM without a certificate")
	}
}

// readPEM reads the single PEM block of a testdata file.
func readPEM(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	return block.Bytes
}

// TestBrainpoolCSCA verifies, end to end, a seal whose BSC an OpenSSL-made
// brainpoolP256r1 CSCA issued, the CSCA given both with explicit
// parameters and with the named curve (testdata/gen-brainpool.sh).
func TestBrainpoolCSCA(t *testing.T) {
	bsc := must(x509.ParseCertificate(readPEM(t, "bp-bsc.pem")))
	bscKey := must(x509.ParsePKCS8PrivateKey(readPEM(t, "bp-bsc.key"))).(crypto.Signer)
	crl := readPEM(t, "bp-crl.pem")
	text := must(vdsnc.Sign(bscKey, bsc, []byte(sampleVacc)))
	for _, c := range []struct {
		file     string
		explicit bool
	}{{"bp-csca-explicit.pem", true}, {"bp-csca-named.pem", false}} {
		t.Run(c.file, func(t *testing.T) {
			der := readPEM(t, c.file)
			if _, err := x509.ParseCertificate(der); err == nil {
				t.Fatal("crypto/x509 reads Brainpool keys now")
			}
			csca, err := vdsnc.ParseCSCA(der)
			if err != nil {
				t.Fatal(err)
			}
			pub := csca.PublicKey.(*ecdsa.PublicKey)
			if _, ok := pub.Curve.(*vdsnc.Weierstrass); !ok || pub.Curve.Params().Name != "brainpoolP256r1" || csca.ExplicitCurve != c.explicit {
				t.Fatalf("key on %s, explicit %v", pub.Curve.Params().Name, csca.ExplicitCurve)
			}
			if err := csca.CheckSignatureFrom(csca); err != nil {
				t.Fatalf("OpenSSL's self-signature: %v", err)
			}
			if err := verdictErr(text, []*vdsnc.CSCA{csca}, [][]byte{crl}, testNow); err != nil {
				t.Fatalf("seal: %v", err)
			}
			tampered := strings.Replace(text, "JANE", "JANX", 1)
			if err := verdictErr(tampered, []*vdsnc.CSCA{csca}, [][]byte{crl}, testNow); reasonOf(t, err) != credential.ReasonBadSignature {
				t.Fatalf("tampered seal: %v", err)
			}
		})
	}
	t.Run("wrong Brainpool key", func(t *testing.T) {
		csca := must(vdsnc.ParseCSCA(readPEM(t, "bp-csca-explicit.pem")))
		icao := must(vdsnc.ParseCSCAs(vectorFile(t, "ddcc-validator/ICAOHealthMLSigner1.pem.crt")))
		if err := icao[1].CheckSignatureFrom(csca); err == nil {
			t.Fatal("the ICAO Health CA verifies with the Brainpool key")
		}
	})
}
