package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// serverTiming is the Server-Timing value of one route, with its duration.
var serverTiming = regexp.MustCompile(`^route;desc="([^"]+)";dur=[0-9]+\.[0-9]{3}$`)

// newTestRouter builds the example's router as run does.
func newTestRouter(t *testing.T, o options) *dynroute.Router {
	t.Helper()
	rt, err := newRouter(o)
	require.NoError(t, err)
	return rt
}

// do serves one request on h, with the Accept-Version values given.
func do(t *testing.T, h http.Handler, method, target string, versions ...string) (*http.Response, []byte) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for _, v := range versions {
		r.Header.Add(VersionHeader, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// timedRoute returns the route the Server-Timing header of res names, or ""
// when it has none; it fails the test on a header of another form.
func timedRoute(t *testing.T, res *http.Response) string {
	t.Helper()
	values := res.Header.Values(ServerTiming)
	if len(values) == 0 {
		return ""
	}
	require.Len(t, values, 1, "one Server-Timing value per answer")
	m := serverTiming.FindStringSubmatch(values[0])
	require.NotNil(t, m, "Server-Timing: %s", values[0])
	return m[1]
}

const (
	v1Pen = `{"id": 1, "name": "pen", "price": 1.5}`
	v2Pen = `{"id": 1, "name": "pen", "price": {"amount": 150, "currency": "EUR"}}`
)

func TestHeaderRouting(t *testing.T) {
	tests := []struct {
		name     string
		versions []string // Accept-Version values sent
		// With the fallback (the default) and with -require-version:
		wantRoute, wantRouteRequired string
		wantBody, wantBodyRequired   string // "" for the 406
	}{
		{"v1", []string{"1"}, "get_item_v1", "get_item_v1", v1Pen, v1Pen},
		{"v2", []string{"2"}, "get_item_v2", "get_item_v2", v2Pen, v2Pen},
		{"v2.3", []string{"2.3"}, "get_item_v2", "get_item_v2", v2Pen, v2Pen},
		{"v2.", []string{"2."}, "get_item_v2", "get_item_v2", v2Pen, v2Pen},
		{"no header", nil, "get_item_default", "", v1Pen, ""},
		{"bad header", []string{"banana"}, "get_item_default", "", v1Pen, ""},
		{"unknown version", []string{"3"}, "get_item_default", "", v1Pen, ""},
		{"20 is not 2", []string{"20"}, "get_item_default", "", v1Pen, ""},
		{"1 is exact", []string{"1.0"}, "get_item_default", "", v1Pen, ""},
		{"empty", []string{""}, "get_item_default", "", v1Pen, ""},
		{"any of the values", []string{"3", "2.1"}, "get_item_v2", "get_item_v2", v2Pen, v2Pen},
	}
	for _, required := range []bool{false, true} {
		rt := newTestRouter(t, options{requireVersion: required})
		for _, tt := range tests {
			name := tt.name
			if required {
				name += "/require-version"
			}
			t.Run(name, func(t *testing.T) {
				res, body := do(t, rt, http.MethodGet, "/items/1", tt.versions...)
				wantRoute, wantBody := tt.wantRoute, tt.wantBody
				if required {
					wantRoute, wantBody = tt.wantRouteRequired, tt.wantBodyRequired
				}
				if wantBody == "" {
					require.Equal(t, http.StatusNotAcceptable, res.StatusCode, "body: %s", body)
					assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
					assert.Empty(t, timedRoute(t, res), "the router's own answer is not a route's")
					return
				}
				require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
				assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
				assert.JSONEq(t, wantBody, string(body))
				assert.Equal(t, wantRoute, timedRoute(t, res))
			})
		}
	}
}

func TestItems(t *testing.T) {
	rt := newTestRouter(t, options{})
	tests := []struct {
		name, target, version string
		wantStatus            int
		wantBody              string
	}{
		{"v1 notebook", "/items/2", "1", 200, `{"id": 2, "name": "notebook", "price": 4.99}`},
		{"v2 stapler", "/items/3", "2", 200, `{"id": 3, "name": "stapler", "price": {"amount": 1250, "currency": "EUR"}}`},
		{"v1 unknown item", "/items/9", "1", 404, `{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no item 9"}`},
		{"v2 unknown item", "/items/9", "2", 404, `{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no item 9"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, rt, http.MethodGet, tt.target, tt.version)
			require.Equal(t, tt.wantStatus, res.StatusCode, "body: %s", body)
			assert.JSONEq(t, tt.wantBody, string(body))
		})
	}
	for _, version := range []string{"1", "2"} {
		t.Run("id not a number, version "+version, func(t *testing.T) {
			res, body := do(t, rt, http.MethodGet, "/items/abc", version)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			assert.Contains(t, string(body), `"loc":["path","id"]`)
		})
	}
}

// TestServerTiming checks that every answer of a route carries
// Server-Timing naming the route, and that the router's own answers,
// which no route class wraps, carry none.
func TestServerTiming(t *testing.T) {
	rt := newTestRouter(t, options{})
	tests := []struct {
		name, method, target, version string
		wantStatus                    int
		wantRoute                     string // "" for none
	}{
		// Every route: the three of /items/{id} and the documentation's.
		{"item v2", "GET", "/items/1", "2", 200, "get_item_v2"},
		{"item v1", "GET", "/items/1", "1", 200, "get_item_v1"},
		{"item fallback", "GET", "/items/1", "", 200, "get_item_default"},
		{"HEAD is served by the GET route", "HEAD", "/items/1", "2", 200, "get_item_v2"},
		{"openapi.json", "GET", "/openapi.json", "", 200, "dynroute.openapi"},
		{"openapi.yaml", "GET", "/openapi.yaml", "", 200, "dynroute.openapi_yaml"},
		{"openapi-3.0.json", "GET", "/openapi-3.0.json", "", 200, "dynroute.openapi_30"},
		{"docs", "GET", "/docs", "", 200, "dynroute.swagger_ui"},
		{"redoc", "GET", "/redoc", "", 200, "dynroute.redoc"},
		// A route's error answers are its answers.
		{"unknown item: the route's 404", "GET", "/items/9", "1", 404, "get_item_v1"},
		{"bad id: the route's 422", "GET", "/items/x", "2", 422, "get_item_v2"},
		// The router's own answers.
		{"unknown path: the router's 404", "GET", "/nope", "", 404, ""},
		{"unknown path below items", "GET", "/items/1/parts", "2", 404, ""},
		{"405", "POST", "/items/1", "2", 405, ""},
		{"redirect", "GET", "/items/1/", "", 301, ""},
		{"automatic OPTIONS", "OPTIONS", "/items/1", "", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var versions []string
			if tt.version != "" {
				versions = []string{tt.version}
			}
			res, body := do(t, rt, tt.method, tt.target, versions...)
			require.Equal(t, tt.wantStatus, res.StatusCode, "body: %s", body)
			assert.Equal(t, tt.wantRoute, timedRoute(t, res))
		})
	}
	t.Run("every route in the table", func(t *testing.T) {
		// The Accept-Version that selects each route; a route added to the
		// example must be added here.
		selects := map[string][]string{"get_item_v2": {"2"}, "get_item_v1": {"1"}, "get_item_default": nil}
		for _, r := range rt.Routes() {
			versions, ok := selects[r.Name]
			require.True(t, ok, "route %s is not tested", r.Name)
			res, _ := do(t, rt, http.MethodGet, strings.ReplaceAll(r.Path, "{id}", "1"), versions...)
			assert.Equal(t, r.Name, timedRoute(t, res), "route %s", r.Name)
		}
	})
	t.Run("the handler writes nothing", func(t *testing.T) {
		rt := dynroute.New(&dynroute.Options{RouteClass: Timing})
		rt.Get("/quiet", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		res, _ := do(t, rt, http.MethodGet, "/quiet")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "GET /quiet", timedRoute(t, res), "a route without a name is named by method and path")
	})
	t.Run("not on an interim answer", func(t *testing.T) {
		rt := dynroute.New(&dynroute.Options{RouteClass: Timing})
		early := make(chan http.Header, 1)
		rt.Get("/early", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			early <- w.Header().Clone()
			w.WriteHeader(http.StatusOK)
		}))
		// A real server: httptest.ResponseRecorder keeps the first status.
		srv := httptest.NewServer(rt)
		defer srv.Close()
		res, err := srv.Client().Get(srv.URL + "/early")
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Empty(t, (<-early).Values(ServerTiming), "103 Early Hints has no timing yet")
		assert.Equal(t, "GET /early", timedRoute(t, res))
	})
	t.Run("a real server", func(t *testing.T) {
		srv := httptest.NewServer(rt) // 127.0.0.1
		defer srv.Close()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/items/1", nil)
		require.NoError(t, err)
		req.Header.Set(VersionHeader, "2.0")
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, "get_item_v2", timedRoute(t, res))
	})
}

// TestOpenAPI checks the document: one operation for GET /items/{id}, the
// first route's, with Accept-Version as a header parameter.
func TestOpenAPI(t *testing.T) {
	for _, required := range []bool{false, true} {
		t.Run(fmt.Sprintf("require-version=%v", required), func(t *testing.T) {
			rt := newTestRouter(t, options{requireVersion: required})
			res, body := do(t, rt, http.MethodGet, "/openapi.json")
			require.Equal(t, http.StatusOK, res.StatusCode)
			loaded, err := openapi3.NewLoader().LoadFromData(body)
			require.NoError(t, err)
			require.NoError(t, loaded.Validate(context.Background(), openapi3.EnableMultiError()))

			var doc struct {
				Paths map[string]map[string]struct {
					OperationID string `json:"operationId"`
					Parameters  []struct {
						Name        string         `json:"name"`
						In          string         `json:"in"`
						Required    bool           `json:"required"`
						Description string         `json:"description"`
						Schema      map[string]any `json:"schema"`
					} `json:"parameters"`
					Responses map[string]struct {
						Content map[string]struct {
							Schema map[string]any `json:"schema"`
						} `json:"content"`
					} `json:"responses"`
				} `json:"paths"`
			}
			require.NoError(t, json.Unmarshal(body, &doc))
			require.Len(t, doc.Paths, 1, "one path")
			item, ok := doc.Paths["/items/{id}"]
			require.True(t, ok, "paths: %v", doc.Paths)
			require.Len(t, item, 1, "one operation for the routes of all versions")
			op, ok := item["get"]
			require.True(t, ok)
			assert.Equal(t, "get_item_v2", op.OperationID, "the first route's")
			require.Len(t, op.Parameters, 2)
			assert.Equal(t, "id", op.Parameters[0].Name)
			av := op.Parameters[1]
			assert.Equal(t, VersionHeader, av.Name)
			assert.Equal(t, "header", av.In)
			assert.Equal(t, required, av.Required, "required only without the fallback")
			assert.Contains(t, av.Description, `^2(`, "the values that select a route")
			assert.Contains(t, av.Description, `"1"`)
			assert.Equal(t, "string", av.Schema["type"])
			assert.Equal(t, map[string]any{"anyOf": []any{
				map[string]any{"$ref": "#/components/schemas/ItemV2"}, map[string]any{"$ref": "#/components/schemas/ItemV1"},
			}}, op.Responses["200"].Content["application/json"].Schema, "every version's answer")
		})
	}
}

func TestRunRoutes(t *testing.T) {
	for _, tt := range []struct {
		o    options
		want []string
	}{
		{options{routes: true}, []string{"get_item_v2", "get_item_v1", "get_item_default"}},
		{options{routes: true, requireVersion: true}, []string{"get_item_v2", "get_item_v1"}},
	} {
		var stdout, logs bytes.Buffer
		code := run(tt.o, &stdout, slog.New(slog.NewJSONHandler(&logs, nil)))
		require.Equal(t, 0, code, "logs: %s", logs.String())
		lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		require.Len(t, lines, len(tt.want)+1, "stdout:\n%s", stdout.String())
		assert.Equal(t, []string{"METHODS", "PATH", "NAME", "HEADERS", "SOURCE"}, strings.Fields(lines[0]))
		for i, name := range tt.want {
			assert.Equal(t, []string{"GET", "/items/{id}", name}, strings.Fields(lines[i+1])[:3])
		}
		assert.Contains(t, lines[1], `Accept-Version ~ "^2(\.|$)"`)
		assert.Contains(t, lines[2], `Accept-Version: "1"`)
	}
}

// TestRunServeListenError runs the serving path up to the listener: the
// routes are logged and a bad address is an error.
func TestRunServeListenError(t *testing.T) {
	var stdout, logs bytes.Buffer
	code := run(options{addr: "127.0.0.1:-1"}, &stdout, slog.New(slog.NewJSONHandler(&logs, nil)))
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout.String())

	type record struct {
		Level, Msg, Name, Headers, Error string
	}
	var routes []string
	var errs []record
	sc := bufio.NewScanner(&logs)
	for sc.Scan() {
		var r record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "log line: %s", sc.Bytes())
		switch {
		case r.Msg == "route":
			routes = append(routes, r.Name+" "+r.Headers)
		case r.Level == slog.LevelError.String():
			errs = append(errs, r)
		}
	}
	assert.Equal(t, []string{`get_item_v2 Accept-Version ~ "^2(\.|$)"`, `get_item_v1 Accept-Version: "1"`, "get_item_default "}, routes)
	require.Len(t, errs, 1)
	assert.Equal(t, "listen", errs[0].Msg)
	assert.Contains(t, errs[0].Error, "invalid port")
}
