package vdsnc_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// sealWith returns a syntactically complete seal around data and sig
// members given as JSON text; the signature is not valid.
func sealWith(data, sig string) string {
	return `{"data":` + data + `,"sig":` + sig + `}`
}

// goodSig is a sig member with a real BSC and a dummy signature.
func goodSig(t *testing.T) string {
	t.Helper()
	p := newPKI(t, pkiOptions{})
	return `{"alg":"ES256","cer":"` + base64.RawURLEncoding.EncodeToString(p.bsc.Raw) + `","sigvl":"` + strings.Repeat("A", 86) + `"}`
}

// TestDecodeBadInput is the table of inputs Decode refuses, with the
// reason each must get.
func TestDecodeBadInput(t *testing.T) {
	sig := goodSig(t)
	hdr := `{"t":"icao.vacc","v":1,"is":"AUS"}`
	msg := `{"uvci":"U1","pid":{"n":"A  B"},"ve":[{"des":"XM68M6","vd":[{"dvc":"2021-01-01","seq":1}]}]}`
	data := func(h, m string) string { return `{"hdr":` + h + `,"msg":` + m + `}` }
	withSig := func(s string) string { return sealWith(data(hdr, msg), s) }
	bsc := strings.Split(strings.Split(sig, `"cer":"`)[1], `"`)[0]

	for _, c := range []struct {
		name, text string
		want       credential.Reason
	}{
		{"empty", "", credential.ReasonBadPrefix},
		{"whitespace", " \n", credential.ReasonBadPrefix},
		{"HCERT text", "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE", credential.ReasonBadPrefix},
		{"JSON array", `[1,2]`, credential.ReasonBadPrefix},
		{"JSON string", `"data"`, credential.ReasonBadPrefix},
		{"not a VDS", `{"isThisAVDS": false}`, credential.ReasonBadPrefix},
		{"truncated", sealWith(data(hdr, msg), sig)[:100], credential.ReasonBadPrefix},
		{"trailing garbage", sealWith(data(hdr, msg), sig) + "x", credential.ReasonBadPrefix},
		{"two values", sealWith(data(hdr, msg), sig) + " {}", credential.ReasonBadPrefix},
		{"BOM", "\ufeff" + sealWith(data(hdr, msg), sig), credential.ReasonBadPrefix},
		{"too large", sealWith(data(hdr, msg), sig) + strings.Repeat(" ", vdsnc.MaxTextLen), credential.ReasonTooLarge},
		{"invalid UTF-8", sealWith(data(hdr, strings.Replace(msg, "A  B", "A  \xff", 1)), sig), credential.ReasonBadClaims},
		{"duplicate top-level", `{"data":` + data(hdr, msg) + `,"data":` + data(hdr, msg) + `,"sig":` + sig + `}`, credential.ReasonBadClaims},
		{"duplicate escaped", `{"data":` + data(hdr, msg) + `,"d\u0061ta":` + data(hdr, msg) + `,"sig":` + sig + `}`, credential.ReasonBadClaims},
		{"duplicate in msg", sealWith(data(hdr, strings.Replace(msg, `"uvci":"U1"`, `"uvci":"U1","uvci":"U2"`, 1)), sig), credential.ReasonBadClaims},
		{"duplicate in hdr", sealWith(data(`{"t":"icao.vacc","v":1,"is":"AUS","is":"NZL"}`, msg), sig), credential.ReasonBadClaims},
		{"too deep", sealWith(data(hdr, strings.Replace(msg, `"U1"`, `"U1","x":`+strings.Repeat("[", 20)+strings.Repeat("]", 20), 1)), sig), credential.ReasonBadClaims},
		{"unknown top-level member", `{"data":` + data(hdr, msg) + `,"sig":` + sig + `,"x":1}`, credential.ReasonBadClaims},
		{"no sig", `{"data":` + data(hdr, msg) + `}`, credential.ReasonBadClaims},
		{"no data", `{"sig":` + sig + `}`, credential.ReasonBadClaims},
		{"case-folded member", `{"Data":` + data(hdr, msg) + `,"sig":` + sig + `}`, credential.ReasonBadClaims},
		{"data null", sealWith(`null`, sig), credential.ReasonBadClaims},
		{"data array", sealWith(`[]`, sig), credential.ReasonBadClaims},
		{"unknown data member", sealWith(`{"hdr":`+hdr+`,"msg":`+msg+`,"x":1}`, sig), credential.ReasonBadClaims},
		{"no hdr", sealWith(`{"msg":`+msg+`}`, sig), credential.ReasonBadClaims},
		{"no msg", sealWith(`{"hdr":`+hdr+`}`, sig), credential.ReasonBadClaims},
		{"unknown hdr member", sealWith(data(`{"t":"icao.vacc","v":1,"is":"AUS","x":1}`, msg), sig), credential.ReasonBadClaims},
		{"T for t", sealWith(data(`{"T":"icao.vacc","v":1,"is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"unknown type", sealWith(data(`{"t":"icao.visa","v":1,"is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"type not a string", sealWith(data(`{"t":1,"v":1,"is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"version 2", sealWith(data(`{"t":"icao.vacc","v":2,"is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"version 1.0", sealWith(data(`{"t":"icao.vacc","v":1.0,"is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"version string", sealWith(data(`{"t":"icao.vacc","v":"1","is":"AUS"}`, msg), sig), credential.ReasonBadClaims},
		{"two-letter issuer", sealWith(data(`{"t":"icao.vacc","v":1,"is":"AU"}`, msg), sig), credential.ReasonBadClaims},
		{"lower-case issuer", sealWith(data(`{"t":"icao.vacc","v":1,"is":"aus"}`, msg), sig), credential.ReasonBadClaims},
		{"issuer not a string", sealWith(data(`{"t":"icao.vacc","v":1,"is":null}`, msg), sig), credential.ReasonBadClaims},
		{"sig not an object", sealWith(data(hdr, msg), `"x"`), credential.ReasonBadClaims},
		{"unknown sig member", withSig(strings.Replace(sig, `"alg"`, `"kid":"x","alg"`, 1)), credential.ReasonBadClaims},
		{"no sigvl", withSig(`{"alg":"ES256","cer":"` + bsc + `"}`), credential.ReasonBadClaims},
		{"alg not a string", withSig(strings.Replace(sig, `"ES256"`, `-7`, 1)), credential.ReasonBadClaims},
		{"cer standard base64", withSig(strings.Replace(sig, bsc, base64.StdEncoding.EncodeToString(must(base64.RawURLEncoding.DecodeString(bsc))), 1)), credential.ReasonBadClaims},
		{"cer with a newline", withSig(strings.Replace(sig, bsc, bsc[:40]+`\n`+bsc[40:], 1)), credential.ReasonBadClaims},
		{"cer not a certificate", withSig(strings.Replace(sig, bsc, "AAAA", 1)), credential.ReasonBadClaims},
		{"cer empty", withSig(strings.Replace(sig, bsc, "", 1)), credential.ReasonBadClaims},
		{"sigvl not base64url", withSig(strings.Replace(sig, strings.Repeat("A", 86), "!!!!", 1)), credential.ReasonBadClaims},
		{"sigvl too long", withSig(strings.Replace(sig, strings.Repeat("A", 86), strings.Repeat("A", 200), 1)), credential.ReasonBadClaims},
		{"number beyond float64", sealWith(data(hdr, strings.Replace(msg, `"U1"`, `"U1","x":1e400`, 1)), sig), credential.ReasonBadClaims},
		{"lone surrogate", sealWith(data(hdr, strings.Replace(msg, `"U1"`, `"U1\ud800"`, 1)), sig), credential.ReasonBadClaims},
		{"msg not an object", sealWith(data(hdr, `[]`), sig), credential.ReasonSchema},
		{"no uvci", sealWith(data(hdr, strings.Replace(msg, `"uvci":"U1",`, ``, 1)), sig), credential.ReasonSchema},
		{"empty uvci", sealWith(data(hdr, strings.Replace(msg, `"U1"`, `""`, 1)), sig), credential.ReasonSchema},
		{"no pid", sealWith(data(hdr, `{"uvci":"U1","ve":[{"vd":[{"dvc":"2021-01-01","seq":1}]}]}`), sig), credential.ReasonSchema},
		{"name not a string", sealWith(data(hdr, strings.Replace(msg, `"A  B"`, `["A","B"]`, 1)), sig), credential.ReasonSchema},
		{"no ve", sealWith(data(hdr, `{"uvci":"U1","pid":{"n":"A  B"}}`), sig), credential.ReasonSchema},
		{"empty ve", sealWith(data(hdr, `{"uvci":"U1","pid":{"n":"A  B"},"ve":[]}`), sig), credential.ReasonSchema},
		{"empty vd", sealWith(data(hdr, `{"uvci":"U1","pid":{"n":"A  B"},"ve":[{"vd":[]}]}`), sig), credential.ReasonSchema},
		{"ve entry not an object", sealWith(data(hdr, `{"uvci":"U1","pid":{"n":"A  B"},"ve":[1]}`), sig), credential.ReasonSchema},
		{"no dvc", sealWith(data(hdr, strings.Replace(msg, `"dvc":"2021-01-01",`, ``, 1)), sig), credential.ReasonSchema},
		{"seq 1.0", sealWith(data(hdr, strings.Replace(msg, `"seq":1`, `"seq":1.0`, 1)), sig), credential.ReasonSchema},
		{"seq negative", sealWith(data(hdr, strings.Replace(msg, `"seq":1`, `"seq":-1`, 1)), sig), credential.ReasonSchema},
		{"seq null", sealWith(data(hdr, strings.Replace(msg, `"seq":1`, `"seq":null`, 1)), sig), credential.ReasonSchema},
		{"seq leading zero string", sealWith(data(hdr, strings.Replace(msg, `"seq":1`, `"seq":"01"`, 1)), sig), credential.ReasonSchema},
		{"test without tr", sealWith(data(`{"t":"icao.test","v":1,"is":"AUS"}`, `{"utci":"U1","pid":{"n":"A  B"},"dat":{"sc":"x"}}`), sig), credential.ReasonSchema},
		{"vacc message under test type", sealWith(data(`{"t":"icao.test","v":1,"is":"AUS"}`, msg), sig), credential.ReasonSchema},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := vdsnc.Decode(c.text)
			if s != nil || err == nil {
				t.Fatalf("accepted")
			}
			if got := reasonOf(t, err); got != c.want {
				t.Fatalf("reason %s (%v), want %s", got, err, c.want)
			}
			if !errors.Is(err, credential.ErrMalformed) {
				t.Fatalf("%v is not malformed", err)
			}
		})
	}
	t.Run("the table's base seal decodes", func(t *testing.T) {
		if _, err := vdsnc.Decode(sealWith(data(hdr, msg), sig)); err != nil {
			t.Fatal(err)
		}
		if _, err := vdsnc.Decode(" \n\t" + sealWith(data(hdr, msg), sig) + "\r\n"); err != nil {
			t.Fatalf("surrounding whitespace: %v", err)
		}
		s, err := vdsnc.Decode(sealWith(data(hdr, strings.Replace(msg, `"seq":1`, `"seq":"1"`, 1)), sig))
		if err != nil || s.Vaccination.Events[0].Doses[0].Seq != 1 {
			t.Fatalf("seq as a string of digits: %v", err)
		}
		if _, err := vdsnc.Decode(sealWith(data(`{"t":"icao.vacc","v":1,"is":"D<<"}`, msg), sig)); err != nil {
			t.Fatalf("ICAO code D<<: %v", err)
		}
	})
}

// TestDecodeKeepsUnknownMessageMembers checks that members the package
// does not read are allowed in msg (they are signed) and kept in Data.
func TestDecodeKeepsUnknownMessageMembers(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	body := strings.Replace(sampleVacc, `"uvci"`, `"x-extra":{"z":[1,2]},"uvci"`, 1)
	text := p.seal(t, body)
	s := must(vdsnc.Decode(text))
	if !strings.Contains(string(s.Data), "x-extra") {
		t.Fatal("unknown member dropped from Data")
	}
	if err := p.verify(text); err != nil {
		t.Fatal(err)
	}
}

// TestNotASealRefused checks the non-VDS JSON of the vector sets.
func TestNotASealRefused(t *testing.T) {
	for _, f := range []string{"au-ios/not-a-seal.json", "au-android/not-a-seal.json"} {
		_, err := vdsnc.Decode(string(vectorFile(t, f)))
		if reasonOf(t, err) != credential.ReasonBadPrefix || !errors.Is(err, credential.ErrMalformed) {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// TestTamperedSealRefused checks the tampered vector seals and tampering
// of our own: every change to data breaks the signature, while changes
// JCS removes (whitespace, member order, escapes) do not.
func TestTamperedSealRefused(t *testing.T) {
	for _, f := range []string{"au-ios/seal-tampered.json", "au-android/seal-tampered.json", "au-android/example-app/seal-tampered.json"} {
		s, err := vdsnc.Decode(string(vectorFile(t, f)))
		if err != nil {
			t.Fatalf("%s does not decode: %v", f, err)
		}
		if err := s.VerifySignature(); reasonOf(t, err) != credential.ReasonBadSignature || !errors.Is(err, credential.ErrUntrusted) {
			t.Fatalf("%s: %v", f, err)
		}
	}

	p := newPKI(t, pkiOptions{})
	text := p.seal(t, sampleVacc)
	for _, c := range []struct {
		name, old, new string
		ok             bool
	}{
		{"name", `CITIZEN  JANE`, `CITIZEN  JANX`, false},
		{"double space", `CITIZEN  JANE`, `CITIZEN JANE`, false},
		{"dose number", `"seq":2`, `"seq":3`, false},
		{"dose number as string", `"seq":2`, `"seq":"2"`, false},
		{"issuer", `"is":"AUS"`, `"is":"NZL"`, false},
		{"type", `"icao.vacc"`, `"icao.test"`, false},
		{"whitespace", `"msg":{`, "\"msg\" :\n\t{ ", true},
		{"member order", `"hdr":{"is":"AUS","t":"icao.vacc","v":1}`, `"hdr":{"v":1,"t":"icao.vacc","is":"AUS"}`, true},
		{"escape", `"XM68M6"`, `"XM68\u004d6"`, true},
		{"number spelling", `"seq":2`, `"seq":2.0`, false}, // schema refuses it before the signature
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(text, c.old) {
				t.Fatalf("seal has no %s", c.old)
			}
			err := p.verify(strings.Replace(text, c.old, c.new, 1))
			if (err == nil) != c.ok {
				t.Fatalf("got %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// TestCredentialTest checks the mapping of a proof of testing.
func TestCredentialTest(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	text := p.seal(t, sampleTest)
	if err := p.verify(text); err != nil {
		t.Fatal(err)
	}
	s := must(vdsnc.Decode(text))
	c := must(s.Credential())
	if c.Type != credential.TypeTest || c.Test == nil || c.Vaccination != nil || s.Vaccination != nil {
		t.Fatalf("credential %+v", c)
	}
	want := credential.Test{
		TestType: "molecular(PCR)", SampledAt: "2027-05-30T12:00:00+10:00", ResultAt: "2027-05-31T14:00:00+10:00",
		Result: "negative", Centre: "General Hospital", Country: "AU", Issuer: "Test BSC", ID: "U01932",
	}
	if *c.Test != want {
		t.Fatalf("test %+v\nwant %+v", *c.Test, want)
	}
	if c.Holder != (credential.Name{FamilyName: "COOK", FamilyNameStd: "COOK", GivenName: "GERALD", GivenNameStd: "GERALD"}) || c.DateOfBirth != "1990-01-29" {
		t.Fatalf("holder %+v %q", c.Holder, c.DateOfBirth)
	}
	if s.Test.Person.DocumentType != "P" || s.Test.Provider.Email != "genhosp@example.org" || s.Test.Result.Method != "nasopharyngeal" || s.Test.Optional != "ID12345" {
		t.Fatalf("PoT %+v", s.Test)
	}
}

// TestCredentialNames checks name splitting and the ICAO forms.
func TestCredentialNames(t *testing.T) {
	p := newPKI(t, pkiOptions{})
	for name, want := range map[string]credential.Name{
		"CITIZEN  JANE CATHERINE":   {FamilyName: "CITIZEN", FamilyNameStd: "CITIZEN", GivenName: "JANE CATHERINE", GivenNameStd: "JANE<CATHERINE"},
		"SMITH-JONES  ANN":          {FamilyName: "SMITH-JONES", FamilyNameStd: "SMITH<JONES", GivenName: "ANN", GivenNameStd: "ANN"},
		"O'NEIL  Mary":              {FamilyName: "O'NEIL", FamilyNameStd: "ONEIL", GivenName: "Mary", GivenNameStd: "MARY"},
		"MONONYM":                   {FamilyName: "MONONYM", FamilyNameStd: "MONONYM"},
		"Müller  Jürgen":            {FamilyName: "Müller", GivenName: "Jürgen"},
		"Cook Gerald":               {FamilyName: "Cook Gerald", FamilyNameStd: "COOK<GERALD"},
		"DE LA CRUZ  JUAN  CARLOS ": {FamilyName: "DE LA CRUZ", FamilyNameStd: "DE<LA<CRUZ", GivenName: "JUAN  CARLOS", GivenNameStd: "JUAN<<CARLOS"},
	} {
		body := strings.Replace(sampleVacc, "CITIZEN  JANE CATHERINE", name, 1)
		c := must(must(vdsnc.Decode(p.seal(t, body))).Credential())
		if c.Holder != want {
			t.Errorf("%q: %+v, want %+v", name, c.Holder, want)
		}
	}
}

// TestAlpha2 checks the country table.
func TestAlpha2(t *testing.T) {
	for in, want := range map[string]string{
		"AUS": "AU", "JPN": "JP", "NZL": "NZ", "GBR": "GB", "USA": "US", "CAN": "CA",
		"DEU": "DE", "D<<": "DE", "GBN": "GB", "RKS": "XK", "UTO": "UTO", "XXA": "XXA", "": "",
	} {
		if got := vdsnc.Alpha2(in); got != want {
			t.Errorf("Alpha2(%q) = %q, want %q", in, got, want)
		}
	}
}
