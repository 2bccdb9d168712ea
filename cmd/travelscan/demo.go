package main

import (
	"embed"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/trustlist"
)

// The demo federation's signed anchor and federated list: byte-for-byte
// copies of testvectors/demo/anchor.json and federated.json (a test keeps
// them equal). They are copied rather than imported because package
// testvectors links the issuer, the QR codec and the rules engine, about
// half a megabyte that a scanner does not need.
//
//go:embed demo/anchor.json demo/federated.json
var demoFS embed.FS

// demoWarning is testvectors.DemoWarning: shown whenever demo trust is in
// use.
const demoWarning = "WARNING: using the built-in DEMO trust list; its private keys are public, so anyone can forge credentials it accepts"

// demoTrust verifies the demo federated list against the demo anchor at
// now, as testvectors.DemoTrust does.
func demoTrust(now time.Time) (*trustlist.List, error) {
	anchorData, _ := demoFS.ReadFile("demo/anchor.json")
	listData, _ := demoFS.ReadFile("demo/federated.json")
	anchor, err := trustlist.VerifyAnchor(anchorData)
	if err != nil {
		return nil, fmt.Errorf("demo anchor: %w", err)
	}
	return trustlist.VerifyFederated(anchor, listData, trustlist.VerifyOptions{At: now})
}
