// Package verifier is the one-stop verification pipeline: it detects a
// credential's format, decodes it, finds candidate keys in a trust source,
// checks the signature, and only then checks the content: schema, key
// usage, key validity at issuance, revocation and the validity window.
//
// Verify returns either a *Result or a *Error, never both. A Verifier is
// safe for concurrent use.
package verifier

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/credential/hcert"
	"github.com/b5m5/travelcred/credential/nzcp"
	"github.com/b5m5/travelcred/credential/shc"
	"github.com/b5m5/travelcred/credential/vdsnc"
	"github.com/b5m5/travelcred/rules"
	"github.com/b5m5/travelcred/scanner"
	"github.com/b5m5/travelcred/trustlist"
)

// DefaultSkew is the default allowance for clock differences when checking
// iat and exp.
const DefaultSkew = 5 * time.Minute

// Class sentinels, for errors.Is on a *Error.
var (
	ErrMalformed = credential.ErrMalformed
	ErrUntrusted = credential.ErrUntrusted
	ErrExpired   = credential.ErrExpired
	ErrRevoked   = credential.ErrRevoked
)

// Reason is a stable snake_case code naming why a credential was refused;
// the constants are those of package credential.
type Reason = credential.Reason

// Error is a verification failure: a reason code, a human-readable detail
// and, optionally, the underlying error. errors.Is(err, ErrMalformed) (and
// the other class sentinels) tells the class.
type Error struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := "verify: " + string(e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the class sentinel of e's reason.
func (e *Error) Is(target error) bool { return target == e.Reason.Class() }

// Class returns the short class name: malformed, untrusted, expired or
// revoked.
func (e *Error) Class() string { return e.Reason.ClassName() }

func fail(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// wrap turns a codec error into a *Error, keeping its reason.
func wrap(err error) *Error {
	var ve *Error
	if errors.As(err, &ve) {
		return ve
	}
	var ce *credential.Error
	if errors.As(err, &ce) {
		return &Error{Reason: ce.Reason, Detail: ce.Detail, Err: ce.Err}
	}
	var se *credential.SchemaError
	if errors.As(err, &se) {
		return &Error{Reason: credential.ReasonSchema, Detail: se.Error()}
	}
	return &Error{Reason: credential.ReasonBadCOSE, Err: err}
}

// Result is a successful verification.
type Result struct {
	// Credential is the authenticated credential.
	Credential *credential.Credential `json:"credential"`
	// Format is the wire format.
	Format credential.Format `json:"format"`
	// Country is the issuing country: the credential's iss claim, or the
	// signing key's country when the claim is absent.
	Country string `json:"country"`
	// KeyID is the key id that the credential named.
	KeyID []byte `json:"kid"`
	// Alg names the signature algorithm.
	Alg string `json:"alg"`
	// IssuedAt and ExpiresAt are the credential's validity claims.
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// Trust is the trust source's freshness at verification time.
	Trust trustlist.Status `json:"trust"`
	// Key is the trusted key whose signature verified.
	Key *trustlist.Key `json:"-"`
	// Image says how the code was read, when the input was an image
	// (package verifier/photo fills it in).
	Image *ImageInfo `json:"image,omitempty"`
}

// ImageInfo says how a code was read from an image.
type ImageInfo struct {
	// Symbology is "qr" or "aztec".
	Symbology string `json:"symbology"`
	// Pass is the decoding pass that succeeded (default, pure, try-harder,
	// inverted, rotations, …).
	Pass string `json:"pass"`
	// Scale is the image's size relative to the decoded one.
	Scale float64 `json:"scale"`
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithClock sets the clock used for every time check (time.Now by default).
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithSkew sets the allowance for clock differences on iat and exp (default
// DefaultSkew). A negative value is treated as zero.
func WithSkew(d time.Duration) Option {
	return func(v *Verifier) { v.skew = max(d, 0) }
}

// WithMaxTrustAge refuses verification with reason trust_list_stale when
// the trust list was issued longer ago than d (zero: no limit beyond the
// list's own expiry, which is always enforced).
func WithMaxTrustAge(d time.Duration) Option { return func(v *Verifier) { v.maxAge = d } }

// WithMaxTextLen lowers the accepted credential text length (bytes).
func WithMaxTextLen(n int) Option { return func(v *Verifier) { v.dec.MaxTextLen = n } }

// WithMaxInflated lowers the accepted decompressed payload size (bytes).
func WithMaxInflated(n int) Option { return func(v *Verifier) { v.dec.MaxInflated = n } }

// Verifier verifies credentials against a trust source.
type Verifier struct {
	trust  trustlist.Source
	now    func() time.Time
	skew   time.Duration
	maxAge time.Duration
	dec    hcert.Decoder
	rules  *rules.Set
	values *rules.ValueSets
	bufs   sync.Pool // of *scratch
	// vds remembers the CSCA signatures on VDS-NC BSCs and CRLs that
	// verified: seals of one country share a few BSCs, and checking each
	// BSC's and CRL's signature once instead of per seal takes a full
	// VDS-NC verification from ~500 µs to ~70 µs (see vdsnc.SignatureCache).
	vds *vdsnc.SignatureCache
}

type scratch struct {
	msg    hcert.Message
	claims hcert.Claims
	buf    []byte
}

// New returns a Verifier over trust.
func New(trust trustlist.Source, opts ...Option) (*Verifier, error) {
	if trust == nil {
		return nil, errors.New("verifier: no trust source")
	}
	v := &Verifier{trust: trust, now: time.Now, skew: DefaultSkew, vds: vdsnc.NewSignatureCache(0)}
	for _, o := range opts {
		o(v)
	}
	if v.now == nil {
		return nil, errors.New("verifier: nil clock")
	}
	return v, nil
}

// Detect returns the format of credential text from its prefix, or an
// error with reason bad_prefix.
func Detect(text string) (credential.Format, error) {
	switch {
	case strings.HasPrefix(text, hcert.Prefix):
		return credential.FormatHCERT, nil
	case strings.HasPrefix(text, "HC") && len(text) >= 4 && text[3] == ':':
		_, err := hcert.Unprefix(text)
		return "", wrap(err)
	case strings.HasPrefix(text, "NZCP:/"):
		return credential.FormatNZCP, nil
	case strings.HasPrefix(text, "shc:/"), strings.HasPrefix(text, "eyJ") && strings.Count(text, ".") == 2:
		return credential.FormatSHC, nil
	case strings.HasPrefix(text, "{") && strings.Contains(text, `"verifiableCredential"`):
		return credential.FormatSHC, nil
	case strings.HasPrefix(text, "{"):
		return credential.FormatVDSNC, nil
	case strings.HasPrefix(text, "B64:") || strings.HasPrefix(text, "PK\x03\x04"):
		// DIVOC (India and others): recognised so that the officer is not
		// told the code is garbage, but no DIVOC issuer can be trusted
		// here and its JSON-LD signatures are not checked.
		return "", fail(credential.ReasonUnknownKey, "DIVOC credential: no DIVOC issuer is trusted by this verifier")
	case text == "":
		return "", fail(credential.ReasonBadPrefix, "empty input")
	}
	// The input is not echoed: it may be anything, a key file included.
	return "", fail(credential.ReasonBadPrefix, "the text does not start with a known credential prefix (HC1:, NZCP:/1/, shc:/, a JWS, or a JSON seal)")
}

// Verify checks credential text and returns the authenticated credential.
// On failure it returns a *Error.
//
// Scanner framing is removed first (scanner.Normalize: leading and trailing
// CR/LF/TAB/NUL, an AIM identifier, lower case where the encoding has no
// lower case). Malformed text whose damage matches a known transport
// pattern (a keyboard layout that swapped characters, a control character
// inside the text) is reported as input_mangled with a hint; the original
// reason stays in the detail.
func (v *Verifier) Verify(text string) (*Result, error) {
	text = scanner.Normalize(text)
	res, e := v.verify(text)
	if e != nil {
		if d := scanner.Diagnose(text, e); d != nil {
			return nil, &Error{Reason: credential.ReasonInputMangled,
				Detail: fmt.Sprintf("%s (the text fails with %s: %s)", d.Hint, e.Reason, e.Detail), Err: d}
		}
		return nil, e
	}
	return res, nil
}

func (v *Verifier) verify(text string) (*Result, *Error) {
	format, err := Detect(text)
	if err != nil {
		return nil, err.(*Error)
	}
	switch format {
	case credential.FormatHCERT:
		return v.verifyHCERT(text)
	case credential.FormatNZCP:
		return v.verifyNZCP(text)
	case credential.FormatVDSNC:
		return v.verifyVDSNC(text)
	case credential.FormatSHC:
		return v.verifySHC(text)
	}
	return nil, fail(credential.ReasonBadPrefix, "format %s is not supported", format)
}

func (v *Verifier) verifyHCERT(text string) (*Result, *Error) {
	s, _ := v.bufs.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	defer v.bufs.Put(s)
	m := &s.msg
	var err error
	if s.buf, err = v.dec.DecodeInto(m, text, s.buf); err != nil {
		return nil, wrap(err)
	}
	if err := m.CheckAlg(); err != nil {
		return nil, wrap(err)
	}
	if len(m.KID) == 0 {
		return nil, fail(credential.ReasonUnknownKey, "the credential names no key id")
	}
	now := v.now()
	status := v.trust.Status(now)
	if e := v.checkTrust(status, now); e != nil {
		return nil, e
	}
	candidates := v.trust.Lookup(credential.FormatHCERT, m.KID)
	if len(candidates) == 0 {
		return nil, fail(credential.ReasonUnknownKey, "no trusted key has kid %x", m.KID)
	}
	var key *trustlist.Key
	var lastErr error
	for _, k := range candidates {
		if err := m.Verify(k.PublicKey); err != nil {
			lastErr = err
			continue
		}
		key = k
		break
	}
	if key == nil {
		e := wrap(lastErr)
		if len(candidates) > 1 {
			e.Detail = fmt.Sprintf("none of %d keys with kid %x verifies the signature", len(candidates), m.KID)
		}
		return nil, e
	}
	alg, _ := m.AlgorithmFor(key.PublicKey)

	// Authenticated from here on: the content may now be inspected.
	c := &s.claims
	if err := hcert.ParseClaimsInto(c, m.Payload); err != nil {
		return nil, wrap(err)
	}
	cred := &credential.Credential{
		Format:    credential.FormatHCERT,
		Country:   c.Issuer,
		IssuedAt:  c.IssuedAt,
		ExpiresAt: c.ExpiresAt,
		Raw:       append([]byte(nil), m.Payload...),
	}
	var dcc *credential.DCC
	if c.DCC != nil {
		var err error
		if dcc, err = hcert.ParseDCC(c.DCC); err != nil {
			return nil, wrap(err)
		}
		// The EU DCC requires both time claims.
		if c.IssuedAt.IsZero() {
			return nil, fail(credential.ReasonBadClaims, "no iat (claim 6)")
		}
		if c.ExpiresAt.IsZero() {
			return nil, fail(credential.ReasonBadClaims, "no exp (claim 4)")
		}
		cred.FromDCC(dcc)
	} else if e := fromWHO(cred, c); e != nil {
		return nil, e
	}
	issued := c.IssuedAt
	if issued.IsZero() {
		issued = now // WHO payloads may omit iat: the key must be valid now
	}
	if cred.Country == "" {
		cred.Country = key.Country
	}
	// The country the result reports is the signing key's: the trust list
	// vouches for it; the iss claim is only what the credential says.
	country := key.Country
	if country == "" {
		country = cred.Country
	}

	if key.Revoked {
		return nil, fail(credential.ReasonKeyRevoked, "key %x was revoked%s", m.KID, revokedDetail(key))
	}
	if cred.Type != "" && !key.Usage.Allows(cred.Type) {
		return nil, fail(credential.ReasonKeyUsage, "key %x may sign %s credentials, not %s", m.KID, usageNames(key.Usage), cred.Type)
	}
	if !key.ValidAt(issued) {
		return nil, fail(credential.ReasonKeyNotValid, "issued at %s, outside the key's validity %s to %s",
			stamp(issued), stamp(key.NotBefore), stamp(key.NotAfter))
	}

	if rs, ok := v.trust.(trustlist.RevocationSource); ok {
		// Revocation is by hash of the UCI, of country+UCI, or of the
		// signature (for ECDSA its r half only, as signatures are
		// malleable); checked only now that the credential is authentic.
		_, isEC := key.PublicKey.(*ecdsa.PublicKey)
		uci := ""
		if dcc != nil {
			uci = dccUCI(dcc)
		}
		h := trustlist.HashesOf(uci, c.Issuer, m.Signature, isEC)
		if typ, revoked := rs.Revoked(credential.FormatHCERT, m.KID, h); revoked {
			return nil, fail(credential.ReasonRevoked, "the issuer revoked this credential (%s hash listed)", typ)
		}
	}
	if c.IssuedAt.After(now.Add(v.skew)) {
		return nil, fail(credential.ReasonNotYetValid, "issued at %s, after now (%s)", stamp(c.IssuedAt), stamp(now))
	}
	if !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt.Add(v.skew)) {
		return nil, fail(credential.ReasonExpired, "expired at %s (now %s)", stamp(c.ExpiresAt), stamp(now))
	}
	// Shell model, as the WHO trust network specifies: the DSC must also
	// be valid now. A DSC outlives what it signs, so this refuses only
	// credentials claiming to outlive their key — such as backdated ones
	// made with a key that leaked after it expired.
	if !key.NotAfter.IsZero() && now.After(key.NotAfter) {
		return nil, fail(credential.ReasonKeyNotValid, "the key's validity ended at %s (now %s), before the credential's expiry",
			stamp(key.NotAfter), stamp(now))
	}
	return &Result{
		Credential: cred,
		Format:     credential.FormatHCERT,
		Country:    country,
		KeyID:      append([]byte(nil), m.KID...),
		Alg:        alg.String(),
		IssuedAt:   c.IssuedAt,
		ExpiresAt:  c.ExpiresAt,
		Trust:      status,
		Key:        key,
	}, nil
}

// checkTrust refuses to verify against a trust list that is expired,
// older than the allowed age, or issued after the clock's time.
func (v *Verifier) checkTrust(st trustlist.Status, now time.Time) *Error {
	if st.SuspectClock {
		return fail(credential.ReasonSuspectClock, "the clock (%s) is earlier than the trust list's issue time (%s): check the device clock",
			stamp(now), stamp(st.IssuedAt))
	}
	if st.Expired {
		if st.ExpiresAt.IsZero() {
			return fail(credential.ReasonTrustStale, "no trust list has been loaded")
		}
		return fail(credential.ReasonTrustStale, "the trust list expired at %s", stamp(st.ExpiresAt))
	}
	if v.maxAge > 0 && st.Freshness != trustlist.FreshnessStatic && st.Age > v.maxAge {
		return fail(credential.ReasonTrustStale, "the trust list is %s old, over the %s allowed", st.Age.Round(time.Minute), v.maxAge)
	}
	return nil
}

// verifyVDSNC checks an ICAO VDS-NC seal: the signature over the
// canonical JSON with the seal's own barcode signer certificate (BSC), then
// the BSC's path to a trusted CSCA of the seal's country (found by the
// BSC's authority key id), the CSCA's CRL, the BSC's key usage and
// document type, and its validity. A seal has no validity of its own.
func (v *Verifier) verifyVDSNC(text string) (*Result, *Error) {
	if max := v.dec.MaxTextLen; max > 0 && len(text) > max {
		return nil, fail(credential.ReasonTooLarge, "text is %d bytes, over the %d-byte limit", len(text), max)
	}
	seal, err := vdsnc.Decode(text)
	if err != nil {
		return nil, wrap(err)
	}
	now := v.now()
	status := v.trust.Status(now)
	if e := v.checkTrust(status, now); e != nil {
		return nil, e
	}
	if err := seal.VerifySignature(); err != nil {
		return nil, wrap(err)
	}
	keys := v.trust.Lookup(credential.FormatVDSNC, seal.KeyRef())
	cscas := make([]*vdsnc.CSCA, 0, len(keys))
	var crls [][]byte
	for _, k := range keys {
		raw := k.Raw
		if raw == nil && k.Certificate != nil {
			raw = k.Certificate.Raw
		}
		c, err := vdsnc.ParseCSCA(raw)
		if err != nil {
			continue
		}
		cscas = append(cscas, c)
		crls = append(crls, k.CRLs...)
	}
	csca, err := v.vds.VerifyChain(seal, cscas, crls, now)
	if err != nil {
		return nil, wrap(err)
	}
	var key *trustlist.Key
	for i, k := range keys {
		raw := k.Raw
		if raw == nil && k.Certificate != nil {
			raw = k.Certificate.Raw
		}
		if bytes.Equal(raw, csca.Raw) {
			key = keys[i]
		}
	}
	if key != nil && key.Revoked {
		return nil, fail(credential.ReasonKeyRevoked, "the CSCA was revoked%s", revokedDetail(key))
	}
	cred, err := seal.Credential()
	if err != nil {
		return nil, wrap(err)
	}
	if key != nil && cred.Type != "" && !key.Usage.Allows(cred.Type) {
		return nil, fail(credential.ReasonKeyUsage, "the CSCA may vouch for %s credentials, not %s", usageNames(key.Usage), cred.Type)
	}
	return &Result{
		Credential: cred,
		Format:     credential.FormatVDSNC,
		Country:    cred.Country,
		KeyID:      append([]byte(nil), seal.KeyRef()...),
		Alg:        seal.Alg,
		ExpiresAt:  seal.BSC.NotAfter,
		Trust:      status,
		Key:        key,
	}, nil
}

// verifySHC checks a SMART Health Card given as "shc:/" QR text, a compact
// JWS, or a .smart-health-card file (every card of a file must be valid;
// the first is reported). The key is found by issuer and kid together, so
// a card claiming another issuer than its key's is refused. The card's
// content (issuer URL, VC types, FHIR) is judged only after its signature,
// then its rid revocation, key and time.
func (v *Verifier) verifySHC(text string) (*Result, *Error) {
	if max := v.dec.MaxTextLen; max > 0 && len(text) > max {
		return nil, fail(credential.ReasonTooLarge, "text is %d bytes, over the %d-byte limit", len(text), max)
	}
	var cards []*shc.Card
	var err error
	dec := shc.Decoder{MaxTextLen: v.dec.MaxTextLen, MaxInflated: v.dec.MaxInflated, MaxFileLen: v.dec.MaxTextLen}
	switch {
	case strings.HasPrefix(text, "shc:/"):
		var c *shc.Card
		if c, err = dec.Decode(text); err == nil {
			cards = []*shc.Card{c}
		}
	case strings.HasPrefix(text, "{"):
		cards, err = dec.ParseFile([]byte(text))
	default:
		var c *shc.Card
		if c, err = dec.DecodeJWS(text); err == nil {
			cards = []*shc.Card{c}
		}
	}
	if err != nil {
		return nil, wrap(err)
	}
	now := v.now()
	status := v.trust.Status(now)
	if e := v.checkTrust(status, now); e != nil {
		return nil, e
	}
	var first *Result
	for _, card := range cards {
		res, e := v.checkSHCCard(card, now, status)
		if e != nil {
			return nil, e
		}
		if first == nil {
			first = res
		}
	}
	return first, nil
}

func (v *Verifier) checkSHCCard(card *shc.Card, now time.Time, status trustlist.Status) (*Result, *Error) {
	key, e := firstVerifying(v.trust.Lookup(credential.FormatSHC, card.KeyRef()), card.Verify,
		fmt.Sprintf("no trusted key is %s", card.KeyRef()))
	if e != nil {
		return nil, e
	}
	if err := card.Validate(); err != nil {
		return nil, wrap(err)
	}
	// An x5c chain on the key is checked when there is one: its leaf must
	// hold the key and name the card's issuer URL, and each certificate
	// must be signed by the next. Its dates are not held against the card:
	// SMART keys outlive their certificates (the official example 01 was
	// signed after its leaf expired and is valid), so the chain is judged
	// at the leaf's own start.
	if len(key.Chain) > 0 {
		pub, _ := key.PublicKey.(*ecdsa.PublicKey)
		roots := x509.NewCertPool()
		roots.AddCert(key.Chain[len(key.Chain)-1])
		if err := shc.VerifyX5C(shc.Key{KID: string(key.KID), PublicKey: pub, X5C: key.Chain}, card.Issuer, roots, key.Chain[0].NotBefore); err != nil {
			return nil, wrap(err)
		}
	}
	var crl *shc.CRL
	for _, raw := range key.CRLs {
		if c, err := shc.ParseCRL(raw); err == nil && c.KID == string(key.KID) {
			crl = c
		}
	}
	if err := shc.CheckRevocation(shc.Key{KID: string(key.KID), CRLVersion: key.CRLVersion}, crl, card); err != nil {
		if errors.Is(err, shc.ErrRevoked) {
			return nil, &Error{Reason: credential.ReasonRevoked, Detail: err.Error()}
		}
		return nil, &Error{Reason: credential.ReasonRevocationUnavailable, Detail: err.Error()}
	}
	cred, err := card.Credential()
	if err != nil {
		return nil, wrap(err)
	}
	if e := checkKey(key, cred.Type, card.NotBefore, card.KID); e != nil {
		return nil, e
	}
	if err := card.CheckTime(now); err != nil {
		return nil, wrap(err)
	}
	return &Result{
		Credential: cred,
		Format:     credential.FormatSHC,
		Country:    key.Country,
		KeyID:      []byte(card.KID),
		Alg:        "ES256",
		IssuedAt:   card.NotBefore,
		ExpiresAt:  card.ExpiresAt,
		Trust:      status,
		Key:        key,
	}, nil
}

// fromWHO fills an HCERT credential from the WHO sub-claims of the hcert
// claim: each is kept raw with its type, and the first DDCC:VS, DDCC:TR or
// ICVP gives the credential's type and, where its content holds them as
// text, the holder's name and date of birth. The WHO data sets have no
// schema rules here; a sub-claim that is not well-formed strict CBOR is
// refused.
func fromWHO(cred *credential.Credential, c *hcert.Claims) *Error {
	for _, w := range c.WHO {
		cred.SubClaims = append(cred.SubClaims, credential.SubClaim{Key: w.Key, Name: w.Name(), CBOR: append([]byte(nil), w.Raw...)})
		if cred.Type != "" || w.Key == hcert.SubClaimLink {
			continue
		}
		tree, err := hcert.DecodeDCC(w.Raw)
		if err != nil {
			return wrap(err)
		}
		m, _ := tree.(map[string]any)
		switch w.Key {
		case hcert.SubClaimDDCCVS, hcert.SubClaimICVP:
			cred.Type = credential.TypeVaccination
		case hcert.SubClaimDDCCTR:
			cred.Type = credential.TypeTest
		}
		if name, ok := m["name"].(string); ok {
			cred.Holder.FamilyName = name
		}
		for _, k := range []string{"birthDate", "dob"} {
			if d, ok := m[k].(string); ok {
				cred.DateOfBirth = d
				break
			}
		}
	}
	return nil
}

// dccUCI returns the unique certificate identifier (ci) of a DCC's event.
func dccUCI(d *credential.DCC) string {
	switch {
	case len(d.Vaccinations) > 0:
		return d.Vaccinations[0].ID
	case len(d.Tests) > 0:
		return d.Tests[0].ID
	case len(d.Recoveries) > 0:
		return d.Recoveries[0].ID
	}
	return ""
}

// verifyNZCP checks an NZ COVID Pass: the key is found by issuer and kid
// together (iss#kid), never by trying every key of the issuer, so a pass
// naming a kid the issuer's DID document does not list is refused even if
// another of the issuer's keys would verify it. Validity is nbf ≤ now < exp.
func (v *Verifier) verifyNZCP(text string) (*Result, *Error) {
	if max := v.dec.MaxTextLen; max > 0 && len(text) > max {
		return nil, fail(credential.ReasonTooLarge, "text is %d bytes, over the %d-byte limit", len(text), max)
	}
	p, err := nzcp.Decode(text)
	if err != nil {
		return nil, wrap(err)
	}
	now := v.now()
	status := v.trust.Status(now)
	if e := v.checkTrust(status, now); e != nil {
		return nil, e
	}
	key, e := firstVerifying(v.trust.Lookup(credential.FormatNZCP, p.KeyRef()), p.Verify,
		fmt.Sprintf("no trusted key is %s", p.KeyRef()))
	if e != nil {
		return nil, e
	}
	cred := p.Credential()
	if e := checkKey(key, cred.Type, p.NotBefore, string(p.KID)); e != nil {
		return nil, e
	}
	if p.NotBefore.After(now.Add(v.skew)) {
		return nil, fail(credential.ReasonNotYetValid, "not active until %s (now %s)", stamp(p.NotBefore), stamp(now))
	}
	if !now.Before(p.ExpiresAt.Add(v.skew)) {
		return nil, fail(credential.ReasonExpired, "expired at %s (now %s)", stamp(p.ExpiresAt), stamp(now))
	}
	return &Result{
		Credential: cred,
		Format:     credential.FormatNZCP,
		Country:    cred.Country,
		KeyID:      append([]byte(nil), p.KID...),
		Alg:        "ES256",
		IssuedAt:   p.NotBefore,
		ExpiresAt:  p.ExpiresAt,
		Trust:      status,
		Key:        key,
	}, nil
}

// firstVerifying returns the first candidate whose key verifies, or the
// reason none does: unknown_key without candidates, else the last failure.
func firstVerifying(candidates []*trustlist.Key, verify func(crypto.PublicKey) error, unknown string) (*trustlist.Key, *Error) {
	if len(candidates) == 0 {
		return nil, fail(credential.ReasonUnknownKey, "%s", unknown)
	}
	var lastErr error
	for _, k := range candidates {
		if err := verify(k.PublicKey); err != nil {
			lastErr = err
			continue
		}
		return k, nil
	}
	e := wrap(lastErr)
	if len(candidates) > 1 {
		e.Detail = fmt.Sprintf("none of %d candidate keys verifies the signature", len(candidates))
	}
	return nil, e
}

// checkKey applies the key's status, usage and validity to an
// authenticated credential of type t issued at issued. A credential type
// of "" (a format without events, such as an NZ pass) skips the usage
// check.
func checkKey(key *trustlist.Key, t credential.Type, issued time.Time, kid string) *Error {
	if key.Revoked {
		return fail(credential.ReasonKeyRevoked, "key %s was revoked%s", kid, revokedDetail(key))
	}
	if t != "" && !key.Usage.Allows(t) {
		return fail(credential.ReasonKeyUsage, "key %s may sign %s credentials, not %s", kid, usageNames(key.Usage), t)
	}
	if !key.ValidAt(issued) {
		return fail(credential.ReasonKeyNotValid, "issued at %s, outside the key's validity %s to %s",
			stamp(issued), stamp(key.NotBefore), stamp(key.NotAfter))
	}
	return nil
}

func revokedDetail(k *trustlist.Key) string {
	s := ""
	if !k.RevokedAt.IsZero() {
		s += " at " + stamp(k.RevokedAt)
	}
	if k.RevocationReason != "" {
		s += " (" + k.RevocationReason + ")"
	}
	return s
}

func usageNames(u trustlist.Usage) string {
	var parts []string
	for _, t := range []credential.Type{credential.TypeVaccination, credential.TypeTest, credential.TypeRecovery} {
		if u.Allows(t) {
			parts = append(parts, t.String())
		}
	}
	if len(parts) == 0 {
		return "no"
	}
	return strings.Join(parts, " and ")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(unbounded)"
	}
	return t.UTC().Format(time.RFC3339)
}
