// Package vdsnc is the wire codec of the ICAO Visible Digital Seal for
// non-constrained environments (VDS-NC), the JSON health seal of Australia,
// Japan and others:
//
//	{"data":{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{…}},
//	 "sig":{"alg":"ES256","cer":"<base64url DER BSC>","sigvl":"<base64url r‖s>"}}
//
// The seal travels as raw JSON in a QR code (byte mode, no prefix, no
// compression). The signature is ECDSA over the UTF-8 RFC 8785 (JCS)
// canonical form of "data", made with the key of the embedded Barcode Signer
// Certificate (BSC), which a country's passport CSCA issues.
//
// Verification runs in three steps that can be called one by one:
//
//	Decode              text → *Seal (strict JSON, header, message, BSC parsed)
//	Seal.VerifySignature     ECDSA over JCS(data) with the BSC key
//	Seal.VerifyChain         BSC → CSCA of the same country, with its CRL
//
// Decode never checks a signature. Every error is a *credential.Error
// carrying a reason code, so errors.Is(err, credential.ErrUntrusted) and
// friends work.
//
// # Trust
//
// A BSC is accepted when a trusted CSCA whose subject key identifier equals
// the BSC's authority key identifier (Seal.KeyRef) signed it, the CSCA is
// a CA of the country the seal and the BSC name, the BSC carries the VDS-NC
// extended key usage 2.23.136.1.1.14.2 and a document type list
// (2.23.136.1.1.6.2) naming "NV", an authentic CRL of that CSCA does not
// list it, and at least one such CRL is current. Certificates are checked
// in the shell model: the CSCA and the BSC must both be valid at the
// verification time.
//
// CSCAs come from ParseCSCA, which also reads certificates that
// crypto/x509 refuses because their EC key has explicit curve parameters or
// lies on a Brainpool curve (common among passport CSCAs). Explicit
// parameters are only accepted when they are exactly those of P-256, P-384,
// P-521 or brainpoolP224r1 … brainpoolP512r1; a Brainpool key is an
// *ecdsa.PublicKey whose Curve is this package's own implementation.
//
// # Time
//
// A seal carries no time of its own. Its validity is the BSC's: a BSC that
// has expired at the verification time yields reason expired, one not yet
// valid not_yet_valid. A CSCA outside its validity, or revocation data that
// cannot be used (no CRL of the CSCA, a CRL that does not parse or is not
// signed by the CSCA, or a CRL past its nextUpdate), yields key_not_valid:
// the verifier cannot establish that the BSC is still good, so it refuses
// rather than warns. Pin the clock when checking old samples.
//
// # What is not checked
//
// Field lengths of the message (uvci ≤ 12 and so on) are not enforced, and
// the message may carry members this package does not know. The issuer
// name of the BSC is not compared with the CSCA's subject byte for byte
// (passport PKIs re-encode names); the key identifiers, the signature and
// the country are.
package vdsnc
