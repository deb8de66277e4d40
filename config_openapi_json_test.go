package dynroute

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// oaDump writes the tree under n, one node a line with its kind, tag, value
// and line, parsing what the JSON parser skipped.
func oaDump(b *strings.Builder, n *yaml.Node, skipped *oaSkipped, indent int) {
	if skipped != nil {
		skipped.expand(n)
	}
	fmt.Fprintf(b, "%*s%d %s %q @%d\n", indent, "", n.Kind, n.ShortTag(), n.Value, n.Line)
	for _, c := range n.Content {
		oaDump(b, c, skipped, indent+1)
	}
}

// TestOAParseJSONMatchesYAML: the JSON parser builds the tree the YAML
// parser builds from the same text, lines included, so that every message
// reads as it did when JSON went through the YAML parser.
func TestOAParseJSONMatchesYAML(t *testing.T) {
	docs := map[string][]byte{"generated": genOpenAPIJSON(t, 30)}
	for _, file := range []string{"testdata/openapi/petstore.json", "typed/testdata/openapi/kitchen-sink.json", "crud/testdata/openapi/crud.json"} {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		docs[file] = b
	}
	for name, doc := range map[string]string{
		"escapes":      `{"a\/b": "\ud83d\ude00 \ud800 \u00e9 \"q\" \\ \/ \n\t", "e": "", "u": "\u0041\u20AC"}`,
		"numbers":      `[0, -1, 1.5, 1e5, -2E-3, 12345678901234567890, 3.0]`,
		"literals":     `{"t": true, "f": false, "n": null, "empty": {}, "list": []}`,
		"duplicates":   `{"paths": {"/a": {"get": {"operationId": "x"}, "get": {"operationId": "y"}}}}`,
		"layout":       "\n\n  {\n\"a\":\n[\n1\n,\n{\"b\":\n\n[[[[{\"deep\": [\n1]}]]]]}\n]\n}\n\n",
		"bom":          "\ufeff{\"openapi\": \"3.1.0\"}",
		"top list":     `[{"a": [{"b": [{"c": [{"d": [1]}]}]}]}]`,
		"crlf":         "{\r\n  \"a\": {\r\n    \"b\": [\r\n      1, {\"c\": {\"d\": {\"e\": 2}}}\r\n    ]\r\n  }\r\n}\r\n",
		"long strings": `{"s": "` + strings.Repeat("x", 5000) + `"}`,
	} {
		docs[name] = []byte(doc)
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			want, err := oaParse(jsonForYAML(doc))
			require.NoError(t, err)
			skipped := &oaSkipped{at: map[*yaml.Node]oaSkip{}}
			got, err := oaParseJSON(doc, skipped)
			require.NoError(t, err)
			var w, g strings.Builder
			oaDump(&w, want, nil, 0)
			oaDump(&g, got, skipped, 0)
			assert.Equal(t, w.String(), g.String())
			assert.Empty(t, skipped.at, "the dump parsed every skipped value")
		})
	}
}

func TestLoadOpenAPIJSON(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []RouteSpec // compared without Source
		lines   []int       // the Source lines of want
		wantErr string
	}{
		{
			name: "problems keep their lines",
			doc: `{
  "openapi": "3.1.0",
  "paths": {
    "/a": {
      "get": {"operationId": "getA", "tags": ["a", {"b": 1}]},
      "Post": {"operationId": "postA"}
    },
    "/b": {"$ref": "#/components/pathItems/B"}
  },
  "components": {"pathItems": {"B": {
    "put": {
      "operationId": "putB",
      "deprecated": "yes"
    },
    "delete": {"x-dynroute-handler": "del_b", "tags": ["b"]}
  }}}
}`,
			want: []RouteSpec{
				{Name: "getA", Path: "/a", Methods: []string{"GET"}, Handler: "getA", OperationID: "getA"},
				{Name: "putB", Path: "/b", Methods: []string{"PUT"}, Handler: "putB", OperationID: "putB"},
				{Path: "/b", Methods: []string{"DELETE"}, Handler: "del_b", Tags: []string{"b"}},
			},
			lines: []int{5, 11, 15},
			wantErr: `route "getA" GET /a (doc.json:5): invalid route config: tags is a list, want a list of strings` + "\ndynroute: " +
				`route /a (doc.json:6): invalid route config: unknown key "Post" in the path item; did you mean "post"?` + "\ndynroute: " +
				`route "putB" PUT /b (doc.json:11): invalid route config: deprecated is "yes", want a boolean`,
		},
		{
			name: "a $ref deep into what the parse skipped",
			doc: `{"openapi": "3.1.0", "paths": {"/a": {"$ref": "#/x/0/y/z~1w"}},
"x": [{"y": {"z/w": {
  "get": {"operationId": "a", "tags": ["t"]}}}}]}`,
			want:  []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a", Tags: []string{"t"}}},
			lines: []int{3},
		},
		{
			name:    "a syntax error names its line",
			doc:     "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {\n    \"/a\": {\"get\": {\"operationId\": \"a\"}}\n    \"/b\": {}\n  }\n}\n",
			wantErr: `doc.json:5: invalid route config: JSON syntax error: invalid character '"' after object value (expecting ',' or '}') within "/paths"`,
		},
		{
			name:    "the end of input",
			doc:     "{\"openapi\": \"3.1.0\",\n \"paths\": {\n",
			wantErr: `doc.json:3: invalid route config: JSON syntax error: unexpected end of input`,
		},
		{
			name: "a YAML flow mapping is YAML",
			doc:  "{openapi: 3.1.0, paths: {/a: {get: {operationId: a}}}}",
			want: []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a"}},
		},
		{
			name: "JSON that YAML reads past: a tab in a string",
			doc:  "{\"openapi\": \"3.1.0\", \"paths\": {\"/a\": {\"get\": {\"operationId\": \"a\", \"summary\": \"x\ty\"}}}}",
			want: []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a", Summary: "x\ty"}},
		},
		{
			name:    "not UTF-8 is the YAML parser's error, as before",
			doc:     "{\"openapi\": \"3.1.0\", \"x\": \"\xff\"}",
			wantErr: "doc.json: invalid route config: yaml: invalid",
		},
		{
			name:    "too deep",
			doc:     strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
			wantErr: "doc.json:1: invalid route config: JSON syntax error: exceeded max depth",
		},
		{
			name:    "too many values, not read again as YAML",
			doc:     "[\n" + strings.Repeat("0,", maxOAJSONNodes) + "0]",
			wantErr: "doc.json:2: invalid route config: the document holds more than 1048576 values outside the schemas and responses the loader skips",
		},
		{
			name: "a byte order mark",
			doc:  "\ufeff{\"openapi\": \"3.1.0\", \"paths\": {\"/a\": {\"get\": {\"operationId\": \"a\"}}}}",
			want: []RouteSpec{{Name: "a", Path: "/a", Methods: []string{"GET"}, Handler: "a", OperationID: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := LoadOpenAPI(strings.NewReader(tt.doc), "doc.json")
			for i := range specs {
				assert.Equal(t, "doc.json", specs[i].Source.File)
				if i < len(tt.lines) {
					assert.Equal(t, tt.lines[i], specs[i].Source.Line, specs[i].Name)
				}
				specs[i].Source = Source{}
			}
			assert.Equal(t, tt.want, specs)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestOAParseJSONErrors(t *testing.T) {
	tests := []struct {
		doc, wantErr string
		line         int
	}{
		{"{\"openapi\": \"3.1.0\"}\n{}\n", "JSON syntax error: more after the top-level value; a document is one JSON value", 2},
		{"{\"a\": [1,\n2,,]}", `JSON syntax error: invalid character ',' at start of value within "/a/2"`, 2},
		{"[\"\\x\"]", "JSON syntax error: invalid escape sequence `\\x` in string within \"/0\"", 1},
		{"{\n\n\"a\"", "JSON syntax error: unexpected end of input", 3},
	}
	for _, tt := range tests {
		_, err := oaParseJSON([]byte(tt.doc), &oaSkipped{at: map[*yaml.Node]oaSkip{}})
		var je *oaJSONError
		require.ErrorAs(t, err, &je, tt.doc)
		assert.Equal(t, tt.wantErr, je.Error(), tt.doc)
		assert.Equal(t, tt.line, je.line, tt.doc)
	}
}
