// Command versioning serves two versions of one endpoint at one path, chosen
// by the Accept-Version request header, and times every route with a route
// class: FastAPI's header versioning and custom APIRoute classes, in Go.
//
// GET /items/{id} has a typed handler (typed.New) per answer shape. They
// are added as routes that share the method and path and differ in
// RouteOptions.Headers; a request goes to the first route, in the order
// added, whose header matches hold, else to the route without Headers, the
// fallback:
//
//	Accept-Version          route             answer
//	2, 2.0, 2.3 (^2(\.|$))  get_item_v2       {"id":1,"name":"pen","price":{"amount":150,"currency":"EUR"}}
//	1 (exactly)             get_item_v1       {"id":1,"name":"pen","price":1.5}
//	none, or anything else  get_item_default  the version 1 answer
//
// The fallback serves version 1 so that clients written before versioning
// keep working. It takes every request no version matched, so
// "Accept-Version: 3" gets version 1 too. With -require-version there is no
// fallback: a request without a known version is answered by
// Options.HeaderMismatchStatus, 406 Not Acceptable here (404 by default).
//
// One Options.RouteClass, applied once per route when the table is
// compiled, adds a Server-Timing header naming the route to every answer of
// the router's routes — the documentation routes too:
//
//	Server-Timing: route;desc="get_item_v2";dur=0.041
//
// dur is the time in milliseconds until the route started its answer. A
// route class wraps routes only, so the router's own answers have no
// Server-Timing: 404 for a path no route matches, 405, the 406 of a version
// mismatch, redirects and automatic OPTIONS answers. (The 404 the item
// handlers give for an unknown item has one: a route answered it.) To time
// those too, wrap the Router in ordinary middleware, which cannot know the
// route.
//
//	go run ./examples/versioning                    # serve on 127.0.0.1:8000
//	go run ./examples/versioning -require-version   # no fallback: 406 without a known version
//	go run ./examples/versioning -routes            # print the route table and exit
//
//	curl -i localhost:8000/items/1                            # version 1, the fallback
//	curl -i -H 'Accept-Version: 1' localhost:8000/items/1     # version 1
//	curl -i -H 'Accept-Version: 2.3' localhost:8000/items/1   # version 2
//	curl -i localhost:8000/nope                               # 404, no Server-Timing
//
// Open http://127.0.0.1:8000/docs: GET /items/{id} is one operation, the
// first route's (version 2), with Accept-Version as a header parameter whose
// description lists the values that select a route.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/dynroute/dynroute"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc without a network
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// VersionHeader is the request header that selects the answer's version.
const VersionHeader = "Accept-Version"

// newRouter builds the router: the two versions of GET /items/{id}, the
// fallback unless o.requireVersion, and the timing route class on every
// route.
func newRouter(o options) (*dynroute.Router, error) {
	rt := dynroute.New(&dynroute.Options{
		Title:       "Versioned items",
		Version:     "2.0.0",
		Description: "Two versions of GET /items/{id}, chosen by the Accept-Version header.",
		Tags:        []openapi.Tag{{Name: "Items", Description: "Items, in version 1 and version 2 shapes."}},
		RouteClass:  Timing,
		// Answers a request whose Accept-Version no route takes; only
		// reachable without the fallback (-require-version).
		HeaderMismatchStatus: http.StatusNotAcceptable,
	})
	// One schema registry for the API, so that each Go type is one component.
	opts := &typed.Options{Schemas: jsonschema.NewRegistry(nil)}
	getV1, err := typed.New(GetItemV1, opts)
	if err != nil {
		return nil, err
	}
	getV2, err := typed.New(GetItemV2, opts)
	if err != nil {
		return nil, err
	}
	// The versions' header matches: "2" or any "2.x" (not "20" or "12"),
	// and exactly "1".
	matchV2 := []dynroute.HeaderMatch{{Name: VersionHeader, Value: `^2(\.|$)`, Regexp: true}}
	matchV1 := []dynroute.HeaderMatch{{Name: VersionHeader, Value: "1"}}
	const path = "/items/{id}"
	get := []string{http.MethodGet}
	tags := []string{"Items"}
	// The document shows the first route's operation, so version 2 goes
	// first; the order of the variants matters only where their matches
	// overlap, and these do not.
	if err := rt.AddAPIRoute(path, get, getV2, &dynroute.RouteOptions{
		Name:    "get_item_v2",
		Tags:    tags,
		Summary: "Read an item",
		Description: "Accept-Version 2 or 2.x answers an ItemV2 (price in cents with a currency). " +
			"Accept-Version 1 answers an ItemV1 (price in euros as a number); so does a request " +
			"without a known version, unless the server runs with -require-version, which answers 406.",
		Headers: matchV2,
	}); err != nil {
		return nil, err
	}
	if err := rt.AddAPIRoute(path, get, getV1, &dynroute.RouteOptions{
		Name: "get_item_v1", Tags: tags, Headers: matchV1,
	}); err != nil {
		return nil, err
	}
	if !o.requireVersion {
		if err := rt.AddAPIRoute(path, get, getV1, &dynroute.RouteOptions{
			Name: "get_item_default", Tags: tags,
		}); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// Serving.

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.BoolVar(&o.requireVersion, "require-version", false,
		"no fallback: answer 406 unless Accept-Version is 1, 2 or 2.x")
	flag.BoolVar(&o.routes, "routes", false, "print the route table and exit")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(o, os.Stdout, logger))
}

// options are the command-line flags.
type options struct {
	addr                   string
	requireVersion, routes bool
}

// run does what the flags ask and returns the exit code.
func run(o options, stdout io.Writer, logger *slog.Logger) int {
	rt, err := newRouter(o)
	if err != nil {
		logger.Error("routes", "error", err.Error())
		return 1
	}
	if o.routes {
		printRoutes(stdout, rt.Routes())
		return 0
	}
	for _, r := range rt.Routes() {
		logger.Info("route", "methods", strings.Join(r.Methods, ","), "path", r.Path,
			"name", r.Name, "headers", headers(r.Headers), "source", r.Source.String())
	}
	return seed.ListenAndServe(o.addr, rt, logger)
}

// headers formats a route's header matches for the route table.
func headers(ms []dynroute.HeaderMatch) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

// printRoutes prints the route table aligned in columns.
func printRoutes(out io.Writer, routes []dynroute.Route) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHODS\tPATH\tNAME\tHEADERS\tSOURCE")
	for _, r := range routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.Join(r.Methods, ","), r.Path, r.Name,
			headers(r.Headers), r.Source)
	}
	tw.Flush()
}
