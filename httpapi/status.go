package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

// Status is the body of GET /v1/status and GET /readyz: whether the
// server can verify, the trust list's freshness, and the warnings a
// checkpoint page must show.
type Status struct {
	// Ready reports that a usable trust list is loaded: not expired, not
	// older than the maximum age, and not issued after the clock's time.
	Ready bool `json:"ready"`
	// Demo reports that the built-in demo trust list is in use.
	Demo bool `json:"demo"`
	// Issuing reports that POST /v1/issue is enabled.
	Issuing bool `json:"issuing"`
	// Trust is the trust source's freshness now.
	Trust trustlist.Status `json:"trust"`
	// Warnings are sentences for the operator, most serious first.
	Warnings []string `json:"warnings,omitempty"`
}

// Warnings shown on the page and returned with every verdict.
const (
	warnDemo = "DEMO trust list in use: its private keys are public, so anyone can forge credentials it accepts. Do not use it to check real travellers."
)

// status computes the server's status at the clock's time.
func (s *Server) status() Status {
	now := s.now()
	st := s.cfg.Trust.Status(now)
	out := Status{Demo: s.cfg.Demo, Issuing: s.cfg.Issuer != nil, Trust: st, Ready: true}
	if s.cfg.Demo {
		out.Warnings = append(out.Warnings, warnDemo)
	}
	switch {
	case st.Expired && st.ExpiresAt.IsZero():
		out.Ready = false
		out.Warnings = append(out.Warnings, "No trust list is loaded: no credential can be verified.")
	case st.Expired:
		out.Ready = false
		out.Warnings = append(out.Warnings, fmt.Sprintf("The trust list expired on %s: no credential can be verified until it is updated.", day(st.ExpiresAt)))
	case st.SuspectClock:
		out.Ready = false
		out.Warnings = append(out.Warnings, fmt.Sprintf("The server's clock (%s) is earlier than the trust list's issue time (%s): no credential can be verified until the clock is fixed.", day(now), day(st.IssuedAt)))
	case s.cfg.MaxTrustAge > 0 && st.Freshness != trustlist.FreshnessStatic && st.Age > s.cfg.MaxTrustAge:
		out.Ready = false
		out.Warnings = append(out.Warnings, fmt.Sprintf("The trust list is %s old, more than the %s allowed: no credential can be verified until it is updated.", ago(st.Age), ago(s.cfg.MaxTrustAge)))
	case st.Freshness == trustlist.FreshnessStale:
		out.Warnings = append(out.Warnings, fmt.Sprintf("The trust list is out of date: issued %s ago, its update was due on %s. Recently revoked keys may still be accepted.", ago(st.Age), day(st.NextUpdate)))
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 MST") }

// ago writes a duration in the largest whole unit: days, hours or minutes.
func ago(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= 48*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	default:
		return unit(int64(d/time.Minute), "minute")
	}
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.status())
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	st := s.status()
	code := http.StatusOK
	if !st.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, st)
}
