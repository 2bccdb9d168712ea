// Command travelscan is the embedded line-mode verifier for checkpoint
// gates and handheld scanners. It reads one credential per line from
// standard input (a keyboard-wedge scanner, a pipe) or a serial device,
// and writes one result line per input line, at once. It keeps going after
// any bad input, verifies offline from a trust-list file, and contains no
// network code.
//
// Usage:
//
//	travelscan --trust FILE --anchor FILE [--at T] [--json] [--device /dev/ttyX]
//	           [--baud 115200] [--max-age 48h] [--idle 2s] [--repair] [--state FILE]
//	travelscan --trust demo [...]
//
// Output, one line per input line:
//
//	VALID GB vaccination d'Arsøns-van Halen, François-Joan born 1990-01-01 | trust fresh age 3h
//	INVALID input_mangled (malformed): bad_prefix: … [hint: …] | trust fresh age 3h
//
// or with --json one object per line: the verdict of the travelcred CLI's
// --json output plus "line", "trustAge", "trustFreshness", "hint" and
// "repair".
//
// Exit status: 2 for a usage error, an unreadable input or a serial device
// that hung up, or a trust list that is refused at start (bad signature,
// expired, older than --max-age, or issued after the device clock's time);
// at the end of the input, 0 when every line was valid, else 1.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/trustlist"
	"github.com/b5m5/travelcred/verifier"
)

// Exit statuses.
const (
	exitValid   = 0
	exitInvalid = 1
	exitUsage   = 2
)

// reasonInputMangled is the DESIGN's reason code for recognised transport
// damage (class malformed).
//
// TODO: use credential.ReasonInputMangled once package credential defines
// it.
const reasonInputMangled credential.Reason = "input_mangled"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	trust, anchor, at, device, state string
	json, repair                     bool
	maxAge, idle                     time.Duration
	baud                             int
}

const usageText = `usage: travelscan --trust FILE --anchor FILE [flags]
       travelscan --trust demo [flags]

Reads one credential per line from standard input or --device and writes
one result line per input line. Verifies offline; never opens a network
connection.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("travelscan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.trust, "trust", "", "signed federated trust list `FILE`, or demo for the built-in demo federation (insecure: its private keys are public; --max-age does not apply)")
	fs.StringVar(&c.anchor, "anchor", "", "signed federation anchor `FILE` that the trust list must verify against")
	fs.StringVar(&c.at, "at", "", "verify at this RFC 3339 `time` instead of the clock's")
	fs.BoolVar(&c.json, "json", false, "write one JSON object per line")
	fs.StringVar(&c.device, "device", "", "read from this serial `device` (such as /dev/ttyACM0) instead of standard input")
	fs.IntVar(&c.baud, "baud", 115200, "serial speed set on --device, with 8N1 raw mode; 0 leaves the port settings alone")
	fs.DurationVar(&c.maxAge, "max-age", 48*time.Hour, "refuse a trust list issued longer ago than this")
	fs.DurationVar(&c.idle, "idle", scanner.DefaultIdle, "discard partial input after this long without the rest of its line")
	fs.BoolVar(&c.repair, "repair", false, "accept keyboard-layout damage when undoing it gives a credential whose signature verifies (reported on the line)")
	fs.StringVar(&c.state, "state", "", "rollback-protection state `FILE`: refuse a trust list older than one already accepted, and record this one")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.trust == "":
		return nil, errors.New("--trust is required (a federated list FILE with --anchor, or demo)")
	case c.trust != "demo" && c.anchor == "":
		return nil, errors.New("--anchor is required with a trust-list file")
	case c.maxAge <= 0:
		return nil, errors.New("--max-age must be positive")
	case c.idle <= 0:
		return nil, errors.New("--idle must be positive")
	}
	if err := checkBaud(c.baud); err != nil {
		return nil, err
	}
	return c, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "travelscan: %v\n", err)
		return exitUsage
	}
	now := time.Now
	if c.at != "" {
		t, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			fmt.Fprintf(stderr, "travelscan: --at: %v\n", err)
			return exitUsage
		}
		now = func() time.Time { return t }
	}
	list, err := loadTrust(c, now(), stderr)
	if err != nil {
		fmt.Fprintf(stderr, "travelscan: %v\n", err)
		return exitUsage
	}
	opts := []verifier.Option{verifier.WithClock(now)}
	if c.trust != "demo" {
		opts = append(opts, verifier.WithMaxTrustAge(c.maxAge))
	}
	v, err := verifier.New(list, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "travelscan: %v\n", err)
		return exitUsage
	}

	in := stdin
	tty := false
	if c.device != "" {
		var f *os.File
		f, tty, err = openDevice(c.device, c.baud, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "travelscan: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	s := &session{cfg: c, v: v, trust: list, now: now, out: stdout}
	lr := scanner.NewLineReader(in, scanner.LineOptions{Idle: c.idle})
	allValid := true
	for {
		line, err := lr.ReadLine()
		if err == io.EOF && tty {
			// A terminal ends only when it hangs up (a USB serial scanner
			// unplugged): fail, so that a service manager restarts us.
			fmt.Fprintf(stderr, "travelscan: %s hung up\n", c.device)
			return exitUsage
		}
		if err == io.EOF {
			break
		}
		var le *scanner.LineError
		if err != nil && !errors.As(err, &le) {
			fmt.Fprintf(stderr, "travelscan: reading input: %v\n", err)
			return exitUsage
		}
		r := s.check(lr.Line(), line, le)
		allValid = allValid && r.Valid
		if err := s.write(r); err != nil {
			fmt.Fprintf(stderr, "travelscan: writing output: %v\n", err)
			return exitUsage
		}
	}
	if !allValid {
		return exitInvalid
	}
	return exitValid
}

// loadTrust verifies the trust list named by --trust at now and checks its
// age. A list that is refused stops travelscan before it reads any input.
func loadTrust(c *config, now time.Time, stderr io.Writer) (*trustlist.List, error) {
	if c.trust == "demo" {
		fmt.Fprintln(stderr, demoWarning)
		list, err := demoTrust(now)
		if err != nil {
			return nil, fmt.Errorf("demo trust list: %w", err)
		}
		return list, nil
	}
	anchorData, err := os.ReadFile(c.anchor)
	if err != nil {
		return nil, err
	}
	anchor, err := trustlist.VerifyAnchor(anchorData)
	if err != nil {
		return nil, fmt.Errorf("anchor %s refused: %w", c.anchor, err)
	}
	data, err := os.ReadFile(c.trust)
	if err != nil {
		return nil, err
	}
	var state *trustlist.State
	if c.state != "" {
		if state, err = loadState(c.state); err != nil {
			return nil, err
		}
	}
	list, err := trustlist.VerifyFederated(anchor, data, trustlist.VerifyOptions{At: now, State: state})
	switch {
	case errors.Is(err, trustlist.ErrSuspectClock):
		return nil, fmt.Errorf("trust list %s refused: it was signed after the device clock's time (%s): check the clock: %w",
			c.trust, now.UTC().Format(time.RFC3339), err)
	case errors.Is(err, trustlist.ErrExpiredList):
		return nil, fmt.Errorf("trust list %s refused: it has expired; install a current one: %w", c.trust, err)
	case err != nil:
		return nil, fmt.Errorf("trust list %s refused: %w", c.trust, err)
	}
	st := list.Status(now)
	if st.SuspectClock {
		return nil, fmt.Errorf("trust list %s refused: it was issued at %s, after the device clock's time (%s): check the clock",
			c.trust, st.IssuedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if st.Age > c.maxAge {
		return nil, fmt.Errorf("trust list %s refused: issued %s ago, over --max-age %s; install a newer one",
			c.trust, formatAge(st.Age), shortDuration(c.maxAge))
	}
	if state != nil {
		state.Accept(list)
		if err := saveState(c.state, state); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func loadState(path string) (*trustlist.State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &trustlist.State{}, nil
	}
	if err != nil {
		return nil, err
	}
	return trustlist.ParseState(data)
}

// saveState replaces the state file atomically.
func saveState(path string, s *trustlist.State) error {
	data, err := trustlist.MarshalState(s)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".travelscan-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// session verifies lines and writes results.
type session struct {
	cfg   *config
	v     *verifier.Verifier
	trust trustlist.Source
	now   func() time.Time
	out   io.Writer
}

// result is one output line.
type result struct {
	Line int `json:"line"`
	verifier.Verdict
	TrustAge       string              `json:"trustAge"`
	TrustFreshness trustlist.Freshness `json:"trustFreshness"`
	Hint           string              `json:"hint,omitempty"`
	Repair         string              `json:"repair,omitempty"`
	age            time.Duration
}

// check verifies one input line, or reports a line the reader refused.
func (s *session) check(n int, line string, le *scanner.LineError) result {
	r := result{Line: n}
	switch {
	case le != nil && errors.Is(le, scanner.ErrLineTooLong):
		r.Verdict = verifier.Verdict{Reason: credential.ReasonTooLarge, Class: credential.ReasonTooLarge.ClassName(), Detail: le.Error()}
	case le != nil:
		r.Verdict = verifier.Verdict{Reason: reasonInputMangled, Class: reasonInputMangled.ClassName(), Detail: le.Error()}
		r.Hint = "the rest of the code never arrived: scan it again"
	default:
		res, rep, err := scanner.Check(line, s.v.Verify, scanner.Options{Repair: s.cfg.repair})
		var d *scanner.DamageError
		if errors.As(err, &d) {
			r.Verdict = verifier.NewVerdict(nil, d.Err)
			if r.Reason != reasonInputMangled {
				r.Detail = string(r.Reason) + ": " + r.Detail
				r.Reason, r.Class = reasonInputMangled, reasonInputMangled.ClassName()
			}
			r.Hint = d.Hint
		} else {
			r.Verdict = verifier.NewVerdict(res, err)
		}
		if rep.Repair != nil {
			r.Repair = rep.Repair.Layout
			l, _ := scanner.LayoutByName(rep.Repair.Layout)
			r.Hint = "repaired damage done by " + l.Description + ": set the scanner and the host to the same keyboard layout"
		}
	}
	st := s.trust.Status(s.now())
	r.age = st.Age
	r.TrustAge = st.Age.Round(time.Second).String()
	r.TrustFreshness = st.Freshness
	return r
}

// write writes one result line in a single Write call.
func (s *session) write(r result) error {
	var b []byte
	if s.cfg.json {
		var err error
		if b, err = json.Marshal(r); err != nil {
			return err
		}
	} else {
		b = []byte(r.text())
	}
	_, err := s.out.Write(append(b, '\n'))
	return err
}

// text formats a result as one line of text.
func (r result) text() string {
	var b strings.Builder
	if r.Valid {
		c := r.Credential
		fmt.Fprintf(&b, "VALID %s %s %s born %s", r.Country, c.Type, holder(c.Holder), c.DateOfBirth)
		if r.Repair != "" {
			fmt.Fprintf(&b, " [repaired: %s]", r.Repair)
		}
	} else {
		fmt.Fprintf(&b, "INVALID %s (%s)", r.Reason, r.Class)
		if r.Detail != "" {
			b.WriteString(": " + r.Detail)
		}
	}
	if r.Hint != "" {
		b.WriteString(" [hint: " + r.Hint + "]")
	}
	fmt.Fprintf(&b, " | trust %s age %s", r.TrustFreshness, formatAge(r.age))
	return oneLine(b.String())
}

// holder formats a name as "family, given", falling back to the
// standardised (ASCII) forms.
func holder(n credential.Name) string {
	family, given := n.FamilyName, n.GivenName
	if family == "" {
		family = n.FamilyNameStd
	}
	if given == "" {
		given = n.GivenNameStd
	}
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return family + ", " + given
}

// oneLine replaces control characters, so a result is always one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// shortDuration writes a duration as it is usually given: 48h, 90m, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatAge writes a duration compactly: 45s, 12m, 3h, 3h12m, 2d4h.
func formatAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}
