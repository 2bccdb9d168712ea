package shc_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/shc"
)

var b64 = base64.RawURLEncoding

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zlibCompress(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// craft builds a compact JWS from a header, an already encoded payload,
// and a signature by k (r‖s) over the signing input.
func craft(header string, payload []byte, k *ecdsa.PrivateKey) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

func header(k *ecdsa.PrivateKey) string {
	return `{"zip":"DEF","alg":"ES256","kid":"` + kidOf(k) + `"}`
}

const goodClaims = `{"iss":"` + issA + `","nbf":1767323045.678,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":` + sampleBundle + `}}}`

func TestCraftedCardVerifies(t *testing.T) {
	c, err := shc.Decode(craft(header(keyA()), deflate([]byte(goodClaims)), keyA()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(&keyA().PublicKey); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.NotBefore.Equal(sampleNbf) {
		t.Errorf("nbf %v, want %v", c.NotBefore, sampleNbf)
	}
}

// TestBadInput is the table of inputs Decode must refuse, with the reason
// and, where the reason is only the nearest one, the sentinel.
func TestBadInput(t *testing.T) {
	k := keyA()
	h := header(k)
	kid := kidOf(k)
	good := craft(h, deflate([]byte(goodClaims)), k)
	qr := must(shc.EncodeQR(good))
	hp, _, _ := strings.Cut(good, ".")
	sigPart := good[strings.LastIndexByte(good, '.')+1:]
	claims := func(old, new string) []byte {
		if !strings.Contains(goodClaims, old) {
			panic(old)
		}
		return deflate([]byte(strings.Replace(goodClaims, old, new, 1)))
	}
	bomb := deflate(make([]byte, shc.MaxInflated+1))
	cases := []struct {
		name   string
		text   string
		reason credential.Reason
		is     error
	}{
		{"empty", "", credential.ReasonBadPrefix, nil},
		{"upper-case prefix", "SHC:/" + qr[5:], credential.ReasonBadPrefix, nil},
		{"leading space", " " + qr, credential.ReasonBadPrefix, nil},
		{"trailing newline", qr + "\n", credential.ReasonBadPrefix, shc.ErrQRText},
		{"other format", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IU", credential.ReasonBadPrefix, nil},
		{"prefix only", "shc:/", credential.ReasonBadPrefix, shc.ErrQRText},
		{"odd digits", qr[:len(qr)-1], credential.ReasonBadPrefix, shc.ErrQRText},
		{"pair above 77", "shc:/78" + qr[7:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"non-digit", "shc:/5a" + qr[7:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"chunk 1 of 2", "shc:/1/2/" + qr[5:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"chunk index 0", "shc:/0/1/" + qr[5:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"chunk leading zero", "shc:/01/1/" + qr[5:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"chunk index above count", "shc:/2/1/" + qr[5:], credential.ReasonBadPrefix, shc.ErrQRText},
		{"chunk header without body", "shc:/1/1", credential.ReasonBadPrefix, shc.ErrQRText},
		{"text too long", "shc:/" + strings.Repeat("56", shc.MaxTextLen), credential.ReasonTooLarge, nil},
		{"two parts", hp + "." + sigPart[:10], credential.ReasonBadPrefix, nil},
		{"four parts", good + ".eyJ", credential.ReasonBadPrefix, nil},
		{"empty payload", hp + ".." + sigPart, credential.ReasonBadClaims, shc.ErrJWS},
		{"padding", good + "==", credential.ReasonBadClaims, shc.ErrJWS},
		{"standard base64", good[:len(good)-1] + "+", credential.ReasonBadClaims, shc.ErrJWS},
		{"header not JSON", craft(`{"zip":"DEF",`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"header duplicate alg", craft(`{"zip":"DEF","alg":"ES256","alg":"none","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"header alg not a string", craft(`{"zip":"DEF","alg":1,"kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"no alg", craft(`{"zip":"DEF","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"alg none", craft(`{"zip":"DEF","alg":"none","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonUnsupportedAlg, nil},
		{"alg ES256K", craft(`{"zip":"DEF","alg":"ES256K","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonUnsupportedAlg, nil},
		{"alg HS256", craft(`{"zip":"DEF","alg":"HS256","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonUnsupportedAlg, nil},
		{"alg case", craft(`{"zip":"DEF","alg":"es256","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonUnsupportedAlg, nil},
		{"no zip", craft(`{"alg":"ES256","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadCompression, nil},
		{"zip GZIP", craft(`{"zip":"GZIP","alg":"ES256","kid":"`+kid+`"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadCompression, nil},
		{"no kid", craft(`{"zip":"DEF","alg":"ES256"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"empty kid", craft(`{"zip":"DEF","alg":"ES256","kid":""}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"kid with #", craft(`{"zip":"DEF","alg":"ES256","kid":"a#b"}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"crit", craft(`{"zip":"DEF","alg":"ES256","kid":"`+kid+`","crit":["b64"],"b64":false}`, deflate([]byte(goodClaims)), k), credential.ReasonBadClaims, shc.ErrJWS},
		{"empty signature", hp + "." + strings.Split(good, ".")[1] + ".", credential.ReasonBadClaims, shc.ErrJWS},
		{"short signature", good[:len(good)-3], credential.ReasonBadClaims, shc.ErrJWS},
		{"long signature", good + "AAAA", credential.ReasonBadClaims, shc.ErrJWS},
		{"plain payload", craft(h, []byte(goodClaims), k), credential.ReasonBadCompression, nil},
		{"zlib payload", craft(h, zlibCompress([]byte(goodClaims)), k), credential.ReasonBadCompression, nil},
		{"truncated deflate", craft(h, deflate([]byte(goodClaims))[:40], k), credential.ReasonBadCompression, nil},
		{"bytes after deflate", craft(h, append(deflate([]byte(goodClaims)), 0, 1), k), credential.ReasonBadCompression, nil},
		{"deflate bomb", craft(h, bomb, k), credential.ReasonTooLarge, nil},
		{"BOM", craft(h, deflate(append([]byte("\xef\xbb\xbf"), goodClaims...)), k), credential.ReasonBadClaims, nil},
		{"leading space", craft(h, deflate([]byte(" "+goodClaims)), k), credential.ReasonBadClaims, nil},
		{"trailing newline", craft(h, deflate([]byte(goodClaims+"\n")), k), credential.ReasonBadClaims, nil},
		{"two objects", craft(h, deflate([]byte(goodClaims+goodClaims)), k), credential.ReasonBadClaims, nil},
		{"array", craft(h, deflate([]byte(`[`+goodClaims+`]`)), k), credential.ReasonBadClaims, nil},
		{"invalid UTF-8", craft(h, claims("Tester", "Test\xff"), k), credential.ReasonBadClaims, nil},
		{"duplicate iss", craft(h, claims(`"nbf"`, `"iss":"https://evil.example","nbf"`), k), credential.ReasonBadClaims, nil},
		{"duplicate deep", craft(h, claims(`"birthDate":"1990-02-03"`, `"birthDate":"1990-02-03","birthDate":"2000-01-01"`), k), credential.ReasonBadClaims, nil},
		{"too deep", craft(h, claims(`"nbf"`, `"x":`+strings.Repeat("[", 70)+strings.Repeat("]", 70)+`,"nbf"`), k), credential.ReasonBadClaims, nil},
		{"no iss", craft(h, claims(`"iss":"`+issA+`",`, ``), k), credential.ReasonBadClaims, nil},
		{"iss case", craft(h, claims(`"iss"`, `"ISS"`), k), credential.ReasonBadClaims, nil},
		{"iss number", craft(h, claims(`"`+issA+`"`, `42`), k), credential.ReasonBadClaims, nil},
		{"nbf string", craft(h, claims(`1767323045.678`, `"1767323045"`), k), credential.ReasonBadClaims, nil},
		{"nbf negative", craft(h, claims(`1767323045.678`, `-1`), k), credential.ReasonBadClaims, nil},
		{"nbf huge", craft(h, claims(`1767323045.678`, `1e300`), k), credential.ReasonBadClaims, nil},
		{"nbf too many digits", craft(h, claims(`1767323045.678`, `12345678901234567890`), k), credential.ReasonBadClaims, nil},
		{"exp null", craft(h, claims(`"nbf"`, `"exp":null,"nbf"`), k), credential.ReasonBadClaims, nil},
		{"vc not an object", craft(h, deflate([]byte(`{"iss":"`+issA+`","nbf":1,"vc":[]}`)), k), credential.ReasonBadClaims, nil},
		{"vc.type a string", craft(h, claims(`["https://smarthealth.cards#health-card"]`, `"https://smarthealth.cards#health-card"`), k), credential.ReasonBadClaims, nil},
		{"vc.rid a number", craft(h, claims(`"credentialSubject"`, `"rid":5,"credentialSubject"`), k), credential.ReasonBadClaims, nil},
		{"fhirBundle a string", craft(h, deflate([]byte(`{"iss":"`+issA+`","nbf":1,"vc":{"type":[],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":"x"}}}`)), k), credential.ReasonBadClaims, nil},
		{"credentialSubject null", craft(h, deflate([]byte(`{"iss":"`+issA+`","nbf":1,"vc":{"credentialSubject":null}}`)), k), credential.ReasonBadClaims, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := shc.Decode(tc.text)
			if err == nil {
				t.Fatalf("accepted (iss %q)", c.Issuer)
			}
			if c != nil {
				t.Fatal("returned a card and an error")
			}
			ce := checkErr(t, tc.name, err)
			if ce.Reason != tc.reason {
				t.Errorf("reason %s (%v), want %s", ce.Reason, err, tc.reason)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v does not wrap %v", err, tc.is)
			}
		})
	}
}

// TestValidate is the table of claims that decode but whose content is
// refused once the signature has been checked.
func TestValidate(t *testing.T) {
	cases := []struct {
		name, old, new string
		reason         credential.Reason
	}{
		{"http issuer", `"https://issuer-a`, `"http://issuer-a`, credential.ReasonBadClaims},
		{"trailing slash", `/shc"`, `/shc/"`, credential.ReasonBadClaims},
		{"query", `/shc"`, `/shc?x=1"`, credential.ReasonBadClaims},
		{"fragment", `/shc"`, `/shc#k"`, credential.ReasonBadClaims},
		{"user", `https://issuer-a`, `https://u@issuer-a`, credential.ReasonBadClaims},
		{"no host", `https://issuer-a.example/shc`, `https:///shc`, credential.ReasonBadClaims},
		{"no nbf", `"nbf":1767323045.678,`, ``, credential.ReasonBadClaims},
		{"no health-card type", `["https://smarthealth.cards#health-card"]`, `["https://smarthealth.cards#immunization"]`, credential.ReasonSchema},
		{"type case", `#health-card`, `#Health-Card`, credential.ReasonSchema},
		{"no fhirVersion", `"fhirVersion":"4.0.1",`, ``, credential.ReasonSchema},
		{"no bundle", `,"fhirBundle":` + sampleBundle, ``, credential.ReasonSchema},
		{"not a Bundle", `{"resourceType":"Bundle"`, `{"resourceType":"Patient"`, credential.ReasonSchema},
		{"rid too long", `"credentialSubject"`, `"rid":"` + strings.Repeat("a", 25) + `","credentialSubject"`, credential.ReasonSchema},
		{"rid not base64url", `"credentialSubject"`, `"rid":"a+b","credentialSubject"`, credential.ReasonSchema},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(goodClaims, tc.old) {
				t.Fatalf("%q not in the claims", tc.old)
			}
			c, err := shc.ParseClaims([]byte(strings.Replace(goodClaims, tc.old, tc.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			if ce := checkErr(t, tc.name, err); ce.Reason != tc.reason {
				t.Errorf("reason %s (%v), want %s", ce.Reason, err, tc.reason)
			}
			if _, err := c.Credential(); err == nil {
				t.Error("Credential accepted claims that Validate refuses")
			}
		})
	}
	// Unknown and deprecated types are ignored.
	c := must(shc.ParseClaims([]byte(strings.Replace(goodClaims, `#health-card"]`, `#health-card","VerifiableCredential","https://example.org#x"]`, 1))))
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestNumericDates(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"1687450764.656", time.Unix(1687450764, 656e6)},
		{"1687450764.6", time.Unix(1687450764, 600e6)},
		{"1687450764", time.Unix(1687450764, 0)},
		{"1687450764.0000000019", time.Unix(1687450764, 1)},
		{"0", time.Unix(0, 0)},
		{"1.6874507646e9", time.Unix(1687450764, 600e6)},
		{"1618554442496", time.Unix(1618554442496, 0)}, // milliseconds: far future
	} {
		c, err := shc.ParseClaims([]byte(`{"iss":"x","nbf":` + tc.in + `}`))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !c.NotBefore.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.in, c.NotBefore, tc.want.UTC())
		}
	}
}

func TestCheckTime(t *testing.T) {
	nbf := time.Unix(1000, 500e6)
	exp := time.Unix(2000, 0)
	c := &shc.Claims{NotBefore: nbf, ExpiresAt: exp}
	for _, tc := range []struct {
		at   time.Time
		want credential.Reason
	}{
		{nbf.Add(-time.Millisecond), credential.ReasonNotYetValid},
		{nbf, ""},
		{exp.Add(-time.Nanosecond), ""},
		{exp, credential.ReasonExpired},
		{exp.Add(time.Hour), credential.ReasonExpired},
	} {
		err := c.CheckTime(tc.at)
		var ce *credential.Error
		if tc.want == "" && err != nil || tc.want != "" && (!errors.As(err, &ce) || ce.Reason != tc.want) {
			t.Errorf("at %v: %v, want %q", tc.at, err, tc.want)
		}
	}
	noExp := &shc.Claims{NotBefore: nbf}
	if err := noExp.CheckTime(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("a card without exp expired: %v", err)
	}
}

// TestLimits checks that a Decoder's limits lower the defaults.
func TestLimits(t *testing.T) {
	jws, qr := signSample(t, keyA(), issA, nil)
	if _, err := (&shc.Decoder{MaxTextLen: len(qr) - 1}).Decode(qr); !isReason(err, credential.ReasonTooLarge) {
		t.Errorf("MaxTextLen: %v", err)
	}
	if _, err := (&shc.Decoder{MaxTextLen: len(qr) * 2}).Decode(qr); err != nil {
		t.Errorf("a larger MaxTextLen: %v", err)
	}
	if _, err := (&shc.Decoder{MaxInflated: 100}).Decode(jws); !isReason(err, credential.ReasonTooLarge) {
		t.Errorf("MaxInflated: %v", err)
	}
	if _, err := (&shc.Decoder{MaxFileLen: 100}).ParseFile(shc.MarshalFile(jws)); !isReason(err, credential.ReasonTooLarge) {
		t.Errorf("MaxFileLen: %v", err)
	}
	if _, err := (&shc.Decoder{MaxFileLen: 100}).DecodeJWS(jws); !isReason(err, credential.ReasonTooLarge) {
		t.Errorf("MaxFileLen on DecodeJWS: %v", err)
	}
}

func isReason(err error, r credential.Reason) bool {
	var ce *credential.Error
	return errors.As(err, &ce) && ce.Reason == r
}

func TestParseFile(t *testing.T) {
	jwsA, _ := signSample(t, keyA(), issA, nil)
	jwsB, _ := signSample(t, keyB(), issB, nil)
	cards, err := shc.ParseFile(shc.MarshalFile(jwsA, jwsB))
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 || cards[0].Issuer != issA || cards[1].Issuer != issB {
		t.Fatalf("cards %v", cards)
	}
	many := make([]string, shc.MaxFileCards+1)
	for i := range many {
		many[i] = "x"
	}
	for name, data := range map[string][]byte{
		"empty":               []byte(``),
		"no list":             []byte(`{"vc":[]}`),
		"empty list":          []byte(`{"verifiableCredential":[]}`),
		"not strings":         []byte(`{"verifiableCredential":[1]}`),
		"string":              []byte(`{"verifiableCredential":"` + jwsA + `"}`),
		"duplicate member":    []byte(`{"verifiableCredential":["` + jwsA + `"],"verifiableCredential":["` + jwsB + `"]}`),
		"trailing newline":    append(shc.MarshalFile(jwsA), '\n'),
		"bad second card":     shc.MarshalFile(jwsA, jwsB[:len(jwsB)-2]),
		"too many cards":      shc.MarshalFile(many...),
		"QR text, not a JWS":  shc.MarshalFile(must(shc.EncodeQR(jwsA))),
		"array, not a object": []byte(`["` + jwsA + `"]`),
	} {
		if _, err := shc.ParseFile(data); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			checkErr(t, name, err)
		}
	}
}

func TestEncodeQR(t *testing.T) {
	jws, qr := signSample(t, keyA(), issA, nil)
	if got := must(shc.EncodeQR(jws)); got != qr {
		t.Fatal("EncodeQR differs from Sign's QR text")
	}
	c, err := shc.Decode(qr)
	if err != nil || c.JWS != jws {
		t.Fatalf("Decode(EncodeQR) = %v", err)
	}
	// The needless chunk header 1/1 is accepted.
	if c, err := shc.Decode("shc:/1/1/" + qr[5:]); err != nil || c.JWS != jws {
		t.Errorf("shc:/1/1/: %v", err)
	}
	if _, err := shc.EncodeQR(strings.Repeat("a", shc.MaxQRJWSLen+1)); !isReason(err, credential.ReasonTooLarge) {
		t.Errorf("long JWS: %v", err)
	}
	if _, err := shc.EncodeQR("a b"); err == nil {
		t.Error("a space was encoded")
	}
	// Every character '-' … 'z' round-trips.
	var all []byte
	for c := byte('-'); c <= 'z'; c++ {
		all = append(all, c)
	}
	text := must(shc.EncodeQR(string(all)))
	if !strings.HasPrefix(text, "shc:/0001") || !strings.HasSuffix(text, "7677") {
		t.Errorf("numeric text %s", text)
	}
}
