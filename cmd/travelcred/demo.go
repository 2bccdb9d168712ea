package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/testvectors"
)

func newDemoCmd(e env) *cobra.Command {
	var out string
	var showQR bool
	cmd := &cobra.Command{
		Use:   "demo [--out DIR] [--qr=false]",
		Short: "Create a five-country federation, issue, encode, decode and verify credentials",
		Long: `demo creates a CSCA and a DSC for each of AU, CA, NZ, GB and US in a
folder (a new temporary one unless --out is given), issues a vaccination,
a test and a recovery credential for each, writes their QR codes as PNG,
reads each PNG back, verifies it, and shows that tampered credentials are
refused. It needs no network and no set-up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := out
			if dir == "" {
				d, err := os.MkdirTemp("", "travelcred-demo-")
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				dir = d
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			rep, err := testvectors.RunDemo(dir, nil)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			fmt.Fprintln(e.stdout, "FEDERATION")
			for _, s := range rep.Steps {
				fmt.Fprintln(e.stdout, "  "+s)
			}
			fmt.Fprintln(e.stdout)
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "COUNTRY\tFORMAT\tALG\tTYPE\tCHARS\tQR\tPNG READ BACK\tVERIFIED\tAS EXPECTED\n")
			for _, r := range rep.Rows {
				verdict := "valid"
				if !r.Valid {
					verdict = "INVALID " + r.Reason
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\tV%d\t%s\t%s\t%s\n", r.Country, r.Format, r.Alg, r.Type, r.TextLen, r.QRVersion, yesNo(r.Decoded), verdict, yesNo(r.Expected))
			}
			w.Flush()
			fmt.Fprintln(e.stdout)
			w = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "REFUSALS\tCOUNTRY\tVERDICT\tAS EXPECTED\n")
			for _, r := range rep.Tampered {
				fmt.Fprintf(w, "%s\t%s\trejected: %s\t%s\n", r.QRFile, r.Country, r.Reason, yesNo(r.Expected))
			}
			w.Flush()
			if rep.SampleText != "" && showQR {
				if term, err := qr.EncodeTerminal(rep.SampleText); err == nil {
					fmt.Fprintf(e.stdout, "\nAU vaccination credential, for a phone to scan:\n%s", term)
				}
			}
			fmt.Fprintf(e.stdout, "\nfiles (keys mode 0600, certificates, trust lists, QR PNGs) in %s\n", dir)
			if !rep.OK() {
				fmt.Fprintln(e.stdout, "demo: some rows did not come out as expected")
				return errInvalid
			}
			fmt.Fprintln(e.stdout, "demo: every row as expected")
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder for keys, certificates and QR codes (default: a new temporary folder)")
	cmd.Flags().BoolVar(&showQR, "qr", true, "draw one credential's QR code in the terminal")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}
