package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

// VerifyRequest is the JSON body accepted by POST /v1/verify.
type VerifyRequest struct {
	// QR is the credential text, as a QR code holds it.
	QR string `json:"qr"`
	// To is the destination country (ISO 3166-1 alpha-2) whose entry
	// rules apply: the answer then carries "entry". It may also be given
	// as the query parameter ?to=CC, for text and image bodies.
	To string `json:"to,omitempty"`
}

// VerifyResponse is the body of every 200 answer of POST /v1/verify: the
// verdict that the CLI's --json output also prints, and what a checkpoint
// must know about the trust behind it.
type VerifyResponse struct {
	verifier.Verdict
	// Hint is advice for the operator when text was refused as malformed
	// in a way scanners typically damage it (a keyboard-layout mismatch,
	// for example).
	Hint string `json:"hint,omitempty"`
	// Demo reports that the built-in demo trust list is in use.
	Demo bool `json:"demo,omitempty"`
	// Warnings are the trust warnings of GET /v1/status at the time of
	// the verification.
	Warnings []string `json:"warnings,omitempty"`
	// Entry is the destination's business-rule outcome for a valid EU DCC
	// when a destination was asked for.
	Entry *verifier.Entry `json:"entry,omitempty"`
}

// multipartSlack is what a multipart body may add to an image: headers,
// boundaries and a small text field.
const multipartSlack = 64 << 10

// maxParts bounds the parts of a multipart body that are looked at.
const maxParts = 8

// maxDiagnoseLen bounds the text that scanner.Diagnose looks at (its cost
// grows with the length): 4,296 characters is the most a QR code holds
// (version 40, alphanumeric), so longer text was not scanned.
const maxDiagnoseLen = 4296

// imageWait is how long an image request waits for a decoding slot.
const imageWait = 10 * time.Second

// httpError is a request that gets an error status instead of a verdict.
type httpError struct {
	status       int
	code, detail string
}

func (e *httpError) Error() string { return e.code + ": " + e.detail }

func errorf(status int, code, format string, args ...any) *httpError {
	return &httpError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

const acceptedTypes = "text/plain, application/json, image/png, image/jpeg or multipart/form-data"

// verifyInput is what a request asks to verify: text or image bytes.
type verifyInput struct {
	text  string
	image []byte
	to    string
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.verifyLim.allow(hostOf(r.RemoteAddr)); !ok {
		s.metrics.rateLimited.WithLabelValues("verify").Inc()
		w.Header().Set("Retry-After", retryAfter(wait))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests from this address; retry later")
		return
	}
	mt, herr := mediaType(r)
	if herr != nil {
		s.refuse(w, r, herr)
		return
	}
	isImage := mt == "image/png" || mt == "image/jpeg" || mt == "multipart/form-data"
	if isImage {
		release, ok := s.acquireImage(r)
		if !ok {
			w.Header().Set("Retry-After", "1")
			s.refuse(w, r, errorf(http.StatusServiceUnavailable, "busy", "too many images are being checked; retry in a moment"))
			return
		}
		defer release()
	}
	in, herr := s.readVerifyInput(w, r, mt)
	if herr != nil {
		s.refuse(w, r, herr)
		return
	}
	start := time.Now()
	var res *verifier.Result
	var err error
	kind := "text"
	if in.image != nil {
		kind = "image"
		res, err = photo.Verify(s.v, in.image)
		switch {
		case errors.Is(err, qr.ErrImageTooLarge):
			s.refuse(w, r, errorf(http.StatusRequestEntityTooLarge, "image_too_large", "the image has more than %d pixels", qr.MaxPixels))
			return
		case errors.Is(err, qr.ErrInvalidImage):
			s.refuse(w, r, errorf(http.StatusBadRequest, "unreadable_image", "the body is not a readable PNG or JPEG image"))
			return
		}
	} else {
		res, err = s.v.Verify(in.text)
	}
	to := in.to
	if to == "" {
		to = r.URL.Query().Get("to")
	}
	var entry *verifier.Entry
	if err == nil && to != "" && res.Credential.DCC != nil {
		entry, _ = s.v.CheckEntry(res, strings.ToUpper(to), "")
	}
	elapsed := time.Since(start)
	resp := VerifyResponse{Verdict: verifier.NewVerdict(res, err), Demo: s.cfg.Demo, Entry: entry}
	if err != nil && in.image == nil && len(in.text) <= maxDiagnoseLen {
		if d := scanner.Diagnose(in.text, err); d != nil {
			resp.Hint = d.Hint
		}
	}
	resp.Warnings = s.status().Warnings
	result, reason := "valid", "none"
	if !resp.Valid {
		result, reason = "invalid", string(resp.Reason)
	}
	s.metrics.verifications.WithLabelValues(result, reason).Inc()
	s.metrics.verifyLatency.WithLabelValues(kind).Observe(elapsed.Seconds())
	addLog(r, slog.String("input", kind), slog.String("verdict", result), slog.String("reason", reason),
		slog.Float64("verify_ms", ms(elapsed)))
	writeJSON(w, http.StatusOK, resp)
}

// refuse answers an error status, logging its code.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *httpError) {
	addLog(r, slog.String("error", e.code))
	writeError(w, e.status, e.code, e.detail)
}

func mediaType(r *http.Request) (string, *httpError) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "a Content-Type is required: %s", acceptedTypes)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", errorf(http.StatusBadRequest, "unreadable_request", "malformed Content-Type")
	}
	switch mt {
	case "text/plain", "application/json", "image/png", "image/jpeg", "multipart/form-data":
		return mt, nil
	}
	return "", errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "%s is not accepted: send %s", mt, acceptedTypes)
}

func (s *Server) acquireImage(r *http.Request) (release func(), ok bool) {
	release = func() { <-s.images }
	select {
	case s.images <- struct{}{}:
		return release, true
	default:
	}
	t := time.NewTimer(imageWait)
	defer t.Stop()
	select {
	case s.images <- struct{}{}:
		return release, true
	case <-r.Context().Done():
	case <-t.C:
	}
	return nil, false
}

// readBody reads the whole body, refusing it with 413 past max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int) ([]byte, *httpError) {
	if r.ContentLength > int64(max) {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is over %d bytes", max)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(max)))
	if err != nil {
		return nil, bodyError(err, max)
	}
	return b, nil
}

func bodyError(err error, max int) *httpError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is over %d bytes", max)
	}
	return errorf(http.StatusBadRequest, "unreadable_request", "the body could not be read")
}

func (s *Server) readVerifyInput(w http.ResponseWriter, r *http.Request, mt string) (*verifyInput, *httpError) {
	switch mt {
	case "text/plain":
		b, herr := readBody(w, r, s.maxBody)
		if herr != nil {
			return nil, herr
		}
		return s.textInput(string(b))
	case "application/json":
		b, herr := readBody(w, r, s.maxBody)
		if herr != nil {
			return nil, herr
		}
		var req struct {
			QR *string `json:"qr"`
			To *string `json:"to"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&req); err != nil {
			return nil, errorf(http.StatusBadRequest, "unreadable_request", "invalid JSON: want {\"qr\": \"...\"}")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errorf(http.StatusBadRequest, "unreadable_request", "invalid JSON: data after the object")
		}
		if req.QR == nil {
			return nil, errorf(http.StatusBadRequest, "unreadable_request", "the JSON object has no \"qr\" member")
		}
		in, herr := s.textInput(*req.QR)
		if herr == nil && req.To != nil {
			in.to = *req.To
		}
		return in, herr
	case "image/png", "image/jpeg":
		b, herr := readBody(w, r, s.maxImage)
		if herr != nil {
			return nil, herr
		}
		if len(b) == 0 {
			return nil, errorf(http.StatusBadRequest, "empty", "the body is empty")
		}
		return &verifyInput{image: b}, nil
	case "multipart/form-data":
		return s.readMultipart(w, r)
	}
	return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send %s", acceptedTypes)
}

// textInput normalises scanner framing away and checks the length.
func (s *Server) textInput(text string) (*verifyInput, *httpError) {
	text = scanner.Normalize(text)
	if text == "" {
		return nil, errorf(http.StatusBadRequest, "empty", "no credential text was sent")
	}
	if len(text) > s.maxText {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the credential text is over %d bytes", s.maxText)
	}
	return &verifyInput{text: text}, nil
}

// readMultipart takes the first usable part of a form upload: a file (an
// image, or text) or a field named "qr" holding the text.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request) (*verifyInput, *httpError) {
	max := s.maxImage + multipartSlack
	if r.ContentLength > int64(max) {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the upload is over %d bytes", s.maxImage)
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(max))
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "unreadable_request", "malformed multipart request")
	}
	for i := 0; i < maxParts; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err, s.maxImage)
		}
		in, herr := s.readPart(p)
		p.Close()
		if herr != nil || in != nil {
			return in, herr
		}
	}
	return nil, errorf(http.StatusBadRequest, "unreadable_request", "the form has no file and no \"qr\" field")
}

func (s *Server) readPart(p *multipart.Part) (*verifyInput, *httpError) {
	isFile := p.FileName() != ""
	if !isFile && p.FormName() != "qr" {
		if _, err := io.Copy(io.Discard, p); err != nil {
			return nil, bodyError(err, s.maxImage)
		}
		return nil, nil
	}
	max := s.maxBody
	if isFile {
		max = s.maxImage
	}
	b, err := io.ReadAll(io.LimitReader(p, int64(max)+1))
	if err != nil {
		return nil, bodyError(err, s.maxImage)
	}
	if len(b) > max {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the uploaded part is over %d bytes", max)
	}
	if !isFile {
		return s.textInput(string(b))
	}
	if len(b) == 0 {
		return nil, errorf(http.StatusBadRequest, "empty", "the uploaded file is empty")
	}
	switch ct := http.DetectContentType(b); {
	case ct == "image/png" || ct == "image/jpeg":
		return &verifyInput{image: b}, nil
	case strings.HasPrefix(ct, "text/plain"):
		if len(b) > s.maxBody {
			return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the text file is over %d bytes", s.maxBody)
		}
		return s.textInput(string(b))
	default:
		ct, _, _ = strings.Cut(ct, ";")
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "the uploaded file is %s: send a PNG or JPEG image, or a text file", ct)
	}
}

func retryAfter(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}
