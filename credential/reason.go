package credential

import "errors"

// Reason is a stable snake_case code naming why a credential was refused.
// The same codes appear in the CLI's --json output and in HTTP responses,
// so they never change meaning once published.
type Reason string

// Reason codes, grouped by class. Each is produced somewhere and tested;
// codes for later capabilities (trust-list staleness, credential
// revocation, transport damage) are added with them.
const (
	// Malformed input: the text or image is not a well-formed credential.
	ReasonBadPrefix      Reason = "bad_prefix"      // unknown or unsupported prefix
	ReasonBadBase45      Reason = "bad_base45"      // not valid Base45
	ReasonBadCompression Reason = "bad_compression" // zlib missing, damaged or truncated
	ReasonTooLarge       Reason = "too_large"       // a size limit was exceeded
	ReasonBadCOSE        Reason = "bad_cose"        // not a COSE_Sign1 structure we accept
	ReasonBadCBOR        Reason = "bad_cbor"        // CBOR not well formed or not strict
	ReasonBadClaims      Reason = "bad_claims"      // CWT claims missing or of the wrong type
	ReasonSchema         Reason = "schema"          // payload breaks the DCC schema rules
	ReasonBadImage       Reason = "bad_image"       // no readable credential QR code in the image
	ReasonInputMangled   Reason = "input_mangled"   // transport damage recognised (keyboard layout, control characters)

	// Untrusted: the credential is well formed but cannot be authenticated.
	ReasonUnsupportedAlg        Reason = "unsupported_alg"        // alg not accepted, or contradicted by the unprotected header
	ReasonUnknownKey            Reason = "unknown_key"            // no trusted key has this key id
	ReasonBadSignature          Reason = "bad_signature"          // no candidate key verifies the signature
	ReasonKeyUsage              Reason = "key_usage"              // the key may not sign this credential type
	ReasonKeyNotValid           Reason = "key_not_valid"          // the key was not valid when the credential was issued
	ReasonTrustStale            Reason = "trust_list_stale"       // the trust list is expired or older than the allowed age
	ReasonSuspectClock          Reason = "suspect_clock"          // the clock is earlier than the trust list's issue time
	ReasonRevocationUnavailable Reason = "revocation_unavailable" // the key requires a revocation list that is missing or stale

	// Expired: authenticated, but outside its validity window.
	ReasonExpired     Reason = "expired"
	ReasonNotYetValid Reason = "not_yet_valid"

	// Revoked: authenticated, but the key or the credential was revoked.
	ReasonKeyRevoked Reason = "key_revoked"
	ReasonRevoked    Reason = "revoked" // the credential itself is on its issuer's revocation list
)

// Reasons returns every reason code, in the order above.
func Reasons() []Reason {
	return []Reason{
		ReasonBadPrefix, ReasonBadBase45, ReasonBadCompression, ReasonTooLarge, ReasonBadCOSE,
		ReasonBadCBOR, ReasonBadClaims, ReasonSchema, ReasonBadImage, ReasonInputMangled,
		ReasonUnsupportedAlg, ReasonUnknownKey, ReasonBadSignature, ReasonKeyUsage, ReasonKeyNotValid,
		ReasonTrustStale, ReasonSuspectClock, ReasonRevocationUnavailable,
		ReasonExpired, ReasonNotYetValid,
		ReasonKeyRevoked, ReasonRevoked,
	}
}

// Class sentinels. Every reason belongs to exactly one class, and errors
// carrying a reason match their class with errors.Is.
var (
	ErrMalformed = errors.New("malformed credential")
	ErrUntrusted = errors.New("untrusted credential")
	ErrExpired   = errors.New("credential outside its validity period")
	ErrRevoked   = errors.New("credential revoked")
)

// Class returns the class sentinel of r: one of ErrMalformed, ErrUntrusted,
// ErrExpired or ErrRevoked. Unknown reasons are treated as malformed.
func (r Reason) Class() error {
	switch r {
	case ReasonUnsupportedAlg, ReasonUnknownKey, ReasonBadSignature, ReasonKeyUsage,
		ReasonKeyNotValid, ReasonTrustStale, ReasonSuspectClock, ReasonRevocationUnavailable:
		return ErrUntrusted
	case ReasonExpired, ReasonNotYetValid:
		return ErrExpired
	case ReasonKeyRevoked, ReasonRevoked:
		return ErrRevoked
	}
	return ErrMalformed
}

// ClassName returns the short name of r's class: "malformed", "untrusted",
// "expired" or "revoked".
func (r Reason) ClassName() string {
	switch r.Class() {
	case ErrUntrusted:
		return "untrusted"
	case ErrExpired:
		return "expired"
	case ErrRevoked:
		return "revoked"
	}
	return "malformed"
}

// Error is the error type of the credential codecs: a reason code, a human
// readable detail and, optionally, the underlying error.
type Error struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := string(e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the class sentinel of e's reason.
func (e *Error) Is(target error) bool { return target == e.Reason.Class() }

// NewError is shorthand for &Error{Reason: r, Detail: detail, Err: err}.
func NewError(r Reason, detail string, err error) *Error {
	return &Error{Reason: r, Detail: detail, Err: err}
}
