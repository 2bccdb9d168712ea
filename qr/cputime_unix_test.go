//go:build unix

package qr

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time the process has
// used so far, or 0 where that cannot be read.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
