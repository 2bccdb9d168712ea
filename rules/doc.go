// Package rules holds EU DCC business rules: the rule format of the DCC
// gateway, rule sets, the selection of the rules that apply to a
// credential at a destination, their evaluation with package certlogic, and
// the value sets the rules read.
//
// A [Rule] is one JSON document (Identifier, Type, Country, Region,
// Version, SchemaVersion, Engine, EngineVersion, CertificateType,
// Description, ValidFrom, ValidTo, AffectedFields, Logic), parsed with
// [ParseRule] or, for a JSON array of them, [ParseRules]. A [Set] gathers
// rules from bytes ([ParseSet]) or from a directory tree ([LoadFS]), and is
// the unit that a distribution channel (a signed document, a download)
// delivers; the package neither fetches nor verifies signatures.
//
// # Selection
//
// [Set.Select] returns the rules that apply to a [Query]: the Acceptance
// rules of the destination country (and of its region, when one is given),
// the Invalidation rules of the issuing country, of certificate type
// General or the credential's own type, valid at the validation clock
// (ValidFrom ≤ clock < ValidTo), and of those the highest version of each
// identifier. A rule version that only becomes valid later never hides the
// version valid now.
//
// # Evaluation
//
// [Set.Check] selects and evaluates in one call. Each rule's Logic is
// evaluated against the data context
//
//	{"payload": <the DCC JSON tree>,
//	 "external": {"validationClock": …, "valueSets": {id: [codes…]},
//	              "countryCode": …, "exp": …, "iat": …,
//	              "issuerCountryCode": …, "region": …}}
//
// (optional members are left out when unknown; nothing is filled in from
// the wall clock). A rule passes when its Logic evaluates to true, fails on
// false, and is open on anything else: an evaluation error, a non-boolean
// result, or an engine this package does not run. [Report] also lists the
// codes of the credential that its value sets do not know ([UnknownCode]):
// per the EU DCC guidance, an unknown code calls for refreshing the value
// sets, so it is reported, not fatal.
package rules
