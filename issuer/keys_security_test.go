package issuer_test

// Private key material never appears in an error: not from
// issuer.LoadKeyFile or ParseKeyPEM on corrupted key files, not from the
// issuer, not from the verifier checking credentials the key signed.
// The CLI side (stdout, stderr and --json) is in
// cmd/travelcred/security_test.go.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// keyLeak finds private key material in text: any 8 consecutive
// characters of the hex (either case), base64 (standard or URL) or 12 of
// the decimal form of a secret number (an ECDSA scalar, or RSA's private
// exponent, primes and CRT values), any 4 consecutive raw bytes of one,
// or any 8 consecutive characters of the base64 body of the key's PEM.
type keyLeak struct {
	needles []keyNeedle
}

type keyNeedle struct {
	what   string
	s      string
	window int
}

func newKeyLeak(key crypto.Signer, pemData ...[]byte) *keyLeak {
	var secrets []*big.Int
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		if err != nil {
			panic(err)
		}
		secrets = append(secrets, new(big.Int).SetBytes(b))
	case *rsa.PrivateKey:
		secrets = append(secrets, k.D, k.Primes[0], k.Primes[1])
		if k.Precomputed.Dp != nil {
			secrets = append(secrets, k.Precomputed.Dp, k.Precomputed.Dq, k.Precomputed.Qinv)
		}
	default:
		panic(fmt.Sprintf("keyLeak: %T", key))
	}
	l := &keyLeak{}
	for i, s := range secrets {
		b := s.Bytes()
		name := fmt.Sprintf("secret %d", i)
		l.needles = append(l.needles,
			keyNeedle{name + " (hex)", hex.EncodeToString(b), 8},
			keyNeedle{name + " (HEX)", strings.ToUpper(hex.EncodeToString(b)), 8},
			keyNeedle{name + " (base64)", base64.StdEncoding.EncodeToString(b), 8},
			keyNeedle{name + " (base64url)", base64.RawURLEncoding.EncodeToString(b), 8},
			keyNeedle{name + " (decimal)", s.String(), 12},
			keyNeedle{name + " (raw bytes)", string(b), 4},
		)
	}
	for _, p := range pemData {
		for rest := p; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			body := base64.StdEncoding.EncodeToString(block.Bytes)
			l.needles = append(l.needles, keyNeedle{"PEM body", body, 8}, keyNeedle{"DER", string(block.Bytes), 6})
		}
	}
	return l
}

// find returns a description of the first key material found in text.
func (l *keyLeak) find(text string) string {
	for _, n := range l.needles {
		for i := 0; i+n.window <= len(n.s); i++ {
			if w := n.s[i : i+n.window]; strings.Contains(text, w) {
				return fmt.Sprintf("%s: %q at offset %d", n.what, w, i)
			}
		}
	}
	return ""
}

// check fails the test when err's text (%v and %+v) holds key material.
func (l *keyLeak) check(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err)} {
		if leak := l.find(s); leak != "" {
			t.Errorf("%s: the error leaks key material (%s): %s", what, leak, s)
			return
		}
	}
}

var (
	secRSAKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })
)

type testKey struct {
	name string
	key  crypto.Signer
	pem  []byte
	typ  string // PEM type
	der  []byte
}

func securityKeys(t *testing.T) []testKey {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := secRSAKey()
	if err != nil {
		t.Fatal(err)
	}
	var keys []testKey
	add := func(name string, key crypto.Signer, typ string, der []byte) {
		keys = append(keys, testKey{name, key, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), typ, der})
	}
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"EC P-256", ec}, {"EC P-384", ec384}, {"RSA 2048", rk}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			t.Fatal(err)
		}
		add(k.name+" PKCS #8", k.key, "PRIVATE KEY", der)
	}
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	add("EC P-256 SEC 1", ec, "EC PRIVATE KEY", sec1)
	add("RSA 2048 PKCS #1", rk, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk))
	return keys
}

// corruptions returns damaged forms of a key's PEM: bit flips and
// truncations of the DER, trailing bytes, the wrong PEM type, legacy
// encryption headers, broken base64, and key material in a header.
func corruptions(k testKey, stride int) map[string][]byte {
	out := map[string][]byte{}
	enc := func(typ string, der []byte, headers map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
	}
	for i := 0; i < len(k.der); i += stride {
		for _, bit := range []uint{0, 7} {
			d := append([]byte(nil), k.der...)
			d[i] ^= 1 << bit
			out[fmt.Sprintf("DER byte %d bit %d flipped", i, bit)] = enc(k.typ, d, nil)
		}
	}
	for n := 0; n < len(k.der); n += max(stride, 3) {
		out[fmt.Sprintf("DER truncated to %d bytes", n)] = enc(k.typ, k.der[:n], nil)
	}
	out["DER with a trailing byte"] = enc(k.typ, append(append([]byte(nil), k.der...), 0), nil)
	out["DER twice"] = enc(k.typ, append(append([]byte(nil), k.der...), k.der...), nil)
	for _, typ := range []string{"PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", "X"} {
		if typ != k.typ {
			out["under PEM type "+typ] = enc(typ, k.der, nil)
		}
	}
	out["legacy encrypted PEM headers"] = enc(k.typ, k.der, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"})
	out["garbage DER, key in a header"] = enc(k.typ, []byte{0x30, 0x03, 0x02, 0x01, 0x00}, map[string]string{"Comment": hex.EncodeToString(k.der)})
	p := string(k.pem)
	lines := strings.Split(p, "\n")
	out["one body character changed to '!'"] = []byte(strings.Replace(p, lines[1][:10], lines[1][:9]+"!", 1))
	out["END line missing"] = []byte(strings.Join(lines[:len(lines)-2], "\n"))
	out["body only, no PEM armour"] = []byte(strings.Join(lines[1:len(lines)-2], "\n"))
	out["raw DER"] = k.der
	return out
}

// TestKeyErrorsDoNotLeak: ParseKeyPEM and LoadKeyFile on corrupted keys
// fail without quoting the key.
func TestKeyErrorsDoNotLeak(t *testing.T) {
	stride := 1
	if testing.Short() {
		stride = 7
	}
	dir := t.TempDir()
	for _, k := range securityKeys(t) {
		t.Run(k.name, func(t *testing.T) {
			leak := newKeyLeak(k.key, k.pem)
			if _, err := issuer.ParseKeyPEM(k.pem); err != nil {
				t.Fatalf("the intact key does not parse: %v", err)
			}
			s := stride
			if strings.HasPrefix(k.name, "RSA") {
				s = stride * 5 // each RSA parse validates the key
			}
			refused := 0
			for what, data := range corruptions(k, s) {
				_, err := issuer.ParseKeyPEM(data)
				if err != nil {
					refused++
				}
				leak.check(t, "ParseKeyPEM("+what+")", err)
				path := filepath.Join(dir, "k.pem")
				os.Remove(path)
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
				_, err = issuer.LoadKeyFile(path)
				leak.check(t, "LoadKeyFile("+what+")", err)
			}
			if refused == 0 {
				t.Fatal("no corruption was refused: the test exercises nothing")
			}
			// A readable key file with loose permissions: refused, and the
			// error names the file, not its content.
			path := filepath.Join(dir, "loose.pem")
			os.Remove(path)
			if err := os.WriteFile(path, k.pem, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := issuer.LoadKeyFile(path)
			if !errors.Is(err, issuer.ErrKeyFilePermissions) {
				t.Fatalf("LoadKeyFile(0644) = %v, want ErrKeyFilePermissions", err)
			}
			leak.check(t, "LoadKeyFile(0644)", err)
		})
	}
}

// TestKeyLeakDetector: the detector finds key material in the forms it
// looks for, so the tests above can fail.
func TestKeyLeakDetector(t *testing.T) {
	for _, k := range securityKeys(t) {
		leak := newKeyLeak(k.key, k.pem)
		var secret []byte
		switch key := k.key.(type) {
		case *ecdsa.PrivateKey:
			secret, _ = key.Bytes()
		case *rsa.PrivateKey:
			secret = key.Primes[1].Bytes()
		}
		body := strings.Split(string(k.pem), "\n")[1]
		for name, text := range map[string]string{
			"hex":      "x509: bad value " + hex.EncodeToString(secret[10:14]),
			"HEX":      fmt.Sprintf("%X", secret[3:8]),
			"decimal":  "value " + new(big.Int).SetBytes(secret).String()[5:20],
			"raw":      fmt.Sprintf("%s", secret[20:24]),
			"PEM body": `"` + body[20:30] + `…" is not a known credential prefix`,
			"base64":   base64.StdEncoding.EncodeToString(secret)[8:20],
		} {
			if leak.find(text) == "" {
				t.Errorf("%s: leak in %s form not found: %q", k.name, name, text)
			}
		}
		for _, clean := range []string{
			"issuer: no PEM block found", `issuer: PEM block "CERTIFICATE" is not a private key`,
			"issuer: x509: failed to parse private key (use ParseECPrivateKey instead for this key format)",
			"verify: bad_signature: signature does not verify",
		} {
			if l := leak.find(clean); l != "" {
				t.Errorf("%s: false positive in %q: %s", k.name, clean, l)
			}
		}
	}
}

// TestIssuerAndVerifierErrorsDoNotLeak: the issuer's refusals and the
// verifier's verdicts on credentials signed by a key never quote it.
func TestIssuerAndVerifierErrorsDoNotLeak(t *testing.T) {
	at := testvectors.DefaultNow
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"AU", "GB"}, Alg: map[string]string{"GB": "PS256"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fed.Members {
		t.Run(m.Country+" "+m.Alg, func(t *testing.T) {
			pemData, err := issuer.MarshalKeyPEM(m.DSCKey)
			if err != nil {
				t.Fatal(err)
			}
			leak := newKeyLeak(m.DSCKey, pemData)
			other := fed.Members[0]
			if other == m {
				other = fed.Members[1]
			}
			// Issuer refusals.
			_, err = issuer.New(m.DSCKey, other.DSC)
			if err == nil {
				t.Fatal("issuer.New accepted a key that is not the certificate's")
			}
			leak.check(t, "issuer.New(mismatched)", err)
			iss, err := issuer.New(m.DSCKey, m.DSC, issuer.WithClock(func() time.Time { return at.AddDate(10, 0, 0) }))
			if err != nil {
				t.Fatal(err)
			}
			_, err = iss.Issue(testvectors.SamplePayload(credential.TypeVaccination, m.Country))
			if err == nil {
				t.Fatal("issued outside the DSC's validity")
			}
			leak.check(t, "Issue(outside validity)", err)
			for _, alg := range []hcert.Algorithm{hcert.ES384, hcert.PS256, hcert.ES256, 0, -8} {
				if _, err := hcert.Sign(nil, m.DSCKey, alg, m.TrustKey.KID, []byte{0xa0}); err != nil {
					leak.check(t, fmt.Sprintf("hcert.Sign(%v)", alg), err)
				}
			}

			// Verifier verdicts on credentials this key signed.
			out, err := m.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, m.Country))
			if err != nil {
				t.Fatal(err)
			}
			verifiers := map[string]trustlist.Source{
				"its own key":       trustlist.NewStatic(m.TrustKey),
				"another key":       trustlist.NewStatic(withKID(other.TrustKey, m.TrustKey.KID)),
				"no key":            trustlist.NewStatic(),
				"test-only usage":   trustlist.NewStatic(withUsage(m.TrustKey, trustlist.UsageTest)),
				"revoked":           trustlist.NewStatic(withRevoked(m.TrustKey)),
				"another country's": trustlist.NewStatic(other.TrustKey),
			}
			texts := []string{out.Text, out.Text[:len(out.Text)-3], strings.Replace(out.Text, out.Text[40:41], "A", 1), out.Text + "0"}
			refused := 0
			for name, trust := range verifiers {
				for _, clock := range []time.Time{at.Add(time.Hour), at.AddDate(5, 0, 0), at.AddDate(-1, 0, 0)} {
					v, err := verifier.New(trust, verifier.WithClock(func() time.Time { return clock }))
					if err != nil {
						t.Fatal(err)
					}
					for _, text := range texts {
						if _, err := v.Verify(text); err != nil {
							refused++
							leak.check(t, "Verify with "+name, err)
							leak.check(t, "Verdict with "+name, errors.New(fmt.Sprintf("%+v", verifier.NewVerdict(nil, err))))
						}
					}
				}
			}
			if refused == 0 {
				t.Fatal("nothing was refused: the test exercises nothing")
			}
			// The key file itself given to the verifier by mistake, whole
			// or line by line (as the CLI and the scanner read input).
			v, err := verifier.New(trustlist.NewStatic(m.TrustKey))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range append(strings.Split(string(pemData), "\n"), string(pemData)) {
				if _, err := v.Verify(line); err != nil {
					leak.check(t, fmt.Sprintf("Verify(key file line %.12q…)", line), err)
				}
			}
		})
	}
}

func withKID(k *trustlist.Key, kid []byte) *trustlist.Key {
	c := *k
	c.KID = kid
	return &c
}

func withUsage(k *trustlist.Key, u trustlist.Usage) *trustlist.Key {
	c := *k
	c.Usage = u
	return &c
}

func withRevoked(k *trustlist.Key) *trustlist.Key {
	c := *k
	c.Revoked, c.RevocationReason = true, "key compromise"
	return &c
}
