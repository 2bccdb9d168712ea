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
	"github.com/b5m5/travelcred/verifier/photo"
)

// DemoRow is one credential of the demo: issued, put in a QR code, read
// back and verified.
type DemoRow struct {
	Country   string
	Format    credential.Format
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
	Dir string
	// Steps describe how the federation's trust list was built.
	Steps []string
	// SampleText is the first credential issued, to show as a QR code.
	SampleText string
	Rows       []DemoRow
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
	// Issuers of the other formats: NZ's domestic pass, SMART Health Cards
	// in the US and Canada, and AU's VDS-NC seal under its CSCA.
	var others []*FormatIssuer
	extra := map[string][]trustlist.Entry{}
	for _, mk := range []func() (*FormatIssuer, error){
		func() (*FormatIssuer, error) { return NZCPIssuer("NZ") },
		func() (*FormatIssuer, error) { return SHCIssuer("US", "https://shc.demo.travelcred.example/us") },
		func() (*FormatIssuer, error) { return SHCIssuer("CA", "https://shc.demo.travelcred.example/ca") },
		func() (*FormatIssuer, error) { m, _ := fed.Member("AU"); return VDSNCIssuer(m, now()) },
	} {
		fi, err := mk()
		if err != nil {
			return nil, err
		}
		others = append(others, fi)
		extra[fi.Country] = append(extra[fi.Country], fi.Entries...)
	}
	// Build the federation's trust documents and write them out.
	pub, err := fed.Publish(PublishOptions{Now: now(), Extra: extra})
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"anchor.json": pub.Anchor, "federated.json": pub.Federated}
	for cc, b := range pub.Countries {
		files[cc+".json"] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	rep.Steps = append(rep.Steps,
		fmt.Sprintf("anchor: %d members, threshold %d, signed by %s", len(pub.VerifiedAnchor.Members), pub.VerifiedAnchor.Threshold, strings.Join(pub.VerifiedAnchor.Signers, ",")),
		fmt.Sprintf("country lists: %d, each signed by its member's publisher key", len(pub.Countries)),
		fmt.Sprintf("federated list: sequence %d, %d keys, signed by the aggregator", pub.List.Sequence, pub.List.Len()))
	// The verifier trusts what is on disk, verified against the anchor on
	// disk, as a real deployment would.
	anchorBytes, err := os.ReadFile(filepath.Join(dir, "anchor.json"))
	if err != nil {
		return nil, err
	}
	anchor, err := trustlist.VerifyAnchor(anchorBytes)
	if err != nil {
		return nil, err
	}
	fedBytes, err := os.ReadFile(filepath.Join(dir, "federated.json"))
	if err != nil {
		return nil, err
	}
	state := &trustlist.State{}
	trust, err := trustlist.VerifyFederated(anchor, fedBytes, trustlist.VerifyOptions{At: now(), State: state})
	if err != nil {
		return nil, err
	}
	state.Accept(trust)
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
			row := DemoRow{Country: m.Country, Format: credential.FormatHCERT, Alg: iss.Algorithm().String(), Type: t}
			out, err := iss.Issue(SamplePayload(t, m.Country))
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m.Country, t, err)
			}
			if sample == nil {
				sample = out
				rep.SampleText = out.Text
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

	// The other formats, read by the same verifier from their QR codes.
	for _, fi := range others {
		row := DemoRow{Country: fi.Country, Format: fi.Format, Alg: "ES256"}
		text, err := fi.Issue(now())
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", fi.Country, fi.Format, err)
		}
		row.TextLen = len(text)
		code, err := qr.Encode(text, qr.WithLevel(fi.Level))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", fi.Country, fi.Format, err)
		}
		row.QRVersion = code.Version
		png, err := qr.EncodePNG(text, qr.WithLevel(fi.Level))
		if err != nil {
			return nil, err
		}
		row.QRFile = filepath.Join(dir, fmt.Sprintf("%s-%s.png", fi.Country, fi.Format))
		if err := os.WriteFile(row.QRFile, png, 0o644); err != nil {
			return nil, err
		}
		res, err := photo.Verify(v, png)
		row.Decoded = err == nil || !errors.Is(err, verifier.ErrMalformed)
		row.Valid = err == nil && res.Format == fi.Format && res.Country == fi.Country
		if err == nil {
			row.Type = res.Credential.Type
			if row.Type == "" {
				row.Type = "pass"
			}
		}
		row.Reason = reasonOf(err)
		row.Expected = row.Valid
		rep.Rows = append(rep.Rows, row)
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
	// Revocation: the last member revokes its DSC, signs sequence 2 of
	// its list, and the aggregator publishes sequence 2. Credentials that
	// DSC signed before the revocation are refused from then on.
	last := fed.Members[len(fed.Members)-1]
	revokedOut, err := last.Issuer.Issue(SamplePayload(credential.TypeVaccination, last.Country))
	if err != nil {
		return nil, err
	}
	var cl trustlist.CountryList
	if err := trustlist.DecodePayload(pub.Countries[last.Country], &cl); err != nil {
		return nil, err
	}
	cl.Revoke(cl.Entries[0].KID, now(), "key compromise (demo)")
	cl.Sequence++
	doc, err := trustlist.Encode(&cl)
	if err != nil {
		return nil, err
	}
	if err := doc.AddSignature(pub.PublisherKeys[last.Country], last.Country); err != nil {
		return nil, err
	}
	if pub.Countries[last.Country], err = doc.Marshal(); err != nil {
		return nil, err
	}
	var members [][]byte
	for _, m := range fed.Members {
		members = append(members, pub.Countries[m.Country])
	}
	fl, err := trustlist.Aggregate(members, 2, anchor.Sequence, now(), now().Add(24*time.Hour), now().Add(7*24*time.Hour))
	if err != nil {
		return nil, err
	}
	if err := fl.AddSignature(pub.AggregatorKey, ""); err != nil {
		return nil, err
	}
	fedBytes2, err := fl.Marshal()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "federated-2.json"), fedBytes2, 0o644); err != nil {
		return nil, err
	}
	trust2, err := trustlist.VerifyFederated(anchor, fedBytes2, trustlist.VerifyOptions{At: now(), State: state})
	if err != nil {
		return nil, err
	}
	state.Accept(trust2)
	rep.Steps = append(rep.Steps, fmt.Sprintf("federated list: sequence 2, %s DSC %s revoked", last.Country, cl.Entries[0].KID))
	v2, err := verifier.New(trust2, verifier.WithClock(now))
	if err != nil {
		return nil, err
	}
	_, err = v2.Verify(revokedOut.Text)
	rep.Tampered = append(rep.Tampered, DemoRow{
		Country: last.Country, Alg: last.Alg, Type: credential.TypeVaccination,
		Reason: reasonOf(err), Expected: errors.As(err, &ve) && ve.Reason == credential.ReasonKeyRevoked,
		QRFile: "signed by a DSC revoked since",
	})
	// Rollback: sequence 1 again, after sequence 2 was accepted.
	_, err = trustlist.VerifyFederated(anchor, fedBytes, trustlist.VerifyOptions{At: now(), State: state})
	rep.Tampered = append(rep.Tampered, DemoRow{
		Country: "-", Reason: rollbackReason(err), Expected: errors.Is(err, trustlist.ErrRollback),
		QRFile: "trust list rolled back to sequence 1",
	})
	return rep, nil
}

func rollbackReason(err error) string {
	switch {
	case err == nil:
		return "ACCEPTED"
	case errors.Is(err, trustlist.ErrRollback):
		return "rollback (sequence 1 after 2)"
	}
	return err.Error()
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
