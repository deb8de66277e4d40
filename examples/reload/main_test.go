package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/reload"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLimit bounds every wait; reloads take milliseconds.
const waitLimit = 10 * time.Second

// syncBuffer is a log sink the test reads while the program writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Configs of the test, in examples/config's format.
const (
	usersRoute = `
dynamic_users:
  path: /dynamic/users
  methods: [GET]
  handler_name: get_dynamic_users
`
	productsRoute = `
dynamic_products:
  path: /dynamic/products/{product_id}
  methods: [GET, POST]
  handler_name: handle_dynamic_product
`
	adminRoute = `
admin_area:
  path: /dynamic/admin
  methods: [GET]
  handler_name: get_admin_area
`
	echoRoute = `
echo:
  path: /dynamic/echo/{rest...}
  methods: [GET, POST]
  handler_name: echo
  response_model: echo_answer
`
	renamedEchoRoute = `
echo_v2:
  path: /v2/echo/{rest...}
  methods: [GET]
  handler_name: echo
`
	// brokenConfig has a syntax error.
	brokenConfig = "dynamic_users:\n  path: /dynamic/users\n  methods: [GET\n"
	// badConfig is readable YAML with two bad routes.
	badConfig = usersRoute + `
unknown:
  path: /dynamic/unknown
  methods: [GET]
  handler_name: no_such_handler
bad_path:
  path: /dynamic/:id
  methods: [GET]
  handler_name: echo
`
)

// client talks to one test server.
type client struct {
	t   *testing.T
	url string
	c   *http.Client
}

// get returns the status and body of GET path.
func (c *client) get(path string) (int, string, error) {
	resp, err := c.c.Get(c.url + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// serves polls until every path answers with its status (and, for 200,
// a body containing want[path].text), or the deadline passes.
func (c *client) serves(desc string, want map[string]answer) {
	c.t.Helper()
	require.EventuallyWithT(c.t, func(ct *assert.CollectT) {
		for path, a := range want {
			code, body, err := c.get(path)
			if !assert.NoError(ct, err, path) {
				continue
			}
			assert.Equal(ct, a.code, code, "%s: %s", path, body)
			assert.Contains(ct, body, a.text, path)
		}
	}, waitLimit, 5*time.Millisecond, desc)
}

// servesNow is serves without waiting, for a table that must not change.
func (c *client) servesNow(want map[string]answer) {
	c.t.Helper()
	for path, a := range want {
		code, body, err := c.get(path)
		require.NoError(c.t, err, path)
		assert.Equal(c.t, a.code, code, "%s: %s", path, body)
		assert.Contains(c.t, body, a.text, path)
	}
}

// answer is what a path should answer.
type answer struct {
	code int
	text string // in the body
}

var (
	users    = answer{200, `"message":"List of dynamic users"`}
	admin    = answer{200, "Welcome to the Dynamic Admin Area"}
	product  = answer{200, `"product_id":7`}
	static   = answer{200, "This is a static route"}
	notFound = answer{404, ""}
)

// TestReloadOverHTTP serves the example's router and Reloader over
// loopback HTTP while the config file changes in every way editors and
// deploy tools change files, and checks the answers after each change.
func TestReloadOverHTTP(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "routes.yaml")
	write := func(content string) {
		t.Helper()
		require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
	}
	write(usersRoute + productsRoute)

	logs := &syncBuffer{}
	events := make(chan reload.Event, 100)
	rt, err := seed.NewRouter()
	require.NoError(t, err)
	rl, err := newReloader(rt, options{file: file, debounce: 20 * time.Millisecond},
		slog.New(slog.NewTextHandler(logs, nil)), func(ev reload.Event) { events <- ev })
	require.NoError(t, err)
	require.NoError(t, rl.Start(t.Context()))
	t.Cleanup(rl.Wait)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	c := &client{t: t, url: srv.URL, c: srv.Client()}
	waitEvent := func(desc string, match func(reload.Event) bool) reload.Event {
		t.Helper()
		deadline := time.After(waitLimit)
		for {
			select {
			case ev := <-events:
				if match(ev) {
					return ev
				}
			case <-deadline:
				t.Fatalf("no reload event: %s; logs:\n%s", desc, logs.String())
			}
		}
	}

	c.servesNow(map[string]answer{"/dynamic/users": users, "/dynamic/products/7": product,
		"/dynamic/admin": notFound, "/static/route": static})

	// Add a route: write in place.
	write(usersRoute + productsRoute + adminRoute)
	c.serves("a route added", map[string]answer{"/dynamic/admin": admin, "/dynamic/users": users})

	// Remove a route.
	write(productsRoute + adminRoute)
	c.serves("a route removed", map[string]answer{"/dynamic/users": notFound, "/dynamic/admin": admin})

	// Rename-over, as editors save: a new file renamed onto the old name.
	tmp := filepath.Join(dir, ".routes.yaml.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(productsRoute+adminRoute+echoRoute), 0o644))
	require.NoError(t, os.Rename(tmp, file))
	c.serves("the file renamed over", map[string]answer{"/dynamic/echo/a/b": {200, `"route":"echo"`}})
	code, body, err := c.get("/dynamic/echo/a/b")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	var echoed seed.EchoAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &echoed))
	assert.Equal(t, seed.EchoAnswer{Route: "echo", Method: "GET", Pattern: "/dynamic/echo/{rest...}",
		Params: map[string]string{"rest": "a/b"}}, echoed)

	// Delete and re-create. While the file is gone the reload fails and
	// the old routes keep serving.
	require.NoError(t, os.Remove(file))
	ev := waitEvent("the reload of the deleted file", func(ev reload.Event) bool { return !ev.OK })
	assert.ErrorIs(t, ev.Err, fs.ErrNotExist)
	c.servesNow(map[string]answer{"/dynamic/admin": admin, "/dynamic/echo/x": {200, `"route":"echo"`}})
	write(productsRoute + renamedEchoRoute)
	c.serves("the file re-created", map[string]answer{"/v2/echo/x": {200, `"route":"echo_v2"`},
		"/dynamic/echo/x": notFound, "/dynamic/admin": notFound, "/dynamic/products/7": product})

	// A broken file keeps the old table.
	write(brokenConfig)
	ev = waitEvent("the reload of the broken file", func(ev reload.Event) bool { return !ev.OK })
	assert.ErrorIs(t, ev.Err, dynroute.ErrInvalidConfig)
	kept := map[string]answer{"/v2/echo/x": {200, `"route":"echo_v2"`}, "/dynamic/products/7": product,
		"/dynamic/users": notFound, "/static/route": static}
	c.servesNow(kept)

	// So does a readable file with bad routes, all of whose problems are
	// logged.
	write(badConfig)
	ev = waitEvent("the reload of the bad config", func(ev reload.Event) bool { return !ev.OK })
	assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
	assert.ErrorIs(t, ev.Err, dynroute.ErrInvalidPath)
	assert.Equal(t, 2, ev.Problems)
	c.servesNow(kept)
	assert.Contains(t, logs.String(), "no_such_handler")
	assert.Contains(t, logs.String(), "/dynamic/:id")

	// A good file after them applies.
	write(usersRoute + adminRoute)
	ev = waitEvent("the reload of the good file", func(ev reload.Event) bool { return ev.OK })
	assert.Equal(t, 2, ev.Added)
	assert.Equal(t, 2, ev.Removed)
	c.servesNow(map[string]answer{"/dynamic/users": users, "/dynamic/admin": admin,
		"/v2/echo/x": notFound, "/dynamic/products/7": notFound, "/static/route": static})
	assert.Contains(t, logs.String(), `msg="dynroute: routes reloaded" source=`+file+` trigger=file routes=2 added=2 removed=2`)
}

// startRun runs the program as main does, on a free loopback port, until
// the test ends, and returns a client for it and its logs.
func startRun(t *testing.T, o options) (*client, *syncBuffer, func() int) {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	code := make(chan int, 1)
	o.addr = "127.0.0.1:0"
	go func() { code <- run(ctx, o, slog.New(slog.NewTextHandler(logs, nil)), func(a net.Addr) { addrs <- a }) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case c := <-code:
		t.Fatalf("run returned %d before serving; logs:\n%s", c, logs.String())
	case <-time.After(waitLimit):
		t.Fatal("run did not start serving")
	}
	stop := sync.OnceValue(func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(waitLimit):
			t.Error("run did not return after its context ended")
			return -1
		}
	})
	t.Cleanup(func() { stop() })
	return &client{t: t, url: "http://" + addr.String(), c: &http.Client{Timeout: waitLimit}}, logs, stop
}

// TestRunReloadsOnSIGHUP runs the program with a debounce so long that the
// file watch never fires during the test: the change applies on SIGHUP.
func TestRunReloadsOnSIGHUP(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP on Windows")
	}
	file := filepath.Join(t.TempDir(), "routes.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"dynamic_users": {"path": "/dynamic/users", "methods": ["GET"], "handler_name": "get_dynamic_users"}}`), 0o644))
	c, logs, stop := startRun(t, options{file: file, debounce: time.Hour})
	c.servesNow(map[string]answer{"/dynamic/users": users, "/dynamic/admin": notFound, "/static/route": static})

	require.NoError(t, os.WriteFile(file, []byte(`{"admin_area": {"path": "/dynamic/admin", "methods": ["GET"], "handler_name": "get_admin_area"}}`), 0o644))
	// run's Reloader has called signal.Notify (it serves, so Start
	// returned); a handler of the test's own makes sure a stray SIGHUP
	// cannot kill the test binary either way.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)
	require.NoError(t, sighup())
	c.serves("the reload on SIGHUP", map[string]answer{"/dynamic/admin": admin, "/dynamic/users": notFound, "/static/route": static})
	assert.Contains(t, logs.String(), "trigger=signal routes=1 added=1 removed=1")

	assert.Equal(t, 0, stop(), "a graceful shutdown exits 0")
	assert.Contains(t, logs.String(), "msg=stopped")
}

func TestRunRefusesABadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, content string
		want                []string // in the logs
	}{
		{"missing file", filepath.Join(dir, "missing.yaml"), "", []string{"no such file"}},
		{"unknown extension", filepath.Join(dir, "routes.toml"), "x = 1", []string{`unknown extension \".toml\"`}},
		{"broken file", filepath.Join(dir, "broken.yaml"), brokenConfig, []string{"syntax error"}},
		{"bad routes", filepath.Join(dir, "bad.yaml"), badConfig, []string{"no_such_handler", "/dynamic/:id", "problems=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content != "" {
				require.NoError(t, os.WriteFile(tt.file, []byte(tt.content), 0o644))
			}
			logs := &syncBuffer{}
			code := run(t.Context(), options{addr: "127.0.0.1:0", file: tt.file}, slog.New(slog.NewTextHandler(logs, nil)),
				func(net.Addr) { t.Error("a bad config must not be served") })
			assert.Equal(t, 1, code)
			for _, w := range tt.want {
				assert.Contains(t, logs.String(), w)
			}
		})
	}
}

// TestHandlers checks the handlers copied from examples/config answer as
// they do there.
func TestHandlers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.yaml")
	require.NoError(t, os.WriteFile(file, []byte(usersRoute+productsRoute+adminRoute+echoRoute), 0o644))
	c, _, _ := startRun(t, options{file: file, debounce: time.Hour})
	post := func(path, body string) (int, string) {
		resp, err := c.c.Post(c.url+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	c.servesNow(map[string]answer{
		"/dynamic/products/abc": {422, `"type":"int_parsing"`},
		"/dynamic/echo/":        {200, `"params":{"rest":""}`},
	})
	code, body := post("/dynamic/products/5", `{"name":"pen"}`)
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"message":"Created/Updated dynamic product 5","product_id":5}`, body)
	code, _ = post("/dynamic/products/5", `[1]`)
	assert.Equal(t, 422, code, "a typed handler answers a body that is not an object with 422")
	code, body = post("/dynamic/echo/x", `{}`)
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"route":"echo","method":"POST","pattern":"/dynamic/echo/{rest...}","params":{"rest":"x"}}`, body)

	resp, err := c.c.Get(c.url + "/dynamic/echo/a")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
}

// sighup sends SIGHUP to the test binary itself.
func sighup() error {
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		return err
	}
	return p.Signal(syscall.SIGHUP)
}
