package seed

import (
	"context"
	"fmt"
	"net/http"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// The seed's plugins: sub-applications registered by name (Apps) that a
// route config mounts under a prefix with an {app, prefix} entry, as the
// FastAPI seed imports plugin modules and mounts their apps.

// Apps is the plugin map: every sub-application a route config may mount.
// Each call makes new plugins.
func Apps() map[string]http.Handler {
	return map[string]http.Handler{
		"plugin_a": PluginA(),
		"plugin_b": PluginB(),
	}
}

// PluginItem is an item of plugin A.
type PluginItem struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// pluginItemIn is what plugin A's item route takes.
type pluginItemIn struct {
	ID int64 `path:"item_id" minimum:"1" doc:"the item's number"`
}

// PluginA is a plugin that is a dynroute Router with a typed route: mounted,
// its operations appear in the host's OpenAPI document under the prefix.
func PluginA() *dynroute.Router {
	rt := dynroute.New(&dynroute.Options{
		Title:   "Plugin A",
		Version: "1.0.0",
		Tags:    []openapi.Tag{{Name: "Plugin A", Description: "Items of plugin A, a mounted dynroute Router."}},
	})
	rt.MustAddAPIRoute("/", []string{http.MethodGet}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"plugin": "plugin_a", "message": "Hello from plugin A"})
	}), &dynroute.RouteOptions{Name: "plugin_a_index", Tags: []string{"Plugin A"}, Summary: "Plugin A's greeting"})
	get := typed.Must(func(_ context.Context, in *pluginItemIn) (*PluginItem, error) {
		return &PluginItem{ID: in.ID, Name: fmt.Sprintf("item %d", in.ID)}, nil
	}, nil)
	rt.MustAddAPIRoute("/items/{item_id}", []string{http.MethodGet}, get,
		&dynroute.RouteOptions{Name: "plugin_a_item", Tags: []string{"Plugin A"}, Summary: "One item of plugin A"})
	return rt
}

// PluginB is a plugin that is a plain net/http ServeMux: mounted, it serves
// its routes under the prefix, and has no OpenAPI document to merge.
func PluginB() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"plugin": "plugin_b", "message": "Hello from plugin B"})
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"plugin": "plugin_b", "status": "ok"})
	})
	return mux
}
