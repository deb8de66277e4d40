package dynroute

import (
	"fmt"
	"net/http"
	"slices"
)

// routeSet is the registered routes and the indexes that check a new route
// against them. The Router owns one; a Tx works on a copy and the Router
// takes it over on commit.
type routeSet struct {
	strict   bool
	recs     []*routeRec              // in registration order
	names    *recIndex                // route name -> route
	opIDs    *recIndex                // operationId -> route
	reserved map[string]*routeRec     // shape -> the Router's own route (docs)
	mounts   map[string]*routeRec     // mount prefix -> the mount's route
	shapes   map[string]*recIndex     // method -> shape and header key -> route
	overlaps map[string]*conflictNode // per method; only with StrictConflicts

	// paramMounts are the mounts whose prefix has parameters, which a
	// route's literal segments cannot look up in mounts.
	paramMounts []*routeRec
}

func newRouteSet(strict bool) *routeSet {
	return &routeSet{
		strict:   strict,
		names:    newRecIndex(nameIndex),
		opIDs:    newRecIndex(opIDIndex),
		mounts:   make(map[string]*routeRec),
		shapes:   make(map[string]*recIndex),
		overlaps: make(map[string]*conflictNode),
	}
}

// clone returns an independent copy of s: changes to either leave the other
// alone. The records themselves are shared; they never change.
func (s *routeSet) clone() *routeSet {
	c := newRouteSet(s.strict)
	c.reserved = s.reserved // never changes after New
	c.recs = slices.Clone(s.recs)
	c.names = s.names.clone()
	c.opIDs = s.opIDs.clone()
	for k, v := range s.mounts {
		c.mounts[k] = v
	}
	c.paramMounts = slices.Clone(s.paramMounts)
	for m, byShape := range s.shapes {
		c.shapes[m] = byShape.clone()
	}
	if s.strict {
		for _, rec := range s.recs {
			c.index(rec)
		}
	}
	return c
}

// insert checks rec against the routes already added and, if it fits,
// adds it. Nothing changes on error.
//
// Each index is probed once per key: putIfAbsent both checks a key and
// files rec under it, and a failed check takes rec out of the indexes
// again (unindex) before it returns.
func (s *routeSet) insert(rec *routeRec) error {
	r := &rec.route
	fail := func(err error, detail string) error {
		s.unindex(rec)
		if rec.mount != nil {
			return &RouteError{Name: r.Name, Path: rec.mount.prefix, Source: r.Source, Err: err, Detail: detail, Mount: true}
		}
		return &RouteError{Name: r.Name, Methods: r.Methods, Path: r.Path, Source: r.Source, Err: err, Detail: detail}
	}
	if r.Name != "" {
		if other := s.names.putIfAbsent(indexKeyOf(r.Name), rec); other != nil {
			return fail(ErrDuplicateName, "the name is taken by "+other.route.String())
		}
	}
	shape := rec.pat.shape()
	if other := s.reserved[shape]; other != nil && hasAnyMethod(other.route.Methods, r.Methods) {
		return fail(ErrDuplicateRoute, "duplicates "+other.route.String()+", served by the Router (set Options.Docs to move or disable it)")
	}
	key := rec.shapeKey()
	for _, m := range r.Methods {
		byShape := s.shapes[m]
		if byShape == nil {
			byShape = newRecIndex(shapeIndex)
			s.shapes[m] = byShape
		}
		if other := byShape.putIfAbsent(key, rec); other != nil {
			return fail(ErrDuplicateRoute, "duplicates "+other.route.String())
		}
	}
	for _, id := range rec.opIDs {
		// An id twice in rec.opIDs finds rec, which is no header sibling.
		other := s.opIDs.putIfAbsent(indexKeyOf(id), rec)
		if other != nil && !headerSiblings(rec, other) {
			return fail(ErrDuplicateOperationID, fmt.Sprintf("operationId %q%s is taken by %s", id, opIDOrigin(r), other.route.String()))
		}
	}
	if detail := s.mountConflict(rec); detail != "" {
		return fail(ErrConflict, detail)
	}
	if s.strict {
		if err := s.strictConflict(rec); err != "" {
			return fail(ErrConflict, err)
		}
	}
	s.recs = append(s.recs, rec)
	if rec.mount != nil {
		s.mounts[rec.mount.prefix] = rec
		if len(rec.mount.pat.params) > 0 {
			s.paramMounts = append(s.paramMounts, rec)
		}
	}
	if s.strict {
		s.index(rec)
	}
	return nil
}

// shapeKey is the key of rec in routeSet.shapes: its shape and header
// key, as routes with different header matches may share a shape.
func (rec *routeRec) shapeKey() indexKey {
	if rec.hkey == "" {
		return indexKeyOf(rec.pat.shape())
	}
	return indexKeyOf(rec.pat.shape() + rec.hkey)
}

// unindex takes rec out of the names, operationIds and shapes, where it is
// filed; keys filed under other routes stay.
func (s *routeSet) unindex(rec *routeRec) {
	r := &rec.route
	if r.Name != "" {
		s.names.deleteIf(indexKeyOf(r.Name), rec)
	}
	for _, id := range rec.opIDs {
		s.opIDs.deleteIf(indexKeyOf(id), rec)
	}
	key := rec.shapeKey()
	for _, m := range r.Methods {
		s.shapes[m].deleteIf(key, rec)
	}
}

// headerSiblings reports whether a and b are routes told apart by their
// headers whose operationIds both come from their method and path: they
// share one operation in the document, so they may share its id.
func headerSiblings(a, b *routeRec) bool {
	return a != b && a.hkey != b.hkey && a.route.OperationID == "" && b.route.OperationID == "" &&
		a.route.Name == "" && b.route.Name == "" && a.pat.shape() == b.pat.shape()
}

// mountConflict describes why rec cannot be added beside the mounts (a
// route under a mount's prefix, or a mount above or below another mount or
// above routes), or returns "".
func (s *routeSet) mountConflict(rec *routeRec) string {
	if m := rec.mount; m != nil {
		for _, other := range s.recs {
			if other.mount != nil {
				switch {
				case underMount(other.mount.pat, m.pat):
					return fmt.Sprintf("mounts above %s", other.route.String())
				case underMount(m.pat, other.mount.pat):
					return fmt.Sprintf("is under the prefix of %s", other.route.String())
				}
				continue
			}
			if underMount(other.pat, m.pat) {
				return fmt.Sprintf("mounts %s over %s, which is under its prefix", m.prefix, other.route.String())
			}
		}
		return ""
	}
	if len(s.mounts) == 0 {
		return ""
	}
	under := func(m *routeRec) string {
		return fmt.Sprintf("is under the prefix of %s; add it to the mounted handler instead", m.route.String())
	}
	prefix := ""
	for _, seg := range rec.pat.segs {
		if seg.kind != segLiteral {
			break
		}
		prefix += "/" + seg.text
		if m := s.mounts[prefix]; m != nil {
			return under(m)
		}
	}
	for _, m := range s.paramMounts {
		if underMount(rec.pat, m.mount.pat) {
			return under(m)
		}
	}
	return ""
}

// underMount reports whether p's paths include the prefix of a mount or
// paths under it, more specifically than the mount's {path...}: each of
// p's first segments is prefix's literal, or where prefix has a {name}, a
// non-empty literal or a {x}.
func underMount(p, prefix *pattern) bool {
	if len(p.segs) < len(prefix.segs) {
		return false
	}
	for i, want := range prefix.segs {
		s := p.segs[i]
		switch {
		case want.kind == segLiteral:
			if s.kind != segLiteral || s.text != want.text {
				return false
			}
		case s.kind == segCatchAll, s.kind == segLiteral && s.text == "":
			return false
		}
	}
	return true
}

// strictConflict describes a conflict of rec with a route already added,
// by ServeMux's rules, or returns "". GET routes also serve HEAD, so a HEAD
// route conflicts with a GET route whose path is not at least as general.
func (s *routeSet) strictConflict(rec *routeRec) string {
	describe := func(other *routeRec, method, example string) string {
		return fmt.Sprintf("conflicts with %s: both match %s %s and neither is more specific",
			other.route.String(), method, example)
	}
	p := rec.pat
	for _, m := range rec.route.Methods {
		if other, example := findConflict(s.overlaps[m], p); other != nil {
			return describe(other, m, example)
		}
		var other *routeRec
		var example string
		switch m {
		case http.MethodHead:
			other, example = findConflictFunc(s.overlaps[http.MethodGet], p, func(g *routeRec) bool { return !covers(g.pat, p) })
		case http.MethodGet:
			other, example = findConflictFunc(s.overlaps[http.MethodHead], p, func(h *routeRec) bool { return !covers(p, h.pat) })
		}
		if other != nil {
			return describe(other, http.MethodHead, example)
		}
	}
	return ""
}

// remove takes recs out of the set.
func (s *routeSet) remove(recs ...*routeRec) {
	for _, rec := range recs {
		s.unindex(rec)
		if rec.mount != nil && s.mounts[rec.mount.prefix] == rec {
			delete(s.mounts, rec.mount.prefix)
			s.paramMounts = slices.DeleteFunc(s.paramMounts, func(m *routeRec) bool { return m == rec })
		}
		for _, m := range rec.route.Methods {
			s.overlaps[m].remove(rec.pat, rec)
		}
	}
	gone := make(map[*routeRec]bool, len(recs))
	for _, r := range recs {
		gone[r] = true
	}
	s.recs = slices.DeleteFunc(s.recs, func(r *routeRec) bool { return gone[r] })
}

// index adds rec to the StrictConflicts tries.
func (s *routeSet) index(rec *routeRec) {
	for _, m := range rec.route.Methods {
		root := s.overlaps[m]
		if root == nil {
			root = &conflictNode{}
			s.overlaps[m] = root
		}
		root.insert(rec.pat, rec)
	}
}
