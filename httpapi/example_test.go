package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/httpapi"
	"github.com/b5m5/travelcred/testvectors"
)

// Mounting the service under a path of another Go server: the API, the
// page and its assets all work below the prefix.
func Example_mount() {
	now := func() time.Time { return time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC) }
	trust, err := testvectors.DemoTrust(now())
	if err != nil {
		fmt.Println(err)
		return
	}
	api, err := httpapi.New(httpapi.Config{Trust: trust, Clock: now, Demo: true})
	if err != nil {
		fmt.Println(err)
		return
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "airline app") })
	mux.Handle("/checkpoint/", http.StripPrefix("/checkpoint", api))
	srv := httptest.NewServer(mux) // in production: httpapi.NewHTTPServer(addr, mux, httpapi.Timeouts{}, logger)
	defer srv.Close()

	// A credential issued by the demo federation's GB member.
	fed, _ := testvectors.DemoFederation(now)
	gb, _ := fed.Member("GB")
	issued, _ := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "GB"))

	resp, err := http.Post(srv.URL+"/checkpoint/v1/verify", "text/plain", strings.NewReader(issued.Text))
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, strings.HasPrefix(string(body), `{"valid":true,`))

	for _, path := range []string{"/checkpoint/", "/checkpoint/assets/app.js", "/checkpoint/readyz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode)
	}
	// Output:
	// 200 OK true
	// /checkpoint/ 200
	// /checkpoint/assets/app.js 200
	// /checkpoint/readyz 200
}
