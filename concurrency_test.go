package dynroute

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddWhileServing adds routes from one goroutine while eight others send
// requests. Run under -race it shows that adding is race-free; the counts
// show that routes present from the start never fail and that added routes
// answer 200 or 404, never anything else.
func TestAddWhileServing(t *testing.T) {
	rt := New(nil)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.Pattern + " " + r.PathValue("id")))
	})
	require.NoError(t, rt.AddAPIRoute("/stable/{id}", []string{"GET"}, ok, nil))
	require.NoError(t, rt.AddAPIRoute("/stable/me", []string{"GET"}, ok, nil))

	const added = 100
	var (
		stableFailures, addedOdd atomic.Int64
		requests                 atomic.Int64
		done                     = make(chan struct{})
		wg                       sync.WaitGroup
	)
	for c := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				want := "/stable/{id} 42"
				path := "/stable/42"
				if i%2 == 0 {
					want, path = "/stable/me ", "/stable/me"
				}
				w := httptest.NewRecorder()
				rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK || w.Body.String() != want {
					stableFailures.Add(1)
				}
				w = httptest.NewRecorder()
				rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/gen/%d/x", (i+c)%added), nil))
				if w.Code != http.StatusOK && w.Code != http.StatusNotFound {
					addedOdd.Add(1)
				}
				requests.Add(2)
			}
		})
	}
	// waitRequests makes sure requests run between the adds, not only
	// before or after them.
	waitRequests := func() {
		for n := requests.Load(); requests.Load() < n+16; {
			runtime.Gosched()
		}
	}
	waitRequests()
	for i := range added {
		require.NoError(t, rt.AddAPIRoute(fmt.Sprintf("/gen/%d/{id}", i), []string{"GET"}, ok, nil))
		require.NoError(t, rt.AddAPIRoute(fmt.Sprintf("/gen/%d/me", i), []string{"GET"}, ok, nil))
		if i%10 == 0 {
			waitRequests()
		}
	}
	close(done)
	wg.Wait()

	assert.Zero(t, stableFailures.Load(), "failed requests to stable routes")
	assert.Zero(t, addedOdd.Load(), "answers other than 200/404 from added routes")
	assert.Greater(t, requests.Load(), int64(0))
	for i := range added {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/gen/%d/x", i), nil))
		assert.Equal(t, fmt.Sprintf("/gen/%d/{id} x", i), w.Body.String())
	}
	assert.Len(t, rt.Routes(), 2+2*added)
}

// TestCompileOnceBeforeServing checks that routes added before the first
// request are compiled once, lazily, and that each change after serving
// started publishes a new table at once.
func TestCompileOnceBeforeServing(t *testing.T) {
	rt := New(nil)
	h := http.NotFoundHandler()
	for i := range 100 {
		require.NoError(t, rt.AddAPIRoute(fmt.Sprintf("/r/%d", i), []string{"GET"}, h, nil))
		require.Nil(t, rt.table.Load(), "no table is compiled before the first request")
	}
	first := rt.current()
	require.NotNil(t, first)
	assert.Same(t, first, rt.table.Load())

	require.NoError(t, rt.AddAPIRoute("/later", []string{"GET"}, h, nil))
	second := rt.table.Load()
	require.NotNil(t, second, "once serving, a change compiles at once")
	assert.NotSame(t, first, second)
	assert.Nil(t, first.entryFor("GET", "/later"), "the old table is never modified")
	assert.NotNil(t, second.entryFor("GET", "/later"))
}
