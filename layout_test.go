package dynroute

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The packages of the module and what each may import inside it: imports
// run one way, jsonschema <- openapi <- root <- typed <- crud, root <-
// reload, root <- auth, and internal/... below them all. A lower layer that needs a
// higher one's help defines a small interface the higher one implements
// (OperationDescriber, BodyLimiter, RouteChecker). Tests follow the rows
// of their package; an external test package (package x_test) may also
// import the package it tests. Nothing imports unsafe.
//
// A package missing from the table fails the test: add its row.
var layers = map[string][]string{
	"jsonschema":   {"internal/..."},
	"openapi":      {"jsonschema", "internal/..."},
	".":            {"openapi", "jsonschema", "internal/..."},
	"typed":        {".", "openapi", "jsonschema", "internal/..."},
	"crud":         {".", "typed", "openapi", "jsonschema", "internal/..."},
	"reload":       {".", "internal/..."},
	"auth":         {".", "internal/..."},
	"docsui":       {"."},
	"internal/...": {"internal/..."},
	// The examples are programs: they use the public packages, and
	// examples/internal/... their own helpers, never the library's
	// internal packages.
	"examples/...": {".", "typed", "crud", "reload", "auth", "openapi", "jsonschema", "docsui", "examples/internal/..."},
}

// forbiddenStd are standard packages no package of the module imports.
var forbiddenStd = []string{"unsafe"}

const modulePath = "github.com/dynroute/dynroute"

// TestLayout checks the imports of every Go file of the module against
// layers.
func TestLayout(t *testing.T) {
	files, err := moduleImports(".")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, problem := range checkLayout(files) {
		t.Error(problem)
	}
}

// TestLayoutCatches checks that checkLayout finds the imports it must
// refuse, so that TestLayout cannot pass by looking at nothing.
func TestLayoutCatches(t *testing.T) {
	good := []importingFile{
		{dir: ".", file: "router.go", pkg: "dynroute", imports: []string{"net/http", modulePath + "/openapi"}},
		{dir: "typed", file: "typed.go", pkg: "typed", imports: []string{modulePath, modulePath + "/internal/httpx"}},
		{dir: "typed", file: "example_test.go", pkg: "typed_test", test: true, imports: []string{modulePath + "/typed"}},
		{dir: "internal/httpx", file: "httpx.go", pkg: "httpx", imports: []string{"net/http"}},
	}
	assert.Empty(t, checkLayout(good))
	tests := []struct {
		name string
		f    importingFile
		want string
	}{
		{"the root imports a higher layer", importingFile{dir: ".", file: "body.go", pkg: "dynroute", imports: []string{modulePath + "/typed"}}, `body.go imports "typed"`},
		{"a lower layer imports the root", importingFile{dir: "openapi", file: "json.go", pkg: "openapi", imports: []string{modulePath}}, `json.go imports "."`},
		{"reload imports typed", importingFile{dir: "reload", file: "reload.go", pkg: "reload", imports: []string{modulePath + "/typed"}}, `imports "typed"`},
		{"a test imports above its package", importingFile{dir: "jsonschema", file: "x_test.go", pkg: "jsonschema", test: true, imports: []string{modulePath + "/typed"}}, `imports "typed"`},
		{"an external test imports above its package", importingFile{dir: ".", file: "x_test.go", pkg: "dynroute_test", test: true, imports: []string{modulePath + "/crud"}}, `imports "crud"`},
		{"internal imports a public package", importingFile{dir: "internal/httpx", file: "h.go", pkg: "httpx", imports: []string{modulePath + "/jsonschema"}}, `imports "jsonschema"`},
		{"an example imports the library's internals", importingFile{dir: "examples/config", file: "main.go", pkg: "main", imports: []string{modulePath + "/internal/httpx"}}, `imports "internal/httpx"`},
		{"unsafe", importingFile{dir: "typed", file: "bind.go", pkg: "typed", imports: []string{"unsafe"}}, `imports "unsafe"`},
		{"a package without a row", importingFile{dir: "plugins", file: "plugins.go", pkg: "plugins", imports: []string{modulePath}}, `no row for package "plugins"`},
		{"auth imports typed", importingFile{dir: "auth", file: "jwt.go", pkg: "auth", imports: []string{modulePath + "/typed"}}, `imports "typed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := checkLayout(append(slices.Clone(good), tt.f))
			require.Len(t, problems, 1)
			assert.Contains(t, problems[0], tt.want)
		})
	}
}

// importingFile is the package clause and imports of one Go file.
type importingFile struct {
	dir     string // the package's directory, slash-separated, relative to the module root
	file    string
	pkg     string // the package clause
	test    bool
	imports []string
}

// moduleImports reads the imports of every Go file under root, leaving out
// testdata, hidden directories and nested modules (bench/ has its own).
func moduleImports(root string) ([]importingFile, error) {
	var out []importingFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		imf := importingFile{dir: dir, file: filepath.ToSlash(p), pkg: f.Name.Name, test: strings.HasSuffix(p, "_test.go")}
		for _, spec := range f.Imports {
			ip, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			imf.imports = append(imf.imports, ip)
		}
		out = append(out, imf)
		return nil
	})
	return out, err
}

// checkLayout returns a line per import that breaks layers.
func checkLayout(files []importingFile) []string {
	var problems []string
	for _, f := range files {
		row, ok := rowOf(f.dir)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no row for package %q in layers (layout_test.go)", f.file, f.dir))
			continue
		}
		for _, ip := range f.imports {
			if slices.Contains(forbiddenStd, ip) {
				problems = append(problems, fmt.Sprintf("%s imports %q: no package of the module may", f.file, ip))
				continue
			}
			rel, inModule := moduleRelative(ip)
			if !inModule {
				continue
			}
			switch {
			case rel == f.dir && f.test && strings.HasSuffix(f.pkg, "_test"):
				// An external test imports the package it tests.
			case allowed(row, rel):
			default:
				problems = append(problems, fmt.Sprintf("%s imports %q, which package %q may not: it may import %s",
					f.file, rel, f.dir, strings.Join(row, ", ")))
			}
		}
	}
	return problems
}

// rowOf returns the row of the package in dir.
func rowOf(dir string) ([]string, bool) {
	for pattern, row := range layers {
		if matchPackage(pattern, dir) {
			return row, true
		}
	}
	return nil, false
}

// allowed reports whether a package of row may import rel.
func allowed(row []string, rel string) bool {
	for _, pattern := range row {
		if matchPackage(pattern, rel) {
			return true
		}
	}
	return false
}

// matchPackage reports whether the module-relative package dir matches
// pattern: a directory, or one with /... for it and everything below it.
func matchPackage(pattern, dir string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return dir == prefix || strings.HasPrefix(dir, prefix+"/")
	}
	return dir == pattern
}

// moduleRelative returns an import path of the module relative to its
// root ("." for the root), and whether it is one.
func moduleRelative(importPath string) (string, bool) {
	if importPath == modulePath {
		return ".", true
	}
	rel, ok := strings.CutPrefix(importPath, modulePath+"/")
	return path.Clean(rel), ok
}
