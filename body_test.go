package dynroute

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bodyEcho answers with the length of the body it read, or 413 when the
// read hit the limit, as handlers should.
var bodyEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	echoAfter(w, r, "")
})

// paramsEcho is bodyEcho that also reads the path's parameters: it
// answers with their values, from Params on the fast path, then ":" and
// the length of the body.
type paramsEcho struct{}

func (paramsEcho) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	echoAfter(w, r, r.PathValue("id")+r.PathValue("rest")+":")
}

func (paramsEcho) ServeHTTPParams(w http.ResponseWriter, r *http.Request, ps Params) {
	echoAfter(w, r, ps.Get("id")+ps.Get("rest")+":")
}

// echoAfter reads the whole body, then answers with prefix and the body's
// length, or 413 when the read hit the limit. It writes nothing before the
// body is read, so that the status can still be 413.
func echoAfter(w http.ResponseWriter, r *http.Request, prefix string) {
	n, err := io.Copy(io.Discard, r.Body)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	_, _ = io.WriteString(w, prefix+strconv.FormatInt(n, 10))
}

// ownLimit is a BodyLimiter: it reads at most limit bytes of a body and
// answers with "own:" and the length, or 413.
type ownLimit struct{ limit int64 }

func (o ownLimit) MaxBodyBytes() int64 { return o.limit }

func (o ownLimit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, o.limit)
	echoAfter(w, r, "own:")
}

// bodyRequest is a POST of n bytes; chunked hides its length, as a
// Transfer-Encoding: chunked request does.
func bodyRequest(target string, n int, chunked bool) *http.Request {
	body := io.Reader(strings.NewReader(strings.Repeat("x", n)))
	if chunked {
		body = io.MultiReader(body) // not a type NewRequest measures
	}
	r := httptest.NewRequest(http.MethodPost, target, body)
	if chunked {
		r.ContentLength = -1
	}
	return r
}

func TestMaxBodyBytes(t *testing.T) {
	const mib = 1 << 20
	own := ownLimit{limit: 4 * mib}

	tests := []struct {
		name    string
		opts    *Options
		route   *RouteOptions
		h       http.Handler
		req     *http.Request
		status  int
		body    string // a substring of the answer
		problem bool   // the Router answered 413 itself
	}{
		{name: "default 1 MiB, under", h: bodyEcho, req: bodyRequest("/b", mib, false), status: 200, body: "1048576"},
		{name: "default 1 MiB, declared over", h: bodyEcho, req: bodyRequest("/b", mib+1, false), status: 413, body: "larger than 1048576 bytes", problem: true},
		{name: "default 1 MiB, chunked over", h: bodyEcho, req: bodyRequest("/b", mib+1, true), status: 413},
		{name: "default 1 MiB, chunked under", h: bodyEcho, req: bodyRequest("/b", 10, true), status: 200, body: "10"},
		{name: "router limit", opts: &Options{MaxBodyBytes: 5}, h: bodyEcho, req: bodyRequest("/b", 6, false), status: 413, problem: true},
		{name: "router without limit", opts: &Options{MaxBodyBytes: -1}, h: bodyEcho, req: bodyRequest("/b", 2*mib, true), status: 200, body: "2097152"},
		{name: "route limit over the router's", opts: &Options{MaxBodyBytes: 5}, route: &RouteOptions{MaxBodyBytes: 2 * mib}, h: bodyEcho, req: bodyRequest("/b", 2*mib, false), status: 200},
		{name: "route limit under the router's", route: &RouteOptions{MaxBodyBytes: 3}, h: bodyEcho, req: bodyRequest("/b", 4, true), status: 413},
		{name: "route without limit", opts: &Options{MaxBodyBytes: 5}, route: &RouteOptions{MaxBodyBytes: -1}, h: bodyEcho, req: bodyRequest("/b", 100, false), status: 200, body: "100"},
		{name: "fast path handler", opts: &Options{MaxBodyBytes: 5}, h: HandlerFunc(func(w http.ResponseWriter, r *http.Request, _ Params) { bodyEcho(w, r) }), req: bodyRequest("/b", 6, false), status: 413, problem: true},
		{name: "route with a parameter", opts: &Options{MaxBodyBytes: 5}, h: bodyEcho, req: bodyRequest("/p/1", 6, false), status: 413, problem: true},
		// Each kind of handler, on each kind of route: the closures test for
		// a body inline and leave it to entry.serveSlow.
		{name: "ParamsHandler, static, over", opts: &Options{MaxBodyBytes: 5}, h: paramsEcho{}, req: bodyRequest("/b", 6, false), status: 413, problem: true},
		{name: "ParamsHandler, static, under", opts: &Options{MaxBodyBytes: 5}, h: paramsEcho{}, req: bodyRequest("/b", 5, true), status: 200, body: ":5"},
		{name: "ParamsHandler, parameter, under", opts: &Options{MaxBodyBytes: 5}, h: paramsEcho{}, req: bodyRequest("/p/x1", 5, false), status: 200, body: "x1:5"},
		{name: "ParamsHandler, parameter, chunked over", opts: &Options{MaxBodyBytes: 5}, h: paramsEcho{}, req: bodyRequest("/p/x1", 6, true), status: 413},
		{name: "HandlerFunc, parameter, under", opts: &Options{MaxBodyBytes: 5}, h: HandlerFunc(paramsEcho{}.ServeHTTPParams), req: bodyRequest("/p/x2", 4, false), status: 200, body: "x2:4"},
		{name: "HandlerFunc, parameter, over", opts: &Options{MaxBodyBytes: 5}, h: HandlerFunc(paramsEcho{}.ServeHTTPParams), req: bodyRequest("/p/x2", 6, false), status: 413, problem: true},
		{name: "http.Handler, parameter, under", opts: &Options{MaxBodyBytes: 5}, h: http.HandlerFunc(paramsEcho{}.ServeHTTP), req: bodyRequest("/p/x3", 5, true), status: 200, body: "x3:5"},
		{name: "HandlerFunc, catch-all, under", opts: &Options{MaxBodyBytes: 5}, h: HandlerFunc(paramsEcho{}.ServeHTTPParams), req: bodyRequest("/c/a/b", 5, false), status: 200, body: "a/b:5"},
		{name: "http.Handler, catch-all, over", opts: &Options{MaxBodyBytes: 5}, h: paramsEcho{}, req: bodyRequest("/c/a/b", 6, false), status: 413, problem: true},
		{name: "http.Handler, catch-all, chunked under", opts: &Options{MaxBodyBytes: 5}, h: http.HandlerFunc(paramsEcho{}.ServeHTTP), req: bodyRequest("/c/a/b", 3, true), status: 200, body: "a/b:3"},
		// An unclean value is redirected before the body is looked at.
		{name: "unclean parameter", opts: &Options{MaxBodyBytes: 5}, h: HandlerFunc(paramsEcho{}.ServeHTTPParams), req: bodyRequest("/c/a/../b", 6, false), status: http.StatusPermanentRedirect},
		// A BodyLimiter's own limit (4 MiB) replaces the Router's 1 MiB.
		{name: "a BodyLimiter's own limit", h: own, req: bodyRequest("/b", 2*mib, false), status: 200, body: "own:2097152"},
		{name: "a BodyLimiter over its own limit", h: own, req: bodyRequest("/b", 4*mib+1, true), status: 413},
		// A route limit applies on top of the handler's: the smaller wins.
		{name: "a BodyLimiter, route limit", route: &RouteOptions{MaxBodyBytes: 100}, h: own, req: bodyRequest("/b", 200, false), status: 413, problem: true},
		{name: "a BodyLimiter, route limit, chunked", route: &RouteOptions{MaxBodyBytes: 100}, h: own, req: bodyRequest("/b", 200, true), status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(tt.opts)
			require.NoError(t, rt.AddAPIRoute("/b", []string{"POST"}, tt.h, tt.route))
			require.NoError(t, rt.AddAPIRoute("/p/{id}", []string{"POST"}, tt.h, tt.route))
			require.NoError(t, rt.AddAPIRoute("/c/{rest...}", []string{"POST"}, tt.h, tt.route))
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, tt.req)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.body)
			if tt.problem {
				doc := rttProblem(t, w)
				assert.Equal(t, float64(413), doc["status"])
			}
		})
	}
}

// TestMaxBodyBytesServer sends bodies over the limit to a real server:
// the declared one is refused before the handler runs, and the server
// stays usable.
func TestMaxBodyBytesServer(t *testing.T) {
	calls := 0
	rt := New(&Options{MaxBodyBytes: 1024})
	rt.Post("/b", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		bodyEcho(w, r)
	}))
	srv := httptest.NewServer(rt)
	defer srv.Close()

	post := func(body io.Reader) (int, string) {
		res, err := srv.Client().Post(srv.URL+"/b", "text/plain", body)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	status, body := post(strings.NewReader(strings.Repeat("x", 4096)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Contains(t, body, "larger than 1024 bytes")
	assert.Equal(t, 0, calls, "the handler never ran")

	// io.MultiReader hides the length: the client sends it chunked.
	status, _ = post(io.MultiReader(strings.NewReader(strings.Repeat("x", 4096))))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Equal(t, 1, calls)

	status, body = post(strings.NewReader("small"))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "5", body)
}

func TestMaxBodyBytesConfig(t *testing.T) {
	specs, err := LoadYAML(strings.NewReader(`
routes:
  - path: /upload
    methods: [POST]
    handler: echo
    max_body_bytes: 8
`), "routes.yaml")
	require.NoError(t, err)
	require.Len(t, specs, 1)
	assert.Equal(t, int64(8), specs[0].MaxBodyBytes)

	rt := New(nil)
	require.NoError(t, rt.Registry().Register("echo", bodyEcho))
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, bodyRequest("/upload", 9, false))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, int64(8), rt.Routes()[0].MaxBodyBytes)
	assert.Equal(t, int64(8), rt.RouteSpecs()[0].MaxBodyBytes, "exported back")

	_, err = LoadYAML(strings.NewReader(`
routes:
  - {path: /u, methods: [POST], handler: echo, max_body_bytes: lots}
`), "routes.yaml")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Contains(t, err.Error(), "max_body_bytes must be an integer")
}

func TestHasBody(t *testing.T) {
	type empty struct{ io.ReadCloser } // another type, for the type word
	tests := []struct {
		name string
		body io.ReadCloser
		want bool
	}{
		{"nil", nil, false},
		{"http.NoBody", http.NoBody, false},
		{"NopCloser of an empty reader", io.NopCloser(strings.NewReader("")), true},
		{"NopCloser of http.NoBody", io.NopCloser(http.NoBody), true},
		{"a type of its own", empty{http.NoBody}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Body = tt.body
			assert.Equal(t, tt.want, hasBody(r))
		})
	}
}

// TestRouterMaxBodyBytes: a Router is a BodyLimiter, whose limit is the one
// it applies to routes without their own.
func TestRouterMaxBodyBytes(t *testing.T) {
	for _, tt := range []struct {
		opts *Options
		want int64
	}{
		{nil, 1 << 20},
		{&Options{MaxBodyBytes: 10}, 10},
		{&Options{MaxBodyBytes: -5}, -1},
	} {
		var l BodyLimiter = New(tt.opts)
		assert.Equal(t, tt.want, l.MaxBodyBytes(), "%+v", tt.opts)
	}
}
