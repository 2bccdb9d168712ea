// Command gendemo writes the embedded demo federation of package
// testvectors: for each member country a CSCA, a DSC, a root key and a
// publisher key; an aggregator key; the anchor signed by three members;
// each country's signed list; and the federated list. Every key is derived
// from a fixed seed and every signature is deterministic, so running it
// again writes the same bytes. The private keys are public by design: the
// demo federation exists for demos and tests only.
//
// Run from the module root: go run ./testvectors/internal/gendemo testvectors/demo
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

// Validity of the demo material: long, since the demo must keep working.
var (
	start      = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	listIssued = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	listExpiry = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
)

// stream is a deterministic byte stream: SHA-256 in counter mode over a
// label. Used only to derive the public demo keys.
type stream struct {
	label string
	n     uint64
	buf   []byte
}

func (s *stream) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.n)
		s.n++
		h := sha256.Sum256(append([]byte("travelcred demo "+s.label), c[:]...))
		s.buf = append(s.buf, h[:]...)
	}
	copy(p, s.buf)
	s.buf = s.buf[len(p):]
	return len(p), nil
}

func ecKey(label string) crypto.Signer {
	for i := 0; ; i++ {
		d := make([]byte, 32)
		(&stream{label: fmt.Sprintf("%s/%d", label, i)}).Read(d)
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err == nil {
			return k
		}
	}
}

// rsaKey derives a 2048-bit RSA key from the label.
func rsaKey(label string) crypto.Signer {
	r := &stream{label: label}
	prime := func() *big.Int {
		for {
			b := make([]byte, 128)
			r.Read(b)
			b[0] |= 0xc0
			b[127] |= 1
			p := new(big.Int).SetBytes(b)
			if p.ProbablyPrime(32) {
				return p
			}
		}
	}
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for {
		p, q := prime(), prime()
		if p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		if err := k.Validate(); err != nil {
			continue
		}
		return k
	}
}

// detSigner makes ECDSA signatures deterministic (RFC 6979) by passing a
// nil random source.
type detSigner struct{ crypto.Signer }

func (d detSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.Signer.Sign(nil, digest, opts)
}

func cert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(nil, tmpl, parent, pub, detSigner{signer})
	check(err)
	c, err := x509.ParseCertificate(der)
	check(err)
	return c
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendemo DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	check(os.MkdirAll(dir, 0o755))
	rsaMembers := map[string]bool{"GB": true, "CA": true}
	aggKey := ecKey("aggregator")
	aggJWK, err := trustlist.MarshalPublicJWK(aggKey.Public())
	check(err)
	writeKey(filepath.Join(dir, "aggregator.key"), aggKey)
	anchor := &trustlist.Anchor{Sequence: 1, IssuedAt: listIssued, Threshold: 3, Aggregator: []json.RawMessage{aggJWK}}
	roots := map[string]crypto.Signer{}
	var members [][]byte
	for i, cc := range testvectors.Countries {
		cscaKey := ecKey(cc + "/csca")
		cscaTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(1000 + i)), Subject: pkix.Name{Country: []string{cc}, CommonName: cc + " DEMO Health CSCA (PUBLIC TEST KEY)"},
			NotBefore: start, NotAfter: start.AddDate(20, 0, 0), KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true, SubjectKeyId: ski(cc + "/csca"),
		}
		csca := cert(cscaTmpl, cscaTmpl, cscaKey.Public(), cscaKey)
		var dscKey crypto.Signer
		if rsaMembers[cc] {
			dscKey = rsaKey(cc + "/dsc")
		} else {
			dscKey = ecKey(cc + "/dsc")
		}
		dscTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(2000 + i)), Subject: pkix.Name{Country: []string{cc}, CommonName: cc + " DEMO Health DSC (PUBLIC TEST KEY)"},
			NotBefore: start, NotAfter: start.AddDate(15, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
			SubjectKeyId: ski(cc + "/dsc"), AuthorityKeyId: csca.SubjectKeyId,
			UnknownExtKeyUsage: nil,
		}
		dsc := cert(dscTmpl, csca, dscKey.Public(), cscaKey)
		write(filepath.Join(dir, cc+"-csca.crt"), issuer.MarshalCertificatePEM(csca))
		write(filepath.Join(dir, cc+"-dsc.crt"), issuer.MarshalCertificatePEM(dsc))
		writeKey(filepath.Join(dir, cc+"-dsc.key"), dscKey)

		roots[cc] = ecKey(cc + "/root")
		pubKey := ecKey(cc + "/publisher")
		writeKey(filepath.Join(dir, cc+"-root.key"), roots[cc])
		writeKey(filepath.Join(dir, cc+"-publisher.key"), pubKey)
		rootJWK, err := trustlist.MarshalPublicJWK(roots[cc].Public())
		check(err)
		pubJWK, err := trustlist.MarshalPublicJWK(pubKey.Public())
		check(err)
		anchor.Members = append(anchor.Members, trustlist.Member{Country: cc, Name: testvectors.CountryName(cc),
			RootKeys: []json.RawMessage{rootJWK}, PublisherKeys: []json.RawMessage{pubJWK}})

		entry, err := trustlist.EntryFromCertificate(dsc, 0)
		check(err)
		doc, err := trustlist.Encode(&trustlist.CountryList{Country: cc, Sequence: 1, IssuedAt: listIssued, ExpiresAt: listExpiry,
			Entries: []trustlist.Entry{entry}})
		check(err)
		check(doc.AddSignature(pubKey, cc))
		b, err := doc.Marshal()
		check(err)
		write(filepath.Join(dir, cc+".json"), b)
		members = append(members, b)
	}
	doc, err := trustlist.Encode(anchor)
	check(err)
	for _, cc := range testvectors.Countries[:3] {
		check(doc.AddSignature(roots[cc], cc))
	}
	b, err := doc.Marshal()
	check(err)
	write(filepath.Join(dir, "anchor.json"), b)
	fed, err := trustlist.Aggregate(members, 1, 1, listIssued, listExpiry, listExpiry)
	check(err)
	check(fed.AddSignature(aggKey, ""))
	b, err = fed.Marshal()
	check(err)
	write(filepath.Join(dir, "federated.json"), b)
}

func ski(label string) []byte {
	h := sha256.Sum256([]byte("travelcred demo ski " + label))
	return h[:20]
}

func writeKey(path string, k crypto.Signer) {
	b, err := issuer.MarshalKeyPEM(k)
	check(err)
	write(path, b)
}

func write(path string, data []byte) {
	check(os.WriteFile(path, data, 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
