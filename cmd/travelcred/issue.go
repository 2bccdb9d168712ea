package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/issuer"
	"github.com/b5m5/travelcred/qr"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func newIssueCmd(e env) *cobra.Command {
	var keyFile, certFile, in, qrOut, at string
	var validFor time.Duration
	cmd := &cobra.Command{
		Use:   "issue --key DSC.key --cert DSC.crt [--in payload.json|-] [--valid-for 8760h] [--qr out.png] [--at T]",
		Short: "Sign a DCC JSON payload and print its HC1: text",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" || certFile == "" {
				return usageErr("--key and --cert are required")
			}
			key, err := issuer.LoadKeyFile(keyFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			cert, err := issuer.LoadCertificateFile(certFile)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			opts := []issuer.Option{issuer.WithValidity(validFor)}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usageErr("--at: %v", err)
				}
				opts = append(opts, issuer.WithClock(func() time.Time { return t }))
			}
			iss, err := issuer.New(key, cert, opts...)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var payload []byte
			if in == "" || in == "-" {
				payload, err = io.ReadAll(io.LimitReader(e.stdin, 1<<20))
			} else {
				payload, err = os.ReadFile(in)
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			out, err := iss.IssueJSON(payload)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			fmt.Fprintln(e.stdout, out.Text)
			fmt.Fprintf(e.stderr, "issued %s credential, kid %s, %s, iat %s, exp %s\n", out.Type, b64(out.KeyID),
				iss.Algorithm(), out.IssuedAt.Format(time.RFC3339), out.ExpiresAt.Format(time.RFC3339))
			if qrOut == "-" {
				// The QR code in the terminal, for a phone to scan.
				term, err := qr.EncodeTerminal(out.Text)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				fmt.Fprint(e.stdout, term)
			} else if qrOut != "" {
				png, err := qr.EncodePNG(out.Text)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if err := os.WriteFile(qrOut, png, 0o644); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "DSC private key, PKCS #8 PEM, mode 0600 (required)")
	f.StringVar(&certFile, "cert", "", "DSC certificate, PEM (required)")
	f.StringVar(&in, "in", "-", "DCC JSON payload file, or - for standard input")
	f.DurationVar(&validFor, "valid-for", 8760*time.Hour, "validity: exp = iat + this")
	f.StringVar(&qrOut, "qr", "", "also write the QR code as a PNG to this file, or - to draw it in the terminal")
	f.StringVar(&at, "at", "", "issue at this RFC 3339 time instead of now")
	return cmd
}
