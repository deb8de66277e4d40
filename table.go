package dynroute

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/julienschmidt/httprouter"
)

// table is a compiled, immutable route table. Routes are spread over layers
// of httprouter trees such that no layer holds two routes httprouter would
// reject together, and that, for any request, the first layer with a match
// holds the most specific matching route. Most tables need one layer.
type table struct {
	layers           []*httprouter.Router
	single           *httprouter.Router // layers[0] when it is the only one
	methods          []string           // every method with a route, sorted
	headMerged       bool               // GET routes are in the HEAD trees too
	notFound         http.Handler
	methodNotAllowed http.Handler
	style            ErrorStyle // of the 404 and 405 answers

	recs   []*routeRec // the routes added, in order; not the documentation's
	spec   *specCache  // the OpenAPI document of recs
	mounts []*routeRec // the mounts among recs

	entries     map[string][]*entry     // per method, as compiled
	checked     map[checkedKey]*pattern // the routes whose match is confirmed (see table.lookup); nil for none
	patternOnce sync.Once
	byPattern   map[patternKey]*entry // built on first use by MatchedRoute
}

type patternKey struct{ method, path string }

// checkedKey names a route in a layer's httprouter tree.
type checkedKey struct {
	layer        int
	method, path string // path: the route's httprouter path
}

// entry is the compiled form of one route.
type entry struct {
	route   *Route
	pat     *pattern
	names   []string // parameter names in path order
	handle  httprouter.Handle
	headers []headerMatcher // the route's header matches, set by buildRec
	maxBody int64           // the body limit; 0: none (see bodyLimit)
	style   ErrorStyle      // of the answer to a body over the limit
	h       http.Handler    // the handler, wrapped (entryOf)
}

// entryOf returns the entry of rec, made on first use: a route's entry
// depends only on the route and its Router's route classes and middleware,
// which never change, so tables compiled after a change reuse it. wrap, if
// not nil, applies those to the handler, once. Callers hold the Router's
// mutex. maxBody is the Router's default body limit, Router.MaxBodyBytes.
func entryOf(rec *routeRec, wrap func(rec *routeRec) http.Handler, maxBody int64, style ErrorStyle) *entry {
	e := &rec.e
	if e.handle == nil {
		*e = entry{
			route:   &rec.route,
			pat:     rec.pat,
			names:   rec.pat.params,
			headers: e.headers,
			maxBody: bodyLimit(rec, maxBody),
			style:   style,
		}
		h := rec.route.Handler
		if wrap != nil {
			h = wrap(rec)
		}
		e.handle = e.makeHandle(h)
	}
	return e
}

// makeHandle returns the httprouter.Handle of the entry, specialised for
// what the route needs so that each request does only that: routes without
// parameters skip the parameter checks, HandlerFunc and ParamsHandler get
// Params and skip SetPathValue.
//
// Each closure tests inline for the common case, a request without a body
// whose parameter values are clean, and leaves everything else to
// serveSlow, in tail position: with no other call before the handler's,
// the compiler keeps the closure's values in registers instead of saving
// them all on the stack first.
func (e *entry) makeHandle(h http.Handler) httprouter.Handle {
	e.h = h
	if e.pat.checked {
		// The table confirms the match and splits the values first
		// (checkedHandle), then serves them.
		return e.serveValues
	}
	if e.pat.catchAll {
		// A {x...} value always needs its leading slash cut (prepare).
		return e.serveSlow
	}
	// The closures keep the limit themselves, beside path and the handler,
	// so a request without a body reads nothing more of the entry.
	path, limit := e.route.Path, e.maxBody
	fn, isFunc := h.(HandlerFunc)
	fast, isFast := h.(ParamsHandler)
	std, isStd := h.(http.HandlerFunc)
	if len(e.names) == 0 {
		switch {
		case isFunc:
			return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
				if limit != 0 && hasBody(r) {
					e.serveSlow(w, r, ps)
					return
				}
				r.Pattern = path
				fn(w, r, Params{e: e})
			}
		case isFast:
			return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
				if limit != 0 && hasBody(r) {
					e.serveSlow(w, r, ps)
					return
				}
				r.Pattern = path
				fast.ServeHTTPParams(w, r, Params{e: e})
			}
		case isStd:
			// Calling the func directly saves HandlerFunc.ServeHTTP's hop.
			return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
				if limit != 0 && hasBody(r) {
					e.serveSlow(w, r, ps)
					return
				}
				r.Pattern = path
				std(w, r)
			}
		default:
			return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
				if limit != 0 && hasBody(r) {
					e.serveSlow(w, r, ps)
					return
				}
				r.Pattern = path
				h.ServeHTTP(w, r)
			}
		}
	}
	switch {
	case isFunc:
		return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
			if !cleanValues(ps) || limit != 0 && hasBody(r) {
				e.serveSlow(w, r, ps)
				return
			}
			r.Pattern = path
			fn(w, r, Params{e: e, ps: ps})
		}
	case isFast:
		return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
			if !cleanValues(ps) || limit != 0 && hasBody(r) {
				e.serveSlow(w, r, ps)
				return
			}
			r.Pattern = path
			fast.ServeHTTPParams(w, r, Params{e: e, ps: ps})
		}
	}
	names := e.names
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if !cleanValues(ps) || limit != 0 && hasBody(r) {
			e.serveSlow(w, r, ps)
			return
		}
		r.Pattern = path
		for i, name := range names {
			r.SetPathValue(name, ps[i].Value)
		}
		if isStd {
			std(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}
}

// cleanValues reports whether every value in ps is a clean {x} value
// (cleanSegment).
func cleanValues(ps httprouter.Params) bool {
	for i := range ps {
		if !cleanSegment(ps[i].Value) {
			return false
		}
	}
	return true
}

// serveSlow serves a request the entry's closure does not: one with a
// {x...} value, an unclean value or a body. It does every step, and the
// closure the common case's only.
func (e *entry) serveSlow(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if !e.pat.prepare(ps) {
		redirect(w, r, cleanPath(r.URL.Path))
		return
	}
	e.serveValues(w, r, ps)
}

// serveValues serves a request whose values are ready: prepared and, for
// a route whose match is confirmed, confirmed and split.
func (e *entry) serveValues(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if e.maxBody != 0 && hasBody(r) && !e.limitBody(w, r) {
		return
	}
	r.Pattern = e.route.Path
	switch h := e.h.(type) {
	case HandlerFunc:
		h(w, r, Params{e: e, ps: ps})
	case ParamsHandler:
		h.ServeHTTPParams(w, r, Params{e: e, ps: ps})
	default:
		for i, name := range e.names {
			r.SetPathValue(name, ps[i].Value)
		}
		h.ServeHTTP(w, r)
	}
}

// prepare strips the slash httprouter leaves at the start of a {x...} value
// and reports whether the values came from a clean path: no empty, "." or
// ".." segment. Literal parts of a match are clean by construction, so
// checking the values is enough.
func (p *pattern) prepare(ps httprouter.Params) bool {
	n := len(ps)
	if p.catchAll {
		n--
		last := &ps[n]
		last.Value = last.Value[1:]
		if !cleanRest(last.Value) {
			return false
		}
	}
	for i := range n {
		if !cleanSegment(ps[i].Value) {
			return false
		}
	}
	return true
}

// cleanSegment reports whether a {x} value is not "", "." or "..".
func cleanSegment(v string) bool {
	return len(v) > 2 || (v != "" && v != "." && v != "..")
}

// compile builds the table for recs.
func compile(recs []*routeRec, wrap func(*routeRec) http.Handler, maxBody int64, style ErrorStyle, notFound, methodNotAllowed http.Handler, mismatch http.HandlerFunc) *table {
	t := &table{
		style:            style,
		notFound:         notFound,
		methodNotAllowed: methodNotAllowed,
		entries:          make(map[string][]*entry),
	}
	// One pass over the routes makes their entries and reads each shape
	// once, for the nodes oneLayer checks: later passes over a large table
	// go over the compact nodes instead of back over every route.
	var lists methodLists
	var buf [8]nodeKind
	for _, rec := range recs {
		e := entryOf(rec, wrap, maxBody, style)
		nodes := routerNodes(e.pat.routerPath(), buf[:0])
		for _, m := range rec.route.Methods {
			l := lists.of(m, len(recs))
			l.es = append(l.es, e)
			l.nodes = append(l.nodes, nodes...)
			l.headers = l.headers || len(e.headers) > 0
			l.checked = l.checked || e.pat.checked
		}
	}
	if head := lists.find(http.MethodHead); head != nil {
		// With explicit HEAD routes, HEAD requests pick the most specific
		// of the HEAD and GET routes (the HEAD route on equal shapes), so
		// GET routes join the HEAD tree. Without them miss falls back to GET.
		heads := make(map[string]bool)
		for _, e := range head.es {
			heads[e.pat.shape()] = true
		}
		if get := lists.find(http.MethodGet); get != nil {
			for _, e := range get.es {
				if !heads[e.pat.shape()] {
					head.es = append(head.es, e)
					head.nodes = routerNodes(e.pat.routerPath(), head.nodes)
					head.headers = head.headers || len(e.headers) > 0
					head.checked = head.checked || e.pat.checked
				}
			}
		}
		t.headMerged = true
	}
	slices.SortFunc(lists, func(a, b methodList) int { return strings.Compare(a.method, b.method) })
	for i := range lists {
		l := &lists[i]
		t.methods = append(t.methods, l.method)
		t.entries[l.method] = l.es
		es := l.es
		if l.headers { // known from the first pass: no second one over every entry
			es = headerGroups(es, mismatch)
		}
		t.addMethod(l.method, es, l.nodes, l.checked)
	}
	if len(t.layers) == 1 {
		// One tree: let httprouter dispatch, which saves a call per request;
		// everything it does not match goes to miss, as with layers.
		t.single = t.layers[0]
		t.single.NotFound = http.HandlerFunc(t.miss)
	}
	return t
}

// methodList is the entries of one method as compile gathers them, with
// the nodes of their shapes (see shapeNodes).
type methodList struct {
	method  string
	es      []*entry
	nodes   []nodeKind
	headers bool // some entry has header matches (see headerGroups)
	checked bool // some entry's match is confirmed (see checkedHandle)
}

// methodLists is compile's lists, one per method: a few, so a slice
// searched by method is cheaper than a map that hashes the method for
// every route.
type methodLists []methodList

// find returns the list of method, or nil.
func (ls methodLists) find(method string) *methodList {
	for i := range ls {
		if ls[i].method == method {
			return &ls[i]
		}
	}
	return nil
}

// of returns the list of method, adding it if needed. The first list made
// is sized for n routes of three segments: most tables are mostly of one
// method, and the first route's is a good guess, so the largest list
// seldom grows.
func (ls *methodLists) of(method string, n int) *methodList {
	if l := ls.find(method); l != nil {
		return l
	}
	l := methodList{method: method}
	if len(*ls) == 0 {
		l.es, l.nodes = make([]*entry, 0, n), make([]nodeKind, 0, 3*n)
	}
	*ls = append(*ls, l)
	return &(*ls)[len(*ls)-1]
}

// entryFor returns the entry that serves pattern path for method.
func (t *table) entryFor(method, path string) *entry {
	t.patternOnce.Do(func() {
		t.byPattern = make(map[patternKey]*entry)
		for m, es := range t.entries {
			for _, e := range es {
				k := patternKey{m, e.route.Path}
				if t.byPattern[k] == nil || slices.Contains(e.route.Methods, m) {
					t.byPattern[k] = e
				}
			}
		}
	})
	return t.byPattern[patternKey{method, path}]
}

// addMethod places the routes of one method into layers. Most tables fit in
// one httprouter tree; then no two routes overlap and registration order is
// as good as any. Otherwise routes are placed most specific first; each goes
// into the first layer that (a) comes after every layer holding a route that
// overlaps it (those are all more specific, so they must be found first) and
// (b) has no route httprouter would refuse beside it. Within a layer at most
// one route matches any path, so the first layer that matches has the best
// route.
//
// nodes are the nodes of every route's httprouter path (see routerNodes),
// which decide whether one tree is enough. Grouping routes by headers
// (headerGroups) leaves them as they are: the routes of a group share one
// shape. Checked routes (see checkedHandle) are always placed by
// specificity, as a route whose check fails leaves the request to the
// layers after its own.
func (t *table) addMethod(method string, es []*entry, nodes []nodeKind, checked bool) {
	if !checked && oneLayer(nodes) {
		l := t.layer(0)
		for _, e := range es {
			l.Handle(method, e.pat.hrPath, e.handle)
		}
		return
	}
	slices.SortStableFunc(es, func(a, b *entry) int { return compareSpecificity(b.pat, a.pat) })
	var placed overlapNode[int] // routes placed so far, by layer
	var shapes []layerSet
	for _, e := range es {
		l := 0
		placed.visit(e.pat.segs, func(layer int) bool {
			l = max(l, layer+1)
			return true
		})
		for l < len(shapes) && !shapes[l].fits(e.pat) {
			l++
		}
		if l == len(shapes) {
			shapes = append(shapes, make(layerSet))
		}
		shapes[l].add(e.pat)
		placed.insert(e.pat, l)
		h := e.handle
		if e.pat.checked {
			next := l + 1
			h = checkedHandle(e.pat, h, func(w http.ResponseWriter, r *http.Request) { t.serveFrom(method, next, w, r) })
			if t.checked == nil {
				t.checked = make(map[checkedKey]*pattern)
			}
			t.checked[checkedKey{l, method, e.pat.hrPath}] = e.pat
		}
		t.layer(l).Handle(method, e.pat.hrPath, h)
	}
}

// oneLayer reports whether routes fit in one httprouter tree, given the
// nodes of their httprouter paths (see routerNodes). Only a node with a {x} or {x...}
// child can hold a conflict, so the nodes that have one are collected
// first and every segment is then checked against them; a table without
// parameters needs no check.
//
// Nodes are named by a hash of the path prefix that leads to them, not by
// the prefix: each path is read once, and no string is hashed or compared
// per node. Two prefixes with one hash can only pool their kinds, which
// shows a conflict where there is none and never hides one, so a collision
// (about 2^-60 per pair) costs addMethod's exact, layered placement, never
// a wrong table.
func oneLayer(nodes []nodeKind) bool {
	// Counting the parameters first sizes the table once; the nodes are
	// compact, so the extra pass is cheap next to growing the table.
	params := 0
	for _, nk := range nodes {
		if k := nk.kind(); k == childParam || k == childCatchAll {
			params++
		}
	}
	if params == 0 {
		return true
	}
	var wild nodeKinds
	wild.size(params)
	for _, nk := range nodes {
		if k := nk.kind(); k == childParam || k == childCatchAll {
			if !compatible(wild.add(nk.node(), k)) {
				return false
			}
		}
	}
	for _, nk := range nodes {
		if have := wild.get(nk.node()); have != 0 && !compatible(have|nk.kind()) {
			return false
		}
	}
	return true
}

// nodeKind is one segment of an httprouter path: the node it hangs from,
// named by a hash of the path's prefix before the segment, and its kind of child
// (childLiteral …), packed in one word: the hash in the upper 60 bits, the
// kind in the lower 4.
type nodeKind uint64

// node returns the hash naming the node, never 0.
func (nk nodeKind) node() uint64 { return uint64(nk)&^0xf | 1 }

// kind returns the kind of the segment.
func (nk nodeKind) kind() uint8 { return uint8(nk & 0xf) }

// routerNodes appends the nodeKind of each segment of an httprouter path
// (see pattern.routerPath) to buf. The hashes are FNV-1a over the prefix
// before each '/', taken in one pass over the path; the kind is read from
// the path too (":p1", "*p2", "" or a literal, which never holds ':' or
// '*'), so the pattern's segments are not touched. The path names
// httprouter's nodes exactly: a parameter's name is its segment's index.
func routerNodes(shape string, buf []nodeKind) []nodeKind {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for i := 0; i < len(shape); i++ {
		c := shape[i]
		if c == '/' {
			kind := childLiteral
			switch {
			case i+1 == len(shape):
				kind = childEmpty
			case shape[i+1] == ':':
				kind = childParam
			case shape[i+1] == '*':
				kind = childCatchAll
			}
			buf = append(buf, nodeKind(h&^0xf|uint64(kind)))
		}
		h ^= uint64(c)
		h *= prime64
	}
	return buf
}

// nodeKinds maps node hashes to the kinds of child seen at each: a small
// open-addressing table, as oneLayer needs nothing but add and get.
type nodeKinds struct {
	keys  []uint64 // 0: free
	kinds []uint8
	n     int
}

// add records a child of kind at node and returns the node's kinds.
func (t *nodeKinds) add(node uint64, kind uint8) uint8 {
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	mask := len(t.keys) - 1
	for i := int(node>>32^node) & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.kinds[i] = node, kind
			t.n++
			return kind
		case node:
			t.kinds[i] |= kind
			return t.kinds[i]
		}
	}
}

// get returns the kinds recorded at node, 0 for none.
func (t *nodeKinds) get(node uint64) uint8 {
	if t.n == 0 {
		return 0
	}
	mask := len(t.keys) - 1
	for i := int(node>>32^node) & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			return 0
		case node:
			return t.kinds[i]
		}
	}
}

// grow doubles the table (to 64 slots at first) and re-adds its entries.
func (t *nodeKinds) grow() {
	keys, kinds := t.keys, t.kinds
	t.size(max(32, len(keys)))
	for i, k := range keys {
		if k != 0 {
			t.add(k, kinds[i])
		}
	}
}

// size makes t an empty table with room for n nodes: a power of two, at
// least 2n slots.
func (t *nodeKinds) size(n int) {
	slots := 64
	for slots < 2*n {
		slots *= 2
	}
	t.keys, t.kinds, t.n = make([]uint64, slots), make([]uint8, slots), 0
}

// layer returns layer i, adding layers as needed.
func (t *table) layer(i int) *httprouter.Router {
	for len(t.layers) <= i {
		// Only Lookup and, for a single layer, the match in ServeHTTP are
		// used: redirects, 405 and OPTIONS are miss's, so httprouter's own
		// are off.
		t.layers = append(t.layers, &httprouter.Router{})
	}
	return t.layers[i]
}

// layerSet models the shape of one httprouter tree, to keep out of a layer
// anything httprouter would panic on: a {x} beside a non-empty literal, a
// {x...} beside anything, a second route with one httprouter path (checked
// routes such as /f/{n}.json and /f/{n}.xml share one). Its keys are
// httprouter path prefixes naming the tree's segment nodes, and its values
// say which kinds of child each node has; a route's whole path, behind a
// NUL, marks the route.
type layerSet map[string]uint8

const (
	childLiteral uint8 = 1 << iota // a non-empty literal
	childEmpty                     // the empty literal of a trailing slash
	childParam
	childCatchAll
)

// childKinds calls fn with the httprouter path prefix naming each segment's
// parent node and the kind of the segment.
func childKinds(p *pattern, fn func(node string, kind uint8) bool) bool {
	shape := p.routerPath()
	start := 0
	for _, s := range p.segs {
		var kind uint8
		switch {
		case s.kind == segCatchAll:
			kind = childCatchAll
		case s.routerParam():
			kind = childParam
		case s.text == "":
			kind = childEmpty
		default:
			kind = childLiteral
		}
		if !fn(shape[:start], kind) {
			return false
		}
		if next := strings.IndexByte(shape[start+1:], '/'); next >= 0 {
			start += 1 + next
		} else {
			start = len(shape)
		}
	}
	return true
}

// compatible reports whether a node may have children of all these kinds.
func compatible(kinds uint8) bool {
	switch {
	case kinds&childCatchAll != 0:
		return kinds == childCatchAll
	case kinds&childParam != 0:
		return kinds&childLiteral == 0
	}
	return true
}

// fits reports whether p can join the tree without a conflict. Two
// {x...} at one node are duplicates, which never reach here.
func (l layerSet) fits(p *pattern) bool {
	if l["\x00"+p.routerPath()] != 0 {
		return false
	}
	return childKinds(p, func(node string, kind uint8) bool {
		have := l[node]
		return compatible(have|kind) && !(have == childCatchAll && kind == childCatchAll)
	})
}

// add records p in the tree.
func (l layerSet) add(p *pattern) {
	l["\x00"+p.routerPath()] = 1
	childKinds(p, func(node string, kind uint8) bool {
		l[node] |= kind
		return true
	})
}

// lookup finds the handle for method and path, most specific first; a
// checked route matches only when its check holds.
func (t *table) lookup(method, path string) (httprouter.Handle, httprouter.Params) {
	for i, l := range t.layers {
		if h, ps, _ := l.Lookup(method, path); h != nil && t.confirmed(i, method, path, ps) {
			return h, ps
		}
	}
	return nil, nil
}

// matches reports whether a route serves method and path; GET routes serve
// HEAD.
func (t *table) matches(method, path string) bool {
	if h, _ := t.lookup(method, path); h != nil {
		return true
	}
	if method == http.MethodHead && !t.headMerged {
		h, _ := t.lookup(http.MethodGet, path)
		return h != nil
	}
	return false
}

// miss answers a request that no route of its method matched: HEAD falls
// back to GET, unclean paths and the other trailing-slash form redirect,
// paths known under other methods get 405 (or the automatic OPTIONS answer),
// the rest 404.
func (t *table) miss(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if r.Method == http.MethodHead && !t.headMerged {
		if h, ps := t.lookup(http.MethodGet, p); h != nil {
			h(w, r, ps)
			return
		}
	}
	if p == "*" && r.Method == http.MethodOptions {
		w.Header().Set("Allow", t.allow(t.methods))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if p != "" && p[0] != '/' {
		t.serveNotFound(w, r)
		return
	}
	if c := cleanPath(p); c != p {
		redirect(w, r, c)
		return
	}
	if alt, ok := toggleSlash(p); ok && t.matches(r.Method, alt) {
		redirect(w, r, alt)
		return
	}
	var methods []string
	for _, m := range t.methods {
		if h, _ := t.lookup(m, p); h != nil {
			methods = append(methods, m)
		}
	}
	if len(methods) == 0 {
		t.serveNotFound(w, r)
		return
	}
	w.Header().Set("Allow", t.allow(methods))
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if t.methodNotAllowed != nil {
		t.methodNotAllowed.ServeHTTP(w, r)
		return
	}
	writeError(w, t.style, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed for "+p)
}

// allow formats an Allow header for methods, adding HEAD for GET and OPTIONS.
func (t *table) allow(methods []string) string {
	all := slices.Clone(methods)
	if slices.Contains(all, http.MethodGet) && !slices.Contains(all, http.MethodHead) {
		all = append(all, http.MethodHead)
	}
	if !slices.Contains(all, http.MethodOptions) {
		all = append(all, http.MethodOptions)
	}
	slices.Sort(all)
	return strings.Join(all, ", ")
}

func (t *table) serveNotFound(w http.ResponseWriter, r *http.Request) {
	if t.notFound != nil {
		t.notFound.ServeHTTP(w, r)
		return
	}
	writeError(w, t.style, http.StatusNotFound, "no route matches "+r.Method+" "+r.URL.Path)
}

// cleanPath removes empty, "." and ".." segments, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// toggleSlash returns p with its trailing slash added or removed.
func toggleSlash(p string) (string, bool) {
	if p == "/" {
		return "", false
	}
	if strings.HasSuffix(p, "/") {
		return p[:len(p)-1], true
	}
	return p + "/", true
}

// redirect sends the client to target, keeping the query: 301 for GET and
// HEAD, 308 otherwise so that the method and body are kept.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	u := url.URL{Path: target, RawQuery: r.URL.RawQuery}
	code := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	w.Header().Set("Location", u.String())
	w.WriteHeader(code)
}
