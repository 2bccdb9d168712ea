package testvectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

// Suite is an expected.json file: the cases of a test-vector set, the
// clock to pin and the trust files, as ../shared/testvectors describes.
type Suite struct {
	Suite   string      `json:"suite"`
	Clock   string      `json:"clock"`
	Note    string      `json:"note"`
	Trust   []TrustFile `json:"trust"`
	Cases   []SuiteCase `json:"cases"`
	Omitted []struct {
		Input string `json:"input"`
		Why   string `json:"why"`
	} `json:"omitted"`
}

// TrustFile is one trust input of a suite.
type TrustFile struct {
	Kind   string `json:"kind"` // did, jwks, crl-shc, csca, crl-icao, x509
	File   string `json:"file"`
	Issuer string `json:"issuer"`
}

// SuiteCase is one case of a suite.
type SuiteCase struct {
	Input  string      `json:"input"`
	Stage  string      `json:"stage"`  // qr-text, image, jws, shc-file, seal, payload
	Expect string      `json:"expect"` // valid or invalid
	Class  string      `json:"class"`  // malformed, untrusted, expired, not_yet_valid, revoked
	Clock  string      `json:"clock"`
	Trust  []TrustFile `json:"trust"`
	Note   string      `json:"note"`
}

// RunSuite runs the expected.json suite in dir: each case is verified at
// its pinned clock against the trust files it names, and passes when the
// verdict matches and, for an invalid case, the error class matches.
func RunSuite(dir string) (*Report, error) {
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return nil, err
	}
	var s Suite
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("expected.json: %w", err)
	}
	rep := &Report{Suite: s.Suite}
	for _, c := range s.Cases {
		res := CaseResult{File: c.Input, Flag: c.Stage, Expected: c.Expect == "valid"}
		got, why := runCase(dir, &s, &c)
		res.Got = got == "valid"
		res.Reason = why
		if got == c.Expect || (c.Expect == "invalid" && strings.HasPrefix(got, "invalid")) {
			res.Outcome = Passed
			if c.Expect == "invalid" && c.Class != "" && got != "invalid "+c.Class {
				res.Outcome = Failed
				res.Reason = fmt.Sprintf("class %s, want %s: %s", strings.TrimPrefix(got, "invalid "), c.Class, why)
			}
		} else {
			res.Outcome = Failed
			if got == "valid" {
				res.Reason = "accepted"
			}
		}
		rep.add(res)
	}
	return rep, nil
}

// runCase returns "valid", or "invalid <class>", and the reason.
func runCase(dir string, s *Suite, c *SuiteCase) (string, string) {
	clockText := s.Clock
	if c.Clock != "" {
		clockText = c.Clock
	}
	clock, err := time.Parse(time.RFC3339, clockText)
	if err != nil {
		return "error", "bad clock: " + err.Error()
	}
	refs := s.Trust
	if c.Trust != nil {
		refs = c.Trust
	}
	trust, err := SuiteTrust(dir, refs)
	if err != nil {
		return "error", err.Error()
	}
	v, err := verifier.New(trust, verifier.WithClock(func() time.Time { return clock }))
	if err != nil {
		return "error", err.Error()
	}
	input, err := os.ReadFile(resolve(dir, c.Input))
	if err != nil {
		return "error", err.Error()
	}
	var vErr error
	switch c.Stage {
	case "qr-text", "jws", "seal", "shc-file":
		// A final newline is scanner noise.
		_, vErr = v.Verify(strings.TrimRight(string(input), "\r\n"))
	case "image":
		_, vErr = photo.Verify(v, input)
	case "payload":
		// An unsigned SHC JWS payload, judged on its content alone.
		vErr = judgeSHCPayload(input, clock)
	default:
		return "error", fmt.Sprintf("stage %q is not supported", c.Stage)
	}
	if vErr == nil {
		return "valid", ""
	}
	var ve *verifier.Error
	if !errors.As(vErr, &ve) {
		return "invalid malformed", vErr.Error()
	}
	class := ve.Class()
	if ve.Reason == credential.ReasonNotYetValid {
		class = "not_yet_valid"
	}
	return "invalid " + class, ve.Error()
}

// SuiteTrust builds a static trust source from a suite's trust files. A
// file that does not parse contributes no keys, as the suites specify.
func SuiteTrust(dir string, refs []TrustFile) (*trustlist.Static, error) {
	type shcCRL struct {
		issuer string
		data   []byte
	}
	var keys []*trustlist.Key
	var crls [][]byte
	var shcCRLs []shcCRL
	for _, ref := range refs {
		data, err := os.ReadFile(resolve(dir, ref.File))
		if err != nil {
			return nil, err
		}
		switch ref.Kind {
		case "did":
			doc, err := nzcp.ParseDIDDocument(data)
			if err != nil {
				continue
			}
			aks, err := doc.AssertionKeys()
			if err != nil {
				continue
			}
			issuer := ref.Issuer
			if issuer == "" {
				issuer = doc.ID
			}
			for _, ak := range aks {
				_, kid, _ := strings.Cut(ak.ID, "#")
				if !strings.HasPrefix(ak.ID, issuer+"#") {
					continue
				}
				keys = append(keys, &trustlist.Key{Format: credential.FormatNZCP, Issuer: issuer, KID: []byte(kid),
					PublicKey: ak.PublicKey, Country: "NZ", Usage: trustlist.UsageAll})
			}
		case "csca":
			cscas, err := vdsnc.ParseCSCAs(data)
			if err != nil {
				continue
			}
			for _, c := range cscas {
				keys = append(keys, &trustlist.Key{Format: credential.FormatVDSNC, KID: c.SubjectKeyID, Country: c.Country,
					PublicKey: c.PublicKey, Certificate: c.Cert, Raw: c.Raw, Usage: trustlist.UsageAll,
					NotBefore: c.NotBefore, NotAfter: c.NotAfter})
			}
		case "crl-icao":
			crls = append(crls, data)
		case "jwks":
			jks, err := shc.ParseJWKS(data)
			if err != nil || ref.Issuer == "" {
				continue // keys of no issuer can verify nothing
			}
			for _, jk := range jks {
				k := &trustlist.Key{Format: credential.FormatSHC, Issuer: ref.Issuer, KID: []byte(jk.KID),
					PublicKey: jk.PublicKey, Usage: trustlist.UsageAll, CRLVersion: jk.CRLVersion}
				if len(jk.X5C) > 0 {
					k.Certificate, k.Chain = jk.X5C[0], jk.X5C
				}
				keys = append(keys, k)
			}
		case "crl-shc":
			shcCRLs = append(shcCRLs, shcCRL{ref.Issuer, data})
		default:
			return nil, fmt.Errorf("trust kind %q is not supported yet", ref.Kind)
		}
	}
	// CRLs bind to their CSCA through the signature, checked by the seal
	// verification; every VDS-NC key carries them all. SHC rid lists bind
	// to the issuer's key of the same kid.
	for _, k := range keys {
		switch k.Format {
		case credential.FormatVDSNC:
			k.CRLs = crls
		case credential.FormatSHC:
			for _, c := range shcCRLs {
				if c.issuer == k.Issuer {
					k.CRLs = append(k.CRLs, c.data)
				}
			}
		}
	}
	return trustlist.NewStatic(keys...), nil
}

// resolve returns p relative to dir, unless p is absolute.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// judgeSHCPayload checks an unsigned SHC payload's content: its claims,
// VC types, FHIR bundle and times.
func judgeSHCPayload(b []byte, at time.Time) error {
	c, err := shc.ParseClaims(b)
	if err != nil {
		return toVerifierError(err)
	}
	if err := c.Validate(); err != nil {
		return toVerifierError(err)
	}
	if _, err := c.Credential(); err != nil {
		return toVerifierError(err)
	}
	if err := c.CheckTime(at); err != nil {
		return toVerifierError(err)
	}
	return nil
}

func toVerifierError(err error) error {
	var ce *credential.Error
	if errors.As(err, &ce) {
		return &verifier.Error{Reason: ce.Reason, Detail: ce.Detail, Err: ce.Err}
	}
	return err
}
