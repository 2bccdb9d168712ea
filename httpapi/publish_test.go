package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/trustlist/fetch"
)

func strongETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// checkDocument fetches path, expects want with a strong ETag and
// Cache-Control, then 304 for If-None-Match with that ETag (alone, in a
// list, and weak), and 200 for another ETag.
func checkDocument(t *testing.T, s http.Handler, path string, want []byte) {
	t.Helper()
	w := do(s, "GET", path, "", nil)
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
		t.Fatalf("GET %s: %d, %d bytes, want %d", path, w.Code, w.Body.Len(), len(want))
	}
	etag := w.Header().Get("ETag")
	if etag != strongETag(want) {
		t.Errorf("ETag %s, want %s", etag, strongETag(want))
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		w := do(s, "GET", path, "", nil, "If-None-Match", inm)
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes", inm, w.Code, w.Body.Len())
		}
		if w.Header().Get("ETag") != etag {
			t.Errorf("304 without the ETag")
		}
	}
	if w := do(s, "GET", path, "", nil, "If-None-Match", `"0000"`); w.Code != http.StatusOK {
		t.Errorf("stale If-None-Match: %d", w.Code)
	}
	if w := do(s, "HEAD", path, "", nil); w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
		t.Errorf("HEAD: %d", w.Code)
	}
}

func TestTrustListFromSource(t *testing.T) {
	s, _ := newServer(t, nil)
	checkDocument(t, s, "/v1/trustlist", testvectors.DemoFederatedList())
	checkDocument(t, s, "/v1/anchor", testvectors.DemoAnchor())
	if w := do(s, "POST", "/v1/trustlist", "text/plain", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
	// A static source has no list to publish.
	f := getFixture(t)
	st, _ := newServer(t, func(c *Config) { c.Trust = f.fed.Trust })
	decodeError(t, do(st, "GET", "/v1/trustlist", "", nil), http.StatusNotFound, "not_found")
	// Explicit documents win.
	se, _ := newServer(t, func(c *Config) {
		c.Trust = f.fed.Trust
		c.TrustList = func() []byte { return []byte(`{"x":1}`) }
		c.Anchor = []byte(`{"a":1}`)
	})
	checkDocument(t, se, "/v1/trustlist", []byte(`{"x":1}`))
	checkDocument(t, se, "/v1/anchor", []byte(`{"a":1}`))
}

// A refreshing cache: not ready, and nothing to publish, until the first
// load; ready and publishing after it.
func TestReadyzWithCache(t *testing.T) {
	dir := t.TempDir()
	listPath := filepath.Join(dir, "federated.json")
	os.WriteFile(listPath, testvectors.DemoFederatedList(), 0o644)
	anchor, err := trustlist.VerifyAnchor(testvectors.DemoAnchor())
	if err != nil {
		t.Fatal(err)
	}
	cache, err := fetch.New(listPath, anchor, fetch.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, func(c *Config) { c.Trust = cache; c.Demo = false })

	if w := do(s, "GET", "/healthz", "", nil); w.Code != http.StatusOK {
		t.Fatalf("healthz %d", w.Code)
	}
	w := do(s, "GET", "/readyz", "", nil)
	var st Status
	if w.Code != http.StatusServiceUnavailable || json.Unmarshal(w.Body.Bytes(), &st) != nil || st.Ready || len(st.Warnings) == 0 {
		t.Fatalf("readyz before load: %d %s", w.Code, w.Body)
	}
	decodeError(t, do(s, "GET", "/v1/trustlist", "", nil), http.StatusServiceUnavailable, "not_loaded")
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(getFixture(t).valid)))
	if v.Valid || v.Reason != credential.ReasonTrustStale {
		t.Fatalf("verify before load: %+v", v)
	}

	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	w = do(s, "GET", "/readyz", "", nil)
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &st) != nil || !st.Ready || st.Trust.Freshness != trustlist.FreshnessFresh || st.Demo {
		t.Fatalf("readyz after load: %d %s", w.Code, w.Body)
	}
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(getFixture(t).valid))); !v.Valid || len(v.Warnings) != 0 {
		t.Fatalf("verify after load: %+v", v)
	}
	checkDocument(t, s, "/v1/trustlist", testvectors.DemoFederatedList())
	checkDocument(t, s, "/v1/anchor", testvectors.DemoAnchor())
}

func TestReadyzTrustAge(t *testing.T) {
	s, _ := newServer(t, func(c *Config) { c.MaxTrustAge = time.Hour })
	w := do(s, "GET", "/readyz", "", nil)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "more than the 60 minutes allowed") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(getFixture(t).valid)))
	if v.Valid || v.Reason != credential.ReasonTrustStale {
		t.Fatalf("%+v", v)
	}
}

func TestStatusWarnings(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, func(c *Config) { c.Trust = staleSource{f.trust}; c.Demo = false })
	var st Status
	w := do(s, "GET", "/v1/status", "", nil)
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &st) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !st.Ready || st.Demo || st.Issuing || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "out of date") {
		t.Fatalf("%+v", st)
	}
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(f.valid)))
	if !v.Valid || v.Trust.Freshness != trustlist.FreshnessStale || len(v.Warnings) != 1 {
		t.Fatalf("%+v", v)
	}
	sd, _ := newServer(t, nil)
	w = do(sd, "GET", "/v1/status", "", nil)
	if json.Unmarshal(w.Body.Bytes(), &st) != nil || !st.Demo || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "DEMO") {
		t.Fatalf("demo: %s", w.Body)
	}
}

// The publish folder: documents served with ETags, replaced files picked up
// on the next request without a restart, drafts and other files never
// served.
func TestPublishDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		// As the publisher CLI does: a temporary file, then a rename.
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	au, _ := testvectors.DemoFile("AU.json")
	write(PublishedAnchor, testvectors.DemoAnchor())
	write("AU.json", au)
	write("AU.draft.json", []byte(`{"draft":true}`))
	os.WriteFile(filepath.Join(dir, "AU-publisher.key"), []byte("secret"), 0o600)

	s, _ := newServer(t, func(c *Config) { c.PublishDir = dir })
	decodeError(t, do(s, "GET", "/v1/trustlist", "", nil), http.StatusNotFound, "not_found")
	checkDocument(t, s, "/v1/anchor", testvectors.DemoAnchor())
	checkDocument(t, s, "/v1/lists/AU.json", au)

	// The publisher writes the federated list: served at once.
	v1 := testvectors.DemoFederatedList()
	write(PublishedList, v1)
	checkDocument(t, s, "/v1/trustlist", v1)
	old := strongETag(v1)

	// ... and replaces it: the next request gets the new bytes.
	v2 := append(append([]byte{}, v1...), '\n')
	write(PublishedList, v2)
	w := do(s, "GET", "/v1/trustlist", "", nil, "If-None-Match", old)
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), v2) || w.Header().Get("ETag") != strongETag(v2) {
		t.Fatalf("replaced list not picked up: %d, ETag %s", w.Code, w.Header().Get("ETag"))
	}
	// Rewritten in place with the same size (a publisher that does not
	// rename): picked up by the modification time.
	v3 := append(append([]byte{}, v1...), ' ')
	os.WriteFile(filepath.Join(dir, PublishedList), v3, 0o644)
	future := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Join(dir, PublishedList), future, future)
	checkDocument(t, s, "/v1/trustlist", v3)

	// Removed: 404.
	os.Remove(filepath.Join(dir, "AU.json"))
	decodeError(t, do(s, "GET", "/v1/lists/AU.json", "", nil), http.StatusNotFound, "not_found")

	for _, name := range []string{"AU.draft.json", "AU-publisher.key", ".federated.json.tmp", "..%2Fetc%2Fpasswd", "%2e%2e", "missing.json"} {
		if w := do(s, "GET", "/v1/lists/"+name, "", nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	var index struct{ Lists []PublishedFile }
	w = do(s, "GET", "/v1/lists", "", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &index); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range index.Lists {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "anchor.json,federated.json" {
		t.Errorf("index %s", got)
	}
}
