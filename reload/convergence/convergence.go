// Package convergence measures how a fleet of dynroute instances follows
// a routes source: three instances, separate processes built from
// cmd/instance, serve on loopback under client load while a test writes
// route changes to etcd (reload/etcd), to a PostgreSQL table followed by
// LISTEN (reload/pgnotify) or to one polled (reload.NewSQL), and times how
// long each change takes until all three serve it (issue 21, items 4-5).
//
//	go test -run TestConvergence -v                              # 20 changes per engine, as CI runs it
//	DYNROUTE_CONVERGENCE=full go test -run TestConvergence -v    # 200 changes, the BENCHMARKS.md figures
//
// PostgreSQL is the server of DYNROUTE_TEST_POSTGRES (.ci/postgres.sh);
// etcd is started by the test from Debian's etcd-server package. It is a
// module of its own, requiring both engines' clients, so that neither
// reaches the modules it measures.
package convergence

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Fingerprint names a route set by its routes' names and paths, whatever
// their order: the instances report the fingerprint of each set they
// publish, the test that of each set it writes.
func Fingerprint(routes [][2]string) string {
	lines := make([]string, len(routes))
	for i, r := range routes {
		lines[i] = r[0] + " " + r[1]
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:8])
}
