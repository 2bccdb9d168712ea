package trustlist

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/rules"
)

// More document types. Revocation lists and rule sets are signed by a
// member's publisher key and carried in the federated list beside the
// country lists, so they travel, verify and roll back the same way.
const (
	TypeRevocation = "travelcred-revocation-list"
	TypeRuleSet    = "travelcred-rule-set"
)

// Revocation hash types, as the EU DCC revocation scheme defines them: the
// first 16 bytes of SHA-256 over the UCI, over the issuing country code
// followed by the UCI, or over the signature — for ECDSA only its r half,
// because (r, s) and (r, n−s) are both valid and a forger could flip s.
const (
	HashUCI        = "UCI"
	HashCountryUCI = "COUNTRYCODEUCI"
	HashSignature  = "SIGNATURE"
)

// HashSize is the length of a revocation hash.
const HashSize = 16

// RevocationList is a member's list of revoked credentials, bucketed per
// signing key.
type RevocationList struct {
	Type      string             `json:"type"`
	Version   int                `json:"version"`
	Country   string             `json:"country"`
	Sequence  int64              `json:"sequence"`
	IssuedAt  time.Time          `json:"issuedAt"`
	ExpiresAt time.Time          `json:"expiresAt"`
	Buckets   []RevocationBucket `json:"buckets"`
}

// RevocationBucket holds the revoked credentials of one key and hash type.
type RevocationBucket struct {
	// KID is the signing key's id, as in the country list.
	KID    string            `json:"kid"`
	Format credential.Format `json:"format"`
	// HashType is UCI, COUNTRYCODEUCI or SIGNATURE.
	HashType string `json:"hashType"`
	// ExpiresAt is when the bucket may be dropped (the key's expiry: no
	// credential it signed is valid after it).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// Hashes are 16-byte hashes, base64, sorted and unique.
	Hashes []string `json:"hashes"`
}

// RuleSet is a member's business rules as destination country, with the
// rules in the EU rule format exactly as published.
type RuleSet struct {
	Type      string            `json:"type"`
	Version   int               `json:"version"`
	Country   string            `json:"country"`
	Sequence  int64             `json:"sequence"`
	IssuedAt  time.Time         `json:"issuedAt"`
	ExpiresAt time.Time         `json:"expiresAt"`
	Rules     []json.RawMessage `json:"rules"`
}

// CredentialHashes are a credential's revocation hashes.
type CredentialHashes struct {
	UCI, CountryUCI, Signature [HashSize]byte
	// HasUCI is false for credentials without a UCI.
	HasUCI bool
}

// hash16 is the first HashSize bytes of the SHA-256 of b, as the EU
// revocation lists use them.
func hash16(b []byte) (h [HashSize]byte) {
	sum := sha256.Sum256(b)
	copy(h[:], sum[:])
	return h
}

// hash16Strings is hash16 of a‖b. A verifier computes these per
// credential: they are hashed from a stack buffer when they fit, without
// sha256.New's allocation or a conversion of each string.
func hash16Strings(a, b string) [HashSize]byte {
	var buf [192]byte
	in := buf[:0]
	if len(a)+len(b) > len(buf) {
		in = make([]byte, 0, len(a)+len(b))
	}
	return hash16(append(append(in, a...), b...))
}

// HashesOf computes the revocation hashes of a credential from its UCI,
// issuing country and signature; ecdsa says whether the signature is an
// ECDSA r‖s pair (only r is hashed).
func HashesOf(uci, country string, signature []byte, ecdsa bool) CredentialHashes {
	sig := signature
	if ecdsa {
		sig = signature[:len(signature)/2]
	}
	h := CredentialHashes{Signature: hash16(sig)}
	if uci != "" {
		h.HasUCI = true
		h.UCI = hash16Strings(uci, "")
		h.CountryUCI = hash16Strings(country, uci)
	}
	return h
}

// revIndex is the revocation data of one key: one sorted array per hash
// type, searched by binary search.
type revIndex struct {
	byType map[string][][HashSize]byte
}

func (r *revIndex) find(hashType string, h [HashSize]byte) bool {
	list := r.byType[hashType]
	i := sort.Search(len(list), func(i int) bool { return bytes.Compare(list[i][:], h[:]) >= 0 })
	return i < len(list) && list[i] == h
}

// RevocationSource is implemented by trust sources that carry credential
// revocation lists.
type RevocationSource interface {
	// Revoked reports whether a credential signed by the key with this
	// format and lookup reference is revoked, and by which hash type.
	Revoked(format credential.Format, ref []byte, h CredentialHashes) (hashType string, revoked bool)
}

// Revoked implements RevocationSource.
func (l *List) Revoked(format credential.Format, ref []byte, h CredentialHashes) (string, bool) {
	idx := l.revocations[lookupKey{format, string(ref)}]
	if idx == nil {
		return "", false
	}
	if h.HasUCI {
		if idx.find(HashUCI, h.UCI) {
			return HashUCI, true
		}
		if idx.find(HashCountryUCI, h.CountryUCI) {
			return HashCountryUCI, true
		}
	}
	if idx.find(HashSignature, h.Signature) {
		return HashSignature, true
	}
	return "", false
}

// verifyRevocationList checks a member's revocation list: signed by the
// member's publisher, current, well-formed, and revoking only credentials
// of the member's own keys (keys must appear in its country list).
func verifyRevocationList(anchor *VerifiedAnchor, data []byte, opts VerifyOptions, own *VerifiedCountryList) (*RevocationList, map[lookupKey]*revIndex, error) {
	var rl RevocationList
	signer, err := verifyMemberDoc(anchor, data, opts, &rl)
	if err != nil {
		return nil, nil, err
	}
	if rl.Type != TypeRevocation || rl.Version != 1 {
		return nil, nil, fmt.Errorf("%w: type %q is not a revocation list", ErrMalformed, rl.Type)
	}
	if rl.Country != signer {
		return nil, nil, fmt.Errorf("%w: the %s revocation list is signed by %s's publisher", ErrForeignKey, rl.Country, signer)
	}
	if err := checkTimes("revocation list "+rl.Country, rl.IssuedAt, rl.ExpiresAt, opts); err != nil {
		return nil, nil, err
	}
	if opts.State != nil {
		if prev := opts.State.Revocations[rl.Country]; rl.Sequence < prev {
			return nil, nil, fmt.Errorf("%w: %s revocation list sequence %d, already accepted %d", ErrRollback, rl.Country, rl.Sequence, prev)
		}
	}
	out := map[lookupKey]*revIndex{}
	for i, b := range rl.Buckets {
		switch b.HashType {
		case HashUCI, HashCountryUCI, HashSignature:
		default:
			return nil, nil, fmt.Errorf("%w: bucket %d hash type %q", ErrMalformed, i, b.HashType)
		}
		kid, err := base64.StdEncoding.DecodeString(b.KID)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: bucket %d kid", ErrMalformed, i)
		}
		owned := false
		if own != nil {
			for _, k := range own.Keys {
				if k.Format == b.Format && bytes.Equal(k.KID, kid) {
					owned = true
				}
			}
		}
		if !owned {
			return nil, nil, fmt.Errorf("%w: %s revokes credentials of kid %s, which is not one of its keys", ErrForeignKey, rl.Country, b.KID)
		}
		if !b.ExpiresAt.IsZero() && opts.At.After(b.ExpiresAt) {
			continue // expired bucket: nothing it lists can verify any more
		}
		lk := lookupKey{b.Format, string(kid)}
		idx := out[lk]
		if idx == nil {
			idx = &revIndex{byType: map[string][][HashSize]byte{}}
			out[lk] = idx
		}
		hs := idx.byType[b.HashType]
		for j, s := range b.Hashes {
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(raw) != HashSize {
				return nil, nil, fmt.Errorf("%w: bucket %d hash %d is not %d bytes of base64", ErrMalformed, i, j, HashSize)
			}
			hs = append(hs, [HashSize]byte(raw))
		}
		idx.byType[b.HashType] = hs
	}
	for _, idx := range out {
		for t, hs := range idx.byType {
			slices.SortFunc(hs, func(a, b [HashSize]byte) int { return bytes.Compare(a[:], b[:]) })
			idx.byType[t] = slices.Compact(hs)
		}
	}
	return &rl, out, nil
}

// verifyRuleSet checks a member's rule set: signed by the member's
// publisher, current, and holding only rules of that country.
func verifyRuleSet(anchor *VerifiedAnchor, data []byte, opts VerifyOptions) (*RuleSet, []*rules.Rule, error) {
	var rs RuleSet
	signer, err := verifyMemberDoc(anchor, data, opts, &rs)
	if err != nil {
		return nil, nil, err
	}
	if rs.Type != TypeRuleSet || rs.Version != 1 {
		return nil, nil, fmt.Errorf("%w: type %q is not a rule set", ErrMalformed, rs.Type)
	}
	if rs.Country != signer {
		return nil, nil, fmt.Errorf("%w: the %s rule set is signed by %s's publisher", ErrForeignKey, rs.Country, signer)
	}
	if err := checkTimes("rule set "+rs.Country, rs.IssuedAt, rs.ExpiresAt, opts); err != nil {
		return nil, nil, err
	}
	if opts.State != nil {
		if prev := opts.State.RuleSets[rs.Country]; rs.Sequence < prev {
			return nil, nil, fmt.Errorf("%w: %s rule set sequence %d, already accepted %d", ErrRollback, rs.Country, rs.Sequence, prev)
		}
	}
	var out []*rules.Rule
	for i, raw := range rs.Rules {
		r, err := rules.ParseRule(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s rule %d: %v", ErrMalformed, rs.Country, i, err)
		}
		if r.Country != rs.Country {
			return nil, nil, fmt.Errorf("%w: the %s rule set holds rule %s of %s", ErrForeignKey, rs.Country, r.Identifier, r.Country)
		}
		out = append(out, r)
	}
	return &rs, out, nil
}

// verifyMemberDoc checks the signatures of a member document (every
// signature by a publisher key of one member), decodes its payload into v
// strictly, and returns the signing member.
func verifyMemberDoc(anchor *VerifiedAnchor, data []byte, opts VerifyOptions, v any) (string, error) {
	doc, err := ParseSigned(data, opts.MaxSize)
	if err != nil {
		return "", err
	}
	if len(doc.Signatures) == 0 {
		return "", fmt.Errorf("%w: the document is not signed", ErrSignature)
	}
	var signer string
	for i := range doc.Signatures {
		h, err := doc.header(i)
		if err != nil {
			return "", err
		}
		cc, ok := anchor.keys.publisher[h.KID]
		if !ok {
			return "", fmt.Errorf("%w: signature %d names publisher key %q", ErrUnknownSigner, i, h.KID)
		}
		if err := doc.verifySignature(i, anchor.keys.keys[h.KID].Key); err != nil {
			return "", err
		}
		if signer != "" && signer != cc {
			return "", fmt.Errorf("%w: one document signed by publishers of %s and %s", ErrForeignKey, signer, cc)
		}
		signer = cc
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return "", err
	}
	return signer, decodeStrict(payload, v)
}

// documentType returns the "type" member of a signed document's payload,
// without verifying anything: used to sort documents before aggregation.
func documentType(data []byte) (string, error) {
	doc, err := ParseSigned(data, 0)
	if err != nil {
		return "", err
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return "", err
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(payload, &head); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return head.Type, nil
}
