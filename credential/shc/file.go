package shc

import (
	"encoding/json"
	"fmt"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/limits"
)

// FileMediaType is the media type of a .smart-health-card file.
const FileMediaType = "application/smart-health-card"

// ParseFile decodes a .smart-health-card file with the default limits. See
// Decoder.ParseFile.
func ParseFile(data []byte) ([]*Card, error) {
	var d Decoder
	return d.ParseFile(data)
}

// ParseFile decodes a .smart-health-card file,
// {"verifiableCredential":[JWS, …]}, into its cards, in order. The file
// must be strict JSON with nothing around it, and hold 1 to MaxFileCards
// compact JWS strings, each decoded as by DecodeJWS. One bad card refuses
// the whole file. No signature is checked.
func (d *Decoder) ParseFile(data []byte) ([]*Card, error) {
	if max := limits.Lower(MaxFileLen, d.MaxFileLen); len(data) > max {
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("file is %d bytes, over the %d-byte limit", len(data), max), nil)
	}
	m, err := strictObject(data)
	if err != nil {
		return nil, newErr(credential.ReasonBadPrefix, "not a .smart-health-card file", err)
	}
	raw, ok := m["verifiableCredential"]
	if !ok {
		return nil, newErr(credential.ReasonBadPrefix, "not a .smart-health-card file: no verifiableCredential", nil)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || raw[0] != '[' {
		return nil, newErr(credential.ReasonBadPrefix, "verifiableCredential is not an array of strings", nil)
	}
	if len(list) == 0 || len(list) > MaxFileCards {
		return nil, newErr(credential.ReasonBadPrefix, fmt.Sprintf("verifiableCredential holds %d cards (1 to %d accepted)", len(list), MaxFileCards), nil)
	}
	cards := make([]*Card, len(list))
	for i, jws := range list {
		c, err := d.decodeJWS(jws, limits.Lower(MaxFileLen, d.MaxFileLen))
		if err != nil {
			if ce, ok := err.(*credential.Error); ok && len(list) > 1 {
				ce.Detail = fmt.Sprintf("card %d of %d: %s", i+1, len(list), ce.Detail)
			}
			return nil, err
		}
		cards[i] = c
	}
	return cards, nil
}

// MarshalFile returns the .smart-health-card file holding the given
// compact JWS strings.
func MarshalFile(jws ...string) []byte {
	if jws == nil {
		jws = []string{}
	}
	b, _ := json.Marshal(struct {
		VC []string `json:"verifiableCredential"`
	}{jws})
	return b
}
