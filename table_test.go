package dynroute

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ttEntries parses paths into the entries oneLayer reads.
func ttEntries(t testing.TB, paths []string) []*entry {
	t.Helper()
	es := make([]*entry, len(paths))
	for i, p := range paths {
		pat := ptParse(t, p)
		es[i] = &entry{pat: pat, names: pat.params}
	}
	return es
}

// ttNodes returns the nodes of every entry's httprouter path, as compile
// gathers them.
func ttNodes(es []*entry) []nodeKind {
	var nodes []nodeKind
	for _, e := range es {
		nodes = routerNodes(e.pat.routerPath(), nodes)
	}
	return nodes
}

// ttOneLayerExact is what oneLayer decides, with nodes named by their path
// prefix instead of a hash: the routes fit one tree if they can be added
// to one layerSet in turn.
func ttOneLayerExact(es []*entry) bool {
	l := make(layerSet)
	for _, e := range es {
		if !l.fits(e.pat) {
			return false
		}
		l.add(e.pat)
	}
	return true
}

func TestOneLayer(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  bool
	}{
		{"literals only", []string{"/", "/a", "/a/", "/a/b", "/b/c/d"}, true},
		{"params beside nothing", []string{"/users/{id}", "/users/{id}/posts", "/teams/{id}/"}, true},
		{"param beside literal", []string{"/users/{id}", "/users/me"}, false},
		{"literal added before param", []string{"/users/me", "/users/{id}"}, false},
		{"param beside trailing slash", []string{"/users/{id}", "/users/"}, true},
		{"catch-all beside literal", []string{"/files/{p...}", "/files/x"}, false},
		{"catch-all beside param", []string{"/files/{p...}", "/files/{id}/x"}, false},
		{"catch-all beside trailing slash", []string{"/files/{p...}", "/files/"}, false},
		{"catch-all alone", []string{"/files/{p...}", "/files"}, true},
		{"deep conflict", []string{"/a/{x}/b/{y}", "/a/{x}/b/c"}, false},
		{"same depth, other parents", []string{"/a/{x}", "/b/c", "/c/{x}/d", "/c/d/{x}"}, false},
		{"params under other parents", []string{"/a/{x}", "/b/c", "/c/{x}/d", "/d/e/{x}"}, true},
		{"github pair", []string{"/repos/{o}/{r}/issues/comments/{c}", "/repos/{o}/{r}/issues/{n}/comments"}, false},
		{"root param beside root", []string{"/{x}", "/"}, true},
		{"root param beside literal", []string{"/{x}", "/a/b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := ttEntries(t, tt.paths)
			require.Equal(t, tt.want, ttOneLayerExact(es), "reference")
			assert.Equal(t, tt.want, oneLayer(ttNodes(es)))
		})
	}
}

// TestOneLayerRandom checks oneLayer against the exact check on random
// sets, small ones (where conflicts are frequent) and large ones made of
// many disjoint small ones (where the hash table grows).
func TestOneLayerRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fits := 0
	for i := range 3000 {
		rs := randomRouteSet(rng, 10, 5)
		paths := rs.routes
		if i%10 == 0 {
			// 50 copies under distinct first segments: the same verdict.
			var many []string
			for k := range 50 {
				for _, p := range rs.routes {
					many = append(many, "/s"+string(rune('a'+k%26))+string(rune('a'+k/26))+p)
				}
			}
			paths = many
		}
		es := ttEntries(t, paths)
		want := ttOneLayerExact(es)
		require.Equal(t, want, oneLayer(ttNodes(es)), "routes %q", paths)
		if want {
			fits++
		}
	}
	assert.Greater(t, fits, 300, "sets that fit one layer")
	assert.Less(t, fits, 2700, "sets that fit one layer")
}

func TestRouterNodes(t *testing.T) {
	kinds := func(path string) []uint8 {
		var out []uint8
		for _, nk := range routerNodes(path, nil) {
			out = append(out, nk.kind())
		}
		return out
	}
	assert.Equal(t, []uint8{childEmpty}, kinds("/"))
	assert.Equal(t, []uint8{childLiteral, childParam, childEmpty}, kinds("/a/:p1/"))
	assert.Equal(t, []uint8{childLiteral, childCatchAll}, kinds("/a/*p1"))
	// The node of a segment is named by the prefix before it, so patterns
	// that share a prefix share its nodes and the rest differ.
	a, b := routerNodes("/a/:p1/x", nil), routerNodes("/a/b/x", nil)
	assert.Equal(t, b[0], a[0])
	assert.Equal(t, b[1].node(), a[1].node())
	assert.Equal(t, childParam, a[1].kind())
	assert.NotEqual(t, b[2].node(), a[2].node())
	for _, nk := range append(a, b...) {
		assert.NotZero(t, nk.node(), "0 marks a free slot")
	}
}

// TestRecBlock checks that records come zeroed and distinct, from blocks
// that grow with the records handed out, up to maxRecBlock.
func TestRecBlock(t *testing.T) {
	var b recBlock
	seen := map[*routeRec]bool{}
	var sizes []int // of the blocks allocated, as next left them
	for range 200 {
		fresh := len(b.free) == 0
		rec := b.next()
		if fresh {
			sizes = append(sizes, len(b.free)+1)
		}
		require.False(t, seen[rec], "a record handed out twice")
		seen[rec] = true
		assert.Zero(t, *rec)
		rec.route.Path = "/used" // the next record must still be zero
	}
	assert.Equal(t, []int{1, 1, 2, 4, 8, 16, 32, 32, 32, 32, 32, 32}, sizes[:12])
}
