package openapi

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullDocument uses every member the writer writes.
func fullDocument() *Document {
	one := 1.0
	return &Document{
		Info: Info{
			Title: "Shop", Summary: "Things for sale", Description: "A \"quoted\" <text>\nover two lines.",
			TermsOfService: "https://example.com/terms", Version: "2.0.0",
			Contact: &Contact{Name: "API team", URL: "https://example.com", Email: "api@example.com"},
			License: &License{Name: "MIT", Identifier: "MIT"},
		},
		Servers: []Server{{URL: "https://api.example.com", Description: "production"}},
		Tags: []Tag{
			{Name: "Items", Description: "Things.", ExternalDocs: &ExternalDocs{Description: "more", URL: "https://example.com/items"}},
			{Name: "Unused"},
		},
		Paths: []*PathItem{
			{Path: "/items/{id}", Operations: []*Operation{
				{
					Method: "GET", OperationID: "get_item", Summary: "Get an item", Description: "One item.",
					Tags: []string{"Items"}, Deprecated: true,
					Parameters: []Parameter{
						{Name: "id", In: "path", Required: true, Description: "the key", Example: 7,
							Schema: &jsonschema.Schema{Type: "integer", Minimum: &one}},
						{Name: "X-Trace", In: "header", Schema: &jsonschema.Schema{Type: "string"}},
					},
					Responses: []Response{
						{Status: 200, Description: "The item", ContentType: "application/json", Schema: jsonschema.Ref("Item"),
							Headers: []Header{{Name: "ETag", Description: "the version", Schema: &jsonschema.Schema{Type: "string"}}}},
						{Status: 404, Description: "Not Found"},
						{Description: "Error", ContentType: "application/problem+json", Schema: &jsonschema.Schema{Type: "object"}},
					},
					Extensions: map[string]any{"x-rate-limit": 10, "x-audience": "internal"},
				},
				{
					Method: "PUT", OperationID: "replace_item",
					Parameters:  []Parameter{{Name: "id", In: "path", Required: true, Schema: &jsonschema.Schema{Type: "integer"}}},
					RequestBody: &RequestBody{Required: true, Description: "the new item", ContentType: "application/json", Schema: jsonschema.Ref("Item")},
					Responses:   []Response{{Status: 204, Description: "No Content"}},
				},
			}},
		},
		Components: map[string]*jsonschema.Schema{
			"Item": {Type: "object", Properties: []jsonschema.Property{
				{Name: "id", Schema: &jsonschema.Schema{Type: "integer"}},
				{Name: "note", Schema: &jsonschema.Schema{Type: "string", Nullable: true}},
			}, Required: []string{"id"}},
		},
	}
}

func TestMarshalGolden(t *testing.T) {
	for _, form := range []struct {
		golden  string
		marshal func(*Document) ([]byte, error)
	}{
		{"full.json", (*Document).MarshalJSON},
		{"full-3.0.json", (*Document).MarshalJSON30},
	} {
		t.Run(form.golden, func(t *testing.T) {
			b, err := form.marshal(fullDocument())
			require.NoError(t, err)
			require.True(t, json.Valid(b), "%s", b)
			testkit.ValidOpenAPI(t, b)
			var indented bytes.Buffer
			require.NoError(t, json.Indent(&indented, b, "", "  "))
			indented.WriteByte('\n')
			testkit.Golden(t, filepath.Join("testdata", form.golden), indented.Bytes())
			again, err := form.marshal(fullDocument())
			require.NoError(t, err)
			assert.Equal(t, string(b), string(again), "the same document gives the same bytes")
		})
	}
}

func TestMarshalDefaults(t *testing.T) {
	b, err := (&Document{}).MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"openapi":"3.1.0","info":{"title":"API","version":"0.0.0"},"paths":{}}`, string(b),
		"title and version are required: the writer fills them in")
}

func TestMarshal30LeavesOut31Fields(t *testing.T) {
	b, err := fullDocument().MarshalJSON30()
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"summary":"Things for sale"`)
	assert.NotContains(t, string(b), `"identifier"`)
	assert.Contains(t, string(b), `"nullable":true`)
}

func TestMarshalErrors(t *testing.T) {
	doc := fullDocument()
	doc.Paths[0].Operations[0].Extensions["x-bad"] = func() {}
	_, err := doc.MarshalJSON()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x-bad")

	doc = fullDocument()
	doc.Components["Bad"] = &jsonschema.Schema{AdditionalProperties: "no"}
	_, err = doc.MarshalJSON()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "additionalProperties")
}

func TestPathItemOperation(t *testing.T) {
	item := fullDocument().Paths[0]
	assert.Equal(t, "replace_item", item.Operation("PUT").OperationID)
	assert.Nil(t, item.Operation("DELETE"))
}

func TestMarshalStrings(t *testing.T) {
	doc := &Document{Info: Info{Title: "bad\xffutf8", Description: "ctl\x00\x1f\"\\</>\u2028"}}
	b, err := doc.MarshalJSON()
	require.NoError(t, err)
	var back struct {
		Info struct{ Title, Description string }
	}
	require.NoError(t, json.Unmarshal(b, &back), "%s", b)
	assert.Equal(t, "bad\ufffdutf8", back.Info.Title, "invalid UTF-8 is replaced, as encoding/json replaces it")
	assert.Equal(t, "ctl\x00\x1f\"\\</>\u2028", back.Info.Description)
	assert.Contains(t, string(b), `</>`, "no HTML escaping in a document")
}
