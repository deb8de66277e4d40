package reload

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pushSource is a source that pushes its changes, as etcd does: every set
// is a new version, announced to the connected Watch. It can be taken down
// (Watch fails to connect, or loses the connection) and can hold loads at
// a gate.
type pushSource struct {
	mu      sync.Mutex
	specs   []dynroute.RouteSpec
	version int
	changed func(string) // the connected Watch's; nil while down
	down    bool
	gate    chan struct{} // when set, each load waits for a token after reading

	loads   atomic.Int64
	watches atomic.Int64 // Watch calls
	drop    chan error   // a connected Watch returns what it receives
	mute    atomic.Bool  // connected, but announcing nothing (lost notifications)
}

func newPushSource(names ...string) *pushSource {
	return &pushSource{specs: specRoutes(names...), version: 1, drop: make(chan error, 1)}
}

// set changes the source to specs, a new version, and announces it.
func (s *pushSource) set(specs []dynroute.RouteSpec) string {
	s.mu.Lock()
	s.specs = specs
	s.version++
	v := strconv.Itoa(s.version)
	changed := s.changed
	s.mu.Unlock()
	if changed != nil && !s.mute.Load() {
		changed(v)
	}
	return v
}

func (s *pushSource) load(ctx context.Context) ([]dynroute.RouteSpec, string, error) {
	s.loads.Add(1)
	s.mu.Lock()
	gate, down := s.gate, s.down
	specs, version := append([]dynroute.RouteSpec(nil), s.specs...), strconv.Itoa(s.version)
	s.mu.Unlock()
	if gate != nil {
		// The snapshot is taken: changes from now on are the next load's.
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
	if down {
		return nil, "", errors.New("connection refused")
	}
	return specs, version, nil
}

func (s *pushSource) watch(ctx context.Context, changed func(string)) error {
	s.watches.Add(1)
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return errors.New("connection refused")
	}
	s.changed = changed
	v := strconv.Itoa(s.version)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.changed = nil
		s.mu.Unlock()
	}()
	changed(v) // connected: anything missed meanwhile is reloaded
	select {
	case <-ctx.Done():
		return nil
	case err := <-s.drop:
		return err
	}
}

// setDown takes the source down (the connected Watch loses it) or brings
// it back.
func (s *pushSource) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
	if down {
		s.drop <- errors.New("connection reset by peer")
	}
}

func isPush(ev Event) bool { return ev.Trigger == TriggerPush }

func TestReloaderPush(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		run  func(t *testing.T, h *reloadHarness, src *pushSource)
	}{
		{"a change applies with its version", Options{}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			v := src.set(specRoutes("a", "b"))
			ev := h.waitEvent("the push", isPush)
			require.True(t, ev.OK, "%v", ev.Err)
			assert.True(t, ev.Changed)
			assert.Equal(t, 1, ev.Added)
			assert.Equal(t, v, ev.Version)
			assert.Equal(t, v, h.rl.Version())
			h.servesNow(map[string]string{"/a": "a", "/b": "b", "/code": "code"})
			assert.Contains(t, h.logs.String(), "version="+v)
		}},
		{"changes during a reload fold into one more", Options{}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			gate := make(chan struct{})
			src.mu.Lock()
			src.gate = gate
			src.mu.Unlock()
			loads := src.loads.Load()
			src.set(specRoutes("a", "b"))
			require.Eventually(t, func() bool { return src.loads.Load() == loads+1 }, waitLimit, time.Millisecond, "the first reload is loading")
			names := []string{"a"}
			var last string
			for i := range 20 {
				names = append(names, "n"+strconv.Itoa(i))
				last = src.set(specRoutes(names...))
			}
			gate <- struct{}{} // the reload that was loading
			gate <- struct{}{} // the one reload the twenty changes fold into
			ev := h.waitEvent("the push of the last change", func(ev Event) bool { return isPush(ev) && ev.Version == last })
			require.True(t, ev.OK, "%v", ev.Err)
			assert.Equal(t, 21, ev.Routes)
			h.servesNow(map[string]string{"/n19": "n19", "/b": ""})
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, loads+2, src.loads.Load(), "twenty changes during a load are one more load")
		}},
		{"an announced version that was loaded is skipped", Options{}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			src.mu.Lock()
			changed, v := src.changed, strconv.Itoa(src.version)
			src.mu.Unlock()
			loads := src.loads.Load()
			for range 5 {
				changed(v)
			}
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, loads, src.loads.Load(), h.logs.String())
			changed("") // a change of unknown version is always loaded
			require.Eventually(t, func() bool { return src.loads.Load() == loads+1 }, waitLimit, time.Millisecond)
		}},
		{"a bad change is refused and the old routes keep serving", Options{}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			bad := specRoutes("a", "b")
			bad[1].Handler = "nope"
			v := src.set(bad)
			ev := h.waitEvent("the failed push", isPush)
			require.False(t, ev.OK)
			assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
			assert.Equal(t, v, ev.Version)
			assert.Contains(t, ev.Err.Error(), "version "+v)
			h.servesNow(map[string]string{"/a": "a", "/b": ""})
			st := h.rl.Status()
			assert.False(t, st.OK)
			assert.Equal(t, "1", st.Version, "the version serving is the last good one")
			assert.Contains(t, st.LastError, `"nope"`)

			v = src.set(specRoutes("a", "c"))
			ev = h.waitEvent("the push of the fix", func(ev Event) bool { return isPush(ev) && ev.OK })
			assert.Equal(t, v, ev.Version)
			h.servesNow(map[string]string{"/a": "a", "/c": "c"})
			assert.True(t, h.rl.Status().OK)
		}},
		{"an outage is logged once, and the source is followed again when it is back", Options{WatchRetry: 20 * time.Millisecond}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			watches := src.watches.Load()
			src.setDown(true)
			require.Eventually(t, func() bool { return src.watches.Load() >= watches+5 }, waitLimit, time.Millisecond, "Watch is retried")
			logs := h.logs.String()
			assert.Equal(t, 1, strings.Count(logs, `level=WARN msg="dynroute: reload: lost the push source`), logs)
			assert.Contains(t, logs, "connection reset by peer")
			h.servesNow(map[string]string{"/a": "a", "/code": "code"})
			st := h.rl.Status()
			assert.False(t, st.OK)
			assert.Contains(t, st.LastError, "watch: connection refused")

			v := src.set(specRoutes("a", "b")) // while down: announced to no one
			src.setDown(false)
			ev := h.waitEvent("the push once the source is back", isPush)
			require.True(t, ev.OK, "%v", ev.Err)
			assert.Equal(t, v, ev.Version)
			h.servesNow(map[string]string{"/a": "a", "/b": "b"})
			assert.Equal(t, 1, strings.Count(h.logs.String(), `msg="dynroute: reload: the push source is back"`))
			assert.True(t, h.rl.Status().OK)

			// A second outage is logged again: it is another one.
			src.setDown(true)
			require.Eventually(t, func() bool {
				return strings.Count(h.logs.String(), `level=WARN msg="dynroute: reload: lost the push source`) == 2
			}, waitLimit, time.Millisecond)
		}},
		{"a Watch that returns nil is restarted", Options{WatchRetry: time.Millisecond}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			watches := src.watches.Load()
			src.drop <- nil
			require.Eventually(t, func() bool { return src.watches.Load() > watches }, waitLimit, time.Millisecond)
			assert.Contains(t, h.logs.String(), errWatchReturned.Error())
			v := src.set(specRoutes("a", "b"))
			ev := h.waitEvent("the push after the restart", isPush)
			assert.Equal(t, v, ev.Version)
		}},
		{"the poll is a fallback for lost pushes", Options{PollInterval: 5 * time.Millisecond}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			src.mute.Store(true)
			v := src.set(specRoutes("a", "b"))
			ev := h.waitEvent("the poll's reload", func(ev Event) bool { return ev.Trigger == TriggerPoll })
			require.True(t, ev.OK, "%v", ev.Err)
			assert.Equal(t, v, ev.Version)
			h.servesNow(map[string]string{"/b": "b"})
		}},
		{"the poll goes on while the push source is down", Options{PollInterval: 5 * time.Millisecond, WatchRetry: time.Hour}, func(t *testing.T, h *reloadHarness, src *pushSource) {
			src.setDown(true)
			require.Eventually(t, func() bool { return !h.rl.Status().OK }, waitLimit, time.Millisecond)
			src.mu.Lock()
			src.down = false // the data is back, the watch is not (its retry is an hour away)
			src.mu.Unlock()
			src.set(specRoutes("a", "c"))
			h.waitEvent("the poll's reload", func(ev Event) bool { return ev.Trigger == TriggerPoll && ev.OK })
			h.servesNow(map[string]string{"/c": "c"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newPushSource("a")
			o := tt.opts
			o.Source, o.LoadVersioned, o.Watch = "mem", src.load, src.watch
			h := newHarness(t, &o, New)
			h.start()
			// The Watch connected and its first announcement (the version
			// loaded) was skipped.
			require.Eventually(t, func() bool {
				src.mu.Lock()
				defer src.mu.Unlock()
				return src.changed != nil
			}, waitLimit, time.Millisecond)
			assert.Equal(t, "1", h.rl.Version())
			tt.run(t, h, src)
		})
	}
}

// TestReloaderVersion checks the version in events, logs, Version and
// Status for a loader that tells it and one that does not.
func TestReloaderVersion(t *testing.T) {
	tests := []struct {
		name        string
		versioned   bool
		wantVersion string
	}{
		{"LoadVersioned", true, "7"},
		{"Load", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newPushSource("a")
			src.version = 7
			o := Options{Source: "mem"}
			if tt.versioned {
				o.LoadVersioned = src.load
			} else {
				o.Load = func(ctx context.Context) ([]dynroute.RouteSpec, error) {
					specs, _, err := src.load(ctx)
					return specs, err
				}
			}
			h := newHarness(t, &o, New)
			st := h.rl.Status()
			assert.False(t, st.OK, "nothing is loaded before Start")
			assert.Equal(t, "no load has applied yet", st.LastError)
			h.start()
			assert.Equal(t, tt.wantVersion, h.rl.Version())
			st = h.rl.Status()
			assert.Equal(t, Status{Source: "mem", Version: tt.wantVersion, Routes: 1, OK: true, Applied: st.Applied}, st)
			assert.WithinDuration(t, time.Now(), st.Applied, waitLimit)

			// A reload that finds nothing changed keeps the time the routes
			// serving were published, and reports the version it read.
			src.mu.Lock()
			src.version++
			src.mu.Unlock()
			ev, err := h.rl.Reload(t.Context())
			require.NoError(t, err)
			assert.False(t, ev.Changed)
			want := ""
			if tt.versioned {
				want = "8"
			}
			assert.Equal(t, want, ev.Version)
			assert.Equal(t, want, h.rl.Version())
			assert.Equal(t, st.Applied, h.rl.Status().Applied)
			if tt.versioned {
				assert.Contains(t, h.logs.String(), "version=8")
			} else {
				assert.NotContains(t, h.logs.String(), "version=")
			}

			w := httptest.NewRecorder()
			h.rl.StatusHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/status", nil))
			assert.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var got map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.Equal(t, "mem", got["source"])
			assert.Equal(t, want, got["version"])
			assert.Equal(t, float64(1), got["routes"])
			assert.Equal(t, true, got["ok"])
			assert.NotContains(t, got, "last_error")
			assert.Contains(t, got, "applied")

			// A failed reload: 200 still, ok false, the error said.
			src.mu.Lock()
			src.down = true
			src.mu.Unlock()
			_, err = h.rl.Reload(t.Context())
			require.Error(t, err)
			w = httptest.NewRecorder()
			h.rl.StatusHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/status", nil))
			assert.Equal(t, http.StatusOK, w.Code, "a health check must not take every instance out for one bad source")
			got = nil
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.Equal(t, false, got["ok"])
			assert.Contains(t, got["last_error"], "connection refused")
			assert.Equal(t, want, got["version"], "the version serving is unchanged")
		})
	}
}
