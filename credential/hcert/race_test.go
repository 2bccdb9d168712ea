//go:build race

package hcert_test

// raceEnabled reports whether the race detector is on: sync.Pool then
// drops a quarter of what is put back, so allocation counts vary from run
// to run and are compared only without it.
const raceEnabled = true
