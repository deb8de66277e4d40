package dynroute_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dynroute/dynroute"
)

// Routes generated at run time are in the document the Router serves, each
// operation with a unique operationId.
func ExampleRouter_OpenAPI() {
	rt := dynroute.New(&dynroute.Options{Title: "Admin", Version: "1.0.0"})
	for _, model := range []string{"users", "orders"} {
		rt.MustAddAPIRoute("/admin/"+model+"/{id}", []string{"GET", "DELETE"},
			http.NotFoundHandler(), &dynroute.RouteOptions{Name: model, Tags: []string{"Admin"}})
	}
	rt.MustAddAPIRoute("/health", []string{"GET"}, http.NotFoundHandler(), nil)

	for _, item := range rt.OpenAPI().Paths {
		for _, op := range item.Operations {
			fmt.Println(op.Method, item.Path, op.OperationID, op.Summary)
		}
	}
	// Output:
	// GET /admin/users/{id} users_get Users
	// DELETE /admin/users/{id} users_delete Users
	// GET /admin/orders/{id} orders_get Orders
	// DELETE /admin/orders/{id} orders_delete Orders
	// GET /health get_health
}

// The document follows the table being served: a route added after the
// first request for it is in the next one.
func ExampleRouter_OpenAPI_served() {
	rt := dynroute.New(nil)
	rt.Get("/a", http.NotFoundHandler())
	get := func() string {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
		b, _ := io.ReadAll(w.Body)
		return string(b)
	}
	fmt.Println(strings.Contains(get(), `"/b"`))
	rt.Get("/b", http.NotFoundHandler())
	fmt.Println(strings.Contains(get(), `"/b"`))
	// Output:
	// false
	// true
}

// The documentation routes move, turn off, or load Swagger UI from local
// files for offline use.
func ExampleDocsOptions() {
	rt := dynroute.New(&dynroute.Options{
		Title: "Shop",
		Docs: &dynroute.DocsOptions{
			OpenAPIPath:   "/api/openapi.json",
			SwaggerUIPath: "/api/docs",
			RedocPath:     "-", // off
			SwaggerUIJS:   "/static/swagger-ui-bundle.js",
			SwaggerUICSS:  "/static/swagger-ui.css",
		},
	})
	for _, path := range []string{"/api/openapi.json", "/api/docs", "/redoc", "/openapi.yaml"} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(path, w.Code, w.Header().Get("Content-Type"))
	}
	// Output:
	// /api/openapi.json 200 application/json
	// /api/docs 200 text/html; charset=utf-8
	// /redoc 404 application/problem+json
	// /openapi.yaml 200 application/yaml
}
