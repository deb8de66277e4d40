package dynroute_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dynroute/dynroute"
)

// get serves one request on h and returns the status and body.
func get(h http.Handler, method, path string) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return fmt.Sprintf("%d %s", w.Code, w.Body.String())
}

// pattern answers with the matched route's path and its id parameter.
var pattern = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s id=%q", r.Pattern, r.PathValue("id"))
})

func ExampleRouter_AddAPIRoute() {
	rt := dynroute.New(nil)
	err := rt.AddAPIRoute("/dynamic/products/{product_id}", []string{"get", "post"},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s product %s", r.Method, r.PathValue("product_id"))
		}),
		&dynroute.RouteOptions{Name: "dynamic_products", Tags: []string{"Dynamic"}, StatusCode: 200})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(get(rt, "GET", "/dynamic/products/42"))
	fmt.Println(get(rt, "POST", "/dynamic/products/7"))
	r := rt.Routes()[0]
	fmt.Println(r.Name, r.Methods, r.Tags)
	// Output:
	// 200 GET product 42
	// 200 POST product 7
	// dynamic_products [GET POST] [Dynamic]
}

// Precedence: the most specific route wins, whatever the order of
// registration; different parameter names at one position are fine.
func ExampleRouter_precedence() {
	rt := dynroute.New(nil)
	rt.Get("/users/{id}", pattern)
	rt.Get("/users/me", pattern)
	rt.Get("/users/{name}/posts", pattern)
	rt.Get("/files/{id...}", pattern)
	rt.Get("/repos/{owner}/{repo}/issues/{id}/comments", pattern)
	rt.Get("/repos/{owner}/{repo}/issues/comments/{id}", pattern)

	fmt.Println(get(rt, "GET", "/users/me"))
	fmt.Println(get(rt, "GET", "/users/42"))
	fmt.Println(get(rt, "GET", "/files/a/b.txt"))
	fmt.Println(get(rt, "GET", "/repos/o/r/issues/comments/9"))
	fmt.Println(get(rt, "GET", "/repos/o/r/issues/9/comments"))
	// Output:
	// 200 /users/me id=""
	// 200 /users/{id} id="42"
	// 200 /files/{id...} id="a/b.txt"
	// 200 /repos/{owner}/{repo}/issues/comments/{id} id="9"
	// 200 /repos/{owner}/{repo}/issues/{id}/comments id="9"
}

// Real API documents put parameters inside segments, and FastAPI configs
// use Starlette's convertors; both take part in matching and precedence.
func ExampleRouter_mixedSegmentsAndConvertors() {
	rt := dynroute.New(nil)
	show := dynroute.HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
		fmt.Fprint(w, r.Pattern)
		for name, v := range ps.All() {
			fmt.Fprintf(w, " %s=%q", name, v)
		}
	})
	rt.Get("/Calls/{sid}.json", show)
	rt.Get("/items/{id:int}", show)
	rt.Get("/items/{name}", show)
	rt.Get("/compare/{base}...{head}", show)
	rt.Get("/compare/{basehead}", show)
	rt.Get("/v1/{name}:cancel", show)
	rt.Get("/v1/levels:append", show)

	fmt.Println(get(rt, "GET", "/Calls/CA1.json"))
	fmt.Println(get(rt, "GET", "/items/42"))
	fmt.Println(get(rt, "GET", "/items/abc"))
	fmt.Println(get(rt, "GET", "/compare/main...topic"))
	fmt.Println(get(rt, "GET", "/compare/main"))
	fmt.Println(get(rt, "GET", "/v1/op-7:cancel"))
	fmt.Println(get(rt, "GET", "/v1/levels:append"))
	fmt.Println(get(rt, "GET", "/Calls/CA1.xml")[:3])
	// Output:
	// 200 /Calls/{sid}.json sid="CA1"
	// 200 /items/{id:int} id="42"
	// 200 /items/{name} name="abc"
	// 200 /compare/{base}...{head} base="main" head="topic"
	// 200 /compare/{basehead} basehead="main"
	// 200 /v1/{name}:cancel name="op-7"
	// 200 /v1/levels:append
	// 404
}

// StrictConflicts refuses pairs that ServeMux would refuse, naming both
// routes and a path they both match.
func ExampleOptions_strictConflicts() {
	rt := dynroute.New(&dynroute.Options{StrictConflicts: true})
	rt.MustAddAPIRoute("/{a}/x", []string{"GET"}, pattern, &dynroute.RouteOptions{Source: dynroute.Source{File: "routes.yaml", Line: 3}})
	err := rt.AddAPIRoute("/x/{b}", []string{"GET"}, pattern, &dynroute.RouteOptions{Source: dynroute.Source{File: "routes.yaml", Line: 7}})
	fmt.Println(errors.Is(err, dynroute.ErrConflict))
	fmt.Println(err)
	// Output:
	// true
	// dynroute: route GET /x/{b} (routes.yaml:7): conflicts with route GET /{a}/x (routes.yaml:3): both match GET /x/x and neither is more specific
}

// Errors name the route, its source and what is wrong, and wrap a sentinel.
func ExampleRouteError() {
	rt := dynroute.New(nil)
	src := func(line int) *dynroute.RouteOptions {
		return &dynroute.RouteOptions{Name: fmt.Sprint("r", line), Source: dynroute.Source{File: "routes.yaml", Line: line}}
	}
	rt.MustAddAPIRoute("/users/{id}", []string{"GET"}, pattern, src(1))
	for _, err := range []error{
		rt.AddAPIRoute("/users/{name}", []string{"GET"}, pattern, src(2)),
		rt.AddAPIRoute("/users/:id/posts", []string{"GET"}, pattern, src(3)),
		rt.AddAPIRoute("/{name}{ext}", []string{"GET"}, pattern, src(4)),
		rt.AddAPIRoute("/ok", []string{"G T"}, pattern, src(5)),
	} {
		fmt.Println(err)
	}
	err := rt.AddAPIRoute("/users/{name}", []string{"GET"}, pattern, src(2))
	fmt.Println(errors.Is(err, dynroute.ErrDuplicateRoute))
	// Output:
	// dynroute: route "r2" GET /users/{name} (routes.yaml:2): duplicates route "r1" GET /users/{id} (routes.yaml:1)
	// dynroute: route "r3" GET /users/:id/posts (routes.yaml:3): invalid path "/users/:id/posts": ":id" is httprouter syntax; write {id}
	// dynroute: route "r4" GET /{name}{ext} (routes.yaml:4): invalid path "/{name}{ext}": segment "{name}{ext}" has two parameters with nothing between them: put literal text between them ({a}-{b})
	// dynroute: route "r5" G T /ok (routes.yaml:5): invalid method "G T": not an HTTP method token
	// true
}

// Handlers registered by name can be referred to by name; a typo gets a
// suggestion.
func ExampleRegistry() {
	rt := dynroute.New(nil)
	reg := rt.Registry()
	_ = reg.Register("get_dynamic_users", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "users")
	}))
	_ = reg.Register("get_admin_area", http.NotFoundHandler())

	fmt.Println(rt.AddAPIRouteByName("/dynamic/users", []string{"GET"}, "get_dynamic_users", nil))
	err := rt.AddAPIRouteByName("/dynamic/orders", []string{"GET"}, "get_dynamic_user", &dynroute.RouteOptions{Source: dynroute.Source{File: "routes.yaml", Line: 9}})
	fmt.Println(errors.Is(err, dynroute.ErrUnknownHandler))
	fmt.Println(err)
	fmt.Println(get(rt, "GET", "/dynamic/users"), rt.Routes()[0].HandlerName)
	// Output:
	// <nil>
	// true
	// dynroute: route GET /dynamic/orders (routes.yaml:9): unknown handler "get_dynamic_user"; did you mean "get_dynamic_users"?
	// 200 users get_dynamic_users
}

// A HandlerFunc gets the path parameters directly, without SetPathValue.
func ExampleHandlerFunc() {
	rt := dynroute.New(nil)
	rt.Get("/repos/{owner}/{repo}/contents/{path...}", dynroute.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
			for name, value := range ps.All() {
				fmt.Fprintf(w, "%s=%s ", name, value)
			}
			fmt.Fprintf(w, "(route %s)", ps.Route().Path)
		}))
	fmt.Println(get(rt, "GET", "/repos/golang/go/contents/src/net/http/server.go"))
	// Output:
	// 200 owner=golang repo=go path=src/net/http/server.go (route /repos/{owner}/{repo}/contents/{path...})
}

// The Router answers HEAD from GET routes, OPTIONS and 405 with Allow, and
// redirects to the registered trailing-slash form.
func ExampleRouter_ServeHTTP() {
	rt := dynroute.New(nil)
	rt.Get("/items/", pattern)
	rt.Post("/items/{id}", pattern)
	for _, req := range [][2]string{
		{"HEAD", "/items/"},
		{"GET", "/items?page=2"},
		{"DELETE", "/items/1"},
		{"OPTIONS", "/items/1"},
	} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(req[0], req[1], nil))
		fmt.Println(strings.TrimSpace(fmt.Sprintln(req[0], req[1], w.Code, w.Header().Get("Location"), w.Header().Get("Allow"))))
	}
	fmt.Println(get(rt, "GET", "/nope"))
	// Output:
	// HEAD /items/ 200
	// GET /items?page=2 301 /items/?page=2
	// DELETE /items/1 405  OPTIONS, POST
	// OPTIONS /items/1 204  OPTIONS, POST
	// 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"no route matches GET /nope"}
}

// Error answers in FastAPI's shape, for clients written for FastAPI; typed
// and CRUD handlers answer (and are documented) in the same shape.
func ExampleOptions_errorStyle() {
	rt := dynroute.New(&dynroute.Options{ErrorStyle: dynroute.FastAPIErrors})
	rt.MustAddAPIRoute("/items", []string{"GET"}, pattern, nil)
	fmt.Print(get(rt, "GET", "/nope")) // the answer ends in a newline
	fmt.Print(get(rt, "POST", "/items"))
	// Output:
	// 404 {"detail":"Not Found"}
	// 405 {"detail":"Method Not Allowed"}
}

func ExampleRouter_URL() {
	rt := dynroute.New(nil)
	rt.MustAddAPIRoute("/users/{user}/files/{path...}", []string{"GET"}, pattern,
		&dynroute.RouteOptions{Name: "user_file", Source: dynroute.Source{File: "routes.yaml", Line: 4}})
	u, err := rt.URL("user_file", "user", "ann lee", "path", "docs/a b.txt")
	fmt.Println(u, err)
	_, err = rt.URL("user_file", "user", "ann")
	fmt.Println(err)
	// Output:
	// /users/ann%20lee/files/docs/a%20b.txt <nil>
	// dynroute: URL for route "user_file" GET /users/{user}/files/{path...} (routes.yaml:4): invalid URL parameters: missing parameter "path"
}
