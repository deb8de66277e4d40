package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynroute/dynroute"
)

// newTestAPI builds the two models' API on a new database file, as run
// does, and returns it with the database for checks behind its back.
func newTestAPI(t *testing.T) (*dynroute.Router, *sql.DB) {
	t.Helper()
	db, err := openDB(filepath.Join(t.TempDir(), "crud.db"), true)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	rt, err := newRouter(t.Context(), db, false, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return rt, db
}

// do serves one request on h. A body is sent as JSON, or for PATCH as a
// JSON merge patch.
func do(t *testing.T, h http.Handler, method, target, body string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	switch {
	case body != "" && method == http.MethodPatch:
		req.Header.Set("Content-Type", "application/merge-patch+json")
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// want serves a request and checks the status; it returns the body.
func want(t *testing.T, h http.Handler, status int, method, target, body string) []byte {
	t.Helper()
	res, b := do(t, h, method, target, body)
	require.Equal(t, status, res.StatusCode, "%s %s %s: %s", method, target, body, b)
	return b
}

// create posts body to prefix, checks the 201 and its Location, and
// returns the created item's id.
func create(t *testing.T, h http.Handler, prefix, body string) int64 {
	t.Helper()
	res, b := do(t, h, http.MethodPost, prefix, body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "POST %s %s: %s", prefix, body, b)
	var item struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(b, &item))
	require.NotZero(t, item.ID)
	assert.Equal(t, fmt.Sprintf("%s/%d", prefix, item.ID), res.Header.Get("Location"))
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	return item.ID
}

// problem is an application/problem+json answer.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
		Type string `json:"type"`
	} `json:"errors"`
}

// wantProblem serves a request that must fail with status and returns the
// problem document.
func wantProblem(t *testing.T, h http.Handler, status int, method, target, body string) problem {
	t.Helper()
	res, b := do(t, h, method, target, body)
	require.Equal(t, status, res.StatusCode, "%s %s %s: %s", method, target, body, b)
	assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	var p problem
	require.NoError(t, json.Unmarshal(b, &p), "%s", b)
	assert.Equal(t, status, p.Status)
	assert.Equal(t, "about:blank", p.Type)
	assert.Equal(t, http.StatusText(status), p.Title)
	return p
}

// locs lists a validation problem's errors as "loc.loc type".
func (p problem) locs() []string {
	var out []string
	for _, e := range p.Errors {
		parts := make([]string, len(e.Loc))
		for i, l := range e.Loc {
			parts[i] = fmt.Sprint(l)
		}
		out = append(out, strings.Join(parts, ".")+" "+e.Type)
	}
	return out
}

// page is the answer of a list route.
type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// list serves a list request that must succeed.
func list[T any](t *testing.T, h http.Handler, target string) page[T] {
	t.Helper()
	var p page[T]
	require.NoError(t, json.Unmarshal(want(t, h, http.StatusOK, http.MethodGet, target, ""), &p))
	require.NotNil(t, p.Items, "items is [] when empty, never null")
	return p
}

func TestProductsRoundTrip(t *testing.T) {
	rt, db := newTestAPI(t)
	id := create(t, rt, "/products", `{"name":"fountain pen","sku":"FP-0042","price":12.5,"stock":3,"note":"gift"}`)
	full := fmt.Sprintf(`{"id":%d,"name":"fountain pen","sku":"FP-0042","price":12.5,"stock":3,"note":"gift"}`, id)
	item := fmt.Sprintf("/products/%d", id)
	assert.JSONEq(t, full, string(want(t, rt, http.StatusOK, http.MethodGet, item, "")))

	t.Run("list", func(t *testing.T) {
		create(t, rt, "/products", `{"name":"ink","sku":"INK-1","price":4}`) // stock defaults to 0, no note
		p := list[Product](t, rt, "/products")
		assert.Equal(t, 2, p.Total)
		assert.Equal(t, 20, p.Limit)
		require.Len(t, p.Items, 2)
		assert.Equal(t, Product{ID: p.Items[1].ID, Name: "ink", SKU: "INK-1", Price: 4}, p.Items[1])
		p = list[Product](t, rt, "/products?sku=INK-1")
		require.Len(t, p.Items, 1)
		assert.Equal(t, 1, p.Total)
		p = list[Product](t, rt, "/products?sort=price")
		assert.Equal(t, "ink", p.Items[0].Name)
	})
	t.Run("replace", func(t *testing.T) {
		// The body's id is read-only: the path's id wins. The note is left
		// out, so the replaced item has none.
		got := want(t, rt, http.StatusOK, http.MethodPut, item, `{"id":999,"name":"fountain pen","sku":"FP-0042","price":15,"stock":2}`)
		replaced := fmt.Sprintf(`{"id":%d,"name":"fountain pen","sku":"FP-0042","price":15,"stock":2}`, id)
		assert.JSONEq(t, replaced, string(got))
		assert.JSONEq(t, replaced, string(want(t, rt, http.StatusOK, http.MethodGet, item, "")))
		var note sql.NullString
		require.NoError(t, db.QueryRow(`SELECT note FROM products WHERE id = ?`, id).Scan(&note))
		assert.False(t, note.Valid, "the note is NULL in the table")
	})
	t.Run("patch", func(t *testing.T) {
		got := want(t, rt, http.StatusOK, http.MethodPatch, item, `{"stock":7,"note":"engraved"}`)
		assert.JSONEq(t, fmt.Sprintf(`{"id":%d,"name":"fountain pen","sku":"FP-0042","price":15,"stock":7,"note":"engraved"}`, id), string(got))
		got = want(t, rt, http.StatusOK, http.MethodPatch, item, `{"note":null}`)
		assert.JSONEq(t, fmt.Sprintf(`{"id":%d,"name":"fountain pen","sku":"FP-0042","price":15,"stock":7}`, id), string(got))
		// The patched item must be valid as a whole; nothing changes if not.
		p := wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodPatch, item, `{"price":0,"stock":1}`)
		assert.Equal(t, []string{"body.price greater_than"}, p.locs())
		assert.JSONEq(t, string(got), string(want(t, rt, http.StatusOK, http.MethodGet, item, "")))
		// So is a required member removed with null.
		p = wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodPatch, item, `{"name":null}`)
		assert.Equal(t, []string{"body.name missing"}, p.locs())
	})
	t.Run("delete", func(t *testing.T) {
		res, b := do(t, rt, http.MethodDelete, item, "")
		require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", b)
		assert.Empty(t, b)
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			p := wantProblem(t, rt, http.StatusNotFound, method, item, "")
			assert.Equal(t, "No such item.", p.Detail)
		}
		wantProblem(t, rt, http.StatusNotFound, http.MethodPut, item, `{"name":"x","sku":"XYZ","price":1}`)
		wantProblem(t, rt, http.StatusNotFound, http.MethodPatch, item, `{"stock":1}`)
		assert.Equal(t, 1, list[Product](t, rt, "/products").Total)
	})
}

func TestUsersRoundTrip(t *testing.T) {
	rt, _ := newTestAPI(t)
	ada := create(t, rt, "/users", `{"email":"ada@example.com","name":"Ada Lovelace"}`)
	grace := create(t, rt, "/users", `{"email":"grace@example.com","name":"Grace Hopper","admin":true}`)
	assert.NotEqual(t, ada, grace)
	adaURL, graceURL := fmt.Sprintf("/users/%d", ada), fmt.Sprintf("/users/%d", grace)
	assert.JSONEq(t, fmt.Sprintf(`{"id":%d,"email":"ada@example.com","name":"Ada Lovelace","admin":false}`, ada),
		string(want(t, rt, http.StatusOK, http.MethodGet, adaURL, "")))

	p := list[User](t, rt, "/users?admin=true")
	require.Len(t, p.Items, 1)
	assert.Equal(t, "Grace Hopper", p.Items[0].Name)

	t.Run("a taken email is a 409", func(t *testing.T) {
		for _, body := range []string{
			`{"email":"ada@example.com","name":"Another Ada"}`,
			`{"email":"ADA@Example.com","name":"Another Ada"}`, // UNIQUE COLLATE NOCASE
		} {
			p := wantProblem(t, rt, http.StatusConflict, http.MethodPost, "/users", body)
			assert.Equal(t, "The item conflicts with one that exists.", p.Detail)
		}
		wantProblem(t, rt, http.StatusConflict, http.MethodPut, graceURL, `{"email":"ada@example.com","name":"Grace"}`)
		wantProblem(t, rt, http.StatusConflict, http.MethodPatch, graceURL, `{"email":"Ada@example.com"}`)
		assert.Equal(t, 2, list[User](t, rt, "/users").Total, "nothing was written")
		assert.Contains(t, string(want(t, rt, http.StatusOK, http.MethodGet, graceURL, "")), `"grace@example.com"`)
	})
	t.Run("replace and patch", func(t *testing.T) {
		got := want(t, rt, http.StatusOK, http.MethodPut, adaURL, `{"email":"ada@lovelace.org","name":"Ada","admin":true}`)
		assert.JSONEq(t, fmt.Sprintf(`{"id":%d,"email":"ada@lovelace.org","name":"Ada","admin":true}`, ada), string(got))
		got = want(t, rt, http.StatusOK, http.MethodPatch, adaURL, `{"admin":false}`)
		assert.JSONEq(t, fmt.Sprintf(`{"id":%d,"email":"ada@lovelace.org","name":"Ada","admin":false}`, ada), string(got))
		// Her old address is free now.
		create(t, rt, "/users", `{"email":"ada@example.com","name":"Ada's namesake"}`)
	})
	t.Run("delete", func(t *testing.T) {
		want(t, rt, http.StatusNoContent, http.MethodDelete, graceURL, "")
		wantProblem(t, rt, http.StatusNotFound, http.MethodGet, graceURL, "")
		create(t, rt, "/users", `{"email":"grace@example.com","name":"Grace again"}`)
	})
}

// TestValidation checks the 422s (and the 415) of bad bodies and bad ids:
// every problem at once, each with its location.
func TestValidation(t *testing.T) {
	rt, _ := newTestAPI(t)
	id := create(t, rt, "/users", `{"email":"ada@example.com","name":"Ada"}`)
	tests := []struct {
		name, method, target, body string
		want                       []string
	}{
		{"user: every problem", http.MethodPost, "/users", `{"email":"nope","name":""}`,
			[]string{"body.email value_error", "body.name string_too_short"}},
		{"user: missing members", http.MethodPost, "/users", `{}`,
			[]string{"body.email missing", "body.name missing"}},
		{"user: wrong types", http.MethodPost, "/users", `{"email":1,"name":"x","admin":"yes"}`,
			[]string{"body.email string_type", "body.admin bool_type"}},
		{"product: every problem", http.MethodPost, "/products", `{"name":"","sku":"x","price":0,"stock":-1}`,
			[]string{"body.name string_too_short", "body.sku string_pattern_mismatch", "body.price greater_than", "body.stock greater_than_equal"}},
		{"product: a price of a string", http.MethodPost, "/products", `{"name":"pen","sku":"PEN","price":"12"}`,
			[]string{"body.price float_type"}},
		{"product: not an object", http.MethodPost, "/products", `[1]`, []string{"body object_type"}},
		{"product: not JSON", http.MethodPost, "/products", `{"name":`, []string{"body json_invalid"}},
		{"replace: every problem", http.MethodPut, fmt.Sprintf("/users/%d", id), `{"email":"a@","name":""}`,
			[]string{"body.email value_error", "body.name string_too_short"}},
		{"patch: a wrong type", http.MethodPatch, fmt.Sprintf("/users/%d", id), `{"admin":"no"}`,
			[]string{"body.admin bool_type"}},
		{"product: a price that rounds to 0", http.MethodPost, "/products", `{"name":"x","sku":"TINY-1","price":1e-400}`,
			[]string{"body.price greater_than"}},
		{"product: a NUL in the name", http.MethodPost, "/products", `{"name":"\u0000","sku":"NUL-1","price":1}`,
			[]string{"body.name string_nul"}},
		{"user: a NUL in a patch", http.MethodPatch, fmt.Sprintf("/users/%d", id), `{"name":"\u0000"}`,
			[]string{"body.name string_nul"}},
		{"an id that is not an integer", http.MethodGet, "/users/ada", "", []string{"path.id key_parsing"}},
		{"an id out of range", http.MethodDelete, "/users/99999999999999999999", "", []string{"path.id key_parsing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wantProblem(t, rt, http.StatusUnprocessableEntity, tt.method, tt.target, tt.body)
			assert.Equal(t, tt.want, p.locs())
			assert.Len(t, p.Errors, len(tt.want))
		})
	}
	t.Run("not JSON at all", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/users", strings.NewReader(`email=ada@example.com`))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, req)
		assert.Equal(t, http.StatusUnsupportedMediaType, w.Code, "%s", w.Body)
	})
	assert.Equal(t, 1, list[User](t, rt, "/users").Total, "no bad body was stored")
}

func TestPagination(t *testing.T) {
	rt, _ := newTestAPI(t)
	const n = 45
	for i := range n {
		create(t, rt, "/products", fmt.Sprintf(`{"name":"item %02d","sku":"SKU-%02d","price":%d,"stock":%d}`, i, i, 100-i, i%3))
	}
	t.Run("pages cover every item once", func(t *testing.T) {
		var seen []int64
		for offset := 0; offset < n; offset += 20 {
			p := list[Product](t, rt, fmt.Sprintf("/products?offset=%d", offset))
			assert.Equal(t, n, p.Total)
			assert.Equal(t, 20, p.Limit, "the default")
			assert.Equal(t, offset, p.Offset)
			assert.Len(t, p.Items, min(20, n-offset))
			for _, it := range p.Items {
				seen = append(seen, it.ID)
			}
		}
		assert.Len(t, seen, n)
		assert.True(t, slices.IsSorted(seen), "sorted by id without a sort key")
		assert.Len(t, slices.Compact(seen), n, "no item twice")
	})
	t.Run("bounds", func(t *testing.T) {
		for _, tt := range []struct {
			query       string
			items, size int
		}{
			{"limit=1", 1, 1},
			{"limit=100", n, 100}, // the maximum
			{"limit=10&offset=40", 5, 10},
			{"offset=44", 1, 20},
			{"offset=45", 0, 20},   // just past the end: the total still counts
			{"offset=1000", 0, 20}, // far past it
			{"stock=0&limit=5", 5, 5},
			{"stock=0&offset=15", 0, 20},
		} {
			p := list[Product](t, rt, "/products?"+tt.query)
			assert.Len(t, p.Items, tt.items, tt.query)
			assert.Equal(t, tt.size, p.Limit, tt.query)
			if strings.HasPrefix(tt.query, "stock=0") {
				assert.Equal(t, n/3, p.Total, tt.query)
			} else {
				assert.Equal(t, n, p.Total, tt.query)
			}
		}
	})
	t.Run("out of bounds", func(t *testing.T) {
		for query, loc := range map[string]string{
			"limit=101":  "query.limit range",
			"limit=0":    "query.limit range",
			"limit=-1":   "query.limit range",
			"limit=ten":  "query.limit int_parsing",
			"offset=-1":  "query.offset greater_than_equal",
			"offset=1.5": "query.offset int_parsing",
			"limit=1e3":  "query.limit int_parsing",
			"limit=%zz":  "query.limit query_parsing",
			"sort=color": "query.sort sort_field",
			"color=red":  "query.color extra_forbidden",
		} {
			p := wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodGet, "/products?"+query, "")
			assert.Equal(t, []string{loc}, p.locs(), query)
		}
	})
	t.Run("sort", func(t *testing.T) {
		p := list[Product](t, rt, "/products?sort=-price&limit=3")
		assert.Equal(t, []float64{100, 99, 98}, []float64{p.Items[0].Price, p.Items[1].Price, p.Items[2].Price})
		p = list[Product](t, rt, "/products?sort=stock,-id&limit=2")
		assert.Equal(t, 0, p.Items[0].Stock)
		assert.Greater(t, p.Items[0].ID, p.Items[1].ID)
	})
}

// TestInjection tries SQL in filter values, filter names, sort keys, ids
// and bodies: each is refused with a 422 before any SQL is written, or
// bound as a value that matches nothing, and the tables are unchanged.
func TestInjection(t *testing.T) {
	rt, db := newTestAPI(t)
	for i := range 3 {
		create(t, rt, "/products", fmt.Sprintf(`{"name":"p%d","sku":"SKU-%d","price":1}`, i, i))
	}
	create(t, rt, "/users", `{"email":"ada@example.com","name":"Ada"}`)

	matchesNothing := []string{
		"/products?name=" + url.QueryEscape(`p0' OR '1'='1`),
		"/products?name=" + url.QueryEscape(`x'; DROP TABLE products; --`),
		"/products?sku=" + url.QueryEscape(`SKU-0" OR "1"="1`),
		"/users?email=" + url.QueryEscape(`' UNION SELECT id, sql, name, 1 FROM sqlite_master --`),
	}
	for _, target := range matchesNothing {
		p := list[map[string]any](t, rt, target)
		assert.Empty(t, p.Items, target)
		assert.Zero(t, p.Total, target)
	}
	refused := map[string]string{
		"/products?sort=" + url.QueryEscape(`name; DROP TABLE products`):          "query.sort sort_field",
		"/products?sort=" + url.QueryEscape(`name DESC`):                          "query.sort sort_field",
		"/products?sort=" + url.QueryEscape(`(SELECT 1)`):                         "query.sort sort_field",
		"/products?id=" + url.QueryEscape(`1 OR 1=1`):                             "query.id filter_parsing",
		"/products?price=" + url.QueryEscape(`1; DELETE FROM products`):           "query.price filter_parsing",
		"/products?" + url.QueryEscape(`name=1 OR 1`) + "=1":                      "query.name=1 OR 1 extra_forbidden",
		"/products?" + url.QueryEscape(`"name"`) + "=p0":                          `query."name" extra_forbidden`,
		"/products/" + url.PathEscape(`1 OR 1=1`):                                 "path.id key_parsing",
		"/users/" + url.PathEscape(`1; DROP TABLE users`):                         "path.id key_parsing",
		"/users?admin=" + url.QueryEscape(`true) OR (1=1`):                        "query.admin filter_parsing",
		"/users?sort=" + url.QueryEscape(`email COLLATE NOCASE`):                  "query.sort sort_field",
		"/users?limit=" + url.QueryEscape(`1; DROP TABLE users`):                  "query.limit int_parsing",
		"/users?offset=" + url.QueryEscape(`0 UNION SELECT * FROM sqlite_master`): "query.offset int_parsing",
	}
	for target, loc := range refused {
		p := wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodGet, target, "")
		assert.Equal(t, []string{loc}, p.locs(), target)
	}
	for _, method := range []string{http.MethodDelete, http.MethodPut, http.MethodPatch} {
		wantProblem(t, rt, http.StatusUnprocessableEntity, method, "/products/"+url.PathEscape("1 OR 1=1"), `{}`)
	}
	// SQL in a body is data.
	bobby := create(t, rt, "/users", `{"email":"bobby@example.com","name":"Robert'); DROP TABLE users; --"}`)
	got := want(t, rt, http.StatusOK, http.MethodGet, fmt.Sprintf("/users/%d", bobby), "")
	assert.Contains(t, string(got), `"name":"Robert'); DROP TABLE users; --"`)
	// A member name is never a column name: unknown members are ignored.
	want(t, rt, http.StatusOK, http.MethodPatch, fmt.Sprintf("/users/%d", bobby), `{"admin = 1, name":"x","admin\" = 1 --":true}`)
	got = want(t, rt, http.StatusOK, http.MethodGet, fmt.Sprintf("/users/%d", bobby), "")
	assert.Contains(t, string(got), `"admin":false`)

	// The tables are intact.
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"products", "users"}, tables)
	var products, users, admins int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM products`).Scan(&products))
	require.NoError(t, db.QueryRow(`SELECT count(*), coalesce(sum(admin), 0) FROM users`).Scan(&users, &admins))
	assert.Equal(t, 3, products)
	assert.Equal(t, 2, users)
	assert.Zero(t, admins)
}

// TestConcurrentCreates creates users from many goroutines at once (run
// with -race): every create gets its own id, and a duplicate email only
// ever one row.
func TestConcurrentCreates(t *testing.T) {
	rt, _ := newTestAPI(t)
	const n = 16
	var wg sync.WaitGroup
	statuses := make([]int, 2*n)
	for i := range n {
		wg.Go(func() {
			res, _ := do(t, rt, http.MethodPost, "/users", fmt.Sprintf(`{"email":"u%d@example.com","name":"u%d"}`, i, i))
			statuses[i] = res.StatusCode
		})
		wg.Go(func() {
			res, _ := do(t, rt, http.MethodPost, "/users", `{"email":"same@example.com","name":"same"}`)
			statuses[n+i] = res.StatusCode
		})
	}
	wg.Wait()
	for i := range n {
		assert.Equal(t, http.StatusCreated, statuses[i])
	}
	dup := statuses[n:]
	assert.Equal(t, 1, countOf(dup, http.StatusCreated), "%v", dup)
	assert.Equal(t, n-1, countOf(dup, http.StatusConflict), "%v", dup)
	p := list[User](t, rt, "/users?limit=100")
	assert.Equal(t, n+1, p.Total)
	ids := make(map[int64]bool)
	for _, u := range p.Items {
		ids[u.ID] = true
	}
	assert.Len(t, ids, n+1)
}

func countOf(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestRealServer serves the API on a listener on 127.0.0.1 and goes
// through an HTTP client.
func TestRealServer(t *testing.T) {
	rt, _ := newTestAPI(t)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	c := srv.Client()
	res, err := c.Post(srv.URL+"/users", "application/json", strings.NewReader(`{"email":"ada@example.com","name":"Ada"}`))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	res, err = c.Get(srv.URL + res.Header.Get("Location"))
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"id":1,"email":"ada@example.com","name":"Ada","admin":false}`, string(b))
}

// validateOpenAPI checks a document with kin-openapi, listing every problem.
func validateOpenAPI(t *testing.T, doc []byte) {
	t.Helper()
	loaded, err := openapi3.NewLoader().LoadFromData(doc)
	require.NoError(t, err)
	assert.NoError(t, loaded.Validate(context.Background(), openapi3.EnableMultiError()))
}

// operations lists a document's operations as "method path operationId".
func operations(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	var ops []string
	for path, item := range d.Paths {
		for method, op := range item {
			ops = append(ops, method+" "+path+" "+op.OperationID)
		}
	}
	slices.Sort(ops)
	return ops
}

func TestOpenAPI(t *testing.T) {
	rt, _ := newTestAPI(t)
	body := want(t, rt, http.StatusOK, http.MethodGet, "/openapi.json", "")
	validateOpenAPI(t, body)
	validateOpenAPI(t, want(t, rt, http.StatusOK, http.MethodGet, "/openapi-3.0.json", ""))
	assert.Equal(t, []string{
		"delete /products/{id} delete_products",
		"delete /users/{id} delete_users",
		"get /products list_products",
		"get /products/{id} get_products",
		"get /users list_users",
		"get /users/{id} get_users",
		"patch /products/{id} patch_products",
		"patch /users/{id} patch_users",
		"post /products create_products",
		"post /users create_users",
		"put /products/{id} replace_products",
		"put /users/{id} replace_users",
	}, operations(t, body))

	var doc struct {
		Tags       []struct{ Name string } `json:"tags"`
		Components struct {
			Schemas map[string]struct {
				Required   []string                  `json:"required"`
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	schemas := doc.Components.Schemas
	for _, name := range []string{"Product", "ProductCreate", "ProductPatch", "User", "UserCreate", "UserPatch"} {
		assert.Contains(t, schemas, name)
	}
	assert.Contains(t, schemas["Product"].Properties, "id")
	assert.NotContains(t, schemas["ProductCreate"].Properties, "id", "the key is read-only")
	assert.Equal(t, []string{"name", "sku", "price"}, schemas["ProductCreate"].Required)
	assert.Empty(t, schemas["UserPatch"].Required, "a merge patch sets what it has")
	assert.Equal(t, "email", schemas["User"].Properties["email"]["format"])
	assert.EqualValues(t, 1, schemas["User"].Properties["name"]["minLength"])
	assert.EqualValues(t, 0, schemas["Product"].Properties["price"]["exclusiveMinimum"])
	assert.Equal(t, []struct{ Name string }{{"Products"}, {"Users"}}, doc.Tags)

	res, b := do(t, rt, http.MethodGet, "/docs", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(b), "openapi.json")
}

// logRecord is one line of the JSON log, with the attributes run logs.
type logRecord struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	Path  string `json:"path"`
	File  string `json:"file"`
	Error string `json:"error"`
}

// runWith calls run with o and returns its exit code, what it printed and
// its log.
func runWith(t *testing.T, o options) (int, string, []logRecord) {
	t.Helper()
	var stdout, logs bytes.Buffer
	code := run(o, &stdout, slog.New(slog.NewJSONHandler(&logs, nil)))
	var recs []logRecord
	sc := bufio.NewScanner(&logs)
	for sc.Scan() {
		var rec logRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line: %s", sc.Bytes())
		recs = append(recs, rec)
	}
	return code, stdout.String(), recs
}

// errorsOf returns the messages and errors of the error records.
func errorsOf(recs []logRecord) []string {
	var out []string
	for _, r := range recs {
		if r.Level == slog.LevelError.String() {
			out = append(out, r.Msg+": "+r.Error)
		}
	}
	return out
}

func TestRunRoutes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "shop.db")
	for range 2 { // the second run finds the tables there
		code, stdout, recs := runWith(t, options{db: file, routes: true})
		require.Equal(t, 0, code, "logs: %+v", recs)
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		require.Len(t, lines, 13, "stdout:\n%s", stdout)
		assert.Equal(t, []string{"METHODS", "PATH", "NAME", "TAGS"}, strings.Fields(lines[0]))
		assert.Equal(t, []string{"GET", "/products", "list_products", "Products"}, strings.Fields(lines[1]))
		assert.Equal(t, []string{"DELETE", "/users/{id}", "delete_users", "Users"}, strings.Fields(lines[12]))
	}
	// The file is kept, with the tables in it.
	db, err := openDB(file, true)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('products', 'users')`).Scan(&n))
	assert.Equal(t, 2, n)
}

// TestRunServeListenError runs the serving path up to the listener: the
// routes are logged and a bad address is an error. The temporary database
// is removed.
func TestRunServeListenError(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	code, _, recs := runWith(t, options{addr: "127.0.0.1:-1"})
	assert.Equal(t, 1, code)
	var paths []string
	var file string
	for _, r := range recs {
		switch r.Msg {
		case "route":
			paths = append(paths, r.Path)
		case "database":
			file = r.File
		}
	}
	assert.Equal(t, []string{"/products", "/products", "/products/{id}", "/products/{id}", "/products/{id}", "/products/{id}",
		"/users", "/users", "/users/{id}", "/users/{id}", "/users/{id}", "/users/{id}"}, paths)
	require.Len(t, errorsOf(recs), 1, "logs: %+v", recs)
	assert.Contains(t, errorsOf(recs)[0], "listen: ")
	assert.Contains(t, errorsOf(recs)[0], "invalid port")
	require.NotEmpty(t, file)
	_, err := os.Stat(filepath.Dir(file))
	assert.ErrorIs(t, err, os.ErrNotExist, "the temporary database is removed on exit")
}

func TestRunBadDatabase(t *testing.T) {
	dir := t.TempDir()
	notADB := filepath.Join(dir, "not.db")
	require.NoError(t, os.WriteFile(notADB, []byte("this is not a SQLite database, but long enough to look at its header"), 0o600))
	for _, tt := range []struct {
		name string
		o    options
		code int
		want string
	}{
		{"not a database", options{db: notADB, routes: true}, 1, "routes: create tables: "},
		{"a directory that does not exist", options{db: filepath.Join(dir, "no", "such.db"), routes: true}, 1, "routes: create tables: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, recs := runWith(t, tt.o)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, stdout)
			errs := errorsOf(recs)
			require.Len(t, errs, 1, "logs: %+v", recs)
			assert.Contains(t, errs[0], tt.want)
		})
	}
}

// testSchemaSQL makes the database the -schema tests serve: the common column
// types, a foreign key, a key the database does not assign and a table
// without a single-column key.
var testSchemaSQL = []string{
	`CREATE TABLE authors (
		id     INTEGER PRIMARY KEY,
		name   TEXT NOT NULL,
		email  VARCHAR(100) UNIQUE,
		born   DATE,
		active BOOLEAN NOT NULL DEFAULT 1
	)`,
	`CREATE TABLE books (
		id        INTEGER PRIMARY KEY AUTOINCREMENT,
		author_id INTEGER NOT NULL REFERENCES authors (id),
		title     TEXT NOT NULL,
		price     REAL CHECK (price > 0),
		published TIMESTAMP,
		cover     BLOB,
		meta      JSON
	)`,
	`CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT)`,
	`CREATE TABLE book_tags (book_id INTEGER, tag TEXT, PRIMARY KEY (book_id, tag))`,
	`INSERT INTO authors (name, email, born) VALUES ('Ursula K. Le Guin', 'ursula@example.com', '1929-10-21')`,
	`INSERT INTO tags VALUES ('sf', 'blue')`,
}

// newSchemaFile writes a SQLite file of testSchemaSQL and returns its path.
func newSchemaFile(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "library.db")
	db, err := openDB(file, false)
	require.NoError(t, err)
	defer db.Close()
	for _, stmt := range testSchemaSQL {
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	return file
}

// newSchemaAPI serves file in -schema mode, as run does, and returns the
// router and the warnings logged, as JSON lines.
func newSchemaAPI(t *testing.T, file string) (*dynroute.Router, []string) {
	t.Helper()
	db, err := openDB(file, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	var logs bytes.Buffer
	rt, err := newRouter(t.Context(), db, true, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	var warns []string
	sc := bufio.NewScanner(&logs)
	for sc.Scan() {
		var rec logRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		if rec.Level == slog.LevelWarn.String() {
			warns = append(warns, sc.Text())
		}
	}
	return rt, warns
}

func TestSchemaMode(t *testing.T) {
	file := newSchemaFile(t)
	rt, warns := newSchemaAPI(t, file)
	require.Len(t, warns, 1, "%s", strings.Join(warns, "\n"))
	assert.Contains(t, warns[0], `"book_tags"`, "no single-column key: skipped")

	body := want(t, rt, http.StatusOK, http.MethodGet, "/openapi.json", "")
	validateOpenAPI(t, body)
	validateOpenAPI(t, want(t, rt, http.StatusOK, http.MethodGet, "/openapi-3.0.json", ""))
	ops := operations(t, body)
	for _, op := range []string{
		"get /authors list_authors", "post /authors create_authors", "get /authors/{id} get_authors",
		"put /authors/{id} replace_authors", "patch /authors/{id} patch_authors", "delete /authors/{id} delete_authors",
		"get /books list_books", "post /books create_books", "get /tags/{id} get_tags",
		"post /tags create_tags", // the client gives the key the database does not assign
	} {
		assert.Contains(t, ops, op)
	}
	for _, op := range ops {
		assert.NotContains(t, op, "book_tags")
	}

	t.Run("a row written before", func(t *testing.T) {
		var got map[string]any
		require.NoError(t, json.Unmarshal(want(t, rt, http.StatusOK, http.MethodGet, "/authors/1", ""), &got))
		assert.Equal(t, "Ursula K. Le Guin", got["name"])
		assert.Equal(t, "ursula@example.com", got["email"])
		assert.Equal(t, true, got["active"], "SQLite's 1 is a boolean")
		assert.JSONEq(t, `{"name":"sf","color":"blue"}`, string(want(t, rt, http.StatusOK, http.MethodGet, "/tags/sf", "")))
	})
	t.Run("a key the client gives", func(t *testing.T) {
		want(t, rt, http.StatusCreated, http.MethodPost, "/tags", `{"name":"fantasy","color":"green"}`)
		assert.JSONEq(t, `{"name":"fantasy","color":"green"}`, string(want(t, rt, http.StatusOK, http.MethodGet, "/tags/fantasy", "")))
		wantProblem(t, rt, http.StatusConflict, http.MethodPost, "/tags", `{"name":"fantasy","color":"red"}`)
		wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodPost, "/tags", `{"color":"red"}`)
	})
	t.Run("round trip", func(t *testing.T) {
		id := create(t, rt, "/authors", `{"name":"Octavia E. Butler","email":"octavia@example.com","born":"1947-06-22"}`)
		item := fmt.Sprintf("/authors/%d", id)
		var got map[string]any
		require.NoError(t, json.Unmarshal(want(t, rt, http.StatusOK, http.MethodGet, item, ""), &got))
		assert.Equal(t, true, got["active"], "the column's default")
		want(t, rt, http.StatusOK, http.MethodPatch, item, `{"active":false}`)
		require.NoError(t, json.Unmarshal(want(t, rt, http.StatusOK, http.MethodGet, item, ""), &got))
		assert.Equal(t, false, got["active"])
		assert.Equal(t, "Octavia E. Butler", got["name"])

		book := create(t, rt, "/books", fmt.Sprintf(`{"author_id":%d,"title":"Kindred","price":9.5,"published":"1979-06-01T00:00:00Z","cover":"aGk=","meta":{"pages":264}}`, id))
		p := list[map[string]any](t, rt, fmt.Sprintf("/books?author_id=%d", id))
		require.Len(t, p.Items, 1)
		assert.EqualValues(t, book, p.Items[0]["id"])
		assert.Equal(t, "Kindred", p.Items[0]["title"])
		assert.Equal(t, map[string]any{"pages": float64(264)}, p.Items[0]["meta"])
		assert.Equal(t, "aGk=", p.Items[0]["cover"], "a BLOB in base64")
		assert.Equal(t, "1979-06-01T00:00:00Z", p.Items[0]["published"])
		assert.InDelta(t, 9.5, p.Items[0]["price"], 0)

		wantProblem(t, rt, http.StatusConflict, http.MethodPost, "/authors", `{"name":"another","email":"octavia@example.com"}`)
		wantProblem(t, rt, http.StatusConflict, http.MethodPost, "/books", `{"author_id":999,"title":"no such author"}`)
		p422 := wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodPost, "/books", `{"author_id":"x"}`)
		assert.Contains(t, p422.locs(), "body.title missing")
		// The CHECK is the database's: it refuses the row.
		wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodPost, "/books", fmt.Sprintf(`{"author_id":%d,"title":"free","price":-1}`, id))
		wantProblem(t, rt, http.StatusUnprocessableEntity, http.MethodGet, "/books?sort="+url.QueryEscape("title; DROP TABLE books"), "")

		want(t, rt, http.StatusNoContent, http.MethodDelete, fmt.Sprintf("/books/%d", book), "")
		want(t, rt, http.StatusNoContent, http.MethodDelete, item, "")
		wantProblem(t, rt, http.StatusNotFound, http.MethodGet, item, "")
	})
}

func TestRunSchema(t *testing.T) {
	t.Run("routes", func(t *testing.T) {
		file := newSchemaFile(t)
		code, stdout, recs := runWith(t, options{db: file, schema: true, routes: true})
		require.Equal(t, 0, code, "logs: %+v", recs)
		assert.Contains(t, stdout, "/authors/{id}")
		assert.Contains(t, stdout, "/books")
		assert.NotContains(t, stdout, "/products", "nothing of the models")
		db, err := openDB(file, false)
		require.NoError(t, err)
		defer db.Close()
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('products', 'users')`).Scan(&n))
		assert.Zero(t, n, "-schema creates nothing")
		var mode string
		require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		assert.Equal(t, "delete", mode, "nor changes the file's journal mode")
	})
	t.Run("-db is required", func(t *testing.T) {
		code, stdout, recs := runWith(t, options{schema: true, routes: true})
		assert.Equal(t, 2, code)
		assert.Empty(t, stdout)
		require.Len(t, errorsOf(recs), 1, "logs: %+v", recs)
		assert.Contains(t, errorsOf(recs)[0], "give its file with -db")
	})
	t.Run("a missing file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "missing.db")
		code, _, recs := runWith(t, options{db: file, schema: true, routes: true})
		assert.Equal(t, 1, code)
		require.Len(t, errorsOf(recs), 1, "logs: %+v", recs)
		assert.Contains(t, errorsOf(recs)[0], "no such file")
		_, err := os.Stat(file)
		assert.ErrorIs(t, err, os.ErrNotExist, "not created")
	})
	t.Run("a bad address", func(t *testing.T) {
		code, _, recs := runWith(t, options{db: newSchemaFile(t), schema: true, addr: "127.0.0.1:-1"})
		assert.Equal(t, 1, code)
		require.Len(t, errorsOf(recs), 1, "logs: %+v", recs)
		assert.Contains(t, errorsOf(recs)[0], "listen: ")
	})
}
