// Package dynroute generates HTTP routes programmatically — from code, config,
// databases or plugins — and serves them on github.com/julienschmidt/httprouter,
// with a named handler registry and a metadata store for every route.
//
// It is the Go counterpart of FastAPI's app.add_api_route: routes whose paths
// are not known when the code is written, added with clear errors instead of
// panics, served with ServeMux's precedence at httprouter's speed.
//
// # Quick start
//
//	rt := dynroute.New(nil)
//	rt.Get("/static/route", staticHandler)
//	err := rt.AddAPIRoute("/dynamic/products/{product_id}", []string{"GET", "POST"}, productHandler,
//		&dynroute.RouteOptions{Name: "dynamic_products", Tags: []string{"Dynamic"}})
//	if err != nil {
//		log.Fatal(err) // names the route, its source file:line and what is wrong
//	}
//	http.ListenAndServe("127.0.0.1:8000", rt)
//
// Handlers are plain http.Handler values and read path parameters with
// r.PathValue("product_id"). Handlers can also be registered by name and
// referred to by name, as config-driven routes do:
//
//	rt.Registry().Register("handle_dynamic_product", productHandler)
//	err := rt.AddAPIRouteByName("/dynamic/products/{product_id}", []string{"GET"}, "handle_dynamic_product", nil)
//
// # Path syntax
//
// The syntax is that of OpenAPI paths and Go 1.22's net/http.ServeMux, with
// parameters inside a segment as OpenAPI documents have them and
// Starlette's (FastAPI's) convertors:
//
//	Pattern                   Matches                             Does not match
//	/users                    /users                              /users/  /users/42
//	/users/                   /users/ (exactly)                   /users   /users/42
//	/users/{id}               /users/42, id="42"                  /users/  /users/42/posts
//	/users/{id}/posts         /users/42/posts                     /users/42
//	/files/{path...}          /files/, /files/a/b.txt,            /files
//	                          path="" and "a/b.txt"
//	/{rest...}                every path
//	/items/{id:int}           /items/42                           /items/abc  /items/-1
//	/Calls/{sid}.json         /Calls/CA1.json, sid="CA1"          /Calls/CA1  /Calls/.json
//	/files/{name}.{ext}       /files/a.b.json, name="a",          /files/a.  /files/a
//	                          ext="b.json"
//	/compare/{base}...{head}  /compare/a..b...c, base="a..b",     /compare/main
//	                          head="c"
//	/v1/{name}:cancel         /v1/op-1:cancel, name="op-1"        /v1/op-1
//	/levels:append            /levels:append                      /levels
//
// {name} matches one non-empty segment; {name...} matches the rest of the path
// (possibly empty, without a leading slash) and must be the last segment;
// everything else is literal, ':' and '*' included (levels:append) but for a
// segment that starts with one (httprouter's :name and *name: write {name}
// and {name...}). Parameter names are unique within a path and may be any
// text OpenAPI allows ({id}, {role-name}, {1st}) but for white space, control
// characters, '/', '{', '}', '?', '#', ':' and ServeMux's {$}; r.PathValue and
// Params take them as written.
//
// A convertor after the name constrains the values, as in Starlette: a
// request whose value does not convert is not matched by that route, so
// another route or a 404 answers.
//
//	{x:int}    ASCII digits (Starlette's [0-9]+); the document says type: integer
//	{x:float}  digits, optionally '.' and more digits; type: number
//	{x:uuid}   8-4-4-4-12 lower-case hexadecimal digits; type: string, format: uuid
//	{x:str}    the same as {x}
//	{x:path}   the same as {x...}
//
// Regular expressions ({id:[0-9]+}) are not accepted: two of them cannot be
// compared cheaply, so neither precedence nor StrictConflicts could say
// which of two such routes a request belongs to; check such a value in the
// handler, or with a typed binding.
//
// A segment may mix literal text and parameters ({sid}.json, v{major},
// @{user}, {name}.{ext}, {base}...{head}, {n:int}.json): two parameters need
// literal text between them, and {x...} stays a whole segment. A value is
// split with each parameter as short as the rest of the segment allows,
// from the left; a single parameter takes what its literals leave. So
// {name}.{ext} splits a.b.json into a and b.json, {sid}.json gives a.b for
// a.b.json, and {base}...{head} splits a..b...c into a..b and c.
//
// Rejected, with an error saying why: an empty path, a path without a
// leading '/', two parameters with nothing between them ({a}{b}), an
// unknown convertor, "." and ".." segments, empty segments ("//"), control
// characters (NUL, newline, DEL, U+0080–U+009F), bytes that are not UTF-8,
// and a query or fragment ("/responses?beta=true", "/items#all": routes
// match paths only) — from code and from every loader alike.
//
// # Precedence
//
// When several routes match a request, the most specific one wins, compared
// segment by segment from the left. At one position:
//
//	literal  >  mixed segment  >  {x:int}, {x:uuid}  >  {x:float}  >  {x}, {x:str}  >  {x...}, {x:path}
//
// and of two mixed segments that both match, the one with more literal
// bytes wins ({a}.tar.gz before {a}.gz), then the one with fewer
// parameters, then the one whose convertors rank higher from the left; two
// still equal ({a}.{b} and {a}-{b}) are ordered by their text with names
// erased, which is arbitrary but fixed. Registration order never matters.
//
//	Routes                                   Request          Served by
//	/users/me, /users/{id}                   /users/me        /users/me
//	/users/{id}, /users/{name}/posts         /users/7/posts   /users/{name}/posts
//	/files/{p...}, /files/{id}               /files/7         /files/{id}
//	/a/{x}/c, /{y}/b/c                       /a/b/c           /a/{x}/c
//	/items/{id:int}, /items/{name}           /items/7         /items/{id:int}
//	                                         /items/seven     /items/{name}
//	/f/{n}.json, /f/{n}.{ext}, /f/{n}        /f/a.json        /f/{n}.json
//	                                         /f/a.xml         /f/{n}.{ext}
//	/compare/{base}...{head},                /compare/a...b   /compare/{base}...{head}
//	/compare/{basehead}                      /compare/a..b    /compare/{basehead}
//
// This agrees with net/http.ServeMux ("most specific wins") on every route
// set ServeMux accepts. Where ServeMux refuses a pair as ambiguous, such as
// GitHub's /repos/{owner}/{repo}/issues/comments/{comment_id} beside
// /repos/{owner}/{repo}/issues/{issue_number}/comments, dynroute serves both
// by the left-to-right rule; Options.StrictConflicts rejects such pairs with
// ErrConflict, naming both routes and a path they both match: two routes
// conflict when some path matches both and neither matches every path the
// other does (/{a:int}/{b} and /{a}/{b:int}, /f/{a}.{b} and /f/{a}-{b}).
//
// Two routes with the same method and the same path shape (parameter names
// aside, as /users/{id} and /users/{name}) are ErrDuplicateRoute. Different
// names at one position in different routes are fine.
//
// Routes without convertors, mixed segments or ':' in literals dispatch at
// httprouter's speed as before. Httprouter holds such a segment as a plain
// parameter and the Router confirms it after the match, so a request pays
// for the check only when it reaches such a route.
//
// # Dispatch
//
// Paths are matched against the decoded r.URL.Path, as httprouter does (so
// %2F separates segments). The trailing slash is significant; a request for
// the other form of a registered path is redirected to it (301 for GET and
// HEAD, 308 otherwise, keeping the query), and so is a path with empty, "."
// or ".." segments, to its clean form. GET routes answer HEAD unless a HEAD
// route matches. A path served only under other methods answers 405 with an
// Allow header, and OPTIONS is answered automatically (204 with Allow). The
// Router's own 404 and 405 answers are application/problem+json (RFC 9457);
// Options.NotFound and Options.MethodNotAllowed replace them, and
// Options.ErrorStyle FastAPIErrors gives every error answer (the Router's,
// and those of the typed and CRUD handlers it serves) FastAPI's shape,
// {"detail": ...}, for clients written for FastAPI.
//
// One difference from ServeMux: ServeMux redirects /x to /x/ when a {rest...}
// route would match /x/ even if another route matches /x; dynroute serves the
// route that matches and redirects only when none does.
//
// # Path parameters: two ways
//
// A plain http.Handler reads r.PathValue(name): the Router calls
// r.SetPathValue for it, which works with every stdlib handler and middleware
// but costs what net/http charges for it (a map allocation per request). A
// HandlerFunc, or any ParamsHandler, gets the values as Params instead — a
// zero-copy view of the matched path — and the Router skips SetPathValue:
//
//	rt.Get("/users/{id}", dynroute.HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
//		fmt.Fprintf(w, "user %s", ps.Get("id"))
//	}))
//
// Either way the Router sets r.Pattern to the route's path, and
// Router.MatchedRoute (or Params.Route) gives the route's metadata.
//
// # Packages
//
// The root package is the router and everything a route is. It builds on
// two packages below it and never imports the four above it, which import
// it:
//
//	jsonschema   below: JSON Schemas from Go types and tags, and their validator
//	openapi      below: the OpenAPI 3.1 object model and its writer (openapi.Document)
//	typed        above: typed handlers: bind path, query, header, cookie and a JSON
//	             body into a struct, validate, answer JSON (typed.New)
//	crud         above: CRUD routes for the items of a Store, SQL stores, FromSchema
//	             for every table of a database (crud.Register)
//	reload       above: keep a file's or a table's routes up to date while serving
//	             (reload.NewFile, reload.NewSQL)
//	auth         above: verifiers for security schemes: API keys, basic auth,
//	             bearer JWTs (auth.APIKeysFromEnv)
//
// The Router learns about handlers through small interfaces they
// implement: OperationDescriber (a handler that documents its operation),
// OpenAPIProvider (a mounted handler with a document of its own),
// BodyLimiter (one that limits request bodies itself) and RouteChecker (one
// that can only serve some routes).
//
// # Routes and metadata
//
// Every route is stored as a Route: name, methods, path, handler and its
// Registry name, operationId, summary, description, tags, status code,
// deprecated and hidden flags, responses, extensions, and its Source — the
// file:line of the code that added it, or the config entry it came from.
// Router.Routes returns copies in registration order and Router.URL builds a
// path from a route's name and parameters.
//
// # OpenAPI and /docs
//
// The Router documents itself: Router.OpenAPI builds an OpenAPI 3.1 Document
// (package openapi) from the route metadata (hidden routes left out), and
// the Router serves it at /openapi.json, /openapi.yaml and, as OpenAPI
// 3.0.3 for tools that lack 3.1, /openapi-3.0.json, with Swagger UI at /docs
// and ReDoc at /redoc.
// Options.Docs moves or turns off each of them. The pages load Swagger UI
// and ReDoc from a CDN, or, in a program that imports package docsui (or
// gives DocsOptions.Assets), from the Router itself, so that they work
// without a network. The document is always that
// of the table being served: it is built on the first request after each
// change, once, and cached with the table (with an ETag).
//
// Every operation has a unique operationId: RouteOptions.OperationID, else
// the route name, else one made from the method and path
// ("get_users_by_id"); a route with several methods gets the method appended
// ("user_get"). A route whose id is taken is refused with
// ErrDuplicateOperationID naming both routes. A handler that is an
// OperationDescriber (typed and CRUD handlers are) describes its
// parameters, body, answers and schemas (components/schemas, with $ref);
// other handlers appear with their path parameters, status code and
// RouteOptions.Responses.
//
// # Composition
//
// Router.Include copies another Router's routes behind a prefix, with extra
// tags, a name prefix and middleware (FastAPI's include_router). Router.Mount
// serves any http.Handler — another Router, a ServeMux, a file server —
// under a prefix, stripped from the path it sees (MountedAt has the
// original); a mounted Router's operations are in the parent's document and
// it keeps serving its own changes. Plugins registered by name
// (Registry.RegisterApp) are mounted from config with {app, prefix}
// entries. A prefix may have {name} segments, as in multi-tenant services
// (/tenants/{tenant}): included routes get the parameter like any of their
// own, a mounted handler reads it with MountedAt(r).Value or r.PathValue,
// typed handlers bind it with a prefix tag, and the document lists it on
// every operation under the prefix. A RouteClass wraps each route's handler once, seeing the route's
// metadata (timing, logging, authorisation by tag: the Go form of a custom
// APIRoute class), and Options.Middleware wraps every route. Routes may
// share a method and path when they match different request headers
// (RouteOptions.Headers, e.g. Accept-Version), for versioning and tenants.
//
// # Security
//
// Options.Security declares the Router's security schemes (SecurityScheme:
// an API key in a header, query parameter or cookie, HTTP bearer or basic,
// OAuth2, OpenID Connect) and, optionally, the requirement of every route
// that sets none (deny by default). Registry.RegisterVerifier names the
// Verifier of each scheme, which turns the request's credential into a
// Principal or refuses it; package auth has verifiers for API keys, basic
// auth and JWTs. A route states its requirement in RouteOptions.Security or
// its config entry's security (OpenAPI's shape; security: [] is public),
// an Include or a Mount for everything under its prefix, and
// DocsOptions.Security for the documentation. An unknown scheme is an
// ErrUnknownScheme naming the closest ones, and a scheme without a verifier
// an ErrNoVerifier: a route is never served open by mistake.
//
// The Router checks the requirement before the handler and before the body
// is read, inside the middleware: no credential is 401 with a
// WWW-Authenticate challenge, a refused credential 401, a missing scope
// 403, without saying which part of a credential was wrong. The handler
// reads the Principal with PrincipalFrom(r.Context()). The document lists
// the schemes, the default and each operation's requirement, which Swagger
// UI's Authorize uses; LoadOpenAPI reads them back. Routes without a
// requirement pay nothing.
//
// # Routes from data
//
// A RouteSpec is the data form of a route; LoadYAML, LoadJSON, LoadEnv,
// LoadSQL, LoadOpenAPI and LoadOpenAPIFS read them from files, environment
// variables, a database table and OpenAPI documents (in one file or many), each spec carrying its Source (file
// and line, variable, table row). Router.AddRoutes resolves handler names in
// the Registry and checks every spec, reporting every problem at once in a
// ConfigError; strict mode (the default) adds nothing if anything is wrong,
// lenient mode skips the bad specs with one slog warning each.
//
//	specs, err := dynroute.LoadYAML(f, "routes.yaml")
//	if err != nil {
//		return err // every problem, with file:line
//	}
//	if _, err := rt.AddRoutes(specs, nil); err != nil {
//		return err
//	}
//
// # Changes while serving
//
// The served table is immutable and published atomically. Routes added
// before the first request are compiled once, at that request; after that
// each change compiles a new table and swaps it in, so requests in flight
// finish on the table they started on and no request waits for a compile.
// Router.RemoveRoute, Router.ReplaceRoute and Router.ReplaceSource (the
// reload of one config file or table) change routes while serving, and
// Router.Update applies any batch of changes in one swap, all or nothing.
// Package reload keeps one source's routes up to date: it watches a config
// file, reloads on SIGHUP or polls a SQL table, and refuses a bad version
// whole.
//
// # Hostile input
//
// The defaults are meant for the internet:
//
//   - A handler that panics gets the request a 500 application/problem+json
//     answer, without the panic value; the panic is logged once, with the
//     route, the request and the stack, and the server goes on serving.
//     Options.Recover changes the logger and the answer, or turns recovery
//     off.
//   - Request bodies are limited to 1 MiB: a request that declares a longer
//     body gets 413 before its handler runs, and a handler reading a
//     chunked body past the limit gets an error wrapping
//     *http.MaxBytesError. Options.MaxBodyBytes, RouteOptions.MaxBodyBytes
//     (max_body_bytes in config) and MountOptions.MaxBodyBytes change it;
//     handlers that limit bodies themselves (BodyLimiter: typed and CRUD
//     handlers, mounted Routers) apply their own.
//   - Typed handlers refuse JSON nested deeper than 10,000 levels, as
//     encoding/json does, with a 422, and bodies of other media types with
//     a 415.
//   - Paths with empty, "." or ".." segments never reach a handler: they
//     redirect to their clean form, and a Mount strips its prefix only from
//     clean paths, so a file server mounted with http.FileServer stays in its
//     root.
//
// Header sizes and timeouts are the http.Server's: set ReadHeaderTimeout,
// ReadTimeout, WriteTimeout and IdleTimeout, as the examples do.
//
// # Errors
//
// Every error wraps a sentinel (ErrInvalidPath, ErrInvalidMethod,
// ErrDuplicateRoute, ErrConflict, ErrUnknownHandler, …) so errors.Is works,
// and per-route errors are *RouteError values whose message names the route,
// its methods, path and source:
//
//	dynroute: route "user" GET /users/{name} (main.go:41): duplicates route "get_user" GET /users/{id} (main.go:40)
//
// The Must and method shortcuts (Get, Post, Handle, MustAddAPIRoute) panic
// with the same error; a failed call adds nothing.
package dynroute
