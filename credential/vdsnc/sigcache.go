package vdsnc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"math/big"
	"sync"
)

// A SignatureCache remembers the CSCA signatures on BSCs and CRLs that
// verified, so that a verifier reading many seals made under the same few
// BSCs checks each BSC's and each CRL's signature once instead of once per
// seal: these are the CSCA's public-key operations, often RSA 3072 or 4096,
// and without the cache they cost several times the seal's own signature
// (BenchmarkVerifyVDSNC/full against /cached).
//
// An entry is the SHA-256 of everything the verdict depends on: the CSCA's
// public key (its values), the signature algorithm, the signed bytes and
// the signature. A hit is therefore the same check, which has the same
// result; the time-dependent checks (validity, CRL freshness, revocation)
// are made on every seal. Only signatures that verified are remembered.
// A SignatureCache is safe for concurrent use. When it holds its maximum
// number of entries it is emptied and starts again.
type SignatureCache struct {
	mu  sync.Mutex
	max int
	ok  map[[sha256.Size]byte]struct{}
}

// NewSignatureCache returns a cache of at most max entries (1024 when
// max ≤ 0). An entry takes about 100 bytes.
func NewSignatureCache(max int) *SignatureCache {
	if max <= 0 {
		max = 1024
	}
	return &SignatureCache{max: max, ok: make(map[[sha256.Size]byte]struct{})}
}

// Len returns the number of signatures remembered.
func (c *SignatureCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ok)
}

// check is checkSignature with csca's key, consulting the cache first.
func (c *SignatureCache) check(csca *CSCA, alg x509.SignatureAlgorithm, signed, sig []byte) error {
	var pub []byte
	if c != nil {
		pub = keyBytes(csca.PublicKey)
	}
	if pub == nil {
		return checkSignature(csca.PublicKey, alg, signed, sig)
	}
	key := signatureKey(pub, alg, signed, sig)
	c.mu.Lock()
	_, hit := c.ok[key]
	c.mu.Unlock()
	if hit {
		return nil
	}
	if err := checkSignature(csca.PublicKey, alg, signed, sig); err != nil {
		return err
	}
	c.mu.Lock()
	if len(c.ok) >= c.max {
		clear(c.ok)
	}
	c.ok[key] = struct{}{}
	c.mu.Unlock()
	return nil
}

// keyBytes identifies a public key by its values (not by the certificate
// it came in, whose fields a caller could set apart): RSA modulus and
// exponent, or the curve's parameters and the point. nil for any other
// kind of key, which is then checked without the cache.
func keyBytes(pub crypto.PublicKey) []byte {
	var b []byte
	put := func(parts ...*big.Int) {
		for _, x := range parts {
			if x == nil {
				x = new(big.Int)
			}
			v := x.Bytes()
			b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil {
			return nil
		}
		b = append(b, "rsa"...)
		put(k.N, big.NewInt(int64(k.E)))
	case *ecdsa.PublicKey:
		if k.Curve == nil || k.X == nil || k.Y == nil {
			return nil
		}
		p := k.Curve.Params()
		b = append(b, "ec"...)
		put(p.P, p.N, p.B, p.Gx, p.Gy, big.NewInt(int64(p.BitSize)))
		if w, ok := k.Curve.(interface{ A() *big.Int }); ok { // not a = -3
			put(w.A())
		}
		put(k.X, k.Y)
	default:
		return nil
	}
	return b
}

// signatureKey hashes the parts of a signature check, each with its length
// so that no two different checks give the same input.
func signatureKey(pub []byte, alg x509.SignatureAlgorithm, signed, sig []byte) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, part := range [][]byte{pub, signed, sig} {
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(part))))
		h.Write(part)
	}
	h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(alg)))
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}
