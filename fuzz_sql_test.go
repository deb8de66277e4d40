package dynroute

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testdb"
	"github.com/stretchr/testify/require"
)

// fuzzSQLColumns are the columns FuzzLoadSQL fills with fuzzed values, in
// the order of its arguments.
var fuzzSQLColumns = []string{"id", "name", "path", "methods", "handler", "tags", "status_code", "deprecated", "hidden", "enabled"}

// fuzzSQLSeeds are rows for FuzzLoadSQL: kinds (3 bits a column, in
// fuzzSQLColumns order) and the values; the rows of TestLoadSQL among them.
var fuzzSQLSeeds = []struct {
	kinds  uint32
	values [10]string
}{
	{02, [10]string{"3", "dynamic_products", "/dynamic/products/{product_id}", "GET, POST", "handle_dynamic_product", "Dynamic", "200", "1", "0", "1"}},
	{02 | 1<<3 | 1<<15 | 1<<18, [10]string{"1", "", "/dynamic/users", "GET", "get_dynamic_users", "Admin,Dynamic", "", "0", "true", ""}},
	{0, [10]string{"x", "old", "/old", "GET", "get_admin_area", "", "", "FALSE", "f", "false"}},
	{02 | 2<<18 | 2<<21 | 2<<24 | 2<<27, [10]string{"7", "n", "/a", "get", "h", ",, ,", "201", "2", "-1", "0"}},
	{03 | 3<<18, [10]string{"1.5", "n", "/a/{b...}", "GET,HEAD", "h", "t", "200.5", "maybe", "", "yes"}},
	{04 | 4<<3 | 4<<6 | 4<<9 | 4<<12, [10]string{"\x00", "\xff", "/\x00", "GET", "h\n", "", " 204 ", " true ", "\t0", "T"}},
	{0, [10]string{"", "", "", "", "", "", "9223372036854775808", "", "", ""}},
	{02 | 2<<18, [10]string{"9223372036854775807", "ü", "/ü/{ü}", "PATCH,DELETE,PATCH", "h", "a,b,a", "-9223372036854775808", "1", "0", "1"}},
}

// FuzzLoadSQL reads a routes table whose columns (of no type, so that
// SQLite keeps any value as given) hold fuzzed text, integers, reals,
// blobs and NULLs, beside a valid row. LoadSQL must not panic; its error
// wraps ErrInvalidConfig and joins one *RouteError per bad value, each
// from the table; the valid row always comes out; the fuzzed row comes out
// exactly when its enabled value reads as true, with its text columns as
// stored and its status code as the integer stored; and reading twice
// gives the same.
func FuzzLoadSQL(f *testing.F) {
	for _, s := range fuzzSQLSeeds {
		v := s.values
		f.Add(s.kinds, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])
	}
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(f, err)
	db.SetMaxOpenConns(1) // one connection, one in-memory database
	f.Cleanup(func() { _ = db.Close() })
	_, err = db.Exec(`CREATE TABLE routes (id, name, path, methods, handler, tags, summary, description, status_code, operation_id, deprecated, hidden, enabled, updated_at)`)
	require.NoError(f, err)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, kinds uint32, id, name, path, methods, handler, tags, status, deprecated, hidden, enabled string) {
		texts := []string{id, name, path, methods, handler, tags, status, deprecated, hidden, enabled}
		row := map[string]any{}
		args := make([]any, len(texts))
		for i, s := range texts {
			args[i] = testdb.FuzzValue(uint8(kinds>>(3*i)&7), s)
			row[fuzzSQLColumns[i]] = args[i]
		}
		_, err := db.Exec(`DELETE FROM routes`)
		require.NoError(t, err)
		// The valid row sorts first: NULL < numbers < text < blobs, and
		// SQLite keeps a tie (a NULL fuzzed id) in rowid order.
		_, err = db.Exec(`INSERT INTO routes (id, name, path, methods, handler, updated_at) VALUES (NULL, 'valid', '/valid', 'GET', 'h', 'x')`)
		require.NoError(t, err)
		_, err = db.Exec(`INSERT INTO routes (`+strings.Join(fuzzSQLColumns, ", ")+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		require.NoError(t, err)

		specs, err := LoadSQL(ctx, db, "routes")
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidConfig)
			joined, ok := err.(interface{ Unwrap() []error })
			require.True(t, ok, "error is not joined: %v", err)
			for _, p := range joined.Unwrap() {
				var re *RouteError
				require.ErrorAs(t, p, &re)
				require.ErrorIs(t, p, ErrInvalidConfig)
				require.Equal(t, "routes", re.Source.Table, "%v", p)
				require.Contains(t, p.Error(), "column ")
			}
		}
		require.NotEmpty(t, specs, "the valid row is lost: %v", err)
		require.Equal(t, RouteSpec{Name: "valid", Path: "/valid", Methods: []string{"GET"}, Handler: "h", Source: Source{Table: "routes", Key: ""}}, specs[0])

		wantEnabled, enabledOK := fuzzSQLBool(row["enabled"], true)
		if !wantEnabled || !enabledOK {
			require.Len(t, specs, 1, "a row whose enabled is %#v is served", row["enabled"])
			if !enabledOK {
				require.ErrorContains(t, err, "column enabled")
			}
		} else {
			require.Len(t, specs, 2, "a row whose enabled is %#v is left out", row["enabled"])
			s := specs[1]
			require.Equal(t, "routes", s.Source.Table)
			for col, got := range map[string]string{"name": s.Name, "path": s.Path, "handler": s.Handler} {
				if want, ok := fuzzSQLText(row[col]); ok {
					require.Equal(t, want, got, "column %s", col)
				}
			}
			if want, ok := fuzzSQLText(row["methods"]); ok {
				require.Equal(t, splitCommaList(want), s.Methods)
				for _, m := range s.Methods {
					require.Equal(t, strings.TrimSpace(m), m)
					require.NotEmpty(t, m)
				}
			}
			if n, ok := row["status_code"].(int64); ok && n == int64(int(n)) {
				require.Equal(t, int(n), s.StatusCode)
			}
			if key, ok := fuzzSQLText(row["id"]); ok {
				require.Equal(t, key, s.Source.Key)
			}
		}
		for _, col := range []string{"deprecated", "hidden", "enabled"} {
			_, ok := fuzzSQLBool(row[col], col == "enabled")
			if !ok && err == nil {
				t.Fatalf("column %s holds %#v, no boolean, without an error", col, row[col])
			}
		}

		again, err2 := LoadSQL(ctx, db, "routes")
		require.Equal(t, specs, again)
		require.Equal(t, err == nil, err2 == nil)
		if err != nil {
			require.Equal(t, err.Error(), err2.Error())
		}
	})
}

// fuzzSQLText is what a text column holding v reads as, as documented:
// text, a blob's bytes or an integer's digits; NULL is empty.
func fuzzSQLText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", false
}

// fuzzSQLBool is what a boolean column holding v reads as, as documented:
// 0 or 1, or text strconv.ParseBool reads; NULL and empty text are unset.
func fuzzSQLBool(v any, unset bool) (b, ok bool) {
	if n, isInt := v.(int64); isInt {
		return n != 0, n == 0 || n == 1
	}
	s, isText := fuzzSQLText(v)
	if !isText {
		return false, false
	}
	if s = strings.TrimSpace(s); s == "" {
		return unset, true
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}
