package trustlist

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Row is one entry as shown by inspect and diff: plain data from a list's
// payload.
type Row struct {
	Country   string    `json:"country"`
	KID       string    `json:"kid"`
	Format    string    `json:"format"`
	Usage     []string  `json:"usage,omitempty"`
	NotBefore time.Time `json:"notBefore,omitzero"`
	NotAfter  time.Time `json:"notAfter,omitzero"`
	Status    string    `json:"status"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
}

// Summary is what a trust document holds, read without checking
// signatures: for display only.
type Summary struct {
	Type      string           `json:"type"`
	Sequence  int64            `json:"sequence"`
	IssuedAt  time.Time        `json:"issuedAt"`
	ExpiresAt time.Time        `json:"expiresAt"`
	Sequences map[string]int64 `json:"countrySequences,omitempty"`
	Rows      []Row            `json:"entries"`
}

// Summarize reads a federated list, a country list (signed, or a draft
// payload) for display. It does not verify anything.
func Summarize(data []byte) (*Summary, error) {
	payload := data
	if doc, err := ParseSigned(data, 0); err == nil {
		if payload, err = doc.PayloadBytes(); err != nil {
			return nil, err
		}
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(payload, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	s := &Summary{Type: head.Type, Sequences: map[string]int64{}}
	addCountry := func(cl *CountryList) {
		s.Sequences[cl.Country] = cl.Sequence
		for _, e := range cl.Entries {
			s.Rows = append(s.Rows, Row{Country: cl.Country, KID: e.KID, Format: string(e.Format), Usage: e.Usage,
				NotBefore: e.NotBefore, NotAfter: e.NotAfter, Status: e.Status, RevokedAt: e.RevokedAt, Reason: e.Reason, Issuer: e.Issuer})
		}
	}
	switch head.Type {
	case TypeFederated:
		var fl FederatedList
		if err := decodeStrict(payload, &fl); err != nil {
			return nil, err
		}
		s.Sequence, s.IssuedAt, s.ExpiresAt = fl.Sequence, fl.IssuedAt, fl.ExpiresAt
		for i, m := range fl.Members {
			var cl CountryList
			if err := DecodePayload(m, &cl); err != nil {
				return nil, fmt.Errorf("member list %d: %w", i, err)
			}
			addCountry(&cl)
		}
	case TypeCountry, "":
		var cl CountryList
		if err := decodeStrict(payload, &cl); err != nil {
			return nil, err
		}
		s.Type = TypeCountry
		s.Sequence, s.IssuedAt, s.ExpiresAt = cl.Sequence, cl.IssuedAt, cl.ExpiresAt
		addCountry(&cl)
	default:
		return nil, fmt.Errorf("%w: cannot summarise a %q document", ErrMalformed, head.Type)
	}
	sort.Slice(s.Rows, func(i, j int) bool {
		a, b := s.Rows[i], s.Rows[j]
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		return a.KID < b.KID
	})
	return s, nil
}

// Diff lists what changed between two lists.
type Diff struct {
	OldSequence int64 `json:"oldSequence"`
	NewSequence int64 `json:"newSequence"`
	// SequenceGap is set when sequences were skipped (or went backwards).
	SequenceGap bool `json:"sequenceGap"`
	// CountryGaps names member lists whose sequence jumped or went back.
	CountryGaps []string `json:"countryGaps,omitempty"`
	Added       []Row    `json:"added"`
	Removed     []Row    `json:"removed"`
	Revoked     []Row    `json:"revoked"`
	// Expiring are keys of the new list whose validity ends within the
	// window given to DiffLists.
	Expiring []Row `json:"expiring"`
}

// DiffLists compares two lists (as Summarize reads them): keys added,
// removed and newly revoked, keys expiring within `within` of now, and
// sequence gaps.
func DiffLists(old, new *Summary, now time.Time, within time.Duration) *Diff {
	d := &Diff{OldSequence: old.Sequence, NewSequence: new.Sequence, SequenceGap: new.Sequence != old.Sequence+1,
		Added: []Row{}, Removed: []Row{}, Revoked: []Row{}, Expiring: []Row{}}
	key := func(r Row) string { return r.Country + "/" + r.Format + "/" + r.Issuer + "/" + r.KID }
	was := map[string]Row{}
	for _, r := range old.Rows {
		was[key(r)] = r
	}
	is := map[string]bool{}
	for _, r := range new.Rows {
		is[key(r)] = true
		prev, ok := was[key(r)]
		switch {
		case !ok:
			d.Added = append(d.Added, r)
		case prev.Status != StatusRevoked && r.Status == StatusRevoked:
			d.Revoked = append(d.Revoked, r)
		}
		if r.Status == StatusActive && !r.NotAfter.IsZero() && r.NotAfter.Before(now.Add(within)) {
			d.Expiring = append(d.Expiring, r)
		}
	}
	for _, r := range old.Rows {
		if !is[key(r)] {
			d.Removed = append(d.Removed, r)
		}
	}
	for cc, seq := range new.Sequences {
		if prev, ok := old.Sequences[cc]; ok && seq != prev && seq != prev+1 {
			d.CountryGaps = append(d.CountryGaps, cc)
		}
	}
	sort.Strings(d.CountryGaps)
	return d
}
