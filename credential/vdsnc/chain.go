package vdsnc

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// VerifyChain checks the seal's BSC against trusted CSCAs and their CRLs at
// time at, and returns the CSCA that issued it. It does not check the
// seal's signature: VerifySignature does.
//
// In order, failing with the reason in brackets:
//   - a CSCA's subject key identifier equals the BSC's authority key
//     identifier [unknown_key], and that CSCA's key verifies the BSC's
//     signature [bad_signature]; when several do (a CSCA re-issued with
//     the same key), one that is a CA valid at at is preferred;
//   - the CSCA is a CA allowed to sign certificates [key_usage] and is
//     valid at at [key_not_valid];
//   - the CSCA's country (C) is the BSC's issuer and subject country and the
//     seal's issuing state data.hdr.is mapped by Alpha2 [key_usage];
//   - the BSC has the VDS-NC extended key usage 2.23.136.1.1.14.2, a
//     document type list 2.23.136.1.1.6.2 naming NV, digitalSignature if
//     it has a key usage, no critical extension this package does not
//     handle, and is not a CA [key_usage];
//   - crls (each DER or PEM, possibly for other CSCAs, which are ignored)
//     hold at least one CRL of the CSCA (authority key identifier, else
//     issuer name) signed by it, else [key_not_valid]: a missing,
//     unreadable or unauthentic CRL is a failure, not a warning;
//   - no such CRL lists the BSC's serial number [key_revoked], whatever its
//     age;
//   - at least one such CRL is current: at is not after its nextUpdate
//     [key_not_valid]. A stale CRL is refused, as the DFAT reader
//     libraries do, so old samples need a pinned clock;
//   - the BSC is valid at at: [not_yet_valid] before its notBefore,
//     [expired] after its notAfter. A seal has no validity of its own.
//
// at is the verification time, normally the verifier's clock; the zero
// time is before every certificate. The returned CSCA is one of cscas.
func (s *Seal) VerifyChain(cscas []*CSCA, crls [][]byte, at time.Time) (*CSCA, error) {
	var none *SignatureCache
	return none.VerifyChain(s, cscas, crls, at)
}

// VerifyChain is Seal.VerifyChain with the CSCA's signatures on the BSC and
// on the CRLs looked up in c first and remembered there when they verify.
// Every other check is made as without a cache. A nil *SignatureCache
// remembers nothing.
func (c *SignatureCache) VerifyChain(s *Seal, cscas []*CSCA, crls [][]byte, at time.Time) (*CSCA, error) {
	bsc := s.BSC
	if bsc == nil {
		return nil, newErr(credential.ReasonUnknownKey, "the seal has no BSC", nil)
	}
	aki := bsc.AuthorityKeyId
	if len(aki) == 0 {
		return nil, newErr(credential.ReasonUnknownKey, "the BSC has no authority key identifier", nil)
	}
	// Several CSCAs may share the key and so the SKI (a CSCA re-issued
	// with a new validity): among those whose key verifies the BSC, prefer
	// one that is a CA valid at at.
	var verified []*CSCA
	var sigErr error
	found := false
	for _, cs := range cscas {
		if cs == nil || len(cs.SubjectKeyID) == 0 || !bytes.Equal(cs.SubjectKeyID, aki) {
			continue
		}
		found = true
		if err := c.check(cs, bsc.SignatureAlgorithm, bsc.RawTBSCertificate, bsc.Signature); err != nil {
			sigErr = err
			continue
		}
		verified = append(verified, cs)
	}
	if !found {
		return nil, newErr(credential.ReasonUnknownKey, fmt.Sprintf("no trusted CSCA has subject key id %s (the BSC's authority key id)", hex.EncodeToString(aki)), nil)
	}
	if len(verified) == 0 {
		return nil, newErr(credential.ReasonBadSignature, fmt.Sprintf("the BSC's signature does not verify with the CSCA %s", hex.EncodeToString(aki)), sigErr)
	}
	csca := verified[0]
	for _, cs := range verified {
		if cs.IsCA && !at.Before(cs.NotBefore) && !at.After(cs.NotAfter) {
			csca = cs
			break
		}
	}
	if !csca.IsCA || csca.KeyUsage != 0 && csca.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, newErr(credential.ReasonKeyUsage, "the CSCA is not a CA that may sign certificates", nil)
	}
	if at.Before(csca.NotBefore) || at.After(csca.NotAfter) {
		return nil, newErr(credential.ReasonKeyNotValid, fmt.Sprintf("the CSCA is valid from %s to %s, not at %s", stamp(csca.NotBefore), stamp(csca.NotAfter), stamp(at)), nil)
	}
	if err := s.checkCountry(csca); err != nil {
		return nil, err
	}
	if err := checkBSCUsage(bsc); err != nil {
		return nil, err
	}
	if err := c.checkRevocation(bsc, csca, crls, at); err != nil {
		return nil, err
	}
	if at.Before(bsc.NotBefore) {
		return nil, newErr(credential.ReasonNotYetValid, fmt.Sprintf("the BSC is valid from %s (now %s)", stamp(bsc.NotBefore), stamp(at)), nil)
	}
	if at.After(bsc.NotAfter) {
		return nil, newErr(credential.ReasonExpired, fmt.Sprintf("the BSC expired at %s (now %s)", stamp(bsc.NotAfter), stamp(at)), nil)
	}
	return csca, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkCountry requires the CSCA's country to be the BSC's and the seal's.
func (s *Seal) checkCountry(csca *CSCA) error {
	c := csca.Country
	if c == "" {
		return newErr(credential.ReasonKeyUsage, "the CSCA names no country", nil)
	}
	for _, n := range []struct {
		what    string
		country []string
	}{{"issuer", s.BSC.Issuer.Country}, {"subject", s.BSC.Subject.Country}} {
		for _, bc := range n.country {
			if !strings.EqualFold(bc, c) {
				return newErr(credential.ReasonKeyUsage, fmt.Sprintf("the BSC's %s country %q is not the CSCA's %q", n.what, bc, c), nil)
			}
		}
	}
	if is := Alpha2(s.Header.Country); !strings.EqualFold(is, c) {
		return newErr(credential.ReasonKeyUsage, fmt.Sprintf("the seal's issuing state %q (%s) is not the CSCA's country %q", s.Header.Country, is, c), nil)
	}
	return nil
}

// checkBSCUsage checks what a BSC must carry to sign VDS-NC seals.
func checkBSCUsage(bsc *x509.Certificate) error {
	hasEKU := false
	for _, oid := range bsc.UnknownExtKeyUsage {
		hasEKU = hasEKU || oid.Equal(OIDExtKeyUsageBSC)
	}
	if !hasEKU {
		return newErr(credential.ReasonKeyUsage, "the BSC lacks the VDS-NC extended key usage "+OIDExtKeyUsageBSC.String(), nil)
	}
	if bsc.KeyUsage != 0 && bsc.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return newErr(credential.ReasonKeyUsage, "the BSC's key usage lacks digitalSignature", nil)
	}
	if bsc.BasicConstraintsValid && bsc.IsCA {
		return newErr(credential.ReasonKeyUsage, "the BSC is a CA certificate", nil)
	}
	types, err := DocumentTypes(bsc)
	if err != nil {
		return newErr(credential.ReasonKeyUsage, "", err)
	}
	ok := false
	for _, t := range types {
		ok = ok || t == DocumentTypeVDSNC
	}
	if !ok {
		return newErr(credential.ReasonKeyUsage, fmt.Sprintf("the BSC's document types %q do not include %q", types, DocumentTypeVDSNC), nil)
	}
	for _, oid := range bsc.UnhandledCriticalExtensions {
		if !oid.Equal(OIDDocumentTypeList) {
			return newErr(credential.ReasonKeyUsage, "the BSC has an unhandled critical extension "+oid.String(), nil)
		}
	}
	return nil
}

// ErrNoDocumentTypeList is returned by DocumentTypes for a certificate
// without the extension.
var ErrNoDocumentTypeList = errors.New("no ICAO document type list extension (" + OIDDocumentTypeList.String() + ")")

// documentTypeList is DocumentTypeListSyntax of ICAO 9303 Part 12:
// SEQUENCE { version INTEGER (v0), docTypeList SET OF PrintableString }.
type documentTypeList struct {
	Version  int
	DocTypes []string `asn1:"set"`
}

// DocumentTypes returns the document types (such as "NV") listed in a
// certificate's ICAO document type list extension 2.23.136.1.1.6.2.
func DocumentTypes(cert *x509.Certificate) ([]string, error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(OIDDocumentTypeList) {
			continue
		}
		var l documentTypeList
		if rest, err := asn1.Unmarshal(ext.Value, &l); err != nil || len(rest) > 0 {
			return nil, errors.New("malformed ICAO document type list")
		}
		if l.Version != 0 {
			return nil, fmt.Errorf("ICAO document type list version %d, want 0", l.Version)
		}
		return l.DocTypes, nil
	}
	return nil, ErrNoDocumentTypeList
}

// checkRevocation applies the CSCA's CRLs to the BSC.
func (c *SignatureCache) checkRevocation(bsc *x509.Certificate, csca *CSCA, crls [][]byte, at time.Time) error {
	var authentic []*x509.RevocationList
	var problems []string
	for i, data := range crls {
		lists, err := parseCRLs(data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("CRL %d: %v", i+1, err))
			continue
		}
		for _, rl := range lists {
			if len(rl.AuthorityKeyId) > 0 && !bytes.Equal(rl.AuthorityKeyId, csca.SubjectKeyID) ||
				len(rl.AuthorityKeyId) == 0 && !bytes.Equal(rl.RawIssuer, csca.RawSubject) {
				continue
			}
			if csca.KeyUsage != 0 && csca.KeyUsage&x509.KeyUsageCRLSign == 0 {
				problems = append(problems, fmt.Sprintf("CRL %d: the CSCA may not sign CRLs", i+1))
				continue
			}
			if err := c.check(csca, rl.SignatureAlgorithm, rl.RawTBSRevocationList, rl.Signature); err != nil {
				problems = append(problems, fmt.Sprintf("CRL %d: signature does not verify with the CSCA: %v", i+1, err))
				continue
			}
			authentic = append(authentic, rl)
		}
	}
	if len(authentic) == 0 {
		detail := "no CRL of the CSCA " + hex.EncodeToString(csca.SubjectKeyID) + " could be used"
		if len(problems) > 0 {
			detail += " (" + strings.Join(problems, "; ") + ")"
		}
		return newErr(credential.ReasonKeyNotValid, detail, nil)
	}
	for _, rl := range authentic {
		for _, e := range rl.RevokedCertificateEntries {
			if e.SerialNumber != nil && e.SerialNumber.Cmp(bsc.SerialNumber) == 0 {
				return newErr(credential.ReasonKeyRevoked, fmt.Sprintf("the BSC (serial %x) was revoked at %s", bsc.SerialNumber, stamp(e.RevocationTime)), nil)
			}
		}
	}
	var latest time.Time
	for _, rl := range authentic {
		if !rl.NextUpdate.IsZero() && !at.After(rl.NextUpdate) {
			return nil
		}
		if rl.NextUpdate.After(latest) {
			latest = rl.NextUpdate
		}
	}
	if latest.IsZero() {
		return newErr(credential.ReasonKeyNotValid, "the CSCA's CRL has no nextUpdate", nil)
	}
	return newErr(credential.ReasonKeyNotValid, fmt.Sprintf("the CSCA's CRL is stale: nextUpdate %s is before %s", stamp(latest), stamp(at)), nil)
}

// parseCRLs reads one DER CRL or PEM text with X509 CRL blocks.
func parseCRLs(data []byte) ([]*x509.RevocationList, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty")
	}
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		rl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, err
		}
		return []*x509.RevocationList{rl}, nil
	}
	var out []*x509.RevocationList
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "X509 CRL" {
			continue
		}
		rl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, rl)
	}
	if len(out) == 0 {
		return nil, errors.New("no X509 CRL block in PEM data")
	}
	return out, nil
}

// BSCTemplate returns a template for x509.CreateCertificate of a barcode
// signer certificate that VerifyChain accepts once a CSCA of the same
// country signs it: subject C=country, CN=commonName, key usage
// digitalSignature, the VDS-NC extended key usage (critical, as in the
// Australian BSC) and a document type list naming NV. The serial number is
// left nil, so x509.CreateCertificate picks a random one, and the
// authority key identifier comes from the parent's subject key id.
func BSCTemplate(country, commonName string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{OIDExtKeyUsageBSC})
	if err != nil {
		return nil, err
	}
	docTypes, err := asn1.Marshal(documentTypeList{DocTypes: []string{DocumentTypeVDSNC}})
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		Subject:   pkix.Name{Country: []string{country}, CommonName: commonName},
		NotBefore: notBefore,
		NotAfter:  notAfter,
		KeyUsage:  x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku},
			{Id: OIDDocumentTypeList, Value: docTypes},
		},
	}, nil
}
