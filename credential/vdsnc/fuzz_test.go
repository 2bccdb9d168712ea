package vdsnc_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/vdsnc"
)

// FuzzDecode checks, for any text, that Decode does not panic, returns a
// seal or a *credential.Error with a known reason (never both), and that a
// decoded seal is self-consistent: Canonical is the JCS of Data (and a
// fixed point of JCS), Data is part of the text, the header is valid,
// exactly the message of its type is set, Credential succeeds, and the
// signature and chain checks end in a reason, not a panic. The corpus is
// seeded with every vector seal and seals of our own.
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"au-ios", "au-android", "au-android/example-app", "ddcc-validator"} {
		paths, _ := filepath.Glob(filepath.Join(vectorDir, dir, "*.json"))
		paths = append(paths, filepath.Join(vectorDir, dir, "ICAOAUQR1Contents.txt"))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	p := newPKI(f, pkiOptions{})
	f.Add(p.seal(f, sampleVacc))
	f.Add(p.seal(f, sampleTest))
	f.Add(`{"isThisAVDS": false}`)
	f.Add(`{"data":{"hdr":{"t":"icao.vacc","v":1,"is":"AUS"},"msg":{}},"sig":{}}`)

	known := credential.Reasons()
	cscas := []*vdsnc.CSCA{p.csca}
	crls := [][]byte{p.crl}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := vdsnc.Decode(text)
		if err != nil {
			var ce *credential.Error
			if s != nil || !errors.As(err, &ce) || !slices.Contains(known, ce.Reason) {
				t.Fatalf("seal %v with error %v", s, err)
			}
			if !errors.Is(err, credential.ErrMalformed) {
				t.Fatalf("decode error %v is not malformed", err)
			}
			return
		}
		if !strings.Contains(text, string(s.Data)) {
			t.Fatal("Data is not part of the text")
		}
		canon, err := jcs.Transform(s.Data)
		if err != nil || !bytes.Equal(canon, s.Canonical) {
			t.Fatalf("Canonical is not JCS(Data): %v", err)
		}
		if again, err := jcs.Transform(s.Canonical); err != nil || !bytes.Equal(again, s.Canonical) {
			t.Fatalf("JCS is not idempotent: %v", err)
		}
		if s.Header.Version != 1 || len(s.Header.Country) != 3 || s.BSC == nil || len(s.Signature) == 0 {
			t.Fatalf("header %+v", s.Header)
		}
		if (s.Vaccination != nil) == (s.Test != nil) ||
			s.Vaccination != nil && s.Header.Type != vdsnc.TypeVaccination ||
			s.Test != nil && s.Header.Type != vdsnc.TypeTest {
			t.Fatalf("type %s with messages %v / %v", s.Header.Type, s.Vaccination, s.Test)
		}
		c, err := s.Credential()
		if err != nil || c.Format != credential.FormatVDSNC || (c.Vaccination != nil) == (c.Test != nil) {
			t.Fatalf("Credential: %+v, %v", c, err)
		}
		for _, err := range []error{s.VerifySignature(), second(s.VerifyChain(cscas, crls, testNow))} {
			var ce *credential.Error
			if err != nil && (!errors.As(err, &ce) || !slices.Contains(known, ce.Reason)) {
				t.Fatalf("verification error without a known reason: %v", err)
			}
		}
	})
}

func second[A, B any](_ A, b B) B { return b }
