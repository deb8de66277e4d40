package soak

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/reload"
	"github.com/stretchr/testify/require"
)

// The two versions of the reload example's routes file that the soak
// flips between, in examples/config's format. Both keep the users, products
// and echo routes; version A has POST on echo and the admin route, version B
// PUT on echo and echo_v2, and the users route's summary differs (an updated
// route).
const (
	versionA = `
dynamic_users:
  path: /dynamic/users
  methods: [GET]
  handler_name: get_dynamic_users
  summary: List users (version A)
dynamic_products:
  path: /dynamic/products/{product_id}
  methods: [GET, POST]
  handler_name: handle_dynamic_product
echo:
  path: /dynamic/echo/{rest...}
  methods: [GET, POST]
  handler_name: echo
admin_area:
  path: /dynamic/admin
  methods: [GET]
  handler_name: get_admin_area
  tags: [Admin]
`
	versionB = `
dynamic_users:
  path: /dynamic/users
  methods: [GET]
  handler_name: get_dynamic_users
  summary: List users (version B)
dynamic_products:
  path: /dynamic/products/{product_id}
  methods: [GET, POST]
  handler_name: handle_dynamic_product
echo:
  path: /dynamic/echo/{rest...}
  methods: [GET, PUT]
  handler_name: echo
echo_v2:
  path: /v2/echo/{rest...}
  methods: [GET]
  handler_name: echo
`
)

// reloadExample is the reload example's router and Reloader, set up as its
// run function sets them up (without SIGHUP, which would reach the whole
// test binary), plus the changes the soak makes while it serves: the routes
// file rewritten between versionA and versionB, and code routes swapped
// through the Router's API.
type reloadExample struct {
	rt   *dynroute.Router
	rl   *reload.Reloader
	file string

	reloadCancel  context.CancelFunc
	changesCancel context.CancelFunc
	changes       sync.WaitGroup
	stop          func() changeStats // ends the changes and the Reloader, once

	mu        sync.Mutex // guards the fields below
	res       changeStats
	last      time.Time // of the last reload event
	lastWrite time.Time // of the last rewrite of the file
}

// changeStats counts the changes made to the reload example and their
// failures.
type changeStats struct {
	writes, swaps            int64
	reloads, changed, failed int64
	slowest                  time.Duration // the longest reload
	errs                     tally         // failed reloads, rewrites and API calls
}

// startReloadExample writes versionA and starts the Reloader on it.
func startReloadExample(t *testing.T, logger *slog.Logger) *reloadExample {
	t.Helper()
	e := &reloadExample{file: filepath.Join(t.TempDir(), "routes.yaml")}
	require.NoError(t, os.WriteFile(e.file, []byte(versionA), 0o644))
	rt, err := seed.NewRouter()
	require.NoError(t, err)
	require.NoError(t, rt.AddAPIRoute("/soak/flip", []string{http.MethodGet}, flip("a"),
		&dynroute.RouteOptions{Name: "soak_flip", Summary: "A route the soak swaps with ReplaceRoute"}))
	e.rt = rt
	e.rl, err = reload.NewFile(rt, e.file, &reload.Options{
		Apply:    &dynroute.ApplyOptions{DefaultTags: []string{seed.DefaultTag}},
		Logger:   logger,
		Debounce: reloadDebounce,
		OnReload: e.onReload,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	e.reloadCancel = cancel
	e.changesCancel = func() {}
	require.NoError(t, e.rl.Start(ctx))
	e.stop = sync.OnceValue(e.stopAll)
	t.Cleanup(func() { e.stop() })
	return e
}

// flip answers {"flip": name}.
func flip(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seed.WriteJSON(w, http.StatusOK, map[string]string{"flip": name})
	})
}

// onReload counts a reload and keeps a failed one as an error: the soak
// only writes valid files, each whole (written aside and renamed over), so
// every reload must apply.
func (e *reloadExample) onReload(ev reload.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.last = time.Now()
	if ev.Trigger == reload.TriggerStart {
		return
	}
	e.res.reloads++
	if ev.Changed {
		e.res.changed++
	}
	e.res.slowest = max(e.res.slowest, ev.Duration)
	if !ev.OK {
		e.res.failed++
		e.res.errs.add("reload", ev.Err.Error())
	}
}

// fail records a failed change.
func (e *reloadExample) fail(kind string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.res.errs.add(kind, err.Error())
}

// startChanges starts changing the routes every interval until stop: one
// goroutine rewrites the routes file as editors do, aside and renamed over
// it, flipping between the versions; another, half an interval later,
// swaps /soak/flip's handler with ReplaceRoute and adds or removes
// /soak/extra/{id} with Update.
func (e *reloadExample) startChanges(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	e.changesCancel = cancel
	e.changes.Go(func() {
		versions := [2]string{versionB, versionA}
		tmp := e.file + ".tmp"
		tick := time.NewTicker(every)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			err := os.WriteFile(tmp, []byte(versions[n%2]), 0o644)
			if err == nil {
				err = os.Rename(tmp, e.file)
			}
			e.mu.Lock()
			e.res.writes++
			e.lastWrite = time.Now()
			e.mu.Unlock()
			if err != nil {
				e.fail("rewrite", err)
			}
		}
	})
	e.changes.Go(func() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every / 2):
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		handlers := [2]http.Handler{flip("b"), flip("a")}
		for n := 0; ; n++ {
			err := e.rt.ReplaceRoute("soak_flip", "/soak/flip", []string{http.MethodGet}, handlers[n%2], nil)
			if err != nil {
				e.fail("api", err)
			}
			if n%2 == 0 {
				err = e.rt.Update(func(tx *dynroute.Tx) error {
					return tx.AddAPIRouteByName("/soak/extra/{id}", []string{http.MethodGet}, "echo",
						&dynroute.RouteOptions{Name: "soak_extra"})
				})
			} else {
				err = e.rt.RemoveRoute("soak_extra")
			}
			if err != nil {
				e.fail("api", err)
			}
			e.mu.Lock()
			e.res.swaps += 2
			e.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
}

// stopAll ends the changes, waits for the Reloader to finish the reload
// of the last rewrite (so that it is not cut off by the end of its
// context, which would fail it), stops the Reloader and returns the counts.
func (e *reloadExample) stopAll() changeStats {
	e.changesCancel()
	e.changes.Wait()
	const quiet = 250 * time.Millisecond // many debounces
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		last := e.last
		if e.lastWrite.After(last) {
			last = e.lastWrite
		}
		e.mu.Unlock()
		if time.Since(last) > quiet {
			break
		}
		time.Sleep(reloadDebounce)
	}
	e.reloadCancel()
	e.rl.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	res := e.res
	res.errs = tally{}
	res.errs.merge(&e.res.errs)
	return res
}
