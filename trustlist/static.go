package trustlist

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
)

// Static is an immutable trust source built from signer certificates. It
// has no issue date and reports FreshnessStatic. It is safe for concurrent
// use.
type Static struct {
	keys  map[lookupKey][]*Key
	count int
}

type lookupKey struct {
	format credential.Format
	ref    string
}

// NewStatic builds a source from keys.
func NewStatic(keys ...*Key) *Static {
	s := &Static{keys: make(map[lookupKey][]*Key, len(keys))}
	for _, k := range keys {
		lk := lookupKey{k.Format, lookupRef(k)}
		s.keys[lk] = append(s.keys[lk], k)
		s.count++
	}
	return s
}

// KeyFromCertificate makes an HCERT key from a DSC: the kid is the first 8
// bytes of SHA-256 over the DER, the country comes from the subject, the
// usage from the extended key usage OIDs and the validity from the
// certificate.
//
// Basic constraints are not checked: some countries' signers are marked as
// CAs (the ES and LV dgc-testdata signers are), and EU verifiers accept
// them. The trust list, not the certificate, says what signs credentials.
func KeyFromCertificate(cert *x509.Certificate) (*Key, error) {
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return nil, fmt.Errorf("trustlist: certificate %q has a %d-bit RSA key, below 2048", cert.Subject, pub.N.BitLen())
		}
	default:
		return nil, fmt.Errorf("trustlist: certificate %q has an unsupported key type %T", cert.Subject, cert.PublicKey)
	}
	k := &Key{
		KID:         HCERTKeyID(cert.Raw),
		Format:      credential.FormatHCERT,
		PublicKey:   cert.PublicKey,
		Certificate: cert,
		Usage:       CertificateUsage(cert),
		NotBefore:   cert.NotBefore,
		NotAfter:    cert.NotAfter,
	}
	if len(cert.Subject.Country) > 0 {
		k.Country = cert.Subject.Country[0]
	}
	return k, nil
}

// FromCertificates builds a source from DSCs.
func FromCertificates(certs ...*x509.Certificate) (*Static, error) {
	keys := make([]*Key, 0, len(certs))
	for _, c := range certs {
		k, err := KeyFromCertificate(c)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return NewStatic(keys...), nil
}

// ParsePEM returns every CERTIFICATE block in data. Other block types are
// an error, so a private key passed by mistake is not silently ignored.
func ParsePEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("trustlist: PEM block %q is not a CERTIFICATE", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("trustlist: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("trustlist: no PEM certificate found")
	}
	return certs, nil
}

// LoadPEM builds a source from PEM files, or from every *.pem and *.crt
// file of the directories among paths. A folder often holds a CSCA beside
// the DSCs it issued: a certificate from a folder that signed another
// certificate of the set is taken as that CA and not trusted to sign
// credentials itself. Files named directly are always loaded.
func LoadPEM(paths ...string) (*Static, error) {
	var certs, fromDirs []*x509.Certificate
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("trustlist: %w", err)
		} else if st.IsDir() {
			files = files[:0]
			err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				ext := strings.ToLower(filepath.Ext(path))
				if !d.IsDir() && (ext == ".pem" || ext == ".crt") {
					files = append(files, path)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("trustlist: %w", err)
			}
			sort.Strings(files)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("trustlist: %w", err)
			}
			cs, err := ParsePEM(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for _, c := range cs {
				if f != p {
					fromDirs = append(fromDirs, c)
					continue
				}
				certs = append(certs, c)
			}
		}
	}
	for _, c := range fromDirs {
		if !issuedAnother(c, fromDirs) {
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("trustlist: no certificates found")
	}
	return FromCertificates(certs...)
}

// issuedAnother reports whether ca signed one of the other certificates.
func issuedAnother(ca *x509.Certificate, certs []*x509.Certificate) bool {
	if !ca.IsCA {
		return false
	}
	for _, c := range certs {
		if c != ca && c.CheckSignatureFrom(ca) == nil {
			return true
		}
	}
	return false
}

// Lookup implements Source.
func (s *Static) Lookup(format credential.Format, kid []byte) []*Key {
	return s.keys[lookupKey{format, string(kid)}]
}

// Status implements Source: a static source is always FreshnessStatic.
func (s *Static) Status(time.Time) Status { return Status{Freshness: FreshnessStatic} }

// Len returns the number of keys.
func (s *Static) Len() int { return s.count }

// Keys returns every key, in no particular order.
func (s *Static) Keys() []*Key {
	out := make([]*Key, 0, s.count)
	for _, ks := range s.keys {
		out = append(out, ks...)
	}
	return out
}
