package dynroute

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// RecoverOptions says what a Router does when a handler panics. By default
// (a nil Options.Recover, or a zero RecoverOptions) the Router recovers the
// panic, logs it once with the route and the stack, and answers 500
// application/problem+json; the server goes on serving.
//
// The Router cannot take back what the handler already sent: if the panic
// comes after the handler wrote its status or part of its body, the 500
// cannot replace them (net/http logs a superfluous WriteHeader and the
// client sees the answer cut short).
//
// A panic with http.ErrAbortHandler is not recovered: it is net/http's way
// to abort a response without a log line, and it goes on to net/http.
type RecoverOptions struct {
	// Disabled lets panics go on to net/http, which logs them and closes
	// the connection without an answer.
	Disabled bool

	// Logger receives one error record per recovered panic, with the
	// route's name and path, the request's method and path, the panic value
	// and the stack. Nil means slog.Default() at the time of logging.
	Logger *slog.Logger

	// Handler answers the request after a panic, given the recovered
	// value; it is called after the panic is logged. Nil means a 500
	// problem whose body does not contain the panic value.
	Handler func(w http.ResponseWriter, r *http.Request, recovered any)
}

// recoverer is a Router's compiled RecoverOptions.
type recoverer struct {
	logger  *slog.Logger
	handler func(http.ResponseWriter, *http.Request, any)
}

// newRecoverer returns the recoverer of o, or nil when recovery is off.
func newRecoverer(o *RecoverOptions) *recoverer {
	if o == nil {
		return &recoverer{}
	}
	if o.Disabled {
		return nil
	}
	return &recoverer{logger: o.Logger, handler: o.Handler}
}

// guard is deferred by Router.ServeHTTP around what it serves from a table
// of several layers. It must call recover itself, so it is a method the
// defer calls directly. A table of one layer is served by httprouter, whose
// PanicHandler is panicked instead: one deferred call per request either way.
func (rt *Router) guard(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		rt.panicked(w, r, v)
	}
}

// panicked logs the panic v of a handler serving r and answers.
func (rt *Router) panicked(w http.ResponseWriter, r *http.Request, v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	rc := rt.recover
	logger := rc.logger
	if logger == nil {
		logger = slog.Default()
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if route, ok := rt.MatchedRoute(r); ok {
		attrs = append(attrs, slog.String("route", route.Name), slog.String("pattern", route.Path))
	}
	attrs = append(attrs, slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	logger.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelError, "dynroute: handler panicked", attrs...)
	if rc.handler != nil {
		rc.handler(w, r, v)
		return
	}
	writeError(w, rt.errStyle, http.StatusInternalServerError, "The server could not answer this request.")
}
