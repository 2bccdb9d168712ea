package trustlist_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/trustlist/fetch"
	"github.com/b5m5/travelcred/verifier"
)

// listServer serves one document at a time, with an ETag, answering 304
// to a matching If-None-Match. It records the If-None-Match of every
// request.
type listServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	etag    string
	status  int // when not 0, answer this status with no body
	ifNone  []string
	request chan struct{}
}

func newListServer(t *testing.T, body []byte, etag string) *listServer {
	t.Helper()
	s := &listServer{body: body, etag: etag, request: make(chan struct{}, 1000)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ifNone = append(s.ifNone, r.Header.Get("If-None-Match"))
		select {
		case s.request <- struct{}{}:
		default:
		}
		if s.status != 0 {
			w.WriteHeader(s.status)
			return
		}
		if s.etag != "" {
			if r.Header.Get("If-None-Match") == s.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", s.etag)
		}
		w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *listServer) serve(body []byte, etag string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag, s.status = body, etag, status
}

func (s *listServer) ifNoneMatch() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ifNone...)
}

// errorLog collects the errors a cache reports.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorLog) add(err error) { e.mu.Lock(); e.errs = append(e.errs, err); e.mu.Unlock() }
func (e *errorLog) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

func TestCacheNew(t *testing.T) {
	f := getFed(t)
	if _, err := fetch.New("list.json", nil, fetch.Options{}); err == nil {
		t.Error("New accepted a nil anchor")
	}
	if _, err := fetch.New("", f.pub.VerifiedAnchor, fetch.Options{}); err == nil {
		t.Error("New accepted an empty location")
	}
	// Other tests' servers may still be winding down, so a change in the
	// goroutine count is only a failure when every attempt sees one; a
	// constructor starting goroutines shows 20 more each time.
	var caches []*fetch.Cache
	for attempt := 1; ; attempt++ {
		before := runtime.NumGoroutine()
		caches = caches[:0]
		for i := 0; i < 20; i++ {
			c, err := fetch.New("https://trust.invalid/list.json", f.pub.VerifiedAnchor, fetch.Options{Interval: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			caches = append(caches, c)
		}
		after := runtime.NumGoroutine()
		if after == before {
			break
		}
		if attempt == 5 {
			t.Fatalf("New started goroutines: %d before, %d after 20 caches", before, after)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Before the first load: no keys, an expired status, no list.
	c := caches[0]
	if c.Current() != nil {
		t.Error("a list before the first load")
	}
	kid := trustlist.HCERTKeyID(must(f.fed.Member("AU")).DSC.Raw)
	if ks := c.Lookup(credential.FormatHCERT, kid); ks != nil {
		t.Errorf("lookup before the first load: %v", ks)
	}
	st := c.Status(fedAt)
	if !st.Expired || st.Freshness == trustlist.FreshnessFresh {
		t.Errorf("status before the first load: %+v", st)
	}
	// A verifier over it refuses with trust_list_stale.
	v, err := verifier.New(c, verifier.WithClock(fixedClock(fedAt)))
	if err != nil {
		t.Fatal(err)
	}
	issued, err := must(f.fed.Member("AU")).Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "AU"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(issued.Text)
	var ve *verifier.Error
	if !errors.As(err, &ve) || ve.Reason != credential.ReasonTrustStale {
		t.Errorf("verify before the first load: %v, want %s", err, credential.ReasonTrustStale)
	}
	runtime.KeepAlive(caches)
}

func TestCacheRefreshFromFile(t *testing.T) {
	f := getFed(t)
	path := filepath.Join(t.TempDir(), "federated.json")
	write := func(b []byte) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(f.pub.Federated)
	var log errorLog
	var updates []*trustlist.List
	c, err := fetch.New(path, f.pub.VerifiedAnchor, fetch.Options{Clock: fixedClock(fedAt), OnError: log.add,
		OnUpdate: func(l *trustlist.List) { updates = append(updates, l) }, MaxSize: len(f.pub.Federated) + 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	good := c.Current()
	if good == nil || good.Len() != 5 || len(updates) != 1 || updates[0] != good {
		t.Fatalf("after the first refresh: list %v, %d updates", good, len(updates))
	}
	kid := trustlist.HCERTKeyID(must(f.fed.Member("GB")).DSC.Raw)
	if ks := c.Lookup(credential.FormatHCERT, kid); len(ks) != 1 || ks[0].Country != "GB" {
		t.Errorf("lookup: %v", ks)
	}
	if st := c.Status(fedAt); st.Freshness != trustlist.FreshnessFresh || st.Sequence != 1 {
		t.Errorf("status %+v", st)
	}

	tamperedDoc := append([]byte(nil), f.pub.Federated...)
	tamperedDoc[len(tamperedDoc)/2] = tamperByte(tamperedDoc[len(tamperedDoc)/2])
	failures := []struct {
		name string
		doc  []byte // nil: remove the file
		want error
	}{
		{"tampered", tamperedDoc, nil},
		{"over MaxSize", padTo(f.pub.Federated, len(f.pub.Federated)+101), trustlist.ErrTooLarge},
		{"not JSON", []byte("<html>"), trustlist.ErrMalformed},
		{"empty", []byte{}, trustlist.ErrMalformed},
		{"missing", nil, os.ErrNotExist},
	}
	for i, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			if tc.doc == nil {
				os.Remove(path)
			} else {
				write(tc.doc)
			}
			err := c.Refresh(context.Background())
			if err == nil {
				t.Fatal("refresh succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v does not wrap %v", err, tc.want)
			}
			if c.Current() != good {
				t.Error("the last good list was replaced")
			}
			if errs := log.all(); len(errs) != i+1 || errs[i] != err {
				t.Errorf("OnError got %v, want the %d errors so far ending in %v", errs, i+1, err)
			}
			if len(updates) != 1 {
				t.Errorf("OnUpdate called on a failure")
			}
		})
	}
	// A good list again.
	write(f.federated(t, 2, f.allCountries(t, 1)...))
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Current() == good || c.Current().Sequence != 2 || len(updates) != 2 {
		t.Errorf("new list not taken: sequence %d, %d updates", c.Current().Sequence, len(updates))
	}
}

func TestCacheRefreshFromURL(t *testing.T) {
	f := getFed(t)
	srv := newListServer(t, f.pub.Federated, `"v1"`)
	var log errorLog
	c, err := fetch.New(srv.URL+"/federated.json", f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(),
		Clock: fixedClock(fedAt), OnError: log.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	first := c.Current()
	if first == nil || first.Len() != 5 {
		t.Fatalf("list %v", first)
	}
	// The second refresh sends the ETag and takes the 304.
	err = c.Refresh(ctx)
	if !errors.Is(err, fetch.ErrNotModified) {
		t.Fatalf("second refresh: %v, want ErrNotModified", err)
	}
	if c.Current() != first {
		t.Error("the list changed on 304")
	}
	if got := srv.ifNoneMatch(); len(got) != 2 || got[0] != "" || got[1] != `"v1"` {
		t.Errorf("If-None-Match sent: %q, want none then \"v1\"", got)
	}
	if errs := log.all(); len(errs) != 0 {
		t.Errorf("304 reported as an error: %v", errs)
	}
	// A new list with a new ETag is taken, and its ETag sent next.
	srv.serve(f.federated(t, 2, f.allCountries(t, 2)...), `"v2"`, 0)
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Current().Sequence != 2 {
		t.Fatalf("sequence %d", c.Current().Sequence)
	}
	if err := c.Refresh(ctx); !errors.Is(err, fetch.ErrNotModified) {
		t.Fatalf("refresh after v2: %v", err)
	}
	if got := srv.ifNoneMatch(); got[len(got)-1] != `"v2"` {
		t.Errorf("If-None-Match %q, want \"v2\"", got[len(got)-1])
	}
	st := c.State()
	if st.Federated != 2 || st.Countries["AU"] != 2 {
		t.Errorf("state %+v", st)
	}
	st.Countries["AU"] = 0 // State returns a copy
	if c.State().Countries["AU"] != 2 {
		t.Error("State() shares its maps with the cache")
	}
}

func TestCacheKeepsLastGoodList(t *testing.T) {
	f := getFed(t)
	good := f.federated(t, 3, f.allCountries(t, 3)...)
	tamperedDoc := append([]byte(nil), good...)
	tamperedDoc[len(tamperedDoc)-300] = tamperByte(tamperedDoc[len(tamperedDoc)-300])
	revokedLists := f.allCountries(t, 3)
	revokedLists[0] = f.signedCountry(t, f.revokedAU(t, 3))
	tests := []struct {
		name   string
		body   []byte
		status int
		opts   fetch.Options
		later  time.Time // the clock after the first refresh
		want   error
	}{
		{name: "HTTP 500", status: http.StatusInternalServerError},
		{name: "HTTP 404", status: http.StatusNotFound},
		{name: "tampered body", body: tamperedDoc, want: trustlist.ErrSignature},
		{name: "federated rollback", body: f.federated(t, 2, f.allCountries(t, 3)...), want: trustlist.ErrRollback},
		{name: "member rollback", body: f.federated(t, 4, f.allCountries(t, 2)...), want: trustlist.ErrRollback},
		{name: "over MaxSize", body: padTo(good, len(good)+1), opts: fetch.Options{MaxSize: len(good)}, want: trustlist.ErrTooLarge},
		{name: "over MaxDocumentSize", body: padTo(good, trustlist.MaxDocumentSize+1), want: trustlist.ErrTooLarge},
		{name: "expired list", body: good, later: fedEx.Add(time.Hour), want: trustlist.ErrExpiredList},
		{name: "not JSON", body: []byte("<html>maintenance</html>"), want: trustlist.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newListServer(t, good, `"good"`)
			var log errorLog
			o := tc.opts
			o.Client, o.OnError = srv.Client(), log.add
			var now atomic.Pointer[time.Time]
			now.Store(&fedAt)
			o.Clock = func() time.Time { return *now.Load() }
			if o.MaxSize == 0 {
				o.MaxSize = trustlist.MaxDocumentSize
			}
			c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			last := c.Current()
			if !tc.later.IsZero() {
				now.Store(&tc.later)
			}
			srv.serve(tc.body, `"bad"`, tc.status)
			err = c.Refresh(context.Background())
			if err == nil {
				t.Fatal("refresh succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v does not wrap %v", err, tc.want)
			}
			if tc.status != 0 && !strings.Contains(err.Error(), http.StatusText(tc.status)) && !strings.Contains(err.Error(), "HTTP") {
				t.Errorf("error %q does not name the HTTP status", err)
			}
			if c.Current() != last {
				t.Error("the last good list was replaced")
			}
			if errs := log.all(); len(errs) != 1 || errs[0] != err {
				t.Errorf("OnError got %v", errs)
			}
			if st := c.State(); st.Federated != 3 || st.Countries["AU"] != 3 {
				t.Errorf("a failed refresh changed the state: %+v", st)
			}
			// The failed list's ETag is not remembered.
			srv.serve(good, `"good"`, 0)
			if err := c.Refresh(context.Background()); !errors.Is(err, fetch.ErrNotModified) {
				t.Errorf("refresh after the failure: %v, want ErrNotModified", err)
			}
		})
	}
	t.Run("seeded state", func(t *testing.T) {
		srv := newListServer(t, good, "")
		var log errorLog
		c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt),
			OnError: log.add, State: &trustlist.State{Federated: 5}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Refresh(context.Background()); !errors.Is(err, trustlist.ErrRollback) {
			t.Fatalf("refresh: %v, want ErrRollback", err)
		}
		if c.Current() != nil || len(log.all()) != 1 {
			t.Errorf("list %v, errors %v", c.Current(), log.all())
		}
	})
	t.Run("revocation undone", func(t *testing.T) {
		srv := newListServer(t, f.federated(t, 3, revokedLists...), "")
		c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt)})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		last := c.Current()
		srv.serve(f.federated(t, 4, f.allCountries(t, 4)...), "", 0)
		if err := c.Refresh(context.Background()); !errors.Is(err, trustlist.ErrRevocationUndone) {
			t.Fatalf("refresh: %v, want ErrRevocationUndone", err)
		}
		kid := trustlist.HCERTKeyID(must(f.fed.Member("AU")).DSC.Raw)
		if c.Current() != last || len(c.Lookup(credential.FormatHCERT, kid)) != 1 || !c.Lookup(credential.FormatHCERT, kid)[0].Revoked {
			t.Error("the revoked key is no longer revoked")
		}
	})
}

func TestCacheRun(t *testing.T) {
	f := getFed(t)
	srv := newListServer(t, f.pub.Federated, `"v1"`)
	var log errorLog
	var mu sync.Mutex
	updates := 0
	c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt),
		Interval: 5 * time.Millisecond, OnError: log.add, OnUpdate: func(*trustlist.List) { mu.Lock(); updates++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	timeout := time.After(30 * time.Second)
	for i := 0; i < 3; i++ {
		select {
		case <-srv.request:
		case <-timeout:
			cancel()
			t.Fatalf("only %d refreshes", i)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
	if c.Current() == nil {
		t.Fatal("Run loaded no list")
	}
	mu.Lock()
	defer mu.Unlock()
	if updates != 1 {
		t.Errorf("%d updates, want 1 (the rest were 304)", updates)
	}
	for _, err := range log.all() {
		// A refresh cut short by the cancel may report it.
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error: %v", err)
		}
	}
	// Run with an already cancelled context returns at once.
	if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run on a cancelled context: %v", err)
	}
}

// TestCacheConcurrentUse looks keys up while refreshes replace the list;
// run with -race.
func TestCacheConcurrentUse(t *testing.T) {
	f := getFed(t)
	srv := newListServer(t, f.pub.Federated, "")
	c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	kid := trustlist.HCERTKeyID(must(f.fed.Member("NZ")).DSC.Raw)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if ks := c.Lookup(credential.FormatHCERT, kid); len(ks) != 1 {
					t.Errorf("lookup found %d keys", len(ks))
					return
				}
				_ = c.Status(fedAt)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if err := c.Refresh(context.Background()); err != nil {
			t.Error(err)
		}
		_ = c.State()
	}
	wg.Wait()
}

// TestCacheCallbacksMayUseCache: the natural OnUpdate saves the cache's
// rollback state (c.State()) so that it survives a restart, and an OnError
// may look at it too. The callbacks must not deadlock the cache.
func TestCacheCallbacksMayUseCache(t *testing.T) {
	f := getFed(t)
	srv := newListServer(t, f.pub.Federated, "")
	var c *fetch.Cache
	var saved []trustlist.State
	var mu sync.Mutex
	c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt),
		OnUpdate: func(*trustlist.List) { st := c.State(); mu.Lock(); saved = append(saved, st); mu.Unlock() },
		OnError:  func(error) { st := c.State(); mu.Lock(); saved = append(saved, st); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name   string
		status int
	}{{"update", 0}, {"error", http.StatusBadGateway}} {
		srv.serve(f.pub.Federated, "", step.status)
		done := make(chan error, 1)
		go func() { done <- c.Refresh(context.Background()) }()
		select {
		case err := <-done:
			if (err != nil) != (step.status != 0) {
				t.Fatalf("%s: refresh returned %v", step.name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Refresh deadlocked: the callback called c.State() while Refresh holds the cache's lock", step.name)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(saved) != 2 || saved[0].Federated != 1 || saved[0].Countries["AU"] != 1 {
		t.Errorf("states seen by the callbacks: %+v", saved)
	}
}

// TestCacheDoesNotWriteSeedState: Options.State seeds the rollback state;
// the cache keeps its own copy and never writes into the caller's maps
// (which the caller may be reading or saving meanwhile).
func TestCacheDoesNotWriteSeedState(t *testing.T) {
	f := getFed(t)
	srv := newListServer(t, f.federated(t, 2, f.revokedAUAndOthers(t)...), "")
	seed := &trustlist.State{Federated: 1, Countries: map[string]int64{"AU": 1}, Revoked: map[string]time.Time{}}
	c, err := fetch.New(srv.URL, f.pub.VerifiedAnchor, fetch.Options{Client: srv.Client(), Clock: fixedClock(fedAt), State: seed})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := c.State(); st.Federated != 2 || st.Countries["AU"] != 2 || len(st.Revoked) != 1 {
		t.Fatalf("cache state %+v", st)
	}
	if seed.Federated != 1 || len(seed.Countries) != 1 || seed.Countries["AU"] != 1 || len(seed.Revoked) != 0 {
		t.Errorf("the caller's seed state was changed: %+v", *seed)
	}
}
