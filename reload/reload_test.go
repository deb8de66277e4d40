package reload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLimit bounds every wait of these tests. Reloads take milliseconds;
// the limit only decides how long a broken build takes to fail.
const waitLimit = 10 * time.Second

// syncBuffer is a bytes.Buffer that a logger may write to while the test
// reads it.
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

// reloadRouter returns a Router whose Registry has the handler "hello",
// which answers with the matched route's name.
func reloadRouter(t *testing.T) *dynroute.Router {
	t.Helper()
	rt := dynroute.New(nil)
	require.NoError(t, rt.Registry().Register("hello", dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		_, _ = w.Write([]byte(ps.Route().Name))
	})))
	// A route added in code: reloads of a source never touch it.
	rt.MustAddAPIRoute("/code", []string{"GET"}, testkit.Text("code"), &dynroute.RouteOptions{Name: "code"})
	return rt
}

// yamlRoutes is a YAML config with one route per name: GET /<name>, served
// by "hello".
func yamlRoutes(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s:\n  path: /%s\n  methods: [GET]\n  handler: hello\n", n, n)
	}
	return b.String()
}

// specRoutes is yamlRoutes as specs.
func specRoutes(names ...string) []dynroute.RouteSpec {
	specs := make([]dynroute.RouteSpec, len(names))
	for i, n := range names {
		specs[i] = dynroute.RouteSpec{Name: n, Path: "/" + n, Methods: []string{"GET"}, Handler: "hello"}
	}
	return specs
}

func writeFile(t *testing.T, file, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
}

// reloadHarness is a Router with a Reloader whose events and logs the test
// reads.
type reloadHarness struct {
	t      *testing.T
	rt     *dynroute.Router
	rl     *Reloader
	events chan Event
	logs   *syncBuffer
}

// newHarness makes the Reloader with mk, hooking OnReload and Logger into
// the harness; opts may set anything else.
func newHarness(t *testing.T, opts *Options, mk func(*dynroute.Router, *Options) (*Reloader, error)) *reloadHarness {
	t.Helper()
	h := &reloadHarness{t: t, rt: reloadRouter(t), events: make(chan Event, 1000), logs: &syncBuffer{}}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.OnReload = func(ev Event) { h.events <- ev }
	rl, err := mk(h.rt, &o)
	require.NoError(t, err)
	h.rl = rl
	return h
}

// start starts the Reloader until the test ends, and waits for its
// goroutines after that.
func (h *reloadHarness) start() {
	h.t.Helper()
	require.NoError(h.t, h.rl.Start(h.t.Context()))
	h.t.Cleanup(h.rl.Wait) // t.Context is canceled before cleanups run
	ev := h.waitEvent("the first load", func(ev Event) bool { return ev.Trigger == TriggerStart })
	require.True(h.t, ev.OK, "first load: %v", ev.Err)
}

// waitEvent returns the first event that what matches, dropping others.
func (h *reloadHarness) waitEvent(desc string, what func(Event) bool) Event {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		select {
		case ev := <-h.events:
			if what(ev) {
				return ev
			}
		case <-deadline.C:
			h.t.Fatalf("no reload event: %s, within %v; logs:\n%s", desc, waitLimit, h.logs.String())
		}
	}
}

// serves asserts, polling until the deadline, that each path answers with
// its route's name (want[path] = name) or, for "", 404.
func (h *reloadHarness) serves(want map[string]string) {
	h.t.Helper()
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		for path, name := range want {
			w := testkit.Serve(h.rt, http.MethodGet, path)
			code, body := w.Code, w.Body.String()
			if name == "" {
				assert.Equal(c, http.StatusNotFound, code, path)
			} else {
				assert.Equal(c, http.StatusOK, code, path)
				assert.Equal(c, name, body, path)
			}
		}
	}, waitLimit, 2*time.Millisecond)
}

// servesNow is serves without waiting: for a table that must not change.
func (h *reloadHarness) servesNow(want map[string]string) {
	h.t.Helper()
	for path, name := range want {
		w := testkit.Serve(h.rt, http.MethodGet, path)
		code, body := w.Code, w.Body.String()
		if name == "" {
			assert.Equal(h.t, http.StatusNotFound, code, path)
		} else {
			assert.Equal(h.t, http.StatusOK, code, path)
			assert.Equal(h.t, name, body, path)
		}
	}
}

func isFile(ev Event) bool { return ev.Trigger == TriggerFile }

func TestReloaderWatchFile(t *testing.T) {
	tests := []struct {
		name string
		// change makes file hold content, the way one kind of editor does.
		change func(t *testing.T, h *reloadHarness, file, content string)
	}{
		{"write in place", func(t *testing.T, _ *reloadHarness, file, content string) {
			writeFile(t, file, content)
		}},
		{"rename over", func(t *testing.T, _ *reloadHarness, file, content string) {
			// Editors and config management write a temporary file and
			// rename it over the old one, which the old inode never sees.
			tmp := filepath.Join(filepath.Dir(file), ".routes.yaml.swp")
			writeFile(t, tmp, content)
			require.NoError(t, os.Rename(tmp, file))
		}},
		{"delete and recreate", func(t *testing.T, h *reloadHarness, file, content string) {
			old := make(map[string]string)
			for _, r := range h.rt.Routes() {
				old[r.Path] = r.Name
			}
			require.NoError(t, os.Remove(file))
			// With the file gone the reload fails and the old table stays.
			ev := h.waitEvent("the failed reload of the deleted file", isFile)
			require.False(t, ev.OK)
			assert.ErrorIs(t, ev.Err, ErrFailed)
			assert.ErrorIs(t, ev.Err, fs.ErrNotExist)
			assert.Equal(t, len(old)-1, ev.Routes, "the file's routes keep serving")
			h.servesNow(old)
			writeFile(t, file, content)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "routes.yaml")
			writeFile(t, file, yamlRoutes("a"))
			h := newHarness(t, &Options{Debounce: 20 * time.Millisecond}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
				return NewFile(rt, file, o)
			})
			h.start()
			h.servesNow(map[string]string{"/a": "a", "/b": "", "/code": "code"})

			tt.change(t, h, file, yamlRoutes("a", "b"))
			ev := h.waitEvent("the reload after the change", func(ev Event) bool { return isFile(ev) && ev.OK })
			assert.True(t, ev.Changed)
			assert.Equal(t, 1, ev.Added)
			assert.Equal(t, 0, ev.Removed)
			assert.Equal(t, 2, ev.Routes)
			h.servesNow(map[string]string{"/a": "a", "/b": "b", "/code": "code"})
			assert.ElementsMatch(t, []string{"/a", "/b", "/code"}, documentedPaths(t, h.rt), "the document follows the swap")

			// A second change of the same kind: the watch survives the first
			// (a rename or delete would end a watch on the file itself).
			tt.change(t, h, file, yamlRoutes("b", "c"))
			ev = h.waitEvent("the reload after the second change", func(ev Event) bool { return isFile(ev) && ev.OK })
			assert.Equal(t, 1, ev.Added)
			assert.Equal(t, 1, ev.Removed)
			h.servesNow(map[string]string{"/a": "", "/b": "b", "/c": "c", "/code": "code"})
			assert.ElementsMatch(t, []string{"/b", "/c", "/code"}, documentedPaths(t, h.rt))
		})
	}
}

// documentedPaths returns the paths of the document rt serves now.
func documentedPaths(t *testing.T, rt *dynroute.Router) []string {
	t.Helper()
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	require.Equal(t, http.StatusOK, w.Code)
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	return paths
}

// TestReloaderWatchSymlinkSwap follows a file that is a symbolic link into
// a directory that is swapped by renaming another link, as Kubernetes
// updates a mounted ConfigMap: no event names the watched file.
func TestReloaderWatchSymlinkSwap(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	version := func(n int, content string) {
		vdir := filepath.Join(dir, fmt.Sprintf("..v%d", n))
		require.NoError(t, os.Mkdir(vdir, 0o755))
		writeFile(t, filepath.Join(vdir, "routes.yaml"), content)
		tmp := filepath.Join(dir, "..data_tmp")
		require.NoError(t, os.Symlink(filepath.Base(vdir), tmp))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	}
	version(1, yamlRoutes("a"))
	file := filepath.Join(dir, "routes.yaml")
	require.NoError(t, os.Symlink(filepath.Join("..data", "routes.yaml"), file))

	h := newHarness(t, &Options{Debounce: 20 * time.Millisecond}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
		return NewFile(rt, file, o)
	})
	h.start()
	h.servesNow(map[string]string{"/a": "a", "/b": ""})
	version(2, yamlRoutes("a", "b"))
	ev := h.waitEvent("the reload after the link swap", func(ev Event) bool { return isFile(ev) && ev.OK })
	assert.Equal(t, 1, ev.Added)
	h.servesNow(map[string]string{"/a": "a", "/b": "b"})
}

func TestReloaderBadConfigKeepsOldTable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.yaml")
	writeFile(t, file, yamlRoutes("a", "b"))
	h := newHarness(t, &Options{Debounce: 10 * time.Millisecond}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
		return NewFile(rt, file, o)
	})
	h.start()
	old := map[string]string{"/a": "a", "/b": "b", "/c": "", "/code": "code"}
	h.servesNow(old)
	before := h.rt.RouteSpecs() // a failed ReplaceSource publishes no table (the root tests it); the routes stay

	// A syntax error: the loader refuses the whole file.
	writeFile(t, file, "a:\n  path: /a\n  methods: [GET\n")
	ev := h.waitEvent("the failed reload of a broken file", isFile)
	require.False(t, ev.OK)
	assert.ErrorIs(t, ev.Err, ErrFailed)
	assert.ErrorIs(t, ev.Err, dynroute.ErrInvalidConfig)
	assert.False(t, ev.Changed)
	assert.Equal(t, 2, ev.Routes)
	assert.Equal(t, before, h.rt.RouteSpecs(), "a failed reload changes no route")
	h.servesNow(old)

	// A readable file with three bad routes: every problem is reported
	// and logged, and none of the good routes is applied.
	writeFile(t, file, yamlRoutes("a", "c")+
		"bad_handler:\n  path: /x\n  methods: [GET]\n  handler: nope\n"+
		"bad_path:\n  path: /y/:id\n  methods: [GET]\n  handler: hello\n"+
		"dup:\n  path: /a\n  methods: [GET]\n  handler: hello\n")
	ev = h.waitEvent("the failed reload of a bad config", isFile)
	require.False(t, ev.OK)
	assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
	assert.ErrorIs(t, ev.Err, dynroute.ErrInvalidPath)
	assert.ErrorIs(t, ev.Err, dynroute.ErrDuplicateRoute)
	assert.Equal(t, 3, ev.Problems)
	assert.Equal(t, before, h.rt.RouteSpecs())
	h.servesNow(old)
	logs := h.logs.String()
	assert.Contains(t, logs, "reload failed, the old routes keep serving")
	for _, p := range []string{`\"nope\"`, "/y/:id", "duplicates route"} {
		assert.Contains(t, logs, p, "every problem is logged")
	}
	assert.Equal(t, 3, strings.Count(logs, "msg=\"dynroute: reload problem\""), logs)

	// A good file after the bad ones applies, compared with the last good one.
	writeFile(t, file, yamlRoutes("a", "c"))
	ev = h.waitEvent("the reload of the fixed file", func(ev Event) bool { return isFile(ev) && ev.OK })
	assert.Equal(t, 1, ev.Added)
	assert.Equal(t, 1, ev.Removed)
	h.servesNow(map[string]string{"/a": "a", "/b": "", "/c": "c", "/code": "code"})
}

// staticSource is a Load function over specs the test sets.
type staticSource struct {
	mu    sync.Mutex
	specs []dynroute.RouteSpec
	err   error
	loads atomic.Int64
}

func (s *staticSource) set(specs []dynroute.RouteSpec, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.specs, s.err = specs, err
}

func (s *staticSource) load(context.Context) ([]dynroute.RouteSpec, error) {
	s.loads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]dynroute.RouteSpec(nil), s.specs...), s.err
}

func TestReloaderSIGHUP(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP on Windows")
	}
	src := &staticSource{}
	src.set(specRoutes("a"), nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load, Signals: []os.Signal{syscall.SIGHUP}}, New)
	h.start() // Start has called signal.Notify when it returns
	// Should the Reloader's handler be missing, SIGHUP's default action
	// would kill the test binary: a handler of the test's own prevents it.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	src.set(specRoutes("a", "b"), nil)
	require.NoError(t, sighup())
	ev := h.waitEvent("the reload on SIGHUP", func(ev Event) bool { return ev.Trigger == TriggerSignal })
	require.True(t, ev.OK, "%v", ev.Err)
	assert.Equal(t, 1, ev.Added)
	h.servesNow(map[string]string{"/a": "a", "/b": "b"})
	select {
	case <-guard:
	case <-time.After(waitLimit):
		t.Fatal("the guard did not see the signal")
	}
}

func TestReloaderEvents(t *testing.T) {
	src := &staticSource{}
	src.set(specRoutes("a", "b", "c"), nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load}, New)

	// Reload works before Start; Start then loads again and finds no change.
	ev, err := h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, Event{Source: "mem", Trigger: TriggerManual, OK: true, Changed: true, Routes: 3, Added: 3,
		Start: ev.Start, Duration: ev.Duration}, ev)
	assert.Positive(t, ev.Duration)
	assert.Equal(t, ev, <-h.events, "OnReload gets what Reload returns")
	h.start()

	changed := specRoutes("b", "c", "d")
	changed[1].Summary = "now documented"
	src.set(changed, nil)
	ev, err = h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.True(t, ev.OK && ev.Changed)
	assert.Equal(t, [4]int{3, 1, 1, 1}, [4]int{ev.Routes, ev.Added, ev.Removed, ev.Updated}, "routes, added, removed, updated")
	h.servesNow(map[string]string{"/a": "", "/b": "b", "/c": "c", "/d": "d"})
	routes := h.rt.Routes()
	require.Len(t, routes, 4)
	assert.Equal(t, dynroute.Source{File: "mem"}, routes[1].Source, "specs without a Source get the Reloader's")

	before := h.rt.RouteSpecs() // a failed ReplaceSource publishes no table (the root tests it); the routes stay
	ev, err = h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.True(t, ev.OK)
	assert.False(t, ev.Changed, "the same specs again publish nothing")
	assert.Zero(t, ev.Added+ev.Removed+ev.Updated)
	assert.Equal(t, before, h.rt.RouteSpecs())

	boom := errors.New("source unavailable")
	src.set(nil, boom)
	ev, err = h.rl.Reload(t.Context())
	require.ErrorIs(t, err, boom)
	assert.ErrorIs(t, err, ErrFailed)
	assert.False(t, ev.OK)
	assert.Equal(t, err, ev.Err)
	assert.Equal(t, 3, ev.Routes)
	assert.Equal(t, 1, ev.Problems)
	assert.Contains(t, h.logs.String(), "source unavailable")
}

func TestReloaderSourceOfSpecs(t *testing.T) {
	src := &staticSource{}
	specs := specRoutes("a", "b")
	specs[1].Source = dynroute.Source{File: "other.yaml", Line: 3}
	src.set(specs, nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load}, New)
	_, err := h.rl.Reload(t.Context())
	require.ErrorIs(t, err, dynroute.ErrInvalidConfig)
	assert.ErrorContains(t, err, `other.yaml:3`)
	assert.ErrorContains(t, err, `not "mem"`)
	h.servesNow(map[string]string{"/a": "", "/b": ""})

	// Lenient mode skips it with a warning.
	h = newHarness(t, &Options{Source: "mem", Load: src.load, Apply: &dynroute.ApplyOptions{Lenient: true}}, New)
	ev, err := h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, ev.Routes)
	assert.Equal(t, 1, ev.Problems)
	h.servesNow(map[string]string{"/a": "a", "/b": ""})
	assert.Contains(t, h.logs.String(), "level=WARN")
}

func TestReloaderLenient(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.json")
	writeFile(t, file, `[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello"},
		{"name": "b", "path": "/b", "methods": ["GET"], "handler": "nope"},
		{"name": "c", "path": "/c", "methods": ["GET"], "handler": "hello", "sumary": "C"}]`)
	h := newHarness(t, &Options{Apply: &dynroute.ApplyOptions{Lenient: true}}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
		return NewFile(rt, file, o)
	})
	ev, err := h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, ev.Routes)
	assert.Equal(t, 1, ev.Added)
	assert.Equal(t, 2, ev.Problems, "the unknown handler and the misspelt key")
	h.servesNow(map[string]string{"/a": "a", "/b": "", "/c": ""})
	logs := h.logs.String()
	assert.Contains(t, logs, `\"nope\"`)
	assert.Contains(t, logs, "sumary")
}

func TestReloaderStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.yaml")
	h := newHarness(t, nil, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
		return NewFile(rt, file, o)
	})
	before := runtime.NumGoroutine()
	err := h.rl.Start(t.Context())
	require.ErrorIs(t, err, ErrFailed, "a program must not start without its routes")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, []string{"code"}, routeNames(h.rt))
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "nothing is left running")
	ev := <-h.events
	assert.Equal(t, TriggerStart, ev.Trigger)
	assert.False(t, ev.OK)
	assert.Equal(t, err, ev.Err)

	writeFile(t, file, yamlRoutes("a"))
	h.start()
	h.servesNow(map[string]string{"/a": "a"})
	assert.ErrorIs(t, h.rl.Start(t.Context()), ErrStarted)
}

func routeNames(rt *dynroute.Router) []string {
	var names []string
	for _, r := range rt.Routes() {
		names = append(names, r.Name)
	}
	return names
}

func TestNewOptions(t *testing.T) {
	rt := dynroute.New(nil)
	load := func(context.Context) ([]dynroute.RouteSpec, error) { return nil, nil }
	version := func(context.Context) (string, error) { return "", nil }
	tests := []struct {
		name string
		rt   *dynroute.Router
		opts *Options
		want string
	}{
		{"nil options", rt, nil, "no Source; no Load function"},
		{"nil router", nil, &Options{Source: "s", Load: load}, "nil Router"},
		{"negative interval", rt, &Options{Source: "s", Load: load, PollInterval: -1}, "negative"},
		{"version without poll", rt, &Options{Source: "s", Load: load, Version: version}, "Version without a PollInterval"},
		{"nil signal", rt, &Options{Source: "s", Load: load, Signals: []os.Signal{nil}}, "nil signal"},
		{"both loaders", rt, &Options{Source: "s", Load: load, LoadVersioned: func(context.Context) ([]dynroute.RouteSpec, string, error) { return nil, "", nil }}, "both Load and LoadVersioned"},
		{"negative watch retry", rt, &Options{Source: "s", Load: load, WatchRetry: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.rt, tt.opts)
			require.ErrorIs(t, err, ErrInvalidOptions)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := NewFile(rt, "routes.toml", nil)
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.ErrorContains(t, err, `unknown extension ".toml"`)
	_, err = New(rt, &Options{Source: "s", Load: load})
	assert.NoError(t, err)
}

// TestReloaderDebounce rewrites the file many times in a burst: the
// Reloader loads far fewer times than that and ends on the last content.
func TestReloaderDebounce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.yaml")
	writeFile(t, file, yamlRoutes("r0"))
	h := newHarness(t, &Options{Debounce: 50 * time.Millisecond}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
		return NewFile(rt, file, o)
	})
	h.start()
	const writes = 50
	names := []string{"r0"}
	for i := 1; i <= writes; i++ {
		names = append(names, fmt.Sprintf("r%d", i))
		writeFile(t, file, yamlRoutes(names...))
	}
	h.serves(map[string]string{fmt.Sprintf("/r%d", writes): fmt.Sprintf("r%d", writes)})
	reloads := 0
	for {
		select {
		case ev := <-h.events:
			reloads++
			assert.True(t, ev.OK, "%v", ev.Err)
			continue
		default:
		}
		break
	}
	t.Logf("%d writes, %d reloads", writes, reloads)
	assert.Less(t, reloads, writes/2)
}

// TestReloaderPollChecksum polls a source without a version: every poll
// loads it, and only a change of content is a reload.
func TestReloaderPollChecksum(t *testing.T) {
	src := &staticSource{}
	src.set(specRoutes("a"), nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load, PollInterval: 2 * time.Millisecond}, New)
	h.start()
	waitLoads(t, src, 5)
	select {
	case ev := <-h.events:
		t.Fatalf("a poll that found no change reported %+v", ev)
	default:
	}
	src.set(specRoutes("a", "b"), nil)
	ev := h.waitEvent("the poll's reload", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	require.True(t, ev.OK)
	assert.Equal(t, 1, ev.Added)
	h.servesNow(map[string]string{"/b": "b"})

	// A bad config is reported once, not on every poll, and the old table
	// keeps serving.
	bad := specRoutes("a", "b", "c")
	bad[2].Handler = "nope"
	src.set(bad, nil)
	ev = h.waitEvent("the failed poll", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
	waitLoads(t, src, 5)
	select {
	case ev := <-h.events:
		t.Fatalf("the same bad config was reported again: %+v", ev)
	default:
	}
	h.servesNow(map[string]string{"/b": "b", "/c": ""})
}

// waitLoads waits for n more loads of src.
func waitLoads(t *testing.T, src *staticSource, n int64) {
	t.Helper()
	target := src.loads.Load() + n
	require.Eventually(t, func() bool { return src.loads.Load() >= target }, waitLimit, time.Millisecond)
}

// TestReloaderPollVersion polls with a Version: the source is loaded only
// when the version changes, and on every ChecksumEvery-th poll, which
// catches a change the version missed.
func TestReloaderPollVersion(t *testing.T) {
	src := &staticSource{}
	src.set(specRoutes("a"), nil)
	var version, versionReads atomic.Int64
	h := newHarness(t, &Options{
		Source: "mem", Load: src.load, PollInterval: 2 * time.Millisecond, ChecksumEvery: 1000,
		Version: func(context.Context) (string, error) {
			versionReads.Add(1)
			return fmt.Sprint(version.Load()), nil
		},
	}, New)
	h.start()
	loads := src.loads.Load()
	reads := versionReads.Load()
	require.Eventually(t, func() bool { return versionReads.Load() >= reads+5 }, waitLimit, time.Millisecond)
	assert.Equal(t, loads, src.loads.Load(), "an unchanged version loads nothing")

	src.set(specRoutes("a", "b"), nil)
	version.Add(1)
	ev := h.waitEvent("the poll's reload", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	require.True(t, ev.OK)
	h.servesNow(map[string]string{"/b": "b"})

	// A change the version misses is found by the checksum poll.
	h2 := newHarness(t, &Options{
		Source: "mem", Load: src.load, PollInterval: 2 * time.Millisecond, ChecksumEvery: 3,
		Version: func(context.Context) (string, error) { return "same", nil },
	}, New)
	h2.start()
	src.set(specRoutes("c"), nil)
	ev = h2.waitEvent("the checksum poll's reload", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	require.True(t, ev.OK)
	h2.servesNow(map[string]string{"/c": "c", "/b": ""})

	// ErrNoVersion: every poll compares checksums.
	h3 := newHarness(t, &Options{
		Source: "mem", Load: src.load, PollInterval: 2 * time.Millisecond, ChecksumEvery: -1,
		Version: func(context.Context) (string, error) { return "", fmt.Errorf("none: %w", ErrNoVersion) },
	}, New)
	h3.start()
	src.set(specRoutes("d"), nil)
	ev = h3.waitEvent("the poll's reload without a version", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	require.True(t, ev.OK)
	h3.servesNow(map[string]string{"/d": "d"})
}

// TestReloaderRunEndsGoroutines runs a Reloader with every trigger and
// checks that once its context is done Run returns and every goroutine it
// started, fsnotify's included, has ended.
func TestReloaderRunEndsGoroutines(t *testing.T) {
	// os/signal starts one goroutine, for good, at its first Notify: start
	// it before counting.
	warm := make(chan os.Signal, 1)
	signal.Notify(warm, syscall.SIGHUP)
	signal.Stop(warm)

	file := filepath.Join(t.TempDir(), "routes.yaml")
	writeFile(t, file, yamlRoutes("a"))
	h := newHarness(t, &Options{
		Debounce:     time.Millisecond,
		Signals:      []os.Signal{syscall.SIGHUP},
		PollInterval: time.Millisecond,
	}, func(rt *dynroute.Router, o *Options) (*Reloader, error) { return NewFile(rt, file, o) })

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.rl.Run(ctx) }()
	h.waitEvent("the first load", func(ev Event) bool { return ev.Trigger == TriggerStart })
	writeFile(t, file, yamlRoutes("a", "b"))
	h.serves(map[string]string{"/b": "b"})
	// Run, the watch, fsnotify's reader, the signal and poll loops.
	assert.GreaterOrEqual(t, runtime.NumGoroutine(), before+5)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after its context ended")
	}
	// A loop of its own: assert.Eventually runs the condition in goroutines
	// of its own, which the count would see.
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines are left running, %d before Run:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	h.servesNow(map[string]string{"/a": "a", "/b": "b"})
}

// A Reloader keeps a config file's routes served: Start loads the file (and
// fails if it cannot), then every save of the file and every SIGHUP reloads
// it, all or nothing.
func ExampleNewFile() {
	dir, err := os.MkdirTemp("", "dynroute-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "routes.yaml")
	if err := os.WriteFile(file, []byte("hello:\n  path: /hello\n  methods: [GET]\n  handler: hello\n"), 0o644); err != nil {
		panic(err)
	}

	rt := dynroute.New(nil)
	_ = rt.Registry().Register("hello", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("hello"))
	}))
	rl, err := NewFile(rt, file, &Options{
		Signals: []os.Signal{syscall.SIGHUP},
		Logger:  slog.New(slog.DiscardHandler), // the default, slog.Default(), logs every reload
		OnReload: func(ev Event) {
			fmt.Printf("%s: ok=%v routes=%d added=%d removed=%d\n", ev.Trigger, ev.OK, ev.Routes, ev.Added, ev.Removed)
		},
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := rl.Start(ctx); err != nil {
		panic(err) // the file could not be loaded: do not serve without it
	}
	// http.ListenAndServe("127.0.0.1:8000", rt) would serve here; an admin
	// endpoint could call Reload.
	if _, err := rl.Reload(ctx); err != nil {
		panic(err)
	}
	cancel()
	rl.Wait()
	// Output:
	// start: ok=true routes=1 added=1 removed=0
	// manual: ok=true routes=1 added=0 removed=0
}

// sighup sends SIGHUP to the test binary itself.
func sighup() error {
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		return err
	}
	return p.Signal(syscall.SIGHUP)
}

// TestReloaderLenientPartialRead checks that lenient mode does not apply
// specs that a loader read before it failed for another reason than the
// config (a lost connection): that would serve half a table.
func TestReloaderLenientPartialRead(t *testing.T) {
	src := &staticSource{}
	src.set(specRoutes("a", "b"), nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load, Apply: &dynroute.ApplyOptions{Lenient: true}}, New)
	_, err := h.rl.Reload(t.Context())
	require.NoError(t, err)

	lost := errors.New("connection reset")
	badEntry := &dynroute.RouteError{Name: "c", Err: dynroute.ErrInvalidConfig, Detail: "unknown key"}
	src.set(specRoutes("a"), errors.Join(badEntry, lost))
	ev, err := h.rl.Reload(t.Context())
	require.ErrorIs(t, err, lost)
	assert.Equal(t, 2, ev.Problems)
	h.servesNow(map[string]string{"/a": "a", "/b": "b"})

	src.set(specRoutes("a"), errors.Join(badEntry))
	ev, err = h.rl.Reload(t.Context())
	require.NoError(t, err, "config problems alone are skipped in lenient mode")
	assert.Equal(t, 1, ev.Problems)
	h.servesNow(map[string]string{"/a": "a", "/b": ""})
}

// TestReloaderPollVersionFails checks that a version check that keeps
// failing (the database is down) is logged once, not on every poll, and
// that the poll recovers.
func TestReloaderPollVersionFails(t *testing.T) {
	src := &staticSource{}
	src.set(specRoutes("a"), nil)
	var down atomic.Bool
	var reads, version atomic.Int64
	h := newHarness(t, &Options{
		Source: "mem", Load: src.load, PollInterval: time.Millisecond, ChecksumEvery: -1,
		Version: func(context.Context) (string, error) {
			reads.Add(1)
			if down.Load() {
				return "", errors.New("database is down")
			}
			return fmt.Sprint(version.Load()), nil
		},
	}, New)
	h.start()
	down.Store(true)
	n := reads.Load()
	require.Eventually(t, func() bool { return reads.Load() >= n+10 }, waitLimit, time.Millisecond)
	assert.Equal(t, 1, strings.Count(h.logs.String(), "level=WARN msg=\"dynroute: reload poll: version check failed\""), h.logs.String())

	src.set(specRoutes("a", "b"), nil)
	version.Add(1)
	down.Store(false)
	ev := h.waitEvent("the poll's reload after recovery", func(ev Event) bool { return ev.Trigger == TriggerPoll })
	assert.True(t, ev.OK)
	h.servesNow(map[string]string{"/b": "b"})
}

// TestReloaderUnnamedRoutes checks that routes without a name are known by
// their methods and path from one reload to the next.
func TestReloaderUnnamedRoutes(t *testing.T) {
	src := &staticSource{}
	specs := specRoutes("a", "b")
	specs[0].Name, specs[1].Name = "", ""
	src.set(specs, nil)
	h := newHarness(t, &Options{Source: "mem", Load: src.load}, New)
	_, err := h.rl.Reload(t.Context())
	require.NoError(t, err)

	changed := specRoutes("a", "c")
	changed[0].Name, changed[1].Name = "", ""
	changed[0].Methods = []string{"get"} // the same route
	changed[0].Summary = "documented"
	src.set(changed, nil)
	ev, err := h.rl.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, [3]int{1, 1, 1}, [3]int{ev.Added, ev.Removed, ev.Updated}, "added, removed, updated")
}

// TestReloaderEmptySource refuses a source with no routes, which is most
// often a file caught while being rewritten, unless AllowEmpty is set.
func TestReloaderEmptySource(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprint("AllowEmpty=", allow), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "routes.yaml")
			writeFile(t, file, yamlRoutes("a"))
			h := newHarness(t, &Options{AllowEmpty: allow}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
				return NewFile(rt, file, o)
			})
			h.start()
			writeFile(t, file, "")
			ev, err := h.rl.Reload(t.Context())
			if allow {
				require.NoError(t, err)
				assert.Equal(t, 1, ev.Removed)
				h.servesNow(map[string]string{"/a": ""})
				return
			}
			require.ErrorIs(t, err, ErrFailed)
			assert.Contains(t, err.Error(), "the source has no routes")
			h.servesNow(map[string]string{"/a": "a", "/code": "code"})
		})
	}
}

// TestReloaderSeesEveryField: a file that changes only a route's
// response_model, max_body_bytes or security is a change, applied, not
// "no change".
func TestReloaderSeesEveryField(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.json")
	h := newHarness(t, nil, func(rt *dynroute.Router, o *Options) (*Reloader, error) { return NewFile(rt, file, o) })
	type m1 struct{ A int }
	type m2 struct{ B string }
	require.NoError(t, h.rt.Registry().RegisterModel("one", m1{}))
	require.NoError(t, h.rt.Registry().RegisterModel("two", m2{}))
	require.NoError(t, h.rt.AddSecurityScheme("k", dynroute.SecurityScheme{Type: "apiKey", In: "header", Name: "K"}))
	require.NoError(t, h.rt.Registry().RegisterVerifier("k", dynroute.VerifierFunc(func(context.Context, dynroute.Credential) (*dynroute.Principal, error) {
		return nil, dynroute.ErrCredentials
	})))
	for _, tt := range []struct{ doc, model string }{
		{`[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello", "response_model": "one"}]`, "one"},
		{`[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello", "response_model": "two"}]`, "two"},
		{`[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello", "response_model": "two", "max_body_bytes": 10}]`, "two"},
		{`[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello", "response_model": "two", "max_body_bytes": 10, "security": []}]`, "two"},
		{`[{"name": "a", "path": "/a", "methods": ["GET"], "handler": "hello", "response_model": "two", "max_body_bytes": 10, "security": [{"k": []}]}]`, "two"},
	} {
		writeFile(t, file, tt.doc)
		ev, err := h.rl.Reload(t.Context())
		require.NoError(t, err)
		assert.True(t, ev.Changed, "%s", tt.doc)
		specs := h.rt.RouteSpecs()
		i := slices.IndexFunc(specs, func(s dynroute.RouteSpec) bool { return s.Name == "a" })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, tt.model, specs[i].ResponseModel)
	}
}
