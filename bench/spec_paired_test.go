//go:build linux

package bench

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
)

// specComparison is a row of TestPaired for the OpenAPI benchmarks: a and b
// each do one operation and return the thread CPU time it took.
type specComparison struct {
	name   string
	rounds int
	a, b   func() time.Duration
}

// timed returns f as a function that runs it once and returns the thread
// CPU time it took.
func timed(f func()) func() time.Duration {
	return func() time.Duration {
		start := threadCPU()
		f()
		return threadCPU() - start
	}
}

// specComparisons are the OpenAPI rows of TestPaired, in two groups each
// made when it runs: the documents of BenchmarkSpec, then the registrations
// of BenchmarkRegisterSpec with the linearity of registration (the ratio of
// 10,000 routes to 1,000; DESIGN.md wants <= 11). The registrations run
// after the documents' four APIs of 10,000 operations are gone: a collection
// that a registration sets off would otherwise mark them, partly on the
// measured thread, and charge the larger registration for it.
func specComparisons(t *testing.T) []func() []specComparison {
	return []func() []specComparison{
		func() []specComparison { return specDocComparisons(t) },
		func() []specComparison { return specRegisterComparisons(t) },
	}
}

// specDocComparisons are the rows of BenchmarkSpec's work.
func specDocComparisons(t *testing.T) []specComparison {
	ops10k := specTableFor(t, 10_000)
	marshal := func(rt *dynroute.Router) func() {
		return func() {
			if _, err := rt.OpenAPI().MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	}
	shared, perHandler := specDynroute(t, ops10k, true), specDynroute(t, ops10k, false)
	api := specHuma(t, ops10k, true)

	// The first GET /openapi.json after a route change; the change (and
	// the compile it makes) is not timed.
	served := specDynroute(t, ops10k, true)
	req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil)
	w := &countingWriter{header: make(http.Header)}
	served.ServeHTTP(w, req)
	change, changes := []string{http.MethodGet}, 0
	serve := func() time.Duration {
		var err error
		if changes++; changes%2 == 1 {
			err = served.AddAPIRoute("/bench/change", change, noop, &dynroute.RouteOptions{Name: "bench_change"})
		} else {
			err = served.RemoveRoute("bench_change")
		}
		if err != nil {
			t.Fatal(err)
		}
		clear(w.header)
		w.status, w.n = 0, 0
		start := threadCPU()
		served.ServeHTTP(w, req)
		d := threadCPU() - start
		if w.status != http.StatusOK || w.n == 0 {
			t.Fatalf("GET /openapi.json: status %d, %d bytes", w.status, w.n)
		}
		return d
	}

	return []specComparison{
		{"Spec10k dynroute/huma", 11, timed(marshal(shared)), timed(func() {
			if _, err := json.Marshal(api.OpenAPI()); err != nil {
				t.Fatal(err)
			}
		})},
		{"Spec10k dynroute-perhandler/dynroute", 15, timed(marshal(perHandler)), timed(marshal(shared))},
		{"Spec10k dynroute-served/dynroute", 15, serve, timed(marshal(shared))},
	}
}

// specRegisterComparisons are the rows of BenchmarkRegisterSpec's work.
func specRegisterComparisons(t *testing.T) []specComparison {
	ops10k, ops3k, ops1k := specTableFor(t, 10_000), specTableFor(t, 3_000), specTableFor(t, 1_000)
	register := func(ops []specOp) func() {
		req := httptest.NewRequest(http.MethodGet, ops[len(ops)-1].Path, nil)
		w := newRecorder()
		return func() { registerSpecDynroute(t, ops, w, req) }
	}
	registerHuma := func(ops []specOp) func() {
		return func() { specHuma(t, ops, false) }
	}
	return []specComparison{
		{"RegisterSpec1k dynroute/huma", 15, timed(register(ops1k)), timed(registerHuma(ops1k))},
		{"RegisterSpec3k dynroute/huma", 7, timed(register(ops3k)), timed(registerHuma(ops3k))},
		{"RegisterSpec dynroute 10k/1k (linear: <= 11)", 15, timed(register(ops10k)), timed(register(ops1k))},
		{"RegisterSpec huma 3k/1k (linear: 3)", 7, timed(registerHuma(ops3k)), timed(registerHuma(ops1k))},
	}
}
