package dynroute

import (
	"iter"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// Params is a read-only view of the path parameters of a matched request,
// handed to a HandlerFunc or ParamsHandler without copying: the values are
// substrings of the request path.
//
// A Params is only valid during the call it was passed to.
type Params struct {
	e   *entry
	ps  httprouter.Params
	req *http.Request // set when the handler was not called by a Router
}

// Get returns the value of the named parameter, or "" if the route has no
// such parameter. A {name...} value has no leading slash ("a/b.txt").
func (p Params) Get(name string) string {
	if p.e == nil {
		return p.fromRequest(name)
	}
	for i, n := range p.e.names {
		if n == name {
			return p.ps[i].Value
		}
	}
	return ""
}

// fromRequest serves Get for a handler that a Router did not call.
func (p Params) fromRequest(name string) string {
	if p.req != nil {
		return p.req.PathValue(name)
	}
	return ""
}

// Len returns the number of parameters.
func (p Params) Len() int {
	if p.e == nil {
		return 0
	}
	return len(p.e.names)
}

// Name returns the name of the i-th parameter in path order.
func (p Params) Name(i int) string { return p.e.names[i] }

// Value returns the value of the i-th parameter in path order.
func (p Params) Value(i int) string { return p.ps[i].Value }

// All iterates over the parameters in path order as name, value pairs.
func (p Params) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := 0; i < p.Len(); i++ {
			if !yield(p.Name(i), p.Value(i)) {
				return
			}
		}
	}
}

// Route returns the metadata of the matched route, or nil when the handler
// was not called by a Router. The Route must not be modified.
func (p Params) Route() *Route {
	if p.e == nil {
		return nil
	}
	return p.e.route
}

// ParamsHandler is implemented by handlers that take path parameters
// directly. For such a handler the Router calls ServeHTTPParams and skips
// http.Request.SetPathValue, which saves a map allocation per request.
type ParamsHandler interface {
	http.Handler
	ServeHTTPParams(w http.ResponseWriter, r *http.Request, ps Params)
}

// HandlerFunc is the fast-path handler type: the Router passes the path
// parameters as Params instead of storing them in the request.
//
// A HandlerFunc is also an http.Handler; served by something other than a
// Router (a ServeMux, a test), its Params read r.PathValue.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, ps Params)

// ServeHTTP calls f with Params that read r.PathValue.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f(w, r, Params{req: r})
}

// ServeHTTPParams calls f(w, r, ps).
func (f HandlerFunc) ServeHTTPParams(w http.ResponseWriter, r *http.Request, ps Params) {
	f(w, r, ps)
}

var _ ParamsHandler = HandlerFunc(nil)
