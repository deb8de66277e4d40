// Command report prints the "Goals" section of BENCHMARKS.md: every
// performance goal of DESIGN.md and of the issues that set targets, the
// value measured for it and whether it is met. bench/run.sh runs it after
// the benchmarks:
//
//	go run ./internal/report -bench bench.txt -paired paired.json -convergence convergence.md
//
// -bench is the raw output of go test -bench (any number of runs of each
// benchmark; the median is used), -paired the file TestPaired writes with
// -paired-json, -convergence the Markdown table that reload/convergence's
// TestConvergence prints (a row per source: the time until all instances
// serve a change, failed requests, sets served that were never written). The goals are the table in goals.go: a goal stated as a
// ratio to a baseline is checked against TestPaired's median ratio, which
// a busy machine disturbs far less than the benchmarks' wall-clock times;
// a goal stated in milliseconds, allocations or a benchmark's own metric is
// checked against the median of the benchmark runs. A goal whose data is
// missing (a BENCH subset, TestPaired not run, the convergence test not
// run or a source of it not measured) is "not measured".
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
)

func main() {
	benchFile := flag.String("bench", "bench.txt", "output of go test -bench")
	pairedFile := flag.String("paired", "", "JSON written by TestPaired's -paired-json (optional)")
	convergenceFile := flag.String("convergence", "", "Markdown table printed by reload/convergence's TestConvergence (optional)")
	flag.Parse()
	if err := run(*benchFile, *pairedFile, *convergenceFile); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(benchFile, pairedFile, convergenceFile string) error {
	f, err := os.Open(benchFile)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := parseBench(f)
	if err != nil {
		return err
	}
	if pairedFile != "" {
		data, err := os.ReadFile(pairedFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// TestPaired did not run (not Linux): its goals are not measured.
		case err != nil:
			return err
		default:
			var rows []pairedRow
			if err := json.Unmarshal(data, &rows); err != nil {
				return fmt.Errorf("%s: %w", pairedFile, err)
			}
			d.addPaired(rows)
		}
	}
	if convergenceFile != "" {
		f, err := os.Open(convergenceFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// The convergence test did not run: its goals are not measured.
		case err != nil:
			return err
		default:
			defer f.Close()
			d.convergence, err = parseConvergence(f)
			if err != nil {
				return fmt.Errorf("%s: %w", convergenceFile, err)
			}
		}
	}
	writeGoals(os.Stdout, d, goals)
	return nil
}
