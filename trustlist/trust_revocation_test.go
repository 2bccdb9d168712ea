package trustlist_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

func TestCountryListRevoke(t *testing.T) {
	f := getFed(t)
	cl := f.countryList(t, "AU", 1)
	cl.Entries = append(cl.Entries, f.dscEntry(t, "AU"))
	cl.Entries[1].KID = "other"
	kid := cl.Entries[0].KID
	first := time.Date(2026, 1, 1, 10, 0, 0, 0, time.FixedZone("AEST", 10*3600))
	if n := cl.Revoke(kid, first, "key compromise"); n != 1 {
		t.Fatalf("Revoke marked %d entries, want 1", n)
	}
	e := cl.Entries[0]
	if e.Status != trustlist.StatusRevoked || !e.RevokedAt.Equal(first) || e.RevokedAt.Location() != time.UTC || e.Reason != "key compromise" {
		t.Errorf("entry after Revoke: %+v", e)
	}
	if cl.Entries[1].Status != trustlist.StatusActive {
		t.Errorf("another entry was revoked")
	}
	// Revoking again counts the entry but keeps the first revocation.
	if n := cl.Revoke(kid, first.Add(time.Hour), "again"); n != 1 {
		t.Errorf("second Revoke marked %d", n)
	}
	if e := cl.Entries[0]; !e.RevokedAt.Equal(first) || e.Reason != "key compromise" {
		t.Errorf("second Revoke changed the revocation: %v %q", e.RevokedAt, e.Reason)
	}
	if n := cl.Revoke("no such kid", first, ""); n != 0 {
		t.Errorf("Revoke of an unknown kid marked %d", n)
	}
}

func TestCountryListPrune(t *testing.T) {
	f := getFed(t)
	dsc := must(f.fed.Member("CA")).DSC
	mk := func() *trustlist.CountryList {
		cl := f.countryList(t, "CA", 1)
		active := cl.Entries[0]
		active.KID = "active-expired"
		unbounded := cl.Entries[0]
		unbounded.KID, unbounded.NotAfter = "revoked-unbounded", time.Time{}
		cl.Entries = append(cl.Entries, active, unbounded)
		cl.Revoke(cl.Entries[0].KID, fedT0, "superseded")
		cl.Revoke("revoked-unbounded", fedT0, "superseded")
		return cl
	}
	tests := []struct {
		name string
		now  time.Time
		n    int
		kids []string
	}{
		{"before expiry", fedAt, 0, []string{"", "active-expired", "revoked-unbounded"}},
		{"at expiry", dsc.NotAfter, 0, []string{"", "active-expired", "revoked-unbounded"}},
		{"after expiry", dsc.NotAfter.Add(time.Second), 1, []string{"active-expired", "revoked-unbounded"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := mk()
			if tc.kids[0] == "" {
				tc.kids[0] = cl.Entries[0].KID
			}
			if n := cl.Prune(tc.now); n != tc.n {
				t.Errorf("Prune dropped %d, want %d", n, tc.n)
			}
			var kids []string
			for _, e := range cl.Entries {
				kids = append(kids, e.KID)
			}
			if strings.Join(kids, " ") != strings.Join(tc.kids, " ") {
				t.Errorf("kept %v, want %v", kids, tc.kids)
			}
		})
	}
}

// revokedAU returns AU's list, sequence seq, with its DSC revoked.
func (f *fedFixture) revokedAU(t testing.TB, seq int64) *trustlist.CountryList {
	t.Helper()
	cl := f.countryList(t, "AU", seq)
	cl.Revoke(cl.Entries[0].KID, fedT0.Add(-time.Hour), "key compromise")
	return cl
}

// revokedAUAndOthers returns every member's list, sequence 2, AU's with its
// DSC revoked.
func (f *fedFixture) revokedAUAndOthers(t testing.TB) [][]byte {
	t.Helper()
	lists := f.allCountries(t, 2)
	lists[0] = f.signedCountry(t, f.revokedAU(t, 2))
	return lists
}

func TestStickyRevocation(t *testing.T) {
	f := getFed(t)
	dsc := must(f.fed.Member("AU")).DSC
	anchor := f.pub.VerifiedAnchor

	// Accept AU's list revoking its DSC.
	accepted, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, f.revokedAU(t, 2)), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	if !accepted.Keys[0].Revoked {
		t.Fatal("revoked entry verified as active")
	}
	var st trustlist.State
	st.AcceptCountry("AU", accepted)
	if len(st.Revoked) != 1 || st.Countries["AU"] != 2 {
		t.Fatalf("state after accepting: %+v", st)
	}
	for _, until := range st.Revoked {
		if !until.Equal(dsc.NotAfter) {
			t.Errorf("revocation remembered until %v, want the DSC's notAfter %v", until, dsc.NotAfter)
		}
	}
	// The state survives a save and load.
	saved, err := trustlist.MarshalState(&st)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := trustlist.ParseState(saved)
	if err != nil {
		t.Fatal(err)
	}
	if !statesEqual(st, *loaded) {
		t.Fatalf("state after a save and load: %+v, want %+v", *loaded, st)
	}

	// After the DSC expired, lists are issued later.
	late := dsc.NotAfter.Add(24 * time.Hour)
	lateList := func(cl *trustlist.CountryList) *trustlist.CountryList {
		cl.IssuedAt, cl.ExpiresAt = late, late.AddDate(0, 0, 7)
		return cl
	}
	tests := []struct {
		name  string
		list  func() *trustlist.CountryList
		at    time.Time
		state *trustlist.State
		want  error
	}{
		{name: "still revoked", list: func() *trustlist.CountryList { return f.revokedAU(t, 3) }},
		{name: "still revoked, same sequence", list: func() *trustlist.CountryList { return f.revokedAU(t, 2) }},
		{name: "still revoked with another reason", list: func() *trustlist.CountryList {
			cl := f.countryList(t, "AU", 3)
			cl.Revoke(cl.Entries[0].KID, fedT0, "superseded")
			return cl
		}},
		{name: "entry dropped", list: func() *trustlist.CountryList {
			cl := f.countryList(t, "AU", 3)
			cl.Entries = nil
			return cl
		}, want: trustlist.ErrRevocationUndone},
		{name: "entry re-activated", list: func() *trustlist.CountryList { return f.countryList(t, "AU", 3) },
			want: trustlist.ErrRevocationUndone},
		{name: "entry dropped, another key added", list: func() *trustlist.CountryList {
			cl := f.countryList(t, "AU", 3)
			cl.Entries = []trustlist.Entry{nzcpEntry(t, "did:web:au.example", "key-1")}
			return cl
		}, want: trustlist.ErrRevocationUndone},
		{name: "re-activated the day before notAfter", list: func() *trustlist.CountryList {
			cl := f.countryList(t, "AU", 3)
			cl.IssuedAt, cl.ExpiresAt = dsc.NotAfter.Add(-24*time.Hour), dsc.NotAfter.Add(24*time.Hour)
			return cl
		}, at: dsc.NotAfter.Add(-time.Hour), want: trustlist.ErrRevocationUndone},
		{name: "dropped after notAfter", list: func() *trustlist.CountryList {
			cl := lateList(f.countryList(t, "AU", 3))
			cl.Entries = nil
			return cl
		}, at: late.Add(time.Hour)},
		{name: "pruned after notAfter", list: func() *trustlist.CountryList {
			cl := lateList(f.revokedAU(t, 3))
			if n := cl.Prune(late); n != 1 || len(cl.Entries) != 0 {
				t.Fatalf("Prune dropped %d, %d left", n, len(cl.Entries))
			}
			return cl
		}, at: late.Add(time.Hour)},
		{name: "dropped without a state", state: &trustlist.State{}, list: func() *trustlist.CountryList {
			cl := f.countryList(t, "AU", 3)
			cl.Entries = nil
			return cl
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = fedAt
			}
			s := tc.state
			if s == nil {
				c := cloneState(&st)
				s = &c
			}
			_, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, tc.list()), trustlist.VerifyOptions{At: at, State: s})
			wantErr(t, err, tc.want, "AU/")
		})
	}

	t.Run("other countries unaffected", func(t *testing.T) {
		c := cloneState(&st)
		if _, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, f.countryList(t, "GB", 3)),
			trustlist.VerifyOptions{At: fedAt, State: &c}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("State.Prune", func(t *testing.T) {
		c := cloneState(&st)
		c.Prune(dsc.NotAfter.Add(-time.Second))
		if len(c.Revoked) != 1 {
			t.Fatalf("pruned before notAfter: %v", c.Revoked)
		}
		c.Prune(dsc.NotAfter)
		if len(c.Revoked) != 0 {
			t.Fatalf("kept after notAfter: %v", c.Revoked)
		}
	})
}

// TestStickyRevocationFederated follows a revocation through federated
// lists and a State, as a verifier refreshing its list would.
func TestStickyRevocationFederated(t *testing.T) {
	f := getFed(t)
	anchor := f.pub.VerifiedAnchor
	lists := f.allCountries(t, 1)
	revoked := append([][]byte{f.signedCountry(t, f.revokedAU(t, 2))}, lists[1:]...)
	var st trustlist.State
	l1, err := trustlist.VerifyFederated(anchor, f.federated(t, 1, lists...), trustlist.VerifyOptions{At: fedAt, State: &st})
	if err != nil {
		t.Fatal(err)
	}
	st.Accept(l1)
	l2, err := trustlist.VerifyFederated(anchor, f.federated(t, 2, revoked...), trustlist.VerifyOptions{At: fedAt, State: &st})
	if err != nil {
		t.Fatal(err)
	}
	st.Accept(l2)
	if st.Federated != 2 || st.Countries["AU"] != 2 || st.Countries["GB"] != 1 || len(st.Revoked) != 1 {
		t.Fatalf("state %+v", st)
	}
	// The aggregator re-publishes AU's old list (sequence 1, active key)
	// under a new federated sequence: the member's sequence refuses it.
	_, err = trustlist.VerifyFederated(anchor, f.federated(t, 3, lists...), trustlist.VerifyOptions{At: fedAt, State: &st})
	wantErr(t, err, trustlist.ErrRollback, "AU")
	// AU itself re-activates the key with a higher sequence.
	reactivated := append([][]byte{f.signedCountry(t, f.countryList(t, "AU", 3))}, lists[1:]...)
	_, err = trustlist.VerifyFederated(anchor, f.federated(t, 3, reactivated...), trustlist.VerifyOptions{At: fedAt, State: &st})
	wantErr(t, err, trustlist.ErrRevocationUndone, "member list 0")
	// The aggregator leaves AU's list out: AU's keys are gone, which
	// cannot make a revoked key usable.
	l3, err := trustlist.VerifyFederated(anchor, f.federated(t, 3, lists[1:]...), trustlist.VerifyOptions{At: fedAt, State: &st})
	if err != nil {
		t.Fatal(err)
	}
	if ks := l3.Lookup(credential.FormatHCERT, trustlist.HCERTKeyID(must(f.fed.Member("AU")).DSC.Raw)); len(ks) != 0 {
		t.Errorf("AU key still present: %v", ks)
	}
}

// nzcpEntry returns an NZCP entry (no certificate, so no notAfter unless
// given).
func nzcpEntry(t testing.TB, issuer, kid string) trustlist.Entry {
	t.Helper()
	return trustlist.Entry{KID: kid, Format: credential.FormatNZCP, Key: mustJWK(t, newSignerKey(t).Public()),
		Status: trustlist.StatusActive, Issuer: issuer}
}

// TestStickyRevocationWithoutExpiry: a revoked key without a notAfter
// never expires, so its revocation must stay sticky for ever. (NZCP and
// SHC keys are bare JWKs, commonly without validity.)
func TestStickyRevocationWithoutExpiry(t *testing.T) {
	f := getFed(t)
	anchor := f.pub.VerifiedAnchor
	e := nzcpEntry(t, "did:web:nzcp.covid19.health.nz", "z12Kf7UQ")
	cl := f.countryList(t, "NZ", 1)
	cl.Entries = []trustlist.Entry{e}
	cl.Revoke(e.KID, fedT0, "key compromise")
	v, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, cl), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	var st trustlist.State
	st.AcceptCountry("NZ", v)

	dropped := f.countryList(t, "NZ", 2)
	dropped.Entries = nil
	_, err = trustlist.VerifyCountryList(anchor, f.signedCountry(t, dropped), trustlist.VerifyOptions{At: fedAt, State: &st})
	wantErr(t, err, trustlist.ErrRevocationUndone)

	reactivated := f.countryList(t, "NZ", 2)
	reactivated.Entries = []trustlist.Entry{e}
	_, err = trustlist.VerifyCountryList(anchor, f.signedCountry(t, reactivated), trustlist.VerifyOptions{At: fedAt, State: &st})
	wantErr(t, err, trustlist.ErrRevocationUndone)
}

// TestStickyRevocationSameKIDOtherIssuer: NZCP and SHC keys are named by
// issuer and kid together, so two issuers may use the same kid. Revoking
// one issuer's key must neither refuse an unchanged list nor let the other
// entry's status hide a re-activation.
func TestStickyRevocationSameKIDOtherIssuer(t *testing.T) {
	f := getFed(t)
	anchor := f.pub.VerifiedAnchor
	a := nzcpEntry(t, "did:web:a.example", "key-1")
	b := nzcpEntry(t, "did:web:b.example", "key-1")
	list := func(seq int64, entries ...trustlist.Entry) []byte {
		cl := f.countryList(t, "NZ", seq)
		cl.Entries = entries
		return f.signedCountry(t, cl)
	}
	revokedA := a
	revokedA.Status, revokedA.RevokedAt, revokedA.NotAfter = trustlist.StatusRevoked, fedT0, fedT0.AddDate(1, 0, 0)

	v, err := trustlist.VerifyCountryList(anchor, list(1, revokedA, b), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	var st trustlist.State
	st.AcceptCountry("NZ", v)

	t.Run("unchanged list", func(t *testing.T) {
		c := cloneState(&st)
		_, err := trustlist.VerifyCountryList(anchor, list(2, revokedA, b), trustlist.VerifyOptions{At: fedAt, State: &c})
		wantErr(t, err, nil)
	})
	t.Run("unchanged list, other order", func(t *testing.T) {
		c := cloneState(&st)
		_, err := trustlist.VerifyCountryList(anchor, list(2, b, revokedA), trustlist.VerifyOptions{At: fedAt, State: &c})
		wantErr(t, err, nil)
	})
	t.Run("a re-activated, b revoked instead", func(t *testing.T) {
		revokedB := b
		revokedB.Status, revokedB.RevokedAt, revokedB.NotAfter = trustlist.StatusRevoked, fedT0, fedT0.AddDate(1, 0, 0)
		c := cloneState(&st)
		_, err := trustlist.VerifyCountryList(anchor, list(2, a, revokedB), trustlist.VerifyOptions{At: fedAt, State: &c})
		wantErr(t, err, trustlist.ErrRevocationUndone)
	})
}

// TestRevokedKeyRefusedByVerifier: a credential signed by a revoked DSC
// fails with key_revoked, even when it was signed before the revocation.
func TestRevokedKeyRefusedByVerifier(t *testing.T) {
	f := getFed(t)
	au := must(f.fed.Member("AU"))
	issued, err := au.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "AU"))
	if err != nil {
		t.Fatal(err)
	}
	lists := f.allCountries(t, 1)
	cl := f.countryList(t, "AU", 2)
	revokedAt := fedT0.Add(30 * time.Minute) // after the credential's iat (fedT0)
	cl.Revoke(cl.Entries[0].KID, revokedAt, "key compromise")
	lists[0] = f.signedCountry(t, cl)
	l, err := trustlist.VerifyFederated(f.pub.VerifiedAnchor, f.federated(t, 2, lists...), verifyAt(fedAt))
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return fedAt }

	good, err := verifier.New(f.pub.List, verifier.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	res, err := good.Verify(issued.Text)
	if err != nil {
		t.Fatalf("credential refused with the unrevoked list: %v", err)
	}
	if !res.IssuedAt.Before(revokedAt) {
		t.Fatalf("credential issued %v, not before the revocation %v", res.IssuedAt, revokedAt)
	}

	v, err := verifier.New(l, verifier.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(issued.Text)
	var ve *verifier.Error
	if !errors.As(err, &ve) || ve.Reason != credential.ReasonKeyRevoked {
		t.Fatalf("got %v, want %s", err, credential.ReasonKeyRevoked)
	}
	if !strings.Contains(ve.Error(), "key compromise") {
		t.Errorf("detail %q does not give the reason", ve.Error())
	}
	// Other members' credentials still verify.
	gb := must(f.fed.Member("GB"))
	other, err := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeTest, "GB"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(other.Text); err != nil {
		t.Errorf("GB credential: %v", err)
	}
}

// TestVerifierTrustFreshness checks how the verifier uses a federated
// list's status: fresh and stale lists verify (saying which), a list past
// the allowed age or expired fails with trust_list_stale, and a clock
// before the list's issue time with suspect_clock.
func TestVerifierTrustFreshness(t *testing.T) {
	f := getFed(t)
	// A credential valid long enough for every clock below.
	m := must(f.fed.Member("CA"))
	issued, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeTest, "CA"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		now       time.Time
		maxAge    time.Duration
		reason    credential.Reason
		freshness trustlist.Freshness
		age       time.Duration
	}{
		{name: "fresh", now: fedAt, freshness: trustlist.FreshnessFresh, age: time.Hour},
		{name: "stale", now: fedUp.Add(time.Hour), freshness: trustlist.FreshnessStale, age: 25 * time.Hour},
		{name: "stale within the allowed age", now: fedUp.Add(time.Hour), maxAge: 48 * time.Hour, freshness: trustlist.FreshnessStale, age: 25 * time.Hour},
		{name: "older than the allowed age", now: fedUp.Add(time.Hour), maxAge: 24 * time.Hour, reason: credential.ReasonTrustStale},
		{name: "expired", now: fedEx.Add(time.Minute), reason: credential.ReasonTrustStale},
		{name: "clock before issue", now: fedT0.Add(-time.Hour), reason: credential.ReasonSuspectClock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := []verifier.Option{verifier.WithClock(func() time.Time { return tc.now })}
			if tc.maxAge > 0 {
				opts = append(opts, verifier.WithMaxTrustAge(tc.maxAge))
			}
			v, err := verifier.New(f.pub.List, opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(issued.Text)
			if tc.reason != "" {
				var ve *verifier.Error
				if !errors.As(err, &ve) || ve.Reason != tc.reason {
					t.Fatalf("got %v, want %s", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Trust.Freshness != tc.freshness || res.Trust.Age != tc.age {
				t.Errorf("trust %+v, want %s with age %v", res.Trust, tc.freshness, tc.age)
			}
		})
	}
}

// aliasKID spells a standard base64 kid differently, decoding to the same
// bytes: the last data character's padding bits set.
func aliasKID(t testing.TB, kid string) string {
	t.Helper()
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	trimmed := strings.TrimRight(kid, "=")
	if len(trimmed)%4 == 0 {
		t.Fatalf("kid %q has no padding bits", kid)
	}
	last := strings.IndexByte(std, trimmed[len(trimmed)-1])
	alias := trimmed[:len(trimmed)-1] + string(std[last^1]) + kid[len(trimmed):]
	a, err1 := base64.StdEncoding.DecodeString(kid)
	b, err2 := base64.StdEncoding.DecodeString(alias)
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Fatalf("%q is no alias of %q (%v %v)", alias, kid, err1, err2)
	}
	return alias
}

// TestKIDAliases: an hcert kid is base64 of 8 bytes, which has padding
// bits; two spellings of one kid are one key. A list must not hold the
// same key twice under two spellings — least of all once active and once
// revoked, which would let the active copy verify credentials of a key the
// state remembers as revoked.
func TestKIDAliases(t *testing.T) {
	f := getFed(t)
	kid := f.dscEntry(t, "AU").KID
	for _, alias := range []struct{ how, kid string }{
		{"padding bits", aliasKID(t, kid)},
		{"line break", kid[:4] + "\n" + kid[4:]},
	} {
		t.Run(alias.how, func(t *testing.T) { testKIDAlias(t, f, alias.kid) })
	}
}

func testKIDAlias(t *testing.T, f *fedFixture, alias string) {
	anchor := f.pub.VerifiedAnchor
	t.Run("alias alone", func(t *testing.T) {
		cl := f.countryList(t, "AU", 1)
		cl.Entries[0].KID = alias
		_, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, cl), verifyAt(fedAt))
		if err != nil && !errors.Is(err, trustlist.ErrMalformed) {
			t.Fatalf("refused with %v", err)
		}
	})
	t.Run("same key twice", func(t *testing.T) {
		cl := f.countryList(t, "AU", 1)
		e := cl.Entries[0]
		e.KID = alias
		cl.Entries = append(cl.Entries, e)
		_, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, cl), verifyAt(fedAt))
		wantErr(t, err, trustlist.ErrMalformed)
	})
	t.Run("revoked key re-activated under an alias", func(t *testing.T) {
		first, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, f.revokedAU(t, 1)), verifyAt(fedAt))
		if err != nil {
			t.Fatal(err)
		}
		var st trustlist.State
		st.AcceptCountry("AU", first)
		cl := f.revokedAU(t, 2)
		active := f.dscEntry(t, "AU")
		active.KID = alias
		cl.Entries = append([]trustlist.Entry{active}, cl.Entries...)
		got, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, cl), trustlist.VerifyOptions{At: fedAt, State: &st})
		if err == nil {
			for _, k := range got.Keys {
				if !k.Revoked {
					t.Errorf("accepted with an active copy (kid %x) of the revoked key", k.KID)
				}
			}
			// What a verifier trusting the accepted keys makes of a
			// credential signed by the revoked DSC.
			v, err := verifier.New(trustlist.NewStatic(got.Keys...), verifier.WithClock(fixedClock(fedAt)))
			if err != nil {
				t.Fatal(err)
			}
			issued, err := must(f.fed.Member("AU")).Issuer.Issue(testvectors.SamplePayload(credential.TypeTest, "AU"))
			if err != nil {
				t.Fatal(err)
			}
			var ve *verifier.Error
			if _, err := v.Verify(issued.Text); !errors.As(err, &ve) || ve.Reason != credential.ReasonKeyRevoked {
				t.Errorf("credential of the revoked DSC: %v, want %s", err, credential.ReasonKeyRevoked)
			}
			return
		}
		if !errors.Is(err, trustlist.ErrMalformed) && !errors.Is(err, trustlist.ErrRevocationUndone) {
			t.Fatalf("refused with %v", err)
		}
	})
}

// TestStickyRevocationCannotBeShortened: once a revocation is remembered
// until the key's notAfter, a later list must not shorten that memory by
// restating the revoked entry with an earlier notAfter, and then
// re-activate the key with its real validity.
func TestStickyRevocationCannotBeShortened(t *testing.T) {
	f := getFed(t)
	anchor := f.pub.VerifiedAnchor
	dsc := must(f.fed.Member("AU")).DSC
	var st trustlist.State
	accept := func(cl *trustlist.CountryList) error {
		v, err := trustlist.VerifyCountryList(anchor, f.signedCountry(t, cl), trustlist.VerifyOptions{At: fedAt, State: &st})
		if err == nil {
			st.AcceptCountry("AU", v)
		}
		return err
	}
	if err := accept(f.revokedAU(t, 2)); err != nil {
		t.Fatal(err)
	}
	// Still revoked, but "expired" half an hour after the list's issue.
	shortened := f.revokedAU(t, 3)
	shortened.Entries[0].NotAfter = fedT0.Add(30 * time.Minute)
	if err := accept(shortened); err != nil && !errors.Is(err, trustlist.ErrMalformed) && !errors.Is(err, trustlist.ErrRevocationUndone) {
		t.Fatalf("shortened revocation refused with %v", err)
	}
	for id, until := range st.Revoked {
		if until.Before(dsc.NotAfter) {
			t.Errorf("revocation of %s now remembered only until %v (the DSC expires %v)", id, until, dsc.NotAfter)
		}
	}
	// Re-activated with the certificate's own validity.
	err := accept(f.countryList(t, "AU", 4))
	wantErr(t, err, trustlist.ErrRevocationUndone)
}
