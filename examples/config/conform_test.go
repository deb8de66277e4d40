package main

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dynroute/dynroute/examples/internal/conform"
)

// TestAnswersMatchTheDocument calls every operation of the seed's served
// OpenAPI document with a request made from the document, and checks the
// request and the answer against it (conform.Check), presenting the admin
// key to the operation that requires it.
func TestAnswersMatchTheDocument(t *testing.T) {
	rt, _ := newTestRouter(t)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	called := conform.CheckSucceedsWith(t, srv.URL, "/openapi-3.0.json", map[string]string{adminScheme: testAdminKey})
	assert.Contains(t, called, "POST /dynamic/products/{product_id}")
	assert.Contains(t, called, "GET /dynamic/admin")
}
