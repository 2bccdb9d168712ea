// Package benchpair times an operation against its floor for the
// benchmarks of issue 4 (imported by _test files only).
package benchpair

import (
	"slices"
	"testing"
	"time"
)

// Run measures op against floor in one loop, call by call, alternating
// which of the two runs first, and reports the median time of each call
// and the ratio of the medians (unit "x-floor"). On a shared machine the
// two then meet the same contention, and a median ignores the calls during
// which the process was descheduled; ns/op, which divides the whole loop's
// time, is reported too but compares poorly across benchmarks run at
// different moments.
func Run(b *testing.B, floor, op func()) { RunN(b, 1, floor, op) }

// RunN is Run for a floor and an operation that each do n operations per
// call (a batch, for operations too short to time one by one): the
// reported times are per operation.
func RunN(b *testing.B, n int, floor, op func()) {
	fs := make([]time.Duration, 0, 1<<15)
	ops := make([]time.Duration, 0, 1<<15)
	first := true
	for b.Loop() {
		t0 := time.Now()
		if first {
			floor()
		} else {
			op()
		}
		t1 := time.Now()
		if first {
			op()
		} else {
			floor()
		}
		t2 := time.Now()
		if first {
			fs, ops = append(fs, t1.Sub(t0)), append(ops, t2.Sub(t1))
		} else {
			ops, fs = append(ops, t1.Sub(t0)), append(fs, t2.Sub(t1))
		}
		first = !first
	}
	f, o := median(fs), median(ops)
	b.ReportMetric(float64(f.Nanoseconds())/float64(n), "floor-ns")
	b.ReportMetric(float64(o.Nanoseconds())/float64(n), "op-ns")
	b.ReportMetric(float64(o)/float64(f), "x-floor")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}
