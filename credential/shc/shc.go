// Package shc is the wire codec of SMART Health Cards: a compact JWS whose
// payload is raw-DEFLATE-compressed JSON claims carrying a FHIR bundle,
// shown as a QR code holding "shc:/" and the JWS in numeric mode.
//
// A card is read in stages:
//
//	Decode      "shc:/…" text or a bare JWS     → *Card
//	Assemble    chunks "shc:/C/N/…" (deprecated) → "shc:/…" text for Decode
//	ParseFile   .smart-health-card JSON         → []*Card
//	ParseClaims an unsigned JWS payload          → *Claims
//
// Decoding checks the transport and the JWS envelope (alg ES256, zip DEF,
// a kid, a 64-byte r‖s signature, output-capped raw DEFLATE, strict JSON
// claims with an iss) and never a signature. It does not judge the content
// of the claims either: a verifier first finds the key by [Card.KeyRef]
// (issuer URL and kid together), checks it with [Card.Verify], and only
// then applies [Claims.Validate], [Claims.CheckTime] and
// [CheckRevocation], so that a card from an unknown issuer is refused as
// untrusted whatever else is wrong with it.
//
// Issuer key sets, their optional X.509 chains and revocation lists are
// read by [ParseJWKS], [VerifyX5C] and [ParseCRL]; [Sign] issues cards with
// our own keys. [Claims.Credential] maps the FHIR bundle to the
// format-neutral [credential.Credential].
//
// Every decoding error is a *credential.Error carrying a reason code. Where
// package credential has no code that fits exactly, the error wraps one of
// this package's sentinels ([ErrQRText], [ErrJWS]) so that callers can tell
// the cases apart; revocation outcomes are the sentinels [ErrRevoked] and
// [ErrRevocationUnavailable], which match the class sentinels
// credential.ErrRevoked and credential.ErrUntrusted with errors.Is.
package shc

import (
	"errors"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
)

// Prefix starts the text of a SMART Health Card QR code.
const Prefix = "shc:/"

// Spec constants.
const (
	// HealthCardType is the verifiable credential type every card must
	// carry in vc.type.
	HealthCardType = "https://smarthealth.cards#health-card"
	// FHIRVersion is the FHIR version that Sign writes by default.
	FHIRVersion = "4.0.1"
	// MaxQRJWSLen is the longest JWS a single QR code carries (version 22
	// at error correction level L).
	MaxQRJWSLen = 1195
	// MaxChunkJWSLen is the longest JWS part of one chunk of the
	// deprecated chunked form.
	MaxChunkJWSLen = 1191
	// MaxRIDLen is the longest revocation id.
	MaxRIDLen = 24
)

// Default limits on hostile input. Decoder fields may lower them, never
// raise them.
const (
	// MaxTextLen bounds the text given to Decode (QR text or a JWS).
	MaxTextLen = limits.QRText
	// MaxInflated bounds the decompressed claims.
	MaxInflated = limits.Inflated
	// MaxFileLen bounds a .smart-health-card file and the JWS in it.
	MaxFileLen = limits.Inflated
	// MaxFileCards bounds the number of cards in a file.
	MaxFileCards = 64
	// MaxJSONDepth bounds the nesting of every JSON document read.
	MaxJSONDepth = 64
	// MaxJWKSLen bounds a key set document.
	MaxJWKSLen = 16 * limits.Inflated
	// MaxCRLLen bounds a revocation list document.
	MaxCRLLen = 64 * limits.Inflated
)

// Sentinels wrapped by *credential.Error values whose reason code is only
// the nearest existing one.
var (
	// ErrQRText is wrapped (reason bad_prefix) when the "shc:/" text is not
	// well-formed numeric mode: a digit pair above 77, an odd number of
	// digits, a bad or inconsistent chunk header, or a missing chunk.
	ErrQRText = errors.New("shc: malformed QR text")
	// ErrJWS is wrapped (reason bad_claims) when the compact JWS or its
	// protected header is malformed: not three base64url parts, a header
	// without alg or kid, or a signature that is not 64 bytes of r‖s.
	ErrJWS = errors.New("shc: malformed JWS")
)

// classError is a sentinel that also matches a credential class sentinel.
type classError struct {
	msg   string
	class error
}

// Error returns the sentinel's message.
func (e *classError) Error() string { return e.msg }

// Is reports whether target is the class the sentinel belongs to.
func (e *classError) Is(target error) bool { return target == e.class }

// Revocation outcomes. Each matches its class sentinel with errors.Is:
// ErrRevoked matches credential.ErrRevoked and ErrRevocationUnavailable
// matches credential.ErrUntrusted.
var (
	// ErrRevoked means the card's rid is listed in its key's revocation
	// list (with a timestamp after the card's nbf, if it has one).
	ErrRevoked error = &classError{"shc: card revoked by its issuer", credential.ErrRevoked}
	// ErrRevocationUnavailable means the key announces a revocation list
	// (crlVersion) but no usable list at least that recent is at hand, so
	// the card cannot be accepted: revocation fails closed.
	ErrRevocationUnavailable error = &classError{"shc: revocation list unavailable", credential.ErrUntrusted}
)

func newErr(r credential.Reason, detail string, err error) error {
	return credential.NewError(r, detail, err)
}
