package dynroute

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// table is a compiled, immutable route table. Routes are spread over layers
// of httprouter trees such that no layer holds two routes httprouter would
// reject together, and that, for any request, the first layer with a match
// holds the most specific matching route. Most tables need one layer.
type table struct {
	layers           []*httprouter.Router
	methods          []string // every method with a route, sorted
	headMerged       bool     // GET routes are in the HEAD trees too
	byPattern        map[patternKey]*entry
	notFound         http.Handler
	methodNotAllowed http.Handler
}

type patternKey struct{ method, path string }

// entry is the compiled form of one route.
type entry struct {
	route      *Route
	pat        *pattern
	path       string   // route.Path, kept here for the hot path
	names      []string // parameter names in path order
	catchAll   bool
	h          http.Handler
	fast       ParamsHandler // h, if it takes Params directly
	handle     httprouter.Handle
	routerPath string
}

func newEntry(rec *routeRec) *entry {
	e := &entry{
		route:      &rec.route,
		pat:        rec.pat,
		path:       rec.route.Path,
		names:      rec.pat.params,
		catchAll:   rec.pat.hasCatchAll(),
		h:          rec.route.Handler,
		routerPath: rec.pat.routerPath(),
	}
	e.fast, _ = e.h.(ParamsHandler)
	e.handle = e.serve
	return e
}

// serve is the httprouter.Handle of the entry: it hands the request and its
// parameters to the route's handler.
func (e *entry) serve(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	for i := range ps {
		if !cleanValue(ps[i].Value, e.catchAll && i == len(ps)-1) {
			redirect(w, r, cleanPath(r.URL.Path))
			return
		}
	}
	r.Pattern = e.path
	if e.fast != nil {
		e.fast.ServeHTTPParams(w, r, Params{e: e, ps: ps})
		return
	}
	if len(ps) > 0 {
		p := Params{e: e, ps: ps}
		for i, name := range e.names {
			r.SetPathValue(name, p.Value(i))
		}
	}
	e.h.ServeHTTP(w, r)
}

// compile builds the table for recs.
func compile(recs []*routeRec, notFound, methodNotAllowed http.Handler) *table {
	t := &table{
		byPattern:        make(map[patternKey]*entry, len(recs)),
		notFound:         notFound,
		methodNotAllowed: methodNotAllowed,
	}
	byMethod := make(map[string][]*entry)
	for _, rec := range recs {
		e := newEntry(rec)
		for _, m := range rec.route.Methods {
			byMethod[m] = append(byMethod[m], e)
			t.byPattern[patternKey{m, e.path}] = e
		}
	}
	if len(byMethod[http.MethodHead]) > 0 {
		// With explicit HEAD routes, HEAD requests pick the most specific
		// of the HEAD and GET routes (the HEAD route on equal shapes), so
		// GET routes join the HEAD tree. Without them miss falls back to GET.
		heads := make(map[string]bool)
		for _, e := range byMethod[http.MethodHead] {
			heads[e.pat.shape()] = true
		}
		for _, e := range byMethod[http.MethodGet] {
			if !heads[e.pat.shape()] {
				byMethod[http.MethodHead] = append(byMethod[http.MethodHead], e)
			}
		}
		t.headMerged = true
	}
	for m := range byMethod {
		t.methods = append(t.methods, m)
	}
	slices.Sort(t.methods)
	for _, m := range t.methods {
		t.addMethod(m, byMethod[m])
	}
	return t
}

// addMethod places the routes of one method into layers. Routes are placed
// most specific first; each goes into the first layer that (a) comes after
// every layer holding a route that overlaps it (those are all more specific,
// so they must be found first) and (b) has no route httprouter would refuse
// beside it. Within a layer at most one route matches any path, so the first
// layer that matches has the best route.
func (t *table) addMethod(method string, es []*entry) {
	slices.SortStableFunc(es, func(a, b *entry) int { return compareSpecificity(b.pat, a.pat) })
	var placed overlapNode[int] // routes placed so far, by layer
	var shapes []*layerNode
	for _, e := range es {
		l := 0
		placed.visit(e.pat.segs, func(layer int) bool {
			l = max(l, layer+1)
			return true
		})
		for l < len(shapes) && !shapes[l].fits(e.pat.segs) {
			l++
		}
		if l == len(shapes) {
			shapes = append(shapes, &layerNode{})
		}
		shapes[l].add(e.pat.segs)
		placed.insert(e.pat, l)
		for len(t.layers) <= l {
			t.layers = append(t.layers, &httprouter.Router{})
		}
		t.layers[l].Handle(method, e.routerPath, e.handle)
	}
}

// layerNode models the shape of one httprouter tree segment by segment, to
// keep out of a layer anything httprouter would panic on: a {x} beside a
// non-empty literal, a {x...} beside anything.
type layerNode struct {
	lits  map[string]*layerNode
	param *layerNode
	catch bool
}

// fits reports whether segs can join the tree without a conflict.
func (n *layerNode) fits(segs []segment) bool {
	for _, s := range segs {
		if n == nil {
			return true
		}
		if n.catch {
			return false
		}
		switch s.kind {
		case segCatchAll:
			return len(n.lits) == 0 && n.param == nil
		case segParam:
			for text := range n.lits {
				if text != "" {
					return false
				}
			}
			n = n.param
		case segLiteral:
			if s.text != "" && n.param != nil {
				return false
			}
			n = n.lits[s.text]
		}
	}
	return true
}

// add records segs in the tree; fits must have approved them.
func (n *layerNode) add(segs []segment) {
	for _, s := range segs {
		switch s.kind {
		case segCatchAll:
			n.catch = true
			return
		case segParam:
			if n.param == nil {
				n.param = &layerNode{}
			}
			n = n.param
		case segLiteral:
			c := n.lits[s.text]
			if c == nil {
				if n.lits == nil {
					n.lits = make(map[string]*layerNode)
				}
				c = &layerNode{}
				n.lits[s.text] = c
			}
			n = c
		}
	}
}

// lookup finds the handle for method and path, most specific first.
func (t *table) lookup(method, path string) (httprouter.Handle, httprouter.Params) {
	for _, l := range t.layers {
		if h, ps, _ := l.Lookup(method, path); h != nil {
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
	writeProblem(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed for "+p)
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
	writeProblem(w, http.StatusNotFound, "no route matches "+r.Method+" "+r.URL.Path)
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
