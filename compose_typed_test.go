package dynroute

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staticDoc is an OpenAPIProvider that is not a Router.
type staticDoc struct {
	http.Handler
	doc *openapi.Document
}

func TestMountOpenAPI(t *testing.T) {
	type Item struct {
		ID int `json:"id"`
	}
	plugin := New(&Options{Tags: []openapi.Tag{{Name: "Plugin", Description: "Plugin A's routes."}}})
	plugin.MustAddAPIRoute("/items/{id}", []string{"GET"}, MustTyped(func(context.Context, *struct {
		ID int `path:"id" minimum:"1"`
	}) (*Item, error) {
		return &Item{}, nil
	}, nil), &RouteOptions{Name: "get_item", Tags: []string{"Plugin"}})
	plugin.MustAddAPIRoute("/", []string{"GET"}, echoPath, &RouteOptions{OperationID: "index"})

	rt := New(&Options{Title: "Host"})
	func() {
		// The host has an Item of its own, different from the plugin's.
		type Item struct {
			Name string `json:"name"`
		}
		rt.MustAddAPIRoute("/items", []string{"GET"}, MustTyped(func(context.Context, *sinkNothing) (*Item, error) {
			return &Item{}, nil
		}, nil), &RouteOptions{OperationID: "index"})
	}()
	require.NoError(t, rt.Mount("/plugina", plugin, &MountOptions{Tags: []string{"Plugins"}}))
	require.NoError(t, rt.Mount("/pluginb", http.NewServeMux(), nil))
	require.NoError(t, rt.Mount("/hidden", New(nil), &MountOptions{Hidden: true}))
	other := &openapi.Document{Paths: []*openapi.PathItem{{Path: "/ping", Operations: []*openapi.Operation{{Method: "GET", OperationID: "ping",
		Responses: []openapi.Response{{Status: 200, Description: "pong"}}}}}}}
	require.NoError(t, rt.Mount("/static-doc", staticDoc{echoPath, other}, nil))

	res := testkit.Get(t, rt, "/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	body := testkit.ReadBody(t, res)
	testkit.Golden(t, "testdata/openapi/golden/mounts.json", testkit.IndentJSON(t, body))
	testkit.ValidOpenAPI(t, body)

	doc := rt.OpenAPI()
	var ops []string
	for _, item := range doc.Paths {
		for _, op := range item.Operations {
			ops = append(ops, op.Method+" "+item.Path+" "+op.OperationID+" "+strings.Join(op.Tags, ","))
		}
	}
	assert.Equal(t, []string{
		"GET /items index ",
		"GET /plugina/items/{id} get_item Plugin,Plugins",
		"GET /plugina/ plugina_index Plugins",
		"GET /static-doc/ping ping ",
	}, ops)
	assert.Contains(t, doc.Components, "Item2", "the plugin's Item is renamed, not merged")
	assert.Equal(t, "Plugin A's routes.", doc.Tags[0].Description, "the mounted document's tag descriptions")

	t.Run("the document follows the mounted Router", func(t *testing.T) {
		plugin.MustAddAPIRoute("/later", []string{"GET"}, echoPath, nil)
		assert.Contains(t, string(testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))), `"/plugina/later"`)
		assert.Contains(t, string(testkit.ReadBody(t, testkit.Get(t, rt, "/openapi-3.0.json"))), `"/plugina/later"`)
	})
	t.Run("a cycle of mounts", func(t *testing.T) {
		a, b := New(nil), New(nil)
		a.MustAddAPIRoute("/x", []string{"GET"}, echoPath, nil)
		require.NoError(t, a.Mount("/b", b, nil))
		require.NoError(t, b.Mount("/a", a, nil))
		assert.Equal(t, http.StatusOK, testkit.Get(t, a, "/openapi.json").StatusCode)
		assert.Equal(t, http.StatusOK, testkit.Get(t, a, "/b/a/x").StatusCode)
	})
}

func (s staticDoc) OpenAPI() *openapi.Document { return s.doc }

// TestRouteClassTyped: a class sees a typed handler's route, and the
// handler keeps its documentation when wrapped.
func TestRouteClassTyped(t *testing.T) {
	rt := New(&Options{
		RouteClass: traceClass("router", new(atomic.Int64)),
		Middleware: []Middleware{trace("mw1"), trace("mw2")},
	})
	typed := MustTyped(func(_ context.Context, in *struct {
		ID int `path:"id"`
	}) (*struct {
		ID int `json:"id"`
	}, error) {
		return &struct {
			ID int `json:"id"`
		}{ID: in.ID}, nil
	}, nil)
	rt.MustAddAPIRoute("/typed/{id}", []string{"GET"}, typed, &RouteOptions{Name: "typed"})
	w := testkit.Serve(rt, "GET", "/typed/5")
	assert.Equal(t, `{"id":5}`, strings.TrimSpace(w.Body.String()))
	assert.Equal(t, []string{"mw1", "mw2", "router:typed"}, w.Header().Values("X-Trace"))
	assert.Equal(t, http.StatusUnprocessableEntity, testkit.Serve(rt, "GET", "/typed/x").Code)
	doc := rt.OpenAPI()
	assert.Equal(t, "integer", doc.Paths[len(doc.Paths)-1].Operations[0].Parameters[0].Schema.Type)
}
