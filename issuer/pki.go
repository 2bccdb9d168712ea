package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

// GenerateKey makes a new signing key for alg: "ES256" (ECDSA P-256) or
// "PS256" (RSA 3072).
func GenerateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256", "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "PS256":
		return rsa.GenerateKey(rand.Reader, 3072)
	}
	return nil, fmt.Errorf("issuer: unknown algorithm %q (ES256 or PS256)", alg)
}

// CertOptions describes a certificate to create.
type CertOptions struct {
	// Country is the ISO 3166-1 alpha-2 code put in the subject's C.
	Country string
	// CommonName is the subject's CN; a default is derived from the
	// country and role when empty.
	CommonName string
	// NotBefore and NotAfter bound the validity.
	NotBefore, NotAfter time.Time
	// Usage limits the credential types a DSC may sign (ignored for a
	// CSCA). The matching HCERT extended key usage OIDs are written.
	Usage trustlist.Usage
}

func (o *CertOptions) check(role string) error {
	if len(o.Country) != 2 || o.Country[0] < 'A' || o.Country[0] > 'Z' || o.Country[1] < 'A' || o.Country[1] > 'Z' {
		return fmt.Errorf("issuer: country %q is not an ISO 3166-1 alpha-2 code", o.Country)
	}
	if !o.NotAfter.After(o.NotBefore) {
		return fmt.Errorf("issuer: %s notAfter %v is not after notBefore %v", role, o.NotAfter, o.NotBefore)
	}
	if o.CommonName == "" {
		o.CommonName = o.Country + " " + role
	}
	return nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Alg asn1.RawValue
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha1.Sum(spki.Key.Bytes) // RFC 5280 §4.2.1.2 method 1
	return sum[:], nil
}

// CreateCSCA makes a self-signed Country Signing CA certificate for key.
func CreateCSCA(key crypto.Signer, o CertOptions) (*x509.Certificate, error) {
	if err := o.check("CSCA"); err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{Country: []string{o.Country}, CommonName: o.CommonName},
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("issuer: creating CSCA: %w", err)
	}
	return x509.ParseCertificate(der)
}

// CreateDSC makes a Document Signer Certificate for pub, signed by the CSCA.
// Its validity must lie within the CSCA's, and its country must be the
// CSCA's.
func CreateDSC(pub crypto.PublicKey, csca *x509.Certificate, cscaKey crypto.Signer, o CertOptions) (*x509.Certificate, error) {
	if err := o.check("DSC"); err != nil {
		return nil, err
	}
	if len(csca.Subject.Country) == 0 || csca.Subject.Country[0] != o.Country {
		return nil, fmt.Errorf("issuer: DSC country %s differs from the CSCA's %v", o.Country, csca.Subject.Country)
	}
	if o.NotBefore.Before(csca.NotBefore) || o.NotAfter.After(csca.NotAfter) {
		return nil, errors.New("issuer: the DSC's validity must lie within the CSCA's")
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:   sn,
		Subject:        pkix.Name{Country: []string{o.Country}, CommonName: o.CommonName},
		NotBefore:      o.NotBefore,
		NotAfter:       o.NotAfter,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		SubjectKeyId:   ski,
		AuthorityKeyId: csca.SubjectKeyId,
	}
	u := o.Usage
	if u == 0 {
		u = trustlist.UsageAll
	}
	if u&trustlist.UsageTest != 0 {
		tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, trustlist.OIDTest)
	}
	if u&trustlist.UsageVaccination != 0 {
		tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, trustlist.OIDVaccination)
	}
	if u&trustlist.UsageRecovery != 0 {
		tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, trustlist.OIDRecovery)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, csca, pub, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("issuer: creating DSC: %w", err)
	}
	return x509.ParseCertificate(der)
}

// MarshalKeyPEM encodes a private key as a PKCS #8 "PRIVATE KEY" PEM block.
func MarshalKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalCertificatePEM encodes a certificate as a PEM block.
func MarshalCertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// WriteKeyFile writes key to path as PKCS #8 PEM with mode 0600. It
// writes a temporary file in the same folder and links it into place, so
// no reader ever sees a partial key and an existing file is never
// overwritten (use ReplaceKeyFile for that).
func WriteKeyFile(path string, key crypto.Signer) error {
	return writeKeyFile(path, key, false)
}

// ReplaceKeyFile is WriteKeyFile that atomically replaces an existing file.
func ReplaceKeyFile(path string, key crypto.Signer) error {
	return writeKeyFile(path, key, true)
}

func writeKeyFile(path string, key crypto.Signer, replace bool) error {
	data, err := MarshalKeyPEM(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	// CreateTemp makes the file 0600; say so explicitly for clarity.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("issuer: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("issuer: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("issuer: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("issuer: %w", err)
		}
		return nil
	}
	// A hard link fails if path exists: no check-then-write race.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("issuer: %s exists; refusing to overwrite a key", path)
		}
		return fmt.Errorf("issuer: %w", err)
	}
	return nil
}

// ErrKeyFilePermissions is returned by LoadKeyFile for a private key file
// that users other than its owner can read or write.
var ErrKeyFilePermissions = errors.New("issuer: private key file is accessible to group or others")

// LoadKeyFile reads a PKCS #8 (or SEC 1 / PKCS #1) PEM private key. A file
// whose mode grants any access to group or others is refused: run
// `chmod 600` on it.
func LoadKeyFile(path string) (crypto.Signer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrKeyFilePermissions, path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	return ParseKeyPEM(data)
}

// ParseKeyPEM parses the first private key PEM block in data.
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("issuer: no PEM block found")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("issuer: PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("issuer: key type %T cannot sign", key)
	}
	return s, nil
}

// LoadCertificateFile reads the first certificate of a PEM file.
func LoadCertificateFile(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	certs, err := trustlist.ParsePEM(data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}
