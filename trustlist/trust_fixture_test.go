package trustlist_test

import (
	"crypto"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

// The fixture is one generated five-country federation (AU, CA, NZ, GB,
// US), published once per test binary: an anchor signed 3 of 5 by AU, CA
// and NZ, one list per member holding its DSC, and the federated list. Tests
// must not modify it; they build variants from its keys.

var (
	fedT0 = testvectors.DefaultNow    // issue time of every fixture document
	fedAt = fedT0.Add(time.Hour)      // a verification time at which everything is current
	fedUp = fedT0.Add(24 * time.Hour) // the fixture federated list's nextUpdate
	fedEx = fedT0.Add(7 * 24 * time.Hour)
)

type fedFixture struct {
	fed *testvectors.Federation
	pub *testvectors.Published
}

var fedFixtureOnce = sync.OnceValues(func() (*fedFixture, error) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{})
	if err != nil {
		return nil, err
	}
	pub, err := fed.Publish(testvectors.PublishOptions{})
	if err != nil {
		return nil, err
	}
	return &fedFixture{fed: fed, pub: pub}, nil
})

func getFed(t testing.TB) *fedFixture {
	t.Helper()
	f, err := fedFixtureOnce()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fedSigner is one signature to add: a key and the country to name in the
// protected header.
type fedSigner struct {
	key crypto.Signer
	cc  string
}

func (f *fedFixture) root(cc string) fedSigner { return fedSigner{f.pub.RootKeys[cc], cc} }
func (f *fedFixture) publisher(cc string) fedSigner {
	return fedSigner{f.pub.PublisherKeys[cc], cc}
}

func newSignerKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := issuer.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustJWK(t testing.TB, pub crypto.PublicKey) json.RawMessage {
	t.Helper()
	j, err := trustlist.MarshalPublicJWK(pub)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// baseAnchor returns a fresh copy of the fixture's anchor content
// (sequence 1, threshold 3, every member with one root and one publisher
// key).
func (f *fedFixture) baseAnchor(t testing.TB) *trustlist.Anchor {
	t.Helper()
	a := &trustlist.Anchor{Sequence: 1, IssuedAt: fedT0, Threshold: 3,
		Aggregator: []json.RawMessage{mustJWK(t, f.pub.AggregatorKey.Public())}}
	for _, cc := range testvectors.Countries {
		a.Members = append(a.Members, trustlist.Member{Country: cc, Name: testvectors.CountryName(cc),
			RootKeys:      []json.RawMessage{mustJWK(t, f.pub.RootKeys[cc].Public())},
			PublisherKeys: []json.RawMessage{mustJWK(t, f.pub.PublisherKeys[cc].Public())}})
	}
	return a
}

// member returns the anchor's member cc.
func anchorMember(t testing.TB, a *trustlist.Anchor, cc string) *trustlist.Member {
	t.Helper()
	for i := range a.Members {
		if a.Members[i].Country == cc {
			return &a.Members[i]
		}
	}
	t.Fatalf("no member %s", cc)
	return nil
}

// signDoc encodes doc (an *Anchor, *CountryList or *FederatedList) and
// signs it with every signer.
func signDoc(t testing.TB, doc any, signers ...fedSigner) []byte {
	t.Helper()
	s, err := trustlist.Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return signSigned(t, s, signers...)
}

// signPayload signs raw payload bytes as they are.
func signPayload(t testing.TB, payload []byte, signers ...fedSigner) []byte {
	t.Helper()
	return signSigned(t, trustlist.NewSigned(payload), signers...)
}

func signSigned(t testing.TB, s *trustlist.Signed, signers ...fedSigner) []byte {
	t.Helper()
	for _, sg := range signers {
		if err := s.AddSignature(sg.key, sg.cc); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countryList returns a fresh list of member cc holding its DSC, issued
// at fedT0 and valid seven days.
func (f *fedFixture) countryList(t testing.TB, cc string, seq int64) *trustlist.CountryList {
	t.Helper()
	m, err := f.fed.Member(cc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := trustlist.EntryFromCertificate(m.DSC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &trustlist.CountryList{Country: cc, Sequence: seq, IssuedAt: fedT0, ExpiresAt: fedEx, Entries: []trustlist.Entry{e}}
}

// dscEntry returns the HCERT entry of member cc's DSC.
func (f *fedFixture) dscEntry(t testing.TB, cc string) trustlist.Entry {
	t.Helper()
	m, err := f.fed.Member(cc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := trustlist.EntryFromCertificate(m.DSC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// signedCountry signs cl with cc's publisher key.
func (f *fedFixture) signedCountry(t testing.TB, cl *trustlist.CountryList) []byte {
	t.Helper()
	return signDoc(t, cl, f.publisher(cl.Country))
}

// federatedDoc returns an unsigned federated list embedding members,
// issued at fedT0 with the fixture's nextUpdate and expiry.
func federatedDoc(seq int64, members ...[]byte) *trustlist.FederatedList {
	fl := &trustlist.FederatedList{Sequence: seq, AnchorSequence: 1, IssuedAt: fedT0, NextUpdate: fedUp, ExpiresAt: fedEx}
	for _, m := range members {
		fl.Members = append(fl.Members, json.RawMessage(m))
	}
	return fl
}

// federated signs a federated list of members with the aggregator key.
func (f *fedFixture) federated(t testing.TB, seq int64, members ...[]byte) []byte {
	t.Helper()
	return signDoc(t, federatedDoc(seq, members...), fedSigner{f.pub.AggregatorKey, ""})
}

// allCountries returns freshly signed lists of every member with sequence
// seq, in the federation's order.
func (f *fedFixture) allCountries(t testing.TB, seq int64) [][]byte {
	t.Helper()
	var out [][]byte
	for _, cc := range testvectors.Countries {
		out = append(out, f.signedCountry(t, f.countryList(t, cc, seq)))
	}
	return out
}

// wantErr checks that err wraps want and that its message contains every
// fragment; want nil means success.
func wantErr(t testing.TB, err, want error, fragments ...string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted; want an error wrapping %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q does not wrap %v", err, want)
	}
	for _, fr := range fragments {
		if !strings.Contains(err.Error(), fr) {
			t.Errorf("error %q does not mention %q", err, fr)
		}
	}
}

func verifyAt(at time.Time) trustlist.VerifyOptions { return trustlist.VerifyOptions{At: at} }

// editedPayload encodes doc, then lets edit change its JSON object before
// it is re-encoded: for payloads Encode would never produce.
func editedPayload(t testing.TB, doc any, edit func(m map[string]any)) []byte {
	t.Helper()
	s, err := trustlist.Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.PayloadBytes()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// anchorVariant signs a variant of the fixture's anchor content.
func (f *fedFixture) anchorVariant(t testing.TB, mut func(a *trustlist.Anchor), signers ...fedSigner) []byte {
	t.Helper()
	a := f.baseAnchor(t)
	if mut != nil {
		mut(a)
	}
	return signDoc(t, a, signers...)
}

// verifiedAnchor verifies data, failing the test on error.
func verifiedAnchor(t testing.TB, data []byte) *trustlist.VerifiedAnchor {
	t.Helper()
	va, err := trustlist.VerifyAnchor(data)
	if err != nil {
		t.Fatal(err)
	}
	return va
}
