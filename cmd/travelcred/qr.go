package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/b5m5/travelcred/internal/limits"
	"github.com/b5m5/travelcred/qr"
)

func newQRCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "qr encode|decode",
		Short: "Encode text as a QR PNG, or decode QR images to text",
	}
	var in, out, level string
	var size, border int
	enc := &cobra.Command{
		Use:   "encode [--in FILE|-] --out FILE.png [--level L|M|Q|H] [--size PX] [--border MODULES]",
		Short: "Write credential text as a QR code PNG (alphanumeric mode for HC1:, ECC level Q)",
		Args:  cobra.MaximumNArgs(1),
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
			if out == "" {
				return usageErr("--out FILE.png is required")
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
			png, err := qr.EncodePNG(text, opts...)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			if err := os.WriteFile(out, png, 0o644); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return nil
		},
	}
	enc.Flags().StringVar(&in, "in", "-", "text file, or - for standard input (or give the text as an argument)")
	enc.Flags().StringVar(&out, "out", "", "PNG file to write (required)")
	enc.Flags().StringVar(&level, "level", "Q", "error correction level: L, M, Q or H")
	enc.Flags().IntVar(&size, "size", 0, "image side in pixels (default 5 px per module)")
	enc.Flags().IntVar(&border, "border", qr.DefaultQuietZone, "quiet zone in modules")

	dec := &cobra.Command{
		Use:   "decode FILE...",
		Short: "Print the text of the QR code in each PNG, JPEG or GIF file",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := false
			for _, f := range args {
				data, err := os.ReadFile(f)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				text, err := qr.DecodeBytes(data)
				if err != nil {
					fmt.Fprintf(e.stderr, "%s: %v\n", f, err)
					failed = true
					continue
				}
				if len(args) > 1 {
					fmt.Fprintf(e.stdout, "%s: %s\n", f, text)
				} else {
					fmt.Fprintln(e.stdout, text)
				}
			}
			if failed {
				return errInvalid
			}
			return nil
		},
	}
	cmd.AddCommand(enc, dec)
	return cmd
}
