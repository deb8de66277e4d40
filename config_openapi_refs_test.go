package dynroute

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dynroute/dynroute/internal/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadOpenAPIFSDigitalOcean reads a tree in the shape of DigitalOcean's
// specification/: operations and path items in files of their own, which
// $ref shared parameters and responses the loader does not follow.
func TestLoadOpenAPIFSDigitalOcean(t *testing.T) {
	specs, err := LoadOpenAPIFS(os.DirFS("testdata/openapi/digitalocean"), "DigitalOcean-public.v2.yaml")
	require.NoError(t, err)
	op := func(id, path, method, file string, line int, tag string) RouteSpec {
		return RouteSpec{Name: id, Path: path, Methods: []string{method}, Handler: id, OperationID: id, Tags: []string{tag},
			Source: Source{File: file, Line: line}}
	}
	want := []RouteSpec{
		op("apps_list", "/v2/apps", "GET", "resources/apps/apps_list.yml", 1, "Apps"),
		op("apps_create", "/v2/apps", "POST", "resources/apps/apps_create.yml", 1, "Apps"),
		op("apps_get", "/v2/apps/{id}", "GET", "resources/apps/apps_get.yml", 1, "Apps"),
		op("apps_delete", "/v2/apps/{id}", "DELETE", "resources/apps/apps_delete.yml", 1, "Apps"),
		op("droplets_list", "/v2/droplets", "GET", "resources/droplets/droplets_list.yml", 1, "Droplets"),
		op("droplets_get", "/v2/droplets/{droplet_id}", "GET", "resources/droplets/droplets_get.yml", 1, "Droplets"),
		op("droplets_destroy", "/v2/droplets/{droplet_id}", "DELETE", "resources/droplets/droplets_item.yml", 9, "Droplets"),
		op("sshKeys_list", "/v2/account/keys", "GET", "resources/ssh_keys/sshKeys_list.yml", 1, "SSH Keys"),
		op("sshKeys_create", "/v2/account/keys", "POST", "resources/ssh_keys/paths.yml", 8, "SSH Keys"),
	}
	want[3].Deprecated = true
	for i := range specs {
		specs[i].Summary, specs[i].Description = "", ""
	}
	assert.Equal(t, want, specs)

	rt := New(nil)
	for _, s := range specs {
		rt.Registry().MustRegister(s.Handler, testkit.Text(s.Handler))
	}
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
}

func TestLoadOpenAPIFSProblems(t *testing.T) {
	const head = "openapi: 3.1.0\npaths:\n"
	tests := []struct {
		name    string
		files   map[string]string // api.yaml is the document
		want    []string          // operationIds read
		wantErr []string          // one per problem
	}{
		{
			name: "a missing file, at the line of its $ref",
			files: map[string]string{"api.yaml": head + "  /a:\n    get:\n      $ref: ops/missing.yml\n  /b:\n    get: {$ref: ops/b.yml}\n",
				"ops/b.yml": "operationId: b\n"},
			want:    []string{"b"},
			wantErr: []string{`route GET /a (api.yaml:5): invalid route config: $ref "ops/missing.yml": open ops/missing.yml: file does not exist`},
		},
		{
			name:    "a pointer to nothing",
			files:   map[string]string{"api.yaml": head + "  /a:\n    $ref: 'items.yml#/b'\n", "items.yml": "a:\n  get: {operationId: a}\n"},
			wantErr: []string{`route /a (api.yaml:4): invalid route config: $ref "items.yml#/b": "b" not found`},
		},
		{
			name:    "not a mapping",
			files:   map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: 'op.yml#/list'}\n", "op.yml": "list: [1, 2]\n"},
			wantErr: []string{`route GET /a (api.yaml:4): invalid route config: $ref "op.yml#/list" is a list, want a mapping`},
		},
		{
			name:    "leaving the FS",
			files:   map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: '../secret.yml'}\n"},
			wantErr: []string{`route GET /a (api.yaml:4): invalid route config: $ref "../secret.yml": ../secret.yml is outside the FS`},
		},
		{
			name:    "a URL",
			files:   map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: 'https://example.com/op.yml'}\n"},
			wantErr: []string{`$ref "https://example.com/op.yml": only relative references to files of the FS are followed`},
		},
		{
			name: "../ within the FS, and each file read once",
			files: map[string]string{"spec/api.yaml": head + "  /a:\n    get: {$ref: '../ops/a.yml'}\n  /b:\n    get: {$ref: '../ops/./a.yml'}\n",
				"ops/a.yml": "operationId: a\n"},
			want: []string{"a", "a"},
		},
		{
			name: "a cycle across files",
			files: map[string]string{"api.yaml": head + "  /a:\n    $ref: 'b.yml#/item'\n",
				"b.yml": "item:\n  $ref: 'c.yml'\n", "c.yml": "$ref: 'b.yml#/item'\n"},
			wantErr: []string{`route /a (c.yml:1): invalid route config: $ref "b.yml#/item" leads back to where it is (a cycle of $refs)`},
		},
		{
			name:    "a referenced file that does not parse",
			files:   map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: op.json}\n", "op.json": "{\n  \"operationId\": \"a\"\n  \"x\": 1\n}\n"},
			wantErr: []string{`route GET /a (api.yaml:4): invalid route config: $ref "op.json": op.json:3: JSON syntax error: invalid character '"' after object value`},
		},
		{
			name:    "problems inside a referenced file name it",
			files:   map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: ops/a.yml}\n", "ops/a.yml": "# the operation\nsummary: no id\ntags: x\n"},
			wantErr: []string{`route GET /a (ops/a.yml:2): invalid route config: tags is "x", want a list of strings`, `route GET /a (ops/a.yml:2): invalid route config: the operation has no operationId`},
		},
		{
			name:  "keys beside an operation's $ref win",
			files: map[string]string{"api.yaml": head + "  /a:\n    get: {$ref: a.yml, summary: mine}\n", "a.yml": "operationId: a\nsummary: theirs\n"},
			want:  []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			root := "api.yaml"
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
				if strings.HasSuffix(name, "api.yaml") {
					root = name
				}
			}
			specs, err := LoadOpenAPIFS(fsys, root)
			var ids []string
			for _, s := range specs {
				ids = append(ids, s.OperationID)
				if tt.name == "keys beside an operation's $ref win" {
					assert.Equal(t, "mine", s.Summary)
				}
			}
			assert.Equal(t, tt.want, ids)
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			problems := splitJoinedErrs(t, err)
			require.Len(t, problems, len(tt.wantErr), "%v", err)
			for i, p := range problems {
				assert.Contains(t, p.Error(), tt.wantErr[i])
				assert.ErrorIs(t, p, ErrInvalidConfig)
			}
		})
	}
}

func TestLoadOpenAPIFSUnreadable(t *testing.T) {
	_, err := LoadOpenAPIFS(fstest.MapFS{}, "api.yaml")
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, ErrInvalidConfig, "an I/O error is not a config problem")

	_, err = LoadOpenAPIFS(nil, "api.yaml")
	require.Error(t, err)

	big := fstest.MapFS{
		"api.yaml": {Data: []byte("openapi: 3.1.0\npaths:\n  /a: {get: {$ref: a.yml}}\n  /b: {get: {$ref: b.yml}}\n")},
		"a.yml":    {Data: []byte("operationId: a\nx: '" + strings.Repeat("a", maxConfigBytes/2) + "'\n")},
		"b.yml":    {Data: []byte("operationId: b\nx: '" + strings.Repeat("b", maxConfigBytes/2) + "'\n")},
	}
	specs, err := LoadOpenAPIFS(big, "api.yaml")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Len(t, specs, 1)
	assert.ErrorContains(t, err, `route GET /b (api.yaml:4): invalid route config: $ref "b.yml": the files are larger than 16 MiB in all`)
}

// FuzzLoadOpenAPIFS: a document and a file its $refs name, twice (b.yaml
// and dir/b.yaml), so that relative paths, cycles and pointers meet.
func FuzzLoadOpenAPIFS(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc, other []byte) {
		fsys := fstest.MapFS{"api.yaml": {Data: doc}, "b.yaml": {Data: other}, "dir/b.yaml": {Data: other}}
		specs, err := LoadOpenAPIFS(fsys, "api.yaml")
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
		}
		for _, s := range specs {
			if s.Handler == "" || len(s.Methods) != 1 || s.Source.File == "" {
				t.Fatalf("incomplete spec %+v", s)
			}
		}
	})
}
