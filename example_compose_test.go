package dynroute_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dynroute/dynroute"
)

// show sends a GET request to h, with header name/value pairs, and prints
// the answer's status and body.
func show(h http.Handler, target string, header ...string) {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
}

// Include copies another Router's routes behind a prefix, as FastAPI's
// include_router does.
func ExampleRouter_Include() {
	users := dynroute.New(nil)
	users.MustAddAPIRoute("/users/{id}", []string{"GET"},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "user ", r.PathValue("id")) }),
		&dynroute.RouteOptions{Name: "user"})

	rt := dynroute.New(nil)
	if err := rt.Include("/v1", users, &dynroute.IncludeOptions{NamePrefix: "v1_", Tags: []string{"v1"}}); err != nil {
		panic(err)
	}
	show(rt, "/v1/users/7")
	for _, r := range rt.Routes() {
		fmt.Println(r.Name, r.Path, r.Tags)
	}
	// Output:
	// 200 user 7
	// v1_user /v1/users/{id} [v1]
}

// Mount serves any handler under a prefix, stripped from the path it sees.
// A mounted Router's operations are in the parent's OpenAPI document.
func ExampleRouter_Mount() {
	plugin := dynroute.New(nil)
	plugin.MustAddAPIRoute("/hello", []string{"GET"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _ := dynroute.MountedAt(r)
		fmt.Fprintf(w, "%s (under %s, was %s)", r.URL.Path, m.Prefix, m.URL.Path)
	}), &dynroute.RouteOptions{Name: "hello"})

	rt := dynroute.New(nil)
	if err := rt.Mount("/plugina", plugin, nil); err != nil {
		panic(err)
	}
	show(rt, "/plugina/hello")
	for _, item := range rt.OpenAPI().Paths {
		fmt.Println(item.Path, item.Operations[0].OperationID)
	}

	// Routes under a mount's prefix belong to the mounted handler.
	err := rt.AddAPIRoute("/plugina/other", []string{"GET"}, http.NotFoundHandler(), nil)
	fmt.Println(err)
	// Output:
	// 200 /hello (under /plugina, was /plugina/hello)
	// /plugina/hello hello
	// dynroute: route GET /plugina/other (example_compose_test.go:65): is under the prefix of mount /plugina (example_compose_test.go:56); add it to the mounted handler instead
}

// Prefixes may have parameters, as multi-tenant services have: included
// routes get {tenant} like their own parameters, and a mounted handler
// reads it from MountedAt (or r.PathValue) while it sees the rest of the
// path.
func ExampleRouter_Include_tenants() {
	items := dynroute.New(nil)
	items.MustAddAPIRoute("/items/{id}", []string{"GET"},
		dynroute.HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
			fmt.Fprintf(w, "item %s of %s", ps.Get("id"), ps.Get("tenant"))
		}), &dynroute.RouteOptions{Name: "item"})

	reports := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _ := dynroute.MountedAt(r)
		fmt.Fprintf(w, "report %s of %s (%s)", r.URL.Path, m.Value("tenant"), r.PathValue("tenant"))
	})

	rt := dynroute.New(nil)
	if err := rt.Include("/tenants/{tenant}", items, nil); err != nil {
		panic(err)
	}
	if err := rt.Mount("/tenants/{tenant}/reports", reports, nil); err != nil {
		panic(err)
	}
	show(rt, "/tenants/acme/items/7")
	show(rt, "/tenants/acme/reports/2026/q1")
	for _, item := range rt.OpenAPI().Paths {
		op := item.Operations[0]
		fmt.Println(item.Path, op.OperationID, op.Parameters[0].Name, op.Parameters[0].In)
	}

	// A name in both the prefix and an included route's path is an error.
	err := rt.Include("/users/{id}", items, nil)
	fmt.Println(errors.Is(err, dynroute.ErrInvalidPath), err)
	// Output:
	// 200 item 7 of acme
	// 200 report /2026/q1 of acme (acme)
	// /tenants/{tenant}/items/{id} item tenant path
	// true dynroute: route "item" GET /items/{id} (example_compose_test.go:79): parameter {id} is in both the prefix /users/{id} and the route's path /items/{id}: rename one of them
}

// A RouteClass wraps every route's handler once, seeing its metadata: here,
// a header check for the routes tagged "admin".
func ExampleRouteClass() {
	adminOnly := func(route dynroute.Route, next http.Handler) http.Handler {
		for _, tag := range route.Tags {
			if tag == "admin" {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("X-Admin") != "yes" {
						http.Error(w, "admins only", http.StatusForbidden)
						return
					}
					next.ServeHTTP(w, r)
				})
			}
		}
		return next // other routes are left alone
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	rt := dynroute.New(&dynroute.Options{RouteClass: adminOnly})
	rt.MustAddAPIRoute("/admin", []string{"GET"}, ok, &dynroute.RouteOptions{Tags: []string{"admin"}})
	rt.MustAddAPIRoute("/public", []string{"GET"}, ok, nil)

	show(rt, "/admin")
	show(rt, "/admin", "X-Admin", "yes")
	show(rt, "/public")
	// Output:
	// 403 admins only
	// 200 ok
	// 200 ok
}

// Routes may share a method and path when their header matches differ:
// versions by Accept-Version, with a fallback.
func ExampleHeaderMatch() {
	say := func(s string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, s) })
	}
	rt := dynroute.New(nil)
	rt.MustAddAPIRoute("/items/{id}", []string{"GET"}, say("v2"), &dynroute.RouteOptions{
		Headers: []dynroute.HeaderMatch{{Name: "Accept-Version", Value: `^2(\.|$)`, Regexp: true}}})
	rt.MustAddAPIRoute("/items/{id}", []string{"GET"}, say("v1"), nil)

	show(rt, "/items/1", "Accept-Version", "2.1")
	show(rt, "/items/1", "Accept-Version", "1")
	show(rt, "/items/1")
	// Output:
	// 200 v2
	// 200 v1
	// 200 v1
}

// CheckPrefix checks a prefix before routes are built under it, as a
// plugin host would check the prefixes its config gives plugins.
func ExampleCheckPrefix() {
	for _, prefix := range []string{"/api/v1", "", "/tenants/{tenant}", "/api/", "/files/{rest...}", "api"} {
		err := dynroute.CheckPrefix(prefix)
		fmt.Printf("%q: %v\n", prefix, errors.Is(err, dynroute.ErrInvalidPath))
	}
	// Output:
	// "/api/v1": false
	// "": false
	// "/tenants/{tenant}": false
	// "/api/": true
	// "/files/{rest...}": true
	// "api": true
}
