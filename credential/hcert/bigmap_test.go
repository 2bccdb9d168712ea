package hcert

import (
	"errors"
	"testing"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/internal/cborx"
)

// claimsWith builds a claims map with n extra integer claims (keys 100…)
// before the hcert claim, and optionally repeats the last extra key.
func claimsWith(n int, dup bool) []byte {
	pairs := n + 1
	if dup {
		pairs++
	}
	b := cborx.AppendHead(nil, cborx.MajorMap, uint64(pairs))
	for i := 0; i < n; i++ {
		b = cborx.AppendInt(b, int64(100+i))
		b = cborx.AppendInt(b, 0)
	}
	if dup {
		b = cborx.AppendInt(b, int64(100+n-1))
		b = cborx.AppendInt(b, 1)
	}
	b = cborx.AppendInt(b, claimHCert)
	b = cborx.AppendHead(b, cborx.MajorMap, 1)
	b = cborx.AppendInt(b, subClaimEUDCC)
	return cborx.AppendHead(b, cborx.MajorMap, 0)
}

func TestClaimsMapLargerThanFixedSet(t *testing.T) {
	for _, n := range []int{15, 16, 17, 40} {
		if _, err := ParseClaims(claimsWith(n, false)); err != nil {
			t.Errorf("%d extra claims: %v", n, err)
		}
		_, err := ParseClaims(claimsWith(n, true))
		var ce *credential.Error
		if !errors.As(err, &ce) || ce.Reason != credential.ReasonBadCBOR {
			t.Errorf("%d extra claims with a duplicate: got %v, want bad_cbor", n, err)
		}
	}
}
