package shc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
)

// Decoder decodes SMART Health Cards with configurable limits. The zero
// value uses the default limits. A Decoder is safe for concurrent use.
type Decoder struct {
	// MaxTextLen lowers the limit on Decode's text when positive.
	MaxTextLen int
	// MaxInflated lowers the limit on the decompressed claims when
	// positive.
	MaxInflated int
	// MaxFileLen lowers the limit on a .smart-health-card file, and on
	// the JWS given to DecodeJWS, when positive.
	MaxFileLen int
}

// Decode decodes "shc:/" QR text or a bare compact JWS with the default
// limits. See Decoder.Decode.
func Decode(text string) (*Card, error) {
	var d Decoder
	return d.Decode(text)
}

// Decode decodes text that is either the content of an SHC QR code,
// "shc:/" followed by the JWS in numeric mode, or a bare compact JWS.
//
// Text holding one chunk of the deprecated chunked form is refused unless
// it is chunk 1 of 1 ("shc:/1/1/…", a needless header that is accepted);
// pass all the chunks of a set to Assemble first. The text must be exact:
// surrounding white space is refused.
//
// The card's signature is not checked and its claims are not judged (see
// the package documentation for the order of the checks).
func (d *Decoder) Decode(text string) (*Card, error) {
	if max := limits.Lower(MaxTextLen, d.MaxTextLen); len(text) > max {
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("text is %d bytes, over the %d-byte limit", len(text), max), nil)
	}
	if strings.HasPrefix(text, Prefix) {
		body := text[len(Prefix):]
		if strings.IndexByte(body, '/') >= 0 {
			c, n, digits, err := parseChunk(body)
			if err != nil {
				return nil, err
			}
			if n != 1 {
				return nil, newErr(credential.ReasonBadPrefix, fmt.Sprintf("chunk %d of %d of the deprecated chunked form: assemble all %d chunks first", c, n, n), ErrQRText)
			}
			body = digits
		}
		jws, err := decodeNumeric(body)
		if err != nil {
			return nil, err
		}
		return d.decodeJWS(jws, limits.Lower(MaxTextLen, d.MaxTextLen))
	}
	if strings.HasPrefix(text, "eyJ") && strings.Count(text, ".") == 2 {
		return d.decodeJWS(text, limits.Lower(MaxTextLen, d.MaxTextLen))
	}
	shown := text
	if len(shown) > 8 {
		shown = shown[:8] + "…"
	}
	return nil, newErr(credential.ReasonBadPrefix, fmt.Sprintf("text %q is neither %q QR text nor a compact JWS", shown, Prefix), nil)
}

// decodeNumeric turns the numeric-mode digits into the JWS: each pair of
// digits is one character, its value plus 45.
func decodeNumeric(digits string) (string, error) {
	if digits == "" {
		return "", newErr(credential.ReasonBadPrefix, "no digits after "+Prefix, ErrQRText)
	}
	if len(digits)%2 != 0 {
		return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("odd number of digits (%d)", len(digits)), ErrQRText)
	}
	b := make([]byte, len(digits)/2)
	for i := range b {
		hi, lo := digits[2*i], digits[2*i+1]
		if hi < '0' || hi > '9' || lo < '0' || lo > '9' {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("non-digit at offset %d of the numeric data", 2*i), ErrQRText)
		}
		v := (hi-'0')*10 + lo - '0'
		if v > 'z'-45 {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("digit pair %02d at offset %d exceeds 77", v, 2*i), ErrQRText)
		}
		b[i] = v + 45
	}
	return string(b), nil
}

// EncodeQR returns the QR text of a compact JWS: Prefix followed by two
// digits per character, its value minus 45. It refuses a JWS longer than
// MaxQRJWSLen (such cards travel as files or, formerly, as chunks) and
// characters outside '-' … 'z'.
func EncodeQR(jws string) (string, error) {
	if len(jws) > MaxQRJWSLen {
		return "", newErr(credential.ReasonTooLarge, fmt.Sprintf("JWS of %d characters does not fit one QR code (at most %d)", len(jws), MaxQRJWSLen), nil)
	}
	return encodeNumeric(Prefix, jws)
}

func encodeNumeric(prefix, jws string) (string, error) {
	var b strings.Builder
	b.Grow(len(prefix) + 2*len(jws))
	b.WriteString(prefix)
	for i := 0; i < len(jws); i++ {
		c := jws[i]
		if c < 45 || c > 'z' {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("character %q at offset %d cannot be encoded", c, i), ErrQRText)
		}
		v := c - 45
		b.WriteByte('0' + v/10)
		b.WriteByte('0' + v%10)
	}
	return b.String(), nil
}

// parseChunk splits "C/N/digits" (the part after Prefix).
func parseChunk(body string) (c, n int, digits string, err error) {
	parts := strings.SplitN(body, "/", 3)
	if len(parts) != 3 {
		return 0, 0, "", newErr(credential.ReasonBadPrefix, "malformed chunk header (want shc:/C/N/…)", ErrQRText)
	}
	c, okC := chunkNumber(parts[0])
	n, okN := chunkNumber(parts[1])
	if !okC || !okN || c > n {
		return 0, 0, "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("malformed chunk header %q", "shc:/"+parts[0]+"/"+parts[1]+"/"), ErrQRText)
	}
	return c, n, parts[2], nil
}

// chunkNumber parses a chunk index or count: 1 to 99, no leading zero.
func chunkNumber(s string) (int, bool) {
	if s == "" || len(s) > 2 || s[0] == '0' {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= 1
}

// Assemble joins the QR texts of the deprecated chunked form
// ("shc:/C/N/…", deprecated since SHC 1.3.0) into single "shc:/…" text for
// Decode. The chunks may come in any order, but all N must be present
// exactly once with the same N, each must hold whole characters and at most
// MaxChunkJWSLen of them, and N must be the smallest count that the JWS
// needs (one QR up to MaxQRJWSLen characters, else ⌈length/MaxChunkJWSLen⌉),
// so that a needlessly split card is refused.
func Assemble(chunks []string) (string, error) {
	if len(chunks) == 0 {
		return "", newErr(credential.ReasonBadPrefix, "no chunks", ErrQRText)
	}
	parts := make([]string, len(chunks))
	total, count := 0, 0
	for i, ch := range chunks {
		if len(ch) > MaxTextLen {
			return "", newErr(credential.ReasonTooLarge, fmt.Sprintf("chunk %d is %d bytes, over the %d-byte limit", i+1, len(ch), MaxTextLen), nil)
		}
		if !strings.HasPrefix(ch, Prefix) {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("chunk %d does not start with %q", i+1, Prefix), ErrQRText)
		}
		c, n, digits, err := parseChunk(ch[len(Prefix):])
		if err != nil {
			return "", err
		}
		if i == 0 {
			count = n
			if n != len(chunks) {
				return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("%d chunks given, the headers say %d", len(chunks), n), ErrQRText)
			}
		} else if n != count {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("chunk headers disagree on the count (%d and %d)", count, n), ErrQRText)
		}
		if parts[c-1] != "" {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("chunk %d of %d given twice", c, n), ErrQRText)
		}
		if digits == "" || len(digits)%2 != 0 {
			return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("chunk %d of %d does not hold whole characters", c, n), ErrQRText)
		}
		if len(digits)/2 > MaxChunkJWSLen {
			return "", newErr(credential.ReasonTooLarge, fmt.Sprintf("chunk %d of %d holds %d characters, over the %d-character chunk limit", c, n, len(digits)/2, MaxChunkJWSLen), nil)
		}
		parts[c-1] = digits
		total += len(digits)
	}
	// With N chunks each at most MaxChunkJWSLen, and N == len(chunks)
	// with no duplicate index, every index is present.
	jwsLen := total / 2
	minN := 1
	if jwsLen > MaxQRJWSLen {
		minN = (jwsLen + MaxChunkJWSLen - 1) / MaxChunkJWSLen
	}
	if count != minN {
		return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("a %d-character JWS needs %d chunk(s), not %d", jwsLen, minN, count), ErrQRText)
	}
	if len(Prefix)+total > MaxTextLen {
		return "", newErr(credential.ReasonTooLarge, fmt.Sprintf("assembled text is %d bytes, over the %d-byte limit", len(Prefix)+total, MaxTextLen), nil)
	}
	return Prefix + strings.Join(parts, ""), nil
}
