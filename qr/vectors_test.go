package qr

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// vectorsRoot is the shared test vector directory, relative to this
// package.
var vectorsRoot = filepath.Join("..", "..", "shared", "testvectors")

// vectorImage is one image of the shared test vectors: an image file, or
// the base64 PNG in the 2DCODE field of a DCC JSON vector.
type vectorImage struct {
	name string // path under the test vectors; "...json#2DCODE" for a field
	file string // file on disk, for zbarimg; empty for a 2DCODE field
	data []byte

	// want is the text the image must hold, from wantFrom; empty when no
	// file states it (then zbarimg, if present, and a format check stand in).
	want, wantFrom string
	// notImage marks 2DCODE fields that are deliberately not images
	// (EXPECTEDPICTUREDECODE false): reading them must fail.
	notImage bool
	note     string // why want is absent

	// Results.
	got     *DecodeResult
	err     error
	zbar    string // text read by zbarimg
	zbarOK  bool   // zbarimg read a code
	skipped bool   // not decoded (race detector, nothing expected)
}

// staleDCCVectors lists vectors whose 2DCODE image holds a different
// credential from their PREFIX field. The image text is a well-formed HC1
// string (it base45-decodes and inflates to a COSE message of the same
// length), but the issued-at claim and the signature differ from PREFIX:
// the image was regenerated without updating the JSON.
var staleDCCVectors = map[string]bool{
	"dcc/ES/2DCode/raw/501.json": true,
	"dcc/ES/2DCode/raw/502.json": true,
	"dcc/ES/2DCode/raw/503.json": true,
}

// mispairedDCCImages lists image files that hold a different credential
// from their same-named JSON vector (whose own 2DCODE image does match its
// PREFIX): the pairing by file name is only a convention in these folders.
var mispairedDCCImages = map[string]bool{
	"dcc/ES/png/2101.png":     true,
	"dcc/ES/png/2102.png":     true,
	"dcc/ES/png/2103.png":     true,
	"dcc/GR/2DCode/png/3.png": true,
}

// explicitSiblings maps image files to the text file holding their
// content where the SOURCES.md of their set says so but the names do not
// follow the set's pattern.
var explicitSiblings = map[string]string{
	"nzcp/examples/invalid/nzcp-revoked-public-key.png": "nzcp/derived/nzcp-revoked-public-key.txt",
	"shc/dev-tools/testdata/shlink-qr.png":              "shc/dev-tools/testdata/shlink-link.txt",
}

// Floors: what this package read when the test was written, so that a
// regression fails even where zbarimg is not installed. Of the 298 image
// files, 69 are screenshots of verifier results without a code
// (dcc/CY/Test/Validation), dcc/IE/2DCode/Raw/Test.png is a 1-byte file
// and shc/.../test-example-00-g-qr-code-0-corrupted.png is unreadable by
// design; of the 195 2DCODE fields, common/2DCode/raw/Q1.json is
// deliberately not an image.
const (
	minFileDecodes  = 227
	minFieldDecodes = 194
)

// TestVectorImages reads every image of the shared test vectors: the
// 2DCODE fields of the DCC vectors and every PNG, JPEG, GIF and SVG file
// of every set. Each text read must equal the text the set states for the
// image (the vector's PREFIX, or the sibling .txt), and where no file
// states one, the text zbarimg reads, and it must be a well-formed
// credential. Where zbarimg is installed, the test fails if it reads an
// image this package does not, or reads a different text; zbarimg sees
// SVG files as our rasterisation, so for them it checks the rasteriser and
// the reader. Images without any code (app screenshots) are reported, not
// failed.
func TestVectorImages(t *testing.T) {
	if _, err := os.Stat(vectorsRoot); err != nil {
		t.Skipf("test vectors not available at %s: %v", vectorsRoot, err)
	}
	images, prefixes := collectVectorImages(t)
	if len(images) == 0 {
		t.Skip("no images under " + vectorsRoot)
	}

	// Many 2DCODE fields are byte for byte the image files of their
	// folder: read each distinct image once and share the results.
	var distinct []*vectorImage
	firstOf := map[[32]byte]*vectorImage{}
	same := map[*vectorImage]*vectorImage{}
	for _, im := range images {
		h := sha256.Sum256(im.data)
		if f, ok := firstOf[h]; ok {
			same[im] = f
			continue
		}
		firstOf[h] = im
		distinct = append(distinct, im)
	}

	zbarPath, zbarErr := exec.LookPath("zbarimg")
	if zbarErr != nil {
		t.Logf("zbarimg not installed (%v): no comparison with zbar; install zbar-tools for it", zbarErr)
	}
	var zbarDone sync.WaitGroup
	if zbarErr == nil {
		zbarDone.Add(1)
		go func() {
			defer zbarDone.Done()
			runZbar(t, zbarPath, distinct)
		}()
		if raceEnabled {
			zbarDone.Wait() // needed to choose what to skip, below
		}
	}

	// Decode, spread over the available cores.
	var wg sync.WaitGroup
	work := make(chan *vectorImage)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for im := range work {
				// Under the race detector, decoding is about ten times
				// slower; skip the images nothing is expected of (the app
				// screenshots), which only feed the report.
				if raceEnabled && zbarErr == nil && im.want == "" && !im.zbarOK && !im.notImage {
					im.skipped = true
					continue
				}
				im.got, im.err = DecodeDetailed(im.data)
			}
		}()
	}
	for _, im := range distinct {
		work <- im
	}
	close(work)
	wg.Wait()
	zbarDone.Wait()
	for im, f := range same {
		im.got, im.err, im.zbar, im.zbarOK = f.got, f.err, f.zbar, f.zbarOK
		// Skipping depends on what is expected of the image itself.
		if f.skipped && (im.want != "" || im.notImage) {
			im.got, im.err = DecodeDetailed(im.data)
		} else {
			im.skipped = f.skipped
		}
	}

	var fileDecoded, fieldDecoded, files, fields, zbarRead, zbarMissed, beyondZbar, skipped int
	var missed, noCode, extra, notes []string
	paths := map[string]int{} // symbology/pass/scale -> images
	for _, im := range images {
		isField := im.file == ""
		if isField {
			fields++
		} else {
			files++
		}
		if im.skipped {
			skipped++
			noCode = append(noCode, im.name+": skipped under the race detector")
			continue
		}
		text := ""
		if im.got != nil {
			text = im.got.Text
		}
		decoded := im.got != nil && (im.err == nil || errors.Is(im.err, ErrNotCredential))
		if im.zbarOK {
			zbarRead++
		}

		switch {
		case im.notImage:
			if decoded && text == im.want {
				t.Errorf("%s: deliberately broken image read as its PREFIX", im.name)
			}
			notes = append(notes, fmt.Sprintf("%s: not an image by design (%v)", im.name, im.err))
			continue
		case !decoded:
			if im.zbarOK {
				zbarMissed++
				t.Errorf("%s: zbarimg reads it (%.30q…) but travelcred does not: %v", im.name, im.zbar, im.err)
			}
			if im.want != "" || im.zbarOK {
				missed = append(missed, fmt.Sprintf("%s: %v", im.name, im.err))
			} else {
				noCode = append(noCode, fmt.Sprintf("%s: %v", im.name, im.err))
			}
			continue
		}
		if isField {
			fieldDecoded++
		} else {
			fileDecoded++
		}
		paths[fmt.Sprintf("%s/%s@%.3g", im.got.Symbology, im.got.Pass, im.got.Scale)]++
		if im.zbarOK && im.zbar != text && (im.want == "" || im.zbar == im.want) {
			t.Errorf("%s: travelcred and zbarimg read different texts\ntravelcred: %.80q\n   zbarimg: %.80q", im.name, text, im.zbar)
		}
		if im.want != "" {
			if text != im.want {
				t.Errorf("%s: read text differs from %s\n got: %.80q\nwant: %.80q", im.name, im.wantFrom, text, im.want)
			}
		} else {
			if err := wellFormedCredential(text); err != nil {
				t.Errorf("%s: read text %.40q is not a well-formed credential: %v", im.name, text, err)
			}
			what := "no file states its text"
			if im.note != "" {
				what = im.note
			}
			if src, ok := prefixes[text]; ok {
				what += "; it equals the PREFIX of " + src
			}
			if im.zbarOK {
				what += "; zbarimg agrees"
			}
			notes = append(notes, im.name+": "+what)
		}
		if !im.zbarOK && zbarErr == nil {
			beyondZbar++
			extra = append(extra, fmt.Sprintf("%s (%s, %s pass)", im.name, im.got.Symbology, im.got.Pass))
		}
	}

	decoded := fileDecoded + fieldDecoded
	t.Logf("%d decoded, %d missed, %d without a code (of %d images: %d files, %d 2DCODE fields; %d decoded files, %d decoded fields)",
		decoded, len(missed), len(noCode), len(images), files, fields, fileDecoded, fieldDecoded)
	if zbarErr == nil {
		t.Logf("zbarimg: read %d images; travelcred missed %d of those and read %d that zbarimg cannot: %s",
			zbarRead, zbarMissed, beyondZbar, strings.Join(extra, ", "))
	}
	t.Logf("decode paths (symbology/pass@scale: images): %v", paths)
	for _, m := range missed {
		t.Logf("missed: %s", m)
	}
	for _, n := range notes {
		t.Logf("note: %s", n)
	}
	for _, n := range noCode {
		t.Logf("no code: %s", n)
	}
	if skipped == 0 && (fileDecoded < minFileDecodes || fieldDecoded < minFieldDecodes) {
		t.Errorf("decoded %d files and %d 2DCODE fields, below the recorded floors of %d and %d",
			fileDecoded, fieldDecoded, minFileDecodes, minFieldDecodes)
	}
}

// collectVectorImages lists the 2DCODE fields and image files, with their
// expected texts, and returns the PREFIX of every DCC vector too.
func collectVectorImages(t *testing.T) ([]*vectorImage, map[string]string) {
	var images []*vectorImage
	prefixes := map[string]string{} // PREFIX -> vector
	jsonPrefix := map[string]string{}
	err := filepath.WalkDir(vectorsRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(vectorsRoot, path)
		rel = filepath.ToSlash(rel)
		switch ext := strings.ToLower(filepath.Ext(path)); {
		case ext == ".json" && strings.HasPrefix(rel, "dcc/") && isDCCRawDir(rel):
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var v struct {
				Code    string `json:"2DCODE"`
				Prefix  string `json:"PREFIX"`
				Results struct {
					PictureDecode *bool `json:"EXPECTEDPICTUREDECODE"`
				} `json:"EXPECTEDRESULTS"`
			}
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil // not a vector (schema files and the like)
			}
			if v.Prefix != "" {
				prefixes[v.Prefix] = rel
				jsonPrefix[strings.ToLower(rel)] = v.Prefix
			}
			if v.Code == "" || v.Prefix == "" {
				return nil
			}
			im := &vectorImage{name: rel + "#2DCODE", want: v.Prefix, wantFrom: "PREFIX"}
			im.data, err = decodeBase64Image(v.Code)
			if err != nil {
				im.data = []byte(v.Code)
			}
			switch {
			case v.Results.PictureDecode != nil && !*v.Results.PictureDecode:
				im.notImage = true
			case staleDCCVectors[rel]:
				im.want, im.note = "", "stale vector: the image was regenerated without updating PREFIX"
			}
			images = append(images, im)
		case ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".gif" || ext == ".svg":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			images = append(images, &vectorImage{name: rel, file: path, data: data})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range images {
		if im.file != "" {
			im.want, im.wantFrom, im.note = expectedText(im.name, jsonPrefix)
		}
	}
	sort.Slice(images, func(i, j int) bool { return images[i].name < images[j].name })
	return images, prefixes
}

// isDCCRawDir reports whether rel is in a DCC 2DCode/raw directory (any
// case).
func isDCCRawDir(rel string) bool {
	dir := filepath.Dir(rel)
	return strings.EqualFold(filepath.Base(dir), "raw") && strings.EqualFold(filepath.Base(filepath.Dir(dir)), "2DCode")
}

// expectedText returns the text an image file holds according to its set:
//   - dcc: <dir>/png/<name>.png or <dir>/2DCode/png/<name>.png pairs with
//     the PREFIX of <dir>/2DCode/raw/<name>.json, and so do <name>_qr.png
//     and <name>_aztec.png (dcc/IE/README.md);
//   - nzcp: the .txt of the same name;
//   - shc/examples: example-NN-g-qr-code-K.svg holds
//     example-NN-f-qr-code-numeric-value-K.txt;
//   - the explicitSiblings table.
func expectedText(rel string, jsonPrefix map[string]string) (want, from, note string) {
	readTxt := func(p string) (string, bool) {
		b, err := os.ReadFile(filepath.Join(vectorsRoot, filepath.FromSlash(p)))
		if err != nil {
			return "", false
		}
		return strings.TrimRight(string(b), "\r\n"), true
	}
	if sib, ok := explicitSiblings[rel]; ok {
		if s, ok := readTxt(sib); ok {
			return s, sib, ""
		}
	}
	dir, file := filepath.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	stem := strings.TrimSuffix(file, filepath.Ext(file))
	switch {
	case strings.HasPrefix(rel, "dcc/"):
		if mispairedDCCImages[rel] {
			return "", "", "holds a different credential from its same-named JSON vector"
		}
		if !strings.EqualFold(filepath.Base(dir), "png") {
			return "", "", ""
		}
		parent := filepath.Dir(dir)
		if !strings.EqualFold(filepath.Base(parent), "2DCode") {
			parent += "/2DCode"
		}
		// <name>_qr.png and <name>_aztec.png (IE) both hold <name>.json.
		for _, s := range []string{stem, strings.TrimSuffix(stem, "_qr"), strings.TrimSuffix(stem, "_aztec")} {
			j := strings.ToLower(parent + "/raw/" + s + ".json")
			if p, ok := jsonPrefix[j]; ok {
				return p, "PREFIX of " + j, ""
			}
		}
	case strings.HasPrefix(rel, "nzcp/"):
		if s, ok := readTxt(dir + "/" + stem + ".txt"); ok {
			return s, dir + "/" + stem + ".txt", ""
		}
	case strings.HasPrefix(rel, "shc/examples/"):
		name := strings.Replace(stem, "-g-qr-code-", "-f-qr-code-numeric-value-", 1) + ".txt"
		if s, ok := readTxt(dir + "/" + name); ok {
			return s, dir + "/" + name, ""
		}
	}
	return "", "", ""
}

// decodeBase64Image accepts plain or data-URL base64, ignoring whitespace.
func decodeBase64Image(s string) ([]byte, error) {
	if i := strings.Index(s, "base64,"); i >= 0 && strings.HasPrefix(s, "data:") {
		s = s[i+len("base64,"):]
	}
	s = strings.Join(strings.Fields(s), "")
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// runZbar reads every image with zbarimg. Starting zbarimg costs more
// than reading a small image, so it reads 64 files per run, reporting in
// XML, which names the file each symbol came from; a file missing from
// that report is read again on its own with zbarimg --raw -q. A 2DCODE
// field is written to a temporary file first, and an SVG file, which
// zbarimg cannot read, is given to it as a PNG of our rasterisation.
func runZbar(t *testing.T, zbar string, images []*vectorImage) {
	dir := t.TempDir()
	byPath := map[string]*vectorImage{}
	var paths []string
	for i, im := range images {
		path := im.file
		data := im.data
		if strings.EqualFold(filepath.Ext(path), ".svg") {
			g, _, err := rasterSVG(data, MaxPixels)
			if err != nil {
				continue
			}
			var buf bytes.Buffer
			png.Encode(&buf, g)
			data, path = buf.Bytes(), ""
		}
		if path == "" {
			path = filepath.Join(dir, fmt.Sprintf("image%d.png", i))
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Error(err)
				continue
			}
		}
		byPath[path] = im
		paths = append(paths, path)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for start := 0; start < len(paths); start += 64 {
		batch := paths[start:min(start+64, len(paths))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			// zbarimg exits non-zero when some file has no symbol or cannot
			// be read, but still reports the others.
			out, _ := exec.CommandContext(ctx, zbar, append([]string{"--xml", "-q"}, batch...)...).Output()
			var rep struct {
				Sources []struct {
					Href    string `xml:"href,attr"`
					Symbols []struct {
						Data string `xml:"data"`
					} `xml:"index>symbol"`
				} `xml:"source"`
			}
			xml.Unmarshal(out, &rep)
			seen := map[string]bool{}
			mu.Lock()
			for _, src := range rep.Sources {
				im := byPath[src.Href]
				if im == nil {
					continue
				}
				seen[src.Href] = true
				var texts []string
				for _, sym := range src.Symbols {
					texts = append(texts, sym.Data)
				}
				if len(texts) > 0 {
					im.zbar, im.zbarOK = strings.Join(texts, "\n"), true
				}
			}
			mu.Unlock()
			for _, path := range batch {
				if seen[path] {
					continue
				}
				out, err := exec.CommandContext(ctx, zbar, "--raw", "-q", path).Output()
				// --raw prints each symbol's text followed by a newline.
				if err == nil && len(out) > 0 {
					mu.Lock()
					byPath[path].zbar, byPath[path].zbarOK = strings.TrimSuffix(string(out), "\n"), true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}

// wellFormedCredential checks the structure of credential text: HC1 base45
// that inflates to a COSE_Sign1 message, NZCP base32, SMART Health Card
// numeric encoding of a JWS (or a chunk of one), or a SMART Health Link.
func wellFormedCredential(text string) error {
	switch {
	case strings.HasPrefix(text, "HC1:"):
		raw, err := base45Decode(text[4:])
		if err != nil {
			return err
		}
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		cose, err := io.ReadAll(io.LimitReader(zr, 1<<16))
		if err != nil {
			return err
		}
		if len(cose) == 0 || (cose[0] != 0xd2 && cose[0] != 0x84) {
			return errors.New("inflated data is not a COSE_Sign1 message")
		}
	case strings.HasPrefix(text, "NZCP:/1/"):
		if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(text[8:]); err != nil {
			return err
		}
	case strings.HasPrefix(text, "shc:/"):
		body := text[5:]
		chunked := false
		if parts := strings.SplitN(body, "/", 3); len(parts) == 3 {
			body, chunked = parts[2], true
		}
		if len(body)%2 != 0 || strings.Trim(body, "0123456789") != "" {
			return errors.New("shc numeric data is not an even number of digits")
		}
		jws := make([]byte, len(body)/2)
		for i := range jws {
			v := int(body[2*i]-'0')*10 + int(body[2*i+1]-'0')
			if v > 77 {
				return fmt.Errorf("shc digit pair %d is over 77", v)
			}
			jws[i] = byte(v + 45)
		}
		if !chunked && strings.Count(string(jws), ".") != 2 {
			return errors.New("shc data is not a compact JWS")
		}
	case strings.HasPrefix(text, "shlink:/"):
		b, err := base64.RawURLEncoding.DecodeString(text[8:])
		if err != nil {
			return err
		}
		var link struct{ URL string }
		if err := json.Unmarshal(b, &link); err != nil || link.URL == "" {
			return errors.New("shlink payload is not a JSON object with a url")
		}
	default:
		return errors.New("unknown credential scheme")
	}
	return nil
}

// base45Decode decodes RFC 9285 base45.
func base45Decode(s string) ([]byte, error) {
	val := func(c byte) (int, error) {
		if i := strings.IndexByte(base45Alphabet, c); i >= 0 {
			return i, nil
		}
		return 0, fmt.Errorf("character %q is not base45", c)
	}
	out := make([]byte, 0, len(s)*2/3+1)
	for i := 0; i < len(s); i += 3 {
		n := min(3, len(s)-i)
		if n == 1 {
			return nil, errors.New("base45 length is 1 mod 3")
		}
		x := 0
		for j := n - 1; j >= 0; j-- {
			v, err := val(s[i+j])
			if err != nil {
				return nil, err
			}
			x = x*45 + v
		}
		if n == 3 {
			if x > 0xffff {
				return nil, errors.New("base45 triple out of range")
			}
			out = append(out, byte(x>>8), byte(x))
		} else {
			if x > 0xff {
				return nil, errors.New("base45 pair out of range")
			}
			out = append(out, byte(x))
		}
	}
	return out, nil
}
