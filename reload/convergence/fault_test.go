package convergence

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute/reload/etcd"
	"github.com/dynroute/dynroute/reload/etcd/etcdtest"
	"github.com/dynroute/dynroute/reload/pgnotify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outage is how long the fault test keeps the engine down.
const outage = 3 * time.Second

const lostLog = `level=WARN msg="dynroute: reload: lost the push source`

// fault starts the fleet on set 0 under client load, takes the engine
// down for the outage with down, brings it back with up, writes set 1 and
// waits until all instances serve it: no request may fail meanwhile, and
// each instance logs the outage once.
func fault(t *testing.T, bin string, e engine, down, up func()) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, e.write(ctx, 0))
	fleet := startFleet(t, bin, instances, e.env, e.args...)
	l := startLoad(fleet, stable, loadWorkers)
	time.Sleep(200 * time.Millisecond)

	before := l.requests.Load()
	down()
	stopped := time.Now()
	for _, in := range fleet {
		require.Eventually(t, func() bool { return strings.Contains(in.logs(), lostLog) }, outage, time.Millisecond, "the outage is seen within %v:\n%s", outage, in.logs())
	}
	time.Sleep(outage - time.Since(stopped))
	served := l.requests.Load() - before
	up()
	back := time.Now()
	require.NoError(t, e.write(ctx, 1))
	for _, in := range fleet {
		for !in.serves("/c1", "c1") {
			if time.Since(back) > changeLimit {
				l.end()
				t.Fatalf("%s: the change after the restart is not served by %s within %v:\n%s", e.name, in.addr, changeLimit, in.logs())
			}
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("%s: down %v (the outage and the restart), %d requests served meanwhile; back and the next change served by all %d instances %v after the restart",
		e.name, back.Sub(stopped).Round(time.Millisecond), served, instances, time.Since(back).Round(time.Millisecond))
	time.Sleep(200 * time.Millisecond)
	l.end()
	assert.Zero(t, l.failed.Load(), "requests failed: %v", l.firstFailures)
	for _, in := range fleet {
		logs := in.logs()
		assert.Equal(t, 1, strings.Count(logs, lostLog), "the outage is logged once:\n%s", logs)
		assert.Contains(t, logs, "the push source is back")
	}
}

// TestFault stops etcd, then a PostgreSQL server of the test's own, for
// three seconds each while a fleet of three instances serves.
func TestFault(t *testing.T) {
	bin := buildInstance(t)
	t.Run("etcd", func(t *testing.T) {
		srv := etcdtest.Start(t)
		cli := srv.Client("")
		const prefix = "/fault/routes/"
		e := engine{name: "etcd", args: []string{"-engine", "etcd", "-etcd", srv.Endpoint, "-prefix", prefix},
			write: func(ctx context.Context, i int) error {
				ctx, cancel := context.WithTimeout(ctx, changeLimit)
				defer cancel()
				_, err := etcd.Put(ctx, cli, prefix, specsOf(setOf(i)))
				return err
			}}
		fault(t, bin, e, srv.Stop, srv.Start)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		srv := startPostgres(t)
		db, err := sql.Open("pgx", srv.dsn())
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		const table = "routes"
		_, err = db.ExecContext(t.Context(), `CREATE TABLE routes (id INTEGER PRIMARY KEY, name TEXT, path TEXT NOT NULL, methods TEXT NOT NULL, handler TEXT NOT NULL)`)
		require.NoError(t, err)
		require.NoError(t, pgnotify.Install(t.Context(), db, table, ""))
		e := engine{name: "PostgreSQL", args: []string{"-engine", "pgnotify", "-table", table},
			env: []string{"DYNROUTE_TEST_POSTGRES=" + srv.dsn()}, write: pgWrite(db, table)}
		fault(t, bin, e, srv.stop, srv.start)
	})
}
