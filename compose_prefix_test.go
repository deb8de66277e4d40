package dynroute

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoValues answers with the request's path, its pattern, the path
// values of names (as "pv.<name>") and, under a mount, the mount's prefix and values.
func echoValues(names ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]string{"path": r.URL.Path, "raw": r.URL.RawPath, "pattern": r.Pattern}
		for _, n := range names {
			out["pv."+n] = r.PathValue(n)
		}
		if m, ok := MountedAt(r); ok {
			out["prefix"] = m.Prefix
			for n, v := range m.All() {
				out["mounted."+n] = v
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	})
}

// echoParams is echoValues for the fast path: the values come from Params.
func echoParams(names ...string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ps Params) {
		out := map[string]string{"path": r.URL.Path, "pattern": r.Pattern, "via": "params"}
		for _, n := range names {
			out["pv."+n] = ps.Get(n)
		}
		_ = json.NewEncoder(w).Encode(out)
	}
}

// serveJSON serves a GET for target and decodes the answer echoValues or
// echoParams gave.
func serveJSON(t *testing.T, h http.Handler, target string) map[string]string {
	t.Helper()
	w := testkit.Serve(h, http.MethodGet, target)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	return got
}

func TestIncludePrefixParams(t *testing.T) {
	projects := New(nil)
	projects.MustAddAPIRoute("/tasks/{task}", []string{"GET"}, echoValues("tenant", "project", "task"), &RouteOptions{Name: "task"})
	sub := New(nil)
	sub.MustAddAPIRoute("/items/{id}", []string{"GET"}, echoValues("tenant", "id"), &RouteOptions{Name: "item"})
	sub.MustAddAPIRoute("/fast/{id}", []string{"GET"}, echoParams("tenant", "id"), &RouteOptions{Name: "fast"})
	sub.MustAddAPIRoute("/", []string{"GET"}, echoValues("tenant"), &RouteOptions{Name: "index"})
	require.NoError(t, sub.Include("/projects/{project}", projects, nil))

	rt := New(nil)
	require.NoError(t, rt.Include("/tenants/{tenant}", sub, &IncludeOptions{NamePrefix: "t_"}))
	// A literal beats {tenant}, as on any route: precedence is the joined path's.
	rt.MustAddAPIRoute("/tenants/admin/items/{id}", []string{"GET"}, echoValues("id"), &RouteOptions{Name: "admin_item"})

	tests := []struct {
		target string
		want   map[string]string
	}{
		{"/tenants/acme/items/7", map[string]string{"pv.tenant": "acme", "pv.id": "7", "pattern": "/tenants/{tenant}/items/{id}"}},
		{"/tenants/acme/fast/7", map[string]string{"pv.tenant": "acme", "pv.id": "7", "via": "params"}},
		{"/tenants/a%20b/", map[string]string{"pv.tenant": "a b", "pattern": "/tenants/{tenant}/"}},
		{"/tenants/acme/projects/p1/tasks/3", map[string]string{"pv.tenant": "acme", "pv.project": "p1", "pv.task": "3"}},
		{"/tenants/admin/items/7", map[string]string{"pv.id": "7", "pattern": "/tenants/admin/items/{id}"}},
		{"/tenants/admin/fast/7", map[string]string{"pv.tenant": "admin", "pv.id": "7"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			got := serveJSON(t, rt, tt.target)
			for k, v := range tt.want {
				assert.Equal(t, v, got[k], k)
			}
		})
	}
	assert.Equal(t, http.StatusMovedPermanently, testkit.Serve(rt, "GET", "/tenants/acme").Code, "to /tenants/acme/")
	assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/tenants/acme/other").Code)

	url, err := rt.URL("t_item", "tenant", "acme", "id", "9")
	require.NoError(t, err)
	assert.Equal(t, "/tenants/acme/items/9", url)
	assert.Equal(t, []string{"tenant", "project", "task"}, rt.Routes()[3].Params())

	t.Run("duplicates and conflicts follow the joined path", func(t *testing.T) {
		again := New(&Options{StrictConflicts: true})
		again.MustAddAPIRoute("/tenants/{t}/items/{key}", []string{"GET"}, echoPath, nil)
		again.MustAddAPIRoute("/{x}/acme/fast/{id}", []string{"GET"}, echoPath, nil)
		err := again.Include("/tenants/{tenant}", sub, nil)
		require.ErrorIs(t, err, ErrDuplicateRoute)
		require.ErrorIs(t, err, ErrConflict)
		assert.Contains(t, err.Error(), `route "item" GET /tenants/{tenant}/items/{id} (compose_prefix_test.go:`)
		assert.Contains(t, err.Error(), `duplicates route GET /tenants/{t}/items/{key}`)
		assert.Len(t, again.Routes(), 2, "nothing added")
	})
}

func TestIncludePrefixProblems(t *testing.T) {
	sub := New(nil)
	sub.MustAddAPIRoute("/items/{id}", []string{"GET"}, echoPath, &RouteOptions{Name: "item"})
	sub.MustAddAPIRoute("/other", []string{"GET"}, echoPath, nil)
	require.NoError(t, sub.Mount("/files/{tenant}", echoPath, &MountOptions{Name: "files"}))

	tests := []struct {
		prefix  string
		want    []string
		wantErr error
	}{
		{prefix: "/t/{id}", wantErr: ErrInvalidPath, want: []string{
			`route "item" GET /items/{id} (compose_prefix_test.go:`,
			`parameter {id} is in both the prefix /t/{id} and the route's path /items/{id}: rename one of them`}},
		{prefix: "/t/{tenant}", wantErr: ErrInvalidPath, want: []string{
			`mount "files" /files/{tenant} (compose_prefix_test.go:`,
			`parameter {tenant} is in both the prefix /t/{tenant} and the mount's path /files/{tenant}/{path...}`}},
		{prefix: "/t/{rest...}", wantErr: ErrInvalidPath, want: []string{`a prefix cannot end in {rest...}`, `write {rest}`}},
		{prefix: "/t/{}", wantErr: ErrInvalidPath, want: []string{`empty parameter name`}},
		{prefix: "/t/{a}/", wantErr: ErrInvalidPath, want: []string{`no trailing slash`}},
		{prefix: "/t/{a}/{a}", wantErr: ErrInvalidPath, want: []string{`parameter {a} appears twice`}},
		{prefix: "/t/:a", wantErr: ErrInvalidPath, want: []string{`write {a}`}},
		{prefix: "/t/{a", wantErr: ErrInvalidPath},
		{prefix: "/t/{a:int}", wantErr: ErrInvalidPath, want: []string{`convertors, parameters inside a segment and ':' in literals are for route paths`}},
		{prefix: "/t/{a}.json", wantErr: ErrInvalidPath, want: []string{`are for route paths`}},
		{prefix: "/t/v1:beta", wantErr: ErrInvalidPath, want: []string{`are for route paths`}},
		{prefix: "/{a}}", wantErr: ErrInvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			rt := New(nil)
			var err error
			require.NotPanics(t, func() { err = rt.Include(tt.prefix, sub, nil) })
			require.ErrorIs(t, err, tt.wantErr)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, rt.Routes())
			// Mount and CheckPrefix refuse the same prefixes (Mount's own
			// clashes aside).
			if !strings.Contains(err.Error(), "in both") {
				require.NotPanics(t, func() { err = rt.Mount(tt.prefix, echoPath, nil) })
				assert.ErrorIs(t, err, tt.wantErr)
				assert.ErrorIs(t, CheckPrefix(tt.prefix), tt.wantErr)
			}
		})
	}
}

func TestMountPrefixParams(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.Mount("/tenants/{tenant}", echoValues("tenant", "path"), nil))
	tests := []struct {
		name, target string
		wantStatus   int
		want         map[string]string
		wantLocation string
	}{
		{name: "root", target: "/tenants/acme/", wantStatus: 200,
			want: map[string]string{"path": "/", "prefix": "/tenants/acme", "mounted.tenant": "acme", "pv.tenant": "acme", "pv.path": ""}},
		{name: "below", target: "/tenants/acme/items/1", wantStatus: 200,
			want: map[string]string{"path": "/items/1", "prefix": "/tenants/acme", "mounted.tenant": "acme", "pv.tenant": "acme"}},
		{name: "escaped value", target: "/tenants/a%20b/x%2Fy", wantStatus: 200,
			want: map[string]string{"path": "/x/y", "raw": "/x%2Fy", "prefix": "/tenants/a b", "mounted.tenant": "a b", "pv.tenant": "a b"}},
		{name: "the prefix alone redirects", target: "/tenants/acme", wantStatus: 301, wantLocation: "/tenants/acme/"},
		{name: "not the prefix", target: "/tenant/acme/x", wantStatus: 404},
		{name: "no value", target: "/tenants//x", wantStatus: 301, wantLocation: "/tenants/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testkit.Serve(rt, "GET", tt.target)
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			assert.Equal(t, tt.wantLocation, w.Header().Get("Location"))
			if tt.wantStatus != 200 {
				return
			}
			var got map[string]string
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			for k, v := range tt.want {
				assert.Equal(t, v, got[k], k) // pv.path: the mount's own {path...} never leaks
			}
			assert.Empty(t, got["pattern"])
		})
	}

	t.Run("called directly, not under the prefix", func(t *testing.T) {
		m, err := newMountHandler("/t/{a}/x", echoPath, MountOptions{})
		require.NoError(t, err)
		for _, target := range []string{"/t/1", "/t/1/x", "/t/1/y/z", "/t//x/z", "/u/1/x/z", "/t"} {
			assert.Equal(t, http.StatusNotFound, testkit.Serve(m, "GET", target).Code, target)
		}
		assert.Equal(t, http.StatusOK, testkit.Serve(m, "GET", "/t/1/x/z").Code)
	})
	t.Run("through middleware", func(t *testing.T) {
		wrap := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
		}
		rt := New(&Options{Middleware: []Middleware{wrap}})
		require.NoError(t, rt.Mount("/t/{tenant}", echoValues("tenant", "path"), nil))
		got := serveJSON(t, rt, "/t/acme/a/b")
		assert.Equal(t, "acme", got["pv.tenant"])
		assert.Equal(t, "/a/b", got["path"])
		assert.Empty(t, got["pv.path"], "the mount's {path...} value is cleared")
	})
}

func TestMountPrefixParamsNested(t *testing.T) {
	inner := New(nil)
	inner.MustAddAPIRoute("/items/{id}", []string{"GET"}, echoValues("tenant", "project", "id"), &RouteOptions{Name: "item"})
	inner.MustAddAPIRoute("/fast/{id}", []string{"GET"}, echoParams("tenant", "id"), nil)
	middle := New(nil)
	require.NoError(t, middle.Mount("/projects/{project}", inner, nil))
	rt := New(nil)
	require.NoError(t, rt.Mount("/tenants/{tenant}", middle, nil))

	got := serveJSON(t, rt, "/tenants/acme/projects/p1/items/7")
	assert.Equal(t, map[string]string{
		"path": "/items/7", "raw": "", "pattern": "/items/{id}", "prefix": "/tenants/acme/projects/p1",
		"pv.tenant": "acme", "pv.project": "p1", "pv.id": "7",
		"mounted.tenant": "acme", "mounted.project": "p1",
	}, got)
	got = serveJSON(t, rt, "/tenants/acme/projects/p1/fast/7")
	assert.Equal(t, "7", got["pv.id"])
	assert.Empty(t, got["pv.tenant"], "a mounted Router's Params are its own route's; MountedAt has the prefix's")

	t.Run("an Include of mounts and of a parameterised prefix", func(t *testing.T) {
		sub := New(nil)
		require.NoError(t, sub.Mount("/projects/{project}", inner, nil))
		rt := New(nil)
		require.NoError(t, rt.Include("/tenants/{tenant}", sub, nil))
		got := serveJSON(t, rt, "/tenants/acme/projects/p1/items/7")
		assert.Equal(t, "acme", got["mounted.tenant"])
		assert.Equal(t, "p1", got["mounted.project"])
		assert.Equal(t, "/tenants/acme/projects/p1", got["prefix"])
		assert.Equal(t, "/tenants/{tenant}/projects/{project}", rt.Routes()[0].MountPrefix())
	})
	t.Run("an inner name wins in Value", func(t *testing.T) {
		m := Mounted{params: []prefixParam{{"a", "outer"}, {"b", "x"}, {"a", "inner"}}}
		assert.Equal(t, "inner", m.Value("a"))
		assert.Empty(t, m.Value("c"))
		assert.Equal(t, map[string]string{"a": "inner", "b": "x"}, maps.Collect(m.All()))
	})
}

func TestMountPrefixParamsConflicts(t *testing.T) {
	mount := func(prefix string) func(rt *Router) error {
		return func(rt *Router) error { return rt.Mount(prefix, echoPath, nil) }
	}
	route := func(path string) func(rt *Router) error {
		return func(rt *Router) error { return rt.AddAPIRoute(path, []string{"GET"}, echoPath, nil) }
	}
	tests := []struct {
		setup, add func(rt *Router) error
		wantErr    error
		want       string
	}{
		{setup: mount("/t/{tenant}"), add: route("/t/{id}/x"), wantErr: ErrConflict, want: "is under the prefix of mount /t/{tenant}"},
		{setup: mount("/t/{tenant}"), add: route("/t/acme/x"), wantErr: ErrConflict, want: "is under the prefix of mount /t/{tenant}"},
		{setup: mount("/t/{tenant}"), add: route("/t/{id}"), wantErr: ErrConflict, want: "is under the prefix of mount /t/{tenant}"},
		{setup: route("/t/{id}/x"), add: mount("/t/{tenant}"), wantErr: ErrConflict, want: "mounts /t/{tenant} over route GET /t/{id}/x"},
		{setup: mount("/t/{tenant}"), add: mount("/t/acme"), wantErr: ErrConflict, want: "is under the prefix of mount /t/{tenant}"},
		{setup: mount("/t/acme/x"), add: mount("/t/{tenant}"), wantErr: ErrConflict, want: "mounts above mount /t/acme/x"},
		{setup: mount("/t/{tenant}"), add: mount("/t/{other}"), wantErr: ErrDuplicateRoute},
		{setup: mount("/t/{tenant}"), add: mount("/{x}/{y}/z"), wantErr: nil},
		{setup: mount("/t/{tenant}"), add: route("/t/"), wantErr: nil},
		{setup: mount("/t/{tenant}"), add: route("/t/{rest...}"), wantErr: nil},
		{setup: mount("/t/{tenant}"), add: route("/{x}/a/b"), wantErr: nil},
		{setup: mount("/t"), add: mount("/{x}/{y}"), wantErr: nil},
		{setup: func(*Router) error { return nil }, add: mount("/t/{path}"), wantErr: ErrInvalidPath, want: "cannot name a parameter {path}"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			rt := New(nil)
			require.NoError(t, tt.setup(rt))
			before := len(rt.Routes())
			err := tt.add(rt)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.want)
			assert.Len(t, rt.Routes(), before)
		})
	}
	t.Run("removing a mount frees its paths", func(t *testing.T) {
		rt := New(nil)
		require.NoError(t, rt.Mount("/t/{tenant}", echoPath, &MountOptions{Name: "t"}))
		require.NoError(t, rt.RemoveRoute("t"))
		require.NoError(t, rt.AddAPIRoute("/t/{id}/x", []string{"GET"}, echoPath, nil))
	})
}

func TestConfigMountPrefixParams(t *testing.T) {
	rt := pluginRouter(t)
	specs, err := LoadYAML(strings.NewReader(`
plugin:
  app: plugin_a
  prefix: /tenants/{tenant}/plugin
bad:
  app: plugin_a
  prefix: /x/{rest...}
`), "routes.yaml")
	require.NoError(t, err)
	_, err = rt.AddRoutes(specs, nil)
	require.ErrorIs(t, err, ErrInvalidPath)
	assert.Contains(t, err.Error(), `mount "bad" /x/{rest...} (routes.yaml:5): invalid path "/x/{rest...}": a prefix cannot end in {rest...}`)

	_, err = rt.AddRoutes(specs[:1], nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", testkit.Serve(rt, "GET", "/tenants/acme/plugin/hello").Body.String())
	out := rt.RouteSpecs()
	require.Len(t, out, 1)
	assert.Equal(t, "/tenants/{tenant}/plugin", out[0].Prefix, "round trip")
	var paths []string
	for _, item := range rt.OpenAPI().Paths {
		paths = append(paths, item.Path)
		require.NotEmpty(t, item.Operations[0].Parameters)
		assert.Equal(t, "tenant", item.Operations[0].Parameters[0].Name)
		assert.Equal(t, "path", item.Operations[0].Parameters[0].In)
		assert.True(t, item.Operations[0].Parameters[0].Required)
	}
	assert.Equal(t, []string{"/tenants/{tenant}/plugin/hello"}, paths)
}
