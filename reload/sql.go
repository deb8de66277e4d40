package reload

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/sqlname"
)

// sqlVersionColumns are the columns, in order of preference, whose greatest
// value changes whenever a row is written, if the application maintains
// them.
var sqlVersionColumns = []string{"updated_at", "version"}

// NewSQL returns a Reloader that polls a routes table (see
// dynroute.LoadSQL) and reloads it when it changed: Source is table, Load is
// dynroute.LoadSQL, and PollInterval defaults to 5s.
//
// Unless opts sets Version, a poll asks the database for
//
//	SELECT COUNT(*), MAX(updated_at) FROM table
//
// (or MAX(version)), a single cheap query, when the table has an updated_at
// or a version column, and reloads only when the answer changed; for that
// the application must set the column on every insert and update. Without
// such a column each poll loads the table and applies it only if its
// checksum changed. Every tenth poll loads and compares anyway
// (ChecksumEvery), catching what the version misses. The column is looked
// up once, at the first poll that reaches the table.
//
// Every instance of a fleet that shares the database polls it the same way,
// so all of them converge on the table's content within about one interval
// of a change.
func NewSQL(rt *dynroute.Router, db *sql.DB, table string, opts *Options) (*Reloader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if db == nil {
		return nil, fmt.Errorf("dynroute: reload.NewSQL: %w: nil database", ErrInvalidOptions)
	}
	quoted, err := sqlname.Table(table)
	if err != nil {
		return nil, fmt.Errorf("dynroute: reload.NewSQL: %w: %w: %v", ErrInvalidOptions, dynroute.ErrInvalidConfig, err)
	}
	o.Source = table
	o.Load = func(ctx context.Context) ([]dynroute.RouteSpec, error) { return dynroute.LoadSQL(ctx, db, table) }
	if o.PollInterval == 0 {
		o.PollInterval = defaultSQLPoll
	}
	if o.Version == nil {
		v := &sqlVersion{db: db, table: table, quoted: quoted}
		o.Version = v.read
	}
	return New(rt, &o)
}

// sqlVersion is the default Version of NewSQL.
type sqlVersion struct {
	db            *sql.DB
	table, quoted string

	mu    sync.Mutex
	query string // the version query, once the columns are known
	none  bool   // the table has no version column
}

// read returns the table's row count and greatest version value as text,
// or an error wrapping ErrNoVersion when the table has no version column.
func (v *sqlVersion) read(ctx context.Context) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.query == "" && !v.none {
		cols, err := sqlname.Columns(ctx, v.db, v.quoted)
		if err != nil {
			return "", fmt.Errorf("dynroute: table %s: %w", v.table, err)
		}
	pick:
		for _, want := range sqlVersionColumns {
			for _, c := range cols {
				if strings.EqualFold(c, want) {
					v.query = "SELECT COUNT(*), MAX(" + sqlname.Quote(c) + ") FROM " + v.quoted
					break pick
				}
			}
		}
		v.none = v.query == ""
	}
	if v.none {
		return "", fmt.Errorf("dynroute: table %s has no %s column: %w",
			v.table, strings.Join(sqlVersionColumns, " or "), ErrNoVersion)
	}
	var (
		n      int64
		latest any
	)
	if err := v.db.QueryRowContext(ctx, v.query).Scan(&n, &latest); err != nil {
		return "", fmt.Errorf("dynroute: table %s: version: %w", v.table, err)
	}
	if b, ok := latest.([]byte); ok {
		latest = string(b)
	}
	return fmt.Sprintf("%d %v", n, latest), nil
}
