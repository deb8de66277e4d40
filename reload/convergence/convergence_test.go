package convergence

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload/etcd"
	"github.com/dynroute/dynroute/reload/etcd/etcdtest"
	"github.com/dynroute/dynroute/reload/pgnotify"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullEnv set to "full" runs the benchmark's 200 changes per push engine
// and checks the goal; otherwise a short run as CI's.
const fullEnv = "DYNROUTE_CONVERGENCE"

const (
	instances   = 3
	loadWorkers = 2
	goal        = 200 * time.Millisecond
	changeLimit = 15 * time.Second // a change not served by then fails the test
)

// stable are the routes of every set, which the load requests: none may
// fail.
var stable = []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"}

// setOf is the i-th set written: the stable routes and c<i>.
func setOf(i int) [][2]string {
	var set [][2]string
	for _, s := range stable {
		set = append(set, [2]string{s, "/" + s})
	}
	c := fmt.Sprintf("c%d", i)
	return append(set, [2]string{c, "/" + c})
}

func specsOf(set [][2]string) []dynroute.RouteSpec {
	specs := make([]dynroute.RouteSpec, len(set))
	for i, r := range set {
		specs[i] = dynroute.RouteSpec{Name: r[0], Path: r[1], Methods: []string{"GET"}, Handler: "hello"}
	}
	return specs
}

// engine is what a run measures: how to write set i (from set i-1), and
// how to start an instance that follows it.
type engine struct {
	name  string
	args  []string
	env   []string
	write func(ctx context.Context, i int) error
	// pause bounds the random pause before each change, so that changes
	// do not fall in step with a poll (or anything periodic).
	pause time.Duration
}

// result is one engine's figures.
type result struct {
	name               string
	changes            int
	p50, p99, max      time.Duration
	requests, failed   int64
	neverWritten, sets int
	failures           []string
}

// run starts the fleet on set 0, then writes sets 1..changes one at a
// time, each timed from just before its write until all instances serve
// its new route, under the client load.
func run(t *testing.T, bin string, e engine, changes int) result {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, e.write(ctx, 0))
	fleet := startFleet(t, bin, instances, e.env, e.args...)
	written := map[string]bool{Fingerprint(setOf(0)): true}
	for _, in := range fleet {
		require.True(t, in.serves("/c0", "c0"), "the first load: %s", in.logs())
	}
	l := startLoad(fleet, stable, loadWorkers)
	times := make([]time.Duration, 0, changes)
	slowest, slowestAt := time.Duration(0), 0
	for i := 1; i <= changes; i++ {
		time.Sleep(mathrand.N(e.pause))
		name := fmt.Sprintf("c%d", i)
		written[Fingerprint(setOf(i))] = true
		start := time.Now()
		require.NoError(t, e.write(ctx, i), "change %d", i)
		for _, in := range fleet {
			for !in.serves("/"+name, name) {
				if time.Since(start) > changeLimit {
					l.end()
					t.Fatalf("%s: change %d not served by %s within %v; logs:\n%s", e.name, i, in.addr, changeLimit, in.logs())
				}
				time.Sleep(200 * time.Microsecond)
			}
		}
		d := time.Since(start)
		times = append(times, d)
		if d > slowest {
			slowest, slowestAt = d, i
		}
	}
	t.Logf("%s: the slowest change was change %d of %d, %v", e.name, slowestAt, changes, slowest)
	time.Sleep(200 * time.Millisecond) // load beyond the last change
	l.end()

	res := result{name: e.name, changes: changes, requests: l.requests.Load(), failed: l.failed.Load(), failures: l.firstFailures}
	slices.Sort(times)
	res.p50, res.p99, res.max = percentile(times, 50), percentile(times, 99), times[len(times)-1]
	last := Fingerprint(setOf(changes))
	for _, in := range fleet {
		sets := in.sets()
		res.sets += len(sets)
		for _, s := range sets {
			if !written[s.fingerprint] {
				res.neverWritten++
				t.Errorf("%s: %s served a set never written: version %s, fingerprint %s", e.name, in.addr, s.version, s.fingerprint)
			}
		}
		if assert.NotEmpty(t, sets) {
			assert.Equal(t, last, sets[len(sets)-1].fingerprint, "%s: the last set published is the last written", in.addr)
		}
	}
	return res
}

// percentile is the nearest-rank percentile of sorted times.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

func postgres(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv("DYNROUTE_TEST_POSTGRES")
	if dsn == "" {
		const msg = "DYNROUTE_TEST_POSTGRES is not set: set it to a PostgreSQL DSN (.ci/postgres.sh prints one)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.PingContext(t.Context()))
	return db
}

// pgTable creates a routes table in a schema of the test's own.
func pgTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "convergence_" + hex.EncodeToString(b[:])
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

// pgWrite writes set i into table in one transaction: set 0 whole, then
// c<i> inserted and c<i-1> deleted.
func pgWrite(db *sql.DB, table string) func(ctx context.Context, i int) error {
	return func(ctx context.Context, i int) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		var stmts []string
		insert := func(id int, name string) {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (%d, '%s', '/%s', 'GET', 'hello')`, table, id, name, name))
		}
		if i == 0 {
			for k, s := range stable {
				insert(1000+k, s)
			}
		} else {
			stmts = append(stmts, fmt.Sprintf(`DELETE FROM %s WHERE id = %d`, table, i-1))
		}
		insert(i, fmt.Sprintf("c%d", i))
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
}

// TestConvergence measures each engine in turn and prints a Markdown
// table of the figures.
func TestConvergence(t *testing.T) {
	full := os.Getenv(fullEnv) == "full"
	changes, pollChanges := 20, 5
	if full {
		changes, pollChanges = 200, 30
	}
	bin := buildInstance(t)
	var results []result

	t.Run("etcd", func(t *testing.T) {
		srv := etcdtest.Start(t)
		cli := srv.Client("")
		const prefix = "/convergence/routes/"
		e := engine{name: "etcd watch (reload/etcd)", args: []string{"-engine", "etcd", "-etcd", srv.Endpoint, "-prefix", prefix},
			pause: 20 * time.Millisecond,
			write: func(ctx context.Context, i int) error {
				_, err := etcd.Put(ctx, cli, prefix, specsOf(setOf(i)))
				return err
			}}
		results = append(results, run(t, bin, e, changes))
	})
	t.Run("pgnotify", func(t *testing.T) {
		db := postgres(t)
		table := pgTable(t, db)
		require.NoError(t, pgnotify.Install(t.Context(), db, table, ""))
		e := engine{name: "PostgreSQL LISTEN/NOTIFY (reload/pgnotify)", args: []string{"-engine", "pgnotify", "-table", table}, write: pgWrite(db, table), pause: 20 * time.Millisecond}
		results = append(results, run(t, bin, e, changes))
	})
	t.Run("poll", func(t *testing.T) {
		db := postgres(t)
		table := pgTable(t, db)
		e := engine{name: "PostgreSQL polled every 1s (reload.NewSQL)", args: []string{"-engine", "poll", "-table", table, "-poll", "1s"}, write: pgWrite(db, table), pause: time.Second}
		results = append(results, run(t, bin, e, pollChanges))
	})

	var b strings.Builder
	fmt.Fprintf(&b, "\n%d instances (separate processes) on loopback, %d client workers on routes present in every set; a change = one transaction (add one route, remove one)\n\n", instances, loadWorkers)
	b.WriteString("| source | changes | p50 | p99 | max | requests | failed | sets published | never-written sets |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d | %d | %d | %d |\n", r.name, r.changes, ms(r.p50), ms(r.p99), ms(r.max), r.requests, r.failed, r.sets, r.neverWritten)
	}
	t.Log(b.String())
	for _, r := range results {
		assert.Zero(t, r.failed, "%s: requests for routes in every set failed: %v", r.name, r.failures)
		assert.Zero(t, r.neverWritten, "%s: sets never written were served", r.name)
		if full && !strings.Contains(r.name, "polled") {
			assert.LessOrEqual(t, r.p99, goal, "%s: p99 of %d changes", r.name, r.changes)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
