// Command config generates HTTP routes from configuration at startup: the Go
// version of the FastAPI "seed" example, which builds its routes from a
// config dict with app.add_api_route.
//
// Handlers are registered by name in the router's Registry; the route config
// (routes.yaml, built in, or the file given with -config) names them. In the
// default lenient mode, entries that cannot be added are skipped with one
// slog warning each and the rest are served; -strict refuses the whole
// config on any problem and lists them all. A static route is added in code
// beside the config's routes.
//
//	go run ./examples/config                          # serve on 127.0.0.1:8000
//	go run ./examples/config -config my.yaml -strict  # a file of your own (.yaml, .yml, .json)
//	go run ./examples/config -check -config examples/config/broken.yaml
//	go run ./examples/config -routes                  # print the route table and exit
//
//	curl -i localhost:8000/dynamic/users                 # {"message":"List of dynamic users","users":[]}
//	curl -i localhost:8000/dynamic/products/123          # {"message":"Details for dynamic product 123","product_id":123}
//	curl -i -X POST localhost:8000/dynamic/products/123  # {"message":"Created/Updated dynamic product 123","product_id":123}
//	curl -i localhost:8000/dynamic/products/abc          # 422 problem+json
//	curl -i 'localhost:8000/dynamic/echo/a/b?x=1'
//
// The admin route is protected from the config file: its entry requires
// the scheme admin_key (security: [{admin_key: []}]), an API key in the
// X-API-Key header, declared here and verified against the keys in the
// environment variable ADMIN_API_KEY (comma-separated, to rotate one).
// Without the variable the route answers 401 to everyone and the server
// warns at startup; it never falls open. In /docs, Authorize takes the key,
// and Swagger UI keeps it across reloads.
//
//	ADMIN_API_KEY=s3cret go run ./examples/config
//	curl -i localhost:8000/dynamic/admin                       # 401, WWW-Authenticate: APIKey ...
//	curl -i -H 'X-API-Key: wrong' localhost:8000/dynamic/admin   # 401
//	curl -i -H 'X-API-Key: s3cret' localhost:8000/dynamic/admin  # {"message":"Welcome to the Dynamic Admin Area"}
//
// The handlers answer as the seed's do, reading the response_message of
// their route's config entry (a key of the seed's own, which the loader
// keeps in the route's Extra): change it in the file and the answer
// changes. The seed's config as written serves as it is:
//
//	go run ./examples/config -strict -config examples/config/testdata/seed.yaml
//
// As in the seed, every generated route is in the OpenAPI document and in
// Swagger UI: open http://127.0.0.1:8000/docs (or /redoc; the document is at
// /openapi.json, /openapi.yaml and, as OpenAPI 3.0.3, /openapi-3.0.json).
// The pages load Swagger UI and ReDoc from the server itself (package
// docsui), so they work without a network.
package main

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/auth"
	"github.com/dynroute/dynroute/examples/internal/seed"
)

// seedConfig is routes.yaml, the config served when -config is not given.
//
//go:embed routes.yaml
var seedConfig []byte

// loadSpecs reads the route config: file, or the built-in seed config when
// file is "". The format follows the extension (.yaml, .yml or .json). Like
// the loaders it returns what it could read together with every problem.
func loadSpecs(file string) ([]dynroute.RouteSpec, error) {
	if file == "" {
		return dynroute.LoadYAML(bytes.NewReader(seedConfig), "routes.yaml")
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".yaml", ".yml":
		return dynroute.LoadYAML(f, file)
	case ".json":
		return dynroute.LoadJSON(f, file)
	default:
		return nil, fmt.Errorf("config %s: unknown extension %q, want .yaml, .yml or .json", file, ext)
	}
}

// The admin route's security scheme, which the route config names, and the
// environment variable of its keys.
const (
	adminScheme = "admin_key"
	adminKeyEnv = "ADMIN_API_KEY"
)

// newRouter builds the router: the handler map in its Registry, the admin
// scheme and its verifier, the static route, and the routes of specs.
// Lenient mode skips specs with problems (one warning each on logger,
// returned as skipped); strict mode adds nothing of specs if any has a
// problem and returns the error listing them all.
func newRouter(specs []dynroute.RouteSpec, o options, logger *slog.Logger) (*dynroute.Router, []dynroute.Skipped, error) {
	rt, err := seed.NewRouter()
	if err != nil {
		return nil, nil, err
	}
	if err := rt.AddSecurityScheme(adminScheme, dynroute.SecurityScheme{Type: "apiKey", In: "header", Name: "X-API-Key",
		Description: "An administrator's API key, one of those in the server's " + adminKeyEnv + "."}); err != nil {
		return nil, nil, err
	}
	// Without keys the verifier accepts none: the admin routes answer 401
	// to everyone, never serve everyone.
	keys, keysErr := auth.APIKeysFromEnv(adminKeyEnv)
	if err := rt.Registry().RegisterVerifier(adminScheme, keys); err != nil {
		return nil, nil, err
	}
	skipped, err := rt.AddRoutes(specs, &dynroute.ApplyOptions{
		Lenient:     !o.strict,
		Logger:      logger,
		DefaultTags: []string{seed.DefaultTag},
	})
	if err != nil {
		return nil, nil, err
	}
	if keysErr != nil {
		if locked := requiring(rt.Routes(), adminScheme); len(locked) > 0 {
			logger.Warn("routes that require "+adminScheme+" answer 401 to every request: set "+adminKeyEnv+" to the admin API keys (comma-separated)",
				"routes", strings.Join(locked, ","), "error", keysErr.Error())
		}
	}
	return rt, skipped, nil
}

// requiring returns the paths of the routes whose requirement names scheme.
func requiring(routes []dynroute.Route, scheme string) []string {
	var paths []string
	for _, r := range routes {
		if slices.ContainsFunc(r.Security, func(alt dynroute.SecurityRequirement) bool { _, ok := alt[scheme]; return ok }) {
			paths = append(paths, r.Path)
		}
	}
	return paths
}

// Serving.

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	file := flag.String("config", "", "route config `file` (.yaml, .yml or .json); default: the built-in routes.yaml")
	strict := flag.Bool("strict", false, "refuse the whole config on any problem and exit 1 listing them all")
	check := flag.Bool("check", false, "validate the config, print its problems and exit: 0 if none, else 1")
	routes := flag.Bool("routes", false, "print the route table and exit")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(options{addr: *addr, file: *file, strict: *strict, check: *check, routes: *routes}, os.Stdout, logger))
}

// options are the command-line flags.
type options struct {
	addr, file            string
	strict, check, routes bool
}

// run does what the flags ask and returns the exit code.
func run(o options, stdout io.Writer, logger *slog.Logger) int {
	specs, loadErr := loadSpecs(o.file)
	if o.check {
		return checkConfig(specs, loadErr, stdout)
	}
	if loadErr != nil {
		// A file that cannot be read at all, or that gave no routes, is
		// refused even in lenient mode: serving nothing is never meant.
		fatal := !errors.Is(loadErr, dynroute.ErrInvalidConfig) || len(specs) == 0
		if o.strict || fatal {
			all := problems(loadErr)
			if !fatal {
				// List the problems applying would find too, all at once.
				if _, _, err := newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler)); err != nil {
					all = append(all, problems(err)...)
				}
			}
			refuse(logger, all)
			return 1
		}
		for _, p := range problems(loadErr) {
			logger.Warn("config problem", "error", p.Error())
		}
	}
	rt, _, err := newRouter(specs, o, logger)
	if err != nil {
		refuse(logger, problems(err))
		return 1
	}
	if o.routes {
		printRoutes(stdout, rt.Routes())
		return 0
	}
	for _, r := range rt.Routes() {
		logger.Info("route", "methods", strings.Join(r.Methods, ","), "path", r.Path,
			"name", r.Name, "handler", r.HandlerName, "source", r.Source.String())
	}
	return seed.ListenAndServe(o.addr, rt, logger)
}

// refuse logs that the config is refused, then each of its problems on a
// line of its own, in file and line order.
func refuse(logger *slog.Logger, all []error) {
	sortProblems(all)
	logger.Error("config refused", "problems", len(all))
	for _, p := range all {
		logger.Error("config problem", "error", p.Error())
	}
}

// checkConfig prints every problem of the config — what the loader found and
// what applying it in strict mode finds — in file and line order, then a
// summary, and returns the exit code. The routes counted are those -routes
// lists: the config's and the one added in code.
func checkConfig(specs []dynroute.RouteSpec, loadErr error, stdout io.Writer) int {
	var all []error
	if loadErr != nil {
		all = append(all, problems(loadErr)...)
	}
	var rt *dynroute.Router
	if loadErr == nil || errors.Is(loadErr, dynroute.ErrInvalidConfig) {
		var err error
		if rt, _, err = newRouter(specs, options{strict: true}, slog.New(slog.DiscardHandler)); err != nil {
			all = append(all, problems(err)...)
		}
	}
	sortProblems(all)
	for _, p := range all {
		fmt.Fprintln(stdout, p)
	}
	switch len(all) {
	case 0:
	case 1:
		fmt.Fprintln(stdout, "1 problem")
		return 1
	default:
		fmt.Fprintf(stdout, "%d problems\n", len(all))
		return 1
	}
	routes := rt.Routes()
	configFiles := map[string]bool{}
	for _, s := range specs {
		configFiles[s.Source.File] = true
	}
	fromConfig := 0
	for _, r := range routes {
		if configFiles[r.Source.File] {
			fromConfig++
		}
	}
	fmt.Fprintf(stdout, "ok: %d routes, %d from the config and %d added in code\n", len(routes), fromConfig, len(routes)-fromConfig)
	return 0
}

// problems returns the single problems an error holds: those of a
// *dynroute.ConfigError, or err itself.
func problems(err error) []error {
	if ce, ok := errors.AsType[*dynroute.ConfigError](err); ok {
		return ce.Problems
	}
	return []error{err}
}

// sortProblems orders problems by the file and line they name; those that
// name no file (a file that cannot be read) come first, and those of a
// file but no line (how many more were not listed) after the file's others.
func sortProblems(all []error) {
	line := func(s dynroute.Source) int {
		if s.Line == 0 && s.File != "" {
			return math.MaxInt
		}
		return s.Line
	}
	slices.SortStableFunc(all, func(a, b error) int {
		sa, sb := problemSource(a), problemSource(b)
		return cmp.Or(cmp.Compare(sa.File, sb.File), cmp.Compare(line(sa), line(sb)))
	})
}

// problemSource is where a problem is: the Source of a *dynroute.RouteError.
func problemSource(err error) dynroute.Source {
	if re, ok := errors.AsType[*dynroute.RouteError](err); ok {
		return re.Source
	}
	return dynroute.Source{}
}

// printRoutes prints the route table aligned in columns.
func printRoutes(out io.Writer, routes []dynroute.Route) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHODS\tPATH\tNAME\tHANDLER\tTAGS\tSOURCE")
	for _, r := range routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", strings.Join(r.Methods, ","), r.Path,
			r.Name, r.HandlerName, strings.Join(r.Tags, ","), r.Source)
	}
	tw.Flush()
}
