package trustlist_test

import (
	"bytes"
	"crypto"
	"testing"

	"github.com/b5m5/travelcred/trustlist"
)

// FuzzVerifyFederated feeds arbitrary documents to VerifyFederated with
// the fixture's anchor. It must never panic, and whatever it accepts must
// carry the aggregator-signed payload of the one genuine list (the only
// one the fuzzer has), so its keys are exactly the original's.
func FuzzVerifyFederated(f *testing.F) {
	fx := getFed(f)
	orig := fx.pub.List
	origDoc, err := trustlist.ParseSigned(fx.pub.Federated, 0)
	if err != nil {
		f.Fatal(err)
	}
	origPayload, err := origDoc.PayloadBytes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fx.pub.Federated)
	f.Add(tampered(fx.pub.Federated, len(fx.pub.Federated)/2))
	f.Add(fx.pub.Anchor)
	f.Add(fx.pub.Countries["AU"])
	f.Add([]byte(`{"payload":"e30","signatures":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := trustlist.VerifyFederated(fx.pub.VerifiedAnchor, data, verifyAt(fedAt))
		if err != nil {
			if l != nil {
				t.Fatal("a list returned with an error")
			}
			return
		}
		doc, err := trustlist.ParseSigned(data, 0)
		if err != nil {
			t.Fatalf("accepted a document ParseSigned refuses: %v", err)
		}
		if p, err := doc.PayloadBytes(); err != nil || !bytes.Equal(p, origPayload) {
			t.Fatalf("accepted a payload other than the signed one")
		}
		if l.Sequence != orig.Sequence || !l.IssuedAt.Equal(orig.IssuedAt) || !l.ExpiresAt.Equal(orig.ExpiresAt) ||
			!l.NextUpdate.Equal(orig.NextUpdate) || l.Len() != orig.Len() || len(l.Countries) != len(orig.Countries) {
			t.Fatalf("accepted list differs from the original")
		}
		for cc, want := range orig.Countries {
			got := l.Countries[cc]
			if got == nil || len(got.Keys) != len(want.Keys) || got.Sequence != want.Sequence {
				t.Fatalf("%s list differs", cc)
			}
			for i, k := range got.Keys {
				w := want.Keys[i]
				if !bytes.Equal(k.KID, w.KID) || k.Format != w.Format || k.Country != w.Country || k.Usage != w.Usage ||
					k.Revoked != w.Revoked || !k.NotAfter.Equal(w.NotAfter) || !k.NotBefore.Equal(w.NotBefore) ||
					!w.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.PublicKey) {
					t.Fatalf("%s key %d differs", cc, i)
				}
			}
		}
	})
}

// FuzzParseSigned: ParseSigned never panics, and what it accepts has a
// payload and survives a Marshal and parse unchanged.
func FuzzParseSigned(f *testing.F) {
	fx := getFed(f)
	f.Add(fx.pub.Federated)
	f.Add(fx.pub.Anchor)
	f.Add(fx.pub.Countries["NZ"])
	f.Add([]byte(`{"payload":"e30","signatures":[{"protected":"e30","signature":"AA"}]}`))
	f.Add([]byte(`{"payload":"e30","signatures":null}`))
	f.Add([]byte(`{"payload":"","signatures":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := trustlist.ParseSigned(data, 0)
		if err != nil {
			if s != nil {
				t.Fatal("a document returned with an error")
			}
			return
		}
		if len(data) > trustlist.MaxDocumentSize {
			t.Fatalf("accepted %d bytes", len(data))
		}
		p, err := s.PayloadBytes()
		if err != nil || len(p) == 0 {
			t.Fatalf("accepted a document without a payload: %v", err)
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := trustlist.ParseSigned(out, 0)
		if err != nil {
			t.Fatalf("re-marshalled document refused: %v\n%s", err, out)
		}
		if again.Payload != s.Payload || len(again.Signatures) != len(s.Signatures) {
			t.Fatal("round trip changed the document")
		}
		for i := range s.Signatures {
			if again.Signatures[i] != s.Signatures[i] {
				t.Fatalf("round trip changed signature %d", i)
			}
		}
	})
}

// FuzzParsePublicJWK: ParsePublicJWK never panics, and a key it accepts
// marshals back to a JWK with the same thumbprint.
func FuzzParsePublicJWK(f *testing.F) {
	fx := getFed(f)
	f.Add([]byte(mustJWK(f, fx.pub.AggregatorKey.Public())))
	f.Add([]byte(fx.dscEntry(f, "GB").Key))
	f.Add([]byte(`{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		j, err := trustlist.ParsePublicJWK(raw)
		if err != nil {
			return
		}
		again, err := trustlist.MarshalPublicJWK(j.Key, j.Chain...)
		if err != nil {
			t.Fatalf("accepted key does not marshal: %v", err)
		}
		j2, err := trustlist.ParsePublicJWK(again)
		if err != nil || j2.KeyID != j.KeyID {
			t.Fatalf("round trip: %v, thumbprint %v vs %s", err, j2, j.KeyID)
		}
	})
}
