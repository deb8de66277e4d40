package etcd

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/tcpproxy"
	"github.com/dynroute/dynroute/reload"
	"github.com/dynroute/dynroute/reload/etcd/etcdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// waitLimit bounds every wait; changes are seen in milliseconds.
const waitLimit = 15 * time.Second

func TestDecodeValue(t *testing.T) {
	const prefix = "/dynroute/routes/"
	tests := []struct {
		name, key, value string
		want             dynroute.RouteSpec // Source is checked apart
		wantErr          []string
	}{
		{"JSON", "users", `{"path": "/users", "methods": ["GET"], "handler": "list_users"}`,
			dynroute.RouteSpec{Name: "users", Path: "/users", Methods: []string{"GET"}, Handler: "list_users"}, nil},
		{"YAML", "users", "path: /users\nmethods: [GET, POST]\nhandler: list_users\ntags: [users]\n",
			dynroute.RouteSpec{Name: "users", Path: "/users", Methods: []string{"GET", "POST"}, Handler: "list_users", Tags: []string{"users"}}, nil},
		{"YAML document with a marker, a comment and a block scalar", "users", "---\n# the users\npath: /users\nmethods: GET\nhandler: h\ndescription: |\n  Lists\n    the users.\n",
			dynroute.RouteSpec{Name: "users", Path: "/users", Methods: []string{"GET"}, Handler: "h", Description: "Lists\n  the users.\n"}, nil},
		{"the name repeated", "users", `{"name": "users", "path": "/users", "methods": ["GET"], "handler": "h"}`,
			dynroute.RouteSpec{Name: "users", Path: "/users", Methods: []string{"GET"}, Handler: "h"}, nil},
		{"a mount", "admin", `{"app": "admin", "prefix": "/admin"}`,
			dynroute.RouteSpec{Name: "admin", App: "admin", Prefix: "/admin"}, nil},
		{"another name", "users", "name: people\npath: /users\nmethods: [GET]\nhandler: h\n", dynroute.RouteSpec{},
			[]string{"/dynroute/routes/users", `names the route "people", its key "users"`}},
		{"a misspelt key, at its line", "users", "path: /users\nmethods: [GET]\nhandlr: h\n", dynroute.RouteSpec{},
			[]string{"/dynroute/routes/users:3", "handlr"}},
		{"a JSON syntax error", "users", "{\"path\": \"/users\",\n \"methods\": [GET]}", dynroute.RouteSpec{},
			[]string{"/dynroute/routes/users:2"}},
		{"a YAML syntax error", "users", "path: /users\nmethods: [GET\n", dynroute.RouteSpec{}, []string{"/dynroute/routes/users"}},
		{"a list", "users", "- path: /a\n- path: /b\n", dynroute.RouteSpec{}, []string{"/dynroute/routes/users"}},
		{"empty", "users", " \n", dynroute.RouteSpec{}, []string{"the value is empty"}},
		{"no name", "", `{"path": "/users", "methods": ["GET"], "handler": "h"}`, dynroute.RouteSpec{}, []string{"no route name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeValue(prefix, prefix+tt.key, []byte(tt.value))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, dynroute.ErrInvalidConfig)
				for _, w := range tt.wantErr {
					assert.ErrorContains(t, err, w)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, prefix+tt.key, got.Source.File)
			assert.True(t, got.Source.From(prefix))
			got.Source = dynroute.Source{}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestEncodeValue checks that what Put stores reads back as the route it
// was given.
func TestEncodeValue(t *testing.T) {
	specs, err := dynroute.LoadYAML(strings.NewReader(`
get_user:
  path: /users/{id}
  methods: [GET, DELETE]
  handler: user
  tags: [users]
  summary: A user
  status_code: 200
  deprecated: true
  headers: {X-Version: "2"}
  extra: {limit: 10, owner: team-a}
  security: [{apiKey: []}]
admin:
  app: admin
  prefix: /admin
`), "routes.yaml")
	require.NoError(t, err)
	for _, s := range specs {
		v, err := EncodeValue(&s)
		require.NoError(t, err)
		again, err := EncodeValue(&s)
		require.NoError(t, err)
		assert.Equal(t, v, again, "the same spec, the same bytes")
		assert.NotContains(t, string(v), `"name"`)
		got, err := decodeValue("/p/", "/p/"+s.Name, v)
		require.NoError(t, err, "%s", v)
		got.Source, s.Source = dynroute.Source{}, dynroute.Source{}
		assert.Equal(t, s, got, "%s", v)
	}
}

func TestNewOptions(t *testing.T) {
	rt := dynroute.New(nil)
	cli := &clientv3.Client{}
	tests := []struct {
		name string
		cli  *clientv3.Client
		opts *Options
		want string
	}{
		{"nil client", nil, nil, "nil etcd client"},
		{"prefix without a slash", cli, &Options{Prefix: "/routes"}, `"/routes": it must end in "/"`},
		{"a loader of its own", cli, &Options{Reload: &reload.Options{Load: func(context.Context) ([]dynroute.RouteSpec, error) { return nil, nil }}}, "which New sets"},
		{"negative interval", cli, &Options{CheckInterval: -1}, "negative CheckInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(rt, tt.cli, tt.opts)
			require.ErrorIs(t, err, reload.ErrInvalidOptions)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	rl, err := New(rt, cli, nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultPrefix, rl.Source())
}

// syncBuffer is a log a Reloader writes while the test reads it.
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

// instance is one member of a fleet: a Router whose routes follow the
// prefix, with its own etcd client.
type instance struct {
	rt     *dynroute.Router
	rl     *reload.Reloader
	logs   *syncBuffer
	mu     sync.Mutex
	events []reload.Event
}

func newInstance(t *testing.T, cli *clientv3.Client, prefix string, opts *Options) *instance {
	t.Helper()
	in := &instance{rt: dynroute.New(nil), logs: &syncBuffer{}}
	require.NoError(t, in.rt.Registry().Register("hello", dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		_, _ = w.Write([]byte(ps.Route().Name))
	})))
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Prefix = prefix
	var ro reload.Options
	if o.Reload != nil {
		ro = *o.Reload
	}
	ro.Logger = slog.New(slog.NewTextHandler(in.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ro.OnReload = func(ev reload.Event) {
		in.mu.Lock()
		in.events = append(in.events, ev)
		in.mu.Unlock()
	}
	o.Reload = &ro
	rl, err := New(in.rt, cli, &o)
	require.NoError(t, err)
	in.rl = rl
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, rl.Start(ctx))
	t.Cleanup(func() {
		cancel()
		rl.Wait()
	})
	return in
}

// serves reports whether every path answers with its route's name, or 404
// for "".
func (in *instance) serves(want map[string]string) bool {
	for path, name := range want {
		w := httptest.NewRecorder()
		in.rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if name == "" && w.Code != http.StatusNotFound || name != "" && (w.Code != http.StatusOK || w.Body.String() != name) {
			return false
		}
	}
	return true
}

// converge waits until every instance serves want and returns how long
// that took.
func converge(t *testing.T, fleet []*instance, want map[string]string) time.Duration {
	t.Helper()
	start := time.Now()
	for _, in := range fleet {
		for !in.serves(want) {
			if time.Since(start) > waitLimit {
				t.Fatalf("not served within %v: %v; logs:\n%s", waitLimit, want, in.logs.String())
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	return time.Since(start)
}

// eventsAt returns the instance's events of version rev.
func (in *instance) eventsAt(rev int64) []reload.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []reload.Event
	for _, ev := range in.events {
		if ev.Version == strconv.FormatInt(rev, 10) {
			out = append(out, ev)
		}
	}
	return out
}

func route(path string) string {
	return fmt.Sprintf(`{"path": %q, "methods": ["GET"], "handler": "hello"}`, path)
}

func routes(names ...string) []dynroute.RouteSpec {
	specs := make([]dynroute.RouteSpec, len(names))
	for i, n := range names {
		specs[i] = dynroute.RouteSpec{Name: n, Path: "/" + n, Methods: []string{"GET"}, Handler: "hello"}
	}
	return specs
}

// TestFleet follows one prefix with two instances: the first load, single
// puts and deletes, a transaction of several keys, a bad value, and how
// fast a change is served.
func TestFleet(t *testing.T) {
	srv := etcdtest.Start(t)
	cli := srv.Client("")
	const prefix = "/fleet/routes/"
	ctx := t.Context()
	res, err := Put(ctx, cli, prefix, routes("a", "b"))
	require.NoError(t, err)
	assert.Equal(t, PutResult{Revision: res.Revision, Put: 2}, res)
	// A key beside the prefix is no route of it.
	_, err = cli.Put(ctx, "/fleet/routesx", "not a route")
	require.NoError(t, err)

	fleet := []*instance{newInstance(t, srv.Client(""), prefix, nil), newInstance(t, srv.Client(""), prefix, nil)}
	for _, in := range fleet {
		assert.True(t, in.serves(map[string]string{"/a": "a", "/b": "b", "/c": ""}), "the first load")
		assert.Equal(t, strconv.FormatInt(res.Revision+1, 10), in.rl.Version(), "the revision read")
	}

	t.Run("a put and a delete", func(t *testing.T) {
		resp, err := cli.Put(ctx, prefix+"c", route("/c"))
		require.NoError(t, err)
		d := converge(t, fleet, map[string]string{"/c": "c"})
		t.Logf("put served by both instances in %v", d)
		_, err = cli.Delete(ctx, prefix+"a")
		require.NoError(t, err)
		d = converge(t, fleet, map[string]string{"/a": "", "/c": "c"})
		t.Logf("delete served by both instances in %v", d)
		assert.Less(t, resp.Header.Revision, mustAtoi(t, fleet[0].rl.Version()))
	})

	t.Run("a transaction is one swap", func(t *testing.T) {
		res, err := Put(ctx, cli, prefix, routes("x1", "x2", "x3", "c"))
		require.NoError(t, err)
		// c was put by hand, in other bytes than Put's: rewritten, the same route.
		assert.Equal(t, PutResult{Revision: res.Revision, Put: 4, Deleted: 1}, res)
		converge(t, fleet, map[string]string{"/x1": "x1", "/x2": "x2", "/x3": "x3", "/b": "", "/c": "c"})
		for _, in := range fleet {
			evs := in.eventsAt(res.Revision)
			require.Len(t, evs, 1, "one reload at the transaction's revision")
			assert.Equal(t, [3]int{3, 1, 4}, [3]int{evs[0].Added, evs[0].Removed, evs[0].Routes}, "added, removed, routes in one swap")
		}
		again, err := Put(ctx, cli, prefix, routes("x1", "x2", "x3", "c"))
		require.NoError(t, err)
		assert.Equal(t, PutResult{Revision: res.Revision, Unchanged: 4}, again, "nothing to write")
	})

	t.Run("a bad value is refused with its key and revision", func(t *testing.T) {
		before := fleet[0].rl.Version()
		resp, err := cli.Put(ctx, prefix+"bad", "path: /bad\nmethods: [GET]\nhandlr: hello\n")
		require.NoError(t, err)
		rev := resp.Header.Revision
		for _, in := range fleet {
			require.Eventually(t, func() bool { return len(in.eventsAt(rev)) > 0 }, waitLimit, time.Millisecond, in.logs.String())
			ev := in.eventsAt(rev)[0]
			assert.False(t, ev.OK)
			assert.ErrorIs(t, ev.Err, dynroute.ErrInvalidConfig)
			logs := in.logs.String()
			assert.Contains(t, logs, fmt.Sprintf("/fleet/routes/bad:3"))
			assert.Contains(t, logs, fmt.Sprintf("written at revision %d", rev))
			assert.Contains(t, logs, fmt.Sprintf("version=%d", rev))
			assert.True(t, in.serves(map[string]string{"/x1": "x1", "/bad": ""}), "the old routes keep serving")
			assert.Equal(t, before, in.rl.Version())
			assert.False(t, in.rl.Status().OK)
		}
		// An unknown handler: the keys read, the set refused.
		_, err = cli.Put(ctx, prefix+"bad", route("/bad")[:len(route("/bad"))-len(`"hello"}`)]+`"nope"}`)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return strings.Contains(fleet[0].logs.String(), `\"nope\"`) }, waitLimit, time.Millisecond)
		assert.Contains(t, fleet[0].logs.String(), "/fleet/routes/bad")

		_, err = cli.Put(ctx, prefix+"bad", route("/bad"))
		require.NoError(t, err)
		converge(t, fleet, map[string]string{"/bad": "bad", "/x1": "x1"})
		for _, in := range fleet {
			assert.True(t, in.rl.Status().OK)
		}
	})

	t.Run("convergence", func(t *testing.T) {
		const changes = 30
		var times []time.Duration
		for i := range changes {
			name := fmt.Sprintf("r%d", i)
			_, err := cli.Put(ctx, prefix+name, route("/"+name))
			require.NoError(t, err)
			times = append(times, converge(t, fleet, map[string]string{"/" + name: name}))
		}
		slices.Sort(times)
		t.Logf("put -> served by both instances, %d changes: p50 %v, p90 %v, max %v",
			changes, times[changes/2], times[changes*9/10], times[changes-1])
		assert.Less(t, times[changes/2], time.Second)
	})

	// Both instances ended on the same revision.
	require.Eventually(t, func() bool { return fleet[0].rl.Version() == fleet[1].rl.Version() }, waitLimit, time.Millisecond)
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

// fastFollow is what the fault tests use: outages seen in a fraction of a
// second, and retried as often.
var fastFollow = Options{CheckInterval: 100 * time.Millisecond, Reload: &reload.Options{WatchRetry: 200 * time.Millisecond}}

// TestOutage stops etcd for a few seconds under two instances: they keep
// serving, log the outage once, and converge on the changes made after
// the restart.
func TestOutage(t *testing.T) {
	srv := etcdtest.Start(t)
	cli := srv.Client("")
	const prefix = "/outage/routes/"
	_, err := Put(t.Context(), cli, prefix, routes("a", "b"))
	require.NoError(t, err)
	fleet := []*instance{newInstance(t, srv.Client(""), prefix, &fastFollow), newInstance(t, srv.Client(""), prefix, &fastFollow)}
	converge(t, fleet, map[string]string{"/a": "a", "/b": "b"})

	srv.Stop()
	const lost = `level=WARN msg="dynroute: reload: lost the push source`
	for _, in := range fleet {
		require.Eventually(t, func() bool { return strings.Contains(in.logs.String(), lost) }, waitLimit, time.Millisecond)
		assert.False(t, in.rl.Status().OK)
	}
	down := time.Now()
	for time.Since(down) < 3*time.Second {
		for _, in := range fleet {
			require.True(t, in.serves(map[string]string{"/a": "a", "/b": "b"}), "the last good routes serve during the outage")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Start()
	start := time.Now()
	res, err := Put(t.Context(), cli, prefix, routes("a", "c"))
	require.NoError(t, err)
	d := converge(t, fleet, map[string]string{"/a": "a", "/b": "", "/c": "c"})
	t.Logf("after the restart: written in %v, then served by both instances in %v", time.Since(start)-d, d)
	for _, in := range fleet {
		logs := in.logs.String()
		assert.Equal(t, 1, strings.Count(logs, lost), "the outage is logged once:\n%s", logs)
		require.Eventually(t, func() bool { return in.rl.Status().OK }, waitLimit, time.Millisecond)
		assert.Contains(t, in.logs.String(), "the push source is back")
		assert.Equal(t, strconv.FormatInt(res.Revision, 10), in.rl.Version())
	}
}

// TestCompaction cuts one instance off etcd while the routes change and
// the history is compacted: when it is back, the revision it would resume
// from is gone, and it reloads the prefix whole.
func TestCompaction(t *testing.T) {
	srv := etcdtest.Start(t)
	cli := srv.Client("")
	const prefix = "/compact/routes/"
	_, err := Put(t.Context(), cli, prefix, routes("a"))
	require.NoError(t, err)
	proxy := tcpproxy.New(t, srv.Endpoint)
	in := newInstance(t, srv.Client(proxy.Addr()), prefix, &fastFollow)
	converge(t, []*instance{in}, map[string]string{"/a": "a"})

	proxy.SetCut(true)
	require.Eventually(t, func() bool { return !in.rl.Status().OK }, waitLimit, time.Millisecond, in.logs.String())
	var last int64
	for i := range 5 {
		res, err := Put(t.Context(), cli, prefix, routes("a", fmt.Sprintf("n%d", i)))
		require.NoError(t, err)
		last = res.Revision
	}
	_, err = cli.Compact(t.Context(), last)
	require.NoError(t, err)
	assert.True(t, in.serves(map[string]string{"/a": "a", "/n4": ""}), "cut off, it serves what it had")

	proxy.SetCut(false)
	converge(t, []*instance{in}, map[string]string{"/a": "a", "/n4": "n4", "/n3": ""})
	require.Eventually(t, func() bool { return strings.Contains(in.logs.String(), "were compacted, reloading the prefix whole") }, waitLimit, time.Millisecond, in.logs.String())
	assert.Equal(t, strconv.FormatInt(last, 10), in.rl.Version())

	// It follows the prefix again, from the compaction on.
	_, err = cli.Put(t.Context(), prefix+"z", route("/z"))
	require.NoError(t, err)
	converge(t, []*instance{in}, map[string]string{"/z": "z"})
}
