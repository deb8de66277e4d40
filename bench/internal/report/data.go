package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute/bench/internal/benchfile"
)

// data is what the goals are checked against: the benchmark results,
// TestPaired's rows and the rows of the fleet convergence test.
type data struct {
	// samples[name][unit] are the values of one benchmark (its full name,
	// without the -GOMAXPROCS suffix) in one unit, one per run.
	samples     benchfile.Samples
	paired      map[string]pairedRow
	convergence []convergenceRow
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

// convergenceRow is one row (one source) of the Markdown table that
// reload/convergence's TestConvergence prints.
type convergenceRow struct {
	source                          string
	changes                         int64
	p50, p99, max                   float64 // ns
	requests, failed                int64
	setsPublished, neverWrittenSets int64
}

// convergenceColumns are the columns of TestConvergence's table, in its
// header's words; parseConvergence finds them by name, in any order.
var convergenceColumns = []string{"source", "changes", "p50", "p99", "max", "requests", "failed", "sets published", "never-written sets"}

// parseConvergence reads the Markdown table TestConvergence prints (the
// lines starting with "|"; any other line is ignored): a header naming
// convergenceColumns, the separator row, then a row per source, times in
// ms ("12.3 ms") and counts as integers.
func parseConvergence(r io.Reader) ([]convergenceRow, error) {
	var rows []convergenceRow
	var col map[string]int
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case col == nil:
			col = map[string]int{}
			for i, c := range cells {
				col[c] = i
			}
			for _, c := range convergenceColumns {
				if _, ok := col[c]; !ok {
					return nil, fmt.Errorf("convergence table: no column %q in %q", c, line)
				}
			}
			continue
		case strings.Trim(line, "|-: ") == "":
			continue // the separator row
		case len(cells) != len(col):
			return nil, fmt.Errorf("convergence table: %d cells, want %d: %q", len(cells), len(col), line)
		}
		row := convergenceRow{source: cells[col["source"]]}
		for c, p := range map[string]*float64{"p50": &row.p50, "p99": &row.p99, "max": &row.max} {
			v, ok := strings.CutSuffix(cells[col[c]], " ms")
			f, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("convergence table: %s of %s is %q, want milliseconds (\"12.3 ms\")", c, row.source, cells[col[c]])
			}
			*p = math.Round(f * 1e6) // whole ns: 4.1 * 1e6 is not 4.1e6
		}
		for c, p := range map[string]*int64{"changes": &row.changes, "requests": &row.requests, "failed": &row.failed,
			"sets published": &row.setsPublished, "never-written sets": &row.neverWrittenSets} {
			n, err := strconv.ParseInt(cells[col[c]], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("convergence table: %s of %s is %q, want an integer", c, row.source, cells[col[c]])
			}
			*p = n
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

// convergenceRowOf returns the row of the source whose name starts with
// prefix, or ok false if the test did not measure it.
func (d *data) convergenceRowOf(prefix string) (convergenceRow, bool) {
	i := slices.IndexFunc(d.convergence, func(r convergenceRow) bool { return strings.HasPrefix(r.source, prefix) })
	if i < 0 {
		return convergenceRow{}, false
	}
	return d.convergence[i], true
}
