package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
)

// The OpenAPI benchmarks of DESIGN.md and issue 5: the spec of 10,000
// operations (< 50 ms; huma v2 208 ms), registering them with unique
// operationIds (linear: 10x the routes, <= 11x the time; huma 1.24 s,
// quadratic: its duplicate operationId check scans every path), side by
// side with huma documenting the same operations. TestSpecAgree checks that
// both documents list the same operations with the same operationIds,
// parameters and request bodies.
//
// The table (specTable) is resources of ten operations each, half of them
// typed handlers of four shapes and half plain http.Handlers; a third of the
// resources set OperationID, a third Name, a third neither, so that all
// three ways of getting an operationId are exercised.
//
// Typed handlers: every typed route gets a typed.Handler of its own, made
// by its own typed.New call, as an API with one handler function per
// operation has, rather than one handler shared by thousands of routes.
// Go generics need the In and Out types at compile time, so the 5,000
// handlers share four In shapes and one Out type (the components are few;
// the document is dominated by its 10,000 operations, as huma's is).
// Handlers of one API normally share one jsonschema.Registry (registry=shared);
// the default, a registry per handler (registry=per-handler), makes the
// emitter merge the components of 5,000 registries, so both are measured.

// specPerResource is the number of operations of each resource.
const specPerResource = 10

// specKind is the handler of one operation: plain, or a typed shape.
type specKind uint8

const (
	specPlain  specKind = iota // plain http.Handler; path parameters are strings
	specItem                   // typedIn: path id, query q, JSON body
	specGet                    // specGetIn: path id, query q
	specCreate                 // specCreateIn: query q, JSON body
	specSub                    // specSubIn: path id and item, query q
)

type specGetIn struct {
	ID int    `path:"id"`
	Q  string `query:"q"`
}

type specCreateIn struct {
	Q    string `query:"q"`
	Body typedItem
}

type specSubIn struct {
	ID   int    `path:"id"`
	Item string `path:"item"`
	Q    string `query:"q"`
}

// specOp is one operation of the table.
type specOp struct {
	Method, Path string
	Kind         specKind
	opts         dynroute.RouteOptions // Name or OperationID (or neither) and a tag
	methods      []string              // []string{Method}, for AddAPIRoute
	humaOp       huma.Operation        // filled in by humaOperations
}

// specResource is the shape of each resource: the method, path (with %d for
// the resource number), handler and a verb for names.
var specResource = [specPerResource]struct {
	method, path string
	kind         specKind
	verb         string
}{
	{"GET", "/res%d", specPlain, "list"},
	{"POST", "/res%d", specCreate, "create"},
	{"GET", "/res%d/{id}", specGet, "get"},
	{"PUT", "/res%d/{id}", specItem, "update"},
	{"DELETE", "/res%d/{id}", specPlain, "delete"},
	{"GET", "/res%d/{id}/items", specPlain, "list_items"},
	{"POST", "/res%d/{id}/items", specItem, "add_item"},
	{"GET", "/res%d/{id}/items/{item}", specSub, "get_item"},
	{"GET", "/res%d/search", specPlain, "search"}, // a literal beside {id}
	{"GET", "/res%d/{id}/items/{item}/history", specPlain, "item_history"},
}

// specTable returns n operations (a multiple of specPerResource).
func specTable(n int) []specOp {
	ops := make([]specOp, n)
	for i := range ops {
		r, k := i/specPerResource, specResource[i%specPerResource]
		op := specOp{Method: k.method, Path: fmt.Sprintf(k.path, r), Kind: k.kind, methods: []string{k.method}}
		op.opts.Tags = []string{fmt.Sprintf("res%d", r)}
		switch r % 3 {
		case 0:
			op.opts.OperationID = fmt.Sprintf("res%d-%s", r, k.verb)
		case 1:
			op.opts.Name = fmt.Sprintf("res%d_%s", r, k.verb)
		} // case 2: derived from the method and path, "get_res2_by_id"
		ops[i] = op
	}
	return ops
}

// The typed handlers' functions: the benchmarks only document them.
func specItemFn(_ context.Context, in *typedIn) (*typedAnswer, error) {
	a := typedAnswerOf(in.ID, in.Q, &in.Body)
	return &a, nil
}

func specGetFn(_ context.Context, in *specGetIn) (*typedAnswer, error) {
	return &typedAnswer{ID: in.ID, Q: in.Q}, nil
}

func specCreateFn(_ context.Context, in *specCreateIn) (*typedAnswer, error) {
	a := typedAnswerOf(0, in.Q, &in.Body)
	return &a, nil
}

func specSubFn(_ context.Context, in *specSubIn) (*typedAnswer, error) {
	return &typedAnswer{ID: in.ID, Q: in.Q, Name: in.Item}, nil
}

// specHandler makes the handler of one operation; schemas nil gives a typed
// handler a registry of its own.
func specHandler(k specKind, schemas *jsonschema.Registry) (http.Handler, error) {
	o := &typed.Options{Schemas: schemas}
	switch k {
	case specItem:
		return typed.New(specItemFn, o)
	case specGet:
		return typed.New(specGetFn, o)
	case specCreate:
		return typed.New(specCreateFn, o)
	case specSub:
		return typed.New(specSubFn, o)
	}
	return noop, nil
}

// specHandlers makes the handlers of ops: with shared, one jsonschema.Registry
// for all; without, a registry per typed handler.
func specHandlers(ops []specOp, shared bool) ([]http.Handler, error) {
	var schemas *jsonschema.Registry
	if shared {
		schemas = jsonschema.NewRegistry(nil)
	}
	hs := make([]http.Handler, len(ops))
	for i := range ops {
		h, err := specHandler(ops[i].Kind, schemas)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return hs, nil
}

// newSpecDynroute adds ops with the handlers hs to a new Router.
func newSpecDynroute(ops []specOp, hs []http.Handler) (*dynroute.Router, error) {
	rt := dynroute.New(&dynroute.Options{Title: "bench", Version: "1.0.0"})
	for i := range ops {
		op := &ops[i]
		if err := rt.AddAPIRoute(op.Path, op.methods, hs[i], &op.opts); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// specDynroute is newSpecDynroute with handlers made by specHandlers.
func specDynroute(tb testing.TB, ops []specOp, shared bool) *dynroute.Router {
	tb.Helper()
	hs, err := specHandlers(ops, shared)
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := newSpecDynroute(ops, hs)
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

// humaOperations fills in the huma.Operation of each op, with the
// operationId dynroute documents it with, so that both APIs check the same
// ids for uniqueness. Plain operations answer 200, as dynroute documents
// them, rather than huma's 204 for an answer without a body.
func humaOperations(tb testing.TB, ops []specOp) {
	tb.Helper()
	ids := make(map[string]string, len(ops)) // "METHOD path" -> operationId
	for _, item := range specDynroute(tb, ops, true).OpenAPI().Paths {
		for _, op := range item.Operations {
			ids[op.Method+" "+item.Path] = op.OperationID
		}
	}
	for i := range ops {
		op := &ops[i]
		id := ids[op.Method+" "+op.Path]
		if id == "" {
			tb.Fatalf("dynroute documents no operation %s %s", op.Method, op.Path)
		}
		op.humaOp = huma.Operation{OperationID: id, Method: op.Method, Path: op.Path, Tags: op.opts.Tags}
		if op.Kind == specPlain {
			op.humaOp.DefaultStatus = http.StatusOK
		}
	}
}

// Huma's plain operations: inputs that declare the path parameters (as
// strings, which is what dynroute documents for a plain handler), no output.
type (
	humaPlain0 struct{}
	humaPlain1 struct {
		ID string `path:"id"`
	}
	humaPlain2 struct {
		ID   string `path:"id"`
		Item string `path:"item"`
	}
)

func humaPlainFn[In any](context.Context, *In) (*struct{}, error) { return nil, nil }

// The typed functions with huma's output type.
func humaItemFn(_ context.Context, in *typedIn) (*humaOut, error) {
	return &humaOut{Body: typedAnswerOf(in.ID, in.Q, &in.Body)}, nil
}

func humaGetFn(_ context.Context, in *specGetIn) (*humaOut, error) {
	return &humaOut{Body: typedAnswer{ID: in.ID, Q: in.Q}}, nil
}

func humaCreateFn(_ context.Context, in *specCreateIn) (*humaOut, error) {
	return &humaOut{Body: typedAnswerOf(0, in.Q, &in.Body)}, nil
}

func humaSubFn(_ context.Context, in *specSubIn) (*humaOut, error) {
	return &humaOut{Body: typedAnswer{ID: in.ID, Q: in.Q, Name: in.Item}}, nil
}

// newSpecHuma registers ops (after humaOperations) with huma on a
// ServeMux, with the config of newTypedHuma.
//
// With lateIDs it registers them without operationIds, which skips huma's
// quadratic uniqueness check, and sets the ids afterwards: the same
// document (TestSpecAgree checks), in a tenth of the time, for the
// benchmarks that only write the document.
func newSpecHuma(ops []specOp, lateIDs bool) (api huma.API, err error) {
	defer recoverTo(&err)
	cfg := huma.DefaultConfig("bench", "1.0.0")
	cfg.CreateHooks = nil
	api = humago.New(http.NewServeMux(), cfg)
	var late []*huma.Operation
	if lateIDs {
		late = make([]*huma.Operation, 0, len(ops))
		api.OpenAPI().OnAddOperation = append(api.OpenAPI().OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) {
			late = append(late, op)
		})
	}
	for i := range ops {
		op := ops[i].humaOp
		if lateIDs {
			op.OperationID = ""
		}
		switch ops[i].Kind {
		case specItem:
			huma.Register(api, op, humaItemFn)
		case specGet:
			huma.Register(api, op, humaGetFn)
		case specCreate:
			huma.Register(api, op, humaCreateFn)
		case specSub:
			huma.Register(api, op, humaSubFn)
		default:
			switch strings.Count(op.Path, "{") {
			case 0:
				huma.Register(api, op, humaPlainFn[humaPlain0])
			case 1:
				huma.Register(api, op, humaPlainFn[humaPlain1])
			default:
				huma.Register(api, op, humaPlainFn[humaPlain2])
			}
		}
	}
	if lateIDs {
		if len(late) != len(ops) {
			return nil, fmt.Errorf("huma added %d operations, want %d", len(late), len(ops))
		}
		for i, op := range late {
			op.OperationID = ops[i].humaOp.OperationID
		}
		api.OpenAPI().OnAddOperation = api.OpenAPI().OnAddOperation[:len(api.OpenAPI().OnAddOperation)-1]
	}
	return api, nil
}

// specHuma is newSpecHuma or a failed test.
func specHuma(tb testing.TB, ops []specOp, lateIDs bool) huma.API {
	tb.Helper()
	api, err := newSpecHuma(ops, lateIDs)
	if err != nil {
		tb.Fatal(err)
	}
	return api
}

// specTableFor returns the table of n operations ready for both APIs.
func specTableFor(tb testing.TB, n int) []specOp {
	ops := specTable(n)
	humaOperations(tb, ops)
	return ops
}

// BenchmarkSpec writes the OpenAPI JSON of 10,000 operations:
//
//   - api=dynroute: rt.OpenAPI().MarshalJSON(), handlers sharing one
//     jsonschema.Registry;
//   - api=dynroute-perhandler: the same with a registry per typed handler,
//     typed.Options' default, whose components the emitter merges;
//   - api=dynroute-served: the first GET /openapi.json after a route change
//     (shared registry), what a client sees: the document is built and
//     cached per route table. The change itself (which compiles the new
//     table, see BenchmarkSwap10k) is not timed;
//   - api=huma: json.Marshal(api.OpenAPI()) of the same operations.
func BenchmarkSpec(b *testing.B) {
	ops := specTableFor(b, 10_000)
	marshal := func(b *testing.B, doc func() ([]byte, error)) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := doc()
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n), "spec-bytes")
	}
	b.Run("api=dynroute", func(b *testing.B) {
		rt := specDynroute(b, ops, true)
		marshal(b, func() ([]byte, error) { return rt.OpenAPI().MarshalJSON() })
	})
	b.Run("api=dynroute-perhandler", func(b *testing.B) {
		rt := specDynroute(b, ops, false)
		marshal(b, func() ([]byte, error) { return rt.OpenAPI().MarshalJSON() })
	})
	b.Run("api=dynroute-served", func(b *testing.B) {
		rt := specDynroute(b, ops, true)
		req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil)
		w := &countingWriter{header: make(http.Header)}
		rt.ServeHTTP(w, req) // from now on a change compiles and publishes at once
		change := []string{http.MethodGet}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			var err error
			if i%2 == 0 {
				err = rt.AddAPIRoute("/bench/change", change, noop, &dynroute.RouteOptions{Name: "bench_change"})
			} else {
				err = rt.RemoveRoute("bench_change")
			}
			if err != nil {
				b.Fatal(err)
			}
			clear(w.header)
			w.status, w.n = 0, 0
			b.StartTimer()
			rt.ServeHTTP(w, req)
		}
		b.StopTimer()
		if w.status != http.StatusOK || w.n == 0 {
			b.Fatalf("GET /openapi.json: status %d, %d bytes", w.status, w.n)
		}
		b.ReportMetric(float64(w.n), "spec-bytes")
	})
	b.Run("api=huma", func(b *testing.B) {
		api := specHuma(b, ops, true)
		marshal(b, func() ([]byte, error) { return json.Marshal(api.OpenAPI()) })
	})
}

// countingWriter is an http.ResponseWriter that counts the body bytes and
// discards them, as a socket would take them.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}
func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

var humaRegister10k = flag.Bool("huma10k", false, "BenchmarkRegisterSpec: also register 10,000 operations with huma (several seconds an op: its operationId check is quadratic)")

// BenchmarkRegisterSpec registers n operations with unique operationIds, as
// an API is built at startup: for dynroute, a typed.New call per typed
// operation (one shared jsonschema.Registry, made anew each time), AddAPIRoute for
// each and the first request, which compiles the table; for huma,
// humago.New and a huma.Register call per operation, which builds the
// handler and its schemas, checks the operationId and adds the route to the
// ServeMux. routes=1000 against routes=10000 shows whether dynroute's time
// is linear (DESIGN.md: 10x the routes, <= 11x the time).
//
// huma registers 10,000 operations in several seconds here (quadratic), so
// it runs at 1,000 and 3,000 only unless -huma10k is given; 3x the routes
// is enough to see the quadratic term.
func BenchmarkRegisterSpec(b *testing.B) {
	for _, n := range []int{1_000, 3_000, 10_000} {
		ops := specTableFor(b, n)
		req := httptest.NewRequest(http.MethodGet, ops[len(ops)-1].Path, nil)
		b.Run(fmt.Sprintf("routes=%d/api=dynroute", n), func(b *testing.B) {
			b.ReportAllocs()
			w := newRecorder()
			for b.Loop() {
				registerSpecDynroute(b, ops, w, req)
			}
		})
		if n > 3_000 && !*humaRegister10k {
			continue
		}
		b.Run(fmt.Sprintf("routes=%d/api=huma", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				specHuma(b, ops, false)
			}
		})
	}
}

// registerSpecDynroute is one registration of BenchmarkRegisterSpec: it
// builds the handlers and the Router of ops and serves req, a plain route
// (whose noop handler writes nothing) into w.
func registerSpecDynroute(tb testing.TB, ops []specOp, w *recorder, req *http.Request) {
	hs, err := specHandlers(ops, true)
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := newSpecDynroute(ops, hs)
	if err != nil {
		tb.Fatal(err)
	}
	w.reset()
	rt.ServeHTTP(w, req)
	if w.status != 0 {
		tb.Fatalf("%s: status %d", req.URL.Path, w.status)
	}
}

// specOperation is what TestSpecAgree compares of one operation.
type specOperation struct {
	OperationID string
	Params      []string // "in name", sorted
	Body        bool
}

// specOperations reads the operations of an OpenAPI JSON document, by
// "METHOD path".
func specOperations(t *testing.T, doc []byte) map[string]specOperation {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			RequestBody json.RawMessage `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	ops := make(map[string]specOperation)
	for path, item := range d.Paths {
		for method, op := range item {
			o := specOperation{OperationID: op.OperationID, Body: op.RequestBody != nil}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, p.In+" "+p.Name)
			}
			slices.Sort(o.Params)
			ops[strings.ToUpper(method)+" "+path] = o
		}
	}
	return ops
}

// TestSpecAgree checks that the Spec benchmarks compare equal documents:
// dynroute's (with either kind of registry, and as served) and huma's list
// the same operations, with the same operationIds, parameters and request
// bodies, and each operationId once.
func TestSpecAgree(t *testing.T) {
	const n = 1_000
	ops := specTableFor(t, n)
	api := specHuma(t, ops, false)
	hb, err := json.Marshal(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	// BenchmarkSpec's huma document, built with the ids set late, is the
	// same document.
	late, err := json.Marshal(specHuma(t, ops, true).OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if string(late) != string(hb) {
		t.Errorf("huma's document with operationIds set after registration differs: %d bytes, want %d", len(late), len(hb))
	}
	want := specOperations(t, hb)
	if len(want) != n {
		t.Fatalf("huma documents %d operations, want %d", len(want), n)
	}
	ids := make(map[string]bool)
	for _, o := range want {
		ids[o.OperationID] = true
	}
	if len(ids) != n {
		t.Errorf("huma documents %d distinct operationIds, want %d", len(ids), n)
	}
	for _, shared := range []bool{true, false} {
		rt := specDynroute(t, ops, shared)
		db, err := rt.OpenAPI().MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
		if w.Code != http.StatusOK || w.Body.String() != string(db) {
			t.Errorf("shared registry %v: GET /openapi.json: status %d, %d bytes; want 200 and the %d bytes of OpenAPI().MarshalJSON()",
				shared, w.Code, w.Body.Len(), len(db))
		}
		got := specOperations(t, db)
		if len(got) != len(want) {
			t.Errorf("shared registry %v: dynroute documents %d operations, huma %d", shared, len(got), len(want))
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			g, ok := got[k]
			if !ok {
				t.Errorf("shared registry %v: dynroute does not document %s", shared, k)
				continue
			}
			if w := want[k]; g.OperationID != w.OperationID || g.Body != w.Body || !slices.Equal(g.Params, w.Params) {
				t.Errorf("shared registry %v: %s: dynroute %+v, huma %+v", shared, k, g, w)
			}
		}
	}
}
