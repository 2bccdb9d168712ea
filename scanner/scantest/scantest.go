// Package scantest builds a small signed federation for testing code that
// reads scanner text: a pinned anchor, a federated list and valid HCERT
// credentials signed with ES256 and PS256 (RSA 2048 and 3072), plus a
// trust source in which one credential's kid collides with impostor keys
// listed before the genuine one.
//
// The DSC keys are fixed (testdata/*.key), so no RSA key is generated at
// test time: tests that use a Fixture stay fast under qemu-user emulation.
// The keys are public; never trust them.
package scantest

import (
	"crypto"
	"embed"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

//go:embed testdata/*.key
var keys embed.FS

// Times of every Fixture: the trust documents are issued at Issued, the
// credentials an hour later, and At (three hours after Issued) is a good
// verification time.
var (
	Issued = testvectors.DefaultNow
	At     = Issued.Add(3 * time.Hour)
)

// Validity of the federated list: next update a day after Issued, expiry a
// week after.
const (
	NextUpdate = 24 * time.Hour
	Expiry     = 7 * 24 * time.Hour
)

// Credential is one signed credential of a Fixture.
type Credential struct {
	// Name describes the case, such as "ES256" or "PS256-3072".
	Name string
	// Country is the issuing member.
	Country string
	// Alg is ES256 or PS256, Bits the RSA modulus size (0 for ES256).
	Alg  string
	Bits int
	// Type is the credential type.
	Type credential.Type
	// Text is the "HC1:" text.
	Text string
	// KIDCollision marks the credential whose kid Colliding holds three
	// times, two impostor keys (ECDSA and RSA) first.
	KIDCollision bool
}

// Fixture is a signed federation with credentials.
type Fixture struct {
	// Anchor and Federated are the signed trust documents (JSON).
	Anchor, Federated []byte
	// List is Federated verified at At.
	List *trustlist.List
	// Colliding is List with two impostor keys (ECDSA P-256 and RSA 2048)
	// put before the genuine key under the kid of the KIDCollision
	// credential. A trust list file cannot hold such a collision (an HCERT
	// entry's kid must be its certificate's hash), but real kids collide
	// across countries, and a verifier must try every key.
	Colliding trustlist.Source
	// Credentials are valid at At.
	Credentials []Credential
}

type member struct {
	country, name, key string
	typ                credential.Type
	collides           bool // impostors with this DSC's kid come first in Colliding
}

// The members, in list order.
var members = []member{
	{country: "GB", name: "ES256", key: "p256-1.key", typ: credential.TypeVaccination},
	{country: "NZ", name: "PS256-2048", key: "rsa2048.key", typ: credential.TypeTest},
	{country: "CA", name: "PS256-3072", key: "rsa3072.key", typ: credential.TypeRecovery},
	{country: "AU", name: "ES256 kid collision", key: "p256-2.key", typ: credential.TypeVaccination, collides: true},
}

// impostorKeys sign nothing; in Colliding they share the colliding DSC's
// kid.
var impostorKeys = []string{"p256-3.key", "rsa2048.key"}

var shared = sync.OnceValues(build)

// Get returns the fixture, built once per process.
func Get() (*Fixture, error) { return shared() }

func loadKey(name string) (crypto.Signer, error) {
	b, err := keys.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	return issuer.ParseKeyPEM(b)
}

func build() (*Fixture, error) {
	f := &Fixture{}
	aggregator, err := issuer.GenerateKey("ES256")
	if err != nil {
		return nil, err
	}
	aggJWK, err := trustlist.MarshalPublicJWK(aggregator.Public())
	if err != nil {
		return nil, err
	}
	anchor := &trustlist.Anchor{Sequence: 1, IssuedAt: Issued, Threshold: 2, Aggregator: []json.RawMessage{aggJWK}}
	roots := map[string]crypto.Signer{}
	publishers := map[string]crypto.Signer{}
	entries := map[string][]trustlist.Entry{}
	credAt := func() time.Time { return Issued.Add(time.Hour) }
	var collidingKID []byte
	for _, m := range members {
		for _, role := range []map[string]crypto.Signer{roots, publishers} {
			if role[m.country], err = issuer.GenerateKey("ES256"); err != nil {
				return nil, err
			}
		}
		rootJWK, err := trustlist.MarshalPublicJWK(roots[m.country].Public())
		if err != nil {
			return nil, err
		}
		pubJWK, err := trustlist.MarshalPublicJWK(publishers[m.country].Public())
		if err != nil {
			return nil, err
		}
		anchor.Members = append(anchor.Members, trustlist.Member{Country: m.country, Name: testvectors.CountryName(m.country),
			RootKeys: []json.RawMessage{rootJWK}, PublisherKeys: []json.RawMessage{pubJWK}})

		cscaKey, err := issuer.GenerateKey("ES256")
		if err != nil {
			return nil, err
		}
		csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{Country: m.country,
			NotBefore: Issued.AddDate(-1, 0, 0), NotAfter: Issued.AddDate(10, 0, 0)})
		if err != nil {
			return nil, err
		}
		dscKey, err := loadKey(m.key)
		if err != nil {
			return nil, err
		}
		dsc, err := issuer.CreateDSC(dscKey.Public(), csca, cscaKey, issuer.CertOptions{Country: m.country,
			NotBefore: Issued.AddDate(0, -1, 0), NotAfter: Issued.AddDate(2, 0, 0)})
		if err != nil {
			return nil, err
		}
		e, err := trustlist.EntryFromCertificate(dsc, 0)
		if err != nil {
			return nil, err
		}
		entries[m.country] = append(entries[m.country], e)
		if m.collides {
			collidingKID = trustlist.HCERTKeyID(dsc.Raw)
		}

		iss, err := issuer.New(dscKey, dsc, issuer.WithClock(credAt))
		if err != nil {
			return nil, err
		}
		issued, err := iss.Issue(testvectors.SamplePayload(m.typ, m.country))
		if err != nil {
			return nil, err
		}
		c := Credential{Name: m.name, Country: m.country, Alg: iss.Algorithm().String(), Type: m.typ, Text: issued.Text, KIDCollision: m.collides}
		if c.Alg == "PS256" {
			c.Bits = map[string]int{"rsa2048.key": 2048, "rsa3072.key": 3072}[m.key]
		}
		f.Credentials = append(f.Credentials, c)
	}
	var lists [][]byte
	for _, m := range members {
		cl := &trustlist.CountryList{Country: m.country, Sequence: 1, IssuedAt: Issued, ExpiresAt: Issued.Add(Expiry), Entries: entries[m.country]}
		doc, err := trustlist.Encode(cl)
		if err != nil {
			return nil, err
		}
		if err := doc.AddSignature(publishers[m.country], m.country); err != nil {
			return nil, err
		}
		raw, err := doc.Marshal()
		if err != nil {
			return nil, err
		}
		lists = append(lists, raw)
	}
	signed, err := trustlist.Encode(anchor)
	if err != nil {
		return nil, err
	}
	for _, m := range members[:anchor.Threshold] {
		if err := signed.AddSignature(roots[m.country], m.country); err != nil {
			return nil, err
		}
	}
	if f.Anchor, err = signed.Marshal(); err != nil {
		return nil, err
	}
	fed, err := trustlist.Aggregate(lists, 1, 1, Issued, Issued.Add(NextUpdate), Issued.Add(Expiry))
	if err != nil {
		return nil, err
	}
	if err := fed.AddSignature(aggregator, ""); err != nil {
		return nil, err
	}
	if f.Federated, err = fed.Marshal(); err != nil {
		return nil, err
	}
	va, err := trustlist.VerifyAnchor(f.Anchor)
	if err != nil {
		return nil, fmt.Errorf("scantest: own anchor: %w", err)
	}
	if f.List, err = trustlist.VerifyFederated(va, f.Federated, trustlist.VerifyOptions{At: At}); err != nil {
		return nil, fmt.Errorf("scantest: own federated list: %w", err)
	}
	col := &colliding{Source: f.List, kid: string(collidingKID)}
	for _, name := range impostorKeys {
		k, err := loadKey(name)
		if err != nil {
			return nil, err
		}
		col.keys = append(col.keys, &trustlist.Key{KID: collidingKID, Format: credential.FormatHCERT, Country: "XX",
			PublicKey: k.Public(), Usage: trustlist.UsageAll})
	}
	col.keys = append(col.keys, f.List.Lookup(credential.FormatHCERT, collidingKID)...)
	f.Colliding = col
	for _, c := range f.Credentials {
		if c.KIDCollision && len(f.Colliding.Lookup(credential.FormatHCERT, kidOf(c.Text))) != 3 {
			return nil, fmt.Errorf("scantest: the collision credential's kid does not name 3 keys")
		}
	}
	return f, nil
}

// colliding is a Source that answers one kid with extra keys first.
type colliding struct {
	trustlist.Source
	kid  string
	keys []*trustlist.Key
}

// Lookup implements trustlist.Source.
func (c *colliding) Lookup(format credential.Format, kid []byte) []*trustlist.Key {
	if format == credential.FormatHCERT && string(kid) == c.kid {
		return c.keys
	}
	return c.Source.Lookup(format, kid)
}

// kidOf returns the kid an HCERT text names, or nil.
func kidOf(text string) []byte {
	m, err := hcert.Decode(text)
	if err != nil {
		return nil
	}
	return m.KID
}

// Credential returns the fixture's credential with the given name.
func (f *Fixture) Credential(name string) (Credential, bool) {
	for _, c := range f.Credentials {
		if c.Name == name {
			return c, true
		}
	}
	return Credential{}, false
}
