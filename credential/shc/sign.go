package shc

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// SignOptions are the optional inputs of Sign. The zero value is valid.
type SignOptions struct {
	// ExpiresAt sets the exp claim; zero leaves it out (the card does not
	// expire).
	ExpiresAt time.Time
	// RID sets vc.rid, the revocation id (1 to MaxRIDLen base64url
	// characters).
	RID string
	// Types are vc.type entries after HealthCardType.
	Types []string
	// FHIRVersion overrides the default FHIRVersion.
	FHIRVersion string
	// SkipQR returns no QR text, so that a card too long for one QR code
	// (more than MaxQRJWSLen characters) can still be issued as a file.
	SkipQR bool
	// Rand is the randomness source given to the signer; nil means
	// crypto/rand.
	Rand io.Reader
}

// numericDate marshals a time as a NumericDate, milliseconds included.
type numericDate time.Time

// MarshalJSON implements json.Marshaler.
func (t numericDate) MarshalJSON() ([]byte, error) {
	return appendNumericDate(nil, time.Time(t)), nil
}

// Sign issues a SMART Health Card: it builds the minified claims (iss,
// nbf with millisecond precision, exp and vc.rid when set in opts, vc.type
// starting with HealthCardType, and the FHIR bundle), compresses them with
// raw DEFLATE, and signs them with ES256 under the protected header
// {"zip":"DEF","alg":"ES256","kid":kid}. It returns the compact JWS and
// its QR text (see EncodeQR; empty when opts.SkipQR is set).
//
// signer must hold a P-256 ECDSA key and return ASN.1 signatures, as
// *ecdsa.PrivateKey and crypto.Signer keys in hardware do; kid must be
// empty (it is then computed) or the key's RFC 7638 thumbprint; iss must
// pass CheckIssuer; bundle must be a FHIR Bundle object. opts may be nil.
//
// The card is decoded, verified and validated again before it is
// returned, so that Sign never hands out a card its own verifier refuses.
func Sign(signer crypto.Signer, kid, iss string, bundle json.RawMessage, nbf time.Time, opts *SignOptions) (jws, qrText string, err error) {
	if opts == nil {
		opts = &SignOptions{}
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return "", "", fmt.Errorf("shc: ES256 needs a P-256 ECDSA signer, not %T", signer.Public())
	}
	tp, err := Thumbprint(pub)
	if err != nil {
		return "", "", err
	}
	if kid == "" {
		kid = tp
	} else if kid != tp {
		return "", "", fmt.Errorf("shc: kid %q is not the signer's thumbprint %q", kid, tp)
	}
	if err := CheckIssuer(iss); err != nil {
		return "", "", err
	}
	if nbf.Unix() < 0 || !opts.ExpiresAt.IsZero() && opts.ExpiresAt.Unix() < 0 {
		return "", "", errors.New("shc: nbf and exp must be after 1970")
	}
	if opts.RID != "" && !validRID(opts.RID) {
		return "", "", fmt.Errorf("shc: rid %q is not 1 to %d base64url characters", opts.RID, MaxRIDLen)
	}
	if !json.Valid(bundle) || len(bytes.TrimSpace(bundle)) == 0 || bytes.TrimSpace(bundle)[0] != '{' {
		return "", "", errors.New("shc: the FHIR bundle is not a JSON object")
	}
	fv := opts.FHIRVersion
	if fv == "" {
		fv = FHIRVersion
	}
	type subject struct {
		FHIRVersion string          `json:"fhirVersion"`
		FHIRBundle  json.RawMessage `json:"fhirBundle"`
	}
	type vc struct {
		Type              []string `json:"type"`
		CredentialSubject subject  `json:"credentialSubject"`
		RID               string   `json:"rid,omitempty"`
	}
	claims := struct {
		Iss string       `json:"iss"`
		Nbf numericDate  `json:"nbf"`
		Exp *numericDate `json:"exp,omitempty"`
		VC  vc           `json:"vc"`
	}{
		Iss: iss,
		Nbf: numericDate(nbf),
		VC: vc{
			Type:              append([]string{HealthCardType}, opts.Types...),
			CredentialSubject: subject{fv, bundle},
			RID:               opts.RID,
		},
	}
	if !opts.ExpiresAt.IsZero() {
		e := numericDate(opts.ExpiresAt)
		claims.Exp = &e
	}
	var payload bytes.Buffer
	enc := json.NewEncoder(&payload)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(claims); err != nil {
		return "", "", fmt.Errorf("shc: claims: %w", err)
	}
	body := bytes.TrimSuffix(payload.Bytes(), []byte("\n"))

	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(body)
	w.Close()

	header, _ := json.Marshal(struct {
		Zip string `json:"zip"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}{ZipDEF, AlgES256, kid})
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(z.Bytes())
	digest := sha256.Sum256([]byte(input))
	rand := opts.Rand
	if rand == nil {
		rand = cryptorand.Reader
	}
	der, err := signer.Sign(rand, digest[:], crypto.SHA256)
	if err != nil {
		return "", "", fmt.Errorf("shc: signing: %w", err)
	}
	sig, err := rawSignature(der)
	if err != nil {
		return "", "", err
	}
	jws = input + "." + b64.EncodeToString(sig)

	// Self-check with the verifier's own code.
	card, err := DecodeJWS(jws)
	if err == nil {
		err = card.Verify(pub)
	}
	if err == nil {
		err = card.Validate()
	}
	if err != nil {
		return "", "", fmt.Errorf("shc: the issued card does not verify: %w", err)
	}
	if opts.SkipQR {
		return jws, "", nil
	}
	if qrText, err = EncodeQR(jws); err != nil {
		return "", "", fmt.Errorf("shc: %w (set SignOptions.SkipQR to issue it as a file)", err)
	}
	return jws, qrText, nil
}

// rawSignature turns an ASN.1 DER ECDSA P-256 signature into r‖s.
func rawSignature(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("shc: signer returned a malformed ECDSA signature")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return nil, errors.New("shc: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, sigSize)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}
