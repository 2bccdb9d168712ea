package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/rules"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/trustlist/fetch"
	"github.com/b5m5/travelcred/verifier"
	"github.com/b5m5/travelcred/verifier/photo"
)

// loadTrust opens the trust source named by --trust: "demo", a federated
// list (file or URL) verified against --anchor, or PEM DSC certificate
// files and folders (comma-separated).
func loadTrust(e env, spec, anchorFile string, now time.Time) (trustlist.Source, error) {
	switch spec {
	case "":
		return nil, usageErr("--trust is required: a federated list with --anchor, PEM DSC certificates, or demo (there is no default trust)")
	case "demo":
		fmt.Fprintln(e.stderr, testvectors.DemoWarning)
		t, err := testvectors.DemoTrust(now)
		if err != nil {
			return nil, policyErr(err)
		}
		return t, nil
	}
	isURL := strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://")
	if !isURL {
		// A single file starting with "{" is a federated list; anything
		// else (PEM files, folders, comma-separated lists) is DSCs.
		federated := false
		if !strings.Contains(spec, ",") {
			st, err := os.Stat(spec)
			if err != nil {
				return nil, ioErr(err)
			}
			if !st.IsDir() {
				b, err := os.ReadFile(spec)
				if err != nil {
					return nil, ioErr(err)
				}
				federated = bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))
			}
		}
		if !federated {
			t, err := trustlist.LoadPEM(strings.Split(spec, ",")...)
			if err != nil {
				return nil, ioErr(err)
			}
			return t, nil
		}
	}
	anchor, err := loadAnchor(anchorFile)
	if err != nil {
		return nil, err
	}
	c, err := fetch.New(spec, anchor, fetch.Options{Clock: func() time.Time { return now }})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	ctx, cancel := contextWithTimeout(30 * time.Second)
	defer cancel()
	if err := c.Refresh(ctx); err != nil {
		return nil, policyErr(err)
	}
	return c.Current(), nil
}

// input is one credential to verify: text or image bytes, and a label.
type input struct {
	label string
	text  string
	image []byte
}

func isImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
}

// readLines turns text into one input per non-empty line, dropping the
// line terminator (CR LF or LF) only.
func readLines(label string, r io.Reader, emit func(input)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), limits.QRText+2)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		emit(input{label: fmt.Sprintf("%s:%d", label, n), text: line})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: line %d: %w", label, n+1, err)
	}
	return nil
}

func newVerifyCmd(e env) *cobra.Command {
	var trustSpec, anchorFile, at, to, region, rulesDir string
	var asJSON bool
	var skew, maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "verify --trust FILE|URL|DIR|demo [--anchor FILE] [--at RFC3339] [--json] INPUT...",
		Short: "Verify credentials given as text, text files, QR images, or - (standard input, one per line)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := []verifier.Option{verifier.WithSkew(skew), verifier.WithMaxTrustAge(maxAge)}
			now := time.Now()
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageErr("--at: %v", err)
				}
				now = t
				opts = append(opts, verifier.WithClock(func() time.Time { return t }))
			}
			trust, err := loadTrust(e, trustSpec, anchorFile, now)
			if err != nil {
				return err
			}
			if rulesDir != "" {
				if to == "" {
					return usageErr("--rules needs --to CC (the destination)")
				}
				set, err := rules.LoadFS(os.DirFS(rulesDir))
				if err != nil {
					return policyErr(err)
				}
				var values *rules.ValueSets
				if st, err := os.Stat(filepath.Join(rulesDir, "valuesets")); err == nil && st.IsDir() {
					if values, err = rules.LoadValueSets(os.DirFS(filepath.Join(rulesDir, "valuesets"))); err != nil {
						return policyErr(err)
					}
				}
				opts = append(opts, verifier.WithRules(set, values))
			}
			v, err := verifier.New(trust, opts...)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			allValid := true
			enc := json.NewEncoder(e.stdout)
			check := func(in input) {
				var res *verifier.Result
				var err error
				if in.image != nil {
					res, err = photo.Verify(v, in.image)
				} else {
					res, err = v.Verify(in.text)
				}
				verdict := verifier.NewVerdict(res, err)
				var entry *verifier.Entry
				if verdict.Valid && to != "" {
					var eerr error
					entry, eerr = v.CheckEntry(res, strings.ToUpper(to), region)
					if eerr != nil {
						entry = &verifier.Entry{To: strings.ToUpper(to)}
						fmt.Fprintf(e.stderr, "%s: entry rules: %v\n", in.label, eerr)
					}
					allValid = allValid && entry.Allowed
				}
				allValid = allValid && verdict.Valid
				if asJSON {
					enc.Encode(struct {
						Input string `json:"input"`
						verifier.Verdict
						Entry *verifier.Entry `json:"entry,omitempty"`
					}{in.label, verdict, entry})
					return
				}
				printVerdict(e, in.label, verdict)
				if entry != nil {
					printEntry(e, entry)
				}
			}
			for i, arg := range args {
				switch {
				case arg == "-":
					if err := readLines("stdin", e.stdin, check); err != nil {
						return &exitError{code: exitUsage, err: err}
					}
				case looksLikeCredential(arg):
					check(input{label: fmt.Sprintf("arg%d", i+1), text: arg})
				default:
					data, err := os.ReadFile(arg)
					if err != nil {
						return &exitError{code: exitUsage, err: fmt.Errorf("%s is neither credential text nor a readable file: %w", arg, err)}
					}
					if isImage(data) {
						check(input{label: arg, image: data})
						continue
					}
					if err := readLines(arg, bytes.NewReader(data), check); err != nil {
						return &exitError{code: exitUsage, err: err}
					}
				}
			}
			if !allValid {
				return errInvalid
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&trustSpec, "trust", "", "a federated list (file or URL, with --anchor), PEM DSC certificate file(s) or folder(s), or demo")
	f.StringVar(&anchorFile, "anchor", "", "the pinned federation anchor for a federated list")
	f.DurationVar(&maxAge, "max-age", 0, "refuse a trust list issued longer ago than this (default: only its own expiry)")
	f.StringVar(&at, "at", "", "verify as of this RFC 3339 time instead of now")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per input")
	f.DurationVar(&skew, "skew", verifier.DefaultSkew, "allowance for clock differences on iat and exp")
	f.StringVar(&to, "to", "", "destination country: also check its entry rules (from --rules, else the trust list's)")
	f.StringVar(&region, "region", "", "destination region, for regional rules")
	f.StringVar(&rulesDir, "rules", "", "folder of EU business rules (<CC>/<rule id>/rule.json, valuesets/)")
	return cmd
}

func looksLikeCredential(s string) bool {
	for _, p := range []string{"HC", "NZCP:", "shc:/", "{"} {
		if strings.HasPrefix(s, p) && len(s) > 5 {
			if _, err := os.Stat(s); err != nil {
				return true
			}
		}
	}
	return false
}

func printVerdict(e env, label string, v verifier.Verdict) {
	if !v.Valid {
		fmt.Fprintf(e.stdout, "INVALID %s: %s (%s): %s\n", label, v.Reason, v.Class, v.Detail)
		return
	}
	c := v.Credential
	name := c.Holder.FamilyNameStd
	if name == "" {
		name = c.Holder.FamilyName
	}
	fmt.Fprintf(e.stdout, "VALID   %s: %s %s %s, holder %s %s, born %s, kid %s (%s), issued %s, expires %s, trust %s\n",
		label, v.Format, v.Country, c.Type, name, c.Holder.GivenNameStd, c.DateOfBirth, b64(v.KeyID), v.Alg,
		v.IssuedAt.Format(time.RFC3339), v.ExpiresAt.Format(time.RFC3339), v.Trust.Freshness)
}

func printEntry(e env, en *verifier.Entry) {
	if en.Report == nil {
		fmt.Fprintf(e.stdout, "        entry to %s: NO RULES could be evaluated\n", en.To)
		return
	}
	verdict := "allowed"
	if !en.Allowed {
		verdict = "REFUSED"
	}
	pass, fail, open := en.Report.Count()
	fmt.Fprintf(e.stdout, "        entry to %s: %s (%d rules passed, %d failed, %d open)\n", en.To, verdict, pass, fail, open)
	for _, r := range en.Report.Results {
		fmt.Fprintf(e.stdout, "          %-5s %s %s\n", r.Outcome, r.Identifier, r.Description)
	}
}
