package qr

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// base45Alphabet is the base45 alphabet, which is also the full QR
// alphanumeric character set.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// hc1Like returns a deterministic "HC1:"-prefixed string of exactly n
// characters drawn from the base45 alphabet, always containing a space and
// the characters % $ and :.
func hc1Like(seed uint64, n int) string {
	return "HC1:" + alnumString(seed, n-4, base45Alphabet)
}

// alnumString returns n characters from alphabet, with " %$:" spread
// through it when n allows.
func alnumString(seed uint64, n int, alphabet string) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	if n >= 8 {
		for i, c := range []byte(" %$:") {
			b[(i+1)*n/5] = c
		}
	}
	return string(b)
}

// zxDecode decodes PNG (or other image) bytes with gozxing directly, so
// tests can inspect the raw data codewords and metadata.
func zxDecode(t testing.TB, data []byte) *gozxing.Result {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_PURE_BARCODE: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// segment is one data segment read back from a symbol's data codewords.
type segment struct {
	mode  string
	count int
}

// parseSegments walks the data bit stream of a version-v symbol (ISO/IEC
// 18004 section 7.4) and lists its numeric, alphanumeric and byte
// segments. Other modes are reported as errors: the encoder never emits
// them.
func parseSegments(raw []byte, v int) ([]segment, error) {
	pos := 0
	avail := len(raw) * 8
	read := func(n int) (int, error) {
		if pos+n > avail {
			return 0, fmt.Errorf("bit stream ends at %d, need %d more bits", pos, n)
		}
		x := 0
		for i := 0; i < n; i++ {
			bit := raw[(pos+i)/8] >> (7 - uint((pos+i)%8)) & 1
			x = x<<1 | int(bit)
		}
		pos += n
		return x, nil
	}
	sizeClass := 0 // versions 1-9
	switch {
	case v >= 27:
		sizeClass = 2
	case v >= 10:
		sizeClass = 1
	}
	countBits := map[int][3]int{1: {10, 12, 14}, 2: {9, 11, 13}, 4: {8, 16, 16}}
	var segs []segment
	for avail-pos >= 4 {
		mode, _ := read(4)
		if mode == 0 {
			break // terminator
		}
		cb, ok := countBits[mode]
		if !ok {
			return segs, fmt.Errorf("unexpected mode indicator %04b at bit %d", mode, pos-4)
		}
		n, err := read(cb[sizeClass])
		if err != nil {
			return segs, err
		}
		var dataBits int
		var name string
		switch mode {
		case 1:
			name, dataBits = "numeric", 10*(n/3)+[]int{0, 4, 7}[n%3]
		case 2:
			name, dataBits = "alphanumeric", 11*(n/2)+6*(n%2)
		case 4:
			name, dataBits = "byte", 8*n
		}
		if pos+dataBits > avail {
			return segs, fmt.Errorf("%s segment of %d characters overruns the data", name, n)
		}
		pos += dataBits
		segs = append(segs, segment{name, n})
	}
	return segs, nil
}

func (s segment) String() string { return fmt.Sprintf("%s×%d", s.mode, s.count) }

func segmentsString(segs []segment) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = s.String()
	}
	return strings.Join(parts, " ")
}
