package main

import (
	"slices"
	"strings"
	"testing"
)

// sampleBench is go test -bench output of two runs of a few benchmarks.
const sampleBench = `goos: linux
pkg: github.com/dynroute/dynroute/bench
BenchmarkStatic/router=dynroute-2     	18563482	        56.21 ns/op	       0 B/op	       0 allocs/op
BenchmarkStatic/router=httprouter-2   	23293225	        60.26 ns/op	       0 B/op	       0 allocs/op
BenchmarkParam/router=dynroute-fast-2 	 3633357	       347.6 ns/op	      96 B/op	       2 allocs/op
BenchmarkParam/router=httprouter-2    	 6665499	       267.7 ns/op	      96 B/op	       1 allocs/op
BenchmarkRegister1k/router=dynroute-2 	     697	   1000000 ns/op
BenchmarkRegister10k/router=dynroute-2	      55	   9000000 ns/op
BenchmarkRegister1k/router=dynroute-2 	     697	   1200000 ns/op
BenchmarkRegister10k/router=dynroute-2	      55	  13000000 ns/op
BenchmarkRegister10k/router=httprouter-2	     300	   2500000 ns/op
BenchmarkRegister10k/router=servemux-2	      20	  20000000 ns/op
BenchmarkRegister10k/router=chi-2	      60	   5000000 ns/op
BenchmarkSpec/api=dynroute-2          	      30	  40000000 ns/op	   4000000 spec-bytes
BenchmarkDispatchDuringSwaps/swaps=max-2	 6683908	       168.3 ns/op	       137.0 none-ns/op	         1.229 ratio	      1986 swaps/s
BenchmarkLatencyDuringReloads/transport=inproc/reloads=10/s-2	3798084	300.0 ns/op	6818647 max-ns	47.82 ms/swap
BenchmarkLatencyDuringReloads/transport=loopback/reloads=max-2	17527	69162 ns/op	58913108 max-ns	35.06 ms/swap
BenchmarkLoadYAML10k	 5	 250000000 ns/op
PASS
`

// samplePaired is what TestPaired writes with -paired-json.
var samplePaired = []pairedRow{
	{Name: "Static dynroute/httprouter", Ratio: 1.10, P25: 1.05, P75: 1.2},
	{Name: "Param dynroute-fast/httprouter", Ratio: 1.05, P25: 1, P75: 1.1},
	{Name: "Typed dynroute/httprouter", Ratio: 1.31},
	{Name: "Typed dynroute/huma-default", Ratio: 0.40},
	{Name: "CRUD get dynroute/handwritten", Ratio: 1.2},
}

func sampleData(t *testing.T) *data {
	d, err := parseBench(strings.NewReader(sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	d.addPaired(samplePaired)
	return d
}

func TestGoalStatus(t *testing.T) {
	d := sampleData(t)
	tests := []struct {
		what, want, shown string
	}{
		// 1.10 <= 1.15 and 0 allocs as httprouter.
		{"dispatch: static route", "met", "1.100× (p25–p75 1.050–1.200); 0 vs 0 allocs/op"},
		// The ratio holds but it allocates once more than httprouter.
		{"dispatch: param route, fast path (`dynroute.Params`)", "missed", "1.050× (p25–p75 1.000–1.100); 2 vs 1 allocs/op"},
		// The paired row is there, the benchmarks are not.
		{"dispatch: GitHub API table, fast path", "not measured", ""},
		{"typed JSON endpoint vs hand-written", "missed", "1.310× (p25–p75 0.000–0.000)"},
		// Exactly 2.5x faster is met.
		{"typed JSON endpoint vs huma v2, default config", "met", "0.400× (p25–p75 0.000–0.000)"},
		// Median of 9 and 13 ms: 11 ms.
		{"register 10,000 routes and serve the first request", "missed", "11 ms"},
		// 11/2.5 = 4.4 <= 5.26 and 11/20 <= 0.714, but 11/5 > 2.
		{"register 10,000 routes, measured against the issue's machine", "missed", "4.40× (11 ms / 2.5 ms); 0.55× (11 ms / 20 ms); 2.20× (11 ms / 5 ms)"},
		// 11 ms / 1.1 ms = 10.
		{"registration is linear: 10,000 routes vs 1,000", "met", "10.00× (11 ms / 1.1 ms)"},
		{"OpenAPI JSON of 10,000 operations (shared schema registry)", "met", "40 ms"},
		{"10,000 RouteSpecs from a YAML file to serving (and the spec)", "met", "250 ms"},
		{"dispatch while tables are swapped without pause", "missed", "1.229×"},
		{"requests never blocked on a swap: in process, 10 swaps/s", "met", "max 6.82 ms, swap 47.8 ms"},
		{"requests never blocked on a swap: loopback HTTP, swaps without pause", "missed", "max 58.9 ms, swap 35.1 ms"},
		{"CRUD on SQLite: get by id", "met", "1.200× (p25–p75 0.000–0.000)"},
		{"CRUD on SQLite: list of 100 rows", "not measured", ""},
	}
	for _, tc := range tests {
		var g *goal
		for i := range goals {
			if goals[i].what == tc.what {
				g = &goals[i]
			}
		}
		if g == nil {
			t.Errorf("no goal %q", tc.what)
			continue
		}
		st, shown, _ := g.status(d)
		if st != tc.want || strings.Join(shown, "; ") != tc.shown {
			t.Errorf("%s: %s, %q; want %s, %q", tc.what, st, strings.Join(shown, "; "), tc.want, tc.shown)
		}
	}
}

func TestParseBench(t *testing.T) {
	d := sampleData(t)
	for _, tc := range []struct {
		name, unit string
		want       float64
		n          int
	}{
		{"BenchmarkStatic/router=dynroute", "ns/op", 56.21, 1},
		{"BenchmarkRegister10k/router=dynroute", "ns/op", 11e6, 2}, // the -2 suffix is gone, two runs
		{"BenchmarkLatencyDuringReloads/transport=inproc/reloads=10/s", "ms/swap", 47.82, 1},
		{"BenchmarkLoadYAML10k", "ns/op", 250e6, 1}, // GOMAXPROCS 1: no suffix
	} {
		got, n, ok := d.median(tc.name, tc.unit)
		if !ok || got != tc.want || n != tc.n {
			t.Errorf("median(%s, %s) = %v, %d runs, %v; want %v, %d", tc.name, tc.unit, got, n, ok, tc.want, tc.n)
		}
	}
	if _, _, ok := d.median("BenchmarkStatic/router=chi", "ns/op"); ok {
		t.Error("a benchmark that did not run has a median")
	}
}

func TestWriteGoals(t *testing.T) {
	var b strings.Builder
	writeGoals(&b, sampleData(t), goals)
	out := b.String()
	for _, want := range []string{
		"## Goals\n",
		"| goal | target | measured | from | status |\n",
		"| dispatch: static route | ≤ 1.15× httprouter, +0 allocs (both recover panics) | 1.100× (p25–p75 1.050–1.200); 0 vs 0 allocs/op | TestPaired; benchmark, 1 run | ✅ met |\n",
		"| register 10,000 routes and serve the first request | ≤ 10 ms | 11 ms | benchmarks, median of 2 | ❌ missed |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got, want := strings.Count(out, "\n| "), len(goals)+1; got != want {
		t.Errorf("%d table rows, want %d (header and one per goal)", got, want)
	}
}

// sampleConvergence is what go test -v prints of TestConvergence's table,
// indented as t.Log indents it; the PostgreSQL push row is over the goal.
const sampleConvergence = `    convergence_test.go:247: 
        3 instances (separate processes) on loopback, 2 client workers on routes present in every set; a change = one transaction (add one route, remove one)
        
        | source | changes | p50 | p99 | max | requests | failed | sets published | never-written sets |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|
        | etcd watch (reload/etcd) | 200 | 4.1 ms | 200.0 ms | 250.3 ms | 51234 | 0 | 603 | 0 |
        | PostgreSQL LISTEN/NOTIFY (reload/pgnotify) | 200 | 5.2 ms | 201.5 ms | 300.0 ms | 48000 | 0 | 603 | 0 |
        | PostgreSQL polled every 1s (reload.NewSQL) | 30 | 612.0 ms | 1010.3 ms | 1010.3 ms | 9000 | 2 | 93 | 1 |
--- PASS: TestConvergence (70.01s)
`

func TestConvergenceGoals(t *testing.T) {
	rows, err := parseConvergence(strings.NewReader(sampleConvergence))
	if err != nil {
		t.Fatal(err)
	}
	want := convergenceRow{source: "etcd watch (reload/etcd)", changes: 200, p50: 4.1e6, p99: 200e6, max: 250.3e6,
		requests: 51234, setsPublished: 603}
	if len(rows) != 3 || rows[0] != want {
		t.Fatalf("parsed %+v; want 3 rows, the first %+v", rows, want)
	}

	for _, tc := range []struct {
		name             string
		rows             []convergenceRow
		etcd, pg, pgShow string
	}{
		// Exactly 200 ms is met; the polled table's failures are not PostgreSQL push's.
		{"all", rows, "met", "missed", "p99 201.5 ms; 0 failed of 48000 requests; 0 never-written of 603 sets; polled table: p99 1010.3 ms"},
		// Without the polled row, PostgreSQL push is still measured.
		{"no poll", rows[:2], "met", "missed", "p99 201.5 ms; 0 failed of 48000 requests; 0 never-written of 603 sets"},
		{"etcd only", rows[:1], "met", "not measured", ""},
		{"not run", nil, "not measured", "not measured", ""},
	} {
		d := sampleData(t)
		d.convergence = tc.rows
		for _, g := range goals {
			st, shown, from := g.status(d)
			switch g.what {
			case "fleet convergence, etcd":
				if st != tc.etcd {
					t.Errorf("%s: etcd %s, want %s", tc.name, st, tc.etcd)
				}
			case "fleet convergence, PostgreSQL":
				if st != tc.pg || strings.Join(shown, "; ") != tc.pgShow {
					t.Errorf("%s: PostgreSQL %s, %q; want %s, %q", tc.name, st, strings.Join(shown, "; "), tc.pg, tc.pgShow)
				}
				if st != "not measured" && strings.Join(from, "; ") != "convergence test, 200 changes" {
					t.Errorf("%s: PostgreSQL from %q", tc.name, from)
				}
			}
		}
	}

	// A failed request or a never-written set misses the goal.
	d := sampleData(t)
	d.convergence = []convergenceRow{{source: "etcd watch (reload/etcd)", changes: 200, p99: 10e6, failed: 1}}
	if st, _, _ := goals[slices.IndexFunc(goals, func(g goal) bool { return g.what == "fleet convergence, etcd" })].status(d); st != "missed" {
		t.Errorf("a failed request: %s, want missed", st)
	}

	if _, err := parseConvergence(strings.NewReader("| source | changes |\n|---|---|\n| x | 1 |\n")); err == nil {
		t.Error("a table without the p99 column parsed")
	}
	if _, err := parseConvergence(strings.NewReader(sampleConvergence[:strings.Index(sampleConvergence, "| etcd")] + "| etcd | 200 | 4.1 | 1 ms | 1 ms | 1 | 0 | 3 | 0 |\n")); err == nil {
		t.Error("a time without its unit parsed")
	}
}
