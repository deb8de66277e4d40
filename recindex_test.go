package dynroute

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// riIndex is a recIndex whose routes have the keys they were put under, as
// a route has its name or shape: filed is the route of each key.
type riIndex struct {
	*recIndex
	filed map[string]*routeRec
}

func newRIIndex() *riIndex {
	x := &riIndex{filed: map[string]*routeRec{}}
	x.recIndex = newRecIndex(func(rec *routeRec, key string) bool { return x.filed[key] == rec })
	return x
}

func (x *riIndex) put(key string, rec *routeRec) *routeRec {
	other := x.putIfAbsent(indexKeyOf(key), rec)
	if other == nil {
		x.filed[key] = rec
	}
	return other
}

func (x *riIndex) del(key string, rec *routeRec) {
	x.deleteIf(indexKeyOf(key), rec)
	if x.filed[key] == rec {
		delete(x.filed, key)
	}
}

func TestRecIndex(t *testing.T) {
	a, b := new(routeRec), new(routeRec)
	tests := []struct {
		name string
		run  func(x *riIndex)
		want map[string]*routeRec
	}{
		{"empty", func(x *riIndex) {}, map[string]*routeRec{}},
		{"put", func(x *riIndex) { x.put("a", a); x.put("b", b) }, map[string]*routeRec{"a": a, "b": b}},
		{"put keeps the first", func(x *riIndex) { x.put("a", a); x.put("a", b) }, map[string]*routeRec{"a": a}},
		{"one route, two keys", func(x *riIndex) { x.put("a", a); x.put("b", a) }, map[string]*routeRec{"a": a, "b": a}},
		{"empty key", func(x *riIndex) { x.put("", a) }, map[string]*routeRec{"": a}},
		{"delete", func(x *riIndex) { x.put("a", a); x.put("b", b); x.del("a", a) }, map[string]*routeRec{"b": b}},
		{"delete other route", func(x *riIndex) { x.put("a", a); x.del("a", b) }, map[string]*routeRec{"a": a}},
		{"delete missing", func(x *riIndex) { x.put("a", a); x.del("c", a) }, map[string]*routeRec{"a": a}},
		{"delete from empty", func(x *riIndex) { x.del("a", a) }, map[string]*routeRec{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newRIIndex()
			tt.run(x)
			assert.Equal(t, len(tt.want), x.len())
			for k, v := range tt.want {
				assert.Same(t, v, x.get(indexKeyOf(k)), "key %q", k)
			}
			assert.Nil(t, x.get(indexKeyOf("missing")))
		})
	}
	var none *recIndex
	assert.Nil(t, none.get(indexKeyOf("a")), "a nil index is empty")
	none.deleteIf(indexKeyOf("a"), a) // and deleting from it does nothing
}

// TestRecIndexAgainstMap runs random puts and deletes on a recIndex and a
// map side by side. Few keys and many operations make long probe runs,
// where backward-shift deletion has work to do.
func TestRecIndexAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	recs := make([]*routeRec, 8)
	for i := range recs {
		recs[i] = new(routeRec)
	}
	for round := range 200 {
		x := newRIIndex()
		m := map[string]*routeRec{}
		keys := 4 + rng.IntN(200)
		for range 2000 {
			k := fmt.Sprint("k", rng.IntN(keys))
			r := recs[rng.IntN(len(recs))]
			if rng.IntN(3) == 0 {
				x.del(k, r)
				if m[k] == r {
					delete(m, k)
				}
				continue
			}
			require.Same(t, m[k], x.put(k, r), "put %q finds the route it has", k)
			if m[k] == nil {
				m[k] = r
			}
		}
		require.Equal(t, len(m), x.len(), "round %d", round)
		for i := range keys {
			k := fmt.Sprint("k", i)
			require.Same(t, m[k], x.get(indexKeyOf(k)), "round %d key %q", round, k)
		}
		c := x.clone()
		filed := maps.Clone(x.filed) // the keys the routes had when cloned
		c.has = func(rec *routeRec, key string) bool { return filed[key] == rec }
		for k, v := range m { // changes to x leave the clone alone
			x.del(k, v)
		}
		require.Zero(t, x.len())
		for k, v := range m {
			require.Same(t, v, c.get(indexKeyOf(k)), "clone, key %q", k)
		}
	}
}

// TestRouteSetIndexKeys checks the keys routeSet files routes under: a
// route's name, each of its operationIds, and its shape with its header key.
func TestRouteSetIndexKeys(t *testing.T) {
	rec, err := buildRec(new(routeRec), "/users/{id}", []string{"GET", "POST"}, http.NotFoundHandler(), "", &RouteOptions{Name: "user"}, nil, false)
	require.NoError(t, err)
	assert.True(t, nameIndex(rec, "user"))
	assert.False(t, nameIndex(rec, "users"))
	assert.True(t, opIDIndex(rec, "user_get"))
	assert.True(t, opIDIndex(rec, "user_post"))
	assert.False(t, opIDIndex(rec, "user"))
	assert.True(t, shapeIndex(rec, "/users/{}"))
	assert.False(t, shapeIndex(rec, "/users/{}/"))
	assert.False(t, shapeIndex(rec, "/users/{id}"))
	rec.hkey = "\x00accept=json"
	assert.True(t, shapeIndex(rec, "/users/{}\x00accept=json"))
	assert.False(t, shapeIndex(rec, "/users/{}"))
	assert.Equal(t, "/users/{}\x00accept=json", rec.shapeKey().s)
}
