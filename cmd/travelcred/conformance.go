package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/testvectors"
)

func newConformanceCmd(e env) *cobra.Command {
	var asJSON bool
	var suite string
	cmd := &cobra.Command{
		Use:   "conformance [--json] [--suite dcc] DIR",
		Short: "Run an official test-vector suite and report each case",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rep *testvectors.Report
			var err error
			switch suite {
			case "dcc":
				rep, err = testvectors.RunDCC(args[0], testvectors.DCCOptions{})
			case "certlogic":
				rep, err = testvectors.RunCertLogicSpec(args[0])
			case "rules":
				rep, err = testvectors.RunRules(args[0])
			case "nzcp", "shc", "vdsnc", "who":
				rep, err = testvectors.RunSuite(args[0])
				if err == nil && rep.Suite != suite {
					return usageErr("%s holds the %q suite, not %q", args[0], rep.Suite, suite)
				}
			default:
				return usageErr("suite %q is not supported (dcc, nzcp, shc, vdsnc, who, certlogic, rules)", suite)
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			} else {
				for _, c := range rep.Cases {
					switch c.Outcome {
					case testvectors.Failed:
						fmt.Fprintf(e.stdout, "FAIL %s %s expected=%t got=%t: %s\n", c.File, c.Flag, c.Expected, c.Got, c.Reason)
					case testvectors.Skipped:
						fmt.Fprintf(e.stdout, "SKIP %s %s: %s\n", c.File, c.Flag, c.Reason)
					}
				}
				fmt.Fprintln(e.stdout, rep.Summary())
			}
			if rep.Failed > 0 {
				return errInvalid
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&suite, "suite", "dcc", "suite: dcc (dgc-testdata layout); nzcp, shc, vdsnc, who (expected.json); certlogic, rules (CertLogic layout)")
	return cmd
}
