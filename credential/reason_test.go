package credential

import (
	"errors"
	"fmt"
	"testing"
)

func TestReasonClasses(t *testing.T) {
	want := map[Reason]string{
		ReasonBadPrefix: "malformed", ReasonBadBase45: "malformed", ReasonBadCompression: "malformed",
		ReasonTooLarge: "malformed", ReasonBadCOSE: "malformed", ReasonBadCBOR: "malformed",
		ReasonBadClaims: "malformed", ReasonSchema: "malformed", ReasonBadImage: "malformed", ReasonInputMangled: "malformed",
		ReasonUnsupportedAlg: "untrusted", ReasonUnknownKey: "untrusted", ReasonBadSignature: "untrusted",
		ReasonKeyUsage: "untrusted", ReasonKeyNotValid: "untrusted", ReasonTrustStale: "untrusted", ReasonSuspectClock: "untrusted", ReasonRevocationUnavailable: "untrusted",
		ReasonExpired: "expired", ReasonNotYetValid: "expired",
		ReasonKeyRevoked: "revoked", ReasonRevoked: "revoked",
	}
	if len(Reasons()) != len(want) {
		t.Fatalf("Reasons() has %d codes, the table %d", len(Reasons()), len(want))
	}
	sentinels := map[string]error{"malformed": ErrMalformed, "untrusted": ErrUntrusted, "expired": ErrExpired, "revoked": ErrRevoked}
	for _, r := range Reasons() {
		class, ok := want[r]
		if !ok {
			t.Errorf("%s missing from the table", r)
			continue
		}
		if r.ClassName() != class {
			t.Errorf("%s: class %s, want %s", r, r.ClassName(), class)
		}
		err := fmt.Errorf("wrapped: %w", NewError(r, "detail", errors.New("cause")))
		for name, s := range sentinels {
			if errors.Is(err, s) != (name == class) {
				t.Errorf("%s: errors.Is(%s) = %t", r, name, errors.Is(err, s))
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("cause")
	e := NewError(ReasonBadCBOR, "payload", cause)
	if e.Error() != "bad_cbor: payload: cause" || !errors.Is(e, cause) {
		t.Errorf("got %q", e.Error())
	}
	if NewError(ReasonExpired, "", nil).Error() != "expired" {
		t.Error("bare reason text")
	}
}
