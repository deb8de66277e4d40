package dynroute

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute/internal/testkit"
)

// TestErrorStyleFastAPI: with FastAPIErrors the Router's own error answers
// are FastAPI's {"detail": ...}, as application/json.
func TestErrorStyleFastAPI(t *testing.T) {
	rt := New(&Options{ErrorStyle: FastAPIErrors, MaxBodyBytes: 4, Recover: &RecoverOptions{Logger: discardLogger()}})
	rt.Get("/items", testkit.Text("items"))
	rt.Post("/items", testkit.Text("created"))
	rt.Get("/panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	assert.Equal(t, FastAPIErrors, rt.ErrorStyle())
	for _, tt := range []struct {
		name, method, target, body string
		status                     int
		want                       string
	}{
		{"no route", "GET", "/nope", "", 404, `{"detail":"Not Found"}`},
		{"no such method", "DELETE", "/items", "", 405, `{"detail":"Method Not Allowed"}`},
		{"a body over the limit", "POST", "/items", "12345", 413, `{"detail":"the request body is larger than 4 bytes"}`},
		{"a panic", "GET", "/panic", "", 500, `{"detail":"Internal Server Error"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.JSONEq(t, tt.want, w.Body.String())
		})
	}
	w := testkit.Serve(New(nil), "GET", "/nope")
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), "problem+json stays the default")

	defer func() {
		r := recover()
		require.NotNil(t, r)
		assert.Contains(t, r, "Options.ErrorStyle 7")
	}()
	New(&Options{ErrorStyle: 7})
}
