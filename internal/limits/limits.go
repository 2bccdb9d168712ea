// Package limits holds the default limits on hostile input, each a named
// constant in one place. Public packages expose them and let callers lower
// them; nothing may raise them.
package limits

const (
	// QRText is the maximum length of credential text, in bytes.
	QRText = 8 << 10
	// Inflated is the maximum size of a decompressed payload, in bytes.
	Inflated = 64 << 10
	// CBORNesting is the maximum nesting depth of CBOR arrays and maps.
	CBORNesting = 16
	// HTTPBody is the maximum size of an HTTP text or JSON request body.
	HTTPBody = 16 << 10
	// ImageBytes is the maximum size of an image upload, in bytes.
	ImageBytes = 8 << 20
	// ImagePixels is the maximum number of pixels of an image to decode.
	ImagePixels = 40_000_000
)

// Lower returns want when it is positive and below def, else def: a limit
// can be lowered by configuration but never raised.
func Lower(def, want int) int {
	if want > 0 && want < def {
		return want
	}
	return def
}
