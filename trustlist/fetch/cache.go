// Package fetch keeps a federated trust list current: it loads the list
// from a file or an https URL, verifies it against the pinned anchor, and
// refreshes it, keeping the last good list on any failure. It is separate
// from package trustlist so that offline verifiers (the embedded scanner)
// link no network code.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/rules"
	"github.com/b5m5/travelcred/trustlist"
)

// Cache holds the current federated list, loaded from a file or an https
// URL, and refreshes it. A list that fails verification never replaces the
// last good one. Cache implements Source; before the first successful load
// it holds no keys.
//
// New starts nothing: call Refresh to load once, and Run to refresh
// on an interval until its context ends.
type Cache struct {
	location string
	anchor   *trustlist.VerifiedAnchor
	opts     Options

	mu    sync.Mutex // serialises refreshes and guards state and etag
	state trustlist.State
	etag  string

	list atomic.Pointer[trustlist.List]
}

// Options configure a Cache.
type Options struct {
	// Client fetches https URLs (http.DefaultClient when nil).
	Client *http.Client
	// Clock gives the verification time (time.Now when nil).
	Clock func() time.Time
	// Interval between refreshes in Run (1 hour when zero).
	Interval time.Duration
	// OnError receives every refresh failure; the last good list stays.
	OnError func(error)
	// OnUpdate is called after a new list is accepted.
	OnUpdate func(*trustlist.List)
	// State seeds the rollback state (sequences already accepted).
	State *trustlist.State
	// MaxSize lowers trustlist.MaxDocumentSize.
	MaxSize int
	// Skew is the clock allowance (DefaultSkew when zero).
	Skew time.Duration
}

// New returns a cache for the list at location (a file path or an
// http(s) URL), verified against anchor.
func New(location string, anchor *trustlist.VerifiedAnchor, opts Options) (*Cache, error) {
	if anchor == nil {
		return nil, errors.New("fetch: a cache needs an anchor")
	}
	if location == "" {
		return nil, errors.New("fetch: no list location")
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Hour
	}
	c := &Cache{location: location, anchor: anchor, opts: opts}
	if opts.State != nil {
		c.state = copyState(*opts.State) // never write into the caller's maps
	}
	return c, nil
}

// ErrNotModified is returned by Refresh when the server answered 304.
var ErrNotModified = errors.New("fetch: not modified")

// Refresh loads the list once. On success it becomes the current list; on
// any failure the current list stays and the error is returned (and given
// to OnError).
func (c *Cache) Refresh(ctx context.Context) error {
	c.mu.Lock()
	l, err := c.refresh(ctx)
	c.mu.Unlock()
	// Callbacks run without the lock, so they may use the cache (save its
	// State, say).
	if err != nil && !errors.Is(err, ErrNotModified) && c.opts.OnError != nil {
		c.opts.OnError(err)
	}
	if l != nil && c.opts.OnUpdate != nil {
		c.opts.OnUpdate(l)
	}
	return err
}

func (c *Cache) refresh(ctx context.Context) (*trustlist.List, error) {
	data, etag, err := c.fetch(ctx)
	if err != nil {
		return nil, err
	}
	st := copyState(c.state) // verification must not touch the accepted state
	l, err := trustlist.VerifyFederated(c.anchor, data, trustlist.VerifyOptions{At: c.opts.Clock(), State: &st, MaxSize: c.opts.MaxSize, Skew: c.opts.Skew})
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", c.location, err)
	}
	c.state.Accept(l)
	c.etag = etag
	c.list.Store(l)
	return l, nil
}

func (c *Cache) maxSize() int64 {
	if c.opts.MaxSize > 0 && c.opts.MaxSize < trustlist.MaxDocumentSize {
		return int64(c.opts.MaxSize)
	}
	return trustlist.MaxDocumentSize
}

func (c *Cache) fetch(ctx context.Context) ([]byte, string, error) {
	if !strings.HasPrefix(c.location, "https://") && !strings.HasPrefix(c.location, "http://") {
		f, err := os.Open(c.location)
		if err != nil {
			return nil, "", fmt.Errorf("fetch: %w", err)
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, c.maxSize()+1))
		if err != nil {
			return nil, "", fmt.Errorf("fetch: %w", err)
		}
		if int64(len(data)) > c.maxSize() {
			return nil, "", fmt.Errorf("%w: %s is over %d bytes", trustlist.ErrTooLarge, c.location, c.maxSize())
		}
		return data, "", nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.location, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: %w", err)
	}
	if c.etag != "" && c.list.Load() != nil {
		req.Header.Set("If-None-Match", c.etag)
	}
	client := c.opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch: fetching %s: %w", c.location, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return nil, "", ErrNotModified
	default:
		return nil, "", fmt.Errorf("fetch: fetching %s: HTTP %s", c.location, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxSize()+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch: reading %s: %w", c.location, err)
	}
	if int64(len(data)) > c.maxSize() {
		return nil, "", fmt.Errorf("%w: %s is over %d bytes", trustlist.ErrTooLarge, c.location, c.maxSize())
	}
	return data, resp.Header.Get("ETag"), nil
}

// Run refreshes the list every Interval until ctx ends. Errors go to
// OnError; it returns ctx's error.
func (c *Cache) Run(ctx context.Context) error {
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			c.Refresh(ctx)
		}
	}
}

// Current returns the current list, or nil before the first success.
func (c *Cache) Current() *trustlist.List { return c.list.Load() }

// copyState returns a deep copy of s.
func copyState(s trustlist.State) trustlist.State {
	out := s
	cp := func(m map[string]int64) map[string]int64 {
		n := make(map[string]int64, len(m))
		for k, v := range m {
			n[k] = v
		}
		return n
	}
	out.Countries, out.Revocations, out.RuleSets = cp(s.Countries), cp(s.Revocations), cp(s.RuleSets)
	out.Revoked = make(map[string]time.Time, len(s.Revoked))
	for k, v := range s.Revoked {
		out.Revoked[k] = v
	}
	return out
}

// State returns a copy of the rollback state, for saving.
func (c *Cache) State() trustlist.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyState(c.state)
}

// Lookup implements trustlist.Source.
func (c *Cache) Lookup(format credential.Format, ref []byte) []*trustlist.Key {
	if l := c.list.Load(); l != nil {
		return l.Lookup(format, ref)
	}
	return nil
}

// Status implements trustlist.Source. Before the first load the cache reports an
// expired, stale list.
func (c *Cache) Status(now time.Time) trustlist.Status {
	if l := c.list.Load(); l != nil {
		return l.Status(now)
	}
	return trustlist.Status{Freshness: trustlist.FreshnessStale, Expired: true}
}

// Revoked implements trustlist.RevocationSource.
func (c *Cache) Revoked(format credential.Format, ref []byte, h trustlist.CredentialHashes) (string, bool) {
	if l := c.list.Load(); l != nil {
		return l.Revoked(format, ref, h)
	}
	return "", false
}

// RuleSet returns the current list's rules and value sets.
func (c *Cache) RuleSet() (*rules.Set, *rules.ValueSets) {
	if l := c.list.Load(); l != nil {
		return l.RuleSet()
	}
	return nil, nil
}
