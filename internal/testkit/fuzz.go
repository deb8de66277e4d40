package testkit

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
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

// fuzzCorpusMaxFile is the largest corpus file: go test -fuzz minimizes
// every input that finds new coverage for up to a minute by default, and
// the time grows with the input, so that a run of the plain command on
// large seeds does little else. A larger seed is an error; split it.
const fuzzCorpusMaxFile = 2 << 10

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
				t.Errorf("a seed of %s is %d bytes, over %d: split it into smaller ones (%.80q…)", target, len(b), fuzzCorpusMaxFile, b)
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

// SeedPieces returns doc, a YAML or JSON document, as seeds that fit a
// corpus file: doc itself when it fits, else pieces of it, each keeping the
// members above it (a piece of an OpenAPI document is still
// {paths: {/pet: {get: …}}}) and the root members named in keep (openapi,
// without which a loader reads nothing). Pieces are written as JSON when
// asJSON, else as YAML; a string too long for any piece is cut.
func SeedPieces(t testing.TB, doc []byte, asJSON bool, keep ...string) [][]byte {
	t.Helper()
	fits := func(b []byte) bool { return len(marshalFuzzInput([]any{b})) <= fuzzCorpusMaxFile }
	if fits(doc) {
		return [][]byte{doc}
	}
	var decoded any
	require.NoError(t, yaml.Unmarshal(doc, &decoded))
	encode := func(v any) []byte {
		var b []byte
		var err error
		if asJSON {
			b, err = json.Marshal(v)
		} else {
			b, err = yaml.Marshal(v)
		}
		require.NoError(t, err)
		return b
	}
	var out [][]byte
	add := func(v any, wrap func(any) any) {
		ps := pieces(v, func(p any) bool { return fits(encode(wrap(p))) })
		require.NotEmpty(t, ps, "a part of the document cannot be made into a seed of %d bytes", fuzzCorpusMaxFile)
		for _, p := range ps {
			out = append(out, encode(wrap(p)))
		}
	}
	root, ok := plainKeys(decoded).(map[string]any)
	if !ok { // a list, or a scalar: its pieces as they are
		add(plainKeys(decoded), func(p any) any { return p })
		return out
	}
	kept := map[string]any{}
	for _, k := range keep {
		if v, ok := root[k]; ok {
			kept[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(root)) {
		if _, ok := kept[k]; ok {
			continue
		}
		add(root[k], func(p any) any {
			m := maps.Clone(kept)
			m[k] = p
			return m
		})
	}
	return out
}

// pieces splits v into values for which fits holds: v itself, or the
// pieces of each member or item, each inside its own mapping or list, or a
// string cut short. A part that cannot be made to fit (a number too long)
// leaves the result empty, which SeedPieces reports.
func pieces(v any, fits func(any) bool) []any {
	if fits(v) {
		return []any{v}
	}
	var out []any
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			ps := pieces(v[k], func(p any) bool { return fits(map[string]any{k: p}) })
			if len(ps) == 0 {
				return nil
			}
			for _, p := range ps {
				out = append(out, map[string]any{k: p})
			}
		}
	case []any:
		for _, item := range v {
			ps := pieces(item, func(p any) bool { return fits([]any{p}) })
			if len(ps) == 0 {
				return nil
			}
			for _, p := range ps {
				out = append(out, []any{p})
			}
		}
	case string:
		for n := len(v) / 2; n > 0; n /= 2 {
			if fits(v[:n]) {
				return []any{v[:n]}
			}
		}
	}
	return out
}

// plainKeys makes the mappings yaml.v3 decodes with non-string keys (200:
// in responses) mappings with string keys, as JSON has them.
func plainKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plainKeys(x)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = plainKeys(x)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plainKeys(x)
		}
		return out
	}
	return v
}

// fuzzMinimizeTime is how long go test -fuzz minimizes an input it keeps,
// unless -fuzzminimizetime says otherwise. Go's default is a minute per
// input that widens coverage, and with documents for inputs that minute is
// most of a run: `go test -fuzz FuzzLoadOpenAPI` alone did little else.
const fuzzMinimizeTime = "5s"

// Main runs the tests of a package with fuzz targets; its TestMain calls
// it. Unless -fuzzminimizetime is given, a fuzzing run minimizes each
// input it keeps for at most fuzzMinimizeTime.
func Main(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.fuzzminimizetime" })
	if !given {
		if err := flag.Set("test.fuzzminimizetime", fuzzMinimizeTime); err != nil {
			fmt.Fprintln(os.Stderr, "testkit: setting -fuzzminimizetime:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
