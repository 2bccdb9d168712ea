package shc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/credential/shc"
)

// Issue a card with our own key, then read its QR text back as a verifier
// does: decode, find the key by issuer and kid, verify, validate, check
// the dates, and map it.
func ExampleSign() {
	d := make([]byte, 32)
	d[31] = 7
	key, _ := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	const iss = "https://health.example.org/shc"
	bundle := json.RawMessage(`{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1985-04-12"}},` +
		`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"208"}]},"occurrenceDateTime":"2026-01-15","performer":[{"actor":{"display":"City Clinic"}}]}}]}`)
	nbf := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	_, qrText, err := shc.Sign(key, "", iss, bundle, nbf, nil)
	if err != nil {
		panic(err)
	}

	// The verifier's side. Its trust list maps iss#kid to keys.
	jwks, _ := shc.MarshalJWKS([]shc.Key{{PublicKey: &key.PublicKey}})
	keys, _ := shc.ParseJWKS(jwks)
	trusted := map[string]shc.Key{string(keys[0].Ref(iss)): keys[0]}

	card, err := shc.Decode(qrText)
	if err != nil {
		panic(err)
	}
	k, ok := trusted[string(card.KeyRef())]
	fmt.Println("issuer trusted:", ok)
	fmt.Println("signature:", card.Verify(k.PublicKey))
	fmt.Println("content:", card.Validate())
	fmt.Println("dates:", card.CheckTime(nbf.AddDate(0, 1, 0)))
	fmt.Println("revocation:", shc.CheckRevocation(k, nil, card))
	c, _ := card.Credential()
	fmt.Println(c.Format, c.Type, c.Holder.GivenName, c.Holder.FamilyName, c.DateOfBirth)
	fmt.Println(c.Vaccination.Vaccine, c.Vaccination.Date, c.Vaccination.DoseNumber, c.Vaccination.Issuer)
	// Output:
	// issuer trusted: true
	// signature: <nil>
	// content: <nil>
	// dates: <nil>
	// revocation: <nil>
	// shc vaccination Jane Doe 1985-04-12
	// http://hl7.org/fhir/sid/cvx|208 2026-01-15 1 City Clinic
}
