// Command benchratio reads `go test -bench -benchmem` output holding
// several rounds of the performance benchmarks (see scripts/bench) and
// prints the budget table of issue 4: for each benchmark its ns/op, B/op
// and allocs/op (medians over the rounds), the figure a budget is judged
// on, the budget, and whether it is met.
//
// The figures that contention on a shared machine does not distort come
// from the benchmarks themselves: the "Pair" benchmarks time an operation
// and its floor call by call in one loop and report the ratio of the
// median call times (unit x-floor); others report CPU time per operation
// (cpu-ns/op) or a median call time (median-ns). benchratio takes the
// median of those over the rounds. The one ratio it computes itself,
// parallel against serial throughput, pairs the two benchmarks round by
// round.
//
// Usage: go run ./scripts/benchratio FILE
//
// It exits with status 1 when a budget is not met.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// row is one line of the table.
type row struct {
	pkg, name string // import path suffix; benchmark name without "Benchmark" and -N
	what      string
	judge     func(all results) (figure string, value float64, ok bool)
	budget    string
	max       float64 // value must be ≤ max (or ≥ min)
	min       float64
}

// results holds every sample by "import/path/Name", in input order.
type results map[string][]map[string]float64

func (r results) find(pkg, name string) []map[string]float64 {
	for k, v := range r {
		if strings.HasSuffix(k, "/"+pkg+"/"+name) {
			return v
		}
	}
	return nil
}

func (r results) median(pkg, name, unit string) (float64, bool) {
	var v []float64
	for _, s := range r.find(pkg, name) {
		if x, ok := s[unit]; ok {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	return median(v), true
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// pairRatio judges a Pair benchmark by its x-floor ratio.
func pairRatio(pkg, name string) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) {
		x, ok := r.median(pkg, name, "x-floor")
		if !ok {
			return "", 0, false
		}
		op, _ := r.median(pkg, name, "op-ns")
		fl, _ := r.median(pkg, name, "floor-ns")
		return fmt.Sprintf("%.3f× (median call %s, floor %s)", x, human(op), human(fl)), x, true
	}
}

// metric judges a benchmark by the median of one of its metrics.
func metric(pkg, name, unit, label string) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) {
		x, ok := r.median(pkg, name, unit)
		if !ok {
			return "", 0, false
		}
		return label + " " + human(x), x, true
	}
}

// throughput is the serial ns/op over the parallel ns/op, round by round:
// how many times more verifications per second the parallel benchmark
// did. With cpu true it is instead GOMAXPROCS times the serial over the
// parallel CPU time per operation: the throughput the CPUs would give if
// nothing else ran on them.
func throughput(pkg, serial, parallel string, procs float64, cpu bool) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) {
		ss, ps := r.find(pkg, serial), r.find(pkg, parallel)
		unit := "ns/op"
		if cpu {
			unit = "cpu-ns/op"
		}
		var v []float64
		for i := 0; i < len(ss) && i < len(ps); i++ {
			if ps[i][unit] > 0 {
				v = append(v, ss[i][unit]/ps[i][unit])
			}
		}
		if len(v) == 0 {
			return "", 0, false
		}
		x := median(v)
		if cpu {
			x *= procs
			return fmt.Sprintf("%.2f× serial (%.0f CPUs × serial ÷ parallel CPU time per verify)", x, procs), x, true
		}
		return fmt.Sprintf("%.2f× serial (wall clock)", x), x, true
	}
}

// ratio is the op's ns/op over the floor's, round by round (both run in
// the same test binary, one after the other): for benchmarks that are not
// pairs.
func ratio(pkg, op, floor string) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) {
		ops, fs := r.find(pkg, op), r.find(pkg, floor)
		var v []float64
		for i := 0; i < len(ops) && i < len(fs); i++ {
			if fs[i]["ns/op"] > 0 {
				v = append(v, ops[i]["ns/op"]/fs[i]["ns/op"])
			}
		}
		if len(v) == 0 {
			return "", 0, false
		}
		x := median(v)
		return fmt.Sprintf("%.3f× %s (ns/op, same round)", x, floor), x, true
	}
}

func info(pkg, name string) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) { return "", 0, r.find(pkg, name) != nil }
}

// allocs judges the allocation budget: at most 30 allocations and 10 KB.
func allocs(pkg, name string) func(results) (string, float64, bool) {
	return func(r results) (string, float64, bool) {
		a, ok := r.median(pkg, name, "allocs/op")
		if !ok {
			return "", 0, false
		}
		by, _ := r.median(pkg, name, "B/op")
		v := a
		if by > 10<<10 {
			v = 1e9 // over the byte budget
		}
		return fmt.Sprintf("%.0f allocs, %.1f KB", a, by/1024), v, true
	}
}

var rows = []row{
	{pkg: "verifier", name: "FloorECDSAP256", what: "floor: ecdsa.Verify P-256", judge: info("verifier", "FloorECDSAP256")},
	{pkg: "verifier", name: "VerifyES256", what: "HC1: ES256 verify, static trust", judge: allocs("verifier", "VerifyES256"), budget: "≤ 30 allocs, ≤ 10 KB", max: 30},
	{pkg: "verifier", name: "PairES256", what: "  ES256 verify ÷ floor", judge: pairRatio("verifier", "PairES256"), budget: "≤ 1.10×", max: 1.10},
	{pkg: "verifier", name: "PairES256Fixed", what: "  the same, fixed-Huffman credential", judge: pairRatio("verifier", "PairES256Fixed"), budget: "≤ 1.10×", max: 1.10},
	{pkg: "verifier", name: "VerifyES256List", what: "HC1: ES256 verify, federated list", judge: allocs("verifier", "VerifyES256List"), budget: "≤ 30 allocs, ≤ 10 KB", max: 30},
	{pkg: "verifier", name: "PairES256List", what: "  ES256 verify (list) ÷ floor", judge: pairRatio("verifier", "PairES256List"), budget: "≤ 1.10×", max: 1.10},
	{pkg: "verifier", name: "FloorRSAPSS_2048", what: "floor: rsa.VerifyPSS 2048", judge: info("verifier", "FloorRSAPSS_2048")},
	{pkg: "verifier", name: "VerifyPS256_2048", what: "HC1: PS256 verify, RSA 2048", judge: info("verifier", "VerifyPS256_2048")},
	{pkg: "verifier", name: "PairPS256_2048", what: "  PS256 2048 verify ÷ floor", judge: pairRatio("verifier", "PairPS256_2048"), budget: "≤ 1.25×", max: 1.25},
	{pkg: "verifier", name: "FloorRSAPSS", what: "floor: rsa.VerifyPSS 3072", judge: info("verifier", "FloorRSAPSS")},
	{pkg: "verifier", name: "VerifyPS256", what: "HC1: PS256 verify, RSA 3072", judge: info("verifier", "VerifyPS256")},
	{pkg: "verifier", name: "PairPS256_3072", what: "  PS256 3072 verify ÷ floor", judge: pairRatio("verifier", "PairPS256_3072")},
	{pkg: "verifier", name: "VerifyES256Serial", what: "ES256 verify, one goroutine", judge: info("verifier", "VerifyES256Serial")},
	{pkg: "verifier", name: "VerifyES256Parallel", what: "ES256 verify, RunParallel", judge: throughput("verifier", "VerifyES256Serial", "VerifyES256Parallel", 2, false)},
	{pkg: "verifier", name: "VerifyES256Parallel", what: "  RunParallel on idle CPUs", judge: throughput("verifier", "VerifyES256Serial", "VerifyES256Parallel", 2, true), budget: "≥ 1.80×", min: 1.80},
	{pkg: "credential/hcert", name: "DecodeCredential", what: "decode without signature", judge: metric("credential/hcert", "DecodeCredential", "median-ns", "median call"), budget: "≤ 5 µs", max: 5000},
	{pkg: "internal/deflate", name: "Inflate/fixed/ours", what: "inflate 400 bytes, fixed Huffman", judge: ratio("internal/deflate", "Inflate/fixed/ours", "Inflate/fixed/compress-flate")},
	{pkg: "internal/deflate", name: "Inflate/dynamic/ours", what: "  dynamic Huffman", judge: ratio("internal/deflate", "Inflate/dynamic/ours", "Inflate/dynamic/compress-flate")},
	{pkg: "internal/deflate", name: "Inflate/stored/ours", what: "  stored", judge: ratio("internal/deflate", "Inflate/stored/ours", "Inflate/stored/compress-flate")},
	{pkg: "issuer", name: "FloorSignES256", what: "floor: ecdsa.Sign P-256", judge: info("issuer", "FloorSignES256")},
	{pkg: "issuer", name: "IssueES256", what: "issue ES256 to HC1: text", judge: info("issuer", "IssueES256")},
	{pkg: "issuer", name: "PairIssueES256", what: "  ES256 issue ÷ floor", judge: pairRatio("issuer", "PairIssueES256"), budget: "≤ 1.15×", max: 1.15},
	{pkg: "issuer", name: "FloorSignPS256", what: "floor: rsa.SignPSS 3072", judge: info("issuer", "FloorSignPS256")},
	{pkg: "issuer", name: "IssuePS256", what: "issue PS256 (3072) to HC1: text", judge: info("issuer", "IssuePS256")},
	{pkg: "issuer", name: "PairIssuePS256", what: "  PS256 issue ÷ floor", judge: pairRatio("issuer", "PairIssuePS256")},
	{pkg: "trustlist", name: "Lookup10", what: "trust lookup, 10 keys", judge: metric("trustlist", "Lookup10", "ns/op", "ns/op"), budget: "< 1 µs", max: 1000},
	{pkg: "trustlist", name: "Lookup10000", what: "trust lookup, 10,000 keys", judge: metric("trustlist", "Lookup10000", "ns/op", "ns/op"), budget: "< 1 µs", max: 1000},
	{pkg: "trustlist", name: "PairLookup", what: "  10,000 keys ÷ 10 keys", judge: pairRatio("trustlist", "PairLookup"), budget: "≤ 1.20× (noise)", max: 1.20},
	{pkg: "trustlist", name: "VerifyFederated10", what: "load + verify list, 10 keys", judge: metric("trustlist", "VerifyFederated10", "cpu-ns/op", "CPU")},
	{pkg: "credential/nzcp", name: "FloorECDSA", what: "floor: ecdsa.Verify P-256 (NZCP)", judge: info("credential/nzcp", "FloorECDSA")},
	{pkg: "credential/nzcp", name: "VerifyNZCP", what: "NZCP verify from text", judge: ratio("credential/nzcp", "VerifyNZCP", "FloorECDSA")},
	{pkg: "credential/shc", name: "VerifySHCFloor", what: "floor: ecdsa.Verify P-256 (SHC)", judge: info("credential/shc", "VerifySHCFloor")},
	{pkg: "credential/shc", name: "VerifySHC", what: "SHC verify from shc:/ text", judge: ratio("credential/shc", "VerifySHC", "VerifySHCFloor")},
	{pkg: "credential/vdsnc", name: "VerifyVDSNCFloor", what: "floor: ecdsa.Verify (VDS-NC)", judge: info("credential/vdsnc", "VerifyVDSNCFloor")},
	{pkg: "credential/vdsnc", name: "VerifyVDSNC/signature", what: "VDS-NC verify from JSON (signature)", judge: ratio("credential/vdsnc", "VerifyVDSNC/signature", "VerifyVDSNCFloor")},
	{pkg: "credential/vdsnc", name: "VerifyVDSNC/cached", what: "  with the chain and CRL, signatures cached (the verifier's way)", judge: ratio("credential/vdsnc", "VerifyVDSNC/cached", "VerifyVDSNCFloor")},
	{pkg: "credential/vdsnc", name: "VerifyVDSNC/full", what: "  with the BSC → CSCA chain and CRL", judge: info("credential/vdsnc", "VerifyVDSNC/full")},
	{pkg: "httpapi", name: "ServeVerify/valid", what: "HTTP POST /v1/verify, one goroutine", judge: info("httpapi", "ServeVerify/valid")},
	{pkg: "httpapi", name: "ServeVerifyParallel", what: "  the same, RunParallel", judge: throughput("httpapi", "ServeVerify/valid", "ServeVerifyParallel", 2, false)},
	{pkg: "scanner", name: "Normalize/aim-crlf", what: "scanner text normalisation (AIM, CR LF)", judge: info("scanner", "Normalize/aim-crlf")},
	{pkg: "scanner", name: "Normalize/lower-case", what: "  a lower-cased line", judge: info("scanner", "Normalize/lower-case")},
	{pkg: "trustlist", name: "VerifyFederated10000", what: "load + verify list, 10,000 keys", judge: metric("trustlist", "VerifyFederated10000", "cpu-ns/op", "CPU"), budget: "≤ 300 ms", max: 300e6},
}

var (
	pkgLine   = regexp.MustCompile(`^pkg: (\S+)`)
	benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
)

func parse(r io.Reader) (results, error) {
	out := results{}
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if m := pkgLine.FindStringSubmatch(line); m != nil {
			pkg = m[1]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := map[string]float64{}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				s[f[i+1]] = v
			}
		}
		key := pkg + "/" + m[1]
		out[key] = append(out[key], s)
	}
	return out, sc.Err()
}

func human(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.1f ns", ns)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchratio FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	all, err := parse(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	failed := false
	fmt.Println("| benchmark | what | ns/op | B/op | allocs/op | judged on | budget | met |")
	fmt.Println("|---|---|---:|---:|---:|---|---|---|")
	for _, r := range rows {
		figure, v, ok := r.judge(all)
		if !ok {
			continue
		}
		// A Pair benchmark's ns/op, B/op and allocs/op add up its floor and
		// its operation: only its ratio means something.
		nsCol, byCol, alCol := "—", "—", "—"
		if !strings.HasPrefix(r.name, "Pair") {
			ns, _ := all.median(r.pkg, r.name, "ns/op")
			by, _ := all.median(r.pkg, r.name, "B/op")
			al, _ := all.median(r.pkg, r.name, "allocs/op")
			nsCol, byCol, alCol = human(ns), fmt.Sprintf("%.0f", by), fmt.Sprintf("%.0f", al)
		}
		met := ""
		if r.budget != "" {
			met = "yes"
			if r.max > 0 && v > r.max || r.min > 0 && v < r.min {
				met, failed = "**NO**", true
			}
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, r.what, nsCol, byCol, alCol, figure, r.budget, met)
	}
	if failed {
		os.Exit(1)
	}
}
