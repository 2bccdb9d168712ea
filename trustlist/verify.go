package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// DefaultSkew is the clock allowance when comparing a list's issue time
// with the verifier's clock.
const DefaultSkew = 5 * time.Minute

// anchorKeys are an anchor's parsed keys.
type anchorKeys struct {
	root       map[string]string // root key thumbprint → country
	publisher  map[string]string // publisher key thumbprint → country
	keys       map[string]*PublicJWK
	aggregator map[string]*PublicJWK
	members    map[string]*Member
}

// VerifiedAnchor is an anchor whose signatures have been checked.
type VerifiedAnchor struct {
	Anchor
	// Signers lists the countries whose root keys signed it.
	Signers []string
	// Raw is the signed document.
	Raw  []byte
	keys *anchorKeys
}

func validCountry(cc string) bool {
	return len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
}

// parseAnchor checks an anchor payload's structure and parses its keys.
func parseAnchor(payload []byte) (*Anchor, *anchorKeys, error) {
	var a Anchor
	if err := decodeStrict(payload, &a); err != nil {
		return nil, nil, err
	}
	if a.Type != TypeAnchor || a.Version != 1 {
		return nil, nil, fmt.Errorf("%w: type %q version %d is not an anchor (%s version 1)", ErrMalformed, a.Type, a.Version, TypeAnchor)
	}
	if len(a.Members) == 0 || a.Threshold < 1 || a.Threshold > len(a.Members) {
		return nil, nil, fmt.Errorf("%w: threshold %d for %d members", ErrMalformed, a.Threshold, len(a.Members))
	}
	if len(a.Aggregator) == 0 {
		return nil, nil, fmt.Errorf("%w: no aggregator key", ErrMalformed)
	}
	k := &anchorKeys{root: map[string]string{}, publisher: map[string]string{}, keys: map[string]*PublicJWK{},
		aggregator: map[string]*PublicJWK{}, members: map[string]*Member{}}
	for i := range a.Members {
		m := &a.Members[i]
		if !validCountry(m.Country) {
			return nil, nil, fmt.Errorf("%w: member country %q", ErrMalformed, m.Country)
		}
		if k.members[m.Country] != nil {
			return nil, nil, fmt.Errorf("%w: member %s listed twice", ErrMalformed, m.Country)
		}
		k.members[m.Country] = m
		if len(m.RootKeys) == 0 || len(m.PublisherKeys) == 0 {
			return nil, nil, fmt.Errorf("%w: member %s needs root and publisher keys", ErrMalformed, m.Country)
		}
		for _, set := range []struct {
			raw []json.RawMessage
			to  map[string]string
		}{{m.RootKeys, k.root}, {m.PublisherKeys, k.publisher}} {
			for _, raw := range set.raw {
				j, err := ParsePublicJWK(raw)
				if err != nil {
					return nil, nil, fmt.Errorf("member %s: %w", m.Country, err)
				}
				if _, dup := k.keys[j.KeyID]; dup {
					return nil, nil, fmt.Errorf("%w: key %s appears twice in the anchor", ErrMalformed, j.KeyID)
				}
				k.keys[j.KeyID] = j
				set.to[j.KeyID] = m.Country
			}
		}
	}
	for _, raw := range a.Aggregator {
		j, err := ParsePublicJWK(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("aggregator: %w", err)
		}
		if _, dup := k.keys[j.KeyID]; dup {
			return nil, nil, fmt.Errorf("%w: aggregator key %s is also a member key", ErrMalformed, j.KeyID)
		}
		k.aggregator[j.KeyID] = j
	}
	return &a, k, nil
}

// rootSigners verifies every signature of doc against the root keys of
// keys and returns the distinct countries that signed. A signature by an
// unknown key, or one that does not verify, is an error: nothing in a
// trust document goes unchecked.
func rootSigners(doc *Signed, keys *anchorKeys) ([]string, error) {
	var signers []string
	for i := range doc.Signatures {
		h, err := doc.header(i)
		if err != nil {
			return nil, err
		}
		cc, ok := keys.root[h.KID]
		if !ok {
			return nil, fmt.Errorf("%w: signature %d names root key %q", ErrUnknownSigner, i, h.KID)
		}
		if err := doc.verifySignature(i, keys.keys[h.KID].Key); err != nil {
			return nil, err
		}
		if !slices.Contains(signers, cc) {
			signers = append(signers, cc)
		}
	}
	slices.Sort(signers)
	return signers, nil
}

// VerifyAnchor checks a signed anchor on its own: its structure, and that
// at least Threshold distinct members signed it with their root keys (two
// signatures by one member count once). This is how a verifier pins its
// first anchor, delivered out of band.
func VerifyAnchor(data []byte) (*VerifiedAnchor, error) {
	doc, err := ParseSigned(data, 0)
	if err != nil {
		return nil, err
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return nil, err
	}
	a, keys, err := parseAnchor(payload)
	if err != nil {
		return nil, err
	}
	signers, err := rootSigners(doc, keys)
	if err != nil {
		return nil, err
	}
	if len(signers) < a.Threshold {
		return nil, fmt.Errorf("%w: %d of the %d required (signed by %v)", ErrThreshold, len(signers), a.Threshold, signers)
	}
	return &VerifiedAnchor{Anchor: *a, Signers: signers, Raw: append([]byte(nil), data...), keys: keys}, nil
}

// VerifyAnchorUpdate checks a new anchor against the pinned current one:
// the new anchor must verify on its own, have a higher sequence, and carry
// signatures by at least the current anchor's threshold of its members'
// root keys.
func VerifyAnchorUpdate(current *VerifiedAnchor, data []byte) (*VerifiedAnchor, error) {
	next, err := VerifyAnchor(data)
	if err != nil {
		return nil, err
	}
	if next.Sequence <= current.Sequence {
		return nil, fmt.Errorf("%w: anchor sequence %d is not above the current %d", ErrRollback, next.Sequence, current.Sequence)
	}
	doc, _ := ParseSigned(data, 0)
	var signers []string
	for i := range doc.Signatures {
		h, err := doc.header(i)
		if err != nil {
			return nil, err
		}
		cc, ok := current.keys.root[h.KID]
		if !ok {
			continue // a root key new in this anchor
		}
		if err := doc.verifySignature(i, current.keys.keys[h.KID].Key); err != nil {
			return nil, err
		}
		if !slices.Contains(signers, cc) {
			signers = append(signers, cc)
		}
	}
	if len(signers) < current.Threshold {
		return nil, fmt.Errorf("%w: the new anchor carries %d of the current anchor's %d required root signatures (%v)",
			ErrThreshold, len(signers), current.Threshold, signers)
	}
	return next, nil
}

// checkExpiry refuses documents verified under an anchor past its expiry.
func (a *VerifiedAnchor) checkExpiry(at time.Time) error {
	if !a.ExpiresAt.IsZero() && at.After(a.ExpiresAt) {
		return fmt.Errorf("%w: the anchor expired %s", ErrExpiredList, a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// VerifyOptions tune list verification.
type VerifyOptions struct {
	// At is the verification time (required).
	At time.Time
	// Skew is the clock allowance for issue times (DefaultSkew when 0;
	// negative means none).
	Skew time.Duration
	// State holds the sequences and revocations already accepted; nil
	// means none (no rollback protection).
	State *State
	// MaxSize lowers MaxDocumentSize.
	MaxSize int
}

func (o *VerifyOptions) skew() time.Duration {
	switch {
	case o.Skew == 0:
		return DefaultSkew
	case o.Skew < 0:
		return 0
	}
	return o.Skew
}

// VerifiedCountryList is a member list whose signature has been checked.
type VerifiedCountryList struct {
	CountryList
	// Keys are the entries as trusted keys.
	Keys []*Key
	// Raw is the signed document, as embedded in a federated list.
	Raw []byte
}

// VerifyCountryList checks a member's signed list against the anchor: it
// must be signed by a publisher key of the member it names, hold only that
// country's keys, be current at opts.At, and not roll back a sequence or a
// revocation recorded in opts.State.
func VerifyCountryList(anchor *VerifiedAnchor, data []byte, opts VerifyOptions) (*VerifiedCountryList, error) {
	doc, err := ParseSigned(data, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	if len(doc.Signatures) == 0 {
		return nil, fmt.Errorf("%w: the country list is not signed", ErrSignature)
	}
	if err := anchor.checkExpiry(opts.At); err != nil {
		return nil, err
	}
	var signer string
	for i := range doc.Signatures {
		h, err := doc.header(i)
		if err != nil {
			return nil, err
		}
		cc, ok := anchor.keys.publisher[h.KID]
		if !ok {
			if _, isRoot := anchor.keys.root[h.KID]; isRoot {
				return nil, fmt.Errorf("%w: country lists are signed with publisher keys, not root key %s", ErrUnknownSigner, h.KID)
			}
			return nil, fmt.Errorf("%w: signature %d names publisher key %q", ErrUnknownSigner, i, h.KID)
		}
		if err := doc.verifySignature(i, anchor.keys.keys[h.KID].Key); err != nil {
			return nil, err
		}
		if signer != "" && signer != cc {
			return nil, fmt.Errorf("%w: one list signed by publishers of %s and %s", ErrForeignKey, signer, cc)
		}
		signer = cc
	}
	payload, err := doc.PayloadBytes()
	if err != nil {
		return nil, err
	}
	var cl CountryList
	if err := decodeStrict(payload, &cl); err != nil {
		return nil, err
	}
	if cl.Type != TypeCountry || cl.Version != 1 {
		return nil, fmt.Errorf("%w: type %q version %d is not a country list", ErrMalformed, cl.Type, cl.Version)
	}
	if _, member := anchor.keys.members[cl.Country]; !member {
		return nil, fmt.Errorf("%w: %q", ErrUnknownMember, cl.Country)
	}
	if cl.Country != signer {
		return nil, fmt.Errorf("%w: the %s list is signed by %s's publisher", ErrForeignKey, cl.Country, signer)
	}
	if err := checkTimes("country list "+cl.Country, cl.IssuedAt, cl.ExpiresAt, opts); err != nil {
		return nil, err
	}
	if opts.State != nil {
		if prev := opts.State.Countries[cl.Country]; cl.Sequence < prev {
			return nil, fmt.Errorf("%w: %s list sequence %d, already accepted %d", ErrRollback, cl.Country, cl.Sequence, prev)
		}
	}
	keys := make([]*Key, 0, len(cl.Entries))
	seen := map[string]bool{}
	for i := range cl.Entries {
		k, err := entryKey(cl.Country, &cl.Entries[i])
		if err != nil {
			return nil, fmt.Errorf("%s entry %d (kid %s): %w", cl.Country, i, cl.Entries[i].KID, err)
		}
		// Duplicates are judged on the decoded key id, so one key cannot
		// appear twice under two spellings (once active, once revoked).
		id := revocationID(cl.Country, k)
		if seen[id] {
			return nil, fmt.Errorf("%w: %s entry %d repeats kid %s", ErrMalformed, cl.Country, i, cl.Entries[i].KID)
		}
		seen[id] = true
		keys = append(keys, k)
	}
	if opts.State != nil {
		for id, until := range opts.State.Revoked {
			if !opts.At.Before(until) || !hasPrefix(id, cl.Country+"/") {
				continue
			}
			// Every entry of that key must still be revoked, and one must exist.
			found, active := false, false
			for _, k := range keys {
				if revocationID(cl.Country, k) == id {
					found = true
					active = active || !k.Revoked
				}
			}
			if !found || active {
				return nil, fmt.Errorf("%w: %s", ErrRevocationUndone, id)
			}
		}
	}
	return &VerifiedCountryList{CountryList: cl, Keys: keys, Raw: append([]byte(nil), data...)}, nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// revocationID names a key for the sticky-revocation memory: country,
// format, issuer (nzcp and shc kids are only unique per issuer) and kid.
func revocationID(country string, k *Key) string {
	return country + "/" + string(k.Format) + "/" + k.Issuer + "/" + base64.StdEncoding.EncodeToString(k.KID)
}

// forever stands for "until further notice" for revoked keys without an
// expiry: they stay revoked for good.
var forever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func checkTimes(what string, issued, expires time.Time, opts VerifyOptions) error {
	if opts.At.IsZero() {
		return fmt.Errorf("trustlist: no verification time")
	}
	if issued.IsZero() || expires.IsZero() || !expires.After(issued) {
		return fmt.Errorf("%w: %s has issuedAt %v and expiresAt %v", ErrMalformed, what, issued, expires)
	}
	if opts.At.Add(opts.skew()).Before(issued) {
		return fmt.Errorf("%w: %s issued %s, the clock says %s", ErrSuspectClock, what, issued.UTC().Format(time.RFC3339), opts.At.UTC().Format(time.RFC3339))
	}
	if opts.At.After(expires) {
		return fmt.Errorf("%w: %s expired %s", ErrExpiredList, what, expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// entryKey checks an entry and turns it into a trusted key.
func entryKey(country string, e *Entry) (*Key, error) {
	switch e.Format {
	case credential.FormatHCERT, credential.FormatNZCP, credential.FormatSHC, credential.FormatVDSNC:
	default:
		return nil, fmt.Errorf("%w: format %q", ErrMalformed, e.Format)
	}
	var j *PublicJWK
	if len(e.Key) == 0 && e.Format == credential.FormatVDSNC && e.Certificate != "" {
		// A CSCA crypto/x509 cannot read: its certificate is its key.
		der, err := base64.StdEncoding.DecodeString(e.Certificate)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate is not base64", ErrMalformed)
		}
		c, err := vdsnc.ParseCSCA(der)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate: %v", ErrMalformed, err)
		}
		if cc := vdsnc.Alpha2(c.Country); cc != country {
			return nil, fmt.Errorf("%w: certificate subject C=%s in the %s list", ErrForeignKey, c.Country, country)
		}
		j = &PublicJWK{Key: c.PublicKey}
	} else {
		var err error
		if j, err = ParsePublicJWK(e.Key); err != nil {
			return nil, err
		}
	}
	var err error
	k := &Key{Format: e.Format, Country: country, PublicKey: j.Key, NotBefore: e.NotBefore, NotAfter: e.NotAfter, Issuer: e.Issuer}
	if len(j.Chain) > 0 {
		k.Certificate, k.Chain = j.Chain[0], j.Chain
		// DSCs and CSCAs name their country; SHC issuer certificates are
		// bound to the issuer URL instead and carry none.
		if c := k.Certificate.Subject.Country; e.Format != credential.FormatSHC && (len(c) != 1 || c[0] != country) {
			return nil, fmt.Errorf("%w: certificate subject C=%v in the %s list", ErrForeignKey, c, country)
		}
	}
	switch e.Format {
	case credential.FormatHCERT, credential.FormatVDSNC:
		// Strict, canonical base64: one key id, one spelling.
		kid, err := base64.StdEncoding.Strict().DecodeString(e.KID)
		if err != nil || len(kid) == 0 || base64.StdEncoding.EncodeToString(kid) != e.KID {
			return nil, fmt.Errorf("%w: kid %q is not base64 in canonical form", ErrMalformed, e.KID)
		}
		// The country of a DSC or CSCA is in its certificate: without one,
		// a member could list another country's key as its own.
		if k.Certificate == nil && len(k.Raw) == 0 {
			return nil, fmt.Errorf("%w: %s entries must carry their certificate (x5c)", ErrMalformed, e.Format)
		}
		k.KID = kid
		if e.Format == credential.FormatHCERT && k.Certificate != nil && !bytes.Equal(kid, HCERTKeyID(k.Certificate.Raw)) {
			return nil, fmt.Errorf("%w: kid %s does not match the certificate (%s)", ErrMalformed, e.KID,
				base64.StdEncoding.EncodeToString(HCERTKeyID(k.Certificate.Raw)))
		}
	default:
		if e.KID == "" || e.Issuer == "" {
			return nil, fmt.Errorf("%w: %s entries need kid and issuer", ErrMalformed, e.Format)
		}
		k.KID = []byte(e.KID)
	}
	if len(e.Usage) == 0 {
		k.Usage = UsageAll
	} else {
		for _, u := range e.Usage {
			bit, ok := ParseUsage(u)
			if !ok {
				return nil, fmt.Errorf("%w: usage %q", ErrMalformed, u)
			}
			k.Usage |= bit
		}
	}
	switch e.Status {
	case StatusActive:
	case StatusRevoked:
		k.Revoked, k.RevokedAt, k.RevocationReason = true, e.RevokedAt, e.Reason
	default:
		return nil, fmt.Errorf("%w: status %q", ErrMalformed, e.Status)
	}
	if e.Certificate != "" {
		if k.Raw, err = base64.StdEncoding.DecodeString(e.Certificate); err != nil {
			return nil, fmt.Errorf("%w: certificate is not base64", ErrMalformed)
		}
	}
	for i, c := range e.CRLs {
		raw, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			return nil, fmt.Errorf("%w: crls[%d] is not base64", ErrMalformed, i)
		}
		k.CRLs = append(k.CRLs, raw)
	}
	k.CRLVersion = e.CRLVersion
	if k.Certificate != nil && (k.NotAfter.IsZero() || k.NotAfter.Before(k.Certificate.NotAfter)) && k.Revoked {
		// A revoked entry cannot shorten how long its revocation is
		// remembered below the certificate's own lifetime.
		k.NotAfter = k.Certificate.NotAfter
	}
	if k.Certificate != nil && k.NotAfter.IsZero() {
		k.NotBefore, k.NotAfter = k.Certificate.NotBefore, k.Certificate.NotAfter
	}
	return k, nil
}

// lookupRef is the trust lookup reference of a key: the raw kid for hcert
// and vdsnc, issuer#kid for nzcp and shc (so an issuer must match, not
// only a kid).
func lookupRef(k *Key) string {
	switch k.Format {
	case credential.FormatNZCP, credential.FormatSHC:
		return k.Issuer + "#" + string(k.KID)
	}
	return string(k.KID)
}

// KeyRef returns the lookup reference that Source.Lookup expects for a key
// id and issuer: the kid bytes themselves for hcert and vdsnc, and
// issuer + "#" + kid for nzcp and shc.
func KeyRef(format credential.Format, issuer string, kid []byte) []byte {
	switch format {
	case credential.FormatNZCP, credential.FormatSHC:
		return []byte(issuer + "#" + string(kid))
	}
	return kid
}

// certificateCountry returns the subject country of a certificate.
func certificateCountry(c *x509.Certificate) string {
	if len(c.Subject.Country) == 0 {
		return ""
	}
	return c.Subject.Country[0]
}
