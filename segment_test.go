package dynroute

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMixedAndConvertors(t *testing.T) {
	tests := []struct {
		in             string
		shape, hrPath  string
		params         []string
		checked, split bool
	}{
		{in: "/a/{id:int}", shape: "/a/{:int}", hrPath: "/a/:p1", params: []string{"id"}, checked: true},
		{in: "/a/{x:float}/{u:uuid}", shape: "/a/{:float}/{:uuid}", hrPath: "/a/:p1/:p2", params: []string{"x", "u"}, checked: true},
		{in: "/a/{s:str}", shape: "/a/{}", hrPath: "/a/:p1", params: []string{"s"}},
		{in: "/a/{p:path}", shape: "/a/{...}", hrPath: "/a/*p1", params: []string{"p"}},
		{in: "/Calls/{Sid}.json", shape: "/Calls/{}.json", hrPath: "/Calls/:p1", params: []string{"Sid"}, checked: true},
		{in: "/compare/{base}...{head}", shape: "/compare/{}...{}", hrPath: "/compare/:p1", params: []string{"base", "head"}, checked: true, split: true},
		{in: "/v{major}/{name}:cancel", shape: "/v{}/{}:cancel", hrPath: "/:p0/:p1", params: []string{"major", "name"}, checked: true},
		{in: "/@{user}", shape: "/@{}", hrPath: "/:p0", params: []string{"user"}, checked: true},
		{in: "/{n:int}.{ext}", shape: "/{:int}.{}", hrPath: "/:p0", params: []string{"n", "ext"}, checked: true, split: true},
		{in: "/t/{ns}/levels:append", shape: "/t/{}/levels:append", hrPath: "/t/:p1/:p2", params: []string{"ns"}, checked: true, split: true},
		{in: "/levels:append", shape: "/levels:append", hrPath: "/:p0", checked: true, split: true},
		{in: "/a/b*c", shape: "/a/b*c", hrPath: "/a/:p1", checked: true, split: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := ptParse(t, tt.in)
			assert.Equal(t, tt.in, p.path)
			assert.Equal(t, tt.shape, p.shape())
			assert.Equal(t, tt.hrPath, p.routerPath())
			assert.Equal(t, tt.params, p.params)
			assert.Equal(t, tt.checked, p.checked, "checked")
			assert.Equal(t, tt.split, p.split, "split")
		})
	}
}

func TestConvertorMatch(t *testing.T) {
	tests := []struct {
		conv convertor
		yes  []string
		no   []string
	}{
		{convInt, []string{"0", "42", "007", "99999999999999999999999"}, []string{"", "-1", "+1", "1.0", "1e3", "٣", "0x1", " 1"}},
		{convFloat, []string{"0", "42", "4.2", "0.50"}, []string{"", ".5", "5.", "1.2.3", "-1", "1e3", "NaN", "Inf"}},
		{convUUID, []string{"123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000"},
			[]string{"123E4567-E89B-12D3-A456-426614174000", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456_426614174000", "g23e4567-e89b-12d3-a456-426614174000"}},
		{convNone, []string{"x", "a b", "-"}, []string{""}},
	}
	for _, tt := range tests {
		for _, v := range tt.yes {
			assert.True(t, tt.conv.match(v), "%v matches %q", tt.conv, v)
		}
		for _, v := range tt.no {
			assert.False(t, tt.conv.match(v), "%v does not match %q", tt.conv, v)
		}
	}
}

// TestMixedSegmentValues pins how a value is split: each parameter as
// short as the rest of the segment allows, from the left.
func TestMixedSegmentValues(t *testing.T) {
	tests := []struct {
		seg   string
		value string
		want  []string // nil: no match
	}{
		{"{sid}.json", "CA123.json", []string{"CA123"}},
		{"{sid}.json", "a.b.json", []string{"a.b"}},
		{"{sid}.json", ".json", nil},
		{"{sid}.json", "a.xml", nil},
		{"{name}.{ext}", "a.b.json", []string{"a", "b.json"}},
		{"{name}.{ext}", "a.", nil},
		{"{name}.{ext}", ".a", nil},
		{"{name}.{ext}", "..a", []string{".", "a"}},
		{"{base}...{head}", "main...feature", []string{"main", "feature"}},
		{"{base}...{head}", "a..b...c", []string{"a..b", "c"}},
		{"{base}...{head}", "a...b...c", []string{"a", "b...c"}},
		{"{base}...{head}", "a....b", []string{"a", ".b"}},
		{"{base}...{head}", "main..dev", nil},
		{"v{major}", "v2", []string{"2"}},
		{"v{major}", "v", nil},
		{"v{major:int}", "v2", []string{"2"}},
		{"v{major:int}", "vx", nil},
		{"{id}:cancel", "op-1:cancel", []string{"op-1"}},
		{"{id}:cancel", "op-1:cancelled", nil},
		{"@{user}", "@bob", []string{"bob"}},
		{"{n:int}.{ext}", "12.tar.gz", []string{"12", "tar.gz"}},
		{"{n:int}.{ext}", "1x.gz", nil},
		{"{a:float}.{b}", "1.5.x", []string{"1", "5.x"}},
		{"{a:float}.{b}", "1.5", []string{"1", "5"}},
		{"{a:uuid}.json", "123e4567-e89b-12d3-a456-426614174000.json", []string{"123e4567-e89b-12d3-a456-426614174000"}},
		{"thumbnail.{extension}", "thumbnail.png", []string{"png"}},
		{"{a}-{b}-{c}", "x-y-", nil},
		{"{a}-{b}-{c}", "x-y-z-w", []string{"x", "y", "z-w"}},
	}
	for _, tt := range tests {
		t.Run(tt.seg+"/"+tt.value, func(t *testing.T) {
			p := ptParse(t, "/"+tt.seg)
			require.Equal(t, segMixed, p.segs[0].kind)
			ps, ok := p.segs[0].mixed.match(tt.value, nil, true)
			if tt.want == nil {
				assert.False(t, ok, "values %v", ps)
				return
			}
			require.True(t, ok)
			var got []string
			for _, v := range ps {
				got = append(got, v.Value)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// segRoutes is a table of literals, mixed segments, convertors and plain
// parameters side by side; each route's handler writes its path and its
// values as r.PathValue and Params see them.
var segRoutes = []string{
	"/files/{name}.{ext}", "/files/{name}.json", "/files/{name}", "/files/index.json",
	"/items/{id:int}", "/items/{id:float}", "/items/{id:uuid}", "/items/{name}", "/items/{rest...}",
	"/v1/{name}:cancel", "/v1/{name}", "/v1/levels:append",
	"/compare/{base}...{head}", "/compare/{basehead}",
	"/@{user}", "/v{major}/ping", "/{first}/ping",
	"/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json", "/2010-04-01/Accounts/{AccountSid}/Calls.json",
	"/2010-04-01/Accounts/{Sid}.json", "/2010-04-01/Accounts.json",
}

func segRouter(t testing.TB, strict bool, routes []string) (*Router, error) {
	rt := New(&Options{StrictConflicts: strict, Docs: &DocsOptions{Disabled: true}})
	for i, path := range routes {
		var h http.Handler
		if i%2 == 0 {
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				pat, _ := parsePattern(path)
				fmt.Fprint(w, r.Pattern)
				for _, name := range pat.params {
					fmt.Fprintf(w, " %s=%s", name, r.PathValue(name))
				}
			})
		} else {
			h = HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
				fmt.Fprint(w, r.Pattern)
				for name, v := range ps.All() {
					fmt.Fprintf(w, " %s=%s", name, v)
				}
			})
		}
		if err := rt.AddAPIRoute(path, []string{"GET"}, h, nil); err != nil {
			return rt, err
		}
	}
	return rt, nil
}

func TestMixedAndConvertorDispatch(t *testing.T) {
	rt, err := segRouter(t, false, segRoutes)
	require.NoError(t, err)
	tests := []struct {
		path string
		want string // "" for 404
	}{
		{"/files/index.json", "/files/index.json"},
		{"/files/a.b.json", "/files/{name}.json name=a.b"},
		{"/files/a.txt", "/files/{name}.{ext} name=a ext=txt"},
		{"/files/a..b...c", "/files/{name}.{ext} name=a ext=.b...c"},
		{"/files/readme", "/files/{name} name=readme"},
		{"/items/42", "/items/{id:int} id=42"},
		{"/items/4.2", "/items/{id:float} id=4.2"},
		{"/items/123e4567-e89b-12d3-a456-426614174000", "/items/{id:uuid} id=123e4567-e89b-12d3-a456-426614174000"},
		{"/items/abc", "/items/{name} name=abc"},
		{"/items/4.2.1", "/items/{name} name=4.2.1"},
		{"/items/a/b", "/items/{rest...} rest=a/b"},
		{"/items/", "/items/{rest...} rest="},
		{"/v1/op:cancel", "/v1/{name}:cancel name=op"},
		{"/v1/op", "/v1/{name} name=op"},
		{"/v1/levels:append", "/v1/levels:append"},
		{"/v1/levels%3Aappend", "/v1/levels:append"},
		{"/v1/levels:appendix", "/v1/{name} name=levels:appendix"},
		{"/compare/main...dev", "/compare/{base}...{head} base=main head=dev"},
		{"/compare/a..b...c", "/compare/{base}...{head} base=a..b head=c"},
		{"/compare/main", "/compare/{basehead} basehead=main"},
		{"/@bob", "/@{user} user=bob"},
		{"/@", ""},
		{"/v2/ping", "/v{major}/ping major=2"},
		{"/v/ping", "/{first}/ping first=v"},
		{"/x/ping", "/{first}/ping first=x"},
		{"/2010-04-01/Accounts/AC1/Calls/CA2.json", "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json AccountSid=AC1 Sid=CA2"},
		{"/2010-04-01/Accounts/AC1/Calls.json", "/2010-04-01/Accounts/{AccountSid}/Calls.json AccountSid=AC1"},
		{"/2010-04-01/Accounts/AC1.json", "/2010-04-01/Accounts/{Sid}.json Sid=AC1"},
		{"/2010-04-01/Accounts.json", "/2010-04-01/Accounts.json"},
		{"/2010-04-01/Accounts/AC1", ""},
		{"/2010-04-01/Accounts/AC1/Calls/CA2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if tt.want == "" {
				assert.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
				return
			}
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, tt.want, w.Body.String())
			// HEAD is served by the same route.
			w = httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(http.MethodHead, tt.path, nil))
			assert.Equal(t, http.StatusOK, w.Code, "HEAD")
		})
	}
}

// TestCheckedRoutesMiss: a request whose only candidate is a checked route
// that refuses it gets what an unmatched request gets: 404, 405 only for
// methods whose routes do match, the trailing-slash redirect only when the
// other form matches.
func TestCheckedRoutesMiss(t *testing.T) {
	rt := New(&Options{Docs: &DocsOptions{Disabled: true}})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Pattern) })
	rt.MustAddAPIRoute("/orders/{id:int}", []string{"POST"}, ok, nil)
	rt.MustAddAPIRoute("/orders/{id:int}/", []string{"GET"}, ok, nil)
	rt.MustAddAPIRoute("/orders/{id}.json", []string{"GET"}, ok, nil)
	rt.MustAddAPIRoute("/orders/{id}.json", []string{"PUT"}, ok, &RouteOptions{Name: "put_json"})
	tests := []struct {
		method, path string
		code         int
		allow, loc   string
	}{
		{"GET", "/orders/5", http.StatusMovedPermanently, "", "/orders/5/"},
		{"GET", "/orders/x", http.StatusNotFound, "", ""},
		{"DELETE", "/orders/5", http.StatusMethodNotAllowed, "OPTIONS, POST", ""},
		{"DELETE", "/orders/x", http.StatusNotFound, "", ""},
		{"DELETE", "/orders/x.json", http.StatusMethodNotAllowed, "GET, HEAD, OPTIONS, PUT", ""},
		{"DELETE", "/orders/x.xml", http.StatusNotFound, "", ""},
		{"OPTIONS", "/orders/x.json", http.StatusNoContent, "GET, HEAD, OPTIONS, PUT", ""},
		{"HEAD", "/orders/x.json", http.StatusOK, "", ""},
		{"HEAD", "/orders/x.xml", http.StatusNotFound, "", ""},
		{"GET", "/orders/x/", http.StatusNotFound, "", ""},
		{"GET", "/orders/./5/", http.StatusMovedPermanently, "", "/orders/5/"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			assert.Equal(t, tt.code, w.Code, w.Body.String())
			assert.Equal(t, tt.allow, w.Header().Get("Allow"))
			assert.Equal(t, tt.loc, w.Header().Get("Location"))
		})
	}
}

func TestMixedSegmentConflicts(t *testing.T) {
	tests := []struct {
		name   string
		routes []string
		err    []string // under StrictConflicts; nil: accepted
	}{
		{"different suffixes never meet", []string{"/f/{a}.json", "/f/{a}.xml"}, nil},
		{"more literal text wins", []string{"/f/{a}.tar.gz", "/f/{a}.gz"}, nil},
		{"a mixed segment beside a parameter", []string{"/f/{a}.json", "/f/{a}"}, nil},
		{"a convertor beside a parameter", []string{"/f/{id:int}", "/f/{name}"}, nil},
		{"int inside float", []string{"/f/{id:int}", "/f/{id:float}"}, nil},
		{"int beside uuid", []string{"/f/{id:int}", "/f/{id:uuid}"}, nil},
		{"github's compare pair", []string{"/compare/{base}...{head}", "/compare/{basehead}"}, nil},
		{"a colon literal beside a custom method", []string{"/v1/levels:append", "/v1/{name}:append"}, nil},
		{"dot and dash", []string{"/f/{a}.{b}", "/f/{c}-{d}"},
			[]string{`route GET /f/{c}-{d}`, `conflicts with route GET /f/{a}.{b}`, "both match GET /f/x.x-x"}},
		{"prefix and suffix", []string{"/f/a{x}", "/f/{x}b"},
			[]string{"conflicts with route GET /f/a{x}", "both match GET /f/ab"}},
		{"the same template", []string{"/f/{a}.json", "/f/{b}.json"}, []string{"duplicates route GET /f/{a}.json"}},
		{"neither more specific", []string{"/{a:int}/{b}", "/{a}/{b:int}"},
			[]string{"conflicts with route GET /{a:int}/{b}", "both match GET /1/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segRouter(t, false, tt.routes)
			if len(tt.err) > 0 && strings.Contains(tt.err[0], "duplicates") {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrDuplicateRoute)
				return
			}
			require.NoError(t, err, "without StrictConflicts every set registers")
			_, err = segRouter(t, true, tt.routes)
			if tt.err == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrConflict)
			for _, want := range tt.err {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

// TestOpenAPIPathPatterns: the document writes convertors as plain
// parameters with the convertor's type, keeps mixed segments as OpenAPI
// templates, shares one operation between routes told apart by convertors
// only, and is valid OpenAPI 3.1 and 3.0.3.
func TestOpenAPIPathPatterns(t *testing.T) {
	rt := New(&Options{Title: "Path patterns", Version: "1.0.0"})
	h := http.NotFoundHandler()
	for _, p := range []string{
		"/items/{id:int}", "/items/{name}", "/items/{id:uuid}", "/prices/{amount:float}",
		"/files/{name}.{ext}", "/files/{name}.json", "/compare/{base}...{head}", "/compare/{basehead}",
		"/v1/{name}:cancel", "/v1/levels:append", "/static/{p:path}", "/@{user}",
		"/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json",
	} {
		rt.MustAddAPIRoute(p, []string{"GET"}, h, nil)
	}
	body := testkit.ReadBody(t, testkit.Get(t, rt, "/openapi.json"))
	testkit.Golden(t, "testdata/openapi/path_patterns.json", testkit.IndentJSON(t, body))
	testkit.ValidOpenAPI(t, body)
	testkit.ValidOpenAPI(t, testkit.ReadBody(t, testkit.Get(t, rt, "/openapi-3.0.json")))

	// The document loads back as the same routes: x-dynroute-path keeps
	// each route's own path where the template does not say it.
	specs, err := LoadOpenAPI(bytes.NewReader(body), "openapi.json")
	require.NoError(t, err)
	var paths []string
	for _, s := range specs {
		paths = append(paths, s.Path)
	}
	assert.Contains(t, paths, "/items/{id:int}")
	assert.Contains(t, paths, "/prices/{amount:float}")
	assert.Contains(t, paths, "/files/{name}.{ext}")
	assert.Contains(t, paths, "/v1/levels:append")
	assert.Contains(t, paths, "/static/{p:path}")
}
