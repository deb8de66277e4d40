package dynroute

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rttLine returns the line it is called from.
func rttLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// rttSrc is the Source a route added on line of this file gets.
func rttSrc(line int) Source { return Source{File: "router_test.go", Line: line} }

// rttPattern answers with r.Pattern, the route the Router chose.
func rttPattern() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Pattern)
	})
}

// rttParams answers with the method, the route's path and its parameters,
// read through Params: "GET /pet/{petId} petId=42".
func rttParams() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ps Params) {
		parts := []string{r.Method, ps.Route().Path}
		for k, v := range ps.All() {
			parts = append(parts, k+"="+v)
		}
		_, _ = io.WriteString(w, strings.Join(parts, " "))
	}
}

// rttProblem decodes a problem+json answer.
func rttProblem(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc), "body %q", w.Body.String())
	return doc
}

// rttSummary lists the routes as "name METHODS path" lines.
func rttSummary(rt *Router) []string {
	var out []string
	for _, r := range rt.Routes() {
		out = append(out, fmt.Sprintf("%s %s %s", r.Name, strings.Join(r.Methods, ","), r.Path))
	}
	return out
}

// rttAnswer summarises an answer for before/after comparisons.
func rttAnswer(w *httptest.ResponseRecorder) string {
	return fmt.Sprintf("%d allow=%q location=%q body=%q", w.Code, w.Header().Get("Allow"), w.Header().Get("Location"), w.Body.String())
}

// rttPanic runs f and returns what it panicked with.
func rttPanic(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestAddAPIRouteErrors(t *testing.T) {
	ok := testkit.Text("ok")
	userSrc := Source{File: "main.go", Line: 40}
	axSrc := Source{File: "main.go", Line: 41}
	tests := []struct {
		name     string
		strict   bool
		add      func(rt *Router) (line int, err error)
		wantErr  error
		wantName string
		wantPath string
		wantMsg  []string
	}{
		{
			name: "path without leading slash",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("users", []string{"GET"}, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidPath, wantName: "r", wantPath: "users",
			wantMsg: []string{`route "r" GET users`, `invalid path "users": must begin with '/'`},
		},
		{
			name: "httprouter syntax",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/users/:id", []string{"GET"}, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidPath, wantName: "r", wantPath: "/users/:id",
			wantMsg: []string{`route "r" GET /users/:id`, "write {id}"},
		},
		{
			name: "method with a space",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"G T"}, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidMethod, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" G T /a`, `invalid method "G T": not an HTTP method token`},
		},
		{
			name: "empty method",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET", ""}, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidMethod, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET, /a`, `invalid method "": not an HTTP method token`},
		},
		{
			name: "no methods",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", nil, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidMethod, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" /a`, "invalid method: no methods"},
		},
		{
			name: "nil handler",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, nil, &RouteOptions{Name: "r"})
			},
			wantErr: ErrInvalidHandler, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, "invalid handler: nil handler"},
		},
		{
			name: "status code too large",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "r", StatusCode: 600})
			},
			wantErr: ErrInvalidOptions, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, "status code 600 is not in 100–599"},
		},
		{
			name: "status code too small",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "r", StatusCode: 99})
			},
			wantErr: ErrInvalidOptions, wantName: "r", wantPath: "/a",
			wantMsg: []string{"status code 99 is not in 100–599"},
		},
		{
			name: "response code out of range",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "r", Responses: map[int]string{200: "OK", 42: "?"}})
			},
			wantErr: ErrInvalidOptions, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, "response status 42 is not in 100–599"},
		},
		{
			name: "extension without x-",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "r", Extensions: map[string]any{"logo": "a.png"}})
			},
			wantErr: ErrInvalidOptions, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, `extension "logo" must start with "x-"`},
		},
		{
			name: "duplicate route with other parameter names",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/users/{name}", []string{"GET"}, ok, &RouteOptions{Name: "get_user"})
			},
			wantErr: ErrDuplicateRoute, wantName: "get_user", wantPath: "/users/{name}",
			wantMsg: []string{`route "get_user" GET /users/{name}`, `duplicates route "user" GET /users/{id} (main.go:40)`},
		},
		{
			name: "duplicate route on one of several methods",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/users/{uid}", []string{"post", "get"}, ok, &RouteOptions{Name: "r"})
			},
			wantErr: ErrDuplicateRoute, wantName: "r", wantPath: "/users/{uid}",
			wantMsg: []string{`route "r" POST,GET /users/{uid}`, `duplicates route "user" GET /users/{id} (main.go:40)`},
		},
		{
			name: "duplicate name",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "user"})
			},
			wantErr: ErrDuplicateName, wantName: "user", wantPath: "/a",
			wantMsg: []string{`route "user" GET /a`, `the name is taken by route "user" GET /users/{id} (main.go:40)`},
		},
		{
			name: "duplicate operationId",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/a", []string{"GET"}, ok, &RouteOptions{Name: "r", OperationID: "getUser"})
			},
			wantErr: ErrDuplicateOperationID, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, `operationId "getUser" is taken by route "user" GET /users/{id} (main.go:40)`},
		},
		{
			name:   "strict conflict",
			strict: true,
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRoute("/x/{b}/y", []string{"GET"}, ok, &RouteOptions{Name: "xb"})
			},
			wantErr: ErrConflict, wantName: "xb", wantPath: "/x/{b}/y",
			wantMsg: []string{
				`route "xb" GET /x/{b}/y`,
				`conflicts with route "ax" GET /{a}/x/y (main.go:41)`,
				"both match GET /x/x/y and neither is more specific",
			},
		},
		{
			name: "unknown handler name",
			add: func(rt *Router) (int, error) {
				return rttLine(), rt.AddAPIRouteByName("/a", []string{"GET"}, "get_usr", &RouteOptions{Name: "r"})
			},
			wantErr: ErrUnknownHandler, wantName: "r", wantPath: "/a",
			wantMsg: []string{`route "r" GET /a`, `unknown handler "get_usr"; did you mean "get_user"?`},
		},
	}
	probes := []struct{ method, target string }{
		{"GET", "/users/7"}, {"POST", "/users/7"}, {"GET", "/users/7/"}, {"OPTIONS", "/users/7"},
		{"GET", "/a"}, {"GET", "/x/x/y"}, {"GET", "/q/x/y"}, {"GET", "/x/q/y"}, {"GET", "/users/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(&Options{StrictConflicts: tt.strict})
			require.NoError(t, rt.Registry().Register("get_user", testkit.Text("registry")))
			require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"GET"}, testkit.Text("user"),
				&RouteOptions{Name: "user", OperationID: "getUser", Source: userSrc}))
			require.NoError(t, rt.AddAPIRoute("/{a}/x/y", []string{"GET"}, testkit.Text("ax"),
				&RouteOptions{Name: "ax", Source: axSrc}))
			routesBefore := rttSummary(rt)
			var answersBefore []string
			for _, p := range probes {
				answersBefore = append(answersBefore, rttAnswer(testkit.Serve(rt, p.method, p.target)))
			}

			line, err := tt.add(rt)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.wantErr), "errors.Is(%v, %v)", err, tt.wantErr)
			var re *RouteError
			require.True(t, errors.As(err, &re), "%T is not a *RouteError", err)
			assert.Equal(t, tt.wantName, re.Name)
			assert.Equal(t, tt.wantPath, re.Path)
			assert.Equal(t, rttSrc(line), re.Source)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "dynroute: route "), "message %q", msg)
			assert.Contains(t, msg, fmt.Sprintf("(router_test.go:%d)", line))
			for _, want := range tt.wantMsg {
				assert.Contains(t, msg, want)
			}

			assert.Equal(t, routesBefore, rttSummary(rt), "a failed AddAPIRoute must not add anything")
			for i, p := range probes {
				assert.Equal(t, answersBefore[i], rttAnswer(testkit.Serve(rt, p.method, p.target)), "%s %s", p.method, p.target)
			}
			// The router still accepts a good route afterwards.
			require.NoError(t, rt.AddAPIRoute("/after", []string{"GET"}, testkit.Text("after"), nil))
			assert.Equal(t, "after", testkit.Serve(rt, "GET", "/after").Body.String())
		})
	}
}

func TestAddAPIRouteReportsEveryProblem(t *testing.T) {
	rt := New(nil)
	rt.Get("/ok", testkit.Text("ok"))
	line, err := rttLine(), rt.AddAPIRoute("/f.{ext", []string{"G T"}, nil, &RouteOptions{Name: "bad", StatusCode: 1})
	require.Error(t, err)
	for _, sentinel := range []error{ErrInvalidPath, ErrInvalidMethod, ErrInvalidHandler, ErrInvalidOptions} {
		assert.ErrorIs(t, err, sentinel)
	}
	var re *RouteError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "bad", re.Name)
	assert.Equal(t, rttSrc(line), re.Source)
	for _, l := range strings.Split(err.Error(), "\n") {
		assert.True(t, strings.HasPrefix(l, fmt.Sprintf(`dynroute: route "bad" G T /f.{ext (router_test.go:%d): `, line)), "line %q", l)
	}
	assert.Equal(t, []string{" GET /ok"}, rttSummary(rt))
}

func TestAddAPIRouteErrorBeforeServing(t *testing.T) {
	// The same guarantees hold before the first request compiled a table.
	rt := New(nil)
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"GET"}, testkit.Text("user"), nil))
	err := rt.AddAPIRoute("/users/{name}", []string{"GET"}, testkit.Text("other"), nil)
	require.ErrorIs(t, err, ErrDuplicateRoute)
	assert.Equal(t, []string{" GET /users/{id}"}, rttSummary(rt))
	assert.Equal(t, "user", testkit.Serve(rt, "GET", "/users/7").Body.String())
}

func TestAddAPIRouteSamePathOtherMethod(t *testing.T) {
	rt := New(&Options{StrictConflicts: true})
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"GET"}, testkit.Text("get"), nil))
	require.NoError(t, rt.AddAPIRoute("/users/{name}", []string{"PUT"}, testkit.Text("put"), nil))
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"DELETE", "PATCH"}, testkit.Text("del"), nil))
	assert.Equal(t, "get", testkit.Serve(rt, "GET", "/users/7").Body.String())
	assert.Equal(t, "put", testkit.Serve(rt, "PUT", "/users/7").Body.String())
	assert.Equal(t, "del", testkit.Serve(rt, "DELETE", "/users/7").Body.String())
	assert.Equal(t, "del", testkit.Serve(rt, "PATCH", "/users/7").Body.String())
	// Different parameter names at one position in different routes are fine.
	require.NoError(t, rt.AddAPIRoute("/users/{uid}/posts", []string{"GET"}, testkit.Text("posts"), nil))
	assert.Equal(t, "posts", testkit.Serve(rt, "GET", "/users/7/posts").Body.String())
}

func TestAddAPIRouteNormalizesMethods(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.AddAPIRoute("/a", []string{"get", "Get", "post", "GET", "x-custom"}, rttPattern(), nil))
	routes := rt.Routes()
	require.Len(t, routes, 1)
	assert.Equal(t, []string{"GET", "POST", "X-CUSTOM"}, routes[0].Methods)
	for _, m := range []string{"GET", "POST", "X-CUSTOM", "HEAD"} {
		w := testkit.Serve(rt, m, "/a")
		assert.Equal(t, http.StatusOK, w.Code, m)
		assert.Equal(t, "/a", w.Body.String(), m)
	}
	// Matching of request methods stays case-sensitive, as in net/http.
	assert.Equal(t, http.StatusMethodNotAllowed, testkit.Serve(rt, "get", "/a").Code)
	// A duplicate is found whatever the case.
	require.ErrorIs(t, rt.AddAPIRoute("/a", []string{"post"}, rttPattern(), nil), ErrDuplicateRoute)
}

func TestRouteOptionsAreCopied(t *testing.T) {
	rt := New(nil)
	opts := &RouteOptions{
		Name:       "a",
		Tags:       []string{"t1"},
		Responses:  map[int]string{200: "OK"},
		Extensions: map[string]any{"x-a": 1},
		Extra:      map[string]any{"k": "v"},
	}
	methods := []string{"get"}
	require.NoError(t, rt.AddAPIRoute("/a", methods, testkit.Text("a"), opts))
	opts.Tags[0] = "changed"
	opts.Responses[200] = "changed"
	opts.Extensions["x-a"] = 2
	opts.Extra["k"] = "changed"
	methods[0] = "DELETE"
	r := rt.Routes()[0]
	assert.Equal(t, []string{"t1"}, r.Tags)
	assert.Equal(t, map[int]string{200: "OK"}, r.Responses)
	assert.Equal(t, map[string]any{"x-a": 1}, r.Extensions)
	assert.Equal(t, map[string]any{"k": "v"}, r.Extra)
	assert.Equal(t, []string{"GET"}, r.Methods)
	r.Extra["k"] = "mutated copy"
	assert.Equal(t, map[string]any{"k": "v"}, rt.Routes()[0].Extra)
}

func TestStrictConflicts(t *testing.T) {
	t.Run("param-literal cross", func(t *testing.T) {
		for _, order := range [][2]string{{"/{a}/x", "/x/{b}"}, {"/x/{b}", "/{a}/x"}} {
			rt := New(&Options{StrictConflicts: true})
			require.NoError(t, rt.AddAPIRoute(order[0], []string{"GET"}, rttPattern(), &RouteOptions{Name: "first"}))
			line, err := rttLine(), rt.AddAPIRoute(order[1], []string{"GET"}, rttPattern(), &RouteOptions{Name: "second"})
			require.ErrorIs(t, err, ErrConflict)
			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprintf(`route "second" GET %s (router_test.go:%d)`, order[1], line))
			assert.Contains(t, msg, fmt.Sprintf(`conflicts with route "first" GET %s (router_test.go:`, order[0]))
			assert.Contains(t, msg, "both match GET /x/x")
			assert.Len(t, rt.Routes(), 1)
			assert.Equal(t, order[0], testkit.Serve(rt, "GET", "/x/x").Body.String())
		}
	})
	t.Run("github pair", func(t *testing.T) {
		a := "/repos/{owner}/{repo}/issues/comments/{comment_id}"
		b := "/repos/{owner}/{repo}/issues/{issue_number}/comments"
		strict := New(&Options{StrictConflicts: true})
		require.NoError(t, strict.AddAPIRoute(a, []string{"GET"}, rttPattern(), &RouteOptions{Name: "comment"}))
		err := strict.AddAPIRoute(b, []string{"GET"}, rttPattern(), &RouteOptions{Name: "issue_comments"})
		require.ErrorIs(t, err, ErrConflict)
		assert.Contains(t, err.Error(), `route "issue_comments" GET `+b)
		assert.Contains(t, err.Error(), `conflicts with route "comment" GET `+a)
		assert.Contains(t, err.Error(), "both match GET /repos/x/x/issues/comments/comments")

		for _, order := range [][]string{{a, b}, {b, a}} {
			rt := New(nil)
			for _, p := range order {
				require.NoError(t, rt.AddAPIRoute(p, []string{"GET"}, rttParams(), nil))
			}
			assert.Equal(t, "GET "+a+" owner=o repo=r comment_id=5",
				testkit.Serve(rt, "GET", "/repos/o/r/issues/comments/5").Body.String())
			assert.Equal(t, "GET "+b+" owner=o repo=r issue_number=5",
				testkit.Serve(rt, "GET", "/repos/o/r/issues/5/comments").Body.String())
			assert.Equal(t, "GET "+a+" owner=o repo=r comment_id=comments",
				testkit.Serve(rt, "GET", "/repos/o/r/issues/comments/comments").Body.String())
		}
	})
	t.Run("accepted in strict mode", func(t *testing.T) {
		sets := [][]string{
			{"/users/me", "/users/{id}"},
			{"/users/{id}", "/users/me"},
			{"/a/", "/a/{x...}"},
			{"/", "/{x...}"},
			{"/files/{name}", "/files/{path...}", "/files/readme"},
			{"/{a}/{b}", "/x/{b}", "/x/y"},
			{"/users/{id}", "/users/{name}/posts"},
		}
		for _, set := range sets {
			rt := New(&Options{StrictConflicts: true})
			for _, p := range set {
				assert.NoError(t, rt.AddAPIRoute(p, []string{"GET"}, rttPattern(), nil), "%v", set)
			}
		}
	})
	t.Run("other methods do not conflict", func(t *testing.T) {
		rt := New(&Options{StrictConflicts: true})
		require.NoError(t, rt.AddAPIRoute("/{a}/x", []string{"GET"}, rttPattern(), nil))
		require.NoError(t, rt.AddAPIRoute("/x/{b}", []string{"POST"}, rttPattern(), nil))
		err := rt.AddAPIRoute("/x/{c}", []string{"PUT", "GET"}, rttPattern(), nil)
		require.ErrorIs(t, err, ErrConflict)
		assert.Contains(t, err.Error(), "both match GET /x/x")
	})
}

// TestStrictConflictsHEADAndGET: GET routes also serve HEAD, so with
// StrictConflicts a GET route and a HEAD route conflict when both match a
// HEAD request and neither is more specific — net/http.ServeMux panics on
// exactly these pairs ("GET /a" + "HEAD /{x}": the HEAD route matches fewer
// methods but has a more general path).
func TestStrictConflictsHEADAndGET(t *testing.T) {
	type route struct{ method, path string }
	tests := []struct {
		name     string
		a, b     route
		conflict bool
	}{
		{"crossed params", route{"GET", "/{a}/x"}, route{"HEAD", "/x/{b}"}, true},
		{"HEAD more general path", route{"GET", "/a"}, route{"HEAD", "/{x}"}, true},
		{"HEAD more general catch-all", route{"GET", "/a/b"}, route{"HEAD", "/a/{x...}"}, true},
		{"HEAD more specific in both", route{"GET", "/{x}"}, route{"HEAD", "/a"}, false},
		{"same path", route{"GET", "/a"}, route{"HEAD", "/a"}, false},
		{"same shape", route{"GET", "/a/{x}"}, route{"HEAD", "/a/{y}"}, false},
		{"disjoint paths", route{"GET", "/a"}, route{"HEAD", "/b/{x}"}, false},
		{"other method", route{"GET", "/{a}/x"}, route{"POST", "/x/{b}"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// ServeMux agrees with the expectation.
			muxPanics := rttPanic(func() {
				mux := http.NewServeMux()
				mux.Handle(tt.a.method+" "+tt.a.path, http.NotFoundHandler())
				mux.Handle(tt.b.method+" "+tt.b.path, http.NotFoundHandler())
			}) != nil
			require.Equal(t, tt.conflict, muxPanics, "ServeMux")

			for _, order := range [][2]route{{tt.a, tt.b}, {tt.b, tt.a}} {
				rt := New(&Options{StrictConflicts: true})
				require.NoError(t, rt.AddAPIRoute(order[0].path, []string{order[0].method}, rttPattern(), nil))
				err := rt.AddAPIRoute(order[1].path, []string{order[1].method}, rttPattern(), nil)
				if tt.conflict {
					assert.ErrorIs(t, err, ErrConflict, "%v then %v", order[0], order[1])
				} else {
					assert.NoError(t, err, "%v then %v", order[0], order[1])
				}
			}
		})
	}
}

func TestStrictDuplicateIsNotConflict(t *testing.T) {
	rt := New(&Options{StrictConflicts: true})
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"GET"}, rttPattern(), nil))
	err := rt.AddAPIRoute("/users/{name}", []string{"GET"}, rttPattern(), nil)
	assert.ErrorIs(t, err, ErrDuplicateRoute)
	assert.NotErrorIs(t, err, ErrConflict)
}

// rttPermutations returns forward, reverse and a few shuffled orders of n.
func rttPermutations(n int) [][]int {
	fwd := make([]int, n)
	for i := range fwd {
		fwd[i] = i
	}
	rev := slices.Clone(fwd)
	slices.Reverse(rev)
	out := [][]int{fwd, rev}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 4 {
		p := slices.Clone(fwd)
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		out = append(out, p)
	}
	return out
}

func TestPrecedence(t *testing.T) {
	github := []string{
		"/repos/{owner}/{repo}/issues/comments/{comment_id}",
		"/repos/{owner}/{repo}/issues/{issue_number}/comments",
	}
	deep := []string{
		"/a/b/c", "/a/{x}/c", "/a/{x}/{y}", "/{x}/b/{y}", "/a/{x...}", "/{x...}", "/{x}/{y}/", "/a/b/",
	}
	repos := []string{
		"/repos/{owner}/{repo}", "/repos/{owner}/{repo}/{rest...}", "/repos/octo/{repo}", "/repos/{owner}/hello",
	}
	tests := []struct {
		name   string
		routes []string
		path   string
		want   string
	}{
		{"literal beats param", []string{"/users/{id}", "/users/me"}, "/users/me", "/users/me"},
		{"param where literal differs", []string{"/users/{id}", "/users/me"}, "/users/you", "/users/{id}"},
		{"param beats catch-all", []string{"/files/{name}", "/files/{path...}"}, "/files/a", "/files/{name}"},
		{"catch-all for deeper paths", []string{"/files/{name}", "/files/{path...}"}, "/files/a/b", "/files/{path...}"},
		{"catch-all for empty rest", []string{"/files/{name}", "/files/{path...}"}, "/files/", "/files/{path...}"},
		{"literal beats catch-all", []string{"/files/readme", "/files/{path...}"}, "/files/readme", "/files/readme"},
		{"left-to-right x/x", []string{"/{a}/x", "/x/{b}"}, "/x/x", "/x/{b}"},
		{"left-to-right y/x", []string{"/{a}/x", "/x/{b}"}, "/y/x", "/{a}/x"},
		{"left-to-right x/y", []string{"/{a}/x", "/x/{b}"}, "/x/y", "/x/{b}"},
		{"github both match", github, "/repos/o/r/issues/comments/comments", github[0]},
		{"github comment", github, "/repos/o/r/issues/comments/5", github[0]},
		{"github issue comments", github, "/repos/o/r/issues/5/comments", github[1]},
		{"trailing slash beats catch-all", []string{"/a/", "/a/{x...}"}, "/a/", "/a/"},
		{"catch-all below trailing slash", []string{"/a/", "/a/{x...}"}, "/a/b", "/a/{x...}"},
		{"root beats root catch-all", []string{"/", "/{x...}"}, "/", "/"},
		{"root catch-all elsewhere", []string{"/", "/{x...}"}, "/a/b", "/{x...}"},
		{"root catch-all alone matches root", []string{"/{x...}"}, "/", "/{x...}"},
		{"shorter literal beside catch-all", []string{"/a", "/a/{x...}"}, "/a", "/a"},
		{"catch-all beside shorter literal", []string{"/a", "/a/{x...}"}, "/a/", "/a/{x...}"},
		{"trailing slash param", []string{"/a/", "/a/{x}"}, "/a/", "/a/"},
		{"param beside trailing slash", []string{"/a/", "/a/{x}"}, "/a/b", "/a/{x}"},
		{"slash forms 1", []string{"/a", "/a/", "/{x}", "/{x}/"}, "/a", "/a"},
		{"slash forms 2", []string{"/a", "/a/", "/{x}", "/{x}/"}, "/a/", "/a/"},
		{"slash forms 3", []string{"/a", "/a/", "/{x}", "/{x}/"}, "/b", "/{x}"},
		{"slash forms 4", []string{"/a", "/a/", "/{x}", "/{x}/"}, "/b/", "/{x}/"},
		{"deep all literal", deep, "/a/b/c", "/a/b/c"},
		{"deep literal-param-literal", deep, "/a/z/c", "/a/{x}/c"},
		{"deep literal-param-param", deep, "/a/b/d", "/a/{x}/{y}"},
		{"deep param-literal-param", deep, "/z/b/d", "/{x}/b/{y}"},
		{"deep trailing slash literal", deep, "/a/b/", "/a/b/"},
		{"deep trailing slash params", deep, "/z/y/", "/{x}/{y}/"},
		{"deep literal catch-all", deep, "/a/b", "/a/{x...}"},
		{"deep literal catch-all long", deep, "/a/b/c/d", "/a/{x...}"},
		{"deep literal catch-all empty", deep, "/a/", "/a/{x...}"},
		{"deep root catch-all", deep, "/z/b", "/{x...}"},
		{"deep root catch-all for /a", deep, "/a", "/{x...}"},
		{"deep root catch-all for /", deep, "/", "/{x...}"},
		{"deep root catch-all long", deep, "/z/b/d/e", "/{x...}"},
		{"repos literal owner", repos, "/repos/octo/hello", "/repos/octo/{repo}"},
		{"repos literal repo", repos, "/repos/x/hello", "/repos/{owner}/hello"},
		{"repos params", repos, "/repos/x/y", "/repos/{owner}/{repo}"},
		{"repos rest", repos, "/repos/octo/hello/issues", "/repos/{owner}/{repo}/{rest...}"},
		{"repos empty rest", repos, "/repos/octo/hello/", "/repos/{owner}/{repo}/{rest...}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range rttPermutations(len(tt.routes)) {
				rt := New(nil)
				for _, i := range order {
					require.NoError(t, rt.AddAPIRoute(tt.routes[i], []string{"GET"}, rttPattern(), nil))
				}
				w := testkit.Serve(rt, "GET", tt.path)
				assert.Equal(t, http.StatusOK, w.Code, "order %v", order)
				assert.Equal(t, tt.want, w.Body.String(), "order %v", order)
			}
		})
	}
}

func TestHEAD(t *testing.T) {
	rt := New(nil)
	rt.Get("/a", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		_, _ = io.WriteString(w, "get a")
	}))
	rt.Get("/b", testkit.Text("get b"))
	rt.Handle("HEAD", "/b", testkit.Text("head b"))
	rt.Get("/u/{id}", rttParams())
	rt.Post("/c", testkit.Text("post c"))

	w := testkit.Serve(rt, "HEAD", "/a")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "HEAD", w.Header().Get("X-Method"))
	assert.Equal(t, "get a", w.Body.String()) // the server drops it; the recorder keeps it

	assert.Equal(t, "head b", testkit.Serve(rt, "HEAD", "/b").Body.String(), "an explicit HEAD route wins")
	assert.Equal(t, "get b", testkit.Serve(rt, "GET", "/b").Body.String())
	assert.Equal(t, "HEAD /u/{id} id=7", testkit.Serve(rt, "HEAD", "/u/7").Body.String())

	w = testkit.Serve(rt, "HEAD", "/c")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "OPTIONS, POST", w.Header().Get("Allow"))

	w = testkit.Serve(rt, "HEAD", "/a/")
	assert.Equal(t, http.StatusMovedPermanently, w.Code)
	assert.Equal(t, "/a", w.Header().Get("Location"))
}

// TestHEADPrecedence: with explicit HEAD routes, a HEAD request goes to the
// most specific of the HEAD and GET routes that match it, the HEAD route when
// both have the same shape; registration order does not matter.
func TestHEADPrecedence(t *testing.T) {
	type route struct{ method, path string }
	routes := []route{
		{"HEAD", "/{x}"},
		{"GET", "/a"},
		{"GET", "/b/{y}"},
		{"HEAD", "/b/{z}"},
		{"GET", "/c/{rest...}"},
		{"HEAD", "/c/d"},
	}
	tests := []struct {
		method, target, want string
	}{
		{"HEAD", "/a", "GET /a"},
		{"HEAD", "/q", "HEAD /{x}"},
		{"HEAD", "/b/1", "HEAD /b/{z}"},
		{"HEAD", "/c/d", "HEAD /c/d"},
		{"HEAD", "/c/e/f", "GET /c/{rest...}"},
		{"GET", "/q", "405"},
		{"GET", "/a", "GET /a"},
	}
	for _, order := range rttPermutations(len(routes)) {
		rt := New(nil)
		for _, i := range order {
			r := routes[i]
			tag := r.method + " " + r.path
			rt.Handle(r.method, r.path, testkit.Text(tag))
		}
		for _, tt := range tests {
			w := testkit.Serve(rt, tt.method, tt.target)
			got := w.Body.String()
			if w.Code != http.StatusOK {
				got = fmt.Sprint(w.Code)
			}
			assert.Equal(t, tt.want, got, "%s %s, order %v", tt.method, tt.target, order)
		}
		w := testkit.Serve(rt, "GET", "/q")
		assert.Equal(t, "HEAD, OPTIONS", w.Header().Get("Allow"))
	}
}

func TestMethodNotAllowed(t *testing.T) {
	rt := New(nil)
	rt.Get("/items/{id}", testkit.Text("get"))
	rt.Post("/items/{id}", testkit.Text("post"))
	rt.Delete("/items/{id}", testkit.Text("delete"))
	rt.Patch("/notes/{id}", testkit.Text("patch"))
	rt.Put("/other", testkit.Text("put"))

	tests := []struct {
		name      string
		method    string
		target    string
		wantAllow string
	}{
		{"GET adds HEAD", "PUT", "/items/1", "DELETE, GET, HEAD, OPTIONS, POST"},
		{"custom method", "PURGE", "/items/1", "DELETE, GET, HEAD, OPTIONS, POST"},
		{"no GET no HEAD", "GET", "/notes/1", "OPTIONS, PATCH"},
		{"HEAD without GET", "HEAD", "/other", "OPTIONS, PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testkit.Serve(rt, tt.method, tt.target)
			assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
			assert.Equal(t, tt.wantAllow, w.Header().Get("Allow"))
			doc := rttProblem(t, w)
			assert.Equal(t, "about:blank", doc["type"])
			assert.Equal(t, "Method Not Allowed", doc["title"])
			assert.Equal(t, float64(405), doc["status"])
			assert.Equal(t, "method "+tt.method+" is not allowed for "+tt.target, doc["detail"])
		})
	}
}

func TestOPTIONS(t *testing.T) {
	rt := New(nil)
	rt.Get("/items/{id}", testkit.Text("get"))
	rt.Post("/items/{id}", testkit.Text("post"))
	rt.Delete("/items/{id}", testkit.Text("delete"))
	rt.Put("/other", testkit.Text("put"))
	rt.Get("/cors", testkit.Text("get cors"))
	rt.Handle("OPTIONS", "/cors", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "preflight")
	}))

	w := testkit.Serve(rt, "OPTIONS", "/items/1")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "DELETE, GET, HEAD, OPTIONS, POST", w.Header().Get("Allow"))
	assert.Empty(t, w.Body.String())

	w = testkit.Serve(rt, "OPTIONS", "/other")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "OPTIONS, PUT", w.Header().Get("Allow"))

	w = testkit.Serve(rt, "OPTIONS", "/cors")
	assert.Equal(t, http.StatusOK, w.Code, "an explicit OPTIONS route wins")
	assert.Equal(t, "preflight", w.Body.String())
	assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))

	w = testkit.Serve(rt, "DELETE", "/cors")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, HEAD, OPTIONS", w.Header().Get("Allow"), "OPTIONS listed once")

	w = testkit.Serve(rt, "OPTIONS", "*")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "DELETE, GET, HEAD, OPTIONS, POST, PUT", w.Header().Get("Allow"))

	w = testkit.Serve(rt, "OPTIONS", "/nothing")
	assert.Equal(t, http.StatusNotFound, w.Code)

	empty := New(&Options{Docs: &DocsOptions{Disabled: true}})
	w = testkit.Serve(empty, "OPTIONS", "*")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, "OPTIONS", w.Header().Get("Allow"))

	w = testkit.Serve(New(nil), "OPTIONS", "*")
	assert.Equal(t, "GET, HEAD, OPTIONS", w.Header().Get("Allow"), "the documentation routes")
}

func TestNotFound(t *testing.T) {
	rt := New(nil)
	rt.Get("/a", testkit.Text("a"))
	tests := []struct {
		name, method, target, detail string
	}{
		{"unknown path", "GET", "/nope", "no route matches GET /nope"},
		{"unknown deep path", "POST", "/a/b/c", "no route matches POST /a/b/c"},
		{"empty router root", "GET", "/", "no route matches GET /"},
		{"asterisk without OPTIONS", "GET", "*", "no route matches GET *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testkit.Serve(rt, tt.method, tt.target)
			assert.Equal(t, http.StatusNotFound, w.Code)
			assert.Empty(t, w.Header().Get("Allow"))
			doc := rttProblem(t, w)
			assert.Equal(t, "about:blank", doc["type"])
			assert.Equal(t, "Not Found", doc["title"])
			assert.Equal(t, float64(404), doc["status"])
			assert.Equal(t, tt.detail, doc["detail"])
		})
	}
	// An empty router answers 404 too.
	assert.Equal(t, http.StatusNotFound, testkit.Serve(New(nil), "GET", "/x").Code)

	// A long path is not echoed whole, on 404 or 405.
	long := strings.Repeat("é", 300<<10)
	rt.Get("/m/{rest...}", testkit.Text("m"))
	for _, tt := range []struct{ method, target, prefix string }{
		{"GET", "/" + long, "no route matches GET /éé"},
		{"POST", "/m/" + long, "method POST is not allowed for /m/éé"},
	} {
		w := testkit.Serve(rt, tt.method, tt.target)
		assert.LessOrEqual(t, w.Body.Len(), 2048, tt.method)
		detail, _ := rttProblem(t, w)["detail"].(string)
		assert.True(t, strings.HasPrefix(detail, tt.prefix), "%.40s", detail)
		assert.True(t, strings.HasSuffix(detail, "…"))
	}
}

func TestCustomNotFoundAndMethodNotAllowed(t *testing.T) {
	var allowSeen string
	var rt *Router
	var matchedOnMiss bool
	rt = New(&Options{
		NotFound: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, matchedOnMiss = rt.MatchedRoute(r)
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "custom 404")
		}),
		MethodNotAllowed: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			allowSeen = w.Header().Get("Allow")
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, "custom 405")
		}),
	})
	rt.Get("/a", testkit.Text("a"))
	rt.Post("/a", testkit.Text("a"))

	w := testkit.Serve(rt, "GET", "/missing")
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.Equal(t, "custom 404", w.Body.String())
	assert.False(t, matchedOnMiss)

	w = testkit.Serve(rt, "DELETE", "/a")
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Equal(t, "custom 405", w.Body.String())
	assert.Equal(t, "GET, HEAD, OPTIONS, POST", allowSeen, "Allow is set before the custom handler runs")
	assert.Equal(t, "GET, HEAD, OPTIONS, POST", w.Header().Get("Allow"))

	// Automatic OPTIONS does not go through the custom 405 handler.
	allowSeen = ""
	w = testkit.Serve(rt, "OPTIONS", "/a")
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Empty(t, allowSeen)
}

func TestRedirects(t *testing.T) {
	rt := New(nil)
	rt.Get("/a", rttPattern())
	rt.Get("/d/", rttPattern())
	rt.Post("/p", rttPattern())
	rt.Post("/q/", rttPattern())
	rt.Get("/u/{id}", rttPattern())
	rt.Get("/u/{id}/x", rttPattern())
	rt.Get("/files/{p...}", rttPattern())
	rt.Get("/a/b", rttPattern())
	rt.Post("/c/d", rttPattern())
	rt.Get("/b", rttPattern())
	rt.Get("/x", rttPattern())
	rt.Get("/u", rttPattern())

	tests := []struct {
		name     string
		method   string
		target   string
		wantCode int
		wantLoc  string
	}{
		{"remove slash", "GET", "/a/", 301, "/a"},
		{"remove slash keeps query", "GET", "/a/?x=1&y=%20", 301, "/a?x=1&y=%20"},
		{"remove slash HEAD", "HEAD", "/a/", 301, "/a"},
		{"add slash", "GET", "/d", 301, "/d/"},
		{"add slash keeps query", "GET", "/d?q=1", 301, "/d/?q=1"},
		{"remove slash POST", "POST", "/p/", 308, "/p"},
		{"add slash POST keeps query", "POST", "/q?z=1", 308, "/q/?z=1"},
		{"remove slash after param", "GET", "/u/7/", 301, "/u/7"},
		{"add slash for catch-all", "GET", "/files", 301, "/files/"},
		{"no redirect for other method", "PUT", "/a/", 404, ""},
		{"double slash", "GET", "/a//b", 301, "/a/b"},
		{"double slash keeps query", "GET", "/a//b?x=1", 301, "/a/b?x=1"},
		{"dot segment", "GET", "/a/./b", 301, "/a/b"},
		{"dotdot segment", "GET", "/a/../b", 301, "/b"},
		{"trailing dot", "GET", "/a/b/.", 301, "/a/b"},
		{"param value dot", "GET", "/u/./x", 301, "/u/x"},
		{"param value dotdot", "GET", "/u/../x", 301, "/x"},
		{"param value dot at end", "GET", "/u/.", 301, "/u"},
		{"param value empty", "GET", "/u//x", 301, "/u/x"},
		{"catch-all dotdot", "GET", "/files/a/../b", 301, "/files/b"},
		{"catch-all double slash", "GET", "/files//a", 301, "/files/a"},
		{"catch-all dot", "GET", "/files/a/./b?v=2", 301, "/files/a/b?v=2"},
		{"unclean POST", "POST", "/c//d?k=v", 308, "/c/d?k=v"},
		{"unclean unknown path", "GET", "/zz//yy", 301, "/zz/yy"},
		{"HEAD unclean", "HEAD", "/u/../x", 301, "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testkit.Serve(rt, tt.method, tt.target)
			assert.Equal(t, tt.wantCode, w.Code, "body %q", w.Body.String())
			assert.Equal(t, tt.wantLoc, w.Header().Get("Location"))
			if tt.wantLoc != "" && tt.name != "unclean unknown path" {
				// Following the redirect reaches a route.
				w2 := testkit.Serve(rt, tt.method, tt.wantLoc)
				assert.Equal(t, http.StatusOK, w2.Code, "following to %s", tt.wantLoc)
			}
		})
	}
}

// TestEmptyRequestPath: a request in absolute form without a path
// ("GET http://example.com HTTP/1.1") has an empty r.URL.Path. Its clean form
// is "/", so it is redirected there like any other unclean path, keeping the
// query (ServeMux redirects it too).
func TestEmptyRequestPath(t *testing.T) {
	rt := New(nil)
	rt.Get("/", rttPattern())
	for _, tt := range []struct{ target, loc string }{
		{"http://example.com", "/"},
		{"http://example.com?x=1", "/?x=1"},
	} {
		r := httptest.NewRequest("GET", tt.target, nil)
		require.Equal(t, "", r.URL.Path)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		assert.Equal(t, http.StatusMovedPermanently, w.Code, "%s: %s", tt.target, rttAnswer(w))
		assert.Equal(t, tt.loc, w.Header().Get("Location"), tt.target)
	}
}

func TestRedirectLocationIsEscaped(t *testing.T) {
	rt := New(nil)
	rt.Get("/a b/ü", rttPattern())
	w := testkit.Serve(rt, "GET", "/a%20b/%C3%BC/?q=%20")
	assert.Equal(t, http.StatusMovedPermanently, w.Code)
	assert.Equal(t, "/a%20b/%C3%BC?q=%20", w.Header().Get("Location"))
	assert.Equal(t, "/a b/ü", testkit.Serve(rt, "GET", w.Header().Get("Location")).Body.String())
}

func TestCatchAllValues(t *testing.T) {
	fast := New(nil)
	fast.Get("/files/{p...}", HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		_, _ = fmt.Fprintf(w, "%s|%s|%s", ps.Get("p"), ps.Value(0), r.PathValue("p"))
	}))
	compat := New(nil)
	compat.Get("/files/{p...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.PathValue("p"))
	}))
	root := New(nil)
	root.Get("/{p...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.PathValue("p"))
	}))
	tests := []struct {
		target string
		want   string
	}{
		{"/files/a/b.txt", "a/b.txt"},
		{"/files/", ""},
		{"/files/a", "a"},
		{"/files/a/", "a/"},
		{"/files/日本/x%20y", "日本/x y"},
		{"/files/a%2Fb", "a/b"},
		{"/files/.../x", ".../x"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			assert.Equal(t, tt.want+"|"+tt.want+"|", testkit.Serve(fast, "GET", tt.target).Body.String(), "HandlerFunc")
			assert.Equal(t, tt.want, testkit.Serve(compat, "GET", tt.target).Body.String(), "http.Handler")
			assert.Equal(t, "files/"+tt.want, testkit.Serve(root, "GET", tt.target).Body.String(), "root catch-all")
		})
	}
	assert.Equal(t, "", testkit.Serve(root, "GET", "/").Body.String())
}

func TestParams(t *testing.T) {
	rt := New(nil)
	type seen struct {
		get       map[string]string
		names     []string
		values    []string
		all       []string
		n         int
		route     *Route
		pathValue string
		pattern   string
	}
	var got seen
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		got = seen{
			get: map[string]string{
				"id": ps.Get("id"), "post": ps.Get("post"), "missing": ps.Get("missing"),
			},
			n:         ps.Len(),
			route:     ps.Route(),
			pathValue: r.PathValue("id"),
			pattern:   r.Pattern,
		}
		for i := range ps.Len() {
			got.names = append(got.names, ps.Name(i))
			got.values = append(got.values, ps.Value(i))
		}
		for k, v := range ps.All() {
			got.all = append(got.all, k+"="+v)
		}
	})
	require.NoError(t, rt.AddAPIRoute("/users/{id}/posts/{post...}", []string{"GET"}, h, &RouteOptions{Name: "post"}))
	w := testkit.Serve(rt, "GET", "/users/7/posts/2024/hello")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, map[string]string{"id": "7", "post": "2024/hello", "missing": ""}, got.get)
	assert.Equal(t, 2, got.n)
	assert.Equal(t, []string{"id", "post"}, got.names)
	assert.Equal(t, []string{"7", "2024/hello"}, got.values)
	assert.Equal(t, []string{"id=7", "post=2024/hello"}, got.all)
	require.NotNil(t, got.route)
	assert.Equal(t, "post", got.route.Name)
	assert.Equal(t, "/users/{id}/posts/{post...}", got.route.Path)
	assert.Equal(t, []string{"id", "post"}, got.route.Params())
	assert.Empty(t, got.pathValue, "the fast path skips SetPathValue")
	assert.Equal(t, "/users/{id}/posts/{post...}", got.pattern)

	// All stops when the loop breaks.
	var first []string
	h2 := HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		for k := range ps.All() {
			first = append(first, k)
			break
		}
	})
	rt.Get("/two/{a}/{b}", h2)
	testkit.Serve(rt, "GET", "/two/1/2")
	assert.Equal(t, []string{"a"}, first)

	// A route without parameters.
	var n = -1
	rt.Get("/static", HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		n = ps.Len()
		assert.Equal(t, "", ps.Get("x"))
		assert.Equal(t, "/static", ps.Route().Path)
	}))
	testkit.Serve(rt, "GET", "/static")
	assert.Equal(t, 0, n)

	// The zero Params is harmless.
	var zero Params
	assert.Equal(t, 0, zero.Len())
	assert.Equal(t, "", zero.Get("x"))
	assert.Nil(t, zero.Route())
	for range zero.All() {
		t.Error("zero Params yields")
	}
}

func TestPathValueForPlainHandlers(t *testing.T) {
	rt := New(nil)
	var pattern, id, rest string
	rt.Get("/users/{id}/files/{rest...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pattern, id, rest = r.Pattern, r.PathValue("id"), r.PathValue("rest")
	}))
	testkit.Serve(rt, "GET", "/users/ann/files/a/b.txt")
	assert.Equal(t, "/users/{id}/files/{rest...}", pattern)
	assert.Equal(t, "ann", id)
	assert.Equal(t, "a/b.txt", rest)

	var staticPattern string
	rt.Get("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		staticPattern = r.Pattern
	}))
	testkit.Serve(rt, "GET", "/static")
	assert.Equal(t, "/static", staticPattern)
}

func TestHandlerFuncOnServeMux(t *testing.T) {
	mux := http.NewServeMux()
	var got struct {
		id, rest string
		n        int
		route    *Route
	}
	mux.Handle("GET /users/{id}/{rest...}", HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		got.id, got.rest, got.n, got.route = ps.Get("id"), ps.Get("rest"), ps.Len(), ps.Route()
	}))
	w := testkit.Serve(mux, "GET", "/users/7/a/b")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "7", got.id)
	assert.Equal(t, "a/b", got.rest)
	assert.Equal(t, 0, got.n)
	assert.Nil(t, got.route)

	// Called directly, without any router.
	var direct string
	HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		direct = ps.Get("id")
	}).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, "", direct)
}

func TestMatchedRoute(t *testing.T) {
	var rt *Router
	type result struct {
		route *Route
		ok    bool
	}
	var got result
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := rt.MatchedRoute(r)
		got = result{route, ok}
	})
	rt = New(&Options{
		NotFound:         record,
		MethodNotAllowed: record,
	})
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"GET", "PUT"}, record, &RouteOptions{Name: "user"}))
	require.NoError(t, rt.AddAPIRoute("/users/me", []string{"GET"}, record, &RouteOptions{Name: "me"}))
	require.NoError(t, rt.AddAPIRoute("/users/{id}", []string{"HEAD"}, record, &RouteOptions{Name: "user_head"}))
	require.NoError(t, rt.AddAPIRoute("/fast/{x}", []string{"GET"}, HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		route, ok := rt.MatchedRoute(r)
		got = result{route, ok}
		assert.Same(t, ps.Route(), route)
	}), &RouteOptions{Name: "fast"}))

	tests := []struct {
		method, target string
		want           string // route name; "" means not matched
	}{
		{"GET", "/users/7", "user"},
		{"PUT", "/users/7", "user"},
		{"GET", "/users/me", "me"},
		{"HEAD", "/users/me", "me"}, // HEAD served by GET
		{"HEAD", "/users/7", "user_head"},
		{"GET", "/fast/1", "fast"},
		{"HEAD", "/fast/1", "fast"},
		{"GET", "/nowhere", ""},
		{"DELETE", "/users/7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			got = result{}
			testkit.Serve(rt, tt.method, tt.target)
			if tt.want == "" {
				assert.False(t, got.ok)
				assert.Nil(t, got.route)
				return
			}
			require.True(t, got.ok)
			assert.Equal(t, tt.want, got.route.Name)
		})
	}
	// A request the router never saw.
	route, ok := rt.MatchedRoute(httptest.NewRequest("GET", "/users/7", nil))
	assert.False(t, ok)
	assert.Nil(t, route)
}

func TestURL(t *testing.T) {
	rt := New(nil)
	h := testkit.Text("x")
	line := rttLine() + 1
	require.NoError(t, rt.AddAPIRoute("/users/{user}/posts/{post}", []string{"GET"}, h, &RouteOptions{Name: "user_post"}))
	require.NoError(t, rt.AddAPIRoute("/files/{path...}", []string{"GET"}, h, &RouteOptions{Name: "file"}))
	require.NoError(t, rt.AddAPIRoute("/about", []string{"GET"}, h, &RouteOptions{Name: "about"}))
	require.NoError(t, rt.AddAPIRoute("/", []string{"GET"}, h, &RouteOptions{Name: "root"}))
	require.NoError(t, rt.AddAPIRoute("/d/{x}/", []string{"GET"}, h, &RouteOptions{Name: "dir"}))
	require.NoError(t, rt.AddAPIRoute("/anonymous", []string{"GET"}, h, nil))

	tests := []struct {
		name    string
		route   string
		params  []string
		want    string
		wantErr error
		wantMsg string
	}{
		{name: "params", route: "user_post", params: []string{"user", "ann", "post", "7"}, want: "/users/ann/posts/7"},
		{name: "pairs in any order", route: "user_post", params: []string{"post", "7", "user", "ann"}, want: "/users/ann/posts/7"},
		{name: "space", route: "user_post", params: []string{"user", "a b", "post", "7"}, want: "/users/a%20b/posts/7"},
		{name: "unicode", route: "user_post", params: []string{"user", "jürgen", "post", "日本"}, want: "/users/j%C3%BCrgen/posts/%E6%97%A5%E6%9C%AC"},
		{name: "percent", route: "user_post", params: []string{"user", "100%", "post", "7"}, want: "/users/100%25/posts/7"},
		{name: "query and fragment characters", route: "user_post", params: []string{"user", "a?b#c", "post", "7"}, want: "/users/a%3Fb%23c/posts/7"},
		{name: "catch-all keeps slashes", route: "file", params: []string{"path", "a/b c/d.txt"}, want: "/files/a/b%20c/d.txt"},
		{name: "catch-all empty", route: "file", params: []string{"path", ""}, want: "/files/"},
		{name: "catch-all trailing slash", route: "file", params: []string{"path", "dir/"}, want: "/files/dir/"},
		{name: "static", route: "about", want: "/about"},
		{name: "root", route: "root", want: "/"},
		{name: "trailing slash", route: "dir", params: []string{"x", "y"}, want: "/d/y/"},
		{name: "unknown route", route: "nope", wantErr: ErrUnknownRoute, wantMsg: `dynroute: URL: unknown route "nope"`},
		{name: "empty name", route: "", wantErr: ErrUnknownRoute, wantMsg: `unknown route ""`},
		{name: "odd pairs", route: "user_post", params: []string{"user", "ann", "post"}, wantErr: ErrInvalidParams, wantMsg: "want name/value pairs, got 3 strings"},
		{name: "unknown param", route: "user_post", params: []string{"user", "ann", "post", "7", "id", "1"}, wantErr: ErrInvalidParams, wantMsg: `the route has no parameter "id"`},
		{name: "param on static route", route: "about", params: []string{"x", "1"}, wantErr: ErrInvalidParams, wantMsg: `the route has no parameter "x"`},
		{name: "missing param", route: "user_post", params: []string{"user", "ann"}, wantErr: ErrInvalidParams, wantMsg: `missing parameter "post"`},
		{name: "missing catch-all", route: "file", wantErr: ErrInvalidParams, wantMsg: `missing parameter "path"`},
		{name: "duplicated param", route: "user_post", params: []string{"user", "ann", "user", "bob", "post", "7"}, wantErr: ErrInvalidParams, wantMsg: `parameter "user" given twice`},
		{name: "empty param", route: "user_post", params: []string{"user", "", "post", "7"}, wantErr: ErrInvalidParams, wantMsg: `parameter "user" is empty`},
		{name: "slash in {x}", route: "user_post", params: []string{"user", "a/b", "post", "7"}, wantErr: ErrInvalidParams, wantMsg: `parameter "user" contains '/'`},
		{name: "dot {x}", route: "user_post", params: []string{"user", ".", "post", "7"}, wantErr: ErrInvalidParams, wantMsg: `parameter "user" is "."`},
		{name: "dotdot {x}", route: "user_post", params: []string{"user", "ann", "post", ".."}, wantErr: ErrInvalidParams, wantMsg: `parameter "post" is ".."`},
		{name: "catch-all empty segment", route: "file", params: []string{"path", "a//b"}, wantErr: ErrInvalidParams, wantMsg: `parameter "path" is "a//b"`},
		{name: "catch-all dotdot segment", route: "file", params: []string{"path", "../etc/passwd"}, wantErr: ErrInvalidParams, wantMsg: `parameter "path" is "../etc/passwd"`},
		{name: "catch-all leading slash", route: "file", params: []string{"path", "/abs"}, wantErr: ErrInvalidParams, wantMsg: `parameter "path" is "/abs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rt.URL(tt.route, tt.params...)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.Empty(t, got)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.wantMsg)
				if errors.Is(err, ErrInvalidParams) && tt.route == "user_post" {
					assert.Contains(t, err.Error(), fmt.Sprintf(`route "user_post" GET /users/{user}/posts/{post} (router_test.go:%d)`, line))
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestURLRoundTrip checks that a path built by URL leads back to its route
// with the same parameter values — what url_path_for promises.
func TestURLRoundTrip(t *testing.T) {
	rt := New(nil)
	rt.Get("/users/{user}/posts/{post}", rttParams())
	rt.Get("/files/{path...}", rttParams())
	rt.Get("/", testkit.Text("root"))
	require.NoError(t, rt.AddAPIRoute("/users/{user}/posts/{post}", []string{"PUT"}, rttParams(), &RouteOptions{Name: "post"}))
	require.NoError(t, rt.AddAPIRoute("/files/{path...}", []string{"PUT"}, rttParams(), &RouteOptions{Name: "file"}))

	tests := []struct {
		name   string
		route  string
		key    string
		value  string
		refuse bool // URL must refuse the value: no request carries it
	}{
		{"plain", "post", "user", "ann", false},
		{"space", "post", "user", "a b", false},
		{"unicode", "post", "user", "jürgen", false},
		{"percent", "post", "user", "100%", false},
		{"percent-encoded slash text", "post", "user", "%2F", false},
		{"plus and semicolon", "post", "user", "a+b;c", false},
		{"query characters", "post", "user", "a?b#c&d=e", false},
		{"three dots", "post", "user", "...", false},
		{"dot prefix", "post", "user", ".hidden", false},
		{"slash in a segment value", "post", "user", "a/b", true},
		{"dot value", "post", "user", ".", true},
		{"dotdot value", "post", "user", "..", true},
		{"catch-all", "file", "path", "a/b c/d.txt", false},
		{"catch-all empty", "file", "path", "", false},
		{"catch-all trailing slash", "file", "path", "a/b/", false},
		{"catch-all unicode", "file", "path", "日本/ü?x", false},
		{"catch-all empty inner segment", "file", "path", "a//b", true},
		{"catch-all dotdot segment", "file", "path", "../etc/passwd", true},
		{"catch-all dot segment", "file", "path", "a/./b", true},
		{"catch-all dotdot last", "file", "path", "a/..", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := []string{tt.key, tt.value}
			want := "PUT /files/{path...} path=" + tt.value
			if tt.route == "post" {
				params = append(params, "post", "7")
				want = "PUT /users/{user}/posts/{post} user=" + tt.value + " post=7"
			}
			u, err := rt.URL(tt.route, params...)
			if tt.refuse {
				assert.ErrorIs(t, err, ErrInvalidParams, "URL(%q, %q) = %q", tt.route, params, u)
				return
			}
			require.NoError(t, err)
			w := testkit.Serve(rt, "PUT", u)
			assert.Equal(t, http.StatusOK, w.Code, "URL(%q, %q) = %q: answer %s", tt.route, params, u, rttAnswer(w))
			assert.Equal(t, want, w.Body.String(), "URL(%q, %q) = %q", tt.route, params, u)
		})
	}
}

func TestRoutes(t *testing.T) {
	rt := New(nil)
	assert.Empty(t, rt.Routes())
	h := testkit.Text("x")
	require.NoError(t, rt.AddAPIRoute("/b", []string{"GET", "POST"}, h, &RouteOptions{
		Name: "b", OperationID: "opB", Summary: "S", Description: "D", Tags: []string{"t1", "t2"},
		StatusCode: 201, Deprecated: true, Hidden: true,
		Responses:  map[int]string{201: "Created", 404: "Missing"},
		Extensions: map[string]any{"x-rate": 10},
	}))
	require.NoError(t, rt.AddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Name: "a"}))
	rt.Put("/c", h)
	testkit.Serve(rt, "GET", "/a") // compile and serve; Routes must not change
	require.NoError(t, rt.AddAPIRoute("/0", []string{"DELETE"}, h, nil))

	routes := rt.Routes()
	require.Len(t, routes, 4)
	var paths []string
	for _, r := range routes {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{"/b", "/a", "/c", "/0"}, paths, "registration order")

	b := routes[0]
	assert.Equal(t, "b", b.Name)
	assert.Equal(t, []string{"GET", "POST"}, b.Methods)
	assert.Equal(t, "opB", b.OperationID)
	assert.Equal(t, "S", b.Summary)
	assert.Equal(t, "D", b.Description)
	assert.Equal(t, []string{"t1", "t2"}, b.Tags)
	assert.Equal(t, 201, b.StatusCode)
	assert.True(t, b.Deprecated)
	assert.True(t, b.Hidden)
	assert.Equal(t, map[int]string{201: "Created", 404: "Missing"}, b.Responses)
	assert.Equal(t, map[string]any{"x-rate": 10}, b.Extensions)
	assert.NotNil(t, b.Handler)
	assert.Empty(t, b.HandlerName)
	assert.Equal(t, `route "b" GET,POST /b (router_test.go:`, b.String()[:len(`route "b" GET,POST /b (router_test.go:`)])

	// Mutating the copies does not reach the router.
	b.Methods[0] = "DELETE"
	b.Tags[0] = "changed"
	b.Tags = append(b.Tags, "more")
	b.Responses[201] = "changed"
	b.Responses[500] = "new"
	b.Extensions["x-rate"] = 0
	routes[1].Name = "renamed"
	routes[1].Path = "/z"
	again := rt.Routes()
	assert.Equal(t, []string{"GET", "POST"}, again[0].Methods)
	assert.Equal(t, []string{"t1", "t2"}, again[0].Tags)
	assert.Equal(t, map[int]string{201: "Created", 404: "Missing"}, again[0].Responses)
	assert.Equal(t, map[string]any{"x-rate": 10}, again[0].Extensions)
	assert.Equal(t, "a", again[1].Name)
	assert.Equal(t, "/a", again[1].Path)
	assert.Equal(t, "x", testkit.Serve(rt, "GET", "/b").Body.String())
	assert.Equal(t, http.StatusMethodNotAllowed, testkit.Serve(rt, "DELETE", "/b").Code)
	u, err := rt.URL("a")
	require.NoError(t, err)
	assert.Equal(t, "/a", u)
}

func TestRoutesSource(t *testing.T) {
	rt := New(nil)
	h := testkit.Text("x")
	require.NoError(t, rt.Registry().Register("named", h))
	want := map[string]int{}

	want["/get"] = rttLine() + 1
	rt.Get("/get", h)
	want["/post"] = rttLine() + 1
	rt.Post("/post", h)
	want["/put"] = rttLine() + 1
	rt.Put("/put", h)
	want["/patch"] = rttLine() + 1
	rt.Patch("/patch", h)
	want["/delete"] = rttLine() + 1
	rt.Delete("/delete", h)
	want["/handle"] = rttLine() + 1
	rt.Handle("GET", "/handle", h)
	want["/must"] = rttLine() + 1
	rt.MustAddAPIRoute("/must", []string{"GET"}, h, nil)
	want["/add"] = rttLine() + 1
	require.NoError(t, rt.AddAPIRoute("/add", []string{"GET"}, h, &RouteOptions{Name: "add"}))
	want["/byname"] = rttLine() + 1
	require.NoError(t, rt.AddAPIRouteByName("/byname", []string{"GET"}, "named", nil))
	want["/propfind"] = rttLine() + 1
	rt.Handle("propfind", "/propfind", h)
	require.NoError(t, rt.Update(func(tx *Tx) error {
		want["/tx"] = rttLine() + 1
		return tx.AddAPIRoute("/tx", []string{"GET"}, h, nil)
	}))
	loopLine := rttLine() + 2
	for i := range 3 {
		rt.Get(fmt.Sprintf("/loop/%d", i), h)
	}
	for i := range 3 {
		want[fmt.Sprintf("/loop/%d", i)] = loopLine
	}
	require.NoError(t, rt.AddAPIRoute("/yaml", []string{"GET"}, h, &RouteOptions{Source: Source{File: "routes.yaml", Line: 12}}))
	require.NoError(t, rt.AddAPIRoute("/env", []string{"GET"}, h, &RouteOptions{Source: Source{Env: "ROUTES_ENV"}}))

	routes := rt.Routes()
	require.Len(t, routes, len(want)+2)
	for _, r := range routes {
		switch r.Path {
		case "/yaml":
			assert.Equal(t, Source{File: "routes.yaml", Line: 12}, r.Source)
			assert.Equal(t, `route GET /yaml (routes.yaml:12)`, r.String())
		case "/env":
			assert.Equal(t, Source{Env: "ROUTES_ENV"}, r.Source)
			assert.Equal(t, `route GET /env (env ROUTES_ENV)`, r.String())
		default:
			assert.Equal(t, rttSrc(want[r.Path]), r.Source, r.Path)
		}
	}

	// An error names the overriding source too.
	err := rt.AddAPIRoute("/yaml", []string{"GET"}, h, &RouteOptions{Name: "again", Source: Source{File: "more.yaml", Line: 3}})
	require.ErrorIs(t, err, ErrDuplicateRoute)
	assert.Equal(t, `dynroute: route "again" GET /yaml (more.yaml:3): duplicates route GET /yaml (routes.yaml:12)`, err.Error())
}

func TestPanickingShortcuts(t *testing.T) {
	h := testkit.Text("x")
	var line int
	tests := []struct {
		name    string
		call    func(rt *Router)
		wantErr error
	}{
		{"Get bad path", func(rt *Router) {
			line = rttLine() + 1
			rt.Get("users", h)
		}, ErrInvalidPath},
		{"Post nil handler", func(rt *Router) {
			line = rttLine() + 1
			rt.Post("/a", nil)
		}, ErrInvalidHandler},
		{"Put duplicate", func(rt *Router) {
			line = rttLine() + 1
			rt.Put("/exists/{other}", h)
		}, ErrDuplicateRoute},
		{"Patch httprouter syntax", func(rt *Router) {
			line = rttLine() + 1
			rt.Patch("/a/:id", h)
		}, ErrInvalidPath},
		{"Delete dot segment", func(rt *Router) {
			line = rttLine() + 1
			rt.Delete("/a/../b", h)
		}, ErrInvalidPath},
		{"Handle bad method", func(rt *Router) {
			line = rttLine() + 1
			rt.Handle("G T", "/a", h)
		}, ErrInvalidMethod},
		{"Handle empty method", func(rt *Router) {
			line = rttLine() + 1
			rt.Handle("", "/a", h)
		}, ErrInvalidMethod},
		{"MustAddAPIRoute bad options", func(rt *Router) {
			line = rttLine() + 1
			rt.MustAddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{StatusCode: 1000})
		}, ErrInvalidOptions},
		{"MustAddAPIRoute duplicate name", func(rt *Router) {
			line = rttLine() + 1
			rt.MustAddAPIRoute("/b", []string{"GET"}, h, &RouteOptions{Name: "exists"})
		}, ErrDuplicateName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			rt.MustAddAPIRoute("/exists/{id}", []string{"GET", "PUT", "DELETE"}, h, &RouteOptions{Name: "exists"})
			v := rttPanic(func() { tt.call(rt) })
			require.NotNil(t, v, "no panic")
			err, ok := v.(error)
			require.True(t, ok, "panic value %T is not an error", v)
			var re *RouteError
			require.True(t, errors.As(err, &re), "panic value %T is not a *RouteError", v)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, rttSrc(line), re.Source)
			assert.Contains(t, err.Error(), fmt.Sprintf("(router_test.go:%d)", line))
			assert.Len(t, rt.Routes(), 1)
		})
	}
	// And no panic on good input.
	rt := New(nil)
	assert.Nil(t, rttPanic(func() {
		rt.Get("/a", h)
		rt.Post("/a", h)
		rt.Put("/a", h)
		rt.Patch("/a", h)
		rt.Delete("/a", h)
		rt.Handle("PURGE", "/a", h)
		rt.MustAddAPIRoute("/b", []string{"GET"}, h, nil)
	}))
	assert.Len(t, rt.Routes(), 7)
}

// petstore lists the paths of the Swagger petstore v3 with their methods.
var petstore = []struct {
	path    string
	methods []string
}{
	{"/pet", []string{"POST", "PUT"}},
	{"/pet/findByStatus", []string{"GET"}},
	{"/pet/findByTags", []string{"GET"}},
	{"/pet/{petId}", []string{"GET", "POST", "DELETE"}},
	{"/pet/{petId}/uploadImage", []string{"POST"}},
	{"/store/inventory", []string{"GET"}},
	{"/store/order", []string{"POST"}},
	{"/store/order/{orderId}", []string{"GET", "DELETE"}},
	{"/user", []string{"POST"}},
	{"/user/createWithList", []string{"POST"}},
	{"/user/login", []string{"GET"}},
	{"/user/logout", []string{"GET"}},
	{"/user/{username}", []string{"GET", "PUT", "DELETE"}},
}

func TestPetstore(t *testing.T) {
	tests := []struct {
		method, target string
		wantCode       int
		want           string // body, or the Allow header for 405
	}{
		{"POST", "/pet", 200, "POST /pet"},
		{"PUT", "/pet", 200, "PUT /pet"},
		{"GET", "/pet/findByStatus?status=available", 200, "GET /pet/findByStatus"},
		{"GET", "/pet/findByTags?tags=a&tags=b", 200, "GET /pet/findByTags"},
		{"GET", "/pet/42", 200, "GET /pet/{petId} petId=42"},
		{"POST", "/pet/42", 200, "POST /pet/{petId} petId=42"},
		{"DELETE", "/pet/42", 200, "DELETE /pet/{petId} petId=42"},
		{"HEAD", "/pet/42", 200, "HEAD /pet/{petId} petId=42"},
		{"POST", "/pet/42/uploadImage", 200, "POST /pet/{petId}/uploadImage petId=42"},
		{"POST", "/pet/findByStatus", 200, "POST /pet/{petId} petId=findByStatus"},
		{"GET", "/store/inventory", 200, "GET /store/inventory"},
		{"POST", "/store/order", 200, "POST /store/order"},
		{"GET", "/store/order/5", 200, "GET /store/order/{orderId} orderId=5"},
		{"DELETE", "/store/order/5", 200, "DELETE /store/order/{orderId} orderId=5"},
		{"POST", "/user", 200, "POST /user"},
		{"POST", "/user/createWithList", 200, "POST /user/createWithList"},
		{"GET", "/user/login?username=a&password=b", 200, "GET /user/login"},
		{"GET", "/user/logout", 200, "GET /user/logout"},
		{"GET", "/user/alice", 200, "GET /user/{username} username=alice"},
		{"PUT", "/user/alice", 200, "PUT /user/{username} username=alice"},
		{"DELETE", "/user/alice", 200, "DELETE /user/{username} username=alice"},
		{"GET", "/user/createWithList", 200, "GET /user/{username} username=createWithList"},
		{"PUT", "/user/login", 200, "PUT /user/{username} username=login"},
		{"DELETE", "/pet", 405, "OPTIONS, POST, PUT"},
		{"GET", "/store/order", 405, "OPTIONS, POST"},
		{"PUT", "/pet/42", 405, "DELETE, GET, HEAD, OPTIONS, POST"},
		{"GET", "/pet/42/uploadImage", 405, "OPTIONS, POST"},
		{"GET", "/store", 404, ""},
		{"GET", "/pet/42/other", 404, ""},
		{"GET", "/user/alice/", 301, ""},
	}
	for _, strict := range []bool{false, true} {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("strict=%v/reverse=%v", strict, reverse), func(t *testing.T) {
				rt := New(&Options{StrictConflicts: strict})
				entries := slices.Clone(petstore)
				if reverse {
					slices.Reverse(entries)
				}
				for _, e := range entries {
					require.NoError(t, rt.AddAPIRoute(e.path, e.methods, rttParams(), &RouteOptions{Name: e.path}))
				}
				require.Len(t, rt.Routes(), len(petstore))
				for _, tt := range tests {
					w := testkit.Serve(rt, tt.method, tt.target)
					require.Equal(t, tt.wantCode, w.Code, "%s %s: %s", tt.method, tt.target, rttAnswer(w))
					switch tt.wantCode {
					case 200:
						assert.Equal(t, tt.want, w.Body.String(), "%s %s", tt.method, tt.target)
					case 405:
						assert.Equal(t, tt.want, w.Header().Get("Allow"), "%s %s", tt.method, tt.target)
					}
				}
			})
		}
	}
}

func TestRoutesAddedWhileServing(t *testing.T) {
	rt := New(nil)
	rt.Get("/users/{id}", rttPattern())
	assert.Equal(t, "/users/{id}", testkit.Serve(rt, "GET", "/users/me").Body.String())
	rt.Get("/users/me", rttPattern())
	assert.Equal(t, "/users/me", testkit.Serve(rt, "GET", "/users/me").Body.String())
	assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/new").Code)
	rt.Get("/new", rttPattern())
	assert.Equal(t, "/new", testkit.Serve(rt, "GET", "/new").Body.String())
}

// TestServeOneTreeAndLayers adds and removes routes while serving so that
// the table goes from one httprouter tree, which ServeHTTP serves from
// directly, to layers and back.
func TestServeOneTreeAndLayers(t *testing.T) {
	rt := New(nil)
	rt.Get("/i/{n}/comments", rttPattern())
	rt.Get("/users/{id}", rttPattern())
	assert.Equal(t, "/users/{id}", testkit.Serve(rt, "GET", "/users/7").Body.String())
	require.NotNil(t, rt.single.Load(), "one tree: ServeHTTP goes straight to it")

	// A route httprouter cannot hold in the same tree as /i/{n}/comments:
	// the table gets a second layer, and ServeHTTP must stop using the tree
	// it had.
	require.NoError(t, rt.AddAPIRoute("/i/comments/{c}", []string{"GET"}, rttPattern(), &RouteOptions{Name: "c"}))
	assert.Nil(t, rt.single.Load(), "layers: ServeHTTP goes through the table")
	for path, want := range map[string]string{
		"/i/comments/7": "/i/comments/{c}",
		"/i/7/comments": "/i/{n}/comments",
		"/users/7":      "/users/{id}",
	} {
		assert.Equal(t, want, testkit.Serve(rt, "GET", path).Body.String(), path)
	}
	require.NoError(t, rt.RemoveRoute("c"))
	require.NotNil(t, rt.single.Load(), "one tree again")
	assert.Equal(t, "/i/{n}/comments", testkit.Serve(rt, "GET", "/i/comments/comments").Body.String())
	assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/i/comments/7").Code)
}

func TestRouteErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *RouteError
		want string
	}{
		{
			name: "everything",
			err: &RouteError{Name: "get_user", Methods: []string{"GET"}, Path: "/users/{id}",
				Source: Source{File: "routes.yaml", Line: 12}, Err: ErrDuplicateRoute,
				Detail: `duplicates route "user" GET /users/{name} (main.go:40)`},
			want: `dynroute: route "get_user" GET /users/{id} (routes.yaml:12): duplicates route "user" GET /users/{name} (main.go:40)`,
		},
		{
			name: "no detail",
			err:  &RouteError{Methods: []string{"GET", "POST"}, Path: "/a", Err: ErrConflict},
			want: `dynroute: route GET,POST /a: conflicting routes`,
		},
		{
			name: "table source",
			err:  &RouteError{Path: "/a", Source: Source{Table: "routes", Key: "7"}, Err: ErrInvalidMethod},
			want: `dynroute: route /a (table routes key 7): invalid method`,
		},
		{
			name: "file without line and env",
			err:  &RouteError{Name: "n", Source: Source{File: "x.json", Env: "E"}, Err: ErrInvalidPath},
			want: `dynroute: route "n" (x.json, env E): invalid path`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, tt.err.Err)
		})
	}
}

// TestSourceOfEveryAdder checks that each way of adding a route in code
// records the file and line of its call, as callerPC's stack walk must
// find it. Each case makes its call on the line it reads with here().
func TestSourceOfEveryAdder(t *testing.T) {
	h := http.NotFoundHandler()
	here := func() int { _, _, line, _ := runtime.Caller(1); return line }
	noSource := &RouteOptions{Summary: "options without a Source"}
	tests := []struct {
		name string
		add  func(t *testing.T, rt *Router) int // returns the line of its call
	}{
		{"AddAPIRoute", func(t *testing.T, rt *Router) int {
			l, err := here(), rt.AddAPIRoute("/x", []string{"GET"}, h, nil)
			require.NoError(t, err)
			return l
		}},
		{"AddAPIRoute with options", func(t *testing.T, rt *Router) int {
			l, err := here(), rt.AddAPIRoute("/x", []string{"GET"}, h, noSource)
			require.NoError(t, err)
			return l
		}},
		{"AddAPIRouteByName", func(t *testing.T, rt *Router) int {
			l, err := here(), rt.AddAPIRouteByName("/x", []string{"GET"}, "h", nil)
			require.NoError(t, err)
			return l
		}},
		{"MustAddAPIRoute", func(t *testing.T, rt *Router) int {
			l := here() + 1 // the next line
			rt.MustAddAPIRoute("/x", []string{"GET"}, h, noSource)
			return l
		}},
		{"Handle", func(t *testing.T, rt *Router) int { l := here(); rt.Handle("GET", "/x", h); return l }},
		{"Get", func(t *testing.T, rt *Router) int { l := here(); rt.Get("/x", h); return l }},
		{"Post", func(t *testing.T, rt *Router) int { l := here(); rt.Post("/x", h); return l }},
		{"Put", func(t *testing.T, rt *Router) int { l := here(); rt.Put("/x", h); return l }},
		{"Patch", func(t *testing.T, rt *Router) int { l := here(); rt.Patch("/x", h); return l }},
		{"Delete", func(t *testing.T, rt *Router) int { l := here(); rt.Delete("/x", h); return l }},
		{"Mount", func(t *testing.T, rt *Router) int {
			l, err := here(), rt.Mount("/x", h, nil)
			require.NoError(t, err)
			return l
		}},
		{"ReplaceRoute", func(t *testing.T, rt *Router) int {
			require.NoError(t, rt.AddAPIRoute("/old", []string{"GET"}, h, &RouteOptions{Name: "r"}))
			l, err := here(), rt.ReplaceRoute("r", "/x", []string{"GET"}, h, nil)
			require.NoError(t, err)
			return l
		}},
		{"Tx.AddAPIRoute", func(t *testing.T, rt *Router) int {
			var l int
			require.NoError(t, rt.Update(func(tx *Tx) error {
				var err error
				l, err = here(), tx.AddAPIRoute("/x", []string{"GET"}, h, noSource)
				return err
			}))
			return l
		}},
		{"Tx.AddAPIRouteByName", func(t *testing.T, rt *Router) int {
			var l int
			require.NoError(t, rt.Update(func(tx *Tx) error {
				var err error
				l, err = here(), tx.AddAPIRouteByName("/x", []string{"GET"}, "h", nil)
				return err
			}))
			return l
		}},
		{"Tx.Mount", func(t *testing.T, rt *Router) int {
			var l int
			require.NoError(t, rt.Update(func(tx *Tx) error {
				var err error
				l, err = here(), tx.Mount("/x", h, nil)
				return err
			}))
			return l
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			require.NoError(t, rt.Registry().Register("h", h))
			line := tt.add(t, rt)
			var got []Source
			for _, r := range rt.Routes() {
				if r.Path == "/x" || r.Mount || strings.HasPrefix(r.Path, "/x/") {
					got = append(got, r.Source)
				}
			}
			require.NotEmpty(t, got)
			for _, src := range got {
				assert.Equal(t, rttSrc(line), src)
			}
		})
	}
}
