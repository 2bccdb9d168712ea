package vdsnc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

var sigvlRE = regexp.MustCompile(`"sigvl"\s*:\s*"([^"]*)"`)

// withSignature replaces sig.sigvl of a seal text.
func withSignature(t testing.TB, text string, sig []byte) string {
	t.Helper()
	if !sigvlRE.MatchString(text) {
		t.Fatal("no sigvl in the seal")
	}
	return sigvlRE.ReplaceAllLiteralString(text, `"sigvl":"`+base64.RawURLEncoding.EncodeToString(sig)+`"`)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestOddLengthSignature checks the lenient r‖s reading on the AU vector
// and on seals of our own: DER integer contents with a 0x00 sign byte or
// with a leading zero byte stripped verify, other lengths do not.
func TestOddLengthSignature(t *testing.T) {
	t.Run("AU vector", func(t *testing.T) {
		text := string(vectorFile(t, "au-ios/seal-valid.json"))
		sig := must(vdsnc.Decode(text)).Signature
		r, s := sig[:32], sig[32:]
		cscas, crls := auTrust(t)
		for _, c := range []struct {
			name string
			sig  []byte
			ok   bool
		}{
			{"64 bytes", sig, true},
			{"65: 00‖r‖s", cat([]byte{0}, r, s), true},
			{"65: r‖00‖s", cat(r, []byte{0}, s), true},
			{"66: 00‖r‖00‖s", cat([]byte{0}, r, []byte{0}, s), true},
			{"65: 01‖r‖s", cat([]byte{1}, r, s), false},
			{"65: r‖s‖00", cat(r, s, []byte{0}), false},
			{"67 bytes", cat([]byte{0, 0}, r, []byte{0}, s), false},
			{"s‖r", cat(s, r), false},
			{"63: truncated", sig[:63], false},
			{"32 bytes", r, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := verdictErr(withSignature(t, text, c.sig), cscas, crls, auClock)
				if (err == nil) != c.ok {
					t.Fatalf("got %v, want ok=%v", err, c.ok)
				}
				if err != nil && reasonOf(t, err) != credential.ReasonBadSignature {
					t.Fatalf("reason %v", err)
				}
			})
		}
	})
	t.Run("stripped leading zero", func(t *testing.T) {
		p := newPKI(t, pkiOptions{})
		// About one signature in 128 has an r or s below 2^248, which a
		// DER-concatenating signer writes in 31 bytes.
		for i := 0; i < 5000; i++ {
			text := p.seal(t, sampleVacc)
			sig := must(vdsnc.Decode(text)).Signature
			var short []byte
			switch {
			case sig[0] == 0:
				short = cat(sig[1:32], sig[32:])
			case sig[32] == 0:
				short = cat(sig[:32], sig[33:])
			default:
				continue
			}
			if err := p.verify(withSignature(t, text, short)); err != nil {
				t.Fatalf("63-byte signature refused: %v", err)
			}
			return
		}
		t.Fatal("no signature with a leading zero byte in 5000 tries")
	})
}

// TestAlgorithms signs and verifies with each accepted algorithm, and
// checks the refusals: unknown alg names, and alg/key mismatches.
func TestAlgorithms(t *testing.T) {
	for _, c := range []struct {
		curve elliptic.Curve
		alg   string
	}{{elliptic.P256(), "ES256"}, {elliptic.P384(), "ES384"}, {elliptic.P521(), "ES512"}} {
		t.Run(c.alg, func(t *testing.T) {
			p := newPKI(t, pkiOptions{bscKey: must(ecdsa.GenerateKey(c.curve, rand.Reader))})
			text := p.seal(t, sampleVacc)
			s := must(vdsnc.Decode(text))
			if s.Alg != c.alg {
				t.Fatalf("Sign chose %s", s.Alg)
			}
			if err := p.verify(text); err != nil {
				t.Fatal(err)
			}
			other := map[string]string{"ES256": "ES384", "ES384": "ES512", "ES512": "ES256"}[c.alg]
			err := p.verify(strings.Replace(text, `"alg":"`+c.alg+`"`, `"alg":"`+other+`"`, 1))
			if reasonOf(t, err) != credential.ReasonBadSignature || !errors.Is(err, vdsnc.ErrKeyMismatch) {
				t.Fatalf("alg %s with a %s key: %v", other, c.alg, err)
			}
		})
	}
	p := newPKI(t, pkiOptions{})
	text := p.seal(t, sampleVacc)
	for _, alg := range []string{"es256", "RS256", "PS256", "none", "ES256K", "EdDSA", ""} {
		err := p.verify(strings.Replace(text, `"alg":"ES256"`, `"alg":"`+alg+`"`, 1))
		if reasonOf(t, err) != credential.ReasonUnsupportedAlg || !errors.Is(err, credential.ErrUntrusted) {
			t.Errorf("alg %q: %v", alg, err)
		}
	}
}

// TestRSABSC checks that a BSC with an RSA key can neither sign nor verify.
func TestRSABSC(t *testing.T) {
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	p := newPKI(t, pkiOptions{bscKey: rsaKey})
	if _, err := vdsnc.Sign(rsaKey, p.bsc, json.RawMessage(sampleVacc)); err == nil {
		t.Fatal("Sign accepted an RSA key")
	}
	good := newPKI(t, pkiOptions{})
	text := good.seal(t, sampleVacc)
	s := must(vdsnc.Decode(text))
	s.BSC = p.bsc
	if err := s.VerifySignature(); reasonOf(t, err) != credential.ReasonBadSignature || !errors.Is(err, vdsnc.ErrKeyMismatch) {
		t.Fatalf("RSA BSC: %v", err)
	}
}

// TestSignErrors checks Sign's refusals.
func TestSignErrors(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	other := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	for name, f := range map[string]func() (string, error){
		"nil signer":    func() (string, error) { return vdsnc.Sign(nil, p.bsc, json.RawMessage(sampleVacc)) },
		"nil BSC":       func() (string, error) { return vdsnc.Sign(p.bscKey, nil, json.RawMessage(sampleVacc)) },
		"key not BSC's": func() (string, error) { return vdsnc.Sign(other, p.bsc, json.RawMessage(sampleVacc)) },
		"not JSON":      func() (string, error) { return vdsnc.Sign(p.bscKey, p.bsc, json.RawMessage(`{`)) },
		"not a body":    func() (string, error) { return vdsnc.Sign(p.bscKey, p.bsc, json.RawMessage(`{"a":1}`)) },
		"bad message": func() (string, error) {
			return vdsnc.Sign(p.bscKey, p.bsc, json.RawMessage(`{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{}}`))
		},
		"duplicate keys": func() (string, error) {
			return vdsnc.Sign(p.bscKey, p.bsc, json.RawMessage(strings.Replace(sampleVacc, `"v":1`, `"v":1,"v":1`, 1)))
		},
	} {
		if text, err := f(); err == nil {
			t.Errorf("%s: signed %s", name, text)
		}
	}
}

// TestSignRoundTrip checks that Sign's output is canonical, decodes to the
// same message and verifies, and that Decode(Sign(x)) keeps Data as
// canonical bytes.
func TestSignRoundTrip(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	pretty := "{\n  \"msg\": " + sampleVacc[strings.Index(sampleVacc, `"msg":`)+6:len(sampleVacc)-1] + ",\n  \"hdr\": {\"v\": 1, \"t\": \"icao.vacc\", \"is\": \"AUS\"}\n}"
	text := p.seal(t, pretty)
	s := must(vdsnc.Decode(text))
	if string(s.Data) != string(s.Canonical) {
		t.Fatalf("Sign did not write data canonically:\n%s\n%s", s.Data, s.Canonical)
	}
	if err := p.verify(text); err != nil {
		t.Fatal(err)
	}
	if s.Vaccination.UVCI != "VB0009990038" || len(s.Vaccination.Events[0].Doses) != 2 || s.Vaccination.Events[0].Doses[1].Lot != "ER7449" {
		t.Fatalf("PoV %+v", s.Vaccination)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil || len(top) != 2 {
		t.Fatalf("seal shape: %v", err)
	}
	bsc := must(x509.ParseCertificate(must(base64.RawURLEncoding.DecodeString(strings.Split(strings.Split(text, `"cer":"`)[1], `"`)[0]))))
	if !bsc.Equal(p.bsc) {
		t.Fatal("cer is not the BSC")
	}
}
