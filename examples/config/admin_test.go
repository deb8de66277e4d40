package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// adminGet sends GET /dynamic/admin to the server at base with the given
// X-API-Key ("" for none) and returns the answer.
func adminGet(t *testing.T, base, key string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/dynamic/admin", nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// TestAdminKey: the config file protects the admin route with admin_key,
// whose keys are those of ADMIN_API_KEY; the document declares the scheme
// and the operation's requirement; the other routes stay public.
func TestAdminKey(t *testing.T) {
	t.Setenv(adminKeyEnv, "old-key, k") // two keys: one being rotated out
	specs, err := loadSpecs("")
	require.NoError(t, err)
	rt, _, err := newRouter(specs, options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(rt) // on 127.0.0.1
	defer srv.Close()

	res, body := adminGet(t, srv.URL, "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, body)
	assert.Equal(t, `APIKey realm="dynroute seed", in="header", name="X-API-Key"`, res.Header.Get("WWW-Authenticate"))
	res, body = adminGet(t, srv.URL, "wrong")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, body)
	assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"))
	assert.NotContains(t, body, "wrong", "the answer never repeats the key")
	for _, key := range []string{"k", "old-key"} {
		res, body = adminGet(t, srv.URL, key)
		assert.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.JSONEq(t, `{"message": "Welcome to the Dynamic Admin Area"}`, body, "the seed's answer")
	}
	res, err = http.Get(srv.URL + "/dynamic/users")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "the other routes are public")

	res, err = http.Get(srv.URL + "/openapi.json")
	require.NoError(t, err)
	defer res.Body.Close()
	var doc struct {
		Security   []map[string][]string `json:"security"`
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&doc))
	scheme := doc.Components.SecuritySchemes["admin_key"]
	assert.Equal(t, "apiKey", scheme["type"])
	assert.Equal(t, "header", scheme["in"])
	assert.Equal(t, "X-API-Key", scheme["name"])
	assert.Equal(t, []map[string][]string{{"admin_key": {}}}, doc.Paths["/dynamic/admin"]["get"].Security)
	assert.Nil(t, doc.Security, "no default requirement")
	assert.Nil(t, doc.Paths["/dynamic/users"]["get"].Security)
}

// TestAdminKeyUnset: without ADMIN_API_KEY the admin route answers 401 to
// everyone, and building the server logs a warning that says so and what
// to set.
func TestAdminKeyUnset(t *testing.T) {
	for _, value := range []string{"", " , "} {
		t.Setenv(adminKeyEnv, value)
		specs, err := loadSpecs("")
		require.NoError(t, err)
		rt, logs := newRouterLogs(t, specs)
		warnings := atLevel(logs, slog.LevelWarn)
		require.Len(t, warnings, 1, "%q: %+v", value, logs)
		assert.Contains(t, warnings[0].Msg, "answer 401 to every request")
		assert.Contains(t, warnings[0].Msg, "set ADMIN_API_KEY")
		srv := httptest.NewServer(rt)
		for _, key := range []string{"", "k", value, "null"} {
			res, body := adminGet(t, srv.URL, key)
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "key %q: %s", key, body)
		}
		srv.Close()
	}

	// A config that protects nothing with admin_key warns of nothing.
	t.Setenv(adminKeyEnv, "")
	specs, err := loadSpecs("testdata/seed.yaml")
	require.NoError(t, err)
	_, logs := newRouterLogs(t, specs)
	assert.Empty(t, atLevel(logs, slog.LevelWarn))
}

// newRouterLogs is newRouter in lenient mode, with what it logged.
func newRouterLogs(t *testing.T, specs []dynroute.RouteSpec) (*dynroute.Router, []logRecord) {
	t.Helper()
	var buf bytes.Buffer
	rt, skipped, err := newRouter(specs, options{}, slog.New(slog.NewJSONHandler(&buf, nil)))
	require.NoError(t, err)
	require.Empty(t, skipped)
	return rt, parseLogs(t, &buf)
}
