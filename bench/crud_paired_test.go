//go:build linux

package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// crudComparison is a row of TestPaired for the CRUD benchmarks: dynroute's
// handler a against the hand-written b, serving the same request from the
// same SQLite file.
type crudComparison struct {
	name   string
	a, b   http.Handler
	target string
}

// crudComparisons are the CRUD rows of TestPaired: BenchmarkCRUD's get and
// list100, dynroute against hand-written database/sql and encoding/json
// (issue 8's target: <= 1.3).
func crudComparisons(t *testing.T) []crudComparison {
	db := newCRUDDB(t, t.TempDir())
	servers := crudServers()
	a, err := servers[0].build(db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := servers[1].build(db)
	if err != nil {
		t.Fatal(err)
	}
	var rows []crudComparison
	for _, op := range crudOps {
		rows = append(rows, crudComparison{"CRUD " + op.name + " dynroute/handwritten", a, b, op.target})
	}
	return rows
}

// run alternates a and b in batches of about 2ms of work each (see
// alternate), with a new httptest.ResponseRecorder per request as in the
// benchmark.
func (c crudComparison) run(t *testing.T) pairedResult {
	req := httptest.NewRequest(http.MethodGet, c.target, nil)
	failed := false
	one := func(h http.Handler, ops int) time.Duration {
		start := threadCPU()
		for range ops {
			if w := serveCRUD(h, req); w.Code != http.StatusOK {
				failed = true
			}
		}
		return threadCPU() - start
	}
	ops := 1
	one(c.a, ops) // compile, warm up
	for one(c.b, ops) < 2*time.Millisecond {
		ops *= 2
	}
	r := alternate(200, 10, ops, func() time.Duration { return one(c.a, ops) }, func() time.Duration { return one(c.b, ops) })
	if failed {
		t.Fatalf("%s: a request was not answered 200", c.name)
	}
	return r
}
