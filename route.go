package dynroute

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
)

// RouteOptions is the metadata of a route added in code. A nil
// *RouteOptions means no metadata.
type RouteOptions struct {
	// Name identifies the route for Router.URL and in error messages; it
	// must be unique within the router when set.
	Name string
	// OperationID is the OpenAPI operationId; unique within the router
	// when set.
	OperationID string
	// Summary and Description document the route in OpenAPI.
	Summary     string
	Description string
	// Tags group the route in OpenAPI documents and UIs.
	Tags []string
	// StatusCode is the status of a successful answer (OpenAPI and typed
	// handlers); 0 means the handler decides. Must be 100–599 when set.
	StatusCode int
	// Deprecated marks the route deprecated in OpenAPI.
	Deprecated bool
	// Hidden keeps the route out of OpenAPI documents; it is still served.
	Hidden bool
	// Responses describes answers by status code (100–599).
	Responses map[int]string
	// ResponseModel is a value of the type of the successful answer's JSON
	// body, as FastAPI's response_model: Item{} or []Item{}. The document
	// gives the answer its JSON Schema (the type's, in components), for a
	// handler that does not describe itself; typed handlers do. Its type
	// must be one a jsonschema.Registry describes.
	ResponseModel any
	// Extensions are OpenAPI specification extensions; keys start with "x-".
	Extensions map[string]any
	// Extra is free-form data for the handler and middleware (config's
	// extra: map and custom keys such as the seed's response_message), read
	// back from Route.Extra; it is not documented in OpenAPI.
	Extra map[string]any
	// Source says where the route was declared. Zero means the Go file and
	// line that called the Router; config loaders set the file and line of
	// the entry.
	Source Source
	// RouteClass wraps this route's handler, inside the Router's
	// Options.RouteClass and Middleware.
	RouteClass RouteClass
	// Headers are conditions on request headers that must all hold for
	// the route to serve a request. Routes with different Headers may share
	// a method and path (their parameter names aside): a request goes to
	// the first of them, in the order added, whose Headers all hold, else
	// to the one without Headers, else it is answered with
	// Options.HeaderMismatchStatus. The OpenAPI document shows one operation
	// for them, the first route's, with each header as a parameter.
	Headers []HeaderMatch

	// MaxBodyBytes limits this route's request body: 0 means the Router's
	// Options.MaxBodyBytes (or, for a typed or CRUD handler or a mounted
	// Router, the handler's own limit), a negative value no limit set by
	// the Router. A handler's own limit still applies: the smaller wins.
	MaxBodyBytes int64

	// Security is the route's requirement: a list of alternatives, one of
	// which a request must satisfy before the handler runs (see
	// SecurityScheme). Nil means the Router's SecurityOptions.Default; an
	// empty, non-nil list makes the route public.
	Security []SecurityRequirement
}

// Route is the stored metadata of one route: what it matches, what serves it
// and how it is documented. Router.Routes returns copies; the *Route a
// handler gets from Params.Route or Router.MatchedRoute is shared and must
// not be modified.
type Route struct {
	Name        string
	Methods     []string // upper case, in the order given, without duplicates
	Path        string   // as registered, e.g. "/users/{id}"
	Handler     http.Handler
	HandlerName string // the Registry name, if the handler came from one
	OperationID string
	Summary     string
	Description string
	Tags        []string
	StatusCode  int
	Deprecated  bool
	Hidden      bool
	Responses   map[int]string
	// ResponseModel is RouteOptions.ResponseModel, and ResponseModelName
	// its Registry name when it came from one (a config entry's
	// response_model).
	ResponseModel     any
	ResponseModelName string
	Extensions        map[string]any
	Extra             map[string]any
	Source            Source
	Headers           []HeaderMatch // see RouteOptions.Headers
	// Mount reports that the route is a Router.Mount: Handler serves every
	// path under MountPrefix (Path is the prefix and /{path...}), and Hidden
	// keeps the mounted application's operations out of the document.
	Mount bool
	// MaxBodyBytes is RouteOptions.MaxBodyBytes.
	MaxBodyBytes int64
	// Security is RouteOptions.Security: the route's own requirement, nil
	// for the default of the Router that serves it.
	Security []SecurityRequirement
}

// MountPrefix returns the prefix of a mount, or "" for a route that is not
// one.
func (r *Route) MountPrefix() string {
	if !r.Mount {
		return ""
	}
	return strings.TrimSuffix(r.Path, "/{"+mountParam+"...}")
}

// Params returns the names of the route's path parameters in path order.
func (r *Route) Params() []string {
	p, err := parsePattern(r.Path)
	if err != nil {
		return nil
	}
	return slices.Clone(p.params)
}

// clone returns a copy of r whose slices and maps are not shared.
func (r *Route) clone() Route {
	c := *r
	c.Methods = slices.Clone(r.Methods)
	c.Tags = slices.Clone(r.Tags)
	c.Responses = maps.Clone(r.Responses)
	c.Extensions = maps.Clone(r.Extensions)
	c.Extra = maps.Clone(r.Extra)
	c.Headers = slices.Clone(r.Headers)
	c.Security = cloneRequirements(r.Security)
	return c
}

// cloneRequirements copies a requirement list, keeping nil and empty apart.
func cloneRequirements(reqs []SecurityRequirement) []SecurityRequirement {
	if reqs == nil {
		return nil
	}
	out := make([]SecurityRequirement, len(reqs))
	for i, r := range reqs {
		out[i] = make(SecurityRequirement, len(r))
		for name, scopes := range r {
			out[i][name] = slices.Clone(scopes)
		}
	}
	return out
}

// String describes the route as error messages do:
// `route "get_user" GET /users/{id} (main.go:40)`, or for a mount
// `mount "plugin_a" /plugina (routes.yaml:35)`.
func (r *Route) String() string {
	if r.Mount {
		return describeRoute(r.Name, nil, r.MountPrefix(), r.Source, true)
	}
	return describeRoute(r.Name, r.Methods, r.Path, r.Source, false)
}

// normalizeMethods upper-cases and de-duplicates methods, rejecting empty
// lists and anything that is not an HTTP token (RFC 9110).
func normalizeMethods(methods []string) ([]string, error) {
	if len(methods) == 0 {
		return nil, fmt.Errorf("%w: no methods", ErrInvalidMethod)
	}
	if len(methods) == 1 {
		// Most routes have one standard method: share its slice rather than
		// allocate one per route. Route.Methods is never modified in place.
		if one := singleMethod(methods[0]); one != nil {
			return one, nil
		}
	}
	out := make([]string, 0, len(methods))
	for _, m := range methods {
		if !httpx.IsToken(m) {
			return nil, fmt.Errorf("%w %q: not an HTTP method token", ErrInvalidMethod, m)
		}
		m = strings.ToUpper(m)
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// singleMethods holds a read-only one-element slice per standard method.
var singleMethods = [...][]string{
	{http.MethodGet}, {http.MethodHead}, {http.MethodPost}, {http.MethodPut}, {http.MethodPatch},
	{http.MethodDelete}, {http.MethodConnect}, {http.MethodOptions}, {http.MethodTrace},
}

// singleMethod returns the slice of singleMethods for m, or nil.
func singleMethod(m string) []string {
	for _, ms := range singleMethods {
		if ms[0] == m {
			return ms
		}
	}
	return nil
}

// checkOptions validates the parts of RouteOptions that have a fixed form.
func checkOptions(o *RouteOptions) error {
	if o.StatusCode != 0 && (o.StatusCode < 100 || o.StatusCode > 599) {
		return fmt.Errorf("%w: status code %d is not in 100–599", ErrInvalidOptions, o.StatusCode)
	}
	if o.ResponseModel != nil {
		if _, err := jsonschema.NewRegistry(nil).Schema(reflect.TypeOf(o.ResponseModel)); err != nil {
			return fmt.Errorf("%w: response model: %w", ErrInvalidOptions, err)
		}
	}
	if len(o.Responses) == 0 && len(o.Extensions) == 0 {
		return nil // most routes: no map to range over (each range sets up an iterator)
	}
	for code := range o.Responses {
		if code < 100 || code > 599 {
			return fmt.Errorf("%w: response status %d is not in 100–599", ErrInvalidOptions, code)
		}
	}
	for k, v := range o.Extensions {
		if !strings.HasPrefix(k, "x-") {
			return fmt.Errorf("%w: extension %q must start with \"x-\"", ErrInvalidOptions, k)
		}
		if _, err := json.Marshal(v); err != nil {
			return fmt.Errorf("%w: extension %q: %v", ErrInvalidOptions, k, err)
		}
	}
	return nil
}
