package dynroute

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func specRouter(t *testing.T, strict bool) *Router {
	t.Helper()
	rt := New(&Options{StrictConflicts: strict})
	for _, name := range []string{"get_dynamic_users", "handle_dynamic_product", "get_admin_area"} {
		require.NoError(t, rt.Registry().Register(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(name + " " + r.Pattern))
		})))
	}
	return rt
}

func src(line int) Source { return Source{File: "routes.yaml", Line: line} }

var goodSpecs = []RouteSpec{
	{Name: "dynamic_users", Path: "/dynamic/users", Methods: []string{"GET"}, Handler: "get_dynamic_users", Source: src(1)},
	{Name: "dynamic_products", Path: "/dynamic/products/{product_id}", Methods: []string{"get", "POST"}, Handler: "handle_dynamic_product", Source: src(5)},
	{Name: "admin_area", Path: "/dynamic/admin", Methods: []string{"GET"}, Handler: "get_admin_area", Tags: []string{"Admin", "Dynamic"}, Source: src(9)},
}

func TestAddRoutesStrict(t *testing.T) {
	tests := []struct {
		name     string
		specs    []RouteSpec
		wantErrs []string // substrings, one per problem, in order
		wantIs   []error
	}{
		{
			name: "every problem of every entry",
			specs: append(append([]RouteSpec{}, goodSpecs...),
				RouteSpec{Name: "incomplete", Source: src(12)},
				RouteSpec{Name: "orders", Path: "/dynamic/orders", Methods: []string{"GET"}, Handler: "get_dynamic_user", Source: src(14)},
				RouteSpec{Name: "bad", Path: "/x/:id", Methods: []string{"G T"}, Handler: "get_admin_area", StatusCode: 999, Source: src(18)},
				RouteSpec{Name: "dup", Path: "/dynamic/products/{id}", Methods: []string{"POST"}, Handler: "get_admin_area", Source: src(22)},
				RouteSpec{Name: "admin_area", Path: "/dynamic/admin2", Methods: []string{"GET"}, Handler: "get_admin_area", Source: src(26)},
			),
			wantErrs: []string{
				`route "incomplete" (routes.yaml:12): invalid route config: missing path`,
				`route "incomplete" (routes.yaml:12): invalid route config: missing methods`,
				`route "incomplete" (routes.yaml:12): invalid route config: missing handler`,
				`route "orders" GET /dynamic/orders (routes.yaml:14): unknown handler "get_dynamic_user"; did you mean "get_dynamic_users"?`,
				`route "bad" G T /x/:id (routes.yaml:18): invalid path "/x/:id": ":id" is httprouter syntax; write {id}`,
				`route "bad" G T /x/:id (routes.yaml:18): invalid method "G T"`,
				`route "bad" G T /x/:id (routes.yaml:18): invalid route options: status code 999`,
				`route "dup" POST /dynamic/products/{id} (routes.yaml:22): duplicates route "dynamic_products" GET,POST /dynamic/products/{product_id} (routes.yaml:5)`,
				`route "admin_area" GET /dynamic/admin2 (routes.yaml:26): the name is taken by route "admin_area" GET /dynamic/admin (routes.yaml:9)`,
			},
			wantIs: []error{ErrInvalidConfig, ErrUnknownHandler, ErrInvalidPath, ErrInvalidMethod, ErrInvalidOptions, ErrDuplicateRoute, ErrDuplicateName},
		},
		{
			name: "conflict between two entries in strict conflicts mode",
			specs: []RouteSpec{
				{Path: "/{a}/x", Methods: []string{"GET"}, Handler: "get_admin_area", Source: src(1)},
				{Path: "/x/{b}", Methods: []string{"GET"}, Handler: "get_admin_area", Source: src(4)},
			},
			wantErrs: []string{`route GET /x/{b} (routes.yaml:4): conflicts with route GET /{a}/x (routes.yaml:1): both match GET /x/x`},
			wantIs:   []error{ErrInvalidConfig, ErrConflict},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := specRouter(t, true)
			rt.Get("/before", http.NotFoundHandler())
			before := rt.Routes()

			skipped, err := rt.AddRoutes(tt.specs, nil)
			require.Error(t, err)
			assert.Nil(t, skipped)
			for _, target := range tt.wantIs {
				assert.ErrorIs(t, err, target)
			}
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Len(t, ce.Problems, len(tt.wantErrs), "one problem each")
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tt.wantErrs)+1, "one line per problem after the summary:\n%v", err)
			assert.Contains(t, lines[0], "none was added")
			for i, want := range tt.wantErrs {
				assert.Contains(t, lines[i+1], want)
			}
			// Nothing was half-applied: the same routes, the names free again.
			assert.Equal(t, len(before), len(rt.Routes()))
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest("GET", "/dynamic/users", nil))
			assert.Equal(t, http.StatusNotFound, w.Code)
			_, err = rt.AddRoutes(goodSpecs, nil)
			require.NoError(t, err, "the good specs apply after the failed batch was rolled back")
		})
	}
}

func TestAddRoutesLenient(t *testing.T) {
	rt := specRouter(t, false)
	var logs bytes.Buffer
	specs := append(append([]RouteSpec{}, goodSpecs...),
		RouteSpec{Name: "incomplete", Methods: []string{"GET"}, Handler: "get_dynamic_users", Source: src(12)},
		RouteSpec{Name: "orders", Path: "/dynamic/orders", Methods: []string{"GET"}, Handler: "get_dynamic_orders", Source: src(14)},
		RouteSpec{Name: "dup", Path: "/dynamic/users", Methods: []string{"GET"}, Handler: "get_admin_area", Source: src(18)},
		RouteSpec{Name: "untagged", Path: "/dynamic/untagged", Methods: []string{"GET"}, Handler: "get_admin_area", Source: src(20)},
	)
	skipped, err := rt.AddRoutes(specs, &ApplyOptions{
		Lenient:     true,
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
		DefaultTags: []string{"Dynamic"},
	})
	require.NoError(t, err)
	require.Len(t, skipped, 3)
	assert.Equal(t, []string{"incomplete", "orders", "dup"}, []string{skipped[0].Spec.Name, skipped[1].Spec.Name, skipped[2].Spec.Name})
	assert.ErrorIs(t, skipped[0].Err, ErrInvalidConfig)
	assert.ErrorIs(t, skipped[1].Err, ErrUnknownHandler)
	assert.ErrorIs(t, skipped[2].Err, ErrDuplicateRoute)
	assert.Equal(t, 3, strings.Count(logs.String(), "level=WARN"), logs.String())
	assert.Contains(t, logs.String(), "source=routes.yaml:14")

	routes := rt.Routes()
	require.Len(t, routes, 4)
	assert.Equal(t, []string{"Admin", "Dynamic"}, routes[2].Tags)
	assert.Equal(t, []string{"Dynamic"}, routes[3].Tags, "DefaultTags for specs without tags")
	assert.Equal(t, []string{"GET", "POST"}, routes[1].Methods)
	assert.Equal(t, "handle_dynamic_product", routes[1].HandlerName)
	assert.Equal(t, src(5), routes[1].Source)

	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("POST", "/dynamic/products/7", nil))
	assert.Equal(t, "handle_dynamic_product /dynamic/products/{product_id}", w.Body.String())
}

func TestAddRoutesWhileServingPublishesOnce(t *testing.T) {
	rt := specRouter(t, false)
	rt.Get("/first", http.NotFoundHandler())
	first := rt.current()
	_, err := rt.AddRoutes(goodSpecs, nil)
	require.NoError(t, err)
	second := rt.table.Load()
	require.NotSame(t, first, second)
	for _, s := range goodSpecs {
		assert.NotNil(t, second.entryFor("GET", s.Path), s.Path)
	}
	_, err = rt.AddRoutes([]RouteSpec{{Path: "/bad/:x", Methods: []string{"GET"}, Handler: "get_admin_area"}}, nil)
	require.Error(t, err)
	assert.Same(t, second, rt.table.Load(), "a failed batch leaves the served table alone")
}

func TestRouteSpecsRoundTrip(t *testing.T) {
	rt := specRouter(t, false)
	specs := append([]RouteSpec{}, goodSpecs...)
	specs[0].Extra = map[string]any{"response_message": "hello"}
	specs[0].Summary = "List users"
	_, err := rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"response_message": "hello"}, rt.Routes()[0].Extra)

	exported := rt.RouteSpecs()
	again := specRouter(t, false)
	_, err = again.AddRoutes(exported, nil)
	require.NoError(t, err)
	assert.Equal(t, exported, again.RouteSpecs())
	assert.Equal(t, "GET", exported[1].Methods[0], "methods come back normalised")
}

func TestAddRoutesErrorsAreRouteErrors(t *testing.T) {
	rt := specRouter(t, false)
	_, err := rt.AddRoutes([]RouteSpec{{Name: "x", Path: "/a/{b", Methods: []string{"GET"}, Handler: "nope", Source: src(3)}}, nil)
	require.Error(t, err)
	var re *RouteError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "x", re.Name)
	assert.Equal(t, src(3), re.Source)
}
