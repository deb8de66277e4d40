package pgnotify

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLimit bounds every wait; changes are seen in milliseconds.
const waitLimit = 15 * time.Second

// postgresEnv names the DSN of the test server (.ci/postgres.sh prints it).
const postgresEnv = "DYNROUTE_TEST_POSTGRES"

// postgresDSN returns the test server's DSN; without one the test fails
// when CI is set and is skipped otherwise.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set, and CI must run the PostgreSQL tests: eval \"$(.ci/postgres.sh)\" first", postgresEnv)
		}
		t.Skipf("%s is not set: set it to a PostgreSQL DSN (.ci/postgres.sh prints one) to run this test", postgresEnv)
	}
	return dsn
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(8)
	require.NoError(t, db.PingContext(t.Context()))
	return db
}

// newTable creates a schema of the test's own with a routes table, and
// returns the table's name, schema.routes.
func newTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "pgnotify_" + hex.EncodeToString(b[:])
	for _, stmt := range []string{
		`CREATE SCHEMA ` + schema,
		`CREATE TABLE ` + schema + `.routes (id INTEGER PRIMARY KEY, name TEXT, path TEXT NOT NULL, methods TEXT NOT NULL, handler TEXT NOT NULL)`,
	} {
		_, err := db.ExecContext(t.Context(), stmt)
		require.NoError(t, err, stmt)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	return schema + ".routes"
}

func TestTriggerSQL(t *testing.T) {
	stmts, err := TriggerSQL("shop.routes", "")
	require.NoError(t, err)
	assert.Contains(t, stmts, `ON "shop"."routes"`)
	assert.Contains(t, stmts, `"shop".dynroute_notify('dynroute_routes', 'shop.routes')`)
	assert.Contains(t, stmts, "FOR EACH STATEMENT")
	assert.Contains(t, stmts, "TRUNCATE")
	stmts, err = TriggerSQL("routes", "my_channel")
	require.NoError(t, err)
	assert.Contains(t, stmts, `dynroute_notify('my_channel', 'routes')`)
	assert.NotContains(t, stmts, `".dynroute`)
	for _, tt := range [][2]string{{"routes; DROP TABLE x", ""}, {"a.b.c", ""}, {"routes", "chan'nel"}, {"", ""}} {
		_, err := TriggerSQL(tt[0], tt[1])
		assert.ErrorIs(t, err, ErrInvalidName, "%q", tt)
	}
}

func TestNewOptions(t *testing.T) {
	rt := dynroute.New(nil)
	db := &sql.DB{}
	tests := []struct {
		name  string
		db    *sql.DB
		table string
		opts  *Options
		want  string
	}{
		{"nil database", nil, "routes", nil, "nil database"},
		{"bad table", db, "routes;", nil, `table "routes;"`},
		{"bad channel", db, "routes", &Options{Channel: "a-b"}, `channel "a-b"`},
		{"a loader of its own", db, "routes", &Options{Reload: &reload.Options{Load: func(context.Context) ([]dynroute.RouteSpec, error) { return nil, nil }}}, "which New sets"},
		{"negative interval", db, "routes", &Options{CheckInterval: -1}, "negative CheckInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(rt, tt.db, tt.table, tt.opts)
			require.ErrorIs(t, err, reload.ErrInvalidOptions)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	rl, err := New(rt, db, "shop.routes", nil)
	require.NoError(t, err)
	assert.Equal(t, "shop.routes", rl.Source())
}

// TestInstall installs the trigger again and from several instances at
// once: one trigger, one version row, the version kept.
func TestInstall(t *testing.T) {
	db := openDB(t, postgresDSN(t))
	table := newTable(t, db)
	ctx := t.Context()
	require.NoError(t, Install(ctx, db, table, ""))
	_, err := db.ExecContext(ctx, `INSERT INTO `+table+` (id, path, methods, handler) VALUES (1, '/a', 'GET', 'hello')`)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = Install(ctx, db, table, "") })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	schema, _, _ := strings.Cut(table, ".")
	var triggers, rows int
	var version int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = 'dynroute_notify'`, table).Scan(&triggers))
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM `+schema+`.dynroute_versions`).Scan(&rows, &version))
	assert.Equal(t, [3]int64{1, 1, 2}, [3]int64{int64(triggers), int64(rows), version}, "one trigger, one row, the version of one write after the install")

	_, err = TriggerSQL(table, "")
	require.NoError(t, err)
	assert.ErrorIs(t, Install(ctx, db, "no;such", ""), ErrInvalidName)
}

// TestVersionPerTransaction checks that a transaction of several
// statements, TRUNCATE included, bumps the version once and notifies once,
// at commit.
func TestVersionPerTransaction(t *testing.T) {
	dsn := postgresDSN(t)
	db := openDB(t, dsn)
	table := newTable(t, db)
	ctx := t.Context()
	require.NoError(t, Install(ctx, db, table, "test_channel"))
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, `LISTEN test_channel`)
	require.NoError(t, err)

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	for _, stmt := range []string{
		`INSERT INTO ` + table + ` (id, path, methods, handler) VALUES (1, '/a', 'GET', 'hello'), (2, '/b', 'GET', 'hello')`,
		`UPDATE ` + table + ` SET path = '/c' WHERE id = 2`,
		`DELETE FROM ` + table + ` WHERE id = 1`,
	} {
		_, err := tx.ExecContext(ctx, stmt)
		require.NoError(t, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = conn.WaitForNotification(wctx)
	cancel()
	require.Error(t, err, "nothing is announced before the commit")
	require.NoError(t, tx.Commit())
	notes := notifications(t, conn)
	assert.Equal(t, []string{"2 " + table}, notes, "one notification of one new version")

	_, err = db.ExecContext(ctx, `TRUNCATE `+table)
	require.NoError(t, err)
	assert.Equal(t, []string{"3 " + table}, notifications(t, conn))
}

// notifications returns the payloads that arrive within 300ms of the
// first (which must arrive).
func notifications(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	var out []string
	limit := waitLimit
	for {
		wctx, cancel := context.WithTimeout(t.Context(), limit)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			require.NotEmpty(t, out, "a notification: %v", err)
			return out
		}
		out = append(out, n.Payload)
		limit = 300 * time.Millisecond
	}
}

// syncBuffer is a log a Reloader writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one member of a fleet: a Router whose routes follow the
// table.
type instance struct {
	rt     *dynroute.Router
	rl     *reload.Reloader
	logs   *syncBuffer
	mu     sync.Mutex
	events []reload.Event
}

func newInstance(t *testing.T, db *sql.DB, table string, opts *Options) *instance {
	t.Helper()
	in := &instance{rt: dynroute.New(nil), logs: &syncBuffer{}}
	require.NoError(t, in.rt.Registry().Register("hello", dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		_, _ = w.Write([]byte(ps.Route().Name))
	})))
	var o Options
	if opts != nil {
		o = *opts
	}
	var ro reload.Options
	if o.Reload != nil {
		ro = *o.Reload
	}
	ro.Logger = slog.New(slog.NewTextHandler(in.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ro.OnReload = func(ev reload.Event) {
		in.mu.Lock()
		in.events = append(in.events, ev)
		in.mu.Unlock()
	}
	o.Reload = &ro
	rl, err := New(in.rt, db, table, &o)
	require.NoError(t, err)
	in.rl = rl
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, rl.Start(ctx))
	t.Cleanup(func() {
		cancel()
		rl.Wait()
	})
	return in
}

// serves reports whether every path answers with its route's name, or 404
// for "".
func (in *instance) serves(want map[string]string) bool {
	for path, name := range want {
		w := httptest.NewRecorder()
		in.rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if name == "" && w.Code != http.StatusNotFound || name != "" && (w.Code != http.StatusOK || w.Body.String() != name) {
			return false
		}
	}
	return true
}

// converge waits until every instance serves want and returns how long
// that took.
func converge(t *testing.T, fleet []*instance, want map[string]string) time.Duration {
	t.Helper()
	start := time.Now()
	for _, in := range fleet {
		for !in.serves(want) {
			if time.Since(start) > waitLimit {
				t.Fatalf("not served within %v: %v; logs:\n%s", waitLimit, want, in.logs.String())
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	return time.Since(start)
}

// changedAt returns the instance's events that published version v.
func (in *instance) changedAt(v string) []reload.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []reload.Event
	for _, ev := range in.events {
		if ev.Version == v {
			out = append(out, ev)
		}
	}
	return out
}

// version reads the table's version.
func version(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	schema, _, _ := strings.Cut(table, ".")
	var v string
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT version::text FROM `+schema+`.dynroute_versions WHERE source = $1`, table).Scan(&v))
	return v
}

func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	for _, s := range stmts {
		_, err := tx.ExecContext(t.Context(), s)
		require.NoError(t, err, s)
	}
	require.NoError(t, tx.Commit())
}

// fastFollow is what the tests use: no fallback poll (a reload is then a
// push's), outages seen and retried within a fraction of a second.
var fastFollow = Options{CheckInterval: 100 * time.Millisecond, Reload: &reload.Options{PollInterval: -1, WatchRetry: 200 * time.Millisecond}}

// TestFleet follows one table with two instances: the first load, a
// transaction of several statements, a bad row, a LISTEN session
// terminated, and how fast a change is served.
func TestFleet(t *testing.T) {
	db := openDB(t, postgresDSN(t))
	table := newTable(t, db)
	ins := func(id int, name string) string {
		return fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (%d, '%s', '/%s', 'GET', 'hello')`, table, id, name, name)
	}
	exec(t, db, ins(1, "a"), ins(2, "b"))
	require.NoError(t, Install(t.Context(), db, table, ""))
	fleet := []*instance{newInstance(t, db, table, &fastFollow), newInstance(t, db, table, &fastFollow)}
	for _, in := range fleet {
		assert.True(t, in.serves(map[string]string{"/a": "a", "/b": "b", "/c": ""}), "the first load")
		assert.Equal(t, version(t, db, table), in.rl.Version())
	}

	t.Run("a change in a transaction is one reload", func(t *testing.T) {
		exec(t, db, ins(3, "c"), ins(4, "d"), `UPDATE `+table+` SET path = '/bb' WHERE id = 2`, `DELETE FROM `+table+` WHERE id = 1`)
		v := version(t, db, table)
		converge(t, fleet, map[string]string{"/a": "", "/bb": "b", "/c": "c", "/d": "d"})
		for _, in := range fleet {
			evs := in.changedAt(v)
			require.Len(t, evs, 1, "one reload at the transaction's version")
			ev := evs[0]
			assert.Equal(t, reload.TriggerPush, ev.Trigger)
			assert.Equal(t, [4]int{2, 1, 1, 3}, [4]int{ev.Added, ev.Removed, ev.Updated, ev.Routes}, "added, removed, updated, routes in one swap")
		}
		time.Sleep(100 * time.Millisecond)
		for _, in := range fleet {
			in.mu.Lock()
			n := len(in.events)
			in.mu.Unlock()
			assert.Equal(t, 2, n, "the first load and the transaction's, no other: %v", in.events)
		}
	})

	t.Run("a bad row is refused and the old routes keep serving", func(t *testing.T) {
		before := fleet[0].rl.Version()
		exec(t, db, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (9, 'bad', '/bad', 'GET', 'nope')`, table))
		v := version(t, db, table)
		for _, in := range fleet {
			require.Eventually(t, func() bool { return len(in.changedAt(v)) > 0 }, waitLimit, time.Millisecond, in.logs.String())
			ev := in.changedAt(v)[0]
			assert.False(t, ev.OK)
			assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
			assert.Contains(t, in.logs.String(), `\"nope\"`)
			assert.Contains(t, in.logs.String(), "version="+v)
			assert.True(t, in.serves(map[string]string{"/c": "c", "/bad": ""}), "the old routes keep serving")
			assert.Equal(t, before, in.rl.Version())
			assert.False(t, in.rl.Status().OK)
		}
		exec(t, db, `UPDATE `+table+` SET handler = 'hello' WHERE id = 9`)
		converge(t, fleet, map[string]string{"/bad": "bad", "/c": "c"})
		for _, in := range fleet {
			assert.True(t, in.rl.Status().OK)
			assert.Equal(t, version(t, db, table), in.rl.Version())
		}
	})

	t.Run("the LISTEN session terminated", func(t *testing.T) {
		var killed int
		require.NoError(t, db.QueryRowContext(t.Context(),
			`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, ApplicationName(table)).Scan(&killed))
		assert.Equal(t, len(fleet), killed, "one LISTEN session per instance")
		const lost = `level=WARN msg="dynroute: reload: lost the push source`
		for _, in := range fleet {
			require.Eventually(t, func() bool { return strings.Contains(in.logs.String(), lost) }, waitLimit, time.Millisecond)
		}
		// A change while they reconnect: the catch-up loads it.
		exec(t, db, ins(10, "e"))
		converge(t, fleet, map[string]string{"/e": "e", "/c": "c"})
		for _, in := range fleet {
			require.Eventually(t, func() bool { return in.rl.Status().OK }, waitLimit, time.Millisecond, in.logs.String())
			logs := in.logs.String()
			assert.Equal(t, 1, strings.Count(logs, lost), "the outage is logged once:\n%s", logs)
			assert.Contains(t, logs, "the push source is back")
			assert.Equal(t, version(t, db, table), in.rl.Version())
		}
		// And it follows the table again.
		exec(t, db, ins(11, "f"))
		converge(t, fleet, map[string]string{"/f": "f"})
	})

	t.Run("convergence", func(t *testing.T) {
		const changes = 30
		var times []time.Duration
		for i := range changes {
			name := fmt.Sprintf("r%d", i)
			exec(t, db, ins(100+i, name))
			times = append(times, converge(t, fleet, map[string]string{"/" + name: name}))
		}
		slices.Sort(times)
		t.Logf("commit -> served by both instances, %d changes: p50 %v, p90 %v, max %v",
			changes, times[changes/2], times[changes*9/10], times[changes-1])
		assert.Less(t, times[changes/2], time.Second)
	})
}

// TestPollFallback: with the LISTEN connection unable to connect, the
// poll of the version still brings the change.
func TestPollFallback(t *testing.T) {
	dsn := postgresDSN(t)
	db := openDB(t, dsn)
	table := newTable(t, db)
	exec(t, db, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (1, 'a', '/a', 'GET', 'hello')`, table))
	require.NoError(t, Install(t.Context(), db, table, ""))
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.Port = uint16(closedPort(t)) // LISTEN can never connect
	cfg.ConnectTimeout = time.Second
	in := newInstance(t, db, table, &Options{Listen: cfg, Reload: &reload.Options{PollInterval: 50 * time.Millisecond, WatchRetry: time.Hour}})
	require.Eventually(t, func() bool { return !in.rl.Status().OK }, waitLimit, time.Millisecond)
	exec(t, db, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (2, 'b', '/b', 'GET', 'hello')`, table))
	converge(t, []*instance{in}, map[string]string{"/a": "a", "/b": "b"})
	assert.Equal(t, reload.TriggerPoll, in.changedAt(version(t, db, table))[0].Trigger)
}

// closedPort returns a port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
