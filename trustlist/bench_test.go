package trustlist_test

// Trust-list benchmarks of issue 4: key lookup in lists of 10 and 10,000
// keys (a lookup must not depend on the list's size), and loading and
// verifying a signed federated list of 10,000 keys (budget 300 ms).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

// benchList is a signed federated list of n HCERT keys, spread evenly
// over the five members, with its anchor and one kid that it holds.
type benchList struct {
	anchor *trustlist.VerifiedAnchor
	data   []byte
	list   *trustlist.List
	kid    []byte
}

// benchKeys are distinct public keys as JWKs without x5c (an HCERT entry
// may carry a bare key). Each entry gets its own key, as in a real list,
// so that nothing that depends on repeated keys (a cache of parsed JWKs)
// would make the figures look better than production. 10,000 P-256 keys
// take well under a second to generate, once per test binary.
var benchKeys = sync.OnceValues(func() ([]json.RawMessage, error) {
	keys := make([]json.RawMessage, 10_000)
	for i := range keys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		if keys[i], err = trustlist.MarshalPublicJWK(k.Public()); err != nil {
			return nil, err
		}
	}
	return keys, nil
})

var benchLists sync.Map // n → *benchList

func getBenchList(b *testing.B, n int) *benchList {
	b.Helper()
	if l, ok := benchLists.Load(n); ok {
		return l.(*benchList)
	}
	l, err := makeBenchList(n)
	if err != nil {
		b.Fatal(err)
	}
	benchLists.Store(n, l)
	return l
}

func makeBenchList(n int) (*benchList, error) {
	keys, err := benchKeys()
	if err != nil {
		return nil, err
	}
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{})
	if err != nil {
		return nil, err
	}
	// Publish gives the anchor and the publisher and aggregator keys; the
	// member lists are then rebuilt with n entries between them.
	p, err := fed.Publish(testvectors.PublishOptions{Now: fedT0})
	if err != nil {
		return nil, err
	}
	bl := &benchList{anchor: p.VerifiedAnchor}
	var members [][]byte
	for m, cc := range testvectors.Countries {
		cl := &trustlist.CountryList{Country: cc, Sequence: 1, IssuedAt: fedT0, ExpiresAt: fedEx}
		for i := m; i < n; i += len(testvectors.Countries) {
			var kid [8]byte
			binary.BigEndian.PutUint64(kid[:], uint64(i)*0x9e3779b97f4a7c15) // spread, distinct
			cl.Entries = append(cl.Entries, trustlist.Entry{
				KID:    base64.StdEncoding.EncodeToString(kid[:]),
				Format: credential.FormatHCERT,
				Key:    keys[i],
				Status: trustlist.StatusActive,
			})
			if i == n/2 {
				bl.kid = kid[:]
			}
		}
		doc, err := trustlist.Encode(cl)
		if err != nil {
			return nil, err
		}
		if err := doc.AddSignature(p.PublisherKeys[cc], cc); err != nil {
			return nil, err
		}
		signed, err := doc.Marshal()
		if err != nil {
			return nil, err
		}
		members = append(members, signed)
	}
	agg, err := trustlist.Aggregate(members, 1, 1, fedT0, fedUp, fedEx)
	if err != nil {
		return nil, err
	}
	if err := agg.AddSignature(p.AggregatorKey, ""); err != nil {
		return nil, err
	}
	if bl.data, err = agg.Marshal(); err != nil {
		return nil, err
	}
	if bl.list, err = trustlist.VerifyFederated(bl.anchor, bl.data, verifyAt(fedAt)); err != nil {
		return nil, err
	}
	if bl.list.Len() != n {
		return nil, fmt.Errorf("list has %d keys, want %d", bl.list.Len(), n)
	}
	return bl, nil
}

func benchLookup(b *testing.B, n int) {
	l := getBenchList(b, n)
	b.ReportAllocs()
	for b.Loop() {
		if len(l.list.Lookup(credential.FormatHCERT, l.kid)) != 1 {
			b.Fatal("kid not found")
		}
	}
}

// BenchmarkLookup10 and BenchmarkLookup10000 find one HCERT key by kid in
// a verified federated list; the second must be no slower than the first
// beyond noise.
func BenchmarkLookup10(b *testing.B)    { benchLookup(b, 10) }
func BenchmarkLookup10000(b *testing.B) { benchLookup(b, 10_000) }

func benchVerifyFederated(b *testing.B, n int) {
	l := getBenchList(b, n)
	b.SetBytes(int64(len(l.data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trustlist.VerifyFederated(l.anchor, l.data, verifyAt(fedAt)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFederated10000 loads and verifies a signed federated
// list of 10,000 keys: the aggregator's signature, five member lists and
// their signatures, and every entry's JWK. Budget: 300 ms.
func BenchmarkVerifyFederated10000(b *testing.B) { benchVerifyFederated(b, 10_000) }

// BenchmarkVerifyFederated10 is the same for 10 keys, to show the fixed
// cost (the six signatures).
func BenchmarkVerifyFederated10(b *testing.B) { benchVerifyFederated(b, 10) }
