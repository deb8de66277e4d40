package dynroute

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute/internal/sqlname"
)

// sqlColumns are the columns LoadSQL reads, in select order; the first four
// are required.
var sqlColumns = []string{
	"id", "path", "methods", "handler",
	"name", "tags", "summary", "description", "status_code", "operation_id",
	"deprecated", "hidden", "enabled",
}

const sqlRequired = 4

// SQLQuerier is what LoadSQL reads a table through: a *sql.DB, or a *sql.Tx
// or *sql.Conn to read it inside a transaction of the caller's, such as a
// REPEATABLE READ one that reads a version of the table beside its rows.
type SQLQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// LoadSQL reads route specs from a table, one row per route, through
// database/sql, so any driver works; the library imports none. db is a
// *sql.DB, or a *sql.Tx to read the table in a transaction. This table
// works on SQLite and PostgreSQL:
//
//	CREATE TABLE routes (
//	    id           INTEGER PRIMARY KEY,
//	    name         TEXT,
//	    path         TEXT NOT NULL,
//	    methods      TEXT NOT NULL,
//	    handler      TEXT NOT NULL,
//	    tags         TEXT,
//	    summary      TEXT,
//	    description  TEXT,
//	    status_code  INTEGER,
//	    operation_id TEXT,
//	    deprecated   BOOLEAN NOT NULL DEFAULT FALSE,
//	    hidden       BOOLEAN NOT NULL DEFAULT FALSE,
//	    enabled      BOOLEAN NOT NULL DEFAULT TRUE
//	);
//
// methods and tags are comma-separated (GET,POST); handler names a handler
// in the Router's Registry. Only id, path, methods and handler are required:
// the other columns may be absent, and columns LoadSQL does not know (an
// updated_at, say) are ignored, so the table can carry data of its own.
// Column names match case-insensitively. Booleans may be stored as
// booleans, 0/1 or text that strconv.ParseBool reads; status_code as an
// integer or its text. NULL and empty text read as unset (empty, 0, false),
// except that an unset enabled counts as enabled: only rows whose enabled is
// false are left out, as SQL's "enabled = false" leaves NULL out of it.
//
// table is an identifier, or schema.table, of letters, digits and
// underscores, at most 63 each (PostgreSQL's limit); any other name is an
// error, so nothing but a known-safe identifier reaches the SQL. It is
// double-quoted, as standard SQL, SQLite and PostgreSQL quote (MySQL needs
// ANSI_QUOTES), which makes it case-sensitive on PostgreSQL: pass an
// unquoted PostgreSQL table name in lower case.
//
// Rows come back ordered by id, with Source{Table: table, Key: id}. The error
// wraps ErrInvalidConfig for a bad table name, missing columns and values of
// the wrong type, one *RouteError per bad value, joined; errors of the
// database itself (no such table, a lost connection) are returned wrapped
// as they are, with the specs read before them.
func LoadSQL(ctx context.Context, db SQLQuerier, table string) ([]RouteSpec, error) {
	if ctx == nil || isNilQuerier(db) {
		return nil, errors.New("dynroute: LoadSQL: nil context or database")
	}
	quoted, err := sqlname.Table(table)
	if err != nil { // %v: one problem, which a ConfigError must not split in two
		return nil, fmt.Errorf("dynroute: LoadSQL: %w: %v", ErrInvalidConfig, err)
	}
	cols, err := sqlname.Columns(ctx, db, quoted)
	if err != nil {
		return nil, fmt.Errorf("dynroute: LoadSQL: table %s: %w", table, err)
	}
	// present[i] is the table's spelling of sqlColumns[i], or "" if absent.
	present := make([]string, len(sqlColumns))
	for _, c := range cols {
		for i, want := range sqlColumns {
			if present[i] == "" && strings.EqualFold(c, want) {
				present[i] = c
			}
		}
	}
	var missing, selected []string
	var idx []int // selected column -> index in sqlColumns
	for i, c := range present {
		switch {
		case c != "":
			selected = append(selected, sqlname.Quote(c))
			idx = append(idx, i)
		case i < sqlRequired:
			missing = append(missing, sqlColumns[i])
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("dynroute: LoadSQL: %w: table %s has no column %s (it has %s); required: id, path, methods, handler",
			ErrInvalidConfig, table, strings.Join(missing, ", "), strings.Join(cols, ", "))
	}

	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(selected, ", ")+" FROM "+quoted+" ORDER BY "+sqlname.Quote(present[0]))
	if err != nil {
		return nil, fmt.Errorf("dynroute: LoadSQL: table %s: %w", table, err)
	}
	defer rows.Close()
	var specs []RouteSpec
	var problems []error
	values := make([]any, len(selected))
	ptrs := make([]any, len(selected))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return specs, errors.Join(configErrorIn("table "+table, problems...), fmt.Errorf("dynroute: LoadSQL: table %s: %w", table, err))
		}
		row := make(map[string]any, len(idx))
		for j, i := range idx {
			row[sqlColumns[i]] = values[j]
		}
		spec, enabled, errs := sqlSpec(table, row)
		problems = append(problems, errs...)
		if enabled {
			specs = append(specs, spec)
		}
	}
	if err := rows.Err(); err != nil {
		problems = append(problems, fmt.Errorf("dynroute: LoadSQL: table %s: %w", table, err))
	}
	return specs, configErrorIn("table "+table, problems...)
}

// isNilQuerier reports a nil db, also a nil *sql.DB, *sql.Tx or *sql.Conn.
func isNilQuerier(db SQLQuerier) bool {
	switch d := db.(type) {
	case nil:
		return true
	case *sql.DB:
		return d == nil
	case *sql.Tx:
		return d == nil
	case *sql.Conn:
		return d == nil
	}
	return false
}

// sqlSpec turns one row, by sqlColumns name, into a spec. enabled is false
// for a row that is switched off, or whose enabled value cannot be read: a
// route that may be meant off is not served.
func sqlSpec(table string, row map[string]any) (spec RouteSpec, enabled bool, errs []error) {
	type badValue struct {
		col  string
		v    any
		want string
	}
	var bad []badValue
	text := func(col string) string {
		v, ok := sqlText(row[col])
		if !ok {
			bad = append(bad, badValue{col, row[col], "text"})
		}
		return v
	}
	key, ok := sqlText(row["id"])
	if !ok {
		key = fmt.Sprint(row["id"])
	}
	spec = RouteSpec{
		Name:        text("name"),
		Path:        text("path"),
		Methods:     splitCommaList(text("methods")),
		Handler:     text("handler"),
		Tags:        splitCommaList(text("tags")),
		Summary:     text("summary"),
		Description: text("description"),
		OperationID: text("operation_id"),
		Source:      Source{Table: table, Key: key},
	}
	if v := row["status_code"]; v != nil {
		if n, ok := sqlInt(v); ok {
			spec.StatusCode = n
		} else {
			bad = append(bad, badValue{"status_code", v, "an integer"})
		}
	}
	boolean := func(col string, unset bool) bool {
		b, ok := sqlBool(row[col], unset)
		if !ok {
			bad = append(bad, badValue{col, row[col], "a boolean (true, false, 1 or 0)"})
		}
		return b
	}
	spec.Deprecated = boolean("deprecated", false)
	spec.Hidden = boolean("hidden", false)
	enabled = boolean("enabled", true)
	for _, b := range bad {
		if b.col == "enabled" {
			b.want += "; the row is left out"
		}
		errs = append(errs, sqlProblem(&spec, b.col, b.v, b.want))
	}
	return spec, enabled, errs
}

// sqlProblem reports that column col of the row holds v, which is not want.
func sqlProblem(s *RouteSpec, col string, v any, want string) error {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	return &RouteError{
		Name:    s.Name,
		Methods: s.Methods,
		Path:    s.Path,
		Source:  s.Source,
		Err:     fmt.Errorf("%w: column %s is %T %#v, want %s", ErrInvalidConfig, col, v, v, want),
	}
}

// sqlText reads a text column. Integers are accepted, as SQLite stores a
// number-like value in an untyped column as one.
func sqlText(v any) (string, bool) {
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

// sqlInt reads an integer column, also from text ("201"), which is what
// SQLite holds when text is stored in an INTEGER column.
func sqlInt(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		return int(v), int64(int(v)) == v
	case float64:
		n := int(v)
		return n, float64(n) == v
	case string, []byte:
		s, _ := sqlText(v)
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, true
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	return 0, false
}

// sqlBool reads a boolean column: a bool (PostgreSQL), 0 or 1 (SQLite), or
// text strconv.ParseBool accepts. NULL and empty text read as unset.
func sqlBool(v any, unset bool) (b, ok bool) {
	switch v := v.(type) {
	case nil:
		return unset, true
	case bool:
		return v, true
	case int64:
		// Only 0 and 1 read; any other integer is false, like every value
		// that cannot be read, so that an unreadable enabled is off.
		return v == 1, v == 0 || v == 1
	case string, []byte:
		s, _ := sqlText(v)
		if s = strings.TrimSpace(s); s == "" {
			return unset, true
		}
		b, err := strconv.ParseBool(s)
		return b, err == nil
	}
	return false, false
}
