package vdsnc

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// MinRSABits is the smallest RSA modulus accepted for a CSCA signature.
const MinRSABits = 2048

// CSCA is a trusted Country Signing CA certificate: the trust anchor of a
// country's BSCs.
type CSCA struct {
	// Cert is the parsed certificate, or nil when crypto/x509 cannot read
	// it (an EC key with explicit curve parameters or on a Brainpool
	// curve); the other fields are always set.
	Cert *x509.Certificate
	// Raw is the DER certificate.
	Raw []byte
	// PublicKey is an *rsa.PublicKey or an *ecdsa.PublicKey. A Brainpool
	// key's Curve is a *Weierstrass.
	PublicKey crypto.PublicKey
	// SubjectKeyID is the subject key identifier; BSCs name it as their
	// authority key identifier.
	SubjectKeyID []byte
	// Country is the subject's country (C), normally ISO 3166-1 alpha-2.
	Country string
	// NotBefore and NotAfter bound the certificate's validity.
	NotBefore, NotAfter time.Time
	// RawSubject is the DER subject name.
	RawSubject []byte
	// IsCA reports basicConstraints cA = TRUE.
	IsCA bool
	// KeyUsage is the key usage extension; 0 when absent.
	KeyUsage x509.KeyUsage
	// ExplicitCurve reports that the EC key was given with explicit curve
	// parameters, recognised as those of a known curve.
	ExplicitCurve bool

	rawTBS    []byte
	sigAlg    x509.SignatureAlgorithm
	signature []byte
}

// ParseCSCA parses a DER CSCA certificate. It uses crypto/x509 and, when
// that refuses an EC key with explicit curve parameters or on a Brainpool
// curve, reads the certificate itself: explicit parameters are accepted
// only when they are exactly those of P-256, P-384, P-521 or a Brainpool
// rNNNr1 curve, and the point must lie on the curve. ParseCSCA checks no
// signature and no validity: the caller decides to trust the certificate.
func ParseCSCA(der []byte) (*CSCA, error) {
	cert, err := x509.ParseCertificate(der)
	if err == nil {
		c := &CSCA{
			Cert:         cert,
			Raw:          cert.Raw,
			PublicKey:    cert.PublicKey,
			SubjectKeyID: cert.SubjectKeyId,
			NotBefore:    cert.NotBefore,
			NotAfter:     cert.NotAfter,
			RawSubject:   cert.RawSubject,
			IsCA:         cert.BasicConstraintsValid && cert.IsCA,
			KeyUsage:     cert.KeyUsage,
			rawTBS:       cert.RawTBSCertificate,
			sigAlg:       cert.SignatureAlgorithm,
			signature:    cert.Signature,
		}
		if len(cert.Subject.Country) > 0 {
			c.Country = cert.Subject.Country[0]
		}
		return c, nil
	}
	c, ok, ownErr := parseECCertificate(der)
	if !ok {
		return nil, fmt.Errorf("vdsnc: parsing CSCA: %w", err)
	}
	if ownErr != nil {
		return nil, fmt.Errorf("vdsnc: parsing CSCA: %w (crypto/x509: %v)", ownErr, err)
	}
	return c, nil
}

// ParseCSCAs parses every certificate in data: one DER certificate, or PEM
// text with one or more CERTIFICATE blocks.
func ParseCSCAs(data []byte) ([]*CSCA, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		c, err := ParseCSCA(data)
		if err != nil {
			return nil, err
		}
		return []*CSCA{c}, nil
	}
	var out []*CSCA
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := ParseCSCA(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("vdsnc: no CERTIFICATE block in PEM data")
	}
	return out, nil
}

// CheckSignatureFrom checks that parent's key signed c (c may be parent
// itself, for a self-signed CSCA). It refuses SHA-1 and MD5 signatures and
// RSA keys under MinRSABits; it does not look at validity or extensions.
func (c *CSCA) CheckSignatureFrom(parent *CSCA) error {
	return checkSignature(parent.PublicKey, c.sigAlg, c.rawTBS, c.signature)
}

// checkSignature verifies a certificate or CRL signature made with pub.
func checkSignature(pub crypto.PublicKey, alg x509.SignatureAlgorithm, signed, sig []byte) error {
	switch alg {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return x509.InsecureAlgorithmError(alg)
	case x509.UnknownSignatureAlgorithm:
		return x509.ErrUnsupportedAlgorithm
	}
	if k, ok := pub.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSABits {
		return fmt.Errorf("RSA key of %d bits is below the %d-bit minimum", k.N.BitLen(), MinRSABits)
	}
	return (&x509.Certificate{PublicKey: pub}).CheckSignature(alg, signed, sig)
}

// The ASN.1 shapes read by parseECCertificate (RFC 5280, RFC 3279).
type (
	certificateASN1 struct {
		TBS       asn1.RawValue
		SigAlg    pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}
	tbsASN1 struct {
		Raw        asn1.RawContent
		Version    int `asn1:"optional,explicit,default:0,tag:0"`
		Serial     *big.Int
		SigAlg     pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   struct{ NotBefore, NotAfter time.Time }
		Subject    asn1.RawValue
		SPKI       spkiASN1
		IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
		SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
	}
	spkiASN1 struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	ecParametersASN1 struct {
		Version int
		FieldID struct {
			FieldType asn1.ObjectIdentifier
			Prime     *big.Int
		}
		Curve struct {
			A, B []byte
			Seed asn1.BitString `asn1:"optional"`
		}
		Base     []byte
		Order    *big.Int
		Cofactor *big.Int `asn1:"optional"`
	}
	basicConstraintsASN1 struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}
)

var (
	oidECPublicKey         = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPrimeField          = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidCountry             = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// signatureAlgorithms maps the signature OIDs an EC CSCA's own signature
// may use to crypto/x509's constants.
var signatureAlgorithms = []struct {
	oid asn1.ObjectIdentifier
	alg x509.SignatureAlgorithm
}{
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, x509.ECDSAWithSHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, x509.ECDSAWithSHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, x509.ECDSAWithSHA512},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, x509.SHA256WithRSA},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, x509.SHA384WithRSA},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, x509.SHA512WithRSA},
}

// parseECCertificate reads a certificate with an EC key that crypto/x509
// refuses. ok is false when the certificate is not of that kind (so the
// crypto/x509 error stands).
func parseECCertificate(der []byte) (c *CSCA, ok bool, err error) {
	var cert certificateASN1
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) > 0 {
		return nil, false, nil
	}
	var tbs tbsASN1
	if rest, err := asn1.Unmarshal(cert.TBS.FullBytes, &tbs); err != nil || len(rest) > 0 {
		return nil, false, nil
	}
	if !tbs.SPKI.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return nil, false, nil
	}
	params := tbs.SPKI.Algorithm.Parameters
	var curve *knownCurve
	explicit := false
	switch {
	case params.Class == asn1.ClassUniversal && params.Tag == asn1.TagOID:
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(params.FullBytes, &oid); err != nil {
			return nil, true, fmt.Errorf("bad named curve: %w", err)
		}
		if curve = curveByOID(oid); curve == nil {
			return nil, true, fmt.Errorf("unsupported named curve %v", oid)
		}
		if _, generic := curve.curve.(*Weierstrass); !generic {
			// crypto/x509 reads named NIST curves, so it refused the
			// certificate for another reason.
			return nil, false, nil
		}
	case params.Class == asn1.ClassUniversal && params.Tag == asn1.TagSequence:
		explicit = true
		if curve, err = explicitCurve(params.FullBytes); err != nil {
			return nil, true, err
		}
	default:
		return nil, true, errors.New("EC key without curve parameters")
	}
	if tbs.SPKI.PublicKey.BitLength%8 != 0 {
		return nil, true, errors.New("EC public key is not a whole number of bytes")
	}
	pub, err := curve.parsePoint(tbs.SPKI.PublicKey.Bytes)
	if err != nil {
		return nil, true, err
	}
	c = &CSCA{
		Raw:           bytes.Clone(der),
		PublicKey:     pub,
		NotBefore:     tbs.Validity.NotBefore,
		NotAfter:      tbs.Validity.NotAfter,
		RawSubject:    bytes.Clone(tbs.Subject.FullBytes),
		ExplicitCurve: explicit,
		rawTBS:        bytes.Clone(cert.TBS.FullBytes),
		signature:     bytes.Clone(cert.Signature.RightAlign()),
	}
	for _, s := range signatureAlgorithms {
		if s.oid.Equal(cert.SigAlg.Algorithm) {
			c.sigAlg = s.alg
		}
	}
	var subject pkix.RDNSequence
	if rest, err := asn1.Unmarshal(tbs.Subject.FullBytes, &subject); err != nil || len(rest) > 0 {
		return nil, true, errors.New("bad subject name")
	}
	for _, rdn := range subject {
		for _, atv := range rdn {
			if s, ok := atv.Value.(string); ok && atv.Type.Equal(oidCountry) && c.Country == "" {
				c.Country = s
			}
		}
	}
	for _, ext := range tbs.Extensions {
		switch {
		case ext.Id.Equal(oidExtSubjectKeyID):
			var ski []byte
			if rest, err := asn1.Unmarshal(ext.Value, &ski); err != nil || len(rest) > 0 {
				return nil, true, errors.New("bad subject key identifier")
			}
			c.SubjectKeyID = ski
		case ext.Id.Equal(oidExtBasicConstraints):
			var bc basicConstraintsASN1
			if rest, err := asn1.Unmarshal(ext.Value, &bc); err != nil || len(rest) > 0 {
				return nil, true, errors.New("bad basic constraints")
			}
			c.IsCA = bc.IsCA
		case ext.Id.Equal(oidExtKeyUsage):
			var bits asn1.BitString
			if rest, err := asn1.Unmarshal(ext.Value, &bits); err != nil || len(rest) > 0 {
				return nil, true, errors.New("bad key usage")
			}
			for i := 0; i < 9; i++ {
				if bits.At(i) != 0 {
					c.KeyUsage |= 1 << uint(i)
				}
			}
		}
	}
	return c, true, nil
}

// explicitCurve recognises explicit EC domain parameters as one of the
// known curves; any other parameters are refused.
func explicitCurve(der []byte) (*knownCurve, error) {
	var p ecParametersASN1
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) > 0 {
		return nil, errors.New("bad explicit EC parameters")
	}
	if !p.FieldID.FieldType.Equal(oidPrimeField) || p.FieldID.Prime == nil || p.Order == nil {
		return nil, errors.New("explicit EC parameters are not over a prime field")
	}
	if p.Cofactor != nil && p.Cofactor.Cmp(big.NewInt(1)) != 0 {
		return nil, errors.New("explicit EC parameters with a cofactor other than 1")
	}
	a, b := new(big.Int).SetBytes(p.Curve.A), new(big.Int).SetBytes(p.Curve.B)
	for _, kc := range knownCurves {
		cp := kc.curve.Params()
		if cp.P.Cmp(p.FieldID.Prime) != 0 || kc.a.Cmp(a) != 0 || cp.B.Cmp(b) != 0 || cp.N.Cmp(p.Order) != 0 {
			continue
		}
		g, err := kc.parsePoint(p.Base)
		if err != nil || g.X.Cmp(cp.Gx) != 0 || g.Y.Cmp(cp.Gy) != 0 {
			return nil, fmt.Errorf("explicit EC parameters of %s with another base point", cp.Name)
		}
		return kc, nil
	}
	return nil, errors.New("explicit EC parameters of an unknown curve")
}
