package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/dynroute/dynroute"
	"github.com/go-chi/chi/v5"
	"github.com/julienschmidt/httprouter"
)

// recorder is the http.ResponseWriter every benchmark serves into. It does
// not allocate: Header returns a map made once, and handlers report what they
// did through its fields rather than through the response body.
type recorder struct {
	header http.Header
	status int      // last WriteHeader code; 0 means no handler wrote one
	route  int      // index of the route whose handler ran last, -1 for none
	sum    int      // total length of the parameter values read
	keep   bool     // record each parameter value in values (tests only)
	values []string // parameter values read since the last reset, if keep
}

func newRecorder() *recorder { return &recorder{header: make(http.Header), route: -1} }

// Header returns the preallocated header map.
func (w *recorder) Header() http.Header { return w.header }

// Write discards b.
func (w *recorder) Write(b []byte) (int, error) { return len(b), nil }

// WriteHeader records code, so a test can tell a 404 or 405 from a hit.
func (w *recorder) WriteHeader(code int) { w.status = code }

// reset forgets the last request.
func (w *recorder) reset() {
	w.status, w.route, w.sum, w.values = 0, -1, 0, w.values[:0]
}

// param is called by handlers for every parameter value they read. Summing
// the lengths keeps the reads observable, so the compiler cannot drop them.
func (w *recorder) param(v string) {
	w.sum += len(v)
	if w.keep {
		w.values = append(w.values, v)
	}
}

// The handlers below all do the same work in their router's own way: read
// every parameter of their route by name, then record the route's index.
// They assert the writer to *recorder because none of the routers wraps it.

// fastHandler reads parameters from dynroute.Params (dynroute's fast path).
func fastHandler(i int, names []string) http.Handler {
	return dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		rec := w.(*recorder)
		for _, n := range names {
			rec.param(ps.Get(n))
		}
		rec.route = i
	})
}

// plainHandler reads parameters with r.PathValue; it is the handler of
// dynroute's compat path, ServeMux, chi (which calls r.SetPathValue) and
// httprouter-setpathvalue.
func plainHandler(i int, names []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := w.(*recorder)
		for _, n := range names {
			rec.param(r.PathValue(n))
		}
		rec.route = i
	})
}

// byNameHandle reads parameters with httprouter's Params.ByName: raw
// httprouter, the baseline of dynroute's fast path.
func byNameHandle(i int, names []string) httprouter.Handle {
	return func(w http.ResponseWriter, _ *http.Request, ps httprouter.Params) {
		rec := w.(*recorder)
		for _, n := range names {
			rec.param(ps.ByName(n))
		}
		rec.route = i
	}
}

// setPathValueHandle is what one writes by hand to serve plain
// http.Handlers from httprouter: copy the parameters into the request, then
// call plainHandler. It is the baseline of dynroute's compat path.
func setPathValueHandle(i int, names []string) httprouter.Handle {
	h := plainHandler(i, names)
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		for _, p := range ps {
			r.SetPathValue(p.Key, p.Value)
		}
		h.ServeHTTP(w, r)
	}
}

// noop and noopHandle do nothing at all, for the static and registration
// benchmarks, where only the router's own work is measured.
var (
	noop       http.Handler      = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	noopHandle httprouter.Handle = func(http.ResponseWriter, *http.Request, httprouter.Params) {}
)

// table is a route table prepared for every router: the paths in each
// router's syntax and the parameter names are computed once, outside the
// timed loops, so that Register measures the routers and not this package.
type table struct {
	routes   []Route
	names    [][]string // parameter names of each route, in path order
	methods  [][]string // []string{route.Method}, for dynroute.AddAPIRoute
	hrPaths  []string   // paths in httprouter syntax (:name)
	patterns []string   // ServeMux patterns ("GET /path")
}

func newTable(routes []Route) *table {
	t := &table{routes: routes}
	for _, r := range routes {
		t.names = append(t.names, ParamNames(r.Path))
		t.methods = append(t.methods, []string{r.Method})
		t.hrPaths = append(t.hrPaths, HTTPRouterPath(r.Path))
		t.patterns = append(t.patterns, r.Method+" "+r.Path)
	}
	return t
}

// A server is one router under test: its name in the benchmark output
// (router=NAME) and how to build it over a route table.
type server struct {
	name  string
	build func(t *table) (http.Handler, error)
}

// dispatchServers are the routers of the Param and GitHubAll benchmarks,
// listed in baseline pairs: dynroute-fast against httprouter,
// dynroute-compat against httprouter-setpathvalue, then the peers.
func dispatchServers() []server {
	return []server{
		{"dynroute-fast", func(t *table) (http.Handler, error) { return newDynroute(t, fastHandler) }},
		{"httprouter", func(t *table) (http.Handler, error) { return newHTTPRouter(t, byNameHandle) }},
		{"dynroute-compat", func(t *table) (http.Handler, error) { return newDynroute(t, plainHandler) }},
		{"httprouter-setpathvalue", func(t *table) (http.Handler, error) { return newHTTPRouter(t, setPathValueHandle) }},
		{"servemux", func(t *table) (http.Handler, error) { return newServeMux(t, plainHandler) }},
		{"chi", func(t *table) (http.Handler, error) { return newChi(t, plainHandler) }},
	}
}

// noopServers are the routers of the Static and Register benchmarks, with
// handlers that do nothing.
func noopServers() []server {
	h := func(int, []string) http.Handler { return noop }
	hr := func(int, []string) httprouter.Handle { return noopHandle }
	return []server{
		{"dynroute", func(t *table) (http.Handler, error) { return newDynroute(t, h) }},
		{"httprouter", func(t *table) (http.Handler, error) { return newHTTPRouter(t, hr) }},
		{"servemux", func(t *table) (http.Handler, error) { return newServeMux(t, h) }},
		{"chi", func(t *table) (http.Handler, error) { return newChi(t, h) }},
	}
}

// The builders below give route i the handler mk(i, its parameter names).
// httprouter, ServeMux and chi panic on a bad route; the builders turn that
// into an error so that a broken table fails the benchmark with a message.

func newDynroute(t *table, mk func(int, []string) http.Handler) (http.Handler, error) {
	return buildDynroute(t, mk, nil)
}

// newDynrouteNoRecover is newDynroute with panic recovery turned off.
func newDynrouteNoRecover(t *table, mk func(int, []string) http.Handler) (http.Handler, error) {
	return buildDynroute(t, mk, &dynroute.Options{Recover: &dynroute.RecoverOptions{Disabled: true}})
}

func buildDynroute(t *table, mk func(int, []string) http.Handler, opts *dynroute.Options) (http.Handler, error) {
	rt := dynroute.New(opts)
	for i, r := range t.routes {
		if err := rt.AddAPIRoute(r.Path, t.methods[i], mk(i, t.names[i]), nil); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// newHTTPRouter builds the httprouter baseline. dynroute recovers handler
// panics by default (Options.Recover), so the baseline does the same work:
// its PanicHandler is set, which costs a deferred call per request.
// newRawHTTPRouter leaves it unset, for the rows that compare dynroute with
// recovery turned off.
func newHTTPRouter(t *table, mk func(int, []string) httprouter.Handle) (h http.Handler, err error) {
	return buildHTTPRouter(t, mk, panicked)
}

func newRawHTTPRouter(t *table, mk func(int, []string) httprouter.Handle) (h http.Handler, err error) {
	return buildHTTPRouter(t, mk, nil)
}

// panicked answers a request whose handler panicked, as a PanicHandler.
func panicked(w http.ResponseWriter, _ *http.Request, _ any) {
	w.WriteHeader(http.StatusInternalServerError)
}

func buildHTTPRouter(t *table, mk func(int, []string) httprouter.Handle, onPanic func(http.ResponseWriter, *http.Request, any)) (h http.Handler, err error) {
	defer recoverTo(&err)
	rt := httprouter.New()
	rt.PanicHandler = onPanic
	for i, r := range t.routes {
		rt.Handle(r.Method, t.hrPaths[i], mk(i, t.names[i]))
	}
	return rt, nil
}

func newServeMux(t *table, mk func(int, []string) http.Handler) (h http.Handler, err error) {
	defer recoverTo(&err)
	mux := http.NewServeMux()
	for i := range t.routes {
		mux.Handle(t.patterns[i], mk(i, t.names[i]))
	}
	return mux, nil
}

func newChi(t *table, mk func(int, []string) http.Handler) (h http.Handler, err error) {
	defer recoverTo(&err)
	mux := chi.NewMux()
	for i, r := range t.routes {
		mux.Method(r.Method, r.Path, mk(i, t.names[i]))
	}
	return mux, nil
}

// recoverTo turns a registration panic into *err.
func recoverTo(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("registration panicked: %v", v)
	}
}

// newRequests returns one request per route, for its sample path. Requests
// are made before the timer starts and reused by every iteration; each
// benchmark makes its own, because routers leave state in them (ServeMux
// sets the request's pattern, which changes what SetPathValue does later).
// Reuse flatters SetPathValue a little: the map it keeps for values set
// outside a ServeMux is made once per request object, not once per
// iteration. dynroute-compat and httprouter-setpathvalue share that.
func newRequests(routes []Route) []*http.Request {
	reqs := make([]*http.Request, len(routes))
	for i, r := range routes {
		reqs[i] = httptest.NewRequest(r.Method, SamplePath(r.Path), nil)
	}
	return reqs
}
