// Package httpapi is travelcred's HTTP service as an http.Handler: it
// verifies credentials, issues them for authenticated clients, publishes
// the federation's trust documents and serves the checkpoint web page.
//
// New builds a *Server from a Config; a Server is an http.Handler that any
// Go server can mount (with http.StripPrefix under a path prefix: every URL
// the page uses is relative). NewHTTPServer wraps a handler in an
// *http.Server with the timeouts and header limit that a server facing the
// network needs; `travelcred serve` uses both.
//
// # Endpoints
//
//	POST /v1/verify      text/plain, application/json {"qr": "..."},
//	                     image/png, image/jpeg or multipart/form-data
//	                     → 200 with the verdict JSON, valid or not
//	POST /v1/issue       a DCC JSON payload, bearer token or TLS client
//	                     certificate → HC1: text, JSON or a PNG QR code
//	GET  /v1/trustlist   the signed federated list (strong ETag, 304)
//	GET  /v1/anchor      the signed federation anchor (strong ETag, 304)
//	GET  /v1/lists       the documents of the publish folder, and
//	GET  /v1/lists/NAME  one of them
//	GET  /v1/status      trust-list freshness, demo trust and warnings
//	GET  /               the checkpoint page
//	GET  /healthz        the process answers
//	GET  /readyz         a usable trust list is loaded
//	GET  /metrics        Prometheus metrics (private registry only)
//
// Status codes: 200 for every readable verification request, whatever the
// verdict; 400 for an unreadable request (invalid JSON, truncated
// multipart, an empty body, bytes that are not an image); 413 over a size
// limit (text over limits.QRText, text and JSON bodies over limits.HTTPBody,
// images over limits.ImageBytes or limits.ImagePixels); 415 for another
// media type; 401, 403 and 429 on /v1/issue for missing or wrong
// credentials, a client certificate that is not allowed, and a client over
// its rate limit. Every error body is JSON: {"error": code, "detail": text}.
//
// # What is never logged
//
// Logs carry the request id, route, status, latency, verdict and reason
// code, and for issuance the client, key id and credential type. They
// never carry credential text, images or any holder data, and the
// verifier's free-text detail (which may quote input) is only returned to
// the caller.
//
// # Bounded resources
//
// Bodies are read through http.MaxBytesReader after a Content-Length
// check, images are decoded by at most MaxConcurrentImages requests at a
// time (their pixel count is checked from the header before decoding), and
// the per-client rate limiters keep a bounded number of buckets.
package httpapi
