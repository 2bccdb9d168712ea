package testvectors

import (
	"crypto/x509"
	"embed"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

// demoFS holds the demo federation: for each member country a CSCA and a
// DSC certificate and the DSC's private key. The keys are public: anyone
// can sign credentials that demo trust accepts. Never use it in production.
//
//go:generate go run ./internal/gendemo demo
//go:embed demo/*.crt demo/*.key demo/*.json
var demoFS embed.FS

// DemoWarning is the notice callers must show whenever demo trust is used.
const DemoWarning = "WARNING: using the built-in DEMO trust list; its private keys are public, so anyone can forge credentials it accepts"

// DemoFederation loads the embedded demo federation. Its issuers use the
// given clock (time.Now when nil).
func DemoFederation(now func() time.Time) (*Federation, error) {
	if now == nil {
		now = time.Now
	}
	f := &Federation{}
	var keys []*trustlist.Key
	for _, cc := range Countries {
		m := &Member{Country: cc}
		var err error
		if m.CSCA, err = demoCert(cc + "-csca.crt"); err != nil {
			return nil, err
		}
		if m.DSC, err = demoCert(cc + "-dsc.crt"); err != nil {
			return nil, err
		}
		kp, err := demoFS.ReadFile("demo/" + cc + "-dsc.key")
		if err != nil {
			return nil, err
		}
		if m.DSCKey, err = issuer.ParseKeyPEM(kp); err != nil {
			return nil, fmt.Errorf("demo key %s: %w", cc, err)
		}
		if m.Issuer, err = issuer.New(m.DSCKey, m.DSC, issuer.WithClock(now)); err != nil {
			return nil, fmt.Errorf("demo issuer %s: %w", cc, err)
		}
		m.Alg = m.Issuer.Algorithm().String()
		if m.TrustKey, err = trustlist.KeyFromCertificate(m.DSC); err != nil {
			return nil, err
		}
		keys = append(keys, m.TrustKey)
		f.Members = append(f.Members, m)
	}
	f.Trust = trustlist.NewStatic(keys...)
	return f, nil
}

// DemoAnchor returns the demo federation's signed anchor.
func DemoAnchor() []byte {
	b, _ := demoFS.ReadFile("demo/anchor.json")
	return b
}

// DemoFederatedList returns the demo federation's signed federated list.
func DemoFederatedList() []byte {
	b, _ := demoFS.ReadFile("demo/federated.json")
	return b
}

// DemoFile returns one file of the embedded demo federation (for example
// "GB-dsc.key", "aggregator.key" or "AU.json").
func DemoFile(name string) ([]byte, error) { return demoFS.ReadFile("demo/" + name) }

// DemoTrust returns the demo federation's federated list, verified against
// its anchor at now. Show DemoWarning to the user whenever it is in use.
func DemoTrust(now time.Time) (*trustlist.List, error) {
	anchor, err := trustlist.VerifyAnchor(DemoAnchor())
	if err != nil {
		return nil, fmt.Errorf("demo anchor: %w", err)
	}
	return trustlist.VerifyFederated(anchor, DemoFederatedList(), trustlist.VerifyOptions{At: now})
}

func demoCert(name string) (*x509.Certificate, error) {
	data, err := demoFS.ReadFile("demo/" + name)
	if err != nil {
		return nil, err
	}
	certs, err := trustlist.ParsePEM(data)
	if err != nil {
		return nil, fmt.Errorf("demo %s: %w", name, err)
	}
	return certs[0], nil
}
