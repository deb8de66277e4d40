package crud_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/crud"
	_ "modernc.org/sqlite" // driver "sqlite"
)

// Book is an item with a key and validated members.
type Book struct {
	ID    int64   `json:"id"`
	Title string  `json:"title" minLength:"1"`
	Price float64 `json:"price" exclusiveMinimum:"0"`
}

// The six routes of a resource, on a MemoryStore.
func ExampleRegister() {
	next := int64(0)
	store := crud.NewMemoryStore(func(b *Book) *int64 { return &b.ID }, func() int64 { next++; return next })
	rt := dynroute.New(nil)
	if err := crud.Register(rt, "/books", store, nil); err != nil {
		panic(err)
	}
	do := func(method, target, body string) {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
		fmt.Print(method, " ", target, " ", w.Code, " ", w.Header().Get("Location"), " ", w.Body.String())
	}
	do(http.MethodPost, "/books", `{"title":"Go","price":30}`)
	do(http.MethodPost, "/books", `{"title":"","price":-1}`)
	do(http.MethodPatch, "/books/1", `{"price":25}`)
	do(http.MethodGet, "/books?sort=-price", ``)
	for _, r := range rt.Routes() {
		fmt.Println(r.Name, r.Methods, r.Path)
	}
	// Output:
	// POST /books 201 /books/1 {"id":1,"title":"Go","price":30}
	// POST /books 422  {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"2 validation errors","errors":[{"loc":["body","title"],"msg":"String should have at least 1 character","type":"string_too_short","input":"","ctx":{"min_length":1}},{"loc":["body","price"],"msg":"Input should be greater than 0","type":"greater_than","input":-1,"ctx":{"gt":0}}]}
	// PATCH /books/1 200  {"id":1,"title":"Go","price":25}
	// GET /books?sort=-price 200  {"items":[{"id":1,"title":"Go","price":25}],"total":1,"limit":20,"offset":0}
	// list_books [GET] /books
	// create_books [POST] /books
	// get_books [GET] /books/{id}
	// replace_books [PUT] /books/{id}
	// patch_books [PATCH] /books/{id}
	// delete_books [DELETE] /books/{id}
}

// Country is keyed by a code the client chooses.
type Country struct {
	Code string `json:"code" pattern:"^[A-Z]{2}$"`
	Name string `json:"name"`
}

// Keys the client gives: create takes the key from its body; PUT replaces
// and never creates.
func ExampleOptions_clientKeys() {
	store := crud.NewMemoryStore(func(c *Country) *string { return &c.Code }, nil)
	rt := dynroute.New(nil)
	if err := crud.Register(rt, "/countries", store, &crud.Options{IDField: "code", ClientKeys: true}); err != nil {
		panic(err)
	}
	do := func(method, target, body string) {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", target, " ", w.Code, " ", w.Header().Get("Location"))))
	}
	do(http.MethodPost, "/countries", `{"code":"NO","name":"Norway"}`)
	do(http.MethodPost, "/countries", `{"code":"NO","name":"Norway again"}`)
	do(http.MethodPost, "/countries", `{"name":"no code"}`)
	do(http.MethodPut, "/countries/SE", `{"name":"Sweden"}`)
	do(http.MethodPut, "/countries/NO", `{"name":"Noreg"}`)
	// Output:
	// POST /countries 201 /countries/NO
	// POST /countries 409
	// POST /countries 422
	// PUT /countries/SE 404
	// PUT /countries/NO 200
}

// Every table of a database as a REST API.
func ExampleFromSchema() {
	dir, err := os.MkdirTemp("", "fromschema")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "shop.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE products (
		id    INTEGER PRIMARY KEY AUTOINCREMENT,
		name  TEXT NOT NULL,
		price REAL NOT NULL DEFAULT 0)`); err != nil {
		panic(err)
	}
	rt := dynroute.New(nil)
	if err := crud.FromSchema(context.Background(), rt, db, nil); err != nil {
		panic(err)
	}
	for _, body := range []string{`{"name":"pen","price":1.5}`, `{"price":2}`} {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/products", strings.NewReader(body)))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 201 {"id":1,"name":"pen","price":1.5}
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 validation error","errors":[{"loc":["body","name"],"msg":"Field required","type":"missing","input":null}]}
}
