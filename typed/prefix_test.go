package typed

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tenantItemIn binds a value of the prefix and one of the route.
type tenantItemIn struct {
	Tenant string `prefix:"tenant" minLength:"2" doc:"The tenant's slug."`
	ID     int    `path:"id" minimum:"1"`
}

type tenantItem struct {
	Tenant string `json:"tenant"`
	ID     int    `json:"id"`
}

// tenantRouter is a Router of tenant routes, to be served under a prefix
// with {tenant}.
func tenantRouter(t *testing.T) *dynroute.Router {
	t.Helper()
	sub := dynroute.New(nil)
	quiet := &Options{Logger: slog.New(slog.DiscardHandler)} // the 500s of TestPrefixTagWithoutPrefix
	sub.MustAddAPIRoute("/items/{id}", []string{"GET"}, Must(func(_ context.Context, in *tenantItemIn) (*tenantItem, error) {
		return &tenantItem{Tenant: in.Tenant, ID: in.ID}, nil
	}, quiet), &dynroute.RouteOptions{Name: "get_item"})
	sub.MustAddAPIRoute("/ping", []string{"GET"}, echoPath, &dynroute.RouteOptions{Name: "ping"})
	return sub
}

func TestPrefixTag(t *testing.T) {
	rt := dynroute.New(&dynroute.Options{Title: "Tenants"})
	require.NoError(t, rt.Include("/tenants/{tenant}", tenantRouter(t), nil))
	require.NoError(t, rt.Mount("/orgs/{tenant}", tenantRouter(t), nil))
	// A path tag binds a prefix's value too when the route is added with
	// the whole path.
	rt.MustAddAPIRoute("/direct/{tenant}/items/{id}", []string{"GET"}, Must(func(_ context.Context, in *struct {
		Tenant string `path:"tenant"`
		ID     int    `path:"id"`
	}) (*tenantItem, error) {
		return &tenantItem{Tenant: in.Tenant, ID: in.ID}, nil
	}, nil), nil)

	tests := []struct {
		target     string
		wantStatus int
		want       string
	}{
		{"/tenants/acme/items/7", 200, `{"tenant":"acme","id":7}`},
		{"/orgs/acme/items/7", 200, `{"tenant":"acme","id":7}`},
		{"/direct/acme/items/7", 200, `{"tenant":"acme","id":7}`},
		{"/tenants/a/items/7", 422, `"loc":["path","tenant"]`},
		{"/orgs/a/items/0", 422, `"loc":["path","id"]`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := testkit.Serve(rt, "GET", tt.target)
			require.Equal(t, tt.wantStatus, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.want)
		})
	}

	res := testkit.Get(t, rt, "/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	body := testkit.ReadBody(t, res)
	testkit.Golden(t, "testdata/openapi/prefix_params.json", testkit.IndentJSON(t, body))
	testkit.ValidOpenAPI(t, body)
	for _, item := range rt.OpenAPI().Paths {
		for _, op := range item.Operations {
			require.NotEmpty(t, op.Parameters, item.Path)
			p := op.Parameters[0]
			assert.Equal(t, "tenant", p.Name, item.Path)
			assert.Equal(t, "path", p.In, item.Path)
			assert.True(t, p.Required, item.Path)
		}
	}
}

func TestPrefixTagWithoutPrefix(t *testing.T) {
	t.Run("a route served outside any prefix is a 500 naming it", func(t *testing.T) {
		sub := tenantRouter(t)
		w := testkit.Serve(sub, "GET", "/items/7")
		assert.Equal(t, http.StatusInternalServerError, w.Code)
	})
	t.Run("CheckRoute leaves prefix tags to the prefix", func(t *testing.T) {
		h := Must(func(_ context.Context, in *tenantItemIn) (*tenantItem, error) { return &tenantItem{}, nil }, nil)
		assert.NoError(t, h.CheckRoute(&dynroute.Route{Path: "/items/{id}"}))
		err := h.CheckRoute(&dynroute.Route{Path: "/items/{key}"})
		require.ErrorIs(t, err, dynroute.ErrInvalidHandler)
		assert.Contains(t, err.Error(), "{id}")
		assert.NotContains(t, err.Error(), "{tenant}")
	})
	t.Run("an Include without the parameter", func(t *testing.T) {
		rt := dynroute.New(nil)
		require.NoError(t, rt.Include("/other/{org}", tenantRouter(t), nil))
		assert.Equal(t, http.StatusInternalServerError, testkit.Serve(rt, "GET", "/other/acme/items/7").Code)
	})
	t.Run("served by another mux, it reads r.PathValue", func(t *testing.T) {
		h := Must(func(_ context.Context, in *tenantItemIn) (*tenantItem, error) {
			return &tenantItem{Tenant: in.Tenant, ID: in.ID}, nil
		}, nil)
		mux := http.NewServeMux()
		mux.Handle("GET /t/{tenant}/items/{id}", h)
		w := testkit.Serve(mux, "GET", "/t/acme/items/3")
		assert.Equal(t, `{"tenant":"acme","id":3}`, strings.TrimSpace(w.Body.String()))
	})
}

func TestPrefixTagErrors(t *testing.T) {
	tests := []struct {
		name string
		make func() error
		want string
	}{
		{"with a path tag", func() error {
			_, err := New(func(context.Context, *struct {
				A string `prefix:"a" path:"a"`
			}) (*tenantItem, error) {
				return nil, nil
			}, nil)
			return err
		}, "both path and prefix tags"},
		{"bound twice", func() error {
			_, err := New(func(context.Context, *struct {
				A string `prefix:"a"`
				B string `path:"a"`
			}) (*tenantItem, error) {
				return nil, nil
			}, nil)
			return err
		}, `path parameter "a" is bound twice`},
		{"a default", func() error {
			_, err := New(func(context.Context, *struct {
				A string `prefix:"a" default:"x"`
			}) (*tenantItem, error) {
				return nil, nil
			}, nil)
			return err
		}, "a path parameter cannot have a default"},
		{"a bad name", func() error {
			_, err := New(func(context.Context, *struct {
				A string `prefix:"a/b"`
			}) (*tenantItem, error) {
				return nil, nil
			}, nil)
			return err
		}, `path parameter name "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.make()
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidTag), err.Error())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
