package dynroute

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/openapi"
	"github.com/julienschmidt/httprouter"
)

// Options configures a Router. A nil *Options means the defaults.
type Options struct {
	// Registry resolves handler names (AddAPIRouteByName, config). Nil
	// means a new, empty Registry, available from Router.Registry.
	Registry *Registry

	// Security declares the Router's security schemes and the requirement
	// of routes that set none (deny by default); nil means none. See
	// SecurityScheme.
	Security *SecurityOptions

	// StrictConflicts rejects, with ErrConflict, two routes that match a
	// common path when neither is more specific than the other, as
	// net/http.ServeMux does (for example /{a}/x and /x/{b}). By default such
	// pairs are served by the left-to-right rule: /x/{b} wins for /x/x.
	StrictConflicts bool

	// NotFound answers requests that match no route. Nil means a 404
	// application/problem+json answer.
	NotFound http.Handler

	// MethodNotAllowed answers requests whose path matches routes of other
	// methods only; the Allow header is set before it is called. Nil means a
	// 405 application/problem+json answer.
	MethodNotAllowed http.Handler

	// Title, Version, Summary, Description, TermsOfService, Contact and
	// License are the info of the OpenAPI document; Title defaults to
	// "API" and Version to "0.0.0", as the document needs both.
	Title          string
	Version        string
	Summary        string
	Description    string
	TermsOfService string
	Contact        *openapi.Contact
	License        *openapi.License
	// Servers are the base URLs of the API in the OpenAPI document.
	Servers []openapi.Server
	// Tags describe the tags routes use; the document lists tags in the
	// order routes first use them, with these descriptions.
	Tags []openapi.Tag

	// Docs configures the routes that serve the OpenAPI document, Swagger
	// UI and ReDoc. Nil means all of them at their default paths.
	Docs *DocsOptions

	// RouteClass wraps every route's handler, outside the route's own
	// RouteOptions.RouteClass; Middleware wraps it all, the first outermost.
	// Both apply to every route of the Router, the documentation routes
	// included, once per route when it is compiled.
	RouteClass RouteClass
	Middleware []Middleware

	// HeaderMismatchStatus answers a request whose method and path match
	// only routes with RouteOptions.Headers, none of which hold: 0 means
	// 404 (Options.NotFound, if set), and 406 or 400 are common choices.
	HeaderMismatchStatus int

	// Recover says what happens when a handler panics. Nil means recover,
	// log the panic once and answer 500 application/problem+json; see
	// RecoverOptions.
	Recover *RecoverOptions

	// MaxBodyBytes limits the request body of every route: 0 means 1 MiB,
	// a negative value no limit. A request whose Content-Length is over the
	// limit is answered 413 application/problem+json before its handler
	// runs; for a body of unknown length, the handler's reads past the limit
	// fail with an error wrapping *http.MaxBytesError (answer 413 then).
	// Handlers that limit bodies themselves (BodyLimiter: typed and CRUD
	// handlers, mounted Routers) apply their own limits instead.
	// RouteOptions.MaxBodyBytes sets one route's.
	MaxBodyBytes int64

	// ErrorStyle is the shape of the error answers of the Router and of the
	// typed and CRUD handlers it serves, and of their description in the
	// OpenAPI document: ProblemDetails (the default) or FastAPIErrors, for
	// clients written for FastAPI.
	ErrorStyle ErrorStyle
}

// Router is an http.Handler that dispatches requests to the routes added to
// it. Routes may be added while it serves: the served table is immutable
// and replaced atomically, so requests in flight finish on the table they
// started on. A Router is safe for concurrent use.
type Router struct {
	reg              *Registry
	notFound         http.Handler
	methodNotAllowed http.Handler

	mu      sync.Mutex // guards set, serving, block and the table's stores
	set     *routeSet
	serving bool     // a table has been served; compile eagerly from now on
	block   recBlock // records for the routes added before the first request

	srcMu   sync.Mutex
	sources map[uintptr]Source // caller PC -> source, so loops resolve once
	// lastSrc is the source resolved last: routes added in a loop find
	// theirs here without the lock and the map.
	lastSrc atomic.Pointer[pcSource]

	table atomic.Pointer[table] // nil: not compiled since the last change
	// single is table's single tree, or nil: ServeHTTP serves from it with
	// one load. Stored after table, so that it is never newer than table.
	single atomic.Pointer[httprouter.Router]

	doc     docInfo     // the OpenAPI document's info, servers and tags
	builtin []*routeRec // the documentation routes, served after the others

	class      RouteClass
	middleware []Middleware
	mismatch   http.HandlerFunc // answers header mismatches
	recover    *recoverer       // nil: panics go on to net/http
	maxBody    int64            // Options.MaxBodyBytes resolved: > 0, or -1 for none
	errStyle   ErrorStyle       // Options.ErrorStyle
	sec        securityRules    // the schemes and default requirement
}

// routeRec is one registered route: its metadata and its parsed path.
//
// The fields a compile reads come first, the entry and the pattern's own
// strings next to each other, so that a compile of a large table, which
// finds most records out of cache, touches few cache lines per route.
type routeRec struct {
	e     entry    // the compiled form: headers from buildRec, the rest from the first compile (entryOf)
	p     pattern  // allocated with the record: one allocation per route
	pat   *pattern // points to p
	route Route
	// opIDs are the route's OpenAPI operationIds, one per method in the
	// order of route.Methods; nil for a hidden route without OperationID.
	opIDs []string
	idbuf [1]string // opIDs of a one-method route, without an allocation

	auth *authPlan // the requirement the Router enforces; nil: public
	// gatedInside is set for an included route: auth is checked inside
	// the included Router's middleware (see Router.wrap).
	gatedInside bool
	hkey        string        // canonical form of headers; "" for none
	class       RouteClass    // the route's own, from RouteOptions
	inner       http.Handler  // serves instead of route.Handler (Include, Mount)
	mount       *mountHandler // the mount this route is, if it is one
}

// recBlock hands out zero records from blocks, one allocation for many
// routes: a record is the largest allocation per route, and allocating and
// collecting 10,000 of them one by one is a good part of registering them.
// A block lives as long as any of its records, so blocks serve only routes
// that come in bulk and usually go together — the routes a Router gets
// before its first request, a batch of AddRoutes — and a route replaced or
// removed alone keeps at most its block's memory, which was in use anyway.
type recBlock struct {
	free  []routeRec
	given int // records handed out so far
}

// maxRecBlock records, 24 KiB, are the most allocated at a time: within
// the allocator's small size classes.
const maxRecBlock = 32

// next returns the next zero record. When the block runs out, the next
// holds as many records as were handed out so far, up to maxRecBlock, so a
// Router of a few routes allocates no more than it uses, as slices grow.
func (b *recBlock) next() *routeRec {
	if len(b.free) == 0 {
		b.free = make([]routeRec, min(max(b.given, 1), maxRecBlock))
	}
	rec := &b.free[0]
	b.free = b.free[1:]
	b.given++
	return rec
}

var _ http.Handler = (*Router)(nil)

// New returns a Router with no routes but the documentation routes of
// Options.Docs. It panics if Options.Docs has a path that is not a literal
// path or is used twice, or Assets that lack a file, or
// Options.ErrorStyle is no ErrorStyle, like a bad
// regular expression in regexp.MustCompile: such options are a
// programming error.
func New(opts *Options) *Router {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ErrorStyle > FastAPIErrors {
		panic(fmt.Sprintf("dynroute: New: %v: Options.ErrorStyle %d is neither ProblemDetails nor FastAPIErrors", ErrInvalidOptions, o.ErrorStyle))
	}
	rt := &Router{
		reg:              o.Registry,
		notFound:         o.NotFound,
		methodNotAllowed: o.MethodNotAllowed,
		set:              newRouteSet(o.StrictConflicts),
		sources:          make(map[uintptr]Source),
		class:            o.RouteClass,
		middleware:       slices.Clone(o.Middleware),
		recover:          newRecoverer(o.Recover),
		maxBody:          httpx.BodyLimit(o.MaxBodyBytes),
		errStyle:         o.ErrorStyle,
	}
	rt.mismatch = func(w http.ResponseWriter, r *http.Request) {
		switch {
		case o.HeaderMismatchStatus == 0 && o.NotFound != nil:
			o.NotFound.ServeHTTP(w, r)
		case o.HeaderMismatchStatus == 0:
			writeError(w, o.ErrorStyle, http.StatusNotFound, "No route for these request headers.")
		default:
			writeError(w, o.ErrorStyle, o.HeaderMismatchStatus, "No route for these request headers.")
		}
	}
	if rt.reg == nil {
		rt.reg = NewRegistry()
	}
	rt.doc = docInfo{
		reg:      rt.reg,
		sec:      &rt.sec,
		errStyle: o.ErrorStyle,
		info: openapi.Info{Title: o.Title, Version: o.Version, Summary: o.Summary, Description: o.Description,
			TermsOfService: o.TermsOfService, Contact: clonePtr(o.Contact), License: clonePtr(o.License)},
		servers: slices.Clone(o.Servers),
		tags:    slices.Clone(o.Tags),
	}
	for i := range rt.doc.tags {
		rt.doc.tags[i].ExternalDocs = clonePtr(rt.doc.tags[i].ExternalDocs)
	}
	title := o.Title
	if title == "" {
		title = "API"
	}
	rt.sec.realm = title
	if s := o.Security; s != nil {
		if s.Realm != "" {
			rt.sec.realm = s.Realm
		}
		if err := checkRequirements(s.Default); err != nil {
			panic("dynroute: New: Options.Security.Default: " + err.Error())
		}
		rt.sec.deflt = cloneRequirements(s.Default)
		for _, name := range slices.Sorted(maps.Keys(s.Schemes)) {
			sc := s.Schemes[name]
			if err := checkScheme(name, &sc); err != nil {
				panic("dynroute: New: Options.Security: " + err.Error())
			}
			rt.addSchemeLocked(name, &sc) // a map has each name once
		}
	}
	builtin, err := docRoutes(rt, o.Docs, title)
	if err != nil {
		panic("dynroute: New: " + err.Error())
	}
	rt.builtin = builtin
	if len(builtin) > 0 {
		rt.set.reserved = make(map[string]*routeRec, len(builtin))
		for _, rec := range builtin {
			rt.set.reserved[rec.pat.shape()] = rec
		}
	}
	return rt
}

// clonePtr returns a pointer to a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// Registry returns the Registry the Router resolves handler names in.
func (rt *Router) Registry() *Registry { return rt.reg }

// ErrorStyle returns Options.ErrorStyle: the shape of the Router's error
// answers.
func (rt *Router) ErrorStyle() ErrorStyle { return rt.errStyle }

// AddAPIRoute adds a route that serves path for the given methods with h.
//
// The path uses dynroute's syntax ({name}, {name...}, literals; see the
// package documentation). Methods are case-insensitive and stored upper
// case. The error wraps ErrInvalidPath, ErrInvalidMethod, ErrInvalidHandler,
// ErrInvalidOptions, ErrDuplicateRoute, ErrDuplicateName,
// ErrDuplicateOperationID or ErrConflict, and names the route and where it
// was declared. On error nothing is added.
func (rt *Router) AddAPIRoute(path string, methods []string, h http.Handler, opts *RouteOptions) error {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC() // see callerPC
	}
	return rt.add(path, methods, h, "", opts, pc[0])
}

// AddAPIRouteByName is AddAPIRoute with the handler named in the Registry.
// An unknown name is an error wrapping ErrUnknownHandler that suggests the
// closest registered names. The route's HandlerName records the name.
func (rt *Router) AddAPIRouteByName(path string, methods []string, handlerName string, opts *RouteOptions) error {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC()
	}
	h, err := rt.reg.resolve(handlerName)
	if err != nil {
		return rt.routeError(path, methods, opts, err, pc[0])
	}
	return rt.add(path, methods, h, handlerName, opts, pc[0])
}

// MustAddAPIRoute is like AddAPIRoute but panics with the error.
func (rt *Router) MustAddAPIRoute(path string, methods []string, h http.Handler, opts *RouteOptions) {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC()
	}
	if err := rt.add(path, methods, h, "", opts, pc[0]); err != nil {
		panic(err)
	}
}

// Handle adds a route for one method and panics on error; see AddAPIRoute.
func (rt *Router) Handle(method, path string, h http.Handler) {
	rt.must(method, path, h, callerPC()[0])
}

// Get adds a GET route (which also answers HEAD) and panics on error.
func (rt *Router) Get(path string, h http.Handler) {
	rt.must(http.MethodGet, path, h, callerPC()[0])
}

// Post adds a POST route and panics on error.
func (rt *Router) Post(path string, h http.Handler) {
	rt.must(http.MethodPost, path, h, callerPC()[0])
}

// Put adds a PUT route and panics on error.
func (rt *Router) Put(path string, h http.Handler) {
	rt.must(http.MethodPut, path, h, callerPC()[0])
}

// Patch adds a PATCH route and panics on error.
func (rt *Router) Patch(path string, h http.Handler) {
	rt.must(http.MethodPatch, path, h, callerPC()[0])
}

// Delete adds a DELETE route and panics on error.
func (rt *Router) Delete(path string, h http.Handler) {
	rt.must(http.MethodDelete, path, h, callerPC()[0])
}

// must adds a route for one method and panics on error.
func (rt *Router) must(method, path string, h http.Handler, pc uintptr) {
	methods := singleMethod(method) // shared and never modified: no allocation
	if methods == nil {
		methods = []string{method}
	}
	if err := rt.add(path, methods, h, "", nil, pc); err != nil {
		panic(err)
	}
}

// callerPC returns, in an array so that it stays small enough to be
// inlined, the program counter of the code that called the exported method
// that calls callerPC, for the route's Source. Exported methods call it
// first thing, where opts has no Source. Inlined, it saves the stack walk a
// frame; runtime.Callers counts inlined calls as frames, so the skip is the
// same whether it is inlined or not.
func callerPC() (pc [1]uintptr) {
	runtime.Callers(3, pc[:]) // runtime.Callers, callerPC, the method
	return pc
}

// add validates one route, then inserts it and publishes the new table.
// pc is the caller's program counter (see callerPC).
func (rt *Router) add(path string, methods []string, h http.Handler, handlerName string, opts *RouteOptions, pc uintptr) error {
	slot := rt.record()
	rec, err := rt.newRec(slot, path, methods, h, handlerName, opts, pc)
	if err != nil {
		*slot = routeRec{} // keep nothing of the route alive in its block
		return err
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if err := rt.set.insert(rec); err != nil {
		*slot = routeRec{}
		return err
	}
	rt.publishLocked()
	return nil
}

// record returns a zero record for a route about to be added: from the
// Router's block before the first request, when routes come in bulk, and
// allocated on its own after, when a route may be replaced or removed
// alone (see recBlock).
func (rt *Router) record() *routeRec {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.serving {
		return new(routeRec)
	}
	return rt.block.next()
}

// newRec parses and checks a route on its own, before it meets the others,
// filling rec.
func (rt *Router) newRec(rec *routeRec, path string, methods []string, h http.Handler, handlerName string, opts *RouteOptions, pc uintptr) (*routeRec, error) {
	var o RouteOptions
	if opts != nil {
		o = *opts
	}
	if o.Source.IsZero() {
		o.Source = rt.sourceAt(pc)
	}
	var handlerErr error
	if h == nil {
		handlerErr = fmt.Errorf("%w: nil handler", ErrInvalidHandler)
	}
	rec, err := buildRec(rec, path, methods, h, handlerName, &o, handlerErr, false)
	if err != nil {
		return nil, err
	}
	return rec, rt.secure(rec, rec.route.Security)
}

// buildRec checks a route on its own and reports every problem it has, each
// as a *RouteError (joined when there are several), and fills rec, a zero
// record, with it. handlerErr is a problem the caller found with the
// handler. For config, an empty path or method list is reported as missing.
func buildRec(rec *routeRec, path string, methods []string, h http.Handler, handlerName string, o *RouteOptions, handlerErr error, config bool) (*routeRec, error) {
	var errs []error
	fail := func(err error) {
		errs = append(errs, &RouteError{Name: o.Name, Methods: methods, Path: path, Source: o.Source, Err: err})
	}
	var ms []string
	var err error
	if config && path == "" {
		fail(fmt.Errorf("%w: missing path", ErrInvalidConfig))
	} else if err = rec.p.parse(path); err != nil {
		fail(err)
	}
	if config && len(methods) == 0 {
		fail(fmt.Errorf("%w: missing methods", ErrInvalidConfig))
	} else if ms, err = normalizeMethods(methods); err != nil {
		fail(err)
	}
	if handlerErr != nil {
		fail(handlerErr)
	}
	if err := checkRequirements(o.Security); err != nil {
		fail(err)
	}
	if err := checkOptions(o); err != nil {
		fail(err)
	}
	headers, hkey, err := compileHeaders(o.Headers)
	if err != nil {
		fail(err)
	}
	switch len(errs) {
	case 0:
	case 1:
		return nil, errs[0]
	default:
		return nil, errors.Join(errs...)
	}
	rec.pat = &rec.p
	rec.route = Route{
		Name:          o.Name,
		Methods:       ms, // normalizeMethods made a new slice
		Path:          path,
		Handler:       h,
		HandlerName:   handlerName,
		OperationID:   o.OperationID,
		Summary:       o.Summary,
		Description:   o.Description,
		Tags:          slices.Clone(o.Tags),
		StatusCode:    o.StatusCode,
		Deprecated:    o.Deprecated,
		Hidden:        o.Hidden,
		Responses:     maps.Clone(o.Responses),
		ResponseModel: o.ResponseModel,
		Extensions:    maps.Clone(o.Extensions),
		Extra:         maps.Clone(o.Extra),
		Source:        o.Source,
		Headers:       slices.Clone(o.Headers),
		MaxBodyBytes:  o.MaxBodyBytes,
		Security:      cloneRequirements(o.Security),
	}
	rec.class = o.RouteClass
	rec.e.headers, rec.hkey = headers, hkey
	rec.opIDs = operationIDs(&rec.route, rec.pat, rec.idbuf[:0])
	if c, ok := h.(RouteChecker); ok {
		if err := c.CheckRoute(&rec.route); err != nil {
			return nil, &RouteError{Name: o.Name, Methods: methods, Path: path, Source: o.Source, Err: err}
		}
	}
	return rec, nil
}

// RouteChecker is implemented by handlers that can only serve some routes,
// such as typed handlers that bind path parameters: the Router calls
// CheckRoute when the route is added and refuses the route on error.
type RouteChecker interface {
	// CheckRoute reports why the handler cannot serve route, or nil. The
	// Router wraps the error with the route's method, path and source.
	CheckRoute(route *Route) error
}

// routeError wraps err for a route that never got as far as newRec.
func (rt *Router) routeError(path string, methods []string, opts *RouteOptions, err error, pc uintptr) error {
	var o RouteOptions
	if opts != nil {
		o = *opts
	}
	if o.Source.IsZero() {
		o.Source = rt.sourceAt(pc)
	}
	return &RouteError{Name: o.Name, Methods: methods, Path: path, Source: o.Source, Err: err}
}

// pcSource is a program counter and its resolved source.
type pcSource struct {
	pc  uintptr
	src Source
}

// sourceAt returns the file and line of pc. The result is cached per program
// counter: routes added in a loop cost one symbol lookup.
func (rt *Router) sourceAt(pc uintptr) Source {
	if pc == 0 {
		return Source{}
	}
	if last := rt.lastSrc.Load(); last != nil && last.pc == pc {
		return last.src
	}
	rt.srcMu.Lock()
	defer rt.srcMu.Unlock()
	s, ok := rt.sources[pc]
	if !ok {
		f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
		s = Source{File: filepath.Base(f.File), Line: f.Line}
		rt.sources[pc] = s
	}
	rt.lastSrc.Store(&pcSource{pc: pc, src: s})
	return s
}

// publishLocked makes the routes added so far the ones served. Before the
// first request it only drops the compiled table, so that adding many routes
// compiles once; once serving, it compiles now, so requests never wait for a
// compile.
func (rt *Router) publishLocked() {
	if !rt.serving {
		if rt.table.Load() != nil { // storing nil again would cost a barrier per route
			rt.storeTable(nil)
		}
		return
	}
	rt.storeTable(rt.compileLocked())
}

// storeTable publishes t, or nil to have the next request compile a table.
func (rt *Router) storeTable(t *table) {
	rt.table.Store(t)
	var single *httprouter.Router
	if t != nil {
		single = t.single
	}
	rt.single.Store(single)
}

// current returns the table to serve, compiling it if routes changed before
// the first request.
func (rt *Router) current() *table {
	if t := rt.table.Load(); t != nil {
		return t
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if t := rt.table.Load(); t != nil {
		return t
	}
	t := rt.compileLocked()
	rt.serving = true
	rt.block = recBlock{} // routes come one at a time from now on
	rt.storeTable(t)
	return t
}

// compileLocked builds the served table from the registered routes.
func (rt *Router) compileLocked() *table {
	n := len(rt.set.recs)
	all := make([]*routeRec, n, n+len(rt.builtin))
	copy(all, rt.set.recs)
	t := compile(append(all, rt.builtin...), rt.wrap, rt.maxBody, rt.errStyle, rt.notFound, rt.methodNotAllowed, rt.mismatch)
	t.recs = all[:n:n]
	t.spec = new(specCache)
	if t.single != nil && rt.recover != nil {
		t.single.PanicHandler = rt.panicked // see Router.guard
	}
	for _, rec := range t.recs {
		if rec.mount != nil {
			t.mounts = append(t.mounts, rec)
		}
	}
	return t
}

// Routes returns a copy of every route's metadata in the order added.
func (rt *Router) Routes() []Route {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]Route, len(rt.set.recs))
	for i, rec := range rt.set.recs {
		out[i] = rec.route.clone()
	}
	return out
}

// MatchedRoute returns the route that the Router matched for r, from the
// method and r.Pattern the Router set; ok is false for a request it did not
// match. It does not allocate.
func (rt *Router) MatchedRoute(r *http.Request) (route *Route, ok bool) {
	t := rt.current()
	if e := t.entryFor(r.Method, r.Pattern); e != nil {
		return e.route, true
	}
	if r.Method == http.MethodHead {
		if e := t.entryFor(http.MethodGet, r.Pattern); e != nil {
			return e.route, true
		}
	}
	return nil, false
}

// URL builds the path of the named route from name/value pairs, escaping each
// value (FastAPI's url_path_for):
//
//	rt.URL("user_post", "user", "ann", "post", "7") // "/users/ann/posts/7"
//
// Every parameter of the route must be given exactly once; {name...} values
// may contain slashes. Errors wrap ErrUnknownRoute or ErrInvalidParams.
func (rt *Router) URL(name string, params ...string) (string, error) {
	rt.mu.Lock()
	rec := rt.set.names.get(indexKeyOf(name))
	rt.mu.Unlock()
	if rec == nil {
		return "", fmt.Errorf("dynroute: URL: %w %q", ErrUnknownRoute, name)
	}
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("dynroute: URL for %s: %w: %s", rec.route.String(), ErrInvalidParams, fmt.Sprintf(format, args...))
	}
	if len(params)%2 != 0 {
		return fail("want name/value pairs, got %d strings", len(params))
	}
	values := make(map[string]string, len(params)/2)
	for i := 0; i < len(params); i += 2 {
		k := params[i]
		if !slices.Contains(rec.pat.params, k) {
			return fail("the route has no parameter %q", k)
		}
		if _, dup := values[k]; dup {
			return fail("parameter %q given twice", k)
		}
		values[k] = params[i+1]
	}
	var b strings.Builder
	for _, s := range rec.pat.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segParam:
			v, ok := values[s.text]
			if !ok {
				return fail("missing parameter %q", s.text)
			}
			if v == "" {
				return fail("parameter %q is empty; {%s} matches a non-empty segment", s.text, s.text)
			}
			if strings.Contains(v, "/") {
				// The router matches the decoded path, where %2F is a slash.
				return fail("parameter %q contains '/'; only {%s...} values may", s.text, s.text)
			}
			if v == "." || v == ".." {
				return fail("parameter %q is %q, which the router redirects away from", s.text, v)
			}
			b.WriteString(url.PathEscape(v))
		case segCatchAll:
			v, ok := values[s.text]
			if !ok {
				return fail("missing parameter %q", s.text)
			}
			if !cleanRest(v) {
				return fail("parameter %q is %q: empty, \".\" or \"..\" segments are redirected away from", s.text, v)
			}
			for i, part := range strings.Split(v, "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(part))
			}
		}
	}
	return b.String(), nil
}

// ServeHTTP dispatches r to the most specific matching route.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s := rt.single.Load(); s != nil {
		s.ServeHTTP(w, r) // recovers with its PanicHandler
		return
	}
	rt.serveTable(w, r)
}

// serveTable serves r from the current table, compiling it first if routes
// changed before the first request.
func (rt *Router) serveTable(w http.ResponseWriter, r *http.Request) {
	t := rt.current()
	if t.single != nil {
		t.single.ServeHTTP(w, r)
		return
	}
	if rt.recover != nil {
		rt.serveGuarded(t, w, r)
		return
	}
	t.serve(w, r)
}

// serveGuarded serves r from the layers of t, recovering a panic. The
// defer lives here, not in ServeHTTP, whose single-tree path would pay for
// it on every request.
func (rt *Router) serveGuarded(t *table, w http.ResponseWriter, r *http.Request) {
	defer rt.guard(w, r)
	t.serve(w, r)
}

// serve serves r from the layers of t: the first layer that matches has
// the most specific route.
func (t *table) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	for _, l := range t.layers {
		if h, ps, _ := l.Lookup(r.Method, path); h != nil {
			h(w, r, ps)
			return
		}
	}
	t.miss(w, r)
}
