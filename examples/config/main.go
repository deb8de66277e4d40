// Command config generates HTTP routes from configuration at startup: the Go
// version of the FastAPI "seed" example, which builds its routes from a
// config dict with app.add_api_route.
//
// Handlers are registered by name in the router's Registry; the route config
// (routeConfig below, Go data shaped like the seed's dict) names them. Entries
// that cannot be added — here one without a path and one naming a handler that
// was never registered — are skipped with one slog warning each, and the rest
// are served. A static route is added in code beside them.
//
// Run it and try it:
//
//	go run ./examples/config -addr 127.0.0.1:8000
//	curl -i localhost:8000/dynamic/users
//	curl -i localhost:8000/dynamic/products/123
//	curl -i localhost:8000/dynamic/products/abc          # 422 problem+json
//	curl -i -d '{"name":"pen"}' localhost:8000/dynamic/products/5
//	curl -i 'localhost:8000/dynamic/echo/a/b?x=1'
//
// The seed also serves Swagger UI at /docs and the document at /openapi.json.
// Those arrive with dynroute's OpenAPI emitter, which serves them from the
// same route metadata (names, tags, summaries) this program already sets; the
// example does not fake them in the meantime, so /docs is a 404 for now.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dynroute/dynroute"
)

// maxBodyBytes limits every request body the handlers read.
const maxBodyBytes = 1 << 20 // 1 MiB

// defaultTag is given to config entries that have no tags.
const defaultTag = "Dynamic"

// shutdownTimeout bounds how long in-flight requests may take to finish once
// a shutdown signal arrives.
const shutdownTimeout = 10 * time.Second

// routeEntry is one route of the config, shaped like an entry of the seed's
// config dict.
type routeEntry struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	Methods     []string `json:"methods"`
	HandlerName string   `json:"handler_name"`
	Tags        []string `json:"tags,omitempty"`
	Summary     string   `json:"summary,omitempty"`
}

// routeConfig is the route configuration read at startup. The last two
// entries are deliberately broken: the program skips them with a warning.
var routeConfig = []routeEntry{
	{
		Name:        "dynamic_users",
		Path:        "/dynamic/users",
		Methods:     []string{"GET"},
		HandlerName: "get_dynamic_users",
		Summary:     "List users (dynamic route)",
	},
	{
		Name:        "dynamic_products",
		Path:        "/dynamic/products/{product_id}",
		Methods:     []string{"GET", "POST"},
		HandlerName: "handle_dynamic_product",
		Summary:     "Read or update a product (dynamic route)",
	},
	{
		Name:        "admin_area",
		Path:        "/dynamic/admin",
		Methods:     []string{"GET"},
		HandlerName: "get_admin_area",
		Tags:        []string{"Admin", "Dynamic"},
		Summary:     "Admin area (dynamic route)",
	},
	{
		Name:        "echo",
		Path:        "/dynamic/echo/{rest...}",
		Methods:     []string{"GET", "POST"},
		HandlerName: "echo",
		Summary:     "Echo the request (dynamic route)",
	},
	{
		// Incomplete: no path. Skipped with a warning.
		Name:        "incomplete_route",
		Methods:     []string{"GET"},
		HandlerName: "get_dynamic_users",
	},
	{
		// Names a handler that is not registered. Skipped with a warning
		// whose error suggests the closest registered names.
		Name:        "dynamic_orders",
		Path:        "/dynamic/orders",
		Methods:     []string{"GET"},
		HandlerName: "get_dynamic_orders",
	},
}

// handlers is the handler map: every handler the config may name.
func handlers() map[string]http.Handler {
	return map[string]http.Handler{
		"get_dynamic_users":      http.HandlerFunc(getDynamicUsers),
		"handle_dynamic_product": dynroute.HandlerFunc(handleDynamicProduct),
		"get_admin_area":         http.HandlerFunc(getAdminArea),
		"echo":                   dynroute.HandlerFunc(echo),
	}
}

// newRouter builds the router: it registers the handler map, adds the routes
// of routeConfig (skipping bad entries with a warning on logger) and the
// static route.
func newRouter(logger *slog.Logger) (*dynroute.Router, error) {
	if logger == nil {
		logger = slog.Default()
	}
	rt := dynroute.New(&dynroute.Options{})
	for name, h := range handlers() {
		if err := rt.Registry().Register(name, h); err != nil {
			return nil, err
		}
	}
	addConfigRoutes(rt, routeConfig, logger)
	rt.Get("/static/route", http.HandlerFunc(getStaticRoute))
	return rt, nil
}

// addConfigRoutes adds a route for each entry, resolving handler names in
// rt's Registry. An entry that cannot be added is skipped with one warning;
// its error is returned among the others, in entry order.
func addConfigRoutes(rt *dynroute.Router, entries []routeEntry, logger *slog.Logger) []error {
	var skipped []error
	for _, e := range entries {
		tags := e.Tags
		if len(tags) == 0 {
			tags = []string{defaultTag}
		}
		err := rt.AddAPIRouteByName(e.Path, e.Methods, e.HandlerName, &dynroute.RouteOptions{
			Name:    e.Name,
			Tags:    tags,
			Summary: e.Summary,
		})
		if err != nil {
			logger.Warn("skipping route config entry", "entry", e.Name, "error", err)
			skipped = append(skipped, err)
		}
	}
	return skipped
}

// Handlers.

type user struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func getDynamicUsers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []user{
		{ID: 1, Name: "Alice", Email: "alice@example.com"},
		{ID: 2, Name: "Bob", Email: "bob@example.com"},
	})
}

type productAnswer struct {
	ProductID int64           `json:"product_id"`
	Method    string          `json:"method"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// handleDynamicProduct serves GET and POST /dynamic/products/{product_id}.
// product_id must be an integer; a POST body must be a JSON object, which is
// echoed back as "data".
func handleDynamicProduct(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
	raw := ps.Get("product_id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		msg := "Input should be a valid integer, unable to parse string as an integer"
		if errors.Is(err, strconv.ErrRange) {
			msg = "Input should be a valid integer, the number is out of range"
		}
		p := newProblem(http.StatusUnprocessableEntity, "path parameter product_id is not an integer")
		p.Errors = []fieldError{{
			Loc:   []string{"path", "product_id"},
			Msg:   msg,
			Type:  "int_parsing",
			Input: raw,
		}}
		writeProblem(w, p)
		return
	}
	ans := productAnswer{ProductID: id, Method: r.Method}
	if r.Method == http.MethodPost {
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		if detail := checkJSONObject(body); detail != "" {
			writeProblem(w, newProblem(http.StatusBadRequest, detail))
			return
		}
		ans.Data = body
	}
	writeJSON(w, http.StatusOK, ans)
}

// checkJSONObject returns "" if body is one JSON object, and otherwise what
// is wrong with it.
func checkJSONObject(body []byte) string {
	var obj map[string]json.RawMessage
	err := json.Unmarshal(body, &obj)
	if syntax, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("malformed JSON body at byte %d: %v", syntax.Offset, err)
	}
	if err != nil || obj == nil { // another JSON value, such as an array or null
		return "the JSON body must be an object"
	}
	return ""
}

func getAdminArea(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "Welcome to the admin area"})
}

type echoAnswer struct {
	Method string     `json:"method"`
	Path   string     `json:"path"`
	Rest   string     `json:"rest"`
	Query  url.Values `json:"query"`
	Body   string     `json:"body,omitempty"`
}

// echo answers with what it was asked: method, path, the {rest...}
// parameter, query and body.
func echo(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, echoAnswer{
		Method: r.Method,
		Path:   r.URL.Path,
		Rest:   ps.Get("rest"),
		Query:  r.URL.Query(),
		Body:   string(body),
	})
}

func getStaticRoute(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "This is a static route"})
}

// readBody reads r's body, at most maxBodyBytes of it. When the body is
// larger or cannot be read it answers (413 or 400) and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	tooLarge := func() ([]byte, bool) {
		writeProblem(w, newProblem(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", maxBodyBytes)))
		return nil, false
	}
	if r.ContentLength > maxBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge()
		}
		writeProblem(w, newProblem(http.StatusBadRequest, "reading the request body failed: "+err.Error()))
		return nil, false
	}
	return body, true
}

// Answers.

// problem is an RFC 9457 problem details document with the "errors"
// extension member that validation errors use.
type problem struct {
	dynroute.Problem
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError is one validation error, shaped like FastAPI's.
type fieldError struct {
	Loc   []string `json:"loc"`
	Msg   string   `json:"msg"`
	Type  string   `json:"type"`
	Input string   `json:"input"`
}

// newProblem returns a problem of type about:blank, whose title is the
// status text.
func newProblem(status int, detail string) problem {
	return problem{Problem: dynroute.Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	}}
}

// writeJSON answers with v as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	write(w, status, "application/json", v)
}

// writeProblem answers with p as application/problem+json.
func writeProblem(w http.ResponseWriter, p problem) {
	write(w, p.Status, "application/problem+json", p)
}

func write(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here; the problem always marshals.
		slog.Error("encoding an answer", "error", err)
		writeProblem(w, newProblem(http.StatusInternalServerError, "the answer could not be encoded"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// Serving.

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, logger); err != nil {
		logger.Error("config example failed", "error", err)
		os.Exit(1)
	}
}

// run builds the router, logs its routes and serves on addr until SIGINT or
// SIGTERM.
func run(addr string, logger *slog.Logger) error {
	rt, err := newRouter(logger)
	if err != nil {
		return err
	}
	for _, r := range rt.Routes() {
		logger.Info("route",
			"methods", strings.Join(r.Methods, ","),
			"path", r.Path,
			"name", r.Name,
			"handler", r.HandlerName,
			"source", r.Source.String())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)
	return serve(ctx, ln, rt, logger)
}

// serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to shutdownTimeout for requests
// in flight to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-served:
		return err // Serve failed before any shutdown was asked for
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
