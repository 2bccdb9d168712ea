// Command gendemo writes the embedded demo federation of package
// testvectors: a CSCA and a DSC with private keys for each member country.
// These keys are public by design; they exist for demos and tests only.
//
// Run from the module root: go run ./testvectors/internal/gendemo testvectors/demo
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendemo DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	algs := map[string]string{"GB": "PS256", "CA": "PS256"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, cc := range testvectors.Countries {
		cscaKey, err := issuer.GenerateKey("ES256")
		check(err)
		csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{
			Country: cc, CommonName: cc + " DEMO Health CSCA (PUBLIC TEST KEY)",
			NotBefore: start, NotAfter: start.AddDate(20, 0, 0),
		})
		check(err)
		alg := algs[cc]
		if alg == "" {
			alg = "ES256"
		}
		dscKey, err := issuer.GenerateKey(alg)
		check(err)
		dsc, err := issuer.CreateDSC(dscKey.Public(), csca, cscaKey, issuer.CertOptions{
			Country: cc, CommonName: cc + " DEMO Health DSC (PUBLIC TEST KEY)",
			NotBefore: start, NotAfter: start.AddDate(15, 0, 0),
		})
		check(err)
		write(filepath.Join(dir, cc+"-csca.crt"), issuer.MarshalCertificatePEM(csca))
		write(filepath.Join(dir, cc+"-dsc.crt"), issuer.MarshalCertificatePEM(dsc))
		kp, err := issuer.MarshalKeyPEM(dscKey)
		check(err)
		write(filepath.Join(dir, cc+"-dsc.key"), kp)
	}
}

func write(path string, data []byte) {
	check(os.WriteFile(path, data, 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
