//go:build !race

package qr

// raceEnabled reports whether the race detector is on: it makes decoding
// about ten times slower, so the slowest tests do less.
const raceEnabled = false
