// Command reload serves routes from a config file and keeps them up to date
// while it serves: edit the file, or send SIGHUP, and the routes change
// without a restart and without dropping a request.
//
// It registers the handlers of examples/config under the same names and
// reads the same RouteSpec format (.yaml, .yml or .json). A dynroute.Reloader
// watches the file with fsnotify — a write, an editor's rename-over, a delete
// and re-create — and reloads on SIGHUP; each reload swaps the file's routes
// in one step (Router.ReplaceSource). A config with a problem is refused as a
// whole: the old routes keep serving and every problem is logged. Each reload
// is logged with its trigger, the routes added, removed and updated, and how
// long it took. A route added in code, /static/route, is never touched.
//
//	go run ./examples/reload -config examples/config/routes.yaml
//	curl -i localhost:8000/dynamic/echo/a/b     # the echo route
//	$EDITOR examples/config/routes.yaml          # change a path: served on save
//	kill -HUP <pid>                              # reload by hand
//
// Flags: -addr (default 127.0.0.1:8000), -config FILE (required), -lenient
// (skip bad entries with a warning instead of refusing the file), -debounce
// (how long the file must be quiet before a reload). SIGINT or SIGTERM shuts
// the server down gracefully.
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
	"os"
	"os/signal"
	"strconv"
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

// handlers is the handler map: every handler the config may name. It is
// examples/config's, so that the two programs read the same configs.
func handlers() map[string]http.Handler {
	return map[string]http.Handler{
		"get_dynamic_users":      http.HandlerFunc(getDynamicUsers),
		"handle_dynamic_product": dynroute.HandlerFunc(handleDynamicProduct),
		"get_admin_area":         http.HandlerFunc(getAdminArea),
		"echo":                   dynroute.HandlerFunc(echo),
	}
}

// newRouter returns a router with the handler map in its Registry and the
// static route, added in code; the config's routes come from the Reloader.
func newRouter() (*dynroute.Router, error) {
	rt := dynroute.New(nil)
	for name, h := range handlers() {
		if err := rt.Registry().Register(name, h); err != nil {
			return nil, err
		}
	}
	if err := rt.AddAPIRoute("/static/route", []string{http.MethodGet}, http.HandlerFunc(getStaticRoute),
		&dynroute.RouteOptions{Name: "static_route", Summary: "A route added in code"}); err != nil {
		return nil, err
	}
	return rt, nil
}

// newReloader returns the Reloader that keeps rt serving o.file's routes:
// on a change of the file and on SIGHUP. onReload, if not nil, sees every
// reload (the tests use it; a program would count them as metrics).
func newReloader(rt *dynroute.Router, o options, logger *slog.Logger, onReload func(dynroute.ReloadEvent)) (*dynroute.Reloader, error) {
	return dynroute.NewFileReloader(rt, o.file, &dynroute.ReloaderOptions{
		Apply: &dynroute.ApplyOptions{
			Lenient:     o.lenient,
			DefaultTags: []string{defaultTag},
		},
		Logger:   logger,
		Debounce: o.debounce,
		Signals:  []os.Signal{syscall.SIGHUP},
		OnReload: onReload,
	})
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

// echoAnswer is what echo answers: which route matched the request and
// with which parameters.
type echoAnswer struct {
	Route   string            `json:"route"`
	Method  string            `json:"method"`
	Pattern string            `json:"pattern"`
	Params  map[string]string `json:"params"`
}

// echo answers with the matched route's name, the request method, the
// registered path and the path parameters.
func echo(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
	params := make(map[string]string, ps.Len())
	for name, value := range ps.All() {
		params[name] = value
	}
	var name string
	if route := ps.Route(); route != nil { // nil when not served by a Router
		name = route.Name
	}
	writeJSON(w, http.StatusOK, echoAnswer{
		Route:   name,
		Method:  r.Method,
		Pattern: r.Pattern,
		Params:  params,
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
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.StringVar(&o.file, "config", "", "route config `file` (.yaml, .yml or .json); required")
	flag.BoolVar(&o.lenient, "lenient", false, "skip config entries that have problems, with a warning each, instead of refusing the file")
	flag.DurationVar(&o.debounce, "debounce", 100*time.Millisecond, "how long the config file must be quiet before it is reloaded")
	flag.Parse()
	if o.file == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: reload -config FILE [-addr host:port] [-lenient] [-debounce d]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, o, logger, nil))
}

// options are the command-line flags.
type options struct {
	addr, file string
	lenient    bool
	debounce   time.Duration
}

// run serves until ctx is done and returns the exit code: 1 if the config
// cannot be loaded at start or the server fails. ready, if not nil, is
// called with the listening address once requests are accepted.
func run(ctx context.Context, o options, logger *slog.Logger, ready func(net.Addr)) int {
	rt, err := newRouter()
	if err != nil {
		logger.Error("router", "error", err)
		return 1
	}
	rl, err := newReloader(rt, o, logger, nil)
	if err != nil {
		logger.Error("config", "error", err)
		return 1
	}
	// The reloader stops with the server, also when the server fails.
	ctx, cancel := context.WithCancel(ctx)
	defer rl.Wait()
	defer cancel()
	if err := rl.Start(ctx); err != nil {
		// The reloader has logged every problem; serving none of the
		// config's routes is never meant.
		logger.Error("config refused, not starting", "config", o.file)
		return 1
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		logger.Error("listen", "error", err)
		return 1
	}
	if ready != nil {
		ready(ln.Addr())
	}
	logger.Info("reloading on change", "config", o.file, "pid", os.Getpid(), "sighup", "kill -HUP "+strconv.Itoa(os.Getpid()))
	if err := serve(ctx, ln, rt, logger); err != nil {
		logger.Error("serve", "error", err)
		return 1
	}
	return 0
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
