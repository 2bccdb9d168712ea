package trustlist

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// Encode turns a document (an Anchor, CountryList or FederatedList) into
// an unsigned Signed document whose payload is its indented JSON.
func Encode(doc any) (*Signed, error) {
	switch d := doc.(type) {
	case *Anchor:
		d.Type, d.Version = TypeAnchor, 1
	case *CountryList:
		d.Type, d.Version = TypeCountry, 1
		if d.Entries == nil {
			d.Entries = []Entry{}
		}
	case *FederatedList:
		d.Type, d.Version = TypeFederated, 1
	case *RevocationList:
		d.Type, d.Version = TypeRevocation, 1
		if d.Buckets == nil {
			d.Buckets = []RevocationBucket{}
		}
		d.Normalize()
	case *RuleSet:
		d.Type, d.Version = TypeRuleSet, 1
		if d.Rules == nil {
			d.Rules = []json.RawMessage{}
		}
	default:
		return nil, fmt.Errorf("trustlist: cannot encode %T", doc)
	}
	payload, err := marshalDoc(doc)
	if err != nil {
		return nil, err
	}
	return NewSigned(payload), nil
}

// DecodePayload reads the payload of a signed document into v without
// checking any signature: for inspection and for publishers editing their
// own drafts, never for trust decisions.
func DecodePayload(data []byte, v any) error {
	doc, err := ParseSigned(data, 0)
	if err != nil {
		return err
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return err
	}
	return decodeStrict(payload, v)
}

// EntryFromCertificate makes an HCERT entry from a DSC: the kid is the first
// 8 bytes of SHA-256 over the DER, the key a JWK carrying the certificate
// in x5c, the usage the given one or else the certificate's key-usage OIDs,
// the validity the certificate's.
func EntryFromCertificate(cert *x509.Certificate, usage Usage) (Entry, error) {
	jwkRaw, err := MarshalPublicJWK(cert.PublicKey, cert)
	if err != nil {
		return Entry{}, err
	}
	if usage == 0 {
		usage = CertificateUsage(cert)
	}
	var us []string
	for _, t := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
		if usage.Allows(t) {
			us = append(us, string(t))
		}
	}
	return Entry{
		KID:       base64.StdEncoding.EncodeToString(HCERTKeyID(cert.Raw)),
		Format:    credential.FormatHCERT,
		Key:       jwkRaw,
		Usage:     us,
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		Status:    StatusActive,
	}, nil
}

// Revoke marks the entries of cl whose kid is kid as revoked at the given
// time. It returns how many entries it marked; an entry already revoked
// keeps its first revocation time.
func (cl *CountryList) Revoke(kid string, at time.Time, reason string) int {
	n := 0
	for i := range cl.Entries {
		e := &cl.Entries[i]
		if e.KID != kid {
			continue
		}
		n++
		if e.Status == StatusRevoked {
			continue
		}
		e.Status, e.RevokedAt, e.Reason = StatusRevoked, at.UTC(), reason
	}
	return n
}

// Prune drops revoked entries whose key expired before now: revocation is
// sticky, so revoked entries are only removed once they can no longer
// verify anything.
func (cl *CountryList) Prune(now time.Time) int {
	kept := cl.Entries[:0]
	n := 0
	for _, e := range cl.Entries {
		if e.Status == StatusRevoked && !e.NotAfter.IsZero() && now.After(e.NotAfter) {
			n++
			continue
		}
		kept = append(kept, e)
	}
	cl.Entries = kept
	return n
}

// Aggregate builds the unsigned federated list from signed member
// documents — country lists, revocation lists and rule sets, told apart by
// their type — embedding each one. valueSets may be nil.
func Aggregate(members [][]byte, sequence, anchorSequence int64, issuedAt, nextUpdate, expiresAt time.Time) (*Signed, error) {
	return AggregateWith(members, nil, sequence, anchorSequence, issuedAt, nextUpdate, expiresAt)
}

// AggregateWith is Aggregate with value sets for the rules.
func AggregateWith(docs [][]byte, valueSets map[string][]string, sequence, anchorSequence int64, issuedAt, nextUpdate, expiresAt time.Time) (*Signed, error) {
	fl := &FederatedList{
		Sequence:       sequence,
		AnchorSequence: anchorSequence,
		IssuedAt:       issuedAt.UTC(),
		NextUpdate:     nextUpdate.UTC(),
		ExpiresAt:      expiresAt.UTC(),
		Members:        make([]json.RawMessage, 0, len(docs)),
		ValueSets:      valueSets,
	}
	for i, m := range docs {
		t, err := documentType(m)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		raw := json.RawMessage(compactJSON(m))
		switch t {
		case TypeCountry:
			fl.Members = append(fl.Members, raw)
		case TypeRevocation:
			fl.Revocations = append(fl.Revocations, raw)
		case TypeRuleSet:
			fl.RuleSets = append(fl.RuleSets, raw)
		default:
			return nil, fmt.Errorf("%w: document %d has type %q, which a federated list cannot carry", ErrMalformed, i, t)
		}
	}
	return Encode(fl)
}

// compactJSON strips insignificant whitespace around a member document.
// The member's signed payload is base64url inside it, so its bytes are
// untouched.
func compactJSON(b []byte) []byte {
	var buf = make([]byte, 0, len(b))
	out, err := appendCompact(buf, b)
	if err != nil {
		return b
	}
	return out
}

func appendCompact(dst, src []byte) ([]byte, error) {
	var v json.RawMessage
	if err := json.Unmarshal(src, &v); err != nil {
		return nil, err
	}
	var doc Signed
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	b, err := marshalCompact(doc)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// Normalize sorts and de-duplicates each bucket's hashes, merges buckets
// of the same key and hash type, and orders buckets, so the signed list is
// canonical and verifiers can binary-search it.
func (rl *RevocationList) Normalize() {
	type bk struct {
		kid, hashType string
		format        credential.Format
	}
	merged := map[bk]*RevocationBucket{}
	var order []bk
	for _, b := range rl.Buckets {
		k := bk{b.KID, b.HashType, b.Format}
		if m, ok := merged[k]; ok {
			m.Hashes = append(m.Hashes, b.Hashes...)
			if b.ExpiresAt.After(m.ExpiresAt) {
				m.ExpiresAt = b.ExpiresAt
			}
			continue
		}
		c := b
		c.Hashes = append([]string(nil), b.Hashes...)
		merged[k] = &c
		order = append(order, k)
	}
	out := make([]RevocationBucket, 0, len(order))
	for _, k := range order {
		b := merged[k]
		sort.Strings(b.Hashes)
		b.Hashes = slices.Compact(b.Hashes)
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].KID != out[j].KID {
			return out[i].KID < out[j].KID
		}
		return out[i].HashType < out[j].HashType
	})
	rl.Buckets = out
}

// Add records a revoked credential hash in rl, in the bucket of the key
// kid (standard base64) and hash type.
func (rl *RevocationList) Add(format credential.Format, kid, hashType string, hash [HashSize]byte, expiresAt time.Time) {
	rl.Buckets = append(rl.Buckets, RevocationBucket{KID: kid, Format: format, HashType: hashType, ExpiresAt: expiresAt.UTC(),
		Hashes: []string{base64.StdEncoding.EncodeToString(hash[:])}})
	rl.Normalize()
}
