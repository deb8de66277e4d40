package pgnotify

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute/internal/tcpproxy"
	"github.com/dynroute/dynroute/reload"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutage takes PostgreSQL away from two instances for three seconds
// under their feet — every connection closed and new ones refused, as a
// stopped server does — while the routes change: they keep serving, log
// the outage once, and converge once it is back. (A real stop of the
// server would take every other test on the shared server down with it;
// the instances see the same: a reset connection, then refused ones.)
func TestOutage(t *testing.T) {
	dsn := postgresDSN(t)
	db := openDB(t, dsn)
	table := newTable(t, db)
	exec(t, db, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (1, 'a', '/a', 'GET', 'hello'), (2, 'b', '/b', 'GET', 'hello')`, table))
	require.NoError(t, Install(t.Context(), db, table, ""))

	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	proxy := tcpproxy.New(t, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.Host = proxy.Addr()
	viaProxy := openDB(t, u.String())
	viaProxy.SetConnMaxIdleTime(time.Second)
	opts := Options{CheckInterval: 100 * time.Millisecond, Reload: &reload.Options{PollInterval: 200 * time.Millisecond, WatchRetry: 200 * time.Millisecond}}
	fleet := []*instance{newInstance(t, viaProxy, table, &opts), newInstance(t, viaProxy, table, &opts)}
	converge(t, fleet, map[string]string{"/a": "a", "/b": "b"})

	proxy.SetCut(true)
	const lost = `level=WARN msg="dynroute: reload: lost the push source`
	for _, in := range fleet {
		require.Eventually(t, func() bool { return strings.Contains(in.logs.String(), lost) }, waitLimit, time.Millisecond)
		assert.False(t, in.rl.Status().OK)
	}
	exec(t, db, `DELETE FROM `+table+` WHERE id = 2`,
		fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (3, 'c', '/c', 'GET', 'hello')`, table))
	down := time.Now()
	for time.Since(down) < 3*time.Second {
		for _, in := range fleet {
			require.True(t, in.serves(map[string]string{"/a": "a", "/b": "b"}), "the last good routes serve during the outage")
		}
		time.Sleep(10 * time.Millisecond)
	}
	proxy.SetCut(false)
	d := converge(t, fleet, map[string]string{"/a": "a", "/b": "", "/c": "c"})
	t.Logf("back: the change made during the outage served by both instances in %v", d)
	for _, in := range fleet {
		require.Eventually(t, func() bool { return in.rl.Status().OK }, waitLimit, time.Millisecond, in.logs.String())
		logs := in.logs.String()
		assert.Equal(t, 1, strings.Count(logs, lost), "the outage is logged once:\n%s", logs)
		assert.Contains(t, logs, "the push source is back")
		assert.Equal(t, version(t, db, table), in.rl.Version())
	}
	// Followed by push again.
	exec(t, db, fmt.Sprintf(`INSERT INTO %s (id, name, path, methods, handler) VALUES (4, 'd', '/d', 'GET', 'hello')`, table))
	converge(t, fleet, map[string]string{"/d": "d"})
}
