package main

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute/examples/internal/conform"
	"github.com/dynroute/dynroute/examples/internal/seed"
)

// TestAnswersMatchTheDocument loads a routes file as the example does and
// calls every operation of the served OpenAPI document with a request made
// from the document, checking the request and the answer against it
// (conform.CheckSucceeds).
func TestAnswersMatchTheDocument(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.yaml")
	require.NoError(t, os.WriteFile(file, []byte(usersRoute+productsRoute+adminRoute+echoRoute), 0o644))
	rt, err := seed.NewRouter()
	require.NoError(t, err)
	rl, err := newReloader(rt, options{file: file}, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	_, err = rl.Reload(t.Context())
	require.NoError(t, err)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	conform.CheckSucceeds(t, srv.URL, "/openapi-3.0.json")
}
