package httpapi

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/qr"
)

func TestVerifyTextValid(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	w := do(s, "POST", "/v1/verify", "text/plain; charset=utf-8", strings.NewReader(f.valid), "X-Request-Id", "gate-7.42")
	v := decodeVerdict(t, w)
	if !v.Valid || v.Format != credential.FormatHCERT || v.Country != "GB" || v.Trust == nil || v.Trust.Freshness != "fresh" {
		t.Fatalf("verdict %+v", v)
	}
	if got := holderName(v); got != "François-Joan d'Arsøns-van Halen" {
		t.Errorf("holder %q", got)
	}
	if !v.Demo || len(v.Warnings) == 0 || !strings.Contains(v.Warnings[0], "DEMO") {
		t.Errorf("demo trust not flagged: demo=%v warnings=%q", v.Demo, v.Warnings)
	}
	if id := w.Header().Get("X-Request-Id"); id != "gate-7.42" {
		t.Errorf("X-Request-Id %q", id)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestVerifyJSON(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	body := `{"qr": ` + quote(f.valid) + `, "to": "AU"}`
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "application/json", strings.NewReader(body))); !v.Valid {
		t.Fatalf("verdict %+v", v)
	}
	body = `{"qr": ` + quote(f.tampered) + `}`
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "application/json", strings.NewReader(body)))
	if v.Valid || v.Reason != credential.ReasonBadSignature || v.Class != "untrusted" || v.Credential != nil {
		t.Fatalf("tampered: %+v", v)
	}
}

func TestVerifyInvalidReasons(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	for _, tc := range []struct {
		name, text string
		reason     credential.Reason
		class      string
	}{
		{"tampered", f.tampered, credential.ReasonBadSignature, "untrusted"},
		{"not a credential", "hello world", credential.ReasonBadPrefix, "malformed"},
		{"bad base45", "HC1:@@@@", credential.ReasonBadBase45, "malformed"},
		{"truncated", truncated(f.valid), credential.ReasonBadCompression, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(tc.text)))
			if v.Valid || v.Reason != tc.reason || v.Class != tc.class {
				t.Fatalf("got valid=%v reason=%s class=%s (%s), want %s/%s", v.Valid, v.Reason, v.Class, v.Detail, tc.reason, tc.class)
			}
		})
	}
}

// Keyboard-wedge framing (an AIM identifier, lower case, CR LF) is undone
// before verifying; a keyboard-layout mismatch gets a hint.
func TestVerifyScannerText(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	framed := "]Q1" + strings.ToLower(f.valid) + "\r\n"
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(framed))); !v.Valid {
		t.Fatalf("framed scanner text: %+v", v)
	}
	// A German host receiving a US scanner's ':' as 'Ö'.
	mangled := strings.Replace(f.valid, ":", "Ö", 1)
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(mangled)))
	if v.Valid || v.Class != "malformed" {
		t.Fatalf("mangled: %+v", v)
	}
	if !strings.Contains(v.Hint, "keyboard layout") {
		t.Errorf("no layout hint: reason %s, hint %q", v.Reason, v.Hint)
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestVerifyUnreadable(t *testing.T) {
	s, _ := newServer(t, nil)
	for _, tc := range []struct{ name, ct, body, code string }{
		{"garbage JSON", "application/json", `{"qr": `, "unreadable_request"},
		{"not JSON", "application/json", `HC1:ABC`, "unreadable_request"},
		{"wrong type", "application/json", `{"qr": 42}`, "unreadable_request"},
		{"no qr member", "application/json", `{"code": "HC1:ABC"}`, "unreadable_request"},
		{"trailing data", "application/json", `{"qr": "HC1:ABC"} {"qr": "x"}`, "unreadable_request"},
		{"array", "application/json", `["HC1:ABC"]`, "unreadable_request"},
		{"empty text", "text/plain", "", "empty"},
		{"only newlines", "text/plain", "\r\n\r\n", "empty"},
		{"empty JSON qr", "application/json", `{"qr": ""}`, "empty"},
		{"empty image", "image/png", "", "empty"},
		{"bad content type", "text/plain; charset", "HC1:", "unreadable_request"},
		{"not an image", "image/png", "HC1:NOTANIMAGE", "unreadable_image"},
		{"truncated PNG", "image/png", string(pngHeader(100, 100)), "unreadable_image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decodeError(t, do(s, "POST", "/v1/verify", tc.ct, strings.NewReader(tc.body)), http.StatusBadRequest, tc.code)
		})
	}
}

func TestVerifyUnsupportedMediaType(t *testing.T) {
	s, _ := newServer(t, nil)
	for _, ct := range []string{"", "application/xml", "application/x-www-form-urlencoded", "image/gif", "image/webp", "application/octet-stream"} {
		t.Run(ct, func(t *testing.T) {
			decodeError(t, do(s, "POST", "/v1/verify", ct, strings.NewReader("HC1:ABC")), http.StatusUnsupportedMediaType, "unsupported_media_type")
		})
	}
	// A multipart upload of a PDF.
	body, ct := multipartBody(t, "file", "scan.pdf", "application/pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"))
	decodeError(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body)), http.StatusUnsupportedMediaType, "unsupported_media_type")
	// Wrong method.
	if w := do(s, "GET", "/v1/verify", "", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/verify: %d", w.Code)
	}
}

// Each limit, fed just over it (and the accepted size just under).
func TestVerifyTooLarge(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	t.Run("text", func(t *testing.T) {
		text := "HC1:" + strings.Repeat("A", limits.QRText-4)
		v := decodeVerdict(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(text)))
		if v.Valid {
			t.Fatal("valid")
		}
		decodeError(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(text+"A")), http.StatusRequestEntityTooLarge, "too_large")
		decodeError(t, do(s, "POST", "/v1/verify", "application/json", strings.NewReader(`{"qr":"`+text+`A"}`)), http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("body", func(t *testing.T) {
		// Whitespace that normalisation does not remove: the body limit
		// applies before anything is parsed.
		body := f.valid + strings.Repeat(" ", limits.HTTPBody-len(f.valid)+1)
		decodeError(t, do(s, "POST", "/v1/verify", "text/plain", strings.NewReader(body)), http.StatusRequestEntityTooLarge, "too_large")
		json := `{"qr":"x"}` + strings.Repeat(" ", limits.HTTPBody)
		decodeError(t, do(s, "POST", "/v1/verify", "application/json", strings.NewReader(json)), http.StatusRequestEntityTooLarge, "too_large")
		// Without a Content-Length (chunked): MaxBytesReader stops it.
		r := strings.NewReader(body)
		decodeError(t, do(s, "POST", "/v1/verify", "text/plain", io.MultiReader(r)), http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("image", func(t *testing.T) {
		big := make([]byte, limits.ImageBytes+1)
		copy(big, pngHeader(100, 100))
		decodeError(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(big)), http.StatusRequestEntityTooLarge, "too_large")
		body, ct := multipartBody(t, "file", "big.png", "image/png", big)
		decodeError(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body)), http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("image bomb", func(t *testing.T) {
		// A valid PNG header claiming 100000×100000 pixels, with a little
		// compressed data: refused from the header, before decoding.
		bomb := pngHeader(100000, 100000)
		decodeError(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(bomb)), http.StatusRequestEntityTooLarge, "image_too_large")
		body, ct := multipartBody(t, "file", "bomb.png", "image/png", bomb)
		decodeError(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body)), http.StatusRequestEntityTooLarge, "image_too_large")
	})
}

// pngHeader returns the PNG signature, an IHDR chunk for a w×h grey image
// and a small IDAT chunk of zlib data.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return b.Bytes()
}

func qrPNG(t testing.TB, text string) []byte {
	t.Helper()
	b, err := qr.EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func qrJPEG(t testing.TB, text string) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(qrPNG(t, text)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func blankPNG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(50, 50, color.Black)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestVerifyImages(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(qrPNG(t, f.valid)))); !v.Valid {
		t.Fatalf("png: %+v", v)
	}
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "image/jpeg", bytes.NewReader(qrJPEG(t, f.valid)))); !v.Valid {
		t.Fatalf("jpeg: %+v", v)
	}
	v := decodeVerdict(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(qrPNG(t, f.tampered))))
	if v.Valid || v.Reason != credential.ReasonBadSignature {
		t.Fatalf("tampered png: %+v", v)
	}
	// A readable image without a code is a readable request: 200, bad_image.
	v = decodeVerdict(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(blankPNG(t))))
	if v.Valid || v.Reason != credential.ReasonBadImage {
		t.Fatalf("blank png: %+v", v)
	}
}

func multipartBody(t testing.TB, field, filename, ctype string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	if filename != "" {
		h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+filename+`"`)
	} else {
		h.Set("Content-Disposition", `form-data; name="`+field+`"`)
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	p, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func TestVerifyMultipart(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, nil)
	t.Run("image file", func(t *testing.T) {
		body, ct := multipartBody(t, "file", "photo.png", "image/png", qrPNG(t, f.valid))
		if v := decodeVerdict(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body))); !v.Valid {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("jpeg with a generic type", func(t *testing.T) {
		body, ct := multipartBody(t, "upload", "photo.jpg", "application/octet-stream", qrJPEG(t, f.valid))
		if v := decodeVerdict(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body))); !v.Valid {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("text field", func(t *testing.T) {
		body, ct := multipartBody(t, "qr", "", "", []byte(f.valid))
		if v := decodeVerdict(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body))); !v.Valid {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("text file", func(t *testing.T) {
		body, ct := multipartBody(t, "file", "credential.txt", "text/plain", []byte(f.tampered+"\n"))
		v := decodeVerdict(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body)))
		if v.Valid || v.Reason != credential.ReasonBadSignature {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("other fields first", func(t *testing.T) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("gate", "B12")
		fw, _ := mw.CreateFormFile("file", "qr.png")
		fw.Write(qrPNG(t, f.valid))
		mw.Close()
		if v := decodeVerdict(t, do(s, "POST", "/v1/verify", mw.FormDataContentType(), &b)); !v.Valid {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		body, ct := multipartBody(t, "file", "photo.png", "image/png", qrPNG(t, f.valid))
		for _, cut := range []int{len(body) / 2, len(body) - 10, 30} {
			decodeError(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body[:cut])), http.StatusBadRequest, "")
		}
	})
	t.Run("no boundary", func(t *testing.T) {
		decodeError(t, do(s, "POST", "/v1/verify", "multipart/form-data", strings.NewReader("--x\r\n")), http.StatusBadRequest, "unreadable_request")
	})
	t.Run("no usable part", func(t *testing.T) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("gate", "B12")
		mw.Close()
		decodeError(t, do(s, "POST", "/v1/verify", mw.FormDataContentType(), &b), http.StatusBadRequest, "unreadable_request")
	})
	t.Run("empty file", func(t *testing.T) {
		body, ct := multipartBody(t, "file", "photo.png", "image/png", nil)
		decodeError(t, do(s, "POST", "/v1/verify", ct, bytes.NewReader(body)), http.StatusBadRequest, "empty")
	})
}

// Images wait for a decoding slot; past the wait they get 503.
func TestVerifyImageSlots(t *testing.T) {
	f := getFixture(t)
	s, _ := newServer(t, func(c *Config) { c.MaxConcurrentImages = 1 })
	s.images <- struct{}{} // the only slot is taken
	r := httptest.NewRequest("POST", "/v1/verify", bytes.NewReader(qrPNG(t, f.valid)))
	r.Header.Set("Content-Type", "image/png")
	ctx, cancel := context.WithCancel(r.Context())
	cancel() // the client gave up while waiting
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r.WithContext(ctx))
	decodeError(t, w, http.StatusServiceUnavailable, "busy")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	<-s.images
	if v := decodeVerdict(t, do(s, "POST", "/v1/verify", "image/png", bytes.NewReader(qrPNG(t, f.valid)))); !v.Valid {
		t.Fatalf("%+v", v)
	}
}

// truncated cuts whole Base45 groups off the end of HC1 text, so only the
// compressed data is incomplete.
func truncated(text string) string {
	n := len(text) - 30
	n -= (n - 4) % 3
	return text[:n]
}
