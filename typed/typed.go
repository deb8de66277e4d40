package typed

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// Options configures a Handler. A nil *Options means the
// defaults.
type Options struct {
	// StatusCode is the status of a successful answer when the route does
	// not set dynroute.RouteOptions.StatusCode; 0 means 200. A nil *Out is
	// always answered 204.
	StatusCode int

	// MaxBodyBytes limits the request body: 0 means 1 MiB, a negative
	// value means no limit. A larger body is answered 413.
	MaxBodyBytes int64

	// DisallowUnknownFields rejects body members the body type does not
	// declare (422 extra_forbidden, at any depth). The handler's schemas are
	// then built with additionalProperties: false, in a registry of its
	// own unless Schemas is set, which must then disallow them too.
	DisallowUnknownFields bool

	// Schemas is the registry the handler's schemas are built in. Handlers
	// of one API should share one, so that each Go type is one component.
	// Nil means a registry of the handler's own.
	Schemas *jsonschema.Registry

	// Logger receives the errors answered with a 5xx status, whose text the
	// client does not see. Nil means slog.Default() at the time of logging.
	Logger *slog.Logger

	// ErrorHandler writes every error answer: bind and validation problems
	// (*ValidationError, 422), bodies too large or not JSON (*StatusError,
	// 413, 415, 400) and the handler's errors. Nil means WriteProblem, or
	// WriteFastAPIError on a Router whose Options.ErrorStyle is
	// dynroute.FastAPIErrors.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Handler serves a function of a typed request to a typed answer: it
// binds the request into an *In, validates it, calls the function and
// encodes the *Out it returns as JSON. Make one with New or Must.
//
// Reading the types' fields and tags, building their JSON Schemas,
// compiling the validator and making a setter per parameter are done once,
// by New. A request costs parsing and checking its values, a reflect store
// per parameter, decoding the body (github.com/go-json-experiment/json, the
// engine of encoding/json/v2) and encoding the answer (encoding/json).
//
// # Binding
//
// Fields of In bind by their tags; a field named Body receives the JSON
// request body, an untagged *http.Request field the request itself (its
// method, URL, TLS state…), like FastAPI's request: Request, and an
// untagged *dynroute.Route field the route the Router matched (nil when no
// Router served the request, or when middleware between the Router and the
// handler calls it as a plain http.Handler, which loses the match): its
// name, tags and the Extra of its config entry, not to be modified, so that one handler serves several config entries, each answering
// with its own settings. Embedded structs are walked, so parameter groups
// can be shared.
//
//	Tag                 Binds                       Example
//	path:"name"         the route's {name}          ID int64 `path:"product_id"`
//	query:"name"        the query parameter         Limit int `query:"limit" default:"20"`
//	header:"Name"       the request header          Token string `header:"X-Token"`
//	cookie:"name"       the cookie                  Session string `cookie:"session"`
//	prefix:"name"       the {name} of the prefix    Tenant string `prefix:"tenant"`
//	(named Body)        the JSON body               Body NewProduct
//
// A parameter is a string, bool, any int, uint or float type, time.Time
// (RFC 3339) or an encoding.TextUnmarshaler; a pointer to one, which stays
// nil when the parameter is missing; or, for query and header parameters, a
// slice of them, filled from repeated keys and comma-separated lists. A
// scalar query parameter given twice takes the first value. Path parameters
// are required; others only with required:"true". Path values come from the
// Router's Params, or from r.PathValue when another mux serves the handler.
//
// A prefix tag binds a path parameter of the prefix the route is served
// under: Router.Include("/tenants/{tenant}", sub, …) of the Router the
// handler is added to, or a Router.Mount at such a prefix of it (its
// value is then dynroute.MountedAt(r).Value). It is documented and checked
// like a path tag, but the route the handler is added to need not have
// the parameter; a request served without it is answered 500, as a route
// without a path tag's parameter is.
//
// The body must be application/json (or another +json type) when a
// Content-Type is given, and at most Options.MaxBodyBytes long. A Body
// of pointer type is optional: an empty body leaves it nil. Body types are
// decoded after validation as encoding/json decodes them, so their json tags
// apply, except that member names match exactly, as they are validated
// (encoding/json would also fill a field from a member whose name differs
// only in case, unchecked). A member is required unless its json tag says omitempty or omitzero, it is
// a pointer (nullable then) or it has a default — the required tag decides
// when present. Unknown members are allowed unless
// Options.DisallowUnknownFields. The body is checked against its JSON
// Schema before it is decoded, so a problem is reported with its place in
// the document; numbers JSON Schema counts as integers (2.0, 1e3) fill Go
// integers, and a member given twice is checked each time.
//
// # Validation and documentation tags
//
// Parameters and the fields of body types take package jsonschema's tags
// (its documentation has the table): required, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, enum,
// format, minItems, maxItems, default, doc and example. They are checked
// when the handler is made and enforced on every request: numbers exactly,
// as decimals; on a slice, each item. A parameter's default is parsed like
// its values (a comma-separated list for a slice); a body field's default is
// filled in before decoding, so it applies at any depth. A limit that does
// not fit the field's type, a default that does not parse or a tag that
// looks like a misspelt keyword (minlength, min, ge, …) is an error from
// New.
//
// # Answers
//
// A validation failure is answered 422 with an application/problem+json
// document (RFC 9457) whose errors member lists every problem (up to 100),
// FastAPI's way: {"loc": ["query", "limit"], "msg": "…", "type": "…",
// "input": …}.
//
// A successful call is answered with *Out as JSON and the route's
// dynroute.RouteOptions.StatusCode, else Options.StatusCode, else 200; a 204
// or 304 status, or a nil *Out (always 204), writes no body. Out fields
// tagged header:"Name" set response headers (strings, numbers, bools,
// time.Time as an HTTP date, encoding.TextMarshaler, []string, or pointers,
// nil for none) and must also be tagged json:"-".
//
// The function's error decides the status through a StatusCode() int method,
// as the errors of NewError and Errorf have; any other error is answered 500,
// logged, and its text kept from the client.
type Handler[In, Out any] struct {
	fn       func(context.Context, *In) (*Out, error)
	in       *inputPlan
	out      *outputPlan
	status   int
	logger   *slog.Logger
	writeErr func(http.ResponseWriter, *http.Request, error)
	info     *openapi.OperationInfo
	reg      *jsonschema.Registry
	ownErr   bool        // Options.ErrorHandler writes the errors
	fastAPI  *styledTwin // the handler in FastAPIErrors style, made on first use
	style    dynroute.ErrorStyle
	base     *Handler[In, Out] // the handler in ProblemDetails style: itself, or the one it is the twin of
}

// styledTwin holds a handler's twin in another error style, made once.
type styledTwin struct {
	once sync.Once
	h    http.Handler
}

// encoders holds the jsonEncoders of finished answers for the next ones.
var encoders = sync.Pool{New: func() any {
	e := new(jsonEncoder)
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// jsonEncoder encodes answers into a buffer, so that an encoding error is
// answered 500 instead of a truncated body.
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// encode encodes v and returns the bytes, valid until e is reused.
func (e *jsonEncoder) encode(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
}

// reusable reports whether e's buffer is small enough to pool.
func (e *jsonEncoder) reusable() bool { return e.buf.Cap() <= maxPooledBytes }

// A Handler is served by a Router through the Params fast path, describes
// itself to its OpenAPI document, checks its route and limits its bodies.
var (
	_ dynroute.ParamsHandler      = (*Handler[struct{}, struct{}])(nil)
	_ dynroute.OperationDescriber = (*Handler[struct{}, struct{}])(nil)
	_ dynroute.RouteChecker       = (*Handler[struct{}, struct{}])(nil)
	_ dynroute.BodyLimiter        = (*Handler[struct{}, struct{}])(nil)
)

// New returns a handler that binds and validates an *In from each
// request, calls fn and answers with its *Out; see Handler.
//
// The error lists every problem with the types and their tags, each
// wrapping ErrInvalidType, ErrInvalidTag or ErrInvalidOptions and naming
// the type and field; a nil fn is an error wrapping
// dynroute.ErrInvalidHandler.
func New[In, Out any](fn func(context.Context, *In) (*Out, error), opts *Options) (*Handler[In, Out], error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var errs []error
	if fn == nil {
		errs = append(errs, fmt.Errorf("dynroute: typed handler: %w: nil function", dynroute.ErrInvalidHandler))
	}
	if o.StatusCode != 0 && (o.StatusCode < 100 || o.StatusCode > 599) {
		errs = append(errs, fmt.Errorf("dynroute: typed handler: %w: status code %d is not in 100–599", ErrInvalidOptions, o.StatusCode))
	}
	reg := o.Schemas
	switch {
	case reg == nil:
		reg = jsonschema.NewRegistry(&jsonschema.Options{DisallowUnknownFields: o.DisallowUnknownFields})
	case o.DisallowUnknownFields && !reg.DisallowsUnknownFields():
		errs = append(errs, fmt.Errorf("dynroute: typed handler: %w: DisallowUnknownFields needs a jsonschema.Registry made with jsonschema.Options.DisallowUnknownFields, or none", ErrInvalidOptions))
	}
	in, err := buildInput(reflect.TypeFor[In](), reg, o.MaxBodyBytes)
	if err != nil {
		errs = append(errs, err)
	}
	out, err := buildOutput(reflect.TypeFor[Out](), reg)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	h := &Handler[In, Out]{
		fn:       fn,
		in:       in,
		out:      out,
		status:   o.StatusCode,
		logger:   o.Logger,
		writeErr: o.ErrorHandler,
		reg:      reg,
		ownErr:   o.ErrorHandler != nil,
		fastAPI:  new(styledTwin),
	}
	h.base = h
	if h.status == 0 {
		h.status = http.StatusOK
	}
	if h.writeErr == nil {
		h.writeErr = WriteProblem
	}
	if h.info, err = describeOperation(in, out, h.status, reg, dynroute.ProblemDetails); err != nil {
		return nil, err
	}
	return h, nil
}

// Must is like New but panics with the error, for handlers whose
// types are fixed when the program is written.
func Must[In, Out any](fn func(context.Context, *In) (*Out, error), opts *Options) *Handler[In, Out] {
	h, err := New(fn, opts)
	if err != nil {
		panic(err)
	}
	return h
}

// WithErrorStyle implements dynroute.ErrorStyler, which a Router calls with
// its Options.ErrorStyle: with FastAPIErrors, the handler it returns
// answers errors with WriteFastAPIError (unless Options.ErrorHandler
// writes them) and documents them so (HTTPValidationError, HTTPError).
func (h *Handler[In, Out]) WithErrorStyle(style dynroute.ErrorStyle) http.Handler {
	if style == h.style {
		return h
	}
	if style != dynroute.FastAPIErrors {
		return h.base
	}
	h = h.base
	h.fastAPI.once.Do(func() {
		twin := *h
		twin.style, twin.fastAPI = style, nil
		if !h.ownErr {
			twin.writeErr = WriteFastAPIError
		}
		info, err := describeOperation(h.in, h.out, h.status, h.reg, style)
		if err != nil { // the schemas of the error types are fixed: it does not happen
			h.fastAPI.h = h
			return
		}
		twin.info = info
		h.fastAPI.h = &twin
	})
	return h.fastAPI.h
}

// ServeHTTP serves a request that did not come through a Router: path
// parameters are read with r.PathValue.
func (h *Handler[In, Out]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dynroute.HandlerFunc(h.ServeHTTPParams).ServeHTTP(w, r)
}

// ServeHTTPParams serves a request with the path parameters the Router
// matched.
func (h *Handler[In, Out]) ServeHTTPParams(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
	in := new(In)
	fields := reflect.ValueOf(in).Elem()
	for _, index := range h.in.requests {
		fields.FieldByIndex(index).Set(reflect.ValueOf(r))
	}
	if len(h.in.routes) > 0 {
		route := reflect.ValueOf(ps.Route()) // nil when no Router matched r
		for _, index := range h.in.routes {
			fields.FieldByIndex(index).Set(route)
		}
	}
	var errs []jsonschema.FieldError
	if len(h.in.params) > 0 {
		var err error
		if errs, err = h.in.bind(fields, r, ps, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if b := h.in.body; b != nil {
		var err error
		if errs, err = b.decoder.decode(r, fields.FieldByIndex(b.field).Addr(), errs); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		h.fail(w, r, &ValidationError{Errors: errs})
		return
	}
	out, err := h.fn(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.answer(w, r, ps, out)
}

// answer writes out with the route's status.
func (h *Handler[In, Out]) answer(w http.ResponseWriter, r *http.Request, ps dynroute.Params, out *Out) {
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := h.status
	if rt := ps.Route(); rt != nil && rt.StatusCode != 0 {
		status = rt.StatusCode
	}
	var enc *jsonEncoder
	var body []byte
	if httpx.BodyAllowed(status) {
		enc = encoders.Get().(*jsonEncoder)
		var err error
		if body, err = enc.encode(out); err != nil {
			encoders.Put(enc)
			h.fail(w, r, fmt.Errorf("dynroute: encoding the answer of type %T: %w", out, err))
			return
		}
	}
	hdr := w.Header()
	if err := h.out.setHeaders(hdr, reflect.ValueOf(out).Elem()); err != nil {
		if enc != nil {
			encoders.Put(enc)
		}
		h.fail(w, r, err)
		return
	}
	if enc == nil {
		w.WriteHeader(status)
		return
	}
	// Set, without canonicalizing canonical keys. nosniff keeps browsers
	// from reading the JSON as another type, as on every problem answer.
	hdr["Content-Type"] = []string{"application/json"}
	hdr["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if enc.reusable() {
		encoders.Put(enc)
	}
}

// fail answers err, logging it first when its status is 5xx.
func (h *Handler[In, Out]) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	if status >= 500 {
		logger := h.logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.LogAttrs(r.Context(), slog.LevelError, "dynroute: typed handler failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", r.Pattern),
			slog.Int("status", status), slog.String("error", err.Error()))
	}
	h.writeErr(w, r, err)
}

// CheckRoute reports whether the handler can serve route: each path
// parameter its input binds must be in the route's path, but for those of
// prefix tags, which the prefix of an Include or Mount supplies later. The error wraps
// dynroute.ErrInvalidHandler. (A Router that calls it refuses such a route when it
// is added; otherwise requests to it are answered 500 and logged.)
func (h *Handler[In, Out]) CheckRoute(route *dynroute.Route) error {
	have := route.Params()
	var missing []string
	for _, b := range h.in.path {
		if !b.prefix && !slices.Contains(have, b.name) {
			missing = append(missing, "{"+b.name+"}")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the typed handler binds path parameter %s, which %s lacks",
		dynroute.ErrInvalidHandler, strings.Join(missing, ", "), route.Path)
}

// MaxBodyBytes returns the handler's body limit (Options.MaxBodyBytes, 1
// MiB by default), -1 for none, or 0 when In has no Body and no body is
// read; a Router leaves the handler's bodies to it.
func (h *Handler[In, Out]) MaxBodyBytes() int64 {
	if h.in.body == nil {
		return 0 // it reads no body
	}
	return h.in.body.decoder.MaxBytes()
}

// DescribeOperation returns the parameters, request body, responses and
// schemas of the handler, built when it was made. The result is shared and
// must not be modified.
func (h *Handler[In, Out]) DescribeOperation() *openapi.OperationInfo { return h.info }

// outputPlan says how to answer with an Out value.
type outputPlan struct {
	schema     *jsonschema.Schema
	headers    []headerWriter
	headerInfo []openapi.Header
}

// headerWriter sets one response header from an Out field.
type headerWriter struct {
	key    string
	field  []int // the field's index in Out
	value  func(v reflect.Value) (s string, ok bool, err error)
	values bool // the field is a []string
}

// setHeaders sets the response headers of out, an Out value.
func (o *outputPlan) setHeaders(h http.Header, out reflect.Value) error {
	for i := range o.headers {
		hw := &o.headers[i]
		f := out.FieldByIndex(hw.field)
		if hw.values {
			if vs := f.Interface().([]string); len(vs) > 0 {
				h[hw.key] = append([]string(nil), vs...)
			}
			continue
		}
		v, ok, err := hw.value(f)
		if err != nil {
			for _, set := range o.headers[:i] { // an answer that failed has none of them
				delete(h, set.key)
			}
			return fmt.Errorf("dynroute: response header %s: %w", hw.key, err)
		}
		if ok {
			h[hw.key] = []string{v}
		}
	}
	return nil
}

// buildOutput makes the plan for Out type t: its schema and its header
// fields.
func buildOutput(t reflect.Type, reg *jsonschema.Registry) (*outputPlan, error) {
	o := &outputPlan{}
	var errs []error
	if t.Kind() == reflect.Struct {
		o.collectHeaders(t, nil, &errs)
	}
	s, err := reg.Schema(t)
	if err != nil {
		errs = append(errs, err)
	}
	o.schema = s
	return o, errors.Join(errs...)
}

// collectHeaders finds the header fields of struct t (inside Out at the
// index base).
func (o *outputPlan) collectHeaders(t reflect.Type, base []int, errs *[]error) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(slices.Clip(base), i)
		name, ok := sf.Tag.Lookup(inHeader)
		if !ok {
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				o.collectHeaders(sf.Type, index, errs)
			}
			continue
		}
		fail := func(format string, args ...any) {
			*errs = append(*errs, typeError(t, sf.Name, sf.Type, format, args...))
		}
		switch {
		case !sf.IsExported():
			fail("a header field must be exported")
			continue
		case !httpx.IsToken(name):
			fail("header name %q is not an HTTP token", name)
			continue
		case sf.Tag.Get("json") != "-":
			fail("a header field must also be tagged json:\"-\", so that it stays out of the JSON body")
			continue
		}
		tags, err := jsonschema.ParseFieldTags(t, sf)
		if err != nil {
			*errs = append(*errs, err)
		}
		hw := headerWriter{key: textproto.CanonicalMIMEHeaderKey(name), field: index}
		schema := &jsonschema.Schema{Type: "string"}
		if sf.Type == reflect.TypeFor[[]string]() {
			hw.values = true
		} else if hw.value = headerValue(sf.Type); hw.value == nil {
			fail("a header field is a string, bool, number, time.Time, encoding.TextMarshaler, []string or a pointer to one of them")
			continue
		}
		o.headers = append(o.headers, hw)
		o.headerInfo = append(o.headerInfo, openapi.Header{Name: name, Description: tags.Doc, Schema: schema})
	}
}

// headerValue returns a function formatting a header field of type t, or nil
// when t is not supported.
func headerValue(t reflect.Type) func(v reflect.Value) (string, bool, error) {
	if t.Kind() == reflect.Pointer {
		inner := headerValue(t.Elem())
		if inner == nil {
			return nil
		}
		return func(v reflect.Value) (string, bool, error) {
			if v.IsNil() {
				return "", false, nil
			}
			return inner(v.Elem())
		}
	}
	if t == gotypes.Time {
		return func(v reflect.Value) (string, bool, error) {
			tm := *v.Addr().Interface().(*time.Time) // no boxing of a copy
			return tm.UTC().Format(http.TimeFormat), !tm.IsZero(), nil
		}
	}
	if gotypes.Implements(t, gotypes.TextMarshaler) {
		return func(v reflect.Value) (string, bool, error) {
			b, err := v.Addr().Interface().(encoding.TextMarshaler).MarshalText()
			return string(b), err == nil && len(b) > 0, err
		}
	}
	ok := func(s string) (string, bool, error) { return s, true, nil }
	switch t.Kind() {
	case reflect.String:
		return func(v reflect.Value) (string, bool, error) { s := v.String(); return s, s != "", nil }
	case reflect.Bool:
		return func(v reflect.Value) (string, bool, error) { return ok(strconv.FormatBool(v.Bool())) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v reflect.Value) (string, bool, error) { return ok(strconv.FormatInt(v.Int(), 10)) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v reflect.Value) (string, bool, error) { return ok(strconv.FormatUint(v.Uint(), 10)) }
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(v reflect.Value) (string, bool, error) { return ok(strconv.FormatFloat(v.Float(), 'g', -1, bits)) }
	}
	return nil
}
