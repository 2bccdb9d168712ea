// Command travelcred issues, encodes and verifies travel health credentials.
//
// Usage:
//
//	travelcred demo [--out DIR]
//	travelcred keygen --country CC --role csca|dsc [--usage v,t,r] [--alg ES256|PS256] --out DIR
//	travelcred issue  --key DSC.key --cert DSC.crt [--in payload.json|-] [--valid-for 8760h] [--qr out.png] [--at T]
//	travelcred verify --trust FILE|DIR [--at RFC3339] [--json] INPUT...
//	travelcred qr encode|decode ...
//	travelcred conformance [--json] [--suite dcc|nzcp|shc|vdsnc|who|certlogic|rules] DIR
//	travelcred trustlist anchor|country|revocation|rules|aggregate|verify|inspect|diff|import|export|fetch ...
//	travelcred serve [--addr :8080] [--trust FILE|URL|demo] [--anchor FILE] [--publish DIR] [--issue-key K --issue-cert C --tokens FILE] [--tls-cert C --tls-key K] [--client-ca FILE]
//
// Exit codes: 0 when every input is valid, 1 when at least one is not, 2 for
// usage and I/O errors.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes of the CLI contract.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// invalid reports that at least one input was not valid (exit 1); the
// reasons have already been printed.
var errInvalid = &exitError{code: exitInvalid}

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// env is what commands read and write, so tests can run them in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr}))
}

func run(args []string, e env) int {
	root := newRoot(e)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.err != nil {
			fmt.Fprintln(e.stderr, "travelcred:", xe.err)
		}
		return xe.code
	}
	fmt.Fprintln(e.stderr, "travelcred:", err)
	return exitUsage
}

func newRoot(e env) *cobra.Command {
	root := &cobra.Command{
		Use:           "travelcred",
		Short:         "Issue, encode and verify travel health credentials",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	root.AddCommand(
		newDemoCmd(e),
		newKeygenCmd(e),
		newIssueCmd(e),
		newVerifyCmd(e),
		newQRCmd(e),
		newConformanceCmd(e),
		newTrustlistCmd(e),
		newServeCmd(e),
	)
	return root
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
