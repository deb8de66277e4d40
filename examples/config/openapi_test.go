package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden OpenAPI documents under testdata")

// TestOpenAPIGolden pins the documents the seed example serves. The root
// package's TestOpenAPIGoldenValid validates these files with kin-openapi.
func TestOpenAPIGolden(t *testing.T) {
	specs, err := loadSpecs("")
	require.NoError(t, err)
	rt, _, err := newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for target, golden := range map[string]string{
		"/openapi.json":     "openapi.json",
		"/openapi-3.0.json": "openapi-3.0.json",
	} {
		t.Run(golden, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
			require.Equal(t, http.StatusOK, w.Code)
			var got bytes.Buffer
			require.NoError(t, json.Indent(&got, w.Body.Bytes(), "", "  "))
			got.WriteByte('\n')
			file := filepath.Join("testdata", golden)
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(file, got.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "go test -run TestOpenAPIGolden -update creates it")
			assert.Equal(t, string(want), got.String(), "differs from %s (go test -run TestOpenAPIGolden -update rewrites it)", file)
		})
	}
}
