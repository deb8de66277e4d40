package crud

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tenantKey is the context key under which tenantScope leaves the tenant.
type tenantKey struct{}

func TestRegisterPrefixParams(t *testing.T) {
	var next atomic.Int64
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, func() int64 { return next.Add(1) })
	var tenants []string
	// Middleware sees the prefix's value and may hand it to the Store in
	// the request's context; here it records it.
	scope := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenants = append(tenants, r.PathValue("tenant"))
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, r.PathValue("tenant"))))
		})
	}
	rt := dynroute.New(&dynroute.Options{Middleware: []dynroute.Middleware{scope}})
	require.NoError(t, Register(rt, "/tenants/{tenant}/products", Store[crudProduct, int64](store), nil))

	code, h, got := call(t, rt, "POST", "/tenants/acme/products", `{"name":"pen","price":1.5,"stock":3}`)
	require.Equal(t, http.StatusCreated, code, "%v", got)
	assert.Equal(t, "/tenants/acme/products/1", h.Get("Location"))
	code, _, got = call(t, rt, "GET", "/tenants/a%20b/products/1", "")
	require.Equal(t, http.StatusOK, code, "%v", got)
	assert.Equal(t, "pen", got["name"])
	code, _, _ = call(t, rt, "DELETE", "/tenants/acme/products/1", "")
	assert.Equal(t, http.StatusNoContent, code)
	assert.Equal(t, []string{"acme", "a b", "acme"}, tenants)

	var names []string
	for _, r := range rt.Routes() {
		names = append(names, r.Name)
		assert.Equal(t, "tenant", r.Params()[0], r.Path)
	}
	assert.Equal(t, []string{"list_products", "create_products", "get_products", "replace_products", "patch_products", "delete_products"}, names)
	for _, item := range rt.OpenAPI().Paths {
		for _, op := range item.Operations {
			require.NotEmpty(t, op.Parameters)
			assert.Equal(t, "tenant", op.Parameters[0].Name, item.Path)
			assert.Equal(t, "path", op.Parameters[0].In, item.Path)
		}
	}
}

func TestRegisterPrefixProblems(t *testing.T) {
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, nil)
	tests := []struct{ prefix, want string }{
		{"/t/{id}/products", `the prefix names a parameter {id}, which the item routes use (/t/{id}/products/{id}); rename it`},
		{"/t/{rest...}", `a prefix cannot end in {rest...}`},
		{"/t/{}", `empty parameter name`},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			rt := dynroute.New(nil)
			err := Register(rt, tt.prefix, Store[crudProduct, int64](store), nil)
			require.ErrorIs(t, err, dynroute.ErrInvalidPath)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, rt.Routes())
		})
	}
	t.Run("the default name is the last literal segment", func(t *testing.T) {
		for prefix, want := range map[string]string{"/tenants/{tenant}/items": "items", "/{tenant}": "tenant", "/a/{b}": "a", "/products": "products"} {
			assert.Equal(t, want, defaultName(prefix), prefix)
		}
	})
}

func TestLocationBehindInclude(t *testing.T) {
	sub, _ := crudRouter(t)
	rt := dynroute.New(nil)
	require.NoError(t, rt.Include("/v1", sub, nil))
	code, h, got := call(t, rt, "POST", "/v1/products", `{"name":"pen","price":1.5,"stock":3}`)
	require.Equal(t, http.StatusCreated, code, "%v", got)
	assert.Equal(t, "/v1/products/1", h.Get("Location"), "the path the client used")
}
