package vdsnc

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gowebpki/jcs"

	"github.com/b5m5/travelcred/credential"
)

// maxSignatureLen bounds sig.sigvl: ES512 r‖s is 132 bytes, plus slack for
// sign bytes.
const maxSignatureLen = 2*66 + 2

// Decode parses a VDS-NC seal. It checks the JSON strictly (valid UTF-8, a
// single object, no duplicate member names at any depth, nesting at most
// 16), the shape of the seal (exactly data and sig at the top, exactly hdr
// and msg in data, exactly t, v and is in hdr, exactly alg, cer and sigvl
// in sig), the header (t icao.vacc or icao.test, v 1, is a three-letter
// ICAO code), the message fields this package reads, and parses the
// embedded BSC. It computes the RFC 8785 canonical form of data, which is
// what the signature covers. Whitespace around the JSON (a scanner's final
// newline) is ignored. Decode does not check the signature.
//
// Reasons: too_large, bad_prefix (not a seal at all), bad_claims (a seal
// whose JSON, header or sig member is broken), schema (a message field
// missing or of the wrong type).
func Decode(text string) (*Seal, error) {
	if len(text) > MaxTextLen {
		return nil, newErr(credential.ReasonTooLarge, fmt.Sprintf("seal text is %d bytes, limit %d", len(text), MaxTextLen), nil)
	}
	b := []byte(text)
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, newErr(credential.ReasonBadPrefix, "not a VDS-NC seal: not a JSON object", nil)
	}
	if !json.Valid(b) {
		return nil, newErr(credential.ReasonBadPrefix, "not a VDS-NC seal: not well-formed JSON", nil)
	}
	if !utf8.Valid(b) {
		return nil, newErr(credential.ReasonBadClaims, "seal JSON is not valid UTF-8", nil)
	}
	if err := checkJSON(b); err != nil {
		return nil, newErr(credential.ReasonBadClaims, "", err)
	}

	top, err := object("the seal", b)
	if err != nil {
		return nil, newErr(credential.ReasonBadPrefix, "not a VDS-NC seal", err)
	}
	rawData, hasData := top["data"]
	rawSig, hasSig := top["sig"]
	if !hasData && !hasSig {
		return nil, newErr(credential.ReasonBadPrefix, "not a VDS-NC seal: no data and no sig member", nil)
	}
	if err := exactMembers("the seal", top, "data", "sig"); err != nil {
		return nil, err
	}

	s := &Seal{Data: rawData}
	data, err := object("data", rawData)
	if err != nil {
		return nil, err
	}
	if err := exactMembers("data", data, "hdr", "msg"); err != nil {
		return nil, err
	}
	if err := s.parseHeader(data["hdr"]); err != nil {
		return nil, err
	}
	if err := s.parseSig(rawSig); err != nil {
		return nil, err
	}
	if err := s.parseMessage(data["msg"]); err != nil {
		return nil, err
	}
	if s.Canonical, err = jcs.Transform(s.Data); err != nil {
		return nil, newErr(credential.ReasonBadClaims, "data has no RFC 8785 canonical form", err)
	}
	return s, nil
}

// checkJSON scans a well-formed JSON text (json.Valid has accepted it) and
// refuses duplicate member names (compared after unescaping) and nesting
// deeper than maxNesting.
func checkJSON(b []byte) error {
	type frame struct {
		object bool
		keys   []string
	}
	var stack []frame
	expectKey := false
	for i := 0; i < len(b); {
		switch b[i] {
		case '{', '[':
			if len(stack) >= maxNesting {
				return fmt.Errorf("JSON nested deeper than %d", maxNesting)
			}
			stack = append(stack, frame{object: b[i] == '{'})
			expectKey = b[i] == '{'
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			expectKey = false
			i++
		case ',':
			expectKey = stack[len(stack)-1].object
			i++
		case '"':
			j, escaped := i+1, false
			for b[j] != '"' {
				if b[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if expectKey {
				top := &stack[len(stack)-1]
				key := string(b[i+1 : j])
				if escaped {
					if err := json.Unmarshal(b[i:j+1], &key); err != nil {
						return err
					}
				}
				if contains(top.keys, key) {
					return fmt.Errorf("duplicate member %s", shown(key))
				}
				top.keys = append(top.keys, key)
				expectKey = false
			}
			i = j + 1
		default:
			i++
		}
	}
	return nil
}

// object splits a JSON object, part of a text json.Valid accepted, into
// its members (checkJSON has refused duplicates). The values alias raw.
// null and other types are refused.
func object(name string, raw []byte) (map[string][]byte, error) {
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '{' {
		return nil, newErr(credential.ReasonBadClaims, name+" must be a JSON object", nil)
	}
	m := make(map[string][]byte, 4)
	i = skipSpace(raw, i+1)
	for raw[i] != '}' {
		end := skipString(raw, i)
		key, ok := unquote(raw[i:end])
		if !ok {
			return nil, newErr(credential.ReasonBadClaims, name+" has a member name that does not decode", nil)
		}
		i = skipSpace(raw, skipSpace(raw, end)+1) // past ':'
		end = skipValue(raw, i)
		m[key] = raw[i:end:end]
		i = skipSpace(raw, end)
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return m, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i].
func skipString(b []byte, i int) int {
	j := i + 1
	for b[j] != '"' {
		if b[j] == '\\' {
			j++
		}
		j++
	}
	return j + 1
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; ; {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
			j++
		}
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
		j++
	}
	return j
}

// unquote decodes a JSON string value; ok is false for other values.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// exactMembers refuses an object whose member names are not exactly want.
func exactMembers[V any](name string, m map[string]V, want ...string) error {
	for _, w := range want {
		if _, ok := m[w]; !ok {
			return newErr(credential.ReasonBadClaims, fmt.Sprintf("%s has no %q member", name, w), nil)
		}
	}
	if len(m) != len(want) {
		var extra []string
		for k := range m {
			if !contains(want, k) {
				extra = append(extra, shown(k))
			}
		}
		sort.Strings(extra)
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("%s has unknown members %s", name, strings.Join(extra, ", ")), nil)
	}
	return nil
}

// shown quotes untrusted text for an error message, cut to 24 bytes.
func shown(s string) string {
	if len(s) > 24 {
		return strconv.Quote(s[:24]) + "…"
	}
	return strconv.Quote(s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *Seal) parseHeader(raw []byte) error {
	hdr, err := object("data.hdr", raw)
	if err != nil {
		return err
	}
	if err := exactMembers("data.hdr", hdr, "t", "v", "is"); err != nil {
		return err
	}
	var ok bool
	if s.Header.Type, ok = unquote(hdr["t"]); !ok {
		return newErr(credential.ReasonBadClaims, "data.hdr.t must be a string", nil)
	}
	if s.Header.Type != TypeVaccination && s.Header.Type != TypeTest {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("data.hdr.t %s is not %s or %s", shown(s.Header.Type), TypeVaccination, TypeTest), nil)
	}
	if string(hdr["v"]) != "1" {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("data.hdr.v is %s, want the integer 1", shown(string(hdr["v"]))), nil)
	}
	s.Header.Version = 1
	if s.Header.Country, ok = unquote(hdr["is"]); !ok {
		return newErr(credential.ReasonBadClaims, "data.hdr.is must be a string", nil)
	}
	if !validICAOCode(s.Header.Country) {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("data.hdr.is %s is not a three-letter ICAO code", shown(s.Header.Country)), nil)
	}
	return nil
}

// validICAOCode reports whether c is an ICAO 9303 state code: three
// characters, an upper-case letter followed by upper-case letters or the
// filler '<' ("AUS", "D<<").
func validICAOCode(c string) bool {
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	for i := 1; i < 3; i++ {
		if (c[i] < 'A' || c[i] > 'Z') && c[i] != '<' {
			return false
		}
	}
	return true
}

func (s *Seal) parseSig(raw []byte) error {
	sig, err := object("sig", raw)
	if err != nil {
		return err
	}
	if err := exactMembers("sig", sig, "alg", "cer", "sigvl"); err != nil {
		return err
	}
	var cer, sigvl string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"alg", &s.Alg}, {"cer", &cer}, {"sigvl", &sigvl}} {
		var ok bool
		if *f.dst, ok = unquote(sig[f.name]); !ok {
			return newErr(credential.ReasonBadClaims, "sig."+f.name+" must be a string", nil)
		}
	}
	der, err := decodeBase64URL(cer)
	if err != nil {
		return newErr(credential.ReasonBadClaims, "sig.cer is not base64url", err)
	}
	if s.BSC, err = x509.ParseCertificate(der); err != nil {
		return newErr(credential.ReasonBadClaims, "sig.cer is not an X.509 certificate", err)
	}
	if s.Signature, err = decodeBase64URL(sigvl); err != nil {
		return newErr(credential.ReasonBadClaims, "sig.sigvl is not base64url", err)
	}
	if len(s.Signature) == 0 || len(s.Signature) > maxSignatureLen {
		return newErr(credential.ReasonBadClaims, fmt.Sprintf("sig.sigvl is %d bytes", len(s.Signature)), nil)
	}
	return nil
}

// decodeBase64URL decodes base64url with or without padding. Standard
// base64 characters and embedded whitespace are refused.
func decodeBase64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	if strings.ContainsAny(s, "+/\r\n \t") {
		return nil, errors.New("not the base64url alphabet")
	}
	if strings.HasSuffix(s, "=") {
		return base64.URLEncoding.DecodeString(s)
	}
	return base64.RawURLEncoding.DecodeString(s)
}

func (s *Seal) parseMessage(raw []byte) error {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return newErr(credential.ReasonSchema, "data.msg", err)
	}
	var p msgParser
	msg := p.object(tree, "data.msg")
	if msg == nil {
		return p.err
	}
	switch s.Header.Type {
	case TypeVaccination:
		s.Vaccination = p.vaccination(msg)
	case TypeTest:
		s.Test = p.test(msg)
	}
	return p.err
}

// msgParser reads the message tree, keeping the first error.
type msgParser struct{ err error }

func (p *msgParser) fail(path, what string) {
	if p.err == nil {
		p.err = newErr(credential.ReasonSchema, path+" "+what, nil)
	}
}

func (p *msgParser) object(v any, path string) map[string]any {
	o, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "must be an object")
		return nil
	}
	return o
}

// child returns the object member key of o; nil, after a failure, when it
// is required and missing or not an object.
func (p *msgParser) child(o map[string]any, path, key string, required bool) map[string]any {
	v, ok := o[key]
	if !ok {
		if required {
			p.fail(path+"."+key, "is required")
		}
		return nil
	}
	return p.object(v, path+"."+key)
}

func (p *msgParser) str(o map[string]any, path, key string, required bool) string {
	if o == nil {
		return ""
	}
	v, ok := o[key]
	if !ok {
		if required {
			p.fail(path+"."+key, "is required")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(path+"."+key, "must be a string")
		return ""
	}
	if required && s == "" {
		p.fail(path+"."+key, "must not be empty")
	}
	return s
}

// integer reads a small non-negative integer, written as a JSON integer or
// (the field list types seq as a string) as a string of digits.
func (p *msgParser) integer(o map[string]any, path, key string) int {
	v, ok := o[key]
	if !ok {
		p.fail(path+"."+key, "is required")
		return 0
	}
	var text string
	switch v := v.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = v
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 || n > 999 || strconv.Itoa(n) != text {
		p.fail(path+"."+key, "must be an integer from 0 to 999")
		return 0
	}
	return n
}

func (p *msgParser) array(o map[string]any, path, key string) []any {
	v, ok := o[key]
	if !ok {
		p.fail(path+"."+key, "is required")
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		p.fail(path+"."+key, "must be an array")
		return nil
	}
	if len(a) == 0 {
		p.fail(path+"."+key, "must not be empty")
	}
	return a
}

func (p *msgParser) vaccination(msg map[string]any) *ProofOfVaccination {
	const path = "data.msg"
	v := &ProofOfVaccination{UVCI: p.str(msg, path, "uvci", true)}
	if pid := p.child(msg, path, "pid", true); pid != nil {
		const at = path + ".pid"
		v.Person = Person{
			Name:           p.str(pid, at, "n", true),
			DateOfBirth:    p.str(pid, at, "dob", false),
			Sex:            p.str(pid, at, "sex", false),
			DocumentNumber: p.str(pid, at, "i", false),
			AdditionalID:   p.str(pid, at, "ai", false),
		}
	}
	events := p.array(msg, path, "ve")
	v.Events = make([]VaccinationEvent, 0, len(events))
	for i, item := range events {
		at := fmt.Sprintf("%s.ve[%d]", path, i)
		e := p.object(item, at)
		if e == nil {
			break
		}
		ev := VaccinationEvent{
			Vaccine: p.str(e, at, "des", false),
			Product: p.str(e, at, "nam", false),
			Disease: p.str(e, at, "dis", false),
		}
		doses := p.array(e, at, "vd")
		for j, d := range doses {
			dat := fmt.Sprintf("%s.vd[%d]", at, j)
			o := p.object(d, dat)
			if o == nil {
				break
			}
			ev.Doses = append(ev.Doses, Dose{
				Date:    p.str(o, dat, "dvc", true),
				Seq:     p.integer(o, dat, "seq"),
				Country: p.str(o, dat, "ctr", false),
				Centre:  p.str(o, dat, "adm", false),
				Lot:     p.str(o, dat, "lot", false),
				NextDue: p.str(o, dat, "dvn", false),
			})
		}
		v.Events = append(v.Events, ev)
	}
	return v
}

func (p *msgParser) test(msg map[string]any) *ProofOfTest {
	const path = "data.msg"
	t := &ProofOfTest{
		UTCI:     p.str(msg, path, "utci", true),
		Optional: p.str(msg, path, "opt", false),
	}
	if pid := p.child(msg, path, "pid", true); pid != nil {
		const at = path + ".pid"
		t.Person = Person{
			Name:           p.str(pid, at, "n", true),
			DateOfBirth:    p.str(pid, at, "dob", false),
			DocumentType:   p.str(pid, at, "dt", false),
			DocumentNumber: p.str(pid, at, "dn", false),
		}
	}
	if sp := p.child(msg, path, "sp", false); sp != nil {
		const at = path + ".sp"
		t.Provider = ServiceProvider{
			Name:    p.str(sp, at, "spn", false),
			Country: p.str(sp, at, "ctr", false),
		}
		if cd := p.child(sp, at, "cd", false); cd != nil {
			t.Provider.Phone = p.str(cd, at+".cd", "p", false)
			t.Provider.Email = p.str(cd, at+".cd", "e", false)
			t.Provider.Address = p.str(cd, at+".cd", "a", false)
		}
	}
	if dat := p.child(msg, path, "dat", true); dat != nil {
		t.SampledAt = p.str(dat, path+".dat", "sc", true)
		t.ReportedAt = p.str(dat, path+".dat", "ri", false)
	}
	if tr := p.child(msg, path, "tr", true); tr != nil {
		const at = path + ".tr"
		t.Result = TestResult{
			Type:   p.str(tr, at, "tc", true),
			Result: p.str(tr, at, "r", true),
			Method: p.str(tr, at, "m", false),
		}
	}
	return t
}
