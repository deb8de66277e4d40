package dynroute

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file checks dispatch against two oracles on random route sets:
// net/http.ServeMux, for every set it accepts, and refMatch, a linear scan
// that applies the left-to-right rule of DESIGN.md, for every set.

// randomSet is a random set of route paths in dynroute syntax (no two with
// the same shape) and request paths to try on it.
type randomSet struct {
	routes   []string
	requests []string
}

var diffLiterals = []string{"a", "b", "c"}

// randomRouteSet draws up to maxRoutes patterns of up to maxDepth segments
// over a small alphabet, so that overlaps are frequent.
func randomRouteSet(rng *rand.Rand, maxRoutes, maxDepth int) randomSet {
	var rs randomSet
	shapes := map[string]bool{}
	n := 1 + rng.IntN(maxRoutes)
	for tries := 0; len(rs.routes) < n && tries < 20*n; tries++ { // small depths have few shapes
		p := randomPattern(rng, maxDepth)
		pat, err := parsePattern(p)
		if err != nil {
			panic(fmt.Sprintf("generator made an invalid pattern %q: %v", p, err))
		}
		if shapes[pat.shape()] {
			continue
		}
		shapes[pat.shape()] = true
		rs.routes = append(rs.routes, p)
	}
	for range 24 {
		rs.requests = append(rs.requests, randomRequestPath(rng, maxDepth+1))
	}
	// Also every route's own shape filled with literals, so that each
	// route gets at least one request it matches.
	for _, r := range rs.routes {
		rs.requests = append(rs.requests, fillPattern(rng, r))
	}
	return rs
}

func randomPattern(rng *rand.Rand, maxDepth int) string {
	depth := 1 + rng.IntN(maxDepth)
	var b strings.Builder
	for i := range depth {
		b.WriteByte('/')
		last := i == depth-1
		switch x := rng.IntN(100); {
		case last && x < 12:
			fmt.Fprintf(&b, "{r%d...}", i)
		case last && x < 22:
			// trailing slash: an empty last segment
		case x < 62:
			b.WriteString(diffLiterals[rng.IntN(len(diffLiterals))])
		default:
			fmt.Fprintf(&b, "{p%d}", i)
		}
	}
	return b.String()
}

func randomRequestPath(rng *rand.Rand, maxDepth int) string {
	depth := rng.IntN(maxDepth + 1)
	if depth == 0 {
		return "/"
	}
	alphabet := []string{"a", "b", "c", "d"}
	var b strings.Builder
	for range depth {
		b.WriteByte('/')
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	if rng.IntN(5) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// fillPattern returns a path that pattern p matches.
func fillPattern(rng *rand.Rand, p string) string {
	pat, _ := parsePattern(p)
	var parts []string
	for _, s := range pat.segs {
		switch s.kind {
		case segLiteral:
			parts = append(parts, s.text)
		case segParam:
			parts = append(parts, []string{"a", "b", "d", "x"}[rng.IntN(4)])
		case segCatchAll:
			for range rng.IntN(3) {
				parts = append(parts, []string{"a", "d"}[rng.IntN(2)])
			}
			if len(parts) == 0 || rng.IntN(3) == 0 {
				parts = append(parts, "")
			}
		}
	}
	return "/" + strings.Join(parts, "/")
}

// toServeMux translates a dynroute path to a ServeMux pattern: an exact
// trailing slash is ServeMux's {$}.
func toServeMux(p string) string {
	if strings.HasSuffix(p, "/") {
		return "GET " + p + "{$}"
	}
	return "GET " + p
}

// refMatch is the reference implementation of dynroute's precedence: scan
// every route, keep the matching one that is most specific from the left.
func refMatch(routes []string, path string) (best int) {
	best = -1
	var bestPat *pattern
	for i, r := range routes {
		pat, _ := parsePattern(r)
		if !refMatches(pat, path) {
			continue
		}
		if bestPat == nil || compareSpecificity(pat, bestPat) > 0 {
			best, bestPat = i, pat
		}
	}
	return best
}

func refMatches(p *pattern, path string) bool {
	segs := strings.Split(path[1:], "/")
	for i, s := range p.segs {
		if s.kind == segCatchAll {
			return len(segs) >= i+1
		}
		if i >= len(segs) {
			return false
		}
		if s.kind == segLiteral && segs[i] != s.text || s.kind == segParam && segs[i] == "" {
			return false
		}
	}
	return len(segs) == len(p.segs)
}

// indexHandler writes the route's index and its parameter values.
func indexHandler(i int, params []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "route %d", i)
		for _, p := range params {
			fmt.Fprintf(w, " %s=%q", p, r.PathValue(p))
		}
	})
}

// serveIndex returns what a handler above wrote, "" when no route served
// the request (404, 405), or "redirect".
func serveIndex(h http.Handler, path string) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	switch {
	case w.Code == http.StatusOK:
		return w.Body.String()
	case w.Code >= 300 && w.Code < 400:
		return "redirect"
	}
	return ""
}

// buildServeMux registers the set on a ServeMux; ok is false when it panics
// (a conflict by ServeMux's rules).
func buildServeMux(routes []string) (mux *http.ServeMux, ok bool) {
	mux = http.NewServeMux()
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for i, r := range routes {
		pat, _ := parsePattern(r)
		mux.Handle(toServeMux(r), indexHandler(i, pat.params))
	}
	return mux, true
}

func buildRouter(t testing.TB, routes []string, order []int, strict bool) (*Router, error) {
	rt := New(&Options{StrictConflicts: strict})
	for _, i := range order {
		pat, _ := parsePattern(routes[i])
		if err := rt.AddAPIRoute(routes[i], []string{"GET"}, indexHandler(i, pat.params), nil); err != nil {
			return rt, err
		}
	}
	return rt, nil
}

// checkRouteSet runs every comparison on one set and reports what ServeMux
// did with it.
func checkRouteSet(t testing.TB, rng *rand.Rand, rs randomSet) (muxAccepted bool, layers int) {
	order := make([]int, len(rs.routes))
	for i := range order {
		order[i] = i
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	rt, err := buildRouter(t, rs.routes, order, false)
	require.NoError(t, err, "routes %q", rs.routes)
	mux, muxOK := buildServeMux(rs.routes)
	strictRT, strictErr := buildRouter(t, rs.routes, order, true)

	if muxOK {
		require.NoError(t, strictErr, "ServeMux accepts %q, StrictConflicts must too", rs.routes)
	} else {
		require.Error(t, strictErr, "ServeMux rejects %q, StrictConflicts must too", rs.routes)
		require.True(t, errors.Is(strictErr, ErrConflict), "want ErrConflict, got %v", strictErr)
	}

	for _, path := range rs.requests {
		raw := serveIndex(rt, path)
		got := raw
		want := ""
		if i := refMatch(rs.routes, path); i >= 0 {
			pat, _ := parsePattern(rs.routes[i])
			want = serveIndex(indexHandlerMux(rs.routes[i], i, pat.params), path)
		}
		if want == "" && got == "redirect" {
			got = "" // no match: dynroute offers the other trailing-slash form
		}
		require.Equal(t, want, got, "routes %q request %s: reference vs dynroute", rs.routes, path)
		if muxOK {
			// ServeMux redirects /x to /x/ when a {x...} route matches /x/
			// with an empty rest, even if another route matches /x; dynroute
			// serves the route that matches. Only matches are compared there.
			if muxGot := serveIndex(mux, path); muxGot != "redirect" {
				require.Equal(t, muxGot, got, "routes %q request %s: ServeMux vs dynroute", rs.routes, path)
			}
			require.Equal(t, raw, serveIndex(strictRT, path), "routes %q request %s: strict vs default", rs.routes, path)
		}
	}
	return muxOK, len(rt.current().layers)
}

// indexHandlerMux serves one route on its own ServeMux, to render what
// indexHandler writes for the reference's choice.
func indexHandlerMux(route string, i int, params []string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(toServeMux(route), indexHandler(i, params))
	return mux
}

func TestDifferentialServeMux(t *testing.T) {
	sets := 3000
	if testing.Short() {
		sets = 300
	}
	rng := rand.New(rand.NewPCG(1, 2))
	accepted, layered := 0, 0
	for range sets {
		ok, layers := checkRouteSet(t, rng, randomRouteSet(rng, 8, 4))
		if ok {
			accepted++
		}
		if layers > 1 {
			layered++
		}
	}
	// Every kind of set must be well represented for the test to mean much.
	assert.Greater(t, accepted, sets/5, "sets ServeMux accepts")
	assert.Less(t, accepted, sets*4/5, "sets ServeMux accepts")
	assert.Greater(t, layered, sets/5, "sets that need more than one httprouter layer")
}

func TestDifferentialLargeSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 150 {
		rs := randomRouteSet(rng, 60, 6)
		checkRouteSet(t, rng, rs)
	}
}

// FuzzRouteSet decodes route sets and requests from bytes and checks them
// against the reference and, when it accepts the set, ServeMux.
func FuzzRouteSet(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint8(8), uint8(4))
	f.Add(uint64(7), uint64(7), uint8(40), uint8(6))
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64, maxRoutes, maxDepth uint8) {
		rng := rand.New(rand.NewPCG(seed1, seed2))
		rs := randomRouteSet(rng, 1+int(maxRoutes%64), 1+int(maxDepth%8))
		checkRouteSet(t, rng, rs)
	})
}

// fuzzTable is the table FuzzServePath sends requests to: literals beside
// parameters, catch-alls, trailing slashes, GitHub's ambiguous pair.
var fuzzTable = []string{
	"/", "/pet", "/pet/findByStatus", "/pet/{petId}", "/pet/{petId}/uploadImage",
	"/user/login", "/user/{username}", "/files/{path...}", "/files/", "/a/b/", "/a/{x}/c",
	"/repos/{owner}/{repo}/issues/comments/{comment_id}", "/repos/{owner}/{repo}/issues/{issue_number}/comments",
	"/{any}/static", "/static/{rest...}",
}

// FuzzServePath sends arbitrary methods and paths (raw, as a client may
// send them) to a compiled table: the Router must not panic or answer 5xx,
// a 200 must come from the route the reference rule picks for the cleaned
// path, and a redirect must point at a clean path.
func FuzzServePath(f *testing.F) {
	for _, s := range []string{"/", "/pet/7", "/pet/findByStatus", "//pet/./7/", "/files/a/../b", "/files",
		"/a/b", "/a/%2F/c", "/repos/o/r/issues/comments/1", "/x/static", "/static/", "/%zz", "/pet/7?x=1#f"} {
		f.Add("GET", s)
	}
	f.Add("POST", "/user/login")
	f.Add("OPTIONS", "*")
	f.Add("HEAD", "/files/")
	rt := New(&Options{Docs: &DocsOptions{Disabled: true}})
	for i, r := range fuzzTable {
		pat, err := parsePattern(r)
		require.NoError(f, err)
		rt.MustAddAPIRoute(r, []string{"GET", "HEAD"}, indexHandler(i, pat.params), nil)
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		if !httpx.IsToken(method) || len(target) > 2048 {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")))
		if err != nil {
			return // net/http would refuse it before any handler
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		switch {
		case w.Code >= 500:
			t.Fatalf("%s %q: %d %s", method, target, w.Code, w.Body.String())
		case w.Code == http.StatusOK && (r.Method == http.MethodGet) && strings.HasPrefix(w.Body.String(), "route "):
			want := refMatch(fuzzTable, r.URL.Path)
			var got int
			fmt.Sscanf(w.Body.String(), "route %d", &got)
			if got != want {
				t.Fatalf("GET %q (path %q): route %d (%s), the reference picks %d", target, r.URL.Path, got, fuzzTable[got], want)
			}
		case w.Code >= 300 && w.Code < 400:
			loc := w.Header().Get("Location")
			u, err := url.Parse(loc)
			if err != nil || u.Path != cleanPath(u.Path) {
				t.Fatalf("%s %q: redirect to %q, not a clean path", method, target, loc)
			}
		}
	})
}
