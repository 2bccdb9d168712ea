package verifier_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/b5m5/travelcred/credential"
	"github.com/b5m5/travelcred/testvectors"
	"github.com/b5m5/travelcred/verifier"
)

// A verifier trusts the federation's signer certificates and checks a
// credential issued by one of its members.
func Example() {
	fed, err := testvectors.NewFederation(testvectors.FederationOptions{Countries: []string{"GB", "NZ"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	gb, _ := fed.Member("GB")
	issued, err := gb.Issuer.Issue(testvectors.SamplePayload(credential.TypeVaccination, "GB"))
	if err != nil {
		fmt.Println(err)
		return
	}

	checkedAt := testvectors.DefaultNow.Add(2 * time.Hour)
	v, err := verifier.New(fed.Trust, verifier.WithClock(func() time.Time { return checkedAt }))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := v.Verify(issued.Text)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, res.Country, res.Alg, res.Credential.Type, res.Trust.Freshness)
	fmt.Println(res.Credential.Holder.FamilyNameStd, res.Credential.Holder.GivenNameStd, res.Credential.DateOfBirth)
	fmt.Println(res.ExpiresAt.Sub(res.IssuedAt))

	// Two years later the same credential has expired.
	later, _ := verifier.New(fed.Trust, verifier.WithClock(func() time.Time { return checkedAt.AddDate(2, 0, 0) }))
	_, err = later.Verify(issued.Text)
	var verr *verifier.Error
	if errors.As(err, &verr) {
		fmt.Println(verr.Reason, verr.Class(), errors.Is(err, verifier.ErrExpired))
	}
	// Output:
	// hcert GB ES256 vaccination static
	// DARSONS<VAN<HALEN FRANCOIS<JOAN 1990-01-01
	// 8760h0m0s
	// expired expired true
}
