package verifier_test

// Algorithm and key confusion: each test hands the verifier a credential
// that is genuinely signed — by the key it names or by another — but
// whose algorithm, key type, key size, key usage or key id should not be
// accepted together, next to a control that is accepted, so that each
// test fails if the check it covers is removed.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/cborx"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// secMap encodes a CBOR map of integer labels to values: int,
// hcert.Algorithm, []byte or string.
func secMap(kv ...any) []byte {
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
			panic("secMap: unsupported value")
		}
	}
	return b
}

// secCOSE assembles a COSE_Sign1: the tag bytes (nil for untagged), the
// serialized protected header, the raw unprotected header map, the payload
// and the signature.
func secCOSE(tag, protected, unprotected, payload, sig []byte) []byte {
	b := append([]byte(nil), tag...)
	b = append(b, 0x84)
	b = cborx.AppendBytes(b, protected)
	b = append(b, unprotected...)
	b = cborx.AppendBytes(b, payload)
	return cborx.AppendBytes(b, sig)
}

var secTag18 = []byte{0xd2}

// secSign signs the Sig_structure of (protected, payload) with key and hash
// h: for an ECDSA key the fixed-size r‖s of its curve, for RSA PSS with a
// salt as long as the hash.
func secSign(t testing.TB, key crypto.Signer, h crypto.Hash, protected, payload []byte) []byte {
	t.Helper()
	hh := h.New()
	hh.Write(hcert.ToBeSigned(protected, payload))
	d := hh.Sum(nil)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, d)
		if err != nil {
			t.Fatal(err)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out
	case *rsa.PrivateKey:
		sig, err := rsa.SignPSS(rand.Reader, k, h, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	t.Fatalf("secSign: unsupported key %T", key)
	return nil
}

// secClaims is a valid CWT payload of the given type for country cc
// (iss omitted when iss is ""), issued an hour before secNow.
func secClaims(t testing.TB, iss, cc string, typ credential.Type) []byte {
	t.Helper()
	dcc, err := hcert.MarshalDCC(testvectors.SamplePayload(typ, cc))
	if err != nil {
		t.Fatal(err)
	}
	return hcert.MarshalClaims(iss, secNow.Add(-time.Hour), secNow.AddDate(0, 6, 0), dcc)
}

// secVerifierOver is a verifier at secNow over the given keys.
func secVerifierOver(t testing.TB, keys ...*trustlist.Key) *secVerifier {
	t.Helper()
	v, err := newSecVerifier(trustlist.NewStatic(keys...), secNow)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// secExpect verifies text and checks the outcome: reason "" means valid.
func secExpect(t *testing.T, v *secVerifier, text string, reason credential.Reason) (*verifier.Result, *verifier.Error) {
	t.Helper()
	res, verr := secCheck(t, v, text)
	switch {
	case reason == "" && verr != nil:
		t.Fatalf("refused (%v), want valid", verr)
	case reason != "" && verr == nil:
		t.Fatalf("accepted (%s, key of %s, %s), want %s", res.Country, res.Key.Country, res.Alg, reason)
	case reason != "" && verr.Reason != reason:
		t.Fatalf("reason %s (%v), want %s", verr.Reason, verr, reason)
	}
	return res, verr
}

func secDemoMember(t testing.TB, fx *secFixture, cc string) *testvectors.Member {
	t.Helper()
	m, err := fx.demo.Member(cc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConfusionRSAKeyUnderES256: a trusted RSA key is never used for an
// ES256 header, whoever made the signature.
func TestConfusionRSAKeyUnderES256(t *testing.T) {
	fx := secFix(t)
	gb, au := secDemoMember(t, fx, "GB"), secDemoMember(t, fx, "AU")
	v := secVerifierOver(t, gb.TrustKey, au.TrustKey)
	payload := secClaims(t, "GB", "GB", credential.TypeVaccination)
	es256 := hcert.MarshalProtected(hcert.ES256, gb.TrustKey.KID)
	ps256 := hcert.MarshalProtected(hcert.PS256, gb.TrustKey.KID)

	t.Run("control: PS256 header, RSA signature", func(t *testing.T) {
		secExpect(t, v, hcert.Encode(secCOSE(secTag18, ps256, secMap(), payload, secSign(t, gb.DSCKey, crypto.SHA256, ps256, payload))), "")
	})
	t.Run("ES256 header, PSS signature by the RSA key", func(t *testing.T) {
		_, verr := secExpect(t, v, hcert.Encode(secCOSE(secTag18, es256, secMap(), payload, secSign(t, gb.DSCKey, crypto.SHA256, es256, payload))), credential.ReasonBadSignature)
		if !errors.Is(verr, hcert.ErrKeyMismatch) {
			t.Errorf("%v does not wrap hcert.ErrKeyMismatch", verr)
		}
	})
	t.Run("ES256 header, ECDSA signature by another key, RSA key's kid", func(t *testing.T) {
		secExpect(t, v, hcert.Encode(secCOSE(secTag18, es256, secMap(), payload, secSign(t, au.DSCKey, crypto.SHA256, es256, payload))), credential.ReasonBadSignature)
	})
	t.Run("no protected alg, unprotected ES256, ECDSA signature, RSA key's kid", func(t *testing.T) {
		prot := secMap(4, gb.TrustKey.KID)
		secExpect(t, v, hcert.Encode(secCOSE(secTag18, prot, secMap(1, hcert.ES256), payload, secSign(t, au.DSCKey, crypto.SHA256, prot, payload))), credential.ReasonUnsupportedAlg)
	})
}

// TestConfusionP384UnderES256: ES256 means P-256; a P-384 key is only
// used under ES384.
func TestConfusionP384UnderES256(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := []byte("p384-kid")
	v := secVerifierOver(t, &trustlist.Key{Format: credential.FormatHCERT, KID: kid, Country: "AU", PublicKey: key.Public(), Usage: trustlist.UsageAll})
	payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
	es256, es384 := hcert.MarshalProtected(hcert.ES256, kid), hcert.MarshalProtected(hcert.ES384, kid)

	t.Run("control: ES384 header, P-384 key", func(t *testing.T) {
		res, _ := secExpect(t, v, hcert.Encode(secCOSE(secTag18, es384, secMap(), payload, secSign(t, key, crypto.SHA384, es384, payload))), "")
		if res.Alg != "ES384" {
			t.Errorf("alg %s, want ES384", res.Alg)
		}
	})
	sig := secSign(t, key, crypto.SHA256, es256, payload) // 96 bytes: P-384 r‖s over a SHA-256 digest
	for name, s := range map[string][]byte{"P-384 signature of SHA-256": sig, "its first 64 bytes": sig[:64]} {
		t.Run("ES256 header, "+name, func(t *testing.T) {
			_, verr := secExpect(t, v, hcert.Encode(secCOSE(secTag18, es256, secMap(), payload, s)), credential.ReasonBadSignature)
			if !errors.Is(verr, hcert.ErrKeyMismatch) {
				t.Errorf("%v does not wrap hcert.ErrKeyMismatch", verr)
			}
		})
	}
}

var secRSA1024 = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 1024) })

// TestConfusionShortRSA: RSA keys under 2048 bits are refused wherever
// they appear: as a trusted key (from a certificate, a JWK or a key given
// directly), and for signing (credentials and trust lists).
func TestConfusionShortRSA(t *testing.T) {
	fx := secFix(t)
	short, err := secRSA1024()
	if err != nil {
		t.Fatal(err)
	}
	gb := secDemoMember(t, fx, "GB")
	cscaKey := secKey("short-rsa-csca")
	csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{Country: "GB", NotBefore: secNow.AddDate(-1, 0, 0), NotAfter: secNow.AddDate(5, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	dsc, err := issuer.CreateDSC(short.Public(), csca, cscaKey, issuer.CertOptions{Country: "GB", NotBefore: secNow.AddDate(0, -1, 0), NotAfter: secNow.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	kid := trustlist.HCERTKeyID(dsc.Raw)
	payload := secClaims(t, "GB", "GB", credential.TypeVaccination)

	t.Run("trust: DSC certificate", func(t *testing.T) {
		if k, err := trustlist.KeyFromCertificate(dsc); err == nil {
			t.Fatalf("KeyFromCertificate accepted a %d-bit RSA DSC (kid %x)", short.N.BitLen(), k.KID)
		}
		if _, err := trustlist.KeyFromCertificate(gb.DSC); err != nil {
			t.Fatalf("control: 2048-bit DSC refused: %v", err)
		}
	})
	t.Run("trust: JWK in a trust list", func(t *testing.T) {
		jwk, err := trustlist.MarshalPublicJWK(short.Public())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trustlist.ParsePublicJWK(jwk); !errors.Is(err, trustlist.ErrBadJWK) {
			t.Fatalf("ParsePublicJWK(1024-bit RSA) = %v, want ErrBadJWK", err)
		}
	})
	t.Run("verify: key given directly", func(t *testing.T) {
		v := secVerifierOver(t, &trustlist.Key{Format: credential.FormatHCERT, KID: kid, Country: "GB", PublicKey: short.Public(), Usage: trustlist.UsageAll})
		prot := hcert.MarshalProtected(hcert.PS256, kid)
		_, verr := secExpect(t, v, hcert.Encode(secCOSE(secTag18, prot, secMap(), payload, secSign(t, short, crypto.SHA256, prot, payload))), credential.ReasonBadSignature)
		if !errors.Is(verr, hcert.ErrKeyMismatch) || !strings.Contains(verr.Error(), "2048") {
			t.Errorf("%v: want the key-size refusal", verr)
		}
	})
	t.Run("sign: hcert.Sign, issuer.New, trust-list signatures", func(t *testing.T) {
		if _, err := hcert.Sign(nil, short, hcert.PS256, kid, payload); err == nil {
			t.Error("hcert.Sign signed with a 1024-bit RSA key")
		}
		if _, err := issuer.New(short, dsc); err == nil {
			t.Error("issuer.New accepted a 1024-bit RSA key")
		}
		if _, err := issuer.New(gb.DSCKey, gb.DSC); err != nil {
			t.Errorf("control: issuer.New with a 2048-bit key: %v", err)
		}
		doc, err := trustlist.Encode(&trustlist.CountryList{Country: "GB", Sequence: 1, IssuedAt: secNow, ExpiresAt: secNow.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.AddSignature(short, "GB"); err == nil {
			t.Error("a trust list was signed with a 1024-bit RSA key")
		}
	})
}

// TestConfusionUnprotectedAlg: an alg found only in the unprotected header
// never chooses the algorithm: the key's type does, and an unprotected
// alg that does not fit the key is refused.
func TestConfusionUnprotectedAlg(t *testing.T) {
	fx := secFix(t)
	au, gb := secDemoMember(t, fx, "AU"), secDemoMember(t, fx, "GB")
	v := secVerifierOver(t, au.TrustKey, gb.TrustKey)
	for _, tt := range []struct {
		name   string
		signer *testvectors.Member // whose key signs
		kid    *testvectors.Member // whose kid the header names
		unprot []byte
		hash   crypto.Hash
		reason credential.Reason
	}{
		{"control: EC key, no alg anywhere", au, au, secMap(), crypto.SHA256, ""},
		{"control: EC key, unprotected ES256", au, au, secMap(1, hcert.ES256), crypto.SHA256, ""},
		{"control: RSA key, unprotected PS256", gb, gb, secMap(1, hcert.PS256), crypto.SHA256, ""},
		{"EC key, unprotected PS256", au, au, secMap(1, hcert.PS256), crypto.SHA256, credential.ReasonUnsupportedAlg},
		{"EC key, unprotected ES384", au, au, secMap(1, hcert.ES384), crypto.SHA384, credential.ReasonUnsupportedAlg},
		{"RSA key, unprotected ES256", gb, gb, secMap(1, hcert.ES256), crypto.SHA256, credential.ReasonUnsupportedAlg},
		{"RSA key's kid, unprotected ES256, EC signature", au, gb, secMap(1, hcert.ES256), crypto.SHA256, credential.ReasonUnsupportedAlg},
		{"EC key's kid, unprotected PS256, RSA signature", gb, au, secMap(1, hcert.PS256), crypto.SHA256, credential.ReasonUnsupportedAlg},
		{"unprotected alg 0 (none)", au, au, secMap(1, 0), crypto.SHA256, credential.ReasonUnsupportedAlg},
		{"unprotected EdDSA", au, au, secMap(1, -8), crypto.SHA256, credential.ReasonUnsupportedAlg},
	} {
		t.Run(tt.name, func(t *testing.T) {
			payload := secClaims(t, tt.kid.Country, tt.kid.Country, credential.TypeVaccination)
			prot := secMap(4, tt.kid.TrustKey.KID)
			text := hcert.Encode(secCOSE(secTag18, prot, tt.unprot, payload, secSign(t, tt.signer.DSCKey, tt.hash, prot, payload)))
			res, _ := secExpect(t, v, text, tt.reason)
			if res != nil && res.Alg != tt.signer.Alg {
				t.Errorf("alg %s, want the key's %s", res.Alg, tt.signer.Alg)
			}
		})
	}
	// The same with the alg in the protected header: the protected alg
	// must fit the key too.
	t.Run("protected PS256, EC key and signature", func(t *testing.T) {
		payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
		prot := hcert.MarshalProtected(hcert.PS256, au.TrustKey.KID)
		secExpect(t, v, hcert.Encode(secCOSE(secTag18, prot, secMap(), payload, secSign(t, au.DSCKey, crypto.SHA256, prot, payload))), credential.ReasonBadSignature)
	})
}

// TestConfusionNoneAlg: a protected header that names alg 0 (reserved;
// "none" in JOSE terms) is refused, even when a trusted key signed it,
// instead of being read as a header without alg.
func TestConfusionNoneAlg(t *testing.T) {
	fx := secFix(t)
	au := secDemoMember(t, fx, "AU")
	v := secVerifierOver(t, au.TrustKey)
	payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
	for name, prot := range map[string][]byte{
		"alg 0 before kid": secMap(1, 0, 4, au.TrustKey.KID),
		"kid before alg 0": secMap(4, au.TrustKey.KID, 1, 0),
	} {
		t.Run(name, func(t *testing.T) {
			secExpect(t, v, hcert.Encode(secCOSE(secTag18, prot, secMap(), payload, secSign(t, au.DSCKey, crypto.SHA256, prot, payload))), credential.ReasonUnsupportedAlg)
		})
	}
}

// TestConfusionKeyUsage: a key whose usage excludes the credential's type
// does not authenticate it, in every format that has a credential type.
func TestConfusionKeyUsage(t *testing.T) {
	fx := secFix(t)
	au := secDemoMember(t, fx, "AU")
	testOnly := func(k *trustlist.Key) *trustlist.Key {
		c := *k
		c.Usage = trustlist.UsageTest
		return &c
	}
	t.Run("hcert: trust-list usage", func(t *testing.T) {
		v := secVerifierOver(t, testOnly(au.TrustKey))
		for typ, reason := range map[credential.Type]credential.Reason{
			credential.TypeVaccination: credential.ReasonKeyUsage,
			credential.TypeRecovery:    credential.ReasonKeyUsage,
			credential.TypeTest:        "",
		} {
			out, err := au.Issuer.Issue(testvectors.SamplePayload(typ, "AU"))
			if err != nil {
				t.Fatal(err)
			}
			secExpect(t, v, out.Text, reason)
		}
	})
	t.Run("hcert: DSC extended key usage", func(t *testing.T) {
		cscaKey := secKey("usage-csca")
		csca, err := issuer.CreateCSCA(cscaKey, issuer.CertOptions{Country: "AU", NotBefore: secNow.AddDate(-1, 0, 0), NotAfter: secNow.AddDate(5, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		dscKey := secKey("usage-dsc")
		dsc, err := issuer.CreateDSC(dscKey.Public(), csca, cscaKey, issuer.CertOptions{Country: "AU",
			NotBefore: secNow.AddDate(0, -1, 0), NotAfter: secNow.AddDate(1, 0, 0), Usage: trustlist.UsageTest})
		if err != nil {
			t.Fatal(err)
		}
		k, err := trustlist.KeyFromCertificate(dsc)
		if err != nil {
			t.Fatal(err)
		}
		if k.Usage != trustlist.UsageTest {
			t.Fatalf("usage from the DSC's EKU: %v, want t", k.Usage)
		}
		// The issuer refuses, so sign the COSE directly with the key.
		iss, err := issuer.New(dscKey, dsc, issuer.WithClock(func() time.Time { return secNow.Add(-time.Hour) }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iss.Issue(testvectors.SamplePayload(credential.TypeVaccination, "AU")); err == nil {
			t.Error("the issuer signed a vaccination with a test-only DSC")
		}
		payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
		cose, err := hcert.Sign(nil, dscKey, hcert.ES256, k.KID, payload)
		if err != nil {
			t.Fatal(err)
		}
		secExpect(t, secVerifierOver(t, k), hcert.Encode(cose), credential.ReasonKeyUsage)
	})
	t.Run("shc", func(t *testing.T) {
		c := fx.cred("shc")
		secExpect(t, secVerifierOver(t, c.key), c.text, "")
		secExpect(t, secVerifierOver(t, testOnly(c.key)), c.text, credential.ReasonKeyUsage)
	})
	t.Run("vdsnc", func(t *testing.T) {
		c := fx.cred("vdsnc")
		secExpect(t, secVerifierOver(t, c.key), c.text, "")
		secExpect(t, secVerifierOver(t, testOnly(c.key)), c.text, credential.ReasonKeyUsage)
	})
	t.Run("nzcp: a pass has no event type, so usage does not apply", func(t *testing.T) {
		c := fx.cred("nzcp")
		res, _ := secExpect(t, secVerifierOver(t, testOnly(c.key)), c.text, "")
		if res.Credential.Type != "" {
			t.Errorf("NZ pass typed %q: usage would have to apply", res.Credential.Type)
		}
	})
}

// TestConfusionKIDTwoCountries: HCERT key ids are 8 bytes and collide. When
// one kid names keys of two countries, the key that verifies wins, and the
// country reported is that key's own — never the other's.
func TestConfusionKIDTwoCountries(t *testing.T) {
	fx := secFix(t)
	au, gb := secDemoMember(t, fx, "AU"), secDemoMember(t, fx, "GB")
	kid := []byte{0xc0, 0x11, 0x1d, 0xe0, 0x00, 0x00, 0x00, 0x01}
	auKey := withKey(au.TrustKey, func(k *trustlist.Key) { k.KID = kid })
	gbKey := withKey(gb.TrustKey, func(k *trustlist.Key) { k.KID = kid })
	sign := func(t *testing.T, m *testvectors.Member, iss string) string {
		payload := secClaims(t, iss, m.Country, credential.TypeVaccination)
		cose, err := hcert.Sign(nil, m.DSCKey, algOf(m), kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		return hcert.Encode(cose)
	}
	for _, order := range [][]*trustlist.Key{{auKey, gbKey}, {gbKey, auKey}} {
		v := secVerifierOver(t, order...)
		for _, signer := range []*testvectors.Member{au, gb} {
			for _, iss := range []string{"", signer.Country} {
				name := order[0].Country + " listed first, signed by " + signer.Country + ", iss " + iss
				t.Run(name, func(t *testing.T) {
					res, _ := secExpect(t, v, sign(t, signer, iss), "")
					if res.Key.Country != signer.Country || res.Country != signer.Country || res.Credential.Country != signer.Country {
						t.Errorf("key of %s, country %s (credential %s), want %s", res.Key.Country, res.Country, res.Credential.Country, signer.Country)
					}
				})
			}
		}
		// A member's key signing in another member's name: the iss claim
		// names the other country of the colliding kid.
		for _, signer := range []*testvectors.Member{au, gb} {
			other := "GB"
			if signer.Country == "GB" {
				other = "AU"
			}
			t.Run(order[0].Country+" listed first, signed by "+signer.Country+" claiming iss "+other, func(t *testing.T) {
				res, verr := secCheck(t, v, sign(t, signer, other))
				if verr == nil && res.Country != signer.Country {
					t.Errorf("a %s key's credential claiming iss %s is reported as from %s", signer.Country, other, res.Country)
				}
			})
		}
	}
	// With no key verifying, the error names the collision.
	stranger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	payload := secClaims(t, "AU", "AU", credential.TypeVaccination)
	cose, err := hcert.Sign(nil, stranger, hcert.ES256, kid, payload)
	if err != nil {
		t.Fatal(err)
	}
	_, verr := secExpect(t, secVerifierOver(t, auKey, gbKey), hcert.Encode(cose), credential.ReasonBadSignature)
	if !strings.Contains(verr.Detail, "2 keys") {
		t.Errorf("detail %q does not say that 2 keys were tried", verr.Detail)
	}
}

// TestConfusionAggregatorDropsMemberDocuments: the aggregator signs the
// federated list but cannot forge what members sign. It can still leave a
// member's signed revocation list or rule set out of its next federated
// list; a verifier that remembers what it accepted (trustlist.State) must
// not take that as "nothing is revoked any more" or "no entry rules".
func TestConfusionAggregatorDropsMemberDocuments(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"GB", "NZ", "AU"}})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := fed.Member("GB")
	if err != nil {
		t.Fatal(err)
	}
	issue := func(uvci string) string {
		d := testvectors.SamplePayload(credential.TypeVaccination, "GB")
		d.Vaccinations[0].ID = uvci
		out, err := gb.Issuer.Issue(d)
		if err != nil {
			t.Fatal(err)
		}
		return out.Text
	}
	revoked, kept := issue("URN:UVCI:01:GB:REVOKED-BY-GB"), issue("URN:UVCI:01:GB:KEPT")
	h := trustlist.HashesOf("URN:UVCI:01:GB:REVOKED-BY-GB", "GB", nil, false)
	revs := map[string]*trustlist.RevocationList{"GB": {}}
	revs["GB"].Add(credential.FormatHCERT, base64.StdEncoding.EncodeToString(gb.TrustKey.KID), trustlist.HashUCI, h.UCI, gb.DSC.NotAfter)
	// NZ's entry rule: three doses (the sample credential has two).
	booster := json.RawMessage(`{"Identifier":"VR-NZ-0003","Type":"Acceptance","Country":"NZ","Version":"1.0.0","SchemaVersion":"1.0.0",` +
		`"Engine":"CERTLOGIC","EngineVersion":"0.7.5","CertificateType":"Vaccination",` +
		`"Description":[{"lang":"en","desc":"Three doses are required."}],"ValidFrom":"2025-01-01T00:00:00Z","ValidTo":"2030-01-01T00:00:00Z",` +
		`"AffectedFields":["v.0.dn"],"Logic":{">=":[{"var":"payload.v.0.dn"},3]}}`)
	pub, err := fed.Publish(testvectors.PublishOptions{Revocations: revs, Rules: map[string][]json.RawMessage{"NZ": {booster}}})
	if err != nil {
		t.Fatal(err)
	}
	at := testvectors.DefaultNow.Add(time.Hour)
	// judge returns the verdict on the revoked credential and whether the
	// kept one may enter NZ.
	judge := func(list *trustlist.List) (revokedVerdict string, entryAllowed bool) {
		v, err := newSecVerifier(list, at)
		if err != nil {
			t.Fatal(err)
		}
		_, verr := secCheck(t, v, revoked)
		res, verr2 := secCheck(t, v, kept)
		if verr2 != nil {
			t.Fatalf("the kept credential: %v", verr2)
		}
		entry, err := v.CheckEntry(res, "NZ", "")
		if err != nil {
			t.Fatal(err)
		}
		return verrOrValid(verr), entry.Allowed
	}
	if verdict, allowed := judge(pub.List); verdict != string(credential.ReasonRevoked) || allowed {
		t.Fatalf("control: revoked credential %s, entry allowed %t", verdict, allowed)
	}
	var members [][]byte
	for _, cc := range []string{"GB", "NZ", "AU"} {
		members = append(members, pub.Countries[cc])
	}
	var revocationDoc, ruleDoc []byte
	for _, raw := range pub.List.FederatedList.Revocations {
		revocationDoc = raw
	}
	for _, raw := range pub.List.FederatedList.RuleSets {
		ruleDoc = raw
	}
	for _, tt := range []struct {
		name string
		docs [][]byte
	}{
		{"revocation list left out", append(slices.Clone(members), ruleDoc)},
		{"rule set left out", append(slices.Clone(members), revocationDoc)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := &trustlist.State{}
			state.Accept(pub.List)
			// The aggregator's next list: the same signed member
			// documents but one, a higher sequence, fresh times.
			issued := testvectors.DefaultNow.Add(30 * time.Minute)
			next, err := trustlist.AggregateWith(tt.docs, nil, 2, pub.VerifiedAnchor.Sequence, issued, issued.Add(24*time.Hour), issued.Add(7*24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if err := next.AddSignature(pub.AggregatorKey, ""); err != nil {
				t.Fatal(err)
			}
			data, err := next.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			list, err := trustlist.VerifyFederated(pub.VerifiedAnchor, data, trustlist.VerifyOptions{At: at, State: state})
			if err != nil {
				return // refused: the omission was noticed
			}
			if verdict, allowed := judge(list); verdict != string(credential.ReasonRevoked) || allowed {
				t.Errorf("accepted over a State that had seen both documents: the credential GB revoked is %s, entry to NZ allowed %t", verdict, allowed)
			}
		})
	}
}

func verrOrValid(verr *verifier.Error) string {
	if verr == nil {
		return "valid"
	}
	return string(verr.Reason)
}
