package verifier

import (
	"errors"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/trustlist"
)

// Verdict is the JSON shape of one verification, shared by the CLI's
// --json output and the HTTP service: valid or not, the reason code and
// class when not, and on success what was verified.
type Verdict struct {
	Valid bool `json:"valid"`
	// Reason, Class and Detail explain a refusal.
	Reason Reason `json:"reason,omitempty"`
	Class  string `json:"class,omitempty"`
	Detail string `json:"detail,omitempty"`
	// On success:
	Format     credential.Format      `json:"format,omitempty"`
	Country    string                 `json:"country,omitempty"`
	KeyID      []byte                 `json:"kid,omitempty"`
	Alg        string                 `json:"alg,omitempty"`
	IssuedAt   *time.Time             `json:"issuedAt,omitempty"`
	ExpiresAt  *time.Time             `json:"expiresAt,omitempty"`
	Trust      *trustlist.Status      `json:"trust,omitempty"`
	Credential *credential.Credential `json:"credential,omitempty"`
	// Image says how the code was read from an image: the symbology and
	// the decoding pass that succeeded.
	Image *ImageInfo `json:"image,omitempty"`
}

// NewVerdict summarises the outcome of Verify. An error that is not a
// *Error is reported with reason bad_cose and its text as detail.
func NewVerdict(res *Result, err error) Verdict {
	if err != nil {
		var ve *Error
		if !errors.As(err, &ve) {
			ve = &Error{Reason: credential.ReasonBadCOSE, Detail: err.Error()}
		}
		v := Verdict{Reason: ve.Reason, Class: ve.Class(), Detail: ve.Detail}
		if ve.Err != nil {
			if v.Detail != "" {
				v.Detail += ": "
			}
			v.Detail += ve.Err.Error()
		}
		return v
	}
	iat, exp, trust := res.IssuedAt, res.ExpiresAt, res.Trust
	return Verdict{
		Valid:      true,
		Format:     res.Format,
		Country:    res.Country,
		KeyID:      res.KeyID,
		Alg:        res.Alg,
		IssuedAt:   &iat,
		ExpiresAt:  &exp,
		Trust:      &trust,
		Credential: res.Credential,
		Image:      res.Image,
	}
}
