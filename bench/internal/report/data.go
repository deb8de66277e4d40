package main

import (
	"io"

	"github.com/dynroute/dynroute/bench/internal/benchfile"
)

// data is what the goals are checked against: the benchmark results and
// TestPaired's rows.
type data struct {
	// samples[name][unit] are the values of one benchmark (its full name,
	// without the -GOMAXPROCS suffix) in one unit, one per run.
	samples benchfile.Samples
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

// parseBench reads go test -bench output (benchfile.Parse) into data.
func parseBench(r io.Reader) (*data, error) {
	samples, err := benchfile.Parse(r)
	if err != nil {
		return nil, err
	}
	return &data{samples: samples, paired: map[string]pairedRow{}}, nil
}

func (d *data) addPaired(rows []pairedRow) {
	for _, r := range rows {
		d.paired[r.Name] = r
	}
}

// median returns the median of the benchmark's values in unit and how many
// there are, or ok false if there are none.
func (d *data) median(name, unit string) (m float64, n int, ok bool) {
	return d.samples.Median(name, unit)
}
