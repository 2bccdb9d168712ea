package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/rules"
	"github.com/b5m5/travelcred/trustlist"
)

// signMemberDoc raises a draft's sequence, stamps it and signs it with the
// member's publisher key.
func signMemberDoc(e env, doc any, keyFile, out string) error {
	key, err := issuer.LoadKeyFile(keyFile)
	if err != nil {
		return ioErr(err)
	}
	var country string
	switch d := doc.(type) {
	case *trustlist.RevocationList:
		country = d.Country
	case *trustlist.RuleSet:
		country = d.Country
	}
	s, err := trustlist.Encode(doc)
	if err != nil {
		return ioErr(err)
	}
	if err := s.AddSignature(key, country); err != nil {
		return ioErr(err)
	}
	b, err := s.Marshal()
	if err != nil {
		return ioErr(err)
	}
	return writeFileAtomic(out, b)
}

func newRevocationCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "revocation add|build|sign",
		Short: "Maintain and sign a member's credential revocation list",
		Long: `A revocation list names revoked credentials by the first 16 bytes of a
SHA-256 hash — of the UCI, of the issuing country followed by the UCI, or of
the signature (for ECDSA its r half only) — in buckets per signing key.`,
	}
	var list, country, kid, format, hashType, uci, cred, hashHex, expires string
	readDraft := func(create bool) (*trustlist.RevocationList, error) {
		b, err := os.ReadFile(list)
		if os.IsNotExist(err) && create {
			if len(country) != 2 {
				return nil, usageErr("a new list needs --country CC")
			}
			return &trustlist.RevocationList{Country: strings.ToUpper(country)}, nil
		}
		if err != nil {
			return nil, ioErr(err)
		}
		var rl trustlist.RevocationList
		if err := json.Unmarshal(b, &rl); err != nil {
			return nil, policyErr(fmt.Errorf("%s: %w", list, err))
		}
		return &rl, nil
	}
	writeDraft := func(rl *trustlist.RevocationList) error {
		s, err := trustlist.Encode(rl)
		if err != nil {
			return ioErr(err)
		}
		p, _ := s.PayloadBytes()
		return writeFileAtomic(list, p)
	}
	add := &cobra.Command{
		Use:   "add --list CC.revocations.json [--country CC] --kid KID --hash-type UCI|COUNTRYCODEUCI|SIGNATURE (--uci ID | --credential HC1:… | --hash HEX) [--expires T]",
		Short: "Add a revoked credential to a revocation list draft (created if missing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list == "" || kid == "" {
				return usageErr("--list and --kid are required")
			}
			rl, err := readDraft(true)
			if err != nil {
				return err
			}
			var h [trustlist.HashSize]byte
			switch {
			case hashHex != "":
				b, err := hex.DecodeString(hashHex)
				if err != nil || len(b) != trustlist.HashSize {
					return usageErr("--hash must be %d bytes of hex", trustlist.HashSize)
				}
				h = [trustlist.HashSize]byte(b)
			case cred != "":
				// The publisher's own credential: read, not verified.
				m, err := hcert.Decode(cred)
				if err != nil {
					return policyErr(err)
				}
				c, err := hcert.ParseClaims(m.Payload)
				if err != nil {
					return policyErr(err)
				}
				tree, err := hcert.DecodeDCC(c.DCC)
				if err != nil {
					return policyErr(err)
				}
				d, err := credential.ParseDCC(tree)
				if err != nil {
					return policyErr(err)
				}
				hs := trustlist.HashesOf(dccID(d), c.Issuer, m.Signature, m.Alg != hcert.PS256)
				h = pickHash(hs, hashType)
			case uci != "":
				hs := trustlist.HashesOf(uci, rl.Country, []byte{0}, false)
				if hashType == trustlist.HashSignature {
					return usageErr("--uci cannot give a SIGNATURE hash; use --credential or --hash")
				}
				h = pickHash(hs, hashType)
			default:
				return usageErr("one of --uci, --credential or --hash is required")
			}
			switch hashType {
			case trustlist.HashUCI, trustlist.HashCountryUCI, trustlist.HashSignature:
			default:
				return usageErr("--hash-type %q: want UCI, COUNTRYCODEUCI or SIGNATURE", hashType)
			}
			var exp time.Time
			if expires != "" {
				if exp, err = time.Parse(time.RFC3339, expires); err != nil {
					return usageErr("--expires: %v", err)
				}
			}
			rl.Add(credential.Format(format), kid, hashType, h, exp)
			if err := writeDraft(rl); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %s hash %x added for kid %s\n", list, hashType, h, kid)
			return nil
		},
	}
	add.Flags().StringVar(&list, "list", "", "revocation list draft (JSON payload)")
	add.Flags().StringVar(&country, "country", "", "the member (for a new list)")
	add.Flags().StringVar(&kid, "kid", "", "the signing key's id, as in the country list (standard base64)")
	add.Flags().StringVar(&format, "format", "hcert", "credential format")
	add.Flags().StringVar(&hashType, "hash-type", trustlist.HashUCI, "UCI, COUNTRYCODEUCI or SIGNATURE")
	add.Flags().StringVar(&uci, "uci", "", "the credential's unique identifier (ci)")
	add.Flags().StringVar(&cred, "credential", "", "the credential's HC1: text")
	add.Flags().StringVar(&hashHex, "hash", "", "a precomputed 16-byte hash, hex")
	add.Flags().StringVar(&expires, "expires", "", "when the bucket may be dropped (the key's notAfter)")

	build := &cobra.Command{
		Use:   "build --list CC.revocations.json [--at T]",
		Short: "Sort and de-duplicate a draft and drop buckets that have expired",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now, err := clockFlag(expires)
			if err != nil {
				return err
			}
			rl, err := readDraft(false)
			if err != nil {
				return err
			}
			kept := rl.Buckets[:0]
			dropped := 0
			for _, b := range rl.Buckets {
				if !b.ExpiresAt.IsZero() && now.After(b.ExpiresAt) {
					dropped++
					continue
				}
				kept = append(kept, b)
			}
			rl.Buckets = kept
			rl.Normalize()
			if err := writeDraft(rl); err != nil {
				return err
			}
			n := 0
			for _, b := range rl.Buckets {
				n += len(b.Hashes)
			}
			fmt.Fprintf(e.stdout, "%s: %d buckets, %d hashes, %d expired buckets dropped\n", list, len(rl.Buckets), n, dropped)
			return nil
		},
	}
	build.Flags().StringVar(&list, "list", "", "revocation list draft")
	build.Flags().StringVar(&expires, "at", "", "reference time (RFC 3339, default now)")

	var keyFile, out, at string
	var validFor time.Duration
	sign := &cobra.Command{
		Use:   "sign --list CC.revocations.json --key CC-publisher.key --out FILE [--valid-for 168h]",
		Short: "Raise the sequence and sign the revocation list with the member's publisher key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list == "" || keyFile == "" || out == "" {
				return usageErr("--list, --key and --out are required")
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			rl, err := readDraft(false)
			if err != nil {
				return err
			}
			rl.Sequence++
			rl.IssuedAt, rl.ExpiresAt = now, now.Add(validFor)
			if err := signMemberDoc(e, rl, keyFile, out); err != nil {
				return err
			}
			if err := writeDraft(rl); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %s revocation list sequence %d, %d buckets\n", out, rl.Country, rl.Sequence, len(rl.Buckets))
			return nil
		},
	}
	sign.Flags().StringVar(&list, "list", "", "revocation list draft")
	sign.Flags().StringVar(&keyFile, "key", "", "publisher private key")
	sign.Flags().StringVar(&out, "out", "", "signed list to write")
	sign.Flags().DurationVar(&validFor, "valid-for", 7*24*time.Hour, "list lifetime")
	sign.Flags().StringVar(&at, "at", "", "issue time (RFC 3339, default now)")
	cmd.AddCommand(add, build, sign)
	return cmd
}

func pickHash(h trustlist.CredentialHashes, t string) [trustlist.HashSize]byte {
	switch t {
	case trustlist.HashCountryUCI:
		return h.CountryUCI
	case trustlist.HashSignature:
		return h.Signature
	}
	return h.UCI
}

func dccID(d *credential.DCC) string {
	switch {
	case len(d.Vaccinations) > 0:
		return d.Vaccinations[0].ID
	case len(d.Tests) > 0:
		return d.Tests[0].ID
	case len(d.Recoveries) > 0:
		return d.Recoveries[0].ID
	}
	return ""
}

func newRulesCmd(e env) *cobra.Command {
	cmd := &cobra.Command{Use: "rules sign", Short: "Sign a member's business rules for distribution in the federated list"}
	var country, keyFile, out, at string
	var validFor time.Duration
	var seq int64
	sign := &cobra.Command{
		Use:   "sign --country CC --key CC-publisher.key --out FILE [--sequence N] RULE.json|DIR...",
		Short: "Sign the member's rules (EU rule JSON files, or folders of them) as a rule set",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(country) != 2 || keyFile == "" || out == "" {
				return usageErr("--country, --key and --out are required")
			}
			now, err := clockFlag(at)
			if err != nil {
				return err
			}
			rs := &trustlist.RuleSet{Country: strings.ToUpper(country), Sequence: seq, IssuedAt: now, ExpiresAt: now.Add(validFor)}
			for _, a := range args {
				st, err := os.Stat(a)
				if err != nil {
					return ioErr(err)
				}
				var raws [][]byte
				if st.IsDir() {
					err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
						if err != nil {
							return err
						}
						if d.IsDir() && (d.Name() == "tests" || d.Name() == "valuesets" || d.Name() == "schemas") {
							return filepath.SkipDir
						}
						if !d.IsDir() && d.Name() == "rule.json" {
							b, err := os.ReadFile(p)
							if err != nil {
								return err
							}
							raws = append(raws, b)
						}
						return nil
					})
					if err != nil {
						return ioErr(err)
					}
				} else {
					b, err := readFile(a)
					if err != nil {
						return err
					}
					raws = append(raws, b)
				}
				for _, b := range raws {
					r, err := rules.ParseRule(b)
					if err != nil {
						return policyErr(fmt.Errorf("%s: %w", a, err))
					}
					if r.Country != rs.Country {
						return policyErr(fmt.Errorf("%w: rule %s belongs to %s, not %s", trustlist.ErrForeignKey, r.Identifier, r.Country, rs.Country))
					}
					rs.Rules = append(rs.Rules, json.RawMessage(b))
				}
			}
			if err := signMemberDoc(e, rs, keyFile, out); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %s rule set sequence %d, %d rules\n", out, rs.Country, rs.Sequence, len(rs.Rules))
			return nil
		},
	}
	sign.Flags().StringVar(&country, "country", "", "the member (destination country of the rules)")
	sign.Flags().StringVar(&keyFile, "key", "", "publisher private key")
	sign.Flags().StringVar(&out, "out", "", "signed rule set to write")
	sign.Flags().Int64Var(&seq, "sequence", 1, "rule set sequence (raise it for each publication)")
	sign.Flags().DurationVar(&validFor, "valid-for", 30*24*time.Hour, "rule set lifetime")
	sign.Flags().StringVar(&at, "at", "", "issue time (RFC 3339, default now)")
	cmd.AddCommand(sign)
	return cmd
}
