package hcert

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/internal/deflate"
	"github.com/b5m5/travelcred/internal/limits"
)

// Default limits on hostile input. Options may lower them, never raise them.
const (
	MaxTextLen  = limits.QRText      // longest accepted "HC1:" text
	MaxInflated = limits.Inflated    // largest accepted decompressed payload
	MaxNesting  = limits.CBORNesting // deepest accepted CBOR nesting
)

// Decoder decodes HCERT text with configurable limits. The zero value uses
// the default limits. A Decoder is safe for concurrent use.
type Decoder struct {
	// MaxTextLen lowers the text length limit when positive.
	MaxTextLen int
	// MaxInflated lowers the decompressed size limit when positive.
	MaxInflated int
}

func newErr(r credential.Reason, detail string, err error) error {
	return credential.NewError(r, detail, err)
}

// Unprefix checks the context identifier and returns the Base45 text after
// it. A well-formed identifier of a later HCERT version (HC2: … HCZ:) gets
// a specific error, since it cannot be read by this version.
func Unprefix(text string) (string, error) {
	if strings.HasPrefix(text, Prefix) {
		return text[len(Prefix):], nil
	}
	if len(text) >= 4 && text[:2] == "HC" && text[3] == ':' &&
		(text[2] >= '2' && text[2] <= '9' || text[2] >= 'A' && text[2] <= 'Z') {
		return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("HCERT version %q is not supported (only %q)", text[:4], Prefix), nil)
	}
	shown := text
	if len(shown) > 8 {
		shown = shown[:8] + "…"
	}
	return "", newErr(credential.ReasonBadPrefix, fmt.Sprintf("text %q does not start with %q", shown, Prefix), nil)
}

// AppendBase45 appends the bytes encoded by the Base45 text s to dst.
func AppendBase45(dst []byte, s string) ([]byte, error) {
	if s == "" {
		return dst, newErr(credential.ReasonBadBase45, "no data after the prefix", nil)
	}
	out, err := base45.AppendDecode(dst, s)
	if err != nil {
		return dst, newErr(credential.ReasonBadBase45, "", err)
	}
	return out, nil
}

// AppendInflate appends the zlib-decompressed form of src to dst, refusing
// output beyond max bytes (MaxInflated when max ≤ 0). Data without a zlib
// header is malformed, as is a stream that is truncated, fails its
// checksum, or is followed by trailing bytes.
//
// The DEFLATE data is inflated by internal/deflate, which works on the
// slice in memory (no reader, no window copy): 1.9× faster than
// compress/zlib on the EU test credentials, and accepting exactly what it
// accepts.
func AppendInflate(dst, src []byte, max int) ([]byte, error) {
	max = limits.Lower(MaxInflated, max)
	if len(src) < 2 || src[0]&0x0f != 8 || (uint16(src[0])<<8|uint16(src[1]))%31 != 0 {
		return dst, newErr(credential.ReasonBadCompression, "no zlib header (expected 78 xx)", nil)
	}
	// The rest of the header, checked as compress/zlib does: a window of
	// at most 32 KiB, and no preset dictionary (whose Adler-32 id would
	// follow the header; only the id of the empty dictionary, 1, passes).
	if src[0]>>4 > 7 {
		return dst, newErr(credential.ReasonBadCompression, "bad zlib header", zlib.ErrHeader)
	}
	body := src[2:]
	if src[1]&0x20 != 0 {
		if len(body) < 4 {
			return dst, newErr(credential.ReasonBadCompression, "bad zlib header", io.ErrUnexpectedEOF)
		}
		if binary.BigEndian.Uint32(body) != 1 {
			return dst, newErr(credential.ReasonBadCompression, "bad zlib header", zlib.ErrDictionary)
		}
		body = body[4:]
	}
	start := len(dst)
	dst, n, err := deflate.AppendInflate(dst, body, max)
	switch {
	case errors.Is(err, deflate.ErrTooLarge):
		return dst, newErr(credential.ReasonTooLarge, fmt.Sprintf("decompressed payload exceeds %d bytes", max), nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return dst, newErr(credential.ReasonBadCompression, "compressed data is truncated", nil)
	case err != nil:
		return dst, newErr(credential.ReasonBadCompression, "", err)
	}
	trailer := body[n:]
	if len(trailer) < 4 {
		return dst[:start], newErr(credential.ReasonBadCompression, "compressed data is truncated", nil)
	}
	if binary.BigEndian.Uint32(trailer) != adler32.Checksum(dst[start:]) {
		return dst[:start], newErr(credential.ReasonBadCompression, "", zlib.ErrChecksum)
	}
	if len(trailer) > 4 {
		return dst[:start], newErr(credential.ReasonBadCompression, fmt.Sprintf("%d bytes follow the compressed stream", len(trailer)-4), nil)
	}
	return dst, nil
}

// Decode runs every transport stage on text with the default limits and
// returns the unverified message. Its slices do not alias text.
func Decode(text string) (*Message, error) {
	var d Decoder
	return d.Decode(text)
}

// Decode runs every transport stage on text and returns the unverified
// message.
func (d *Decoder) Decode(text string) (*Message, error) {
	m := new(Message)
	if _, err := d.DecodeInto(m, text, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeInto is Decode with caller-supplied storage: it decodes into m,
// using buf (which may be nil) for the intermediate and final bytes, and
// returns the grown buffer. m's slices alias the returned buffer, so the
// buffer may be reused only once m is no longer needed.
func (d *Decoder) DecodeInto(m *Message, text string, buf []byte) ([]byte, error) {
	if max := limits.Lower(MaxTextLen, d.MaxTextLen); len(text) > max {
		return buf, newErr(credential.ReasonTooLarge, fmt.Sprintf("text is %d bytes, over the %d-byte limit", len(text), max), nil)
	}
	b45, err := Unprefix(text)
	if err != nil {
		return buf, err
	}
	// The compressed bytes go at the start of buf, the inflated ones after.
	need := base45.DecodedLen(len(b45))
	if need < 0 {
		need = 0
	}
	if cap(buf) < need+4*need+256 {
		buf = make([]byte, 0, need+4*need+256)
	}
	compressed, err := AppendBase45(buf[:0], b45)
	if err != nil {
		return buf, err
	}
	n := len(compressed)
	raw, err := AppendInflate(compressed[n:n:cap(compressed)], compressed, d.MaxInflated)
	if err != nil {
		return buf, err
	}
	if err := ParseCOSEInto(m, raw); err != nil {
		return buf, err
	}
	// Hand back whichever buffer is larger: the inflated bytes may have
	// outgrown buf and moved.
	if cap(raw) > cap(buf) {
		return raw[:0], nil
	}
	return buf[:0], nil
}

// ParseCOSE parses a COSE_Sign1 message: tag 18, untagged, or tag 61
// wrapping tag 18. The message's slices alias b.
func ParseCOSE(b []byte) (*Message, error) {
	m := new(Message)
	if err := ParseCOSEInto(m, b); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseCOSEInto is ParseCOSE writing into m.
func ParseCOSEInto(m *Message, b []byte) error {
	*m = Message{}
	r := cborx.NewReader(b)
	m.Envelope = Untagged
	tag, ok, err := r.Tag()
	if err != nil {
		return coseErr("", err)
	}
	if ok {
		switch tag {
		case 18:
			m.Envelope = Tagged
		case 61:
			inner, ok2, err := r.Tag()
			if err != nil {
				return coseErr("", err)
			}
			if !ok2 || inner != 18 {
				return newErr(credential.ReasonBadCOSE, "CWT tag 61 does not wrap a COSE_Sign1 (tag 18)", nil)
			}
			m.Envelope = CWTTag
		case 98:
			return newErr(credential.ReasonBadCOSE, "COSE_Sign (tag 98, several signers) is not supported; HCERT uses COSE_Sign1 (tag 18)", nil)
		case 16, 17, 96, 97:
			return newErr(credential.ReasonBadCOSE, fmt.Sprintf("COSE tag %d is a MAC or encryption structure, not a signature", tag), nil)
		default:
			return newErr(credential.ReasonBadCOSE, fmt.Sprintf("unexpected CBOR tag %d where COSE_Sign1 (tag 18) was expected", tag), nil)
		}
	}
	n, err := r.ArrayLen()
	if err != nil {
		return coseErr("COSE_Sign1 must be an array", err)
	}
	if n != 4 {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("COSE_Sign1 array has %d elements, want 4", n), nil)
	}
	if m.Protected, err = r.Bytes(); err != nil {
		return coseErr("protected header must be a byte string", err)
	}
	if err := m.parseProtected(); err != nil {
		return err
	}
	if err := m.parseUnprotected(&r); err != nil {
		return err
	}
	if mj, _ := r.PeekMajor(); mj == cborx.MajorSimple && r.Off < len(b) && b[r.Off] == 0xf6 {
		return newErr(credential.ReasonBadCOSE, "detached payload (nil) is not allowed", nil)
	}
	if m.Payload, err = r.Bytes(); err != nil {
		return coseErr("payload must be a byte string", err)
	}
	if m.Signature, err = r.Bytes(); err != nil {
		return coseErr("signature must be a byte string", err)
	}
	if !r.Done() {
		return newErr(credential.ReasonBadCOSE, fmt.Sprintf("%d bytes follow the COSE_Sign1 message", len(b)-r.Off), nil)
	}
	return nil
}

func coseErr(detail string, err error) error {
	if errors.Is(err, cborx.ErrTruncated) || errors.Is(err, cborx.ErrIndefinite) || errors.Is(err, cborx.ErrReserved) ||
		errors.Is(err, cborx.ErrTooDeep) {
		if detail == "" {
			return newErr(credential.ReasonBadCBOR, "", err)
		}
		return newErr(credential.ReasonBadCBOR, detail, err)
	}
	return newErr(credential.ReasonBadCOSE, detail, err)
}

// parseProtected reads alg and kid from the serialized protected header.
// An empty byte string stands for an empty map.
func (m *Message) parseProtected() error {
	if len(m.Protected) == 0 {
		return nil
	}
	r := cborx.NewReader(m.Protected)
	n, err := r.MapLen()
	if err != nil {
		return coseErr("protected header must be a map", err)
	}
	seen := labelSet{}
	for i := 0; i < n; i++ {
		label, isInt, err := readLabel(&r)
		if err != nil {
			return coseErr("protected header label", err)
		}
		if err := seen.add(label, isInt); err != nil {
			return err
		}
		switch {
		case isInt && label == headerAlg:
			mj, err := r.PeekMajor()
			if err != nil {
				return coseErr("", err)
			}
			if mj == cborx.MajorText {
				name, _ := r.Text()
				return newErr(credential.ReasonUnsupportedAlg, fmt.Sprintf("algorithm %q given as text; HCERT uses COSE integer identifiers", name), nil)
			}
			alg, err := r.Int()
			if err != nil {
				return coseErr("alg must be an integer", err)
			}
			if alg == 0 {
				// 0 is reserved in COSE: an explicit alg 0 is refused, not
				// read as "absent" (which would derive the algorithm from
				// the key).
				return newErr(credential.ReasonUnsupportedAlg, "the protected header names alg 0 (reserved)", nil)
			}
			m.Alg = Algorithm(alg)
		case isInt && label == headerKID:
			if m.KID, err = readKID(&r); err != nil {
				return err
			}
		default:
			// The header map is level 1: its values may nest 15 more.
			if err := r.Skip(MaxNesting - 1); err != nil {
				return coseErr("protected header value", err)
			}
		}
	}
	if !r.Done() {
		return newErr(credential.ReasonBadCOSE, "bytes follow the protected header map", nil)
	}
	return nil
}

// parseUnprotected reads the unprotected header map, taking kid from it
// only when the protected header has none. An alg found there is recorded
// in UnprotectedAlg but never selects the algorithm.
func (m *Message) parseUnprotected(r *cborx.Reader) error {
	n, err := r.MapLen()
	if err != nil {
		return coseErr("unprotected header must be a map", err)
	}
	seen := labelSet{}
	for i := 0; i < n; i++ {
		label, isInt, err := readLabel(r)
		if err != nil {
			return coseErr("unprotected header label", err)
		}
		if err := seen.add(label, isInt); err != nil {
			return err
		}
		if isInt && label == headerAlg {
			alg, err := r.Int()
			if err != nil {
				return coseErr("unprotected alg must be an integer", err)
			}
			m.UnprotectedAlg = Algorithm(alg)
			if m.UnprotectedAlg == 0 {
				return newErr(credential.ReasonUnsupportedAlg, "unprotected header has alg 0", nil)
			}
			continue
		}
		if isInt && label == headerKID && m.KID == nil {
			if m.KID, err = readKID(r); err != nil {
				return err
			}
			m.KIDUnprotected = true
			continue
		}
		// Inside the COSE array and the header map: 14 more levels.
		if err := r.Skip(MaxNesting - 2); err != nil {
			return coseErr("unprotected header value", err)
		}
	}
	return nil
}

func readKID(r *cborx.Reader) ([]byte, error) {
	mj, err := r.PeekMajor()
	if err != nil {
		return nil, coseErr("", err)
	}
	if mj == cborx.MajorText {
		t, _ := r.Text()
		return nil, newErr(credential.ReasonBadCOSE, fmt.Sprintf("kid %q is a text string; HCERT requires a byte string", t), nil)
	}
	kid, err := r.Bytes()
	if err != nil {
		return nil, coseErr("kid must be a byte string", err)
	}
	if len(kid) == 0 {
		return nil, newErr(credential.ReasonBadCOSE, "kid is empty", nil)
	}
	return kid, nil
}

// readLabel reads a COSE header label: an integer or a text string. Text
// labels are reported with isInt false and a hash of the text in label.
func readLabel(r *cborx.Reader) (label int64, isInt bool, err error) {
	mj, err := r.PeekMajor()
	if err != nil {
		return 0, false, err
	}
	if mj == cborx.MajorText {
		t, err := r.Text()
		if err != nil {
			return 0, false, err
		}
		var h int64 = 1469598103934665603
		for _, c := range t {
			h = (h ^ int64(c)) * 1099511628211
		}
		return h, false, nil
	}
	v, err := r.Int()
	return v, true, err
}

// labelSet detects duplicate labels in a header or claims map. Maps in
// COSE headers and CWTs are small, so the first labels live in a fixed
// array; larger maps spill into a slice.
type labelSet struct {
	n     int
	keys  [16]int64
	txt   [16]bool
	spill []labelEntry
}

type labelEntry struct {
	key int64
	txt bool
}

func (s *labelSet) add(label int64, isInt bool) error {
	for i := 0; i < s.n; i++ {
		if s.keys[i] == label && s.txt[i] == !isInt {
			return newErr(credential.ReasonBadCBOR, fmt.Sprintf("duplicate map key %d", label), nil)
		}
	}
	for _, e := range s.spill {
		if e.key == label && e.txt == !isInt {
			return newErr(credential.ReasonBadCBOR, fmt.Sprintf("duplicate map key %d", label), nil)
		}
	}
	if s.n < len(s.keys) {
		s.keys[s.n], s.txt[s.n] = label, !isInt
		s.n++
		return nil
	}
	s.spill = append(s.spill, labelEntry{label, !isInt})
	return nil
}

// ParseClaims reads the CWT claims of an HCERT payload: iss, iat, exp and
// the hcert claim. Other claims are skipped. It returns a reason of
// bad_cbor for malformed CBOR and bad_claims for claims of the wrong type
// or a missing EU DCC sub-claim.
func ParseClaims(payload []byte) (*Claims, error) {
	c := new(Claims)
	if err := ParseClaimsInto(c, payload); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseClaimsInto is ParseClaims writing into c.
func ParseClaimsInto(c *Claims, payload []byte) error {
	*c = Claims{SubClaims: c.SubClaims[:0], WHO: c.WHO[:0]}
	r := cborx.NewReader(payload)
	if _, ok, _ := r.Tag(); ok {
		return newErr(credential.ReasonBadClaims, "CWT claims set must be an untagged map", nil)
	}
	n, err := r.MapLen()
	if err != nil {
		return claimsErr("CWT claims set must be a map", err)
	}
	seen := labelSet{}
	for i := 0; i < n; i++ {
		key, isInt, err := readLabel(&r)
		if err != nil {
			return claimsErr("claim key", err)
		}
		if err := seen.add(key, isInt); err != nil {
			return err
		}
		if !isInt {
			if err := r.Skip(MaxNesting - 1); err != nil {
				return claimsErr("claim value", err)
			}
			continue
		}
		switch key {
		case claimIss:
			t, err := r.Text()
			if err != nil {
				return claimsErr("iss (claim 1) must be a text string", err)
			}
			if !utf8.Valid(t) {
				return newErr(credential.ReasonBadCBOR, "iss is not valid UTF-8", nil)
			}
			c.Issuer = issuerString(t)
		case claimExp, claimIat:
			v, err := r.NumericDate()
			if err != nil {
				name := "exp (claim 4)"
				if key == claimIat {
					name = "iat (claim 6)"
				}
				return claimsErr(name+" must be a NumericDate", err)
			}
			if key == claimExp {
				c.ExpiresAt = v
			} else {
				c.IssuedAt = v
			}
		case claimHCert:
			if err := c.parseHCert(&r); err != nil {
				return err
			}
		default:
			if err := r.Skip(MaxNesting - 1); err != nil {
				return claimsErr("claim value", err)
			}
		}
	}
	if !r.Done() {
		return newErr(credential.ReasonBadCBOR, "bytes follow the CWT claims map", nil)
	}
	if c.DCC == nil && len(c.WHO) == 0 {
		if len(c.SubClaims) == 0 {
			return newErr(credential.ReasonBadClaims, "no hcert claim (-260)", nil)
		}
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("hcert claim has no EU DCC (1) or WHO (3, 4, 5, -6) sub-claim; found %v", c.SubClaims), nil)
	}
	return nil
}

// countryCodes holds every pair of letters A to Z, "AAAB…ZZ", so that an
// iss claim that is a country code, as it nearly always is, becomes a
// string without an allocation.
var countryCodes = func() string {
	b := make([]byte, 0, 26*26*2)
	for x := byte('A'); x <= 'Z'; x++ {
		for y := byte('A'); y <= 'Z'; y++ {
			b = append(b, x, y)
		}
	}
	return string(b)
}()

func issuerString(t []byte) string {
	if len(t) == 2 && 'A' <= t[0] && t[0] <= 'Z' && 'A' <= t[1] && t[1] <= 'Z' {
		i := (int(t[0]-'A')*26 + int(t[1]-'A')) * 2
		return countryCodes[i : i+2]
	}
	return string(t)
}

func (c *Claims) parseHCert(r *cborx.Reader) error {
	n, err := r.MapLen()
	if err != nil {
		return claimsErr("hcert (claim -260) must be a map", err)
	}
	seen := labelSet{}
	for i := 0; i < n; i++ {
		key, err := r.Int()
		if err != nil {
			return claimsErr("hcert sub-claim key must be an integer", err)
		}
		if err := seen.add(key, true); err != nil {
			return err
		}
		c.SubClaims = append(c.SubClaims, key)
		raw, err := r.Raw(MaxNesting - 2)
		if err != nil {
			return claimsErr("hcert sub-claim", err)
		}
		switch key {
		case subClaimEUDCC:
			c.DCC = raw
		case SubClaimDDCCVS, SubClaimDDCCTR, SubClaimLink, SubClaimICVP:
			c.WHO = append(c.WHO, WHOClaim{Key: key, Raw: raw})
		}
	}
	return nil
}

func claimsErr(detail string, err error) error {
	var te *cborx.TypeError
	if errors.As(err, &te) || errors.Is(err, cborx.ErrDateRange) {
		return newErr(credential.ReasonBadClaims, detail, err)
	}
	return newErr(credential.ReasonBadCBOR, detail, err)
}
