package testvectors

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// TestFederatedTrustForOfficialVectors imports the official issuers' keys
// (the NZCP example DID document, the SMART example JWKS with its rid list,
// the AU CSCA with its CRL) into members' country lists, publishes them as
// a federation, and verifies the official valid credentials through the
// federated list — and the revoked SHC card as revoked.
func TestFederatedTrustForOfficialVectors(t *testing.T) {
	dir := sharedDir(t)
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nz, err := trustlist.ImportDID(read("nzcp/examples/valid/did.json"))
	if err != nil {
		t.Fatal(err)
	}
	us, err := trustlist.ImportJWKS(read("shc/examples/issuer/.well-known/jwks.json"), "https://spec.smarthealth.cards/examples/issuer")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := trustlist.AttachCRL(us, read("shc/examples/issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json")); err != nil || n != 1 {
		t.Fatalf("SHC rid list attached to %d entries: %v", n, err)
	}
	au, err := trustlist.ImportICAOCSCA(read("vdsnc/au-ios/csca-au.cer"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := trustlist.AttachCRL(au["AU"], read("vdsnc/au-ios/crl-au.crl")); err != nil || n != 1 {
		t.Fatalf("AU CRL attached to %d entries: %v", n, err)
	}
	fed, err := NewFederation(FederationOptions{Countries: []string{"AU", "NZ", "US"}})
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string][]trustlist.Entry{"AU": au["AU"], "NZ": nz, "US": us}
	// Lists valid over every pinned clock of the sets (2021-11 to 2023-07).
	issued := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	pub, err := fed.Publish(PublishOptions{Now: issued, Validity: 5 * 365 * 24 * time.Hour, NextUpdate: 5 * 365 * 24 * time.Hour, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, clock string
		want        string // "" valid, else reason
	}{
		{"nzcp/examples/valid/nzcp.txt", "2022-06-01T00:00:00Z", ""},
		{"nzcp/examples/invalid/nzcp-not-associated-public-key.txt", "2022-06-01T00:00:00Z", "unknown_key"},
		{"shc/examples/example-00-f-qr-code-numeric-value-0.txt", "2023-07-01T00:00:00Z", ""},
		{"shc/examples/example-03-f-qr-code-numeric-value-0.txt", "2023-07-01T00:00:00Z", "revoked"},
		{"vdsnc/au-ios/seal-valid.json", "2021-11-01T00:00:00Z", ""},
		{"vdsnc/au-ios/seal-tampered.json", "2021-11-01T00:00:00Z", "bad_signature"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.clock)
		v, err := verifier.New(pub.List, verifier.WithClock(func() time.Time { return at }))
		if err != nil {
			t.Fatal(err)
		}
		text := string(read(c.file))
		for len(text) > 0 && (text[len(text)-1] == '\n' || text[len(text)-1] == '\r') {
			text = text[:len(text)-1]
		}
		_, err = v.Verify(text)
		got := ""
		if ve, ok := err.(*verifier.Error); ok {
			got = string(ve.Reason)
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.file, got, c.want)
		}
	}
}
