package dynroute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// genOpenAPIJSON returns an indented JSON document shaped like GitHub's
// api.github.com: n paths of two operations each, every operation with
// parameters, a request body and responses whose schemas the loader skips,
// and a components section of as many schemas.
func genOpenAPIJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	schema := func(i int) map[string]any {
		props := map[string]any{}
		for j := range 4 {
			props[fmt.Sprintf("field_%d", j)] = map[string]any{
				"type": "string", "description": fmt.Sprintf("Field %d of item %d, as the API returns it.", j, i),
				"example": "an example value", "nullable": j%3 == 0,
			}
		}
		return map[string]any{"type": "object", "properties": props, "required": []string{"field_0", "field_1"}}
	}
	op := func(verb string, i int) map[string]any {
		return map[string]any{
			"operationId": fmt.Sprintf("%s-item-%d", verb, i),
			"summary":     fmt.Sprintf("%s item %d", verb, i),
			"description": "Lists the items of the repository. éè 😀 with \"quotes\" and \\/slashes\\/.",
			"tags":        []string{"items", fmt.Sprintf("group-%d", i%20)},
			"parameters": []any{
				map[string]any{"name": "owner", "in": "path", "required": true, "schema": map[string]any{"type": "string"}},
				map[string]any{"name": "per_page", "in": "query", "schema": map[string]any{"type": "integer", "default": 30}},
				map[string]any{"$ref": "#/components/parameters/page"},
			},
			"requestBody": map[string]any{"content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"$ref": fmt.Sprintf("#/components/schemas/item-%d", i)}}}},
			"responses": map[string]any{
				"200": map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{
					"schema": map[string]any{"$ref": fmt.Sprintf("#/components/schemas/item-%d", i)}}}},
				"404": map[string]any{"description": "Not found"},
			},
			"x-github": map[string]any{"githubCloudOnly": false, "enabledForGitHubApps": true, "category": "repos"},
		}
	}
	paths := map[string]any{}
	schemas := map[string]any{}
	for i := range n {
		paths[fmt.Sprintf("/repos/{owner}/items%d/{item_id}", i)] = map[string]any{"get": op("get", i), "post": op("post", i)}
		schemas[fmt.Sprintf("item-%d", i)] = schema(i)
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "GitHub-like", "version": "1.1.4"},
		"paths":   paths,
		"components": map[string]any{
			"schemas":    schemas,
			"parameters": map[string]any{"page": map[string]any{"name": "page", "in": "query", "schema": map[string]any{"type": "integer"}}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkLoadOpenAPIJSON loads a JSON document of 2,000 paths (4,000
// operations, 8 MB), as large as the published documents of big APIs.
func BenchmarkLoadOpenAPIJSON(b *testing.B) {
	doc := genOpenAPIJSON(b, 2000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		specs, err := LoadOpenAPI(bytes.NewReader(doc), "api.json")
		if err != nil || len(specs) != 4000 {
			b.Fatalf("%d specs, %v", len(specs), err)
		}
	}
}
