package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileRequests sends malformed and oversized requests over raw TCP,
// as an attacker would, and checks every answer: no 5xx (most are 4xx;
// a dot-dot path is redirected, a filter no row has lists nothing), at most 64 KiB,
// none of the database's, Go's or the file system's words, and nothing
// written to the database.
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
	body := func(method, target, contentType, b string) string {
		return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			method, target, contentType, len(b), b)
	}
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(append(headers, "Connection: close"), "\r\n") + "\r\n\r\n"
	}
	p := fmt.Sprintf("/products/%d", id)
	for _, tt := range []struct{ name, raw string }{
		{"a price that rounds to 0", body("POST", "/products", "application/json", `{"name":"x","sku":"TINY-1","price":1e-400}`)},
		{"a price that rounds to 0, replaced", body("PUT", p, "application/json", `{"name":"x","sku":"TINY-1","price":1e-400}`)},
		{"a NUL in a name", body("POST", "/products", "application/json", `{"name":"\u0000","sku":"NUL-1","price":1}`)},
		{"a NUL in a patch", body("PATCH", p, "application/merge-patch+json", `{"name":"\u0000"}`)},
		{"10,000 unknown parameters", get("/products?" + strings.Join(unknown[:10000], "&"))},
		{"10,001 unknown parameters", get("/products?" + strings.Join(unknown, "&"))},
		{"a bad escape", get("/products?name=%zz")},
		{"a semicolon", get("/products?name=a;b")},
		{"a huge sort key", get("/products?sort=" + strings.Repeat("x", 200<<10))},
		{"malformed JSON", body("POST", "/products", "application/json", `{"name":`)},
		{"JSON with trailing data", body("POST", "/products", "application/json", `{"name":"x","sku":"A-1","price":1}{}`)},
		{"deep JSON", body("POST", "/products", "application/json", strings.Repeat("[", 20000)+strings.Repeat("]", 20000))},
		{"a huge string", body("POST", "/products", "application/json", `{"name":"`+strings.Repeat("x", 900<<10)+`","sku":"B-1","price":1}`)},
		{"a body over the limit", body("POST", "/products", "application/json", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)},
		{"not JSON", body("POST", "/users", "text/plain", "email=a")},
		{"a number out of range", body("POST", "/products", "application/json", `{"name":"x","sku":"C-1","price":1,"stock":1e30}`)},
		{"a wrong type", body("POST", "/users", "application/json", `{"email":1,"name":[]}`)},
		{"an id out of range", get("/products/99999999999999999999")},
		{"an id with SQL", get("/products/1%20OR%201=1")},
		{"a path with a NUL", get("/products/%00")},
		{"a dot-dot path", get("/products/../users")},
		{"an unknown method", "BREW /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"a huge header", get("/products", "X-Junk: "+strings.Repeat("x", 500<<10))},
		{"a huge path", get("/" + strings.Repeat("a", 500<<10))},
		{"invalid UTF-8 in a filter", get("/products?name=%ff%fe")},
		{"a negative limit", get("/products?limit=-1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
			go func() { _, _ = io.WriteString(conn, tt.raw) }() // the server may answer before it has read it all
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			require.NoError(t, err)
			assert.Less(t, res.StatusCode, 500, "%.300s", b) // a 301 to the clean path, a 200 with no match or a 4xx
			assert.LessOrEqual(t, len(b), 64<<10, "the answer is bounded")
			for _, leak := range []string{"SQLITE", "sqlite", "constraint failed", "goroutine", ".go:", "/tmp/", "crud.db",
				"invalid URL escape", "invalid semicolon", "unexpected end of JSON input", "invalid character", "exceeded limit"} {
				assert.NotContains(t, string(b), leak)
			}
		})
	}
	assert.Equal(t, before, snapshot(), "nothing was written")
}
