package dynroute

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file checks dispatch against two oracles on random route sets:
// net/http.ServeMux, for every set it accepts (sets without convertors or
// mixed segments, which it cannot express), and refMatch, a linear scan
// that applies the left-to-right rule of the package documentation to the
// route texts, for every set.

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
	return randomRouteSetOf(rng, maxRoutes, maxDepth, false)
}

// randomRouteSetOf is randomRouteSet; with extended set the patterns also
// have convertors, mixed segments and literals with ':'.
func randomRouteSetOf(rng *rand.Rand, maxRoutes, maxDepth int, extended bool) randomSet {
	var rs randomSet
	shapes := map[string]bool{}
	n := 1 + rng.IntN(maxRoutes)
	for tries := 0; len(rs.routes) < n && tries < 20*n; tries++ { // small depths have few shapes
		p := randomPattern(rng, maxDepth, extended)
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
		rs.requests = append(rs.requests, randomRequestPath(rng, maxDepth+1, extended))
	}
	// Also every route's own shape filled with literals, so that each
	// route gets at least one request it matches.
	for _, r := range rs.routes {
		rs.requests = append(rs.requests, fillPattern(rng, r))
	}
	return rs
}

func randomPattern(rng *rand.Rand, maxDepth int, extended bool) string {
	depth := 1 + rng.IntN(maxDepth)
	var b strings.Builder
	for i := range depth {
		b.WriteByte('/')
		last := i == depth-1
		switch x := rng.IntN(100); {
		case last && x < 12:
			if extended && rng.IntN(2) == 0 {
				fmt.Fprintf(&b, "{r%d:path}", i)
				break
			}
			fmt.Fprintf(&b, "{r%d...}", i)
		case last && x < 22:
			// trailing slash: an empty last segment
		case extended && x < 40:
			// Names made unique by the segment's index.
			b.WriteString(strings.ReplaceAll(diffExtended[rng.IntN(len(diffExtended))], "{", fmt.Sprintf("{%d", i)))
		case x < 62:
			b.WriteString(diffLiterals[rng.IntN(len(diffLiterals))])
		default:
			fmt.Fprintf(&b, "{p%d}", i)
		}
	}
	return b.String()
}

// diffExtended are the segments of extended sets besides diffLiterals and
// {x}: every convertor, mixed segments that share literals, so that two of
// them often match one value, and literals with ':'.
var diffExtended = []string{
	"{i:int}", "{f:float}", "{u:uuid}", "{s:str}",
	"{m}.json", "{m}.{e}", "{m}-{e}", "a.{e}", "{m:int}.json", "{m}:x", "a:x", "v{m}", "{m}.{e}.json",
}

// diffValues are the request segments of extended sets: values each
// segment of diffExtended matches and values none does.
var diffValues = []string{
	"a", "b", "c", "d", "1", "42", "1.5", "1.5.2", "a.json", "1.json", "a.b.json", "a-b", "a.b-c", "a:x", "b:x",
	"va", "v1", "v", ".json", "a.", "00000000-0000-0000-0000-000000000000", "A0000000-0000-0000-0000-000000000000",
}

func randomRequestPath(rng *rand.Rand, maxDepth int, extended bool) string {
	depth := rng.IntN(maxDepth + 1)
	if depth == 0 {
		return "/"
	}
	alphabet := []string{"a", "b", "c", "d"}
	if extended {
		alphabet = diffValues
	}
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
		case segParam, segMixed:
			// A value the segment matches, or sometimes one it may not.
			var vals []string
			for _, v := range append(s.samples([]string{"a", "b"}), diffValues...) {
				if s.matches(v) {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 || rng.IntN(6) == 0 {
				vals = diffValues
			}
			parts = append(parts, vals[rng.IntN(len(vals))])
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
// It reads the route texts itself (refRoute), independently of the
// pattern parser, and returns the values the chosen route gets, as
// indexHandler writes them.
func refMatch(routes []string, path string) (best int, values string) {
	best = -1
	var bestRoute *refRoute
	for i, r := range routes {
		rr := newRefRoute(r)
		vals, ok := rr.match(path)
		if !ok {
			continue
		}
		if bestRoute == nil || refCompare(rr, bestRoute) > 0 {
			best, bestRoute = i, rr
			var b strings.Builder
			fmt.Fprintf(&b, "route %d", i)
			for j, name := range rr.names {
				fmt.Fprintf(&b, " %s=%q", name, vals[j])
			}
			values = b.String()
		}
	}
	return best, values
}

// refRoute is a route text read segment by segment, each segment a regular
// expression with its rank: literal 5, mixed 4, {x:int} and {x:uuid} 3,
// {x:float} 2, {x} and {x:str} 1, {x...} and {x:path} 0.
type refRoute struct {
	segs  []refSeg
	names []string
	rest  bool // the last segment takes the rest of the path
}

type refSeg struct {
	re    *regexp.Regexp
	rank  int
	lits  int    // literal bytes of a mixed segment
	n     int    // parameters of a mixed segment
	convs []int  // the ranks of its parameters' convertors
	text  string // the segment, names erased
}

var refParam = regexp.MustCompile(`\{([^{}:]+?)(?::([a-z]+))?(\.\.\.)?\}`)

func newRefRoute(route string) *refRoute {
	rr := &refRoute{}
	for _, seg := range strings.Split(route[1:], "/") {
		if m := refParam.FindStringSubmatch(seg); m != nil && m[0] == seg && (m[3] != "" || m[2] == "path") {
			rr.names, rr.rest = append(rr.names, m[1]), true
			rr.segs = append(rr.segs, refSeg{rank: 0})
			break
		}
		var expr strings.Builder
		rs := refSeg{}
		last := 0
		for _, loc := range refParam.FindAllStringSubmatchIndex(seg, -1) {
			lit := seg[last:loc[0]]
			expr.WriteString(regexp.QuoteMeta(lit))
			rs.lits += len(lit)
			rs.text += lit + "{" + seg[max(loc[4], 0):max(loc[5], 0)] + "}"
			conv, rank := `[^/]+?`, 1
			if loc[4] >= 0 {
				switch seg[loc[4]:loc[5]] {
				case "int":
					conv, rank = `[0-9]+?`, 3
				case "float":
					conv, rank = `[0-9]+?(?:\.[0-9]+?)??`, 2
				case "uuid":
					conv, rank = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, 3
				}
			}
			expr.WriteString("(" + conv + ")")
			rs.convs = append(rs.convs, rank)
			rr.names = append(rr.names, seg[loc[2]:loc[3]])
			rs.n++
			last = loc[1]
		}
		expr.WriteString(regexp.QuoteMeta(seg[last:]))
		rs.lits += len(seg) - last
		rs.text += seg[last:]
		rs.re = regexp.MustCompile("^" + expr.String() + "$")
		switch {
		case rs.n == 0:
			rs.rank = 5
		case rs.n == 1 && rs.lits == 0:
			rs.rank = rs.convs[0]
		default:
			rs.rank = 4
		}
		rr.segs = append(rr.segs, rs)
	}
	return rr
}

// match returns the values of the route's parameters for path.
func (rr *refRoute) match(path string) ([]string, bool) {
	segs := strings.Split(path[1:], "/")
	var vals []string
	for i, s := range rr.segs {
		if rr.rest && i == len(rr.segs)-1 {
			if i >= len(segs) {
				return nil, false
			}
			return append(vals, strings.Join(segs[i:], "/")), true
		}
		if i >= len(segs) {
			return nil, false
		}
		m := s.re.FindStringSubmatch(segs[i])
		if m == nil || segs[i] == "" && s.rank != 5 {
			return nil, false
		}
		vals = append(vals, m[1:]...)
	}
	return vals, len(segs) == len(rr.segs)
}

// refCompare applies the rule: from the left, the higher rank; between
// two mixed segments, more literal bytes, then fewer parameters, then the
// convertors' ranks from the left, then the text (an arbitrary order the
// package documents); between literals, any order (they never both
// match); at the end, the longer route.
func refCompare(a, b *refRoute) int {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		sa, sb := a.segs[i], b.segs[i]
		if sa.rank != sb.rank {
			return sa.rank - sb.rank
		}
		if sa.rank != 4 {
			continue
		}
		if sa.lits != sb.lits {
			return sa.lits - sb.lits
		}
		if sa.n != sb.n {
			return sb.n - sa.n
		}
		for j := range sa.convs {
			if sa.convs[j] != sb.convs[j] {
				return sa.convs[j] - sb.convs[j]
			}
		}
		if sa.text != sb.text {
			return strings.Compare(sb.text, sa.text)
		}
	}
	return len(a.segs) - len(b.segs)
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
		opts := &RouteOptions{OperationID: fmt.Sprintf("route_%d", i)} // {m}.{e} and {m}-{e} would share one
		if err := rt.AddAPIRoute(routes[i], []string{"GET"}, indexHandler(i, pat.params), opts); err != nil {
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
	extended := false
	for _, r := range rs.routes {
		pat, _ := parsePattern(r)
		extended = extended || pat.checked || strings.Contains(r, ":")
	}
	var mux *http.ServeMux
	muxOK := false
	if !extended {
		mux, muxOK = buildServeMux(rs.routes)
	}
	strictRT, strictErr := buildRouter(t, rs.routes, order, true)

	switch {
	case extended:
		// No ServeMux to compare with: StrictConflicts refuses exactly the
		// sets with two routes that match one of the requests and neither
		// of which covers the other.
		checkStrictExtended(t, rs, strictErr)
	case muxOK:
		require.NoError(t, strictErr, "ServeMux accepts %q, StrictConflicts must too", rs.routes)
	default:
		require.Error(t, strictErr, "ServeMux rejects %q, StrictConflicts must too", rs.routes)
		require.True(t, errors.Is(strictErr, ErrConflict), "want ErrConflict, got %v", strictErr)
	}

	for _, path := range rs.requests {
		raw := serveIndex(rt, path)
		got := raw
		_, want := refMatch(rs.routes, path)
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
		}
		if strictErr == nil {
			require.Equal(t, raw, serveIndex(strictRT, path), "routes %q request %s: strict vs default", rs.routes, path)
		}
	}
	return muxOK, len(rt.current().layers)
}

// checkStrictExtended checks StrictConflicts on a set ServeMux cannot
// express: when some request is matched by two routes of which neither
// covers the other (by the reference's matching, over the set's requests
// and the other values of diffValues), the set must be refused with
// ErrConflict; a refused set must have such a pair, found by the
// example path the error names.
func checkStrictExtended(t testing.TB, rs randomSet, strictErr error) {
	if strictErr != nil {
		require.ErrorIs(t, strictErr, ErrConflict, "routes %q", rs.routes)
		msg := strictErr.Error()
		i := strings.Index(msg, "both match GET ")
		require.GreaterOrEqual(t, i, 0, "the error names a path both match: %v", strictErr)
		example := strings.TrimSuffix(msg[i+len("both match GET "):], " and neither is more specific")
		n := 0
		for _, r := range rs.routes {
			if _, ok := newRefRoute(r).match(example); ok {
				n++
			}
		}
		require.GreaterOrEqual(t, n, 2, "routes %q: %q, named by %v, is matched by %d routes", rs.routes, example, strictErr, n)
		return
	}
	for _, path := range rs.requests {
		var matched []*refRoute
		var texts []string
		for _, r := range rs.routes {
			if rr := newRefRoute(r); refMatchesPath(rr, path) {
				matched = append(matched, rr)
				texts = append(texts, r)
			}
		}
		for i := range matched {
			for j := range i {
				a, b := ptParseQuiet(texts[i]), ptParseQuiet(texts[j])
				require.True(t, covers(a, b) || covers(b, a),
					"routes %q: %s and %s both match %s, neither covers the other, and StrictConflicts accepted them", rs.routes, texts[i], texts[j], path)
			}
		}
	}
}

func refMatchesPath(rr *refRoute, path string) bool {
	_, ok := rr.match(path)
	return ok
}

func ptParseQuiet(path string) *pattern {
	p, _ := parsePattern(path)
	return p
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

// TestDifferentialExtended runs the reference on sets with convertors,
// mixed segments and literals with ':'.
func TestDifferentialExtended(t *testing.T) {
	sets := 3000
	if testing.Short() {
		sets = 300
	}
	rng := rand.New(rand.NewPCG(5, 6))
	layered := 0
	for range sets {
		if _, layers := checkRouteSet(t, rng, randomRouteSetOf(rng, 8, 4, true)); layers > 1 {
			layered++
		}
	}
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
		rs := randomRouteSetOf(rng, 1+int(maxRoutes%64), 1+int(maxDepth%8), seed1%2 == 1)
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
	"/calls/{sid}.json", "/calls/{id:int}", "/calls/{base}...{head}", "/v1/{name}:cancel", "/v1/levels:append",
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
			want, _ := refMatch(fuzzTable, r.URL.Path)
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
