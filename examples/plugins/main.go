// Command plugins mounts plugins from a plugin list: FastAPI's app.mount of
// sub-applications, with the plugins chosen by configuration and their
// operations merged into the host's /docs.
//
// The host installs two plugins and registers them by name in its Registry
// (Registry.RegisterApp): plugin_a, a dynroute Router with typed routes, and
// plugin_b, a plain net/http ServeMux (the seed's plugins, each with a
// /whereami route added). The plugin list — plugins.yaml, built in, or the
// file given with -config — is a YAML list of {name, app, prefix} entries,
// read with dynroute.LoadYAML and applied with Router.AddRoutes; each entry
// mounts its app at its prefix (Router.Mount):
//
//	# plugins.yaml
//	- name: plugin_a
//	  app: plugin_a
//	  prefix: /plugina
//	- name: plugin_b
//	  app: plugin_b
//	  prefix: /pluginb
//
// A plugin sees its requests with the prefix stripped: /plugina/items/7
// reaches plugin A as /items/7, and dynroute.MountedAt tells it the prefix
// and the original URL (GET /plugina/whereami shows both). The root /
// lists the mounted plugins, as JSON: name, app, prefix and whether the
// OpenAPI document shows the plugin's operations. Plugin A is a dynroute
// Router, so /docs shows its operations under /plugina; plugin B, a
// ServeMux, has no document to merge and contributes none.
//
// An entry naming a plugin that is not installed is skipped with a warning
// and the others are mounted (lenient, the default); -strict refuses the
// whole list and exits 1 instead.
//
//	go run ./examples/plugins                    # serve on 127.0.0.1:8000
//	go run ./examples/plugins -config examples/plugins/missing.yaml          # plugin_c: a warning
//	go run ./examples/plugins -config examples/plugins/missing.yaml -strict  # refused
//	go run ./examples/plugins -routes            # print the route table and exit
//
//	curl -i localhost:8000/                      # the mounted plugins
//	curl -i localhost:8000/plugina/items/7       # plugin A's typed route
//	curl -i localhost:8000/plugina/whereami      # {"path":"/whereami","prefix":"/plugina",...}
//	curl -i localhost:8000/pluginb/status        # plugin B's ServeMux
//
// Open http://127.0.0.1:8000/docs for the host's document with plugin A's
// operations in it.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/dynroute/dynroute"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc without a network
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// defaultList is plugins.yaml, the plugin list used when -config is not
// given.
//
//go:embed plugins.yaml
var defaultList []byte

// loadPlugins reads a plugin list (YAML): file, or the built-in one when
// file is "". Like the loaders it returns what it could read together with
// every problem.
func loadPlugins(file string) ([]dynroute.RouteSpec, error) {
	if file == "" {
		return dynroute.LoadYAML(bytes.NewReader(defaultList), "plugins.yaml")
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return dynroute.LoadYAML(f, file)
}

// newRouter builds the host: the installed plugins in its Registry, the
// root listing, and a mount per entry of specs. In lenient mode an entry
// that cannot be mounted is skipped (one warning each on logger, returned
// as skipped); in strict mode any problem refuses the whole list, and the
// error lists them all.
func newRouter(specs []dynroute.RouteSpec, o options, logger *slog.Logger) (*dynroute.Router, []dynroute.Skipped, error) {
	rt := dynroute.New(&dynroute.Options{
		Title:       "Plugin host",
		Version:     "1.0.0",
		Description: "Plugins mounted from a plugin list; the operations of plugins that are dynroute Routers appear under their prefixes.",
		Tags:        []openapi.Tag{{Name: "Host", Description: "The host's own routes."}},
	})
	apps, err := installed()
	if err != nil {
		return nil, nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(apps)) {
		if err := rt.Registry().RegisterApp(name, apps[name]); err != nil {
			return nil, nil, err
		}
	}
	list, err := typed.New(func(context.Context, *struct{}) (*PluginList, error) {
		return listPlugins(rt), nil
	}, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := rt.AddAPIRoute("/", []string{http.MethodGet}, list, &dynroute.RouteOptions{
		Name: "list_plugins", Tags: []string{"Host"}, Summary: "List the mounted plugins",
	}); err != nil {
		return nil, nil, err
	}
	skipped, err := rt.AddRoutes(specs, &dynroute.ApplyOptions{Lenient: !o.strict, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return rt, skipped, nil
}

// PluginList is the answer of the root route.
type PluginList struct {
	Plugins []PluginInfo `json:"plugins" doc:"the mounted plugins, in the order of the plugin list"`
}

// PluginInfo describes a mounted plugin.
type PluginInfo struct {
	Name   string `json:"name" doc:"the plugin list entry's name"`
	App    string `json:"app" doc:"the installed plugin it mounts"`
	Prefix string `json:"prefix"`
	// Documented says whether /docs shows the plugin's operations: it
	// does for a plugin that describes itself, such as a dynroute Router.
	Documented bool `json:"documented" doc:"whether the OpenAPI document shows the plugin's operations"`
}

// listPlugins lists the plugins rt mounts. It reads the mounts from the
// route table, as specs, and asks the OpenAPI document which of them
// contribute operations, so it always says what is served and documented.
func listPlugins(rt *dynroute.Router) *PluginList {
	doc := rt.OpenAPI()
	list := &PluginList{Plugins: []PluginInfo{}}
	for _, s := range rt.RouteSpecs() {
		if s.Prefix == "" {
			continue // a route, not a mount
		}
		documented := slices.ContainsFunc(doc.Paths, func(item *openapi.PathItem) bool {
			return strings.HasPrefix(item.Path, s.Prefix+"/")
		})
		name := s.Name
		if name == "" {
			name = s.App
		}
		list.Plugins = append(list.Plugins, PluginInfo{Name: name, App: s.App, Prefix: s.Prefix, Documented: documented})
	}
	return list
}

// Serving.

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.StringVar(&o.file, "config", "", "plugin list `file` (YAML); default: the built-in plugins.yaml")
	flag.BoolVar(&o.strict, "strict", false, "refuse the whole plugin list on any problem, such as a plugin that is not installed, and exit 1")
	flag.BoolVar(&o.routes, "routes", false, "print the route table and exit")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(o, os.Stdout, logger))
}

// options are the command-line flags.
type options struct {
	addr, file     string
	strict, routes bool
}

// run does what the flags ask and returns the exit code.
func run(o options, stdout io.Writer, logger *slog.Logger) int {
	specs, err := loadPlugins(o.file)
	if err != nil {
		// A list that cannot be read at all, or that gave no entries, is
		// refused even in lenient mode: mounting nothing is never meant.
		if o.strict || !errors.Is(err, dynroute.ErrInvalidConfig) || len(specs) == 0 {
			logger.Error("plugin list refused", "error", err.Error())
			return 1
		}
		logger.Warn("plugin list problems", "error", err.Error())
	}
	rt, _, err := newRouter(specs, o, logger)
	if err != nil {
		logger.Error("plugin list refused", "error", err.Error())
		return 1
	}
	if o.routes {
		printRoutes(stdout, rt.Routes())
		return 0
	}
	for _, p := range listPlugins(rt).Plugins {
		logger.Info("plugin", "name", p.Name, "app", p.App, "prefix", p.Prefix, "documented", p.Documented)
	}
	return seed.ListenAndServe(o.addr, rt, logger)
}

// printRoutes prints the route table aligned in columns; a mount's HANDLER
// is the plugin it mounts.
func printRoutes(out io.Writer, routes []dynroute.Route) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHODS\tPATH\tNAME\tHANDLER\tSOURCE")
	for _, r := range routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.Join(r.Methods, ","), r.Path, r.Name, r.HandlerName, r.Source)
	}
	tw.Flush()
}
