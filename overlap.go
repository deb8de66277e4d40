package dynroute

import (
	"slices"
	"strings"
)

// overlapNode is a segment trie of patterns that finds, for a new pattern,
// every stored pattern that may match a path in common with it. It files
// a mixed segment and a parameter with a convertor as {x}, so it also
// finds some patterns that match no path in common: placing routes in
// layers (addMethod) only needs none missed, and commonPath tells the
// rest apart.
type overlapNode[T comparable] struct {
	lits    map[string]*overlapNode[T]
	param   *overlapNode[T]
	ends    []T // patterns that end at this node
	catches []T // patterns with {x...} at this node's position
}

// insert stores v under the segments of p.
func (n *overlapNode[T]) insert(p *pattern, v T) {
	for _, s := range p.segs {
		switch s.kind {
		case segCatchAll:
			n.catches = append(n.catches, v)
			return
		case segParam, segMixed:
			if n.param == nil {
				n.param = &overlapNode[T]{}
			}
			n = n.param
		case segLiteral:
			c := n.lits[s.text]
			if c == nil {
				if n.lits == nil {
					n.lits = make(map[string]*overlapNode[T])
				}
				c = &overlapNode[T]{}
				n.lits[s.text] = c
			}
			n = c
		}
	}
	n.ends = append(n.ends, v)
}

// remove deletes v stored under the segments of p, if it is there.
func (n *overlapNode[T]) remove(p *pattern, v T) {
	for _, s := range p.segs {
		if n == nil {
			return
		}
		switch s.kind {
		case segCatchAll:
			n.catches = slices.DeleteFunc(n.catches, func(x T) bool { return x == v })
			return
		case segParam, segMixed:
			n = n.param
		case segLiteral:
			n = n.lits[s.text]
		}
	}
	if n != nil {
		n.ends = slices.DeleteFunc(n.ends, func(x T) bool { return x == v })
	}
}

// visit calls fn for every stored pattern that overlaps p, until fn returns
// false. It reports whether it ran to the end.
func (n *overlapNode[T]) visit(segs []segment, fn func(T) bool) bool {
	if n == nil {
		return true
	}
	if len(segs) == 0 {
		return each(n.ends, fn)
	}
	// A stored {x...} here matches whatever rest p has, even an empty one.
	if !each(n.catches, fn) {
		return false
	}
	s, rest := segs[0], segs[1:]
	switch s.kind {
	case segLiteral:
		if !n.lits[s.text].visit(rest, fn) {
			return false
		}
		if s.text != "" { // {x} never matches an empty segment
			return n.param.visit(rest, fn)
		}
		return true
	case segParam, segMixed:
		for text, c := range n.lits {
			if text != "" && !c.visit(rest, fn) {
				return false
			}
		}
		return n.param.visit(rest, fn)
	default: // p's {x...} matches every stored pattern that reaches this depth
		for _, c := range n.lits {
			if !c.visitAll(fn) {
				return false
			}
		}
		return n.param.visitAll(fn)
	}
}

// visitAll calls fn for every pattern stored at or below n.
func (n *overlapNode[T]) visitAll(fn func(T) bool) bool {
	if n == nil {
		return true
	}
	if !each(n.ends, fn) || !each(n.catches, fn) {
		return false
	}
	for _, c := range n.lits {
		if !c.visitAll(fn) {
			return false
		}
	}
	return n.param.visitAll(fn)
}

func each[T any](vs []T, fn func(T) bool) bool {
	for _, v := range vs {
		if !fn(v) {
			return false
		}
	}
	return true
}

// conflictNode indexes the routes of one method for StrictConflicts.
type conflictNode = overlapNode[*routeRec]

// findConflict returns a stored route that overlaps p with neither being
// more specific (ServeMux's notion of a conflict), and a path both match.
func findConflict(root *conflictNode, p *pattern) (*routeRec, string) {
	return findConflictFunc(root, p, func(r *routeRec) bool {
		return !covers(r.pat, p) && !covers(p, r.pat)
	})
}

// findConflictFunc returns the first stored route overlapping p for which
// conflict is true, and a path both match.
func findConflictFunc(root *conflictNode, p *pattern, conflict func(*routeRec) bool) (*routeRec, string) {
	var found *routeRec
	var example string
	root.visit(p.segs, func(r *routeRec) bool {
		if !conflict(r) {
			return true
		}
		var ok bool
		if example, ok = commonPath(r.pat, p); ok {
			found = r
			return false
		}
		return true
	})
	return found, example
}

// covers reports whether every path that b matches is also matched by a.
func covers(a, b *pattern) bool {
	for i, sb := range b.segs {
		if i >= len(a.segs) {
			return false
		}
		sa := a.segs[i]
		if sa.kind == segCatchAll {
			return true
		}
		if sb.kind == segCatchAll || !segCovers(sa, sb) {
			return false
		}
	}
	return len(a.segs) == len(b.segs)
}

// commonPath returns a path that both patterns match, for error messages;
// ok is false when it finds none (see commonValue).
func commonPath(a, b *pattern) (path string, ok bool) {
	var parts []string
	for i := 0; ; i++ {
		switch {
		case i < len(a.segs) && a.segs[i].kind == segCatchAll:
			parts = append(parts, literalRest(b.segs[min(i, len(b.segs)):])...)
			return "/" + strings.Join(parts, "/"), true
		case i < len(b.segs) && b.segs[i].kind == segCatchAll:
			parts = append(parts, literalRest(a.segs[min(i, len(a.segs)):])...)
			return "/" + strings.Join(parts, "/"), true
		case i >= len(a.segs) || i >= len(b.segs):
			return "/" + strings.Join(parts, "/"), len(a.segs) == len(b.segs)
		}
		v, ok := commonValue(a.segs[i], b.segs[i])
		if !ok {
			return "", false
		}
		parts = append(parts, v)
	}
}

// literalRest spells segments as a concrete path: a parameter becomes a
// value it matches and {x...} an empty rest.
func literalRest(segs []segment) []string {
	var parts []string
	for _, s := range segs {
		switch s.kind {
		case segLiteral:
			parts = append(parts, s.text)
		case segCatchAll:
			parts = append(parts, "")
		default:
			parts = append(parts, s.samples(nil)[0])
		}
	}
	return parts
}
