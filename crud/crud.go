package crud

import (
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/dynroute/dynroute/typed"
)

// Operation names one of the routes Register adds.
type Operation string

// The operations Register adds.
const (
	List    Operation = "list"    // GET    prefix
	Create  Operation = "create"  // POST   prefix
	Get     Operation = "get"     // GET    prefix/{id}
	Replace Operation = "replace" // PUT    prefix/{id}
	Patch   Operation = "patch"   // PATCH  prefix/{id}
	Delete  Operation = "delete"  // DELETE prefix/{id}
)

// Options configures Register. A nil *Options means the defaults.
type Options struct {
	// Name names the resource in route names (list_products,
	// get_products, ...) and is its default tag. Default: the last literal
	// segment of the prefix ("items" for /tenants/{tenant}/items).
	Name string
	// Tags of every route; default [Name].
	Tags []string
	// IDField is the JSON member of T that holds the key; default "id".
	// It is read-only: clients never set it in a body, unless ClientKeys.
	IDField string
	// ClientKeys says the client chooses each item's key, as with a code,
	// a slug or a UUID the store does not assign: create takes the key
	// from its body, where it is required (a taken key is 409, and one that
	// is not a single path segment, such as "" or "a/b", a 422), and the
	// create body is documented as <Name>Create, with the key; replace and
	// patch still never change it (the path names the item), and replace's
	// body is documented as <Name>Replace. Without it, create leaves the
	// key to the store.
	ClientKeys bool
	// ReadOnly are other JSON members clients may not set (such as a
	// created_at the store fills in): they are left out of the create,
	// replace and patch bodies, and are zero in the items a Store gets from
	// create and replace, so a Store must not write them (SQLStore: give
	// the columns in SQLStoreOptions.ReadOnly).
	ReadOnly []string
	// Operations are the routes to register; nil means all six.
	Operations []Operation
	// DefaultLimit and MaxLimit bound the page size of list: default 20
	// and 100.
	DefaultLimit, MaxLimit int
	// Schemas is the registry T's schema is built in; nil means a new one.
	Schemas *jsonschema.Registry
	// Schema is the item schema for a T whose Go type says too little, as
	// for map[string]any rows: an object schema with Properties. It is
	// documented as the component SchemaName (default: Name).
	Schema     *jsonschema.Schema
	SchemaName string
	// MaxBodyBytes limits request bodies: 0 means 1 MiB, negative no limit.
	MaxBodyBytes int64
	// Logger receives store errors answered 500; nil means slog.Default().
	Logger *slog.Logger
	// Source is the routes' Source; zero means the caller of Register.
	Source dynroute.Source

	// exactNumbers decodes the numbers of bodies in interface values
	// (map[string]any items) as json.Number, not float64, so that integers
	// beyond 2^53 keep every digit. FromSchema's store takes them.
	exactNumbers bool
}

// Page is the answer of a CRUD list route.
type Page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total" doc:"how many items match the filters, on all pages"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// Register adds create, read, update and delete routes for the items of
// store under prefix, with typed schemas in the OpenAPI document:
//
//	GET    /products       list: ?limit=20&offset=0&sort=name,-price&<field>=<value> → Page[T]
//	POST   /products       create: 201, Location: /products/{id}
//	GET    /products/{id}  get
//	PUT    /products/{id}  replace
//	PATCH  /products/{id}  JSON merge patch (RFC 7396)
//	DELETE /products/{id}  204
//
// Bodies are validated with T's JSON Schema, less the key and ReadOnly
// members (422 with every problem); list filters are equality on T's
// scalar members and sort takes member names, "-" for descending — any
// other query parameter, sort key or filter value of the wrong type is a
// 422, so a Store only ever sees names T declares and values of their type.
// Store errors ErrNotFound and ErrConflict are answered 404 and 409, a
// *typed.ValidationError or other error with a 4xx status (typed.StatusOf)
// as it says; others 500, logged. Error answers have the shape of rt's
// Options.ErrorStyle (problem+json, or FastAPI's {"detail": ...}), and are
// documented so. The routes are added in one step, all or none.
//
// prefix may have parameters ("/tenants/{tenant}/items"), as
// dynroute.CheckPrefix allows, but not {id}. Every route then has them, and
// the Location of a created item is the collection's path as requested
// ("/tenants/acme/items/7"). The Store is shared by all their values: to
// scope it (one tenant's items), read the value in middleware
// (r.PathValue("tenant")) and hand it to the Store in the request's context.
//
// K is a string, an integer type, or implements encoding.TextUnmarshaler;
// T is a struct (or, with Options.Schema, any JSON object type).
func Register[T any, K comparable](rt *dynroute.Router, prefix string, store Store[T, K], opts *Options) error {
	c, err := newCRUD[T, K](prefix, store, opts, rt.ErrorStyle())
	if err != nil {
		return fmt.Errorf("dynroute: crud.Register %s: %w", prefix, err)
	}
	if c.source.IsZero() {
		c.source = callerSource()
	}
	return rt.Update(func(tx *dynroute.Tx) error {
		var errs []error
		for _, op := range c.ops {
			h := &crudHandler[T, K]{c: c, op: op}
			h.info = c.describe(op)
			path, method := c.prefix, http.MethodGet
			switch op {
			case Create:
				method = http.MethodPost
			case Get:
				path = c.itemPath
			case Replace:
				path, method = c.itemPath, http.MethodPut
			case Patch:
				path, method = c.itemPath, http.MethodPatch
			case Delete:
				path, method = c.itemPath, http.MethodDelete
			}
			o := &dynroute.RouteOptions{Name: string(op) + "_" + c.name, Tags: c.tags, Summary: c.summary(op), Source: c.source}
			if err := tx.AddAPIRoute(path, []string{method}, h, o); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// defaultName is the name of a resource at prefix: its last literal
// segment ("items" for /tenants/{tenant}/items), or for a prefix of
// parameters only, the last parameter's name.
func defaultName(prefix string) string {
	last := ""
	for seg := range strings.SplitSeq(prefix[1:], "/") {
		if !strings.HasPrefix(seg, "{") {
			last = seg
		}
	}
	if last == "" {
		last = strings.Trim(prefix[strings.LastIndexByte(prefix, '/')+1:], "{}")
	}
	return last
}

// callerSource returns the file and line of the code that called the
// function that calls callerSource: the Source of the routes it adds.
func callerSource() dynroute.Source {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return dynroute.Source{}
	}
	return dynroute.Source{File: filepath.Base(file), Line: line}
}

// crud is what the routes of one Register call share.
type crud[T any, K comparable] struct {
	store            Store[T, K]
	prefix, itemPath string
	name, schemaName string
	tags             []string
	ops              []Operation
	idField          string
	defLimit, max    int
	logger           *slog.Logger
	source           dynroute.Source
	parseKey         func(string) (K, error)

	reg                                *jsonschema.Registry
	item, create, replace, patch       *jsonschema.Schema            // refs to components; replace is create unless ClientKeys
	components                         map[string]*jsonschema.Schema // the registry's and the create and patch schemas
	idSchema                           *jsonschema.Schema
	fields                             map[string]*jsonschema.Schema // scalar members: filters and sort keys
	fieldOrder                         []string
	createBody, replaceBody, patchBody *typed.BodyDecoder
	itemNode                           *jsonschema.Validator // validates the result of a patch
	problem, validation                *jsonschema.Schema    // the error answers' schemas, in the Router's style
	errorContent                       string                // and their content type
	writeErr                           func(http.ResponseWriter, *http.Request, error)
	readOnly                           []string   // the key and Options.ReadOnly
	clearReadOnly                      []func(*T) // zero the read-only members of an item
	clearOnCreate                      []func(*T) // the same, but the key with ClientKeys
	clientKeys                         bool
}

func newCRUD[T any, K comparable](prefix string, store Store[T, K], opts *Options, style dynroute.ErrorStyle) (*crud[T, K], error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalidOptions)
	}
	if err := dynroute.CheckPrefix(prefix); err != nil || prefix == "" {
		if err == nil {
			err = fmt.Errorf("%w: crud.Register needs a prefix such as /products", dynroute.ErrInvalidPath)
		}
		return nil, err
	}
	if slices.Contains((&dynroute.Route{Path: prefix}).Params(), "id") {
		return nil, fmt.Errorf("%w %q: the prefix names a parameter {id}, which the item routes use (%s/{id}); rename it",
			dynroute.ErrInvalidPath, prefix, prefix)
	}
	c := &crud[T, K]{store: store, prefix: prefix, itemPath: prefix + "/{id}", logger: o.Logger, source: o.Source}
	c.name = o.Name
	if c.name == "" {
		c.name = defaultName(prefix)
	}
	c.tags = o.Tags
	if c.tags == nil {
		c.tags = []string{c.name}
	}
	c.idField = cmp.Or(o.IDField, "id")
	c.defLimit, c.max = cmp.Or(o.DefaultLimit, 20), cmp.Or(o.MaxLimit, 100)
	if c.defLimit > c.max || c.defLimit < 1 {
		return nil, fmt.Errorf("%w: DefaultLimit %d must be in 1..MaxLimit %d", ErrInvalidOptions, c.defLimit, c.max)
	}
	c.ops = o.Operations
	if c.ops == nil {
		c.ops = []Operation{List, Create, Get, Replace, Patch, Delete}
	}
	for _, op := range c.ops {
		switch op {
		case List, Create, Get, Replace, Patch, Delete:
		default:
			return nil, fmt.Errorf("%w: unknown operation %q", ErrInvalidOptions, op)
		}
	}
	var err error
	if c.parseKey, err = keyParser[K](); err != nil {
		return nil, err
	}
	if err := c.schemas(&o, style); err != nil {
		return nil, err
	}
	comp := jsonschema.NewCompiler(c.components)
	bodies := &typed.BodyOptions{MaxBytes: o.MaxBodyBytes, UseNumber: o.exactNumbers}
	create, err := comp.Compile(c.create)
	if err != nil {
		return nil, err
	}
	replace, err := comp.Compile(c.replace)
	if err != nil {
		return nil, err
	}
	patch, err := comp.Compile(c.patch)
	if err != nil {
		return nil, err
	}
	if c.itemNode, err = comp.Compile(c.item); err != nil {
		return nil, err
	}
	c.createBody, c.replaceBody = typed.NewBodyDecoder(create, bodies), typed.NewBodyDecoder(replace, bodies)
	c.patchBody = typed.NewBodyDecoder(patch, bodies)
	return c, nil
}

// errorAnswers sets how the error answers are written and documented: in
// style, the Router's (see dynroute.Options.ErrorStyle).
func (c *crud[T, K]) errorAnswers(style dynroute.ErrorStyle) error {
	problem, validation := reflect.TypeFor[dynroute.Problem](), reflect.TypeFor[typed.ValidationProblem]()
	c.writeErr, c.errorContent = typed.WriteProblem, "application/problem+json"
	if style == dynroute.FastAPIErrors {
		problem, validation = reflect.TypeFor[typed.HTTPError](), reflect.TypeFor[typed.HTTPValidationError]()
		c.writeErr, c.errorContent = typed.WriteFastAPIError, "application/json"
	}
	var err error
	if c.problem, err = c.reg.Schema(problem); err != nil {
		return err
	}
	c.validation, err = c.reg.Schema(validation)
	return err
}

// schemas builds the item, create and patch schemas, and those of the error
// answers in style, and finds the key and
// the filterable members.
func (c *crud[T, K]) schemas(o *Options, style dynroute.ErrorStyle) error {
	c.reg = o.Schemas
	if c.reg == nil {
		c.reg = jsonschema.NewRegistry(nil)
	}
	if err := c.errorAnswers(style); err != nil {
		return err
	}
	var obj *jsonschema.Schema
	if o.Schema != nil {
		c.schemaName = cmp.Or(o.SchemaName, jsonschema.ComponentName(c.name))
		obj = o.Schema
		c.components = c.reg.Components()
		if other, taken := c.components[c.schemaName]; taken && other != obj {
			return fmt.Errorf("%w: SchemaName %q is taken in the registry", ErrInvalidOptions, c.schemaName)
		}
		c.components[c.schemaName] = obj
	} else {
		ref, err := c.reg.Schema(reflect.TypeFor[T]())
		if err != nil {
			return err
		}
		name, ok := strings.CutPrefix(ref.Ref, jsonschema.RefPrefix)
		if !ok {
			return fmt.Errorf("%w: %v is not a named struct type; give Options.Schema", jsonschema.ErrInvalidType, reflect.TypeFor[T]())
		}
		c.schemaName = name
		c.components = c.reg.Components()
		obj = c.components[name]
	}
	if obj == nil || obj.Type != "object" || obj.Properties == nil {
		return fmt.Errorf("%w: the item schema must be an object with properties", jsonschema.ErrInvalidType)
	}
	c.item = jsonschema.Ref(c.schemaName)
	readOnly := append([]string{c.idField}, o.ReadOnly...)
	c.readOnly = readOnly
	c.clearReadOnly = memberClearers[T](readOnly)
	c.clearOnCreate = c.clearReadOnly
	if o.ClientKeys {
		c.clearOnCreate = memberClearers[T](o.ReadOnly)
		c.clientKeys = true
	}
	c.fields = make(map[string]*jsonschema.Schema)
	// body is the item as a client writes it: without the key and the
	// read-only members.
	body := &jsonschema.Schema{Type: "object", Description: obj.Description, AdditionalProperties: obj.AdditionalProperties}
	var keyProp jsonschema.Property
	for _, p := range obj.Properties {
		if p.Name == c.idField {
			c.idSchema, keyProp = p.Schema, p
		}
		if !slices.Contains(readOnly, p.Name) {
			body.Properties = append(body.Properties, p)
		}
		switch s := resolveSchema(p.Schema, c.components); {
		case s == nil || !scalarMember(s):
		case p.Name == "limit" || p.Name == "offset" || p.Name == "sort":
			// The query parameters of list: such a member is not a filter.
		default:
			// A filter is equality: it takes any value of the member's
			// type, not only the values a body may have.
			c.fields[p.Name] = &jsonschema.Schema{Type: s.Type, Format: s.Format, Enum: s.Enum, Description: s.Description,
				Minimum: s.Minimum, Maximum: s.Maximum}
			c.fieldOrder = append(c.fieldOrder, p.Name)
		}
	}
	if c.idSchema == nil {
		return fmt.Errorf("%w: %s has no member %q for the key; set IDField", ErrInvalidOptions, c.schemaName, c.idField)
	}
	for _, r := range obj.Required {
		if !slices.Contains(readOnly, r) {
			body.Required = append(body.Required, r)
		}
	}
	// A merge patch sets the members it has; null removes one, so every
	// member may be null here. The patched item is checked as a whole.
	patch := *body
	patch.Required = nil
	patch.Properties = make([]jsonschema.Property, len(body.Properties))
	for i, p := range body.Properties {
		ps := &jsonschema.Schema{Nullable: true}
		if p.Schema != nil {
			c := *p.Schema
			c.Nullable = true
			ps = &c
		}
		patch.Properties[i] = jsonschema.Property{Name: p.Name, Schema: ps}
	}
	bodies := map[string]*jsonschema.Schema{c.schemaName + "Create": body, c.schemaName + "Patch": &patch}
	c.create, c.replace, c.patch = jsonschema.Ref(c.schemaName+"Create"), jsonschema.Ref(c.schemaName+"Create"), jsonschema.Ref(c.schemaName+"Patch")
	if o.ClientKeys {
		// Create takes the key, first and required; replace does not.
		create := *body
		create.Properties = slices.Insert(slices.Clone(body.Properties), 0, keyProp)
		create.Required = slices.Insert(slices.Clone(body.Required), 0, c.idField)
		bodies[c.schemaName+"Create"], bodies[c.schemaName+"Replace"] = &create, body
		c.replace = jsonschema.Ref(c.schemaName + "Replace")
	}
	for _, n := range slices.Sorted(maps.Keys(bodies)) {
		if _, taken := c.components[n]; taken {
			return fmt.Errorf("%w: the component name %q is taken", ErrInvalidOptions, n)
		}
	}
	maps.Copy(c.components, bodies)
	return nil
}

// resolveSchema follows a $ref to its component.
func resolveSchema(s *jsonschema.Schema, components map[string]*jsonschema.Schema) *jsonschema.Schema {
	for i := 0; s != nil && s.Ref != "" && i < 8; i++ {
		s = components[strings.TrimPrefix(s.Ref, jsonschema.RefPrefix)]
	}
	return s
}

// keyParser returns the function that parses a path's id into a K.
func keyParser[K comparable]() (func(string) (K, error), error) {
	t := reflect.TypeFor[K]()
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return func(s string) (K, error) {
			var k K
			err := any(&k).(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
			return k, err
		}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return func(s string) (K, error) {
			var k K
			reflect.ValueOf(&k).Elem().SetString(s)
			return k, nil
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		return func(s string) (K, error) {
			var k K
			n, err := strconv.ParseInt(s, 10, bits)
			reflect.ValueOf(&k).Elem().SetInt(n)
			return k, err
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		bits := t.Bits()
		return func(s string) (K, error) {
			var k K
			n, err := strconv.ParseUint(s, 10, bits)
			reflect.ValueOf(&k).Elem().SetUint(n)
			return k, err
		}, nil
	}
	return nil, fmt.Errorf("%w: key type %v: want a string, an integer or an encoding.TextUnmarshaler", jsonschema.ErrInvalidType, t)
}

// summary is the summary of an operation's route.
func (c *crud[T, K]) summary(op Operation) string {
	switch op {
	case List:
		return "List " + c.name
	case Create:
		return "Create one of " + c.name
	case Get:
		return "Get one of " + c.name
	case Replace:
		return "Replace one of " + c.name
	case Patch:
		return "Change one of " + c.name + " (JSON merge patch)"
	default:
		return "Delete one of " + c.name
	}
}

// crudHandler serves one CRUD operation.
type crudHandler[T any, K comparable] struct {
	c    *crud[T, K]
	op   Operation
	info *openapi.OperationInfo
}

var _ interface {
	dynroute.ParamsHandler
	dynroute.OperationDescriber
	dynroute.BodyLimiter
} = (*crudHandler[struct{}, int])(nil)

// MaxBodyBytes implements dynroute.BodyLimiter: the handler limits its
// bodies itself, create, replace and patch alike.
func (h *crudHandler[T, K]) MaxBodyBytes() int64 { return h.c.createBody.MaxBytes() }

// DescribeOperation implements dynroute.OperationDescriber.
func (h *crudHandler[T, K]) DescribeOperation() *openapi.OperationInfo { return h.info }

// ServeHTTP serves requests that did not come through a Router's Params.
func (h *crudHandler[T, K]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dynroute.HandlerFunc(h.ServeHTTPParams).ServeHTTP(w, r)
}

// ServeHTTPParams implements ParamsHandler.
func (h *crudHandler[T, K]) ServeHTTPParams(w http.ResponseWriter, r *http.Request, ps dynroute.Params) {
	c := h.c
	if h.op == List {
		c.list(w, r)
		return
	}
	if h.op == Create {
		c.createItem(w, r)
		return
	}
	raw := ps.Get("id")
	id, err := c.parseKey(raw)
	if err != nil {
		msg := "Input is not a valid key"
		if s := resolveSchema(c.idSchema, c.components); s != nil && s.Type == "integer" {
			msg = "Input should be a valid integer key"
		}
		c.writeErr(w, r, &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"path", "id"},
			Msg: msg, Type: "key_parsing", Input: raw}}})
		return
	}
	switch h.op {
	case Get:
		item, err := c.store.Get(r.Context(), id)
		c.answer(w, r, http.StatusOK, item, err)
	case Replace:
		item, ok := c.readItem(w, r, c.replaceBody, c.clearReadOnly)
		if !ok {
			return
		}
		c.setKey(&item, raw)
		item, err = c.store.Replace(r.Context(), id, item)
		c.answer(w, r, http.StatusOK, item, err)
	case Patch:
		c.patchItem(w, r, id, raw)
	case Delete:
		if err := c.store.Delete(r.Context(), id); err != nil {
			c.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// list serves GET prefix.
func (c *crud[T, K]) list(w http.ResponseWriter, r *http.Request) {
	values, errs := parseQuery(r.URL.RawQuery)
	if len(errs) > 0 {
		// Query.Get would drop such a pair silently; a filter left out
		// would list what the client did not ask for.
		c.writeErr(w, r, &typed.ValidationError{Errors: errs})
		return
	}
	q, errs := c.listQuery(values)
	if len(errs) > 0 {
		c.writeErr(w, r, &typed.ValidationError{Errors: errs})
		return
	}
	items, total, err := c.store.List(r.Context(), q)
	if items == nil {
		items = []T{}
	}
	c.answer(w, r, http.StatusOK, Page[T]{Items: items, Total: total, Limit: q.Limit, Offset: q.Offset}, err)
}

// maxQueryParams bounds the pairs of a list query, as url.ParseQuery does.
const maxQueryParams = 10000

// parseQuery reads a raw query as url.ParseQuery does, but reports each pair
// it cannot read in the library's words, as a query_parsing problem at
// query.<name> (or query, for a name it cannot read) with the pair as
// input: a pair holding ';', which is not a separator, or a bad
// percent-escape. It stops at jsonschema.MaxErrors problems.
func parseQuery(raw string) (url.Values, []jsonschema.FieldError) {
	if n := strings.Count(raw, "&") + 1; n > maxQueryParams {
		return nil, []jsonschema.FieldError{{Loc: []any{"query"}, Type: "query_parsing",
			Msg: fmt.Sprintf("The query string has %d parameters; at most %d are read", n, maxQueryParams)}}
	}
	values := url.Values{}
	var errs []jsonschema.FieldError
	bad := func(loc []any, msg, pair string) {
		if len(errs) < jsonschema.MaxErrors {
			errs = append(errs, jsonschema.FieldError{Loc: loc, Msg: msg, Type: "query_parsing", Input: pair})
		}
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			bad([]any{"query"}, "Input should be name=value pairs separated by '&'; ';' separates nothing (write it %3B)", pair)
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			bad([]any{"query"}, "Input should be a percent-encoded name: '%' must be followed by two hexadecimal digits", pair)
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			bad([]any{"query", key}, "Input should be a percent-encoded value: '%' must be followed by two hexadecimal digits", v)
			continue
		}
		values[key] = append(values[key], val)
	}
	return values, errs
}

// listQuery reads limit, offset, sort and the filters.
func (c *crud[T, K]) listQuery(values url.Values) (ListQuery, []jsonschema.FieldError) {
	q := ListQuery{Limit: c.defLimit}
	var errs []jsonschema.FieldError
	bad := func(name, msg, typ string, input any) {
		if len(errs) < jsonschema.MaxErrors {
			errs = append(errs, jsonschema.FieldError{Loc: []any{"query", name}, Msg: msg, Type: typ, Input: input})
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range values {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := values[name]
		v := vs[len(vs)-1]
		switch name {
		case "limit":
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				bad(name, "Input should be a valid integer", "int_parsing", v)
			case n < 1 || n > c.max:
				bad(name, fmt.Sprintf("Input should be between 1 and %d", c.max), "range", v)
			default:
				q.Limit = n
			}
		case "offset":
			n, err := strconv.Atoi(v)
			switch {
			case err != nil:
				bad(name, "Input should be a valid integer", "int_parsing", v)
			case n < 0:
				bad(name, "Input should be greater than or equal to 0", "greater_than_equal", v)
			default:
				q.Offset = n
			}
		case "sort":
			for _, key := range strings.Split(v, ",") {
				field, desc := strings.CutPrefix(key, "-")
				if c.fields[field] == nil {
					bad(name, fmt.Sprintf("Cannot sort by %q; the fields are %s", field, strings.Join(c.fieldOrder, ", ")), "sort_field", key)
					continue
				}
				q.Sort = append(q.Sort, SortKey{Field: field, Desc: desc})
			}
		default:
			s := c.fields[name]
			if s == nil {
				bad(name, "Unknown query parameter; the filters are "+strings.Join(c.fieldOrder, ", "), "extra_forbidden", v)
				continue
			}
			value, err := filterValue(s, v)
			if err != nil {
				bad(name, err.Error(), "filter_parsing", v)
				continue
			}
			q.Filters = append(q.Filters, Filter{Field: name, Value: value})
		}
	}
	return q, errs
}

// scalarMember reports whether a member of schema s holds one scalar — a
// string (a date-time too), an integer, a number or a boolean — which list
// filters and sorts by.
func scalarMember(s *jsonschema.Schema) bool {
	if s.Ref != "" || s.ContentEncoding != "" {
		return false
	}
	switch s.Type {
	case "string", "integer", "number", "boolean":
		return true
	}
	return false
}

// filterValue converts a query value to the Go type of a member's JSON type.
func filterValue(s *jsonschema.Schema, v string) (any, error) {
	if s == nil {
		return v, nil
	}
	switch s.Type {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, errors.New("Input should be a valid integer")
		}
		return n, nil
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, errors.New("Input should be a valid number")
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errors.New("Input should be a valid boolean")
		}
		return b, nil
	}
	return v, nil
}

// readItem reads and validates a create or replace body into a T with
// body, and zeroes the members clear clears.
func (c *crud[T, K]) readItem(w http.ResponseWriter, r *http.Request, body *typed.BodyDecoder, clear []func(*T)) (T, bool) {
	var item T
	if err := body.Decode(r, &item); err != nil {
		c.writeErr(w, r, err)
		return item, false
	}
	for _, clear := range clear {
		clear(&item) // clients do not set them, even as unknown members
	}
	return item, true
}

// memberClearers returns functions that set each of the named JSON members
// of a T to its zero value (or, in a map, remove it).
func memberClearers[T any](names []string) []func(*T) {
	var out []func(*T)
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Map {
		for _, name := range names {
			out = append(out, func(item *T) {
				reflect.ValueOf(item).Elem().SetMapIndex(reflect.ValueOf(name), reflect.Value{})
			})
		}
		return out
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range jsonschema.Fields(t) {
		if !slices.Contains(names, f.Name) {
			continue
		}
		index := f.Index
		out = append(out, func(item *T) {
			if v, err := reflect.ValueOf(item).Elem().FieldByIndexErr(index); err == nil {
				v.SetZero() // else it is in a nil embedded struct: zero already
			}
		})
	}
	return out
}

// setKey sets the key member of item to the path's id, through JSON, so
// that a replaced item keeps its key whatever T is.
func (c *crud[T, K]) setKey(item *T, raw string) {
	if m, ok := any(item).(*map[string]any); ok {
		if *m == nil {
			*m = make(map[string]any)
		}
		(*m)[c.idField] = keyJSON(c.idSchema, c.components, raw)
		return
	}
	b, err := json.Marshal(map[string]any{c.idField: keyJSON(c.idSchema, c.components, raw)})
	if err == nil {
		_ = json.Unmarshal(b, item)
	}
}

// keyJSON is the JSON value of a key given as path text.
func keyJSON(s *jsonschema.Schema, components map[string]*jsonschema.Schema, raw string) any {
	if v, err := filterValue(resolveSchema(s, components), raw); err == nil {
		return v
	}
	return raw
}

// createItem serves POST prefix.
func (c *crud[T, K]) createItem(w http.ResponseWriter, r *http.Request) {
	item, ok := c.readItem(w, r, c.createBody, c.clearOnCreate)
	if !ok {
		return
	}
	if c.clientKeys {
		if err := c.checkClientKey(item); err != nil {
			c.writeErr(w, r, err)
			return
		}
	}
	item, err := c.store.Create(r.Context(), item)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	b, err := json.Marshal(item)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if id, ok := c.keyText(b); ok {
		// The collection's path as requested: with the values of a prefix's
		// parameters, and behind the prefix of an Include.
		w.Header().Set("Location", r.URL.EscapedPath()+"/"+url.PathEscape(id))
	}
	httpx.WriteJSON(w, http.StatusCreated, b)
}

// checkClientKey refuses, with a 422 at body.<key>, a key the client gave
// that no item route could name: empty, holding '/', or "." or "..".
func (c *crud[T, K]) checkClientKey(item T) error {
	b, err := json.Marshal(item)
	if err != nil {
		return err
	}
	id, ok := c.keyText(b)
	if ok && id != "" && !strings.Contains(id, "/") && id != "." && id != ".." {
		return nil
	}
	return &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"body", c.idField},
		Msg: "Input should be a key that is one path segment: not empty, without '/', not '.' or '..'", Type: "key_parsing", Input: id}}}
}

// keyText returns the key member of an item's JSON as path text.
func (c *crud[T, K]) keyText(b []byte) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return "", false
	}
	raw, ok := m[c.idField]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return string(raw), true
}

// patchItem serves PATCH prefix/{id}: a JSON merge patch (RFC 7396) applied
// in the store's Patch, the result validated as a whole item.
func (c *crud[T, K]) patchItem(w http.ResponseWriter, r *http.Request, id K, raw string) {
	var patch map[string]any
	if err := c.patchBody.Decode(r, &patch); err != nil {
		c.writeErr(w, r, err)
		return
	}
	for _, name := range c.readOnly {
		delete(patch, name) // clients do not set them
	}
	item, err := c.store.Patch(r.Context(), id, func(item *T) error {
		current, err := json.Marshal(item)
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := c.patchBody.Unmarshal(current, &doc); err != nil {
			return err
		}
		doc = mergePatch(doc, patch).(map[string]any)
		result, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if errs := c.itemNode.Validate(result, []any{"body"}, nil); len(errs) > 0 {
			return &typed.ValidationError{Errors: errs}
		}
		var next T
		if err := c.patchBody.Unmarshal(result, &next); err != nil {
			return &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"body"}, Msg: err.Error(), Type: "json_invalid"}}}
		}
		*item = next
		return nil
	})
	if err == nil {
		c.setKey(&item, raw)
	}
	c.answer(w, r, http.StatusOK, item, err)
}

// mergePatch applies a JSON merge patch (RFC 7396) to target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = make(map[string]any)
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// answer writes v as JSON with status, or the error.
func (c *crud[T, K]) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		c.fail(w, r, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, b)
}

// fail answers a store or encoding error.
func (c *crud[T, K]) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		c.writeErr(w, r, typed.NewError(http.StatusNotFound, "No such item."))
	case errors.Is(err, ErrConflict):
		c.writeErr(w, r, typed.NewError(http.StatusConflict, "The item conflicts with one that exists."))
	case errors.Is(err, ErrInvalidQuery):
		c.writeErr(w, r, typed.NewError(http.StatusUnprocessableEntity, "The store refused the query."))
	case typed.StatusOf(err) < 500:
		c.writeErr(w, r, err)
	default:
		logger := c.logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.ErrorContext(r.Context(), "dynroute: crud store error", "method", r.Method, "path", r.URL.Path, "error", err)
		c.writeErr(w, r, err)
	}
}

// describe documents one operation.
func (c *crud[T, K]) describe(op Operation) *openapi.OperationInfo {
	info := &openapi.OperationInfo{Schemas: c.reg}
	idParam := openapi.Parameter{Name: "id", In: "path", Required: true, Schema: c.idSchema, Description: "the key of the item"}
	problem := func(status int, desc string) openapi.Response {
		return openapi.Response{Status: status, Description: desc, ContentType: c.errorContent, Schema: c.problem}
	}
	validation := openapi.Response{Status: http.StatusUnprocessableEntity, Description: "Validation Error",
		ContentType: c.errorContent, Schema: c.validation}
	item := openapi.Response{Status: http.StatusOK, Description: "The item", ContentType: "application/json", Schema: c.item}
	switch op {
	case List:
		info.Parameters = []openapi.Parameter{
			{Name: "limit", In: "query", Description: "the page size",
				Schema: &jsonschema.Schema{Type: "integer", Minimum: ptr(1.0), Maximum: ptr(float64(c.max)), Default: c.defLimit}},
			{Name: "offset", In: "query", Description: "how many items to skip",
				Schema: &jsonschema.Schema{Type: "integer", Minimum: ptr(0.0), Default: 0}},
			{Name: "sort", In: "query", Description: "members to sort by, comma-separated; - before a member sorts descending: " +
				strings.Join(c.fieldOrder, ", "), Schema: &jsonschema.Schema{Type: "string"}},
		}
		for _, f := range c.fieldOrder {
			info.Parameters = append(info.Parameters, openapi.Parameter{Name: f, In: "query",
				Description: "keep the items whose " + f + " equals this", Schema: c.fields[f]})
		}
		page := &jsonschema.Schema{Type: "object", Properties: []jsonschema.Property{
			{Name: "items", Schema: &jsonschema.Schema{Type: "array", Items: c.item}},
			{Name: "total", Schema: &jsonschema.Schema{Type: "integer", Description: "how many items match the filters, on all pages"}},
			{Name: "limit", Schema: &jsonschema.Schema{Type: "integer"}},
			{Name: "offset", Schema: &jsonschema.Schema{Type: "integer"}},
		}, Required: []string{"items", "total", "limit", "offset"}}
		info.Responses = []openapi.Response{{Status: http.StatusOK, Description: "A page of items", ContentType: "application/json", Schema: page}, validation}
	case Create:
		info.RequestBody = &openapi.RequestBody{Required: true, ContentType: "application/json", Schema: c.create}
		created := item
		created.Status, created.Description = http.StatusCreated, "The item, as stored"
		created.Headers = []openapi.Header{{Name: "Location", Description: "the item's URL", Schema: &jsonschema.Schema{Type: "string"}}}
		info.Responses = []openapi.Response{created, problem(http.StatusConflict, "The item conflicts with one that exists"), validation}
	case Get:
		info.Parameters = []openapi.Parameter{idParam}
		info.Responses = []openapi.Response{item, problem(http.StatusNotFound, "No such item"), validation}
	case Replace:
		info.Parameters = []openapi.Parameter{idParam}
		info.RequestBody = &openapi.RequestBody{Required: true, ContentType: "application/json", Schema: c.replace}
		info.Responses = []openapi.Response{item, problem(http.StatusNotFound, "No such item"), problem(http.StatusConflict, "The item conflicts with one that exists"), validation}
	case Patch:
		info.Parameters = []openapi.Parameter{idParam}
		info.RequestBody = &openapi.RequestBody{Required: true, ContentType: "application/merge-patch+json", Schema: c.patch,
			Description: "a JSON merge patch (RFC 7396): members to set; null removes a member"}
		info.Responses = []openapi.Response{item, problem(http.StatusNotFound, "No such item"), problem(http.StatusConflict, "The item conflicts with one that exists"), validation}
	case Delete:
		info.Parameters = []openapi.Parameter{idParam}
		info.Responses = []openapi.Response{{Status: http.StatusNoContent, Description: "Deleted"}, problem(http.StatusNotFound, "No such item"), validation}
	}
	info.Responses = append(info.Responses, openapi.Response{Description: "Error", ContentType: c.errorContent, Schema: c.problem})
	schemas := []*jsonschema.Schema{c.item}
	for _, p := range info.Parameters {
		schemas = append(schemas, p.Schema)
	}
	if info.RequestBody != nil {
		schemas = append(schemas, info.RequestBody.Schema)
	}
	for _, resp := range info.Responses {
		schemas = append(schemas, resp.Schema)
	}
	info.Components = jsonschema.Closure(c.components, schemas...)
	return info
}

func ptr[T any](v T) *T { return &v }
