// Package credential holds the format-neutral model of a travel health
// credential, the EU DCC payload types, validation of the DCC schema rules
// (versions 1.0.0 to 1.3.x) written as Go code, and the EU DCC value sets.
//
// It performs no cryptography and no network access: the wire codecs live in
// the sub-packages (credential/hcert and, later, the other formats) and the
// trust decisions in package verifier.
package credential
