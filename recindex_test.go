package dynroute

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecIndex(t *testing.T) {
	a, b := new(routeRec), new(routeRec)
	tests := []struct {
		name string
		run  func(x *recIndex)
		want map[string]*routeRec
	}{
		{"empty", func(x *recIndex) {}, map[string]*routeRec{}},
		{"put", func(x *recIndex) { x.putIfAbsent(indexKeyOf("a"), a); x.putIfAbsent(indexKeyOf("b"), b) }, map[string]*routeRec{"a": a, "b": b}},
		{"put keeps the first", func(x *recIndex) { x.putIfAbsent(indexKeyOf("a"), a); x.putIfAbsent(indexKeyOf("a"), b) }, map[string]*routeRec{"a": a}},
		{"empty key", func(x *recIndex) { x.putIfAbsent(indexKeyOf(""), a) }, map[string]*routeRec{"": a}},
		{"delete", func(x *recIndex) {
			x.putIfAbsent(indexKeyOf("a"), a)
			x.putIfAbsent(indexKeyOf("b"), b)
			x.deleteIf(indexKeyOf("a"), a)
		}, map[string]*routeRec{"b": b}},
		{"delete other route", func(x *recIndex) { x.putIfAbsent(indexKeyOf("a"), a); x.deleteIf(indexKeyOf("a"), b) }, map[string]*routeRec{"a": a}},
		{"delete missing", func(x *recIndex) { x.putIfAbsent(indexKeyOf("a"), a); x.deleteIf(indexKeyOf("c"), a) }, map[string]*routeRec{"a": a}},
		{"delete from empty", func(x *recIndex) { x.deleteIf(indexKeyOf("a"), a) }, map[string]*routeRec{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x recIndex
			tt.run(&x)
			assert.Equal(t, len(tt.want), x.len())
			for k, v := range tt.want {
				assert.Same(t, v, x.get(indexKeyOf(k)), "key %q", k)
			}
			assert.Nil(t, x.get(indexKeyOf("missing")))
		})
	}
	var none *recIndex
	assert.Nil(t, none.get(indexKeyOf("a")), "a nil index is empty")
}

// TestRecIndexAgainstMap runs random sets and deletes on a recIndex and a
// map side by side. Small tables and a few keys per home slot make long
// probe runs, where backward-shift deletion has work to do.
func TestRecIndexAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	recs := make([]*routeRec, 8)
	for i := range recs {
		recs[i] = new(routeRec)
	}
	for round := range 200 {
		var x recIndex
		m := map[string]*routeRec{}
		keys := 4 + rng.IntN(200)
		for range 2000 {
			k := fmt.Sprint("k", rng.IntN(keys))
			r := recs[rng.IntN(len(recs))]
			if rng.IntN(3) == 0 {
				x.deleteIf(indexKeyOf(k), r)
				if m[k] == r {
					delete(m, k)
				}
			} else {
				got := x.putIfAbsent(indexKeyOf(k), r)
				require.Same(t, m[k], got, "put %q finds the route it has", k)
				if m[k] == nil {
					m[k] = r
				}
			}
		}
		require.Equal(t, len(m), x.len(), "round %d", round)
		for i := range keys {
			k := fmt.Sprint("k", i)
			require.Same(t, m[k], x.get(indexKeyOf(k)), "round %d key %q", round, k)
		}
		c := x.clone()
		for k, v := range m { // changes to x leave the clone alone
			x.deleteIf(indexKeyOf(k), v)
			x.putIfAbsent(indexKeyOf(k+"x"), v)
		}
		for k, v := range m {
			require.Same(t, v, c.get(indexKeyOf(k)), "clone, key %q", k)
		}
	}
}
