package testvectors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/internal/base45"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// DemoRow is one credential of the demo: issued, put in a QR code, read
// back and verified.
type DemoRow struct {
	Country   string
	Alg       string
	Type      credential.Type
	TextLen   int    // characters of HC1 text
	QRVersion int    // QR code version (size)
	QRFile    string // PNG written
	Decoded   bool   // the PNG read back to the same text
	Valid     bool   // verified
	Reason    string // refusal reason when not valid
	Expected  bool   // the outcome is the expected one
}

// DemoReport is the outcome of RunDemo.
type DemoReport struct {
	Dir  string
	Rows []DemoRow
	// Tampered shows rejections of altered credentials: one character of
	// the QR text changed, and one byte of the signed payload changed.
	Tampered []DemoRow
}

// OK reports whether every row came out as expected.
func (r *DemoReport) OK() bool {
	for _, rows := range [][]DemoRow{r.Rows, r.Tampered} {
		for _, row := range rows {
			if !row.Expected {
				return false
			}
		}
	}
	return len(r.Rows) > 0
}

// RunDemo runs the whole job of the project on a fresh federation in dir:
// for each member country it creates a CSCA and a DSC (key files written
// with mode 0600), issues one credential of each type, writes its QR PNG,
// decodes the PNG back, and verifies it against a trust source loaded from
// the DSC certificates written in dir. It then shows that tampered
// credentials are refused. now is the clock (time.Now when nil).
func RunDemo(dir string, now func() time.Time) (*DemoReport, error) {
	if now == nil {
		now = time.Now
	}
	algs := map[string]string{"GB": "PS256", "CA": "PS256"}
	fed, err := NewFederation(FederationOptions{Alg: algs, Now: now})
	if err != nil {
		return nil, err
	}
	rep := &DemoReport{Dir: dir}
	for _, m := range fed.Members {
		base := filepath.Join(dir, m.Country)
		if err := issuer.WriteKeyFile(base+"-csca.key", m.CSCAKey); err != nil {
			return nil, err
		}
		if err := issuer.WriteKeyFile(base+"-dsc.key", m.DSCKey); err != nil {
			return nil, err
		}
		if err := os.WriteFile(base+"-csca.crt", issuer.MarshalCertificatePEM(m.CSCA), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(base+"-dsc.crt", issuer.MarshalCertificatePEM(m.DSC), 0o644); err != nil {
			return nil, err
		}
	}
	// The verifier trusts what is on disk, as a real deployment would.
	trust, err := trustlist.LoadPEM(dscFiles(dir, fed)...)
	if err != nil {
		return nil, err
	}
	v, err := verifier.New(trust, verifier.WithClock(now))
	if err != nil {
		return nil, err
	}
	var sample *issuer.Issued
	for _, m := range fed.Members {
		// Sign with the key read back from its file, as the CLI would.
		key, err := issuer.LoadKeyFile(filepath.Join(dir, m.Country+"-dsc.key"))
		if err != nil {
			return nil, err
		}
		iss, err := issuer.New(key, m.DSC, issuer.WithClock(now))
		if err != nil {
			return nil, err
		}
		for _, t := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
			row := DemoRow{Country: m.Country, Alg: iss.Algorithm().String(), Type: t}
			out, err := iss.Issue(SamplePayload(t, m.Country))
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m.Country, t, err)
			}
			if sample == nil {
				sample = out
			}
			row.TextLen = len(out.Text)
			code, err := qr.Encode(out.Text)
			if err != nil {
				return nil, err
			}
			row.QRVersion = code.Version
			png, err := qr.EncodePNG(out.Text)
			if err != nil {
				return nil, err
			}
			row.QRFile = filepath.Join(dir, fmt.Sprintf("%s-%s.png", m.Country, t))
			if err := os.WriteFile(row.QRFile, png, 0o644); err != nil {
				return nil, err
			}
			data, err := os.ReadFile(row.QRFile)
			if err != nil {
				return nil, err
			}
			text, err := qr.DecodeBytes(data)
			row.Decoded = err == nil && text == out.Text
			if row.Decoded {
				res, err := v.Verify(text)
				row.Valid = err == nil && res.Credential.Type == t && res.Country == m.Country
				row.Reason = reasonOf(err)
			}
			row.Expected = row.Decoded && row.Valid
			rep.Rows = append(rep.Rows, row)
		}
	}

	// Tamper 1: one character of the QR text changed.
	mangled := []byte(sample.Text)
	i := len(hcert.Prefix) + len(mangled)/2
	mangled[i] = base45.Alphabet[(strings.IndexByte(base45.Alphabet, mangled[i])+1)%len(base45.Alphabet)]
	_, err = v.Verify(string(mangled))
	rep.Tampered = append(rep.Tampered, DemoRow{
		Country: fed.Members[0].Country, Alg: fed.Members[0].Alg, Type: credential.TypeVaccination,
		Reason: reasonOf(err), Expected: err != nil && (errors.Is(err, verifier.ErrMalformed) || errors.Is(err, verifier.ErrUntrusted)),
		QRFile: "one QR character changed",
	})
	// Tamper 2: one byte of the signed payload changed, re-encoded so the
	// transport layers are intact and only the signature can catch it.
	m, err := hcert.ParseCOSE(append([]byte(nil), sample.COSE...))
	if err != nil {
		return nil, err
	}
	cose := append([]byte(nil), sample.COSE...)
	off := len(cose) - len(m.Signature) - 2 - len(m.Payload)/2
	cose[off] ^= 0x01
	_, err = v.Verify(hcert.Encode(cose))
	var ve *verifier.Error
	rep.Tampered = append(rep.Tampered, DemoRow{
		Country: fed.Members[0].Country, Alg: fed.Members[0].Alg, Type: credential.TypeVaccination,
		Reason: reasonOf(err), Expected: errors.As(err, &ve) && ve.Reason == credential.ReasonBadSignature,
		QRFile: "one signed payload byte changed",
	})
	return rep, nil
}

func dscFiles(dir string, fed *Federation) []string {
	var files []string
	for _, m := range fed.Members {
		files = append(files, filepath.Join(dir, m.Country+"-dsc.crt"))
	}
	return files
}

func reasonOf(err error) string {
	var ve *verifier.Error
	if errors.As(err, &ve) {
		return string(ve.Reason)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
