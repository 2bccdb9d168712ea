package verifier_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

func TestNew(t *testing.T) {
	if v, err := verifier.New(nil); err == nil || v != nil {
		t.Errorf("New(nil) = (%v, %v), want an error", v, err)
	}
	if v, err := verifier.New(fedTrust(t), verifier.WithClock(nil)); err == nil || v != nil {
		t.Errorf("New with a nil clock = (%v, %v), want an error", v, err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		text   string
		format credential.Format
	}{
		{"HC1:6BFOXN", credential.FormatHCERT},
		{"HC1:", credential.FormatHCERT},
		{"HC2:6BFOXN", ""},
		{"NZCP:/1/2KCE", "nzcp"},
		{"shc:/5676", credential.FormatSHC},
		{"eyJhbGciOiJFUzI1NiJ9.e30.c2ln", credential.FormatSHC},
		{`{"verifiableCredential":["x"]}`, credential.FormatSHC},
		{`{"data":1}`, credential.FormatVDSNC},
		{"eyJ.only-one-dot", ""},
		{"", ""},
		{"hc1:6BFOXN", ""},
		{"garbage that is long", ""},
		{"B64:UEsDBBQACAgIAA", "divoc"},
	}
	for _, tt := range tests {
		f, err := verifier.Detect(tt.text)
		if tt.format != "" && tt.format != "divoc" {
			if err != nil || f != tt.format {
				t.Errorf("Detect(%q) = (%q, %v), want %q", tt.text, f, err, tt.format)
			}
			continue
		}
		var ve *verifier.Error
		want := credential.ReasonBadPrefix
		if tt.format == "divoc" {
			want = credential.ReasonUnknownKey
		}
		if !errors.As(err, &ve) || ve.Reason != want {
			t.Errorf("Detect(%q) = (%q, %v), want %s", tt.text, f, err, want)
		}
	}
}

// Round trips through a QR image for every credential type and both
// algorithms: issue, render as PNG, read the PNG back, verify.
func TestQRRoundTrip(t *testing.T) {
	v := newVerifier(t, fedTrust(t))
	for _, cc := range []string{"GB", "NZ"} {
		m := fedMember(t, cc)
		for _, typ := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
			t.Run(fmt.Sprintf("%s-%s-%s", cc, m.Alg, typ), func(t *testing.T) {
				out, err := m.Issuer.Issue(testvectors.SamplePayload(typ, cc))
				if err != nil {
					t.Fatal(err)
				}
				png, err := qr.EncodePNG(out.Text)
				if err != nil {
					t.Fatalf("EncodePNG: %v", err)
				}
				text, err := qr.DecodeBytes(png)
				if err != nil {
					t.Fatalf("DecodeBytes: %v", err)
				}
				if text != out.Text {
					t.Fatalf("QR text differs from the issued text")
				}
				fromText := wantValid(t, v, text)
				fromImage, verr := verifyImage(t, v, png)
				if verr != nil {
					t.Fatalf("VerifyImage: %v", verr)
				}
				for name, res := range map[string]*verifier.Result{"Verify": fromText, "VerifyImage": fromImage} {
					c := res.Credential
					if res.Format != credential.FormatHCERT || res.Country != cc || res.Alg != m.Alg {
						t.Errorf("%s: format %s country %s alg %s", name, res.Format, res.Country, res.Alg)
					}
					if c.Type != typ || c.Country != cc || c.Format != credential.FormatHCERT {
						t.Errorf("%s: credential type %s country %s format %s", name, c.Type, c.Country, c.Format)
					}
					if !bytes.Equal(res.KeyID, out.KeyID) || res.Key != m.TrustKey {
						t.Errorf("%s: kid %x key %p, want %x %p", name, res.KeyID, res.Key, out.KeyID, m.TrustKey)
					}
					if !res.IssuedAt.Equal(out.IssuedAt) || !res.ExpiresAt.Equal(out.ExpiresAt) ||
						!c.IssuedAt.Equal(out.IssuedAt) || !c.ExpiresAt.Equal(out.ExpiresAt) {
						t.Errorf("%s: iat %v exp %v, want %v %v", name, res.IssuedAt, res.ExpiresAt, out.IssuedAt, out.ExpiresAt)
					}
					if c.Holder.FamilyNameStd != "DARSONS<VAN<HALEN" || c.DateOfBirth != "1990-01-01" || c.DCC == nil {
						t.Errorf("%s: holder %+v dob %q", name, c.Holder, c.DateOfBirth)
					}
					switch typ {
					case credential.TypeVaccination:
						if c.Vaccination == nil || c.Test != nil || c.Recovery != nil || c.Vaccination.DoseNumber != 2 {
							t.Errorf("%s: event fields %+v %+v %+v", name, c.Vaccination, c.Test, c.Recovery)
						}
					case credential.TypeTest:
						if c.Test == nil || c.Vaccination != nil || c.Recovery != nil || c.Test.Result != "260415000" {
							t.Errorf("%s: event fields %+v %+v %+v", name, c.Vaccination, c.Test, c.Recovery)
						}
					case credential.TypeRecovery:
						if c.Recovery == nil || c.Vaccination != nil || c.Test != nil || c.Recovery.ValidUntil != "2026-04-01" {
							t.Errorf("%s: event fields %+v %+v %+v", name, c.Vaccination, c.Test, c.Recovery)
						}
					}
					msg, _ := hcert.ParseCOSE(out.COSE)
					if !bytes.Equal(c.Raw, msg.Payload) {
						t.Errorf("%s: Credential.Raw is not the signed payload", name)
					}
					if res.Trust.Freshness != trustlist.FreshnessStatic {
						t.Errorf("%s: trust %+v, want static", name, res.Trust)
					}
				}
			})
		}
	}
}

// Results must not alias the verifier's pooled buffers.
func TestResultDoesNotAlias(t *testing.T) {
	gb, nz := fedMember(t, "GB"), fedMember(t, "NZ")
	v := newVerifier(t, fedTrust(t))
	a := wantValid(t, v, signText(t, gb, claims(t, gb, credential.TypeVaccination, iat0, iat0.AddDate(0, 1, 0))))
	kid, raw := bytes.Clone(a.KeyID), bytes.Clone(a.Credential.Raw)
	for i := 0; i < 5; i++ {
		wantValid(t, v, signText(t, nz, claims(t, nz, credential.TypeRecovery, iat0, iat0.AddDate(0, 2, 0))))
		verify(t, v, "HC1:"+base45.EncodeToString(hcert.Compress(bytes.Repeat([]byte{0xa5}, 300))))
	}
	if !bytes.Equal(a.KeyID, kid) || !bytes.Equal(a.Credential.Raw, raw) {
		t.Error("a later Verify changed an earlier Result")
	}
}

// Two trusted keys share a kid; only the second verifies.
func TestKIDCollision(t *testing.T) {
	gb, nz := fedMember(t, "GB"), fedMember(t, "NZ")
	genuine := gb.TrustKey
	otherEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	impostor := withKey(genuine, func(k *trustlist.Key) { k.PublicKey = otherEC.Public(); k.Country = "XX"; k.Certificate = nil })
	impostor2 := withKey(genuine, func(k *trustlist.Key) { k.PublicKey = &otherEC.PublicKey })
	rsaSameKID := withKey(nz.TrustKey, func(k *trustlist.Key) { k.KID = genuine.KID })
	text := signText(t, gb, claims(t, gb, credential.TypeVaccination, iat0, iat0.AddDate(0, 1, 0)))

	tests := []struct {
		name  string
		keys  []*trustlist.Key
		want  *trustlist.Key // nil: bad_signature
		count int
	}{
		{"impostor first", []*trustlist.Key{impostor, genuine}, genuine, 0},
		{"genuine first", []*trustlist.Key{genuine, impostor}, genuine, 0},
		{"RSA key with the same kid first", []*trustlist.Key{rsaSameKID, genuine}, genuine, 0},
		{"three keys, genuine last", []*trustlist.Key{impostor, rsaSameKID, genuine}, genuine, 0},
		{"no key verifies", []*trustlist.Key{impostor, impostor2}, nil, 2},
		{"no key verifies, one of them RSA", []*trustlist.Key{impostor, rsaSameKID}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trust := trustlist.NewStatic(tt.keys...)
			if n := len(trust.Lookup(credential.FormatHCERT, genuine.KID)); n != len(tt.keys) {
				t.Fatalf("trust holds %d keys under the kid, want %d", n, len(tt.keys))
			}
			v := newVerifier(t, trust)
			if tt.want == nil {
				verr := wantRefused(t, v, text, credential.ReasonBadSignature)
				if !strings.Contains(verr.Detail, fmt.Sprintf("none of %d keys", tt.count)) {
					t.Errorf("detail %q does not say that none of %d keys verified", verr.Detail, tt.count)
				}
				return
			}
			res := wantValid(t, v, text)
			if res.Key != tt.want {
				t.Errorf("verified with key %p (%s), want %p", res.Key, res.Key.Country, tt.want)
			}
			if res.Country != "GB" {
				t.Errorf("country %s, want GB", res.Country)
			}
		})
	}
}

func TestClockSkew(t *testing.T) {
	gb := fedMember(t, "GB")
	trust := fedTrust(t)
	exp := vnow.AddDate(0, 1, 0)
	issuedIn := func(d time.Duration) string {
		return signText(t, gb, claims(t, gb, credential.TypeTest, vnow.Add(d), exp))
	}
	expiringIn := func(d time.Duration) string {
		return signText(t, gb, claims(t, gb, credential.TypeTest, iat0, vnow.Add(d)))
	}
	tests := []struct {
		name   string
		opts   []verifier.Option
		text   string
		reason credential.Reason // "" means valid
	}{
		{"iat now", nil, issuedIn(0), ""},
		{"iat 4 min ahead, default skew", nil, issuedIn(4 * time.Minute), ""},
		{"iat 5 min ahead, default skew", nil, issuedIn(verifier.DefaultSkew), ""},
		{"iat 5 min 1 s ahead, default skew", nil, issuedIn(verifier.DefaultSkew + time.Second), credential.ReasonNotYetValid},
		{"iat 6 min ahead, default skew", nil, issuedIn(6 * time.Minute), credential.ReasonNotYetValid},
		{"iat now, no skew", []verifier.Option{verifier.WithSkew(0)}, issuedIn(0), ""},
		{"iat 1 s ahead, no skew", []verifier.Option{verifier.WithSkew(0)}, issuedIn(time.Second), credential.ReasonNotYetValid},
		{"iat 1 s ahead, negative skew is zero", []verifier.Option{verifier.WithSkew(-time.Hour)}, issuedIn(time.Second), credential.ReasonNotYetValid},
		{"iat now, negative skew is zero", []verifier.Option{verifier.WithSkew(-time.Hour)}, issuedIn(0), ""},
		{"iat 1 h ahead, 2 h skew", []verifier.Option{verifier.WithSkew(2 * time.Hour)}, issuedIn(time.Hour), ""},
		{"exp in an hour", nil, expiringIn(time.Hour), ""},
		{"exp now", nil, expiringIn(0), ""},
		{"exp 4 min ago, default skew", nil, expiringIn(-4 * time.Minute), ""},
		{"exp 5 min ago, default skew", nil, expiringIn(-verifier.DefaultSkew), ""},
		{"exp 5 min 1 s ago, default skew", nil, expiringIn(-verifier.DefaultSkew - time.Second), credential.ReasonExpired},
		{"exp 6 min ago, default skew", nil, expiringIn(-6 * time.Minute), credential.ReasonExpired},
		{"exp now, no skew", []verifier.Option{verifier.WithSkew(0)}, expiringIn(0), ""},
		{"exp 1 s ago, no skew", []verifier.Option{verifier.WithSkew(0)}, expiringIn(-time.Second), credential.ReasonExpired},
		{"exp 1 s ago, negative skew is zero", []verifier.Option{verifier.WithSkew(-time.Minute)}, expiringIn(-time.Second), credential.ReasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, trust, tt.opts...)
			if tt.reason == "" {
				wantValid(t, v, tt.text)
				return
			}
			wantRefused(t, v, tt.text, tt.reason)
		})
	}
	if verifier.DefaultSkew != 5*time.Minute {
		t.Errorf("DefaultSkew = %v, want 5m", verifier.DefaultSkew)
	}
}

// The clock is read for every verification, not once.
func TestClockIsReadPerCall(t *testing.T) {
	gb := fedMember(t, "GB")
	var mu sync.Mutex
	now := vnow
	v, err := verifier.New(fedTrust(t), verifier.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	if err != nil {
		t.Fatal(err)
	}
	text := signText(t, gb, claims(t, gb, credential.TypeTest, iat0, vnow.Add(time.Hour)))
	wantValid(t, v, text)
	mu.Lock()
	now = vnow.Add(2 * time.Hour)
	mu.Unlock()
	wantRefused(t, v, text, credential.ReasonExpired)
}

// The DSC must be valid when the credential was issued.
func TestKeyValidAtIssuance(t *testing.T) {
	gb := fedMember(t, "GB")
	nb, na := gb.DSC.NotBefore, gb.DSC.NotAfter
	tests := []struct {
		name     string
		iat, now time.Time
		reason   credential.Reason
	}{
		{"at notBefore", nb, vnow, ""},
		{"one second before notBefore", nb.Add(-time.Second), vnow, credential.ReasonKeyNotValid},
		{"a year before notBefore", nb.AddDate(-1, 0, 0), vnow, credential.ReasonKeyNotValid},
		{"at notAfter", na, na, ""},
		{"key expired since, credential not (shell model)", na.Add(-time.Hour), na.Add(time.Hour), credential.ReasonKeyNotValid},
		{"one second after notAfter", na.Add(time.Second), na.Add(time.Hour), credential.ReasonKeyNotValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := signText(t, gb, claims(t, gb, credential.TypeVaccination, tt.iat, tt.now.AddDate(0, 1, 0)))
			v := newVerifier(t, fedTrust(t), at(tt.now))
			if tt.reason == "" {
				wantValid(t, v, text)
				return
			}
			verr := wantRefused(t, v, text, tt.reason)
			if !strings.Contains(verr.Detail, "validity") {
				t.Errorf("detail %q does not mention the key's validity", verr.Detail)
			}
		})
	}
}

// dscWithOIDs makes a DSC for the GB member's key carrying exactly the
// given extended key usage OIDs, signed by the GB CSCA.
func dscWithOIDs(t *testing.T, m *testvectors.Member, oids []asn1.ObjectIdentifier) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{Country: []string{m.Country}, CommonName: m.Country + " DSC usage test"},
		NotBefore:          m.DSC.NotBefore,
		NotAfter:           m.DSC.NotAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: oids,
		AuthorityKeyId:     m.CSCA.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, m.CSCA, m.DSCKey.Public(), m.CSCAKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Key usage comes from the DSC's extended key usage OIDs, in either OID
// family; a DSC without HCERT OIDs may sign every type.
func TestKeyUsageOIDs(t *testing.T) {
	gb := fedMember(t, "GB")
	v, tr, r := credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery
	tests := []struct {
		name    string
		oids    []asn1.ObjectIdentifier
		usage   trustlist.Usage
		allowed []credential.Type
	}{
		{"no OIDs", nil, trustlist.UsageAll, []credential.Type{v, tr, r}},
		{"test", []asn1.ObjectIdentifier{trustlist.OIDTest}, trustlist.UsageTest, []credential.Type{tr}},
		{"test (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDTestAlt}, trustlist.UsageTest, []credential.Type{tr}},
		{"vaccination (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDVaccinationAlt}, trustlist.UsageVaccination, []credential.Type{v}},
		{"recovery (alternative family)", []asn1.ObjectIdentifier{trustlist.OIDRecoveryAlt}, trustlist.UsageRecovery, []credential.Type{r}},
		{"vaccination and recovery, mixed families", []asn1.ObjectIdentifier{trustlist.OIDVaccination, trustlist.OIDRecoveryAlt}, trustlist.UsageVaccination | trustlist.UsageRecovery, []credential.Type{v, r}},
		{"all three, alternative family", []asn1.ObjectIdentifier{trustlist.OIDTestAlt, trustlist.OIDVaccinationAlt, trustlist.OIDRecoveryAlt}, trustlist.UsageAll, []credential.Type{v, tr, r}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsc := dscWithOIDs(t, gb, tt.oids)
			if got := trustlist.CertificateUsage(dsc); got != tt.usage {
				t.Fatalf("CertificateUsage = %v, want %v", got, tt.usage)
			}
			key, err := trustlist.KeyFromCertificate(dsc)
			if err != nil {
				t.Fatal(err)
			}
			vv := newVerifier(t, trustlist.NewStatic(key))
			for _, typ := range []credential.Type{v, tr, r} {
				text := hcert.Encode(signCOSEKID(t, gb, key.KID, claims(t, gb, typ, iat0, iat0.AddDate(0, 1, 0))))
				allowed := false
				for _, a := range tt.allowed {
					allowed = allowed || a == typ
				}
				if allowed {
					if res := wantValid(t, vv, text); res.Credential.Type != typ {
						t.Errorf("%s: type %s", typ, res.Credential.Type)
					}
				} else {
					verr := wantRefused(t, vv, text, credential.ReasonKeyUsage)
					if !strings.Contains(verr.Detail, typ.String()) {
						t.Errorf("detail %q does not name %s", verr.Detail, typ)
					}
				}
			}
		})
	}
}

// Nothing about the content is reported before the signature is checked:
// a tampered credential whose content is also bad is bad_signature.
func TestSignatureBeforeContent(t *testing.T) {
	gb := fedMember(t, "GB")
	trust := fedTrust(t)
	vacc := credential.TypeVaccination
	dcc := dccOf(t, vacc, "GB")
	hcertClaim := append([]byte{0xa1, 0x01}, dcc...)
	badDOB := testvectors.SamplePayload(vacc, "GB")
	badDOB.DateOfBirth = "31.12.1990"
	badDCC, err := hcert.MarshalDCC(badDOB)
	if err != nil {
		t.Fatal(err)
	}
	testOnly := trustlist.NewStatic(withKey(gb.TrustKey, func(k *trustlist.Key) { k.Usage = trustlist.UsageTest }))
	revoked := trustlist.NewStatic(withKey(gb.TrustKey, func(k *trustlist.Key) { k.Revoked = true }))
	tests := []struct {
		name    string
		payload []byte
		trust   trustlist.Source
		intact  credential.Reason // what the untampered credential gives
	}{
		{"expired", claims(t, gb, vacc, iat0, vnow.Add(-time.Hour)), trust, credential.ReasonExpired},
		{"not yet valid", claims(t, gb, vacc, vnow.Add(time.Hour), vnow.AddDate(0, 1, 0)), trust, credential.ReasonNotYetValid},
		{"issued before the key", claims(t, gb, vacc, gb.DSC.NotBefore.AddDate(0, 0, -1), vnow.AddDate(0, 1, 0)), trust, credential.ReasonKeyNotValid},
		{"schema", hcert.MarshalClaims("GB", iat0, iat0.AddDate(0, 1, 0), badDCC), trust, credential.ReasonSchema},
		{"bad claims", hmap(1, 826, 4, iat0.AddDate(0, 1, 0).Unix(), 6, iat0.Unix(), -260, rawCBOR(hcertClaim)), trust, credential.ReasonBadClaims},
		{"duplicate claims", hmap(6, iat0.Unix(), 6, iat0.Unix(), 4, iat0.AddDate(0, 1, 0).Unix(), -260, rawCBOR(hcertClaim)), trust, credential.ReasonBadCBOR},
		{"key usage", claims(t, gb, vacc, iat0, iat0.AddDate(0, 1, 0)), testOnly, credential.ReasonKeyUsage},
		{"key revoked", claims(t, gb, vacc, iat0, iat0.AddDate(0, 1, 0)), revoked, credential.ReasonKeyRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.trust)
			msg := signCOSE(t, gb, tt.payload)
			wantRefused(t, v, hcert.Encode(msg), tt.intact)

			// Change one byte of the signed payload: the family name's
			// first letter.
			tampered := bytes.Clone(msg)
			i := bytes.Index(tampered, []byte("DARSONS"))
			if i < 0 {
				t.Fatal("payload lacks the holder's name")
			}
			tampered[i] = 'X'
			wantRefused(t, v, hcert.Encode(tampered), credential.ReasonBadSignature)

			// A credential naming an unknown key says so, never more.
			unknown := signCOSEKID(t, gb, []byte("unknown!"), tt.payload)
			wantRefused(t, v, hcert.Encode(unknown), credential.ReasonUnknownKey)
		})
	}
}

// Changing one character of a valid HC1 text anywhere in its middle never
// yields a valid credential, and gives bad_signature or a malformed reason.
func TestOneCharacterTamper(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	v := newVerifier(t, fedTrust(t))
	for _, cc := range []string{"GB", "NZ"} {
		m := fedMember(t, cc)
		out, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, cc))
		if err != nil {
			t.Fatal(err)
		}
		text := out.Text
		wantValid(t, v, text)
		counts := map[credential.Reason]int{}
		for i := len(text) / 4; i < 3*len(text)/4; i++ {
			for _, shift := range []int{1, 22} {
				c := alphabet[(strings.IndexByte(alphabet, text[i])+shift)%len(alphabet)]
				bad := text[:i] + string(c) + text[i+1:]
				res, verr := verify(t, v, bad)
				if verr == nil {
					t.Fatalf("%s: character %d changed to %q: still valid (%s)", cc, i, c, res.Country)
				}
				if verr.Reason != credential.ReasonBadSignature && verr.Reason.Class() != verifier.ErrMalformed {
					t.Errorf("%s: character %d changed to %q: reason %s, want bad_signature or malformed", cc, i, c, verr.Reason)
				}
				counts[verr.Reason]++
			}
		}
		if len(counts) == 0 {
			t.Fatalf("%s: no tampered text was checked", cc)
		}
		t.Logf("%s: %v", cc, counts)
	}
}

// Many goroutines verify at once with one Verifier (run with -race).
func TestConcurrentVerify(t *testing.T) {
	gb, nz := fedMember(t, "GB"), fedMember(t, "NZ")
	v := newVerifier(t, fedTrust(t))
	type job struct {
		text    string
		reason  credential.Reason
		country string
		typ     credential.Type
	}
	var jobs []job
	for _, m := range []*testvectors.Member{gb, nz} {
		for _, typ := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
			out, err := m.Issuer.Issue(testvectors.SamplePayload(typ, m.Country))
			if err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, job{text: out.Text, country: m.Country, typ: typ})
		}
		jobs = append(jobs, job{text: signText(t, m, claims(t, m, credential.TypeTest, iat0, vnow.Add(-time.Hour))), reason: credential.ReasonExpired})
		msg := signCOSE(t, m, claims(t, m, credential.TypeTest, iat0, vnow.AddDate(0, 1, 0)))
		msg[len(msg)-1] ^= 1
		jobs = append(jobs, job{text: hcert.Encode(msg), reason: credential.ReasonBadSignature})
	}
	jobs = append(jobs,
		job{text: "HC1:" + strings.Repeat("A", 9000), reason: credential.ReasonTooLarge},
		job{text: "HC1:AB#", reason: credential.ReasonBadBase45},
		job{text: "XYZ", reason: credential.ReasonBadPrefix},
	)
	const workers, rounds = 8, 15
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds*len(jobs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for i := range jobs {
					j := jobs[(i+w+r)%len(jobs)]
					res, err := v.Verify(j.text)
					if (res == nil) == (err == nil) {
						errs <- fmt.Sprintf("result %v and error %v", res != nil, err)
						continue
					}
					if j.reason == "" {
						if err != nil {
							errs <- fmt.Sprintf("%s %s: %v", j.country, j.typ, err)
						} else if res.Country != j.country || res.Credential.Type != j.typ || res.Credential.Holder.FamilyNameStd != "DARSONS<VAN<HALEN" {
							errs <- fmt.Sprintf("%s %s: got %s %s", j.country, j.typ, res.Country, res.Credential.Type)
						}
						continue
					}
					ve, ok := err.(*verifier.Error)
					if !ok || ve.Reason != j.reason {
						errs <- fmt.Sprintf("want %s, got %v", j.reason, err)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n++; n <= 10 {
			t.Error(e)
		}
	}
	if n > 10 {
		t.Errorf("… and %d more", n-10)
	}
}
