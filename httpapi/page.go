package httpapi

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// web holds the checkpoint page: HTML, one script and one style sheet, and
// nothing loaded from elsewhere.
//
//go:embed web
var web embed.FS

// pageCSP allows the page its own script, style and API, the camera
// stream, and the canvas frames it grabs; nothing from other origins,
// no inline script, no framing.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// asset is an embedded file with its ETag.
type asset struct {
	data  []byte
	etag  string
	ctype string
}

var assets = loadAssets()

func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".svg":  "image/svg+xml",
	}
	fs.WalkDir(web, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := web.ReadFile(p)
		if err != nil {
			return err
		}
		out[path.Base(p)] = &asset{data: b, etag: etagOf(b), ctype: types[path.Ext(p)]}
		return nil
	})
	return out
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, assets["index.html"])
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a := assets[name]
	if a == nil || name == "index.html" {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, a)
}
