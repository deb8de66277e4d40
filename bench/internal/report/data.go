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

// data is what the goals are checked against: the benchmark results and
// TestPaired's rows.
type data struct {
	// samples[name][unit] are the values of one benchmark (its full name,
	// without the -GOMAXPROCS suffix) in one unit, one per run.
	samples map[string]map[string][]float64
	paired  map[string]pairedRow
}

// pairedRow is one row of TestPaired's -paired-json output (bench's
// paired_test.go writes it).
type pairedRow struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio"`
	P25   float64 `json:"p25"`
	P75   float64 `json:"p75"`
	ANs   int64   `json:"a_ns"`
	BNs   int64   `json:"b_ns"`
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads the result lines of go test -bench output: a name, the
// iteration count, then pairs of value and unit. Other lines are skipped.
func parseBench(r io.Reader) (*data, error) {
	d := &data{samples: map[string]map[string][]float64{}, paired: map[string]pairedRow{}}
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
		units := d.samples[name]
		if units == nil {
			units = map[string][]float64{}
			d.samples[name] = units
		}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q is not a number", n, f[i])
			}
			units[f[i+1]] = append(units[f[i+1]], v)
		}
	}
	return d, sc.Err()
}

func (d *data) addPaired(rows []pairedRow) {
	for _, r := range rows {
		d.paired[r.Name] = r
	}
}

// median returns the median of the benchmark's values in unit and how many
// there are, or ok false if there are none.
func (d *data) median(name, unit string) (m float64, n int, ok bool) {
	xs := slices.Clone(d.samples[name][unit])
	if len(xs) == 0 {
		return 0, 0, false
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2], len(xs), true
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2, len(xs), true
}
