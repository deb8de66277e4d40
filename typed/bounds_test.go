package typed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boundsNode is a tree, whose problems can lie deep.
type boundsNode struct {
	N        int          `json:"n" minimum:"0"`
	Children []boundsNode `json:"children,omitempty"`
}

type boundsBody struct {
	Items []int      `json:"items" maximum:"0"`
	Name  string     `json:"name" maxLength:"3"`
	Tree  boundsNode `json:"tree"`
}

type boundsIn struct {
	Q    []int  `query:"q"`
	S    string `query:"s" maxLength:"3"`
	H    []int  `header:"X-N"`
	HS   string `header:"X-S" maxLength:"3"`
	C    int    `cookie:"c"`
	Body boundsBody
}

// TestProblemBounds sends the worst a request can hold in every place —
// query, header, cookie, body — and checks that the answer is a 422 of at
// most 64 KiB, with at most 100 problems, no echo over 1 KiB of JSON and
// no text over 1 KiB.
func TestProblemBounds(t *testing.T) {
	huge := strings.Repeat("x", 500<<10)
	manyQ := strings.Repeat("q=x&", 20000)
	manyItems := "[" + strings.Repeat("1,", 100000) + "1]"
	deep := `{"n":-1}`
	for range 3000 {
		deep = `{"n":0,"children":[` + deep + `]}`
	}
	body := func(items, name, tree string) string {
		return fmt.Sprintf(`{"items":%s,"name":%s,"tree":%s}`, items, name, tree)
	}
	valid := body("[]", `"a"`, `{"n":0}`)
	for _, tt := range []struct {
		name   string
		query  string
		header map[string]string
		body   string
	}{
		{"many bad query values", manyQ, nil, valid},
		{"a huge query value", "s=" + huge, nil, valid},
		{"a huge query value that is not an integer", "q=" + huge, nil, valid},
		{"many bad header items", "", map[string]string{"X-N": strings.Repeat("x,", 20000)}, valid},
		{"a huge header value", "", map[string]string{"X-S": huge}, valid},
		{"a huge cookie", "", map[string]string{"Cookie": "c=" + huge}, valid},
		{"many bad body items", "", nil, body(manyItems, `"a"`, `{"n":0}`)},
		{"a huge body string", "", nil, body("[]", `"`+huge+`"`, `{"n":0}`)},
		{"a problem deep in the body", "", nil, body("[]", `"a"`, deep)},
		{"a huge unknown member", "", nil, `{"` + huge + `":1,"items":[],"name":"a","tree":{"n":0}}`},
		{"everything at once", manyQ + "s=" + huge, map[string]string{"X-N": strings.Repeat("x,", 20000), "X-S": huge, "Cookie": "c=" + huge},
			body(manyItems, `"`+huge+`"`, deep)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(echo[boundsIn], &Options{DisallowUnknownFields: true, MaxBodyBytes: 4 << 20})
			require.NoError(t, err)
			rt := dynroute.New(nil)
			require.NoError(t, rt.AddAPIRoute("/b", []string{http.MethodPost}, h, nil))
			r := httptest.NewRequest(http.MethodPost, "/b?"+tt.query, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code, "%.300s", w.Body)
			assert.LessOrEqual(t, w.Body.Len(), maxProblemBytes)
			var p struct {
				Detail string                  `json:"detail"`
				Errors []jsonschema.FieldError `json:"errors"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			require.NotEmpty(t, p.Errors)
			assert.LessOrEqual(t, len(p.Errors), jsonschema.MaxErrors)
			assert.LessOrEqual(t, len(p.Detail), httpx.MaxEchoBytes)
			for _, fe := range p.Errors {
				echo, err := json.Marshal(fe.Input)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(echo), httpx.MaxEchoBytes, "input of %v", fe.Loc)
				assert.LessOrEqual(t, len(fe.Msg), httpx.MaxEchoBytes, "msg of %v", fe.Loc)
				assert.LessOrEqual(t, len(fe.Loc), maxLoc+1)
				for _, l := range fe.Loc {
					if s, ok := l.(string); ok {
						assert.LessOrEqual(t, len(s), httpx.MaxEchoBytes)
					}
				}
			}
		})
	}
}

func TestBoundErrors(t *testing.T) {
	long := strings.Repeat("é", 1000) // 2000 bytes
	deep := make([]any, 100)
	for i := range deep {
		deep[i] = i
	}
	fe := boundError(jsonschema.FieldError{Loc: append([]any{"body", long}, deep...), Msg: long, Input: long,
		Ctx: map[string]any{"limit": long}})
	require.Len(t, fe.Loc, maxLoc+1)
	assert.Equal(t, "body", fe.Loc[0])
	assert.Equal(t, httpx.Clip(long, httpx.MaxEchoBytes), fe.Loc[1], "a long name is cut")
	assert.Equal(t, "…", fe.Loc[maxLoc/2], "the middle of a deep location is left out")
	assert.Equal(t, 99, fe.Loc[maxLoc], "the end of the location is kept")
	assert.Equal(t, httpx.Clip(long, httpx.MaxEchoBytes), fe.Msg)
	assert.Nil(t, fe.Input, "a long echo is left out, not cut")
	assert.Nil(t, fe.Ctx)

	short := jsonschema.FieldError{Loc: []any{"query", "q"}, Msg: "m", Type: "t", Input: "x", Ctx: map[string]any{"ge": 1}}
	assert.Equal(t, short, boundError(short), "a small problem is left as it is")

	loc := []any{"body", long}
	boundError(jsonschema.FieldError{Loc: loc})
	assert.Equal(t, long, loc[1], "the caller's location is not changed")

	many := make([]jsonschema.FieldError, 150)
	for i := range many {
		many[i] = jsonschema.FieldError{Loc: []any{"query", "q"}, Msg: long[:1000], Type: "t"}
	}
	one, err := json.Marshal(many[0])
	require.NoError(t, err)
	assert.Equal(t, jsonschema.MaxErrors, len(boundErrors(many, 1<<20)))
	assert.Equal(t, 10, len(boundErrors(many, 10*(len(one)+1))), "all that fit")
	assert.Equal(t, 9, len(boundErrors(many, 10*(len(one)+1)-1)), "the list stops before the budget is passed")

	w := httptest.NewRecorder()
	WriteProblem(w, httptest.NewRequest("GET", "/", nil), &ValidationError{Errors: many})
	assert.LessOrEqual(t, w.Body.Len(), maxProblemBytes)
	var p ValidationProblem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	n := len(p.Errors)
	assert.Less(t, n, jsonschema.MaxErrors)
	assert.Greater(t, n, 50)
	assert.Equal(t, fmt.Sprintf("150 validation errors; the first %d are listed", n), p.Detail)
}

// TestFastAPIErrors: on a Router with dynroute.FastAPIErrors, a typed
// handler answers and documents its errors as FastAPI does, unless
// Options.ErrorHandler writes them.
func TestFastAPIErrors(t *testing.T) {
	type in struct {
		ID   int `path:"id" minimum:"1"`
		Body *struct {
			Name string `json:"name"`
		}
	}
	h := Must(func(_ context.Context, in *in) (*struct{}, error) {
		if in.ID == 404 {
			return nil, NewError(http.StatusNotFound, "no item 404")
		}
		return &struct{}{}, nil
	}, nil)
	own := Must(func(context.Context, *in) (*struct{}, error) { return nil, NewError(http.StatusTeapot, "mine") },
		&Options{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusTeapot) }})
	rt := dynroute.New(&dynroute.Options{ErrorStyle: dynroute.FastAPIErrors})
	require.NoError(t, rt.AddAPIRoute("/items/{id}", []string{"POST"}, h, &dynroute.RouteOptions{Name: "item"}))
	require.NoError(t, rt.AddAPIRoute("/own/{id}", []string{"POST"}, own, nil))
	assert.Same(t, h, rtRoutes(rt)["item"].Handler, "the route keeps the handler given")
	twin := h.WithErrorStyle(dynroute.FastAPIErrors)
	assert.Same(t, twin, h.WithErrorStyle(dynroute.FastAPIErrors), "made once")
	assert.Same(t, twin, twin.(dynroute.ErrorStyler).WithErrorStyle(dynroute.FastAPIErrors))
	assert.Same(t, h, twin.(dynroute.ErrorStyler).WithErrorStyle(dynroute.ProblemDetails), "and back")

	for _, tt := range []struct {
		target, body string
		status       int
		want         string
	}{
		{"/items/0", `{"name":"x"}`, 422, `{"detail":[{"loc":["path","id"],"msg":"Input should be greater than or equal to 1","type":"greater_than_equal","input":"0","ctx":{"ge":1}}]}`},
		{"/items/1", `{"name":1}`, 422, `{"detail":[{"loc":["body","name"],"msg":"Input should be a valid string","type":"string_type","input":1}]}`},
		{"/items/404", ``, 404, `{"detail":"no item 404"}`},
		{"/items/1", `{"name":"x"}`, 200, `{}`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/json")
		rt.ServeHTTP(w, r)
		assert.Equal(t, tt.status, w.Code, tt.target)
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"), tt.target)
		assert.JSONEq(t, tt.want, w.Body.String(), tt.target)
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("POST", "/own/1", nil))
	assert.Equal(t, http.StatusTeapot, w.Code, "Options.ErrorHandler still writes the errors")

	// Included from a Router of the default style, the handler answers in
	// the style of the Router that serves it, as that one documents it.
	sub := dynroute.New(nil)
	require.NoError(t, sub.AddAPIRoute("/x/{id}", []string{"POST"}, h, nil))
	require.NoError(t, rt.Include("/sub", sub, nil))
	w = httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("POST", "/sub/x/0", nil))
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Contains(t, w.Body.String(), `{"detail":[`)
	w = httptest.NewRecorder()
	sub.ServeHTTP(w, httptest.NewRequest("POST", "/x/0", nil))
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), "the sub-Router itself keeps its own")

	doc, err := json.Marshal(rt.OpenAPI())
	require.NoError(t, err)
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	responses := d.Paths["/items/{id}"]["post"].Responses
	assert.Equal(t, "#/components/schemas/HTTPValidationError", responses["422"].Content["application/json"].Schema.Ref)
	assert.Equal(t, "#/components/schemas/HTTPError", responses["default"].Content["application/json"].Schema.Ref)
	testkit.ValidOpenAPI(t, doc)
}

// rtRoutes maps a Router's routes by name.
func rtRoutes(rt *dynroute.Router) map[string]dynroute.Route {
	out := map[string]dynroute.Route{}
	for _, r := range rt.Routes() {
		out[r.Name] = r
	}
	return out
}
