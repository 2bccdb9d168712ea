package trustlist_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"

	"github.com/b5m5/travelcred/trustlist"
)

func TestVerifyAnchor(t *testing.T) {
	f := getFed(t)
	stranger := newSignerKey(t)
	au2 := newSignerKey(t) // a second AU root key
	withAU2 := func(a *trustlist.Anchor) {
		m := anchorMember(t, a, "AU")
		m.RootKeys = append(m.RootKeys, mustJWK(t, au2.Public()))
	}
	privJWK := func() json.RawMessage {
		k := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
		j := map[string]string{"kty": "EC", "crv": "P-256",
			"x": base64.RawURLEncoding.EncodeToString(k.X.FillBytes(make([]byte, 32))),
			"y": base64.RawURLEncoding.EncodeToString(k.Y.FillBytes(make([]byte, 32))),
			"d": base64.RawURLEncoding.EncodeToString(k.D.FillBytes(make([]byte, 32)))}
		b, _ := json.Marshal(j)
		return b
	}
	three := []fedSigner{f.root("AU"), f.root("CA"), f.root("NZ")}
	tests := []struct {
		name        string
		doc         func() []byte
		want        error
		fragments   []string
		wantSigners []string
	}{
		{name: "fixture", doc: func() []byte { return f.pub.Anchor }, wantSigners: []string{"AU", "CA", "NZ"}},
		{name: "threshold signatures", doc: func() []byte { return f.anchorVariant(t, nil, f.root("GB"), f.root("US"), f.root("CA")) },
			wantSigners: []string{"CA", "GB", "US"}},
		{name: "all members", doc: func() []byte {
			return f.anchorVariant(t, nil, f.root("AU"), f.root("CA"), f.root("NZ"), f.root("GB"), f.root("US"))
		}, wantSigners: []string{"AU", "CA", "GB", "NZ", "US"}},
		{name: "threshold-1 signatures", doc: func() []byte { return f.anchorVariant(t, nil, f.root("AU"), f.root("CA")) },
			want: trustlist.ErrThreshold, fragments: []string{"2 of the 3"}},
		{name: "one signature", doc: func() []byte { return f.anchorVariant(t, nil, f.root("US")) },
			want: trustlist.ErrThreshold, fragments: []string{"1 of the 3"}},
		{name: "unsigned", doc: func() []byte { return f.anchorVariant(t, nil) },
			want: trustlist.ErrThreshold, fragments: []string{"0 of the 3"}},
		{name: "same member signing twice counts once", doc: func() []byte {
			return f.anchorVariant(t, nil, f.root("AU"), f.root("AU"), f.root("CA"))
		}, want: trustlist.ErrThreshold, fragments: []string{"2 of the 3"}},
		{name: "same member with two root keys counts once", doc: func() []byte {
			return f.anchorVariant(t, withAU2, f.root("AU"), fedSigner{au2, "AU"}, f.root("CA"))
		}, want: trustlist.ErrThreshold, fragments: []string{"2 of the 3"}},
		{name: "second root key of a member counts", doc: func() []byte {
			return f.anchorVariant(t, withAU2, fedSigner{au2, "AU"}, f.root("CA"), f.root("NZ"))
		}, wantSigners: []string{"AU", "CA", "NZ"}},
		{name: "member signature naming another country counts for its key's member", doc: func() []byte {
			return f.anchorVariant(t, nil, fedSigner{f.pub.RootKeys["AU"], "GB"}, f.root("AU"), f.root("CA"))
		}, want: trustlist.ErrThreshold, fragments: []string{"2 of the 3"}},
		{name: "extra signature by an unknown key", doc: func() []byte {
			return f.anchorVariant(t, nil, append(slices.Clone(three), fedSigner{stranger, "FR"})...)
		}, want: trustlist.ErrUnknownSigner},
		{name: "publisher key instead of root key", doc: func() []byte {
			return f.anchorVariant(t, nil, f.publisher("AU"), f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrUnknownSigner},
		{name: "aggregator key", doc: func() []byte {
			return f.anchorVariant(t, nil, fedSigner{f.pub.AggregatorKey, ""}, f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrUnknownSigner},
		{name: "threshold 0", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = 0 }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"threshold 0 for 5 members"}},
		{name: "negative threshold", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = -1 }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"threshold -1"}},
		{name: "threshold above members", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = 6 }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"threshold 6 for 5 members"}},
		{name: "threshold = members, all sign", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = 5 },
				f.root("AU"), f.root("CA"), f.root("NZ"), f.root("GB"), f.root("US"))
		}, wantSigners: []string{"AU", "CA", "GB", "NZ", "US"}},
		{name: "threshold = members, one missing", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = 5 },
				f.root("AU"), f.root("CA"), f.root("NZ"), f.root("GB"))
		}, want: trustlist.ErrThreshold, fragments: []string{"4 of the 5"}},
		{name: "no members", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Members = nil; a.Threshold = 1 }, three...)
		}, want: trustlist.ErrMalformed},
		{name: "duplicate member", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) {
				a.Members = append(a.Members, trustlist.Member{Country: "AU", Name: "Australia again",
					RootKeys:      []json.RawMessage{mustJWK(t, newSignerKey(t).Public())},
					PublisherKeys: []json.RawMessage{mustJWK(t, newSignerKey(t).Public())}})
			}, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"AU listed twice"}},
		{name: "member without publisher keys", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { anchorMember(t, a, "GB").PublisherKeys = nil }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"GB needs root and publisher keys"}},
		{name: "member without root keys", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { anchorMember(t, a, "US").RootKeys = []json.RawMessage{} }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"US needs root and publisher keys"}},
		{name: "lower-case country", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { anchorMember(t, a, "GB").Country = "gb" }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{`"gb"`}},
		{name: "three-letter country", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { anchorMember(t, a, "GB").Country = "GBR" }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{`"GBR"`}},
		{name: "no aggregator key", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Aggregator = nil }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"aggregator"}},
		{name: "one key for two members", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) {
				anchorMember(t, a, "US").RootKeys = anchorMember(t, a, "GB").RootKeys
			}, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"appears twice"}},
		{name: "root key reused as publisher key", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) {
				m := anchorMember(t, a, "GB")
				m.PublisherKeys = m.RootKeys
			}, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"appears twice"}},
		{name: "aggregator key is a member key", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Aggregator = anchorMember(t, a, "US").PublisherKeys }, three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"also a member key"}},
		{name: "private key in the anchor", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { anchorMember(t, a, "GB").PublisherKeys = []json.RawMessage{privJWK()} }, three...)
		}, want: trustlist.ErrBadJWK, fragments: []string{"member GB", `"d"`}},
		{name: "garbage root key", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) {
				anchorMember(t, a, "GB").RootKeys = []json.RawMessage{json.RawMessage(`{"kty":"EC"}`)}
			}, three...)
		}, want: trustlist.ErrBadJWK},
		{name: "not an anchor", doc: func() []byte {
			return signPayload(t, editedPayload(t, f.baseAnchor(t), func(m map[string]any) { m["type"] = trustlist.TypeCountry }), three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"not an anchor"}},
		{name: "version 2", doc: func() []byte {
			return signPayload(t, editedPayload(t, f.baseAnchor(t), func(m map[string]any) { m["version"] = 2 }), three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"version 2"}},
		{name: "unknown payload field", doc: func() []byte {
			return signPayload(t, editedPayload(t, f.baseAnchor(t), func(m map[string]any) { m["quorum"] = 1 }), three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"quorum"}},
		{name: "unknown member field", doc: func() []byte {
			return signPayload(t, editedPayload(t, f.baseAnchor(t), func(m map[string]any) {
				m["members"].([]any)[0].(map[string]any)["admin"] = true
			}), three...)
		}, want: trustlist.ErrMalformed, fragments: []string{"admin"}},
		{name: "signatures grafted onto another payload", doc: func() []byte {
			other := f.anchorVariant(t, func(a *trustlist.Anchor) { a.Threshold = 1 })
			var o, orig trustlist.Signed
			if err := json.Unmarshal(other, &o); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(f.pub.Anchor, &orig); err != nil {
				t.Fatal(err)
			}
			o.Signatures = orig.Signatures
			b, err := o.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, want: trustlist.ErrSignature},
		{name: "header names another algorithm", doc: func() []byte {
			var s trustlist.Signed
			if err := json.Unmarshal(f.pub.Anchor, &s); err != nil {
				t.Fatal(err)
			}
			h, err := base64.RawURLEncoding.DecodeString(s.Signatures[0].Protected)
			if err != nil {
				t.Fatal(err)
			}
			var hdr map[string]any
			if err := json.Unmarshal(h, &hdr); err != nil {
				t.Fatal(err)
			}
			hdr["alg"] = "ES384"
			h, _ = json.Marshal(hdr)
			s.Signatures[0].Protected = base64.RawURLEncoding.EncodeToString(h)
			b, err := s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, want: trustlist.ErrSignature, fragments: []string{`"ES384"`}},
		{name: "not JSON", doc: func() []byte { return []byte("anchor") }, want: trustlist.ErrMalformed},
		{name: "empty", doc: func() []byte { return nil }, want: trustlist.ErrMalformed},
		{name: "payload not base64url", doc: func() []byte { return []byte(`{"payload":"a+b/","signatures":[]}`) }, want: trustlist.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			va, err := trustlist.VerifyAnchor(tc.doc())
			wantErr(t, err, tc.want, tc.fragments...)
			if tc.want != nil {
				if va != nil {
					t.Errorf("refused anchor returned as %+v", va)
				}
				return
			}
			if !slices.Equal(va.Signers, tc.wantSigners) {
				t.Errorf("signers %v, want %v", va.Signers, tc.wantSigners)
			}
		})
	}
}

// TestVerifyAnchorKeys checks that a verified anchor gives each key its role:
// a publisher key of the anchor verifies that member's list, and the same
// list signed by a root key does not.
func TestVerifyAnchorKeys(t *testing.T) {
	f := getFed(t)
	va := verifiedAnchor(t, f.pub.Anchor)
	if va.Sequence != 1 || va.Threshold != 3 || len(va.Members) != 5 {
		t.Fatalf("anchor %d/%d/%d", va.Sequence, va.Threshold, len(va.Members))
	}
	cl := f.countryList(t, "NZ", 1)
	if _, err := trustlist.VerifyCountryList(va, signDoc(t, cl, f.publisher("NZ")), verifyAt(fedAt)); err != nil {
		t.Fatal(err)
	}
	_, err := trustlist.VerifyCountryList(va, signDoc(t, cl, f.root("NZ")), verifyAt(fedAt))
	wantErr(t, err, trustlist.ErrUnknownSigner, "root key")
}

func TestVerifyAnchorUpdate(t *testing.T) {
	f := getFed(t)
	current := f.pub.VerifiedAnchor
	newRoot := map[string]fedSigner{}
	for _, cc := range []string{"AU", "CA", "NZ", "GB", "US"} {
		newRoot[cc] = fedSigner{newSignerKey(t), cc}
	}
	// next adds a new root key for each of ccs, with sequence seq.
	next := func(seq int64, ccs ...string) func(*trustlist.Anchor) {
		return func(a *trustlist.Anchor) {
			a.Sequence = seq
			for _, cc := range ccs {
				m := anchorMember(t, a, cc)
				m.RootKeys = append(m.RootKeys, mustJWK(t, newRoot[cc].key.Public()))
			}
		}
	}
	// replace swaps member cc's root key for its new one.
	replace := func(seq int64, cc string) func(*trustlist.Anchor) {
		return func(a *trustlist.Anchor) {
			a.Sequence = seq
			anchorMember(t, a, cc).RootKeys = []json.RawMessage{mustJWK(t, newRoot[cc].key.Public())}
		}
	}
	tests := []struct {
		name      string
		doc       func() []byte
		want      error
		fragments []string
	}{
		{name: "new root key, signed by threshold of current roots",
			doc: func() []byte { return f.anchorVariant(t, next(2, "AU"), f.root("AU"), f.root("CA"), f.root("NZ")) }},
		{name: "sequence jump", doc: func() []byte { return f.anchorVariant(t, next(9, "AU"), f.root("GB"), f.root("CA"), f.root("US")) }},
		{name: "new key signing too", doc: func() []byte {
			return f.anchorVariant(t, next(2, "AU"), newRoot["AU"], f.root("AU"), f.root("CA"), f.root("NZ"))
		}},
		{name: "root key replaced, signed by other members' current roots",
			doc: func() []byte { return f.anchorVariant(t, replace(2, "AU"), f.root("CA"), f.root("NZ"), f.root("GB")) }},
		{name: "threshold-1 current roots plus a new key",
			doc: func() []byte {
				return f.anchorVariant(t, next(2, "AU"), newRoot["AU"], f.root("CA"), f.root("NZ"))
			}, want: trustlist.ErrThreshold, fragments: []string{"2 of the current anchor's 3"}},
		{name: "threshold-1 current roots, own threshold met with new keys",
			doc: func() []byte {
				return f.anchorVariant(t, next(2, "AU", "CA", "NZ"), f.root("AU"), f.root("CA"), newRoot["NZ"])
			}, want: trustlist.ErrThreshold, fragments: []string{"2 of the current anchor's 3"}},
		{name: "only new keys", doc: func() []byte {
			return f.anchorVariant(t, next(2, "AU", "CA", "NZ"), newRoot["AU"], newRoot["CA"], newRoot["NZ"])
		}, want: trustlist.ErrThreshold, fragments: []string{"0 of the current anchor's 3"}},
		{name: "one current member twice plus another", doc: func() []byte {
			return f.anchorVariant(t, next(2, "AU"), f.root("AU"), newRoot["AU"], f.root("AU"), f.root("CA"))
		}, want: trustlist.ErrThreshold},
		{name: "threshold lowered to 1, signed by one current root", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Sequence = 2; a.Threshold = 1 }, f.root("AU"))
		}, want: trustlist.ErrThreshold, fragments: []string{"1 of the current anchor's 3"}},
		{name: "equal sequence", doc: func() []byte {
			return f.anchorVariant(t, next(1, "AU"), f.root("AU"), f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrRollback, fragments: []string{"sequence 1", "current 1"}},
		{name: "lower sequence", doc: func() []byte {
			return f.anchorVariant(t, next(0, "AU"), f.root("AU"), f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrRollback},
		{name: "the current anchor itself", doc: func() []byte { return f.pub.Anchor }, want: trustlist.ErrRollback},
		{name: "new anchor below its own threshold", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Sequence = 2; a.Threshold = 4 }, f.root("AU"), f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrThreshold},
		{name: "new anchor signed by an unknown key", doc: func() []byte {
			return f.anchorVariant(t, next(2), f.root("AU"), f.root("CA"), f.root("NZ"), newRoot["GB"])
		}, want: trustlist.ErrUnknownSigner},
		{name: "malformed new anchor", doc: func() []byte {
			return f.anchorVariant(t, func(a *trustlist.Anchor) { a.Sequence = 2; a.Threshold = 0 }, f.root("AU"), f.root("CA"), f.root("NZ"))
		}, want: trustlist.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.doc()
			got, err := trustlist.VerifyAnchorUpdate(current, data)
			wantErr(t, err, tc.want, tc.fragments...)
			if tc.want != nil && got != nil {
				t.Errorf("refused update returned an anchor")
			}
		})
	}

	t.Run("rotation chain", func(t *testing.T) {
		// Sequence 2 replaces AU's root key; sequence 3, signed with AU's
		// new key and two others, is accepted against 2 but not against 1;
		// AU's old key no longer counts.
		a2, err := trustlist.VerifyAnchorUpdate(current, f.anchorVariant(t, replace(2, "AU"), f.root("CA"), f.root("NZ"), f.root("GB")))
		if err != nil {
			t.Fatal(err)
		}
		a3doc := f.anchorVariant(t, func(a *trustlist.Anchor) {
			a.Sequence = 3
			anchorMember(t, a, "AU").RootKeys = []json.RawMessage{mustJWK(t, newRoot["AU"].key.Public())}
		}, newRoot["AU"], f.root("CA"), f.root("US"))
		a3, err := trustlist.VerifyAnchorUpdate(a2, a3doc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a3.Signers, []string{"AU", "CA", "US"}) {
			t.Errorf("signers %v", a3.Signers)
		}
		_, err = trustlist.VerifyAnchorUpdate(current, a3doc)
		wantErr(t, err, trustlist.ErrThreshold)
		_, err = trustlist.VerifyAnchorUpdate(a3, f.anchorVariant(t, func(a *trustlist.Anchor) {
			a.Sequence = 4
			anchorMember(t, a, "AU").RootKeys = []json.RawMessage{mustJWK(t, newRoot["AU"].key.Public())}
		}, f.root("AU"), f.root("CA"), f.root("US")))
		wantErr(t, err, trustlist.ErrUnknownSigner)
	})

	t.Run("current member with two root keys counts once", func(t *testing.T) {
		two := func(a *trustlist.Anchor) {
			m := anchorMember(t, a, "AU")
			m.RootKeys = append(m.RootKeys, mustJWK(t, newRoot["AU"].key.Public()))
		}
		cur := verifiedAnchor(t, f.anchorVariant(t, two, f.root("AU"), f.root("CA"), f.root("NZ")))
		_, err := trustlist.VerifyAnchorUpdate(cur, f.anchorVariant(t, func(a *trustlist.Anchor) { two(a); a.Sequence = 2; a.Threshold = 2 },
			f.root("AU"), newRoot["AU"], f.root("CA")))
		wantErr(t, err, trustlist.ErrThreshold, "2 of the current anchor's 3")
	})
}
