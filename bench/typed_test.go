package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/typed"
	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"
	"github.com/julienschmidt/httprouter"
)

// The Typed benchmarks serve one JSON endpoint, POST /items/{id}?q=…: a path
// integer, a query string and a body of five members, three of them
// constrained, answered with JSON built from all of them.
const typedTarget = "/items/42?q=pen"

var typedBody = []byte(`{"name":"fountain pen","price":12.5,"quantity":3,"sku":"FP-0042","note":"gift wrap"}`)

// typedItem is the request body. dynroute and huma read the same
// validation tags.
type typedItem struct {
	Name     string  `json:"name" maxLength:"50"`
	Price    float64 `json:"price" minimum:"0"`
	Quantity int     `json:"quantity" minimum:"1"`
	SKU      string  `json:"sku"`
	Note     string  `json:"note"`
}

type typedIn struct {
	ID   int    `path:"id"`
	Q    string `query:"q"`
	Body typedItem
}

type typedAnswer struct {
	ID    int     `json:"id"`
	Q     string  `json:"q"`
	Name  string  `json:"name"`
	SKU   string  `json:"sku"`
	Total float64 `json:"total"`
}

// fuegoItem is typedItem with the same three constraints in the
// validate tags (go-playground/validator) that fuego reads; it converts to
// typedItem, whose fields it has.
type fuegoItem struct {
	Name     string  `json:"name" validate:"max=50"`
	Price    float64 `json:"price" validate:"min=0"`
	Quantity int     `json:"quantity" validate:"min=1"`
	SKU      string  `json:"sku"`
	Note     string  `json:"note"`
}

// humaOut is huma's answer: its body is the Body field.
type humaOut struct {
	Body typedAnswer
}

func typedAnswerOf(id int, q string, it *typedItem) typedAnswer {
	return typedAnswer{ID: id, Q: q, Name: it.Name, SKU: it.SKU, Total: it.Price * float64(it.Quantity)}
}

// typedServers are the servers of BenchmarkTyped. Each builds a
// *typedLoop and ignores the table.
func typedServers() []server {
	return []server{
		{"dynroute", func(*table) (http.Handler, error) { return newTypedDynroute() }},
		{"huma", func(*table) (h http.Handler, err error) {
			defer recoverTo(&err)
			return newTypedLoop(newTypedHuma(false)), nil
		}},
		{"huma-default", func(*table) (h http.Handler, err error) {
			defer recoverTo(&err)
			return newTypedLoop(newTypedHuma(true)), nil
		}},
		{"httprouter", func(*table) (h http.Handler, err error) {
			defer recoverTo(&err)
			return newTypedLoop(newTypedHTTPRouter()), nil
		}},
		{"fuego", func(*table) (h http.Handler, err error) {
			defer recoverTo(&err)
			return newTypedLoop(newTypedFuego()), nil
		}},
	}
}

func newTypedDynroute() (http.Handler, error) {
	th, err := typed.New(func(_ context.Context, in *typedIn) (*typedAnswer, error) {
		a := typedAnswerOf(in.ID, in.Q, &in.Body)
		return &a, nil
	}, nil)
	if err != nil {
		return nil, err
	}
	rt := dynroute.New(nil)
	if err := rt.AddAPIRoute("/items/{id}", []string{http.MethodPost}, th, nil); err != nil {
		return nil, err
	}
	return newTypedLoop(rt), nil
}

// newTypedHuma serves the endpoint with huma on a ServeMux. With
// defaultConfig it is huma's default config, which issue 4's target names;
// without, the config is the default but for its create hook, which adds a
// $schema member to every answer (and a Link header): without it the
// answers are the same bytes as the others', and huma does less work.
func newTypedHuma(defaultConfig bool) http.Handler {
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("bench", "1.0.0")
	if !defaultConfig {
		cfg.CreateHooks = nil
	}
	api := humago.New(mux, cfg)
	huma.Register(api, huma.Operation{
		OperationID: "post-item",
		Method:      http.MethodPost,
		Path:        "/items/{id}",
	}, func(_ context.Context, in *typedIn) (*humaOut, error) {
		return &humaOut{Body: typedAnswerOf(in.ID, in.Q, &in.Body)}, nil
	})
	return mux
}

// newTypedFuego serves the endpoint with fuego as its documentation shows:
// fuego.NewServer's defaults, a controller taking ContextWithBody, the path
// integer read with PathParamIntErr and the query string declared with
// option.Query. It serves from the server's ServeMux, in process, as huma
// does; Run would also listen, write the OpenAPI file and add the spec
// routes, none of which serving a request involves.
//
// One default is turned off: the logging middleware, which writes a line
// to the process's default slog logger (stderr) for every request. None of
// the other servers logs, and the benchmark would measure the terminal.
// (fuego.WithoutLogger keeps the middleware and replaces the process-wide
// slog default with a discarding one.) fuego answers a body that fails
// validation with 400, not 422.
func newTypedFuego() http.Handler {
	s := fuego.NewServer(fuego.WithLoggingMiddleware(fuego.LoggingConfig{DisableRequest: true, DisableResponse: true}))
	fuego.Post(s, "/items/{id}", func(c fuego.ContextWithBody[fuegoItem]) (*typedAnswer, error) {
		id, err := c.PathParamIntErr("id")
		if err != nil {
			return nil, err
		}
		body, err := c.Body()
		if err != nil {
			return nil, err
		}
		it := typedItem(body)
		a := typedAnswerOf(id, c.QueryParam("q"), &it)
		return &a, nil
	}, option.Query("q", "search text"))
	return s.Mux
}

// newTypedHTTPRouter serves the endpoint by hand: strconv, encoding/json and
// the three constraints checked in code.
func newTypedHTTPRouter() http.Handler {
	rt := httprouter.New()
	rt.POST("/items/:id", func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		id, err := strconv.Atoi(ps.ByName("id"))
		if err != nil {
			http.Error(w, "id is not an integer", http.StatusUnprocessableEntity)
			return
		}
		q := r.URL.Query().Get("q")
		var in typedItem
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if utf8.RuneCountInString(in.Name) > 50 || in.Price < 0 || in.Quantity < 1 {
			http.Error(w, "invalid body", http.StatusUnprocessableEntity)
			return
		}
		a := typedAnswerOf(id, q, &in)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(&a)
	})
	return rt
}

// typedReqBody is a request body that can be rewound.
type typedReqBody struct{ bytes.Reader }

func (*typedReqBody) Close() error { return nil }

// typedLoop serves the Typed request over and over, so that serveLoop and
// TestPaired, which serve bodiless requests from a route table, can drive
// the endpoint like the routing benchmarks: it ignores the request it is
// given and serves its own, POST typedTarget with typedBody rewound, to h.
// It clears the answer's headers first, and records a 200 answer as status
// 0, the recorder's "served by a route".
type typedLoop struct {
	h    http.Handler
	r    *http.Request
	body *typedReqBody
}

func newTypedLoop(h http.Handler) *typedLoop {
	l := &typedLoop{h: h, body: &typedReqBody{}}
	l.r = httptest.NewRequest(http.MethodPost, typedTarget, l.body)
	l.r.Header.Set("Content-Type", "application/json")
	return l
}

func (l *typedLoop) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	l.body.Reset(typedBody)
	l.r.Body = l.body
	l.r.ContentLength = int64(len(typedBody))
	clear(w.Header())
	l.h.ServeHTTP(w, l.r)
	if rec, ok := w.(*recorder); ok && rec.status == http.StatusOK {
		rec.status = 0
	}
}

// BenchmarkTyped serves the typed JSON endpoint: binding, validation,
// decoding and encoding, with the handler doing next to nothing.
func BenchmarkTyped(b *testing.B) {
	for _, s := range typedServers() {
		b.Run("router="+s.name, func(b *testing.B) {
			l := build(b, s, nil).(*typedLoop)
			serveLoop(b, l, []*http.Request{l.r})
		})
	}
}

// TestTypedAgree checks that the Typed servers do the same work: the same
// answer to a valid request, and a rejection of each invalid one.
func TestTypedAgree(t *testing.T) {
	serve := func(h http.Handler, target, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const want = `{"id":42,"q":"pen","name":"fountain pen","sku":"FP-0042","total":37.5}` + "\n"
	invalid := []struct{ name, target, body string }{
		{"quantity below minimum", typedTarget, `{"name":"fountain pen","price":12.5,"quantity":0,"sku":"FP-0042","note":"gift wrap"}`},
		{"negative price", typedTarget, `{"name":"fountain pen","price":-1,"quantity":3,"sku":"FP-0042","note":"gift wrap"}`},
		{"name too long", typedTarget, `{"name":"` + strings.Repeat("é", 51) + `","price":12.5,"quantity":3,"sku":"FP-0042","note":"gift wrap"}`},
		{"id not an integer", "/items/x?q=pen", string(typedBody)},
	}
	for _, s := range typedServers() {
		h := build(t, s, nil).(*typedLoop).h
		w := serve(h, typedTarget, string(typedBody))
		got, _ := io.ReadAll(w.Body)
		if s.name == "huma-default" {
			// huma's default create hook adds a $schema member first.
			if i := bytes.Index(got, []byte(`"id":`)); bytes.HasPrefix(got, []byte(`{"$schema":`)) && i > 0 {
				got = append([]byte("{"), got[i:]...)
			}
		}
		if w.Code != http.StatusOK || string(got) != want {
			t.Errorf("%s: valid request: %d %q, want 200 %q", s.name, w.Code, got, want)
		}
		for _, tc := range invalid {
			w := serve(h, tc.target, tc.body)
			// The hand-written server and fuego answer a body they cannot
			// accept with 400.
			ok := w.Code == http.StatusUnprocessableEntity ||
				(s.name == "httprouter" || s.name == "fuego") && w.Code == http.StatusBadRequest
			if !ok {
				t.Errorf("%s: %s: status %d, want 422", s.name, tc.name, w.Code)
			}
		}
	}
}
