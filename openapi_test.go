package dynroute

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIGoldenValid validates every golden document of the
// repository, so a golden file written with -update cannot be invalid.
func TestOpenAPIGoldenValid(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*/testdata/openapi/*.json", "openapi/testdata/*.json", "examples/*/testdata/openapi*.json"} {
		more, err := filepath.Glob(filepath.FromSlash(pattern))
		require.NoError(t, err)
		require.NotEmpty(t, more, pattern)
		files = append(files, more...)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			b := readFile(t, file)
			testkit.ValidOpenAPI(t, b)
		})
	}
}

func TestOpenAPIFollowsChanges(t *testing.T) {
	rt := New(nil)
	rt.Get("/a", http.NotFoundHandler())
	first := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	assert.Contains(t, string(first), `"/a"`)

	rt.Get("/b", http.NotFoundHandler())
	second := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	assert.Contains(t, string(second), `"/b"`, "a route added after the first request is in the next document")

	require.NoError(t, rt.Update(func(tx *Tx) error {
		tx.RemoveSource(filepath.Base(callerFile(t)))
		return nil
	}))
	third := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	assert.NotContains(t, string(third), `"/a"`)
	assert.NotContains(t, string(third), `"/b"`)

	// The yaml and 3.0 forms follow too.
	rt.Get("/c", http.NotFoundHandler())
	assert.Contains(t, string(testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.yaml"))), "/c:")
	assert.Contains(t, string(testkit.ReadBody(t, testkit.Get(t, rt, "/openapi-3.0.json"))), `"/c"`)
}

// callerFile returns the file of the test, as routes added in code record it.
func callerFile(t *testing.T) string {
	rt := New(nil)
	rt.Get("/x", http.NotFoundHandler())
	return rt.Routes()[0].Source.File
}

func TestOpenAPICachedPerTable(t *testing.T) {
	rt := New(nil)
	rt.Get("/a", http.NotFoundHandler())
	res := testkit.Get(t, rt, "/openapi.json")
	first := testkit.ReadBody(t, res)
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))

	tbl := rt.current()
	b1, _, err := tbl.spec.get(rt, tbl, specJSON)
	require.NoError(t, err)
	b2, _, _ := tbl.spec.get(rt, tbl, specJSON)
	assert.Same(t, &b1[0], &b2[0], "built once per table")
	assert.Equal(t, first, b1)

	req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, req)
	assert.Equal(t, http.StatusNotModified, w.Code)

	rt.Get("/b", http.NotFoundHandler())
	res = testkit.Get(t, rt, "/openapi.json")
	assert.NotEqual(t, etag, res.Header.Get("ETag"), "a new table has a new document")

	w = httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/openapi.json", nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Body.Bytes())
}

func TestOpenAPIOperationIDs(t *testing.T) {
	h := http.NotFoundHandler()
	tests := []struct {
		name    string
		path    string
		methods []string
		opts    *RouteOptions
		want    []string
	}{
		{"explicit", "/a", []string{"GET"}, &RouteOptions{OperationID: "listA"}, []string{"listA"}},
		{"explicit, several methods", "/a", []string{"GET", "POST"}, &RouteOptions{OperationID: "a"}, []string{"a_get", "a_post"}},
		{"name", "/a", []string{"GET"}, &RouteOptions{Name: "get_a"}, []string{"get_a"}},
		{"name, several methods", "/a", []string{"GET", "PUT"}, &RouteOptions{Name: "a"}, []string{"a_get", "a_put"}},
		{"path", "/users/{id}/posts", []string{"GET"}, nil, []string{"get_users_by_id_posts"}},
		{"path, several methods", "/users/{id}", []string{"GET", "DELETE"}, nil, []string{"get_users_by_id", "delete_users_by_id"}},
		{"root", "/", []string{"GET"}, nil, []string{"get_root"}},
		{"trailing slash", "/users/", []string{"GET"}, nil, []string{"get_users_slash"}},
		{"catch-all", "/files/{path...}", []string{"GET"}, nil, []string{"get_files_by_path"}},
		{"punctuation", "/v1.2/user-info/~x/--", []string{"GET"}, nil, []string{"get_v1_2_user_info_x"}},
		{"custom method", "/a", []string{"purge"}, nil, []string{"purge_a"}},
		{"hidden", "/a", []string{"GET"}, &RouteOptions{Hidden: true}, nil},
		{"hidden with an explicit id", "/a", []string{"GET"}, &RouteOptions{Hidden: true, OperationID: "x"}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if o == nil {
				o = &RouteOptions{}
			}
			rec, err := buildRec(new(routeRec), tt.path, tt.methods, h, "", o, nil, false)
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec.opIDs)
		})
	}
}

func TestOpenAPIOperationIDClash(t *testing.T) {
	h := http.NotFoundHandler()
	tests := []struct {
		name      string
		first     func(rt *Router) error
		second    func(rt *Router) error
		wantInErr []string
	}{
		{
			name: "explicit ids",
			first: func(rt *Router) error {
				return rt.AddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{OperationID: "x"})
			},
			second: func(rt *Router) error {
				return rt.AddAPIRoute("/b", []string{"GET"}, h, &RouteOptions{OperationID: "x"})
			},
			wantInErr: []string{`operationId "x" is taken by route GET /a`},
		},
		{
			name:  "a name against a derived id",
			first: func(rt *Router) error { return rt.AddAPIRoute("/users", []string{"GET"}, h, nil) },
			second: func(rt *Router) error {
				return rt.AddAPIRoute("/x", []string{"GET"}, h, &RouteOptions{Name: "get_users"})
			},
			wantInErr: []string{`route "get_users" GET /x`, `operationId "get_users" (from the route name; set OperationID to choose another) is taken by route GET /users`},
		},
		{
			name:      "two derived ids",
			first:     func(rt *Router) error { return rt.AddAPIRoute("/a-b", []string{"GET"}, h, nil) },
			second:    func(rt *Router) error { return rt.AddAPIRoute("/a_b", []string{"GET"}, h, nil) },
			wantInErr: []string{`operationId "get_a_b" (from the method and path; set OperationID or Name to choose another) is taken by route GET /a-b`},
		},
		{
			name: "explicit against a multi-method route",
			first: func(rt *Router) error {
				return rt.AddAPIRoute("/a", []string{"GET", "POST"}, h, &RouteOptions{Name: "a"})
			},
			second: func(rt *Router) error {
				return rt.AddAPIRoute("/b", []string{"GET"}, h, &RouteOptions{OperationID: "a_post"})
			},
			wantInErr: []string{`operationId "a_post" is taken by route "a" GET,POST /a`},
		},
		{
			name:  "in one batch",
			first: func(rt *Router) error { return nil },
			second: func(rt *Router) error {
				_, err := rt.AddRoutes([]RouteSpec{
					{Path: "/a", Methods: []string{"GET"}, Handler: "h", OperationID: "same"},
					{Path: "/b", Methods: []string{"GET"}, Handler: "h", OperationID: "same"},
				}, nil)
				return err
			},
			wantInErr: []string{`operationId "same" is taken by route GET /a`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			require.NoError(t, rt.Registry().Register("h", h))
			require.NoError(t, tt.first(rt))
			before := len(rt.Routes())
			err := tt.second(rt)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrDuplicateOperationID)
			for _, s := range tt.wantInErr {
				assert.Contains(t, err.Error(), s)
			}
			assert.Len(t, rt.Routes(), before, "nothing added")
		})
	}
	// Removing a route frees its ids.
	rt := New(nil)
	rt.MustAddAPIRoute("/a", []string{"GET"}, h, &RouteOptions{Name: "a", OperationID: "x"})
	require.NoError(t, rt.RemoveRoute("a"))
	assert.NoError(t, rt.AddAPIRoute("/b", []string{"GET"}, h, &RouteOptions{OperationID: "x"}))
}

func TestOpenAPITemplates(t *testing.T) {
	h := http.NotFoundHandler()
	rt := New(nil)
	rt.MustAddAPIRoute("/files/{name}", []string{"GET"}, h, nil)
	rt.MustAddAPIRoute("/files/{path...}", []string{"GET"}, h, nil)
	rt.MustAddAPIRoute("/u/{id}", []string{"GET"}, h, nil)
	rt.MustAddAPIRoute("/u/{name}", []string{"DELETE"}, h, nil)
	doc := rt.OpenAPI()
	var paths []string
	for _, p := range doc.Paths {
		var ms []string
		for _, o := range p.Operations {
			ms = append(ms, o.Method+" "+o.Parameters[0].Name)
		}
		paths = append(paths, p.Path+" "+strings.Join(ms, ","))
	}
	assert.Equal(t, []string{
		"/files/{name} GET name",
		"/files/{path...} GET path...",
		"/u/{id} GET id,DELETE id",
	}, paths, "a second route at one template keeps its {name...} spelling; one shape is one path item")

	// In the other order too.
	rt = New(nil)
	rt.MustAddAPIRoute("/files/{path...}", []string{"GET"}, h, nil)
	rt.MustAddAPIRoute("/files/{name}", []string{"GET"}, h, nil)
	doc = rt.OpenAPI()
	assert.Equal(t, "/files/{path...}", doc.Paths[0].Path)
	assert.Equal(t, "/files/{name}", doc.Paths[1].Path)
	b, err := doc.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"name":"path..."`)
}

func TestOpenAPIResponses(t *testing.T) {
	h := http.NotFoundHandler()
	tests := []struct {
		name string
		opts *RouteOptions
		want string
	}{
		{"default", nil, "200 OK"},
		{"status code", &RouteOptions{StatusCode: 202}, "202 Accepted"},
		{"responses without a success", &RouteOptions{Responses: map[int]string{404: "gone"}}, "200 OK|404 gone"},
		{"responses with a success", &RouteOptions{Responses: map[int]string{201: "made", 400: "bad"}}, "201 made|400 bad"},
		{"status described", &RouteOptions{StatusCode: 201, Responses: map[int]string{201: "made"}}, "201 made"},
		{"unknown status", &RouteOptions{StatusCode: 299}, "299 Response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := New(nil)
			rt.MustAddAPIRoute("/a", []string{"GET"}, h, tt.opts)
			var got []string
			for _, r := range rt.OpenAPI().Paths[0].Operations[0].Responses {
				got = append(got, fmt.Sprintf("%d %s", r.Status, r.Description))
			}
			assert.Equal(t, tt.want, strings.Join(got, "|"))
		})
	}
}

func TestOpenAPISummaryFromName(t *testing.T) {
	rt := New(nil)
	rt.MustAddAPIRoute("/a", []string{"GET"}, http.NotFoundHandler(), &RouteOptions{Name: "get_dynamic-users.v2"})
	rt.MustAddAPIRoute("/b", []string{"GET"}, http.NotFoundHandler(), &RouteOptions{Name: "b", Summary: "Mine"})
	doc := rt.OpenAPI()
	assert.Equal(t, "Get Dynamic Users V2", doc.Paths[0].Operations[0].Summary)
	assert.Equal(t, "Mine", doc.Paths[1].Operations[0].Summary)
}

func TestDocsOptions(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		rt := New(&Options{Title: "Shop <&>"})
		for target, ctype := range map[string]string{
			"/openapi.json":     "application/json",
			"/openapi.yaml":     "application/yaml",
			"/openapi-3.0.json": "application/json",
			"/docs":             "text/html; charset=utf-8",
			"/redoc":            "text/html; charset=utf-8",
		} {
			res := testkit.Get(t, rt, target)
			assert.Equal(t, http.StatusOK, res.StatusCode, target)
			assert.Equal(t, ctype, res.Header.Get("Content-Type"), target)
		}
		page := string(testkit.ReadBody(t, testkit.Get(t, rt, "/docs")))
		assert.Contains(t, page, `"url":"openapi.json"`)
		assert.Contains(t, page, DefaultSwaggerUIJS)
		assert.Contains(t, page, DefaultSwaggerUICSS)
		assert.Contains(t, page, "<title>Shop &lt;&amp;&gt; - Swagger UI</title>")
		redoc := string(testkit.ReadBody(t, testkit.Get(t, rt, "/redoc")))
		assert.Contains(t, redoc, `<redoc spec-url="openapi.json">`)
		assert.Contains(t, redoc, DefaultRedocJS)
		assert.Empty(t, rt.Routes(), "the documentation routes are not the user's")
	})
	t.Run("moved, off and local assets", func(t *testing.T) {
		rt := New(&Options{Docs: &DocsOptions{
			OpenAPIPath:     "/api/v1/openapi.json",
			SwaggerUIPath:   "/internal/api/docs",
			OpenAPIYAMLPath: "-",
			RedocPath:       "-",
			SwaggerUIJS:     "/static/ui.js?a=1&b=2",
			SwaggerUICSS:    "/static/ui.css",
			SwaggerUIConfig: map[string]any{"docExpansion": "none", "url": "ignored", "x": "</script>"},
		}})
		assert.Equal(t, http.StatusOK, testkit.Get(t, rt, "/api/v1/openapi.json").StatusCode)
		assert.Equal(t, http.StatusOK, testkit.Get(t, rt, "/openapi-3.0.json").StatusCode)
		for _, off := range []string{"/openapi.json", "/openapi.yaml", "/redoc", "/docs"} {
			assert.Equal(t, http.StatusNotFound, testkit.Get(t, rt, off).StatusCode, off)
		}
		page := string(testkit.ReadBody(t, testkit.Get(t, rt, "/internal/api/docs")))
		assert.Contains(t, page, `"url":"../../api/v1/openapi.json"`)
		assert.Contains(t, page, `"docExpansion":"none"`)
		assert.Contains(t, page, `src="/static/ui.js?a=1&amp;b=2"`)
		assert.NotContains(t, page, "</script>\"", "config values cannot close the script")
	})
	t.Run("assets served by the Router", func(t *testing.T) {
		assets := fstest.MapFS{
			"swagger-ui/swagger-ui-bundle.js": {Data: []byte("window.SwaggerUIBundle = 1;")},
			"swagger-ui/swagger-ui.css":       {Data: []byte("body {}")},
			"redoc/redoc.standalone.js":       {Data: []byte("window.Redoc = 1;")},
		}
		rt := New(&Options{Docs: &DocsOptions{Assets: assets, SwaggerUIPath: "/api/docs", RedocJS: "https://example.com/redoc.js"}})
		page := string(testkit.ReadBody(t, testkit.Get(t, rt, "/api/docs")))
		assert.Contains(t, page, `<script src="docs/swagger-ui-bundle.js">`, "relative to the page")
		assert.Contains(t, page, `href="docs/swagger-ui.css"`)
		assert.NotContains(t, page, "cdn.jsdelivr.net")
		redoc := string(testkit.ReadBody(t, testkit.Get(t, rt, "/redoc")))
		assert.Contains(t, redoc, `src="https://example.com/redoc.js"`, "a URL given wins over the assets")
		assert.Equal(t, http.StatusNotFound, testkit.Get(t, rt, "/redoc/redoc.standalone.js").StatusCode, "and the asset is not served")

		for target, want := range map[string]struct{ ctype, body string }{
			"/api/docs/swagger-ui-bundle.js": {"text/javascript; charset=utf-8", "window.SwaggerUIBundle = 1;"},
			"/api/docs/swagger-ui.css":       {"text/css; charset=utf-8", "body {}"},
		} {
			res := testkit.Get(t, rt, target)
			require.Equal(t, http.StatusOK, res.StatusCode, target)
			assert.Equal(t, want.ctype, res.Header.Get("Content-Type"), target)
			assert.Equal(t, want.body, string(testkit.ReadBody(t, res)), target)
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("If-None-Match", res.Header.Get("ETag"))
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			assert.Equal(t, http.StatusNotModified, w.Code, "%s: cached by its ETag", target)
		}
		assert.Empty(t, rt.Routes(), "the asset routes are not the user's")
		err := rt.AddAPIRoute("/api/docs/swagger-ui.css", []string{"GET"}, http.NotFoundHandler(), nil)
		assert.ErrorIs(t, err, ErrDuplicateRoute)

		defer func() {
			r := recover()
			require.NotNil(t, r, "an asset missing is refused")
			assert.Contains(t, fmt.Sprint(r), "Options.Docs.Assets")
			assert.Contains(t, fmt.Sprint(r), "redoc.standalone.js")
		}()
		New(&Options{Docs: &DocsOptions{Assets: fstest.MapFS{"swagger-ui/swagger-ui-bundle.js": {}, "swagger-ui/swagger-ui.css": {}}}})
	})
	t.Run("registered assets", func(t *testing.T) {
		full := fstest.MapFS{}
		for _, f := range docsAssetFiles {
			full[f] = &fstest.MapFile{Data: []byte("/* " + f + " */")}
		}
		RegisterDocsAssets(full)
		t.Cleanup(func() { RegisterDocsAssets(nil) })
		page := string(testkit.ReadBody(t, testkit.Get(t, New(nil), "/docs")))
		assert.Contains(t, page, `src="docs/swagger-ui-bundle.js"`)
		RegisterDocsAssets(nil)
		page = string(testkit.ReadBody(t, testkit.Get(t, New(nil), "/docs")))
		assert.Contains(t, page, DefaultSwaggerUIJS, "nil goes back to the CDN")
		assert.PanicsWithValue(t, "dynroute: RegisterDocsAssets: open redoc/redoc.standalone.js: file does not exist", func() {
			RegisterDocsAssets(fstest.MapFS{"swagger-ui/swagger-ui-bundle.js": {}, "swagger-ui/swagger-ui.css": {}})
		})
	})
	t.Run("disabled", func(t *testing.T) {
		rt := New(&Options{Docs: &DocsOptions{Disabled: true}})
		for _, target := range []string{"/openapi.json", "/docs", "/redoc"} {
			assert.Equal(t, http.StatusNotFound, testkit.Get(t, rt, target).StatusCode, target)
		}
		assert.NotNil(t, rt.OpenAPI(), "the document is still available in code")
	})
	t.Run("a route on a documentation path", func(t *testing.T) {
		rt := New(nil)
		err := rt.AddAPIRoute("/docs", []string{"GET"}, http.NotFoundHandler(), &RouteOptions{Name: "mine"})
		require.ErrorIs(t, err, ErrDuplicateRoute)
		assert.Contains(t, err.Error(), `duplicates route "dynroute.swagger_ui" GET /docs, served by the Router (set Options.Docs to move or disable it)`)
		assert.NoError(t, rt.AddAPIRoute("/docs", []string{"POST"}, http.NotFoundHandler(), nil), "other methods are free")
		assert.NoError(t, rt.AddAPIRoute("/{page}", []string{"GET"}, http.NotFoundHandler(), nil))
		assert.Equal(t, http.StatusOK, testkit.Get(t, rt, "/docs").StatusCode, "the literal wins")

		moved := New(&Options{Docs: &DocsOptions{SwaggerUIPath: "/swagger"}})
		assert.NoError(t, moved.AddAPIRoute("/docs", []string{"GET"}, http.NotFoundHandler(), nil))
	})
	for _, tt := range []struct {
		name string
		docs DocsOptions
		want string
	}{
		{"parameters", DocsOptions{SwaggerUIPath: "/docs/{x}"}, "Options.Docs.SwaggerUIPath \"/docs/{x}\" has parameters"},
		{"bad path", DocsOptions{RedocPath: "redoc"}, "Options.Docs.RedocPath"},
		{"twice", DocsOptions{RedocPath: "/docs"}, `Options.Docs.SwaggerUIPath and RedocPath are both "/docs"`},
		{"UI without the document", DocsOptions{OpenAPIPath: "-"}, "Options.Docs.SwaggerUIPath needs the OpenAPIPath document, which is off"},
		{"config that is not JSON", DocsOptions{SwaggerUIConfig: map[string]any{"f": func() {}}}, "SwaggerUIConfig"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r)
				assert.Contains(t, fmt.Sprint(r), tt.want)
			}()
			New(&Options{Docs: &tt.docs})
		})
	}
}

// TestDocsAuthorize: Swagger UI keeps what Authorize was given across
// reloads unless told otherwise, and its OAuth2 redirect page is served
// under the page while the document declares a flow that redirects, from
// the assets when they have it and else loading the pinned script from the
// CDN; the page is public like the assets, whatever Docs.Security says.
func TestDocsAuthorize(t *testing.T) {
	page := func(rt *Router, target string) string { return string(testkit.ReadBody(t, testkit.Get(t, rt, target))) }
	t.Run("persistAuthorization", func(t *testing.T) {
		assert.Contains(t, page(New(nil), "/docs"), `"persistAuthorization":true`)
		off := New(&Options{Docs: &DocsOptions{SwaggerUIConfig: map[string]any{"persistAuthorization": false}}})
		assert.Contains(t, page(off, "/docs"), `"persistAuthorization":false`, "SwaggerUIConfig wins")
	})
	t.Run("redirect URL", func(t *testing.T) {
		assert.Contains(t, page(New(nil), "/docs"),
			`config.oauth2RedirectUrl = new URL("docs/oauth2-redirect.html", window.location.href).href;`, "made absolute in the browser")
		moved := New(&Options{Docs: &DocsOptions{SwaggerUIPath: "/api/v1/docs"}})
		assert.Contains(t, page(moved, "/api/v1/docs"), `new URL("docs/oauth2-redirect.html", window.location.href)`)
		own := New(&Options{Docs: &DocsOptions{SwaggerUIConfig: map[string]any{"oauth2RedirectUrl": "https://app.example.com/cb.html"}}})
		p := page(own, "/docs")
		assert.Contains(t, p, `"oauth2RedirectUrl":"https://app.example.com/cb.html"`)
		assert.NotContains(t, p, "config.oauth2RedirectUrl =", "SwaggerUIConfig wins")
	})

	flows := map[string]*OAuthFlows{
		"implicit":          {Implicit: &OAuthFlow{AuthorizationURL: "https://auth.example.com/authorize", Scopes: map[string]string{}}},
		"authorizationCode": {AuthorizationCode: &OAuthFlow{AuthorizationURL: "https://auth.example.com/authorize", TokenURL: "https://auth.example.com/token", Scopes: map[string]string{}}},
		"clientCredentials": {ClientCredentials: &OAuthFlow{TokenURL: "https://auth.example.com/token", Scopes: map[string]string{}}},
		"password":          {Password: &OAuthFlow{TokenURL: "https://auth.example.com/token", Scopes: map[string]string{}}},
	}
	assets := fstest.MapFS{
		"swagger-ui/swagger-ui-bundle.js": {Data: []byte("window.SwaggerUIBundle = 1;")},
		"swagger-ui/swagger-ui.css":       {Data: []byte("body {}")},
		"redoc/redoc.standalone.js":       {Data: []byte("window.Redoc = 1;")},
		"swagger-ui/oauth2-redirect.html": {Data: []byte(`<script src="oauth2-redirect.js"></script>`)},
		"swagger-ui/oauth2-redirect.js":   {Data: []byte("run();")},
	}
	for flow, f := range flows {
		redirects := flow == "implicit" || flow == "authorizationCode"
		for _, withAssets := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, assets %v", flow, withAssets), func(t *testing.T) {
				o := &Options{Registry: secVerifiers(t), Security: &SecurityOptions{Schemes: secSchemes},
					Docs: &DocsOptions{Security: []SecurityRequirement{{"basic": {}}}}}
				if withAssets {
					o.Docs.Assets = assets
				}
				rt := New(o)
				code, _ := serveCode(rt, "/docs/oauth2-redirect.html")
				assert.Equal(t, http.StatusNotFound, code, "no oauth2 scheme with that flow yet")
				reg := rt.Registry()
				require.NoError(t, reg.RegisterVerifier("login", reg.verifiers["bearer"]))
				require.NoError(t, rt.AddSecurityScheme("login", SecurityScheme{Type: "oauth2", Flows: f}))
				rt.MustAddAPIRoute("/items", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"login": {}}}})
				res := testkit.Get(t, rt, "/docs/oauth2-redirect.html")
				if !redirects {
					assert.Equal(t, http.StatusNotFound, res.StatusCode, "a %s flow never comes back to the page", flow)
					return
				}
				require.Equal(t, http.StatusOK, res.StatusCode, "public, unlike /docs")
				assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
				body := string(testkit.ReadBody(t, res))
				js := testkit.Get(t, rt, "/docs/oauth2-redirect.js")
				if withAssets {
					assert.Equal(t, `<script src="oauth2-redirect.js"></script>`, body, "the asset as it is")
					assert.Equal(t, http.StatusOK, js.StatusCode)
					assert.Equal(t, "run();", string(testkit.ReadBody(t, js)))
				} else {
					assert.Contains(t, body, `<script src="`+DefaultSwaggerUIOAuth2RedirectJS+`"></script>`)
					assert.Contains(t, DefaultSwaggerUIOAuth2RedirectJS, "swagger-ui-dist@5.35.0/", "the version of the other defaults")
					assert.Equal(t, http.StatusNotFound, js.StatusCode, "the script comes from the CDN")
				}
				code, _ = serveCode(rt, "/docs")
				assert.Equal(t, http.StatusUnauthorized, code, "the page itself stays behind Docs.Security")
				err := rt.AddAPIRoute("/docs/oauth2-redirect.html", []string{"GET"}, whoAmI, nil)
				assert.ErrorIs(t, err, ErrDuplicateRoute, "the Router's path")
			})
		}
	}
}

func TestRelativeURL(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{"/docs", "/openapi.json", "openapi.json"},
		{"/api/docs", "/api/openapi.json", "openapi.json"},
		{"/a/b/docs", "/openapi.json", "../../openapi.json"},
		{"/docs", "/api/v1/openapi.json", "api/v1/openapi.json"},
		{"/docs/", "/openapi.json", "../openapi.json"},
		{"/docs", "/x:y.json", "./x:y.json"},
		{"/a/docs", "/a/", "./"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, relativeURL(tt.from, tt.to), "%s -> %s", tt.from, tt.to)
	}
}

func TestOpenAPIExtensionsMustMarshal(t *testing.T) {
	rt := New(nil)
	err := rt.AddAPIRoute("/a", []string{"GET"}, http.NotFoundHandler(), &RouteOptions{Extensions: map[string]any{"x-f": func() {}}})
	require.ErrorIs(t, err, ErrInvalidOptions)
	assert.Contains(t, err.Error(), "x-f")
}

// readFile reads a test file.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

func TestOpenAPIHandlerDescription(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.Registry().Register("users", http.NotFoundHandler()))
	require.NoError(t, rt.Registry().SetDescription("users", "Lists the users."))
	require.NoError(t, rt.AddAPIRouteByName("/a", []string{"GET"}, "users", nil))
	require.NoError(t, rt.AddAPIRouteByName("/b", []string{"GET"}, "users", &RouteOptions{Description: "Its own."}))
	doc := rt.OpenAPI()
	assert.Equal(t, "Lists the users.", doc.Paths[0].Operations[0].Description)
	assert.Equal(t, "Its own.", doc.Paths[1].Operations[0].Description)
}

// describedHandler is a handler that describes its operation.
type describedHandler struct {
	http.Handler
	info *openapi.OperationInfo
}

func (h describedHandler) DescribeOperation() *openapi.OperationInfo { return h.info }

// TestHeaderVariantsDocumented: routes told apart by headers share one
// operation, which documents every route's answer.
func TestHeaderVariantsDocumented(t *testing.T) {
	answer := func(typ string) describedHandler {
		return describedHandler{Handler: testkit.Text(typ), info: &openapi.OperationInfo{Responses: []openapi.Response{
			{Status: 200, ContentType: "application/json", Schema: &jsonschema.Schema{Type: typ}},
			{Status: 404, ContentType: "application/json", Schema: &jsonschema.Schema{Type: "string"}},
		}}}
	}
	rt := New(nil)
	for _, v := range []struct{ version, typ string }{{"2", "object"}, {"1", "array"}, {"0", "object"}} {
		require.NoError(t, rt.AddAPIRoute("/items", []string{"GET"}, answer(v.typ),
			&RouteOptions{Name: "items_v" + v.version, Headers: []HeaderMatch{{Name: "Accept-Version", Value: v.version}}}))
	}
	b, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct{ Schema map[string]any } `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	responses := doc.Paths["/items"]["get"].Responses
	assert.Equal(t, map[string]any{"anyOf": []any{map[string]any{"type": "object"}, map[string]any{"type": "array"}}},
		responses["200"].Content["application/json"].Schema, "each answer once")
	assert.Equal(t, map[string]any{"type": "string"}, responses["404"].Content["application/json"].Schema, "the same answer stays one")
	testkit.ValidOpenAPI(t, b)

	// A first route that documents its content but no schema: no panic.
	assert.NotPanics(t, func() {
		mergeResponses([]openapi.Response{{Status: 200, ContentType: "application/json"}},
			[]openapi.Response{{Status: 200, ContentType: "application/json", Schema: &jsonschema.Schema{Type: "object"}}})
	})
}

// modelItem is a response model.
type modelItem struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// TestResponseModel: a plain handler's route documents its answer with the
// JSON Schema of RouteOptions.ResponseModel.
func TestResponseModel(t *testing.T) {
	rt := New(nil)
	require.NoError(t, rt.AddAPIRoute("/items/{id}", []string{"GET"}, testkit.Text("{}"), &RouteOptions{ResponseModel: modelItem{}}))
	require.NoError(t, rt.AddAPIRoute("/items", []string{"POST"}, testkit.Text("{}"), &RouteOptions{ResponseModel: modelItem{}, StatusCode: 201}))
	require.NoError(t, rt.AddAPIRoute("/names", []string{"GET"}, testkit.Text("[]"), &RouteOptions{ResponseModel: []string{}}))
	b, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name string } `json:"parameters"`
			Responses  map[string]struct {
				Content map[string]struct{ Schema map[string]any } `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct{ Schemas map[string]any } `json:"components"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	get := doc.Paths["/items/{id}"]["get"]
	assert.Equal(t, map[string]any{"$ref": "#/components/schemas/ModelItem"}, get.Responses["200"].Content["application/json"].Schema)
	assert.Equal(t, "id", get.Parameters[0].Name, "the path parameters are still documented")
	assert.Contains(t, doc.Paths["/items"]["post"].Responses, "201")
	assert.Equal(t, map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		doc.Paths["/names"]["get"].Responses["200"].Content["application/json"].Schema)
	assert.Contains(t, doc.Components.Schemas, "ModelItem")
	testkit.ValidOpenAPI(t, b)

	err = rt.AddAPIRoute("/bad", []string{"GET"}, testkit.Text(""), &RouteOptions{ResponseModel: make(chan int)})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.ErrorContains(t, err, "response model")
}
