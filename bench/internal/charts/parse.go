package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds the ns/op samples of go test -bench output.
type results struct {
	// ns maps a benchmark's full name, sub-benchmarks included and the
	// -GOMAXPROCS suffix removed ("BenchmarkParam/router=chi"), to its
	// ns/op values, one per run, in the order of the file.
	ns map[string][]float64
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names
// (none when GOMAXPROCS is 1; no benchmark name of the bench module ends in
// a hyphen and digits, so removing it cannot eat a real part of a name).
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads the result lines of go test -bench output: a name, the
// iteration count, then pairs of value and unit, of which it keeps ns/op.
// Other lines (goos:, pkg:, PASS, ok, logs) are skipped, as
// bench/internal/report skips them. A result line whose ns/op is not a
// number is an error.
func parse(r io.Reader) (results, error) {
	res := results{ns: map[string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // not a result line
		}
		name := procsSuffix.ReplaceAllString(f[0], "")
		for i := 2; i < len(f); i += 2 {
			if f[i+1] != "ns/op" {
				continue
			}
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return results{}, fmt.Errorf("line %d: ns/op %q is not a number", n, f[i])
			}
			res.ns[name] = append(res.ns[name], v)
		}
	}
	return res, sc.Err()
}

// median returns the median ns/op of the named benchmark (the mean of the
// two middle values for an even count, as benchstat takes it) and the
// number of samples, or ok false if the input has none.
func (r results) median(name string) (m float64, n int, ok bool) {
	xs := slices.Clone(r.ns[name])
	if len(xs) == 0 {
		return 0, 0, false
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2], len(xs), true
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2, len(xs), true
}

// has reports whether the input has a sample of the named benchmark.
func (r results) has(name string) bool { return len(r.ns[name]) > 0 }
