package dynroute

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/julienschmidt/httprouter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ptParse parses path or stops the test.
func ptParse(t testing.TB, path string) *pattern {
	t.Helper()
	p, err := parsePattern(path)
	require.NoError(t, err, "parsePattern(%q)", path)
	return p
}

// ptRender spells parsed segments back in dynroute's syntax.
func ptRender(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segParam:
			if s.conv != convNone {
				b.WriteString("{" + s.text + ":" + s.conv.String() + "}")
				break
			}
			b.WriteString("{" + s.text + "}")
		case segMixed:
			b.WriteString(s.text)
		case segCatchAll:
			b.WriteString("{" + s.text + "...}")
		}
	}
	return b.String()
}

func ptLit(text string) segment   { return segment{kind: segLiteral, text: text} }
func ptParam(name string) segment { return segment{kind: segParam, text: name} }
func ptRest(name string) segment  { return segment{kind: segCatchAll, text: name} }

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string // substrings of the message
	}{
		{"empty path", "", []string{"empty path"}},
		{"no leading slash", "users", []string{`"users"`, "must begin with '/'"}},
		{"no leading slash param", "{id}", []string{"must begin with '/'"}},
		{"empty param name", "/a/{}", []string{`empty parameter name in {}`}},
		{"empty param name with a convertor", "/a/{:int}", []string{`empty parameter name in {:int}`}},
		{"empty convertor", "/a/{id:}", []string{`parameter {id:} names no convertor after ':'`, "int, float, uuid, str or path"}},
		{"unknown convertor", "/a/{id:integer}", []string{`unknown convertor "integer" in {id:integer}`, "int, float, uuid, str or path"}},
		{"a regexp", "/a/{id:[0-9]+}", []string{`unknown convertor "[0-9]+"`, "regular expressions are not supported"}},
		{"convertor after dots", "/a/{id...:int}", []string{`{id...:int}: {name...} takes the rest of the path and no convertor`}},
		{"path convertor not last", "/a/{p:path}/b", []string{"{p:path} must be the last segment"}},
		{"catch-all inside a segment", "/f.{rest...}", []string{"{rest...} must be a whole segment"}},
		{"path convertor inside a segment", "/{p:path}.json", []string{"{p:path} must be a whole segment"}},
		{"same name in one segment", "/{a}-{a}", []string{"parameter {a} appears twice"}},
		{"same name in a mixed segment and a segment", "/{a}/{a}.json", []string{"parameter {a} appears twice"}},
		{"too many parameters in a segment", "/{a}.{b}.{c}.{d}.{e}.{f}.{g}.{h}.{i}", []string{"has more than 8 parameters"}},
		{"brace in a parameter", "/a/{x{y}}", []string{`has a '{' inside a parameter`}},
		{"empty catch-all name", "/a/{...}", []string{"empty parameter name"}},
		{"name with space", "/{a b}", []string{`invalid parameter name "a b"`}},
		{"dollar wildcard", "/a/{$}", []string{`{$} is ServeMux's end anchor`}},
		{"same name twice", "/{id}/x/{id}", []string{"parameter {id} appears twice"}},
		{"same name as catch-all", "/{id}/{id...}", []string{"parameter {id} appears twice"}},
		{"catch-all not last", "/{x...}/a", []string{"{x...} must be the last segment"}},
		{"catch-all before trailing slash", "/a/{x...}/", []string{"{x...} must be the last segment"}},
		{"httprouter param", "/users/:id", []string{`":id" is httprouter syntax`, "write {id}"}},
		{"httprouter catch-all", "/files/*path", []string{`"*path" is httprouter syntax`, "write {path...}"}},
		{"dot segment", "/a/./b", []string{`"." segments are not allowed`}},
		{"dot segment last", "/a/.", []string{`"." segments are not allowed`}},
		{"dotdot segment", "/a/../b", []string{`".." segments are not allowed`}},
		{"dotdot first", "/..", []string{`".." segments are not allowed`}},
		{"two params with nothing between", "/{a}{b}", []string{`segment "{a}{b}" has two parameters with nothing between them`}},
		{"two params with nothing between after a literal", "/x.{a}{b}.json", []string{`has two parameters with nothing between them`}},
		{"NUL", "/a\x00b", []string{"control character U+0000 at byte 2"}},
		{"a query", "/responses?beta=true", []string{`it has a query ("?beta=true")`, `serve "/responses"`}},
		{"a query after a parameter", "/responses/{id}?beta=true", []string{`it has a query ("?beta=true")`, `serve "/responses/{id}"`}},
		{"a fragment", "/shared_items#folders", []string{`it has a fragment ("#folders")`}},
		{"a question mark in a name", "/a/{x?y}", []string{`a parameter name has no '?'`}},
		{"newline", "/a/\n", []string{"control character U+000A at byte 3"}},
		{"DEL", "/\x7f", []string{"control character U+007F at byte 1"}},
		{"C1 control", "/a\u0085", []string{"control character U+0085 at byte 2"}},
		{"not UTF-8", "/caf\xe9", []string{"not UTF-8 at byte 4"}},
		{"truncated UTF-8", "/\xc3", []string{"not UTF-8 at byte 1"}},
		{"unclosed brace", "/{a", []string{`segment "{a" has a '{' without its '}'`}},
		{"unclosed brace mid path", "/{a/b}", []string{`segment "{a" has a '{' without its '}'`}},
		{"unclosed brace after a literal", "/f.{a", []string{`segment "f.{a" has a '{' without its '}'`}},
		{"unopened brace", "/a}", []string{`unmatched '}' in segment "a}"`}},
		{"extra closing brace", "/{a}}", []string{`unmatched '}' in segment "{a}}"`}},
		{"double slash only", "//", []string{`empty segment ("//")`}},
		{"double slash first", "//a", []string{`empty segment ("//")`}},
		{"double slash mid", "/a//b", []string{`empty segment ("//")`}},
		{"double slash end", "/a//", []string{`empty segment ("//")`}},
		{"dot segment after literals", "/a/b/.", []string{`"." segments are not allowed`}},
		{"httprouter param after a literal segment", "/v1/:name", []string{`":name" is httprouter syntax`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePattern(tt.in)
			require.Error(t, err, "parsePattern(%q) = %+v, want an error", tt.in, p)
			assert.Nil(t, p)
			assert.True(t, errors.Is(err, ErrInvalidPath), "errors.Is(%v, ErrInvalidPath)", err)
			assert.True(t, strings.HasPrefix(err.Error(), "invalid path"), "message %q", err)
			if tt.in != "" {
				assert.Contains(t, err.Error(), strconv.Quote(tt.in), "the message quotes the path")
			}
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestParsePatternValid(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		segs       []segment
		params     []string
		shape      string
		routerPath string
		catchAll   bool
	}{
		{
			name: "root", in: "/",
			segs: []segment{ptLit("")}, shape: "/", routerPath: "/",
		},
		{
			name: "literal", in: "/a",
			segs: []segment{ptLit("a")}, shape: "/a", routerPath: "/a",
		},
		{
			name: "trailing slash", in: "/a/",
			segs: []segment{ptLit("a"), ptLit("")}, shape: "/a/", routerPath: "/a/",
		},
		{
			name: "param", in: "/a/{b}",
			segs: []segment{ptLit("a"), ptParam("b")}, params: []string{"b"},
			shape: "/a/{}", routerPath: "/a/:p1",
		},
		{
			name: "param with trailing slash", in: "/a/{b}/",
			segs: []segment{ptLit("a"), ptParam("b"), ptLit("")}, params: []string{"b"},
			shape: "/a/{}/", routerPath: "/a/:p1/",
		},
		{
			name: "catch-all", in: "/a/{b...}",
			segs: []segment{ptLit("a"), ptRest("b")}, params: []string{"b"},
			shape: "/a/{...}", routerPath: "/a/*p1", catchAll: true,
		},
		{
			name: "root catch-all", in: "/{x...}",
			segs: []segment{ptRest("x")}, params: []string{"x"},
			shape: "/{...}", routerPath: "/*p0", catchAll: true,
		},
		{
			name: "root param", in: "/{x}",
			segs: []segment{ptParam("x")}, params: []string{"x"},
			shape: "/{}", routerPath: "/:p0",
		},
		{
			name: "several params", in: "/users/{id}/posts/{post_id}/{rest...}",
			segs:   []segment{ptLit("users"), ptParam("id"), ptLit("posts"), ptParam("post_id"), ptRest("rest")},
			params: []string{"id", "post_id", "rest"},
			shape:  "/users/{}/posts/{}/{...}", routerPath: "/users/:p1/posts/:p3/*p4", catchAll: true,
		},
		{
			name: "github pair left", in: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
			segs:   []segment{ptLit("repos"), ptParam("owner"), ptParam("repo"), ptLit("issues"), ptLit("comments"), ptParam("comment_id")},
			params: []string{"owner", "repo", "comment_id"},
			shape:  "/repos/{}/{}/issues/comments/{}", routerPath: "/repos/:p1/:p2/issues/comments/:p5",
		},
		{
			name: "unicode literals", in: "/café/naïve/日本語/{id}",
			segs:   []segment{ptLit("café"), ptLit("naïve"), ptLit("日本語"), ptParam("id")},
			params: []string{"id"},
			shape:  "/café/naïve/日本語/{}", routerPath: "/café/naïve/日本語/:p3",
		},
		{
			name: "punctuation literals", in: "/a.b/c-d/~e/f_g/v1.2/...",
			segs:  []segment{ptLit("a.b"), ptLit("c-d"), ptLit("~e"), ptLit("f_g"), ptLit("v1.2"), ptLit("...")},
			shape: "/a.b/c-d/~e/f_g/v1.2/...", routerPath: "/a.b/c-d/~e/f_g/v1.2/...",
		},
		{
			// Dots are only rejected as a whole segment.
			name: "dot-led literals", in: "/.well-known/..a/a./.../{id}",
			segs:   []segment{ptLit(".well-known"), ptLit("..a"), ptLit("a."), ptLit("..."), ptParam("id")},
			params: []string{"id"},
			shape:  "/.well-known/..a/a./.../{}", routerPath: "/.well-known/..a/a./.../:p4",
		},
		{
			name: "many literal segments", in: "/a/b/c/d/e/f/",
			segs:  []segment{ptLit("a"), ptLit("b"), ptLit("c"), ptLit("d"), ptLit("e"), ptLit("f"), ptLit("")},
			shape: "/a/b/c/d/e/f/", routerPath: "/a/b/c/d/e/f/",
		},
		{
			name: "identifier-like names", in: "/{_}/{A1_b}/{camelCase}",
			segs:   []segment{ptParam("_"), ptParam("A1_b"), ptParam("camelCase")},
			params: []string{"_", "A1_b", "camelCase"},
			shape:  "/{}/{}/{}", routerPath: "/:p0/:p1/:p2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePattern(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.in, p.path)
			assert.Equal(t, tt.segs, p.segs)
			assert.Equal(t, tt.params, p.params)
			assert.Equal(t, tt.shape, p.shape())
			assert.Equal(t, tt.routerPath, p.routerPath())
			assert.Equal(t, tt.catchAll, p.hasCatchAll())
			assert.Equal(t, tt.in, ptRender(p.segs))
		})
	}
}

func TestPatternShapeIgnoresNames(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"param names", "/users/{id}", "/users/{name}", true},
		{"catch-all names", "/f/{a...}", "/f/{b...}", true},
		{"param vs catch-all", "/f/{a}", "/f/{a...}", false},
		{"trailing slash", "/users/{id}", "/users/{id}/", false},
		{"literal vs param", "/users/me", "/users/{id}", false},
		{"literal vs catch-all", "/f/x", "/f/{x...}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := ptParse(t, tt.a), ptParse(t, tt.b)
			assert.Equal(t, tt.same, a.shape() == b.shape(), "shape(%q)=%q shape(%q)=%q", tt.a, a.shape(), tt.b, b.shape())
			if tt.same {
				assert.Equal(t, a.routerPath(), b.routerPath(), "same shape, same httprouter path")
			}
		})
	}
}

func TestValidParamName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"_", true},
		{"id", true},
		{"post_id", true},
		{"A9", true},
		{"a1b2", true},
		{"", false},
		{"1a", true},
		{"9", true},
		{"a-b", true},
		{"a.b", true},
		{"role-name", true},
		{"a b", false},
		{"$", false},
		{"a:int", false},
		{"a/b", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, httpx.ValidParamName(tt.in), "httpx.ValidParamName(%q)", tt.in)
	}
}

// TestParamNamesBeyondServeMux: every {name} ServeMux accepts (Go
// identifiers, non-ASCII letters included) is accepted, and so are the
// names OpenAPI documents use that ServeMux refuses ({role-name}, {1x}).
func TestParamNamesBeyondServeMux(t *testing.T) {
	names := []string{"a", "_x", "x1", "1x", "a-b", "é", "naïve", "日本", "x١", "Ω_2", "role-name", "id.v2"}
	for _, name := range names {
		muxOK := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			http.NewServeMux().Handle("/p/{"+name+"}", http.NotFoundHandler())
			return true
		}()
		_, err := parsePattern("/p/{" + name + "}")
		assert.NoError(t, err, "name %q (ServeMux accepts it: %v)", name, muxOK)
	}
}

func TestCompareSpecificity(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int // sign: >0 a more specific, <0 b more specific, 0 same shape
	}{
		{"literal beats param", "/users/me", "/users/{id}", 1},
		{"param beats catch-all", "/users/{id}", "/users/{rest...}", 1},
		{"literal beats catch-all", "/users/me", "/users/{rest...}", 1},
		{"left-to-right", "/a/{x}", "/{y}/b", 1},
		{"left-to-right deep", "/{a}/x/{b}", "/{a}/{b}/x", 1},
		{
			"github pair",
			"/repos/{owner}/{repo}/issues/comments/{comment_id}",
			"/repos/{owner}/{repo}/issues/{issue_number}/comments",
			1,
		},
		{"trailing slash beats catch-all", "/a/", "/a/{x...}", 1},
		{"root beats root catch-all", "/", "/{x...}", 1},
		{"literal beats root catch-all", "/a", "/{x...}", 1},
		{"param beats root catch-all", "/{x}", "/{x...}", 1},
		{"same shape other names", "/users/{id}", "/users/{name}", 0},
		{"same catch-all shape", "/f/{a...}", "/f/{b...}", 0},
		{"identical", "/a/b", "/a/b", 0},
	}
	sign := func(n int) int {
		switch {
		case n > 0:
			return 1
		case n < 0:
			return -1
		}
		return 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := ptParse(t, tt.a), ptParse(t, tt.b)
			assert.Equal(t, tt.want, sign(compareSpecificity(a, b)), "compareSpecificity(%q, %q)", tt.a, tt.b)
			assert.Equal(t, -tt.want, sign(compareSpecificity(b, a)), "compareSpecificity(%q, %q)", tt.b, tt.a)
		})
	}
}

// TestCompareSpecificityTotalOrder checks that patterns which cannot match a
// common path are still ordered deterministically and consistently, so that
// sorting by compareSpecificity does not depend on registration order.
func TestCompareSpecificityTotalOrder(t *testing.T) {
	paths := []string{
		"/", "/a", "/b", "/a/", "/a/b", "/a/c", "/{x}", "/{x}/", "/{x...}",
		"/a/{x}", "/a/{x...}", "/{x}/b", "/{x}/{y}", "/b/{x}/c", "/a/b/c",
	}
	pats := make([]*pattern, len(paths))
	for i, p := range paths {
		pats[i] = ptParse(t, p)
	}
	for i, a := range pats {
		for j, b := range pats {
			ab, ba := compareSpecificity(a, b), compareSpecificity(b, a)
			if i == j {
				assert.Zero(t, ab, "%q vs itself", paths[i])
				continue
			}
			assert.NotZero(t, ab, "%q vs %q: different shapes must not tie", paths[i], paths[j])
			assert.Equal(t, ab > 0, ba < 0, "%q vs %q: antisymmetric", paths[i], paths[j])
			for k, c := range pats {
				if ab > 0 && compareSpecificity(b, c) > 0 {
					assert.Positive(t, compareSpecificity(a, c), "transitivity %q > %q > %q", paths[i], paths[j], paths[k])
				}
			}
		}
	}
}

func TestCleanValue(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		catchAll bool
		want     bool
	}{
		{"param plain", "abc", false, true},
		{"param dots inside", "a.b", false, true},
		{"param three dots", "...", false, true},
		{"param empty", "", false, false},
		{"param dot", ".", false, false},
		{"param dotdot", "..", false, false},
		{"catch-all empty rest", "/", true, true},
		{"catch-all empty string", "", true, true},
		{"catch-all one segment", "/a", true, true},
		{"catch-all nested", "/a/b.txt", true, true},
		{"catch-all trailing slash", "/a/b/", true, true},
		{"catch-all three dots", "/.../a", true, true},
		{"catch-all dot-prefixed names", "/.git/..a", true, true},
		{"catch-all double slash", "/a//b", true, false},
		{"catch-all leading double slash", "//a", true, false},
		{"catch-all only slashes", "//", true, false},
		{"catch-all dot", "/a/./b", true, false},
		{"catch-all dot last", "/a/.", true, false},
		{"catch-all dot first", "/./a", true, false},
		{"catch-all dotdot", "/a/../b", true, false},
		{"catch-all dotdot last", "/a/..", true, false},
		{"catch-all dotdot only", "/..", true, false},
		{"catch-all dot with trailing slash", "/./", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.catchAll {
				// httprouter's catch-all value keeps the slash before it;
				// entry.prepare strips it before cleanRest looks.
				rest := strings.TrimPrefix(tt.in, "/")
				assert.Equal(t, tt.want, cleanRest(rest), "cleanRest(%q)", rest)
				return
			}
			assert.Equal(t, tt.want, cleanSegment(tt.in), "cleanSegment(%q)", tt.in)
		})
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, seed := range []string{
		"", "/", "//", "/a", "/a/", "/a/b", "/{a}", "/{a...}", "/a/{b}/c/{d...}",
		"/users/{id}", "/users/{id}/", "/{}", "/{1a}", "/{a-b}", "/{a}/{a}", "/{x...}/a",
		"/:x", "/*x", "/.", "/..", "/a/./b", "/f.{ext}", "/{a}b", "/{a", "/a}", "/a:b", "/a*b",
		"/café/{ü}", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "/{x}/{y}/{z}/",
		"/a/{b}}", "/{{a}}", "/{...}", "/{a...}/", "/%2F/{a}", "/ /{a}", "/a\x00b",
		"/{sid}.json", "/{base}...{head}", "/v{major}/{name}:cancel", "/@{user}", "/{id:int}", "/{x:float}/{u:uuid}",
		"/{p:path}", "/{s:str}", "/levels:append", "/{n:int}.{ext}", "/{a}{b}", "/{id:[0-9]+}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		p, err := parsePattern(path)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("parsePattern(%q) error %v does not wrap ErrInvalidPath", path, err)
			}
			if p != nil {
				t.Fatalf("parsePattern(%q) returned a pattern with error %v", path, err)
			}
			return
		}
		// The segments spell the pattern ({x:str} as {x}, {x:path} as
		// {x...}): spelled back, they parse to the same shape and names.
		again, err := parsePattern(ptRender(p.segs))
		if err != nil || again.shape() != p.shape() || strings.Join(again.params, "\x00") != strings.Join(p.params, "\x00") {
			t.Fatalf("parsePattern(%q): segments render as %q, which parses differently (%v)", path, ptRender(p.segs), err)
		}
		if !utf8.ValidString(path) || strings.ContainsFunc(path, unicode.IsControl) || strings.ContainsAny(path, "?#") {
			t.Fatalf("parsePattern(%q): accepted a path that is not UTF-8 or holds a control character, a query or a fragment", path)
		}
		var names []string
		for i, s := range p.segs {
			if s.kind == segLiteral {
				if s.text == "" && i != len(p.segs)-1 {
					t.Fatalf("parsePattern(%q): empty literal segment %d before the end", path, i)
				}
				if strings.ContainsAny(s.text, "/{}") || strings.HasPrefix(s.text, ":") || strings.HasPrefix(s.text, "*") || s.text == "." || s.text == ".." {
					t.Fatalf("parsePattern(%q): bad literal segment %q", path, s.text)
				}
				continue
			}
			segNames := []string{s.text}
			if s.kind == segMixed {
				segNames = s.mixed.names
			}
			for _, name := range segNames {
				if !httpx.ValidParamName(name) {
					t.Fatalf("parsePattern(%q): bad parameter name %q", path, name)
				}
			}
			if s.kind == segCatchAll && i != len(p.segs)-1 {
				t.Fatalf("parsePattern(%q): catch-all segment %d is not last", path, i)
			}
			names = append(names, segNames...)
		}
		if strings.Join(names, "\x00") != strings.Join(p.params, "\x00") {
			t.Fatalf("parsePattern(%q): params %q, segments name %q", path, p.params, names)
		}
		// The shape erases the names only: without parameters it is the path.
		if len(p.params) == 0 && p.shape() != path {
			t.Fatalf("parsePattern(%q): shape %q", path, p.shape())
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("parsePattern(%q): httprouter panics on routerPath %q: %v", path, p.routerPath(), r)
				}
			}()
			hr := &httprouter.Router{}
			hr.Handle(http.MethodGet, p.routerPath(), func(http.ResponseWriter, *http.Request, httprouter.Params) {})
			// A concrete path built from the pattern finds the route, and
			// its check holds.
			var b strings.Builder
			for _, s := range p.segs {
				b.WriteByte('/')
				switch s.kind {
				case segLiteral:
					b.WriteString(s.text)
				case segCatchAll:
					b.WriteString("v")
				default:
					b.WriteString(s.samples(nil)[0])
				}
			}
			concrete := b.String()
			h, ps, _ := hr.Lookup(http.MethodGet, concrete)
			if h == nil {
				t.Fatalf("parsePattern(%q): httprouter path %q does not match %q", path, p.routerPath(), concrete)
			}
			if !p.prepare(ps) {
				return // a sample made a dot segment
			}
			vals, ok := p.confirm(ps, true)
			if !ok || len(vals) != len(p.params) {
				t.Fatalf("parsePattern(%q): %q confirmed %v with %d values, want %d", path, concrete, ok, len(vals), len(p.params))
			}
		}()
	})
}

// TestParamSegmentAgreesWithParseSegment checks the fast path for {name}
// and {name...} against parseSegment: whatever it accepts, parseSegment
// accepts the same way.
func TestParamSegmentAgreesWithParseSegment(t *testing.T) {
	texts := []string{
		"{id}", "{id...}", "{_}", "{A1_b}", "{x9}", "{a.b}", "{1a}", "{}", "{...}", "{....}",
		"{a}}", "{{a}", "{a", "a}", "{a b}", "{é}", "{naïve}", "{a-b}", "{$}", "x", "{a}b", "f.{ext}",
		":id", "*path", "{id.}", "{id..}", "{a...b}",
	}
	for _, text := range texts {
		for _, more := range []bool{false, true} {
			seg, ok := paramSegment(text, more)
			want, err := parseSegment("/"+text, text, more)
			if !ok {
				continue // parseSegment decides
			}
			require.NoError(t, err, "%q more=%v: the fast path accepts what parseSegment rejects", text, more)
			assert.Equal(t, want, seg, "%q more=%v", text, more)
		}
	}
	_, ok := paramSegment("{id}", false)
	assert.True(t, ok, "the common case takes the fast path")
	_, ok = paramSegment("{rest...}", true)
	assert.False(t, ok, "a {x...} before another segment is parseSegment's to report")
}
