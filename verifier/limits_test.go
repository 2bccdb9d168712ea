package verifier_test

// The limits on hostile input of DESIGN.md, each fed just under and just
// over through the public API, at its default and lowered by the options
// an integrator has (verifier.WithMaxTextLen and WithMaxInflated,
// hcert.Decoder, qr.WithMaxPixels, trustlist.VerifyOptions.MaxSize). The
// HTTP body limits (limits.HTTPBody, limits.ImageBytes) belong to package
// httpapi and are tested there.

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

// secLimitVerifier is a verifier at secNow over the fixture's own keys.
func secLimitVerifier(t testing.TB, opts ...verifier.Option) *secVerifier {
	t.Helper()
	fx := secFix(t)
	v, err := newSecVerifier(fx.own, secNow, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// secSignedHC1 signs payload as AU (ES256) with protected {4: kid, 1: -7}
// and returns the COSE message and its HC1 text.
func secSignedHC1(t testing.TB, fx *secFixture, payload []byte) ([]byte, string) {
	t.Helper()
	au := secDemoMember(t, fx, "AU")
	cose, err := hcert.Sign(nil, au.DSCKey, hcert.ES256, au.TrustKey.KID, payload)
	if err != nil {
		t.Fatal(err)
	}
	return cose, hcert.Encode(cose)
}

// secClaimsWith is a valid AU vaccination CWT with an extra claim (label
// 99) holding raw CBOR.
func secClaimsWith(t testing.TB, extra []byte) []byte {
	t.Helper()
	c := secClaims(t, "AU", "AU", credential.TypeVaccination)
	if c[0] != 0xa4 {
		t.Fatalf("claims map head %x", c[0])
	}
	out := append([]byte{0xa5}, c[1:]...)
	out = cborx.AppendInt(out, 99)
	return append(out, extra...)
}

func TestLimitQRText(t *testing.T) {
	fx := secFix(t)
	v := secLimitVerifier(t)
	max := limits.QRText

	t.Run("hcert: a valid credential of the longest Base45 length under the limit", func(t *testing.T) {
		// 8191 = 4 + 1.5 × 5458 is the longest HC1 text within 8192
		// bytes (Base45 lengths are 0 or 2 mod 3). Incompressible
		// padding in a signed claim brings the text to it.
		want := max - 1
		var text string
		for n, tries := 5400, 0; len(text) != want; tries++ {
			if tries > 100 {
				t.Fatalf("no padding gives a %d-byte text (last %d)", want, len(text))
			}
			_, text = secSignedHC1(t, fx, secClaimsWith(t, cborx.AppendBytes(nil, secNoise(n))))
			switch d := (want - len(text)) * 2 / 3; {
			case d != 0:
				n += d
			case len(text) < want:
				n++
			default:
				n--
			}
		}
		secExpect(t, v, text, "")
		secExpect(t, v, text+"0", credential.ReasonBadBase45)  // 8192 bytes: over no limit
		secExpect(t, v, text+"00", credential.ReasonTooLarge)  // 8193 bytes
		secExpect(t, v, text+"000", credential.ReasonTooLarge) // a valid Base45 length
		secExpect(t, v, text[:len(text)-3], credential.ReasonBadCompression)
	})
	t.Run("every format: 8192 bytes pass the limit, 8193 do not", func(t *testing.T) {
		for prefix, underReason := range map[string]credential.Reason{
			"HC1:":     credential.ReasonBadBase45,
			"NZCP:/1/": credential.ReasonBadCOSE,
			"shc:/":    credential.ReasonBadPrefix,
		} {
			body := func(n int) string { return prefix + strings.Repeat("0", n-len(prefix)) }
			if _, verr := secExpect(t, v, body(max), underReason); verr.Reason == credential.ReasonTooLarge {
				t.Errorf("%s: %d bytes refused as too large", prefix, max)
			}
			secExpect(t, v, body(max+1), credential.ReasonTooLarge)
		}
	})
	t.Run("shc: a bare JWS or a file is bounded by shc.MaxFileLen, not the QR text limit", func(t *testing.T) {
		// The forms a .smart-health-card file carries; see SECURITY.md.
		jws := fx.cred("shc-jws").text
		file := fx.cred("shc-file").text
		for _, tt := range []struct {
			name string
			pad  func(n int) string
		}{
			{"JWS", func(n int) string { return jws[:3] + strings.Repeat("A", n-len(jws)) + jws[3:] }},
			{"file", func(n int) string { return file[:1] + strings.Repeat(" ", n-len(file)) + file[1:] }},
		} {
			under, over := tt.pad(shc.MaxFileLen), tt.pad(shc.MaxFileLen+1)
			if _, verr := secCheck(t, v, under); verr != nil && verr.Reason == credential.ReasonTooLarge {
				t.Errorf("%s of %d bytes: %v", tt.name, len(under), verr)
			}
			secExpect(t, v, over, credential.ReasonTooLarge)
			secExpect(t, secLimitVerifier(t, verifier.WithMaxTextLen(max)), tt.pad(max+1), credential.ReasonTooLarge)
		}
		secExpect(t, v, file[:1]+strings.Repeat(" ", max+1-len(file))+file[1:], "")
	})
	t.Run("vdsnc: the valid seal padded to the limit", func(t *testing.T) {
		seal := fx.cred("vdsnc").text
		padded := seal + strings.Repeat(" ", max-len(seal))
		secExpect(t, v, padded, "")
		secExpect(t, v, padded+" ", credential.ReasonTooLarge)
	})
	t.Run("WithMaxTextLen lowers the limit of every format", func(t *testing.T) {
		for _, c := range fx.creds {
			secExpect(t, secLimitVerifier(t, verifier.WithMaxTextLen(len(c.text))), c.text, "")
			secExpect(t, secLimitVerifier(t, verifier.WithMaxTextLen(len(c.text)-1)), c.text, credential.ReasonTooLarge)
		}
	})
	t.Run("WithMaxTextLen cannot raise the limit", func(t *testing.T) {
		raised := secLimitVerifier(t, verifier.WithMaxTextLen(4*max))
		seal := fx.cred("vdsnc").text
		for _, text := range []string{
			"HC1:" + strings.Repeat("0", max-3),
			"NZCP:/1/" + strings.Repeat("A", max-7),
			"shc:/" + strings.Repeat("0", max-4),
			seal + strings.Repeat(" ", max+1-len(seal)),
		} {
			secExpect(t, raised, text, credential.ReasonTooLarge)
		}
		d := hcert.Decoder{MaxTextLen: 4 * max}
		if _, err := d.Decode("HC1:" + strings.Repeat("0", max-3)); !secIsReason(err, credential.ReasonTooLarge) {
			t.Errorf("hcert.Decoder with a raised limit: %v", err)
		}
	})
}

// secNoise is n incompressible, deterministic bytes.
func secNoise(n int) []byte {
	out := make([]byte, 0, n+32)
	for i := uint32(0); len(out) < n; i++ {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], i)
		sum := sha256.Sum256(b[:])
		out = append(out, sum[:]...)
	}
	return out[:n]
}

func secIsReason(err error, r credential.Reason) bool {
	var ce *credential.Error
	if errors.As(err, &ce) {
		return ce.Reason == r
	}
	var ve *verifier.Error
	return errors.As(err, &ve) && ve.Reason == r
}

// secInflatedHC1 is a valid AU credential whose COSE message is exactly n
// bytes, padded with a signed claim of zeros (which compress well).
func secInflatedHC1(t testing.TB, fx *secFixture, n int) (cose []byte, text string) {
	t.Helper()
	pad := n - 400
	for tries := 0; tries < 20; tries++ {
		cose, text = secSignedHC1(t, fx, secClaimsWith(t, cborx.AppendBytes(nil, make([]byte, pad))))
		if len(cose) == n {
			return cose, text
		}
		pad += n - len(cose)
	}
	t.Fatalf("no padding gives a %d-byte COSE message (last %d)", n, len(cose))
	return nil, ""
}

func TestLimitInflated(t *testing.T) {
	fx := secFix(t)
	max := limits.Inflated
	v := secLimitVerifier(t)
	t.Run("hcert: a valid credential inflating to exactly the limit", func(t *testing.T) {
		_, at := secInflatedHC1(t, fx, max)
		_, over := secInflatedHC1(t, fx, max+1)
		if len(at) > limits.QRText || len(over) > limits.QRText {
			t.Fatalf("texts of %d and %d bytes: the padding does not compress", len(at), len(over))
		}
		secExpect(t, v, at, "")
		secExpect(t, v, over, credential.ReasonTooLarge)
		// A decoder whose limit is raised keeps the default.
		d := hcert.Decoder{MaxInflated: 4 * max}
		if _, err := d.Decode(over); !secIsReason(err, credential.ReasonTooLarge) {
			t.Errorf("hcert.Decoder with a raised limit: %v", err)
		}
	})
	t.Run("hcert: WithMaxInflated and hcert.Decoder lower the limit", func(t *testing.T) {
		for _, name := range []string{"hcert-es256", "hcert-ps256"} {
			c := fx.cred(name)
			compressed, err := hcert.AppendBase45(nil, c.text[4:])
			if err != nil {
				t.Fatal(err)
			}
			raw, err := hcert.AppendInflate(nil, compressed, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := len(raw)
			secExpect(t, secLimitVerifier(t, verifier.WithMaxInflated(n)), c.text, "")
			secExpect(t, secLimitVerifier(t, verifier.WithMaxInflated(n-1)), c.text, credential.ReasonTooLarge)
			if _, err := (&hcert.Decoder{MaxInflated: n}).Decode(c.text); err != nil {
				t.Errorf("hcert.Decoder{MaxInflated: %d}: %v", n, err)
			}
			if _, err := (&hcert.Decoder{MaxInflated: n - 1}).Decode(c.text); !secIsReason(err, credential.ReasonTooLarge) {
				t.Errorf("hcert.Decoder{MaxInflated: %d}: %v, want too_large", n-1, err)
			}
		}
	})
	t.Run("shc: default limit on the inflated claims", func(t *testing.T) {
		// A JWS whose payload inflates to exactly the limit, and one byte
		// more: the first goes on to the signature check (its signature
		// is zeros), the second is refused as too large.
		header := []byte(`{"alg":"ES256","zip":"DEF","kid":"` + string(fx.cred("shc").key.KID) + `"}`)
		for n, want := range map[int]credential.Reason{max: credential.ReasonBadSignature, max + 1: credential.ReasonTooLarge} {
			claims := []byte(`{"iss":"` + secSHCIss + `","nbf":1,"x":"`)
			claims = append(claims, bytes.Repeat([]byte("a"), n-len(claims)-2)...)
			claims = append(claims, '"', '}')
			jws := secJWS(header, secDeflate(claims), make([]byte, 64))
			if len(jws) > limits.QRText {
				t.Fatalf("JWS of %d bytes", len(jws))
			}
			_, verr := secExpect(t, v, jws, want)
			if n == max && verr.Reason == credential.ReasonTooLarge {
				t.Errorf("%d inflated bytes refused as too large", n)
			}
		}
	})
	t.Run("shc: WithMaxInflated lowers the limit", func(t *testing.T) {
		c := fx.cred("shc")
		p := secSplitJWS(t, fx.cred("shc-jws").text)
		n := len(p.payload)
		secExpect(t, secLimitVerifier(t, verifier.WithMaxInflated(n)), c.text, "")
		secExpect(t, secLimitVerifier(t, verifier.WithMaxInflated(n-1)), c.text, credential.ReasonTooLarge)
	})
}

// secNested is n one-element arrays nested around 1: n levels.
func secNested(n int) []byte {
	return append(bytes.Repeat([]byte{0x81}, n), 0x01)
}

func TestLimitCBORNesting(t *testing.T) {
	fx := secFix(t)
	v := secLimitVerifier(t)
	max := limits.CBORNesting
	// Depth counts every array and map from the outermost, whose own
	// level is 1, as fxamacker/cbor counts MaxNestedLevels.
	t.Run("an unknown claim: 16 levels with the claims map, then 17", func(t *testing.T) {
		_, at := secSignedHC1(t, fx, secClaimsWith(t, secNested(max-1)))
		_, over := secSignedHC1(t, fx, secClaimsWith(t, secNested(max)))
		secExpect(t, v, at, "")
		secExpect(t, v, over, credential.ReasonBadCBOR)
	})
	t.Run("the DCC: 16 levels with the claims and hcert maps, then 17", func(t *testing.T) {
		dcc := func(depth int) []byte {
			// {"ver": "1.3.0", "x": [[…1…]]} at 2 levels below the claims
			b := cborx.AppendHead(nil, cborx.MajorMap, 2)
			b = cborx.AppendText(b, "ver")
			b = cborx.AppendText(b, "1.3.0")
			b = cborx.AppendText(b, "x")
			return append(b, secNested(depth-3)...)
		}
		claims := func(depth int) []byte {
			return hcert.MarshalClaims("AU", secNow.Add(-time.Hour), secNow.AddDate(0, 1, 0), dcc(depth))
		}
		_, at := secSignedHC1(t, fx, claims(max))
		_, over := secSignedHC1(t, fx, claims(max+1))
		if _, verr := secCheck(t, v, at); verr == nil || verr.Reason == credential.ReasonBadCBOR {
			t.Errorf("DCC 16 levels deep: %v, want a schema refusal, not bad_cbor", verr)
		}
		secExpect(t, v, over, credential.ReasonBadCBOR)
	})
	t.Run("the protected header: 16 levels, then 17", func(t *testing.T) {
		au := secDemoMember(t, fx, "AU")
		payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
		for depth, want := range map[int]credential.Reason{max: "", max + 1: credential.ReasonBadCBOR} {
			prot := cborx.AppendHead(nil, cborx.MajorMap, 3)
			prot = cborx.AppendInt(prot, 1)
			prot = cborx.AppendInt(prot, int64(hcert.ES256))
			prot = cborx.AppendInt(prot, 4)
			prot = cborx.AppendBytes(prot, au.TrustKey.KID)
			prot = cborx.AppendInt(prot, 99)
			prot = append(prot, secNested(depth-1)...)
			text := hcert.Encode(secCOSE(secTag18, prot, secMap(), payload, secSign(t, au.DSCKey, crypto.SHA256, prot, payload)))
			secExpect(t, v, text, want)
		}
	})
}

func TestLimitIndefiniteAndDuplicates(t *testing.T) {
	fx := secFix(t)
	v := secLimitVerifier(t)
	au := secDemoMember(t, fx, "AU")
	payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
	prot := hcert.MarshalProtected(hcert.ES256, au.TrustKey.KID)
	signed := func(prot, unprot, payload []byte) string {
		return hcert.Encode(secCOSE(secTag18, prot, unprot, payload, secSign(t, au.DSCKey, crypto.SHA256, prot, payload)))
	}
	dcc, err := hcert.MarshalDCC(testvectors.SamplePayload(credential.TypeVaccination, "AU"))
	if err != nil {
		t.Fatal(err)
	}
	claimsWithDCC := func(dcc []byte) []byte {
		return hcert.MarshalClaims("AU", secNow.Add(-time.Hour), secNow.AddDate(0, 1, 0), dcc)
	}
	if dcc[0]&0xe0 != 0xa0 || dcc[0]&0x1f >= 24 {
		t.Fatalf("DCC map head %x", dcc[0])
	}
	// The DCC as an indefinite-length map: same members, 0xbf … 0xff.
	indefDCC := append(append([]byte{0xbf}, dcc[1:]...), 0xff)
	// The DCC with its "ver" member twice.
	dupDCC := append([]byte{dcc[0] + 1}, dcc[1:]...)
	dupDCC = cborx.AppendText(dupDCC, "ver")
	dupDCC = cborx.AppendText(dupDCC, "1.3.0")
	// The claims map as an indefinite-length map.
	indefClaims := append(append([]byte{0xbf}, payload[1:]...), 0xff)
	for _, tt := range []struct {
		name   string
		text   string
		reason credential.Reason
	}{
		{"control", signed(prot, secMap(), payload), ""},
		{"indefinite-length claims map (signed)", signed(prot, secMap(), indefClaims), credential.ReasonBadCBOR},
		{"indefinite-length DCC map (signed)", signed(prot, secMap(), claimsWithDCC(indefDCC)), credential.ReasonBadCBOR},
		{"indefinite-length unprotected header", signed(prot, []byte{0xbf, 0xff}, payload), credential.ReasonBadCBOR},
		{"indefinite-length protected header (signed)", signed([]byte{0xbf, 0x04, 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x26, 0xff}, secMap(), payload), credential.ReasonBadCBOR},
		{"duplicate DCC member (signed)", signed(prot, secMap(), claimsWithDCC(dupDCC)), credential.ReasonBadCBOR},
		{"duplicate protected header label (signed)", signed(secMap(4, au.TrustKey.KID, 1, hcert.ES256, 1, hcert.ES256), secMap(), payload), credential.ReasonBadCBOR},
		{"duplicate unprotected header label", signed(prot, secMap(4, au.TrustKey.KID, 4, au.TrustKey.KID), payload), credential.ReasonBadCBOR},
	} {
		t.Run(tt.name, func(t *testing.T) { secExpect(t, v, tt.text, tt.reason) })
	}
}

// secPNGHeader is a PNG with an IHDR of w×h 8-bit greyscale and one IDAT
// that holds no complete row: enough for a decoder to learn the size.
func secPNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 64))
	zw.Flush()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

func TestLimitImagePixels(t *testing.T) {
	fx := secFix(t)
	max := limits.ImagePixels
	t.Run("default: 40 megapixels pass the header check, one more pixel does not", func(t *testing.T) {
		_, err := qr.DecodeBytes(secPNGHeader(8000, 5000))
		if err == nil || errors.Is(err, qr.ErrImageTooLarge) {
			t.Errorf("8000×5000 header: %v, want a decode error that is not ErrImageTooLarge", err)
		}
		for _, wh := range [][2]uint32{{40_000_001, 1}, {1, 40_000_001}, {8001, 5000}, {1 << 20, 1 << 20}} {
			if _, err := qr.DecodeBytes(secPNGHeader(wh[0], wh[1])); !errors.Is(err, qr.ErrImageTooLarge) {
				t.Errorf("%d×%d header: %v, want ErrImageTooLarge", wh[0], wh[1], err)
			}
		}
		// Through the verifier: too_large, with the cause kept.
		_, err = photo.Verify(fx.v.Verifier, secPNGHeader(8001, 5000))
		var ve *verifier.Error
		if !errors.As(err, &ve) || ve.Reason != credential.ReasonTooLarge || !errors.Is(err, qr.ErrImageTooLarge) {
			t.Errorf("VerifyImage of an oversized image: %v", err)
		}
	})
	t.Run("WithMaxPixels lowers the limit", func(t *testing.T) {
		text := fx.cred("hcert-es256").text
		png, err := qr.EncodePNG(text)
		if err != nil {
			t.Fatal(err)
		}
		w := binary.BigEndian.Uint32(png[16:20])
		h := binary.BigEndian.Uint32(png[20:24])
		n := int(w * h)
		got, err := qr.DecodeBytes(png, qr.WithMaxPixels(n))
		if err != nil || got != text {
			t.Fatalf("WithMaxPixels(%d) on a %d×%d image: %v", n, w, h, err)
		}
		if _, err := qr.DecodeBytes(png, qr.WithMaxPixels(n-1)); !errors.Is(err, qr.ErrImageTooLarge) {
			t.Errorf("WithMaxPixels(%d) on a %d×%d image: %v, want ErrImageTooLarge", n-1, w, h, err)
		}
		// Raising is ignored.
		if _, err := qr.DecodeBytes(secPNGHeader(8001, 5000), qr.WithMaxPixels(2*max)); !errors.Is(err, qr.ErrImageTooLarge) {
			t.Errorf("WithMaxPixels(%d) raised the limit: %v", 2*max, err)
		}
	})
}

func TestLimitTrustDocument(t *testing.T) {
	f, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"AU", "GB", "NZ"}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := f.Publish(testvectors.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := func(max int) trustlist.VerifyOptions {
		return trustlist.VerifyOptions{At: testvectors.DefaultNow.Add(time.Hour), MaxSize: max}
	}
	n := len(pub.Federated)
	if _, err := trustlist.VerifyFederated(pub.VerifiedAnchor, pub.Federated, opts(n)); err != nil {
		t.Fatalf("MaxSize = size: %v", err)
	}
	if _, err := trustlist.VerifyFederated(pub.VerifiedAnchor, pub.Federated, opts(n-1)); !errors.Is(err, trustlist.ErrTooLarge) {
		t.Errorf("MaxSize = size−1: %v, want ErrTooLarge", err)
	}
	au := pub.Countries["AU"]
	if _, err := trustlist.VerifyCountryList(pub.VerifiedAnchor, au, opts(len(au))); err != nil {
		t.Errorf("country list, MaxSize = size: %v", err)
	}
	if _, err := trustlist.VerifyCountryList(pub.VerifiedAnchor, au, opts(len(au)-1)); !errors.Is(err, trustlist.ErrTooLarge) {
		t.Errorf("country list, MaxSize = size−1: %v, want ErrTooLarge", err)
	}
	// The default, trustlist.MaxDocumentSize, cannot be raised.
	huge := make([]byte, trustlist.MaxDocumentSize+1)
	huge[0] = '{'
	for _, max := range []int{0, 2 * trustlist.MaxDocumentSize} {
		if _, err := trustlist.VerifyFederated(pub.VerifiedAnchor, huge, opts(max)); !errors.Is(err, trustlist.ErrTooLarge) {
			t.Errorf("MaxSize %d, document of MaxDocumentSize+1: %v, want ErrTooLarge", max, err)
		}
	}
	if _, err := trustlist.VerifyFederated(pub.VerifiedAnchor, huge[:trustlist.MaxDocumentSize], opts(0)); err == nil || errors.Is(err, trustlist.ErrTooLarge) {
		t.Errorf("document of exactly MaxDocumentSize: %v, want a refusal that is not ErrTooLarge", err)
	}
}
