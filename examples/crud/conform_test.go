package main

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dynroute/dynroute/examples/internal/conform"
)

// TestAnswersMatchTheDocument calls every operation of the served OpenAPI
// document with a request made from the document, and checks the request
// and the answer against it (conform.Check).
func TestAnswersMatchTheDocument(t *testing.T) {
	rt, _ := newTestAPI(t)
	create(t, rt, "/products", `{"name":"pen","sku":"PEN-1","price":1.5}`)
	create(t, rt, "/users", `{"email":"grace@example.com","name":"Grace"}`)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	// Every answer matches the document; these succeed too (PUT /products
	// and /users write the examples' unique values, which POST took: 409).
	called := conform.Check(t, srv.URL, "/openapi-3.0.json")
	for _, op := range []string{"GET /products", "POST /products", "GET /products/{id}", "PATCH /products/{id}",
		"DELETE /products/{id}", "GET /users", "POST /users", "GET /users/{id}", "DELETE /users/{id}"} {
		assert.Less(t, called[op], 300, "%s answered %d to the document's own request", op, called[op])
	}
}
