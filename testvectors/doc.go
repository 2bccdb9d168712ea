// Package testvectors holds travelcred's own test material and the
// conformance runners for official test suites.
//
// RunDCC runs the EU dgc-testdata suite: every JSON vector under
// <COUNTRY>/2DCode/raw/, each EXPECTED* flag checked at its own stage.
package testvectors
