package main

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute/examples/internal/hostile"
)

// TestHostileRequests sends malformed and oversized requests over raw TCP,
// as an attacker would, and checks every answer (hostile.Check: no 5xx, at
// most 64 KiB, none of the database's, Go's or the file system's words;
// most are 4xx, a dot-dot path is redirected, a filter no row has lists
// nothing), and that nothing was written to the database.
func TestHostileRequests(t *testing.T) {
	rt, db := newTestAPI(t)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	id := create(t, rt, "/products", `{"name":"pen","sku":"PEN-1","price":1.5,"stock":3}`)
	create(t, rt, "/users", `{"email":"ada@example.com","name":"Ada"}`)
	snapshot := func() string {
		var b strings.Builder
		for _, table := range []string{"products", "users"} {
			rows, err := db.QueryContext(t.Context(), "SELECT * FROM "+table+" ORDER BY id")
			require.NoError(t, err)
			cols, err := rows.Columns()
			require.NoError(t, err)
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				fmt.Fprintln(&b, table, vals)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
		}
		return b.String()
	}
	before := snapshot()

	unknown := make([]string, 10001)
	for i := range unknown {
		unknown[i] = fmt.Sprintf("k%d", i)
	}
	p := fmt.Sprintf("/products/%d", id)
	for _, tt := range []struct{ name, raw string }{
		{"a price that rounds to 0", hostile.Request("POST", "/products", "application/json", `{"name":"x","sku":"TINY-1","price":1e-400}`)},
		{"a price that rounds to 0, replaced", hostile.Request("PUT", p, "application/json", `{"name":"x","sku":"TINY-1","price":1e-400}`)},
		{"a NUL in a name", hostile.Request("POST", "/products", "application/json", `{"name":"\u0000","sku":"NUL-1","price":1}`)},
		{"a NUL in a patch", hostile.Request("PATCH", p, "application/merge-patch+json", `{"name":"\u0000"}`)},
		{"10,000 unknown parameters", hostile.Get("/products?" + strings.Join(unknown[:10000], "&"))},
		{"10,001 unknown parameters", hostile.Get("/products?" + strings.Join(unknown, "&"))},
		{"a bad escape", hostile.Get("/products?name=%zz")},
		{"a semicolon", hostile.Get("/products?name=a;b")},
		{"a huge sort key", hostile.Get("/products?sort=" + strings.Repeat("x", 200<<10))},
		{"malformed JSON", hostile.Request("POST", "/products", "application/json", `{"name":`)},
		{"JSON with trailing data", hostile.Request("POST", "/products", "application/json", `{"name":"x","sku":"A-1","price":1}{}`)},
		{"deep JSON", hostile.Request("POST", "/products", "application/json", strings.Repeat("[", 20000)+strings.Repeat("]", 20000))},
		{"a huge string", hostile.Request("POST", "/products", "application/json", `{"name":"`+strings.Repeat("x", 900<<10)+`","sku":"B-1","price":1}`)},
		{"a body over the limit", hostile.Request("POST", "/products", "application/json", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)},
		{"not JSON", hostile.Request("POST", "/users", "text/plain", "email=a")},
		{"a number out of range", hostile.Request("POST", "/products", "application/json", `{"name":"x","sku":"C-1","price":1,"stock":1e30}`)},
		{"a wrong type", hostile.Request("POST", "/users", "application/json", `{"email":1,"name":[]}`)},
		{"an id out of range", hostile.Get("/products/99999999999999999999")},
		{"an id with SQL", hostile.Get("/products/1%20OR%201=1")},
		{"a path with a NUL", hostile.Get("/products/%00")},
		{"a dot-dot path", hostile.Get("/products/../users")},
		{"an unknown method", "BREW /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"a huge header", hostile.Get("/products", "X-Junk: "+strings.Repeat("x", 500<<10))},
		{"a huge path", hostile.Get("/" + strings.Repeat("a", 500<<10))},
		{"invalid UTF-8 in a filter", hostile.Get("/products?name=%ff%fe")},
		{"a negative limit", hostile.Get("/products?limit=-1")},
	} {
		t.Run(tt.name, func(t *testing.T) { hostile.Check(t, srv.Listener.Addr().String(), tt.raw) })
	}
	assert.Equal(t, before, snapshot(), "nothing was written")
}
