package reload

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdb.PostgresEnv names the environment variable that holds a PostgreSQL DSN
// for the tests; CI sets it (see .ci/postgres.sh).

// sqlDialect is what the poll test needs to know about a database.
type sqlDialect struct {
	name string
	// open returns a new connection pool to the one database every
	// instance of the test's fleet shares.
	open func(t *testing.T) *sql.DB
	// table is the CREATE TABLE statement for a routes table named %s,
	// with an updated_at column when versioned.
	table func(name string, versioned bool) string
	// now is the SQL expression for the current time, at a resolution
	// finer than the test's writes.
	now string
	// arg is the placeholder of the n-th (1-based) argument.
	arg func(n int) string
}

func TestSQLReloaderSQLite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "routes.db")
	testSQLReloader(t, sqlDialect{
		name: "sqlite",
		open: func(t *testing.T) *sql.DB {
			// A writer and several pollers share the file: wait for locks
			// rather than fail with SQLITE_BUSY.
			db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		table: func(name string, versioned bool) string {
			col := ""
			if versioned {
				col = ", updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))"
			}
			return fmt.Sprintf(`CREATE TABLE %s (id INTEGER PRIMARY KEY, name TEXT, path TEXT NOT NULL,
				methods TEXT NOT NULL, handler TEXT NOT NULL, enabled BOOLEAN NOT NULL DEFAULT TRUE%s)`, name, col)
		},
		now: "strftime('%Y-%m-%d %H:%M:%f', 'now')",
		arg: func(int) string { return "?" },
	})
}

func TestSQLReloaderPostgres(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	testSQLReloader(t, sqlDialect{
		name: "postgres",
		open: func(t *testing.T) *sql.DB { return testdb.OpenPostgres(t, dsn) },
		table: func(name string, versioned bool) string {
			col := ""
			if versioned {
				col = ", updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()"
			}
			return fmt.Sprintf(`CREATE TABLE %s (id INTEGER PRIMARY KEY, name TEXT, path TEXT NOT NULL,
				methods TEXT NOT NULL, handler TEXT NOT NULL, enabled BOOLEAN NOT NULL DEFAULT TRUE%s)`, name, col)
		},
		now: "clock_timestamp()",
		arg: func(n int) string { return fmt.Sprintf("$%d", n) },
	})
}

// testSQLReloader runs a fleet of three routers, each polling one routes
// table in a database they share, through inserts, updates, deletes and a
// bad row, and checks that every instance converges after each change.
// It does so for a table with an updated_at column (the version query) and
// for one without (the checksum).
func testSQLReloader(t *testing.T, d sqlDialect) {
	for _, versioned := range []bool{true, false} {
		t.Run(fmt.Sprintf("versioned=%v", versioned), func(t *testing.T) {
			db := d.open(t)
			table := "routes_test_" + testdb.RandomHex(t)
			_, err := db.ExecContext(t.Context(), d.table(table, versioned))
			require.NoError(t, err)
			t.Cleanup(func() { _, _ = db.Exec("DROP TABLE " + table) })

			exec := func(query string, args ...any) {
				t.Helper()
				_, err := db.ExecContext(t.Context(), query, args...)
				require.NoError(t, err, query)
			}
			touch := ""
			if versioned {
				touch = ", updated_at = " + d.now // the application's part of the deal
			}
			insert := func(id int, name, handler string) {
				t.Helper()
				exec(fmt.Sprintf("INSERT INTO %s (id, name, path, methods, handler) VALUES (%s, %s, %s, 'GET', %s)",
					table, d.arg(1), d.arg(2), d.arg(3), d.arg(4)), id, name, "/"+name, handler)
			}
			insert(1, "a", "hello")
			insert(2, "b", "hello")

			const fleet = 3
			var instances []*reloadHarness
			for range fleet {
				h := newHarness(t, &Options{PollInterval: 5 * time.Millisecond}, func(rt *dynroute.Router, o *Options) (*Reloader, error) {
					return NewSQL(rt, d.open(t), table, o)
				})
				h.start()
				instances = append(instances, h)
			}
			converge := func(desc string, want map[string]string) {
				t.Helper()
				for i, h := range instances {
					h.serves(want) // reports the first path that is wrong
					if t.Failed() {
						t.Fatalf("after the %s, instance %d of %d did not converge", desc, i+1, fleet)
					}
				}
			}
			converge("first load", map[string]string{"/a": "a", "/b": "b", "/code": "code"})

			insert(3, "c", "hello")
			converge("insert", map[string]string{"/a": "a", "/b": "b", "/c": "c"})

			exec(fmt.Sprintf("UPDATE %s SET path = '/b2'%s WHERE id = 2", table, touch))
			converge("update", map[string]string{"/b": "", "/b2": "b"})

			exec(fmt.Sprintf("DELETE FROM %s WHERE id = 1", table))
			converge("delete", map[string]string{"/a": "", "/b2": "b", "/c": "c"})

			exec(fmt.Sprintf("UPDATE %s SET enabled = FALSE%s WHERE id = 3", table, touch))
			converge("disable", map[string]string{"/c": "", "/b2": "b"})

			// A bad row: every instance reports it and keeps its table.
			insert(4, "d", "nope")
			for _, h := range instances {
				ev := h.waitEvent("the failed poll", func(ev Event) bool { return ev.Trigger == TriggerPoll && !ev.OK })
				assert.ErrorIs(t, ev.Err, dynroute.ErrUnknownHandler)
				assert.ErrorContains(t, ev.Err, "table "+table+" key 4")
				h.servesNow(map[string]string{"/b2": "b", "/d": ""})
			}
			exec(fmt.Sprintf("UPDATE %s SET handler = 'hello'%s WHERE id = 4", table, touch))
			converge("fixed row", map[string]string{"/b2": "b", "/d": "d"})

			for _, h := range instances {
				routes := h.rt.Routes()
				require.Len(t, routes, 3)
				assert.Equal(t, dynroute.Source{Table: table, Key: "4"}, routes[2].Source)
			}
		})
	}
}

// TestSQLVersion checks the version query itself on SQLite: it changes with
// each insert, update (that sets updated_at) and delete, and a table
// without a version column reports ErrNoVersion.
func TestSQLVersion(t *testing.T) {
	db := testdb.SQLite(t,
		`CREATE TABLE versioned (id INTEGER PRIMARY KEY, path TEXT, methods TEXT, handler TEXT, Version INTEGER NOT NULL)`,
		`CREATE TABLE plain (id INTEGER PRIMARY KEY, path TEXT, methods TEXT, handler TEXT)`)
	v := &sqlVersion{db: db, table: "versioned", quoted: `"versioned"`}
	read := func() string {
		s, err := v.read(t.Context())
		require.NoError(t, err)
		return s
	}
	assert.Equal(t, "0 <nil>", read())
	_, err := db.Exec(`INSERT INTO versioned VALUES (1, '/a', 'GET', 'h', 1), (2, '/b', 'GET', 'h', 2)`)
	require.NoError(t, err)
	assert.Equal(t, "2 2", read())
	_, err = db.Exec(`UPDATE versioned SET path = '/c', version = 3 WHERE id = 1`)
	require.NoError(t, err)
	assert.Equal(t, "2 3", read())
	_, err = db.Exec(`DELETE FROM versioned WHERE id = 2`)
	require.NoError(t, err)
	assert.Equal(t, "1 3", read())

	p := &sqlVersion{db: db, table: "plain", quoted: `"plain"`}
	_, err = p.read(t.Context())
	assert.ErrorIs(t, err, ErrNoVersion)

	_, err = NewSQL(dynroute.New(nil), db, "bad name; DROP TABLE x", nil)
	assert.ErrorIs(t, err, ErrInvalidOptions)
	_, err = NewSQL(dynroute.New(nil), nil, "routes", nil)
	assert.ErrorIs(t, err, ErrInvalidOptions)
}
