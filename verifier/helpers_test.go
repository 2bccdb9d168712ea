package verifier_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

// Times of the test federation: credentials are issued at iat0 and
// checked at vnow.
var (
	iat0 = testvectors.DefaultNow
	vnow = testvectors.DefaultNow.Add(time.Hour)
)

func at(t time.Time) verifier.Option { return verifier.WithClock(func() time.Time { return t }) }

// vfed is the shared federation: GB signs ES256, NZ signs PS256.
var vfed = sync.OnceValues(func() (*testvectors.Federation, error) {
	return testvectors.NewFederation(testvectors.FederationOptions{
		Countries: []string{"GB", "NZ"},
		Alg:       map[string]string{"NZ": "PS256"},
	})
})

func fedMember(t testing.TB, cc string) *testvectors.Member {
	t.Helper()
	f, err := vfed()
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Member(cc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fedTrust(t testing.TB) *trustlist.Static {
	t.Helper()
	f, err := vfed()
	if err != nil {
		t.Fatal(err)
	}
	return f.Trust
}

func newVerifier(t testing.TB, trust trustlist.Source, opts ...verifier.Option) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(trust, append([]verifier.Option{at(vnow)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func algOf(m *testvectors.Member) hcert.Algorithm {
	if m.Alg == "PS256" {
		return hcert.PS256
	}
	return hcert.ES256
}

func dccOf(t testing.TB, typ credential.Type, cc string) []byte {
	t.Helper()
	b, err := hcert.MarshalDCC(testvectors.SamplePayload(typ, cc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// claims builds a CWT payload for a member: a valid DCC of typ with the
// given iat and exp.
func claims(t testing.TB, m *testvectors.Member, typ credential.Type, iat, exp time.Time) []byte {
	t.Helper()
	return hcert.MarshalClaims(m.Country, iat, exp, dccOf(t, typ, m.Country))
}

// signCOSE signs payload with the member's DSC key under its own kid
// and returns the COSE message.
func signCOSE(t testing.TB, m *testvectors.Member, payload []byte) []byte {
	t.Helper()
	return signCOSEKID(t, m, m.TrustKey.KID, payload)
}

func signCOSEKID(t testing.TB, m *testvectors.Member, kid, payload []byte) []byte {
	t.Helper()
	msg, err := hcert.Sign(nil, m.DSCKey, algOf(m), kid, payload)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// signText is signCOSE as HC1 text.
func signText(t testing.TB, m *testvectors.Member, payload []byte) string {
	t.Helper()
	return hcert.Encode(signCOSE(t, m, payload))
}

// rawSign signs the Sig_structure of (protected, payload) with the
// member's key and returns the COSE signature value.
func rawSign(t testing.TB, m *testvectors.Member, protected, payload []byte) []byte {
	t.Helper()
	d := sha256.Sum256(hcert.ToBeSigned(protected, payload))
	switch m.DSCKey.Public().(type) {
	case *ecdsa.PublicKey:
		der, err := m.DSCKey.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		var sig struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &sig); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		sig.R.FillBytes(out[:32])
		sig.S.FillBytes(out[32:])
		return out
	case *rsa.PublicKey:
		sig, err := m.DSCKey.Sign(rand.Reader, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	t.Fatalf("unsupported key %T", m.DSCKey)
	return nil
}

// craftText builds a tagged COSE_Sign1 with the given raw header maps,
// signed by the member, as HC1 text.
func craftText(t testing.TB, m *testvectors.Member, protected, unprotected, payload []byte) string {
	t.Helper()
	b := []byte{0xd2, 0x84}
	b = cborx.AppendBytes(b, protected)
	b = append(b, unprotected...)
	b = cborx.AppendBytes(b, payload)
	b = cborx.AppendBytes(b, rawSign(t, m, protected, payload))
	return hcert.Encode(b)
}

// hmap encodes a map of integer labels to values (int, []byte, string or
// rawCBOR).
type rawCBOR []byte

func hmap(kv ...any) []byte {
	b := cborx.AppendHead(nil, cborx.MajorMap, uint64(len(kv)/2))
	for _, v := range kv {
		switch x := v.(type) {
		case int:
			b = cborx.AppendInt(b, int64(x))
		case int64:
			b = cborx.AppendInt(b, x)
		case hcert.Algorithm:
			b = cborx.AppendInt(b, int64(x))
		case []byte:
			b = cborx.AppendBytes(b, x)
		case string:
			b = cborx.AppendText(b, x)
		case rawCBOR:
			b = append(b, x...)
		default:
			panic("hmap: unsupported value")
		}
	}
	return b
}

// verify runs Verify, turning a panic into a test failure, and checks the
// contract: a *Result or a *verifier.Error, never both, never neither.
func verify(t testing.TB, v *verifier.Verifier, text string) (res *verifier.Result, verr *verifier.Error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("Verify panicked: %v", p)
			res, verr = nil, &verifier.Error{Reason: "panic"}
		}
	}()
	r, err := v.Verify(text)
	return checkContract(t, r, err)
}

func verifyImage(t testing.TB, v *verifier.Verifier, img []byte) (res *verifier.Result, verr *verifier.Error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("VerifyImage panicked: %v", p)
			res, verr = nil, &verifier.Error{Reason: "panic"}
		}
	}()
	r, err := photo.Verify(v, img)
	return checkContract(t, r, err)
}

func checkContract(t testing.TB, r *verifier.Result, err error) (*verifier.Result, *verifier.Error) {
	t.Helper()
	if err == nil {
		if r == nil {
			t.Errorf("Verify returned neither a result nor an error")
		}
		return r, nil
	}
	if r != nil {
		t.Errorf("Verify returned a result and an error (%v)", err)
	}
	var ve *verifier.Error
	if !errors.As(err, &ve) {
		t.Errorf("Verify error %v (%T) is not a *verifier.Error", err, err)
		return nil, &verifier.Error{Reason: "not a *verifier.Error"}
	}
	if ve.Class() != ve.Reason.ClassName() {
		t.Errorf("Class() = %q, Reason.ClassName() = %q", ve.Class(), ve.Reason.ClassName())
	}
	for _, class := range []error{verifier.ErrMalformed, verifier.ErrUntrusted, verifier.ErrExpired, verifier.ErrRevoked} {
		if got, want := errors.Is(err, class), class == ve.Reason.Class(); got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, class, got, want)
		}
	}
	return nil, ve
}

// wantValid verifies text and fails the test unless it is valid.
func wantValid(t testing.TB, v *verifier.Verifier, text string) *verifier.Result {
	t.Helper()
	res, verr := verify(t, v, text)
	if verr != nil {
		t.Fatalf("Verify: %v, want valid", verr)
	}
	return res
}

// wantRefused verifies text and checks the reason and its class.
func wantRefused(t testing.TB, v *verifier.Verifier, text string, reason credential.Reason) *verifier.Error {
	t.Helper()
	res, verr := verify(t, v, text)
	if verr == nil {
		t.Fatalf("Verify succeeded (%s %s), want %s", res.Country, res.Credential.Type, reason)
	}
	if verr.Reason != reason {
		t.Fatalf("reason = %s (%v), want %s", verr.Reason, verr, reason)
	}
	return verr
}

var classNames = map[error]string{
	verifier.ErrMalformed: "malformed", verifier.ErrUntrusted: "untrusted",
	verifier.ErrExpired: "expired", verifier.ErrRevoked: "revoked",
}

// withKey returns a copy of k changed by edit.
func withKey(k *trustlist.Key, edit func(*trustlist.Key)) *trustlist.Key {
	c := *k
	edit(&c)
	return &c
}
