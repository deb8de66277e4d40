package dynroute

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/require"
)

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
	openapiFiles := testkit.Files(t, "testdata/openapi/*.yaml", "testdata/openapi/*.json", "testdata/openapi/golden/*.json")
	for _, b := range testkit.Sorted(yamlFiles) {
		add("FuzzLoadYAML", b)
	}
	for _, b := range testkit.Sorted(jsonFiles) {
		add("FuzzLoadJSON", b)
	}
	for _, b := range testkit.Sorted(openapiFiles) {
		add("FuzzLoadOpenAPI", b)
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
	for _, s := range specs[:min(len(specs), 16)] {
		if s.Name == "" {
			continue
		}
		add("FuzzLoadEnv", "ROUTES", strings.Join(envLine(s), "\n"))
		all = append(all, envLine(s)...)
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

	// Typed bodies: orders as clients send them, right and wrong.
	for _, b := range []struct{ body, query, id, token string }{
		{`{"name":"ann@example.org","price":19.99,"items":[{"sku":"AB-12","qty":2,"tag":["gift"]}],"meta":{"express":true}}`, "q=shoes&n=1&n=2,3", "42", "123e4567-e89b-12d3-a456-426614174000"},
		{`{"name":"bob@example.org","price":0.01,"items":[],"kind":"b","any":{"k":[null,true,1.5,"s"]}}`, "when=2024-05-06T07:08:09Z", "65535", "00000000-0000-0000-0000-000000000000"},
		{`{"name":"x@y.z","price":1,"items":[{"sku":"A-1","qty":1,"sub":{"sku":"B-2","qty":1,"sub":{"sku":"C-3","qty":1}}}]}`, "", "1", ""},
		{`{"name":"ü@bücher.de","price":1e-300,"items":[{"sku":"Z-0","qty":127}],"meta":{}}`, "q=%C3%BC", "7", ""},
		{"\ufeff{\"name\":\"a@b.c\",\"price\":1,\"items\":[]}", "", "7", ""},
		{`{"name":"a@b.c","name":"c@d.e","price":1,"items":[]}`, "", "7", ""},
		{`{"name":"a@b.c","price":-1,"items":[{"sku":"a-1","qty":0,"tag":["a","b","c"]}],"extra":1}`, "n=-1", "0", "x"},
		{`{"price":"1","items":{},"meta":[]}`, "q=" + strings.Repeat("x", 11), "-1", ""},
		{`{"name":"a@b.c","price":1,"items":[` + strings.Repeat(`{"sku":"A-1","qty":1},`, 3) + `{"sku":"A-1","qty":1}]}`, "", "2", ""},
		{strings.Repeat("[", 200) + strings.Repeat("]", 200), "", "2", ""},
		{string(jsonFiles["testdata/config/seed.json"]), "", "3", ""},
	} {
		add("FuzzTypedBody", []byte(b.body), b.query, b.id, b.token)
	}

	// Typed parameters: the seeds, and requests of real APIs.
	for _, s := range fuzzParamsSeeds {
		add("FuzzTypedParams", s.id, s.name, s.query, s.h, s.num, s.list, s.cookie)
	}
	for _, s := range []fuzzParamsReq{
		{"1347", "octocat", "s=open&i=100&u=2&b=true&ss=created,updated&t=2011-04-14T16:00:49Z", "", "", "", ""},
		{"42", "petstore", "col=green&lvl=1&ds=available,pending,sold&su=tag1,tag2&mail=user@example.com", "application/json", "100", "0.5, 1, 2.25", "session=abc123; theme=dark; c=v"},
		{"7", "doc", "f32=3.14&f64=2.718281828459045&u64=9007199254740993&i64=-9007199254740993", "Bearer eyJhbGciOiJIUzI1NiJ9", "1", "", `_ga=GA1.2.1234.5678; cb=1; cu=10; c="a b"`},
		{"-100", "ß", "addr=192.168.0.1&txt=ok&pi=2147483647&pt=1970-01-01T00:00:00Z", "", "0", "-0, 0.0, 1e2", "cb=false"},
		{"9", "名前", "addr=::ffff:1.2.3.4&s=&s=a&ps=%F0%9F%98%80&si=1,4294967295", "", "", "", "c=" + strings.Repeat("z", 17)},
	} {
		add("FuzzTypedParams", s.id, s.name, s.query, s.h, s.num, s.list, s.cookie)
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

	// Tables as FromSchema meets them: the declared types of SQLite and
	// PostgreSQL DDL, and the values other programs leave in them.
	for _, s := range []struct {
		table, column, typ string
		kind               uint8
		value              string
	}{
		{"products", "name", "VARCHAR(255) NOT NULL", 0, "Widget"},
		{"products", "price", "NUMERIC(12,4)", 3, "19.99"},
		{"products", "stock", "SMALLINT", 2, "32767"},
		{"users", "email", "CHARACTER VARYING(320)", 0, "ann@example.org"},
		{"users", "created_at", "TIMESTAMP WITH TIME ZONE", 0, "2024-05-06T07:08:09.123456789Z"},
		{"users", "born", "DATE", 0, "1970-01-01"},
		{"users", "active", "BOOLEAN NOT NULL DEFAULT 1", 2, "1"},
		{"users", "active", "BOOL", 0, "t"},
		{"order_items", "qty", "INTEGER CHECK (qty > 0)", 2, "3"},
		{"order_items", "meta", "JSON", 0, `[1,"two",{"3":null}]`},
		{"images", "png", "BLOB", 4, "\x89PNG\r\n\x1a\n"},
		{"events", "at", "DATETIME", 2, "1714979289"},
		{"events", "at", "DATETIME", 0, "2024-05-06 07:08"},
		{"notes", "body", "CLOB", 0, strings.Repeat("lorem ipsum ", 100)},
		{"measures", "value", "DOUBLE", 3, "-1.7976931348623157e308"},
		{"tokens", "id_hex", "UUID", 0, "123e4567-e89b-12d3-a456-426614174000"},
	} {
		add("FuzzFromSchema", s.table, s.column, s.typ, s.kind, s.value)
	}
	return c
}
