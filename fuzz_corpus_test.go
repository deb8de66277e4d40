package dynroute

import (
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/require"
)

// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

func TestFuzzCorpus(t *testing.T) {
	testkit.CheckFuzzCorpus(t, fuzzCorpus(t))
}

// githubPaths are route patterns of GitHub's REST API, with the pairs
// ServeMux refuses as ambiguous.
var githubPaths = []string{
	"/repos/{owner}/{repo}", "/repos/{owner}/{repo}/issues", "/repos/{owner}/{repo}/issues/{issue_number}",
	"/repos/{owner}/{repo}/issues/comments", "/repos/{owner}/{repo}/issues/comments/{comment_id}",
	"/repos/{owner}/{repo}/issues/{issue_number}/comments", "/repos/{owner}/{repo}/contents/{path...}",
	"/repos/{owner}/{repo}/git/refs/{ref...}", "/users/{username}/repos", "/user/repos", "/orgs/{org}/members/{username}",
	"/gists/{gist_id}/{sha}", "/gists/starred", "/repos/{owner}/{repo}/pulls/{pull_number}/files",
}

// oddPatterns are route patterns at the edges of the syntax.
var oddPatterns = []string{
	"/", "/a/", "/{x}/", "/files/{path...}", "/%2e%2e/{a}", "/a//b", `/a\b/{c}`, "/a/\x00", "/ü/{ü}", "/{a}{b}",
	"/" + strings.Repeat("{p}/", 20), "/{" + strings.Repeat("p", 300) + "}", "/users/:id", "/static/*filepath",
	"/a/{b...}/c", "/{$}", "/a/{x}.json", "/v1/{id}:cancel",
}

// concretePath turns a pattern into a request path: each parameter a
// value, a catch-all two segments.
func concretePath(pattern, value string) string {
	re := regexp.MustCompile(`\{[^{}/]*\}`)
	return re.ReplaceAllStringFunc(pattern, func(p string) string {
		if strings.HasSuffix(p, "...}") {
			return "a/" + value
		}
		return value
	})
}

// fuzzCorpus returns the seed inputs of every fuzz target, as argument
// lists.
func fuzzCorpus(t *testing.T) testkit.Corpus {
	c := testkit.Corpus{}
	add := c.Add

	// Config files, as the loaders read them.
	yamlFiles := testkit.Files(t, "testdata/config/*.yaml", "examples/config/*.yaml", "examples/plugins/*.yaml")
	jsonFiles := testkit.Files(t, "testdata/config/*.json")
	openapiFiles := testkit.Files(t, "testdata/openapi/*.yaml", "testdata/openapi/*.json", "typed/testdata/openapi/*.json", "crud/testdata/openapi/*.json")
	for _, b := range testkit.Sorted(yamlFiles) {
		add("FuzzLoadYAML", b)
	}
	for _, b := range testkit.Sorted(jsonFiles) {
		add("FuzzLoadJSON", b)
	}
	for _, name := range slices.Sorted(maps.Keys(openapiFiles)) {
		for _, b := range testkit.SeedPieces(t, openapiFiles[name], strings.HasSuffix(name, ".json"), "openapi") {
			add("FuzzLoadOpenAPI", b)
		}
	}

	// Documents split into files: a root and a file it names.
	for _, pair := range [][2]string{
		{"openapi: 3.1.0\npaths:\n  /a:\n    get: {$ref: b.yaml}\n    put: {$ref: 'dir/b.yaml#/put'}\n  /c:\n    $ref: 'b.yaml#/item'\n",
			"operationId: a\nput: {operationId: p, tags: [t]}\nitem: {$ref: 'dir/../b.yaml#/item'}\n"},
		{`{"openapi": "3.1.0", "paths": {"/a": {"$ref": "dir/b.yaml#/i"}}}`, `{"i": {"get": {"$ref": "../b.yaml#/o"}}, "o": {"operationId": "o"}}`},
		{"openapi: 3.1.0\npaths:\n  /a: {get: {$ref: '../b.yaml'}}\n  /b: {$ref: 'b.yaml#/x/0'}\n", "x: [{$ref: 'b.yaml#/x/0'}]\n"},
	} {
		add("FuzzLoadOpenAPIFS", []byte(pair[0]), []byte(pair[1]))
	}

	// The routes of the valid files.
	var specs []RouteSpec
	for _, file := range []string{"testdata/config/seed.yaml", "examples/config/routes.yaml", "examples/plugins/plugins.yaml"} {
		s, err := LoadYAML(bytes.NewReader(yamlFiles[file]), file)
		require.NoError(t, err, file)
		specs = append(specs, s...)
	}
	s, err := LoadOpenAPI(bytes.NewReader(openapiFiles["testdata/openapi/petstore.yaml"]), "petstore.yaml")
	require.NoError(t, err)
	specs = append(specs, s...)
	var patterns []string
	for _, s := range specs {
		patterns = append(patterns, s.Path)
	}
	patterns = append(patterns, githubPaths...)
	patterns = append(patterns, fuzzTable...)
	patterns = append(patterns, oddPatterns...)
	slices.Sort(patterns)
	patterns = slices.Compact(patterns)
	for _, p := range patterns {
		add("FuzzParsePattern", p)
	}

	// Request paths for the table of FuzzServePath: its routes and the
	// petstore's with values, and paths a client or an attacker may send.
	var paths []string
	for _, p := range append(slices.Clone(fuzzTable), "/pet/{petId}", "/store/order/{orderId}", "/user/{username}") {
		paths = append(paths, concretePath(p, "7"))
	}
	paths = slices.Compact(paths)
	for _, p := range paths {
		add("FuzzServePath", "GET", p)
	}
	for _, target := range []string{
		"/pet/%2e%2e/7", "/pet/%2E/7", "/pet//7", `/pet\7`, `/files/..\..\etc\passwd`, "/files/%00", "/files/a%2Fb",
		"/pet/" + strings.Repeat("9", 1000), "/user/%C3%BC", "/user/ü", "/a/b", "/a/b//", "/a/x/c/", "/static",
		"/pet/findByStatus?status=available&status=sold", "/repos/o/r/issues/comments/1", "/repos/o/r/issues/1/comments",
		"http://x/pet/7", "/pet/7#frag", "/./pet/7", "/pet/7/..", "/pet/7/%2e%2e", "/%2F", "/files/" + strings.Repeat("a/", 200),
	} {
		add("FuzzServePath", "GET", target)
	}
	for _, m := range [][2]string{{"HEAD", "/pet/7"}, {"POST", "/pet/7"}, {"DELETE", "/files/x"}, {"OPTIONS", "*"}, {"OPTIONS", "/pet"}, {"BREW", "/pet"}, {"get", "/pet"}, {"CONNECT", "x:443"}} {
		add("FuzzServePath", m[0], m[1])
	}

	// Random route sets: a spread of seeds, sizes and depths.
	for i := range uint64(12) {
		add("FuzzRouteSet", i+1, i*7919+3, uint8(4+i*5), uint8(1+i%8))
	}

	// The routes as environment variables, one route and one file at a time,
	// among the variables a process has anyway.
	envLine := func(s RouteSpec) []string {
		key := "ROUTES_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s.Name)) + "_"
		lines := []string{key + "PATH=" + s.Path, key + "METHODS=" + strings.Join(s.Methods, ","), key + "HANDLER=" + s.Handler}
		if len(s.Tags) > 0 {
			lines = append(lines, key+"TAGS="+strings.Join(s.Tags, ","))
		}
		if s.Summary != "" {
			lines = append(lines, key+"SUMMARY="+s.Summary)
		}
		if s.StatusCode != 0 {
			lines = append(lines, key+"STATUS_CODE="+strconv.Itoa(s.StatusCode))
		}
		if s.Deprecated {
			lines = append(lines, key+"DEPRECATED=true")
		}
		return lines
	}
	var all []string
	for i, s := range specs[:min(len(specs), 16)] {
		if s.Name == "" {
			continue
		}
		add("FuzzLoadEnv", "ROUTES", strings.Join(envLine(s), "\n"))
		if i < 8 { // a few routes at once; a seed stays small
			all = append(all, envLine(s)...)
		}
	}
	add("FuzzLoadEnv", "ROUTES", strings.Join(append([]string{"PATH=/usr/local/bin:/usr/bin", "HOME=/root", "ROUTESX=1"}, all...), "\n"))
	add("FuzzLoadEnv", "ROUTES_V2", "ROUTES_V2_A_PATH=/a\nROUTES_V2_A_METHODS=GET\nROUTES_V2_A_HANDLER=h\nROUTES_V2__PATH=/b")

	// The routes as rows of a routes table: text, as the documented table
	// holds them, and as typed values (3 bits a column, see fuzzSQLValue).
	for i, s := range specs[:min(len(specs), 12)] {
		kinds := uint32(0)
		if i%2 == 1 {
			kinds = 2 | 2<<18 | 2<<21 | 2<<24 | 2<<27 // integers for id, status and the booleans
		}
		status := ""
		if s.StatusCode != 0 {
			status = strconv.Itoa(s.StatusCode)
		}
		dep := "0"
		if s.Deprecated {
			dep = "1"
		}
		add("FuzzLoadSQL", kinds, strconv.Itoa(i+1), s.Name, s.Path, strings.Join(s.Methods, ","), s.Handler, strings.Join(s.Tags, ","), status, dep, "0", "1")
	}

	// Header matches as the versioning example and content negotiation
	// use them.
	for _, h := range []struct {
		n1, v1   string
		re1      bool
		n2, v2   string
		re2, fb  bool
		req, val string
	}{
		{"Accept-Version", `^2(\.|$)`, true, "Accept-Version", "1", false, true, "Accept-Version", "2"},
		{"Accept-Version", `^2(\.|$)`, true, "Accept-Version", "1", false, true, "Accept-Version", "20"},
		{"Accept-Version", `^2(\.|$)`, true, "Accept-Version", "1", false, false, "Accept-Version", "12"},
		{"Accept-Version", `^2(\.|$)`, true, "Accept-Version", "1", false, false, "accept-version", "1"},
		{"Accept", `application/vnd\.github\.v3\+json`, true, "Accept", "application/json", false, true, "Accept", "application/vnd.github.v3+json"},
		{"X-Tenant", "acme", false, "X-Region", "^eu-", true, true, "X-Region", "eu-west-1"},
		{"Content-Type", "application/json", false, "Content-Type", "(?i)^text/", true, false, "Content-Type", "Text/Plain"},
		{"Authorization", "^Bearer ", true, "Cookie", "session=", true, true, "Authorization", "Basic dXNlcjpwYXNz"},
	} {
		add("FuzzHeaderMatch", h.n1, h.v1, h.re1, h.n2, h.v2, h.re2, h.fb, h.req, h.val)
	}

	return c
}
