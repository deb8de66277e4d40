// Package sqlname checks and quotes the table and column names dynroute
// writes into SQL. A name is refused rather than escaped unless it is an
// identifier, so no caller-supplied text reaches the SQL but as a quoted
// identifier.
package sqlname

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// table is what dynroute accepts as a table name: an identifier of at most
// 63 bytes, optionally schema-qualified.
var table = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$`)

// ValidTable reports whether name is an identifier of letters, digits and
// underscores, or schema.table.
func ValidTable(name string) bool { return table.MatchString(name) }

// Quote quotes an identifier, doubling any quote inside it.
func Quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Table checks name as ValidTable does and quotes it as QuoteTable does;
// the error says what a table name must be.
func Table(name string) (quoted string, err error) {
	if !ValidTable(name) {
		return "", fmt.Errorf("table name %q: want an identifier of letters, digits and underscores, or schema.table", name)
	}
	return QuoteTable(name), nil
}

// QuoteTable quotes a table name ValidTable accepts: "schema"."table".
func QuoteTable(name string) string {
	schema, table, ok := strings.Cut(name, ".")
	if ok {
		return Quote(schema) + "." + Quote(table)
	}
	return Quote(name)
}

// Querier is a *sql.DB, *sql.Tx or *sql.Conn.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Columns returns the column names of the quoted table without reading
// any row.
func Columns(ctx context.Context, db Querier, quoted string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+quoted+" WHERE 1=0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	return cols, rows.Close()
}
