package qr

import (
	"encoding/json"
	"strings"
)

// credentialPrefixes are the text prefixes of the credential formats a
// checkpoint meets, compared without regard to case: EU DCC and WHO
// DDCC (HC1:), NZ COVID Pass (NZCP:/), SMART Health Cards (shc:/) and the
// LT1:/AT1: variants of HCERT-style passes.
var credentialPrefixes = []string{"HC1:", "NZCP:/", "shc:/", "LT1:", "AT1:"}

// isCredential reports whether text looks like a travel credential: it
// starts with one of credentialPrefixes, or it is a JSON object with
// "data" and "sig" members (an ICAO VDS-NC seal). Only the shape is
// checked, not the content.
func isCredential(text string) bool {
	for _, p := range credentialPrefixes {
		if len(text) >= len(p) && strings.EqualFold(text[:len(p)], p) {
			return true
		}
	}
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(t), &obj) != nil {
		return false
	}
	_, data := obj["data"]
	_, sig := obj["sig"]
	return data && sig
}
