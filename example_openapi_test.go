package dynroute_test

import (
	"context"
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

// Typed handlers bring their schemas; MarshalJSON30 writes the OpenAPI
// 3.0.3 form of the same document, as /openapi-3.0.json serves it.
func ExampleRouter_OpenAPI_typed() {
	type In struct {
		ID int64 `path:"id" exclusiveMinimum:"0"`
	}
	type Out struct {
		Note *string `json:"note"`
	}
	rt := dynroute.New(nil)
	rt.Get("/notes/{id}", dynroute.MustTyped(func(context.Context, *In) (*Out, error) { return &Out{}, nil }, nil))
	doc := rt.OpenAPI()
	v31, _ := doc.MarshalJSON()
	v30, _ := doc.MarshalJSON30()
	for _, b := range [][]byte{v31, v30} {
		s := string(b)
		fmt.Println(between(s, `"openapi":`, `,`))
		fmt.Println("  id:  ", between(s, `"schema":`, `}`)+"}")
		fmt.Println("  note:", between(s, `"note":`, `}`)+"}")
	}
	// Output:
	// "3.1.0"
	//   id:   {"type":"integer","format":"int64","exclusiveMinimum":0}
	//   note: {"type":["string","null"]}
	// "3.0.3"
	//   id:   {"type":"integer","format":"int64","minimum":0,"exclusiveMinimum":true}
	//   note: {"type":"string","nullable":true}
}

// between returns the text of s after the first from up to the next to.
func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	before, _, _ := strings.Cut(after, to)
	return before
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
