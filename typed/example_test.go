package typed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
)

// GetProduct is the input of a typed handler: a path parameter, checked.
type GetProduct struct {
	ProductID int64 `path:"product_id" minimum:"1" doc:"the product's number"`
}

// Product is its output.
type Product struct {
	ProductID int64  `json:"product_id"`
	Name      string `json:"name"`
}

// The seed's handle_dynamic_product as a typed handler: product_id is parsed
// and checked before the function runs, and a bad one is answered 422 with
// where, what and the input.
func ExampleNew() {
	getProduct := func(_ context.Context, in *GetProduct) (*Product, error) {
		if in.ProductID == 404 {
			return nil, typed.NewError(http.StatusNotFound, "no product 404")
		}
		return &Product{ProductID: in.ProductID, Name: "pen"}, nil
	}
	rt := dynroute.New(nil)
	rt.Get("/dynamic/products/{product_id}", typed.Must(getProduct, nil))

	for _, path := range []string{"/dynamic/products/123", "/dynamic/products/abc", "/dynamic/products/404"} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 {"product_id":123,"name":"pen"}
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 validation error","errors":[{"loc":["path","product_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","type":"int_parsing","input":"abc"}]}
	// 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"no product 404"}
}

// NewItem is a JSON body with validation tags.
type NewItem struct {
	Name  string   `json:"name" minLength:"1" maxLength:"40"`
	Price float64  `json:"price" exclusiveMinimum:"0"`
	Tags  []string `json:"tags,omitempty" maxItems:"3"`
	Kind  string   `json:"kind" enum:"book,pen" default:"pen"`
}

// CreateItem binds a query parameter with a default and the body.
type CreateItem struct {
	DryRun bool `query:"dry_run" default:"false"`
	Body   NewItem
}

// Created is answered with the route's status, 201, and a Location header.
type Created struct {
	ID       int    `json:"id"`
	Kind     string `json:"kind"`
	Location string `header:"Location" json:"-"`
}

// A POST route: every problem of the body is listed, and the route's status
// code is the answer's.
func ExampleNew_body() {
	create, err := typed.New(func(_ context.Context, in *CreateItem) (*Created, error) {
		return &Created{ID: 7, Kind: in.Body.Kind, Location: "/items/7"}, nil
	}, nil)
	if err != nil {
		panic(err)
	}
	rt := dynroute.New(nil)
	rt.MustAddAPIRoute("/items", []string{http.MethodPost}, create, &dynroute.RouteOptions{StatusCode: http.StatusCreated})

	for _, body := range []string{`{"name":"Go","price":30}`, `{"name":"","price":0,"tags":["a","b","c","d"],"kind":"cup"}`} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(body)))
		fmt.Println(w.Code, w.Header()["Location"])
		var answer struct {
			ID     int
			Kind   string
			Errors []jsonschema.FieldError
		}
		_ = json.Unmarshal(w.Body.Bytes(), &answer)
		if w.Code == http.StatusCreated {
			fmt.Println(answer.ID, answer.Kind)
		}
		for _, e := range answer.Errors {
			fmt.Println(e.Loc, e.Type)
		}
	}
	// Output:
	// 201 [/items/7]
	// 7 pen
	// 422 []
	// [body name] string_too_short
	// [body price] greater_than
	// [body tags] too_long
	// [body kind] enum
}

// Bad tags are errors when the handler is made, not when it serves.
func ExampleNew_badTags() {
	type search struct {
		Q     string `query:"q" minimum:"1"`
		Limit int    `query:"limit" maxlength:"3"`
	}
	_, err := typed.New(func(context.Context, *search) (*struct{}, error) { return nil, nil }, nil)
	fmt.Println(err)
	// Output:
	// dynroute: field Q of typed_test.search: invalid struct tag: minimum does not apply to a string field
	// dynroute: field Limit of typed_test.search: invalid struct tag: unknown validation keyword "maxlength"; did you mean "maxLength"?
}

// The OpenAPI emitter reads what a typed handler takes and answers.
func ExampleHandler_DescribeOperation() {
	h := typed.Must(func(context.Context, *GetProduct) (*Product, error) { return nil, nil }, nil)
	info := h.DescribeOperation()
	for _, p := range info.Parameters {
		schema, _ := json.Marshal(p.Schema)
		fmt.Println(p.In, p.Name, p.Required, p.Description, string(schema))
	}
	for _, r := range info.Responses {
		fmt.Println(r.Status, r.ContentType, r.Schema.Ref)
	}
	product, _ := json.Marshal(info.Components["Product"])
	fmt.Println(string(product))
	// Output:
	// path product_id true the product's number {"type":"integer","format":"int64","minimum":1}
	// 200 application/json #/components/schemas/Product
	// 422 application/problem+json #/components/schemas/ValidationProblem
	// 0 application/problem+json #/components/schemas/Problem
	// {"type":"object","properties":{"product_id":{"type":"integer","format":"int64"},"name":{"type":"string"}},"required":["product_id","name"]}
}

// Typed handlers bring their schemas; MarshalJSON30 writes the OpenAPI
// 3.0.3 form of the same document, as /openapi-3.0.json serves it.
func Example_openAPI() {
	type In struct {
		ID int64 `path:"id" exclusiveMinimum:"0"`
	}
	type Out struct {
		Note *string `json:"note"`
	}
	rt := dynroute.New(nil)
	rt.Get("/notes/{id}", typed.Must(func(context.Context, *In) (*Out, error) { return &Out{}, nil }, nil))
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

// A handler of your own can read its body as typed handlers do: limited,
// validated against a schema, every problem located, defaults filled in.
func ExampleBodyDecoder() {
	reg := jsonschema.NewRegistry(nil)
	s, _ := reg.Schema(reflect.TypeFor[NewItem]())
	v, _ := reg.Compile(s)
	decoder := typed.NewBodyDecoder(v, &typed.BodyOptions{MaxBytes: 1 << 10})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var item NewItem
		if err := decoder.Decode(r, &item); err != nil {
			typed.WriteProblem(w, r, err)
			return
		}
		fmt.Fprintf(w, "%s at %.2f (%s)\n", item.Name, item.Price, item.Kind)
	})
	for _, body := range []string{`{"name":"pen","price":1.5}`, `{"name":"","price":0}`} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(body)))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 pen at 1.50 (pen)
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"2 validation errors","errors":[{"loc":["body","name"],"msg":"String should have at least 1 character","type":"string_too_short","input":"","ctx":{"min_length":1}},{"loc":["body","price"],"msg":"Input should be greater than 0","type":"greater_than","input":0,"ctx":{"gt":0}}]}
}
