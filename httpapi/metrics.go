package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	verifications *prometheus.CounterVec
	verifyLatency *prometheus.HistogramVec
	requests      *prometheus.CounterVec
	issued        *prometheus.CounterVec
	issueRefused  *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	// handler serves /metrics when the registry is private.
	handler http.Handler
}

func newMetrics(reg prometheus.Registerer, s *Server) (*metrics, error) {
	m := &metrics{
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "travelcred", Name: "verifications_total",
			Help: "Verifications by result (valid, invalid) and reason code (none when valid).",
		}, []string{"result", "reason"}),
		verifyLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "travelcred", Name: "verify_duration_seconds",
			Help:    "Time to verify one credential, by input (text, image), excluding reading the request.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"input"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "travelcred", Name: "http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "travelcred", Name: "issued_total",
			Help: "Credentials issued, by type (v, t, r).",
		}, []string{"type"}),
		issueRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "travelcred", Name: "issue_refused_total",
			Help: "Issuing requests refused, by error code.",
		}, []string{"error"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "travelcred", Name: "rate_limited_total",
			Help: "Requests refused with 429, by endpoint (verify, issue).",
		}, []string{"endpoint"}),
	}
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "travelcred", Name: "trustlist_age_seconds",
		Help: "Seconds since the current trust list was issued (0 for static trust or none loaded).",
	}, func() float64 { return s.cfg.Trust.Status(s.now()).Age.Seconds() })
	expiry := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "travelcred", Name: "trustlist_expiry_seconds",
		Help: "Seconds until the current trust list expires (negative once expired; 0 when it has no expiry or none is loaded).",
	}, func() float64 {
		st := s.cfg.Trust.Status(s.now())
		if st.ExpiresAt.IsZero() {
			return 0
		}
		return st.ExpiresAt.Sub(s.now()).Seconds()
	})
	ready := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "travelcred", Name: "ready",
		Help: "1 when a usable trust list is loaded (as /readyz), else 0.",
	}, func() float64 {
		if s.status().Ready {
			return 1
		}
		return 0
	})
	cs := []prometheus.Collector{m.verifications, m.verifyLatency, m.requests, m.issued, m.issueRefused, m.rateLimited, age, expiry, ready}
	if reg == nil {
		r := prometheus.NewRegistry()
		cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = r
		m.handler = promhttp.HandlerFor(r, promhttp.HandlerOpts{})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("httpapi: metrics already registered (one Server per registry): %w", err)
			}
			return nil, fmt.Errorf("httpapi: %w", err)
		}
	}
	return m, nil
}
