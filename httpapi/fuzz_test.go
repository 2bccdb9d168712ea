package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzVerifyHandler posts arbitrary bodies under the text and JSON media
// types: the handler must answer 200 with a verdict, or 400 or 413, and
// never fail.
func FuzzVerifyHandler(f *testing.F) {
	fx := getFixture(f)
	for _, s := range []string{fx.valid, fx.tampered, `{"qr":"` + fx.valid + `"}`, `{"qr":1}`, "", "HC1:", "\x00\xff"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	s, _ := newServer(f, nil)
	f.Fuzz(func(t *testing.T, body string, asJSON bool) {
		ctype := "text/plain"
		if asJSON {
			ctype = "application/json"
		}
		w := do(s, http.MethodPost, "/v1/verify", ctype, bytes.NewReader([]byte(body)))
		switch w.Code {
		case http.StatusOK:
			var v VerifyResponse
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("200 without a verdict: %v", err)
			}
			if !v.Valid && v.Reason == "" {
				t.Fatalf("invalid verdict without a reason: %s", w.Body)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q (%s): %s", w.Code, body, ctype, w.Body)
		}
	})
}
