package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/qr"
)

// maxImageFile is the largest image file qr decode reads. It bounds the
// memory a file costs before its header is even looked at; real photos
// and screenshots are far smaller.
const maxImageFile = 64 << 20

func newQRCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "qr encode|decode",
		Short: "Encode text as a QR code (PNG, SVG or terminal), or decode QR and Aztec images to text",
	}
	cmd.AddCommand(newQREncodeCmd(e), newQRDecodeCmd(e))
	return cmd
}

func newQREncodeCmd(e env) *cobra.Command {
	var in, out, level, format string
	var size, border int
	var noColor bool
	enc := &cobra.Command{
		Use:   "encode [TEXT] [--in FILE|-] [--out FILE|-] [--format png|svg|terminal] [--level L|M|Q|H] [--size PX] [--border MODULES]",
		Short: "Write credential text as a QR code (alphanumeric mode for HC1:, ECC level Q)",
		Long: `Write credential text as a QR code.

The text is the argument, or read from --in (a file, or - for standard input,
the default). Base45 credential text (HC1:) is stored in alphanumeric mode at
error correction level Q unless --level says otherwise; text that does not fit
a version-40 code is refused (exit 1).

--format png (the default) and svg write to --out, which is required (- writes
to standard output); without --format, an --out name ending in .svg selects
SVG. --format terminal draws the code with Unicode half blocks on standard
output (or --out), black on white with ANSI colours; with --no-color or the
NO_COLOR environment variable set it prints plain text for a dark terminal.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var text string
			switch {
			case len(args) == 1:
				text = args[0]
			case in == "" || in == "-":
				b, err := io.ReadAll(io.LimitReader(e.stdin, limits.QRText+2))
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				text = string(b)
			default:
				b, err := os.ReadFile(in)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				text = string(b)
			}
			text = strings.TrimRight(text, "\r\n")

			format = strings.ToLower(format)
			if format == "" {
				format = "png"
				if strings.EqualFold(filepath.Ext(out), ".svg") {
					format = "svg"
				}
			}
			switch format {
			case "png", "svg":
				if out == "" {
					return usageErr("--out FILE is required for --format %s (- for standard output)", format)
				}
			case "terminal":
			default:
				return usageErr("--format %q: want png, svg or terminal", format)
			}

			opts := []qr.EncodeOption{}
			switch strings.ToUpper(level) {
			case "L":
				opts = append(opts, qr.WithLevel(qr.LevelL))
			case "M":
				opts = append(opts, qr.WithLevel(qr.LevelM))
			case "Q", "":
				opts = append(opts, qr.WithLevel(qr.LevelQ))
			case "H":
				opts = append(opts, qr.WithLevel(qr.LevelH))
			default:
				return usageErr("--level %q: want L, M, Q or H", level)
			}
			if size > 0 {
				opts = append(opts, qr.WithSize(size))
			}
			if border >= 0 {
				opts = append(opts, qr.WithQuietZone(border))
			}

			var data []byte
			var err error
			switch format {
			case "png":
				data, err = qr.EncodePNG(text, opts...)
			case "svg":
				data, err = qr.EncodeSVG(text, opts...)
			case "terminal":
				color := !noColor && os.Getenv("NO_COLOR") == ""
				var s string
				s, err = qr.EncodeTerminal(text, append(opts, qr.WithTerminalColors(color))...)
				data = []byte(s)
			}
			switch {
			case errors.Is(err, qr.ErrTooLong), errors.Is(err, qr.ErrEmpty):
				return &exitError{code: exitInvalid, err: err}
			case err != nil:
				return &exitError{code: exitUsage, err: err}
			}
			if out == "" || out == "-" {
				if _, err := e.stdout.Write(data); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				return nil
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return nil
		},
	}
	f := enc.Flags()
	f.StringVar(&in, "in", "-", "text file, or - for standard input (or give the text as an argument)")
	f.StringVar(&out, "out", "", "file to write, or - for standard output (required for png and svg)")
	f.StringVar(&format, "format", "", "png, svg or terminal (default png, or svg for an --out name ending in .svg)")
	f.StringVar(&level, "level", "Q", "error correction level: L, M, Q or H")
	f.IntVar(&size, "size", 0, "image side in pixels (default 5 px per module; png and svg)")
	f.IntVar(&border, "border", qr.DefaultQuietZone, "quiet zone in modules")
	f.BoolVar(&noColor, "no-color", false, "terminal format: plain text without ANSI colours, for a dark terminal")
	return enc
}

// qrDecodeReport is one line of qr decode --json.
type qrDecodeReport struct {
	File       string  `json:"file"`
	Text       string  `json:"text"`
	Symbology  string  `json:"symbology"`
	Pass       string  `json:"pass"`
	Scale      float64 `json:"scale"`
	Credential bool    `json:"credential"`
	Error      string  `json:"error,omitempty"`
}

func newQRDecodeCmd(e env) *cobra.Command {
	var asJSON bool
	dec := &cobra.Command{
		Use:   "decode [--json] FILE...",
		Short: "Print the text of the QR or Aztec code in each PNG, JPEG, GIF or SVG file",
		Long: `Print the text of the QR or Aztec code in each PNG, JPEG, GIF or SVG file
(- reads standard input). With one file the text is printed alone; with several,
each line is "FILE: TEXT". Failures go to standard error with the reason: no
code found, a code found but unreadable, or an invalid or oversized image. A
code whose text is not a travel credential (HC1:, NZCP:/, shc:/, LT1:, AT1:,
or an ICAO seal) is printed, with a warning on standard error.

--json prints one JSON object per file, in order, on standard output:
{"file", "text", "symbology" (qr or aztec), "pass" (the decode pass that read
it: default, pure, try-harder, inverted, rot90, rot180, rot270, rot+30, rot-30
or upscaled), "scale" (size of the scanned image relative to the file's),
"credential", "error"}.

Exit status: 0 when a code was read from every file, 1 when some file held no
readable code, 2 for usage errors and files that cannot be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed, ioFailed := false, false
			enc := json.NewEncoder(e.stdout)
			enc.SetEscapeHTML(false)
			for _, f := range args {
				rep := qrDecodeReport{File: f}
				data, err := readImageFile(f, e.stdin)
				var res *qr.DecodeResult
				switch {
				case errors.Is(err, errFileTooLarge):
				case err != nil:
					ioFailed = true
				default:
					res, err = qr.DecodeDetailed(data)
				}
				if res != nil {
					rep.Text, rep.Symbology, rep.Pass, rep.Scale = res.Text, res.Symbology, res.Pass, res.Scale
					rep.Credential = err == nil
				} else {
					failed = true
				}
				if err != nil {
					rep.Error = err.Error()
				}

				if asJSON {
					if err := enc.Encode(rep); err != nil {
						return &exitError{code: exitUsage, err: err}
					}
					continue
				}
				if res == nil {
					var pe *fs.PathError
					if errors.As(err, &pe) {
						fmt.Fprintln(e.stderr, err) // names the file already
					} else {
						fmt.Fprintf(e.stderr, "%s: %v\n", f, err)
					}
					continue
				}
				if len(args) > 1 {
					fmt.Fprintf(e.stdout, "%s: %s\n", f, res.Text)
				} else {
					fmt.Fprintln(e.stdout, res.Text)
				}
				if err != nil { // not a credential
					fmt.Fprintf(e.stderr, "%s: warning: %v\n", f, err)
				}
			}
			switch {
			case ioFailed:
				return &exitError{code: exitUsage}
			case failed:
				return errInvalid
			}
			return nil
		},
	}
	dec.Flags().BoolVar(&asJSON, "json", false, "one JSON object per file with the text and the decode path taken")
	return dec
}

var errFileTooLarge = fmt.Errorf("file is larger than %d MB", maxImageFile>>20)

// readImageFile reads an image file, or standard input for "-", refusing
// files over maxImageFile bytes with errFileTooLarge.
func readImageFile(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxImageFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxImageFile {
		return nil, errFileTooLarge
	}
	return data, nil
}
