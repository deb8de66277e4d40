package dynroute

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveCode serves one GET and returns the status and body.
func serveCode(rt *Router, path string) (int, string) {
	w := testkit.Serve(rt, http.MethodGet, path)
	return w.Code, w.Body.String()
}

func TestRemoveRoute(t *testing.T) {
	rt := New(nil)
	rt.MustAddAPIRoute("/users/{id}", []string{"GET"}, testkit.Text("user"), &RouteOptions{Name: "user"})
	rt.MustAddAPIRoute("/users/me", []string{"GET"}, testkit.Text("me"), &RouteOptions{Name: "me"})
	code, body := serveCode(rt, "/users/me")
	require.Equal(t, 200, code)
	require.Equal(t, "me", body)

	require.NoError(t, rt.RemoveRoute("me"))
	code, body = serveCode(rt, "/users/me")
	assert.Equal(t, 200, code)
	assert.Equal(t, "user", body, "the less specific route takes over")
	require.NoError(t, rt.RemoveRoute("user"))
	code, _ = serveCode(rt, "/users/me")
	assert.Equal(t, 404, code)
	assert.Empty(t, rt.Routes())

	err := rt.RemoveRoute("user")
	assert.ErrorIs(t, err, ErrUnknownRoute)
	// The name and shape are free again.
	require.NoError(t, rt.AddAPIRoute("/users/{name}", []string{"GET"}, testkit.Text("again"), &RouteOptions{Name: "user"}))
	_, body = serveCode(rt, "/users/7")
	assert.Equal(t, "again", body)
}

func TestReplaceRoute(t *testing.T) {
	rt := New(nil)
	rt.MustAddAPIRoute("/v1/items", []string{"GET"}, testkit.Text("v1"), &RouteOptions{Name: "items", Tags: []string{"old"}})
	rt.MustAddAPIRoute("/other", []string{"GET"}, testkit.Text("other"), &RouteOptions{Name: "other"})
	serveCode(rt, "/v1/items") // serving: changes publish at once

	require.NoError(t, rt.ReplaceRoute("items", "/v2/items", []string{"GET", "POST"}, testkit.Text("v2"), nil))
	code, _ := serveCode(rt, "/v1/items")
	assert.Equal(t, 404, code)
	_, body := serveCode(rt, "/v2/items")
	assert.Equal(t, "v2", body)
	routes := rt.Routes()
	require.Len(t, routes, 2)
	assert.Equal(t, "items", routes[1].Name, "the name is kept")
	assert.Equal(t, []string{"GET", "POST"}, routes[1].Methods)

	before := rt.table.Load()
	tests := []struct {
		name   string
		target string
		path   string
		want   error
	}{
		{"unknown name", "nope", "/x", ErrUnknownRoute},
		{"bad path", "items", "/x/:id", ErrInvalidPath},
		{"duplicate of another route", "items", "/other", ErrDuplicateRoute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rt.ReplaceRoute(tt.target, tt.path, []string{"GET"}, testkit.Text("x"), nil)
			assert.ErrorIs(t, err, tt.want)
			assert.Same(t, before, rt.table.Load(), "a failed change publishes nothing")
			_, body := serveCode(rt, "/v2/items")
			assert.Equal(t, "v2", body, "the old route keeps serving")
		})
	}
}

func TestUpdateIsAllOrNothing(t *testing.T) {
	rt := New(nil)
	rt.MustAddAPIRoute("/a", []string{"GET"}, testkit.Text("a"), &RouteOptions{Name: "a"})
	serveCode(rt, "/a")
	before := rt.table.Load()

	boom := errors.New("boom")
	err := rt.Update(func(tx *Tx) error {
		require.NoError(t, tx.RemoveRoute("a"))
		require.NoError(t, tx.AddAPIRoute("/b", []string{"GET"}, testkit.Text("b"), nil))
		return boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Same(t, before, rt.table.Load())
	_, body := serveCode(rt, "/a")
	assert.Equal(t, "a", body)
	code, _ := serveCode(rt, "/b")
	assert.Equal(t, 404, code)
	assert.Len(t, rt.Routes(), 1)

	var added, removed int
	require.NoError(t, rt.Update(func(tx *Tx) error {
		if err := tx.RemoveRoute("a"); err != nil {
			return err
		}
		for i := range 3 {
			if err := tx.AddAPIRoute(fmt.Sprintf("/n/%d", i), []string{"GET"}, testkit.Text("n"), nil); err != nil {
				return err
			}
		}
		added, removed = tx.Added(), tx.Removed()
		return nil
	}))
	assert.Equal(t, 3, added)
	assert.Equal(t, 1, removed)
	assert.NotSame(t, before, rt.table.Load())
	code, _ = serveCode(rt, "/a")
	assert.Equal(t, 404, code)
	_, body = serveCode(rt, "/n/2")
	assert.Equal(t, "n", body)
}

func TestReplaceSource(t *testing.T) {
	rt := specRouter(t, false)
	rt.MustAddAPIRoute("/code", []string{"GET"}, testkit.Text("code"), &RouteOptions{Name: "code"})
	v1 := []RouteSpec{
		{Name: "users", Path: "/dynamic/users", Methods: []string{"GET"}, Handler: "get_dynamic_users", Source: Source{File: "routes.yaml", Line: 1}},
		{Name: "admin", Path: "/dynamic/admin", Methods: []string{"GET"}, Handler: "get_admin_area", Source: Source{File: "routes.yaml", Line: 5}},
	}
	_, err := rt.ReplaceSource("routes.yaml", v1, nil)
	require.NoError(t, err)
	serveCode(rt, "/code")

	v2 := []RouteSpec{
		{Name: "users", Path: "/dynamic/people", Methods: []string{"GET"}, Handler: "get_dynamic_users", Source: Source{File: "routes.yaml", Line: 1}},
	}
	_, err = rt.ReplaceSource("routes.yaml", v2, nil)
	require.NoError(t, err)
	code, _ := serveCode(rt, "/dynamic/users")
	assert.Equal(t, 404, code)
	code, _ = serveCode(rt, "/dynamic/admin")
	assert.Equal(t, 404, code)
	code, _ = serveCode(rt, "/dynamic/people")
	assert.Equal(t, 200, code)
	_, body := serveCode(rt, "/code")
	assert.Equal(t, "code", body, "routes of other sources stay")

	before := rt.table.Load()
	bad := append(v2, RouteSpec{Name: "x", Path: "/x/:id", Methods: []string{"GET"}, Handler: "get_admin_area", Source: Source{File: "routes.yaml", Line: 9}})
	_, err = rt.ReplaceSource("routes.yaml", bad, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidPath)
	assert.Same(t, before, rt.table.Load(), "a bad reload keeps the old table")
	code, _ = serveCode(rt, "/dynamic/people")
	assert.Equal(t, 200, code)

	skipped, err := rt.ReplaceSource("routes.yaml", bad, &ApplyOptions{Lenient: true, Logger: discardLogger()})
	require.NoError(t, err)
	assert.Len(t, skipped, 1)
}

func TestSourceFrom(t *testing.T) {
	tests := []struct {
		src    Source
		source string
		want   bool
	}{
		{Source{File: "routes.yaml", Line: 3}, "routes.yaml", true},
		{Source{File: "other.yaml"}, "routes.yaml", false},
		{Source{Table: "routes", Key: "7"}, "routes", true},
		{Source{Env: "ROUTES_USERS_PATH"}, "ROUTES", true},
		{Source{Env: "ROUTESX_USERS_PATH"}, "ROUTES", false},
		{Source{}, "", false},
		{Source{File: "/dynroute/routes/users", Line: 2}, "/dynroute/routes/", true},
		{Source{File: "/dynroute/routes/"}, "/dynroute/routes/", true},
		{Source{File: "/dynroute/routesx/users"}, "/dynroute/routes/", false},
		{Source{File: "/dynroute/routes/users"}, "/dynroute/routes", false},
		{Source{File: "/dynroute/other/users"}, "/dynroute/routes/", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.src.From(tt.source), "%+v from %q", tt.src, tt.source)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
