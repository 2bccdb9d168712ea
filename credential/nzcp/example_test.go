package nzcp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/credential/nzcp"
)

func Example() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	nbf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	text, err := nzcp.Sign(key, "did:web:issuer.example.nz", "key-1",
		nzcp.Subject{GivenName: "Jack", FamilyName: "Sparrow", DOB: "1960-04-16"},
		nbf, nbf.AddDate(1, 0, 0), [16]byte{0x60, 0xa4, 0xf5, 0x4d})
	if err != nil {
		panic(err)
	}

	pass, err := nzcp.Decode(text)
	if err != nil {
		panic(err)
	}
	// A verifier looks the key up by the complete reference iss#kid among
	// the assertion keys of trusted issuers' DID documents.
	fmt.Println("key:", string(pass.KeyRef()))
	fmt.Println("verify:", pass.Verify(&key.PublicKey))
	fmt.Println("holder:", pass.Subject.GivenName, pass.Subject.FamilyName, pass.Subject.DOB)
	fmt.Println("valid:", pass.NotBefore.Format(time.DateOnly), "to", pass.ExpiresAt.Format(time.DateOnly))
	fmt.Println("jti:", pass.JTI)
	// Output:
	// key: did:web:issuer.example.nz#key-1
	// verify: <nil>
	// holder: Jack Sparrow 1960-04-16
	// valid: 2026-01-01 to 2027-01-01
	// jti: urn:uuid:60a4f54d-0000-0000-0000-000000000000
}

func ExampleDIDWebURL() {
	for _, did := range []string{"did:web:nzcp.identity.health.nz", "did:web:mattrglobal.github.io:nzcp:qvnnk89kijroeindxa3u"} {
		u, err := nzcp.DIDWebURL(did)
		fmt.Println(u, err)
	}
	// Output:
	// https://nzcp.identity.health.nz/.well-known/did.json <nil>
	// https://mattrglobal.github.io/nzcp/qvnnk89kijroeindxa3u/did.json <nil>
}
