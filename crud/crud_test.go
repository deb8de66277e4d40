package crud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type crudProduct struct {
	ID    int64    `json:"id"`
	Name  string   `json:"name" minLength:"1" maxLength:"40"`
	Price float64  `json:"price" exclusiveMinimum:"0"`
	Stock int      `json:"stock"`
	Note  *string  `json:"note,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	Audit string   `json:"audit,omitempty"`
}

// crudRouter serves CRUD routes for products over a MemoryStore.
func crudRouter(t *testing.T) (*dynroute.Router, *MemoryStore[crudProduct, int64]) {
	var next atomic.Int64
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, func() int64 { return next.Add(1) })
	rt := dynroute.New(nil)
	require.NoError(t, Register(rt, "/products", Store[crudProduct, int64](store), &Options{ReadOnly: []string{"audit"}, MaxLimit: 50}))
	return rt, store
}

// call sends a request with a JSON body (if any) and decodes the answer.
func call(t *testing.T, rt http.Handler, method, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	var out map[string]any
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), "body: %s", w.Body.String())
	}
	return w.Code, w.Header(), out
}

func TestCRUDRoundTrip(t *testing.T) {
	rt, store := crudRouter(t)

	code, h, got := call(t, rt, "POST", "/products", `{"name":"pen","price":1.5,"stock":3,"id":99,"audit":"forged"}`)
	require.Equal(t, http.StatusCreated, code, "%v", got)
	assert.Equal(t, "/products/1", h.Get("Location"))
	assert.Equal(t, map[string]any{"id": 1.0, "name": "pen", "price": 1.5, "stock": 3.0}, got, "the key and read-only members are the store's")

	for _, p := range []string{`{"name":"ink","price":4,"stock":0}`, `{"name":"pad","price":2,"stock":3}`} {
		code, _, _ = call(t, rt, "POST", "/products", p)
		require.Equal(t, http.StatusCreated, code)
	}

	code, _, got = call(t, rt, "GET", "/products/2", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ink", got["name"])

	code, _, got = call(t, rt, "GET", "/products?stock=3&sort=-price,name&limit=1", "")
	require.Equal(t, http.StatusOK, code, "%v", got)
	assert.Equal(t, 2.0, got["total"])
	assert.Equal(t, 1.0, got["limit"])
	items := got["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, "pad", items[0].(map[string]any)["name"])
	_, _, got = call(t, rt, "GET", "/products?stock=3&sort=-price,name&limit=1&offset=1", "")
	assert.Equal(t, "pen", got["items"].([]any)[0].(map[string]any)["name"])
	_, _, got = call(t, rt, "GET", "/products?offset=10", "")
	assert.Equal(t, []any{}, got["items"])
	assert.Equal(t, 3.0, got["total"])

	code, _, got = call(t, rt, "PUT", "/products/2", `{"name":"ink","price":5,"stock":1,"note":"blue"}`)
	require.Equal(t, http.StatusOK, code, "%v", got)
	assert.Equal(t, map[string]any{"id": 2.0, "name": "ink", "price": 5.0, "stock": 1.0, "note": "blue"}, got)

	code, _, got = call(t, rt, "PATCH", "/products/2", `{"price":6,"note":null,"id":7}`)
	require.Equal(t, http.StatusOK, code, "%v", got)
	assert.Equal(t, map[string]any{"id": 2.0, "name": "ink", "price": 6.0, "stock": 1.0}, got, "null removes; the key stays")

	code, _, _ = call(t, rt, "DELETE", "/products/2", "")
	assert.Equal(t, http.StatusNoContent, code)
	code, _, got = call(t, rt, "GET", "/products/2", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "No such item.", got["detail"])

	_, total, err := store.List(t.Context(), ListQuery{Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, 2, total)
}

func TestCRUDBadRequests(t *testing.T) {
	rt, store := crudRouter(t)
	code, _, _ := call(t, rt, "POST", "/products", `{"name":"pen","price":1,"stock":1}`)
	require.Equal(t, http.StatusCreated, code)

	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantType                   string // the first error's type
		wantLoc                    []any
	}{
		{"missing member", "POST", "/products", `{"price":1,"stock":1}`, 422, "missing", []any{"body", "name"}},
		{"wrong type", "POST", "/products", `{"name":"a","price":"x","stock":1}`, 422, "float_type", []any{"body", "price"}},
		{"constraint", "POST", "/products", `{"name":"a","price":0,"stock":1}`, 422, "greater_than", []any{"body", "price"}},
		{"not JSON", "POST", "/products", `{"name":`, 422, "json_invalid", []any{"body"}},
		{"no body", "POST", "/products", ``, 422, "missing", []any{"body"}},
		{"bad key", "GET", "/products/abc", "", 422, "key_parsing", []any{"path", "id"}},
		{"key out of range", "GET", "/products/99999999999999999999", "", 422, "key_parsing", []any{"path", "id"}},
		{"limit too large", "GET", "/products?limit=51", "", 422, "range", []any{"query", "limit"}},
		{"negative offset", "GET", "/products?offset=-1", "", 422, "greater_than_equal", []any{"query", "offset"}},
		{"unknown filter", "GET", "/products?colour=red", "", 422, "extra_forbidden", []any{"query", "colour"}},
		{"filter of the wrong type", "GET", "/products?stock=many", "", 422, "filter_parsing", []any{"query", "stock"}},
		{"sort injection", "GET", "/products?sort=name%3BDROP%20TABLE%20products", "", 422, "sort_field", []any{"query", "sort"}},
		{"semicolon in the query", "GET", "/products?sort=name;DROP%20TABLE%20products", "", 422, "query_parsing", []any{"query"}},
		{"bad escape in a value", "GET", "/products?name=%zz", "", 422, "query_parsing", []any{"query", "name"}},
		{"bad escape in a name", "GET", "/products?na%zzme=x", "", 422, "query_parsing", []any{"query"}},
		{"sort on a list member", "GET", "/products?sort=tags", "", 422, "sort_field", []any{"query", "sort"}},
		{"patch of the wrong type", "PATCH", "/products/1", `{"price":"free"}`, 422, "float_type", []any{"body", "price"}},
		{"patch breaking the item", "PATCH", "/products/1", `{"name":null}`, 422, "missing", []any{"body", "name"}},
		{"patch not an object", "PATCH", "/products/1", `[1]`, 422, "object_type", []any{"body"}},
		{"replace missing", "PUT", "/products/7", `{"name":"a","price":1,"stock":1}`, 404, "", nil},
		{"delete missing", "DELETE", "/products/7", "", 404, "", nil},
		{"patch missing", "PATCH", "/products/7", `{"stock":2}`, 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, got := call(t, rt, tt.method, tt.target, tt.body)
			require.Equal(t, tt.wantStatus, code, "%v", got)
			assert.Equal(t, "application/problem+json", h.Get("Content-Type"))
			if tt.wantType == "" {
				return
			}
			errs, ok := got["errors"].([]any)
			require.True(t, ok, "%v", got)
			first := errs[0].(map[string]any)
			assert.Equal(t, tt.wantType, first["type"], "%v", first)
			assert.Equal(t, tt.wantLoc, first["loc"])
		})
	}
	// Nothing changed.
	items, total, err := store.List(t.Context(), ListQuery{Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	assert.Equal(t, crudProduct{ID: 1, Name: "pen", Price: 1, Stock: 1}, items[0])
	// A filter value with SQL in it is data.
	code, _, got := call(t, rt, "GET", "/products?name=pen'%20OR%20'1'='1", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 0.0, got["total"])
}

// TestCRUDQueryAnswers: a list query's problems are answered in the
// library's words, never Go's, and the answer stays small whatever the
// query holds.
func TestCRUDQueryAnswers(t *testing.T) {
	rt, _ := crudRouter(t)
	var unknown strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&unknown, "k%d&", i)
	}
	for _, tt := range []struct {
		name, query string
		wantErrors  int
	}{
		{"10,000 unknown parameters", unknown.String()[:unknown.Len()-1], jsonschema.MaxErrors},
		{"more parameters than are read", unknown.String() + "k", 1},
		{"a huge unknown parameter", strings.Repeat("k", 600<<10) + "=1", 1},
		{"a huge value of the wrong type", "stock=" + strings.Repeat("x", 600<<10), 1},
		{"many semicolons", strings.Repeat("a;b&", 5000), jsonschema.MaxErrors},
		{"many bad escapes", strings.Repeat("name=%zz&", 5000), jsonschema.MaxErrors},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest("GET", "/products?"+tt.query, nil))
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.LessOrEqual(t, w.Body.Len(), 64<<10)
			var p typed.ValidationProblem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			assert.Len(t, p.Errors, tt.wantErrors)
			for _, fe := range p.Errors {
				b, err := json.Marshal(fe.Input)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(b), 1024, "the echo of %v", fe.Loc)
				for _, goText := range []string{"invalid URL escape", "invalid semicolon", "exceeded limit"} {
					assert.NotContains(t, fe.Msg, goText)
				}
			}
		})
	}
}

// conflictStore answers every create with ErrConflict.
type conflictStore struct {
	Store[crudProduct, int64]
}

func (conflictStore) Create(_ context.Context, p crudProduct) (crudProduct, error) {
	return p, fmt.Errorf("unique name: %w", ErrConflict)
}

func TestCRUDConflictAndStoreErrors(t *testing.T) {
	_, mem := crudRouter(t)
	rt := dynroute.New(nil)
	require.NoError(t, Register(rt, "/products", Store[crudProduct, int64](conflictStore{mem}), nil))
	code, _, got := call(t, rt, "POST", "/products", `{"name":"pen","price":1,"stock":1}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "The item conflicts with one that exists.", got["detail"])
}

func TestCRUDConcurrentCreates(t *testing.T) {
	rt, store := crudRouter(t)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				body := fmt.Sprintf(`{"name":"p%d-%d","price":1,"stock":%d}`, g, i, i)
				resp, err := srv.Client().Post(srv.URL+"/products", "application/json", strings.NewReader(body))
				if err != nil || resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	items, total, err := store.List(t.Context(), ListQuery{Limit: 1000})
	require.NoError(t, err)
	assert.Equal(t, 200, total)
	ids := map[int64]bool{}
	for _, p := range items {
		ids[p.ID] = true
	}
	assert.Len(t, ids, 200, "distinct keys")
}

func TestCRUDOpenAPI(t *testing.T) {
	rt, _ := crudRouter(t)
	res := testkit.Get(t, rt, "/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	body := testkit.ReadBody(t, res)
	testkit.Golden(t, "testdata/openapi/crud.json", testkit.IndentJSON(t, body))
	testkit.ValidOpenAPI(t, body)
	doc := rt.OpenAPI()
	var ops []string
	for _, item := range doc.Paths {
		for _, op := range item.Operations {
			ops = append(ops, op.Method+" "+item.Path+" "+op.OperationID)
		}
	}
	assert.Equal(t, []string{
		"GET /products list_products", "POST /products create_products",
		"GET /products/{id} get_products", "PUT /products/{id} replace_products",
		"DELETE /products/{id} delete_products", "PATCH /products/{id} patch_products",
	}, ops)
	create, err := json.Marshal(doc.Components["CrudProductCreate"])
	require.NoError(t, err)
	assert.NotContains(t, string(create), `"id"`)
	assert.NotContains(t, string(create), `"audit"`)
}

func TestOptions(t *testing.T) {
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, nil)
	tests := []struct {
		name   string
		prefix string
		opts   *Options
		want   error
	}{
		{"no prefix", "", nil, dynroute.ErrInvalidPath},
		{"bad prefix", "/p/", nil, dynroute.ErrInvalidPath},
		{"unknown operation", "/p", &Options{Operations: []Operation{"upsert"}}, ErrInvalidOptions},
		{"no such key member", "/p", &Options{IDField: "sku"}, ErrInvalidOptions},
		{"bad limits", "/p", &Options{DefaultLimit: 50, MaxLimit: 10}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Register(dynroute.New(nil), tt.prefix, Store[crudProduct, int64](store), tt.opts)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("some operations", func(t *testing.T) {
		rt := dynroute.New(nil)
		require.NoError(t, Register(rt, "/p", Store[crudProduct, int64](store), &Options{Operations: []Operation{List, Get}}))
		assert.Len(t, rt.Routes(), 2)
		assert.Equal(t, http.StatusMethodNotAllowed, testkit.Serve(rt, "POST", "/p").Code)
	})
	t.Run("a clash adds nothing", func(t *testing.T) {
		rt := dynroute.New(nil)
		rt.MustAddAPIRoute("/p/{id}", []string{"DELETE"}, echoPath, nil)
		err := Register(rt, "/p", Store[crudProduct, int64](store), nil)
		require.ErrorIs(t, err, dynroute.ErrDuplicateRoute)
		assert.Len(t, rt.Routes(), 1)
	})
}

// TestCRUDMapItems serves rows as maps with a schema given in the options,
// as a schema-driven API does.
func TestCRUDMapItems(t *testing.T) {
	schema := &jsonschema.Schema{Type: "object", Properties: []jsonschema.Property{
		{Name: "key", Schema: &jsonschema.Schema{Type: "string"}},
		{Name: "title", Schema: &jsonschema.Schema{Type: "string", MinLength: ptr(1)}},
	}, Required: []string{"key", "title"}}
	rt := dynroute.New(nil)
	mem := &mapStore{items: map[string]map[string]any{}}
	require.NoError(t, Register(rt, "/notes", Store[map[string]any, string](mem), &Options{Schema: schema, SchemaName: "Note", IDField: "key"}))
	code, h, got := call(t, rt, "POST", "/notes", `{"title":"hi"}`)
	require.Equal(t, http.StatusCreated, code, "%v", got)
	assert.Equal(t, "/notes/n1", h.Get("Location"))
	code, _, got = call(t, rt, "POST", "/notes", `{"title":""}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code, "%v", got)
	code, _, got = call(t, rt, "PATCH", "/notes/n1", `{"title":"there"}`)
	require.Equal(t, http.StatusOK, code, "%v", got)
	assert.Equal(t, map[string]any{"key": "n1", "title": "there"}, got)
	b, err := rt.OpenAPI().MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"NoteCreate"`)
	testkit.ValidOpenAPI(t, b)
}

// mapStore is a minimal Store of map rows keyed by "key".
type mapStore struct {
	mu    sync.Mutex
	items map[string]map[string]any
	n     int
}

func (s *mapStore) List(context.Context, ListQuery) ([]map[string]any, int, error) {
	return nil, 0, nil
}
func (s *mapStore) Get(_ context.Context, id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.items[id]; ok {
		return m, nil
	}
	return nil, ErrNotFound
}
func (s *mapStore) Create(_ context.Context, m map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	m["key"] = fmt.Sprintf("n%d", s.n)
	s.items[m["key"].(string)] = m
	return m, nil
}
func (s *mapStore) Replace(_ context.Context, id string, m map[string]any) (map[string]any, error) {
	return m, nil
}
func (s *mapStore) Patch(_ context.Context, id string, apply func(*map[string]any) error) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.items[id]
	if !ok {
		return nil, ErrNotFound
	}
	if err := apply(&m); err != nil {
		return nil, err
	}
	s.items[id] = m
	return m, nil
}
func (s *mapStore) Delete(context.Context, string) error { return nil }

// TestCRUDSource checks that the routes of CRUD record the file and line of
// its call.
func TestCRUDSource(t *testing.T) {
	rt := dynroute.New(nil)
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, nil)
	_, file, line, _ := runtime.Caller(0)
	err := Register(rt, "/x", store, nil)
	require.NoError(t, err)
	routes := rt.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		assert.Equal(t, dynroute.Source{File: filepath.Base(file), Line: line + 1}, r.Source, r.Name)
	}
}

// echoPath answers with the request's path and pattern.
var echoPath = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "pattern": r.Pattern})
})

// TestCRUDFastAPIErrors: on a Router with dynroute.FastAPIErrors the CRUD
// routes answer and document their errors as FastAPI does.
func TestCRUDFastAPIErrors(t *testing.T) {
	var next atomic.Int64
	store := NewMemoryStore(func(p *crudProduct) *int64 { return &p.ID }, func() int64 { return next.Add(1) })
	rt := dynroute.New(&dynroute.Options{ErrorStyle: dynroute.FastAPIErrors})
	require.NoError(t, Register(rt, "/products", Store[crudProduct, int64](store), nil))
	for _, tt := range []struct {
		method, target, body string
		status               int
		want                 string
	}{
		{"GET", "/products/7", "", 404, `{"detail":"No such item."}`},
		{"GET", "/products/abc", "", 422, `{"detail":[{"loc":["path","id"],"msg":"Input should be a valid integer key","type":"key_parsing","input":"abc"}]}`},
		{"POST", "/products", `{"price":1,"stock":1}`, 422, `{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing","input":null}]}`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/json")
		rt.ServeHTTP(w, r)
		assert.Equal(t, tt.status, w.Code, "%s %s", tt.method, tt.target)
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		assert.JSONEq(t, tt.want, w.Body.String(), "%s %s", tt.method, tt.target)
	}
	doc, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"#/components/schemas/HTTPValidationError"`)
	assert.NotContains(t, string(doc), "application/problem+json")
	testkit.ValidOpenAPI(t, doc)
}
