package vdsnc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential/vdsnc"
)

// Example issues a proof of vaccination under a freshly made Australian
// CSCA and BSC, then verifies it as a checkpoint would: decode, signature,
// chain with the CSCA's CRL, and the common credential model.
func Example() {
	now := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)

	// The issuing country: a CSCA, its CRL, and a BSC with the VDS-NC
	// extensions.
	cscaKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	cscaTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Country: []string{"AU"}, CommonName: "Example CSCA"},
		NotBefore:    now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	cscaDER, _ := x509.CreateCertificate(rand.Reader, cscaTmpl, cscaTmpl, &cscaKey.PublicKey, cscaKey)
	cscaCert, _ := x509.ParseCertificate(cscaDER)
	crl, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: now.AddDate(0, -1, 0), NextUpdate: now.AddDate(0, 2, 0),
	}, cscaCert, cscaKey)
	bscKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bscTmpl, _ := vdsnc.BSCTemplate("AU", "DFAT", now.AddDate(0, -1, 0), now.AddDate(5, 0, 0))
	bscDER, _ := x509.CreateCertificate(rand.Reader, bscTmpl, cscaCert, &bscKey.PublicKey, cscaKey)
	bsc, _ := x509.ParseCertificate(bscDER)

	text, err := vdsnc.Sign(bscKey, bsc, []byte(`{
		"hdr": {"t": "icao.vacc", "v": 1, "is": "AUS"},
		"msg": {
			"uvci": "VB0009990038",
			"pid": {"n": "CITIZEN  JANE CATHERINE", "dob": "1977-05-16"},
			"ve": [{"des": "XM68M6", "nam": "Pfizer Comirnaty", "dis": "RA01.0",
				"vd": [{"dvc": "2021-06-13", "seq": 1, "ctr": "AUS", "lot": "EP2163"},
				       {"dvc": "2021-07-01", "seq": 2, "ctr": "AUS", "lot": "ER7449"}]}]
		}}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	// The checkpoint: the CSCA and CRL come from its trust list.
	csca, _ := vdsnc.ParseCSCA(cscaDER)
	seal, err := vdsnc.Decode(text)
	if err == nil {
		err = seal.VerifySignature()
	}
	if err == nil {
		_, err = seal.VerifyChain([]*vdsnc.CSCA{csca}, [][]byte{crl}, now)
	}
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	c, _ := seal.Credential()
	v := c.Vaccination
	fmt.Printf("%s seal from %s (%s), %s\n", seal.Alg, seal.Header.Country, c.Country, c.Type)
	fmt.Printf("%s / %s, born %s\n", c.Holder.FamilyName, c.Holder.GivenName, c.DateOfBirth)
	fmt.Printf("dose %d of %s on %s, issued by %s\n", v.DoseNumber, v.Product, v.Date, v.Issuer)

	// A tampered copy fails on its signature.
	tampered, _ := vdsnc.Decode(strings.Replace(text, "JANE", "JANX", 1))
	if tampered != nil {
		fmt.Println(tampered.VerifySignature())
	}
	// Output:
	// ES256 seal from AUS (AU), vaccination
	// CITIZEN / JANE CATHERINE, born 1977-05-16
	// dose 2 of Pfizer Comirnaty on 2021-07-01, issued by DFAT
	// bad_signature: signature does not verify
}
