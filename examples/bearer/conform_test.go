package main

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute/examples/internal/conform"
)

// TestAnswersMatchTheDocument calls every operation of the served OpenAPI
// document with a request made from the document, without a token, and
// checks the request and the answer against it (conform.Check): the reads
// succeed, and the writes' 401 is described.
func TestAnswersMatchTheDocument(t *testing.T) {
	rt, err := newRouter(testSecret)
	require.NoError(t, err)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	got := conform.Check(t, srv.URL, "/openapi-3.0.json")
	assert.Equal(t, map[string]int{
		"GET /items": 200, "GET /items/{id}": 200, "POST /items": 401, "DELETE /items/{id}": 401,
	}, got)
}
