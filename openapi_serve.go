package dynroute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"html"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// DocsOptions configures the documentation a Router serves. Each path is
// served for GET and HEAD; "" means its default and "-" turns it off. A
// route added with one of these paths and methods, or with the path of an
// asset the Router serves (see Assets), is an ErrDuplicateRoute error: move
// or turn off the Router's route first.
type DocsOptions struct {
	// Disabled turns every documentation route off.
	Disabled bool

	OpenAPIPath     string // the 3.1 document as JSON; default "/openapi.json"
	OpenAPIYAMLPath string // the 3.1 document as YAML; default "/openapi.yaml"
	OpenAPI30Path   string // the 3.0.3 document as JSON; default "/openapi-3.0.json"
	SwaggerUIPath   string // Swagger UI; default "/docs"
	RedocPath       string // ReDoc; default "/redoc"

	// SwaggerUIJS and SwaggerUICSS are the URLs Swagger UI's page loads
	// swagger-ui-bundle.js and swagger-ui.css from; RedocJS is the URL of
	// ReDoc's redoc.standalone.js. By default the Router serves the files
	// of Assets itself, or, when there are none, the pages load them from
	// a CDN (jsDelivr), pinned to one version.
	SwaggerUIJS  string
	SwaggerUICSS string
	RedocJS      string

	// Assets holds the files the pages load, served by the Router under
	// the pages' paths (/docs/swagger-ui-bundle.js, /docs/swagger-ui.css,
	// /redoc/redoc.standalone.js), so that the documentation works without
	// a network: swagger-ui/swagger-ui-bundle.js, swagger-ui/swagger-ui.css
	// and redoc/redoc.standalone.js, and optionally Swagger UI's OAuth2
	// redirect page, swagger-ui/oauth2-redirect.html with
	// swagger-ui/oauth2-redirect.js (see SwaggerUIConfig). Nil means those
	// RegisterDocsAssets registered, as importing package docsui does, or
	// none.
	Assets fs.FS

	// SwaggerUIConfig is merged into the configuration object Swagger UI
	// is started with (https://swagger.io/docs/open-source-tools/swagger-ui/usage/configuration/),
	// for example {"docExpansion": "none", "displayOperationId": true}.
	// Values must be JSON-encodable; "url" and "dom_id" are the Router's.
	// The Router sets "persistAuthorization": true, so that what Authorize
	// was given survives a reload (in the browser's localStorage), and
	// "oauth2RedirectUrl" to its own oauth2-redirect.html (see below),
	// made absolute from the page's location in the browser; set either
	// here to change it.
	//
	// # OAuth2
	//
	// Swagger UI's Authorize of an oauth2 scheme with an implicit or
	// authorizationCode flow sends the browser to the authorization server,
	// which sends it back to Swagger UI's oauth2-redirect.html. The Router
	// serves that page at <SwaggerUIPath>/oauth2-redirect.html (with its
	// oauth2-redirect.js) while the document declares such a flow: the
	// files of Assets when it has them (package docsui does), else a page
	// that loads the script of the pinned version from the CDN. Like the
	// assets, the page is public whatever Security says. Register its
	// absolute URL as a redirect URI with the authorization server.
	SwaggerUIConfig map[string]any

	// Security is the requirement of the documents and the pages (not of
	// their static assets); nil means public, whatever
	// SecurityOptions.Default says. The schemes and their verifiers must be
	// known when New runs: declare them in Options.Security and register
	// the verifiers in the Options.Registry. A browser sends basic auth by
	// itself, and other credentials only from a page's script, so http
	// basic is the scheme that suits pages.
	Security []SecurityRequirement
}

// registeredAssets are the documentation assets RegisterDocsAssets
// registered.
var registeredAssets struct {
	sync.Mutex
	fsys fs.FS
}

// RegisterDocsAssets makes fsys the files /docs and /redoc load in every
// Router made afterwards whose DocsOptions.Assets is nil (see
// DocsOptions.Assets for what it holds), instead of a CDN; nil goes back
// to the CDN. Importing package docsui calls it with the pinned Swagger UI
// and ReDoc it embeds:
//
//	import _ "github.com/dynroute/dynroute/docsui"
//
// It panics if fsys lacks one of the files, as http.Handle panics on a bad
// pattern: every Router would refuse it.
func RegisterDocsAssets(fsys fs.FS) {
	if fsys != nil {
		for _, file := range docsAssetFiles {
			if _, err := fs.Stat(fsys, file); err != nil {
				panic("dynroute: RegisterDocsAssets: " + err.Error())
			}
		}
	}
	registeredAssets.Lock()
	defer registeredAssets.Unlock()
	registeredAssets.fsys = fsys
}

// docsAssetFiles are the files of a documentation asset set.
var docsAssetFiles = []string{"swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "redoc/redoc.standalone.js"}

// docsAssetsOf returns the assets of o: its own, else those registered.
func docsAssetsOf(o *DocsOptions) fs.FS {
	if o.Assets != nil {
		return o.Assets
	}
	registeredAssets.Lock()
	defer registeredAssets.Unlock()
	return registeredAssets.fsys
}

// The documentation assets the pages load by default.
const (
	DefaultSwaggerUIJS  = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui-bundle.js"
	DefaultSwaggerUICSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui.css"
	DefaultRedocJS      = "https://cdn.jsdelivr.net/npm/redoc@2.5.4/bundles/redoc.standalone.js"
	// DefaultSwaggerUIOAuth2RedirectJS is the script of the OAuth2
	// redirect page when the Router has no assets: the page itself is
	// served by the Router, as it must be on the origin of /docs.
	DefaultSwaggerUIOAuth2RedirectJS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/oauth2-redirect.js"
)

// castagnoli is the CRC-32 table of the documents' ETags.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// docRoute is one of the Router's documentation routes.
type docRoute struct {
	field, path, def, name string
	serve                  func(rt *Router, w http.ResponseWriter, r *http.Request)
}

// docRoutes builds rt's documentation routes from o. It reports the first
// path that is not a literal path, or a path used twice.
func docRoutes(rt *Router, o *DocsOptions, title string) ([]*routeRec, error) {
	if o == nil {
		o = &DocsOptions{}
	}
	if o.Disabled {
		return nil, nil
	}
	oc := *o // the asset URLs are filled in below; the caller's stay as they are
	o = &oc
	all := []docRoute{
		{"OpenAPIPath", o.OpenAPIPath, "/openapi.json", "dynroute.openapi", serveSpec(specJSON)},
		{"OpenAPIYAMLPath", o.OpenAPIYAMLPath, "/openapi.yaml", "dynroute.openapi_yaml", serveSpec(specYAML)},
		{"OpenAPI30Path", o.OpenAPI30Path, "/openapi-3.0.json", "dynroute.openapi_30", serveSpec(specJSON30)},
		{"SwaggerUIPath", o.SwaggerUIPath, "/docs", "dynroute.swagger_ui", nil},
		{"RedocPath", o.RedocPath, "/redoc", "dynroute.redoc", nil},
	}
	// The assets the Router serves itself, under the path of the page
	// that loads them.
	assets := docsAssetsOf(o)
	type asset struct {
		url  *string // the DocsOptions field of its URL
		page string  // the field of the page that loads it
		file string  // its name in assets
		name string  // its route's
	}
	var served []asset
	if assets != nil {
		for _, a := range []asset{
			{&o.SwaggerUIJS, "SwaggerUIPath", "swagger-ui/swagger-ui-bundle.js", "dynroute.swagger_ui_js"},
			{&o.SwaggerUICSS, "SwaggerUIPath", "swagger-ui/swagger-ui.css", "dynroute.swagger_ui_css"},
			{&o.RedocJS, "RedocPath", "redoc/redoc.standalone.js", "dynroute.redoc_js"},
		} {
			if *a.url == "" {
				served = append(served, a)
			}
		}
	}
	paths := make(map[string]string)
	var recs []*routeRec
	var specPath string
	for i := range all {
		d := &all[i]
		switch d.path {
		case "-":
			continue
		case "":
			d.path = d.def
		}
		if other, dup := paths[d.path]; dup {
			return nil, fmt.Errorf("%w: Options.Docs.%s and %s are both %q", ErrInvalidOptions, other, d.field, d.path)
		}
		paths[d.path] = d.field
		if d.field == "OpenAPIPath" {
			specPath = d.path
		}
		if d.serve == nil {
			if specPath == "" {
				return nil, fmt.Errorf("%w: Options.Docs.%s needs the OpenAPIPath document, which is off", ErrInvalidOptions, d.field)
			}
			for _, a := range served {
				if a.page != d.field {
					continue
				}
				assetPath := d.path + "/" + path.Base(a.file)
				rec, err := assetRoute(rt, assets, a.file, assetPath, a.name, nil)
				if err != nil {
					return nil, err
				}
				recs = append(recs, rec)
				*a.url = relativeURL(d.path, assetPath)
			}
			var redirectURL string
			if d.field == "SwaggerUIPath" {
				rrecs, err := oauth2RedirectRoutes(rt, assets, d.path)
				if err != nil {
					return nil, err
				}
				recs = append(recs, rrecs...)
				redirectURL = relativeURL(d.path, rrecs[0].route.Path)
			}
			page, err := docsPage(o, d.field, title, relativeURL(d.path, specPath), redirectURL)
			if err != nil {
				return nil, err
			}
			d.serve = func(_ *Router, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Header().Set("Cache-Control", "no-cache")
				http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page))
			}
		}
		h := docHandler{rt: rt, serve: d.serve}
		rec, err := buildRec(new(routeRec), d.path, []string{http.MethodGet}, h, "", &RouteOptions{Name: d.name, Hidden: true}, nil, false)
		if err != nil {
			return nil, fmt.Errorf("Options.Docs.%s: %w", d.field, err)
		}
		if o.Security != nil {
			if rec.auth, err = rt.resolveSecurity(o.Security); err != nil {
				return nil, fmt.Errorf("Options.Docs.Security: %w", err)
			}
		}
		if len(rec.pat.params) > 0 {
			return nil, fmt.Errorf("%w: Options.Docs.%s %q has parameters; it must be a literal path", ErrInvalidOptions, d.field, d.path)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// assetRoute is the hidden route name at urlPath that serves file of
// assets, when served is nil or says so for the request (else it answers
// 404 as for no route). The file is read once now, for its ETag (an asset
// missing is an error of the options), and then from assets per request: a
// Router keeps no copy of it.
func assetRoute(rt *Router, assets fs.FS, file, urlPath, name string, served func(*Router) bool) (*routeRec, error) {
	etag, err := assetETag(assets, file)
	if err != nil {
		return nil, fmt.Errorf("%w: Options.Docs.Assets: %v", ErrInvalidOptions, err)
	}
	contentType := "text/javascript; charset=utf-8"
	switch path.Ext(file) {
	case ".css":
		contentType = "text/css; charset=utf-8"
	case ".html":
		contentType = "text/html; charset=utf-8"
	}
	serve := func(_ *Router, w http.ResponseWriter, r *http.Request) {
		if served != nil && !served(rt) {
			notFound(rt, w, r)
			return
		}
		f, err := assets.Open(file)
		if err != nil {
			writeError(w, rt.errStyle, http.StatusInternalServerError, "The documentation asset could not be read.")
			return
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("ETag", etag)
		if rs, ok := f.(io.ReadSeeker); ok {
			http.ServeContent(w, r, "", time.Time{}, rs)
			return
		}
		b, err := io.ReadAll(f)
		if err != nil {
			writeError(w, rt.errStyle, http.StatusInternalServerError, "The documentation asset could not be read.")
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}
	rec, err := buildRec(new(routeRec), urlPath, []string{http.MethodGet}, docHandler{rt: rt, serve: serve}, "",
		&RouteOptions{Name: name, Hidden: true}, nil, false)
	if err != nil {
		return nil, fmt.Errorf("Options.Docs.Assets: %w", err)
	}
	return rec, nil
}

// assetETag returns the ETag of file in assets, reading it through.
func assetETag(assets fs.FS, file string) (string, error) {
	f, err := assets.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	if err != nil {
		return "", err
	}
	return `"` + strconv.FormatUint(uint64(h.Sum32()), 36) + "-" + strconv.FormatInt(n, 10) + `"`, nil
}

// docHandler serves one documentation route of the Router it is bound to.
type docHandler struct {
	rt    *Router
	serve func(rt *Router, w http.ResponseWriter, r *http.Request)
}

func (h docHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve(h.rt, w, r) }

// The forms the document is served in.
const (
	specJSON = iota
	specYAML
	specJSON30
	specForms
)

// specCache holds a table's serialised documents, each made on first
// request: the document always describes the table being served, and is
// built once per form — again only when a mounted Router's table changes.
type specCache struct {
	mu    sync.Mutex
	forms [specForms]specForm
}

// specForm is one serialised form of a document.
type specForm struct {
	done bool
	deps []*table // the mounted Routers' tables it was built from
	body []byte
	etag string
	err  error
	// redirects says whether the document declares an oauth2 flow that
	// redirects to Swagger UI (specJSON only).
	redirects bool
}

// redirects reports whether t's document declares an oauth2 scheme with an
// implicit or authorizationCode flow.
func (c *specCache) redirects(rt *Router, t *table) bool {
	deps := mountedTables(t, nil, []*Router{rt})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(rt, t, specJSON, deps).redirects
}

// get returns the serialised document of t in the given form.
func (c *specCache) get(rt *Router, t *table, form int) ([]byte, string, error) {
	deps := mountedTables(t, nil, []*Router{rt})
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.getLocked(rt, t, form, deps)
	return f.body, f.etag, f.err
}

func (c *specCache) getLocked(rt *Router, t *table, form int, deps []*table) *specForm {
	f := &c.forms[form]
	if f.done && slices.Equal(f.deps, deps) {
		return f
	}
	var b []byte
	var err error
	redirects := false
	switch form {
	case specJSON:
		doc := rt.doc.document(t.recs, []*Router{rt})
		for _, s := range doc.SecuritySchemes {
			redirects = redirects || s.Type == "oauth2" && s.Flows != nil && (s.Flows.Implicit != nil || s.Flows.AuthorizationCode != nil)
		}
		b, err = doc.MarshalJSON()
	case specJSON30:
		b, err = rt.doc.document(t.recs, []*Router{rt}).MarshalJSON30()
	case specYAML:
		j := c.getLocked(rt, t, specJSON, deps)
		if b, err = j.body, j.err; err == nil {
			b, err = jsonToYAML(b)
		}
	}
	sum := crc32.Checksum(b, castagnoli) // hardware-accelerated: a 4 MB document in well under a millisecond
	*f = specForm{done: true, deps: deps, body: b, err: err, redirects: redirects, etag: `"` + strconv.FormatUint(uint64(sum), 36) + "-" + strconv.Itoa(len(b)) + `"`}
	return f
}

// mountedTables appends to deps the tables now served by the Routers that
// t mounts, and by those they mount, skipping the Routers of seen.
func mountedTables(t *table, deps []*table, seen []*Router) []*table {
	for _, rec := range t.mounts {
		sub, ok := rec.mount.h.(*Router)
		if !ok || slices.Contains(seen, sub) || rec.mount.opts.Hidden {
			continue
		}
		st := sub.current()
		deps = append(deps, st)
		deps = mountedTables(st, deps, append(seen, sub))
	}
	return deps
}

// serveSpec returns the handler of one form of the document.
func serveSpec(form int) func(rt *Router, w http.ResponseWriter, r *http.Request) {
	ctype := "application/json"
	if form == specYAML {
		ctype = "application/yaml"
	}
	return func(rt *Router, w http.ResponseWriter, r *http.Request) {
		t := rt.current()
		b, etag, err := t.spec.get(rt, t, form)
		if err != nil {
			writeError(w, rt.errStyle, http.StatusInternalServerError, "The OpenAPI document could not be written: "+err.Error())
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}
}

// jsonToYAML rewrites a JSON document as block-style YAML, keeping the
// order of its members.
func jsonToYAML(b []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	var plain func(n *yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&n)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// relativeURL returns the URL of the path to as seen from a page at from,
// so that the pages keep working behind a proxy or a Mount that adds a
// prefix.
func relativeURL(from, to string) string {
	fromDir := strings.Split(from[:strings.LastIndexByte(from, '/')+1], "/")
	toParts := strings.Split(to, "/")
	i := 0
	for i < len(fromDir)-1 && i < len(toParts)-1 && fromDir[i] == toParts[i] {
		i++
	}
	rel := strings.Repeat("../", len(fromDir)-1-i) + strings.Join(toParts[i:], "/")
	if rel == "" || strings.Contains(strings.SplitN(rel, "/", 2)[0], ":") {
		rel = "./" + rel // empty, or would read as a scheme
	}
	return rel
}

// docsPage renders the HTML page of Swagger UI or ReDoc; redirectURL is
// the URL of Swagger UI's OAuth2 redirect page relative to it.
func docsPage(o *DocsOptions, field, title, specURL, redirectURL string) ([]byte, error) {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	switch field {
	case "SwaggerUIPath":
		config := map[string]any{
			"dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": true,
			"showExtensions": true, "showCommonExtensions": true, "persistAuthorization": true,
		}
		for k, v := range o.SwaggerUIConfig {
			config[k] = v
		}
		config["url"], config["dom_id"] = specURL, "#swagger-ui"
		js, err := json.Marshal(config) // escapes <, > and &: safe inside <script>
		if err != nil {
			return nil, fmt.Errorf("%w: Options.Docs.SwaggerUIConfig: %v", ErrInvalidOptions, err)
		}
		fmt.Fprintf(&b, "<title>%s - Swagger UI</title>\n<link rel=\"stylesheet\" href=\"%s\">\n</head>\n<body>\n",
			html.EscapeString(title), html.EscapeString(or(o.SwaggerUICSS, DefaultSwaggerUICSS)))
		fmt.Fprintf(&b, "<div id=\"swagger-ui\"></div>\n<script src=\"%s\"></script>\n",
			html.EscapeString(or(o.SwaggerUIJS, DefaultSwaggerUIJS)))
		fmt.Fprintf(&b, "<script>\nconst config = %s;\n", js)
		if _, set := o.SwaggerUIConfig["oauth2RedirectUrl"]; !set && redirectURL != "" {
			// Swagger UI sends it as is as the redirect_uri, which must be
			// absolute; its own default is beside the page, not under it.
			rel, _ := json.Marshal(redirectURL)
			fmt.Fprintf(&b, "config.oauth2RedirectUrl = new URL(%s, window.location.href).href;\n", rel)
		}
		b.WriteString("config.presets = [SwaggerUIBundle.presets.apis];\n")
		b.WriteString("window.ui = SwaggerUIBundle(config);\n</script>\n")
	default:
		fmt.Fprintf(&b, "<title>%s - ReDoc</title>\n<style>body { margin: 0; padding: 0; }</style>\n</head>\n<body>\n",
			html.EscapeString(title))
		fmt.Fprintf(&b, "<redoc spec-url=\"%s\"></redoc>\n<script src=\"%s\"></script>\n",
			html.EscapeString(specURL), html.EscapeString(or(o.RedocJS, DefaultRedocJS)))
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String()), nil
}
