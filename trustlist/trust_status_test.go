package trustlist_test

import (
	"testing"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

func TestListStatus(t *testing.T) {
	f := getFed(t)
	noSkew, err := trustlist.VerifyFederated(f.pub.VerifiedAnchor, f.pub.Federated, trustlist.VerifyOptions{At: fedAt, Skew: -1})
	if err != nil {
		t.Fatal(err)
	}
	wideSkew, err := trustlist.VerifyFederated(f.pub.VerifiedAnchor, f.pub.Federated, trustlist.VerifyOptions{At: fedAt, Skew: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		list      *trustlist.List
		now       time.Time
		freshness trustlist.Freshness
		age       time.Duration
		expired   bool
		suspect   bool
	}{
		{name: "just issued", now: fedT0, freshness: trustlist.FreshnessFresh},
		{name: "an hour old", now: fedAt, freshness: trustlist.FreshnessFresh, age: time.Hour},
		{name: "just before nextUpdate", now: fedUp.Add(-time.Nanosecond), freshness: trustlist.FreshnessFresh, age: 24*time.Hour - time.Nanosecond},
		{name: "at nextUpdate", now: fedUp, freshness: trustlist.FreshnessStale, age: 24 * time.Hour},
		{name: "a day past nextUpdate", now: fedUp.Add(24 * time.Hour), freshness: trustlist.FreshnessStale, age: 48 * time.Hour},
		{name: "at expiry", now: fedEx, freshness: trustlist.FreshnessStale, age: 7 * 24 * time.Hour},
		{name: "past expiry", now: fedEx.Add(time.Second), freshness: trustlist.FreshnessStale, age: 7*24*time.Hour + time.Second, expired: true},
		{name: "clock early within skew", now: fedT0.Add(-trustlist.DefaultSkew + time.Second), freshness: trustlist.FreshnessFresh},
		{name: "clock early beyond skew", now: fedT0.Add(-trustlist.DefaultSkew - time.Second), freshness: trustlist.FreshnessFresh, suspect: true},
		{name: "clock a year early", now: fedT0.AddDate(-1, 0, 0), freshness: trustlist.FreshnessFresh, suspect: true},
		{name: "no skew, a second early", list: noSkew, now: fedT0.Add(-time.Second), freshness: trustlist.FreshnessFresh, suspect: true},
		{name: "no skew, on time", list: noSkew, now: fedT0, freshness: trustlist.FreshnessFresh},
		{name: "wide skew, 59 minutes early", list: wideSkew, now: fedT0.Add(-59 * time.Minute), freshness: trustlist.FreshnessFresh},
		{name: "wide skew, 61 minutes early", list: wideSkew, now: fedT0.Add(-61 * time.Minute), freshness: trustlist.FreshnessFresh, suspect: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.list
			if l == nil {
				l = f.pub.List
			}
			st := l.Status(tc.now)
			if st.Freshness != tc.freshness || st.Age != tc.age || st.Expired != tc.expired || st.SuspectClock != tc.suspect {
				t.Errorf("status %+v, want %s age %v expired %v suspect %v", st, tc.freshness, tc.age, tc.expired, tc.suspect)
			}
			if st.Sequence != 1 || !st.IssuedAt.Equal(fedT0) || !st.NextUpdate.Equal(fedUp) || !st.ExpiresAt.Equal(fedEx) {
				t.Errorf("status %+v does not describe the list", st)
			}
		})
	}
}
