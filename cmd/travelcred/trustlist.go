package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/trustlist/fetch"
)

// clockFlag parses --at (RFC 3339) or returns now.
func clockFlag(at string) (time.Time, error) {
	if at == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, usageErr("--at: %v", err)
	}
	return t, nil
}

func ioErr(err error) error { return &exitError{code: exitUsage, err: err} }

// policyErr is a refusal of a trust document: exit 1.
func policyErr(err error) error { return &exitError{code: exitInvalid, err: err} }

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, ioErr(err)
	}
	return b, nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so readers (a server publishing the folder) never see half a
// file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return ioErr(err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return ioErr(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return ioErr(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return ioErr(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return ioErr(err)
	}
	return nil
}

func loadAnchor(path string) (*trustlist.VerifiedAnchor, error) {
	if path == "" {
		return nil, usageErr("--anchor FILE is required")
	}
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	a, err := trustlist.VerifyAnchor(data)
	if err != nil {
		return nil, policyErr(fmt.Errorf("anchor %s: %w", path, err))
	}
	return a, nil
}

func newTrustlistCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trustlist",
		Short: "Build, sign, aggregate, verify and inspect federated trust lists",
	}
	cmd.AddCommand(newAnchorCmd(e), newCountryCmd(e), newRevocationCmd(e), newRulesCmd(e), newAggregateCmd(e), newTLVerifyCmd(e),
		newInspectCmd(e), newDiffCmd(e), newImportCmd(e), newExportCmd(e), newFetchCmd(e))
	return cmd
}

func newAnchorCmd(e env) *cobra.Command {
	cmd := &cobra.Command{Use: "anchor init|sign|verify", Short: "Create, sign and verify the federation anchor"}
	var out, keys, members, names, aggregator, at string
	var threshold int
	var seq int64
	var validFor time.Duration
	initCmd := &cobra.Command{
		Use:   "init --keys DIR --members AU,CA,... --threshold N --out anchor.json",
		Short: "Write an unsigned anchor from the members' root and publisher JWKs (DIR/CC-root.jwk, DIR/CC-publisher.jwk, DIR/aggregator.jwk)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" || keys == "" || members == "" {
				return usageErr("--keys, --members and --out are required")
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			nameOf := map[string]string{}
			for _, kv := range strings.Split(names, ",") {
				if cc, n, ok := strings.Cut(kv, "="); ok {
					nameOf[strings.ToUpper(cc)] = n
				}
			}
			if aggregator == "" {
				aggregator = filepath.Join(keys, "aggregator.jwk")
			}
			agg, err := readFile(aggregator)
			if err != nil {
				return err
			}
			a := &trustlist.Anchor{Sequence: seq, IssuedAt: now, Threshold: threshold, Aggregator: []json.RawMessage{json.RawMessage(strings.TrimSpace(string(agg)))}}
			if validFor > 0 {
				a.ExpiresAt = now.Add(validFor)
			}
			for _, cc := range strings.Split(members, ",") {
				cc = strings.ToUpper(strings.TrimSpace(cc))
				root, err := readFile(filepath.Join(keys, cc+"-root.jwk"))
				if err != nil {
					return err
				}
				pub, err := readFile(filepath.Join(keys, cc+"-publisher.jwk"))
				if err != nil {
					return err
				}
				name := nameOf[cc]
				if name == "" {
					name = cc
				}
				a.Members = append(a.Members, trustlist.Member{Country: cc, Name: name,
					RootKeys:      []json.RawMessage{json.RawMessage(strings.TrimSpace(string(root)))},
					PublisherKeys: []json.RawMessage{json.RawMessage(strings.TrimSpace(string(pub)))}})
			}
			doc, err := trustlist.Encode(a)
			if err != nil {
				return ioErr(err)
			}
			data, err := doc.Marshal()
			if err != nil {
				return ioErr(err)
			}
			if err := writeFileAtomic(out, data); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: anchor sequence %d, %d members, threshold %d, unsigned\n", out, seq, len(a.Members), threshold)
			return nil
		},
	}
	initCmd.Flags().StringVar(&out, "out", "", "anchor file to write")
	initCmd.Flags().StringVar(&keys, "keys", "", "folder holding CC-root.jwk, CC-publisher.jwk and aggregator.jwk")
	initCmd.Flags().StringVar(&members, "members", "", "comma-separated member country codes")
	initCmd.Flags().StringVar(&names, "names", "", "member names, e.g. AU=Australia,NZ=New Zealand")
	initCmd.Flags().StringVar(&aggregator, "aggregator", "", "aggregator public JWK (default DIR/aggregator.jwk)")
	initCmd.Flags().IntVar(&threshold, "threshold", 3, "member root signatures a valid anchor needs")
	initCmd.Flags().Int64Var(&seq, "sequence", 1, "anchor sequence (raise it for each new anchor)")
	initCmd.Flags().DurationVar(&validFor, "valid-for", 0, "anchor lifetime (default none)")
	initCmd.Flags().StringVar(&at, "at", "", "issue time (RFC 3339, default now)")

	var anchorFile, keyFile, country, signOut string
	sign := &cobra.Command{
		Use:   "sign --anchor anchor.json --key CC-root.key --country CC [--out FILE]",
		Short: "Add a member root signature to an anchor",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if anchorFile == "" || keyFile == "" || country == "" {
				return usageErr("--anchor, --key and --country are required")
			}
			data, err := readFile(anchorFile)
			if err != nil {
				return err
			}
			doc, err := trustlist.ParseSigned(data, 0)
			if err != nil {
				return policyErr(err)
			}
			key, err := issuer.LoadKeyFile(keyFile)
			if err != nil {
				return ioErr(err)
			}
			if err := doc.AddSignature(key, strings.ToUpper(country)); err != nil {
				return ioErr(err)
			}
			b, err := doc.Marshal()
			if err != nil {
				return ioErr(err)
			}
			if signOut == "" {
				signOut = anchorFile
			}
			if err := writeFileAtomic(signOut, b); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %d signatures\n", signOut, len(doc.Signatures))
			return nil
		},
	}
	sign.Flags().StringVar(&anchorFile, "anchor", "", "anchor file")
	sign.Flags().StringVar(&keyFile, "key", "", "member root private key")
	sign.Flags().StringVar(&country, "country", "", "the signing member")
	sign.Flags().StringVar(&signOut, "out", "", "output (default: in place)")

	var current string
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify [--current OLD.json] [--json] anchor.json",
		Short: "Check an anchor's signatures, and with --current that the current anchor's threshold signed it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readFile(args[0])
			if err != nil {
				return err
			}
			var a *trustlist.VerifiedAnchor
			if current != "" {
				cur, err := loadAnchor(current)
				if err != nil {
					return err
				}
				a, err = trustlist.VerifyAnchorUpdate(cur, data)
				if err != nil {
					return policyErr(fmt.Errorf("%s: %w", args[0], err))
				}
			} else if a, err = trustlist.VerifyAnchor(data); err != nil {
				return policyErr(fmt.Errorf("%s: %w", args[0], err))
			}
			if asJSON {
				return json.NewEncoder(e.stdout).Encode(map[string]any{"valid": true, "sequence": a.Sequence, "threshold": a.Threshold, "signers": a.Signers, "members": len(a.Members)})
			}
			fmt.Fprintf(e.stdout, "anchor %s valid: sequence %d, %d members, threshold %d, signed by %s\n",
				args[0], a.Sequence, len(a.Members), a.Threshold, strings.Join(a.Signers, ","))
			return nil
		},
	}
	verify.Flags().StringVar(&current, "current", "", "the currently pinned anchor (checks a rotation)")
	verify.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(initCmd, sign, verify)
	return cmd
}

func newCountryCmd(e env) *cobra.Command {
	cmd := &cobra.Command{Use: "country add-dsc|revoke-dsc|sign", Short: "Edit and sign a member's country list"}
	var list, certFile, usage, kid, reason, at string
	readDraft := func(path string, create string) (*trustlist.CountryList, error) {
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) && create != "" {
			return &trustlist.CountryList{Type: trustlist.TypeCountry, Version: 1, Country: create}, nil
		}
		if err != nil {
			return nil, ioErr(err)
		}
		var cl trustlist.CountryList
		if err := json.Unmarshal(data, &cl); err != nil {
			return nil, policyErr(fmt.Errorf("%s: %w", path, err))
		}
		return &cl, nil
	}
	writeDraft := func(path string, cl *trustlist.CountryList) error {
		doc, err := trustlist.Encode(cl)
		if err != nil {
			return ioErr(err)
		}
		payload, _ := doc.PayloadBytes()
		return writeFileAtomic(path, payload)
	}
	add := &cobra.Command{
		Use:   "add-dsc --list CC.draft.json --cert DSC.crt [--usage v,t,r]",
		Short: "Add a DSC to a country list draft (created if missing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list == "" || certFile == "" {
				return usageErr("--list and --cert are required")
			}
			cert, err := issuer.LoadCertificateFile(certFile)
			if err != nil {
				return ioErr(err)
			}
			if len(cert.Subject.Country) != 1 {
				return policyErr(fmt.Errorf("%s names no single subject country", certFile))
			}
			cl, err := readDraft(list, cert.Subject.Country[0])
			if err != nil {
				return err
			}
			if cl.Country != cert.Subject.Country[0] {
				return policyErr(fmt.Errorf("%w: the %s list cannot hold a certificate of %s", trustlist.ErrForeignKey, cl.Country, cert.Subject.Country[0]))
			}
			var u trustlist.Usage
			if usage != "" {
				var ok bool
				if u, ok = trustlist.ParseUsage(usage); !ok {
					return usageErr("--usage %q: want v, t, r", usage)
				}
			}
			entry, err := trustlist.EntryFromCertificate(cert, u)
			if err != nil {
				return ioErr(err)
			}
			for _, x := range cl.Entries {
				if x.KID == entry.KID && x.Format == entry.Format {
					return policyErr(fmt.Errorf("kid %s is already in the list", entry.KID))
				}
			}
			cl.Entries = append(cl.Entries, entry)
			if err := writeDraft(list, cl); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: added %s kid %s (%s), %d entries\n", list, cl.Country, entry.KID, strings.Join(entry.Usage, ","), len(cl.Entries))
			return nil
		},
	}
	add.Flags().StringVar(&list, "list", "", "country list draft (JSON payload)")
	add.Flags().StringVar(&certFile, "cert", "", "DSC certificate (PEM)")
	add.Flags().StringVar(&usage, "usage", "", "credential types (default: the certificate's key usage)")

	revoke := &cobra.Command{
		Use:   "revoke-dsc --list CC.draft.json --kid KID [--reason TEXT] [--at T]",
		Short: "Mark a key revoked; it stays in the list, revoked, until its certificate expires",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list == "" || kid == "" {
				return usageErr("--list and --kid are required")
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			cl, err := readDraft(list, "")
			if err != nil {
				return err
			}
			if cl.Revoke(kid, now, reason) == 0 {
				return policyErr(fmt.Errorf("kid %s is not in %s", kid, list))
			}
			if err := writeDraft(list, cl); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: kid %s revoked (%s)\n", list, kid, reason)
			return nil
		},
	}
	revoke.Flags().StringVar(&list, "list", "", "country list draft")
	revoke.Flags().StringVar(&kid, "kid", "", "key id to revoke (as listed)")
	revoke.Flags().StringVar(&reason, "reason", "unspecified", "why")
	revoke.Flags().StringVar(&at, "at", "", "revocation time (RFC 3339, default now)")

	var keyFile, out string
	var validFor time.Duration
	sign := &cobra.Command{
		Use:   "sign --list CC.draft.json --key CC-publisher.key --out CC.json [--valid-for 168h] [--at T]",
		Short: "Raise the list's sequence and sign it with the member's publisher key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list == "" || keyFile == "" || out == "" {
				return usageErr("--list, --key and --out are required")
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			cl, err := readDraft(list, "")
			if err != nil {
				return err
			}
			key, err := issuer.LoadKeyFile(keyFile)
			if err != nil {
				return ioErr(err)
			}
			pruned := cl.Prune(now)
			cl.Sequence++
			cl.IssuedAt, cl.ExpiresAt = now, now.Add(validFor)
			doc, err := trustlist.Encode(cl)
			if err != nil {
				return ioErr(err)
			}
			if err := doc.AddSignature(key, cl.Country); err != nil {
				return ioErr(err)
			}
			data, err := doc.Marshal()
			if err != nil {
				return ioErr(err)
			}
			if err := writeFileAtomic(out, data); err != nil {
				return err
			}
			if err := writeDraft(list, cl); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %s list sequence %d, %d entries, expires %s", out, cl.Country, cl.Sequence, len(cl.Entries), cl.ExpiresAt.Format(time.RFC3339))
			if pruned > 0 {
				fmt.Fprintf(e.stdout, ", %d expired revoked entries dropped", pruned)
			}
			fmt.Fprintln(e.stdout)
			return nil
		},
	}
	sign.Flags().StringVar(&list, "list", "", "country list draft")
	sign.Flags().StringVar(&keyFile, "key", "", "publisher private key")
	sign.Flags().StringVar(&out, "out", "", "signed list to write")
	sign.Flags().DurationVar(&validFor, "valid-for", 7*24*time.Hour, "list lifetime")
	sign.Flags().StringVar(&at, "at", "", "issue time (RFC 3339, default now)")
	cmd.AddCommand(add, revoke, sign)
	return cmd
}

func newAggregateCmd(e env) *cobra.Command {
	var anchorFile, keyFile, out, previous, at, valueSets string
	var seq int64
	var validFor, nextUpdate time.Duration
	cmd := &cobra.Command{
		Use:   "aggregate --anchor anchor.json --key aggregator.key --out federated.json [--previous OLD] [--value-sets FILE] DOC.json...",
		Short: "Sign members' country lists, revocation lists and rule sets together as the federated list (each verified first)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" || out == "" {
				return usageErr("--key and --out are required")
			}
			anchor, err := loadAnchor(anchorFile)
			if err != nil {
				return err
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			if seq == 0 {
				seq = 1
				if previous != "" {
					data, err := readFile(previous)
					if err != nil {
						return err
					}
					s, err := trustlist.Summarize(data)
					if err != nil {
						return policyErr(err)
					}
					seq = s.Sequence + 1
				}
			}
			var members [][]byte
			for _, f := range args {
				data, err := readFile(f)
				if err != nil {
					return err
				}
				members = append(members, data)
			}
			var values map[string][]string
			if valueSets != "" {
				b, err := readFile(valueSets)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(b, &values); err != nil {
					return policyErr(fmt.Errorf("%s: want {\"value-set id\": [codes]}: %w", valueSets, err))
				}
			}
			doc, err := trustlist.AggregateWith(members, values, seq, anchor.Sequence, now, now.Add(nextUpdate), now.Add(validFor))
			if err != nil {
				return policyErr(err)
			}
			key, err := issuer.LoadKeyFile(keyFile)
			if err != nil {
				return ioErr(err)
			}
			if err := doc.AddSignature(key, ""); err != nil {
				return ioErr(err)
			}
			data, err := doc.Marshal()
			if err != nil {
				return ioErr(err)
			}
			if _, err := trustlist.VerifyFederated(anchor, data, trustlist.VerifyOptions{At: now}); err != nil {
				return policyErr(fmt.Errorf("the aggregated list does not verify: %w", err))
			}
			if err := writeFileAtomic(out, data); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: federated list sequence %d, %d member lists, next update %s\n", out, seq, len(members), now.Add(nextUpdate).Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&anchorFile, "anchor", "", "the federation anchor")
	f.StringVar(&keyFile, "key", "", "aggregator private key")
	f.StringVar(&out, "out", "", "federated list to write")
	f.StringVar(&previous, "previous", "", "previous federated list (its sequence + 1 is used)")
	f.StringVar(&valueSets, "value-sets", "", "value sets for the rules: JSON {\"id\": [codes]}")
	f.Int64Var(&seq, "sequence", 0, "sequence (default: previous + 1, or 1)")
	f.DurationVar(&validFor, "valid-for", 7*24*time.Hour, "list lifetime")
	f.DurationVar(&nextUpdate, "next-update", 24*time.Hour, "when verifiers should expect a newer list")
	f.StringVar(&at, "at", "", "issue time (RFC 3339, default now)")
	return cmd
}

func newTLVerifyCmd(e env) *cobra.Command {
	var anchorFile, at, stateFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify --anchor anchor.json [--at T] [--state FILE] [--json] federated.json",
		Short: "Verify a federated list: both signature layers, member countries, validity, and no rollback against --state",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			anchor, err := loadAnchor(anchorFile)
			if err != nil {
				return err
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			data, err := readFile(args[0])
			if err != nil {
				return err
			}
			state := &trustlist.State{}
			if stateFile != "" {
				if b, err := os.ReadFile(stateFile); err == nil {
					if state, err = trustlist.ParseState(b); err != nil {
						return ioErr(err)
					}
				} else if !os.IsNotExist(err) {
					return ioErr(err)
				}
			}
			l, err := trustlist.VerifyFederated(anchor, data, trustlist.VerifyOptions{At: now, State: state})
			if err != nil {
				if asJSON {
					json.NewEncoder(e.stdout).Encode(map[string]any{"valid": false, "error": err.Error()})
				}
				return policyErr(fmt.Errorf("%s: %w", args[0], err))
			}
			st := l.Status(now)
			if stateFile != "" {
				state.Accept(l)
				state.Prune(now)
				b, _ := trustlist.MarshalState(state)
				if err := writeFileAtomic(stateFile, b); err != nil {
					return err
				}
			}
			if asJSON {
				return json.NewEncoder(e.stdout).Encode(map[string]any{"valid": true, "sequence": l.Sequence, "keys": l.Len(),
					"countries": len(l.Countries), "status": st})
			}
			fmt.Fprintf(e.stdout, "%s valid: sequence %d, %d member lists, %d keys, %s (age %s), expires %s\n", args[0], l.Sequence,
				len(l.Countries), l.Len(), st.Freshness, st.Age.Round(time.Second), l.ExpiresAt.Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&anchorFile, "anchor", "", "the pinned federation anchor")
	cmd.Flags().StringVar(&at, "at", "", "verification time (RFC 3339, default now)")
	cmd.Flags().StringVar(&stateFile, "state", "", "file remembering accepted sequences and revocations (read, then updated)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printRows(e env, rows []trustlist.Row) {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "COUNTRY\tKID\tFORMAT\tUSAGE\tVALID FROM\tVALID TO\tSTATUS")
	for _, r := range rows {
		status := r.Status
		if r.Status == trustlist.StatusRevoked {
			status = fmt.Sprintf("revoked %s (%s)", r.RevokedAt.Format("2006-01-02"), r.Reason)
		}
		usage := strings.Join(r.Usage, ",")
		if usage == "" {
			usage = "v,t,r"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Country, r.KID, r.Format, usage,
			r.NotBefore.Format("2006-01-02"), r.NotAfter.Format("2006-01-02"), status)
	}
	w.Flush()
}

func newInspectCmd(e env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect [--json] FILE",
		Short: "Show the keys of a federated or country list (signatures are not checked: use verify)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readFile(args[0])
			if err != nil {
				return err
			}
			s, err := trustlist.Summarize(data)
			if err != nil {
				return policyErr(err)
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			fmt.Fprintf(e.stdout, "%s sequence %d, issued %s, expires %s (not verified)\n", s.Type, s.Sequence,
				s.IssuedAt.Format(time.RFC3339), s.ExpiresAt.Format(time.RFC3339))
			printRows(e, s.Rows)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newDiffCmd(e env) *cobra.Command {
	var asJSON bool
	var within time.Duration
	var at string
	cmd := &cobra.Command{
		Use:   "diff [--json] [--within 720h] OLD NEW",
		Short: "Keys added, removed, revoked and expiring between two lists, and sequence gaps",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var sums [2]*trustlist.Summary
			for i, f := range args {
				data, err := readFile(f)
				if err != nil {
					return err
				}
				if sums[i], err = trustlist.Summarize(data); err != nil {
					return policyErr(fmt.Errorf("%s: %w", f, err))
				}
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			d := trustlist.DiffLists(sums[0], sums[1], now, within)
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			fmt.Fprintf(e.stdout, "sequence %d -> %d", d.OldSequence, d.NewSequence)
			if d.SequenceGap {
				fmt.Fprint(e.stdout, " (GAP)")
			}
			fmt.Fprintln(e.stdout)
			if len(d.CountryGaps) > 0 {
				fmt.Fprintf(e.stdout, "country sequence gaps: %s\n", strings.Join(d.CountryGaps, ","))
			}
			for _, part := range []struct {
				name string
				rows []trustlist.Row
			}{{"added", d.Added}, {"removed", d.Removed}, {"revoked", d.Revoked}, {"expiring within " + within.String(), d.Expiring}} {
				fmt.Fprintf(e.stdout, "\n%s: %d\n", part.name, len(part.rows))
				if len(part.rows) > 0 {
					printRows(e, part.rows)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&within, "within", 30*24*time.Hour, "report keys expiring within this window")
	cmd.Flags().StringVar(&at, "at", "", "reference time for expiry (RFC 3339, default now)")
	return cmd
}

func newImportCmd(e env) *cobra.Command {
	var from, out, country, iss string
	cmd := &cobra.Command{
		Use:   "import --from eu-gateway|gdhcn|did|jwks|vci-snapshot|icao-csca|crl [--country CC] [--issuer URL] --out DIR FILE",
		Short: "Turn other trust sources into country list drafts (DIR/CC.draft.json, merged into existing drafts)",
		Long: `import reads keys from another trust system and writes them as entries of
country list drafts, to be reviewed and signed with "trustlist country sign":

  eu-gateway    EU DCC gateway trust list (JSON rows with DER DSCs)
  gdhcn         WHO GDHCN DID trust list (JsonWebKey2020 with x5c)
  did           an NZCP issuer's DID document (needs --country)
  jwks          an SHC issuer's .well-known/jwks.json (needs --country, --issuer)
  vci-snapshot  a VCI directory snapshot of SHC issuers (needs --country)
  icao-csca     CSCA certificates for VDS-NC seals (DER or PEM)
  crl           an X.509 CRL (for the CSCA it names) or an SHC rid list,
                attached to the matching entry of the drafts in DIR`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--out DIR is required")
			}
			data, err := readFile(args[0])
			if err != nil {
				return err
			}
			country = strings.ToUpper(country)
			needCountry := func() error {
				if len(country) != 2 {
					return usageErr("--from %s needs --country CC", from)
				}
				return nil
			}
			byCountry := map[string][]trustlist.Entry{}
			switch from {
			case "eu-gateway":
				byCountry, err = trustlist.ImportEUGateway(data)
			case "gdhcn":
				byCountry, err = trustlist.ImportGDHCN(data)
			case "did":
				if err := needCountry(); err != nil {
					return err
				}
				byCountry[country], err = trustlist.ImportDID(data)
			case "jwks":
				if err := needCountry(); err != nil {
					return err
				}
				if iss == "" {
					return usageErr("--from jwks needs --issuer URL (the cards' iss)")
				}
				byCountry[country], err = trustlist.ImportJWKS(data, iss)
			case "vci-snapshot":
				if err := needCountry(); err != nil {
					return err
				}
				byCountry[country], err = trustlist.ImportVCISnapshot(data)
			case "icao-csca":
				byCountry, err = trustlist.ImportICAOCSCA(data)
			case "crl":
				return attachCRL(e, out, data)
			default:
				return usageErr("--from %q: want eu-gateway, gdhcn, did, jwks, vci-snapshot, icao-csca or crl", from)
			}
			if err != nil {
				return policyErr(err)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return ioErr(err)
			}
			for cc, entries := range byCountry {
				path := filepath.Join(out, cc+".draft.json")
				cl := &trustlist.CountryList{Country: cc}
				if b, err := os.ReadFile(path); err == nil {
					if err := json.Unmarshal(b, cl); err != nil {
						return policyErr(fmt.Errorf("%s: %w", path, err))
					}
				}
				added := 0
				for _, en := range entries {
					dup := false
					for _, x := range cl.Entries {
						dup = dup || x.KID == en.KID && x.Format == en.Format && x.Issuer == en.Issuer
					}
					if !dup {
						cl.Entries = append(cl.Entries, en)
						added++
					}
				}
				doc, err := trustlist.Encode(cl)
				if err != nil {
					return ioErr(err)
				}
				payload, _ := doc.PayloadBytes()
				if err := writeFileAtomic(path, payload); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: %d keys added, %d in all\n", path, added, len(cl.Entries))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source format (see above)")
	cmd.Flags().StringVar(&out, "out", "", "folder of drafts")
	cmd.Flags().StringVar(&country, "country", "", "member country the keys belong to (did, jwks, vci-snapshot)")
	cmd.Flags().StringVar(&iss, "issuer", "", "SHC issuer URL (jwks)")
	return cmd
}

// attachCRL adds a CRL or rid list to the matching entries of every draft
// in dir.
func attachCRL(e env, dir string, data []byte) error {
	drafts, err := filepath.Glob(filepath.Join(dir, "*.draft.json"))
	if err != nil {
		return ioErr(err)
	}
	total := 0
	for _, path := range drafts {
		b, err := os.ReadFile(path)
		if err != nil {
			return ioErr(err)
		}
		var cl trustlist.CountryList
		if err := json.Unmarshal(b, &cl); err != nil {
			return policyErr(fmt.Errorf("%s: %w", path, err))
		}
		n, err := trustlist.AttachCRL(cl.Entries, data)
		if err != nil {
			return policyErr(err)
		}
		if n == 0 {
			continue
		}
		total += n
		doc, err := trustlist.Encode(&cl)
		if err != nil {
			return ioErr(err)
		}
		payload, _ := doc.PayloadBytes()
		if err := writeFileAtomic(path, payload); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: revocation list attached to %d entries\n", path, n)
	}
	if total == 0 {
		return policyErr(fmt.Errorf("no draft in %s holds the key this revocation list belongs to", dir))
	}
	return nil
}

func newExportCmd(e env) *cobra.Command {
	var anchorFile, format, out, at string
	cmd := &cobra.Command{
		Use:   "export --anchor anchor.json --format json|pem --out DIR federated.json",
		Short: "Export a verified federated list as JSON, or as a PEM bundle per country",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			anchor, err := loadAnchor(anchorFile)
			if err != nil {
				return err
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			data, err := readFile(args[0])
			if err != nil {
				return err
			}
			l, err := trustlist.VerifyFederated(anchor, data, trustlist.VerifyOptions{At: now})
			if err != nil {
				return policyErr(err)
			}
			if out == "" {
				return usageErr("--out DIR is required")
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return ioErr(err)
			}
			switch format {
			case "json":
				b, err := l.ExportJSON()
				if err != nil {
					return ioErr(err)
				}
				path := filepath.Join(out, "trustlist.json")
				if err := writeFileAtomic(path, b); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, path)
			case "pem":
				for cc, b := range l.ExportPEM() {
					path := filepath.Join(out, cc+".pem")
					if err := writeFileAtomic(path, b); err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, path)
				}
			default:
				return usageErr("--format %q: want json or pem", format)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&anchorFile, "anchor", "", "the federation anchor")
	cmd.Flags().StringVar(&format, "format", "json", "json or pem")
	cmd.Flags().StringVar(&out, "out", "", "output folder")
	cmd.Flags().StringVar(&at, "at", "", "verification time (RFC 3339, default now)")
	return cmd
}

func newFetchCmd(e env) *cobra.Command {
	var anchorFile, out, stateFile string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "fetch --anchor anchor.json --out FILE [--state FILE] URL|FILE",
		Short: "Download a federated list, verify it, and save it only if it verifies (for offline devices)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			anchor, err := loadAnchor(anchorFile)
			if err != nil {
				return err
			}
			if out == "" {
				return usageErr("--out FILE is required")
			}
			opts := fetch.Options{}
			if stateFile != "" {
				if b, err := os.ReadFile(stateFile); err == nil {
					st, err := trustlist.ParseState(b)
					if err != nil {
						return ioErr(err)
					}
					opts.State = st
				}
			}
			c, err := fetch.New(args[0], anchor, opts)
			if err != nil {
				return usageErr("%v", err)
			}
			ctx, cancel := contextWithTimeout(timeout)
			defer cancel()
			if err := c.Refresh(ctx); err != nil {
				return policyErr(err)
			}
			l := c.Current()
			if err := writeFileAtomic(out, l.Raw); err != nil {
				return err
			}
			if stateFile != "" {
				st := c.State()
				b, _ := trustlist.MarshalState(&st)
				if err := writeFileAtomic(stateFile, b); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stdout, "%s: sequence %d, %d keys, verified\n", out, l.Sequence, l.Len())
			return nil
		},
	}
	cmd.Flags().StringVar(&anchorFile, "anchor", "", "the pinned federation anchor")
	cmd.Flags().StringVar(&out, "out", "", "where to save the verified list")
	cmd.Flags().StringVar(&stateFile, "state", "", "rollback state file (read and updated)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "network timeout")
	return cmd
}
