package trustlist

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/rules"
)

// List is a verified federated list. It implements Source and is safe for
// concurrent use; it never changes after verification.
type List struct {
	FederatedList
	// Anchor is the anchor the list was verified against.
	Anchor *VerifiedAnchor
	// Countries are the verified member lists, by country.
	Countries map[string]*VerifiedCountryList
	// Raw is the signed document.
	Raw []byte
	// RevocationLists and RuleSets are the verified member documents, by
	// country.
	RevocationLists map[string]*RevocationList
	RuleSets        map[string]*RuleSet
	// Rules are every member's rules; Values the federation's value sets.
	Rules  *rules.Set
	Values *rules.ValueSets

	index       map[lookupKey][]*Key
	revocations map[lookupKey]*revIndex
	revoked     int
	count       int
	skew        time.Duration
}

// VerifyFederated checks a federated list against a pinned anchor: the
// aggregator's signature, then every embedded member list exactly as
// VerifyCountryList does, the sequences against opts.State, and the list's
// own validity at opts.At. A failure anywhere refuses the whole list.
func VerifyFederated(anchor *VerifiedAnchor, data []byte, opts VerifyOptions) (*List, error) {
	if anchor == nil {
		return nil, fmt.Errorf("trustlist: no anchor")
	}
	doc, err := ParseSigned(data, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	if len(doc.Signatures) == 0 {
		return nil, fmt.Errorf("%w: the federated list is not signed", ErrSignature)
	}
	for i := range doc.Signatures {
		h, err := doc.header(i)
		if err != nil {
			return nil, err
		}
		j, ok := anchor.keys.aggregator[h.KID]
		if !ok {
			return nil, fmt.Errorf("%w: federated list signature %d names key %q, not the aggregator's", ErrUnknownSigner, i, h.KID)
		}
		if err := doc.verifySignature(i, j.Key); err != nil {
			return nil, err
		}
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return nil, err
	}
	var fl FederatedList
	if err := decodeStrictSplit(payload, &fl, map[string]*[]json.RawMessage{
		"members": &fl.Members, "revocations": &fl.Revocations, "ruleSets": &fl.RuleSets,
	}); err != nil {
		return nil, err
	}
	if fl.Type != TypeFederated || fl.Version != 1 {
		return nil, fmt.Errorf("%w: type %q version %d is not a federated list", ErrMalformed, fl.Type, fl.Version)
	}
	if err := checkTimes("federated list", fl.IssuedAt, fl.ExpiresAt, opts); err != nil {
		return nil, err
	}
	if err := anchor.checkExpiry(opts.At); err != nil {
		return nil, err
	}
	if fl.NextUpdate.Before(fl.IssuedAt) || fl.NextUpdate.After(fl.ExpiresAt) {
		return nil, fmt.Errorf("%w: nextUpdate %v outside [issuedAt, expiresAt]", ErrMalformed, fl.NextUpdate)
	}
	if opts.State != nil && fl.Sequence < opts.State.Federated {
		return nil, fmt.Errorf("%w: federated list sequence %d, already accepted %d", ErrRollback, fl.Sequence, opts.State.Federated)
	}
	l := &List{FederatedList: fl, Anchor: anchor, Countries: map[string]*VerifiedCountryList{},
		Raw: append([]byte(nil), data...), index: map[lookupKey][]*Key{}, skew: opts.skew()}
	for i, raw := range fl.Members {
		cl, err := VerifyCountryList(anchor, raw, opts)
		if err != nil {
			return nil, fmt.Errorf("member list %d: %w", i, err)
		}
		if l.Countries[cl.Country] != nil {
			return nil, fmt.Errorf("%w: two lists for %s", ErrMalformed, cl.Country)
		}
		l.Countries[cl.Country] = cl
		for _, k := range cl.Keys {
			lk := lookupKey{k.Format, lookupRef(k)}
			l.index[lk] = append(l.index[lk], k)
			l.count++
		}
	}
	l.RevocationLists, l.revocations = map[string]*RevocationList{}, map[lookupKey]*revIndex{}
	for i, raw := range fl.Revocations {
		// A member may only revoke credentials of its own keys, so the
		// revocation list is checked against the country list of the signer.
		var probe struct {
			Country string `json:"country"`
		}
		doc, err := ParseSigned(raw, opts.MaxSize)
		if err != nil {
			return nil, fmt.Errorf("revocation list %d: %w", i, err)
		}
		payload, err := doc.PayloadBytes()
		if err != nil {
			return nil, fmt.Errorf("revocation list %d: %w", i, err)
		}
		if err := json.Unmarshal(payload, &probe); err != nil {
			return nil, fmt.Errorf("revocation list %d: %w: %v", i, ErrMalformed, err)
		}
		rl, idx, err := verifyRevocationList(anchor, raw, opts, l.Countries[probe.Country])
		if err != nil {
			return nil, fmt.Errorf("revocation list %d: %w", i, err)
		}
		if l.RevocationLists[rl.Country] != nil {
			return nil, fmt.Errorf("%w: two revocation lists for %s", ErrMalformed, rl.Country)
		}
		l.RevocationLists[rl.Country] = rl
		for lk, ri := range idx {
			if l.revocations[lk] != nil {
				return nil, fmt.Errorf("%w: two revocation lists for one key", ErrMalformed)
			}
			l.revocations[lk] = ri
			for _, hs := range ri.byType {
				l.revoked += len(hs)
			}
		}
	}
	l.RuleSets = map[string]*RuleSet{}
	var all []*rules.Rule
	for i, raw := range fl.RuleSets {
		rs, rr, err := verifyRuleSet(anchor, raw, opts)
		if err != nil {
			return nil, fmt.Errorf("rule set %d: %w", i, err)
		}
		if l.RuleSets[rs.Country] != nil {
			return nil, fmt.Errorf("%w: two rule sets for %s", ErrMalformed, rs.Country)
		}
		l.RuleSets[rs.Country] = rs
		all = append(all, rr...)
	}
	// An aggregator may not drop a member's revocation list or rule set
	// once verifiers have seen one: that would quietly un-revoke
	// credentials or waive entry rules.
	if opts.State != nil {
		for cc, seq := range opts.State.Revocations {
			if seq > 0 && l.RevocationLists[cc] == nil {
				return nil, fmt.Errorf("%w: the %s revocation list (sequence %d accepted before) is missing", ErrRollback, cc, seq)
			}
		}
		for cc, seq := range opts.State.RuleSets {
			if seq > 0 && l.RuleSets[cc] == nil {
				return nil, fmt.Errorf("%w: the %s rule set (sequence %d accepted before) is missing", ErrRollback, cc, seq)
			}
		}
	}
	set, err := rules.NewSet(all...)
	if err != nil {
		return nil, fmt.Errorf("rule sets: %w", err)
	}
	l.Rules = set
	l.Values = rules.NewValueSets(fl.ValueSets)
	return l, nil
}

// RevokedCount returns the number of revocation hashes the list holds.
func (l *List) RevokedCount() int { return l.revoked }

// Lookup implements Source. It does not allocate.
func (l *List) Lookup(format credential.Format, ref []byte) []*Key {
	return l.index[lookupKey{format, string(ref)}]
}

// Len returns the number of keys.
func (l *List) Len() int { return l.count }

// Status implements Source.
func (l *List) Status(now time.Time) Status {
	st := Status{
		Freshness:  FreshnessFresh,
		Sequence:   l.Sequence,
		IssuedAt:   l.IssuedAt,
		NextUpdate: l.NextUpdate,
		ExpiresAt:  l.ExpiresAt,
		Age:        max(now.Sub(l.IssuedAt), 0),
	}
	if now.Add(l.skew).Before(l.IssuedAt) {
		st.SuspectClock = true
	}
	if !now.Before(l.NextUpdate) {
		st.Freshness = FreshnessStale
	}
	if now.After(l.ExpiresAt) {
		st.Expired = true
	}
	return st
}

// Accept records in s the sequences and revocations of a list that was
// verified with it, so later lists cannot roll them back.
func (s *State) Accept(l *List) {
	if s.Countries == nil {
		s.Countries = map[string]int64{}
	}
	if s.Revoked == nil {
		s.Revoked = map[string]time.Time{}
	}
	if l.Sequence > s.Federated {
		s.Federated = l.Sequence
	}
	if l.Anchor != nil && l.Anchor.Sequence > s.Anchor {
		s.Anchor = l.Anchor.Sequence
	}
	for cc, cl := range l.Countries {
		s.AcceptCountry(cc, cl)
	}
	if s.Revocations == nil {
		s.Revocations = map[string]int64{}
	}
	for cc, rl := range l.RevocationLists {
		if rl.Sequence > s.Revocations[cc] {
			s.Revocations[cc] = rl.Sequence
		}
	}
	if s.RuleSets == nil {
		s.RuleSets = map[string]int64{}
	}
	for cc, rs := range l.RuleSets {
		if rs.Sequence > s.RuleSets[cc] {
			s.RuleSets[cc] = rs.Sequence
		}
	}
}

// AcceptCountry records one member list.
func (s *State) AcceptCountry(cc string, cl *VerifiedCountryList) {
	if s.Countries == nil {
		s.Countries = map[string]int64{}
	}
	if s.Revoked == nil {
		s.Revoked = map[string]time.Time{}
	}
	if cl.Sequence > s.Countries[cc] {
		s.Countries[cc] = cl.Sequence
	}
	for _, k := range cl.Keys {
		if !k.Revoked {
			continue
		}
		until := k.NotAfter
		if until.IsZero() {
			until = forever
		}
		// Keep the later date: a later list cannot shorten the memory.
		id := revocationID(cc, k)
		if prev, ok := s.Revoked[id]; !ok || until.After(prev) {
			s.Revoked[id] = until
		}
	}
}

// State is what a verifier remembers between lists: the highest sequences
// accepted and the revoked keys that must stay revoked until they expire.
// It is plain data, to be saved as JSON between runs.
type State struct {
	Anchor    int64                `json:"anchor"`
	Federated int64                `json:"federated"`
	Countries map[string]int64     `json:"countries"`
	Revoked   map[string]time.Time `json:"revoked"`
	// Revocations and RuleSets are the sequences of members' revocation
	// lists and rule sets.
	Revocations map[string]int64 `json:"revocations,omitempty"`
	RuleSets    map[string]int64 `json:"ruleSets,omitempty"`
}

// Prune drops remembered revocations of keys that expired before now.
func (s *State) Prune(now time.Time) {
	for id, until := range s.Revoked {
		if !now.Before(until) {
			delete(s.Revoked, id)
		}
	}
}

// MarshalState encodes s as indented JSON.
func MarshalState(s *State) ([]byte, error) { return marshalDoc(s) }

// ParseState decodes a saved state.
func ParseState(b []byte) (*State, error) {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("trustlist: state: %w", err)
	}
	return &s, nil
}

// Entries returns every entry of every member list, sorted by country,
// format and kid, for display.
func (l *List) Entries() []EntryView {
	var out []EntryView
	for cc, cl := range l.Countries {
		for i := range cl.Entries {
			out = append(out, EntryView{Country: cc, Entry: cl.Entries[i], Key: cl.Keys[i]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		if a.Entry.Format != b.Entry.Format {
			return a.Entry.Format < b.Entry.Format
		}
		return a.Entry.KID < b.Entry.KID
	})
	return out
}

// EntryView is an entry with its country and parsed key.
type EntryView struct {
	Country string
	Entry   Entry
	Key     *Key
}

// RuleSet returns the members' business rules and the value sets.
func (l *List) RuleSet() (*rules.Set, *rules.ValueSets) { return l.Rules, l.Values }
