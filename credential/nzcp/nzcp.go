// Package nzcp is the wire codec of the New Zealand COVID Pass (NZCP,
// minhealthnz/nzcovidpass-spec v1): "NZCP:/1/" + base32(COSE_Sign1(CWT)),
// without padding and without compression.
//
// Decoding runs in stages, each refusing what the specification forbids:
//
//	prefix     "NZCP:/1/…"        → base32 text (other major versions refused)
//	base32     RFC 4648, upper case, no padding → COSE bytes
//	COSE       tag 18 required; alg (ES256 only) and kid from the protected header
//	claims     iss (did:web), nbf, exp, cti and the "vc" claim, strict CBOR
//
// Decode never checks a signature or a time. A verifier looks the pass's
// key reference ([Pass.KeyRef], "iss#kid") up among the keys of trusted
// issuers, checks the signature with [Pass.Verify], then applies the time
// rule of the specification: the pass is valid when NotBefore ≤ now <
// ExpiresAt. Every error Decode and Verify return is a *credential.Error
// carrying a reason code.
//
// Issuers publish their keys in did:web DID documents; [ParseDIDDocument]
// and [DIDDocument.AssertionKeys] turn one into keys, and [DIDWebURL] says
// where a DID's document lives. Nothing in this package uses the network.
//
// # What is not checked
//
//   - Whether the issuer is trusted: the caller's trust list decides, and
//     must bind each key to the complete reference "iss#kid", never to the
//     kid alone (see [Pass.KeyRef]).
//   - Revocation: the specification defines none; cti is exposed as JTI.
//   - The second @context entry: only the first (the W3C credentials
//     context) is required, so passes of early issuers that used an older
//     NZ context still decode.
package nzcp

import (
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
)

// Prefix is the context identifier of version 1 NZCP text: the scheme, the
// major version and the separators around it.
const Prefix = "NZCP:/1/"

// Default limits on hostile input.
const (
	MaxTextLen = limits.QRText      // longest accepted "NZCP:/1/" text, in bytes
	MaxNesting = limits.CBORNesting // deepest accepted CBOR nesting
)

// Limits of the PublicCovidPass subject, from the specification.
const (
	MaxNameLen = 100 // longest givenName or familyName, in characters
)

// ES256 is the COSE identifier of the only algorithm NZCP allows: ECDSA on
// P-256 with SHA-256.
const ES256 = -7

// The fixed values of the "vc" claim.
const (
	// ContextW3C must be the first @context entry.
	ContextW3C = "https://www.w3.org/2018/credentials/v1"
	// ContextNZCP is the second @context entry Sign writes.
	ContextNZCP = "https://nzcp.covid19.health.nz/contexts/v1"
	// Version is the vc version Sign writes; Decode accepts any 1.x.y.
	Version = "1.0.0"
	// TypeVerifiableCredential and TypePublicCovidPass are the two entries
	// of the vc type, in this order.
	TypeVerifiableCredential = "VerifiableCredential"
	TypePublicCovidPass      = "PublicCovidPass"
)

// Subject is the credentialSubject of a PublicCovidPass.
type Subject struct {
	// GivenName is required, 1 to 100 characters.
	GivenName string `json:"givenName"`
	// FamilyName is optional, at most 100 characters.
	FamilyName string `json:"familyName,omitempty"`
	// DOB is the date of birth, YYYY-MM-DD.
	DOB string `json:"dob"`
}

// Pass is a decoded, unverified NZ COVID Pass.
//
// Its byte slices do not alias the text it was decoded from.
type Pass struct {
	// Issuer is the iss claim (1), a did:web DID.
	Issuer string
	// KID is the kid of the protected header, the key's fragment in the
	// issuer's DID document (e.g. "key-1").
	KID []byte
	// NotBefore (nbf, claim 5) and ExpiresAt (exp, claim 4). The pass is
	// valid from NotBefore inclusive to ExpiresAt exclusive.
	NotBefore time.Time
	ExpiresAt time.Time
	// JTI is the cti claim (7) as a URI: "urn:uuid:" and the 16 bytes
	// written as a UUID.
	JTI string
	// Context, Version and Subject come from the "vc" claim.
	Context []string
	Version string
	Subject Subject
	// Protected is the serialized protected header, exactly as signed.
	Protected []byte
	// Payload is the CWT claims set, exactly as signed.
	Payload []byte
	// Signature is the ES256 signature, r‖s (64 bytes).
	Signature []byte
}

// KeyRef returns the absolute reference of the key that signed the pass,
// iss + "#" + kid: the id the key has in the issuer's DID document
// (e.g. "did:web:nzcp.identity.health.nz#z12Kf7UQ"). Trust lists hold NZCP
// keys under this reference, so a key id that is not listed for this very
// issuer finds nothing. It returns a new slice on every call.
func (p *Pass) KeyRef() []byte {
	b := make([]byte, 0, len(p.Issuer)+1+len(p.KID))
	b = append(b, p.Issuer...)
	b = append(b, '#')
	return append(b, p.KID...)
}

// Credential maps the pass to the format-neutral model: Format nzcp, the
// subject's names and date of birth, Country "NZ", IssuedAt = NotBefore,
// ExpiresAt and the payload as Raw.
//
// Type is left empty: a PublicCovidPass attests that the holder meets a
// health policy, not a vaccination, test or recovery event, and naming
// one would let event-type policy (such as HCERT key usage) apply to it.
func (p *Pass) Credential() *credential.Credential {
	return &credential.Credential{
		Format: credential.FormatNZCP,
		Holder: credential.Name{
			GivenName:  p.Subject.GivenName,
			FamilyName: p.Subject.FamilyName,
		},
		DateOfBirth: p.Subject.DOB,
		Country:     "NZ",
		IssuedAt:    p.NotBefore,
		ExpiresAt:   p.ExpiresAt,
		Raw:         append([]byte(nil), p.Payload...),
	}
}
