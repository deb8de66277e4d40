// Package testdb opens the databases dynroute's tests use: SQLite files
// (modernc.org/sqlite, pure Go) and the PostgreSQL server that
// DYNROUTE_TEST_POSTGRES names (.ci/postgres.sh starts one and prints it).
// Only tests import it.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"
)

// PostgresEnv names the environment variable with the DSN of the test
// PostgreSQL server.
const PostgresEnv = "DYNROUTE_TEST_POSTGRES"

// SQLite returns a new SQLite database in a file of the test's, with stmts
// run on it.
func SQLite(t *testing.T, stmts ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "routes.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
	return db
}

// PostgresDSN returns the DSN of the test PostgreSQL server. Without one
// the test is skipped, or fails when CI is set: CI must run it.
func PostgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set, and CI must run the PostgreSQL test: eval \"$(.ci/postgres.sh)\" first", PostgresEnv)
		}
		t.Skipf("%s is not set: set it to a PostgreSQL DSN (.ci/postgres.sh prints one) to run this test", PostgresEnv)
	}
	return dsn
}

// OpenPostgres connects to dsn for the test, closing it at the end, with at
// most 16 connections so that other tests on the server get theirs.
func OpenPostgres(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(16)
	require.NoError(t, db.PingContext(t.Context()), "PostgreSQL at %s=%s", PostgresEnv, dsn)
	return db
}

// RandomHex returns 12 random hex digits, for names of tables and schemas
// that tests sharing one server must not share.
func RandomHex(t *testing.T) string {
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return hex.EncodeToString(b[:])
}

// FuzzValue turns fuzzed text into the value stored in a column of no
// type (SQLite keeps it as given), by kind: text, NULL, an integer, a real
// or a blob.
func FuzzValue(kind uint8, s string) any {
	switch kind % 5 {
	case 1:
		return nil
	case 2:
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return n
		}
		return int64(len(s))
	case 3:
		if x, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsNaN(x) {
			return x
		}
		return float64(len(s)) + 0.5
	case 4:
		return []byte(s)
	}
	return s
}
