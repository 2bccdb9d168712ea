// Package photo verifies credentials shown as images: it reads the QR or
// Aztec code with package qr (downscaling large photos, trying rotations,
// inversion and other passes) and verifies the text with a
// verifier.Verifier.
//
// It is separate from package verifier so that text-only verifiers (the
// embedded scanner, fed by barcode engines that decode on their own) do not
// link the image decoder.
package photo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/qr"
	"github.com/b5m5/travelcred/verifier"
)

// Verify reads a code from PNG, JPEG, GIF or SVG bytes and verifies the
// text it holds. The result's Image says how the code was read. An image
// without a code, with a code that cannot be read, or whose code holds no
// credential gets a reason saying which (bad_image, or bad_prefix for a
// code that is not a credential).
func Verify(v *verifier.Verifier, data []byte, opts ...qr.DecodeOption) (*verifier.Result, error) {
	img, err := qr.DecodeDetailed(data, opts...)
	switch {
	case errors.Is(err, qr.ErrNotCredential):
		return nil, &verifier.Error{Reason: credential.ReasonBadPrefix, Detail: "the image holds a code, but no credential", Err: err}
	case errors.Is(err, qr.ErrNoCode):
		return nil, &verifier.Error{Reason: credential.ReasonBadImage, Detail: "no QR or Aztec code found in the image", Err: err}
	case errors.Is(err, qr.ErrUnreadable):
		return nil, &verifier.Error{Reason: credential.ReasonBadImage, Detail: "a code was found but could not be read", Err: err}
	case errors.Is(err, qr.ErrImageTooLarge):
		return nil, &verifier.Error{Reason: credential.ReasonTooLarge, Detail: "the image is over the pixel limit", Err: err}
	case err != nil:
		return nil, &verifier.Error{Reason: credential.ReasonBadImage, Detail: "no credential code could be read", Err: err}
	}
	// SMART Health Cards put their digits in a numeric segment; a code
	// that stores them as bytes was not made to the specification.
	if strings.HasPrefix(img.Text, "shc:/") {
		body := strings.LastIndex(img.Text, "/") + 1
		if img.ByteModeBytes > body {
			return nil, &verifier.Error{Reason: credential.ReasonBadPrefix,
				Detail: fmt.Sprintf("the SMART Health Card's digits are stored in byte mode (%d bytes); the specification requires a numeric segment", img.ByteModeBytes)}
		}
	}
	res, err := v.Verify(img.Text)
	if err != nil {
		return nil, err
	}
	res.Image = &verifier.ImageInfo{Symbology: img.Symbology, Pass: img.Pass, Scale: img.Scale}
	return res, nil
}
