package dynroute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secSchemes are one scheme of each kind the Router enforces.
var secSchemes = map[string]SecurityScheme{
	"admin_key":  {Type: "apiKey", In: "header", Name: "X-API-Key"},
	"query_key":  {Type: "apiKey", In: "query", Name: "api_key"},
	"cookie_key": {Type: "apiKey", In: "cookie", Name: "session"},
	"bearer":     {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	"basic":      {Type: "http", Scheme: "basic"},
	"oauth": {Type: "oauth2", Flows: &OAuthFlows{ClientCredentials: &OAuthFlow{
		TokenURL: "https://auth.example.com/token", Scopes: map[string]string{"items:read": "Read items", "items:write": "Change items"}}}},
	"oidc": {Type: "openIdConnect", OpenIDConnectURL: "https://auth.example.com/.well-known/openid-configuration"},
}

// secVerifiers accept the key "k", the tokens "t-read" (items:read) and
// "t-write" (both scopes), and basic auth u:p.
func secVerifiers(t testing.TB) *Registry {
	reg := NewRegistry()
	key := VerifierFunc(func(_ context.Context, c Credential) (*Principal, error) {
		if c.Value != "k" {
			return nil, fmt.Errorf("%w: unknown key", ErrCredentials)
		}
		return &Principal{Subject: "key-1", Scopes: []string{"items:read"}}, nil
	})
	token := VerifierFunc(func(_ context.Context, c Credential) (*Principal, error) {
		switch c.Value {
		case "t-read":
			return &Principal{Subject: "reader", Scopes: []string{"items:read"}}, nil
		case "t-write":
			return &Principal{Subject: "writer", Scopes: []string{"items:read", "items:write"}}, nil
		}
		return nil, ErrCredentials
	})
	basic := VerifierFunc(func(_ context.Context, c Credential) (*Principal, error) {
		if c.User == "u" && c.Value == "p" {
			return &Principal{Subject: "u"}, nil
		}
		return nil, ErrCredentials
	})
	for name, v := range map[string]Verifier{"admin_key": key, "query_key": key, "cookie_key": key, "bearer": token, "oauth": token, "oidc": token, "basic": basic} {
		require.NoError(t, reg.RegisterVerifier(name, v))
	}
	return reg
}

// whoAmI answers with the principal the Router verified.
var whoAmI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		fmt.Fprint(w, "anonymous")
		return
	}
	fmt.Fprintf(w, "%s via %s", p.Subject, p.Scheme)
})

func secRouter(t testing.TB, deflt []SecurityRequirement) *Router {
	return New(&Options{Title: "Shop", Registry: secVerifiers(t), Security: &SecurityOptions{Schemes: secSchemes, Default: deflt}})
}

func TestSecurityEnforcement(t *testing.T) {
	rt := secRouter(t, nil)
	routes := map[string][]SecurityRequirement{
		"/header":   {{"admin_key": {}}},
		"/query":    {{"query_key": {}}},
		"/cookie":   {{"cookie_key": {}}},
		"/bearer":   {{"bearer": {}}},
		"/basic":    {{"basic": {}}},
		"/oauth":    {{"oauth": {"items:write"}}},
		"/oidc":     {{"oidc": {"items:read"}}},
		"/either":   {{"admin_key": {}}, {"bearer": {"items:write"}}},
		"/both":     {{"admin_key": {}, "basic": {}}},
		"/public":   {},
		"/inherits": nil,
	}
	for path, req := range routes {
		require.NoError(t, rt.AddAPIRoute(path, []string{"GET", "POST"}, whoAmI, &RouteOptions{Security: req}))
	}
	key := func(k string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("X-API-Key", k) } }
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	tests := []struct {
		name, path string
		set        func(*http.Request)
		code       int
		body       string // the answer, or a part of a problem's detail
		challenge  string // a WWW-Authenticate value
	}{
		{"no key", "/header", nil, 401, "Not authenticated.", `APIKey realm="Shop", in="header", name="X-API-Key"`},
		{"wrong key", "/header", key("wrong"), 401, "The credentials were not accepted.", `APIKey realm="Shop", in="header", name="X-API-Key"`},
		{"empty key", "/header", key(""), 401, "Not authenticated.", ""},
		{"right key", "/header", key("k"), 200, "key-1 via admin_key", ""},
		{"key in the wrong place", "/query", key("k"), 401, "Not authenticated.", `APIKey realm="Shop", in="query", name="api_key"`},
		{"query key", "/query?api_key=k", nil, 200, "key-1 via query_key", ""},
		{"cookie key", "/cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: "k"}) }, 200, "key-1 via cookie_key", ""},
		{"no token", "/bearer", nil, 401, "Not authenticated.", `Bearer realm="Shop"`},
		{"bad token", "/bearer", bearer("nope"), 401, "not accepted", `Bearer realm="Shop", error="invalid_token"`},
		{"token", "/bearer", bearer("t-read"), 200, "reader via bearer", ""},
		{"lower-case bearer", "/bearer", func(r *http.Request) { r.Header.Set("Authorization", "bearer t-read") }, 200, "reader via bearer", ""},
		{"basic instead of bearer", "/bearer", basic("u", "p"), 401, "Not authenticated.", ""},
		{"no basic", "/basic", nil, 401, "Not authenticated.", `Basic realm="Shop", charset="UTF-8"`},
		{"wrong password", "/basic", basic("u", "x"), 401, "not accepted", `Basic realm="Shop", charset="UTF-8"`},
		{"basic", "/basic", basic("u", "p"), 200, "u via basic", ""},
		{"scope missing", "/oauth", bearer("t-read"), 403, "do not grant", `Bearer realm="Shop", error="insufficient_scope", scope="items:write"`},
		{"scope present", "/oauth", bearer("t-write"), 200, "writer via oauth", ""},
		{"oidc token", "/oidc", bearer("t-read"), 200, "reader via oidc", ""},
		{"either: key", "/either", key("k"), 200, "key-1 via admin_key", ""},
		{"either: token with the scope", "/either", bearer("t-write"), 200, "writer via bearer", ""},
		{"either: token without it", "/either", bearer("t-read"), 403, "do not grant", ""},
		{"either: nothing", "/either", nil, 401, "Not authenticated.", `Bearer realm="Shop"`},
		{"both: one of two", "/both", key("k"), 401, "Not authenticated.", ""},
		{"both: two of two", "/both", func(r *http.Request) { key("k")(r); basic("u", "p")(r) }, 200, "key-1 via admin_key", ""},
		{"public", "/public", nil, 200, "anonymous", ""},
		{"no requirement", "/inherits", nil, 200, "anonymous", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				r := httptest.NewRequest(method, tt.path, strings.NewReader(`{"a":1}`))
				if tt.set != nil {
					tt.set(r)
				}
				w := httptest.NewRecorder()
				rt.ServeHTTP(w, r)
				require.Equal(t, tt.code, w.Code, "%s %s: %s", method, tt.path, w.Body.String())
				if tt.code == 200 {
					assert.Equal(t, tt.body, w.Body.String())
					assert.Empty(t, w.Header().Values("WWW-Authenticate"))
					continue
				}
				assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
				var p struct {
					Status int    `json:"status"`
					Detail string `json:"detail"`
				}
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
				assert.Equal(t, tt.code, p.Status)
				assert.Contains(t, p.Detail, tt.body)
				for _, secret := range []string{"wrong", "nope", "unknown key", "x"} {
					assert.NotContains(t, w.Body.String(), `"`+secret, "the answer never echoes the credential or the verifier's error")
				}
				if tt.challenge != "" {
					assert.Contains(t, w.Header().Values("WWW-Authenticate"), tt.challenge)
				}
				if tt.code == 401 {
					assert.NotEmpty(t, w.Header().Values("WWW-Authenticate"), "a 401 always challenges")
				}
			}
		})
	}
}

// TestSecurityBeforeTheBody: a refused request never reaches the handler
// and its body is not read.
func TestSecurityBeforeTheBody(t *testing.T) {
	rt := secRouter(t, nil)
	called := false
	rt.MustAddAPIRoute("/upload", []string{"POST"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }),
		&RouteOptions{Security: []SecurityRequirement{{"admin_key": {}}}})
	body := &readCounter{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	r := httptest.NewRequest("POST", "/upload", body)
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	assert.Equal(t, 401, w.Code)
	assert.False(t, called)
	assert.Zero(t, body.n, "bytes of the body read")
}

type readCounter struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestSecurityDefaultDeny(t *testing.T) {
	rt := secRouter(t, []SecurityRequirement{{"bearer": {}}})
	rt.MustAddAPIRoute("/private", []string{"GET"}, whoAmI, nil)
	rt.MustAddAPIRoute("/health", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{}})
	rt.MustAddAPIRoute("/keyed", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"admin_key": {}}}})
	code, _ := serveCode(rt, "/private")
	assert.Equal(t, 401, code, "no requirement: the default")
	code, body := serveCode(rt, "/health")
	assert.Equal(t, 200, code)
	assert.Equal(t, "anonymous", body)
	code, _ = serveCode(rt, "/keyed")
	assert.Equal(t, 401, code)
	code, _ = serveCode(rt, "/openapi.json")
	assert.Equal(t, 200, code, "the documentation stays public")
	code, _ = serveCode(rt, "/nowhere")
	assert.Equal(t, 404, code, "a path no route has is a 404, not a 401")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest(http.MethodOptions, "/private", nil))
	assert.Equal(t, http.StatusNoContent, w.Code, "OPTIONS (CORS preflight) needs no credential")
}

func TestSecurityErrors(t *testing.T) {
	rt := secRouter(t, nil)
	err := rt.AddAPIRoute("/x", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"admin_kye": {}}},
		Source: Source{File: "routes.yaml", Line: 7}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownScheme)
	assert.Contains(t, err.Error(), `route GET /x (routes.yaml:7)`)
	assert.Contains(t, err.Error(), `unknown security scheme "admin_kye"; did you mean "admin_key"?`)

	reg := NewRegistry()
	noVerifier := New(&Options{Registry: reg, Security: &SecurityOptions{Schemes: map[string]SecurityScheme{"k": {Type: "apiKey", In: "header", Name: "K"}}}})
	err = noVerifier.AddAPIRoute("/y", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"k": {}}}})
	assert.ErrorIs(t, err, ErrNoVerifier)
	assert.Contains(t, err.Error(), `Registry.RegisterVerifier("k", …)`)
	assert.Empty(t, noVerifier.Routes(), "nothing added")

	for _, tt := range []struct {
		name   string
		scheme SecurityScheme
		want   string
	}{
		{"no type", SecurityScheme{}, `type "" is none of`},
		{"apiKey without a name", SecurityScheme{Type: "apiKey", In: "header"}, "names its header"},
		{"apiKey in the body", SecurityScheme{Type: "apiKey", In: "body", Name: "k"}, `not "body"`},
		{"digest", SecurityScheme{Type: "http", Scheme: "digest"}, `bearer and basic, not "digest"`},
		{"oauth2 without flows", SecurityScheme{Type: "oauth2"}, "has Flows"},
		{"oidc without a URL", SecurityScheme{Type: "openIdConnect"}, "OpenIDConnectURL"},
		{"mutual TLS", SecurityScheme{Type: "mutualTLS"}, `type "mutualTLS"`},
	} {
		err := rt.AddSecurityScheme("s_"+strings.ReplaceAll(tt.name, " ", "_"), tt.scheme)
		assert.ErrorIs(t, err, ErrInvalidScheme, tt.name)
		assert.ErrorContains(t, err, tt.want, tt.name)
	}
	assert.NoError(t, rt.AddSecurityScheme("basic", secSchemes["basic"]), "the same declaration again")
	again := secSchemes["oauth"]
	flow := *again.Flows.ClientCredentials
	again.Flows = &OAuthFlows{ClientCredentials: &flow} // equal, not the same pointers: a document loaded again
	assert.NoError(t, rt.AddSecurityScheme("oauth", again), "an equal declaration, as a reloaded document gives")
	assert.ErrorIs(t, rt.AddSecurityScheme("basic", secSchemes["bearer"]), ErrInvalidScheme, "another declaration under a taken name")
	assert.Panics(t, func() {
		New(&Options{Security: &SecurityOptions{Schemes: map[string]SecurityScheme{"k": {Type: "apiKey"}}}})
	})
	assert.Error(t, NewRegistry().RegisterVerifier("", VerifierFunc(nil)))
	assert.Error(t, NewRegistry().RegisterVerifier("x", nil))
	dup := NewRegistry()
	require.NoError(t, dup.RegisterVerifier("x", VerifierFunc(func(context.Context, Credential) (*Principal, error) { return nil, ErrCredentials })))
	assert.Error(t, dup.RegisterVerifier("x", VerifierFunc(func(context.Context, Credential) (*Principal, error) { return nil, ErrCredentials })))
}

// TestSecurityIncludeAndMount: a prefix-wide requirement protects included
// routes that set none and every path of a mounted application.
func TestSecurityIncludeAndMount(t *testing.T) {
	rt := secRouter(t, nil)
	sub := New(nil)
	sub.MustAddAPIRoute("/items", []string{"GET"}, whoAmI, nil)
	sub.MustAddAPIRoute("/open", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{}})
	require.NoError(t, rt.Include("/v1", sub, &IncludeOptions{Security: []SecurityRequirement{{"admin_key": {}}}}))
	plugin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		fmt.Fprintf(w, "plugin %s for %s", r.URL.Path, p.Subject)
	})
	require.NoError(t, rt.Mount("/plugin", plugin, &MountOptions{Security: []SecurityRequirement{{"basic": {}}}}))

	tests := []struct {
		path string
		set  func(*http.Request)
		code int
		body string
	}{
		{"/v1/items", nil, 401, ""},
		{"/v1/items", func(r *http.Request) { r.Header.Set("X-API-Key", "k") }, 200, "key-1 via admin_key"},
		{"/v1/open", nil, 200, "anonymous"},
		{"/plugin/a/b", nil, 401, ""},
		{"/plugin/a/b", func(r *http.Request) { r.SetBasicAuth("u", "p") }, 200, "plugin /a/b for u"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		if tt.set != nil {
			tt.set(r)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		assert.Equal(t, tt.code, w.Code, tt.path)
		if tt.code == 200 {
			assert.Equal(t, tt.body, w.Body.String(), tt.path)
		}
	}
}

// TestSecurityMiddlewareSees401: the check is inside the Router's
// middleware, which sees (and can decorate) the 401.
func TestSecurityMiddlewareSees401(t *testing.T) {
	var seen []int
	rt := New(&Options{Registry: secVerifiers(t), Security: &SecurityOptions{Schemes: secSchemes},
		Middleware: []Middleware{func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				seen = append(seen, rec.Code)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			})
		}}})
	rt.MustAddAPIRoute("/x", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"bearer": {}}}})
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, []int{401}, seen)
}

func TestSecurityFromConfig(t *testing.T) {
	specs, err := LoadYAML(strings.NewReader(`admin_only:
  path: /dynamic/admin
  methods: [GET]
  handler: who
  security:
    - admin_key: []
writes:
  path: /items
  methods: [POST]
  handler: who
  security: [{oauth: [items:write]}, {admin_key: []}]
health:
  path: /health
  methods: [GET]
  handler: who
  security: []
typo:
  path: /typo
  methods: [GET]
  handler: who
  security: [{admin_kye: []}]
`), "routes.yaml")
	require.NoError(t, err)
	require.Len(t, specs, 4)
	assert.Equal(t, []SecurityRequirement{{"admin_key": {}}}, specs[0].Security)
	assert.Equal(t, []SecurityRequirement{}, specs[2].Security, "security: [] is kept apart from absent")
	assert.NotNil(t, specs[2].Security)

	rt := secRouter(t, []SecurityRequirement{{"bearer": {}}})
	require.NoError(t, rt.Registry().Register("who", whoAmI))
	_, err = rt.AddRoutes(specs, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownScheme)
	assert.Contains(t, err.Error(), `route "typo" GET /typo (routes.yaml:17)`)
	assert.Contains(t, err.Error(), `did you mean "admin_key"?`)
	assert.Empty(t, rt.Routes(), "strict: nothing added")

	_, err = rt.AddRoutes(specs[:3], nil)
	require.NoError(t, err)
	code, _ := serveCode(rt, "/dynamic/admin")
	assert.Equal(t, 401, code)
	code, _ = serveCode(rt, "/health")
	assert.Equal(t, 200, code)
	back := rt.RouteSpecs()
	assert.Equal(t, specs[0].Security, back[0].Security)
	assert.Equal(t, []SecurityRequirement{}, back[2].Security, "written back as public")

	for _, tt := range []struct{ in, want string }{
		{"security: admin", "security must be a list of mappings"},
		{"security: [admin]", "security[0] must be a mapping"},
		{"security: [{admin: read}]", "security[0].admin must be a list of strings"},
		{"security: [{admin: ['']}]", "a scope is not empty"},
	} {
		_, err := LoadYAML(strings.NewReader("r:\n  path: /x\n  methods: [GET]\n  handler: who\n  "+tt.in+"\n"), "bad.yaml")
		require.Error(t, err, tt.in)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.Contains(t, err.Error(), "bad.yaml:5", tt.in)
		assert.Contains(t, err.Error(), tt.want, tt.in)
	}
}

func TestSecurityFromOpenAPI(t *testing.T) {
	doc := `openapi: 3.1.0
info: {title: Shop, version: '1'}
security: [{bearer: []}]
paths:
  /items:
    get:
      operationId: list_items
      security: []
    post:
      operationId: create_item
      security: [{oauth: [items:write]}]
  /admin:
    get:
      operationId: admin
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {'items:write': Change items}
`
	specs, err := LoadOpenAPI(strings.NewReader(doc), "shop.yaml")
	require.NoError(t, err)
	require.Len(t, specs, 3)
	assert.Equal(t, []SecurityRequirement{}, specs[0].Security)
	assert.Equal(t, []SecurityRequirement{{"oauth": {"items:write"}}}, specs[1].Security)
	assert.Equal(t, []SecurityRequirement{{"bearer": {}}}, specs[2].Security, "the document's default")
	assert.Equal(t, "https://auth.example.com/token", specs[1].SecuritySchemes["oauth"].Flows.ClientCredentials.TokenURL)

	// The schemes come with the specs: the Router needs only the verifiers.
	reg := secVerifiers(t)
	rt := New(&Options{Registry: reg})
	for _, name := range []string{"list_items", "create_item", "admin"} {
		require.NoError(t, reg.Register(name, whoAmI))
	}
	_, err = rt.AddRoutes(specs, nil)
	require.NoError(t, err)
	for _, tt := range []struct {
		method, path, token string
		code                int
	}{
		{"GET", "/items", "", 200},
		{"POST", "/items", "t-read", 403},
		{"POST", "/items", "t-write", 201},
		{"GET", "/admin", "", 401},
		{"GET", "/admin", "t-read", 200},
	} {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.token != "" {
			r.Header.Set("Authorization", "Bearer "+tt.token)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if tt.code == 201 {
			tt.code = 200 // whoAmI answers 200
		}
		assert.Equal(t, tt.code, w.Code, "%s %s", tt.method, tt.path)
	}
	// Unknown and unreadable schemes are problems of the operations.
	_, err = LoadOpenAPI(strings.NewReader(`openapi: 3.1.0
info: {title: x, version: '1'}
paths:
  /a:
    get: {operationId: a, security: admin}
  /b:
    get: {operationId: b, security: [{broken: []}]}
components:
  securitySchemes:
    broken: {type: [http]}
`), "bad.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml:5")
	assert.Contains(t, err.Error(), `security is "admin", want a list of mappings`)
	assert.Contains(t, err.Error(), `security scheme "broken" cannot be read: type is a list`)
}

// TestSecurityDocument: the document declares the schemes, the default
// and each operation's own requirement, adds 401 and 403 answers, and is
// valid OpenAPI 3.1 and 3.0.3.
func TestSecurityDocument(t *testing.T) {
	rt := secRouter(t, []SecurityRequirement{{"bearer": {}}})
	rt.MustAddAPIRoute("/items", []string{"GET"}, whoAmI, nil)
	rt.MustAddAPIRoute("/items", []string{"POST"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"oauth": {"items:write"}}}})
	rt.MustAddAPIRoute("/health", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{}})
	rt.MustAddAPIRoute("/admin", []string{"GET"}, whoAmI, &RouteOptions{Security: []SecurityRequirement{{"admin_key": {}}, {"basic": {}}}})
	body := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	testkit.Golden(t, "testdata/openapi/security.json", testkit.IndentJSON(t, body))
	testkit.ValidOpenAPI(t, body)
	testkit.ValidOpenAPI(t, testkit.ReadBody(t, testkit.Get(t, rt, "/openapi-3.0.json")))

	var doc struct {
		Security   []map[string][]string `json:"security"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security  *[]map[string][]string     `json:"security"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	assert.Equal(t, []map[string][]string{{"bearer": {}}}, doc.Security)
	assert.Len(t, doc.Components.SecuritySchemes, len(secSchemes), "every declared scheme")
	assert.Nil(t, doc.Paths["/items"]["get"].Security, "the default applies")
	assert.Equal(t, []map[string][]string{{"oauth": {"items:write"}}}, *doc.Paths["/items"]["post"].Security)
	assert.Equal(t, []map[string][]string{}, *doc.Paths["/health"]["get"].Security, "public under a default")
	assert.Contains(t, doc.Paths["/items"]["post"].Responses, "403")
	assert.Contains(t, doc.Paths["/items"]["get"].Responses, "401")
	assert.NotContains(t, doc.Paths["/items"]["get"].Responses, "403", "no scopes, no 403")
	assert.NotContains(t, doc.Paths["/health"]["get"].Responses, "401")
}

// TestDocsSecurity: the documentation can be put behind a requirement.
func TestDocsSecurity(t *testing.T) {
	rt := New(&Options{Registry: secVerifiers(t), Security: &SecurityOptions{Schemes: secSchemes},
		Docs: &DocsOptions{Security: []SecurityRequirement{{"basic": {}}}}})
	for _, path := range []string{"/openapi.json", "/openapi.yaml", "/openapi-3.0.json", "/docs", "/redoc"} {
		code, _ := serveCode(rt, path)
		assert.Equal(t, 401, code, path)
		r := httptest.NewRequest("GET", path, nil)
		r.SetBasicAuth("u", "p")
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		assert.Equal(t, 200, w.Code, path)
	}
	assert.Panics(t, func() {
		New(&Options{Docs: &DocsOptions{Security: []SecurityRequirement{{"basic": {}}}}})
	}, "a scheme New does not know")
	assert.True(t, errors.Is(fmt.Errorf("x: %w", ErrCredentials), ErrCredentials))
}

// A ParamsHandler behind a requirement is still served through the fast
// path, so it sees the matched Route (typed handlers take their
// RouteOptions.StatusCode from it) and the Params, and the Principal.
func TestSecurityKeepsParamsHandler(t *testing.T) {
	rt := secRouter(t, []SecurityRequirement{{"bearer": {}}})
	var got *Route
	var id string
	h := HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
		got, id = ps.Route(), ps.Get("id")
		p, _ := PrincipalFrom(r.Context())
		w.WriteHeader(ps.Route().StatusCode)
		io.WriteString(w, p.Subject)
	})
	require.NoError(t, rt.AddAPIRoute("/items/{id}", []string{"POST"}, h, &RouteOptions{Name: "create", StatusCode: http.StatusCreated}))
	r := httptest.NewRequest("POST", "/items/7", nil)
	r.Header.Set("Authorization", "Bearer t-read")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, "reader", w.Body.String())
	require.NotNil(t, got, "the handler sees its Route")
	assert.Equal(t, "create", got.Name)
	assert.Equal(t, "7", id)
}
