package dynroute

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recoverLog is a JSON slog logger whose records can be read back.
type recoverLog struct{ buf bytes.Buffer }

func (l *recoverLog) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(&l.buf, nil)) }

// records returns the logged records.
func (l *recoverLog) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		out = append(out, rec)
	}
	return out
}

func TestRecover(t *testing.T) {
	boom := func(http.ResponseWriter, *http.Request) { panic("boom") }
	tests := []struct {
		name   string
		routes func(rt *Router)
		target string
		// route and pattern are the attributes the log record names; ""
		// for a panic outside a route (the NotFound handler).
		route, pattern string
		panic          string // the logged panic value
		layers         int    // httprouter trees in the table
		opts           *Options
	}{
		{
			name: "plain handler, one layer",
			routes: func(rt *Router) {
				rt.MustAddAPIRoute("/boom", []string{"GET"}, http.HandlerFunc(boom), &RouteOptions{Name: "boom"})
			},
			target: "/boom", route: "boom", pattern: "/boom", panic: "boom",
		},
		{
			name: "fast path handler, one layer",
			routes: func(rt *Router) {
				rt.MustAddAPIRoute("/users/{id}", []string{"GET"}, HandlerFunc(func(_ http.ResponseWriter, _ *http.Request, ps Params) {
					panic("no user " + ps.Get("id"))
				}), &RouteOptions{Name: "user"})
			},
			target: "/users/7", route: "user", pattern: "/users/{id}", panic: "no user 7",
		},
		{
			// /{a}/x beside /x/{b} needs two httprouter trees: the Router's
			// own deferred guard recovers instead of httprouter's.
			name: "several layers",
			routes: func(rt *Router) {
				rt.MustAddAPIRoute("/{a}/x", []string{"GET"}, http.HandlerFunc(boom), &RouteOptions{Name: "ax"})
				rt.MustAddAPIRoute("/x/{b}", []string{"GET"}, http.HandlerFunc(boom), &RouteOptions{Name: "xb"})
			},
			target: "/x/x", route: "xb", pattern: "/x/{b}", panic: "boom", layers: 2,
		},
		{
			name:   "not found handler",
			routes: func(rt *Router) { rt.Get("/ok", testkit.Text("ok")) },
			opts:   &Options{NotFound: http.HandlerFunc(boom)},
			target: "/missing", panic: "boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log recoverLog
			opts := Options{}
			if tt.opts != nil {
				opts = *tt.opts
			}
			opts.Recover = &RecoverOptions{Logger: log.logger()}
			rt := New(&opts)
			tt.routes(rt)
			layers := tt.layers
			if layers == 0 {
				layers = 1
			}
			require.Len(t, rt.current().layers, layers)

			w := testkit.Serve(rt, http.MethodGet, tt.target)
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			doc := rttProblem(t, w)
			assert.Equal(t, float64(500), doc["status"])
			assert.NotContains(t, w.Body.String(), "boom", "the panic value stays out of the answer")
			assert.NotContains(t, w.Body.String(), "no user")

			recs := log.records(t)
			require.Len(t, recs, 1, "logged once")
			rec := recs[0]
			assert.Equal(t, "ERROR", rec["level"])
			assert.Equal(t, "dynroute: handler panicked", rec["msg"])
			assert.Equal(t, "GET", rec["method"])
			assert.Equal(t, tt.target, rec["path"])
			if tt.route != "" {
				assert.Equal(t, tt.route, rec["route"])
				assert.Equal(t, tt.pattern, rec["pattern"])
			} else {
				assert.NotContains(t, rec, "route")
			}
			assert.Equal(t, tt.panic, rec["panic"])
			assert.Contains(t, rec["stack"], "recover_test.go", "the stack reaches the handler")

			// The Router goes on serving.
			rt.Get("/after", testkit.Text("after"))
			w = testkit.Serve(rt, http.MethodGet, "/after")
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "after", w.Body.String())
		})
	}
}

func TestRecoverOptions(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })

	t.Run("handler answers", func(t *testing.T) {
		var log recoverLog
		var got any
		rt := New(&Options{Recover: &RecoverOptions{
			Logger: log.logger(),
			Handler: func(w http.ResponseWriter, _ *http.Request, v any) {
				got = v
				w.WriteHeader(http.StatusServiceUnavailable)
			},
		}})
		rt.Get("/boom", boom)
		w := testkit.Serve(rt, http.MethodGet, "/boom")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "boom", got)
		assert.Len(t, log.records(t), 1, "the panic is logged before Handler answers")
	})

	t.Run("disabled", func(t *testing.T) {
		rt := New(&Options{Recover: &RecoverOptions{Disabled: true}})
		rt.Get("/boom", boom)
		assert.Equal(t, "boom", rttPanic(func() { testkit.Serve(rt, http.MethodGet, "/boom") }))
	})

	t.Run("ErrAbortHandler goes on to net/http", func(t *testing.T) {
		var log recoverLog
		rt := New(&Options{Recover: &RecoverOptions{Logger: log.logger()}})
		rt.Get("/abort", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
		v := rttPanic(func() { testkit.Serve(rt, http.MethodGet, "/abort") })
		err, ok := v.(error)
		require.True(t, ok, "panicked with %v", v)
		assert.True(t, errors.Is(err, http.ErrAbortHandler))
		assert.Empty(t, log.buf.String(), "not logged")
	})

	t.Run("mounted router logs once", func(t *testing.T) {
		var outerLog, innerLog recoverLog
		inner := New(&Options{Recover: &RecoverOptions{Logger: innerLog.logger()}, Docs: &DocsOptions{Disabled: true}})
		inner.Get("/boom", boom)
		outer := New(&Options{Recover: &RecoverOptions{Logger: outerLog.logger()}})
		require.NoError(t, outer.Mount("/plugin", inner, nil))
		w := testkit.Serve(outer, http.MethodGet, "/plugin/boom")
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.Len(t, innerLog.records(t), 1)
		assert.Empty(t, outerLog.buf.String())
	})
}

// TestRecoverServer panics in handlers of a real server: each panicking
// request gets a 500 problem, and the connection and the server go on.
func TestRecoverServer(t *testing.T) {
	var log recoverLog
	rt := New(&Options{Recover: &RecoverOptions{Logger: log.logger()}})
	rt.Get("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rt.Get("/ok", testkit.Text("ok"))
	srv := httptest.NewServer(rt)
	defer srv.Close()

	for range 3 {
		res, err := srv.Client().Get(srv.URL + "/boom")
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		assert.Contains(t, string(body), `"status":500`)

		res, err = srv.Client().Get(srv.URL + "/ok")
		require.NoError(t, err)
		body, err = io.ReadAll(res.Body)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		assert.Equal(t, "ok", string(body))
	}
	assert.Len(t, log.records(t), 3)
}
