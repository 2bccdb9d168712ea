package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/qr"
)

// IssueResponse is the body of POST /v1/issue with Accept:
// application/json.
type IssueResponse struct {
	// QR is the HC1: text to put in a QR code.
	QR string `json:"qr"`
	// KeyID is the signer's key id.
	KeyID []byte `json:"kid"`
	// Type is the credential type: v, t or r.
	Type credential.Type `json:"type"`
	// Country is the issuing country.
	Country   string    `json:"country"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Issuer == nil {
		s.refuse(w, r, errorf(http.StatusNotFound, "issuing_disabled", "this server does not issue credentials"))
		return
	}
	client, herr := s.authenticate(r)
	if herr != nil {
		s.metrics.issueRefused.WithLabelValues(herr.code).Inc()
		if herr.status == http.StatusUnauthorized {
			v := `Bearer realm="travelcred"`
			if herr.code == "invalid_token" {
				v += `, error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", v)
		}
		s.refuse(w, r, herr)
		return
	}
	addLog(r, slog.String("client", client))
	if ok, wait := s.issueLim.allow(client); !ok {
		s.metrics.issueRefused.WithLabelValues("rate_limited").Inc()
		s.metrics.rateLimited.WithLabelValues("issue").Inc()
		w.Header().Set("Retry-After", retryAfter(wait))
		s.refuse(w, r, errorf(http.StatusTooManyRequests, "rate_limited", "too many credentials issued by this client; retry later"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.refuse(w, r, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the DCC payload as application/json"))
		return
	}
	body, herr := readBody(w, r, s.maxBody)
	if herr != nil {
		s.refuse(w, r, herr)
		return
	}
	if !json.Valid(body) {
		s.refuse(w, r, errorf(http.StatusBadRequest, "unreadable_request", "invalid JSON"))
		return
	}
	out, err := s.cfg.Issuer.IssueJSON(body)
	if err != nil {
		code := "invalid_payload"
		switch {
		case errors.Is(err, issuer.ErrKeyUsage):
			code = "key_usage"
		case errors.Is(err, issuer.ErrValidity):
			code = "validity"
		}
		s.metrics.issueRefused.WithLabelValues(code).Inc()
		// The detail may quote the payload: it goes to the client only.
		s.refuse(w, r, &httpError{status: http.StatusUnprocessableEntity, code: code, detail: err.Error()})
		return
	}
	kid := base64.StdEncoding.EncodeToString(out.KeyID)
	s.metrics.issued.WithLabelValues(string(out.Type)).Inc()
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "issued",
		slog.String("id", w.Header().Get("X-Request-Id")),
		slog.String("client", client),
		slog.Time("at", out.IssuedAt),
		slog.String("kid", kid),
		slog.String("type", out.Type.String()),
		slog.String("country", s.cfg.Issuer.Country()),
		slog.Time("expires", out.ExpiresAt))
	addLog(r, slog.String("kid", kid), slog.String("type", out.Type.String()))

	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept")
	switch negotiate(r.Header.Get("Accept"), "text/plain", "application/json", "image/png") {
	case "image/png":
		png, err := qr.EncodePNG(out.Text)
		if err != nil {
			s.refuse(w, r, errorf(http.StatusInternalServerError, "internal", "the QR code could not be drawn"))
			return
		}
		h.Set("Content-Type", "image/png")
		h.Set("Content-Length", strconv.Itoa(len(png)))
		w.Write(png)
	case "application/json":
		writeJSON(w, http.StatusOK, IssueResponse{
			QR: out.Text, KeyID: out.KeyID, Type: out.Type, Country: s.cfg.Issuer.Country(),
			IssuedAt: out.IssuedAt, ExpiresAt: out.ExpiresAt,
		})
	default:
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(out.Text))
	}
}

// negotiate picks the offer the Accept header prefers (the first offer
// when the header is empty or names none of them). Wildcards count only
// when nothing is named exactly.
func negotiate(accept string, offers ...string) string {
	best, bestQ := offers[0], -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		for _, o := range offers {
			if mt == o && q > bestQ {
				best, bestQ = o, q
			}
		}
	}
	return best
}
