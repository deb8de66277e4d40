package dynroute

import (
	"hash/maphash"
	"slices"
)

// recIndex is a hash index of routes by a string key: a route name, an
// operationId, a shape. It is what a map[string]*routeRec would be, for the
// routeSet's use. A slot holds a key's hash and its route, 16 bytes: the
// key itself is the route's, and is read (by has) only where the hashes
// agree, so that a probe for a new key touches no route and no string.
// Growing moves slots by their stored hash without hashing any key again,
// and cloning copies one slice. Go's maps rehash every key whenever they
// grow, which made a map insert the largest cost of adding routes one by
// one.
//
// It is open addressing with linear probing and backward-shift deletion
// (no tombstones), kept at most three quarters full: a probe for a key
// that is not there, the common case, then reads about four slots, 64
// bytes.
type recIndex struct {
	slots []recSlot
	n     int
	has   func(rec *routeRec, key string) bool // whether rec has the key
}

// recSlot is one slot of a recIndex; rec is nil in a free slot.
type recSlot struct {
	hash uint64
	rec  *routeRec
}

// newRecIndex returns an empty index whose routes have the keys has says.
func newRecIndex(has func(rec *routeRec, key string) bool) *recIndex {
	return &recIndex{has: has}
}

// The keys of routeSet's indexes.
var (
	nameIndex  = func(rec *routeRec, key string) bool { return rec.route.Name == key }
	opIDIndex  = func(rec *routeRec, key string) bool { return slices.Contains(rec.opIDs, key) }
	shapeIndex = func(rec *routeRec, key string) bool {
		shape := rec.pat.shape()
		return len(key) == len(shape)+len(rec.hkey) && key[:len(shape)] == shape && key[len(shape):] == rec.hkey
	}
)

// indexSeed seeds the hashes of every recIndex. Nothing depends on the
// order of slots, so one random seed per process is enough.
var indexSeed = maphash.MakeSeed()

// indexKey is a key of a recIndex with its hash, so that a caller that
// looks a key up and then sets it hashes it once.
type indexKey struct {
	hash uint64
	s    string
}

// indexKeyOf returns the indexKey of s.
func indexKeyOf(s string) indexKey {
	return indexKey{hash: maphash.String(indexSeed, s), s: s}
}

// len returns the number of keys in x.
func (x *recIndex) len() int { return x.n }

// home returns the slot where a probe for hash starts.
func (x *recIndex) home(hash uint64) int {
	return int(hash) & (len(x.slots) - 1)
}

// find returns the slot of k, or -1. A nil *recIndex is empty.
func (x *recIndex) find(k indexKey) int {
	if x == nil || x.n == 0 {
		return -1
	}
	mask := len(x.slots) - 1
	for i := x.home(k.hash); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.rec == nil {
			return -1
		}
		if s.hash == k.hash && x.has(s.rec, k.s) {
			return i
		}
	}
}

// get returns the route of k, or nil.
func (x *recIndex) get(k indexKey) *routeRec {
	if i := x.find(k); i >= 0 {
		return x.slots[i].rec
	}
	return nil
}

// putIfAbsent makes rec the route of k and returns nil if k has none, or
// returns k's route. A check and an insert cost one probe.
func (x *recIndex) putIfAbsent(k indexKey, rec *routeRec) *routeRec {
	if 4*(x.n+1) > 3*len(x.slots) {
		x.grow()
	}
	mask := len(x.slots) - 1
	for i := x.home(k.hash); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.rec == nil {
			*s = recSlot{hash: k.hash, rec: rec}
			x.n++
			return nil
		}
		if s.hash == k.hash && x.has(s.rec, k.s) {
			return s.rec
		}
	}
}

// grow doubles the slots (to 16 at first) and places every key anew by its
// stored hash.
func (x *recIndex) grow() {
	old := x.slots
	x.slots = make([]recSlot, max(16, 2*len(old)))
	mask := len(x.slots) - 1
	for _, s := range old {
		if s.rec == nil {
			continue
		}
		i := x.home(s.hash)
		for x.slots[i].rec != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// deleteIf removes k if rec is its route. A nil *recIndex is empty.
func (x *recIndex) deleteIf(k indexKey, rec *routeRec) {
	i := x.find(k)
	if i < 0 || x.slots[i].rec != rec {
		return
	}
	// Shift back the slots after i that a probe could no longer reach
	// across the free slot, so that no probe stops short of its key.
	mask := len(x.slots) - 1
	for j := (i + 1) & mask; x.slots[j].rec != nil; j = (j + 1) & mask {
		// The slot at j stays if its home lies cyclically in (i, j]: a
		// probe from there reaches j without passing the free slot i.
		h := x.home(x.slots[j].hash)
		if (i < j && i < h && h <= j) || (i > j && (i < h || h <= j)) {
			continue
		}
		x.slots[i] = x.slots[j]
		i = j
	}
	x.slots[i] = recSlot{}
	x.n--
}

// clone returns an independent copy of x.
func (x *recIndex) clone() *recIndex {
	c := &recIndex{n: x.n, has: x.has}
	if x.n > 0 {
		c.slots = slices.Clone(x.slots)
	}
	return c
}
