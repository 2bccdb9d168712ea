package httpapi

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// ErrTokenFilePermissions is returned by LoadTokens for a tokens file that
// users other than its owner can read or write.
var ErrTokenFilePermissions = errors.New("httpapi: tokens file is accessible to group or others")

// MinTokenLen is the shortest bearer token accepted, in characters.
// `openssl rand -base64 32` makes a good one (44 characters).
const MinTokenLen = 32

// maxTokens bounds the entries of a tokens file.
const maxTokens = 10000

// Tokens is a set of bearer tokens, each with the name of the client it
// belongs to. Only SHA-256 digests of the tokens are kept, and a token is
// looked up by comparing its digest with every entry in constant time.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	name string
	sum  [sha256.Size]byte
}

// ParseTokens reads a tokens file: one token a line, as "NAME TOKEN"
// (separated by spaces or tabs), where NAME is the client's name used in
// logs and rate limits (letters, digits, '.', '_', '-', '@', at most 64)
// and TOKEN is at least MinTokenLen printable characters. Blank lines and
// lines starting with '#' are ignored. A client may have several tokens
// (to rotate them); a token may not appear twice.
func ParseTokens(r io.Reader) (*Tokens, error) {
	t := &Tokens{}
	seen := map[[sha256.Size]byte]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), 4096)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("httpapi: tokens line %d: want NAME TOKEN", n)
		}
		name, tok := f[0], f[1]
		if !validName(name) {
			return nil, fmt.Errorf("httpapi: tokens line %d: bad client name %q", n, name)
		}
		if len(tok) < MinTokenLen {
			return nil, fmt.Errorf("httpapi: tokens line %d: the token of %s is shorter than %d characters", n, name, MinTokenLen)
		}
		sum := sha256.Sum256([]byte(tok))
		if seen[sum] {
			return nil, fmt.Errorf("httpapi: tokens line %d: a token appears twice", n)
		}
		seen[sum] = true
		if len(t.entries) == maxTokens {
			return nil, fmt.Errorf("httpapi: more than %d tokens", maxTokens)
		}
		t.entries = append(t.entries, tokenEntry{name: name, sum: sum})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("httpapi: tokens line %d: %w", n+1, err)
	}
	if len(t.entries) == 0 {
		return nil, errors.New("httpapi: no tokens")
	}
	return t, nil
}

// LoadTokens reads a tokens file (see ParseTokens). Like private key
// files, a tokens file whose mode grants any access to group or others is
// refused: run `chmod 600` on it.
func LoadTokens(path string) (*Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o", ErrTokenFilePermissions, path, fi.Mode().Perm())
	}
	return ParseTokens(f)
}

// Len returns the number of tokens.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.entries)
}

// Lookup returns the client name of a token. Every entry is compared, in
// constant time, whatever matches.
func (t *Tokens) Lookup(token string) (name string, ok bool) {
	if t == nil {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	found := 0
	for i := range t.entries {
		if subtle.ConstantTimeCompare(sum[:], t.entries[i].sum[:]) == 1 {
			name, found = t.entries[i].name, 1
		}
	}
	return name, found == 1
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-@", c) >= 0) {
			return false
		}
	}
	return true
}

// authenticate names the client of an issuing request, or says which
// status refuses it: 401 without credentials or with a wrong token, 403
// for a verified client certificate that is not allowed.
func (s *Server) authenticate(r *http.Request) (client string, herr *httpError) {
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, tok, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", errorf(http.StatusUnauthorized, "unauthorized", "use Authorization: Bearer TOKEN")
		}
		if name, ok := s.cfg.Tokens.Lookup(strings.TrimSpace(tok)); ok {
			return "token:" + name, nil
		}
		return "", errorf(http.StatusUnauthorized, "invalid_token", "the token is not valid")
	}
	if s.cfg.ClientCertificates && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		if len(r.TLS.VerifiedChains) == 0 {
			return "", errorf(http.StatusForbidden, "forbidden", "the client certificate was not verified")
		}
		leaf := r.TLS.VerifiedChains[0][0]
		if len(s.cfg.ClientSubjects) == 0 {
			return "cert:" + leaf.Subject.String(), nil
		}
		for _, want := range s.cfg.ClientSubjects {
			if want == leaf.Subject.CommonName || want == leaf.Subject.String() {
				return "cert:" + leaf.Subject.String(), nil
			}
		}
		return "", errorf(http.StatusForbidden, "forbidden", "this client certificate may not issue credentials")
	}
	return "", errorf(http.StatusUnauthorized, "unauthorized", "issuing needs a bearer token or a client certificate")
}
