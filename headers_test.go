package dynroute

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderRouting(t *testing.T) {
	rt := New(nil)
	v2 := []HeaderMatch{{Name: "accept-version", Value: `^2\.`, Regexp: true}}
	rt.MustAddAPIRoute("/items/{id}", []string{"GET"}, testkit.Text("v2"), &RouteOptions{Name: "v2", Headers: v2})
	rt.MustAddAPIRoute("/items/{item_id}", []string{"GET"}, testkit.Text("v1"), &RouteOptions{Name: "v1",
		Headers: []HeaderMatch{{Name: "Accept-Version", Value: "1"}}})
	rt.MustAddAPIRoute("/items/{id}", []string{"GET"}, testkit.Text("fallback"), &RouteOptions{Name: "fallback"})
	rt.MustAddAPIRoute("/items/{id}", []string{"GET"}, testkit.Text("tenant"), &RouteOptions{Name: "tenant",
		Headers: []HeaderMatch{{Name: "X-Tenant", Value: "acme"}, {Name: "Accept-Version", Value: "1"}}})
	rt.MustAddAPIRoute("/only/{id}", []string{"GET", "POST"}, testkit.Text("only"), &RouteOptions{Name: "only",
		Headers: []HeaderMatch{{Name: "X-Tenant", Value: "acme"}}})

	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string][]string
		wantStatus int
		wantBody   string
	}{
		{"regexp", "GET", "/items/1", map[string][]string{"Accept-Version": {"2.1"}}, 200, "v2"},
		{"exact", "GET", "/items/1", map[string][]string{"Accept-Version": {"1"}}, 200, "v1"},
		{"exact is exact", "GET", "/items/1", map[string][]string{"Accept-Version": {"1.0"}}, 200, "fallback"},
		{"no header: the fallback", "GET", "/items/1", nil, 200, "fallback"},
		{"first match in order added", "GET", "/items/1", map[string][]string{"Accept-Version": {"1"}, "X-Tenant": {"acme"}}, 200, "v1"},
		{"any value of the header", "GET", "/items/1", map[string][]string{"Accept-Version": {"0", "2.0"}}, 200, "v2"},
		{"HEAD follows GET", "HEAD", "/items/1", map[string][]string{"Accept-Version": {"2.0"}}, 200, ""},
		{"no fallback: 404", "GET", "/only/1", nil, 404, ""},
		{"no fallback, match", "POST", "/only/1", map[string][]string{"X-Tenant": {"acme"}}, 200, "only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			for k, vs := range tt.header {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			assert.Equal(t, tt.wantStatus, w.Code)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, w.Body.String())
			}
			if tt.wantStatus == 404 {
				assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			}
		})
	}

	t.Run("406 when configured", func(t *testing.T) {
		rt := New(&Options{HeaderMismatchStatus: http.StatusNotAcceptable})
		rt.MustAddAPIRoute("/a", []string{"GET"}, testkit.Text("a"), &RouteOptions{Headers: []HeaderMatch{{Name: "X-V", Value: "1"}}})
		assert.Equal(t, http.StatusNotAcceptable, testkit.Serve(rt, "GET", "/a").Code)
		assert.Equal(t, http.StatusNotFound, testkit.Serve(rt, "GET", "/b").Code)
	})
	t.Run("documented as one operation", func(t *testing.T) {
		doc := rt.OpenAPI()
		require.Len(t, doc.Paths, 2)
		item := doc.Paths[0]
		assert.Equal(t, "/items/{id}", item.Path)
		require.Len(t, item.Operations, 1)
		op := item.Operations[0]
		assert.Equal(t, "v2", op.OperationID)
		require.Len(t, op.Parameters, 3)
		av, tenant := op.Parameters[1], op.Parameters[2]
		assert.Equal(t, "Accept-Version", av.Name)
		assert.Equal(t, "header", av.In)
		assert.False(t, av.Required, "a route without the header exists")
		assert.Nil(t, av.Schema.Enum, "a regular expression allows more than the exact values")
		assert.Equal(t, `Selects the route: a value matching "^2\.", "1", "1".`, av.Description)
		assert.Equal(t, "X-Tenant", tenant.Name)
		only := doc.Paths[1].Operations[0]
		require.Len(t, only.Parameters, 2)
		assert.True(t, only.Parameters[1].Required)
		assert.Equal(t, []any{"acme"}, only.Parameters[1].Schema.Enum)
		b, err := doc.MarshalJSON()
		require.NoError(t, err)
		testkit.ValidOpenAPI(t, b)
	})
	t.Run("MatchedRoute of the variant", func(t *testing.T) {
		rt := New(nil)
		var got string
		h := HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) { got = ps.Route().Name })
		rt.MustAddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Name: "one", Headers: []HeaderMatch{{Name: "X-V", Value: "1"}}})
		rt.MustAddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Name: "other"})
		r := httptest.NewRequest("GET", "/a", nil)
		r.Header.Set("X-V", "1")
		rt.ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, "one", got)
		rt.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a", nil))
		assert.Equal(t, "other", got)
	})
}

func TestHeaderRoutingErrors(t *testing.T) {
	h := testkit.Text("x")
	tests := []struct {
		name    string
		first   []HeaderMatch
		second  []HeaderMatch
		wantErr error
		want    string
	}{
		{"same matches", []HeaderMatch{{Name: "X-V", Value: "1"}}, []HeaderMatch{{Name: "x-v", Value: "1"}}, ErrDuplicateRoute, "duplicates"},
		{"two fallbacks", nil, nil, ErrDuplicateRoute, "duplicates"},
		{"bad regexp", nil, []HeaderMatch{{Name: "X-V", Value: "(", Regexp: true}}, ErrInvalidOptions, "X-V ~ \"(\""},
		{"bad name", nil, []HeaderMatch{{Name: "X V", Value: "1"}}, ErrInvalidOptions, "not a header name"},
		{"a header twice", nil, []HeaderMatch{{Name: "X-V", Value: "1"}, {Name: "x-v", Value: "2"}}, ErrInvalidOptions, "matched twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			rt.MustAddAPIRoute("/a/{id}", []string{"GET"}, h, &RouteOptions{Headers: tt.first})
			err := rt.AddAPIRoute("/a/{key}", []string{"GET"}, h, &RouteOptions{Headers: tt.second})
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("order matches", func(t *testing.T) {
		// The same matches in another order are the same route.
		rt := New(nil)
		rt.MustAddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}})
		err := rt.AddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Headers: []HeaderMatch{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}}})
		assert.ErrorIs(t, err, ErrDuplicateRoute)
	})
	t.Run("strict conflicts allow variants", func(t *testing.T) {
		rt := New(&Options{StrictConflicts: true})
		rt.MustAddAPIRoute("/a/{id}", []string{"GET"}, h, &RouteOptions{Headers: []HeaderMatch{{Name: "A", Value: "1"}}})
		assert.NoError(t, rt.AddAPIRoute("/a/{id}", []string{"GET"}, h, nil))
	})
}
