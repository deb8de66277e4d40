package testkit

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The seed corpora of a package's fuzz targets, testdata/fuzz/<target>/seed-*,
// are made from the repository's own inputs (config files, OpenAPI
// documents, the examples' routes) and from real-world paths, queries and
// headers. A package's TestFuzzCorpus gives them to CheckFuzzCorpus, which
// checks that the files are those the sources give;
//
//	go test -run TestFuzzCorpus -fuzzcorpus ./...
//
// rewrites them. Other files there (inputs the fuzzer found) are left alone.

var fuzzCorpusFlag = flag.Bool("fuzzcorpus", false, "rewrite the seed corpora under testdata/fuzz from their sources")

// fuzzCorpusPrefix starts the names of generated corpus files.
const fuzzCorpusPrefix = "seed-"

// fuzzCorpusMaxFile is the largest corpus file kept.
const fuzzCorpusMaxFile = 100 << 10

// A Corpus holds the seed inputs of fuzz targets, as argument lists.
type Corpus map[string][][]any

// Add adds one input of target.
func (c Corpus) Add(target string, args ...any) { c[target] = append(c[target], args) }

// CheckFuzzCorpus checks that the corpus files of the package in the
// current directory are those of c, and that every fuzz target of its test
// files has some; with -fuzzcorpus it rewrites them.
func CheckFuzzCorpus(t *testing.T, c Corpus) {
	t.Helper()
	require.ElementsMatch(t, fuzzTargets(t), slices.Collect(maps.Keys(c)), "fuzz targets and corpora")
	for target, entries := range c {
		dir := filepath.Join("testdata", "fuzz", target)
		want := map[string][]byte{}
		for _, args := range entries {
			b := marshalFuzzInput(args)
			if len(b) > fuzzCorpusMaxFile {
				continue
			}
			sum := sha256.Sum256(b)
			want[fmt.Sprintf("%s%x", fuzzCorpusPrefix, sum[:8])] = b
		}
		require.NotEmpty(t, want, target)
		if *fuzzCorpusFlag {
			require.NoError(t, os.MkdirAll(dir, 0o755))
		}
		have, err := filepath.Glob(filepath.Join(dir, fuzzCorpusPrefix+"*"))
		require.NoError(t, err)
		for _, file := range have {
			if _, ok := want[filepath.Base(file)]; ok {
				continue
			}
			if *fuzzCorpusFlag {
				require.NoError(t, os.Remove(file))
				continue
			}
			t.Errorf("%s is not made from the sources; run go test -run TestFuzzCorpus -fuzzcorpus .", file)
		}
		for name, b := range want {
			file := filepath.Join(dir, name)
			if *fuzzCorpusFlag {
				require.NoError(t, os.WriteFile(file, b, 0o644))
				continue
			}
			got, err := os.ReadFile(file)
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("%s is missing or stale; run go test -run TestFuzzCorpus -fuzzcorpus .", file)
			}
		}
	}
}

// fuzzTargets lists the Fuzz functions of the package's test files.
func fuzzTargets(t *testing.T) []string {
	files, err := filepath.Glob("*_test.go")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	var out []string
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range re.FindAllSubmatch(b, -1) {
			out = append(out, string(m[1]))
		}
	}
	return out
}

// marshalFuzzInput writes one input in the corpus file format of go test
// (as internal/fuzz writes it).
func marshalFuzzInput(args []any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		case bool, uint32, uint64:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		default:
			panic(fmt.Sprintf("marshalFuzzInput: %T", a))
		}
	}
	return b.Bytes()
}

// Files reads the files the patterns match, by their slash-separated
// names.
func Files(t *testing.T, patterns ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.FromSlash(p))
		require.NoError(t, err)
		require.NotEmpty(t, files, p)
		for _, file := range files {
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			out[filepath.ToSlash(file)] = b
		}
	}
	return out
}

// Sorted returns m's values in key order.
func Sorted(m map[string][]byte) [][]byte {
	keys := slices.Sorted(maps.Keys(m))
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
