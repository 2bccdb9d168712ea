package trustlist

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// ImportDID reads an NZCP issuer's DID document and returns its assertion
// keys as nzcp entries (kid = the fragment after '#', issuer = the DID).
// Resolving did:web happens here, offline, from the document given: a
// verifier never fetches it.
func ImportDID(data []byte) ([]Entry, error) {
	doc, err := nzcp.ParseDIDDocument(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	keys, err := doc.AssertionKeys()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	var out []Entry
	for _, k := range keys {
		_, kid, ok := strings.Cut(k.ID, "#")
		if !ok || !strings.HasPrefix(k.ID, doc.ID+"#") {
			continue
		}
		jwk, err := MarshalPublicJWK(k.PublicKey)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{KID: kid, Format: credential.FormatNZCP, Key: jwk, Status: StatusActive, Issuer: doc.ID})
	}
	return out, nil
}

// ImportJWKS reads an SHC issuer's .well-known/jwks.json and returns its
// keys as shc entries of issuer iss (kid = the RFC 7638 thumbprint).
func ImportJWKS(data []byte, iss string) ([]Entry, error) {
	if err := shc.CheckIssuer(iss); err != nil {
		return nil, fmt.Errorf("%w: issuer: %v", ErrMalformed, err)
	}
	keys, err := shc.ParseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJWK, err)
	}
	var out []Entry
	for _, k := range keys {
		jwk, err := MarshalPublicJWK(k.PublicKey, k.X5C...)
		if err != nil {
			return nil, err
		}
		// An x5c chain is an optional extra for SHC keys: its validity does
		// not bound the key (cards signed by it stay verifiable).
		e := Entry{KID: k.KID, Format: credential.FormatSHC, Key: jwk, Status: StatusActive, Issuer: iss, CRLVersion: k.CRLVersion}
		out = append(out, e)
	}
	return out, nil
}

// ImportVCISnapshot reads a VCI directory snapshot (logs/vci_snapshot.json:
// {"issuerInfo":[{"issuer":{"iss":…},"keys":[JWK…],"crls":[…]}]}) and
// returns the shc entries of every issuer. The snapshot's own signature is
// not checked here; import produces drafts for a publisher to review.
func ImportVCISnapshot(data []byte) ([]Entry, error) {
	var snap struct {
		IssuerInfo []struct {
			Issuer struct {
				Iss string `json:"iss"`
			} `json:"issuer"`
			Keys []json.RawMessage `json:"keys"`
			CRLs []json.RawMessage `json:"crls"`
		} `json:"issuerInfo"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("%w: VCI snapshot: %v", ErrMalformed, err)
	}
	var out []Entry
	for i, info := range snap.IssuerInfo {
		jwks, _ := json.Marshal(map[string]any{"keys": info.Keys})
		entries, err := ImportJWKS(jwks, info.Issuer.Iss)
		if err != nil {
			return nil, fmt.Errorf("issuer %d (%s): %w", i, info.Issuer.Iss, err)
		}
		for _, raw := range info.CRLs {
			if _, err := AttachCRL(entries, raw); err != nil {
				return nil, fmt.Errorf("issuer %d (%s): %w", i, info.Issuer.Iss, err)
			}
		}
		out = append(out, entries...)
	}
	return out, nil
}

// ImportICAOCSCA reads CSCA certificates (DER, or a PEM bundle) and returns
// vdsnc entries keyed by subject key id, with the country from the
// certificate. Certificates with explicit EC curve parameters, which
// crypto/x509 refuses, are carried as raw DER beside their JWK.
func ImportICAOCSCA(data []byte) (map[string][]Entry, error) {
	cscas, err := vdsnc.ParseCSCAs(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	out := map[string][]Entry{}
	for _, c := range cscas {
		if len(c.SubjectKeyID) == 0 {
			return nil, fmt.Errorf("%w: CSCA %q has no subject key id", ErrMalformed, c.Country)
		}
		var chain []*x509.Certificate
		if c.Cert != nil {
			chain = append(chain, c.Cert)
		}
		jwk, err := MarshalPublicJWK(c.PublicKey, chain...)
		e := Entry{KID: base64.StdEncoding.EncodeToString(c.SubjectKeyID), Format: credential.FormatVDSNC,
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Status: StatusActive}
		if err != nil || c.Cert == nil {
			// A Brainpool or explicit-parameter key: no JWK form here, so the
			// certificate itself is the key.
			e.Certificate = base64.StdEncoding.EncodeToString(c.Raw)
			jwk = nil
		}
		e.Key = jwk
		cc := vdsnc.Alpha2(c.Country)
		out[cc] = append(out[cc], e)
	}
	return out, nil
}

// AttachCRL adds a revocation list to the entries it belongs to: an X.509
// CRL (DER or PEM) to the VDS-NC CSCA entry whose subject key id is the
// CRL's authority key id, or an SHC rid list to the SHC entry of its kid.
// It returns how many entries it was attached to.
func AttachCRL(entries []Entry, data []byte) (int, error) {
	n := 0
	if rl, err := shc.ParseCRL(data); err == nil {
		for i := range entries {
			if entries[i].Format == credential.FormatSHC && entries[i].KID == rl.KID {
				entries[i].CRLs = append(entries[i].CRLs, base64.StdEncoding.EncodeToString(data))
				n++
			}
		}
		return n, nil
	}
	der := data
	if b := pemBlock(data, "X509 CRL"); b != nil {
		der = b
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return 0, fmt.Errorf("%w: neither an SHC rid list nor an X.509 CRL: %v", ErrMalformed, err)
	}
	aki := base64.StdEncoding.EncodeToString(crl.AuthorityKeyId)
	for i := range entries {
		if entries[i].Format == credential.FormatVDSNC && entries[i].KID == aki {
			entries[i].CRLs = append(entries[i].CRLs, base64.StdEncoding.EncodeToString(der))
			n++
		}
	}
	return n, nil
}
