package dynroute_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing/fstest"

	"github.com/dynroute/dynroute"
)

// seedRouter returns a Router whose Registry holds the seed's handlers.
func seedRouter() *dynroute.Router {
	rt := dynroute.New(nil)
	for _, name := range []string{"get_dynamic_users", "handle_dynamic_product", "get_admin_area"} {
		rt.Registry().MustRegister(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, strings.TrimSpace(name+" "+r.PathValue("product_id")))
		}))
	}
	return rt
}

// Routes from a YAML file in the seed's map-of-name form; handler_name
// names a registered handler.
func ExampleLoadYAML() {
	const config = `
dynamic_users:
  path: /dynamic/users
  methods: [GET]
  handler_name: get_dynamic_users
dynamic_products:
  path: /dynamic/products/{product_id}
  methods: [GET, POST]
  handler_name: handle_dynamic_product
  tags: [Dynamic]
`
	specs, err := dynroute.LoadYAML(strings.NewReader(config), "routes.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := seedRouter()
	if _, err := rt.AddRoutes(specs, nil); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rt.Routes() {
		fmt.Println(r.Name, r.Methods, r.Path, r.HandlerName, r.Source)
	}
	fmt.Println(get(rt, "POST", "/dynamic/products/42"))
	// Output:
	// dynamic_users [GET] /dynamic/users get_dynamic_users routes.yaml:2
	// dynamic_products [GET POST] /dynamic/products/{product_id} handle_dynamic_product routes.yaml:6
	// 200 handle_dynamic_product 42
}

// The seed's config as written: response_message is a key of the
// application's own, which the handler reads from its route's Extra, while
// a misspelt key of the loader's is a problem.
func ExampleLoadYAML_customKeys() {
	const config = `
dynamic_users:
  path: /dynamic/users
  methods: [GET]
  response_message: List of dynamic users
  handler_name: get_dynamic_users
`
	specs, err := dynroute.LoadYAML(strings.NewReader(config), "routes.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := dynroute.New(nil)
	rt.Registry().MustRegister("get_dynamic_users", dynroute.HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
		fmt.Fprintf(w, `{"message": %q, "users": []}`, ps.Route().Extra["response_message"])
	}))
	if _, err := rt.AddRoutes(specs, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(get(rt, "GET", "/dynamic/users"))

	_, err = dynroute.LoadYAML(strings.NewReader("users: {pth: /users, methods: [GET], handler_name: h}"), "typo.yaml")
	fmt.Println(err)
	// Output:
	// 200 {"message": "List of dynamic users", "users": []}
	// dynroute: invalid route config: typo.yaml: 1 problem
	// dynroute: route "users" GET (typo.yaml:1): unknown key "pth"; did you mean "path"?
}

// Strict mode (the default) reports every problem and adds nothing; lenient
// mode skips the bad entries with a warning each and adds the rest. An
// entry the loader found a problem in (old, with its misspelt path) is not
// among the specs, and so is neither applied nor reported twice.
func ExampleRouter_AddRoutes() {
	const config = `
- name: users
  path: /dynamic/users
  methods: [GET]
  handler: get_dynamic_users
- name: orders
  path: /dynamic/orders
  methods: [GET]
  handler: get_dynamic_order
- name: old
  pth: /dynamic/old
  methods: [GET]
  handler: get_admin_area
`
	specs, err := dynroute.LoadYAML(strings.NewReader(config), "routes.yaml")
	fmt.Println(err)

	rt := seedRouter()
	_, err = rt.AddRoutes(specs, nil)
	fmt.Println(err)
	fmt.Println(len(rt.Routes()), "routes")

	skipped, _ := rt.AddRoutes(specs, &dynroute.ApplyOptions{Lenient: true, Logger: slog.New(slog.DiscardHandler)})
	fmt.Println(len(skipped), "skipped;", len(rt.Routes()), "route:", rt.Routes()[0].Path)
	// Output:
	// dynroute: invalid route config: routes.yaml: 1 problem
	// dynroute: route "old" GET (routes.yaml:11): unknown key "pth"; did you mean "path"?
	// dynroute: invalid route config: 1 of 2 routes have problems, none was added
	// dynroute: route "orders" GET /dynamic/orders (routes.yaml:6): unknown handler "get_dynamic_order"; did you mean "get_dynamic_users"?
	// 0 routes
	// 1 skipped; 1 route: /dynamic/users
}

// Routes from environment variables: <PREFIX>_<ROUTE>_<FIELD>.
func ExampleLoadEnv() {
	environ := []string{
		"ROUTES_DYNAMIC_USERS_PATH=/dynamic/users",
		"ROUTES_DYNAMIC_USERS_METHODS=GET",
		"ROUTES_DYNAMIC_USERS_HANDLER=get_dynamic_users",
		"ROUTES_DYNAMIC_USERS_TAGS=Admin,Dynamic",
		"HOME=/root",
	}
	specs, err := dynroute.LoadEnv("ROUTES", environ)
	fmt.Println(err)
	for _, s := range specs {
		fmt.Println(s.Name, s.Path, s.Methods, s.Handler, s.Tags, s.Source)
	}
	// Output:
	// <nil>
	// dynamic_users /dynamic/users [GET] get_dynamic_users [Admin Dynamic] env ROUTES_DYNAMIC_USERS_PATH
}

// Several changes in one atomic swap: requests see the old table or the new
// one, never a mix. A failing Update changes nothing.
func ExampleRouter_Update() {
	rt := dynroute.New(nil)
	rt.MustAddAPIRoute("/v1/items", []string{"GET"}, pattern, &dynroute.RouteOptions{Name: "items_v1"})
	err := rt.Update(func(tx *dynroute.Tx) error {
		if err := tx.RemoveRoute("items_v1"); err != nil {
			return err
		}
		return tx.AddAPIRoute("/v2/items", []string{"GET"}, pattern, &dynroute.RouteOptions{Name: "items_v2"})
	})
	fmt.Println(err)
	fmt.Println(get(rt, "GET", "/v2/items"))
	fmt.Println(get(rt, "GET", "/v1/items")[:3])
	// Output:
	// <nil>
	// 200 /v2/items id=""
	// 404
}

// ReplaceSource swaps the routes of one config file for a new version of
// it, all or nothing: the reload step of a config watcher.
func ExampleRouter_ReplaceSource() {
	rt := seedRouter()
	load := func(config string) []dynroute.RouteSpec {
		specs, err := dynroute.LoadYAML(strings.NewReader(config), "routes.yaml")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		return specs
	}
	_, err := rt.ReplaceSource("routes.yaml", load("users: {path: /users, methods: [GET], handler: get_dynamic_users}"), nil)
	fmt.Println(err, get(rt, "GET", "/users"))

	_, err = rt.ReplaceSource("routes.yaml", load("users: {path: /people, methods: [GET], handler: get_dynamic_users}"), nil)
	fmt.Println(err, get(rt, "GET", "/people"), get(rt, "GET", "/users")[:3])

	_, err = rt.ReplaceSource("routes.yaml", load("users: {path: /people/:id, methods: [GET], handler: get_dynamic_users}"), nil)
	fmt.Println(err != nil, get(rt, "GET", "/people"))
	// Output:
	// <nil> 200 get_dynamic_users
	// <nil> 200 get_dynamic_users 404
	// true 200 get_dynamic_users
}

// A document split into files, as DigitalOcean's is: the operations'
// $refs are read from the FS, relative to the file that holds them.
func ExampleLoadOpenAPIFS() {
	fsys := fstest.MapFS{
		"api.yaml": {Data: []byte(`openapi: 3.1.0
paths:
  /v2/apps:
    get:
      $ref: resources/apps/apps_list.yml
`)},
		"resources/apps/apps_list.yml": {Data: []byte("operationId: apps_list\ntags: [Apps]\n")},
	}
	specs, err := dynroute.LoadOpenAPIFS(fsys, "api.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range specs {
		fmt.Println(s.Methods, s.Path, s.Handler, s.Source)
	}
	// Output:
	// [GET] /v2/apps apps_list resources/apps/apps_list.yml:1
}
