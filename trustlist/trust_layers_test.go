package trustlist_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

// sixMembers is the fixture federation's anchor with a sixth member, FR,
// signed by the fixture's AU, CA and NZ roots; frPub is FR's publisher.
func (f *fedFixture) sixMembers(t testing.TB) (va *trustlist.VerifiedAnchor, frPub fedSigner) {
	t.Helper()
	frPub = fedSigner{newSignerKey(t), "FR"}
	doc := f.anchorVariant(t, func(a *trustlist.Anchor) {
		a.Members = append(a.Members, trustlist.Member{Country: "FR", Name: "France",
			RootKeys:      []json.RawMessage{mustJWK(t, newSignerKey(t).Public())},
			PublisherKeys: []json.RawMessage{mustJWK(t, frPub.key.Public())}})
	}, f.root("AU"), f.root("CA"), f.root("NZ"))
	return verifiedAnchor(t, doc), frPub
}

func TestVerifyCountryList(t *testing.T) {
	f := getFed(t)
	au := func(mut func(cl *trustlist.CountryList)) *trustlist.CountryList {
		cl := f.countryList(t, "AU", 1)
		if mut != nil {
			mut(cl)
		}
		return cl
	}
	// entry replaces AU's entry with a variant.
	entry := func(mut func(e *trustlist.Entry)) func() []byte {
		return func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) { mut(&cl.Entries[0]) }))
		}
	}
	otherKey := newSignerKey(t)
	rsa1024 := mustKey(rsa.GenerateKey(rand.Reader, 1024))
	// nzcpKey turns the entry into an NZCP entry (a bare JWK) with key.
	nzcpKey := func(key json.RawMessage) func(e *trustlist.Entry) {
		return func(e *trustlist.Entry) {
			e.Format, e.KID, e.Issuer, e.Key = credential.FormatNZCP, "key-1", "did:web:nzcp.example", key
			e.NotBefore, e.NotAfter = time.Time{}, time.Time{}
		}
	}
	auDSC := must(f.fed.Member("AU")).DSC
	six, frPub := f.sixMembers(t)

	tests := []struct {
		name      string
		doc       func() []byte
		anchor    *trustlist.VerifiedAnchor // default the fixture's
		opts      trustlist.VerifyOptions   // default verifyAt(fedAt)
		want      error
		fragments []string
	}{
		{name: "fixture list", doc: func() []byte { return f.pub.Countries["AU"] }},
		{name: "fresh list", doc: func() []byte { return f.signedCountry(t, au(nil)) }},
		{name: "empty list", doc: func() []byte { return f.signedCountry(t, au(func(cl *trustlist.CountryList) { cl.Entries = nil })) }},

		// A member signing another country's key.
		{name: "AU list holding GB's DSC", doc: func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) { cl.Entries = append(cl.Entries, f.dscEntry(t, "GB")) }))
		}, want: trustlist.ErrForeignKey, fragments: []string{"C=[GB]", "AU list"}},
		{name: "GB list signed by AU's publisher", doc: func() []byte {
			return signDoc(t, f.countryList(t, "GB", 1), f.publisher("AU"))
		}, want: trustlist.ErrForeignKey, fragments: []string{"GB list", "AU's publisher"}},
		{name: "GB list signed by AU's publisher naming GB", doc: func() []byte {
			return signDoc(t, f.countryList(t, "GB", 1), fedSigner{f.pub.PublisherKeys["AU"], "GB"})
		}, want: trustlist.ErrForeignKey},
		{name: "signed by publishers of two countries", doc: func() []byte {
			return signDoc(t, au(nil), f.publisher("AU"), f.publisher("GB"))
		}, want: trustlist.ErrForeignKey, fragments: []string{"AU and GB"}},
		{name: "signed by two publishers of the same country", doc: func() []byte {
			return signDoc(t, au(nil), f.publisher("AU"), f.publisher("AU"))
		}},
		{name: "signed with AU's root key", doc: func() []byte { return signDoc(t, au(nil), f.root("AU")) },
			want: trustlist.ErrUnknownSigner, fragments: []string{"publisher keys, not root key"}},
		{name: "signed with the aggregator key", doc: func() []byte { return signDoc(t, au(nil), fedSigner{f.pub.AggregatorKey, "AU"}) },
			want: trustlist.ErrUnknownSigner},
		{name: "signed by an unknown key", doc: func() []byte { return signDoc(t, au(nil), fedSigner{otherKey, "AU"}) },
			want: trustlist.ErrUnknownSigner},
		{name: "valid signature plus an unknown one", doc: func() []byte {
			return signDoc(t, au(nil), f.publisher("AU"), fedSigner{otherKey, "AU"})
		}, want: trustlist.ErrUnknownSigner},
		{name: "unsigned", doc: func() []byte { return signDoc(t, au(nil)) }, want: trustlist.ErrSignature, fragments: []string{"not signed"}},

		// Unknown members.
		{name: "list for a non-member signed by a member's publisher", doc: func() []byte {
			m := f.countryList(t, "AU", 1)
			m.Country = "FR"
			m.Entries = nil
			return signDoc(t, m, f.publisher("AU"))
		}, want: trustlist.ErrUnknownMember, fragments: []string{`"FR"`}},
		{name: "non-member's list signed by its own publisher", doc: func() []byte {
			return signDoc(t, &trustlist.CountryList{Country: "FR", Sequence: 1, IssuedAt: fedT0, ExpiresAt: fedEx}, frPub)
		}, want: trustlist.ErrUnknownSigner},
		{name: "same list against an anchor where FR is a member", anchor: six, doc: func() []byte {
			return signDoc(t, &trustlist.CountryList{Country: "FR", Sequence: 1, IssuedAt: fedT0, ExpiresAt: fedEx}, frPub)
		}},

		// Times.
		{name: "expired", doc: func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) {
				cl.IssuedAt, cl.ExpiresAt = fedT0.AddDate(0, 0, -10), fedT0.AddDate(0, 0, -3)
			}))
		}, want: trustlist.ErrExpiredList, fragments: []string{"country list AU expired"}},
		{name: "expired by a second", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: verifyAt(fedEx.Add(time.Second)), want: trustlist.ErrExpiredList},
		{name: "at the expiry instant", doc: func() []byte { return f.pub.Countries["AU"] }, opts: verifyAt(fedEx)},
		{name: "clock before issue minus skew", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: verifyAt(fedT0.Add(-trustlist.DefaultSkew - time.Second)), want: trustlist.ErrSuspectClock,
			fragments: []string{"2026-01-01T00:00:00Z"}},
		{name: "clock before issue within skew", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: verifyAt(fedT0.Add(-trustlist.DefaultSkew + time.Second))},
		{name: "wider skew", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: trustlist.VerifyOptions{At: fedT0.Add(-59 * time.Minute), Skew: time.Hour}},
		{name: "no skew", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: trustlist.VerifyOptions{At: fedT0.Add(-time.Second), Skew: -1}, want: trustlist.ErrSuspectClock},
		{name: "expiry before issue", doc: func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) { cl.ExpiresAt = cl.IssuedAt.Add(-time.Hour) }))
		}, want: trustlist.ErrMalformed},
		{name: "no issue time", doc: func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) { cl.IssuedAt = time.Time{} }))
		}, want: trustlist.ErrMalformed},

		// Rollback.
		{name: "sequence below accepted", doc: func() []byte { return f.signedCountry(t, f.countryList(t, "AU", 2)) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Countries: map[string]int64{"AU": 3}}},
			want: trustlist.ErrRollback, fragments: []string{"AU list sequence 2, already accepted 3"}},
		{name: "sequence equal to accepted", doc: func() []byte { return f.signedCountry(t, f.countryList(t, "AU", 3)) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Countries: map[string]int64{"AU": 3}}}},
		{name: "another country's sequence does not count", doc: func() []byte { return f.signedCountry(t, f.countryList(t, "AU", 2)) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Countries: map[string]int64{"GB": 9}}}},

		// Entries.
		{name: "JWK with a private member", doc: entry(func(e *trustlist.Entry) {
			var m map[string]any
			if err := json.Unmarshal(e.Key, &m); err != nil {
				t.Fatal(err)
			}
			m["d"] = "AAAA"
			e.Key, _ = json.Marshal(m)
		}), want: trustlist.ErrBadJWK, fragments: []string{`"d"`, "AU entry 0"}},
		{name: "1024-bit RSA JWK", doc: entry(nzcpKey(mustJWK(t, &rsa1024.PublicKey))), want: trustlist.ErrBadJWK, fragments: []string{"1024 bits"}},
		{name: "garbage JWK", doc: entry(nzcpKey(json.RawMessage(`"garbage"`))), want: trustlist.ErrBadJWK},
		{name: "JWK of unknown type", doc: entry(nzcpKey(json.RawMessage(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))),
			want: trustlist.ErrBadJWK, fragments: []string{"OKP"}},
		{name: "EC point not on the curve", doc: entry(nzcpKey(json.RawMessage(`{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}`))), want: trustlist.ErrBadJWK},
		{name: "garbage JWK in an hcert entry", doc: entry(func(e *trustlist.Entry) { e.Key = json.RawMessage(`{"kty":"EC"}`) }), want: trustlist.ErrBadJWK},
		{name: "x5c leaf holds another key", doc: entry(func(e *trustlist.Entry) {
			j, err := trustlist.MarshalPublicJWK(otherKey.Public(), auDSC)
			if err != nil {
				t.Fatal(err)
			}
			e.Key = j
		}), want: trustlist.ErrBadJWK, fragments: []string{"x5c leaf"}},
		{name: "x5c not a certificate", doc: entry(func(e *trustlist.Entry) {
			var m map[string]any
			if err := json.Unmarshal(e.Key, &m); err != nil {
				t.Fatal(err)
			}
			m["x5c"] = []string{base64.StdEncoding.EncodeToString([]byte("not DER"))}
			e.Key, _ = json.Marshal(m)
		}), want: trustlist.ErrBadJWK},
		{name: "HCERT kid not the certificate's", doc: entry(func(e *trustlist.Entry) {
			e.KID = base64.StdEncoding.EncodeToString([]byte("12345678"))
		}), want: trustlist.ErrMalformed, fragments: []string{"does not match the certificate"}},
		{name: "kid not base64", doc: entry(func(e *trustlist.Entry) { e.KID = "!!" }), want: trustlist.ErrMalformed, fragments: []string{"not base64"}},
		{name: "empty kid", doc: entry(func(e *trustlist.Entry) { e.KID = "" }), want: trustlist.ErrMalformed},
		{name: "unknown status", doc: entry(func(e *trustlist.Entry) { e.Status = "suspended" }),
			want: trustlist.ErrMalformed, fragments: []string{`status "suspended"`}},
		{name: "status in capitals", doc: entry(func(e *trustlist.Entry) { e.Status = "ACTIVE" }), want: trustlist.ErrMalformed},
		{name: "empty status", doc: entry(func(e *trustlist.Entry) { e.Status = "" }), want: trustlist.ErrMalformed},
		{name: "unknown usage", doc: entry(func(e *trustlist.Entry) { e.Usage = []string{"v", "x"} }),
			want: trustlist.ErrMalformed, fragments: []string{`usage "x"`}},
		{name: "empty usage letter", doc: entry(func(e *trustlist.Entry) { e.Usage = []string{""} }), want: trustlist.ErrMalformed},
		{name: "unknown format", doc: entry(func(e *trustlist.Entry) { e.Format = "mdoc" }),
			want: trustlist.ErrMalformed, fragments: []string{`format "mdoc"`}},
		{name: "format in capitals", doc: entry(func(e *trustlist.Entry) { e.Format = "HCERT" }), want: trustlist.ErrMalformed},
		{name: "nzcp entry without issuer", doc: entry(func(e *trustlist.Entry) {
			e.Format, e.KID, e.Key = credential.FormatNZCP, "key-1", mustJWK(t, otherKey.Public())
		}), want: trustlist.ErrMalformed, fragments: []string{"need kid and issuer"}},
		{name: "nzcp entry with issuer", doc: entry(func(e *trustlist.Entry) {
			e.Format, e.KID, e.Key, e.Issuer = credential.FormatNZCP, "key-1", mustJWK(t, otherKey.Public()), "did:web:nzcp.example"
		})},
		{name: "same kid twice", doc: func() []byte {
			return f.signedCountry(t, au(func(cl *trustlist.CountryList) { cl.Entries = append(cl.Entries, cl.Entries[0]) }))
		}, want: trustlist.ErrMalformed, fragments: []string{"repeats kid"}},

		// Document structure.
		{name: "unknown payload field", doc: func() []byte {
			return signPayload(t, editedPayload(t, au(nil), func(m map[string]any) { m["trusted"] = true }), f.publisher("AU"))
		}, want: trustlist.ErrMalformed, fragments: []string{"trusted"}},
		{name: "unknown entry field", doc: func() []byte {
			return signPayload(t, editedPayload(t, au(nil), func(m map[string]any) {
				m["entries"].([]any)[0].(map[string]any)["trustLevel"] = "high"
			}), f.publisher("AU"))
		}, want: trustlist.ErrMalformed, fragments: []string{"trustLevel"}},
		{name: "unknown document field", doc: func() []byte {
			return []byte(strings.Replace(string(f.pub.Countries["AU"]), `"payload"`, `"comment": "x", "payload"`, 1))
		}, want: trustlist.ErrMalformed},
		{name: "unknown signature field", doc: func() []byte {
			return []byte(strings.Replace(string(f.pub.Countries["AU"]), `"protected"`, `"header": {"kid": "x"}, "protected"`, 1))
		}, want: trustlist.ErrMalformed},
		{name: "data after the document", doc: func() []byte { return append(append([]byte(nil), f.pub.Countries["AU"]...), "{}"...) },
			want: trustlist.ErrMalformed},
		{name: "an anchor instead of a list", doc: func() []byte {
			return signDoc(t, f.baseAnchor(t), f.publisher("AU"))
		}, want: trustlist.ErrMalformed},
		{name: "type of a federated list", doc: func() []byte {
			return signPayload(t, editedPayload(t, au(nil), func(m map[string]any) { m["type"] = trustlist.TypeFederated }), f.publisher("AU"))
		}, want: trustlist.ErrMalformed, fragments: []string{"not a country list"}},

		// Size.
		{name: "over MaxSize", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: trustlist.VerifyOptions{At: fedAt, MaxSize: len(f.pub.Countries["AU"]) - 1}, want: trustlist.ErrTooLarge},
		{name: "exactly MaxSize", doc: func() []byte { return f.pub.Countries["AU"] },
			opts: trustlist.VerifyOptions{At: fedAt, MaxSize: len(f.pub.Countries["AU"])}},
		{name: "over MaxDocumentSize", doc: func() []byte { return padTo(f.pub.Countries["AU"], trustlist.MaxDocumentSize+1) },
			want: trustlist.ErrTooLarge},
		{name: "MaxSize cannot raise MaxDocumentSize", doc: func() []byte { return padTo(f.pub.Countries["AU"], trustlist.MaxDocumentSize+1) },
			opts: trustlist.VerifyOptions{At: fedAt, MaxSize: 2 * trustlist.MaxDocumentSize}, want: trustlist.ErrTooLarge},
		{name: "at MaxDocumentSize", doc: func() []byte { return padTo(f.pub.Countries["AU"], trustlist.MaxDocumentSize) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			anchor := tc.anchor
			if anchor == nil {
				anchor = f.pub.VerifiedAnchor
			}
			o := tc.opts
			if o.At.IsZero() {
				o.At = fedAt
			}
			data := tc.doc()
			cl, err := trustlist.VerifyCountryList(anchor, data, o)
			wantErr(t, err, tc.want, tc.fragments...)
			if tc.want != nil {
				if cl != nil {
					t.Error("refused list returned")
				}
				return
			}
			if len(cl.Keys) != len(cl.Entries) || string(cl.Raw) != string(data) {
				t.Errorf("%d keys for %d entries; raw kept: %v", len(cl.Keys), len(cl.Entries), string(cl.Raw) == string(data))
			}
			for _, k := range cl.Keys {
				if k.Country != cl.Country {
					t.Errorf("key of %s in the %s list", k.Country, cl.Country)
				}
			}
		})
	}
	t.Run("no verification time", func(t *testing.T) {
		if _, err := trustlist.VerifyCountryList(f.pub.VerifiedAnchor, f.pub.Countries["AU"], trustlist.VerifyOptions{}); err == nil {
			t.Fatal("accepted without a time")
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// padTo appends JSON whitespace to doc until it is n bytes long.
func padTo(doc []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, doc)
	for i := len(doc); i < n; i++ {
		out[i] = ' '
	}
	return out
}

// TestVerifyCountryListKeys checks what a verified entry becomes.
func TestVerifyCountryListKeys(t *testing.T) {
	f := getFed(t)
	m := must(f.fed.Member("GB"))
	e := f.dscEntry(t, "GB")
	e.Usage = []string{"t", "r"}
	cl := f.countryList(t, "GB", 4)
	cl.Entries = []trustlist.Entry{e}
	cl.Revoke(e.KID, fedT0.Add(-time.Hour), "key compromise")
	got, err := trustlist.VerifyCountryList(f.pub.VerifiedAnchor, f.signedCountry(t, cl), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != 1 {
		t.Fatalf("%d keys", len(got.Keys))
	}
	k := got.Keys[0]
	if string(k.KID) != string(trustlist.HCERTKeyID(m.DSC.Raw)) || k.Format != credential.FormatHCERT || k.Country != "GB" {
		t.Errorf("key %x %s %s", k.KID, k.Format, k.Country)
	}
	if k.Usage != trustlist.UsageTest|trustlist.UsageRecovery {
		t.Errorf("usage %v", k.Usage)
	}
	if !k.Revoked || !k.RevokedAt.Equal(fedT0.Add(-time.Hour)) || k.RevocationReason != "key compromise" {
		t.Errorf("revocation %v %v %q", k.Revoked, k.RevokedAt, k.RevocationReason)
	}
	if k.Certificate == nil || !k.Certificate.Equal(m.DSC) || !k.NotAfter.Equal(m.DSC.NotAfter) || !k.NotBefore.Equal(m.DSC.NotBefore) {
		t.Errorf("certificate or validity not kept: %v–%v", k.NotBefore, k.NotAfter)
	}
	if eq, ok := k.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(m.DSC.PublicKey) {
		t.Errorf("public key differs")
	}
	if got.Sequence != 4 || got.Country != "GB" {
		t.Errorf("list %s/%d", got.Country, got.Sequence)
	}
}

func TestVerifyFederated(t *testing.T) {
	f := getFed(t)
	stranger := newSignerKey(t)
	lists := f.allCountries(t, 1)
	// with replaces member i of the fixture's lists.
	with := func(i int, doc []byte) [][]byte {
		out := append([][]byte(nil), lists...)
		out[i] = doc
		return out
	}
	agg := fedSigner{f.pub.AggregatorKey, ""}
	long := func(cc string) []byte { // a member list valid for 30 days
		cl := f.countryList(t, cc, 1)
		cl.ExpiresAt = fedT0.AddDate(0, 0, 30)
		return f.signedCountry(t, cl)
	}
	other, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"AU", "CA", "NZ"}})
	if err != nil {
		t.Fatal(err)
	}
	otherPub, err := other.Publish(testvectors.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		doc       func() []byte
		anchor    *trustlist.VerifiedAnchor
		opts      trustlist.VerifyOptions
		want      error
		fragments []string
		keys      int
	}{
		{name: "fixture", doc: func() []byte { return f.pub.Federated }, keys: 5},
		{name: "rebuilt", doc: func() []byte { return f.federated(t, 1, lists...) }, keys: 5},
		{name: "no members", doc: func() []byte { return f.federated(t, 1) }},
		{name: "via Aggregate", doc: func() []byte {
			s, err := trustlist.Aggregate(lists, 7, 1, fedT0, fedUp, fedEx)
			if err != nil {
				t.Fatal(err)
			}
			return signSigned(t, s, agg)
		}, keys: 5},

		// The aggregator layer.
		{name: "signed by a root key", doc: func() []byte { return signDoc(t, federatedDoc(1, lists...), f.root("AU")) },
			want: trustlist.ErrUnknownSigner, fragments: []string{"not the aggregator's"}},
		{name: "signed by a publisher key", doc: func() []byte { return signDoc(t, federatedDoc(1, lists...), f.publisher("GB")) },
			want: trustlist.ErrUnknownSigner},
		{name: "aggregator plus an unknown signature", doc: func() []byte { return signDoc(t, federatedDoc(1, lists...), agg, fedSigner{stranger, ""}) },
			want: trustlist.ErrUnknownSigner},
		{name: "unsigned", doc: func() []byte { return signDoc(t, federatedDoc(1, lists...)) }, want: trustlist.ErrSignature},
		{name: "another federation's list", doc: func() []byte { return otherPub.Federated }, want: trustlist.ErrUnknownSigner},
		{name: "list checked against another federation's anchor", anchor: otherPub.VerifiedAnchor,
			doc: func() []byte { return f.pub.Federated }, want: trustlist.ErrUnknownSigner},

		// The member layer: the aggregator cannot forge member keys.
		{name: "member list with another country's key", doc: func() []byte {
			cl := f.countryList(t, "AU", 1)
			cl.Entries = append(cl.Entries, f.dscEntry(t, "US"))
			return f.federated(t, 1, with(0, f.signedCountry(t, cl))...)
		}, want: trustlist.ErrForeignKey, fragments: []string{"member list 0"}},
		{name: "member list signed by the aggregator", doc: func() []byte {
			return f.federated(t, 1, with(1, signDoc(t, f.countryList(t, "CA", 1), agg))...)
		}, want: trustlist.ErrUnknownSigner, fragments: []string{"member list 1"}},
		{name: "member payload swapped under its signature", doc: func() []byte {
			// The aggregator replaces NZ's payload by one adding GB's key
			// and keeps NZ's signature.
			forged := f.countryList(t, "NZ", 1)
			forged.Entries = append(forged.Entries, f.dscEntry(t, "GB"))
			enc, err := trustlist.Encode(forged)
			if err != nil {
				t.Fatal(err)
			}
			var s trustlist.Signed
			if err := json.Unmarshal(lists[2], &s); err != nil {
				t.Fatal(err)
			}
			s.Payload = enc.Payload
			b, err := s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			return f.federated(t, 1, with(2, b)...)
		}, want: trustlist.ErrSignature, fragments: []string{"member list 2"}},
		{name: "member list unsigned", doc: func() []byte { return f.federated(t, 1, with(3, signDoc(t, f.countryList(t, "GB", 1)))...) },
			want: trustlist.ErrSignature},
		{name: "two lists for one member", doc: func() []byte { return f.federated(t, 1, append(lists, lists[0])...) },
			want: trustlist.ErrMalformed, fragments: []string{"two lists for AU"}},
		{name: "list of a non-member", doc: func() []byte {
			cl := f.countryList(t, "AU", 1)
			cl.Country, cl.Entries = "FR", nil
			return f.federated(t, 1, append(lists, signDoc(t, cl, f.publisher("AU")))...)
		}, want: trustlist.ErrUnknownMember},
		{name: "expired member list", doc: func() []byte {
			cl := f.countryList(t, "US", 1)
			cl.IssuedAt, cl.ExpiresAt = fedT0.AddDate(0, 0, -10), fedT0.Add(-time.Minute)
			return f.federated(t, 1, with(4, f.signedCountry(t, cl))...)
		}, want: trustlist.ErrExpiredList, fragments: []string{"country list US expired"}},
		{name: "member list issued in the future", doc: func() []byte {
			cl := f.countryList(t, "US", 1)
			cl.IssuedAt = fedAt.Add(time.Hour)
			return f.federated(t, 1, with(4, f.signedCountry(t, cl))...)
		}, want: trustlist.ErrSuspectClock, fragments: []string{"country list US"}},
		{name: "member list not JSON", doc: func() []byte {
			fl := federatedDoc(1, lists...)
			fl.Members = append(fl.Members, json.RawMessage(`"text"`))
			return signDoc(t, fl, agg)
		}, want: trustlist.ErrMalformed},

		// The federated list's own times.
		{name: "expired federated list", doc: func() []byte {
			return f.federated(t, 1, long("AU"), long("CA"))
		}, opts: verifyAt(fedEx.Add(time.Hour)), want: trustlist.ErrExpiredList, fragments: []string{"federated list expired"}},
		{name: "federated list from the future", doc: func() []byte { return f.pub.Federated },
			opts: verifyAt(fedT0.Add(-time.Hour)), want: trustlist.ErrSuspectClock, fragments: []string{"federated list issued"}},
		{name: "federated list within skew", doc: func() []byte { return f.pub.Federated },
			opts: verifyAt(fedT0.Add(-time.Minute)), keys: 5},
		{name: "stale but not expired", doc: func() []byte { return f.pub.Federated }, opts: verifyAt(fedUp.Add(time.Hour)), keys: 5},
		{name: "nextUpdate after expiry", doc: func() []byte {
			fl := federatedDoc(1, lists...)
			fl.NextUpdate = fl.ExpiresAt.Add(time.Second)
			return signDoc(t, fl, agg)
		}, want: trustlist.ErrMalformed, fragments: []string{"nextUpdate"}},
		{name: "nextUpdate before issue", doc: func() []byte {
			fl := federatedDoc(1, lists...)
			fl.NextUpdate = fl.IssuedAt.Add(-time.Second)
			return signDoc(t, fl, agg)
		}, want: trustlist.ErrMalformed, fragments: []string{"nextUpdate"}},
		{name: "expiry before issue", doc: func() []byte {
			fl := federatedDoc(1, lists...)
			fl.ExpiresAt = fl.IssuedAt.Add(-time.Second)
			return signDoc(t, fl, agg)
		}, want: trustlist.ErrMalformed},

		// Rollback.
		{name: "federated sequence below accepted", doc: func() []byte { return f.federated(t, 4, lists...) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Federated: 5}},
			want: trustlist.ErrRollback, fragments: []string{"federated list sequence 4, already accepted 5"}},
		{name: "federated sequence equal to accepted", doc: func() []byte { return f.federated(t, 5, lists...) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Federated: 5}}, keys: 5},
		{name: "federated sequence above accepted", doc: func() []byte { return f.federated(t, 6, lists...) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Federated: 5}}, keys: 5},
		{name: "member sequence below accepted", doc: func() []byte { return f.federated(t, 6, lists...) },
			opts: trustlist.VerifyOptions{At: fedAt, State: &trustlist.State{Federated: 5, Countries: map[string]int64{"NZ": 2}}},
			want: trustlist.ErrRollback, fragments: []string{"NZ list sequence 1, already accepted 2"}},

		// Structure and size.
		{name: "unknown payload field", doc: func() []byte {
			return signPayload(t, editedPayload(t, federatedDoc(1, lists...), func(m map[string]any) { m["note"] = "x" }), agg)
		}, want: trustlist.ErrMalformed, fragments: []string{"note"}},
		{name: "a country list instead", doc: func() []byte { return signDoc(t, f.countryList(t, "AU", 1), agg) },
			want: trustlist.ErrMalformed},
		{name: "unknown document field", doc: func() []byte {
			return []byte(strings.Replace(string(f.pub.Federated), `"signatures"`, `"unprotected": {}, "signatures"`, 1))
		}, want: trustlist.ErrMalformed},
		{name: "over MaxSize", doc: func() []byte { return f.pub.Federated },
			opts: trustlist.VerifyOptions{At: fedAt, MaxSize: len(f.pub.Federated) - 1}, want: trustlist.ErrTooLarge},
		{name: "exactly MaxSize", doc: func() []byte { return f.pub.Federated },
			opts: trustlist.VerifyOptions{At: fedAt, MaxSize: len(f.pub.Federated)}, keys: 5},
		{name: "over MaxDocumentSize", doc: func() []byte { return padTo(f.pub.Federated, trustlist.MaxDocumentSize+1) },
			want: trustlist.ErrTooLarge, fragments: []string{"16777217 bytes"}},
		{name: "not JSON", doc: func() []byte { return []byte("\x00\x01") }, want: trustlist.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			anchor := tc.anchor
			if anchor == nil {
				anchor = f.pub.VerifiedAnchor
			}
			o := tc.opts
			if o.At.IsZero() {
				o.At = fedAt
			}
			var before trustlist.State
			if o.State != nil {
				before = cloneState(o.State)
			}
			l, err := trustlist.VerifyFederated(anchor, tc.doc(), o)
			wantErr(t, err, tc.want, tc.fragments...)
			if o.State != nil && !statesEqual(before, *o.State) {
				t.Errorf("verification changed the state: %+v -> %+v", before, *o.State)
			}
			if tc.want != nil {
				if l != nil {
					t.Error("refused list returned")
				}
				return
			}
			if l.Len() != tc.keys {
				t.Errorf("%d keys, want %d", l.Len(), tc.keys)
			}
		})
	}
	t.Run("nil anchor", func(t *testing.T) {
		if _, err := trustlist.VerifyFederated(nil, f.pub.Federated, verifyAt(fedAt)); err == nil {
			t.Fatal("accepted without an anchor")
		}
	})
}

func cloneState(s *trustlist.State) trustlist.State {
	c := trustlist.State{Anchor: s.Anchor, Federated: s.Federated, Countries: map[string]int64{}, Revoked: map[string]time.Time{}}
	for k, v := range s.Countries {
		c.Countries[k] = v
	}
	for k, v := range s.Revoked {
		c.Revoked[k] = v
	}
	return c
}

func statesEqual(a, b trustlist.State) bool {
	if a.Anchor != b.Anchor || a.Federated != b.Federated || len(a.Countries) != len(b.Countries) || len(a.Revoked) != len(b.Revoked) {
		return false
	}
	for k, v := range a.Countries {
		if w, ok := b.Countries[k]; !ok || w != v {
			return false
		}
	}
	for k, v := range a.Revoked {
		if w, ok := b.Revoked[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}

// TestVerifyFederatedContents checks that a verified list holds exactly
// the member lists' keys, each under its own country, and the embedded
// member documents byte for byte.
func TestVerifyFederatedContents(t *testing.T) {
	f := getFed(t)
	l := f.pub.List
	if len(l.Countries) != 5 {
		t.Fatalf("%d countries", len(l.Countries))
	}
	for _, m := range f.fed.Members {
		cl := l.Countries[m.Country]
		if cl == nil {
			t.Fatalf("no %s list", m.Country)
		}
		ks := l.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(m.DSC.Raw))
		if len(ks) != 1 || ks[0].Country != m.Country || !ks[0].Certificate.Equal(m.DSC) {
			t.Errorf("%s: lookup gave %v", m.Country, ks)
		}
		var emb, pub trustlist.Signed
		if err := json.Unmarshal(cl.Raw, &emb); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(f.pub.Countries[m.Country], &pub); err != nil {
			t.Fatal(err)
		}
		if emb.Payload != pub.Payload || len(emb.Signatures) != 1 || emb.Signatures[0] != pub.Signatures[0] {
			t.Errorf("%s: embedded member list differs from the published one", m.Country)
		}
	}
	if _, err := trustlist.VerifyCountryList(f.pub.VerifiedAnchor, l.Countries["CA"].Raw, verifyAt(fedAt)); err != nil {
		t.Errorf("embedded list does not verify on its own: %v", err)
	}
	if got := len(l.Entries()); got != 5 {
		t.Errorf("%d entries", got)
	}
}

// tamperByte changes one byte: a base64url character to the one whose
// value differs in the top bit (so the decoded bits always change, never
// only padding bits), anything else by its low bit.
func tamperByte(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if i := strings.IndexByte(alphabet, c); i >= 0 {
		return alphabet[i^32]
	}
	return c ^ 1
}

// tamperPositions returns every 37th position of doc and, for each
// base64 value of its JWS (payload, protected headers, signatures), the
// first, last and every 37th position within.
func tamperPositions(t testing.TB, doc []byte) map[string][]int {
	t.Helper()
	var s trustlist.Signed
	if err := json.Unmarshal(doc, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for i := 0; i < len(doc); i += 37 {
		out["document"] = append(out["document"], i)
	}
	region := func(name, v string) {
		start := strings.Index(string(doc), `"`+v+`"`) + 1
		if start <= 0 {
			t.Fatalf("%s not found", name)
		}
		for i := 0; i < len(v); i += 37 {
			out[name] = append(out[name], start+i)
		}
		out[name] = append(out[name], start+len(v)-1)
	}
	region("payload", s.Payload)
	for i, sig := range s.Signatures {
		region("protected header "+string(rune('0'+i)), sig.Protected)
		region("signature "+string(rune('0'+i)), sig.Signature)
	}
	return out
}

func tampered(doc []byte, i int) []byte {
	b := append([]byte(nil), doc...)
	b[i] = tamperByte(b[i])
	return b
}

// TestTamperAnyLayer flips bytes of every layer and requires a refusal: of
// the anchor, of a member list (alone, and embedded in a federated list
// the aggregator signs afresh, so only the member layer catches it), and
// of the federated list.
func TestTamperAnyLayer(t *testing.T) {
	f := getFed(t)
	anchor := f.pub.VerifiedAnchor
	// When the tampered document is still JSON, the refusal must be a
	// signature, structure or signer error (a changed kid names an unknown
	// key). An anchor is self-signed: its keys are parsed from the payload
	// before its signatures can be checked, so a tampered key is a bad JWK.
	check := func(t *testing.T, what string, b []byte, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s accepted", what)
		}
		if !json.Valid(b) {
			return
		}
		for _, ok := range []error{trustlist.ErrSignature, trustlist.ErrMalformed, trustlist.ErrUnknownSigner} {
			if errors.Is(err, ok) {
				return
			}
		}
		if strings.HasPrefix(what, "anchor") && errors.Is(err, trustlist.ErrBadJWK) {
			return
		}
		t.Errorf("%s: refused with %v", what, err)
	}
	layers := []struct {
		name   string
		doc    []byte
		verify func(b []byte) error
	}{
		{"anchor", f.pub.Anchor, func(b []byte) error { _, err := trustlist.VerifyAnchor(b); return err }},
		{"federated list", f.pub.Federated, func(b []byte) error {
			_, err := trustlist.VerifyFederated(anchor, b, verifyAt(fedAt))
			return err
		}},
		{"member list", f.pub.Countries["GB"], func(b []byte) error {
			_, err := trustlist.VerifyCountryList(anchor, b, verifyAt(fedAt))
			return err
		}},
	}
	for _, layer := range layers {
		if err := layer.verify(layer.doc); err != nil {
			t.Fatalf("untampered %s refused: %v", layer.name, err)
		}
		for part, positions := range tamperPositions(t, layer.doc) {
			t.Run(layer.name+"/"+part, func(t *testing.T) {
				for _, i := range positions {
					b := tampered(layer.doc, i)
					check(t, layer.name+" byte "+strconv.Itoa(i), b, layer.verify(b))
				}
			})
		}
	}

	// Member lists embedded in a federated list that the aggregator signs
	// after the tampering: the member layer alone must refuse.
	lists := f.allCountries(t, 1)
	if _, err := trustlist.VerifyFederated(anchor, f.federated(t, 1, lists...), verifyAt(fedAt)); err != nil {
		t.Fatal(err)
	}
	for _, idx := range []int{0, 3} {
		member := lists[idx]
		for part, positions := range tamperPositions(t, member) {
			t.Run("embedded member "+testvectors.Countries[idx]+"/"+part, func(t *testing.T) {
				for _, i := range positions {
					b := tampered(member, i)
					if !json.Valid(b) {
						continue // cannot be embedded; covered by the member list layer
					}
					ms := append([][]byte(nil), lists...)
					ms[idx] = b
					doc := f.federated(t, 1, ms...)
					_, err := trustlist.VerifyFederated(anchor, doc, verifyAt(fedAt))
					check(t, "member byte "+strconv.Itoa(i), doc, err)
					if err != nil && !strings.Contains(err.Error(), "member list "+strconv.Itoa(idx)) {
						t.Errorf("error %q does not name member list %d", err, idx)
					}
				}
			})
		}
	}
}

// TestForeignKeyWithoutCertificate: an HCERT key is a DSC, so its entry
// carries the certificate (x5c), whose subject country the list's country
// must match. Leaving x5c out must not get another country's DSC into a
// member's list.
func TestForeignKeyWithoutCertificate(t *testing.T) {
	f := getFed(t)
	gb := must(f.fed.Member("GB")).DSC
	bare := f.dscEntry(t, "GB")
	bare.Key = mustJWK(t, gb.PublicKey) // GB's DSC key, without x5c
	cl := f.countryList(t, "AU", 1)
	cl.Entries = append(cl.Entries, bare)
	_, err := trustlist.VerifyCountryList(f.pub.VerifiedAnchor, f.signedCountry(t, cl), verifyAt(fedAt))
	if err == nil {
		t.Fatal("AU list holding GB's DSC key (kid and key, no x5c) accepted")
	}
	if !errors.Is(err, trustlist.ErrForeignKey) && !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("refused with %v, want ErrForeignKey or ErrMalformed", err)
	}
}

// TestAnchorExpiry: an anchor may say when it expires (Anchor.ExpiresAt).
// That date must mean something: either lists verified under an expired
// anchor are refused, or an anchor carrying an expiry is refused as
// malformed — never parsed and ignored.
func TestAnchorExpiry(t *testing.T) {
	f := getFed(t)
	doc := f.anchorVariant(t, func(a *trustlist.Anchor) { a.ExpiresAt = fedT0.Add(48 * time.Hour) },
		f.root("AU"), f.root("CA"), f.root("NZ"))
	expiring, err := trustlist.VerifyAnchor(doc)
	if errors.Is(err, trustlist.ErrMalformed) {
		return // anchors do not expire, and say so
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trustlist.VerifyFederated(expiring, f.pub.Federated, verifyAt(fedAt)); err != nil {
		t.Fatalf("before the anchor's expiry: %v", err)
	}
	_, err = trustlist.VerifyFederated(expiring, f.pub.Federated, verifyAt(fedT0.Add(72*time.Hour)))
	wantErr(t, err, trustlist.ErrExpiredList, "anchor")
	_, err = trustlist.VerifyCountryList(expiring, f.pub.Countries["AU"], verifyAt(fedT0.Add(72*time.Hour)))
	wantErr(t, err, trustlist.ErrExpiredList, "anchor")
}
