//go:build linux

package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/julienschmidt/httprouter"
)

var (
	paired     = flag.Bool("paired", false, "run TestPaired: dynroute's cost relative to its baselines, measured in interleaved rounds of thread CPU time")
	pairedJSON = flag.String("paired-json", "", "TestPaired: also write its rows to this file as a JSON array of objects with the fields of pairedRow (run.sh's report reads it)")
	pairedRows = flag.String("paired-rows", "", "TestPaired: run only the rows whose name matches this regexp (default: every row)")
)

// clockThreadCPUTimeID is Linux's CLOCK_THREAD_CPUTIME_ID, which package
// syscall does not name.
const clockThreadCPUTimeID = 3

// threadCPU returns the CPU time used by the calling OS thread. Unlike wall
// time it stands still while other processes hold the CPU, which on a shared
// two-core machine is most of the noise in the benchmarks' ns/op. (It still
// runs while a hypervisor steals the virtual CPU, hence the interleaving.)
func threadCPU() time.Duration {
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		panic(errno)
	}
	return time.Duration(ts.Nano())
}

// comparison is one row of TestPaired: dynroute's router a against the
// hand-written baseline b, on the same table and requests.
type comparison struct {
	name   string
	a, b   server
	routes []Route // the table
	serve  []Route // the routes requested, in turn
	build  bool    // each round builds the routers anew (registration)
}

// TestPaired measures what the targets in DESIGN.md are stated in: the ratio
// of dynroute's cost to its baseline's. The benchmarks' wall-clock ns/op
// swing several-fold when other work shares the machine; here a and b run in
// alternating short rounds on one locked OS thread, timed by that thread's
// CPU clock, and the row reports the median of the per-round ratios. The
// last rows (specComparisons, in spec_paired_test.go) are the OpenAPI
// document and registration against huma, and dynroute's registration of
// 10,000 routes against 1,000: the linearity goal.
//
// The collector is off while a round runs and runs between rounds instead,
// so the rows measure routing and registration work only. For dispatch that
// changes nothing in the ratios (both sides allocate the same); for
// registration it flatters whichever side allocates more, so read the
// Register rows together with the benchmarks' B/op.
func TestPaired(t *testing.T) {
	if !*paired {
		t.Skip("run with -paired (run.sh does)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	named := func(list []server, name string) server {
		i := slices.IndexFunc(list, func(s server) bool { return s.name == name })
		if i < 0 {
			t.Fatalf("no router %q", name)
		}
		return list[i]
	}
	d, n, ty := dispatchServers(), noopServers(), typedServers()
	static := GitHubAPI[routeIndex(t, GitHubAPI, staticRoute)]
	param := GitHubAPI[routeIndex(t, GitHubAPI, paramRoute)]
	gen1k, gen10k := Generated(1_000), Generated(10_000)
	noRecover := server{"dynroute-norecover", func(t *table) (http.Handler, error) {
		return newDynrouteNoRecover(t, func(int, []string) http.Handler { return noop })
	}}
	fastNoRecover := server{"dynroute-fast-norecover", func(t *table) (http.Handler, error) {
		return newDynrouteNoRecover(t, fastHandler)
	}}
	rawHR := func(mk func(int, []string) httprouter.Handle) server {
		return server{"httprouter-raw", func(t *table) (http.Handler, error) { return newRawHTTPRouter(t, mk) }}
	}
	rows := []comparison{
		{"Static dynroute/httprouter", named(n, "dynroute"), named(n, "httprouter"), GitHubAPI, []Route{static}, false},
		{"Param dynroute-fast/httprouter", named(d, "dynroute-fast"), named(d, "httprouter"), GitHubAPI, []Route{param}, false},
		{"Param dynroute-compat/httprouter-setpathvalue", named(d, "dynroute-compat"), named(d, "httprouter-setpathvalue"), GitHubAPI, []Route{param}, false},
		{"GitHubAll dynroute-fast/httprouter", named(d, "dynroute-fast"), named(d, "httprouter"), GitHubAPI, GitHubAPI, false},
		{"GitHubAll dynroute-compat/httprouter-setpathvalue", named(d, "dynroute-compat"), named(d, "httprouter-setpathvalue"), GitHubAPI, GitHubAPI, false},
		// Both sides recover handler panics above; here neither does.
		{"Static dynroute-norecover/httprouter-raw", noRecover, rawHR(func(int, []string) httprouter.Handle { return noopHandle }), GitHubAPI, []Route{static}, false},
		{"Param dynroute-fast-norecover/httprouter-raw", fastNoRecover, rawHR(byNameHandle), GitHubAPI, []Route{param}, false},
		{"Static dynroute/servemux", named(n, "dynroute"), named(n, "servemux"), GitHubAPI, []Route{static}, false},
		{"Param dynroute-fast/servemux", named(d, "dynroute-fast"), named(d, "servemux"), GitHubAPI, []Route{param}, false},
		// The last generated route has two parameters.
		{"Register1k dynroute/httprouter", named(n, "dynroute"), named(n, "httprouter"), gen1k, gen1k[len(gen1k)-1:], true},
		{"Register10k dynroute/httprouter", named(n, "dynroute"), named(n, "httprouter"), gen10k, gen10k[len(gen10k)-1:], true},
		// The Typed servers ignore the table and the requests and serve their
		// own POST /items/42?q=pen (typed_test.go).
		{"Typed dynroute/httprouter", named(ty, "dynroute"), named(ty, "httprouter"), nil, []Route{static}, false},
		{"Typed dynroute/huma", named(ty, "dynroute"), named(ty, "huma"), nil, []Route{static}, false},
		{"Typed dynroute/huma-default", named(ty, "dynroute"), named(ty, "huma-default"), nil, []Route{static}, false},
		{"Typed dynroute/fuego", named(ty, "dynroute"), named(ty, "fuego"), nil, []Route{static}, false},
	}
	only, err := regexp.Compile(*pairedRows)
	if err != nil {
		t.Fatalf("-paired-rows: %v", err)
	}
	var out []pairedRow
	report := func(name string, r pairedResult) {
		fmt.Printf("%-50s %8.3f %7.3f-%-7.3f %12v %12v\n", name, r.ratio, r.p25, r.p75, r.aOp, r.bOp)
		out = append(out, pairedRow{name, r.ratio, r.p25, r.p75, r.aOp.Nanoseconds(), r.bOp.Nanoseconds()})
	}
	fmt.Printf("%-50s %8s %15s %12s %12s\n", "comparison (a/b)", "a/b", "a/b p25-p75", "a per op", "b per op")
	for _, c := range rows {
		if only.MatchString(c.name) {
			report(c.name, c.run(t))
		}
	}
	// The CRUD rows (crud_test.go): requests served from SQLite.
	for _, c := range crudComparisons(t) {
		if only.MatchString(c.name) {
			report(c.name, c.run(t))
		}
	}
	// The OpenAPI rows (spec_test.go): each round runs a and b once. Each
	// group's data is made when it runs and dropped after it.
	for _, group := range specComparisons(t) {
		for _, c := range group() {
			if only.MatchString(c.name) {
				report(c.name, alternate(c.rounds, 1, 1, c.a, c.b))
			}
		}
	}
	if *pairedJSON != "" {
		data, err := json.MarshalIndent(out, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*pairedJSON, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pairedRow is a row of TestPaired as -paired-json writes it; the field
// names are those internal/report reads.
type pairedRow struct {
	Name  string  `json:"name"`  // "what a/b", as printed
	Ratio float64 `json:"ratio"` // median of the per-round a/b
	P25   float64 `json:"p25"`
	P75   float64 `json:"p75"`
	ANs   int64   `json:"a_ns"` // median thread CPU time per op of a
	BNs   int64   `json:"b_ns"`
}

// pairedResult summarizes the rounds of one comparison.
type pairedResult struct {
	ratio, p25, p75 float64       // median and quartiles of the per-round a/b
	aOp, bOp        time.Duration // median CPU time per request (or per build)
}

// run alternates a and b for a number of rounds (see alternate).
func (c comparison) run(t *testing.T) pairedResult {
	tab := newTable(c.routes)
	w := newRecorder()
	var ha, hb http.Handler
	if !c.build {
		ha, hb = build(t, c.a, tab), build(t, c.b, tab)
	}
	ra, rb := newRequests(c.serve), newRequests(c.serve)
	// one serves a batch of ops on s and returns the thread CPU time taken.
	one := func(s server, h http.Handler, reqs []*http.Request, ops int) time.Duration {
		start := threadCPU()
		if c.build {
			h = build(t, s, tab)
			h.ServeHTTP(w, reqs[0])
		} else {
			for i := range ops {
				h.ServeHTTP(w, reqs[i%len(reqs)])
			}
		}
		return threadCPU() - start
	}
	// A batch of a whole number of passes over the requests, about 1ms of
	// work, so that both sides serve the same mix; registration is one
	// build per batch.
	ops, rounds := len(ra), 400
	if c.build {
		ops, rounds = 1, 15
	} else {
		one(c.a, ha, ra, ops) // compile, warm up
		one(c.b, hb, rb, ops)
		for one(c.b, hb, rb, ops) < time.Millisecond {
			ops *= 2
		}
	}
	gcEvery := 10
	if c.build {
		gcEvery = 1
	}
	r := alternate(rounds, gcEvery, ops,
		func() time.Duration { return one(c.a, ha, ra, ops) },
		func() time.Duration { return one(c.b, hb, rb, ops) })
	if w.status != 0 {
		t.Fatalf("%s: status %d, want every request served by a route", c.name, w.status)
	}
	return r
}

// alternate runs a and b, each of which does ops operations and returns the
// thread CPU time they took, in rounds, swapping which goes first each round
// so neither always runs on a cache the other warmed. The collector runs
// before every gcEvery-th round, outside the timed calls.
func alternate(rounds, gcEvery, ops int, a, b func() time.Duration) pairedResult {
	var ratios []float64
	var as, bs []time.Duration
	for i := range rounds {
		if i%gcEvery == 0 {
			runtime.GC() // outside the timed batches
		}
		var ta, tb time.Duration
		if i%2 == 0 {
			ta, tb = a(), b()
		} else {
			tb, ta = b(), a()
		}
		ratios = append(ratios, float64(ta)/float64(tb))
		as, bs = append(as, ta/time.Duration(ops)), append(bs, tb/time.Duration(ops))
	}
	slices.Sort(ratios)
	slices.Sort(as)
	slices.Sort(bs)
	q := func(p float64) float64 { return ratios[int(p*float64(len(ratios)-1))] }
	return pairedResult{ratio: q(0.5), p25: q(0.25), p75: q(0.75), aOp: as[len(as)/2], bOp: bs[len(bs)/2]}
}
