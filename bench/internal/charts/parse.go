package main

import (
	"io"

	"github.com/dynroute/dynroute/bench/internal/benchfile"
)

// results are the benchmark results the charts are drawn from, of which
// they use ns/op.
type results struct {
	s benchfile.Samples
}

// parse reads go test -bench output (benchfile.Parse).
func parse(r io.Reader) (results, error) {
	s, err := benchfile.Parse(r)
	return results{s: s}, err
}

// median returns the median ns/op of the named benchmark and the number of
// samples, or ok false if the input has none.
func (r results) median(name string) (m float64, n int, ok bool) {
	return r.s.Median(name, "ns/op")
}

// has reports whether the input has an ns/op sample of the named benchmark.
func (r results) has(name string) bool { return len(r.s[name]["ns/op"]) > 0 }
