package trustlist_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/trustlist"
)

func TestImportGDHCN(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"NZ"}})
	if err != nil {
		t.Fatal(err)
	}
	dsc := fed.Members[0].DSC
	raw, err := trustlist.MarshalPublicJWK(dsc.PublicKey, dsc)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	json.Unmarshal(raw, &j)
	// The published GDHCN example pads coordinates to 33 bytes.
	x, _ := base64.RawURLEncoding.DecodeString(j["x"].(string))
	j["x"] = base64.RawURLEncoding.EncodeToString(append([]byte{0}, x...))
	j["kid"] = base64.StdEncoding.EncodeToString(trustlist.HCERTKeyID(dsc.Raw))
	doc, _ := json.Marshal(map[string]any{
		"id": "did:web:tng-cdn.who.int:v2:trustlist:-:NZL:DSC",
		"verificationMethod": []any{
			map[string]any{"id": "did:web:x#k", "type": "JsonWebKey2020", "publicKeyJwk": j},
			map[string]any{"id": "did:web:x#other", "type": "Ed25519VerificationKey2020"},
		},
	})
	got, err := trustlist.ImportGDHCN(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["NZ"]) != 1 || got["NZ"][0].KID != j["kid"] || got["NZ"][0].Format != "hcert" {
		t.Fatalf("import: %+v", got)
	}
	// A kid that does not match the certificate is refused.
	j["kid"] = "AAAAAAAAAAA="
	doc, _ = json.Marshal(map[string]any{"verificationMethod": []any{map[string]any{"id": "x", "type": "JsonWebKey2020", "publicKeyJwk": j}}})
	if _, err := trustlist.ImportGDHCN(doc); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("mismatched kid: %v", err)
	}
	// No x5c: refused.
	delete(j, "x5c")
	doc, _ = json.Marshal(map[string]any{"verificationMethod": []any{map[string]any{"id": "x", "type": "JsonWebKey2020", "publicKeyJwk": j}}})
	if _, err := trustlist.ImportGDHCN(doc); !errors.Is(err, trustlist.ErrBadJWK) {
		t.Errorf("no x5c: %v", err)
	}
	if _, err := trustlist.ImportGDHCN([]byte("[")); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
}

func TestImportEUGateway(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"GB", "AU"}})
	if err != nil {
		t.Fatal(err)
	}
	gb, au := fed.Members[0].DSC, fed.Members[1].DSC
	row := func(cc string, der []byte, typ string) map[string]any {
		return map[string]any{"kid": base64.StdEncoding.EncodeToString(trustlist.HCERTKeyID(der)), "country": cc,
			"certificateType": typ, "rawData": base64.StdEncoding.EncodeToString(der)}
	}
	doc, _ := json.Marshal([]any{row("GB", gb.Raw, "DSC"), row("AU", au.Raw, "DSC"), row("GB", gb.Raw, "UPLOAD"),
		map[string]any{"kid": "x", "country": "GB", "certificateType": "DSC", "rawData": nil}})
	got, err := trustlist.ImportEUGateway(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["GB"]) != 1 || len(got["AU"]) != 1 {
		t.Fatalf("import: %+v", got)
	}
	// A row filed under another country than its certificate's.
	doc, _ = json.Marshal([]any{row("AU", gb.Raw, "DSC")})
	if _, err := trustlist.ImportEUGateway(doc); !errors.Is(err, trustlist.ErrForeignKey) {
		t.Errorf("foreign row: %v", err)
	}
	bad := row("GB", gb.Raw, "DSC")
	bad["kid"] = "AAAAAAAAAAA="
	doc, _ = json.Marshal([]any{bad})
	if _, err := trustlist.ImportEUGateway(doc); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("wrong kid: %v", err)
	}
}

func TestExportAndDiff(t *testing.T) {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := fed.Publish(testvectors.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pems := pub.List.ExportPEM()
	if len(pems) != 5 || !strings.Contains(string(pems["GB"]), "BEGIN CERTIFICATE") {
		t.Fatalf("PEM export: %d countries", len(pems))
	}
	js, err := pub.List.ExportJSON()
	if err != nil {
		t.Fatal(err)
	}
	var x trustlist.Export
	if err := json.Unmarshal(js, &x); err != nil || len(x.Entries) != 5 || len(x.Members) != 5 {
		t.Fatalf("JSON export: %v %+v", err, x)
	}

	// Sequence 2: GB's key revoked, AU's list unchanged, a gap for nobody.
	pub2, err := fed.Publish(testvectors.PublishOptions{Keys: pub, Sequence: 2, Now: testvectors.DefaultNow})
	if err != nil {
		t.Fatal(err)
	}
	old, err := trustlist.Summarize(pub.Federated)
	if err != nil {
		t.Fatal(err)
	}
	var cl trustlist.CountryList
	if err := trustlist.DecodePayload(pub2.Countries["GB"], &cl); err != nil {
		t.Fatal(err)
	}
	cl.Revoke(cl.Entries[0].KID, testvectors.DefaultNow, "test")
	newer, err := trustlist.Summarize(pub2.Federated)
	if err != nil {
		t.Fatal(err)
	}
	for i := range newer.Rows {
		if newer.Rows[i].Country == "GB" {
			newer.Rows[i].Status = trustlist.StatusRevoked
		}
	}
	d := trustlist.DiffLists(old, newer, testvectors.DefaultNow, 0)
	if d.SequenceGap || len(d.Revoked) != 1 || d.Revoked[0].Country != "GB" || len(d.Added) != 0 || len(d.Removed) != 0 {
		t.Errorf("diff: %+v", d)
	}
	// Everything expires within 10 years; the revoked key is not "expiring".
	d = trustlist.DiffLists(old, newer, testvectors.DefaultNow, 10*365*24*60*60*1e9)
	if len(d.Expiring) != 4 {
		t.Errorf("expiring: %d, want 4", len(d.Expiring))
	}
	// Skipping a sequence is a gap.
	newer.Sequence = 4
	if !trustlist.DiffLists(old, newer, testvectors.DefaultNow, 0).SequenceGap {
		t.Error("sequence 1 -> 4 is not reported as a gap")
	}
	if _, err := trustlist.Summarize([]byte(`{"type":"nope"}`)); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("unknown type: %v", err)
	}
}
