// Package testkit holds the helpers the tests of dynroute's packages share:
// golden files with an -update flag, and the seed corpora of the fuzz
// targets. Only tests import it.
package testkit

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updateGolden reports whether -update was given: rewrite the golden files
// instead of comparing with them. It reuses the flag if a test file of the
// package defined it first, so that the two cannot clash at init.
var updateGolden = goldenFlag()

func goldenFlag() func() bool {
	if f := flag.Lookup("update"); f != nil {
		return func() bool { return f.Value.String() == "true" }
	}
	update := flag.Bool("update", false, "rewrite the golden files under testdata")
	return func() bool { return *update }
}

// Golden compares got with the golden file, or with -update writes it.
func Golden(t testing.TB, file string, got []byte) {
	t.Helper()
	if updateGolden() {
		require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
		require.NoError(t, os.WriteFile(file, got, 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), string(got), "differs from %s (go test -run %s -update rewrites it)", file, t.Name())
}
