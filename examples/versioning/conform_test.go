package main

import (
	"net/http/httptest"
	"testing"

	"github.com/dynroute/dynroute/examples/internal/conform"
)

// TestAnswersMatchTheDocument calls every operation of the served OpenAPI
// document with a request made from the document, and checks the request
// and the answer against it (conform.Check): the answer of each version the
// Accept-Version header selects is described.
func TestAnswersMatchTheDocument(t *testing.T) {
	rt := newTestRouter(t, options{})
	srv := httptest.NewServer(rt)
	defer srv.Close()
	conform.CheckSucceeds(t, srv.URL, "/openapi-3.0.json")
}
