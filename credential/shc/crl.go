package shc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CRL is an issuer's revocation list for one key, the document served at
// iss + "/.well-known/crl/" + kid + ".json".
type CRL struct {
	// KID is the key the list applies to.
	KID string
	// Method is the revocation method; only "rid" exists.
	Method string
	// Counter is ctr, which grows with each update; a key's crlVersion
	// names the counter a verifier must have at least.
	Counter int
	// rids maps each revoked rid to the time before which its cards are
	// revoked; the zero Time revokes every card with that rid.
	rids map[string]time.Time
}

// ParseCRL parses a revocation list {kid, method:"rid", ctr, rids:[…]}.
// Each entry is a rid (1 to MaxRIDLen base64url characters) or
// rid.<timestamp> (seconds since the epoch). A list that breaks these
// rules, or lists a rid twice (with or without timestamps), is refused
// whole: revocation data that cannot be read must not be half used.
func ParseCRL(data []byte) (*CRL, error) {
	if len(data) > MaxCRLLen {
		return nil, fmt.Errorf("shc: revocation list is %d bytes, over the %d-byte limit", len(data), MaxCRLLen)
	}
	m, err := documentObject(data)
	if err != nil {
		return nil, fmt.Errorf("shc: revocation list: %w", err)
	}
	c := &CRL{rids: map[string]time.Time{}}
	var ok bool
	if c.KID, ok, err = stringField(m, "kid"); err != nil || !ok || c.KID == "" {
		return nil, errors.New("shc: revocation list has no kid")
	}
	if c.Method, ok, err = stringField(m, "method"); err != nil || !ok || c.Method != "rid" {
		return nil, fmt.Errorf("shc: revocation method %q is not rid", c.Method)
	}
	raw, ok := m["ctr"]
	if !ok || json.Unmarshal(raw, &c.Counter) != nil || c.Counter < 1 {
		return nil, errors.New("shc: revocation list ctr is not a positive integer")
	}
	var list []string
	raw, ok = m["rids"]
	if !ok || json.Unmarshal(raw, &list) != nil || raw[0] != '[' {
		return nil, errors.New("shc: revocation list rids is not an array of strings")
	}
	for _, e := range list {
		rid, ts, hasTS := strings.Cut(e, ".")
		if !validRID(rid) {
			return nil, fmt.Errorf("shc: revocation list entry %q: rid is not 1 to %d base64url characters", e, MaxRIDLen)
		}
		if _, dup := c.rids[rid]; dup {
			return nil, fmt.Errorf("shc: revocation list lists rid %q more than once", rid)
		}
		var before time.Time
		if hasTS {
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || sec <= 0 || sec >= maxNumericDate || ts[0] == '+' || ts[0] == '0' {
				return nil, fmt.Errorf("shc: revocation list entry %q: bad timestamp", e)
			}
			before = time.Unix(sec, 0).UTC()
		}
		c.rids[rid] = before
	}
	return c, nil
}

// Len returns the number of rids in the list.
func (c *CRL) Len() int { return len(c.rids) }

// Revoked reports whether the list revokes a card with revocation id rid
// and not-before time nbf. An entry rid revokes every such card; an entry
// rid.<timestamp> revokes only cards with nbf strictly before the
// timestamp (cards re-issued later stay valid). A card without a rid is
// never revoked.
func (c *CRL) Revoked(rid string, nbf time.Time) bool {
	if rid == "" || c == nil {
		return false
	}
	before, ok := c.rids[rid]
	if !ok {
		return false
	}
	return before.IsZero() || nbf.Before(before)
}

// CheckRevocation applies revocation to a card whose signature key is key
// and whose revocation list (for that key) is crl, nil when none is at
// hand. It returns:
//
//   - ErrRevocationUnavailable when key has a crlVersion and crl is nil,
//     is for another kid, or has a counter below the crlVersion (stale);
//   - ErrRevoked when crl revokes the card;
//   - nil otherwise (a key without crlVersion needs no list).
//
// The errors wrap the sentinels with a detail; match them with errors.Is,
// against the sentinels or the class sentinels of package credential.
func CheckRevocation(key Key, crl *CRL, c *Card) error {
	if crl == nil {
		if key.CRLVersion > 0 {
			return fmt.Errorf("%w: key %s has crlVersion %d and no revocation list is loaded", ErrRevocationUnavailable, key.KID, key.CRLVersion)
		}
		return nil
	}
	if crl.KID != key.KID {
		return fmt.Errorf("%w: the list is for kid %s, not %s", ErrRevocationUnavailable, crl.KID, key.KID)
	}
	if crl.Counter < key.CRLVersion {
		return fmt.Errorf("%w: the list has ctr %d, the key requires %d", ErrRevocationUnavailable, crl.Counter, key.CRLVersion)
	}
	if crl.Revoked(c.RID, c.NotBefore) {
		return fmt.Errorf("%w: rid %s is listed for kid %s", ErrRevoked, c.RID, key.KID)
	}
	return nil
}
