package typed

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Types of the kitchen-sink router's typed handlers.
type (
	sinkTag struct {
		Name  string `json:"name" minLength:"1"`
		Color string `json:"color,omitempty" pattern:"^#[0-9a-f]{6}$"`
	}
	sinkItem struct {
		ID      int64      `json:"id" minimum:"1"`
		Name    string     `json:"name" doc:"what the item is called" example:"pen"`
		Price   float64    `json:"price" exclusiveMinimum:"0"`
		Kind    string     `json:"kind" enum:"book,pen"`
		Note    *string    `json:"note"`
		Tags    []sinkTag  `json:"tags,omitempty" maxItems:"5"`
		Parent  *sinkItem  `json:"parent,omitempty"`
		Blob    []byte     `json:"blob,omitempty"`
		Created time.Time  `json:"created"`
		Related *[]sinkTag `json:"related,omitempty"`
	}
	sinkGet struct {
		ItemID  int64    `path:"item_id" minimum:"1" doc:"the item's number"`
		Fields  []string `query:"fields" enum:"name,price"`
		Token   string   `header:"X-Token" required:"true"`
		Session string   `cookie:"session"`
	}
	sinkNew struct {
		Name  string  `json:"name" minLength:"1" maxLength:"40"`
		Price float64 `json:"price" exclusiveMinimum:"0" maximum:"1000"`
	}
	sinkCreate struct {
		DryRun bool `query:"dry_run" default:"false"`
		Body   sinkNew
	}
	sinkCreated struct {
		ID       int64  `json:"id"`
		Location string `header:"Location" json:"-"`
	}
	sinkNothing struct{}
)

// kitchenSink returns a router with every kind of route the emitter
// documents: plain and typed handlers, shared and separate schema
// registries, a component name clash, multi-method routes, parameters named
// differently at one position, options of every kind.
func kitchenSink(t testing.TB) *dynroute.Router {
	rt := dynroute.New(&dynroute.Options{
		Title:          "Kitchen sink",
		Version:        "2.1.0",
		Summary:        "Every route kind",
		Description:    "The emitter's test router.",
		TermsOfService: "https://example.com/terms",
		Contact:        &openapi.Contact{Name: "API team", URL: "https://example.com", Email: "api@example.com"},
		License:        &openapi.License{Name: "MIT", Identifier: "MIT"},
		Servers:        []openapi.Server{{URL: "https://api.example.com/v2", Description: "production"}},
		Tags: []openapi.Tag{
			{Name: "Items", Description: "Things for sale.", ExternalDocs: &openapi.ExternalDocs{URL: "https://example.com/items"}},
			{Name: "Users", Description: "People."},
			{Name: "Unused", Description: "Declared, used by no route."},
		},
	})
	shared := jsonschema.NewRegistry(nil)
	getItem := Must(func(_ context.Context, in *sinkGet) (*sinkItem, error) {
		return &sinkItem{ID: in.ItemID}, nil
	}, &Options{Schemas: shared})
	createItem := Must(func(_ context.Context, in *sinkCreate) (*sinkCreated, error) {
		return &sinkCreated{ID: 1, Location: "/items/1"}, nil
	}, &Options{Schemas: shared})
	// A handler with a registry of its own and a different type that is
	// also named sinkItem: its component must be renamed, not merged.
	type sinkItem struct {
		Serial string `json:"serial"`
	}
	legacy := Must(func(_ context.Context, _ *sinkNothing) (*sinkItem, error) {
		return &sinkItem{Serial: "x"}, nil
	}, nil)
	plain := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})

	rt.MustAddAPIRoute("/", []string{"GET"}, plain, nil)
	rt.MustAddAPIRoute("/users/", []string{"GET"}, plain, &dynroute.RouteOptions{
		Name: "list_users", Tags: []string{"Users"}, Responses: map[int]string{200: "The users"}})
	rt.MustAddAPIRoute("/users/{id}", []string{"GET", "DELETE"}, plain, &dynroute.RouteOptions{
		Name: "user", Tags: []string{"Users"}, Deprecated: true,
		Extensions: map[string]any{"x-rate-limit": 10, "x-audience": "internal"}})
	rt.MustAddAPIRoute("/users/{uid}", []string{"PUT"}, plain, &dynroute.RouteOptions{
		OperationID: "replaceUser", Summary: "Replace a user", Description: "Long text.\nTwo lines.",
		Tags: []string{"Users"}, StatusCode: http.StatusNoContent, Responses: map[int]string{404: "No such user"}})
	rt.MustAddAPIRoute("/items/{item_id}", []string{"GET"}, getItem, &dynroute.RouteOptions{
		Name: "get_item", Tags: []string{"Items"}})
	rt.MustAddAPIRoute("/items", []string{"POST"}, createItem, &dynroute.RouteOptions{
		Name: "create_item", Tags: []string{"Items"}, StatusCode: http.StatusCreated,
		Responses: map[int]string{409: "The item exists"}})
	rt.MustAddAPIRoute("/legacy/items/{key}", []string{"GET"}, legacy, &dynroute.RouteOptions{Tags: []string{"Legacy"}})
	rt.MustAddAPIRoute("/files/{path...}", []string{"GET", "HEAD"}, plain, nil)
	rt.MustAddAPIRoute("/orders", []string{"POST"}, plain, &dynroute.RouteOptions{
		Responses: map[int]string{201: "Created", 400: "Bad order"}})
	rt.MustAddAPIRoute("/internal/metrics", []string{"GET"}, plain, &dynroute.RouteOptions{Hidden: true})
	rt.MustAddAPIRoute("/cache/{key}", []string{"PURGE"}, plain, nil)
	return rt
}

func TestOpenAPIGolden(t *testing.T) {
	rt := kitchenSink(t)
	forms := []struct {
		target, golden string
		indent         bool
	}{
		{"/openapi.json", "kitchen-sink.json", true},
		{"/openapi-3.0.json", "kitchen-sink-3.0.json", true},
		{"/openapi.yaml", "kitchen-sink.yaml", false},
	}
	for _, f := range forms {
		t.Run(f.golden, func(t *testing.T) {
			res := testkit.Get(t, rt, f.target)
			require.Equal(t, http.StatusOK, res.StatusCode)
			body := testkit.ReadBody(t, res)
			got := body
			if f.indent {
				got = testkit.IndentJSON(t, body)
			}
			testkit.Golden(t, filepath.Join("testdata", "openapi", f.golden), got)
			if f.indent {
				testkit.ValidOpenAPI(t, body)
			}
		})
	}
}

func TestOpenAPIYAMLMatchesJSON(t *testing.T) {
	rt := kitchenSink(t)
	var fromJSON, fromYAML any
	require.NoError(t, json.Unmarshal(testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json")), &fromJSON))
	y := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.yaml"))
	require.NoError(t, yaml.Unmarshal(y, &fromYAML))
	// YAML decodes integers as int; compare through JSON.
	b, err := json.Marshal(fromYAML)
	require.NoError(t, err)
	var again any
	require.NoError(t, json.Unmarshal(b, &again))
	assert.Equal(t, fromJSON, again)
	assert.Contains(t, string(y), "\"200\":", "status keys stay strings")
}

func TestOpenAPIDeterministic(t *testing.T) {
	a, err := kitchenSink(t).OpenAPI().MarshalJSON()
	require.NoError(t, err)
	for range 5 {
		b, err := kitchenSink(t).OpenAPI().MarshalJSON()
		require.NoError(t, err)
		require.Equal(t, string(a), string(b))
	}
	// Served bytes are the same bytes.
	assert.Equal(t, string(a), string(testkit.ReadBody(t, testkit.Get(t, kitchenSink(t), "/openapi.json"))))
}

// TestOpenAPIRoundTrip checks that every visible route's methods, path and
// parameters are in the document, and that the document has nothing else.
func TestOpenAPIRoundTrip(t *testing.T) {
	rt := kitchenSink(t)
	doc := rt.OpenAPI()
	// An operation is known by its method and its route's own path: the
	// path item's template, or x-dynroute-path where they differ.
	type op struct{ method, path, params, route string }
	var want, got []op
	for _, r := range rt.Routes() {
		if r.Hidden {
			continue
		}
		for _, m := range r.Methods {
			if !slices.Contains(docMethods, m) {
				continue
			}
			want = append(want, op{m, strings.ReplaceAll(r.Path, "...}", "}"), strings.Join(r.Params(), ","), r.Path})
		}
	}
	ids := make(map[string]bool)
	for _, item := range doc.Paths {
		for _, o := range item.Operations {
			var params []string
			for _, p := range o.Parameters {
				if p.In == "path" {
					params = append(params, p.Name)
				}
			}
			// Parameters are named after the path item's template; compare
			// with the route's own names by position.
			assert.Equal(t, templateParams(item.Path), params, "%s %s", o.Method, item.Path)
			route := item.Path
			if p, ok := o.Extensions["x-dynroute-path"].(string); ok {
				route = p
			}
			got = append(got, op{o.Method, item.Path, strings.Join((&dynroute.Route{Path: route}).Params(), ","), route})
			assert.False(t, ids[o.OperationID], "operationId %s twice", o.OperationID)
			ids[o.OperationID] = true
		}
	}
	// The one route with other parameter names sits under the first's path.
	for i := range want {
		if want[i].path == "/users/{uid}" {
			want[i].path = "/users/{id}"
		}
	}
	assert.ElementsMatch(t, want, got)
}

func TestOpenAPIComponentMerge(t *testing.T) {
	type Thing struct {
		A string `json:"a"`
	}
	type Box struct {
		Thing Thing `json:"thing"`
	}
	mk := func(reg *jsonschema.Registry) http.Handler {
		return Must(func(context.Context, *sinkNothing) (*Box, error) { return &Box{}, nil }, &Options{Schemas: reg})
	}
	t.Run("equal schemas of separate registries are one component", func(t *testing.T) {
		rt := dynroute.New(nil)
		rt.Get("/a", mk(nil))
		rt.Get("/b", mk(nil))
		doc := rt.OpenAPI()
		assert.ElementsMatch(t, []string{"Box", "Thing", "Problem"}, keys(doc.Components))
	})
	t.Run("different schemas under one name are renamed, references too", func(t *testing.T) {
		rt := dynroute.New(nil)
		rt.Get("/a", mk(nil))
		// Another Thing, in the default registry of a second handler.
		func() {
			type Thing struct {
				B int `json:"b"`
			}
			type Box struct {
				Thing Thing `json:"thing"`
			}
			rt.Get("/b", Must(func(context.Context, *sinkNothing) (*Box, error) { return &Box{}, nil }, nil))
		}()
		doc := rt.OpenAPI()
		assert.ElementsMatch(t, []string{"Box", "Thing", "Box2", "Thing2", "Problem"}, keys(doc.Components))
		box2, err := json.Marshal(doc.Components["Box2"])
		require.NoError(t, err)
		assert.JSONEq(t, `{"type":"object","properties":{"thing":{"$ref":"#/components/schemas/Thing2"}},"required":["thing"]}`, string(box2))
		thing2, err := json.Marshal(doc.Components["Thing2"])
		require.NoError(t, err)
		assert.Contains(t, string(thing2), `"b"`)
		resp := doc.Paths[1].Operations[0].Responses[0]
		assert.Equal(t, "#/components/schemas/Box2", resp.Schema.Ref)
		b, err := doc.MarshalJSON()
		require.NoError(t, err)
		testkit.ValidOpenAPI(t, b)
	})
	t.Run("a reference to a renamed component makes its user differ", func(t *testing.T) {
		// Box is equal field by field, but refers to a Thing that differs:
		// it must be renamed too.
		rt := dynroute.New(nil)
		rt.Get("/a", mk(nil))
		func() {
			type Thing struct {
				C bool `json:"c"`
			}
			type Box struct {
				Thing Thing `json:"thing"`
			}
			rt.Get("/b", Must(func(context.Context, *sinkNothing) (*Box, error) { return &Box{}, nil }, nil))
		}()
		doc := rt.OpenAPI()
		assert.Contains(t, keys(doc.Components), "Box2")
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestOpenAPIDocumentIsTheCallers(t *testing.T) {
	rt := kitchenSink(t)
	doc := rt.OpenAPI()
	for _, item := range doc.Paths {
		for _, op := range item.Operations {
			for i := range op.Tags {
				op.Tags[i] = "changed"
			}
			for i := range op.Parameters {
				op.Parameters[i].Name = "changed"
			}
		}
	}
	again, err := rt.OpenAPI().MarshalJSON()
	require.NoError(t, err)
	assert.NotContains(t, string(again), "changed")
}

// TestOpenAPIImportRoundTrip loads the document a router serves with
// LoadOpenAPI into a new router, handlers registered by operationId, and
// checks that the new router serves the same routes with the same metadata
// and documents them the same way.
func TestOpenAPIImportRoundTrip(t *testing.T) {
	rt := kitchenSink(t)
	rt.MustAddAPIRoute("/files/{name}", []string{"GET"}, http.NotFoundHandler(), nil) // beside /files/{path...}
	served := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	specs, err := dynroute.LoadOpenAPI(bytes.NewReader(served), "openapi.json")
	require.NoError(t, err)

	again := dynroute.New(nil)
	for _, s := range specs {
		require.NoError(t, again.Registry().Register(s.Handler, http.NotFoundHandler()))
	}
	_, err = again.AddRoutes(specs, nil)
	require.NoError(t, err)

	type route struct{ method, path string }
	table := func(rt *dynroute.Router) []route {
		var out []route
		for _, r := range rt.Routes() {
			if r.Hidden {
				continue
			}
			for _, m := range r.Methods {
				if slices.Contains(docMethods, m) {
					out = append(out, route{m, r.Path})
				}
			}
		}
		return out
	}
	assert.ElementsMatch(t, table(rt), table(again), "the same routes")

	type operation struct {
		method, path, id, summary, description, tags string
		deprecated                                   bool
	}
	ops := func(doc *openapi.Document) []operation {
		var out []operation
		for _, item := range doc.Paths {
			for _, o := range item.Operations {
				out = append(out, operation{o.Method, item.Path, o.OperationID, o.Summary, o.Description,
					strings.Join(o.Tags, ","), o.Deprecated})
			}
		}
		return out
	}
	want := ops(rt.OpenAPI())
	for i := range want {
		if want[i].summary == "" {
			// Imported routes are named after their operationIds, and
			// summaries default to the name in words.
			want[i].summary = nameWords(want[i].id)
		}
	}
	assert.Equal(t, want, ops(again.OpenAPI()), "documented the same way")
}

// templateParams returns the parameter names of an OpenAPI path template.
func templateParams(path string) []string {
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, path[i+1:i+j])
		path = path[i+j+1:]
	}
}

// docMethods are the methods an OpenAPI path item has fields for.
var docMethods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace,
}

// nameWords is the summary the emitter makes of a name: "get_user" → "Get
// User".
func nameWords(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
