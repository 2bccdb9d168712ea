package verifier_test

// The mutation suite: tens of thousands of mutants of valid credentials of
// every format, made at every stage of the pipeline, each verified. The
// property: a mutant is accepted only when its signed bytes are those of
// the original (HCERT and NZCP: protected header and payload; SHC: the JWS
// signing input; VDS-NC: the canonical data and the signer certificate)
// — re-tagging, unprotected header edits, JSON whitespace and member
// order, and ECDSA signature malleability may be accepted, nothing else.
// An accepted mutant must also authenticate under the key the verifier
// names (secCheck) and give the original's credential. For HCERT, whose
// zlib layer carries a checksum, damage to the text or the compressed
// bytes must be reported as malformed, never as a bad signature.

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/scanner"
)

// secMinMutants is the least number of mutants a full (not -short) run
// must verify.
const secMinMutants = 50_000

// Verdicts of a mutant.
const (
	secAccepted  = "accepted"  // accepted, signed bytes unchanged
	secViolation = "VIOLATION" // the property does not hold
)

// secTally counts mutants by stage and verdict, and refusals by reason.
type secTally struct {
	format  string
	stages  []string                  // in order of first appearance
	counts  map[string]map[string]int // stage → verdict → count
	reasons map[credential.Reason]int
	total   int
	// examples of violations, for the failure message.
	examples []string
}

func newSecTally(format string) *secTally {
	return &secTally{format: format, counts: map[string]map[string]int{}, reasons: map[credential.Reason]int{}}
}

func (s *secTally) add(stage, verdict string) {
	m := s.counts[stage]
	if m == nil {
		m = map[string]int{}
		s.counts[stage] = m
		s.stages = append(s.stages, stage)
	}
	m[verdict]++
	s.total++
}

func (s *secTally) violations() int {
	n := 0
	for _, m := range s.counts {
		n += m[secViolation]
	}
	return n
}

// secTarget is a valid credential and how to mutate it.
type secTarget struct {
	name string
	orig string
	// signed returns the bytes a signature covers in text (an error when
	// the codec cannot decode it).
	signed func(text string) ([]byte, error)
	// gen calls emit with every mutant: a stage name and the text.
	gen func(t testing.TB, emit func(stage, text string))
	// transportStages are stages whose damage must be refused as
	// malformed (or accepted unchanged), never as untrusted and later.
	transportStages map[string]bool
}

// secMutator verifies mutants of one target and tallies them.
type secMutator struct {
	t          testing.TB
	v          *secVerifier
	target     *secTarget
	origSigned []byte
	origCred   []byte // JSON of the original credential, without Raw
	tally      *secTally
	stride     int // verify every stride-th mutant
	n          int
}

func secCredJSON(c *credential.Credential) []byte {
	cc := *c
	cc.Raw = nil
	b, _ := json.Marshal(&cc)
	return b
}

func newSecMutator(t testing.TB, v *secVerifier, target *secTarget, stride int) *secMutator {
	t.Helper()
	sb, err := target.signed(target.orig)
	if err != nil {
		t.Fatalf("%s: the original does not decode: %v", target.name, err)
	}
	res, verr := secCheck(t, v, target.orig)
	if verr != nil {
		t.Fatalf("%s: the original is refused: %v", target.name, verr)
	}
	return &secMutator{t: t, v: v, target: target, origSigned: sb, origCred: secCredJSON(res.Credential),
		tally: newSecTally(target.name), stride: max(stride, 1)}
}

func (mu *secMutator) emit(stage, text string) {
	if text == mu.target.orig {
		return
	}
	mu.n++
	if mu.n%mu.stride != 0 {
		return
	}
	res, verr := secCheck(mu.t, mu.v, text)
	verdict := ""
	switch {
	case verr != nil:
		verdict = verr.Class()
		mu.tally.reasons[verr.Reason]++
		if mu.target.transportStages[stage] && verdict != "malformed" {
			verdict = secViolation
			mu.violation(stage, text, fmt.Sprintf("transport damage refused as %s (%v), not as malformed", verr.Reason, verr))
		}
	default:
		verdict = secAccepted
		// The verifier reads the text after scanner normalisation: the
		// signed bytes are those of the normalised text.
		sb, err := mu.target.signed(scanner.Normalize(text))
		switch {
		case err != nil:
			verdict = secViolation
			mu.violation(stage, text, fmt.Sprintf("accepted, but the codec cannot decode it: %v", err))
		case !bytes.Equal(sb, mu.origSigned):
			verdict = secViolation
			mu.violation(stage, text, "accepted with changed signed bytes")
		case !bytes.Equal(secCredJSON(res.Credential), mu.origCred):
			verdict = secViolation
			mu.violation(stage, text, "accepted with the original's signed bytes but another credential")
		case secShowAccepted:
			mu.t.Logf("accepted %s/%s: %s", mu.target.name, stage, secDiff(mu.target.orig, text))
		}
	}
	mu.tally.add(stage, verdict)
}

func (mu *secMutator) violation(stage, text, why string) {
	if len(mu.tally.examples) < 5 {
		mu.tally.examples = append(mu.tally.examples, fmt.Sprintf("%s/%s: %s: %.120q", mu.target.name, stage, why, text))
	}
}

// secShowAccepted logs every accepted mutant (TRAVELCRED_SHOW_ACCEPTED=1).
var secShowAccepted = os.Getenv("TRAVELCRED_SHOW_ACCEPTED") != ""

// secDiff shows where b differs from a.
func secDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	j := 0
	for j < len(a)-i && j < len(b)-i && a[len(a)-1-j] == b[len(b)-1-j] {
		j++
	}
	from := max(i-8, 0)
	return fmt.Sprintf("at %d: %q → %q (lengths %d → %d)", i, a[from:len(a)-j], b[from:len(b)-j], len(a), len(b))
}

// secLCG is a small deterministic generator for mutation choices.
type secLCG uint64

func (r *secLCG) next() uint64 {
	*r = *r*6364136223846793005 + 1442695040888963407
	return uint64(*r >> 17)
}

// secBytes calls emit with the byte-level mutants of b: every bit flipped,
// every byte set to 00, ff, +1 and −1, deleted, preceded by a zero and
// duplicated, every truncation, and a few extensions.
func secBytes(b []byte, emit func(m []byte)) {
	m := make([]byte, 0, 2*len(b)+16)
	for i := range b {
		for bit := 0; bit < 8; bit++ {
			m = append(m[:0], b...)
			m[i] ^= 1 << bit
			emit(m)
		}
		for _, v := range [...]byte{0x00, 0xff, b[i] + 1, b[i] - 1} {
			if v != b[i] {
				m = append(m[:0], b...)
				m[i] = v
				emit(m)
			}
		}
		emit(append(append(m[:0], b[:i]...), b[i+1:]...))
		emit(append(append(append(m[:0], b[:i]...), 0), b[i:]...))
		emit(append(append(append(m[:0], b[:i]...), b[i]), b[i:]...))
	}
	for k := 0; k < len(b); k++ {
		emit(append(m[:0], b[:k]...))
	}
	r := secLCG(len(b))
	for _, ext := range [][]byte{{0x00}, {0xff}, {0xf6}, {0xa0}, {byte(r.next()), byte(r.next()), byte(r.next())}, b} {
		emit(append(append(m[:0], b...), ext...))
	}
}

// secText calls emit with the character-level mutants of s: every
// character replaced by the next one of alphabet and by one outside it,
// deleted, duplicated and swapped with the next, every truncation, and a
// few extensions.
func secText(s, alphabet, outside string, emit func(string)) {
	for i := 0; i < len(s); i++ {
		if j := strings.IndexByte(alphabet, s[i]); j >= 0 {
			emit(s[:i] + string(alphabet[(j+1)%len(alphabet)]) + s[i+1:])
		}
		emit(s[:i] + string(outside[i%len(outside)]) + s[i+1:])
		emit(s[:i] + s[i+1:])
		emit(s[:i+1] + s[i:])
		if i+1 < len(s) && s[i] != s[i+1] {
			emit(s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:])
		}
	}
	for k := 0; k < len(s); k++ {
		emit(s[:k])
	}
	for _, ext := range []string{string(alphabet[0]), alphabet[len(alphabet)-2:], " ", "\x00", "\n"} {
		emit(s + ext)
	}
}

// secCOSEParts are the parts of a COSE_Sign1 as Sign writes it.
type secCOSEParts struct {
	prot, unprot, payload, sig []byte
}

// secSplitCOSE splits a tagged COSE_Sign1 with an empty unprotected header
// and checks that secCOSE rebuilds it byte for byte.
func secSplitCOSE(t testing.TB, cose []byte) secCOSEParts {
	t.Helper()
	r := cborx.NewReader(cose)
	if tag, ok, err := r.Tag(); err != nil || !ok || tag != 18 {
		t.Fatalf("not tag 18: %x", cose[:2])
	}
	if n, err := r.ArrayLen(); err != nil || n != 4 {
		t.Fatal("not an array of 4")
	}
	var p secCOSEParts
	var err error
	if p.prot, err = r.Bytes(); err != nil {
		t.Fatal(err)
	}
	start := r.Off
	if err := r.Skip(4); err != nil {
		t.Fatal(err)
	}
	p.unprot = cose[start:r.Off]
	if p.payload, err = r.Bytes(); err != nil {
		t.Fatal(err)
	}
	if p.sig, err = r.Bytes(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(secCOSE(secTag18, p.prot, p.unprot, p.payload, p.sig), cose) {
		t.Fatal("secCOSE does not rebuild the message")
	}
	return p
}

// secMalleable returns the other valid form of an ECDSA r‖s signature on
// curve: (r, n−s).
func secMalleable(sig []byte, curve elliptic.Curve) []byte {
	size := len(sig) / 2
	s := new(big.Int).SetBytes(sig[size:])
	s.Sub(curve.Params().N, s)
	out := bytes.Clone(sig)
	s.FillBytes(out[size:])
	return out
}

// secCOSEStages emits the mutants of a COSE_Sign1 credential common to
// HCERT and NZCP, through encode (which makes the transport layers valid
// again): the whole message, each part, re-tagging, algorithm and key id
// swaps, header moves and unprotected header edits.
func secCOSEStages(p secCOSEParts, alg hcert.Algorithm, kid, otherKID []byte, curve elliptic.Curve,
	encode func([]byte) string, emit func(stage, text string)) {
	msg := func(tag, prot, unprot, payload, sig []byte) string {
		return encode(secCOSE(tag, prot, unprot, payload, sig))
	}
	orig := secCOSE(secTag18, p.prot, p.unprot, p.payload, p.sig)
	secBytes(orig, func(m []byte) { emit("cose", encode(m)) })
	secBytes(p.prot, func(m []byte) { emit("protected", msg(secTag18, m, p.unprot, p.payload, p.sig)) })
	secBytes(p.payload, func(m []byte) { emit("payload", msg(secTag18, p.prot, p.unprot, m, p.sig)) })
	secBytes(p.sig, func(m []byte) { emit("signature", msg(secTag18, p.prot, p.unprot, p.payload, m)) })
	if curve != nil {
		emit("signature", msg(secTag18, p.prot, p.unprot, p.payload, secMalleable(p.sig, curve)))
	}

	// Re-tagging: tag 18, untagged, 61(18), 98 (COSE_Sign), MAC and
	// encryption tags, tags that are no COSE structure, doubled tags.
	for _, tag := range [][]byte{nil, {0xd8, 0x3d, 0xd2}, {0xd8, 0x3d}, {0xd8, 0x62}, {0xd0}, {0xd1}, {0xd8, 0x60}, {0xd8, 0x61},
		{0xc1}, {0xd8, 0x18}, {0xd9, 0xd9, 0xf7, 0xd2}, {0xd2, 0xd2}, {0xd8, 0x3d, 0xd8, 0x3d, 0xd2}, {0xd8, 0x62, 0xd2}} {
		emit("retag", msg(tag, p.prot, p.unprot, p.payload, p.sig))
	}

	// Algorithm swaps in the protected header (the signature unchanged),
	// the alg removed, and given as text.
	algs := []any{hcert.ES256, hcert.PS256, hcert.ES384, hcert.ES512, 0, -8, -257, -38, -39, -35, 1, 99, -65535, "ES256", "none"}
	for _, a := range algs {
		if a == alg {
			continue
		}
		emit("alg", msg(secTag18, secMapAny(4, kid, 1, a), p.unprot, p.payload, p.sig))
		emit("alg", msg(secTag18, secMapAny(1, a, 4, kid), p.unprot, p.payload, p.sig))
		// The alg only in the unprotected header.
		emit("alg", msg(secTag18, secMapAny(4, kid), secMapAny(1, a), p.payload, p.sig))
	}
	emit("alg", msg(secTag18, secMapAny(4, kid), p.unprot, p.payload, p.sig))
	emit("alg", msg(secTag18, secMapAny(1, alg, 4, kid), p.unprot, p.payload, p.sig))

	// Key id swaps in the protected header.
	for _, k := range [][]byte{otherKID, append(bytes.Clone(kid), 0), kid[:len(kid)-1], {}, bytes.Repeat([]byte{0}, len(kid)), []byte("unknown!")} {
		emit("kid", msg(secTag18, secMapAny(4, k, 1, alg), p.unprot, p.payload, p.sig))
	}
	emit("kid", msg(secTag18, secMapAny(4, kid, 1, alg, 4, otherKID), p.unprot, p.payload, p.sig))
	emit("kid", msg(secTag18, secMapAny(4, string(kid), 1, alg), p.unprot, p.payload, p.sig)) // kid as text

	// Header moves: alg, kid or both from the protected header to the
	// unprotected one; the unprotected header copied into the protected.
	emit("header-move", msg(secTag18, nil, secMapAny(4, kid, 1, alg), p.payload, p.sig))
	emit("header-move", msg(secTag18, []byte{0xa0}, secMapAny(4, kid, 1, alg), p.payload, p.sig))
	emit("header-move", msg(secTag18, secMapAny(1, alg), secMapAny(4, kid), p.payload, p.sig))
	emit("header-move", msg(secTag18, secMapAny(4, kid), secMapAny(1, alg), p.payload, p.sig))
	emit("header-move", msg(secTag18, p.unprot, p.prot, p.payload, p.sig))
	emit("header-move", msg(secTag18, append(bytes.Clone(p.prot), p.unprot...), p.unprot, p.payload, p.sig))

	// Unprotected header edits, which the signature does not cover: the
	// same alg or kid, another kid (the protected kid wins), another alg
	// (refused as contradicting), alg 0, duplicates, unknown labels.
	for _, u := range [][]byte{
		secMapAny(1, alg), secMapAny(4, kid), secMapAny(4, otherKID), secMapAny(1, alg, 4, otherKID),
		secMapAny(1, hcert.PS256), secMapAny(1, hcert.ES256), secMapAny(1, 0), secMapAny(1, alg, 1, alg), secMapAny(4, kid, 4, kid),
		secMapAny(33, []byte{0x30, 0x00}), secMapAny("x", 1), secMapAny(-65537, "kid"), {0xbf, 0xff}, {0x80}, {0x40},
	} {
		emit("unprotected", msg(secTag18, p.prot, u, p.payload, p.sig))
	}
}

// secMapAny is secMap with text labels and any values allowed.
func secMapAny(kv ...any) []byte {
	b := cborx.AppendHead(nil, cborx.MajorMap, uint64(len(kv)/2))
	for _, v := range kv {
		switch x := v.(type) {
		case int:
			b = cborx.AppendInt(b, int64(x))
		case hcert.Algorithm:
			b = cborx.AppendInt(b, int64(x))
		case []byte:
			b = cborx.AppendBytes(b, x)
		case string:
			b = cborx.AppendText(b, x)
		default:
			panic(fmt.Sprintf("secMapAny: %T", v))
		}
	}
	return b
}

func secConcat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = cborx.AppendBytes(b, p)
	}
	return b
}

// secHCERTTarget mutates an HC1 credential.
func secHCERTTarget(t testing.TB, fx *secFixture, name, otherName string) *secTarget {
	c := fx.cred(name)
	other := fx.cred(otherName)
	compressed, err := hcert.AppendBase45(nil, strings.TrimPrefix(c.text, hcert.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	cose, err := hcert.AppendInflate(nil, compressed, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hcert.ParseCOSE(cose)
	if err != nil {
		t.Fatal(err)
	}
	var curve elliptic.Curve
	if k, ok := c.key.PublicKey.(*ecdsa.PublicKey); ok {
		curve = k.Curve
	}
	return &secTarget{
		name: name,
		orig: c.text,
		signed: func(text string) ([]byte, error) {
			m, err := hcert.Decode(text)
			if err != nil {
				return nil, err
			}
			return secConcat(m.Protected, m.Payload), nil
		},
		transportStages: map[string]bool{"text": true, "compressed": true},
		gen: func(t testing.TB, emit func(stage, text string)) {
			secText(c.text, base45.Alphabet, "abc_#~\t\x7f", func(s string) { emit("text", s) })
			secBytes(compressed, func(b []byte) { emit("compressed", hcert.Prefix+base45.EncodeToString(b)) })
			secCOSEStages(secSplitCOSE(t, cose), m.Alg, m.KID, other.key.KID, curve, hcert.Encode, emit)
		},
	}
}

var secBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// secNZCPTarget mutates an NZ COVID Pass.
func secNZCPTarget(t testing.TB, fx *secFixture) *secTarget {
	c := fx.cred("nzcp")
	cose, err := secBase32.DecodeString(strings.TrimPrefix(c.text, nzcp.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	p, err := nzcp.Decode(c.text)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(b []byte) string { return nzcp.Prefix + secBase32.EncodeToString(b) }
	return &secTarget{
		name: "nzcp",
		orig: c.text,
		signed: func(text string) ([]byte, error) {
			p, err := nzcp.Decode(text)
			if err != nil {
				return nil, err
			}
			return secConcat(p.Protected, p.Payload), nil
		},
		gen: func(t testing.TB, emit func(stage, text string)) {
			secText(c.text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "a018=\n ", func(s string) { emit("text", s) })
			secCOSEStages(secSplitCOSE(t, cose), nzcp.ES256, p.KID, []byte("key-2"), elliptic.P256(), encode, emit)
		},
	}
}

// secJWSParts splits a compact JWS into its decoded header, payload
// (inflated) and signature.
type secJWSParts struct {
	header, payload, compressed, sig []byte
}

func secSplitJWS(t testing.TB, jws string) secJWSParts {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatal("not a compact JWS")
	}
	var p secJWSParts
	var err error
	if p.header, err = base64.RawURLEncoding.DecodeString(parts[0]); err != nil {
		t.Fatal(err)
	}
	if p.compressed, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		t.Fatal(err)
	}
	if p.payload, err = shc.Inflate(p.compressed, 0); err != nil {
		t.Fatal(err)
	}
	if p.sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		t.Fatal(err)
	}
	return p
}

func secJWS(header, compressed, sig []byte) string {
	e := base64.RawURLEncoding
	return e.EncodeToString(header) + "." + e.EncodeToString(compressed) + "." + e.EncodeToString(sig)
}

func secDeflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// secSHCTarget mutates a SMART Health Card given as QR text.
func secSHCTarget(t testing.TB, fx *secFixture) *secTarget {
	c := fx.cred("shc")
	jws := fx.cred("shc-jws").text
	p := secSplitJWS(t, jws)
	qr := func(jws string) (string, bool) {
		s, err := shc.EncodeQR(jws)
		return s, err == nil
	}
	otherKID := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	return &secTarget{
		name: "shc",
		orig: c.text,
		signed: func(text string) ([]byte, error) {
			card, err := shc.Decode(text)
			if err != nil {
				return nil, err
			}
			return []byte(card.JWS[:strings.LastIndexByte(card.JWS, '.')]), nil
		},
		gen: func(t testing.TB, emit func(stage, text string)) {
			secText(c.text, "0123456789", "a/:- ", func(s string) { emit("text", s) })
			secText(jws, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", ".=+", func(s string) {
				if q, ok := qr(s); ok {
					emit("jws", q)
				}
			})
			emitJWS := func(stage string, header, compressed, sig []byte) {
				if q, ok := qr(secJWS(header, compressed, sig)); ok {
					emit(stage, q)
				}
			}
			secBytes(p.header, func(m []byte) { emitJWS("protected", m, p.compressed, p.sig) })
			secBytes(p.compressed, func(m []byte) { emitJWS("compressed", p.header, m, p.sig) })
			secBytes(p.sig, func(m []byte) { emitJWS("signature", p.header, p.compressed, m) })
			emitJWS("signature", p.header, p.compressed, secMalleable(p.sig, elliptic.P256()))
			// Payload edits, re-compressed: each byte +1 or deleted.
			for i := range p.payload {
				m := bytes.Clone(p.payload)
				m[i]++
				emitJWS("payload", p.header, secDeflate(m), p.sig)
				emitJWS("payload", p.header, secDeflate(append(bytes.Clone(p.payload[:i]), p.payload[i+1:]...)), p.sig)
			}
			emitJWS("payload", p.header, secDeflate(p.payload), p.sig) // same claims, compressed differently
			// Header edits: algorithm swaps, key id swaps, parameters that
			// would bring their own key, and moves.
			var h map[string]any
			if err := json.Unmarshal(p.header, &h); err != nil {
				t.Fatal(err)
			}
			edit := func(stage string, f func(map[string]any)) {
				c := map[string]any{}
				for k, v := range h {
					c[k] = v
				}
				f(c)
				b, _ := json.Marshal(c)
				emitJWS(stage, b, p.compressed, p.sig)
			}
			for _, a := range []any{"none", "None", "ES384", "ES512", "PS256", "RS256", "HS256", "EdDSA", "es256", "", nil, 7} {
				edit("alg", func(m map[string]any) { m["alg"] = a })
			}
			edit("alg", func(m map[string]any) { delete(m, "alg") })
			for _, k := range []any{otherKID, "", h["kid"].(string) + "A", nil, 1} {
				edit("kid", func(m map[string]any) { m["kid"] = k })
			}
			edit("kid", func(m map[string]any) { delete(m, "kid") })
			jwk, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "x": otherKID, "y": otherKID})
			for name, v := range map[string]any{"jwk": json.RawMessage(jwk), "jku": "https://evil.example/jwks.json",
				"x5u": "https://evil.example/x5c", "x5c": []string{"MIIB"}, "crit": []string{"b64"}, "b64": false, "typ": "JWT"} {
				edit("header-move", func(m map[string]any) { m[name] = v })
			}
			for _, z := range []any{"GZIP", "", nil, "def"} {
				edit("protected", func(m map[string]any) { m["zip"] = z })
			}
			edit("protected", func(m map[string]any) { delete(m, "zip") })
			// The same header re-serialized (member order, spacing): a
			// different signing input.
			if b, err := json.MarshalIndent(h, "", " "); err == nil {
				emitJWS("protected", b, p.compressed, p.sig)
			}
		},
	}
}

// secVDSNCTarget mutates a VDS-NC seal.
func secVDSNCTarget(t testing.TB, fx *secFixture) *secTarget {
	c := fx.cred("vdsnc")
	var seal struct {
		Data json.RawMessage `json:"data"`
		Sig  struct {
			Alg   string `json:"alg"`
			Cer   string `json:"cer"`
			Sigvl string `json:"sigvl"`
		} `json:"sig"`
	}
	if err := json.Unmarshal([]byte(c.text), &seal); err != nil {
		t.Fatal(err)
	}
	cer, err := base64.RawURLEncoding.DecodeString(seal.Sig.Cer)
	if err != nil {
		t.Fatal(err)
	}
	sigvl, err := base64.RawURLEncoding.DecodeString(seal.Sig.Sigvl)
	if err != nil {
		t.Fatal(err)
	}
	build := func(data, alg, cer, sigvl string) string {
		return `{"data":` + data + `,"sig":{"alg":"` + alg + `","cer":"` + cer + `","sigvl":"` + sigvl + `"}}`
	}
	b64 := base64.RawURLEncoding.EncodeToString
	if build(string(seal.Data), seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl) != c.text {
		t.Fatal("the seal is not in the expected form")
	}
	// A certificate for the signer's own key, self-signed: the signature
	// over data verifies with it, but it does not chain to the CSCA.
	self := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"AU"}, CommonName: "self"},
		NotBefore: secNow.AddDate(-1, 0, 0), NotAfter: secNow.AddDate(1, 0, 0)}
	selfDER, err := x509.CreateCertificate(rand.Reader, self, self, fx.bscKey.Public(), fx.bscKey)
	if err != nil {
		t.Fatal(err)
	}
	data := string(seal.Data)
	return &secTarget{
		name: "vdsnc",
		orig: c.text,
		signed: func(text string) ([]byte, error) {
			s, err := vdsnc.Decode(text)
			if err != nil {
				return nil, err
			}
			return secConcat(s.Canonical, s.BSC.Raw), nil
		},
		gen: func(t testing.TB, emit func(stage, text string)) {
			// Text: every byte +1, deleted or duplicated; truncations;
			// extensions.
			s := c.text
			for i := 0; i < len(s); i++ {
				emit("text", s[:i]+string(s[i]+1)+s[i+1:])
				emit("text", s[:i]+s[i+1:])
				emit("text", s[:i+1]+s[i:])
			}
			for k := 0; k < len(s); k++ {
				emit("text", s[:k])
			}
			for _, ext := range []string{"\n", " ", "x", "}", `,"x":1}`} {
				emit("text", s+ext)
			}
			// Data: a space after every structural character (same
			// canonical form), every letter and digit of a value changed,
			// members reordered, added, duplicated, escaped.
			for i := 0; i < len(data); i++ {
				if strings.IndexByte("{}[]:,", data[i]) >= 0 {
					emit("data", build(data[:i+1]+" "+data[i+1:], seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
				}
				if ch := data[i]; ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
					emit("data", build(data[:i]+string(ch^1)+data[i+1:], seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
				}
			}
			var d map[string]json.RawMessage
			if err := json.Unmarshal(seal.Data, &d); err != nil {
				t.Fatal(err)
			}
			emit("data", build(`{"msg":`+string(d["msg"])+`,"hdr":`+string(d["hdr"])+`}`, seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(`{"hdr":`+string(d["hdr"])+`,"msg":`+string(d["msg"])+`,"x":1}`, seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(`{"hdr":`+string(d["hdr"])+`,"hdr":`+string(d["hdr"])+`,"msg":`+string(d["msg"])+`}`, seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(strings.Replace(data, "JANE", `J\u0041NE`, 1), seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(strings.Replace(data, "JANE", `JANE\u0000`, 1), seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(strings.Replace(data, `"v":1`, `"v":1.0`, 1), seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			emit("data", build(strings.Replace(data, `"seq":1`, `"seq":1e0`, 1), seal.Sig.Alg, seal.Sig.Cer, seal.Sig.Sigvl))
			// Algorithm swaps.
			for _, a := range []string{"ES384", "ES512", "none", "PS256", "RS256", "es256", "", "ES256 ", "HS256"} {
				emit("alg", build(data, a, seal.Sig.Cer, seal.Sig.Sigvl))
			}
			// Signature bytes, and the other ECDSA form.
			secBytes(sigvl, func(m []byte) { emit("signature", build(data, seal.Sig.Alg, seal.Sig.Cer, b64(m))) })
			emit("signature", build(data, seal.Sig.Alg, seal.Sig.Cer, b64(secMalleable(sigvl, elliptic.P256()))))
			// The signer certificate: every bit flipped, swapped for the
			// CSCA, for a self-signed certificate of the signer's key.
			for i := range cer {
				for bit := 0; bit < 8; bit++ {
					m := bytes.Clone(cer)
					m[i] ^= 1 << bit
					emit("certificate", build(data, seal.Sig.Alg, b64(m), seal.Sig.Sigvl))
				}
			}
			emit("certificate", build(data, seal.Sig.Alg, b64(fx.csca.Raw), seal.Sig.Sigvl))
			emit("certificate", build(data, seal.Sig.Alg, b64(selfDER), seal.Sig.Sigvl))
			emit("certificate", build(data, seal.Sig.Alg, base64.URLEncoding.EncodeToString(cer), seal.Sig.Sigvl))
			emit("certificate", build(data, seal.Sig.Alg, base64.StdEncoding.EncodeToString(cer), seal.Sig.Sigvl))
		},
	}
}

func secTargets(t testing.TB, fx *secFixture) []*secTarget {
	return []*secTarget{
		secHCERTTarget(t, fx, "hcert-es256", "hcert-ps256"),
		secHCERTTarget(t, fx, "hcert-ps256", "hcert-es256"),
		secNZCPTarget(t, fx),
		secSHCTarget(t, fx),
		secVDSNCTarget(t, fx),
	}
}

// secRaceEnabled reports a -race build, which runs the suite about five
// times slower.
func secRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestMutationSuite runs every mutant of every format — about 100,000 —
// and logs the totals by stage and verdict. Under the race detector it
// verifies every second mutant (still over 50,000, in under a minute on
// two cores), in -short mode every tenth.
func TestMutationSuite(t *testing.T) {
	fx := secFix(t)
	stride := 1
	switch {
	case testing.Short():
		stride = 10
	case secRaceEnabled():
		stride = 2
	}
	start := time.Now()
	var mu sync.Mutex
	var tallies []*secTally
	t.Run("formats", func(t *testing.T) {
		for _, target := range secTargets(t, fx) {
			t.Run(target.name, func(t *testing.T) {
				t.Parallel()
				m := newSecMutator(t, fx.v, target, stride)
				target.gen(t, m.emit)
				for _, ex := range m.tally.examples {
					t.Error(ex)
				}
				if n := m.tally.violations(); n > 0 {
					t.Errorf("%s: %d of %d mutants break the property", target.name, n, m.tally.total)
				}
				mu.Lock()
				tallies = append(tallies, m.tally)
				mu.Unlock()
			})
		}
	})
	sort.Slice(tallies, func(i, j int) bool { return tallies[i].format < tallies[j].format })
	total, accepted := 0, 0
	verdicts := []string{secAccepted, "malformed", "untrusted", "expired", "revoked", secViolation}
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-12s %8s", "format", "stage", "mutants")
	for _, v := range verdicts {
		fmt.Fprintf(&b, " %9s", v)
	}
	b.WriteString("\n")
	for _, s := range tallies {
		sub := map[string]int{}
		for _, stage := range s.stages {
			n := 0
			for _, c := range s.counts[stage] {
				n += c
			}
			fmt.Fprintf(&b, "%-12s %-12s %8d", s.format, stage, n)
			for _, v := range verdicts {
				fmt.Fprintf(&b, " %9d", s.counts[stage][v])
				sub[v] += s.counts[stage][v]
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%-12s %-12s %8d", s.format, "(all)", s.total)
		for _, v := range verdicts {
			fmt.Fprintf(&b, " %9d", sub[v])
		}
		b.WriteString("\n")
		var rs []string
		for r, n := range s.reasons {
			rs = append(rs, fmt.Sprintf("%s=%d", r, n))
		}
		sort.Strings(rs)
		fmt.Fprintf(&b, "%-12s refusals by reason: %s\n", s.format, strings.Join(rs, " "))
		total += s.total
		accepted += sub[secAccepted]
	}
	t.Logf("mutation suite: %d mutants (stride %d) in %s, %d accepted with unchanged signed bytes\n%s",
		total, stride, time.Since(start).Round(time.Millisecond), accepted, b.String())
	if stride <= 2 && total < secMinMutants && !t.Failed() {
		t.Errorf("only %d mutants, want at least %d", total, secMinMutants)
	}
}

// TestMutationPropertyCanFail: the suite's checks catch an accepted
// mutant whose signed bytes differ, and transport damage refused as
// anything but malformed.
func TestMutationPropertyCanFail(t *testing.T) {
	fx := secFix(t)
	target := secHCERTTarget(t, fx, "hcert-es256", "hcert-ps256")
	m := newSecMutator(t, fx.v, target, 1)
	// Pretend the original signed other bytes: an accepted mutant (the
	// untagged form) must then count as a violation.
	m.origSigned = []byte("other")
	cose, _ := hcert.AppendInflate(nil, secMust(hcert.AppendBase45(nil, target.orig[4:])), 0)
	m.emit("retag", hcert.Encode(cose[1:]))
	if m.tally.violations() != 1 {
		t.Fatalf("an accepted mutant with changed signed bytes was not caught: %+v", m.tally.counts)
	}
	// A transport stage refused for a bad signature is a violation too.
	p := secSplitCOSE(t, cose)
	sig := bytes.Clone(p.sig)
	sig[0] ^= 1
	m.emit("text", hcert.Encode(secCOSE(secTag18, p.prot, p.unprot, p.payload, sig)))
	if m.tally.violations() != 2 || m.tally.reasons[credential.ReasonBadSignature] != 1 {
		t.Fatalf("a bad signature in a transport stage was not caught: %+v", m.tally.counts)
	}
}

func secMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
