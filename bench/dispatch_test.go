package bench

import (
	"net/http"
	"runtime"
	"slices"
	"testing"
)

// The routes the Static and Param benchmarks request, from GitHubAPI.
const (
	staticRoute = "/user/repos"
	paramRoute  = "/repos/{owner}/{repo}/issues/{number}/comments" // 3 parameters, 7 segments deep
)

// githubTable is GitHubAPI prepared once for all benchmarks.
var githubTable = newTable(GitHubAPI)

// routeIndex returns the index of the GET route path in routes.
func routeIndex(tb testing.TB, routes []Route, path string) int {
	i := slices.Index(routes, Route{Method: http.MethodGet, Path: path})
	if i < 0 {
		tb.Fatalf("no route GET %s", path)
	}
	return i
}

// build builds s over t or fails the benchmark.
func build(tb testing.TB, s server, t *table) http.Handler {
	h, err := s.build(t)
	if err != nil {
		tb.Fatalf("%s: %v", s.name, err)
	}
	return h
}

// serveLoop serves one request per iteration, cycling through reqs, so that
// ns/op is the cost of one request whatever len(reqs) is.
func serveLoop(b *testing.B, h http.Handler, reqs []*http.Request) {
	w := newRecorder()
	// Serve everything once before timing: dynroute compiles its table on
	// the first request, and a miss here would make the numbers meaningless.
	for _, r := range reqs {
		w.reset()
		h.ServeHTTP(w, r)
		if w.status != 0 {
			b.Fatalf("%s %s: status %d, want a route to serve it", r.Method, r.URL.Path, w.status)
		}
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	j := 0
	for range b.N {
		h.ServeHTTP(w, reqs[j])
		if j++; j == len(reqs) {
			j = 0
		}
	}
	b.StopTimer()
	if len(reqs) > 1 {
		// allocs/op is truncated to an integer, which shows httprouter's
		// 0.7 allocations per GitHubAll request (a Params slice for each
		// request with parameters) as 0; report the exact fraction beside it.
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "exact-allocs/op")
	}
}

// BenchmarkStatic serves GET /user/repos from the GitHub table with handlers
// that do nothing: the cost of routing alone.
func BenchmarkStatic(b *testing.B) {
	i := routeIndex(b, GitHubAPI, staticRoute)
	for _, s := range noopServers() {
		b.Run("router="+s.name, func(b *testing.B) {
			serveLoop(b, build(b, s, githubTable), newRequests(GitHubAPI[i:i+1]))
		})
	}
}

// BenchmarkParam serves one three-parameter route from the GitHub table; the
// handler reads every parameter.
func BenchmarkParam(b *testing.B) {
	i := routeIndex(b, GitHubAPI, paramRoute)
	for _, s := range dispatchServers() {
		b.Run("router="+s.name, func(b *testing.B) {
			serveLoop(b, build(b, s, githubTable), newRequests(GitHubAPI[i:i+1]))
		})
	}
}

// BenchmarkGitHubAll serves every route of the GitHub table in turn, one
// request per iteration; the handlers read every parameter.
func BenchmarkGitHubAll(b *testing.B) {
	for _, s := range dispatchServers() {
		b.Run("router="+s.name, func(b *testing.B) {
			serveLoop(b, build(b, s, githubTable), newRequests(GitHubAPI))
		})
	}
}

// BenchmarkRegister1k is BenchmarkRegister10k with a tenth of the routes,
// to show whether registration time is linear in the number of routes.
func BenchmarkRegister1k(b *testing.B) { benchRegister(b, 1_000) }

// BenchmarkRegister10k builds a router of 10,000 generated routes and serves
// one request from it, so that dynroute's compile on first request counts.
func BenchmarkRegister10k(b *testing.B) { benchRegister(b, 10_000) }

// benchRegister builds a router of n Generated routes per iteration.
func benchRegister(b *testing.B, n int) {
	t := newTable(Generated(n))
	last := len(t.routes) - 1
	for len(t.names[last]) == 0 {
		last-- // serve a route with parameters, the deepest kind
	}
	for _, s := range noopServers() {
		b.Run("router="+s.name, func(b *testing.B) {
			req := newRequests(t.routes[last : last+1])[0]
			w := newRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				h := build(b, s, t)
				h.ServeHTTP(w, req)
			}
			b.StopTimer()
			if w.status != 0 {
				b.Fatalf("%s: status %d, want a route to serve it", req.URL.Path, w.status)
			}
		})
	}
}

// TestTablesAgree checks that the benchmarks compare equal work: on each
// table every router accepts every route, and for every sample path runs the
// handler of the same route, which reads the same parameter values.
func TestTablesAgree(t *testing.T) {
	tables := []struct {
		name   string
		routes []Route
	}{
		{"github", GitHubAPI},
		{"generated", Generated(1_000)},
	}
	for _, tc := range tables {
		tab := newTable(tc.routes)
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range dispatchServers() {
				checkRoutes(t, s, tab)
			}
			// The no-op handlers cannot say which route ran; check at least
			// that each router finds a route, rather than a 404, 405 or
			// redirect, which would all call WriteHeader.
			for _, s := range noopServers() {
				h := build(t, s, tab)
				w := newRecorder()
				for _, r := range newRequests(tc.routes) {
					w.reset()
					h.ServeHTTP(w, r)
					if w.status != 0 {
						t.Errorf("%s: %s %s: status %d, want a route to serve it", s.name, r.Method, r.URL.Path, w.status)
					}
				}
			}
		})
	}
}

// checkRoutes checks that s, built over tab, serves the sample request of
// every route of tab with that route's handler, which reads the route's
// parameter values, and answers 200: the handler writes no status of its
// own, so status 0 is the 200 net/http would send.
func checkRoutes(t *testing.T, s server, tab *table) {
	t.Helper()
	h := build(t, s, tab)
	w := newRecorder()
	w.keep = true
	for i, r := range newRequests(tab.routes) {
		w.reset()
		h.ServeHTTP(w, r)
		if w.status != 0 || w.route != i {
			t.Errorf("%s: %s %s: status %d, route %d; want route %d (%s)",
				s.name, r.Method, r.URL.Path, w.status, w.route, i, tab.routes[i].Path)
			continue
		}
		var want []string
		for _, n := range tab.names[i] {
			want = append(want, SampleValue(n))
		}
		if !slices.Equal(w.values, want) {
			t.Errorf("%s: %s %s: read %q, want %q", s.name, r.Method, r.URL.Path, w.values, want)
		}
	}
}
