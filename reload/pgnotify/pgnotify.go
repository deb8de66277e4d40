package pgnotify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Defaults of Options; see there.
const (
	defaultCheckInterval = time.Second
	defaultPollInterval  = 5 * time.Second
)

// ErrNotInstalled: the versions table has no row for the routes table;
// Install has not been run for it.
var ErrNotInstalled = errors.New("the trigger is not installed")

// Options configures New. A nil *Options means the defaults.
type Options struct {
	// Channel is the channel the trigger notifies, as given to Install.
	// "" means DefaultChannel.
	Channel string

	// Listen configures the connection that LISTENs. Nil means the
	// configuration of db's connections, which then must come from pgx's
	// database/sql driver (github.com/jackc/pgx/v5/stdlib).
	Listen *pgx.ConnConfig

	// CheckInterval is how often an idle LISTEN connection is asked
	// whether it answers; one that does not within three intervals is an
	// outage. Zero means 1s.
	CheckInterval time.Duration

	// Reload configures the Reloader: Logger, OnReload, Apply, Timeout,
	// WatchRetry, and PollInterval, the fallback poll of the table's
	// version (zero means 5s, negative none). New sets Source,
	// LoadVersioned, Version and Watch; any Load, Version, Watch or
	// WatchFile given is an error.
	Reload *reload.Options
}

// New returns a Reloader that keeps the routes of table (see
// dynroute.LoadSQL) served by rt: Start loads them, then LISTENs for the
// trigger's notifications and reloads on each (see the package doc). Run
// Install for table first. db is the caller's: the Reloader never closes
// it.
func New(rt *dynroute.Router, db *sql.DB, table string, opts *Options) (*reload.Reloader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var ro reload.Options
	if o.Reload != nil {
		ro = *o.Reload
	}
	if o.Channel == "" {
		o.Channel = DefaultChannel
	}
	var problems []string
	if db == nil {
		problems = append(problems, "nil database")
	}
	if !tableName.MatchString(table) || !identifier.MatchString(o.Channel) {
		problems = append(problems, fmt.Sprintf("table %q, channel %q: want identifiers of letters, digits and underscores (schema.table for a table)", table, o.Channel))
	}
	if o.CheckInterval < 0 {
		problems = append(problems, "negative CheckInterval")
	}
	if ro.Load != nil || ro.LoadVersioned != nil || ro.Version != nil || ro.Watch != nil || ro.WatchFile != "" {
		problems = append(problems, "Reload sets Load, LoadVersioned, Version, Watch or WatchFile, which New sets")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("dynroute: pgnotify.New: %w: %s", reload.ErrInvalidOptions, strings.Join(problems, "; "))
	}
	s := &source{db: db, table: table, channel: o.Channel, check: o.CheckInterval,
		versionQuery: "SELECT version FROM " + schemaPrefix(table) + VersionsTable + " WHERE source = $1"}
	if o.Listen != nil {
		s.listen = o.Listen.Copy()
	}
	if s.check == 0 {
		s.check = defaultCheckInterval
	}
	switch {
	case ro.PollInterval == 0:
		ro.PollInterval = defaultPollInterval
	case ro.PollInterval < 0:
		ro.PollInterval = 0
	}
	ro.Source = table
	ro.LoadVersioned = s.load
	ro.Watch = s.watch
	if ro.PollInterval > 0 {
		ro.Version = s.version
	}
	return reload.New(rt, &ro)
}

// ApplicationName is the application_name of the connection that LISTENs
// for table's notifications, as pg_stat_activity shows it.
func ApplicationName(table string) string { return "dynroute pgnotify " + table }

// source is the Reloader's loader and LISTEN of one table.
type source struct {
	db             *sql.DB
	table, channel string
	check          time.Duration
	versionQuery   string
	mu             sync.Mutex
	listen         *pgx.ConnConfig // nil until known
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readVersion reads the table's version.
func (s *source) readVersion(ctx context.Context, q querier) (string, error) {
	var v int64
	if err := q.QueryRowContext(ctx, s.versionQuery, s.table).Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("pgnotify: %s has no row for %s: %w (run pgnotify.Install)", VersionsTable, s.table, ErrNotInstalled)
		}
		return "", fmt.Errorf("pgnotify: read the version of %s: %w", s.table, err)
	}
	return strconv.FormatInt(v, 10), nil
}

// version is reload.Options.Version, for the fallback poll.
func (s *source) version(ctx context.Context) (string, error) { return s.readVersion(ctx, s.db) }

// load is reload.Options.LoadVersioned: the version and the rows, read in
// one REPEATABLE READ transaction, so that one is the other's.
func (s *source) load(ctx context.Context) ([]dynroute.RouteSpec, string, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, "", fmt.Errorf("pgnotify: read %s: %w", s.table, err)
	}
	defer func() { _ = tx.Rollback() }()
	v, err := s.readVersion(ctx, tx)
	if err != nil {
		return nil, "", err
	}
	specs, err := dynroute.LoadSQL(ctx, tx, s.table)
	return specs, v, err
}

// connConfig returns the LISTEN connection's configuration: Options.Listen
// or that of one of db's connections.
func (s *source) connConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listen != nil {
		return s.listen.Copy(), nil
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgnotify: connect: %w", err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the database's driver connection is a %T, not pgx's: set Options.Listen", dc)
		}
		s.listen = pc.Conn().Config()
		// That connection's own: pgx buffers a connection's notifications
		// with it, and would give the LISTEN connection's to that one.
		s.listen.OnNotification = nil
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgnotify: %w", err)
	}
	return s.listen.Copy(), nil
}

// watch is reload.Options.Watch: it LISTENs on a connection of its own,
// announces the version once listening (catch-up), then the version of
// every notification for the table, until ctx is done or the connection
// is lost.
func (s *source) watch(ctx context.Context, changed func(version string)) error {
	cfg, err := s.connConfig(ctx)
	if err != nil {
		return err
	}
	// Named, so that an operator sees it in pg_stat_activity.
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = ApplicationName(s.table)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("pgnotify: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), s.check)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(s.channel)); err != nil {
		return fmt.Errorf("pgnotify: listen %s: %w", s.channel, err)
	}
	// Listening: read the version now, so that a change committed before
	// the LISTEN, announced to no one, is loaded. The Reloader skips the
	// version it loaded.
	var v int64
	if err := conn.QueryRow(ctx, s.versionQuery, s.table).Scan(&v); err != nil {
		return fmt.Errorf("pgnotify: read the version of %s: %w", s.table, err)
	}
	changed(strconv.FormatInt(v, 10))
	for {
		wctx, cancel := context.WithTimeout(ctx, s.check)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			if version, table, ok := strings.Cut(n.Payload, " "); ok && table == s.table {
				changed(version)
			}
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet for an interval: ask whether the server still answers.
			pctx, cancel := context.WithTimeout(ctx, 3*s.check)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("pgnotify: the LISTEN connection does not answer: %w", err)
			}
		default:
			return fmt.Errorf("pgnotify: listen %s: %w", s.channel, err)
		}
	}
}
