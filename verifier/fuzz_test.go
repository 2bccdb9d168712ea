package verifier_test

// FuzzVerify, and the fixture that the security tests of this package
// (fuzz_test.go, mutation_test.go, confusion_test.go, limits_test.go)
// share: one valid credential of every format, signed with deterministic
// keys, and a trust source holding those keys and the keys of the official
// test vectors in ../shared/testvectors (when present).

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// secNow is the clock of the security tests: the fixture's credentials
// were issued an hour earlier and are valid for months after.
var secNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// secOfficialNow is the clock at which the official vectors are checked
// (the VDS-NC suite's; most DCC vectors are expired by then or earlier,
// which still exercises every stage up to the time checks).
var secOfficialNow = time.Date(2021, 11, 1, 0, 0, 0, 0, time.UTC)

const (
	secSharedDir = "../../shared/testvectors"
	secNZCPIss   = "did:web:nzcp.security.travelcred.example"
	secSHCIss    = "https://shc.security.travelcred.example/issuer"
)

// secCred is one valid credential of the fixture.
type secCred struct {
	name   string // e.g. "hcert-es256"
	format credential.Format
	text   string
	// key is the trusted key that signed it.
	key *trustlist.Key
}

// secFixture is built once per test binary.
type secFixture struct {
	// own holds the fixture's keys only; trust adds the official ones.
	own, trust *trustlist.Static
	// v verifies at secNow, official at secOfficialNow; both use trust.
	v, official *secVerifier
	creds       []secCred
	// demo is the embedded demo federation (AU, NZ, US sign ES256; CA,
	// GB sign PS256 with 2048-bit keys).
	demo *testvectors.Federation
	// seeds are further inputs for the fuzzer: every official vector.
	seeds []string
	// nzcpKey, shcKey, bscKey and cscaKey sign the other formats.
	nzcpKey, shcKey, bscKey, cscaKey *ecdsa.PrivateKey
	bsc, csca                        *x509.Certificate
	vdsncData                        string
}

var secFixtureOnce = sync.OnceValues(newSecFixture)

func secFix(t testing.TB) *secFixture {
	t.Helper()
	fx, err := secFixtureOnce()
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *secFixture) cred(name string) secCred {
	for _, c := range fx.creds {
		if c.name == name {
			return c
		}
	}
	panic("no fixture credential " + name)
}

// secKey derives a P-256 key from a label, so that the fixture's keys are
// the same in every run and in every fuzz worker (a crasher found by one
// run reproduces in another).
func secKey(label string) *ecdsa.PrivateKey {
	for i := uint32(0); ; i++ {
		h := sha256.New()
		h.Write([]byte("travelcred security test key\x00" + label))
		binary.Write(h, binary.BigEndian, i)
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), h.Sum(nil))
		if err == nil {
			return k
		}
	}
}

func newSecFixture() (*secFixture, error) {
	fx := &secFixture{}
	var err error
	issued := secNow.Add(-time.Hour)
	if fx.demo, err = testvectors.DemoFederation(func() time.Time { return issued }); err != nil {
		return nil, err
	}
	var own []*trustlist.Key
	for _, m := range fx.demo.Members {
		own = append(own, m.TrustKey)
	}
	for _, c := range []struct {
		name, cc string
		typ      credential.Type
	}{{"hcert-es256", "AU", credential.TypeVaccination}, {"hcert-ps256", "GB", credential.TypeTest}} {
		m, err := fx.demo.Member(c.cc)
		if err != nil {
			return nil, err
		}
		out, err := m.Issuer.Issue(testvectors.SamplePayload(c.typ, c.cc))
		if err != nil {
			return nil, err
		}
		fx.creds = append(fx.creds, secCred{name: c.name, format: credential.FormatHCERT, text: out.Text, key: m.TrustKey})
	}

	// NZ COVID Pass.
	fx.nzcpKey = secKey("nzcp")
	nzKey := &trustlist.Key{Format: credential.FormatNZCP, Issuer: secNZCPIss, KID: []byte("key-1"),
		PublicKey: fx.nzcpKey.Public(), Country: "NZ", Usage: trustlist.UsageAll}
	own = append(own, nzKey)
	text, err := nzcp.Sign(fx.nzcpKey, secNZCPIss, "key-1", nzcp.Subject{GivenName: "Aroha", FamilyName: "Ngata", DOB: "1988-03-14"},
		secNow.Add(-24*time.Hour), secNow.AddDate(1, 0, 0), [16]byte{0x5e, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	if err != nil {
		return nil, err
	}
	fx.creds = append(fx.creds, secCred{name: "nzcp", format: credential.FormatNZCP, text: text, key: nzKey})

	// SMART Health Card: QR text, compact JWS and file.
	fx.shcKey = secKey("shc")
	kid, err := shc.Thumbprint(&fx.shcKey.PublicKey)
	if err != nil {
		return nil, err
	}
	shcKey := &trustlist.Key{Format: credential.FormatSHC, Issuer: secSHCIss, KID: []byte(kid),
		PublicKey: fx.shcKey.Public(), Country: "US", Usage: trustlist.UsageAll}
	own = append(own, shcKey)
	jws, qrText, err := shc.Sign(fx.shcKey, "", secSHCIss, shcBundle, secNow.Add(-24*time.Hour), nil)
	if err != nil {
		return nil, err
	}
	fx.creds = append(fx.creds,
		secCred{name: "shc", format: credential.FormatSHC, text: qrText, key: shcKey},
		secCred{name: "shc-jws", format: credential.FormatSHC, text: jws, key: shcKey},
		secCred{name: "shc-file", format: credential.FormatSHC, text: string(shc.MarshalFile(jws)), key: shcKey})

	// ICAO VDS-NC: a CSCA of AU, a barcode signer under it and its CRL.
	fx.cscaKey, fx.bscKey = secKey("vdsnc-csca"), secKey("vdsnc-bsc")
	if fx.csca, err = issuer.CreateCSCA(fx.cscaKey, issuer.CertOptions{Country: "AU", CommonName: "AU Security Test CSCA",
		NotBefore: secNow.AddDate(-1, 0, 0), NotAfter: secNow.AddDate(10, 0, 0)}); err != nil {
		return nil, err
	}
	tmpl, err := vdsnc.BSCTemplate("AU", "AU Security Test BSC", secNow.AddDate(0, -1, 0), secNow.AddDate(2, 0, 0))
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, fx.csca, fx.bscKey.Public(), fx.cscaKey)
	if err != nil {
		return nil, err
	}
	if fx.bsc, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: secNow.AddDate(0, 0, -1), NextUpdate: secNow.AddDate(0, 3, 0)}, fx.csca, fx.cscaKey)
	if err != nil {
		return nil, err
	}
	vdsKey := &trustlist.Key{Format: credential.FormatVDSNC, KID: fx.csca.SubjectKeyId, Country: "AU",
		PublicKey: fx.csca.PublicKey, Certificate: fx.csca, Usage: trustlist.UsageAll, CRLs: [][]byte{crl},
		NotBefore: fx.csca.NotBefore, NotAfter: fx.csca.NotAfter}
	own = append(own, vdsKey)
	fx.vdsncData = `{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{"uvci":"VB0000000042",` +
		`"pid":{"n":"CITIZEN  JANE","dob":"1977-05-16"},"ve":[{"des":"XM68M6","nam":"Comirnaty","dis":"RA01.0",` +
		`"vd":[{"dvc":"2026-03-01","seq":1,"ctr":"AUS","lot":"EP2163"}]}]}}`
	seal, err := vdsnc.Sign(fx.bscKey, fx.bsc, json.RawMessage(fx.vdsncData))
	if err != nil {
		return nil, err
	}
	fx.creds = append(fx.creds, secCred{name: "vdsnc", format: credential.FormatVDSNC, text: seal, key: vdsKey})

	fx.own = trustlist.NewStatic(own...)
	all := append([]*trustlist.Key(nil), own...)
	official, seeds := secOfficialVectors()
	fx.trust = trustlist.NewStatic(append(all, official...)...)
	fx.seeds = seeds
	if fx.v, err = newSecVerifier(fx.trust, secNow); err != nil {
		return nil, err
	}
	if fx.official, err = newSecVerifier(fx.trust, secOfficialNow); err != nil {
		return nil, err
	}
	for _, c := range fx.creds {
		if _, err := fx.v.Verify(c.text); err != nil {
			return nil, fmt.Errorf("fixture credential %s does not verify: %w", c.name, err)
		}
	}
	return fx, nil
}

// secOfficialVectors returns the trusted keys of the official test vectors
// and their credential texts: the PREFIX of every EU dgc-testdata vector
// (with its DSC trusted), and the NZCP, SHC and VDS-NC suites' texts,
// JWS, files and seals (with their suites' trust files). Missing
// directories contribute nothing.
func secOfficialVectors() (keys []*trustlist.Key, texts []string) {
	filepath.WalkDir(filepath.Join(secSharedDir, "dcc"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		var v struct {
			Prefix  string `json:"PREFIX"`
			TestCtx struct {
				Certificate string `json:"CERTIFICATE"`
			} `json:"TESTCTX"`
		}
		if json.Unmarshal(data, &v) != nil {
			return nil
		}
		if v.Prefix != "" {
			texts = append(texts, v.Prefix)
		}
		if der, err := base64.StdEncoding.DecodeString(v.TestCtx.Certificate); err == nil {
			if cert, err := x509.ParseCertificate(der); err == nil {
				if k, err := trustlist.KeyFromCertificate(cert); err == nil {
					keys = append(keys, k)
				}
			}
		}
		return nil
	})
	for _, suite := range []string{"nzcp", "shc", "vdsnc"} {
		dir := filepath.Join(secSharedDir, suite)
		data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			continue
		}
		var s testvectors.Suite
		if json.Unmarshal(data, &s) != nil {
			continue
		}
		refs := slices.Clone(s.Trust)
		for _, c := range s.Cases {
			refs = append(refs, c.Trust...)
			if c.Stage == "image" || c.Stage == "payload" {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, c.Input)); err == nil {
				texts = append(texts, strings.TrimRight(string(b), "\r\n"))
			}
		}
		if st, err := testvectors.SuiteTrust(dir, refs); err == nil {
			keys = append(keys, st.Keys()...)
		}
	}
	return keys, texts
}

// secVerifier is a verifier with its trust source and clock, which the
// property checks need.
type secVerifier struct {
	*verifier.Verifier
	trust trustlist.Source
	at    time.Time
}

func newSecVerifier(trust trustlist.Source, at time.Time, opts ...verifier.Option) (*secVerifier, error) {
	v, err := verifier.New(trust, append([]verifier.Option{verifier.WithClock(func() time.Time { return at })}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &secVerifier{Verifier: v, trust: trust, at: at}, nil
}

// secCheck verifies text with v and checks the verifier's contract and its
// security property, returning the result or the error:
//   - Verify does not panic;
//   - an error comes with a nil result, is a *verifier.Error (not merely
//     wrapping one) whose reason is one of credential.Reasons(), and
//     errors.Is matches exactly its class;
//   - a result comes with a nil error, and the signed bytes it accepted
//     verify under res.Key, a key the trust source returns for the
//     credential's key reference (see secAuthentic).
func secCheck(t testing.TB, v *secVerifier, text string) (res *verifier.Result, verr *verifier.Error) {
	t.Helper()
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("Verify(%.60q…) panicked: %v", text, p)
			}
		}()
		var err error
		res, err = v.Verify(text)
		if err != nil {
			if res != nil {
				t.Fatalf("Verify returned a result and an error (%v)", err)
			}
			var ok bool
			if verr, ok = err.(*verifier.Error); !ok {
				t.Fatalf("Verify error %v is a %T, not a *verifier.Error", err, err)
			}
			return
		}
		if res == nil {
			t.Fatalf("Verify returned neither a result nor an error")
		}
	}()
	if verr != nil {
		if !slices.Contains(credential.Reasons(), verr.Reason) {
			t.Fatalf("reason %q of %v is not one of credential.Reasons()", verr.Reason, verr)
		}
		for _, class := range []error{verifier.ErrMalformed, verifier.ErrUntrusted, verifier.ErrExpired, verifier.ErrRevoked} {
			if errors.Is(verr, class) != (class == verr.Reason.Class()) {
				t.Fatalf("errors.Is(%v, %v) disagrees with the reason's class", verr, class)
			}
		}
		return nil, verr
	}
	if err := secAuthentic(v.trust, v.at, text, res); err != nil {
		t.Fatalf("Verify accepted %.80q… (%s %s) but: %v", text, res.Format, res.Country, err)
	}
	return res, nil
}

// secAuthentic checks a verifier's result independently of the verifier:
// the text decodes, its signed bytes verify under res.Key, and res.Key is
// one of the keys trust returns for the credential's key reference.
func secAuthentic(trust trustlist.Source, at time.Time, text string, res *verifier.Result) error {
	if res.Key == nil {
		return errors.New("the result names no key")
	}
	if res.Credential == nil || res.Credential.Format != res.Format {
		return errors.New("the result's credential is missing or of another format")
	}
	trusted := func(ref []byte) error {
		for _, k := range trust.Lookup(res.Format, ref) {
			if k == res.Key {
				return nil
			}
		}
		return fmt.Errorf("res.Key is not a trusted %s key for %q", res.Format, ref)
	}
	// The verifier reads scanner text after normalising it (framing, AIM
	// identifier, letter case); the signed bytes are those of that text.
	text = scanner.Normalize(text)
	switch res.Format {
	case credential.FormatHCERT:
		m, err := hcert.Decode(text)
		if err != nil {
			return fmt.Errorf("the codec refuses the accepted text: %v", err)
		}
		if err := m.Verify(res.Key.PublicKey); err != nil {
			return fmt.Errorf("the signed bytes do not verify under res.Key: %v", err)
		}
		if !bytes.Equal(res.KeyID, m.KID) {
			return fmt.Errorf("result kid %x, message kid %x", res.KeyID, m.KID)
		}
		return trusted(m.KID)
	case credential.FormatNZCP:
		p, err := nzcp.Decode(text)
		if err != nil {
			return fmt.Errorf("the codec refuses the accepted text: %v", err)
		}
		if err := p.Verify(res.Key.PublicKey); err != nil {
			return fmt.Errorf("the signed bytes do not verify under res.Key: %v", err)
		}
		return trusted(p.KeyRef())
	case credential.FormatSHC:
		var cards []*shc.Card
		var err error
		if strings.HasPrefix(text, "{") {
			cards, err = shc.ParseFile([]byte(text))
		} else {
			var c *shc.Card
			if c, err = shc.Decode(text); err == nil {
				cards = []*shc.Card{c}
			}
		}
		if err != nil || len(cards) == 0 {
			return fmt.Errorf("the codec refuses the accepted text: %v", err)
		}
		if err := cards[0].Verify(res.Key.PublicKey); err != nil {
			return fmt.Errorf("the first card's signed bytes do not verify under res.Key: %v", err)
		}
		if err := trusted(cards[0].KeyRef()); err != nil {
			return err
		}
		for i, c := range cards[1:] {
			ok := false
			for _, k := range trust.Lookup(credential.FormatSHC, c.KeyRef()) {
				ok = ok || c.Verify(k.PublicKey) == nil
			}
			if !ok {
				return fmt.Errorf("card %d of the file is signed by no trusted key", i+2)
			}
		}
		return nil
	case credential.FormatVDSNC:
		s, err := vdsnc.Decode(text)
		if err != nil {
			return fmt.Errorf("the codec refuses the accepted text: %v", err)
		}
		if err := s.VerifySignature(); err != nil {
			return fmt.Errorf("the seal's signature does not verify: %v", err)
		}
		if err := trusted(s.KeyRef()); err != nil {
			return err
		}
		raw := res.Key.Raw
		if raw == nil && res.Key.Certificate != nil {
			raw = res.Key.Certificate.Raw
		}
		csca, err := vdsnc.ParseCSCA(raw)
		if err != nil {
			return fmt.Errorf("res.Key is not a CSCA: %v", err)
		}
		if _, err := s.VerifyChain([]*vdsnc.CSCA{csca}, res.Key.CRLs, at); err != nil {
			return fmt.Errorf("the seal's signer does not chain to res.Key: %v", err)
		}
		return nil
	}
	return fmt.Errorf("unknown format %q", res.Format)
}

// FuzzVerify feeds arbitrary text to the whole pipeline, at two clocks,
// against a trust source holding the fixture's keys and the official
// vectors' keys. The properties are those of secCheck.
func FuzzVerify(f *testing.F) {
	fx := secFix(f)
	for _, c := range fx.creds {
		f.Add(c.text)
		f.Add(c.text[:len(c.text)/2])
		f.Add(c.text + "\n")
	}
	for _, s := range fx.seeds {
		f.Add(s)
	}
	for _, s := range []string{"", "HC1:", "HC2:6BFOXN", "NZCP:/1/", "NZCP:/2/AAAA", "shc:/", "shc:/1/2/56",
		"eyJhbGciOiJub25lIn0.e30.", "{}", `{"data":{},"sig":{}}`, "B64:", "PK\x03\x04", "\x00", "]Q1HC1:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		secCheck(t, fx.v, text)
		secCheck(t, fx.official, text)
	})
}

// TestSecFixture checks that the fixture's credentials verify, each under
// its own key, so that the other security tests start from valid input.
func TestSecFixture(t *testing.T) {
	fx := secFix(t)
	for _, c := range fx.creds {
		res, verr := secCheck(t, fx.v, c.text)
		if verr != nil {
			t.Fatalf("%s: %v", c.name, verr)
		}
		if res.Key != c.key || res.Format != c.format {
			t.Errorf("%s: verified under %v (%s), want the fixture's key", c.name, res.Key.Country, res.Format)
		}
	}
	// The property check can fail: a result naming another trusted key,
	// or signed bytes that are not the text's, is caught.
	es, ps := fx.cred("hcert-es256"), fx.cred("hcert-ps256")
	res, _ := secCheck(t, fx.v, es.text)
	forged := *res
	forged.Key = ps.key
	if err := secAuthentic(fx.trust, secNow, es.text, &forged); err == nil {
		t.Error("secAuthentic accepted a result under a key that did not sign it")
	}
	if err := secAuthentic(fx.trust, secNow, ps.text, res); err == nil {
		t.Error("secAuthentic accepted a result for other text")
	}
	untrusted := *res
	k := *res.Key
	untrusted.Key = &k
	if err := secAuthentic(fx.trust, secNow, es.text, &untrusted); err == nil {
		t.Error("secAuthentic accepted a key that is not the trust source's")
	}
	if len(fx.seeds) == 0 {
		t.Logf("no official vectors under %s: FuzzVerify is seeded with the fixture only", secSharedDir)
		return
	}
	// How deep the official seeds reach: the verdicts they get.
	verdicts := map[string]int{}
	for _, s := range fx.seeds {
		if _, verr := secCheck(t, fx.official, s); verr != nil {
			verdicts[string(verr.Reason)]++
		} else {
			verdicts["valid"]++
		}
	}
	t.Logf("%d official seeds at %s: %v", len(fx.seeds), secOfficialNow.Format(time.DateOnly), verdicts)
}
