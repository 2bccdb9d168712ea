//go:build race

package strictjson

// raceEnabled reports whether the race detector is on: its
// instrumentation changes what escapes to the heap, and sync.Pool drops a
// quarter of what is put back, so allocation counts are checked only
// without it.
const raceEnabled = true
