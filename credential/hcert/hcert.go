// Package hcert is the wire codec of HCERT, the EU Digital COVID Certificate
// and WHO credential format: "HC1:" + Base45(zlib(COSE_Sign1(CWT))).
//
// Decoding runs in stages that can be called one by one (the conformance
// runner checks each stage on its own) or all at once with Decode:
//
//	Unprefix   "HC1:…"            → Base45 text
//	Base45     text               → compressed bytes
//	Inflate    compressed bytes   → COSE bytes (output capped)
//	ParseCOSE  COSE bytes         → *Message (headers, payload, signature)
//	ParseClaims Message.Payload   → *Claims (iss, iat, exp, hcert)
//
// Decoding never checks a signature; Message.Verify does, and package
// verifier runs the whole pipeline against a trust list. Every error is a
// *credential.Error carrying a reason code.
package hcert

import (
	"strconv"
	"time"
)

// Prefix is the context identifier of version 1 HCERT text.
const Prefix = "HC1:"

// Algorithm is a COSE algorithm identifier (RFC 9053).
type Algorithm int64

// Signature algorithms. ES256 and PS256 are the two the HCERT specification
// requires; ES384 and ES512 are accepted beyond it, as other verifiers do.
const (
	ES256 Algorithm = -7
	ES384 Algorithm = -35
	ES512 Algorithm = -36
	PS256 Algorithm = -37
)

// String returns the JOSE name of a, or "alg(N)" for others.
func (a Algorithm) String() string {
	switch a {
	case ES256:
		return "ES256"
	case ES384:
		return "ES384"
	case ES512:
		return "ES512"
	case PS256:
		return "PS256"
	case 0:
		return "none"
	}
	return "alg(" + strconv.FormatInt(int64(a), 10) + ")"
}

// Envelope says how the COSE_Sign1 structure was wrapped.
type Envelope uint8

// COSE_Sign1 wrappings seen in production.
const (
	Tagged   Envelope = iota // tag 18 (COSE_Sign1), the normal form
	Untagged                 // a bare 4-element array
	CWTTag                   // tag 61 (CWT) wrapping tag 18
)

// String names the envelope.
func (e Envelope) String() string {
	switch e {
	case Tagged:
		return "tag 18"
	case Untagged:
		return "untagged"
	case CWTTag:
		return "tag 61(18)"
	}
	return "unknown"
}

// COSE header labels and CWT claim keys.
const (
	headerAlg = 1
	headerKID = 4

	claimIss   = 1
	claimExp   = 4
	claimIat   = 6
	claimHCert = -260

	subClaimEUDCC = 1
)

// KIDSize is the length of an HCERT key id: the first 8 bytes of the
// SHA-256 digest of the signer certificate.
const KIDSize = 8

// Message is a decoded, unverified COSE_Sign1 message.
//
// Its byte slices alias the buffer that was parsed.
type Message struct {
	// Alg is the algorithm from the protected header, or 0 when the
	// protected header has none. An alg in the unprotected header is
	// never used to choose the algorithm.
	Alg Algorithm
	// UnprotectedAlg is an alg found in the unprotected header, kept only
	// to refuse a message whose unprotected alg contradicts the algorithm
	// actually used.
	UnprotectedAlg Algorithm
	// KID is the key id, from the protected header if present there,
	// otherwise from the unprotected header.
	KID []byte
	// KIDUnprotected reports that KID came from the unprotected header.
	KIDUnprotected bool
	// Envelope is how the message was wrapped.
	Envelope Envelope
	// Protected is the serialized protected header, exactly as signed.
	Protected []byte
	// Payload is the CWT claims set, exactly as signed.
	Payload []byte
	// Signature is the signature value.
	Signature []byte
}

// Claims are the CWT claims of an HCERT payload.
type Claims struct {
	// Issuer is claim 1, an ISO 3166-1 alpha-2 country code (optional).
	Issuer string
	// IssuedAt (claim 6) and ExpiresAt (claim 4); zero when absent.
	// Integer and floating-point NumericDates are both accepted.
	IssuedAt  time.Time
	ExpiresAt time.Time
	// DCC is the raw CBOR of the EU DCC sub-claim (hcert claim -260, key
	// 1), aliasing the payload.
	DCC []byte
	// SubClaims lists the keys of the hcert claim in the order found.
	SubClaims []int64
	// WHO holds the WHO sub-claims of the hcert claim (3 DDCC:VS, 4
	// DDCC:TR, 5 a link URI, -6 ICVP), raw CBOR aliasing the payload.
	WHO []WHOClaim
}

// WHO sub-claim keys of the hcert claim (smart-trust hcert_spec §3.2.7.1).
const (
	SubClaimDDCCVS = 3  // DDCC:VS, vaccination status
	SubClaimDDCCTR = 4  // DDCC:TR, test result
	SubClaimLink   = 5  // SHL/VHL URI
	SubClaimICVP   = -6 // ICVP / DVCMin, proposed
)

// WHOClaim is one WHO sub-claim: its key and raw CBOR.
type WHOClaim struct {
	Key int64
	Raw []byte
}

// Name returns the sub-claim's short name.
func (w WHOClaim) Name() string {
	switch w.Key {
	case SubClaimDDCCVS:
		return "ddcc-vs"
	case SubClaimDDCCTR:
		return "ddcc-tr"
	case SubClaimLink:
		return "link"
	case SubClaimICVP:
		return "icvp"
	}
	return "unknown"
}
