package crud

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/sqlname"
	"github.com/dynroute/dynroute/internal/testdb"
	"github.com/stretchr/testify/require"
)

// fuzzDeclaredType is what FuzzFromSchema accepts as a column's declared
// type and constraints: words, numbers and parentheses, so that the fuzzed
// text stays inside the column definition.
var fuzzDeclaredType = regexp.MustCompile(`^[A-Za-z0-9 _(),.+-]{0,60}$`)

// FuzzFromSchema serves a SQLite table of an arbitrary name with a column
// of an arbitrary name and declared type (SQLite takes any type name, and
// FromSchema reads its kind from it) holding an arbitrary value. FromSchema
// must not panic; its error wraps one of its sentinels; without one the
// OpenAPI document is valid JSON, every GET route answers below 500 (a 200
// with JSON), and a row read and written back (PUT) is refused with a 4xx
// or reads back the same.
func FuzzFromSchema(f *testing.F) {
	for _, s := range []struct {
		table, column, typ string
		kind               uint8
		value              string
	}{
		{"products", "name", "TEXT NOT NULL", 0, "Widget"},
		{"products", "price", "REAL", 3, "9.99"},
		{"orders", "placed_at", "DATETIME", 0, "2024-05-06 07:08:09"},
		{"orders", "placed_at", "TIMESTAMP", 2, "1714979289"},
		{"events", "day", "DATE", 0, "2024-02-30"},
		{"flags", "on", "BOOLEAN", 2, "2"},
		{"docs", "body", "JSON", 0, `{"a":[1,2]}`},
		{"docs", "body", "JSONB", 0, `{"a":`},
		{"files", "data", "BLOB", 4, "\x00\xff"},
		{"anything", "v", "", 3, "1e308"},
		{"anything", "v", "", 4, "\xff\xfe"},
		{"counts", "n", "INTEGER", 0, "abc"},
		{"counts", "n", "BIGINT", 3, "1.5"},
		{"counts", "n", "INT8 NOT NULL DEFAULT 0", 2, "-9223372036854775808"},
		{"names", "code", "VARCHAR(3)", 0, "toolong"},
		{"names", "code", "CHARACTER VARYING ( 10 )", 0, "ü"},
		{"ids", "u", "UUID", 0, "not-a-uuid"},
		{"money", "amount", "DECIMAL(10,2)", 0, "12.50"},
		{"money", "amount", "NUMERIC", 0, "Inf"},
		{"gen", "twice", "INT GENERATED ALWAYS AS (id * 2)", 1, ""},
		{"order_items", "id2", "INTEGER UNIQUE", 2, "1"},
		{"bad name", "x y", "TEXT", 0, "v"},
		{"with/slash", `q"uote`, "TEXT", 0, "v"},
		{"openapi.json", "id_", "TEXT", 0, ""},
		{"ü", "ß", "FLOATING POINT", 0, "NaN"},
		{"t", "c", "DOUBLE PRECISION", 3, "-0"},
	} {
		f.Add(s.table, s.column, s.typ, s.kind, s.value)
	}
	discard := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, table, column, typ string, kind uint8, value string) {
		if !fuzzDeclaredType.MatchString(typ) || strings.EqualFold(column, "id") {
			return
		}
		ctx := context.Background()
		db, err := sql.Open("sqlite", ":memory:")
		require.NoError(t, err)
		defer db.Close()
		db.SetMaxOpenConns(1) // one connection, one in-memory database
		if _, err := db.Exec(`CREATE TABLE ` + sqlname.Quote(table) + ` (id INTEGER PRIMARY KEY, ` + sqlname.Quote(column) + ` ` + typ + `)`); err != nil {
			return // not a table SQLite takes
		}
		if _, err := db.Exec(`INSERT INTO `+sqlname.Quote(table)+` (id, `+sqlname.Quote(column)+`) VALUES (1, ?)`, testdb.FuzzValue(kind, value)); err != nil {
			_, err = db.Exec(`INSERT INTO ` + sqlname.Quote(table) + ` (id) VALUES (1)`)
			if err != nil {
				return // a NOT NULL column without a default, a CHECK
			}
		}

		rt := dynroute.New(&dynroute.Options{Docs: &dynroute.DocsOptions{Disabled: true}})
		err = FromSchema(ctx, rt, db, &FromSchemaOptions{Logger: discard})
		if err != nil {
			known := []error{ErrInvalidOptions, dynroute.ErrInvalidOptions, ErrUnsupportedTable, dynroute.ErrInvalidPath, dynroute.ErrConflict, dynroute.ErrDuplicateRoute, dynroute.ErrDuplicateName, dynroute.ErrDuplicateOperationID}
			require.True(t, slices.ContainsFunc(known, func(s error) bool { return errors.Is(err, s) }), "error wraps none of the sentinels: %v", err)
			return
		}
		doc, err := rt.OpenAPI().MarshalJSON()
		require.NoError(t, err)
		require.True(t, json.Valid(doc), "the document is not JSON")
		serve := func(method, path string, body []byte) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, "/", bytes.NewReader(body))
			r.URL.Path = path
			if body != nil {
				r.Header.Set("Content-Type", "application/json")
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			require.Less(t, w.Code, 500, "%s %s: %s", method, path, w.Body.String())
			return w
		}
		var item, replace string
		for _, route := range rt.Routes() {
			path := strings.NewReplacer("{id}", "1").Replace(route.Path)
			switch {
			case slices.Contains(route.Methods, "GET"):
				w := serve("GET", path, nil)
				if w.Code == http.StatusOK {
					require.True(t, json.Valid(w.Body.Bytes()), "GET %s: %s", path, w.Body.String())
				}
				if path != route.Path {
					item = path
				}
			case slices.Contains(route.Methods, "PUT"):
				replace = path
			}
		}
		if item == "" || replace == "" {
			return
		}
		got := serve("GET", item, nil)
		if got.Code != http.StatusOK {
			return
		}
		put := serve("PUT", replace, got.Body.Bytes())
		if put.Code >= 400 {
			return // a value the column's schema does not allow
		}
		again := serve("GET", item, nil)
		require.Equal(t, http.StatusOK, again.Code)
		require.JSONEq(t, got.Body.String(), again.Body.String(), "table %q column %q %s holding %#v, written back", table, column, typ, testdb.FuzzValue(kind, value))
	})
}
