package dynroute

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trace returns middleware that appends name to the X-Trace answer header
// on the way in, so the header lists the wrappers outermost first.
func trace(name string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

// traceClass is a RouteClass that traces name and the route's name.
func traceClass(name string, calls *atomic.Int64) RouteClass {
	return func(route Route, next http.Handler) http.Handler {
		if calls != nil {
			calls.Add(1)
		}
		return trace(name + ":" + route.Name)(next)
	}
}

// echoPath answers with the request's path, raw path and path values.
var echoPath = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	out := map[string]string{"path": r.URL.Path, "raw": r.URL.RawPath, "pattern": r.Pattern}
	if m, ok := MountedAt(r); ok {
		out["prefix"], out["original"] = m.Prefix, m.URL.Path
	}
	_ = json.NewEncoder(w).Encode(out)
})

func TestRouteClass(t *testing.T) {
	var routerCalls, routeCalls atomic.Int64
	rt := New(&Options{
		RouteClass: traceClass("router", &routerCalls),
		Middleware: []Middleware{trace("mw1"), trace("mw2")},
	})
	var seen Route
	rt.MustAddAPIRoute("/a/{id}", []string{"GET"}, echoPath, &RouteOptions{
		Name: "a", Tags: []string{"admin"},
		RouteClass: func(route Route, next http.Handler) http.Handler {
			routeCalls.Add(1)
			seen = route
			return trace("route:" + route.Name)(next)
		},
	})
	rt.MustAddAPIRoute("/b", []string{"GET"}, echoPath, &RouteOptions{Name: "b"})

	for range 3 {
		w := testkit.Serve(rt, "GET", "/a/7")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, []string{"mw1", "mw2", "router:a", "route:a"}, w.Header().Values("X-Trace"), "outermost first")
		assert.Contains(t, w.Body.String(), `"pattern":"/a/{id}"`)
	}
	assert.Equal(t, "a", seen.Name)
	assert.Equal(t, []string{"admin"}, seen.Tags)
	assert.Equal(t, "/a/{id}", seen.Path)
	assert.Equal(t, []string{"mw1", "mw2", "router:b"}, testkit.Serve(rt, "GET", "/b").Header().Values("X-Trace"))

	// Once per route, not per request; adding a route wraps only it.
	assert.Equal(t, int64(1), routeCalls.Load())
	calls := routerCalls.Load()
	rt.MustAddAPIRoute("/c", []string{"GET"}, echoPath, nil)
	testkit.Serve(rt, "GET", "/c")
	testkit.Serve(rt, "GET", "/a/7")
	assert.Equal(t, calls+1, routerCalls.Load())

	// The documentation routes are the Router's routes too.
	assert.Equal(t, []string{"mw1", "mw2", "router:dynroute.openapi"}, testkit.Serve(rt, "GET", "/openapi.json").Header().Values("X-Trace"))

}

func TestInclude(t *testing.T) {
	sub := New(&Options{Middleware: []Middleware{trace("sub")}})
	sub.MustAddAPIRoute("/items/{id}", []string{"GET", "DELETE"}, echoPath, &RouteOptions{
		Name: "item", Tags: []string{"Items"}, RouteClass: traceClass("class", nil)})
	sub.MustAddAPIRoute("/", []string{"GET"}, echoPath, &RouteOptions{Name: "index"})
	sub.MustAddAPIRoute("/hidden", []string{"GET"}, echoPath, &RouteOptions{Hidden: true})

	rt := New(&Options{Middleware: []Middleware{trace("root")}})
	require.NoError(t, rt.Include("/v1", sub, &IncludeOptions{
		Tags: []string{"V1"}, NamePrefix: "v1_", Middleware: []Middleware{trace("include")},
	}))

	w := testkit.Serve(rt, "GET", "/v1/items/3")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, []string{"root", "include", "sub", "class:item"}, w.Header().Values("X-Trace"),
		"the including Router's middleware, the Include's, then the sub-router's own")
	assert.Contains(t, w.Body.String(), `"pattern":"/v1/items/{id}"`)
	assert.Equal(t, http.StatusOK, testkit.Serve(rt, "GET", "/v1/").Code)
	assert.Equal(t, http.StatusOK, testkit.Serve(rt, "GET", "/v1/hidden").Code)
	assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/items/3").Code)

	routes := rt.Routes()
	require.Len(t, routes, 3)
	assert.Equal(t, "v1_item", routes[0].Name)
	assert.Equal(t, []string{"Items", "V1"}, routes[0].Tags)
	assert.Equal(t, "compose_test.go", routes[0].Source.File, "the source of the original route")
	assert.Equal(t, "/v1/", routes[1].Path)
	url, err := rt.URL("v1_item", "id", "9")
	require.NoError(t, err)
	assert.Equal(t, "/v1/items/9", url)

	ids := map[string]bool{}
	for _, item := range rt.OpenAPI().Paths {
		for _, op := range item.Operations {
			ids[op.OperationID] = true
		}
	}
	assert.Equal(t, map[string]bool{"v1_item_get": true, "v1_item_delete": true, "v1_index": true}, ids)

	t.Run("later changes of the included Router are not followed", func(t *testing.T) {
		sub.MustAddAPIRoute("/later", []string{"GET"}, echoPath, nil)
		assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/v1/later").Code)
	})
	t.Run("every problem, nothing added", func(t *testing.T) {
		again := New(nil)
		again.MustAddAPIRoute("/v1/items/{key}", []string{"GET"}, echoPath, nil)
		again.MustAddAPIRoute("/v1/other", []string{"GET"}, echoPath, &RouteOptions{Name: "v1_index"})
		err := again.Include("/v1", sub, &IncludeOptions{NamePrefix: "v1_"})
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrDuplicateRoute)
		assert.ErrorIs(t, err, ErrDuplicateName)
		assert.Contains(t, err.Error(), `route "v1_item" GET,DELETE /v1/items/{id}`)
		assert.Len(t, again.Routes(), 2)
	})
	t.Run("operationIds stay unique", func(t *testing.T) {
		again := New(nil)
		again.MustAddAPIRoute("/x", []string{"GET"}, echoPath, &RouteOptions{OperationID: "item_get"})
		err := again.Include("/v2", sub, nil)
		require.ErrorIs(t, err, ErrDuplicateOperationID)
	})
	for _, tt := range []struct{ prefix, want string }{
		{"v1", "leading"}, {"/v1/", "trailing slash"}, {"/{v...}", "{v...}"},
	} {
		t.Run("bad prefix "+tt.prefix, func(t *testing.T) {
			err := New(nil).Include(tt.prefix, sub, nil)
			require.ErrorIs(t, err, ErrInvalidPath)
		})
	}
	assert.ErrorIs(t, rt.Include("/x", nil, nil), ErrInvalidOptions)
	assert.ErrorIs(t, rt.Include("/x", rt, nil), ErrInvalidOptions)
}

func TestMountStripsPrefix(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.Mount("/plugina", echoPath, nil))
	tests := []struct {
		name, target         string
		wantStatus           int
		wantPath, wantRaw    string
		wantLocation         string
		wantOriginal, method string
	}{
		{name: "root", target: "/plugina/", wantStatus: 200, wantPath: "/", wantOriginal: "/plugina/"},
		{name: "below", target: "/plugina/items/1?x=1", wantStatus: 200, wantPath: "/items/1", wantOriginal: "/plugina/items/1"},
		{name: "the prefix alone redirects", target: "/plugina", wantStatus: 301, wantLocation: "/plugina/"},
		{name: "the prefix alone, POST", target: "/plugina", method: "POST", wantStatus: 308, wantLocation: "/plugina/"},
		{name: "dot-dot is cleaned first", target: "/plugina/../secret", wantStatus: 301, wantLocation: "/secret"},
		{name: "not the prefix", target: "/pluginab/x", wantStatus: 404},
		{name: "encoded slash in the rest", target: "/plugina/a%2Fb", wantStatus: 200, wantPath: "/a/b", wantRaw: "/a%2Fb", wantOriginal: "/plugina/a/b"},
		{name: "encoded slash after the prefix", target: "/plugina%2Fa", wantStatus: 200, wantPath: "/a", wantOriginal: "/plugina/a"},
		{name: "encoded prefix", target: "/plugin%61/x%2Fy", wantStatus: 200, wantPath: "/x/y", wantRaw: "/x%2Fy", wantOriginal: "/plugina/x/y"},
		{name: "other methods", target: "/plugina/x", method: "DELETE", wantStatus: 200, wantPath: "/x", wantOriginal: "/plugina/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			w := testkit.Serve(rt, method, tt.target)
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			if tt.wantLocation != "" {
				assert.Equal(t, tt.wantLocation, w.Header().Get("Location"))
			}
			if tt.wantStatus != 200 {
				return
			}
			var got map[string]string
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.Equal(t, tt.wantPath, got["path"])
			assert.Equal(t, tt.wantRaw, got["raw"])
			assert.Equal(t, "/plugina", got["prefix"])
			assert.Equal(t, tt.wantOriginal, got["original"])
			assert.Empty(t, got["pattern"], "the mounted handler matches on its own")
		})
	}
}

func TestMountNested(t *testing.T) {
	inner := New(nil)
	inner.MustAddAPIRoute("/items/{id}", []string{"GET"}, echoPath, &RouteOptions{Name: "item"})
	middle := New(nil)
	require.NoError(t, middle.Mount("/b", inner, nil))
	rt := New(nil)
	require.NoError(t, rt.Mount("/a", middle, nil))

	w := testkit.Serve(rt, "GET", "/a/b/items/7")
	require.Equal(t, http.StatusOK, w.Code)
	var got map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, map[string]string{"path": "/items/7", "raw": "", "pattern": "/items/{id}", "prefix": "/a/b", "original": "/a/b/items/7"}, got)

	// The mounted Router keeps serving its own changes.
	inner.MustAddAPIRoute("/later", []string{"GET"}, echoPath, nil)
	assert.Equal(t, http.StatusOK, testkit.Serve(rt, "GET", "/a/b/later").Code)
	require.NoError(t, inner.RemoveRoute("item"))
	assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/a/b/items/7").Code)
}

func TestMountConflicts(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(rt *Router) error
		add     func(rt *Router) error
		wantErr error
		want    string
	}{
		{
			name:    "a route under a mount",
			setup:   func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			add:     func(rt *Router) error { return rt.AddAPIRoute("/p/x", []string{"GET"}, echoPath, nil) },
			wantErr: ErrConflict, want: "is under the prefix of mount /p (compose_test.go:",
		},
		{
			name:    "the prefix itself",
			setup:   func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			add:     func(rt *Router) error { return rt.AddAPIRoute("/p", []string{"GET"}, echoPath, nil) },
			wantErr: ErrConflict, want: "is under the prefix of mount /p (compose_test.go:",
		},
		{
			name:    "a mount over routes",
			setup:   func(rt *Router) error { return rt.AddAPIRoute("/p/x/{id}", []string{"POST"}, echoPath, nil) },
			add:     func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			wantErr: ErrConflict, want: "mounts /p over route POST /p/x/{id}",
		},
		{
			name:    "a mount under a mount",
			setup:   func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			add:     func(rt *Router) error { return rt.Mount("/p/q", echoPath, nil) },
			wantErr: ErrConflict, want: "is under the prefix of mount /p (compose_test.go:",
		},
		{
			name:    "a mount over a mount",
			setup:   func(rt *Router) error { return rt.Mount("/p/q", echoPath, nil) },
			add:     func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			wantErr: ErrConflict, want: "mounts above mount /p/q",
		},
		{
			name:    "the same prefix twice",
			setup:   func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			add:     func(rt *Router) error { return rt.Mount("/p", echoPath, nil) },
			wantErr: ErrDuplicateRoute,
		},
		{
			name:    "no prefix",
			setup:   func(*Router) error { return nil },
			add:     func(rt *Router) error { return rt.Mount("", echoPath, nil) },
			wantErr: ErrInvalidPath, want: "Options.NotFound",
		},
		{
			name:    "nil handler",
			setup:   func(*Router) error { return nil },
			add:     func(rt *Router) error { return rt.Mount("/p", nil, nil) },
			wantErr: ErrInvalidHandler,
		},
		{
			name:    "itself",
			setup:   func(*Router) error { return nil },
			add:     func(rt *Router) error { return rt.Mount("/p", rt, nil) },
			wantErr: ErrInvalidHandler,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			require.NoError(t, tt.setup(rt))
			before := len(rt.Routes())
			err := tt.add(rt)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.want)
			assert.Len(t, rt.Routes(), before)
		})
	}
	t.Run("beside the mount", func(t *testing.T) {
		rt := New(nil)
		require.NoError(t, rt.Mount("/p", echoPath, nil))
		require.NoError(t, rt.AddAPIRoute("/pq", []string{"GET"}, echoPath, nil))
		require.NoError(t, rt.AddAPIRoute("/{x}/y", []string{"GET"}, echoPath, nil))
		assert.Equal(t, http.StatusOK, testkit.Serve(rt, "GET", "/p/y").Code)
		assert.Contains(t, testkit.Serve(rt, "GET", "/p/y").Body.String(), `"prefix":"/p"`, "the literal prefix is more specific")
		routes := rt.Routes()
		assert.True(t, routes[0].Mount)
		assert.Equal(t, "/p/{path...}", routes[0].Path)
	})
}

func TestMountDetails(t *testing.T) {
	t.Run("no path value leaks into the mounted handler through middleware", func(t *testing.T) {
		wrap := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
		}
		rt := New(&Options{Middleware: []Middleware{wrap}})
		require.NoError(t, rt.Mount("/p", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("[" + r.PathValue("path") + "]"))
		}), nil))
		assert.Equal(t, "[]", testkit.Serve(rt, "GET", "/p/a/b").Body.String())
	})
	t.Run("a hidden mount stays hidden through RouteSpecs", func(t *testing.T) {
		rt := New(nil)
		plugin := New(nil)
		plugin.MustAddAPIRoute("/x", []string{"GET"}, echoPath, nil)
		require.NoError(t, rt.Registry().RegisterApp("p", plugin))
		_, err := rt.AddRoutes([]RouteSpec{{Name: "p", App: "p", Prefix: "/p", Hidden: true}}, nil)
		require.NoError(t, err)
		assert.Empty(t, rt.OpenAPI().Paths)
		specs := rt.RouteSpecs()
		require.Len(t, specs, 1)
		assert.True(t, specs[0].Hidden)
		assert.Equal(t, "/p", rt.Routes()[0].MountPrefix())
		assert.Empty(t, (&Route{Path: "/x"}).MountPrefix())
	})
}

// TestMountFileServerStaysInRoot sends path tricks to a file server mounted
// under a prefix: none may reach the file beside its root.
func TestMountFileServerStaysInRoot(t *testing.T) {
	dir := t.TempDir()
	root := dir + "/public"
	require.NoError(t, os.Mkdir(root, 0o755))
	require.NoError(t, os.WriteFile(root+"/hello.txt", []byte("hello"), 0o644))
	require.NoError(t, os.WriteFile(dir+"/secret.txt", []byte("TOP-SECRET"), 0o644))
	rt := New(nil)
	require.NoError(t, rt.Mount("/files", http.FileServer(http.Dir(root)), nil))

	w := serveRaw(t, rt, "/files/hello.txt")
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "hello", w.Body.String())

	for _, target := range []string{
		"/files/../secret.txt", "/files/..%2fsecret.txt", "/files/%2e%2e/secret.txt", "/files/%2E%2E%2Fsecret.txt",
		"/files/.%2e/secret.txt", "/files/..\\secret.txt", "/files/..%5csecret.txt", "/files/%00/../secret.txt",
		"/files/hello.txt%00", "/files//../secret.txt", "/files/./../secret.txt", "/files%2f..%2fsecret.txt",
		"/files/a/../../secret.txt", "/files/%252e%252e/secret.txt", "/files/..;/secret.txt",
	} {
		t.Run(target, func(t *testing.T) {
			w := serveRaw(t, rt, target)
			assert.NotContains(t, w.Body.String(), "TOP-SECRET", "%d", w.Code)
			if loc := w.Header().Get("Location"); loc != "" {
				// Following a redirect must not get there either.
				w = serveRaw(t, rt, loc)
				assert.NotContains(t, w.Body.String(), "TOP-SECRET", "after the redirect to %s: %d", loc, w.Code)
			}
		})
	}
}

// serveRaw serves a request for target as a client sends it, unparsed by
// httptest (which would clean some of it).
func serveRaw(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")))
	w := httptest.NewRecorder()
	if err != nil {
		w.Code = http.StatusBadRequest // net/http refuses it before any handler
		return w
	}
	h.ServeHTTP(w, r)
	return w
}
