package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/examples/internal/hostile"
)

// TestHostileRequests sends malformed and oversized requests over raw TCP
// to the seed's routes, the plugin and the documentation, and checks every
// answer with hostile.Check: no 5xx, at most 64 KiB, none of Go's or the
// file system's words. (The echo route is left out: it answers 200 with
// what it is sent, by design.)
func TestHostileRequests(t *testing.T) {
	rt, _ := newTestRouter(t)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	many := strings.Repeat("x&", 20000)
	for _, tt := range []struct{ name, raw string }{
		{"a product id that is no integer", hostile.Get("/dynamic/products/abc")},
		{"a product id out of range", hostile.Get("/dynamic/products/99999999999999999999999")},
		{"a huge product id", hostile.Get("/dynamic/products/" + strings.Repeat("9", 300<<10))},
		{"malformed JSON", hostile.Request("POST", "/dynamic/products/5", "application/json", `{"name":`)},
		{"JSON with trailing data", hostile.Request("POST", "/dynamic/products/5", "application/json", `{} x`)},
		{"deep JSON", hostile.Request("POST", "/dynamic/products/5", "application/json", strings.Repeat("[", 20000)+strings.Repeat("]", 20000))},
		{"a body over the limit", hostile.Request("POST", "/dynamic/products/5", "application/json", `"`+strings.Repeat("x", 2<<20)+`"`)},
		{"not JSON", hostile.Request("POST", "/dynamic/products/5", "text/plain", "a=b")},
		{"many parameters", hostile.Get("/dynamic/users?" + many)},
		{"a bad escape", hostile.Get("/dynamic/users?name=%zz")},
		{"a semicolon", hostile.Get("/dynamic/users?name=a;b")},
		{"an unknown path", hostile.Get("/" + strings.Repeat("a/", 200<<10))},
		{"a method not allowed", hostile.Request("DELETE", "/dynamic/users", "application/json", "")},
		{"an unknown method", "BREW /dynamic/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"the plugin, malformed", hostile.Request("POST", "/plugina/items/1", "application/json", `{"x":`)},
		{"the docs with a huge query", hostile.Get("/docs?" + many)},
		{"the document with odd headers", hostile.Get("/openapi.json", "Accept: "+strings.Repeat("x/y,", 10000))},
	} {
		t.Run(tt.name, func(t *testing.T) { hostile.Check(t, srv.Listener.Addr().String(), tt.raw) })
	}
}
