package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxBodyBytes is the body limit of a typed handler made with nil options,
// which handle_dynamic_product is, and the Router's default for the others.
const maxBodyBytes = 1 << 20 // 1 MiB

// newTestRouter builds the example's router from the built-in config, as
// main does without -config, with a logger writing JSON lines into the
// returned buffer.
func newTestRouter(t *testing.T) (*dynroute.Router, *bytes.Buffer) {
	t.Helper()
	t.Setenv(adminKeyEnv, testAdminKey)
	specs, err := loadSpecs("")
	require.NoError(t, err)
	var logs bytes.Buffer
	rt, skipped, err := newRouter(specs, options{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	require.Empty(t, skipped, "the built-in config has no problems")
	return rt, &logs
}

// testAdminKey is the admin API key of the tests' servers.
const testAdminKey = "test-admin-key"

// logRecord is one line of a JSON slog log, with the attributes the example
// and dynroute's lenient mode log.
type logRecord struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	Source string `json:"source"`
	Error  string `json:"error"`
}

// parseLogs parses JSON log lines.
func parseLogs(t *testing.T, logs *bytes.Buffer) []logRecord {
	t.Helper()
	var recs []logRecord
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec logRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line: %s", sc.Bytes())
		recs = append(recs, rec)
	}
	require.NoError(t, sc.Err())
	return recs
}

// atLevel returns the records of level.
func atLevel(recs []logRecord, level slog.Level) []logRecord {
	var out []logRecord
	for _, r := range recs {
		if r.Level == level.String() {
			out = append(out, r)
		}
	}
	return out
}

// runResult is what run returned, printed and logged.
type runResult struct {
	code   int
	stdout string
	logs   []logRecord
}

// runWith calls run with o, capturing its output and its JSON log.
func runWith(t *testing.T, o options) runResult {
	t.Helper()
	var stdout, logs bytes.Buffer
	code := run(o, &stdout, slog.New(slog.NewJSONHandler(&logs, nil)))
	return runResult{code: code, stdout: stdout.String(), logs: parseLogs(t, &logs)}
}

// decode parses a JSON answer into a generic value.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v), "body: %s", body)
	return v
}

// onlyError returns the single member of the errors list of a 422 problem.
func onlyError(t *testing.T, p map[string]any) map[string]any {
	t.Helper()
	errs, ok := p["errors"].([]any)
	require.True(t, ok, "errors member: %v", p["errors"])
	require.Len(t, errs, 1)
	e, ok := errs[0].(map[string]any)
	require.True(t, ok, "errors[0]: %v", errs[0])
	return e
}

// bigJSON returns a JSON object of exactly n bytes.
func bigJSON(n int) string {
	const head, tail = `{"pad":"`, `"}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// writeFile writes content to name in a fresh temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	return file
}

// get serves one request on h and returns the recorded answer.
func get(t *testing.T, h http.Handler, method, target string) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

func TestRoutes(t *testing.T) {
	rt, logs := newTestRouter(t)
	assert.Empty(t, atLevel(parseLogs(t, logs), slog.LevelWarn), "the built-in config logs no warnings")

	// echoBody is the echo handler's answer for the config's echo route.
	echoBody := func(method, rest string) string {
		return fmt.Sprintf(`{"route": "echo", "method": %q, "pattern": "/dynamic/echo/{rest...}", "params": {"rest": %q}}`,
			method, rest)
	}

	tests := []struct {
		name         string
		method       string
		target       string
		body         string
		contentType  string // of the body; "" means application/json
		chunked      bool   // no Content-Length: the size is only seen while reading
		apiKey       string // sent as X-API-Key
		wantStatus   int
		wantType     string // Content-Type
		wantAllow    string
		wantAuth     string // WWW-Authenticate
		check        func(t *testing.T, body []byte)
		checkProblem func(t *testing.T, p map[string]any)
	}{
		{
			name: "users", method: "GET", target: "/dynamic/users",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "List of dynamic users", "users": []}`, string(body), "the seed's answer")
			},
		},
		{
			name: "product GET", method: "GET", target: "/dynamic/products/123",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Details for dynamic product 123", "product_id": 123}`, string(body))
			},
		},
		{
			name: "product id not an integer", method: "GET", target: "/dynamic/products/abc",
			wantStatus: 422, wantType: "application/problem+json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
					"detail": "1 validation error", "errors": [{"loc": ["path", "product_id"],
					"msg": "Input should be a valid integer, unable to parse string as an integer",
					"type": "int_parsing", "input": "abc"}]}`, string(body))
			},
		},
		{
			name: "product id out of range", method: "GET", target: "/dynamic/products/99999999999999999999",
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				e := onlyError(t, p)
				assert.Equal(t, []any{"path", "product_id"}, e["loc"])
				assert.Equal(t, "int_parsing", e["type"])
				assert.Contains(t, e["msg"], "out of range")
			},
		},
		{
			name: "product POST with a body", method: "POST", target: "/dynamic/products/5",
			body:       `{"name": "pen", "price": 1.5, "big": 12345678901234567890, "tags": ["a"]}`,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Created/Updated dynamic product 5", "product_id": 5}`, string(body))
			},
		},
		{
			name: "product POST body of exactly 1 MiB", method: "POST", target: "/dynamic/products/5",
			body:       bigJSON(maxBodyBytes),
			wantStatus: 200, wantType: "application/json",
		},
		{
			name: "product POST empty object", method: "POST", target: "/dynamic/products/5",
			body:       `{}`,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Created/Updated dynamic product 5", "product_id": 5}`, string(body))
			},
		},
		{
			name: "product POST malformed JSON", method: "POST", target: "/dynamic/products/5",
			body:       `{"name": `,
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				e := onlyError(t, p)
				assert.Equal(t, []any{"body"}, e["loc"])
				assert.Equal(t, "json_invalid", e["type"])
			},
		},
		{
			name: "product POST trailing data", method: "POST", target: "/dynamic/products/5",
			body:       `{} {}`,
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Equal(t, "json_invalid", onlyError(t, p)["type"])
			},
		},
		{
			name: "product POST not an object", method: "POST", target: "/dynamic/products/5",
			body:       `[1, 2]`,
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				e := onlyError(t, p)
				assert.Equal(t, []any{"body"}, e["loc"])
				assert.Equal(t, "object_type", e["type"])
				assert.Equal(t, []any{1.0, 2.0}, e["input"])
			},
		},
		{
			name: "product POST null", method: "POST", target: "/dynamic/products/5",
			body:       `null`,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Created/Updated dynamic product 5", "product_id": 5}`, string(body))
			},
		},
		{
			name: "product POST without a body, as the seed's", method: "POST", target: "/dynamic/products/123",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Created/Updated dynamic product 123", "product_id": 123}`, string(body))
			},
		},
		{
			name: "product POST body not JSON", method: "POST", target: "/dynamic/products/5",
			body: "name=pen", contentType: "application/x-www-form-urlencoded",
			wantStatus: 415, wantType: "application/problem+json",
		},
		{
			name: "product POST body over 1 MiB", method: "POST", target: "/dynamic/products/5",
			body:       bigJSON(maxBodyBytes + 1),
			wantStatus: 413, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Contains(t, p["detail"], "1048576")
			},
		},
		{
			name: "product POST chunked body over 1 MiB", method: "POST", target: "/dynamic/products/5",
			body: bigJSON(maxBodyBytes + 1), chunked: true,
			wantStatus: 413, wantType: "application/problem+json",
		},
		{
			name: "product POST chunked body of exactly 1 MiB", method: "POST", target: "/dynamic/products/5",
			body: bigJSON(maxBodyBytes), chunked: true,
			wantStatus: 200, wantType: "application/json",
		},
		{
			name: "product id checked before the function", method: "POST", target: "/dynamic/products/x",
			body:       `{}`,
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Equal(t, []any{"path", "product_id"}, onlyError(t, p)["loc"])
			},
		},
		{
			name: "admin", method: "GET", target: "/dynamic/admin", apiKey: testAdminKey,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Welcome to the Dynamic Admin Area"}`, string(body))
			},
		},
		{
			name: "admin without a key", method: "GET", target: "/dynamic/admin",
			wantStatus: 401, wantType: "application/problem+json",
			wantAuth: `APIKey realm="dynroute seed", in="header", name="X-API-Key"`,
		},
		{
			name: "admin with a wrong key", method: "GET", target: "/dynamic/admin", apiKey: "wrong",
			wantStatus: 401, wantType: "application/problem+json",
			wantAuth: `APIKey realm="dynroute seed", in="header", name="X-API-Key"`,
		},
		{
			name: "static", method: "GET", target: "/static/route",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "This is a static route"}`, string(body))
			},
		},
		{
			name: "echo GET", method: "GET", target: "/dynamic/echo/a/b?x=1&x=2&y=",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("GET", "a/b"), string(body))
			},
		},
		{
			name: "echo POST", method: "POST", target: "/dynamic/echo/a/b",
			body:       "hello",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("POST", "a/b"), string(body))
			},
		},
		{
			name: "echo PUT", method: "PUT", target: "/dynamic/echo/a/b",
			body:       `{"x": 1}`,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("PUT", "a/b"), string(body))
			},
		},
		{
			name: "echo PATCH", method: "PATCH", target: "/dynamic/echo/a/b",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("PATCH", "a/b"), string(body))
			},
		},
		{
			name: "echo DELETE", method: "DELETE", target: "/dynamic/echo/a/b",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("DELETE", "a/b"), string(body))
			},
		},
		{
			// The Router's own limit (Options.MaxBodyBytes, 1 MiB) refuses
			// a declared length over it before echo runs.
			name: "echo body over the Router's 1 MiB limit", method: "POST", target: "/dynamic/echo/c",
			body:       strings.Repeat("x", maxBodyBytes+1),
			wantStatus: 413, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Contains(t, p["detail"], "larger than 1048576 bytes")
			},
		},
		{
			name: "echo does not read the body, so one of 1 MiB is no error", method: "POST", target: "/dynamic/echo/c",
			body:       strings.Repeat("x", maxBodyBytes),
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("POST", "c"), string(body))
			},
		},
		{
			name: "echo with an empty rest", method: "GET", target: "/dynamic/echo/",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, echoBody("GET", ""), string(body))
			},
		},
		{
			name: "echo method not in the config", method: "PROPFIND", target: "/dynamic/echo/a/b",
			wantStatus: 405, wantType: "application/problem+json",
			wantAllow: "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
		},
		{
			name: "unknown path", method: "GET", target: "/nope",
			wantStatus: 404, wantType: "application/problem+json",
		},
		{
			name: "Swagger UI", method: "GET", target: "/docs",
			wantStatus: 200, wantType: "text/html; charset=utf-8",
		},
		{
			name: "the OpenAPI document", method: "GET", target: "/openapi.json",
			wantStatus: 200, wantType: "application/json",
		},
		{
			name: "a route only broken.yaml has is not served", method: "GET", target: "/dynamic/orders",
			wantStatus: 404, wantType: "application/problem+json",
		},
		{
			name: "wrong method", method: "DELETE", target: "/dynamic/users",
			wantStatus: 405, wantType: "application/problem+json",
			wantAllow: "GET, HEAD, OPTIONS",
		},
		{
			name: "wrong method on a param route", method: "PUT", target: "/dynamic/products/1",
			wantStatus: 405, wantType: "application/problem+json",
			wantAllow: "GET, HEAD, OPTIONS, POST",
		},
		{
			name: "wrong method on the static route", method: "POST", target: "/static/route",
			wantStatus: 405, wantType: "application/problem+json",
			wantAllow: "GET, HEAD, OPTIONS",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, tt.target, body)
			if tt.body != "" {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
			}
			if tt.chunked {
				req.ContentLength = -1
			}
			if tt.apiKey != "" {
				req.Header.Set("X-API-Key", tt.apiKey)
			}
			rec := httptest.NewRecorder()
			rt.ServeHTTP(rec, req)

			res := rec.Result()
			got, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, tt.wantStatus, res.StatusCode, "body: %.300s", got)
			assert.Equal(t, tt.wantType, res.Header.Get("Content-Type"))
			if tt.wantAllow != "" {
				assert.Equal(t, tt.wantAllow, res.Header.Get("Allow"))
			}
			assert.Equal(t, tt.wantAuth, res.Header.Get("WWW-Authenticate"))
			if tt.wantType == "application/problem+json" {
				p := decode(t, got)
				assert.Equal(t, "about:blank", p["type"])
				assert.Equal(t, http.StatusText(tt.wantStatus), p["title"])
				assert.EqualValues(t, tt.wantStatus, p["status"])
				if tt.checkProblem != nil {
					tt.checkProblem(t, p)
				}
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestRouteMetadata(t *testing.T) {
	rt, _ := newTestRouter(t)

	byPath := make(map[string]dynroute.Route)
	for _, r := range rt.Routes() {
		byPath[r.Path] = r
	}
	tests := []struct {
		path        string
		name        string
		methods     []string
		handlerName string
		tags        []string
		summary     string
		source      string // "" for the route added in code
	}{
		{"/dynamic/users", "dynamic_users", []string{"GET"}, "get_dynamic_users", []string{"Dynamic"},
			"List users (dynamic route)", "routes.yaml:6"},
		{"/dynamic/products/{product_id}", "dynamic_products", []string{"GET", "POST"}, "handle_dynamic_product", []string{"Dynamic"},
			"Read or update a product (dynamic route)", "routes.yaml:13"},
		{"/dynamic/admin", "admin_only", []string{"GET"}, "get_admin_area", []string{"Admin", "Dynamic"},
			"Admin area (dynamic route)", "routes.yaml:20"},
		{"/dynamic/echo/{rest...}", "echo", []string{"GET", "POST", "PUT", "PATCH", "DELETE"}, "echo", []string{"Dynamic"},
			"Echo the matched route, method and parameters", "routes.yaml:29"},
		{"/static/route", "static_route", []string{"GET"}, "", nil,
			"A route added in code", ""},
		{"/plugina/{path...}", "plugin_a", []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}, "plugin_a", nil,
			"", "routes.yaml:40"},
	}
	require.Len(t, byPath, len(tests), "routes: %v", rt.Routes())
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, ok := byPath[tt.path]
			require.True(t, ok, "route %s missing", tt.path)
			assert.Equal(t, tt.name, r.Name)
			assert.Equal(t, tt.methods, r.Methods)
			assert.Equal(t, tt.handlerName, r.HandlerName)
			assert.Equal(t, tt.tags, r.Tags)
			assert.Equal(t, tt.summary, r.Summary)
			if tt.source == "" {
				assert.Equal(t, "seed.go", r.Source.File)
				assert.Positive(t, r.Source.Line)
			} else {
				assert.Equal(t, tt.source, r.Source.String())
			}
		})
	}
	assert.Equal(t, map[string]any{"response_message": "Admin Area"}, byPath["/dynamic/admin"].Extra)
	assert.True(t, byPath["/plugina/{path...}"].Mount)
}

// brokenProblem is one problem of broken.yaml.
type brokenProblem struct {
	entry    string // route name
	line     int    // line in broken.yaml the problem is reported at
	sentinel error
	detail   []string // substrings of the message after the route
	load     bool     // found by loadSpecs; otherwise by AddRoutes, which skips the entry
}

// brokenProblems are the problems of broken.yaml in the order -check prints
// them: what the loader finds, then what AddRoutes finds. The "typo" entry
// has two: its unknown key pth keeps it in the specs, and it has no path.
var brokenProblems = []brokenProblem{
	{entry: "typo", line: 28, sentinel: dynroute.ErrInvalidConfig, load: true,
		detail: []string{`unknown key "pth"; did you mean "path"?`}},
	{entry: "incomplete_route", line: 8, sentinel: dynroute.ErrInvalidConfig,
		detail: []string{"missing path"}},
	{entry: "dynamic_orders", line: 12, sentinel: dynroute.ErrUnknownHandler,
		detail: []string{`unknown handler "get_dynamic_orders"`, `did you mean "get_dynamic_users"?`}},
	{entry: "old_style", line: 17, sentinel: dynroute.ErrInvalidPath,
		detail: []string{`invalid path "/dynamic/products/:id"`, "httprouter syntax", "write {id}"}},
	{entry: "users_again", line: 22, sentinel: dynroute.ErrDuplicateRoute,
		detail: []string{`duplicates route "dynamic_users" GET /dynamic/users (broken.yaml:3)`}},
}

// brokenInOrder is brokenProblems in file and line order, as -check and
// -strict print them.
func brokenInOrder() []brokenProblem {
	out := slices.Clone(brokenProblems)
	slices.SortFunc(out, func(a, b brokenProblem) int { return a.line - b.line })
	return out
}

// skips returns the problems AddRoutes finds, one per skipped entry.
func skips() []brokenProblem {
	var out []brokenProblem
	for _, p := range brokenProblems {
		if !p.load {
			out = append(out, p)
		}
	}
	return out
}

// assertMessage checks that msg is p's message: the route, its source line
// in broken.yaml and the detail.
func (p brokenProblem) assertMessage(t *testing.T, msg string) {
	t.Helper()
	assert.Contains(t, msg, fmt.Sprintf("route %q", p.entry))
	assert.Contains(t, msg, fmt.Sprintf("(broken.yaml:%d): ", p.line))
	for _, s := range p.detail {
		assert.Contains(t, msg, s)
	}
}

// loadBroken loads broken.yaml, which has problems both loadSpecs and
// AddRoutes find.
func loadBroken(t *testing.T) []dynroute.RouteSpec {
	t.Helper()
	specs, err := loadSpecs("broken.yaml")
	require.Error(t, err)
	require.ErrorIs(t, err, dynroute.ErrInvalidConfig)
	ps := problems(err)
	require.Len(t, ps, 1, "load problems: %v", ps)
	brokenProblems[0].assertMessage(t, ps[0].Error())

	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	// "typo", with its misspelt key, is left out: it would be applied
	// without its path and reported again as missing it.
	require.Equal(t, []string{"dynamic_users", "incomplete_route", "dynamic_orders", "old_style", "users_again"}, names)
	return specs
}

func TestLenientSkipsBadEntriesWithOneWarningEach(t *testing.T) {
	specs := loadBroken(t)
	var logs bytes.Buffer
	rt, skipped, err := newRouter(specs, options{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	require.NotNil(t, rt)

	want := skips()
	warnings := atLevel(parseLogs(t, &logs), slog.LevelWarn)
	require.Len(t, skipped, len(want), "skipped: %v", skipped)
	require.Len(t, warnings, len(want), "log:\n%s", logs.String())
	for i, p := range want {
		t.Run(fmt.Sprintf("%s:%d", p.entry, p.line), func(t *testing.T) {
			s := skipped[i]
			assert.Equal(t, p.entry, s.Spec.Name)
			assert.ErrorIs(t, s.Err, p.sentinel)
			p.assertMessage(t, s.Err.Error())

			w := warnings[i]
			assert.Equal(t, "dynroute: skipping route", w.Msg)
			assert.Equal(t, p.entry, w.Name)
			assert.Equal(t, fmt.Sprintf("broken.yaml:%d", p.line), w.Source)
			assert.Equal(t, s.Spec.Path, w.Path)
			assert.Equal(t, s.Err.Error(), w.Error)
		})
	}

	// Only the good entry and the static route are served.
	var served []string
	for _, r := range rt.Routes() {
		served = append(served, r.Name)
	}
	assert.ElementsMatch(t, []string{"static_route", "dynamic_users"}, served)
	requests := []struct {
		target     string
		wantStatus int
		wantBody   string
	}{
		// dynamic_users, not the users_again duplicate that names get_admin_area.
		{"/dynamic/users", 200, `{"message": "List of dynamic users", "users": []}`},
		{"/static/route", 200, `{"message": "This is a static route"}`},
		{"/dynamic/orders", 404, ""},
		{"/dynamic/products/1", 404, ""},
		{"/dynamic/products/:id", 404, ""},
		{"/dynamic/typo", 404, ""},
	}
	for _, tt := range requests {
		t.Run("GET "+tt.target, func(t *testing.T) {
			res, body := get(t, rt, "GET", tt.target)
			require.Equal(t, tt.wantStatus, res.StatusCode, "body: %s", body)
			if tt.wantBody != "" {
				assert.JSONEq(t, tt.wantBody, string(body))
			}
		})
	}
}

func TestStrictRefusesTheWholeConfig(t *testing.T) {
	specs := loadBroken(t)
	var logs bytes.Buffer
	rt, skipped, err := newRouter(specs, options{strict: true}, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.Error(t, err)
	assert.Nil(t, rt)
	assert.Nil(t, skipped)
	assert.ErrorIs(t, err, dynroute.ErrInvalidConfig)
	assert.Empty(t, logs.String(), "strict mode logs nothing")

	want := skips()
	ps := problems(err)
	require.Len(t, ps, len(want), "error: %v", err)
	msg := err.Error()
	assert.Contains(t, msg, fmt.Sprintf("%d of %d routes have problems, none was added", len(want), len(specs)))
	for i, p := range want {
		t.Run(fmt.Sprintf("%s:%d", p.entry, p.line), func(t *testing.T) {
			assert.ErrorIs(t, err, p.sentinel)
			assert.ErrorIs(t, ps[i], p.sentinel)
			p.assertMessage(t, ps[i].Error())
			assert.Contains(t, msg, ps[i].Error(), "the error lists every problem")
		})
	}
}

func TestRunLenientWarnsOncePerProblem(t *testing.T) {
	got := runWith(t, options{file: "broken.yaml", routes: true})
	require.Equal(t, 0, got.code, "logs: %+v", got.logs)

	warnings := atLevel(got.logs, slog.LevelWarn)
	require.Len(t, warnings, len(brokenProblems), "warnings: %+v", warnings)
	for i, p := range brokenProblems {
		t.Run(fmt.Sprintf("%s:%d", p.entry, p.line), func(t *testing.T) {
			w := warnings[i]
			if p.load {
				assert.Equal(t, "config problem", w.Msg)
			} else {
				assert.Equal(t, "dynroute: skipping route", w.Msg)
			}
			p.assertMessage(t, w.Error)
		})
	}
	lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
	require.Len(t, lines, 3, "stdout:\n%s", got.stdout)
	assert.Contains(t, lines[1], "/static/route")
	assert.Contains(t, lines[2], "/dynamic/users")
	assert.Contains(t, lines[2], "broken.yaml:3")
}

func TestRunStrictRefusesBrokenConfig(t *testing.T) {
	for _, o := range []options{
		{file: "broken.yaml", strict: true, routes: true},
		{file: "broken.yaml", strict: true, addr: "127.0.0.1:0"},
	} {
		t.Run(fmt.Sprintf("routes=%v", o.routes), func(t *testing.T) {
			got := runWith(t, o)
			assert.Equal(t, 1, got.code)
			assert.Empty(t, got.stdout, "nothing is printed or served")
			assert.Empty(t, atLevel(got.logs, slog.LevelWarn), "strict mode skips nothing")
			errs := atLevel(got.logs, slog.LevelError)
			want := brokenInOrder()
			require.Len(t, errs, 1+len(want), "logs: %+v", got.logs)
			assert.Equal(t, "config refused", errs[0].Msg)
			for i, p := range want {
				assert.Equal(t, "config problem", errs[1+i].Msg)
				assert.NotContains(t, errs[1+i].Error, "\n", "one problem a line")
				p.assertMessage(t, errs[1+i].Error)
			}
		})
	}
}

func TestRunCheck(t *testing.T) {
	jsonOK := `{
  "routes": [
    {"name": "json_users", "path": "/json/users", "methods": ["GET"], "handler": "get_dynamic_users"},
    {"name": "json_echo", "path": "/json/echo/{id}", "methods": "GET,POST", "handler": "echo"}
  ]
}
`
	jsonBad := `{
  "routes": [
    {
      "name": "json_users",
      "path": "/json/users",
      "methods": ["GET"],
      "handlr": "get_dynamic_users"
    }
  ]
}
`
	tests := []struct {
		name      string
		file      func(t *testing.T) string
		wantCode  int
		wantLines []string // the lines printed, if given
		check     func(t *testing.T, file string, lines []string)
	}{
		{
			name:      "built-in config",
			file:      func(*testing.T) string { return "" },
			wantCode:  0,
			wantLines: []string{"ok: 6 routes, 5 from the config and 1 added in code"},
		},
		{
			name:     "broken.yaml",
			file:     func(*testing.T) string { return "broken.yaml" },
			wantCode: 1,
			check: func(t *testing.T, _ string, lines []string) {
				want := brokenInOrder()
				require.Len(t, lines, len(want)+1)
				for i, p := range want {
					p.assertMessage(t, lines[i])
				}
				assert.Equal(t, fmt.Sprintf("%d problems", len(brokenProblems)), lines[len(lines)-1])
			},
		},
		{
			name:      "JSON config",
			file:      func(t *testing.T) string { return writeFile(t, "routes.json", jsonOK) },
			wantCode:  0,
			wantLines: []string{"ok: 3 routes, 2 from the config and 1 added in code"},
		},
		{
			name:     "JSON config with a problem",
			file:     func(t *testing.T) string { return writeFile(t, "routes.json", jsonBad) },
			wantCode: 1,
			check: func(t *testing.T, file string, lines []string) {
				// The misspelt key leaves the entry out: it is not reported
				// again as having no handler.
				require.Len(t, lines, 2)
				assert.Contains(t, lines[0], fmt.Sprintf(`route "json_users" GET /json/users (%s:7): unknown key "handlr"; did you mean "handler"?`, file))
				assertCountLine(t, 1, lines[1])
			},
		},
		{
			name:     "unknown extension",
			file:     func(t *testing.T) string { return writeFile(t, "routes.toml", "") },
			wantCode: 1,
			check: func(t *testing.T, file string, lines []string) {
				require.Len(t, lines, 2)
				assert.Contains(t, lines[0], `unknown extension ".toml"`)
				assert.Contains(t, lines[0], file)
				assertCountLine(t, 1, lines[1])
			},
		},
		{
			name:     "missing file",
			file:     func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.yaml") },
			wantCode: 1,
			check: func(t *testing.T, file string, lines []string) {
				require.Len(t, lines, 2)
				assert.Contains(t, lines[0], file)
				assert.Contains(t, lines[0], "no such file")
				assertCountLine(t, 1, lines[1])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file(t)
			got := runWith(t, options{file: file, check: true})
			assert.Equal(t, tt.wantCode, got.code, "stdout:\n%s", got.stdout)
			assert.Empty(t, got.logs, "-check prints, it does not log")
			require.True(t, strings.HasSuffix(got.stdout, "\n"), "stdout: %q", got.stdout)
			lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
			if tt.wantLines != nil {
				assert.Equal(t, tt.wantLines, lines)
			}
			if tt.check != nil {
				tt.check(t, file, lines)
			}
		})
	}
}

// assertCountLine checks the last line -check prints for n problems. The
// singular is accepted too: main.go prints "1 problems".
func assertCountLine(t *testing.T, n int, line string) {
	t.Helper()
	assert.Regexp(t, fmt.Sprintf(`^%d problems?$`, n), line)
}

// tableRows splits the aligned table printRoutes prints into its header's
// column names and, per row, its cells, cutting every line at the columns'
// header offsets: a cell out of line with its header would come out wrong.
func tableRows(t *testing.T, out string) (header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.NotEmpty(t, lines)
	header = strings.Fields(lines[0])
	offsets := make([]int, len(header))
	for i, h := range header {
		offsets[i] = strings.Index(lines[0], h)
		require.GreaterOrEqual(t, offsets[i], 0)
	}
	for _, line := range lines[1:] {
		row := make([]string, len(offsets))
		for i, off := range offsets {
			require.Greater(t, len(line), off, "line %q is shorter than its columns", line)
			end := len(line)
			if i+1 < len(offsets) {
				end = min(offsets[i+1], len(line))
				assert.Equal(t, byte(' '), line[end-1], "line %q: column %s runs into the next", line, header[i])
			}
			if off > 0 {
				assert.Equal(t, byte(' '), line[off-1], "line %q: column %s starts early", line, header[i])
			}
			row[i] = strings.TrimSpace(line[off:end])
		}
		rows = append(rows, row)
	}
	return header, rows
}

func TestRunRoutesPrintsTheTable(t *testing.T) {
	t.Setenv(adminKeyEnv, testAdminKey)
	got := runWith(t, options{routes: true})
	require.Equal(t, 0, got.code, "logs: %+v", got.logs)
	assert.Empty(t, atLevel(got.logs, slog.LevelWarn))

	header, rows := tableRows(t, got.stdout)
	assert.Equal(t, []string{"METHODS", "PATH", "NAME", "HANDLER", "TAGS", "SOURCE"}, header)

	rt, _ := newTestRouter(t)
	require.Len(t, rows, len(rt.Routes()), "one row per route:\n%s", got.stdout)
	for i, r := range rt.Routes() {
		assert.Equal(t, []string{strings.Join(r.Methods, ","), r.Path, r.Name, r.HandlerName,
			strings.Join(r.Tags, ","), r.Source.String()}, rows[i], "row %d", i)
	}
	assert.Contains(t, rows, []string{"GET", "/dynamic/admin", "admin_only", "get_admin_area", "Admin,Dynamic", "routes.yaml:20"})
	assert.Contains(t, rows, []string{"GET,POST,PUT,PATCH,DELETE", "/dynamic/echo/{rest...}", "echo", "echo", "Dynamic", "routes.yaml:29"})
}

func TestJSONConfig(t *testing.T) {
	const config = `{
  "routes": [
    {
      "name": "json_users",
      "path": "/json/users",
      "methods": ["GET"],
      "handler": "get_dynamic_users"
    },
    {
      "name": "json_echo",
      "path": "/json/echo/{id}",
      "methods": "GET,POST",
      "handler_name": "echo",
      "tags": ["JSON"]
    }
  ]
}
`
	for _, name := range []string{"routes.json", "ROUTES.JSON"} {
		t.Run(name, func(t *testing.T) {
			file := writeFile(t, name, config)

			specs, err := loadSpecs(file)
			require.NoError(t, err)
			require.Len(t, specs, 2)
			assert.Equal(t, "json_users", specs[0].Name)
			assert.Equal(t, dynroute.Source{File: file, Line: 3}, specs[0].Source)
			assert.Equal(t, []string{"GET", "POST"}, specs[1].Methods)
			assert.Equal(t, "echo", specs[1].Handler)
			assert.Equal(t, dynroute.Source{File: file, Line: 9}, specs[1].Source)

			rt, skipped, err := newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			assert.Empty(t, skipped)
			res, body := get(t, rt, "POST", "/json/echo/7")
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
			assert.JSONEq(t, `{"route": "json_echo", "method": "POST", "pattern": "/json/echo/{id}", "params": {"id": "7"}}`, string(body))
			res, body = get(t, rt, "GET", "/json/users")
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", body)
			res, _ = get(t, rt, "GET", "/dynamic/users")
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "the built-in config is not served")

			got := runWith(t, options{file: file, strict: true, routes: true})
			require.Equal(t, 0, got.code, "logs: %+v", got.logs)
			_, rows := tableRows(t, got.stdout)
			require.Len(t, rows, 3, "stdout:\n%s", got.stdout)
			assert.Regexp(t, `^seed\.go:[0-9]+$`, rows[0][5], "the static route's source")
			rows[0][5] = "seed.go"
			assert.Equal(t, [][]string{
				{"GET", "/static/route", "static_route", "", "", "seed.go"},
				{"GET", "/json/users", "json_users", "get_dynamic_users", "Dynamic", file + ":3"},
				{"GET,POST", "/json/echo/{id}", "json_echo", "echo", "JSON", file + ":9"},
			}, rows)
		})
	}
}

func TestLoadSpecsErrors(t *testing.T) {
	tests := []struct {
		name          string
		file          func(t *testing.T) string
		wantErr       string
		invalidConfig bool // errors.Is(err, dynroute.ErrInvalidConfig)
	}{
		{
			name:    "unknown extension",
			file:    func(t *testing.T) string { return writeFile(t, "routes.toml", "[routes]\n") },
			wantErr: `unknown extension ".toml", want .yaml, .yml or .json`,
		},
		{
			name:    "no extension",
			file:    func(t *testing.T) string { return writeFile(t, "routes", "{}") },
			wantErr: `unknown extension "", want .yaml, .yml or .json`,
		},
		{
			name:    "missing file",
			file:    func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.json") },
			wantErr: "no such file",
		},
		{
			name:          "JSON syntax error",
			file:          func(t *testing.T) string { return writeFile(t, "routes.json", "{\n  \"a\": \n") },
			wantErr:       "routes.json:3: JSON syntax error: unexpected end of input",
			invalidConfig: true,
		},
		{
			name:          "YAML in a .json file",
			file:          func(t *testing.T) string { return writeFile(t, "routes.json", "a:\n  path: /a\n") },
			wantErr:       "JSON syntax error",
			invalidConfig: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file(t)
			specs, err := loadSpecs(file)
			require.Error(t, err)
			assert.Empty(t, specs)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), file)
			assert.Equal(t, tt.invalidConfig, errors.Is(err, dynroute.ErrInvalidConfig))

			// An error that is not a config problem (no file, an unknown
			// format) makes run refuse the file even in lenient mode.
			if !tt.invalidConfig {
				got := runWith(t, options{file: file, routes: true})
				assert.Equal(t, 1, got.code)
				assert.Empty(t, got.stdout)
				errs := atLevel(got.logs, slog.LevelError)
				require.Len(t, errs, 2, "logs: %+v", got.logs)
				assert.Equal(t, "config refused", errs[0].Msg)
				assert.Equal(t, "config problem", errs[1].Msg)
				assert.Contains(t, errs[1].Error, tt.wantErr)
			}
		})
	}

	t.Run(".yml", func(t *testing.T) {
		file := writeFile(t, "routes.yml", "a:\n  path: /a\n  methods: GET\n  handler: echo\n")
		specs, err := loadSpecs(file)
		require.NoError(t, err)
		require.Len(t, specs, 1)
		assert.Equal(t, dynroute.RouteSpec{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "echo",
			Source: dynroute.Source{File: file, Line: 1}}, specs[0])
	})
}

// TestRunServeListenError runs the serving path up to the listener: the
// config's routes are logged and a bad address is an error.
func TestRunServeListenError(t *testing.T) {
	got := runWith(t, options{addr: "127.0.0.1:-1"})
	assert.Equal(t, 1, got.code)
	var routes []string
	for _, r := range atLevel(got.logs, slog.LevelInfo) {
		if r.Msg == "route" {
			routes = append(routes, r.Path)
		}
	}
	assert.Equal(t, []string{"/static/route", "/dynamic/users", "/dynamic/products/{product_id}",
		"/dynamic/admin", "/dynamic/echo/{rest...}", "/plugina/{path...}"}, routes)
	errs := atLevel(got.logs, slog.LevelError)
	require.Len(t, errs, 1, "logs: %+v", got.logs)
	assert.Equal(t, "listen", errs[0].Msg)
}

// TestServeShutsDownGracefully serves over a real listener, asks for a
// shutdown while a request is in flight and checks that the request still
// completes and serve returns cleanly.
func TestServeShutsDownGracefully(t *testing.T) {
	rt, _ := newTestRouter(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	rt.Get("/slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		seed.WriteJSON(w, http.StatusOK, map[string]string{"message": "done"})
	}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- seed.Serve(ctx, ln, rt, slog.New(slog.DiscardHandler)) }()

	base := "http://" + ln.Addr().String()
	res, err := http.Get(base + "/static/route")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		slow <- result{res.StatusCode, string(b), err}
	}()
	<-entered
	cancel()

	// Shutdown waits for the request in flight.
	select {
	case err := <-served:
		t.Fatalf("serve returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)

	r := <-slow
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"message": "done"}`, r.body)
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "the listener is closed after shutdown")
}

// TestSeedAsWritten serves the seed's config exactly as the FastAPI article
// writes it (testdata/seed.yaml) in strict mode, and checks the answers the
// seed's handlers give, read from each route's response_message.
func TestSeedAsWritten(t *testing.T) {
	got := runWith(t, options{file: "testdata/seed.yaml", strict: true, routes: true})
	require.Equal(t, 0, got.code, "logs: %+v", got.logs)
	assert.Empty(t, atLevel(got.logs, slog.LevelWarn))

	specs, err := loadSpecs("testdata/seed.yaml")
	require.NoError(t, err)
	rt, _, err := newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for _, tt := range []struct{ method, target, want string }{
		{"GET", "/dynamic/users", `{"message": "List of dynamic users", "users": []}`},
		{"GET", "/dynamic/products/123", `{"message": "Details for dynamic product 123", "product_id": 123}`},
		{"POST", "/dynamic/products/123", `{"message": "Created/Updated dynamic product 123", "product_id": 123}`},
		{"GET", "/dynamic/admin", `{"message": "Welcome to the Dynamic Admin Area"}`},
	} {
		res, body := get(t, rt, tt.method, tt.target)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s %s: %s", tt.method, tt.target, body)
		assert.JSONEq(t, tt.want, string(body), "%s %s", tt.method, tt.target)
	}
	res, body := get(t, rt, "GET", "/dynamic/products/abc")
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "product_id is an int: %s", body)
	tags := map[string][]string{}
	for _, r := range rt.Routes() {
		tags[r.Name] = r.Tags
	}
	assert.Equal(t, []string{"Dynamic"}, tags["dynamic_users"], "the default tag")
	assert.Equal(t, []string{"Admin", "Dynamic"}, tags["admin_only"])

	// The answer follows the file: another response_message, another answer.
	b, err := os.ReadFile("testdata/seed.yaml")
	require.NoError(t, err)
	changed := writeFile(t, "seed.yaml", strings.Replace(string(b), "response_message: List of dynamic users", "response_message: All our users", 1))
	specs, err = loadSpecs(changed)
	require.NoError(t, err)
	rt, _, err = newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, body = get(t, rt, "GET", "/dynamic/users")
	assert.JSONEq(t, `{"message": "All our users", "users": []}`, string(body))
}
