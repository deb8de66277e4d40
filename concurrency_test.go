package dynroute

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
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

// TestSwapUnderLoad swaps the table 1,000 times — adding, removing and
// renaming routes — while 8 clients send requests over loopback HTTP to
// routes present in every version. None of those requests may fail, and
// requests to routes that come and go get 200 or 404, never anything else.
func TestSwapUnderLoad(t *testing.T) {
	rt := New(nil)
	rt.MustAddAPIRoute("/stable/{id}", []string{"GET"}, testkit.Text("stable"), &RouteOptions{Name: "stable"})
	rt.MustAddAPIRoute("/stable/me", []string{"GET", "POST"}, testkit.Text("me"), &RouteOptions{Name: "me"})
	srv := httptest.NewServer(rt)
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 16

	const swaps = 1000
	var (
		ok, failed, churnOK, churnOdd atomic.Int64
		done                          = make(chan struct{})
		wg                            sync.WaitGroup
	)
	get := func(path string) (int, string, error) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	for c := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				path, want := "/stable/42", "stable"
				if (i+c)%2 == 0 {
					path, want = "/stable/me", "me"
				}
				if code, body, err := get(path); err != nil || code != 200 || body != want {
					failed.Add(1)
				} else {
					ok.Add(1)
				}
				switch code, _, err := get(fmt.Sprintf("/churn/%d", i%20)); {
				case err == nil && (code == 200 || code == 404):
					churnOK.Add(1)
				default:
					churnOdd.Add(1)
				}
			}
		})
	}
	// A ninth client reads the document, which is rebuilt for each new
	// table: every version must be whole and hold the stable routes.
	var docs, docsBad atomic.Int64
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			code, body, err := get("/openapi.json")
			var doc struct {
				Paths map[string]any `json:"paths"`
			}
			if err != nil || code != 200 || json.Unmarshal([]byte(body), &doc) != nil ||
				doc.Paths["/stable/{id}"] == nil || doc.Paths["/stable/me"] == nil {
				docsBad.Add(1)
			} else {
				docs.Add(1)
			}
		}
	})
	for i := range swaps {
		err := rt.Update(func(tx *Tx) error {
			name := fmt.Sprintf("churn%d", i%20)
			if err := tx.RemoveRoute(name); err != nil && !errors.Is(err, ErrUnknownRoute) {
				return err
			}
			if i%3 != 0 { // sometimes the route stays away for a version
				return tx.AddAPIRoute(fmt.Sprintf("/churn/%d", i%20), []string{"GET"}, testkit.Text(name), &RouteOptions{Name: name})
			}
			return nil
		})
		require.NoError(t, err)
		if i%10 == 0 { // keep requests running between the swaps
			for n := ok.Load() + failed.Load(); ok.Load()+failed.Load() < n+8; {
				runtime.Gosched()
			}
		}
	}
	close(done)
	wg.Wait()

	t.Logf("stable requests ok=%d failed=%d; churn requests 200/404=%d other=%d", ok.Load(), failed.Load(), churnOK.Load(), churnOdd.Load())
	assert.Zero(t, failed.Load(), "failed requests to stable routes")
	assert.Zero(t, churnOdd.Load(), "answers other than 200/404 for routes that come and go")
	t.Logf("documents ok=%d bad=%d", docs.Load(), docsBad.Load())
	assert.Zero(t, docsBad.Load(), "documents that failed or lacked the stable routes")
	assert.Greater(t, ok.Load(), int64(0))
}
