package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleLines is go test -bench output with three runs of one benchmark,
// two of another, and lines that are not results.
const sampleLines = `goos: linux
goarch: amd64
pkg: github.com/dynroute/dynroute/bench
cpu: Intel(R) Xeon(R) Processor
BenchmarkParam/router=dynroute-fast-2 	 3633357	       347.6 ns/op	      96 B/op	       2 allocs/op
BenchmarkParam/router=httprouter-setpathvalue-2	 6665499	       267.7 ns/op	      96 B/op	       1 allocs/op
BenchmarkParam/router=dynroute-fast-2 	 3633357	       300.0 ns/op	      96 B/op	       2 allocs/op
    dispatch_test.go:12: a log line
BenchmarkParam/router=httprouter-setpathvalue-2	 6665499	       250.3 ns/op	      96 B/op	       1 allocs/op
BenchmarkParam/router=dynroute-fast-2 	 3633357	       310.0 ns/op	      96 B/op	       2 allocs/op
BenchmarkGitHubAll/router=chi-2	 1000	 722.4 ns/op	 644 B/op	 3 allocs/op	 3.646 exact-allocs/op
BenchmarkRegisterSpec/routes=1000/api=huma	      55	  20469000 ns/op
PASS
ok  	github.com/dynroute/dynroute/bench	12.3s
`

// TestMedian checks that parse keys each sub-benchmark by its full name
// without the -GOMAXPROCS suffix, keeps ns/op only, and that median takes
// the middle sample, or the mean of the two middle ones.
func TestMedian(t *testing.T) {
	r, err := parse(strings.NewReader(sampleLines))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want float64
		n    int
	}{
		{"BenchmarkParam/router=dynroute-fast", 310, 3},             // 300, 310, 347.6
		{"BenchmarkParam/router=httprouter-setpathvalue", 259, 2},   // (250.3 + 267.7) / 2
		{"BenchmarkGitHubAll/router=chi", 722.4, 1},                 // exact-allocs/op ignored
		{"BenchmarkRegisterSpec/routes=1000/api=huma", 20469000, 1}, // GOMAXPROCS=1: no suffix
	}
	for _, tc := range tests {
		got, n, ok := r.median(tc.name)
		if !ok || got != tc.want || n != tc.n {
			t.Errorf("median(%s) = %v, %d, %v; want %v, %d, true", tc.name, got, n, ok, tc.want, tc.n)
		}
	}
	if len(r.s) != len(tests) {
		t.Errorf("parsed %d benchmarks, want %d: %v", len(r.s), len(tests), r.s)
	}
	if _, _, ok := r.median("BenchmarkParam/router=chi"); ok {
		t.Error("median of an absent benchmark: ok")
	}
}

// TestParseError checks that a result whose ns/op is not a number fails.
func TestParseError(t *testing.T) {
	_, err := parse(strings.NewReader("BenchmarkStatic/router=chi-2\t100\tfast ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err = %v, want an error at line 1", err)
	}
}

// fullInput returns go test -bench output with every benchmark that the
// charts need (and the optional ones), two runs each, leaving out the
// benchmarks for which skip returns true.
func fullInput(skip func(name string) bool) string {
	var b strings.Builder
	var names []string
	for _, c := range charts {
		names = append(names, c.required()...)
	}
	names = append(names, "BenchmarkRegisterSpec/routes=10000/api=huma")
	for run := range 2 {
		for i, name := range names {
			if !skip(name) {
				fmt.Fprintf(&b, "%s-2\t100\t%d ns/op\t0 B/op\t0 allocs/op\n", name, (i+1)*1000+run*10)
			}
		}
	}
	return b.String()
}

// runCharts runs the program on input in a temporary directory, where it
// first writes the files stale as an earlier run would have left them, and
// returns the charts directory, the Markdown output, the log and the error.
func runCharts(t *testing.T, input string, partial bool, stale ...string) (dir, md, log string, err error) {
	t.Helper()
	tmp := t.TempDir()
	in := filepath.Join(tmp, "bench.txt")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(tmp, "charts")
	for _, f := range stale {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("<svg/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mdb, logb bytes.Buffer
	err = run(&mdb, &logb, in, dir, "bench/charts", partial)
	return dir, mdb.String(), logb.String(), err
}

// TestRun checks that every chart is drawn, as an SVG with its title and
// legend, embedded in the section, and that the same input gives the same
// bytes.
func TestRun(t *testing.T) {
	input := fullInput(func(string) bool { return false })
	dir, md, _, err := runCharts(t, input, false)
	if err != nil {
		t.Fatal(err)
	}
	dir2, _, _, err := runCharts(t, input, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		svg, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		again, err := os.ReadFile(filepath.Join(dir2, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(svg, again) {
			t.Errorf("%s: two runs on the same input differ", c.file)
		}
		if !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("median of 2 runs")) {
			t.Errorf("%s: not an SVG with its subtitle", c.file)
		}
		if link := "](bench/charts/" + c.file + ")"; !strings.Contains(md, link) {
			t.Errorf("section has no link %s:\n%s", link, md)
		}
	}
}

// TestMissing checks that a missing benchmark fails the run, naming it,
// unless -partial, which skips the charts that need it, says so, and
// removes their files from an earlier run.
func TestMissing(t *testing.T) {
	const gone = "BenchmarkTyped/router=fuego"
	input := fullInput(func(name string) bool { return name == gone })
	dir, _, _, err := runCharts(t, input, false)
	if err == nil || !strings.Contains(err.Error(), gone) {
		t.Fatalf("err = %v, want one naming %s", err, gone)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("failed run wrote the chart directory")
	}

	dir, md, log, err := runCharts(t, input, true, "typed.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "skipped typed.svg") || !strings.Contains(log, gone) {
		t.Errorf("log does not say typed.svg was skipped for %s: %q", gone, log)
	}
	if strings.Contains(md, "(bench/charts/typed.svg)") || !strings.Contains(md, "(bench/charts/dispatch.svg)") {
		t.Errorf("section should embed dispatch.svg and not typed.svg:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "typed.svg")); err == nil {
		t.Error("typed.svg of an earlier run left beside a section that does not show it")
	}
}
