package trustlist

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHashesOf(t *testing.T) {
	sig := bytes.Repeat([]byte{7}, 64)
	sig[40] = 9 // in the s half
	h := HashesOf("URN:UVCI:01:NZ:X", "NZ", sig, true)
	want := sha256.Sum256(sig[:32])
	if !bytes.Equal(h.Signature[:], want[:16]) {
		t.Error("ECDSA signature hash is not over r alone")
	}
	// A malleated s (same r) gives the same signature hash.
	sig2 := slices.Clone(sig)
	sig2[50] ^= 0xff
	if HashesOf("URN:UVCI:01:NZ:X", "NZ", sig2, true).Signature != h.Signature {
		t.Error("changing s changed the ECDSA signature hash")
	}
	rsa := HashesOf("", "NZ", sig, false)
	whole := sha256.Sum256(sig)
	if !bytes.Equal(rsa.Signature[:], whole[:16]) || rsa.HasUCI {
		t.Error("RSA signature hash is not over the whole signature")
	}
	uci := sha256.Sum256([]byte("URN:UVCI:01:NZ:X"))
	cuci := sha256.Sum256([]byte("NZURN:UVCI:01:NZ:X"))
	if !h.HasUCI || !bytes.Equal(h.UCI[:], uci[:16]) || !bytes.Equal(h.CountryUCI[:], cuci[:16]) {
		t.Error("UCI hashes")
	}
	// A UCI longer than the stack buffer.
	long := strings.Repeat("U", 300)
	lh := HashesOf(long, "NZ", sig, true)
	luci, lcuci := sha256.Sum256([]byte(long)), sha256.Sum256([]byte("NZ"+long))
	if !bytes.Equal(lh.UCI[:], luci[:16]) || !bytes.Equal(lh.CountryUCI[:], lcuci[:16]) {
		t.Error("hashes of a long UCI")
	}
	if n := testing.AllocsPerRun(100, func() { HashesOf("URN:UVCI:01:NZ:X", "NZ", sig, true) }); n != 0 {
		t.Errorf("HashesOf: %v allocations, want 0", n)
	}
}

func TestRevocationNormalize(t *testing.T) {
	rl := &RevocationList{}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, b := range []byte{3, 1, 2, 1} {
		rl.Add("hcert", "AAAAAAAAAAA=", HashUCI, [16]byte{b}, exp)
	}
	rl.Add("hcert", "AAAAAAAAAAA=", HashSignature, [16]byte{5}, exp)
	if len(rl.Buckets) != 2 || len(rl.Buckets[1].Hashes) != 3 {
		t.Fatalf("buckets %+v", rl.Buckets)
	}
	if !slices.IsSorted(rl.Buckets[1].Hashes) {
		t.Error("hashes not sorted")
	}
}

func randomIndex(n int) (*revIndex, [][HashSize]byte) {
	hs := make([][HashSize]byte, n)
	for i := range hs {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], uint64(i))
		s := sha256.Sum256(c[:])
		copy(hs[i][:], s[:16])
	}
	sorted := slices.Clone(hs)
	slices.SortFunc(sorted, func(a, b [HashSize]byte) int { return bytes.Compare(a[:], b[:]) })
	return &revIndex{byType: map[string][][HashSize]byte{HashUCI: sorted}}, hs
}

func TestRevIndexFind(t *testing.T) {
	idx, hs := randomIndex(10_000)
	for _, h := range hs[:100] {
		if !idx.find(HashUCI, h) {
			t.Fatal("listed hash not found")
		}
	}
	if idx.find(HashUCI, [HashSize]byte{0xff, 0xfe}) || idx.find(HashSignature, hs[0]) {
		t.Error("found a hash that is not listed")
	}
}

// BenchmarkRevokedLookup1M looks a credential up in a revocation list of
// 1,000,000 hashes (binary search over sorted 16-byte entries).
func BenchmarkRevokedLookup1M(b *testing.B) {
	idx, hs := randomIndex(1_000_000)
	l := &List{revocations: map[lookupKey]*revIndex{{"hcert", "kid"}: idx}}
	h := CredentialHashes{HasUCI: true, UCI: hs[123_456]}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := l.Revoked("hcert", []byte("kid"), h); !ok {
			b.Fatal("not found")
		}
	}
}
