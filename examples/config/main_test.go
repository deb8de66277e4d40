package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestRouter builds the example's router with a logger writing JSON lines
// into the returned buffer.
func newTestRouter(t *testing.T) (*dynroute.Router, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	rt, err := newRouter(slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	return rt, &logs
}

// decode parses a JSON answer into a generic value.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v), "body: %s", body)
	return v
}

// bigJSON returns a JSON object of exactly n bytes.
func bigJSON(n int) string {
	const head, tail = `{"pad":"`, `"}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

func TestRoutes(t *testing.T) {
	rt, _ := newTestRouter(t)

	tests := []struct {
		name         string
		method       string
		target       string
		body         string
		chunked      bool // no Content-Length: only http.MaxBytesReader sees the size
		wantStatus   int
		wantType     string // Content-Type
		wantAllow    string
		check        func(t *testing.T, body []byte)
		checkProblem func(t *testing.T, p map[string]any)
	}{
		{
			name: "users", method: "GET", target: "/dynamic/users",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				var users []map[string]any
				require.NoError(t, json.Unmarshal(body, &users))
				require.Len(t, users, 2)
				assert.Equal(t, "Alice", users[0]["name"])
				assert.Equal(t, "Bob", users[1]["name"])
			},
		},
		{
			name: "product GET", method: "GET", target: "/dynamic/products/123",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"product_id": 123, "method": "GET"}`, string(body))
			},
		},
		{
			name: "product id not an integer", method: "GET", target: "/dynamic/products/abc",
			wantStatus: 422, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				errs, ok := p["errors"].([]any)
				require.True(t, ok, "errors member: %v", p["errors"])
				require.Len(t, errs, 1)
				e := errs[0].(map[string]any)
				assert.Equal(t, []any{"path", "product_id"}, e["loc"])
				assert.Equal(t, "int_parsing", e["type"])
				assert.Equal(t, "abc", e["input"])
				assert.NotEmpty(t, e["msg"])
				assert.Contains(t, p["detail"], "product_id")
			},
		},
		{
			name: "product id out of range", method: "GET", target: "/dynamic/products/99999999999999999999",
			wantStatus: 422, wantType: "application/problem+json",
		},
		{
			name: "product POST echoes the body", method: "POST", target: "/dynamic/products/5",
			body:       `{"name": "pen", "price": 1.5, "big": 12345678901234567890, "tags": ["a"]}`,
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"product_id": 5, "method": "POST",
					"data": {"name": "pen", "price": 1.5, "big": 12345678901234567890, "tags": ["a"]}}`, string(body))
				// Numbers are echoed as sent, not rounded through float64.
				assert.Contains(t, string(body), "12345678901234567890")
			},
		},
		{
			name: "product POST body of exactly 1 MiB", method: "POST", target: "/dynamic/products/5",
			body:       bigJSON(maxBodyBytes),
			wantStatus: 200, wantType: "application/json",
		},
		{
			name: "product POST malformed JSON", method: "POST", target: "/dynamic/products/5",
			body:       `{"name": `,
			wantStatus: 400, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Contains(t, p["detail"], "malformed JSON")
			},
		},
		{
			name: "product POST trailing data", method: "POST", target: "/dynamic/products/5",
			body:       `{} {}`,
			wantStatus: 400, wantType: "application/problem+json",
		},
		{
			name: "product POST not an object", method: "POST", target: "/dynamic/products/5",
			body:       `[1, 2]`,
			wantStatus: 400, wantType: "application/problem+json",
			checkProblem: func(t *testing.T, p map[string]any) {
				assert.Contains(t, p["detail"], "must be an object")
			},
		},
		{
			name: "product POST null", method: "POST", target: "/dynamic/products/5",
			body:       `null`,
			wantStatus: 400, wantType: "application/problem+json",
		},
		{
			name: "product POST empty body", method: "POST", target: "/dynamic/products/5",
			wantStatus: 400, wantType: "application/problem+json",
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
			name: "product id checked before the body", method: "POST", target: "/dynamic/products/x",
			body:       `{}`,
			wantStatus: 422, wantType: "application/problem+json",
		},
		{
			name: "admin", method: "GET", target: "/dynamic/admin",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"message": "Welcome to the admin area"}`, string(body))
			},
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
				assert.JSONEq(t, `{"method": "GET", "path": "/dynamic/echo/a/b", "rest": "a/b",
					"query": {"x": ["1", "2"], "y": [""]}}`, string(body))
			},
		},
		{
			name: "echo POST", method: "POST", target: "/dynamic/echo/c",
			body:       "hello",
			wantStatus: 200, wantType: "application/json",
			check: func(t *testing.T, body []byte) {
				assert.JSONEq(t, `{"method": "POST", "path": "/dynamic/echo/c", "rest": "c",
					"query": {}, "body": "hello"}`, string(body))
			},
		},
		{
			name: "echo POST body over 1 MiB", method: "POST", target: "/dynamic/echo/c",
			body:       strings.Repeat("x", maxBodyBytes+1),
			wantStatus: 413, wantType: "application/problem+json",
		},
		{
			name: "echo POST chunked body over 1 MiB", method: "POST", target: "/dynamic/echo/c",
			body: strings.Repeat("x", maxBodyBytes+1), chunked: true,
			wantStatus: 413, wantType: "application/problem+json",
		},
		{
			name: "unknown path", method: "GET", target: "/nope",
			wantStatus: 404, wantType: "application/problem+json",
		},
		{
			name: "docs are not faked", method: "GET", target: "/docs",
			wantStatus: 404, wantType: "application/problem+json",
		},
		{
			name: "skipped entry is not served", method: "GET", target: "/dynamic/orders",
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, tt.target, body)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.chunked {
				req.ContentLength = -1
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
	}{
		{"/dynamic/users", "dynamic_users", []string{"GET"}, "get_dynamic_users", []string{"Dynamic"}},
		{"/dynamic/products/{product_id}", "dynamic_products", []string{"GET", "POST"}, "handle_dynamic_product", []string{"Dynamic"}},
		{"/dynamic/admin", "admin_area", []string{"GET"}, "get_admin_area", []string{"Admin", "Dynamic"}},
		{"/dynamic/echo/{rest...}", "echo", []string{"GET", "POST"}, "echo", []string{"Dynamic"}},
		{"/static/route", "", []string{"GET"}, "", nil},
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
			assert.Equal(t, "main.go", r.Source.File)
		})
	}
	for _, r := range rt.Routes() {
		assert.NotEqual(t, "incomplete_route", r.Name)
		assert.NotEqual(t, "dynamic_orders", r.Name)
	}
}

func TestBadEntriesAreSkippedWithOneWarningEach(t *testing.T) {
	_, logs := newTestRouter(t)

	type record struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Entry string `json:"entry"`
		Error string `json:"error"`
	}
	var warnings []record
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		var rec record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line: %s", sc.Bytes())
		if rec.Level == slog.LevelWarn.String() {
			warnings = append(warnings, rec)
		}
	}
	require.NoError(t, sc.Err())
	require.Len(t, warnings, 2, "log:\n%s", logs)

	tests := []struct {
		entry     string
		errSubstr []string
	}{
		{"incomplete_route", []string{`route "incomplete_route"`, "empty path"}},
		{"dynamic_orders", []string{`unknown handler "get_dynamic_orders"`, `did you mean "get_dynamic_users"`}},
	}
	for i, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			assert.Equal(t, tt.entry, warnings[i].Entry)
			for _, s := range tt.errSubstr {
				assert.Contains(t, warnings[i].Error, s)
			}
		})
	}
}

func TestAddConfigRoutesErrors(t *testing.T) {
	rt := dynroute.New(nil)
	for name, h := range handlers() {
		require.NoError(t, rt.Registry().Register(name, h))
	}
	var logs bytes.Buffer
	errs := addConfigRoutes(rt, routeConfig, slog.New(slog.NewTextHandler(&logs, nil)))
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[0], dynroute.ErrInvalidPath)
	assert.ErrorIs(t, errs[1], dynroute.ErrUnknownHandler)
	assert.Len(t, rt.Routes(), 4)

	// Adding the same config again skips everything: the good entries are now
	// duplicates.
	errs = addConfigRoutes(rt, routeConfig, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Len(t, errs, len(routeConfig))
	var re *dynroute.RouteError
	require.True(t, errors.As(errs[0], &re))
	assert.Equal(t, "dynamic_users", re.Name)
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
		writeJSON(w, http.StatusOK, map[string]string{"message": "done"})
	}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, rt, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

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
