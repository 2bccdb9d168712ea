// Package issuer signs HCERT credentials with a Document Signer Certificate
// (DSC) and its private key.
//
// Any crypto.Signer works (a key file, an HSM, a cloud KMS). The issuer
// refuses to sign what a verifier would refuse: a payload that breaks the
// DCC schema, a credential type that the DSC's key usage excludes, and a
// validity window outside the DSC's own.
package issuer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/trustlist"
)

// DefaultValidity is how long an issued credential is valid unless
// WithValidity says otherwise.
const DefaultValidity = 365 * 24 * time.Hour

// Errors that Issue wraps, for errors.Is.
var (
	// ErrInvalidPayload: the DCC payload breaks the schema rules.
	ErrInvalidPayload = errors.New("issuer: invalid payload")
	// ErrKeyUsage: the DSC may not sign this credential type.
	ErrKeyUsage = errors.New("issuer: credential type excluded by the certificate's key usage")
	// ErrValidity: the credential's validity falls outside the DSC's.
	ErrValidity = errors.New("issuer: outside the certificate's validity")
)

// Option configures an Issuer.
type Option func(*Issuer)

// WithClock sets the clock that gives iat (time.Now by default).
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// WithValidity sets how long credentials are valid: exp = iat + d.
func WithValidity(d time.Duration) Option { return func(i *Issuer) { i.validity = d } }

// WithRand sets the randomness source for signing (crypto/rand by default).
func WithRand(r io.Reader) Option { return func(i *Issuer) { i.rand = r } }

// Issuer signs credentials. It is safe for concurrent use if its signer is.
type Issuer struct {
	signer   crypto.Signer
	cert     *x509.Certificate
	alg      hcert.Algorithm
	kid      []byte
	country  string
	usage    trustlist.Usage
	now      func() time.Time
	validity time.Duration
	rand     io.Reader
}

// New returns an Issuer signing with signer under the DSC cert. The signer's
// public key must be the certificate's; ECDSA P-256 keys sign ES256 and RSA
// keys of at least 2048 bits sign PS256. The certificate's subject must name
// a country, which becomes the iss claim.
func New(signer crypto.Signer, cert *x509.Certificate, opts ...Option) (*Issuer, error) {
	if signer == nil || cert == nil {
		return nil, errors.New("issuer: a signer and a certificate are required")
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("issuer: the signer's public key is not the certificate's")
	}
	i := &Issuer{
		signer:   signer,
		cert:     cert,
		kid:      trustlist.HCERTKeyID(cert.Raw),
		usage:    trustlist.CertificateUsage(cert),
		now:      time.Now,
		validity: DefaultValidity,
	}
	switch k := signer.Public().(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("issuer: ECDSA key on %s; HCERT issuers use P-256 (ES256)", k.Curve.Params().Name)
		}
		i.alg = hcert.ES256
	case *rsa.PublicKey:
		if k.N.BitLen() < hcert.MinRSABits {
			return nil, fmt.Errorf("issuer: RSA key of %d bits; PS256 needs at least %d", k.N.BitLen(), hcert.MinRSABits)
		}
		i.alg = hcert.PS256
	default:
		return nil, fmt.Errorf("issuer: unsupported key type %T", k)
	}
	if len(cert.Subject.Country) == 0 || len(cert.Subject.Country[0]) != 2 {
		return nil, errors.New("issuer: the certificate's subject has no two-letter country (C)")
	}
	i.country = cert.Subject.Country[0]
	for _, o := range opts {
		o(i)
	}
	if i.now == nil {
		return nil, errors.New("issuer: nil clock")
	}
	if i.validity <= 0 {
		return nil, fmt.Errorf("issuer: validity %v must be positive", i.validity)
	}
	return i, nil
}

// KeyID returns the HCERT key id of the issuer's certificate.
func (i *Issuer) KeyID() []byte { return bytes.Clone(i.kid) }

// Algorithm returns the signature algorithm the issuer uses.
func (i *Issuer) Algorithm() hcert.Algorithm { return i.alg }

// Country returns the issuing country (the iss claim).
func (i *Issuer) Country() string { return i.country }

// Issued is a signed credential.
type Issued struct {
	// Text is the "HC1:" text to put in a QR code.
	Text string
	// COSE is the signed COSE_Sign1 message before compression.
	COSE []byte
	// KeyID is the signer's key id.
	KeyID []byte
	// Type is the credential type.
	Type credential.Type
	// IssuedAt and ExpiresAt are the iat and exp claims.
	IssuedAt, ExpiresAt time.Time
}

// IssueJSON validates and signs a DCC payload given as JSON.
func (i *Issuer) IssueJSON(payload []byte) (*Issued, error) {
	d, _, err := credential.DecodeDCCJSON(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	return i.Issue(d)
}

// Issue validates and signs a DCC payload. iat is the clock's current
// second and exp is iat plus the validity.
func (i *Issuer) Issue(d *credential.DCC) (*Issued, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil payload", ErrInvalidPayload)
	}
	iat := i.now().UTC().Truncate(time.Second)
	exp := iat.Add(i.validity)
	// The claims, with the DCC encoded in place and validated as a
	// verifier will decode it: the encoder checks the tree a verifier's
	// decoder builds from the bytes (hcert.AppendValidDCC returns exactly
	// hcert.ParseDCC's error).
	payload, err := hcert.AppendValidDCC(hcert.AppendClaimsHead(make([]byte, 0, 512), i.country, iat, exp), d)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	typ := d.Type()
	if !i.usage.Allows(typ) {
		return nil, fmt.Errorf("%w: the certificate allows %s, not %s", ErrKeyUsage, i.usage, typ)
	}
	if iat.Before(i.cert.NotBefore) {
		return nil, fmt.Errorf("%w: iat %s is before the certificate's notBefore %s", ErrValidity,
			iat.Format(time.RFC3339), i.cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if exp.After(i.cert.NotAfter) {
		return nil, fmt.Errorf("%w: exp %s is after the certificate's notAfter %s", ErrValidity,
			exp.Format(time.RFC3339), i.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	cose, err := hcert.Sign(i.rand, i.signer, i.alg, i.kid, payload)
	if err != nil {
		return nil, err
	}
	return &Issued{
		Text:      hcert.Encode(cose),
		COSE:      cose,
		KeyID:     bytes.Clone(i.kid),
		Type:      typ,
		IssuedAt:  iat,
		ExpiresAt: exp,
	}, nil
}
