package dynroute

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dynroute/dynroute/internal/errlist"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specLoader is LoadYAML or LoadJSON, for tests that run both.
type specLoader func(io.Reader, string) ([]RouteSpec, error)

func specLoaderFor(file string) specLoader {
	if strings.HasSuffix(file, ".json") {
		return LoadJSON
	}
	return LoadYAML
}

func routesYAMLAt(line int) Source { return Source{File: "routes.yaml", Line: line} }

func TestLoadGood(t *testing.T) {
	full := RouteSpec{
		Name: "users", Path: "/users/{id}", Methods: []string{"GET", "post"}, Handler: "get_user",
		Tags: []string{"Users"}, Summary: "Get a user", Description: "Reads one user.",
		StatusCode: 201, OperationID: "getUser", Deprecated: true, Hidden: true,
		Extra: map[string]any{
			"team": "core", "weight": 2, "ratio": 0.5, "flag": true, "none": nil,
			"nested": map[string]any{"list": []any{1, "two", nil}},
		},
	}
	withSource := func(s RouteSpec, line int) RouteSpec { s.Source = routesYAMLAt(line); return s }
	users := RouteSpec{Name: "users", Path: "/users", Methods: []string{"GET"}, Handler: "list_users"}
	orders := RouteSpec{Name: "orders", Path: "/orders", Methods: []string{"GET", "POST"}, Handler: "orders"}

	tests := []struct {
		name string
		load specLoader
		in   string
		want []RouteSpec
	}{
		{
			name: "yaml list with every key",
			load: LoadYAML,
			in: `# routes
- name: users
  path: /users/{id}
  methods: [GET, post]
  handler: get_user
  tags: [Users]
  summary: Get a user
  description: Reads one user.
  status_code: 201
  operation_id: getUser
  deprecated: true
  hidden: true
  extra:
    team: core
    weight: 2
    ratio: 0.5
    flag: true
    none: null
    nested: {list: [1, two, ~]}
`,
			want: []RouteSpec{withSource(full, 2)},
		},
		{
			name: "json list with every key",
			load: LoadJSON,
			in: `[
  {
    "name": "users", "path": "/users/{id}", "methods": ["GET", "post"], "handler": "get_user",
    "tags": ["Users"], "summary": "Get a user", "description": "Reads one user.",
    "status_code": 201, "operation_id": "getUser", "deprecated": true, "hidden": true,
    "extra": {"team": "core", "weight": 2, "ratio": 0.5, "flag": true, "none": null,
              "nested": {"list": [1, "two", null]}}
  }
]`,
			want: []RouteSpec{withSource(full, 2)},
		},
		{
			name: "yaml map form, handler_name and methods as one string",
			load: LoadYAML,
			in: `users:
  path: /users
  methods: GET
  handler_name: list_users

orders: {path: /orders, methods: "GET, POST", handler: orders, handler_name: orders, name: orders}
`,
			want: []RouteSpec{withSource(users, 1), withSource(orders, 6)},
		},
		{
			name: "json map form",
			load: LoadJSON,
			in: `{
  "users": {"path": "/users", "methods": "GET", "handler_name": "list_users"},
  "orders": {"name": "orders", "path": "/orders", "methods": "GET,POST", "handler": "orders"}
}`,
			want: []RouteSpec{withSource(users, 2), withSource(orders, 3)},
		},
		{
			name: "yaml routes key holding a list",
			load: LoadYAML,
			in: `routes:
  - name: users
    path: /users
    methods: [GET]
    handler: list_users
`,
			want: []RouteSpec{withSource(users, 2)},
		},
		{
			name: "yaml routes key holding a mapping",
			load: LoadYAML,
			in: `routes:
  users: {path: /users, methods: [GET], handler: list_users}
  orders: {path: /orders, methods: [GET, POST], handler: orders}
`,
			want: []RouteSpec{withSource(users, 2), withSource(orders, 3)},
		},
		{
			name: "json routes key holding a mapping",
			load: LoadJSON,
			in:   `{"routes": {"users": {"path": "/users", "methods": ["GET"], "handler": "list_users"}}}`,
			want: []RouteSpec{withSource(users, 1)},
		},
		{
			name: "a mapping with route fields under routes is a route named routes",
			load: LoadYAML,
			in:   "routes: {path: /users, methods: [GET], handler: list_users}\n",
			want: []RouteSpec{{Name: "routes", Path: "/users", Methods: []string{"GET"}, Handler: "list_users", Source: routesYAMLAt(1)}},
		},
		{
			name: "yaml anchors and merge keys",
			load: LoadYAML,
			in: `- &users
  name: users
  path: /users
  methods: &get [GET]
  handler: list_users
- <<: *users
  name: orders
  path: /orders
  methods: [GET, POST]
  handler: orders
- {<<: [*users], name: again, methods: *get}
`,
			want: []RouteSpec{
				withSource(users, 1), withSource(orders, 6),
				{Name: "again", Path: "/users", Methods: []string{"GET"}, Handler: "list_users", Source: routesYAMLAt(11)},
			},
		},
		{
			name: "yaml scalars where strings are wanted keep their text",
			load: LoadYAML,
			in:   "- {name: 404, path: /users, methods: [GET], handler: list_users, operation_id: 42, summary: 2024-01-01, status_code: 0x12c}\n",
			want: []RouteSpec{{
				Name: "404", Path: "/users", Methods: []string{"GET"}, Handler: "list_users",
				OperationID: "42", Summary: "2024-01-01", StatusCode: 300, Source: routesYAMLAt(1),
			}},
		},
		{
			name: "null means absent",
			load: LoadYAML,
			in: `- name: users
  path: /users
  methods: [GET]
  handler: list_users
  tags: ~
  status_code: ~
  deprecated: ~
  extra: ~
  summary:
  operation_id: null
- {name: orders, methods: "", handler_name: ~}
`,
			want: []RouteSpec{withSource(users, 1), {Name: "orders", Source: routesYAMLAt(11)}},
		},
		{
			name: "two entries with one name are left to AddRoutes",
			load: LoadYAML,
			in:   "users: {path: /users, methods: [GET], handler: list_users}\nusers: {path: /orders}\n",
			want: []RouteSpec{withSource(users, 1), {Name: "users", Path: "/orders", Source: routesYAMLAt(2)}},
		},
		{
			name: "json with a byte order mark and CRLF lines",
			load: LoadJSON,
			in:   "\xef\xbb\xbf[\r\n\r\n  {\"name\": \"users\", \"path\": \"/users\", \"methods\": [\"GET\"], \"handler\": \"list_users\"}\r\n]",
			want: []RouteSpec{withSource(users, 3)},
		},
		{name: "empty yaml", load: LoadYAML, in: ""},
		{name: "yaml comments only", load: LoadYAML, in: "# nothing yet\n"},
		{name: "yaml empty document marker", load: LoadYAML, in: "---\n...\n"},
		{name: "yaml empty routes", load: LoadYAML, in: "routes:\n"},
		{name: "yaml empty list", load: LoadYAML, in: "[]\n"},
		{name: "empty json", load: LoadJSON, in: " \n\t"},
		{name: "json null", load: LoadJSON, in: "null"},
		{name: "json empty object", load: LoadJSON, in: "{}"},
		{name: "json empty routes", load: LoadJSON, in: `{"routes": []}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.load(strings.NewReader(tt.in), "routes.yaml")
			require.NoError(t, err)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLoadSeedYAMLAndJSONAgree(t *testing.T) {
	ys := loadTestdata(t, "seed.yaml")
	js := loadTestdata(t, "seed.json")
	require.Len(t, ys, 4)
	require.Len(t, js, 4)
	for i := range ys {
		assert.Equal(t, "seed.yaml", ys[i].Source.File)
		assert.Equal(t, "seed.json", js[i].Source.File)
		ys[i].Source, js[i].Source = Source{}, Source{}
	}
	assert.Equal(t, ys, js)
}

// loadTestdata loads testdata/config/file, named by its base name, and requires
// that it loads without problems.
func loadTestdata(t *testing.T, file string) []RouteSpec {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "config", file))
	require.NoError(t, err)
	defer f.Close()
	specs, err := specLoaderFor(file)(f, file)
	require.NoError(t, err)
	return specs
}

// TestLoadGolden loads every broken config under testdata/config and
// compares the error text with file.golden; -update rewrites the goldens.
func TestLoadGolden(t *testing.T) {
	tests := []struct {
		file string
		kept []string // names of the specs returned beside the error
	}{
		{file: "bad_unknown_key.yaml", kept: []string{"fine"}},
		{file: "bad_unknown_key.json", kept: []string{"fine"}},
		{file: "bad_wrong_types.yaml", kept: []string{"fine"}},
		{file: "bad_wrong_types.json", kept: []string{"fine"}},
		{file: "bad_duplicate_key.yaml"},
		{file: "bad_duplicate_key.json"},
		{file: "bad_not_mapping.yaml", kept: []string{"orders"}},
		{file: "bad_not_mapping.json", kept: []string{"orders"}},
		{file: "bad_handler_conflict.yaml", kept: []string{"orders"}},
		{file: "bad_handler_conflict.json", kept: []string{"orders"}},
		{file: "bad_name_mismatch.yaml", kept: []string{"orders"}},
		{file: "bad_name_mismatch.json", kept: []string{"orders"}},
		{file: "bad_syntax.yaml"},
		{file: "bad_syntax.json"},
		{file: "bad_shape.yaml"},
		{file: "bad_shape.json"},
		{file: "bad_aliases.yaml"},
		{file: "bad_second_document.yaml"},
		{file: "bad_security.yaml", kept: []string{"fine", "public"}},
		{file: "bad_security.json", kept: []string{"fine", "public", "null_scopes"}},
	}
	covered := make(map[string]bool, len(tests))
	for _, tt := range tests {
		covered[tt.file] = true
	}
	all, err := filepath.Glob(filepath.Join("testdata", "config", "bad_*.*"))
	require.NoError(t, err)
	for _, f := range all {
		if base := filepath.Base(f); !strings.HasSuffix(base, ".golden") {
			require.True(t, covered[base], "%s has no test case", base)
		}
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "config", tt.file)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			specs, err := specLoaderFor(tt.file)(bytes.NewReader(data), tt.file)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			checkConfigProblems(t, err, tt.file)

			var names []string
			for _, s := range specs {
				names = append(names, s.Name)
			}
			assert.Equal(t, tt.kept, names)

			testkit.Golden(t, path+".golden", []byte(err.Error()+"\n"))
		})
	}
}

// checkConfigProblems checks that err joins *RouteErrors that wrap
// ErrInvalidConfig and say where in file the problem is.
func checkConfigProblems(t *testing.T, err error, file string) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	require.True(t, ok, "the error joins one error per problem")
	for _, p := range joined.Unwrap() {
		var re *RouteError
		if assert.ErrorAs(t, p, &re) {
			assert.ErrorIs(t, re, ErrInvalidConfig)
			assert.Equal(t, file, re.Source.File)
			assert.Positive(t, re.Source.Line, "%v", re)
			assert.NotEmpty(t, re.Detail)
		}
	}
}

func TestLoadProblemDetails(t *testing.T) {
	tests := []struct {
		name string
		load specLoader
		in   string
		want []string // one line per problem
	}{
		{
			name: "a custom key given twice, at the top and in extra",
			load: LoadYAML,
			in:   "- path: /x\n  methods: [GET]\n  handler: h\n  extra: {response_message: a}\n  response_message: b\n",
			want: []string{`dynroute: route GET /x (routes.yaml:5): key "response_message" is given both here and in extra (line 4); give it once`},
		},
		{
			name: "json numbers are not strings",
			load: LoadJSON,
			in:   `[{"name": 404, "path": "/x", "methods": ["GET", 1], "handler": "h", "status_code": 1.5}]`,
			want: []string{
				`dynroute: route GET /x (routes.yaml:1): name must be a string, got integer 404`,
				`dynroute: route GET /x (routes.yaml:1): methods[1] must be a string, got integer 1`,
				`dynroute: route GET /x (routes.yaml:1): status_code must be an integer, got number 1.5`,
			},
		},
		{
			name: "status code out of range for int64",
			load: LoadJSON,
			in:   "[{\"path\": \"/x\",\n \"status_code\": 1e999}]",
			want: []string{`dynroute: route /x (routes.yaml:2): status_code must be an integer, got out-of-range number "1e999"`},
		},
		{
			name: "non-string keys",
			load: LoadYAML,
			in:   "- {path: /x, [a]: 1, extra: {{b: 1}: 2}}\n",
			want: []string{
				`dynroute: route /x (routes.yaml:1): a key must be a string, got a list`,
				`dynroute: route /x (routes.yaml:1): extra: a key must be a string, got a mapping`,
			},
		},
		{
			name: "yaml timestamps, custom tags and big numbers",
			load: LoadYAML,
			in:   "- path: /x\n  deprecated: 2024-01-01\n  hidden: !flag yes\n  extra: {big: 99999999999999999999, huge: !!float 1e999}\n",
			want: []string{
				`dynroute: route /x (routes.yaml:2): deprecated must be a boolean, got timestamp "2024-01-01"`,
				`dynroute: route /x (routes.yaml:3): hidden must be a boolean, got !flag "yes"`,
				`dynroute: route /x (routes.yaml:4): extra.huge: invalid float "1e999" cannot be represented`,
			},
		},
		{
			name: "map-form name that is not a string",
			load: LoadYAML,
			in:   "[a]: {path: /x}\n~: {path: /y}\n",
			want: []string{
				`dynroute: route /x (routes.yaml:1): a route name must be a string, got a list`,
				`dynroute: route /y (routes.yaml:2): a route name must be a string, got null`,
			},
		},
		{
			name: "alias inside its own anchor",
			load: LoadYAML,
			in:   "a: &a\n  - *a\n",
			want: []string{`dynroute: routes.yaml:2: alias *a is inside its own anchor`},
		},
		{
			name: "merge key of the wrong type",
			load: LoadYAML,
			in:   "- path: /x\n  <<: 5\n",
			want: []string{`dynroute: routes.yaml:2: a merge key (<<) needs a mapping or a list of mappings, got integer 5`},
		},
		{
			name: "unknown anchor",
			load: LoadYAML,
			in:   "- path: /x\n  tags: *nope\n",
			want: []string{`dynroute: routes.yaml:2: YAML syntax error: unknown anchor 'nope' referenced`},
		},
		{
			name: "yaml syntax error on the first line",
			load: LoadYAML,
			in:   "\tpath: /x\n",
			want: []string{`dynroute: routes.yaml:1: YAML syntax error: found character that cannot start any token`},
		},
		{
			name: "yaml parser errors are numbered from 1 too",
			load: LoadYAML,
			in:   "x:\n  y: 1\n z: 2\n",
			want: []string{`dynroute: routes.yaml:3: YAML syntax error: did not find expected key`},
		},
		{
			name: "yaml error at the end of input names the last line",
			load: LoadYAML,
			in:   "- a: 1\n  b: [1,\n\n",
			want: []string{`dynroute: routes.yaml:2: YAML syntax error: did not find expected node content`},
		},
		{
			name: "control character",
			load: LoadYAML,
			in:   "- path: /x\n  summary: \"a\x01\"\n",
			want: []string{`dynroute: routes.yaml:2: character '\x01' is not allowed in YAML`},
		},
		{
			name: "not UTF-8",
			load: LoadYAML,
			in:   "- path: /x\n\n  summary: \xff\n",
			want: []string{`dynroute: routes.yaml:3: the file is not UTF-8`},
		},
		{
			name: "json trailing data",
			load: LoadJSON,
			in:   "[]\n[]",
			want: []string{`dynroute: routes.yaml:2: JSON syntax error: "[" after the top-level value; a file holds one JSON value`},
		},
		{
			name: "json truncated",
			load: LoadJSON,
			in:   "[\n{\"path\": \"/x\"",
			want: []string{`dynroute: routes.yaml:2: JSON syntax error: unexpected end of input`},
		},
		{
			name: "json too deep",
			load: LoadJSON,
			in:   strings.Repeat("[", 5000),
			want: []string{`dynroute: routes.yaml:1: the document nests deeper than 1000 levels`},
		},
		{
			name: "yaml too deep",
			load: LoadYAML,
			in:   strings.Repeat("[", 2000) + strings.Repeat("]", 2000),
			want: []string{`dynroute: routes.yaml:1: the document nests deeper than 1000 levels`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.load(strings.NewReader(tt.in), "routes.yaml")
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			checkConfigProblems(t, err, "routes.yaml")
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.Error())
			}
			assert.Equal(t, strings.Join(tt.want, "\n"), strings.Join(got, "\n"))
		})
	}
}

func TestLoadInputLimits(t *testing.T) {
	for _, tt := range []struct {
		load  specLoader
		limit int
		want  string
	}{
		{LoadYAML, maxYAMLBytes, "dynroute: big.yaml: the file is larger than 2 MiB"},
		{LoadJSON, maxConfigBytes, "dynroute: big.yaml: the file is larger than 16 MiB"},
	} {
		specs, err := tt.load(strings.NewReader(strings.Repeat(" ", tt.limit)), "big.yaml")
		assert.Empty(t, specs)
		assert.NoError(t, err, "a file of the limit is read")
		specs, err = tt.load(strings.NewReader(strings.Repeat(" ", tt.limit+1)), "big.yaml")
		assert.Nil(t, specs)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.ErrorContains(t, err, tt.want)
		load := tt.load

		readErr := errors.New("disk on fire")
		_, err = load(iotest.ErrReader(readErr), "routes.yaml")
		assert.ErrorIs(t, err, readErr)
		assert.NotErrorIs(t, err, ErrInvalidConfig, "a read error is not a config problem")

		_, err = load(nil, "routes.yaml")
		assert.Error(t, err)
	}
}

// TestLoadValueAndProblemLimits: a document of more than maxConfigValues
// values is refused as a whole, in either format, however its values are
// shaped; one with many problems lists the first maxConfigProblems and
// counts the rest.
func TestLoadValueAndProblemLimits(t *testing.T) {
	var jsonDoc strings.Builder
	jsonDoc.WriteString("{")
	for i := range maxConfigValues/8 + 1 { // routes of eight values each
		if i > 0 {
			jsonDoc.WriteString(",")
		}
		fmt.Fprintf(&jsonDoc, `"r%d":{"path":"/r","methods":"GET","handler":"h"}`, i)
	}
	jsonDoc.WriteString("}")
	for _, tt := range []struct {
		name string
		load specLoader
		doc  string
	}{
		{"a block list of nulls", LoadYAML, strings.Repeat("-\n", maxConfigValues+1)},
		{"a flow list of letters", LoadYAML, "[" + strings.Repeat("a,", maxConfigValues) + "a]"},
		{"json routes", LoadJSON, jsonDoc.String()},
		{"a json list of zeros", LoadJSON, "[" + strings.Repeat("0,", maxConfigValues) + "0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := tt.load(strings.NewReader(tt.doc), "big")
			assert.Nil(t, specs)
			require.ErrorIs(t, err, ErrInvalidConfig)
			problems := errlist.Flatten(err)
			require.Len(t, problems, 1, "one problem, for the document")
			assert.Contains(t, problems[0].Error(), "the document holds more than 524288 values")
		})
	}

	// 3000 problems: the first 1000 listed, one more counting the rest.
	doc := "r: {path: /r, handler: h, tags: [" + strings.Repeat("[],", 2999) + "[]]}"
	specs, err := LoadYAML(strings.NewReader(doc), "many.yaml")
	assert.Empty(t, specs)
	problems := errlist.Flatten(err)
	require.Len(t, problems, maxConfigProblems+1)
	assert.Contains(t, problems[0].Error(), "tags[0] must be a string")
	assert.Equal(t, "dynroute: many.yaml: 2000 more problems are not listed (the first 1000 are)", problems[maxConfigProblems].Error())
}

// seedRouter is a Router whose registry has the seed's handlers; each
// answers with its name, the matched pattern and its parameters.
func seedRouter(t *testing.T, opts *Options) *Router {
	t.Helper()
	rt := New(opts)
	for _, name := range []string{"get_dynamic_users", "handle_dynamic_product", "get_admin_area", "echo", "get_item"} {
		require.NoError(t, rt.Registry().Register(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s %s%s", name, r.Pattern, r.PathValue("product_id"), r.PathValue("rest"))
		})))
	}
	return rt
}

// TestCustomKeys: a key of the application's own goes into Extra; only one
// an edit from a known key the entry lacks (two for long keys) is taken
// for a misspelling, and leaves its entry out.
func TestCustomKeys(t *testing.T) {
	for _, tt := range []struct {
		key        string
		misspelled string // the known key it resembles; "" for a key of the application's
	}{
		{"status", ""}, {"auth", ""}, {"data", ""}, {"rate", ""}, {"note", ""}, {"target", ""}, {"flags", ""},
		{"response_message", ""}, {"owner", ""}, {"tag", ""}, // an edit from tags, which the entry has
		{"pth", "path"}, {"methds", "methods"}, {"handlr", "handler"}, {"sumary", "summary"},
		{"descriptoin", "description"}, {"Path", "path"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			// An entry with every field but the one the key resembles.
			fields := map[string]string{"path": "/r", "methods": "GET", "handler": "h", "tags": "[a]"}
			delete(fields, tt.misspelled)
			var b strings.Builder
			for _, f := range slices.Sorted(maps.Keys(fields)) {
				fmt.Fprintf(&b, "%s: %s, ", f, fields[f])
			}
			doc := fmt.Sprintf("r: {%s%s: v}\n", b.String(), tt.key)
			specs, err := LoadYAML(strings.NewReader(doc), "r.yaml")
			if tt.misspelled == "" {
				require.NoError(t, err)
				require.Len(t, specs, 1)
				assert.Contains(t, specs[0].Extra, tt.key)
				return
			}
			assert.Empty(t, specs, "the entry is left out")
			assert.ErrorContains(t, err, fmt.Sprintf("did you mean %q?", tt.misspelled))
		})
	}
}

// TestLoadSeedAsWritten loads the seed's config key for key, its
// response_message included: keys the loader does not know and that are no
// misspelling of one are the application's own, in Extra, where the
// handler reads them.
func TestLoadSeedAsWritten(t *testing.T) {
	specs := loadTestdata(t, "seed_as_written.yaml")
	require.Len(t, specs, 3)
	for i, want := range []string{"List of dynamic users", "Dynamic product endpoint", "Admin Area"} {
		assert.Equal(t, map[string]any{"response_message": want}, specs[i].Extra, specs[i].Name)
	}

	rt := New(nil)
	message := HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		fmt.Fprint(w, ps.Route().Extra["response_message"])
	})
	for _, name := range []string{"get_dynamic_users", "handle_dynamic_product", "get_admin_area"} {
		require.NoError(t, rt.Registry().Register(name, message))
	}
	skipped, err := rt.AddRoutes(specs, &ApplyOptions{DefaultTags: []string{"Dynamic"}})
	require.NoError(t, err, "strict mode has nothing to refuse")
	require.Empty(t, skipped)
	for target, want := range map[string]string{
		"/dynamic/users": "List of dynamic users", "/dynamic/products/1": "Dynamic product endpoint", "/dynamic/admin": "Admin Area",
	} {
		assert.Equal(t, want, testkit.Serve(rt, "GET", target).Body.String(), target)
	}
	for _, route := range rt.Routes() {
		if route.Name == "dynamic_users" {
			assert.Equal(t, []string{"Dynamic"}, route.Tags, "the default tag")
		}
	}

	// The custom keys go back out under extra.
	back := rt.RouteSpecs()
	require.Len(t, back, 3)
	for _, s := range back {
		assert.Contains(t, s.Extra, "response_message", s.Name)
	}
}

func TestLoadSeedEndToEnd(t *testing.T) {
	specs := loadTestdata(t, "seed.yaml")
	line := func(s string) Source { return Source{File: "seed.yaml", Line: testdataLine(t, "seed.yaml", s)} }
	assert.Equal(t, []RouteSpec{
		{Name: "dynamic_users", Path: "/dynamic/users", Methods: []string{"GET"}, Handler: "get_dynamic_users",
			Summary: "List users (dynamic route)", Source: line("dynamic_users:")},
		{Name: "dynamic_products", Path: "/dynamic/products/{product_id}", Methods: []string{"GET", "POST"}, Handler: "handle_dynamic_product",
			Summary: "Read or update a product (dynamic route)", Source: line("dynamic_products:")},
		{Name: "admin_area", Path: "/dynamic/admin", Methods: []string{"GET"}, Handler: "get_admin_area",
			Tags: []string{"Admin", "Dynamic"}, Summary: "Admin area (dynamic route)", Source: line("admin_area:")},
		{Name: "echo", Path: "/dynamic/echo/{rest...}", Methods: []string{"GET", "POST"}, Handler: "echo",
			Summary: "Echo the request (dynamic route)", Source: line("echo:")},
	}, specs)

	rt := seedRouter(t, nil)
	skipped, err := rt.AddRoutes(specs, &ApplyOptions{DefaultTags: []string{"Dynamic"}})
	require.NoError(t, err)
	require.Empty(t, skipped)

	tests := []struct{ method, target, want string }{
		{"GET", "/dynamic/users", "get_dynamic_users /dynamic/users "},
		{"POST", "/dynamic/products/5", "handle_dynamic_product /dynamic/products/{product_id} 5"},
		{"GET", "/dynamic/admin", "get_admin_area /dynamic/admin "},
		{"POST", "/dynamic/echo/a/b", "echo /dynamic/echo/{rest...} a/b"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
		assert.Equal(t, http.StatusOK, w.Code, tt.target)
		assert.Equal(t, tt.want, w.Body.String())
	}
	routes := rt.Routes()
	require.Len(t, routes, 4)
	assert.Equal(t, []string{"Dynamic"}, routes[0].Tags, "default tags fill in")
	assert.Equal(t, line("admin_area:"), routes[2].Source)
}

// testdataLine returns the line of testdata/config/file that starts with prefix.
func testdataLine(t *testing.T, file, prefix string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "config", file))
	require.NoError(t, err)
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	require.Failf(t, "no such line", "%s has no line starting with %q", file, prefix)
	return 0
}

func TestLoadThenAddRoutesStrict(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "config", "apply_problems.yaml"))
	require.NoError(t, err)
	defer f.Close()
	specs, err := LoadYAML(f, "routes.yaml")
	require.NoError(t, err, "the specLoader finds nothing wrong; AddRoutes does")
	require.Len(t, specs, 5)

	rt := seedRouter(t, &Options{StrictConflicts: true})
	skipped, err := rt.AddRoutes(specs, nil)
	require.Error(t, err)
	assert.Nil(t, skipped)
	assert.Empty(t, rt.Routes(), "strict mode adds nothing")
	for _, want := range []struct {
		sentinel error
		text     string
	}{
		{ErrConflict, `route "by_action" GET /items/edit/{action} (routes.yaml:7): conflicts with route "by_id" GET /items/{id}/edit (routes.yaml:2)`},
		{ErrDuplicateName, `route "by_id" GET /other (routes.yaml:12): the name is taken by route "by_id" GET /items/{id}/edit (routes.yaml:2)`},
		{ErrUnknownHandler, `route "orders" GET /orders (routes.yaml:17): unknown handler "get_iten"; did you mean "get_item"?`},
		{ErrInvalidPath, `route "legacy" GET /legacy/:id (routes.yaml:22): invalid path "/legacy/:id"`},
	} {
		assert.ErrorIs(t, err, want.sentinel)
		assert.ErrorContains(t, err, want.text)
	}
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// fuzzLoader checks what holds for any input: no panic, every spec says where
// it came from, and every error is a config problem that says where it is.
func fuzzLoader(f *testing.F, load specLoader, ext string) {
	files, err := filepath.Glob(filepath.Join("testdata", "config", "*"+ext))
	require.NoError(f, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := load(bytes.NewReader(data), "fuzz"+ext)
		for _, s := range specs {
			if s.Source.File != "fuzz"+ext || s.Source.Line <= 0 {
				t.Fatalf("spec %q has source %+v", s.Name, s.Source)
			}
		}
		if err == nil {
			return
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
		}
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("error is not joined: %v", err)
		}
		for _, p := range joined.Unwrap() {
			var re *RouteError
			if !errors.As(p, &re) || re.Source.File != "fuzz"+ext {
				t.Fatalf("problem without a source: %v", p)
			}
		}
	})
}

// FuzzLoadYAML feeds LoadYAML arbitrary bytes, seeded with testdata/config.
func FuzzLoadYAML(f *testing.F) { fuzzLoader(f, LoadYAML, ".yaml") }

// FuzzLoadJSON feeds LoadJSON arbitrary bytes, seeded with testdata/config.
func FuzzLoadJSON(f *testing.F) { fuzzLoader(f, LoadJSON, ".json") }

// countingWriter is a ResponseWriter that counts the body's bytes.
type countingWriter struct {
	h      http.Header
	status int
	n      int
}

func (c *countingWriter) Header() http.Header {
	if c.h == nil {
		c.h = make(http.Header)
	}
	return c.h
}

func (c *countingWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	c.n += len(b)
	return len(b), nil
}

// BenchmarkLoadYAML10k measures start-up from a 10,000-route file on disk:
// reading and loading it, adding the routes, serving the first request
// (which compiles the table) and the first /openapi.json (which emits the
// document of 20,000 operations).
func BenchmarkLoadYAML10k(b *testing.B) {
	var buf bytes.Buffer
	for i := range 10_000 {
		fmt.Fprintf(&buf, "- name: route_%d\n  path: /svc%d/items/{id}\n  methods: [GET, POST]\n  handler: h\n  tags: [bench]\n", i, i)
	}
	file := filepath.Join(b.TempDir(), "routes.yaml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	reg := NewRegistry()
	reg.MustRegister("h", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	req := httptest.NewRequest("GET", "/svc9999/items/7", nil)
	specReq := httptest.NewRequest("GET", "/openapi.json", nil)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		specs, err := LoadYAML(f, "routes.yaml")
		f.Close()
		if err != nil || len(specs) != 10_000 {
			b.Fatalf("load: %d specs, %v", len(specs), err)
		}
		rt := New(&Options{Registry: reg})
		if _, err := rt.AddRoutes(specs, nil); err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, req)
		if w.Code != http.StatusNoContent {
			b.Fatalf("status %d", w.Code)
		}
		// A server streams the document; a recorder would buffer 4 MB.
		var cw countingWriter
		rt.ServeHTTP(&cw, specReq)
		if cw.status != http.StatusOK || cw.n < 1_000_000 {
			b.Fatalf("document: status %d, %d bytes", cw.status, cw.n)
		}
	}
}

// TestResponseModelByName: a config entry's response_model names a model of
// the Registry, which documents the answer; an unknown one is a problem
// with the names it resembles, and the name goes back out in RouteSpecs.
func TestResponseModelByName(t *testing.T) {
	type echoAnswer struct {
		Route string `json:"route"`
	}
	rt := New(nil)
	require.NoError(t, rt.Registry().Register("echo", testkit.Text("{}")))
	require.NoError(t, rt.Registry().RegisterModel("echo_answer", echoAnswer{}))
	require.ErrorIs(t, rt.Registry().RegisterModel("echo_answer", echoAnswer{}), ErrDuplicateHandler)
	require.ErrorIs(t, rt.Registry().RegisterModel("bad", make(chan int)), ErrInvalidOptions)
	require.ErrorIs(t, rt.Registry().RegisterModel(" x", echoAnswer{}), ErrInvalidOptions)
	m, ok := rt.Registry().LookupModel("echo_answer")
	require.True(t, ok)
	assert.Equal(t, echoAnswer{}, m)

	specs, err := LoadYAML(strings.NewReader("echo: {path: /echo, methods: GET, handler: echo, response_model: echo_answer}\n"), "r.yaml")
	require.NoError(t, err)
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	b, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/EchoAnswer"}}}}`)
	assert.Equal(t, "echo_answer", rt.RouteSpecs()[0].ResponseModel)
	parent := New(nil)
	require.NoError(t, parent.Include("/v1", rt, nil))
	assert.Equal(t, "echo_answer", parent.RouteSpecs()[0].ResponseModel, "Include keeps the model's name")

	mount, err := LoadYAML(strings.NewReader("m: {app: a, prefix: /m, response_model: echo_answer}\n"), "r.yaml")
	require.NoError(t, err)
	_, err = rt.AddRoutes(mount, nil)
	assert.ErrorContains(t, err, "a mount has no response_model")

	specs, err = LoadYAML(strings.NewReader("other: {path: /other, methods: GET, handler: nope, response_model: echo_answr}\n"), "r.yaml")
	require.NoError(t, err)
	_, err = New(nil).AddRoutes(specs, nil)
	require.ErrorIs(t, err, ErrUnknownModel)
	assert.ErrorIs(t, err, ErrUnknownHandler, "and every other problem of the entry")
	_, err = rt.AddRoutes(specs, nil)
	assert.ErrorContains(t, err, `unknown response model "echo_answr"; did you mean "echo_answer"?`)
	assert.ErrorContains(t, err, "(r.yaml:1)")
}

// TestLoadSeedWithConvertor: the seed's config as FastAPI users write it,
// with Starlette's {product_id:int}: /dynamic/products/123 is served and
// /dynamic/products/abc is not; the spec round-trips as written and the
// document has {product_id} with type integer.
func TestLoadSeedWithConvertor(t *testing.T) {
	specs, err := LoadYAML(strings.NewReader(`dynamic_products:
  path: /dynamic/products/{product_id:int}
  methods: [GET, POST]
  handler_name: handle_dynamic_product
twilio_call:
  path: /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json
  methods: [GET]
  handler_name: get_item
custom_method:
  path: /v1/{name}:cancel
  methods: [POST]
  handler_name: get_item
`), "seed.yaml")
	require.NoError(t, err)
	rt := seedRouter(t, nil)
	skipped, err := rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	require.Empty(t, skipped)

	tests := []struct {
		method, target string
		code           int
		body           string
	}{
		{"GET", "/dynamic/products/123", http.StatusOK, "handle_dynamic_product /dynamic/products/{product_id:int} 123"},
		{"POST", "/dynamic/products/7", http.StatusOK, "handle_dynamic_product /dynamic/products/{product_id:int} 7"},
		{"GET", "/dynamic/products/abc", http.StatusNotFound, ""},
		{"GET", "/dynamic/products/-1", http.StatusNotFound, ""},
		{"GET", "/2010-04-01/Accounts/AC1/Calls/CA2.json", http.StatusOK, "get_item /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json "},
		{"GET", "/2010-04-01/Accounts/AC1/Calls/CA2", http.StatusNotFound, ""},
		{"POST", "/v1/op:cancel", http.StatusOK, "get_item /v1/{name}:cancel "},
	}
	for _, tt := range tests {
		w := testkit.Serve(rt, tt.method, tt.target)
		assert.Equal(t, tt.code, w.Code, tt.target)
		if tt.code == http.StatusOK {
			assert.Equal(t, tt.body, w.Body.String(), tt.target)
		}
	}

	back := rt.RouteSpecs()
	require.Len(t, back, 3)
	assert.Equal(t, "/dynamic/products/{product_id:int}", back[0].Path, "written back as given")
	assert.Equal(t, "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json", back[1].Path)
	again := seedRouter(t, nil)
	_, err = again.AddRoutes(back, nil)
	require.NoError(t, err, "the exported specs load again")
	assert.Equal(t, back, again.RouteSpecs())

	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string         `json:"name"`
				Schema map[string]any `json:"schema"`
			} `json:"parameters"`
			Path string `json:"x-dynroute-path"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(testkit.Serve(rt, "GET", "/openapi.json").Body.Bytes(), &doc))
	get := doc.Paths["/dynamic/products/{product_id}"]["get"]
	require.Len(t, get.Parameters, 1)
	assert.Equal(t, "product_id", get.Parameters[0].Name)
	assert.Equal(t, map[string]any{"type": "integer"}, get.Parameters[0].Schema)
	assert.Equal(t, "/dynamic/products/{product_id:int}", get.Path, "the route's own path, for LoadOpenAPI")
	assert.Contains(t, doc.Paths, "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json")
	assert.Contains(t, doc.Paths, "/v1/{name}:cancel")
}
