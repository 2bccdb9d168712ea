package trustlist

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
)

// ImportEUGateway reads an EU DCC gateway trust list (a JSON array of
// {kid, country, certificateType, rawData, …}) and returns, per country,
// the HCERT entries of its DSCs. Entries of other certificate types and
// deleted ones (null rawData) are skipped. The gateway's own signatures
// are not checked here: import produces drafts that a publisher reviews
// and signs.
func ImportEUGateway(data []byte) (map[string][]Entry, error) {
	var rows []struct {
		KID             string  `json:"kid"`
		Country         string  `json:"country"`
		CertificateType string  `json:"certificateType"`
		RawData         *string `json:"rawData"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("%w: EU gateway trust list: %v", ErrMalformed, err)
	}
	out := map[string][]Entry{}
	for i, r := range rows {
		if r.CertificateType != "DSC" || r.RawData == nil {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(*r.RawData)
		if err != nil {
			return nil, fmt.Errorf("%w: row %d rawData: %v", ErrMalformed, i, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: row %d certificate: %v", ErrMalformed, i, err)
		}
		e, err := EntryFromCertificate(cert, 0)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		if r.KID != "" && r.KID != e.KID {
			return nil, fmt.Errorf("%w: row %d kid %s does not match its certificate (%s)", ErrMalformed, i, r.KID, e.KID)
		}
		cc := r.Country
		if c := certificateCountry(cert); c != "" && c != cc {
			return nil, fmt.Errorf("%w: row %d country %s holds a certificate of %s", ErrForeignKey, i, cc, c)
		}
		out[cc] = append(out[cc], e)
	}
	return out, nil
}

// ImportGDHCN reads a WHO GDHCN DID trust list document (verificationMethod
// entries of type JsonWebKey2020 with x5c) and returns HCERT entries per
// country (the DSC's subject C). Coordinates of 33 bytes with a leading
// zero, as the published example has, are trimmed to 32.
func ImportGDHCN(data []byte) (map[string][]Entry, error) {
	var doc struct {
		VerificationMethod []struct {
			ID           string         `json:"id"`
			Type         string         `json:"type"`
			PublicKeyJwk map[string]any `json:"publicKeyJwk"`
		} `json:"verificationMethod"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: DID document: %v", ErrMalformed, err)
	}
	out := map[string][]Entry{}
	for i, vm := range doc.VerificationMethod {
		if vm.Type != "JsonWebKey2020" || vm.PublicKeyJwk == nil {
			continue
		}
		j := vm.PublicKeyJwk
		for _, c := range []string{"x", "y"} {
			if s, ok := j[c].(string); ok {
				if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil && len(b) == 33 && b[0] == 0 {
					j[c] = base64.RawURLEncoding.EncodeToString(b[1:])
				}
			}
		}
		raw, _ := json.Marshal(j)
		pj, err := ParsePublicJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("verificationMethod %d (%s): %w", i, vm.ID, err)
		}
		if len(pj.Chain) == 0 {
			return nil, fmt.Errorf("%w: verificationMethod %d (%s) has no x5c", ErrBadJWK, i, vm.ID)
		}
		e, err := EntryFromCertificate(pj.Chain[0], 0)
		if err != nil {
			return nil, err
		}
		if kid, _ := j["kid"].(string); kid != "" && kid != e.KID {
			return nil, fmt.Errorf("%w: verificationMethod %d kid %s does not match its certificate (%s)", ErrMalformed, i, kid, e.KID)
		}
		cc := certificateCountry(pj.Chain[0])
		if cc == "" {
			return nil, fmt.Errorf("%w: verificationMethod %d certificate names no country", ErrMalformed, i)
		}
		out[cc] = append(out[cc], e)
	}
	return out, nil
}

// ExportPEM returns, per country, a PEM bundle of the certificates of the
// list's entries that have one.
func (l *List) ExportPEM() map[string][]byte {
	out := map[string][]byte{}
	for _, ev := range l.Entries() {
		if ev.Key.Certificate == nil {
			continue
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# %s %s kid %s status %s\n", ev.Country, ev.Entry.Format, ev.Entry.KID, ev.Entry.Status)
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: ev.Key.Certificate.Raw})
		out[ev.Country] = append(out[ev.Country], b.Bytes()...)
	}
	return out
}

// Export is the JSON export of a verified list: every entry with its
// country, as plain data.
type Export struct {
	Sequence   int64          `json:"sequence"`
	IssuedAt   string         `json:"issuedAt"`
	NextUpdate string         `json:"nextUpdate"`
	ExpiresAt  string         `json:"expiresAt"`
	Entries    []ExportEntry  `json:"entries"`
	Members    []ExportMember `json:"members"`
}

// ExportEntry is an entry with its country.
type ExportEntry struct {
	Country string `json:"country"`
	Entry
}

// ExportMember summarises one member list.
type ExportMember struct {
	Country  string `json:"country"`
	Sequence int64  `json:"sequence"`
	Keys     int    `json:"keys"`
}

// ExportJSON returns the JSON export of the list.
func (l *List) ExportJSON() ([]byte, error) {
	x := Export{Sequence: l.Sequence, IssuedAt: l.IssuedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		NextUpdate: l.NextUpdate.UTC().Format("2006-01-02T15:04:05Z07:00"), ExpiresAt: l.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z07:00")}
	for _, ev := range l.Entries() {
		x.Entries = append(x.Entries, ExportEntry{Country: ev.Country, Entry: ev.Entry})
	}
	var ccs []string
	for cc := range l.Countries {
		ccs = append(ccs, cc)
	}
	sort.Strings(ccs)
	for _, cc := range ccs {
		x.Members = append(x.Members, ExportMember{Country: cc, Sequence: l.Countries[cc].Sequence, Keys: len(l.Countries[cc].Keys)})
	}
	return marshalDoc(x)
}

// pemBlock returns the bytes of the first PEM block of the given type, or
// nil.
func pemBlock(data []byte, typ string) []byte {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if b.Type == typ {
			return b.Bytes
		}
	}
}
