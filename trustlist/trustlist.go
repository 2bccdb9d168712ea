// Package trustlist holds the keys a verifier trusts and answers lookups by
// key id.
//
// This file defines the model every trust source shares — Key, Usage and
// the Source interface the verifier consumes — and Static, a source built
// from signer certificates (DSCs) given as PEM files or a directory.
package trustlist

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// Usage is a set of credential types a key may sign.
type Usage uint8

// Usage bits.
const (
	UsageVaccination Usage = 1 << iota
	UsageTest
	UsageRecovery

	// UsageAll allows every credential type.
	UsageAll = UsageVaccination | UsageTest | UsageRecovery
)

// UsageOf returns the usage bit of a credential type.
func UsageOf(t credential.Type) Usage {
	switch t {
	case credential.TypeVaccination:
		return UsageVaccination
	case credential.TypeTest:
		return UsageTest
	case credential.TypeRecovery:
		return UsageRecovery
	}
	return 0
}

// Allows reports whether u includes the credential type t.
func (u Usage) Allows(t credential.Type) bool {
	b := UsageOf(t)
	return b != 0 && u&b == b
}

// String returns the usage letters, e.g. "v,t,r".
func (u Usage) String() string {
	var s []string
	if u&UsageVaccination != 0 {
		s = append(s, "v")
	}
	if u&UsageTest != 0 {
		s = append(s, "t")
	}
	if u&UsageRecovery != 0 {
		s = append(s, "r")
	}
	return strings.Join(s, ",")
}

// ParseUsage parses a comma-separated list of usage letters (v, t, r).
func ParseUsage(s string) (Usage, bool) {
	var u Usage
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "v":
			u |= UsageVaccination
		case "t":
			u |= UsageTest
		case "r":
			u |= UsageRecovery
		default:
			return 0, false
		}
	}
	return u, u != 0
}

// The HCERT extended key usage OIDs of signer certificates, in the correct
// family and in the mistyped family with an extra 0 arc that many real DSCs
// carry. Both are honoured.
var (
	OIDTest        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}
	OIDVaccination = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}
	OIDRecovery    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}

	OIDTestAlt        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}
	OIDVaccinationAlt = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}
	OIDRecoveryAlt    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}
)

// CertificateUsage returns the credential types a DSC may sign, from its
// extended key usage OIDs. A certificate with none of the HCERT OIDs may
// sign every type, as the HCERT specification says.
func CertificateUsage(cert *x509.Certificate) Usage {
	var u Usage
	for _, oid := range cert.UnknownExtKeyUsage {
		switch {
		case oid.Equal(OIDTest), oid.Equal(OIDTestAlt):
			u |= UsageTest
		case oid.Equal(OIDVaccination), oid.Equal(OIDVaccinationAlt):
			u |= UsageVaccination
		case oid.Equal(OIDRecovery), oid.Equal(OIDRecoveryAlt):
			u |= UsageRecovery
		}
	}
	if u == 0 {
		return UsageAll
	}
	return u
}

// Key is one trusted public key.
type Key struct {
	// KID is the key id that credentials name (HCERT: the first 8 bytes
	// of the SHA-256 of the certificate).
	KID []byte
	// Format is the credential format the key signs.
	Format credential.Format
	// Country is the ISO 3166-1 alpha-2 code of the country the key
	// belongs to.
	Country string
	// PublicKey is an *ecdsa.PublicKey or *rsa.PublicKey.
	PublicKey crypto.PublicKey
	// Certificate is the signer certificate, when there is one.
	Certificate *x509.Certificate
	// Chain is the key's whole x5c chain, leaf first, when the trust list
	// gave one (SHC issuer keys may carry one).
	Chain []*x509.Certificate
	// Usage is the set of credential types the key may sign.
	Usage Usage
	// NotBefore and NotAfter bound the key's validity; zero means
	// unbounded.
	NotBefore, NotAfter time.Time
	// Revoked marks a revoked key; RevokedAt and RevocationReason say when
	// and why.
	Revoked          bool
	RevokedAt        time.Time
	RevocationReason string
	// Issuer identifies the issuer for formats that name one (a did:web or
	// https URL); empty for HCERT.
	Issuer string
	// Raw is the certificate's DER, kept for certificates crypto/x509
	// cannot parse (VDS-NC CSCAs with explicit curve parameters).
	Raw []byte
	// CRLs are revocation lists for the credentials this key signs, as
	// their format publishes them: for a VDS-NC CSCA its X.509 CRLs (DER),
	// for an SHC issuer key its rid list (.well-known/crl/<kid>.json).
	CRLs [][]byte
	// CRLVersion is an SHC key's crlVersion: when positive, a rid list of
	// at least that version must be loaded, or verification fails closed.
	CRLVersion int
}

// ValidAt reports whether t lies within the key's validity.
func (k *Key) ValidAt(t time.Time) bool {
	return (k.NotBefore.IsZero() || !t.Before(k.NotBefore)) && (k.NotAfter.IsZero() || !t.After(k.NotAfter))
}

// Freshness says how current a trust source is.
type Freshness string

// Freshness values. Static sources (certificates given directly) have no
// issue date and report FreshnessStatic.
const (
	FreshnessFresh  Freshness = "fresh"
	FreshnessStale  Freshness = "stale"
	FreshnessStatic Freshness = "static"
)

// Status is a trust source's freshness at a moment.
type Status struct {
	Freshness Freshness `json:"freshness"`
	// Age is how long ago the list was issued.
	Age        time.Duration `json:"age,omitempty"`
	Sequence   int64         `json:"sequence,omitempty"`
	IssuedAt   time.Time     `json:"issuedAt,omitzero"`
	NextUpdate time.Time     `json:"nextUpdate,omitzero"`
	ExpiresAt  time.Time     `json:"expiresAt,omitzero"`
	// SuspectClock reports a clock earlier than the list's issue time
	// (minus the allowed skew): either the clock or the list is wrong.
	SuspectClock bool `json:"suspectClock,omitempty"`
	// Expired reports a list past its expiry.
	Expired bool `json:"expired,omitempty"`
}

// Source answers key lookups. Implementations must be safe for concurrent
// use, and Lookup should not allocate: it is on the verify hot path.
type Source interface {
	// Lookup returns every key of the format whose key id equals kid (key
	// ids are short and collide). The caller must not modify the result.
	Lookup(format credential.Format, kid []byte) []*Key
	// Status reports the source's freshness at now.
	Status(now time.Time) Status
}

// HCERTKeyID returns the HCERT key id of a DER certificate: the first 8
// bytes of its SHA-256 digest.
func HCERTKeyID(der []byte) []byte {
	sum := sha256.Sum256(der)
	return sum[:8:8]
}
