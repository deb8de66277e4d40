// Command bearer serves an items API whose reads are public and whose
// writes need a bearer JSON Web Token with the scope items:write: an http
// bearer security scheme, declared on the Router and shown in /docs (its
// Authorize button takes a token), and auth.JWT registered as its
// verifier.
//
// Tokens are HS256, signed with the secret in the environment variable
// JWT_SECRET (32 bytes or more), issued by "dynroute-example" for the
// audience "items", with an exp claim. Without JWT_SECRET the program says
// so at startup and every write answers 401: it never runs open.
//
//	GET    /items        public: every item
//	GET    /items/{id}   public: one item
//	POST   /items        scope items:write: 201 and Location: /items/{id}
//	DELETE /items/{id}   scope items:write: 204
//
// The Router denies by default (SecurityOptions.Default asks for
// items:write) and the read routes are made public with an empty, non-nil
// Security, so a route added later is protected unless it says otherwise.
// A request without a token is answered 401 with WWW-Authenticate: Bearer,
// one with a bad or expired token 401 with error="invalid_token", and one
// with a good token that lacks the scope 403 with
// error="insufficient_scope".
//
//	export JWT_SECRET=$(openssl rand -base64 32)
//	go run ./examples/bearer -dev-token       # prints a token with items:write, valid for an hour
//	go run ./examples/bearer -addr 127.0.0.1:9000
//
//	curl -i localhost:8000/items                                    # 200, no token needed
//	curl -i --json '{"name":"pen"}' localhost:8000/items             # 401
//	curl -i -H "Authorization: Bearer $TOKEN" --json '{"name":"pen"}' localhost:8000/items   # 201
//	curl -i -X DELETE -H "Authorization: Bearer $TOKEN" localhost:8000/items/1               # 204
//
// Open http://127.0.0.1:8000/docs, press Authorize and paste the token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/auth"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc without a network
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// The token rules the server holds tokens to, and the dev token follows.
const (
	// SecretEnv is the environment variable that holds the HS256 secret.
	SecretEnv = "JWT_SECRET"
	// ScopeWrite is the scope writes need.
	ScopeWrite = "items:write"
	// Issuer and Audience are the iss and aud claims tokens must have.
	Issuer   = "dynroute-example"
	Audience = "items"
	// scheme is the security scheme's name.
	scheme = "bearer"
)

// newRouter builds the API. Tokens are verified with secret; an empty
// secret makes every write answer 401.
func newRouter(secret []byte) (*dynroute.Router, error) {
	verifier, err := newVerifier(secret)
	if err != nil {
		return nil, err
	}
	rt := dynroute.New(&dynroute.Options{
		Title:       "dynroute bearer",
		Version:     "1.0.0",
		Description: "Items: reads are public, writes need a bearer JWT with the scope " + ScopeWrite + ".",
		Tags:        []openapi.Tag{{Name: "Items", Description: "A list of items, kept in memory."}},
		Security: &dynroute.SecurityOptions{
			Schemes: map[string]dynroute.SecurityScheme{scheme: {
				Type: "http", Scheme: "bearer", BearerFormat: "JWT",
				Description: "An HS256 token signed with " + SecretEnv + ", iss " + Issuer + ", aud " + Audience +
					"; writes need the scope " + ScopeWrite + " (its scope claim).",
			}},
			// Deny by default: the public routes say so.
			Default: []dynroute.SecurityRequirement{{scheme: {ScopeWrite}}},
		},
	})
	if err := rt.Registry().RegisterVerifier(scheme, verifier); err != nil {
		return nil, err
	}
	if err := addItemRoutes(rt, newStore()); err != nil {
		return nil, err
	}
	return rt, nil
}

// errNoSecret is why tokens are refused when the program has no secret.
var errNoSecret = fmt.Errorf("%w: %s is not set", dynroute.ErrCredentials, SecretEnv)

// newVerifier returns the verifier of tokens signed with secret, or one
// that refuses every token when secret is empty.
func newVerifier(secret []byte) (dynroute.Verifier, error) {
	if len(secret) == 0 {
		return dynroute.VerifierFunc(func(context.Context, dynroute.Credential) (*dynroute.Principal, error) {
			return nil, errNoSecret
		}), nil
	}
	v, err := auth.NewJWT(&auth.JWTOptions{Key: secret, Issuer: Issuer, Audience: Audience})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SecretEnv, err)
	}
	return v, nil
}

// addItemRoutes adds the item routes on s: the reads public, the writes
// under the Router's default requirement.
func addItemRoutes(rt *dynroute.Router, s *store) error {
	opts := &typed.Options{Schemas: jsonschema.NewRegistry(nil)}
	public := []dynroute.SecurityRequirement{}
	tags := []string{"Items"}
	routes := []struct {
		path, method string
		fn           func() (http.Handler, error)
		o            dynroute.RouteOptions
	}{
		{"/items", http.MethodGet, func() (http.Handler, error) { return typed.New(s.list, opts) },
			dynroute.RouteOptions{Name: "list_items", Summary: "List the items", Security: public}},
		{"/items/{id}", http.MethodGet, func() (http.Handler, error) { return typed.New(s.get, opts) },
			dynroute.RouteOptions{Name: "get_item", Summary: "Read an item", Security: public}},
		{"/items", http.MethodPost, func() (http.Handler, error) { return typed.New(s.create, opts) },
			dynroute.RouteOptions{Name: "create_item", Summary: "Create an item", StatusCode: http.StatusCreated}},
		{"/items/{id}", http.MethodDelete, func() (http.Handler, error) { return typed.New(s.delete, opts) },
			dynroute.RouteOptions{Name: "delete_item", Summary: "Delete an item", StatusCode: http.StatusNoContent}},
	}
	var errs []error
	for _, r := range routes {
		h, err := r.fn()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o := r.o
		o.Tags = tags
		errs = append(errs, rt.AddAPIRoute(r.path, []string{r.method}, h, &o))
	}
	return errors.Join(errs...)
}

// devToken returns a token the server accepts for writes, signed with
// secret, valid for ttl from now.
func devToken(secret []byte, now time.Time, ttl time.Duration) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub":   "dev",
		"scope": "items:read " + ScopeWrite,
		"iss":   Issuer,
		"aud":   Audience,
		"iat":   now.Unix(),
		"exp":   now.Add(ttl).Unix(),
	}).SignedString(secret)
}

// Serving.

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.BoolVar(&o.devToken, "dev-token", false, "print a token with "+ScopeWrite+", signed with $"+SecretEnv+" and valid for an hour, for trying the API with curl")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(o, []byte(os.Getenv(SecretEnv)), os.Stdout, logger))
}

// options are the command-line flags.
type options struct {
	addr     string
	devToken bool
}

// run does what the flags ask and returns the exit code: 0, 1 for a
// failure, 2 for a dev token without a secret.
func run(o options, secret []byte, stdout io.Writer, logger *slog.Logger) int {
	rt, code := setup(o, secret, stdout, logger)
	if rt == nil {
		return code
	}
	return seed.ListenAndServe(o.addr, rt, logger)
}

// setup builds the router, says at startup how writes are protected and
// prints the dev token if asked; a nil router comes with the exit code.
func setup(o options, secret []byte, stdout io.Writer, logger *slog.Logger) (*dynroute.Router, int) {
	if len(secret) == 0 {
		logger.Warn(SecretEnv+" is not set: every write answers 401", "fix", "export "+SecretEnv+"=$(openssl rand -base64 32)")
		if o.devToken {
			logger.Error("flags", "error", "-dev-token signs with "+SecretEnv+", which is not set")
			return nil, 2
		}
	}
	rt, err := newRouter(secret)
	if err != nil {
		logger.Error("routes", "error", err.Error())
		return nil, 1
	}
	if len(secret) > 0 {
		logger.Info("writes need a bearer JWT", "alg", "HS256", "iss", Issuer, "aud", Audience, "scope", ScopeWrite)
	}
	if o.devToken {
		tok, err := devToken(secret, time.Now(), time.Hour)
		if err != nil {
			logger.Error("dev token", "error", err.Error())
			return nil, 1
		}
		fmt.Fprintln(stdout, tok)
	}
	return rt, 0
}
