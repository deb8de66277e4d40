package dynroute

import (
	"context"
	"database/sql"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documentedRoutesTable returns the CREATE TABLE statement of LoadSQL's doc
// comment, so that the test proves the documented table works.
func documentedRoutesTable(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "config_sql.go", nil, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "LoadSQL" {
			continue
		}
		doc := fn.Doc.Text()
		start := strings.Index(doc, "CREATE TABLE")
		end := strings.Index(doc, ");")
		require.True(t, start >= 0 && end > start, "LoadSQL's doc comment has a CREATE TABLE")
		return doc[start : end+2]
	}
	t.Fatal("no LoadSQL in config_sql.go")
	return ""
}

func TestLoadSQL(t *testing.T) {
	db := testdb.SQLite(t, documentedRoutesTable(t),
		`INSERT INTO routes (id, name, path, methods, handler, tags, summary, description, status_code, operation_id, deprecated, hidden, enabled) VALUES
		 (3, 'dynamic_products', '/dynamic/products/{product_id}', 'GET, POST', 'handle_dynamic_product', 'Dynamic', 'A product', 'One of them', 200, 'getProduct', TRUE, FALSE, TRUE),
		 (1, 'dynamic_users', '/dynamic/users', 'GET', 'get_dynamic_users', 'Admin,Dynamic', NULL, NULL, NULL, NULL, FALSE, TRUE, TRUE),
		 (2, 'old', '/old', 'GET', 'get_admin_area', NULL, NULL, NULL, NULL, NULL, FALSE, FALSE, FALSE)`,
		`INSERT INTO routes (id, path, methods, handler) VALUES (7, '/dynamic/admin', 'GET', 'get_admin_area')`,
	)
	specs, err := LoadSQL(context.Background(), db, "routes")
	require.NoError(t, err)
	want := []RouteSpec{
		{Name: "dynamic_users", Path: "/dynamic/users", Methods: []string{"GET"}, Handler: "get_dynamic_users",
			Tags: []string{"Admin", "Dynamic"}, Hidden: true, Source: Source{Table: "routes", Key: "1"}},
		{Name: "dynamic_products", Path: "/dynamic/products/{product_id}", Methods: []string{"GET", "POST"},
			Handler: "handle_dynamic_product", Tags: []string{"Dynamic"}, Summary: "A product", Description: "One of them",
			StatusCode: 200, OperationID: "getProduct", Deprecated: true, Source: Source{Table: "routes", Key: "3"}},
		{Path: "/dynamic/admin", Methods: []string{"GET"}, Handler: "get_admin_area", Source: Source{Table: "routes", Key: "7"}},
	}
	assert.Equal(t, want, specs, "ordered by id, NULLs empty, the disabled row left out, defaults applied")

	t.Run("in a transaction", func(t *testing.T) {
		tx, err := db.BeginTx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback()
		_, err = tx.Exec(`DELETE FROM routes WHERE id = 7`)
		require.NoError(t, err)
		got, err := LoadSQL(t.Context(), tx, "routes")
		require.NoError(t, err)
		assert.Equal(t, want[:2], got, "the transaction's view of the table")
		var nilDB *sql.DB
		_, err = LoadSQL(t.Context(), nilDB, "routes")
		assert.ErrorContains(t, err, "nil context or database")
	})

	t.Run("AddRoutes and dispatch", func(t *testing.T) {
		rt := specRouter(t, true)
		_, err := rt.AddRoutes(specs, nil)
		require.NoError(t, err)
		tests := []struct {
			method, path string
			code         int
			body         string
		}{
			{"GET", "/dynamic/users", 200, "get_dynamic_users /dynamic/users"},
			{"POST", "/dynamic/products/9", 200, "handle_dynamic_product /dynamic/products/{product_id}"},
			{"GET", "/dynamic/admin", 200, "get_admin_area /dynamic/admin"},
			{"GET", "/old", 404, ""},
		}
		for _, tt := range tests {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			assert.Equal(t, tt.code, w.Code, "%s %s", tt.method, tt.path)
			if tt.body != "" {
				assert.Equal(t, tt.body, w.Body.String())
			}
		}
		assert.Equal(t, Source{Table: "routes", Key: "3"}, rt.Routes()[1].Source)
	})
}

func TestLoadSQLTables(t *testing.T) {
	tests := []struct {
		name  string
		stmts []string
		table string
		want  []RouteSpec
	}{
		{
			name: "only the required columns, more of its own, other case",
			stmts: []string{
				`CREATE TABLE api_routes (ID INTEGER PRIMARY KEY, Path TEXT, METHODS TEXT, handler TEXT, updated_at TIMESTAMP, owner TEXT)`,
				`INSERT INTO api_routes VALUES (1, '/a', 'GET', 'h', '2024-01-01 00:00:00', 'ann')`,
			},
			table: "api_routes",
			want:  []RouteSpec{{Path: "/a", Methods: []string{"GET"}, Handler: "h", Source: Source{Table: "api_routes", Key: "1"}}},
		},
		{
			name: "schema-qualified name",
			stmts: []string{
				`CREATE TABLE routes (id INTEGER PRIMARY KEY, path TEXT, methods TEXT, handler TEXT)`,
				`INSERT INTO routes VALUES (1, '/a', 'GET', 'h')`,
			},
			table: "main.routes",
			want:  []RouteSpec{{Path: "/a", Methods: []string{"GET"}, Handler: "h", Source: Source{Table: "main.routes", Key: "1"}}},
		},
		{
			name: "text keys, text booleans and text status codes",
			stmts: []string{
				`CREATE TABLE r (id TEXT PRIMARY KEY, path TEXT, methods TEXT, handler TEXT, status_code TEXT, deprecated TEXT, hidden TEXT, enabled TEXT)`,
				`INSERT INTO r VALUES ('b', '/b', 'GET', 'h', ' 201 ', 'true', 'f', NULL)`,
				`INSERT INTO r VALUES ('a', '/a', 'GET', 'h', '', '', '', '')`,
				`INSERT INTO r VALUES ('c', '/c', 'GET', 'h', NULL, NULL, NULL, 'false')`,
			},
			table: "r",
			want: []RouteSpec{
				{Path: "/a", Methods: []string{"GET"}, Handler: "h", Source: Source{Table: "r", Key: "a"}},
				{Path: "/b", Methods: []string{"GET"}, Handler: "h", StatusCode: 201, Deprecated: true, Source: Source{Table: "r", Key: "b"}},
			},
		},
		{
			name:  "empty table",
			stmts: []string{`CREATE TABLE routes (id INTEGER PRIMARY KEY, path TEXT, methods TEXT, handler TEXT)`},
			table: "routes",
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := testdb.SQLite(t, tt.stmts...)
			specs, err := LoadSQL(context.Background(), db, tt.table)
			require.NoError(t, err)
			assert.Equal(t, tt.want, specs)
		})
	}
}

func TestLoadSQLErrors(t *testing.T) {
	// name has no type, so SQLite keeps a REAL there as a REAL.
	const table = `CREATE TABLE routes (id INTEGER PRIMARY KEY, name, path TEXT, methods TEXT, handler TEXT,
		status_code INTEGER, deprecated BOOLEAN, hidden BOOLEAN, enabled BOOLEAN)`
	tests := []struct {
		name      string
		stmts     []string
		table     string
		wantKeys  []string // keys of the specs still read
		wantErrs  []string // one substring per problem
		notConfig bool     // a database error, not ErrInvalidConfig
	}{
		{
			name:     "bad table name",
			table:    `routes"; DROP TABLE routes; --`,
			wantErrs: []string{`table name "routes\"; DROP TABLE routes; --": want an identifier`},
		},
		{name: "empty table name", table: "", wantErrs: []string{`table name ""`}},
		{name: "three parts", table: "a.b.c", wantErrs: []string{`table name "a.b.c"`}},
		{name: "leading digit", table: "1routes", wantErrs: []string{`table name "1routes"`}},
		{
			name:     "missing required columns",
			stmts:    []string{`CREATE TABLE routes (id INTEGER PRIMARY KEY, route_path TEXT, handler TEXT)`},
			table:    "routes",
			wantErrs: []string{`table routes has no column path, methods (it has id, route_path, handler); required: id, path, methods, handler`},
		},
		{
			name:      "no such table",
			table:     "nope",
			wantErrs:  []string{`dynroute: LoadSQL: table nope: `},
			notConfig: true,
		},
		{
			name: "values of the wrong type",
			stmts: []string{table,
				`INSERT INTO routes VALUES (1, 'good', '/good', 'GET', 'h', 200, 0, 0, 1)`,
				`INSERT INTO routes VALUES (2, 'users', '/users', 'GET', 'h', 'abc', 0, 0, 1)`,
				`INSERT INTO routes VALUES (3, 'float', '/float', 'GET', 'h', 20.5, 2, 'maybe', 1)`,
				`INSERT INTO routes VALUES (4, 1.5, '/name', 'GET', 'h', NULL, NULL, NULL, NULL)`,
				`INSERT INTO routes VALUES (5, 'off', '/off', 'GET', 'h', NULL, NULL, NULL, 'perhaps')`,
				`INSERT INTO routes VALUES (6, 'two', '/two', 'GET', 'h', NULL, NULL, NULL, 2)`,
			},
			table:    "routes",
			wantKeys: []string{"1", "2", "3", "4"},
			wantErrs: []string{
				`route "users" GET /users (table routes key 2): invalid route config: column status_code is string "abc", want an integer`,
				`route "float" GET /float (table routes key 3): invalid route config: column status_code is float64 20.5, want an integer`,
				`(table routes key 3): invalid route config: column deprecated is int64 2, want a boolean`,
				`(table routes key 3): invalid route config: column hidden is string "maybe", want a boolean`,
				`route GET /name (table routes key 4): invalid route config: column name is float64 1.5, want text`,
				`route "off" GET /off (table routes key 5): invalid route config: column enabled is string "perhaps", want a boolean (true, false, 1 or 0); the row is left out`,
				`route "two" GET /two (table routes key 6): invalid route config: column enabled is int64 2, want a boolean (true, false, 1 or 0); the row is left out`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := testdb.SQLite(t, tt.stmts...)
			specs, err := LoadSQL(context.Background(), db, tt.table)
			require.Error(t, err)
			if tt.notConfig {
				assert.NotErrorIs(t, err, ErrInvalidConfig)
			} else {
				assert.ErrorIs(t, err, ErrInvalidConfig)
			}
			var keys []string
			for _, s := range specs {
				keys = append(keys, s.Source.Key)
			}
			assert.Equal(t, tt.wantKeys, keys)
			problems := splitJoinedErrs(t, err)
			require.Len(t, problems, len(tt.wantErrs), "%v", err)
			for i, p := range problems {
				assert.Contains(t, p.Error(), tt.wantErrs[i])
			}
		})
	}

	t.Run("the table survives a hostile name", func(t *testing.T) {
		db := testdb.SQLite(t, table)
		_, err := LoadSQL(context.Background(), db, `routes"; DROP TABLE routes; --`)
		require.Error(t, err)
		_, err = LoadSQL(context.Background(), db, "routes")
		require.NoError(t, err)
	})

	t.Run("nil database", func(t *testing.T) {
		_, err := LoadSQL(context.Background(), nil, "routes")
		require.Error(t, err)
	})

	t.Run("cancelled context", func(t *testing.T) {
		db := testdb.SQLite(t, table)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := LoadSQL(ctx, db, "routes")
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestLoadSQLProblemsWithAddRoutes(t *testing.T) {
	// A bad value is the loader's problem; an unknown handler is AddRoutes'.
	db := testdb.SQLite(t, documentedRoutesTable(t),
		`INSERT INTO routes (id, name, path, methods, handler, status_code) VALUES
		 (1, 'dynamic_users', '/dynamic/users', 'GET', 'get_dynamic_users', 'abc'),
		 (2, 'orders', '/orders', 'GET', 'get_orders', NULL)`)
	specs, err := LoadSQL(context.Background(), db, "routes")
	require.Error(t, err)
	require.Len(t, specs, 2)
	rt := specRouter(t, false)
	_, err = rt.AddRoutes(specs, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownHandler)
	assert.Contains(t, err.Error(), `route "orders" GET /orders (table routes key 2): unknown handler "get_orders"`)

	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("GET", "/dynamic/users", nil))
	assert.Equal(t, http.StatusNotFound, w.Code, "strict AddRoutes added nothing")
}
