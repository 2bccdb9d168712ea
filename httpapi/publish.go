package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

// Names of the documents of a publish folder.
const (
	// PublishedList is the federated list served at GET /v1/trustlist.
	PublishedList = "federated.json"
	// PublishedAnchor is the anchor served at GET /v1/anchor.
	PublishedAnchor = "anchor.json"
)

// Cache-Control of trust documents: shared caches may keep them for five
// minutes; after that clients revalidate (cheaply, with If-None-Match).
const documentCacheControl = "public, max-age=300"

// document is a trust document ready to serve.
type document struct {
	data    []byte
	etag    string // strong: the quoted hex SHA-256 of data
	modTime time.Time
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// serveDocument answers with d, or 304 when If-None-Match names its ETag
// (http.ServeContent also answers HEAD and Range requests).
func serveDocument(w http.ResponseWriter, r *http.Request, d *document) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", d.etag)
	h.Set("Cache-Control", documentCacheControl)
	http.ServeContent(w, r, "", d.modTime, bytes.NewReader(d.data))
}

// memDoc remembers the ETag of the last bytes it was given, so a list
// that has not changed is not hashed again.
type memDoc struct {
	mu  sync.Mutex
	doc *document
}

func (m *memDoc) get(b []byte) *document {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.doc; d != nil && len(d.data) == len(b) && (len(b) == 0 || &d.data[0] == &b[0]) {
		return d
	}
	m.doc = &document{data: b, etag: etagOf(b)}
	return m.doc
}

// currentList returns the verified list behind the trust source, if any.
func (s *Server) currentList() *trustlist.List {
	switch t := s.cfg.Trust.(type) {
	case *trustlist.List:
		return t
	case interface{ Current() *trustlist.List }:
		return t.Current()
	}
	return nil
}

func (s *Server) handleTrustList(w http.ResponseWriter, r *http.Request) {
	if s.pub != nil {
		s.servePublished(w, r, PublishedList)
		return
	}
	var b []byte
	if s.cfg.TrustList != nil {
		b = s.cfg.TrustList()
	} else if l := s.currentList(); l != nil {
		b = l.Raw
	}
	s.serveMemory(w, r, &s.listDoc, b, "trust list")
}

func (s *Server) handleAnchor(w http.ResponseWriter, r *http.Request) {
	if s.pub != nil {
		s.servePublished(w, r, PublishedAnchor)
		return
	}
	b := s.cfg.Anchor
	if b == nil {
		if l := s.currentList(); l != nil && l.Anchor != nil {
			b = l.Anchor.Raw
		}
	}
	s.serveMemory(w, r, &s.anchorDoc, b, "anchor")
}

func (s *Server) serveMemory(w http.ResponseWriter, r *http.Request, m *memDoc, b []byte, what string) {
	if len(b) == 0 {
		if st := s.cfg.Trust.Status(s.now()); st.Expired && st.ExpiresAt.IsZero() {
			w.Header().Set("Retry-After", "30")
			s.refuse(w, r, errorf(http.StatusServiceUnavailable, "not_loaded", "no trust list is loaded yet"))
			return
		}
		s.refuse(w, r, errorf(http.StatusNotFound, "not_found", "this server publishes no %s", what))
		return
	}
	serveDocument(w, r, m.get(b))
}

func (s *Server) handlePublished(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.pub == nil || !publishable(name) {
		s.refuse(w, r, errorf(http.StatusNotFound, "not_found", "no such document"))
		return
	}
	s.servePublished(w, r, name)
}

func (s *Server) servePublished(w http.ResponseWriter, r *http.Request, name string) {
	d, err := s.pub.get(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.refuse(w, r, errorf(http.StatusNotFound, "not_found", "%s is not published", name))
	case err != nil:
		s.refuse(w, r, errorf(http.StatusInternalServerError, "internal", "%s cannot be read", name))
	default:
		serveDocument(w, r, d)
	}
}

// PublishedFile describes one document of the publish folder.
type PublishedFile struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

func (s *Server) handleListIndex(w http.ResponseWriter, r *http.Request) {
	if s.pub == nil {
		s.refuse(w, r, errorf(http.StatusNotFound, "not_found", "this server has no publish folder"))
		return
	}
	entries, err := os.ReadDir(s.pub.dir)
	if err != nil {
		s.refuse(w, r, errorf(http.StatusInternalServerError, "internal", "the publish folder cannot be read"))
		return
	}
	out := []PublishedFile{}
	for _, e := range entries {
		if !publishable(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, PublishedFile{Name: e.Name(), Size: fi.Size(), Modified: fi.ModTime().UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"lists": out})
}

// publishable reports whether a file name may be served from the publish
// folder: a plain *.json name, not hidden (the publisher's temporary
// files start with '.'), not a draft.
func publishable(name string) bool {
	if len(name) > 128 || !strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".draft.json") || name[0] == '.' || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// publishDir serves documents from a folder. Each request stats the file
// and reuses the cached bytes only while the file is the same one (same
// inode, size and modification time): the publisher's atomic renames are
// picked up at once.
type publishDir struct {
	dir   string
	mu    sync.Mutex
	files map[string]*dirFile
}

type dirFile struct {
	info os.FileInfo
	doc  *document
}

func (p *publishDir) get(name string) (*document, error) {
	path := filepath.Join(p.dir, name)
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		p.mu.Lock()
		delete(p.files, name)
		p.mu.Unlock()
		return nil, err
	}
	p.mu.Lock()
	f := p.files[name]
	p.mu.Unlock()
	if f != nil && os.SameFile(f.info, fi) && f.info.Size() == fi.Size() && f.info.ModTime().Equal(fi.ModTime()) {
		return f.doc, nil
	}
	data, fi, err := readLimited(path, trustlist.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	d := &document{data: data, etag: etagOf(data), modTime: fi.ModTime()}
	p.mu.Lock()
	p.files[name] = &dirFile{info: fi, doc: d}
	p.mu.Unlock()
	return d, nil
}

func readLimited(path string, max int64) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > max {
		return nil, nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, fi, nil
}
