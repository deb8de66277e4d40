package typed

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypedMaxBodyBytes: a typed handler limits its bodies itself, and a
// Router leaves them to it unless the route sets a limit.
func TestTypedMaxBodyBytes(t *testing.T) {
	const mib = 1 << 20
	type big struct {
		Body struct {
			S string `json:"s"`
		}
	}
	typed := Must(func(_ context.Context, in *big) (*struct{ N int }, error) {
		return &struct{ N int }{len(in.Body.S)}, nil
	}, &Options{MaxBodyBytes: 4 * mib})
	typedBody := func(n int) string { return `{"s":"` + strings.Repeat("x", n) + `"}` }
	assert.Equal(t, int64(4*mib), typed.MaxBodyBytes())

	tests := []struct {
		name   string
		route  *dynroute.RouteOptions
		req    *http.Request
		status int
		body   string
	}{
		// The typed handler's own limit (4 MiB) replaces the Router's 1 MiB.
		{name: "typed handler's own limit", req: httptest.NewRequest(http.MethodPost, "/b", strings.NewReader(typedBody(2*mib))), status: 200, body: `"N":2097152`},
		{name: "typed handler over its own limit", req: httptest.NewRequest(http.MethodPost, "/b", strings.NewReader(typedBody(4*mib))), status: 413},
		// A route limit applies on top of the handler's: the smaller wins.
		{name: "typed handler, route limit", route: &dynroute.RouteOptions{MaxBodyBytes: 100}, req: httptest.NewRequest(http.MethodPost, "/b", strings.NewReader(typedBody(200))), status: 413},
		{name: "typed handler, route limit, chunked", route: &dynroute.RouteOptions{MaxBodyBytes: 100}, req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/b", io.MultiReader(strings.NewReader(typedBody(200))))
			r.ContentLength = -1
			return r
		}(), status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := dynroute.New(nil)
			require.NoError(t, rt.AddAPIRoute("/b", []string{"POST"}, typed, tt.route))
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, tt.req)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tt.body)
		})
	}
}
