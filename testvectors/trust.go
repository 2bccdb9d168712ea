package testvectors

import (
	"crypto"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

// countryNames names the federation's members.
var countryNames = map[string]string{
	"AU": "Australia", "CA": "Canada", "NZ": "New Zealand", "GB": "United Kingdom", "US": "United States",
}

// CountryName returns the English name of a member country code.
func CountryName(cc string) string {
	if n, ok := countryNames[cc]; ok {
		return n
	}
	return cc
}

// Published is a federation's signed trust documents.
type Published struct {
	// Anchor is the signed anchor; VerifiedAnchor its verified form.
	Anchor         []byte
	VerifiedAnchor *trustlist.VerifiedAnchor
	// Countries are the signed member lists, by country.
	Countries map[string][]byte
	// Federated is the signed federated list; List its verified form.
	Federated []byte
	List      *trustlist.List
	// AggregatorKey signs federated lists.
	AggregatorKey crypto.Signer
	// RootKeys and PublisherKeys are the members' keys, by country.
	RootKeys, PublisherKeys map[string]crypto.Signer
}

// PublishOptions tune Publish.
type PublishOptions struct {
	// Now is the issue time of every document.
	Now time.Time
	// Threshold of the anchor (default 3, or the member count if lower).
	Threshold int
	// Signers of the anchor (default the first Threshold members).
	Signers []string
	// Validity of the lists (default 7 days) and the federated list's
	// next update (default 1 day).
	Validity, NextUpdate time.Duration
	// Sequence of every list (default 1).
	Sequence int64
	// Keys, when set, reuses root, publisher and aggregator keys.
	Keys *Published
	// Revocations are members' revocation lists to sign and carry (their
	// sequence and times are filled in).
	Revocations map[string]*trustlist.RevocationList
	// Rules are members' business rules (EU rule JSON), by country.
	Rules map[string][]json.RawMessage
	// ValueSets are carried for the rules.
	ValueSets map[string][]string
	// Extra are further entries of members' country lists (keys of other
	// formats), by country.
	Extra map[string][]trustlist.Entry
}

// Publish makes the trust documents of a federation: root and publisher
// keys for each member, an anchor signed by Threshold of them, each
// member's list of its DSC, and the aggregated federated list.
func (f *Federation) Publish(o PublishOptions) (*Published, error) {
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	if o.Threshold == 0 {
		o.Threshold = min(3, len(f.Members))
	}
	if o.Validity == 0 {
		o.Validity = 7 * 24 * time.Hour
	}
	if o.NextUpdate == 0 {
		o.NextUpdate = 24 * time.Hour
	}
	if o.Sequence == 0 {
		o.Sequence = 1
	}
	p := &Published{Countries: map[string][]byte{}, RootKeys: map[string]crypto.Signer{}, PublisherKeys: map[string]crypto.Signer{}}
	if o.Keys != nil {
		p.AggregatorKey, p.RootKeys, p.PublisherKeys = o.Keys.AggregatorKey, o.Keys.RootKeys, o.Keys.PublisherKeys
	}
	gen := func(k crypto.Signer) (crypto.Signer, error) {
		if k != nil {
			return k, nil
		}
		return issuer.GenerateKey("ES256")
	}
	var err error
	if p.AggregatorKey, err = gen(p.AggregatorKey); err != nil {
		return nil, err
	}
	aggJWK, err := trustlist.MarshalPublicJWK(p.AggregatorKey.Public())
	if err != nil {
		return nil, err
	}
	anchor := &trustlist.Anchor{Sequence: o.Sequence, IssuedAt: o.Now, Threshold: o.Threshold, Aggregator: []json.RawMessage{aggJWK}}
	for _, m := range f.Members {
		if p.RootKeys[m.Country], err = gen(p.RootKeys[m.Country]); err != nil {
			return nil, err
		}
		if p.PublisherKeys[m.Country], err = gen(p.PublisherKeys[m.Country]); err != nil {
			return nil, err
		}
		root, err := trustlist.MarshalPublicJWK(p.RootKeys[m.Country].Public())
		if err != nil {
			return nil, err
		}
		pub, err := trustlist.MarshalPublicJWK(p.PublisherKeys[m.Country].Public())
		if err != nil {
			return nil, err
		}
		anchor.Members = append(anchor.Members, trustlist.Member{Country: m.Country, Name: CountryName(m.Country),
			RootKeys: []json.RawMessage{root}, PublisherKeys: []json.RawMessage{pub}})
	}
	signed, err := trustlist.Encode(anchor)
	if err != nil {
		return nil, err
	}
	signers := o.Signers
	if signers == nil {
		for _, m := range f.Members[:o.Threshold] {
			signers = append(signers, m.Country)
		}
	}
	for _, cc := range signers {
		if err := signed.AddSignature(p.RootKeys[cc], cc); err != nil {
			return nil, err
		}
	}
	if p.Anchor, err = signed.Marshal(); err != nil {
		return nil, err
	}
	if p.VerifiedAnchor, err = trustlist.VerifyAnchor(p.Anchor); err != nil {
		return nil, fmt.Errorf("testvectors: own anchor: %w", err)
	}
	var members [][]byte
	for _, m := range f.Members {
		e, err := trustlist.EntryFromCertificate(m.DSC, 0)
		if err != nil {
			return nil, err
		}
		cl := &trustlist.CountryList{Country: m.Country, Sequence: o.Sequence, IssuedAt: o.Now,
			ExpiresAt: o.Now.Add(o.Validity), Entries: append([]trustlist.Entry{e}, o.Extra[m.Country]...)}
		doc, err := trustlist.Encode(cl)
		if err != nil {
			return nil, err
		}
		if err := doc.AddSignature(p.PublisherKeys[m.Country], m.Country); err != nil {
			return nil, err
		}
		if p.Countries[m.Country], err = doc.Marshal(); err != nil {
			return nil, err
		}
		members = append(members, p.Countries[m.Country])
	}
	for _, cc := range sortedKeys(o.Revocations) {
		rl := o.Revocations[cc]
		rl.Country, rl.Sequence, rl.IssuedAt, rl.ExpiresAt = cc, o.Sequence, o.Now, o.Now.Add(o.Validity)
		b, err := signMember(rl, p.PublisherKeys[cc], cc)
		if err != nil {
			return nil, err
		}
		members = append(members, b)
	}
	for _, cc := range sortedKeys(o.Rules) {
		rs := &trustlist.RuleSet{Country: cc, Sequence: o.Sequence, IssuedAt: o.Now, ExpiresAt: o.Now.Add(o.Validity), Rules: o.Rules[cc]}
		b, err := signMember(rs, p.PublisherKeys[cc], cc)
		if err != nil {
			return nil, err
		}
		members = append(members, b)
	}
	fed, err := trustlist.AggregateWith(members, o.ValueSets, o.Sequence, o.Sequence, o.Now, o.Now.Add(o.NextUpdate), o.Now.Add(o.Validity))
	if err != nil {
		return nil, err
	}
	if err := fed.AddSignature(p.AggregatorKey, ""); err != nil {
		return nil, err
	}
	if p.Federated, err = fed.Marshal(); err != nil {
		return nil, err
	}
	if p.List, err = trustlist.VerifyFederated(p.VerifiedAnchor, p.Federated, trustlist.VerifyOptions{At: o.Now}); err != nil {
		return nil, fmt.Errorf("testvectors: own federated list: %w", err)
	}
	return p, nil
}

func signMember(doc any, key crypto.Signer, cc string) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("testvectors: no publisher key for %s", cc)
	}
	s, err := trustlist.Encode(doc)
	if err != nil {
		return nil, err
	}
	if err := s.AddSignature(key, cc); err != nil {
		return nil, err
	}
	return s.Marshal()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
