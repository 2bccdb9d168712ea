package scanner_test

import (
	"errors"
	"fmt"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/verifier"
)

func ExampleNormalize() {
	// A keyboard-wedge scanner with AIM identifiers on, Caps Lock state
	// lost and a CR LF suffix.
	fmt.Printf("%q\n", scanner.Normalize("]Q1hc1:ncf 6*b\r\n"))
	// Spaces are Base45 data: they stay.
	fmt.Printf("%q\n", scanner.Normalize("HC1:6BF $\t"))
	// Other formats keep their case.
	fmt.Printf("%q\n", scanner.Normalize("\nshc:/5676290952\n"))
	// Output:
	// "HC1:NCF 6*B"
	// "HC1:6BF $"
	// "shc:/5676290952"
}

func ExampleDiagnose() {
	// A US-layout scanner typing into a German host: ':' arrives as 'Ö'.
	// The rest of this text is not a real credential, so no repair
	// decodes; the prefix alone shows the mismatch.
	text := "HC1Ö6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3"
	verr := &verifier.Error{Reason: credential.ReasonBadPrefix}
	d := scanner.Diagnose(text, verr)
	fmt.Println(d.Pattern, d.Offset, d.Layouts)
	fmt.Println(errors.Is(d, verifier.ErrMalformed))
	// Output:
	// keyboard_layout 3 [us-scanner-de-host us-scanner-se-host]
	// true
}

func ExampleCheck() {
	// verify stands for (*verifier.Verifier).Verify.
	verify := func(text string) (string, error) {
		if text == "HC1:NCF" {
			return "valid", nil
		}
		return "", &verifier.Error{Reason: credential.ReasonBadBase45}
	}
	de, _ := scanner.LayoutByName("us-scanner-de-host")
	res, rep, err := scanner.Check("]Q1hc1:ncf\r\n", verify, scanner.Options{})
	fmt.Println(res, rep.Text, err)
	// Keyboard-layout damage is explained (and, with Options.Repair, undone
	// when the undone text then verifies).
	_, _, err = scanner.Check(de.Apply("HC1:NCF"), verify, scanner.Options{})
	var d *scanner.DamageError
	fmt.Println(errors.As(err, &d), d.Pattern, d.Layouts[0])
	// Output:
	// valid HC1:NCF <nil>
	// true keyboard_layout us-scanner-de-host
}
