// Package seed holds what the example programs share: the seed's handlers,
// registered by name in their Registries, and a server that shuts down
// gracefully.
package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dynroute/dynroute"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc without a network
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// DefaultTag is given to config entries that have no tags.
const DefaultTag = "Dynamic"

// ShutdownTimeout bounds how long in-flight requests may take to finish once
// a shutdown signal arrives.
const ShutdownTimeout = 10 * time.Second

// NewRouter returns the examples' router: the API's info and tag
// descriptions for the OpenAPI document, the handler map and the plugins
// (Apps) in its Registry, and the static route, added in code. /docs and
// /redoc load Swagger UI and ReDoc from the Router itself (package docsui,
// imported here), so the documentation works offline.
func NewRouter() (*dynroute.Router, error) {
	opts := &dynroute.Options{
		Title:       "dynroute seed",
		Version:     "1.0.0",
		Description: "Routes generated from configuration at startup: the Go version of FastAPI's add_api_route seed.",
		Tags: []openapi.Tag{
			{Name: DefaultTag, Description: "Routes generated from the route config."},
			{Name: "Admin", Description: "Routes for administrators."},
		},
	}
	rt := dynroute.New(opts)
	for name, h := range Handlers() {
		if err := rt.Registry().Register(name, h); err != nil {
			return nil, err
		}
	}
	// The echo handler writes its answer itself: its config entry names
	// the answer's type, so that the document describes it.
	if err := rt.Registry().RegisterModel("echo_answer", EchoAnswer{}); err != nil {
		return nil, err
	}
	for name, app := range Apps() {
		if err := rt.Registry().RegisterApp(name, app); err != nil {
			return nil, err
		}
	}
	if err := rt.AddAPIRoute("/static/route", []string{http.MethodGet}, http.HandlerFunc(StaticRoute),
		&dynroute.RouteOptions{Name: "static_route", Summary: "A route added in code", ResponseModel: messageAnswer{}}); err != nil {
		return nil, err
	}
	return rt, nil
}

// Handlers is the handler map: every handler a route config may name.
func Handlers() map[string]http.Handler {
	return map[string]http.Handler{
		"get_dynamic_users":      typed.Must(getDynamicUsers, nil),
		"handle_dynamic_product": typed.Must(handleDynamicProduct, nil),
		"get_admin_area":         typed.Must(getAdminArea, nil),
		"echo":                   dynroute.HandlerFunc(echo),
	}
}

// StaticRoute answers the route the programs add in code.
func StaticRoute(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"message": "This is a static route"})
}

// The seed's handlers answer as the seed's do, with the response_message of
// their route's config entry where the seed's read it: a typed handler
// gets its route in a *dynroute.Route field, and a config entry's own keys
// are in the route's Extra.

// routeIn is the input of a handler that needs only its route.
type routeIn struct {
	Route *dynroute.Route
}

// responseMessage returns the response_message of route's config entry, or
// def when it has none (or the route is nil, as when no Router serves the
// request).
func responseMessage(route *dynroute.Route, def string) string {
	if route != nil {
		if s, ok := route.Extra["response_message"].(string); ok {
			return s
		}
	}
	return def
}

type user struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// usersAnswer is the seed's {"message": ..., "users": []}.
type usersAnswer struct {
	Message string `json:"message" doc:"the route's response_message"`
	Users   []user `json:"users"`
}

func getDynamicUsers(_ context.Context, in *routeIn) (*usersAnswer, error) {
	return &usersAnswer{Message: responseMessage(in.Route, "List of dynamic users"), Users: []user{}}, nil
}

// productIn is what handleDynamicProduct takes: the path's product_id,
// parsed and checked before the function runs (a bad one is answered 422 with
// where, what and the input), the request, and the optional JSON body.
type productIn struct {
	ProductID int64 `path:"product_id" doc:"the product's number"`
	Req       *http.Request
	// Body is nil when there is none; as in the seed, the handler does not
	// read it.
	Body *map[string]json.RawMessage `doc:"the product's data, any JSON object; optional"`
}

type productAnswer struct {
	Message   string `json:"message"`
	ProductID int64  `json:"product_id"`
}

// handleDynamicProduct serves GET and POST /dynamic/products/{product_id},
// as the seed's handler does.
func handleDynamicProduct(_ context.Context, in *productIn) (*productAnswer, error) {
	if in.Req.Method == http.MethodPost {
		return &productAnswer{Message: fmt.Sprintf("Created/Updated dynamic product %d", in.ProductID), ProductID: in.ProductID}, nil
	}
	return &productAnswer{Message: fmt.Sprintf("Details for dynamic product %d", in.ProductID), ProductID: in.ProductID}, nil
}

// messageAnswer is an answer of a message only.
type messageAnswer struct {
	Message string `json:"message"`
}

// getAdminArea welcomes to the area its route's response_message names:
// "Admin Area" in the seed's config.
func getAdminArea(_ context.Context, in *routeIn) (*messageAnswer, error) {
	return &messageAnswer{Message: "Welcome to the Dynamic " + responseMessage(in.Route, "Admin Area")}, nil
}

// EchoAnswer is what the echo handler answers: which route matched the request and
// with which parameters.
type EchoAnswer struct {
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
	WriteJSON(w, http.StatusOK, EchoAnswer{
		Route:   name,
		Method:  r.Method,
		Pattern: r.Pattern,
		Params:  params,
	})
}

// Answers.

// WriteJSON answers with v as application/json.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	write(w, status, "application/json", v)
}

// writeProblem answers with an RFC 9457 problem document of type
// about:blank, whose title is the status text.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	write(w, status, "application/problem+json", dynroute.Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
}

func write(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error gets here; the problem always marshals.
		slog.Error("encoding an answer", "error", err)
		writeProblem(w, http.StatusInternalServerError, "the answer could not be encoded")
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// ListenAndServe serves h on addr until SIGINT or SIGTERM (a second one
// ends the program at once), then shuts down gracefully, and returns the
// program's exit code: 0, or 1 after logging why it could not listen or
// serve.
func ListenAndServe(addr string, h http.Handler, logger *slog.Logger) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Error("listen", "error", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)
	if err := Serve(ctx, ln, h, logger); err != nil {
		logger.Error("serve", "error", err)
		return 1
	}
	return 0
}

// Serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to ShutdownTimeout for requests
// in flight to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
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
	logger.Info("shutting down", "timeout", ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
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
