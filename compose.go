package dynroute

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/openapi"
)

// RouteClass wraps the handler of one route, seeing the route's metadata:
// the Go form of a custom FastAPI APIRoute class that overrides
// get_route_handler. Use it for timing, logging or authorisation by tag:
//
//	timing := func(route dynroute.Route, next http.Handler) http.Handler {
//		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			start := time.Now()
//			next.ServeHTTP(w, r)
//			log.Printf("%s took %v", route.Name, time.Since(start))
//		})
//	}
//
// A RouteClass is called once per route, when the route is first compiled
// into a table, not per request. It may return next itself to leave a route
// alone. A wrapped handler gets its path parameters from r.PathValue (the
// Router sets them for it) unless the returned handler is a HandlerFunc or
// a ParamsHandler.
type RouteClass func(route Route, next http.Handler) http.Handler

// Middleware wraps a handler, as net/http middleware does. The Router
// applies it once per route, when the route is compiled.
type Middleware func(next http.Handler) http.Handler

// wrap returns the handler that serves rec: the route's handler inside its
// route class, then (outermost) the Router's route class and middleware.
// The route's security requirement (rec.auth) is checked inside the
// middleware, just outside the route class, so that middleware sees the
// 401 and 403 answers too.
func (rt *Router) wrap(rec *routeRec) http.Handler {
	plan := rec.auth
	if rec.gatedInside {
		plan = nil // Include put the check inside the included Router's middleware
	}
	return rt.wrapStyled(rec, rt.errStyle, plan)
}

// wrapStyled is wrap with the handler's errors in style: that of the Router
// that serves the route, which for an included one is the including Router;
// plan is the requirement to check.
func (rt *Router) wrapStyled(rec *routeRec, style ErrorStyle, plan *authPlan) http.Handler {
	h := styled(rec.route.Handler, style)
	if rec.inner != nil {
		h = rec.inner
	}
	if rec.class != nil {
		h = rec.class(rec.route.clone(), h)
	}
	return rt.wrapRouter(rec, plan.gate(h))
}

// styled returns h as it answers errors in style: the handler an
// ErrorStyler gives for it, or h.
func styled(h http.Handler, style ErrorStyle) http.Handler {
	if s, ok := h.(ErrorStyler); ok && style != ProblemDetails {
		return s.WithErrorStyle(style)
	}
	return h
}

// wrapRouter applies the Router's route class and middleware to h, the
// handler of rec.
func (rt *Router) wrapRouter(rec *routeRec, h http.Handler) http.Handler {
	if rt.class != nil {
		h = rt.class(rec.route.clone(), h)
	}
	for i := len(rt.middleware) - 1; i >= 0; i-- {
		h = rt.middleware[i](h)
	}
	return h
}

// IncludeOptions configures Router.Include. A nil *IncludeOptions means no
// changes to the included routes but the prefix.
type IncludeOptions struct {
	// Tags are added to every included route's tags.
	Tags []string
	// NamePrefix is put before every included route's name (and so before
	// the operationIds derived from names).
	NamePrefix string
	// Middleware wraps every included route, inside the including
	// Router's own middleware and outside the included Router's.
	Middleware []Middleware
	// Deprecated marks every included route deprecated.
	Deprecated bool
	// Hidden keeps every included route out of the OpenAPI document.
	Hidden bool
	// Security is the requirement of every included route that sets none
	// of its own, resolved with the including Router's schemes; nil leaves
	// such routes to the included Router's default, and then to the
	// including Router's.
	Security []SecurityRequirement
}

// Include adds a copy of every route of sub, its path behind prefix, like
// FastAPI's include_router. Each copy keeps its metadata and source and is
// served by sub's handler with sub's route classes and middleware still
// applied; opts adds tags, a name prefix and middleware. Routes sub mounts
// are mounted behind prefix too. The copies are checked like any other
// routes — duplicates, conflicts, names and operationIds — and every problem
// is reported at once; on error nothing is added. Later changes of sub are
// not followed: to serve a Router that keeps changing, Mount it.
//
// prefix is a path without a trailing slash ("/v1"), or "" for none. It may
// have {name} segments ("/tenants/{tenant}"): every included route then has
// them too, and its handler reads their values as it reads its own
// (r.PathValue, Params, typed bindings). A name both in prefix and in an
// included route's path is an ErrInvalidPath naming both.
func (rt *Router) Include(prefix string, sub *Router, opts *IncludeOptions) error {
	var o IncludeOptions
	if opts != nil {
		o = *opts
	}
	fail := func(err error) error {
		return fmt.Errorf("dynroute: Include %q: %w", prefix, err)
	}
	if sub == nil {
		return fail(fmt.Errorf("%w: the included Router is nil", ErrInvalidOptions))
	}
	if sub == rt {
		return fail(fmt.Errorf("%w: a Router cannot include itself", ErrInvalidOptions))
	}
	pp, err := parsePrefix(prefix)
	if err != nil {
		return fail(err)
	}
	sub.mu.Lock()
	recs := slices.Clone(sub.set.recs)
	sub.mu.Unlock()

	return rt.Update(func(tx *Tx) error {
		var errs []error
		for _, src := range recs {
			rec, err := rt.includedRec(sub, src, prefix, pp, &o)
			if err == nil {
				err = tx.insert(rec)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// includedRec makes the copy of src, a route of sub, that Include adds to
// rt; pp is prefix parsed (nil for "").
func (rt *Router) includedRec(sub *Router, src *routeRec, prefix string, pp *pattern, o *IncludeOptions) (*routeRec, error) {
	style := rt.errStyle
	r := &src.route
	if err := prefixNameClash(pp, src); err != nil {
		return nil, err
	}
	opts := RouteOptions{
		Name:          r.Name,
		OperationID:   r.OperationID,
		Summary:       r.Summary,
		Description:   r.Description,
		Tags:          r.Tags,
		StatusCode:    r.StatusCode,
		Deprecated:    r.Deprecated || o.Deprecated,
		Hidden:        r.Hidden || o.Hidden,
		Responses:     r.Responses,
		ResponseModel: r.ResponseModel,
		Extensions:    r.Extensions,
		Extra:         r.Extra,
		Source:        r.Source,
		Headers:       r.Headers, // the route class is in sub.wrap(src)
		Security:      r.Security,
	}
	if opts.Name != "" {
		opts.Name = o.NamePrefix + opts.Name
	}
	for _, t := range o.Tags {
		if !slices.Contains(opts.Tags, t) {
			opts.Tags = append(slices.Clip(opts.Tags), t)
		}
	}
	rec, err := buildRec(new(routeRec), prefix+r.Path, r.Methods, r.Handler, r.HandlerName, &opts, nil, false)
	if err != nil {
		return nil, err
	}
	rec.route.ResponseModelName = r.ResponseModelName
	// The route's own requirement, else the Include's, else sub's default,
	// else rt's.
	switch {
	case r.Security != nil || (o.Security == nil && src.auth != nil):
		rec.auth = src.auth
	default:
		if err := rt.secure(rec, o.Security); err != nil {
			return nil, err
		}
	}
	// Served as sub serves it, inside the Include's middleware, but with
	// its errors in rt's style, as rt documents them.
	inner := sub.wrapStyled(src, style, rec.auth)
	rec.gatedInside = true
	for i := len(o.Middleware) - 1; i >= 0; i-- {
		inner = o.Middleware[i](inner)
	}
	rec.inner = inner
	if src.mount != nil {
		m, err := newMountHandler(prefix+src.mount.prefix, src.mount.h, src.mount.opts)
		if err != nil {
			return nil, err // not reached: both parts are valid and their names differ
		}
		m.opts.Hidden = rec.route.Hidden
		rec.route.Mount = true
		rec.mount, rec.inner = m, m
		rec.gatedInside = false // the mount's check is the including Router's
		rec.opIDs = nil
	}
	return rec, nil
}

// prefixNameClash reports a parameter of src's path that the prefix pp
// (nil for none) has too, naming both.
func prefixNameClash(pp *pattern, src *routeRec) error {
	if pp == nil || len(pp.params) == 0 {
		return nil
	}
	for _, name := range src.pat.params {
		if !slices.Contains(pp.params, name) {
			continue
		}
		r := &src.route
		if src.mount != nil {
			return &RouteError{Name: r.Name, Path: src.mount.prefix, Source: r.Source, Err: ErrInvalidPath, Mount: true,
				Detail: fmt.Sprintf("parameter {%s} is in both the prefix %s and the mount's path %s: rename one of them", name, pp.path, r.Path)}
		}
		return &RouteError{Name: r.Name, Methods: r.Methods, Path: r.Path, Source: r.Source, Err: ErrInvalidPath,
			Detail: fmt.Sprintf("parameter {%s} is in both the prefix %s and the route's path %s: rename one of them", name, pp.path, r.Path)}
	}
	return nil
}

// CheckPrefix reports whether prefix can prefix routes, as Include, Mount
// and the packages that add routes under a prefix (crud) require: "" or a
// path without a trailing slash, such as /api/v1, whose parameters, if any,
// are {name} segments, such as /tenants/{tenant}; a {name...} would leave
// nothing for the routes under it, and convertors, mixed segments and ':'
// in literals ({id:int}, {sid}.json, levels:append) are for route paths.
// The error wraps ErrInvalidPath.
func CheckPrefix(prefix string) error {
	_, err := parsePrefix(prefix)
	return err
}

// parsePrefix parses a prefix CheckPrefix accepts; it returns nil for "".
func parsePrefix(prefix string) (*pattern, error) {
	if prefix == "" {
		return nil, nil
	}
	p, err := parsePattern(prefix)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("%w %q: a prefix has no trailing slash", ErrInvalidPath, prefix)
	}
	if p.checked {
		return nil, fmt.Errorf("%w %q: a prefix segment is a literal without ':' or '*' or a plain {name}; convertors, parameters inside a segment and ':' in literals are for route paths",
			ErrInvalidPath, prefix)
	}
	if p.hasCatchAll() {
		name := p.params[len(p.params)-1]
		return nil, fmt.Errorf("%w %q: a prefix cannot end in {%s...}, which leaves nothing for the paths under it; write {%s} for one segment",
			ErrInvalidPath, prefix, name, name)
	}
	return p, nil
}

// MountOptions configures Router.Mount. A nil *MountOptions means the
// defaults.
type MountOptions struct {
	// Name names the mount's route, as RouteOptions.Name does; it also
	// prefixes the mounted application's operationIds that clash with
	// others in the document. Default: the prefix in words ("plugin_a"
	// for /plugin-a).
	Name string
	// Methods are the methods sent to the application; nil means GET,
	// HEAD, POST, PUT, PATCH, DELETE, OPTIONS and TRACE.
	Methods []string
	// Tags are added to the mounted application's operations in the
	// document.
	Tags []string
	// Hidden keeps the mounted application's operations out of the
	// document.
	Hidden bool
	// Source says where the mount was declared; zero means the caller.
	Source Source
	// Security is the requirement of every request under the prefix,
	// checked before the mounted handler sees it, as RouteOptions.Security:
	// nil means the Router's default, an empty list none.
	Security []SecurityRequirement
	// MaxBodyBytes limits the request bodies the application gets, as
	// RouteOptions.MaxBodyBytes does; 0 means Options.MaxBodyBytes, except
	// for a mounted Router, which applies its own limits.
	MaxBodyBytes int64
}

// mountMethods are the methods a Mount serves by default.
var mountMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace,
}

// mountParam is the name of the {x...} parameter of a mount's route.
const mountParam = "path"

// Mount serves h at prefix and everything under it, like FastAPI's
// app.mount: h may be another Router, a ServeMux, a file server — any
// http.Handler. h sees the request with prefix stripped from URL.Path and
// URL.RawPath ("/plugina/items/1" arrives as "/items/1"); MountedAt returns
// the prefix and the original URL. A request for prefix itself is
// redirected to prefix + "/".
//
// prefix may have {name} segments, as chi's sub-routers do
// ("/tenants/{tenant}"): h then sees the path after the segments the prefix
// matched ("/tenants/acme/items" arrives as "/items"), and reads their
// values with MountedAt(r).Value("tenant") or r.PathValue("tenant"); in a
// mounted Router, a HandlerFunc's Params hold its own route's values only.
// A prefix cannot name a parameter {path}, the name of the mount's
// {path...}.
//
// The mount is a route (see Route.Mount) for opts.Methods at
// prefix/{path...}. A route whose path starts with prefix's segments, or
// more specific ones (a literal for a {name}), would take part of the
// mount's paths, so a mount and such a route are an ErrConflict, whichever
// comes first. When h is a *Router, or any OpenAPIProvider, its operations
// appear in the document under prefix (unless opts.Hidden), with prefix's
// parameters and its schemas merged into the components; a mounted Router
// keeps serving its own runtime changes, and the document follows them.
func (rt *Router) Mount(prefix string, h http.Handler, opts *MountOptions) error {
	pc := callerPC()[0]
	return rt.Update(func(tx *Tx) error {
		return tx.mount(prefix, h, opts, pc)
	})
}

// Mount is Router.Mount inside the Tx.
func (tx *Tx) Mount(prefix string, h http.Handler, opts *MountOptions) error {
	return tx.mount(prefix, h, opts, callerPC()[0])
}

func (tx *Tx) mount(prefix string, h http.Handler, opts *MountOptions, pc uintptr) error {
	var o MountOptions
	if opts != nil {
		o = *opts
	}
	if o.Source.IsZero() {
		o.Source = tx.rt.sourceAt(pc)
	}
	if sub, ok := h.(*Router); ok && sub == tx.rt {
		return &RouteError{Name: o.Name, Path: prefix, Source: o.Source, Err: ErrInvalidHandler, Detail: "a Router cannot mount itself", Mount: true}
	}
	rec, err := mountRec(prefix, h, &o)
	if err != nil {
		return err
	}
	if err := tx.rt.secure(rec, o.Security); err != nil {
		return err
	}
	return tx.insert(rec)
}

// mountRec makes the route record of a mount, reporting every problem.
func mountRec(prefix string, h http.Handler, o *MountOptions) (*routeRec, error) {
	methods := o.Methods
	if methods == nil {
		methods = mountMethods
	}
	path := prefix + "/{" + mountParam + "...}"
	var errs []error
	fail := func(err error) {
		errs = append(errs, &RouteError{Name: o.Name, Path: prefix, Source: o.Source, Err: err, Mount: true})
	}
	var m *mountHandler
	if prefix == "" {
		fail(fmt.Errorf("%w: a mount needs a prefix; to serve h for every path, set it as Options.NotFound", ErrInvalidPath))
	} else {
		var err error
		if m, err = newMountHandler(prefix, h, *o); err != nil {
			fail(err)
		}
	}
	if h == nil {
		fail(fmt.Errorf("%w: nil handler", ErrInvalidHandler))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rec, err := buildRec(new(routeRec), path, methods, h, "", &RouteOptions{Name: o.Name, Tags: o.Tags, Hidden: o.Hidden, Source: o.Source, MaxBodyBytes: o.MaxBodyBytes, Security: o.Security}, nil, false)
	if err != nil {
		return nil, err
	}
	rec.opIDs = nil // its operations are the mounted application's
	rec.route.Mount = true
	rec.mount = m
	rec.inner = m
	return rec, nil
}

// mountHandler serves a mounted handler behind its prefix.
type mountHandler struct {
	prefix string
	pat    *pattern // prefix, parsed
	h      http.Handler
	opts   MountOptions
}

// newMountHandler checks prefix, which is not "", and makes the handler
// that serves h behind it.
func newMountHandler(prefix string, h http.Handler, opts MountOptions) (*mountHandler, error) {
	pat, err := parsePrefix(prefix)
	if err != nil {
		return nil, err
	}
	if slices.Contains(pat.params, mountParam) {
		return nil, fmt.Errorf("%w %q: a mount prefix cannot name a parameter {%s}: the mount's route names the rest of the path so (%s/{%s...}); rename it",
			ErrInvalidPath, prefix, mountParam, prefix, mountParam)
	}
	return &mountHandler{prefix: prefix, pat: pat, h: h, opts: opts}, nil
}

// mountKey is the context key of a request's Mounted value.
type mountKey struct{}

// Mounted describes the mount a request was sent through.
type Mounted struct {
	// Prefix is the part of the path the mounts stripped: for mounts
	// within mounts, all of it. For a prefix with parameters it has the
	// request's values: "/tenants/acme" for /tenants/{tenant}.
	Prefix string
	// URL is the request's URL before any mount changed it.
	URL *url.URL
	// params are the values of the prefixes' parameters, outermost mount
	// first.
	params []prefixParam
}

// prefixParam is the value of one parameter of a mount's prefix.
type prefixParam struct{ name, value string }

// Value returns the value of the named parameter of the mounts' prefixes:
// "acme" for {tenant} when a mount at /tenants/{tenant} served
// /tenants/acme/items. It returns "" if no prefix has the parameter. With
// mounts within mounts that use one name twice, the innermost value wins.
func (m Mounted) Value(name string) string {
	for i := len(m.params) - 1; i >= 0; i-- {
		if m.params[i].name == name {
			return m.params[i].value
		}
	}
	return ""
}

// All iterates over the parameters of the mounts' prefixes as name, value
// pairs, in path order (outermost mount first).
func (m Mounted) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, p := range m.params {
			if !yield(p.name, p.value) {
				return
			}
		}
	}
}

// MountedAt returns what the mounts a request went through stripped, its
// original URL and the values of the prefixes' parameters; ok is false for
// a request no mount has seen.
func MountedAt(r *http.Request) (m Mounted, ok bool) {
	m, ok = r.Context().Value(mountKey{}).(Mounted)
	return m, ok
}

// ServeHTTPParams serves the request with the prefix stripped. It is a
// ParamsHandler so that the Router does not set path values on the
// request that h gets.
func (m *mountHandler) ServeHTTPParams(w http.ResponseWriter, r *http.Request, _ Params) {
	m.ServeHTTP(w, r)
}

func (m *mountHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, ok := m.match(r.URL.Path)
	if !ok {
		// Not under the prefix: only reachable by calling the handler
		// directly.
		http.NotFound(w, r)
		return
	}
	rest := r.URL.Path[n:]
	u := *r.URL
	u.Path = rest
	u.RawPath = ""
	if r.URL.RawPath != "" {
		if raw, ok := stripEscapedPrefix(r.URL.RawPath, n); ok {
			u.RawPath = raw
			if plain := (url.URL{Path: rest}); plain.EscapedPath() == raw {
				u.RawPath = "" // nothing left that needs the raw form
			}
		}
	}
	info := Mounted{Prefix: r.URL.Path[:n], URL: r.URL}
	outer, nested := MountedAt(r)
	if nested {
		info.Prefix, info.URL, info.params = outer.Prefix+info.Prefix, outer.URL, outer.params
	}
	own := len(info.params)
	if len(m.pat.params) > 0 {
		info.params = m.values(r.URL.Path[:n], slices.Clip(info.params))
	}
	r2 := r.WithContext(context.WithValue(r.Context(), mountKey{}, info))
	r2.URL = &u // RequestURI stays the client's, as with http.StripPrefix
	r2.Pattern = ""
	if r.PathValue(mountParam) != "" {
		r2.SetPathValue(mountParam, "") // set when middleware wraps the mount
	}
	for _, p := range info.params[own:] {
		r2.SetPathValue(p.name, p.value)
	}
	m.h.ServeHTTP(w, r2)
}

// match returns the length of the part of path the prefix matches, which
// a non-empty rest follows: a literal prefix itself, or for a prefix with
// parameters as many segments, each {name} a non-empty one.
func (m *mountHandler) match(path string) (int, bool) {
	if len(m.pat.params) == 0 {
		if !strings.HasPrefix(path, m.prefix) || len(path) == len(m.prefix) {
			return 0, false
		}
		return len(m.prefix), true
	}
	i := 0
	for _, s := range m.pat.segs {
		if i >= len(path) || path[i] != '/' {
			return 0, false
		}
		end := strings.IndexByte(path[i+1:], '/')
		if end < 0 {
			end = len(path)
		} else {
			end += i + 1
		}
		seg := path[i+1 : end]
		if s.kind == segLiteral && seg != s.text || seg == "" {
			return 0, false
		}
		i = end
	}
	if i == len(path) {
		return 0, false
	}
	return i, true
}

// values appends the values of the prefix's parameters in matched, the
// part of a path that match accepted, to params.
func (m *mountHandler) values(matched string, params []prefixParam) []prefixParam {
	for _, s := range m.pat.segs {
		seg, _, _ := strings.Cut(matched[1:], "/")
		if s.kind == segParam {
			params = append(params, prefixParam{name: s.text, value: seg})
		}
		matched = matched[1+len(seg):]
	}
	return params
}

// stripEscapedPrefix removes from raw, an escaped path, the part that
// decodes to the first n bytes of its decoded form, and returns the rest,
// which starts with a slash. An escaped slash ("%2F") right after the
// prefix becomes a plain one: it separates the prefix from the rest.
func stripEscapedPrefix(raw string, n int) (string, bool) {
	i, decoded := 0, 0
	for decoded < n && i < len(raw) {
		if raw[i] == '%' {
			i += 3
		} else {
			i++
		}
		decoded++
	}
	if decoded != n || i > len(raw) {
		return "", false
	}
	rest := raw[i:]
	switch {
	case strings.HasPrefix(rest, "/"):
		return rest, true
	case len(rest) >= 3 && strings.EqualFold(rest[:3], "%2F"):
		return "/" + rest[3:], true
	}
	return "", false
}

// OpenAPIProvider is implemented by handlers that describe their own API,
// such as *Router: a Router that mounts one documents its operations under
// the mount's prefix.
type OpenAPIProvider interface {
	// OpenAPI returns the handler's document; paths are relative to the
	// mount point. The caller only reads it.
	OpenAPI() *openapi.Document
}
