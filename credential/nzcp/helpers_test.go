package nzcp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/internal/cborx"
)

// vectorsDir is the shared NZCP test vector folder, from this package's
// directory.
const vectorsDir = "../../../shared/testvectors/nzcp"

// Test keys are generated once per test binary.
var (
	key1Once = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	key2Once = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The sample pass: issuer, kid, subject, validity and jti.
const (
	testIss = "did:web:issuer.example.nz"
	testKID = "key-1"
)

var (
	testNbf     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	testExp     = testNbf.AddDate(1, 0, 0)
	testJTI     = [16]byte{0x60, 0xa4, 0xf5, 0x4d, 0x4e, 0x30, 0x43, 0x32, 0xbe, 0x33, 0xad, 0x78, 0xb1, 0xea, 0xfa, 0x4b}
	testJTIURN  = "urn:uuid:60a4f54d-4e30-4332-be33-ad78b1eafa4b"
	testSubject = nzcp.Subject{GivenName: "Jack", FamilyName: "Sparrow", DOB: "1960-04-16"}
)

// wantReason checks that err is a *credential.Error with reason want and
// that it matches want's class, and no other class, with errors.Is.
func wantReason(t testing.TB, err error, want credential.Reason) *credential.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want reason %s", want)
	}
	var ce *credential.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *credential.Error", err, err)
	}
	if ce.Reason != want {
		t.Fatalf("reason = %s (%v), want %s", ce.Reason, err, want)
	}
	for _, class := range []error{credential.ErrMalformed, credential.ErrUntrusted, credential.ErrExpired, credential.ErrRevoked} {
		if got, want := errors.Is(err, class), class == want.Class(); got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, class, got, want)
		}
	}
	return ce
}

// --- A small CBOR writer for hand-made passes. ---

// raw is CBOR that is already encoded.
type raw []byte

// kv is one map entry; omap is a map written in the order given.
type kv struct{ k, v any }
type omap []kv

// tagged is a tag around a value.
type tagged struct {
	n uint64
	v any
}

// f64 is a double-precision float.
type f64 float64

// enc encodes v: int, int64 (integers), string (text), []byte (bytes),
// f64, bool, nil, raw, []any (array), omap (map) and tagged.
func enc(v any) []byte {
	return appendEnc(nil, v)
}

func appendEnc(b []byte, v any) []byte {
	switch x := v.(type) {
	case int:
		return cborx.AppendInt(b, int64(x))
	case int64:
		return cborx.AppendInt(b, x)
	case string:
		return cborx.AppendText(b, x)
	case []byte:
		return cborx.AppendBytes(b, x)
	case f64:
		u := math.Float64bits(float64(x))
		return append(b, 0xfb, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
	case bool:
		if x {
			return append(b, 0xf5)
		}
		return append(b, 0xf4)
	case nil:
		return append(b, 0xf6)
	case raw:
		return append(b, x...)
	case []any:
		b = cborx.AppendHead(b, cborx.MajorArray, uint64(len(x)))
		for _, e := range x {
			b = appendEnc(b, e)
		}
		return b
	case []string:
		b = cborx.AppendHead(b, cborx.MajorArray, uint64(len(x)))
		for _, e := range x {
			b = cborx.AppendText(b, e)
		}
		return b
	case omap:
		b = cborx.AppendHead(b, cborx.MajorMap, uint64(len(x)))
		for _, e := range x {
			b = appendEnc(b, e.k)
			b = appendEnc(b, e.v)
		}
		return b
	case tagged:
		return appendEnc(cborx.AppendHead(b, cborx.MajorTag, x.n), x.v)
	}
	panic(fmt.Sprintf("enc: unsupported %T", v))
}

// with returns a copy of m with k set to v (replaced in place, or added at
// the end).
func (m omap) with(k, v any) omap {
	out := append(omap(nil), m...)
	for i := range out {
		if out[i].k == k {
			out[i].v = v
			return out
		}
	}
	return append(out, kv{k, v})
}

// without returns a copy of m without k.
func (m omap) without(k any) omap {
	var out omap
	for _, e := range m {
		if e.k != k {
			out = append(out, e)
		}
	}
	return out
}

// plus returns a copy of m with an extra entry, even a duplicate key.
func (m omap) plus(k, v any) omap {
	return append(append(omap(nil), m...), kv{k, v})
}

func sampleSubjectMap() omap {
	return omap{{"givenName", "Jack"}, {"familyName", "Sparrow"}, {"dob", "1960-04-16"}}
}

func sampleVC() omap {
	return omap{
		{"@context", []string{nzcp.ContextW3C, nzcp.ContextNZCP}},
		{"version", "1.0.0"},
		{"type", []string{"VerifiableCredential", "PublicCovidPass"}},
		{"credentialSubject", sampleSubjectMap()},
	}
}

func sampleClaims() omap {
	return omap{
		{1, testIss},
		{5, testNbf.Unix()},
		{4, testExp.Unix()},
		{"vc", sampleVC()},
		{7, testJTI[:]},
	}
}

// sampleProtected is {4: kid, 1: -7}, as the specification writes it.
func sampleProtected() []byte {
	return enc(omap{{4, []byte(testKID)}, {1, -7}})
}

var emptyMap = []byte{0xa0}

// Envelope prefixes.
var (
	tag18    = []byte{0xd2}
	untagged = []byte{}
)

// cose assembles a COSE_Sign1 message from its parts.
func cose(prefix, protected, unprotected, payload, sig []byte) []byte {
	b := append([]byte(nil), prefix...)
	b = append(b, 0x84)
	b = cborx.AppendBytes(b, protected)
	b = append(b, unprotected...)
	b = cborx.AppendBytes(b, payload)
	return cborx.AppendBytes(b, sig)
}

// toBeSigned is the Sig_structure of a COSE_Sign1 message.
func toBeSigned(protected, payload []byte) []byte {
	b := []byte{0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'}
	b = cborx.AppendBytes(b, protected)
	b = append(b, 0x40)
	return cborx.AppendBytes(b, payload)
}

// es256 signs (protected, payload) with key and returns r‖s.
func es256(t testing.TB, key *ecdsa.PrivateKey, protected, payload []byte) []byte {
	t.Helper()
	d := sha256.Sum256(toBeSigned(protected, payload))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// text wraps COSE bytes in unpadded base32 and the prefix.
func text(msg []byte) string {
	return nzcp.Prefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(msg)
}

// signedText makes a tag-18 pass from the given headers and claims, signed
// with key 1.
func signedText(t testing.TB, protected, unprotected, payload []byte) string {
	t.Helper()
	return text(cose(tag18, protected, unprotected, payload, es256(t, key1Once(), protected, payload)))
}

// sampleText is a valid pass made by hand, signed with key 1.
func sampleText(t testing.TB) string {
	return signedText(t, sampleProtected(), emptyMap, enc(sampleClaims()))
}

// trustedKey is a key of the test trust: the issuer it belongs to and the
// public key.
type trustedKey struct {
	issuer string
	pub    *ecdsa.PublicKey
}

// trust maps key references (did#kid) to keys.
type trust map[string]trustedKey

// verifyPass is the verify outcome the vectors are checked against: decode,
// find the key by its complete reference iss#kid among the trusted keys of
// that very issuer, check the signature, then nbf ≤ now < exp.
func verifyPass(text string, tr trust, now time.Time) (*nzcp.Pass, error) {
	p, err := nzcp.Decode(text)
	if err != nil {
		return nil, err
	}
	k, ok := tr[string(p.KeyRef())]
	if !ok || k.issuer != p.Issuer {
		return nil, credential.NewError(credential.ReasonUnknownKey, fmt.Sprintf("no trusted key %q", p.KeyRef()), nil)
	}
	if err := p.Verify(k.pub); err != nil {
		return nil, err
	}
	if now.Before(p.NotBefore) {
		return nil, credential.NewError(credential.ReasonNotYetValid, "nbf "+p.NotBefore.Format(time.RFC3339), nil)
	}
	if !now.Before(p.ExpiresAt) {
		return nil, credential.NewError(credential.ReasonExpired, "exp "+p.ExpiresAt.Format(time.RFC3339), nil)
	}
	return p, nil
}

// verdictClass names the class of a verify error as expected.json does:
// malformed, untrusted, expired, not_yet_valid or revoked.
func verdictClass(err error) (string, credential.Reason) {
	var ce *credential.Error
	if !errors.As(err, &ce) {
		return "error(" + err.Error() + ")", ""
	}
	if ce.Reason == credential.ReasonNotYetValid {
		return "not_yet_valid", ce.Reason
	}
	return ce.Reason.ClassName(), ce.Reason
}

// trustFor returns a trust holding key 1 as testIss#key-1.
func trustFor(pub *ecdsa.PublicKey) trust {
	return trust{testIss + "#" + testKID: {issuer: testIss, pub: pub}}
}

// name101 and friends are names at and over the length limit.
var (
	name100 = strings.Repeat("é", 100)
	name101 = strings.Repeat("a", 101)
)
