package testvectors

import (
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/verifier"
)

func TestPublishAndVerify(t *testing.T) {
	fed, err := NewFederation(FederationOptions{Alg: map[string]string{"GB": "PS256"}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := fed.Publish(PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pub.List.Len() != 5 || len(pub.VerifiedAnchor.Signers) != 3 {
		t.Fatalf("list has %d keys, anchor %d signers", pub.List.Len(), len(pub.VerifiedAnchor.Signers))
	}
	v, err := verifier.New(pub.List, verifier.WithClock(func() time.Time { return DefaultNow.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fed.Members {
		out, err := m.Issuer.Issue(SamplePayload(credential.TypeTest, m.Country))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(out.Text)
		if err != nil {
			t.Fatalf("%s: %v", m.Country, err)
		}
		if res.Trust.Freshness != "fresh" || res.Trust.Sequence != 1 {
			t.Errorf("%s: trust %+v", m.Country, res.Trust)
		}
	}
}
