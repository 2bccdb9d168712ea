//go:build !unix

package qr

import "time"

// processCPUTime returns 0: CPU time is not measured on this system.
func processCPUTime() time.Duration { return 0 }
