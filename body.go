package dynroute

import (
	"io"
	"net/http"
	"strconv"
)

// Request bodies are limited by default, so that a client cannot make a
// handler read without end: Options.MaxBodyBytes for every route (1 MiB
// unless set), RouteOptions.MaxBodyBytes for one.

// BodyLimiter is implemented by handlers that limit request bodies
// themselves, such as typed and CRUD handlers and Routers: a Router applies
// no limit of its own to their routes, unless the route sets
// RouteOptions.MaxBodyBytes.
type BodyLimiter interface {
	// MaxBodyBytes returns the handler's limit: the largest body it reads,
	// or a negative number for none. The Router does not enforce the value;
	// implementing the interface is what tells it to stay out of the way.
	MaxBodyBytes() int64
}

var _ BodyLimiter = (*Router)(nil)

// MaxBodyBytes returns the limit the Router applies to the bodies of its
// routes that set none (Options.MaxBodyBytes, 1 MiB by default), or -1 for
// none. A Router mounted in another applies its own limits.
func (rt *Router) MaxBodyBytes() int64 { return rt.maxBody }

// bodyLimit returns the body limit the Router applies to rec, given its
// default def (Router.MaxBodyBytes); 0 means none.
func bodyLimit(rec *routeRec, def int64) int64 {
	n := rec.route.MaxBodyBytes
	if n == 0 {
		if _, ok := rec.route.Handler.(BodyLimiter); ok {
			return 0
		}
		n = def
	}
	return max(n, 0)
}

// hasBody reports whether r has a body for the route's limit to apply to.
// Requests without one (every GET from net/http's server has http.NoBody)
// cost two comparisons of r.Body's type word: r.Body != http.NoBody would
// also call the runtime to compare two empty structs.
func hasBody(r *http.Request) bool {
	return r.Body != nil && !isType(r.Body, http.NoBody)
}

// isType reports whether x's dynamic type is T. T is inferred from a value,
// so that it can be a type another package does not export.
func isType[T any](x io.ReadCloser, _ T) bool {
	_, ok := x.(T)
	return ok
}

// limitBody answers 413 to a request whose declared length is over the
// limit; otherwise it wraps the body in http.MaxBytesReader, whose reads
// past the limit fail with *http.MaxBytesError, and reports true.
func (e *entry) limitBody(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > e.maxBody {
		writeError(w, e.style, http.StatusRequestEntityTooLarge,
			"the request body is larger than "+strconv.FormatInt(e.maxBody, 10)+" bytes")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, e.maxBody)
	return true
}
