// Package benchfile reads the results of go test -bench output, for the
// bench module's report (internal/report) and charts (internal/charts).
package benchfile

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Samples maps a benchmark's full name, sub-benchmarks included and the
// -GOMAXPROCS suffix removed ("BenchmarkParam/router=chi"), and a unit
// ("ns/op") to the values of the benchmark's runs, in the order of the
// output.
type Samples map[string]map[string][]float64

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names
// (none when GOMAXPROCS is 1; no benchmark name of the bench module ends in
// a hyphen and digits, so removing it cannot eat a real part of a name).
var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads the result lines of go test -bench output: a name, the
// iteration count, then pairs of value and unit. Other lines (goos:, pkg:,
// PASS, ok, logs) are skipped; a result line with a value that is not a
// number is an error naming the line.
func Parse(r io.Reader) (Samples, error) {
	s := Samples{}
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
		units := s[name]
		if units == nil {
			units = map[string][]float64{}
			s[name] = units
		}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s %q is not a number", n, f[i+1], f[i])
			}
			units[f[i+1]] = append(units[f[i+1]], v)
		}
	}
	return s, sc.Err()
}

// Median returns the median of the benchmark's values in unit (the mean of
// the two middle values for an even count, as benchstat takes it) and how
// many there are, or ok false if there are none.
func (s Samples) Median(name, unit string) (m float64, n int, ok bool) {
	xs := slices.Clone(s[name][unit])
	if len(xs) == 0 {
		return 0, 0, false
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2], len(xs), true
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2, len(xs), true
}
