package dynroute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// petstoreOperations are the operationIds of testdata/openapi/petstore.*, in
// document order.
var petstoreOperations = []string{
	"updatePet", "addPet", "findPetsByStatus", "findPetsByTags", "getPetById", "updatePetWithForm", "deletePet",
	"getInventory", "getOrderById", "deleteOrder", "loginUser", "logoutUser", "getUserByName", "updateUser", "deleteUser",
}

func loadOpenAPIFile(t *testing.T, name string) ([]RouteSpec, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "openapi", name))
	require.NoError(t, err)
	defer f.Close()
	return LoadOpenAPI(f, name)
}

func TestLoadOpenAPIPetstore(t *testing.T) {
	tests := []struct {
		file       string
		statusLine int // line of findPetsByStatus's "get"
	}{
		{"petstore.yaml", 80},
		{"petstore.json", 122},
	}
	var first []RouteSpec
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			specs, err := loadOpenAPIFile(t, tt.file)
			require.NoError(t, err)
			require.Len(t, specs, len(petstoreOperations))
			for i, s := range specs {
				assert.Equal(t, petstoreOperations[i], s.OperationID)
				assert.Equal(t, s.OperationID, s.Name)
				assert.Equal(t, s.OperationID, s.Handler)
				require.Len(t, s.Methods, 1)
				assert.Equal(t, tt.file, s.Source.File)
			}
			assert.Equal(t, RouteSpec{
				Name:        "findPetsByStatus",
				Path:        "/pet/findByStatus",
				Methods:     []string{"GET"},
				Handler:     "findPetsByStatus",
				Tags:        []string{"pet"},
				Summary:     "Finds Pets by status",
				Description: "Multiple status values can be provided with comma separated strings",
				OperationID: "findPetsByStatus",
				Source:      Source{File: tt.file, Line: tt.statusLine},
			}, specs[2])
			assert.True(t, specs[3].Deprecated, "findPetsByTags is deprecated")
			assert.Equal(t, "/pet/{petId}", specs[4].Path)
			assert.Equal(t, []string{"DELETE"}, specs[6].Methods)

			// Every Source.Line points at the operation's method key.
			lines := openAPITestLines(t, filepath.Join("testdata", "openapi", tt.file))
			for _, s := range specs {
				require.Greater(t, s.Source.Line, 0)
				assert.Contains(t, lines[s.Source.Line-1], strings.ToLower(s.Methods[0]), s.Name)
			}

			// YAML and JSON give the same specs, lines aside.
			if first == nil {
				first = specs
				return
			}
			for i := range specs {
				a, b := first[i], specs[i]
				a.Source, b.Source = Source{}, Source{}
				assert.Equal(t, a, b)
			}
		})
	}
}

func openAPITestLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(string(b), "\n")
}

func TestLoadOpenAPIDispatch(t *testing.T) {
	for _, file := range []string{"petstore.yaml", "petstore.json"} {
		t.Run(file, func(t *testing.T) {
			specs, err := loadOpenAPIFile(t, file)
			require.NoError(t, err)

			// Spec-first: one handler per operationId.
			rt := New(&Options{StrictConflicts: true})
			for _, op := range petstoreOperations {
				rt.Registry().MustRegister(op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, op+" "+r.PathValue("petId")+r.PathValue("username")+r.PathValue("orderId"))
				}))
			}
			// The document's security schemes come with the specs; the
			// Registry has their verifiers. Without them AddRoutes refuses
			// the protected operations: they never fall open.
			_, err = rt.AddRoutes(specs, nil)
			require.ErrorIs(t, err, ErrNoVerifier)
			rt.Registry().RegisterVerifier("api_key", VerifierFunc(func(_ context.Context, c Credential) (*Principal, error) {
				if c.Value != "special-key" {
					return nil, ErrCredentials
				}
				return &Principal{Subject: "key"}, nil
			}))
			rt.Registry().RegisterVerifier("petstore_auth", VerifierFunc(func(_ context.Context, c Credential) (*Principal, error) {
				if c.Value != "pet-token" {
					return nil, ErrCredentials
				}
				return &Principal{Subject: "user", Scopes: []string{"read:pets", "write:pets"}}, nil
			}))
			_, err = rt.AddRoutes(specs, nil)
			require.NoError(t, err)
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest("PUT", "/pet", nil))
			assert.Equal(t, http.StatusUnauthorized, w.Code, "PUT /pet without a token")
			w = httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest("GET", "/pet/10", nil))
			assert.Equal(t, http.StatusUnauthorized, w.Code, "GET /pet/10 without a key")

			tests := []struct {
				method, path string
				code         int
				body         string
			}{
				{"GET", "/pet/findByStatus", 200, "findPetsByStatus "},
				{"GET", "/pet/findByTags", 200, "findPetsByTags "},
				{"GET", "/pet/10", 200, "getPetById 10"},
				{"POST", "/pet/10", 200, "updatePetWithForm 10"},
				{"DELETE", "/pet/10", 200, "deletePet 10"},
				{"PUT", "/pet", 200, "updatePet "},
				{"POST", "/pet", 200, "addPet "},
				{"GET", "/user/login", 200, "loginUser "},
				{"GET", "/user/logout", 200, "logoutUser "},
				{"GET", "/user/user1", 200, "getUserByName user1"},
				{"PUT", "/user/user1", 200, "updateUser user1"},
				{"DELETE", "/store/order/5", 200, "deleteOrder 5"},
				{"PATCH", "/pet/10", 405, ""},
				{"GET", "/pet/10/uploadImage", 404, ""},
			}
			for _, tt := range tests {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(tt.method, tt.path, nil)
				r.Header.Set("Authorization", "Bearer pet-token")
				r.Header.Set("api_key", "special-key")
				rt.ServeHTTP(w, r)
				assert.Equal(t, tt.code, w.Code, "%s %s", tt.method, tt.path)
				if tt.body != "" {
					assert.Equal(t, tt.body, w.Body.String(), "%s %s", tt.method, tt.path)
				}
			}
			routes := rt.Routes()
			assert.True(t, routes[3].Deprecated)
			assert.Equal(t, "findPetsByTags", routes[3].OperationID)
			url, err := rt.URL("getUserByName", "username", "ann")
			require.NoError(t, err)
			assert.Equal(t, "/user/ann", url)
		})
	}
}

func TestLoadOpenAPIProblems(t *testing.T) {
	specs, err := loadOpenAPIFile(t, "problems.yaml")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidConfig)

	src := func(line int) Source { return Source{File: "problems.yaml", Line: line} }
	assert.Equal(t, []RouteSpec{
		{Name: "createPet", Path: "/pets", Methods: []string{"POST"}, Handler: "createPet", OperationID: "createPet", Source: src(15)},
		{Path: "/pets/{id}", Methods: []string{"DELETE"}, Handler: "remove_pet", Source: src(21)},
		{Name: "listStores", Path: "/stores", Methods: []string{"GET"}, Handler: "listStores", OperationID: "listStores", Source: src(33)},
	}, specs, "operations without a handler are left out; the others are read")

	wantErrs := []string{
		`route GET /pets (problems.yaml:10): invalid route config: the operation has no operationId, which names its handler; add one or an x-dynroute-handler`,
		`route "createPet" POST /pets (problems.yaml:15): invalid route config: tags is "pets", want a list of strings`,
		`route /pets/{id} (problems.yaml:19): invalid route config: unknown key "Get" in the path item; did you mean "get"?`,
		`route PATCH /pets/{id} (problems.yaml:23): invalid route config: operationId is a list, want a string`,
		`route PATCH /pets/{id} (problems.yaml:23): invalid route config: deprecated is "yes", want a boolean`,
		`route PUT /stores (problems.yaml:35): invalid route config: the operation has no operationId`,
		`route /remote (problems.yaml:29): invalid route config: $ref "other.yaml#/paths/~1remote" is not supported: only references into the same document (#/...) are followed`,
	}
	problems := splitJoinedErrs(t, err)
	require.Len(t, problems, len(wantErrs), "%v", err)
	for i, p := range problems {
		assert.Contains(t, p.Error(), wantErrs[i])
		var re *RouteError
		require.ErrorAs(t, p, &re)
		assert.Equal(t, "problems.yaml", re.Source.File)
		assert.ErrorIs(t, p, ErrInvalidConfig)
	}

	// The specs that were read apply.
	rt := New(nil)
	for _, h := range []string{"createPet", "remove_pet", "listStores"} {
		rt.Registry().MustRegister(h, http.NotFoundHandler())
	}
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
}

func TestLoadOpenAPIDocuments(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []RouteSpec // compared without Source
		wantErr string      // one problem, if any
	}{
		{
			name: "JSON escapes YAML lacks: \\/ and surrogate pairs",
			doc: `{"openapi": "3.1.0", "paths": {"\/pets\/{id}": {"get": {"operationId": "getPet",
				"summary": "Get a pet \ud83d\udc36 \u00e9", "description": "lone \ud800 \"quoted\\/\""}}}}`,
			want: []RouteSpec{{Name: "getPet", Path: "/pets/{id}", Methods: []string{"GET"}, Handler: "getPet", OperationID: "getPet",
				Summary: "Get a pet 🐶 é", Description: "lone \uFFFD \"quoted\\/\""}},
		},
		{
			name: "x-dynroute-handler overrides the handler",
			doc: "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      operationId: listA\n      x-dynroute-handler: list_a\n" +
				"      deprecated: false\n      tags: [a, b]\n",
			want: []RouteSpec{{Name: "listA", Path: "/a", Methods: []string{"GET"}, Handler: "list_a", OperationID: "listA", Tags: []string{"a", "b"}}},
		},
		{
			name: "anchors, aliases and merge keys",
			doc: `openapi: 3.1.0
x-common: &common
  tags: [shared]
  summary: from the anchor
paths:
  /a:
    get: &op
      <<: *common
      operationId: getA
      summary: own summary
  /b: &item
    post:
      <<: [*common]
      operationId: postB
  /c:
    put: *op
`,
			want: []RouteSpec{
				{Name: "getA", Path: "/a", Methods: []string{"GET"}, Handler: "getA", OperationID: "getA", Tags: []string{"shared"}, Summary: "own summary"},
				{Name: "postB", Path: "/b", Methods: []string{"POST"}, Handler: "postB", OperationID: "postB", Tags: []string{"shared"}, Summary: "from the anchor"},
				{Name: "getA", Path: "/c", Methods: []string{"PUT"}, Handler: "getA", OperationID: "getA", Tags: []string{"shared"}, Summary: "own summary"},
			},
		},
		{
			name: "OpenAPI 3.2 query and additionalOperations",
			doc: "openapi: 3.2.0\npaths:\n  /search:\n    query:\n      operationId: search\n" +
				"    additionalOperations:\n      COPY:\n        operationId: copySearch\n",
			want: []RouteSpec{
				{Name: "search", Path: "/search", Methods: []string{"QUERY"}, Handler: "search", OperationID: "search"},
				{Name: "copySearch", Path: "/search", Methods: []string{"COPY"}, Handler: "copySearch", OperationID: "copySearch"},
			},
		},
		{
			name: "local $ref: the item's own operations win",
			doc: "openapi: 3.1.0\npaths:\n  /a:\n    $ref: '#/components/pathItems/A'\n    get:\n      operationId: ownGet\n" +
				"components:\n  pathItems:\n    A:\n      get:\n        operationId: refGet\n      delete:\n        operationId: refDelete\n",
			want: []RouteSpec{
				{Name: "ownGet", Path: "/a", Methods: []string{"GET"}, Handler: "ownGet", OperationID: "ownGet"},
				{Name: "refDelete", Path: "/a", Methods: []string{"DELETE"}, Handler: "refDelete", OperationID: "refDelete"},
			},
		},
		{
			name:    "a $ref cycle",
			doc:     "openapi: 3.1.0\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n",
			wantErr: `route /a (doc.yaml:4): invalid route config: $ref "#/paths/~1a" leads back to where it is (a cycle of $refs)`,
		},
		{
			name:    "a $ref to nothing",
			doc:     "openapi: 3.1.0\npaths:\n  /a:\n    $ref: '#/components/pathItems/Nope'\ncomponents:\n  pathItems: {}\n",
			wantErr: `route /a (doc.yaml:4): invalid route config: $ref "#/components/pathItems/Nope": "Nope" not found`,
		},
		{
			name:    "an operation that is not a mapping",
			doc:     "openapi: 3.1.0\npaths:\n  /a:\n    get: listA\n",
			wantErr: `route GET /a (doc.yaml:4): invalid route config: the operation is "listA", want a mapping`,
		},
		{
			name:    "a path item that is not a mapping",
			doc:     "openapi: 3.1.0\npaths:\n  /a: [get]\n",
			wantErr: `route /a (doc.yaml:3): invalid route config: the path item is a list, want a mapping`,
		},
		{
			name:    "tags with a non-string",
			doc:     "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: a\n      tags: [x, {y: z}]\n",
			want:    []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a"}},
			wantErr: "tags is a list, want a list of strings",
		},
		{
			name: "nulls and numbers read as YAML decoding into strings does",
			doc:  "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: a\n      summary: 2024\n      tags: ~\n      description: null\n      deprecated: ~\n",
			want: []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a", Summary: "2024"}},
		},
		{
			name: "no paths: components or webhooks only",
			doc:  "openapi: 3.1.0\nwebhooks:\n  newPet:\n    post:\n      operationId: newPet\n",
		},
		{
			name: "path extensions and non-method keys are skipped",
			doc: "openapi: 3.1.0\npaths:\n  x-meta: 1\n  /a:\n    summary: s\n    description: d\n    servers: []\n" +
				"    parameters: []\n    x-owner: me\n    get:\n      operationId: a\n",
			want: []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := LoadOpenAPI(strings.NewReader(tt.doc), "doc.yaml")
			for i := range specs {
				assert.Equal(t, "doc.yaml", specs[i].Source.File)
				specs[i].Source = Source{}
			}
			assert.Equal(t, tt.want, specs)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			require.Len(t, splitJoinedErrs(t, err), 1, "%v", err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestLoadOpenAPILarge(t *testing.T) {
	// 3.1 documents may move every path item to components: thousands of
	// $refs into one mapping are within the alias budget.
	const n = 5000
	var doc strings.Builder
	doc.WriteString("openapi: 3.1.0\npaths:\n")
	for i := range n {
		fmt.Fprintf(&doc, "  /items/%d/{id}:\n    $ref: '#/components/pathItems/item%d'\n", i, i)
	}
	doc.WriteString("components:\n  pathItems:\n")
	for i := range n {
		fmt.Fprintf(&doc, "    item%d:\n      get: {operationId: get%d, tags: [items]}\n      delete: {operationId: delete%d}\n", i, i, i)
	}
	specs, err := LoadOpenAPI(strings.NewReader(doc.String()), "large.yaml")
	require.NoError(t, err)
	require.Len(t, specs, 2*n)
	assert.Equal(t, RouteSpec{Name: "delete4999", Path: "/items/4999/{id}", Methods: []string{"DELETE"}, Handler: "delete4999",
		OperationID: "delete4999", Source: Source{File: "large.yaml", Line: 2*n + 7 + 3*4999}}, specs[2*n-1])

	rt := New(nil)
	for _, s := range specs {
		rt.Registry().MustRegister(s.Handler, http.NotFoundHandler())
	}
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
}

func TestLoadOpenAPIUnreadable(t *testing.T) {
	// Every operation names one long tag list: a small document whose walk
	// would visit 40 million tags.
	var bomb strings.Builder
	bomb.WriteString("openapi: 3.1.0\nx-tags: &t [" + strings.Repeat("t, ", 20000) + "t]\npaths:\n")
	for i := range 2000 {
		fmt.Fprintf(&bomb, "  /p%d: {get: {operationId: op%d, tags: *t}}\n", i, i)
	}

	tests := []struct {
		name    string
		r       io.Reader
		wantErr string
	}{
		{"empty", strings.NewReader(""), "petstore.yaml: invalid route config: empty document"},
		{"comments only", strings.NewReader("# nothing\n"), "empty document"},
		{"not YAML", strings.NewReader("openapi: [3.1\n"), "petstore.yaml: invalid route config: yaml: line"},
		{"bad JSON", strings.NewReader(`{"openapi": "3.1.0"`), "petstore.yaml:1: invalid route config: JSON syntax error: unexpected end of input"},
		{"a list", strings.NewReader("- a\n- b\n"), "petstore.yaml:1: invalid route config: the document is a list, not an OpenAPI object"},
		{"a string", strings.NewReader("hello"), `the document is "hello", not an OpenAPI object`},
		{"Swagger 2.0", strings.NewReader("swagger: '2.0'\npaths: {}\n"), "petstore.yaml:1: invalid route config: Swagger 2.0 documents are not supported; convert to OpenAPI 3"},
		{"no version", strings.NewReader("paths: {}\n"), "no openapi version field"},
		{"version 4", strings.NewReader("openapi: 4.0.0\npaths: {}\n"), `openapi version "4.0.0" is not supported; want 3.x`},
		{"paths a list", strings.NewReader("openapi: 3.1.0\npaths: [a]\n"), "petstore.yaml:2: invalid route config: paths is a list, want a mapping"},
		{"too large", io.MultiReader(strings.NewReader("openapi: 3.1.0\nx: '"), strings.NewReader(strings.Repeat("a", maxConfigBytes))), "larger than 16 MiB"},
		{"alias bomb", strings.NewReader(bomb.String()), "the document expands too much through YAML aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := LoadOpenAPI(tt.r, "petstore.yaml")
			require.Error(t, err)
			assert.Nil(t, specs)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	t.Run("nil reader", func(t *testing.T) {
		_, err := LoadOpenAPI(nil, "petstore.yaml")
		require.Error(t, err)
	})

	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := LoadOpenAPI(iotest.ErrReader(boom), "petstore.yaml")
		require.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, ErrInvalidConfig, "an I/O error is not a config problem")
	})
}

// FuzzLoadOpenAPI: the repository's OpenAPI documents are its seeds, in
// pieces of at most 2 KiB (testdata/fuzz/FuzzLoadOpenAPI, see
// TestFuzzCorpus), so that go test -fuzz FuzzLoadOpenAPI spends its time
// fuzzing rather than minimizing whole documents.
func FuzzLoadOpenAPI(f *testing.F) {
	f.Add([]byte(`{"openapi":"3.1.0","paths":{"\/a":{"get":{"operationId":"\ud83d\ude00\ud800"}}}}`))
	f.Add([]byte("openapi: 3.1.0\npaths:\n  /a: &a {get: {<<: *a, operationId: x}, $ref: '#/paths/~1a'}\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte(`{"openapi":"3.1.0","paths":{"/a":{"$ref":"#/x/0/y"}},"x":[{"y":{"get":{"operationId":"a","tags":["t",1]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := LoadOpenAPI(bytes.NewReader(data), "fuzz.yaml")
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
		}
		for _, s := range specs {
			if s.Handler == "" || len(s.Methods) != 1 || s.Source.File != "fuzz.yaml" {
				t.Fatalf("incomplete spec %+v", s)
			}
		}
	})
}

// TestLoadOpenAPIQueryInPath: a document keyed by path and query (OpenAI's
// /responses?beta=true) is a problem naming the query and the document's
// line; lenient mode skips that operation and serves the others.
func TestLoadOpenAPIQueryInPath(t *testing.T) {
	doc := `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /responses:
    get: {operationId: list_responses}
  /responses?beta=true:
    get: {operationId: list_responses_beta}
  /shared_items#folders:
    get: {operationId: shared_folders}
`
	specs, err := LoadOpenAPI(strings.NewReader(doc), "openai.yaml")
	require.NoError(t, err)
	rt := New(nil)
	for _, name := range []string{"list_responses", "list_responses_beta", "shared_folders"} {
		require.NoError(t, rt.Registry().Register(name, testkit.Text(name)))
	}
	_, err = rt.AddRoutes(specs, nil)
	require.ErrorIs(t, err, ErrInvalidPath)
	assert.ErrorContains(t, err, `it has a query ("?beta=true")`)
	assert.ErrorContains(t, err, "(openai.yaml:7)", "the operation's line")
	assert.ErrorContains(t, err, `it has a fragment ("#folders")`)
	skipped, err := rt.AddRoutes(specs, &ApplyOptions{Lenient: true, Logger: discardLogger()})
	require.NoError(t, err)
	assert.Len(t, skipped, 2)
	assert.Equal(t, "list_responses", testkit.Serve(rt, "GET", "/responses").Body.String())
}
