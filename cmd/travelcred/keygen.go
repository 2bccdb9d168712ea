package main

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/trustlist"
)

func newKeygenCmd(e env) *cobra.Command {
	var country, role, usage, alg, out, cscaKey, cscaCert, at string
	var validFor time.Duration
	var force bool
	cmd := &cobra.Command{
		Use:   "keygen --country CC --role csca|dsc|root|publisher|aggregator [--usage v,t,r] [--alg ES256|PS256] --out DIR",
		Short: "Create a CSCA, DSC or trust-list signing key",
		Long: `keygen creates a key pair and certificate in DIR as CC-ROLE.key (PKCS #8
PEM, mode 0600) and CC-ROLE.crt (PEM).

  --role csca  a self-signed Country Signing CA
  --role dsc   a Document Signer Certificate signed by the country's CSCA
               (--csca-key/--csca-cert, default DIR/CC-csca.key and .crt),
               carrying the HCERT key-usage OIDs of --usage
  --role root       a member's root key, which signs federation anchors
  --role publisher  a member's publisher key, which signs its country list
  --role aggregator the aggregator's key, which signs federated lists
                    (written as DIR/aggregator.key; --country not needed)
Trust-list keys are written as .key (PKCS #8 PEM, 0600) and .jwk (public).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			country = strings.ToUpper(country)
			if country == "" && role != "aggregator" {
				return usageErr("--country is required for --role %s", role)
			}
			if out == "" {
				return usageErr("--out DIR is required")
			}
			now := time.Now()
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageErr("--at: %v", err)
				}
				now = t
			}
			u := trustlist.UsageAll
			if usage != "" {
				var ok bool
				if u, ok = trustlist.ParseUsage(usage); !ok {
					return usageErr("--usage %q: want a comma-separated list of v, t, r", usage)
				}
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var key crypto.Signer
			var cert *x509.Certificate
			var err error
			switch role {
			case "csca":
				if validFor == 0 {
					validFor = 10 * 365 * 24 * time.Hour
				}
				if key, err = issuer.GenerateKey(alg); err != nil {
					return usageErr("%v", err)
				}
				cert, err = issuer.CreateCSCA(key, issuer.CertOptions{Country: country, NotBefore: now, NotAfter: now.Add(validFor)})
			case "dsc":
				if validFor == 0 {
					validFor = 2 * 365 * 24 * time.Hour
				}
				if cscaKey == "" {
					cscaKey = filepath.Join(out, country+"-csca.key")
				}
				if cscaCert == "" {
					cscaCert = filepath.Join(out, country+"-csca.crt")
				}
				ck, err := issuer.LoadKeyFile(cscaKey)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				cc, err := issuer.LoadCertificateFile(cscaCert)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if key, err = issuer.GenerateKey(alg); err != nil {
					return usageErr("%v", err)
				}
				notAfter := now.Add(validFor)
				if notAfter.After(cc.NotAfter) {
					notAfter = cc.NotAfter
				}
				cert, err = issuer.CreateDSC(key.Public(), cc, ck, issuer.CertOptions{Country: country, NotBefore: now, NotAfter: notAfter, Usage: u})
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			case "root", "publisher", "aggregator":
				// Trust-list signing keys: a key pair and its public JWK.
				if alg == "" {
					alg = "ES256"
				}
				if key, err = issuer.GenerateKey(alg); err != nil {
					return usageErr("%v", err)
				}
				base := filepath.Join(out, country+"-"+role)
				if role == "aggregator" {
					base = filepath.Join(out, "aggregator")
				}
				jwkRaw, err := trustlist.MarshalPublicJWK(key.Public())
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if err := writeKeyPair(base+".key", key, base+".jwk", append(jwkRaw, '\n'), force); err != nil {
					return err
				}
				kid, _ := trustlist.KeyThumbprint(key.Public())
				fmt.Fprintf(e.stdout, "%s.key\n%s.jwk\nkid %s\n", base, base, kid)
				return nil
			default:
				return usageErr("--role %q: want csca, dsc, root, publisher or aggregator", role)
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			base := filepath.Join(out, country+"-"+role)
			if err := writeKeyPair(base+".key", key, base+".crt", issuer.MarshalCertificatePEM(cert), force); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s.key\n%s.crt\n", base, base)
			if role == "dsc" {
				fmt.Fprintf(e.stdout, "kid %x (base64 %s), usage %s, valid %s to %s\n",
					trustlist.HCERTKeyID(cert.Raw), b64(trustlist.HCERTKeyID(cert.Raw)), trustlist.CertificateUsage(cert),
					cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&country, "country", "", "ISO 3166-1 alpha-2 country code (required)")
	f.StringVar(&role, "role", "", "csca, dsc, root, publisher or aggregator (required)")
	f.StringVar(&usage, "usage", "", "credential types a DSC may sign: v,t,r (default all)")
	f.StringVar(&alg, "alg", "ES256", "ES256 (ECDSA P-256) or PS256 (RSA 3072)")
	f.StringVar(&out, "out", "", "output folder (required)")
	f.StringVar(&cscaKey, "csca-key", "", "CSCA private key for --role dsc (default DIR/CC-csca.key)")
	f.StringVar(&cscaCert, "csca-cert", "", "CSCA certificate for --role dsc (default DIR/CC-csca.crt)")
	f.DurationVar(&validFor, "valid-for", 0, "certificate lifetime (default 10 years for a CSCA, 2 years for a DSC)")
	f.StringVar(&at, "at", "", "notBefore as RFC 3339 (default now)")
	f.BoolVar(&force, "force", false, "replace existing key and certificate files")
	cmd.MarkFlagRequired("role")
	return cmd
}

// writeKeyPair writes a private key (0600, atomically) and its public part
// (certificate or JWK). Existing files are refused unless force is set, so
// a key is never lost by a repeated command.
func writeKeyPair(keyPath string, key crypto.Signer, pubPath string, pub []byte, force bool) error {
	if !force {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Stat(p); err == nil {
				return usageErr("%s exists; use --force to replace it", p)
			}
		}
	}
	write := issuer.WriteKeyFile
	if force {
		write = issuer.ReplaceKeyFile
	}
	if err := write(keyPath, key); err != nil {
		return ioErr(err)
	}
	return writeFileAtomic(pubPath, pub)
}
