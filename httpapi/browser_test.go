package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/b5m5/travelcred/qr"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// needChromium skips browser tests where chromium is absent.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests skipped: %s is absent (apt-get install chromium)", chromiumPath)
	}
}

// newBrowser starts a headless chromium with a fresh profile and returns
// a context for driving one tab. It is closed when the test ends.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 900),
	}, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// screenshotDir is where verdict screenshots go: the test's temp dir, and
// also $TRAVELCRED_SCREENSHOTS when set (to look at them after the run).
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if extra := os.Getenv("TRAVELCRED_SCREENSHOTS"); extra != "" {
		os.MkdirAll(extra, 0o755)
		os.WriteFile(filepath.Join(extra, name+".png"), buf, 0o644)
	}
	t.Logf("screenshot %s", path)
}

// waitVerdict waits for the page to show a result and returns its state
// (valid, invalid or error).
func waitVerdict(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Poll[string](
		`(() => { const s = document.getElementById("result").dataset.state; return s === "valid" || s === "invalid" || s === "error" ? s : null; })()`,
		chromedp.WithPollingTimeout(20*time.Second)))
}

type shown struct {
	verdict, name, dob, ctype, country, reason, banners string
}

func readShown(ctx context.Context) (shown, error) {
	var s shown
	for _, f := range []struct {
		id  chromedp.ID
		dst *string
	}{
		{"verdict", &s.verdict}, {"holder-name", &s.name}, {"holder-dob", &s.dob}, {"cred-type", &s.ctype},
		{"cred-country", &s.country}, {"reason", &s.reason}, {"banners", &s.banners},
	} {
		v, err := chromedp.Run(ctx, chromedp.TextContent(f.id))
		if err != nil {
			return s, err
		}
		*f.dst = strings.TrimSpace(v)
	}
	return s, nil
}

func clearPage(ctx context.Context) error {
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("clear"))); err != nil {
		return err
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("result").dataset.state === "idle" ? "idle" : null`,
		chromedp.WithPollingTimeout(5*time.Second)))
	return err
}

const wantName = "François-Joan d'Arsøns-van Halen"

func checkValid(t *testing.T, ctx context.Context) {
	t.Helper()
	state, err := waitVerdict(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := readShown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if state != "valid" || s.verdict != "VALID" || s.name != wantName || s.dob != "1990-01-01" ||
		s.ctype != "Vaccination" || !strings.Contains(s.country, "United Kingdom") {
		t.Fatalf("page shows %s: %+v", state, s)
	}
}

// The checkpoint page in a real browser: upload a valid and a tampered QR
// image, and type a credential as a keyboard-wedge scanner does.
func TestBrowserCheckpoint(t *testing.T) {
	needChromium(t)
	f := getFixture(t)
	s, _ := newServer(t, nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	dir := t.TempDir()
	validPNG := filepath.Join(dir, "valid.png")
	tamperedPNG := filepath.Join(dir, "tampered.png")
	os.WriteFile(validPNG, qrPNG(t, f.valid), 0o644)
	os.WriteFile(tamperedPNG, qrPNG(t, f.tampered), 0o644)

	ctx := newBrowser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("qr-text")),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`document.body.dataset.statusLoaded === "true" ? "yes" : null`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if banner, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("banners"))); !strings.Contains(banner, "DEMO trust list in use") {
		t.Errorf("no demo banner: %q", banner)
	}

	t.Run("upload valid", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{validPNG})); err != nil {
			t.Fatal(err)
		}
		checkValid(t, ctx)
		screenshot(t, ctx, dir, "upload-valid")
	})
	t.Run("upload tampered", func(t *testing.T) {
		if err := clearPage(ctx); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{tamperedPNG})); err != nil {
			t.Fatal(err)
		}
		state, err := waitVerdict(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := readShown(ctx)
		if state != "invalid" || s.verdict != "NOT VALID" || !strings.Contains(s.reason, "signature does not match") {
			t.Fatalf("page shows %s: %+v", state, s)
		}
		if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("details").hidden`)); !hidden {
			t.Error("holder details shown for an invalid credential")
		}
		screenshot(t, ctx, dir, "upload-tampered")
	})
	t.Run("wedge scanner", func(t *testing.T) {
		if err := clearPage(ctx); err != nil {
			t.Fatal(err)
		}
		// The scanner types into the focused field and ends with Enter.
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("qr-text"), f.valid+kb.Enter)); err != nil {
			t.Fatal(err)
		}
		checkValid(t, ctx)
		if field, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("qr-text"))); field != "" {
			t.Error("the text field keeps the credential after the check")
		}
		screenshot(t, ctx, dir, "wedge-valid")
	})
	t.Run("wedge scanner without focus", func(t *testing.T) {
		if err := clearPage(ctx); err != nil {
			t.Fatal(err)
		}
		// Nothing focused: the page sends the scanner's keys to the field.
		if err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`),
			chromedp.KeyEvent(f.tampered+kb.Enter),
		); err != nil {
			t.Fatal(err)
		}
		state, err := waitVerdict(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := readShown(ctx); state != "invalid" || !strings.Contains(s.reason, "signature does not match") {
			t.Fatalf("page shows %s: %+v", state, s)
		}
	})
	// Nothing was stored in the browser.
	stored, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`JSON.stringify([localStorage.length, sessionStorage.length, document.cookie])`))
	if err != nil {
		t.Fatal(err)
	}
	if stored != `[0,0,""]` {
		t.Errorf("browser storage used: %s", stored)
	}
}

// The camera: chromium's fake capture device plays a Y4M video of a few
// blank frames and then a QR code; the page sends frames until one reads.
func TestBrowserCamera(t *testing.T) {
	needChromium(t)
	f := getFixture(t)
	s, _ := newServer(t, nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	dir := t.TempDir()
	video := filepath.Join(dir, "qr.y4m")
	if err := writeY4M(video, qrPNGSized(t, f.valid, 440), 640, 480, 5, 3, 5); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("camera-start")),
		chromedp.Click(chromedp.ID("camera-start")),
	); err != nil {
		t.Fatal(err)
	}
	checkValid(t, ctx)
	status, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("camera-status")))
	videoHidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("video").hidden`))
	if !videoHidden || status != "Code read." {
		t.Errorf("camera not stopped after reading: %q, video hidden %v", status, videoHidden)
	}
	screenshot(t, ctx, dir, "camera-valid")
}

func qrPNGSized(t *testing.T, text string, size int) image.Image {
	t.Helper()
	b, err := qr.EncodePNG(text, qr.WithSize(size))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// writeY4M writes a w×h I420 Y4M video at fps frames a second: blank
// white frames, then frames with img centred on white.
func writeY4M(path string, img image.Image, w, h, fps, blank, withCode int) error {
	b := img.Bounds()
	if b.Dx() > w || b.Dy() > h {
		return fmt.Errorf("image %v larger than %dx%d", b.Size(), w, h)
	}
	white := make([]byte, w*h)
	for i := range white {
		white[i] = 0xff
	}
	code := append([]byte(nil), white...)
	x0, y0 := (w-b.Dx())/2, (h-b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			code[(y0+y)*w+x0+x] = byte((299*r + 587*g + 114*bl) / 1000 >> 8)
		}
	}
	chroma := make([]byte, 2*(w/2)*(h/2))
	for i := range chroma {
		chroma[i] = 128
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", w, h, fps)
	for i := 0; i < blank+withCode; i++ {
		out.WriteString("FRAME\n")
		if i < blank {
			out.Write(white)
		} else {
			out.Write(code)
		}
		out.Write(chroma)
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}
