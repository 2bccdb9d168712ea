package trustlist

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// MaxDocumentSize is the default limit on a trust document's size.
const MaxDocumentSize = 16 << 20

// Document types, in each payload's "type" member.
const (
	TypeAnchor    = "travelcred-anchor"
	TypeCountry   = "travelcred-country-list"
	TypeFederated = "travelcred-federated-list"
)

// Errors wrapped by verification failures, for errors.Is. Each failure
// also says what exactly was wrong.
var (
	ErrMalformed        = errors.New("trustlist: malformed document")
	ErrTooLarge         = errors.New("trustlist: document too large")
	ErrThreshold        = errors.New("trustlist: not enough distinct member signatures")
	ErrUnknownSigner    = errors.New("trustlist: signed by a key the anchor does not know")
	ErrUnknownMember    = errors.New("trustlist: unknown member")
	ErrForeignKey       = errors.New("trustlist: member list holds another country's key")
	ErrRollback         = errors.New("trustlist: sequence lower than one already accepted")
	ErrExpiredList      = errors.New("trustlist: list expired")
	ErrSuspectClock     = errors.New("trustlist: clock is earlier than the list's issue time")
	ErrRevocationUndone = errors.New("trustlist: a revoked key was re-activated or dropped before it expired")
)

// Anchor is the federation root: its members, the aggregator's keys and
// the number of member root signatures a document of the federation's
// roots needs.
type Anchor struct {
	Type       string            `json:"type"`
	Version    int               `json:"version"`
	Sequence   int64             `json:"sequence"`
	IssuedAt   time.Time         `json:"issuedAt"`
	ExpiresAt  time.Time         `json:"expiresAt,omitzero"`
	Threshold  int               `json:"threshold"`
	Aggregator []json.RawMessage `json:"aggregatorKeys"`
	Members    []Member          `json:"members"`
}

// Member is one country of the federation.
type Member struct {
	Country       string            `json:"country"`
	Name          string            `json:"name"`
	RootKeys      []json.RawMessage `json:"rootKeys"`
	PublisherKeys []json.RawMessage `json:"publisherKeys"`
}

// CountryList is one member's signed list of keys.
type CountryList struct {
	Type      string    `json:"type"`
	Version   int       `json:"version"`
	Country   string    `json:"country"`
	Sequence  int64     `json:"sequence"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Entries   []Entry   `json:"entries"`
}

// Entry statuses.
const (
	StatusActive  = "active"
	StatusRevoked = "revoked"
)

// Entry is one key in a country list.
type Entry struct {
	// KID is the key id: for hcert the 8-byte kid and for vdsnc the CSCA's
	// subject key id, both in standard base64; for nzcp and shc the kid
	// text the credentials carry.
	KID string `json:"kid"`
	// Format is the credential format the key signs.
	Format credential.Format `json:"format"`
	// Key is the public key as a JWK, with x5c when there is a certificate.
	Key json.RawMessage `json:"key"`
	// Usage lists the credential types the key may sign (v, t, r); empty
	// means all.
	Usage []string `json:"usage,omitempty"`
	// NotBefore and NotAfter bound the key's validity.
	NotBefore time.Time `json:"notBefore,omitzero"`
	NotAfter  time.Time `json:"notAfter,omitzero"`
	// Status is active or revoked; revoked entries stay until NotAfter.
	Status    string    `json:"status"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	// Issuer identifies the issuer where the format names one: a did:web
	// DID (nzcp) or an https URL (shc).
	Issuer string `json:"issuer,omitempty"`
	// Certificate is the certificate in standard base64 DER when the JWK
	// cannot carry it in x5c (a VDS-NC CSCA with explicit EC parameters,
	// which crypto/x509 refuses).
	Certificate string `json:"certificate,omitempty"`
	// CRLs are the revocation lists for credentials this key signs, in
	// standard base64: X.509 CRLs (DER) of a VDS-NC CSCA, or an SHC
	// issuer's rid list (JSON) for this kid.
	CRLs []string `json:"crls,omitempty"`
	// CRLVersion is an SHC key's crlVersion: a rid list at least that
	// recent must be present, or verification fails closed.
	CRLVersion int `json:"crlVersion,omitempty"`
}

// FederatedList is the aggregator's document: the member lists embedded
// byte for byte, with the aggregator's own sequence and validity.
type FederatedList struct {
	Type           string            `json:"type"`
	Version        int               `json:"version"`
	Sequence       int64             `json:"sequence"`
	AnchorSequence int64             `json:"anchorSequence"`
	IssuedAt       time.Time         `json:"issuedAt"`
	NextUpdate     time.Time         `json:"nextUpdate"`
	ExpiresAt      time.Time         `json:"expiresAt"`
	Members        []json.RawMessage `json:"members"`
	// Revocations and RuleSets are members' signed revocation lists and
	// rule sets, embedded like the country lists.
	Revocations []json.RawMessage `json:"revocations,omitempty"`
	RuleSets    []json.RawMessage `json:"ruleSets,omitempty"`
	// ValueSets are the value sets rules see (value-set id → codes),
	// vouched for by the aggregator's signature.
	ValueSets map[string][]string `json:"valueSets,omitempty"`
}
