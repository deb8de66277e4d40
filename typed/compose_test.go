package typed

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynroute/dynroute"
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
	plugin := dynroute.New(&dynroute.Options{Tags: []openapi.Tag{{Name: "Plugin", Description: "Plugin A's routes."}}})
	plugin.MustAddAPIRoute("/items/{id}", []string{"GET"}, Must(func(context.Context, *struct {
		ID int `path:"id" minimum:"1"`
	}) (*Item, error) {
		return &Item{}, nil
	}, nil), &dynroute.RouteOptions{Name: "get_item", Tags: []string{"Plugin"}})
	plugin.MustAddAPIRoute("/", []string{"GET"}, echoPath, &dynroute.RouteOptions{OperationID: "index"})

	rt := dynroute.New(&dynroute.Options{Title: "Host"})
	func() {
		// The host has an Item of its own, different from the plugin's.
		type Item struct {
			Name string `json:"name"`
		}
		rt.MustAddAPIRoute("/items", []string{"GET"}, Must(func(context.Context, *sinkNothing) (*Item, error) {
			return &Item{}, nil
		}, nil), &dynroute.RouteOptions{OperationID: "index"})
	}()
	require.NoError(t, rt.Mount("/plugina", plugin, &dynroute.MountOptions{Tags: []string{"Plugins"}}))
	require.NoError(t, rt.Mount("/pluginb", http.NewServeMux(), nil))
	require.NoError(t, rt.Mount("/hidden", dynroute.New(nil), &dynroute.MountOptions{Hidden: true}))
	other := &openapi.Document{Paths: []*openapi.PathItem{{Path: "/ping", Operations: []*openapi.Operation{{Method: "GET", OperationID: "ping",
		Responses: []openapi.Response{{Status: 200, Description: "pong"}}}}}}}
	require.NoError(t, rt.Mount("/static-doc", staticDoc{echoPath, other}, nil))

	res := testkit.Get(t, rt, "/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	body := testkit.ReadBody(t, res)
	testkit.Golden(t, "testdata/openapi/mounts.json", testkit.IndentJSON(t, body))
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
		a, b := dynroute.New(nil), dynroute.New(nil)
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
	rt := dynroute.New(&dynroute.Options{
		RouteClass: traceClass("router", new(atomic.Int64)),
		Middleware: []dynroute.Middleware{trace("mw1"), trace("mw2")},
	})
	typed := Must(func(_ context.Context, in *struct {
		ID int `path:"id"`
	}) (*struct {
		ID int `json:"id"`
	}, error) {
		return &struct {
			ID int `json:"id"`
		}{ID: in.ID}, nil
	}, nil)
	rt.MustAddAPIRoute("/typed/{id}", []string{"GET"}, typed, &dynroute.RouteOptions{Name: "typed"})
	w := testkit.Serve(rt, "GET", "/typed/5")
	assert.Equal(t, `{"id":5}`, strings.TrimSpace(w.Body.String()))
	assert.Equal(t, []string{"mw1", "mw2", "router:typed"}, w.Header().Values("X-Trace"))
	assert.Equal(t, http.StatusUnprocessableEntity, testkit.Serve(rt, "GET", "/typed/x").Code)
	doc := rt.OpenAPI()
	assert.Equal(t, "integer", doc.Paths[len(doc.Paths)-1].Operations[0].Parameters[0].Schema.Type)
}

// trace is middleware that records name in an X-Trace header.
func trace(name string) dynroute.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

// traceClass is a RouteClass that traces name and the route's name.
func traceClass(name string, calls *atomic.Int64) dynroute.RouteClass {
	return func(route dynroute.Route, next http.Handler) http.Handler {
		calls.Add(1)
		return trace(name + ":" + route.Name)(next)
	}
}

// echoPath answers with the request's path and pattern.
var echoPath = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "pattern": r.Pattern})
})
