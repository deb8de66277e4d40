package main

import (
	"context"
	"net/http"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/typed"
)

// Location is what the plugins' /whereami routes answer: the path the
// plugin sees and what the mount took off it.
type Location struct {
	Plugin   string `json:"plugin"`
	Path     string `json:"path" doc:"the path the plugin sees, its prefix stripped"`
	Prefix   string `json:"prefix" doc:"the prefix the plugin is mounted at, from dynroute.MountedAt"`
	Original string `json:"original" doc:"the path the client asked for"`
}

// locate describes where r reached plugin.
func locate(plugin string, r *http.Request) *Location {
	loc := &Location{Plugin: plugin, Path: r.URL.Path, Original: r.URL.Path}
	if m, ok := dynroute.MountedAt(r); ok {
		loc.Prefix, loc.Original = m.Prefix, m.URL.Path
	}
	return loc
}

// whereIn is what plugin A's typed /whereami route takes: the request.
type whereIn struct {
	Req *http.Request
}

// installed returns the plugins this host has installed, by the names a
// plugin list mounts them by: the seed's plugin A, a dynroute Router with
// typed routes, and plugin B, a net/http ServeMux, each with a /whereami
// route added. Each call makes new plugins.
func installed() (map[string]http.Handler, error) {
	a := seed.PluginA()
	where, err := typed.New(func(_ context.Context, in *whereIn) (*Location, error) {
		return locate("plugin_a", in.Req), nil
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := a.AddAPIRoute("/whereami", []string{http.MethodGet}, where, &dynroute.RouteOptions{
		Name: "plugin_a_whereami", Tags: []string{"Plugin A"}, Summary: "Where plugin A is mounted",
	}); err != nil {
		return nil, err
	}
	b := seed.PluginB()
	b.HandleFunc("GET /whereami", func(w http.ResponseWriter, r *http.Request) {
		seed.WriteJSON(w, http.StatusOK, locate("plugin_b", r))
	})
	return map[string]http.Handler{"plugin_a": a, "plugin_b": b}, nil
}
