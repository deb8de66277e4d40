package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dynroute/dynroute"
)

// ServerTiming is the answer header Timing sets.
const ServerTiming = "Server-Timing"

// Timing is a dynroute.RouteClass that adds a Server-Timing header to every
// answer of the route it wraps, naming the route and the milliseconds until
// the route started its answer (a header must precede the body, so the time
// spent writing the body is not in it):
//
//	Server-Timing: route;desc="get_item_v2";dur=0.041
//
// The Router calls it once per route, when the route is compiled, so the
// header's fixed part is built once, not per request.
func Timing(route dynroute.Route, next http.Handler) http.Handler {
	name := route.Name
	if name == "" {
		name = strings.Join(route.Methods, ",") + " " + route.Path
	}
	metric := "route;desc=" + strconv.Quote(name) + ";dur="
	if fast, ok := next.(dynroute.ParamsHandler); ok {
		// Typed handlers take their path parameters from the Router
		// directly; a dynroute.HandlerFunc keeps that fast path, where an
		// http.HandlerFunc would make the Router set them on the request.
		return dynroute.HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
			tw := &timingWriter{ResponseWriter: w, metric: metric, start: time.Now()}
			fast.ServeHTTPParams(tw, r, ps)
			tw.stamp()
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &timingWriter{ResponseWriter: w, metric: metric, start: time.Now()}
		next.ServeHTTP(tw, r)
		tw.stamp()
	})
}

// timingWriter adds the Server-Timing header just before the answer's
// header is sent, or when the handler returns without writing.
type timingWriter struct {
	http.ResponseWriter
	metric  string
	start   time.Time
	stamped bool
}

// stamp adds the header once.
func (w *timingWriter) stamp() {
	if w.stamped {
		return
	}
	w.stamped = true
	ms := float64(time.Since(w.start)) / float64(time.Millisecond)
	w.Header().Add(ServerTiming, w.metric+strconv.FormatFloat(ms, 'f', 3, 64))
}

func (w *timingWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.stamp() // not on 1xx interim answers such as 103 Early Hints
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *timingWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

// Flush sends what was written so far, as the writer wrapped would.
func (w *timingWriter) Flush() {
	w.stamp()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer wrapped.
func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
