package dynroute

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pluginConfig = `
users:
  path: /users
  methods: [GET]
  handler: users
plugin_a:
  app: plugin_a
  prefix: /plugina
  tags: [Plugins]
items_v2:
  path: /items/{id}
  methods: [GET]
  handler: v2
  header_patterns:
    Accept-Version: ^2\.
items:
  path: /items/{id}
  methods: [GET]
  handler: v1
`

func pluginRouter(t *testing.T) *Router {
	rt := New(nil)
	for _, name := range []string{"users", "v1", "v2"} {
		require.NoError(t, rt.Registry().Register(name, testkit.Text(name)))
	}
	plugin := New(nil)
	plugin.MustAddAPIRoute("/hello", []string{"GET"}, testkit.Text("hello"), &RouteOptions{Name: "hello"})
	require.NoError(t, rt.Registry().RegisterApp("plugin_a", plugin))
	return rt
}

func TestConfigMountsAndHeaders(t *testing.T) {
	rt := pluginRouter(t)
	specs, err := LoadYAML(strings.NewReader(pluginConfig), "routes.yaml")
	require.NoError(t, err)
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)

	assert.Equal(t, "hello", testkit.Serve(rt, "GET", "/plugina/hello").Body.String())
	r := requestWith("GET", "/items/1", "Accept-Version", "2.0")
	assert.Equal(t, "v2", serve(rt, r).Body.String())
	assert.Equal(t, "v1", testkit.Serve(rt, "GET", "/items/1").Body.String())

	routes := rt.Routes()
	require.Len(t, routes, 4)
	assert.True(t, routes[1].Mount)
	assert.Equal(t, "plugin_a", routes[1].HandlerName)
	assert.Equal(t, "routes.yaml", routes[1].Source.File)
	assert.Equal(t, 6, routes[1].Source.Line)

	ops := map[string]bool{}
	for _, item := range rt.OpenAPI().Paths {
		ops[item.Path] = true
	}
	assert.Equal(t, map[string]bool{"/users": true, "/plugina/hello": true, "/items/{id}": true}, ops)

	t.Run("round trip", func(t *testing.T) {
		again := pluginRouter(t)
		_, err := again.AddRoutes(rt.RouteSpecs(), nil)
		require.NoError(t, err)
		assert.Equal(t, rt.RouteSpecs(), again.RouteSpecs())
		assert.Equal(t, "v2", serve(again, requestWith("GET", "/items/1", "Accept-Version", "2.0")).Body.String())
		assert.Equal(t, "hello", testkit.Serve(again, "GET", "/plugina/hello").Body.String())
	})
}

func TestConfigMountProblems(t *testing.T) {
	config := `
plugin_b:
  app: plugin_b
  prefix: /pluginb
bad:
  app: plugin_a
  prefix: /bad/
  path: /x
  methods: [GET]
headless:
  prefix: /headless
users:
  path: /users
  methods: [GET]
  handler: users
`
	t.Run("strict", func(t *testing.T) {
		rt := pluginRouter(t)
		specs, err := LoadYAML(strings.NewReader(config), "routes.yaml")
		require.NoError(t, err)
		_, err = rt.AddRoutes(specs, nil)
		require.ErrorIs(t, err, ErrUnknownApp)
		require.ErrorIs(t, err, ErrInvalidConfig)
		msg := err.Error()
		for _, want := range []string{
			`mount "plugin_b" /pluginb (routes.yaml:2): unknown app "plugin_b"; did you mean "plugin_a"?`,
			`mount "bad" /bad/ (routes.yaml:5): invalid route config: a mount has no path`,
			`a mount has no methods`,
			`invalid path "/bad/": a prefix has no trailing slash`,
			`mount "headless" /headless (routes.yaml:10): invalid route config: a mount (with prefix) needs an app`,
		} {
			assert.Contains(t, msg, want)
		}
		assert.Empty(t, rt.Routes(), "nothing added")
	})
	t.Run("lenient skips a missing plugin with a warning", func(t *testing.T) {
		rt := pluginRouter(t)
		specs, err := LoadYAML(strings.NewReader(config), "routes.yaml")
		require.NoError(t, err)
		var logs bytes.Buffer
		skipped, err := rt.AddRoutes(specs, &ApplyOptions{Lenient: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		require.NoError(t, err)
		assert.Len(t, skipped, 3)
		assert.Contains(t, logs.String(), `unknown app \"plugin_b\"`)
		assert.Equal(t, "users", testkit.Serve(rt, "GET", "/users").Body.String())
	})
	t.Run("header maps", func(t *testing.T) {
		_, err := LoadYAML(strings.NewReader("a:\n  path: /a\n  methods: [GET]\n  handler: h\n  headers: [x]\n"), "h.yaml")
		require.ErrorIs(t, err, ErrInvalidConfig)
		assert.Contains(t, err.Error(), "headers must be a mapping of header names to strings, got a list")
		_, err = LoadJSON(strings.NewReader(`[{"path":"/a","methods":["GET"],"handler":"h","headers":{"X":null}}]`), "h.json")
		require.ErrorIs(t, err, ErrInvalidConfig)
		assert.Contains(t, err.Error(), "headers.X must be a string, got null")
	})
}

func TestRegisterApp(t *testing.T) {
	var g Registry // the zero value works
	require.NoError(t, g.RegisterApp("a", http.NotFoundHandler()))
	require.NoError(t, g.Register("a", http.NotFoundHandler()), "handlers and apps have separate names")
	assert.ErrorIs(t, g.RegisterApp("a", http.NotFoundHandler()), ErrDuplicateHandler)
	assert.ErrorIs(t, g.RegisterApp(" a", http.NotFoundHandler()), ErrInvalidHandler)
	assert.ErrorIs(t, g.RegisterApp("b", nil), ErrInvalidHandler)
	_, ok := g.LookupApp("a")
	assert.True(t, ok)
	assert.Equal(t, []string{"a"}, g.AppNames())
	_, err := g.resolveApp("x")
	assert.ErrorIs(t, err, ErrUnknownApp)
}

func requestWith(method, target, header, value string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set(header, value)
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
