package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSecret is the tests' JWT_SECRET.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// startServer serves the example's router for secret on 127.0.0.1.
func startServer(t *testing.T, secret []byte) *httptest.Server {
	t.Helper()
	rt, err := newRouter(secret)
	require.NoError(t, err)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv
}

// token signs claims with secret, from those of a dev token changed by
// change.
func token(t *testing.T, secret []byte, change func(jwt.MapClaims)) string {
	t.Helper()
	c := jwt.MapClaims{"sub": "ada", "scope": "items:read " + ScopeWrite, "iss": Issuer, "aud": Audience, "exp": time.Now().Add(time.Hour).Unix()}
	if change != nil {
		change(c)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	require.NoError(t, err)
	return s
}

// call sends one request to srv, with the bearer token if any and body as
// JSON if any.
func call(t *testing.T, srv *httptest.Server, method, path, tok, body string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

func TestBearer(t *testing.T) {
	srv := startServer(t, testSecret)
	write := token(t, testSecret, nil)
	read := token(t, testSecret, func(c jwt.MapClaims) { c["scope"] = "items:read" })
	tests := []struct {
		name, method, path, token, body string
		status                          int
		challenge                       string // the WWW-Authenticate value's start, if any
	}{
		{"list, public", "GET", "/items", "", "", 200, ""},
		{"read, public", "GET", "/items/1", "", "", 200, ""},
		{"read with a bad token, still public", "GET", "/items/1", "garbage", "", 200, ""},
		{"create without a token", "POST", "/items", "", `{"name":"ink"}`, 401, `Bearer realm="dynroute bearer"`},
		{"create with a read-only token", "POST", "/items", read, `{"name":"ink"}`, 403, `Bearer realm="dynroute bearer", error="insufficient_scope", scope="items:write"`},
		{"create with another secret's token", "POST", "/items", token(t, []byte(strings.Repeat("x", 32)), nil), `{"name":"ink"}`, 401, `Bearer realm="dynroute bearer", error="invalid_token"`},
		{"create with an expired token", "POST", "/items", token(t, testSecret, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), `{"name":"ink"}`, 401, `Bearer realm="dynroute bearer", error="invalid_token"`},
		{"create with another audience", "POST", "/items", token(t, testSecret, func(c jwt.MapClaims) { c["aud"] = "billing" }), `{"name":"ink"}`, 401, `Bearer realm="dynroute bearer", error="invalid_token"`},
		{"create with alg none", "POST", "/items", noneToken(t), `{"name":"ink"}`, 401, `Bearer realm="dynroute bearer", error="invalid_token"`},
		{"create", "POST", "/items", write, `{"name":"ink"}`, 201, ""},
		{"create, invalid body", "POST", "/items", write, `{"name":""}`, 422, ""},
		{"delete with a read-only token", "DELETE", "/items/1", read, "", 403, ""},
		{"delete", "DELETE", "/items/1", write, "", 204, ""},
		{"read the deleted", "GET", "/items/1", "", "", 404, ""},
	}
	for _, tt := range tests {
		res, body := call(t, srv, tt.method, tt.path, tt.token, tt.body)
		assert.Equal(t, tt.status, res.StatusCode, "%s: %s", tt.name, body)
		if tt.challenge != "" {
			assert.Equal(t, tt.challenge, res.Header.Get("WWW-Authenticate"), tt.name)
		}
	}

	// The created item names the token's subject.
	res, body := call(t, srv, "POST", "/items", write, `{"name":"stapler"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	var it Item
	require.NoError(t, json.Unmarshal(body, &it))
	assert.Equal(t, Item{ID: it.ID, Name: "stapler", CreatedBy: "ada"}, it)
	assert.Equal(t, "/items/"+jsonNumber(it.ID), res.Header.Get("Location"))
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// noneToken is a token with alg "none" and the claims of a writer.
func noneToken(t *testing.T) string {
	t.Helper()
	c := jwt.MapClaims{"sub": "eve", "scope": ScopeWrite, "iss": Issuer, "aud": Audience, "exp": time.Now().Add(time.Hour).Unix()}
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	return s
}

// Without JWT_SECRET every write is refused, whatever the token; reads
// still work, and the program says so at startup.
func TestNoSecret(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	rt, code := setup(options{}, nil, io.Discard, logger)
	require.NotNil(t, rt)
	assert.Zero(t, code)
	assert.Contains(t, log.String(), "JWT_SECRET is not set: every write answers 401")

	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	for _, secret := range [][]byte{nil, {}, testSecret} {
		tok := ""
		if secret != nil {
			tok = token(t, secret, nil)
		}
		res, body := call(t, srv, "POST", "/items", tok, `{"name":"ink"}`)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s", body)
	}
	res, _ := call(t, srv, "GET", "/items", "", "")
	assert.Equal(t, http.StatusOK, res.StatusCode)

	// A dev token cannot be made without a secret.
	log.Reset()
	rt, code = setup(options{devToken: true}, nil, io.Discard, logger)
	assert.Nil(t, rt)
	assert.Equal(t, 2, code)
	assert.Contains(t, log.String(), "-dev-token signs with JWT_SECRET")
}

func TestShortSecret(t *testing.T) {
	var log bytes.Buffer
	rt, code := setup(options{}, []byte("too short"), io.Discard, slog.New(slog.NewTextHandler(&log, nil)))
	assert.Nil(t, rt)
	assert.Equal(t, 1, code)
	assert.Contains(t, log.String(), "JWT_SECRET: auth: an HS256 secret has at least 32 bytes")
}

// The token -dev-token prints is one the server accepts for writes.
func TestDevToken(t *testing.T) {
	var out bytes.Buffer
	rt, code := setup(options{devToken: true}, testSecret, &out, slog.New(slog.DiscardHandler))
	require.NotNil(t, rt)
	require.Zero(t, code)
	tok := strings.TrimSpace(out.String())
	require.Equal(t, 2, strings.Count(tok, "."), "one token on stdout: %q", tok)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	res, body := call(t, srv, "POST", "/items", tok, `{"name":"ink"}`)
	assert.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"created_by":"dev"`)
}

// TestOpenAPI checks that the document declares the scheme and which
// operations need it, so that /docs shows them.
func TestOpenAPI(t *testing.T) {
	srv := startServer(t, testSecret)
	res, body := call(t, srv, "GET", "/openapi.json", "", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc struct {
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme, BearerFormat string
			} `json:"securitySchemes"`
		} `json:"components"`
		Security []map[string][]string `json:"security"`
		Paths    map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Contains(t, doc.Components.SecuritySchemes, "bearer")
	s := doc.Components.SecuritySchemes["bearer"]
	assert.Equal(t, []string{"http", "bearer", "JWT"}, []string{s.Type, s.Scheme, s.BearerFormat})

	// An operation's requirement is its own or the document's.
	security := func(path, method string) []map[string][]string {
		op, ok := doc.Paths[path][method]
		require.True(t, ok, "%s %s", method, path)
		if op.Security != nil {
			return *op.Security
		}
		return doc.Security
	}
	write := []map[string][]string{{"bearer": {ScopeWrite}}}
	assert.Equal(t, write, security("/items", "post"))
	assert.Equal(t, write, security("/items/{id}", "delete"))
	assert.Empty(t, security("/items", "get"), "public")
	assert.Empty(t, security("/items/{id}", "get"), "public")

	loaded, err := openapi3.NewLoader().LoadFromData(body)
	require.NoError(t, err)
	require.NoError(t, loaded.Validate(context.Background(), openapi3.EnableMultiError()))
}
