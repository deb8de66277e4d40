package typed

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// Binding fills an In value from a request by a plan made once per type:
// each parameter has a setter that parses, checks and stores one raw value
// in its field, found by the field's index, so a request costs string
// parsing and a reflect store per parameter; the types, tags and rules are
// read once, when the plan is made.

// Parameter locations, as OpenAPI names them.
const (
	inPath   = "path"
	inQuery  = "query"
	inHeader = "header"
	inCookie = "cookie"
	// inPrefix is the tag of a path parameter that the prefix of an
	// Include or Mount supplies; it binds as inPath.
	inPrefix = "prefix"
)

// requestType is the type of an In field that receives the request itself,
// as FastAPI's request: Request parameter does.
var requestType = reflect.TypeFor[*http.Request]()

// routeType is the type of an In field that receives the matched route's
// metadata: its name, tags and the Extra of its config entry.
var routeType = reflect.TypeFor[*dynroute.Route]()

// maxParams bounds the parameters of one In type; more would need a bigger
// seen-set than binding keeps on the stack.
const maxParams = 64

// inputPlan says how to fill an In value.
type inputPlan struct {
	params     []*paramBinder // in field order
	query      []*paramBinder
	queryIndex map[string]int // for In types with many query parameters
	path       []*paramBinder
	header     []*paramBinder
	cookie     []*paramBinder
	body       *bodyPlan
	requests   [][]int // indexes of *http.Request fields, which get the request
	routes     [][]int // indexes of *dynroute.Route fields, which get the matched route
}

// paramBinder binds one parameter.
type paramBinder struct {
	name     string // the path, query or cookie name, or the canonical header key
	in       string
	prefix   bool  // a path parameter from a prefix tag
	index    int   // in inputPlan.params, for the seen-set
	field    []int // the field's index in In
	slice    bool
	required bool
	def      []string // the default's values; nil: none
	// set parses raw, checks it and stores it (appends it, for a slice).
	set  setter
	list *jsonschema.Validator // a slice's: checks the number of items
	info openapi.Parameter
}

// bodyPlan says how to read the JSON body into the Body field.
type bodyPlan struct {
	field    []int // the Body field's index in In
	required bool
	schema   *jsonschema.Schema
	doc      string
	decoder  *BodyDecoder
}

// setMode is how a parsed value is stored: in the field, in a new value the
// field points to, or appended to the field's slice.
type setMode uint8

const (
	setValue setMode = iota
	setPointer
	setSlice
)

// paramField is a parameter found while walking In, before compiling.
type paramField struct {
	b      *paramBinder
	elem   reflect.Type
	mode   setMode
	schema *jsonschema.Schema
}

// planner collects the problems of an In type while its plan is made.
type planner struct {
	reg  *jsonschema.Registry
	errs []error
}

func (pl *planner) fail(err error) { pl.errs = append(pl.errs, err) }

// buildInput makes the plan for In type t. Schemas go into reg; every
// problem is reported.
func buildInput(t reflect.Type, reg *jsonschema.Registry, maxBytes int64) (*inputPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, typeError(nil, "", t, "the input type must be a struct, not %v", t.Kind())
	}
	pl := &planner{reg: reg}
	p := &inputPlan{}
	var fields []paramField
	p.collect(pl, t, t, nil, &fields)
	if len(fields) > maxParams {
		pl.fail(typeError(nil, "", t, "%d parameters; at most %d are supported", len(fields), maxParams))
	}
	if len(pl.errs) > 0 {
		return nil, errors.Join(pl.errs...)
	}
	p.params = nil // param filled it to find duplicates; now in binding order
	for i, f := range fields {
		v, err := reg.Compile(f.schema)
		if err != nil {
			pl.fail(typeError(t, f.b.info.Name, t, "%v", err))
			continue
		}
		f.b.index = i
		if f.mode == setSlice {
			f.b.list, v = v, v.Items()
		}
		f.b.set = newSetter(f.elem, f.mode, v)
		p.params = append(p.params, f.b)
		switch f.b.in {
		case inPath:
			p.path = append(p.path, f.b)
		case inQuery:
			p.query = append(p.query, f.b)
		case inHeader:
			p.header = append(p.header, f.b)
		case inCookie:
			p.cookie = append(p.cookie, f.b)
		}
	}
	if len(p.query) > 8 {
		p.queryIndex = make(map[string]int, len(p.query))
		for i, b := range p.query {
			p.queryIndex[b.name] = i
		}
	}
	if p.body != nil {
		v, err := reg.Compile(p.body.schema)
		if err != nil {
			pl.fail(typeError(t, "Body", t, "%v", err))
		}
		p.body.decoder = NewBodyDecoder(v, &BodyOptions{MaxBytes: maxBytes, Optional: !p.body.required})
	}
	if len(pl.errs) > 0 {
		return nil, errors.Join(pl.errs...)
	}
	return p, nil
}

// collect walks the fields of struct t (inside In at the index base) for
// parameters and the body; embedded structs are walked too.
func (p *inputPlan) collect(pl *planner, in, t reflect.Type, base []int, fields *[]paramField) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(slices.Clip(base), i)
		var where, name string
		for _, loc := range []string{inPath, inQuery, inHeader, inCookie, inPrefix} {
			if v, ok := sf.Tag.Lookup(loc); ok {
				if where != "" {
					pl.fail(tagError(t, sf.Name, fmt.Sprintf("both %s and %s tags; a field binds from one place", where, loc)))
				}
				where, name = loc, v
			}
		}
		fromPrefix := where == inPrefix
		if fromPrefix {
			where = inPath
		}
		switch {
		case where != "" && !sf.IsExported():
			pl.fail(typeError(t, sf.Name, sf.Type, "a %s parameter must be an exported field", where))
		case where != "":
			if f, ok := p.param(pl, t, sf, where, name, index); ok {
				f.b.prefix = fromPrefix
				*fields = append(*fields, f)
			}
		case sf.Type == requestType && sf.IsExported():
			p.requests = append(p.requests, index)
		case sf.Type == routeType && sf.IsExported():
			p.routes = append(p.routes, index)
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			p.collect(pl, in, sf.Type, index, fields)
		case sf.Anonymous && sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct:
			pl.fail(typeError(t, sf.Name, sf.Type, "embedded pointers are not supported in an input type; embed the struct"))
		case !sf.IsExported():
		case sf.Name == "Body" && t == in:
			p.bodyField(pl, in, sf, index)
		default:
			pl.fail(typeError(t, sf.Name, sf.Type, "no path, query, header or cookie tag; the JSON body goes in a field named Body, the request in a *http.Request, the matched route in a *dynroute.Route"))
		}
	}
}

// bodyField records the Body field: required unless it is a pointer or its
// required tag says false.
func (p *inputPlan) bodyField(pl *planner, in reflect.Type, sf reflect.StructField, index []int) {
	tags, err := jsonschema.ParseFieldTags(in, sf)
	if err != nil {
		pl.fail(err)
	}
	if tags.Limits() || tags.HasDefault {
		pl.fail(tagError(in, sf.Name, "the Body field takes doc and required tags only; put limits on the body type's fields"))
	}
	b := &bodyPlan{field: index, required: sf.Type.Kind() != reflect.Pointer, doc: tags.Doc}
	if tags.Required != nil {
		b.required = *tags.Required
	}
	s, err := pl.reg.Schema(sf.Type)
	if err != nil {
		pl.fail(err)
	}
	b.schema = s
	p.body = b
}

// param checks one parameter field and makes its binder (without set, which
// needs the compiled schema).
func (p *inputPlan) param(pl *planner, owner reflect.Type, sf reflect.StructField, where, name string, index []int) (paramField, bool) {
	fail := func(format string, args ...any) (paramField, bool) {
		pl.fail(tagError(owner, sf.Name, fmt.Sprintf(format, args...)))
		return paramField{}, false
	}
	switch where {
	case inPath:
		if !httpx.ValidParamName(name) {
			return fail("path parameter name %q: it cannot name a route's {name} (white space, '/', ':', '{', '}' or \"$\")", name)
		}
	case inHeader:
		if !httpx.IsToken(name) {
			return fail("header name %q is not an HTTP token", name)
		}
		name = textproto.CanonicalMIMEHeaderKey(name)
	case inQuery:
		if name == "" {
			return fail("empty query parameter name")
		}
	case inCookie:
		if !httpx.IsToken(name) {
			return fail("cookie name %q is not an HTTP token", name)
		}
	}
	for _, other := range p.params {
		if other.in == where && other.name == name {
			return fail("%s parameter %q is bound twice", where, name)
		}
	}
	elem, mode, ok := paramType(sf.Type)
	if !ok {
		pl.fail(typeError(owner, sf.Name, sf.Type,
			"a parameter is a string, bool, number, time.Time or encoding.TextUnmarshaler, a pointer to one or (query and header) a slice of them"))
		return paramField{}, false
	}
	if mode == setSlice && (where == inPath || where == inCookie) {
		return fail("a %s parameter holds one value, not a slice", where)
	}
	tags, err := jsonschema.ParseFieldTags(owner, sf)
	if err != nil {
		pl.fail(err)
	}
	s, err := paramSchema(pl.reg, elem, mode)
	if err != nil {
		pl.fail(err)
		return paramField{}, false
	}
	if err := tags.Apply(s, owner, sf, true); err != nil {
		pl.fail(err)
	}
	b := &paramBinder{name: name, in: where, field: index, slice: mode == setSlice}
	switch {
	case where == inPath:
		b.required = true
		if tags.Required != nil && !*tags.Required {
			return fail("a path parameter is always required")
		}
		if tags.HasDefault {
			return fail("a path parameter cannot have a default")
		}
	case tags.Required != nil:
		b.required = *tags.Required
		if b.required && tags.HasDefault {
			return fail("required and default exclude each other")
		}
	}
	if tags.HasDefault {
		if b.slice {
			b.def = strings.Split(tags.Default, ",")
		} else {
			b.def = []string{tags.Default}
		}
	}
	b.info = openapi.Parameter{Name: name, In: where, Required: b.required, Description: s.Description, Schema: s}
	if len(s.Examples) > 0 {
		b.info.Example = s.Examples[0]
	}
	s.Description, s.Examples = "", nil // they are the parameter's, in OpenAPI
	if where == inHeader {
		b.info.Name = sf.Tag.Get(inHeader)
	}
	p.params = append(p.params, b)
	return paramField{b: b, elem: elem, mode: mode, schema: s}, true
}

// paramType returns the scalar type a parameter field holds and how it is
// stored; ok is false for types a parameter cannot have.
func paramType(t reflect.Type) (elem reflect.Type, mode setMode, ok bool) {
	switch {
	case scalarParam(t):
		return t, setValue, true
	case t.Kind() == reflect.Pointer && scalarParam(t.Elem()):
		return t.Elem(), setPointer, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 && scalarParam(t.Elem()):
		return t.Elem(), setSlice, true
	}
	return nil, 0, false
}

// scalarParam reports whether one parameter value can be parsed into t.
func scalarParam(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		return false
	}
	if t == gotypes.Time || gotypes.Implements(t, gotypes.TextUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// paramSchema describes a parameter's value: not nullable (a missing
// parameter is what a pointer stands for), text types as strings.
func paramSchema(reg *jsonschema.Registry, elem reflect.Type, mode setMode) (*jsonschema.Schema, error) {
	s := &jsonschema.Schema{Type: "string"}
	if elem == gotypes.Time || !gotypes.Implements(elem, gotypes.TextUnmarshaler) {
		var err error
		if s, err = reg.Schema(elem); err != nil { // a scalar's: a new Schema each time
			return nil, err
		}
	}
	if mode == setSlice {
		s = &jsonschema.Schema{Type: "array", Items: s}
	}
	return s, nil
}

// typeError reports a type that cannot be bound, where it was met.
func typeError(owner reflect.Type, field string, t reflect.Type, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	if owner == nil {
		return fmt.Errorf("dynroute: type %v: %w: %s", t, ErrInvalidType, detail)
	}
	return fmt.Errorf("dynroute: field %s of %v: %w: %s", field, owner, ErrInvalidType, detail)
}

// tagError reports a problem with the binding tags of a field.
func tagError(owner reflect.Type, field, detail string) error {
	return fmt.Errorf("dynroute: field %s of %v: %w: %s", field, owner, ErrInvalidTag, detail)
}

// bind fills the parameters of in, the In value, appending a problem
// for each value that is missing, does not parse or breaks a rule. The
// error is for a route that lacks a path parameter the In type binds: a
// mistake of the program, not of the request.
func (p *inputPlan) bind(in reflect.Value, r *http.Request, ps dynroute.Params, errs []jsonschema.FieldError) ([]jsonschema.FieldError, error) {
	var seen [maxParams]bool
	var counts [maxParams]int32
	for _, b := range p.path {
		raw, ok := pathValue(ps, b.name)
		if !ok && b.prefix {
			// Under a Mount, the prefix's values are the mount's.
			m, _ := dynroute.MountedAt(r)
			raw = m.Value(b.name)
			ok = raw != ""
		}
		if !ok {
			if rt := ps.Route(); rt != nil {
				if b.prefix {
					return errs, fmt.Errorf("dynroute: %s is not under a prefix with {%s}, which the typed handler's input binds (prefix tag)", rt, b.name)
				}
				return errs, fmt.Errorf("dynroute: %s has no path parameter {%s}, which the typed handler's input binds", rt, b.name)
			}
			continue
		}
		seen[b.index] = true
		if iss := b.set(in.FieldByIndex(b.field), raw); iss != nil {
			errs = appendParamError(errs, b, -1, raw, iss)
		}
	}
	if len(p.query) > 0 && r.URL != nil && r.URL.RawQuery != "" {
		errs = p.bindQuery(in, r.URL.RawQuery, errs, &seen, &counts)
	}
	for _, b := range p.header {
		vals := r.Header[b.name]
		if b.name == "Host" && r.Host != "" {
			vals = []string{r.Host} // net/http moves Host out of the header map
		}
		if len(vals) == 0 {
			continue
		}
		seen[b.index] = true
		if !b.slice {
			if iss := b.set(in.FieldByIndex(b.field), vals[0]); iss != nil {
				errs = appendParamError(errs, b, -1, vals[0], iss)
			}
			continue
		}
		for _, line := range vals {
			for item := range strings.SplitSeq(line, ",") {
				item = textproto.TrimString(item)
				errs = b.addItem(in, item, errs, &counts)
			}
		}
	}
	if len(p.cookie) > 0 {
		errs = p.bindCookies(in, r.Header["Cookie"], errs, &seen)
	}
	for _, b := range p.params {
		switch {
		case !seen[b.index] && b.def != nil:
			for _, d := range b.def {
				b.set(in.FieldByIndex(b.field), d) // checked when the plan was made
			}
		case !seen[b.index] && b.required:
			errs = appendParamError(errs, b, -1, "", &jsonschema.Issue{Type: "missing", Msg: "Field required"})
		case seen[b.index] && b.slice:
			if iss := b.list.CheckCount(int(counts[b.index])); iss != nil {
				errs = appendParamError(errs, b, -1, "", iss)
				errs[len(errs)-1].Input = p.rawValues(r, b)
			}
		}
	}
	return errs, nil
}

// pathValue returns the value of the named path parameter and whether the
// route has one; a handler not called by a Router reads r.PathValue, where
// "" stands for missing.
func pathValue(ps dynroute.Params, name string) (string, bool) {
	if n := ps.Len(); n > 0 {
		for i := range n {
			if ps.Name(i) == name {
				return ps.Value(i), true
			}
		}
		return "", false
	}
	v := ps.Get(name)
	return v, v != ""
}

// addItem parses one item of a slice parameter.
func (b *paramBinder) addItem(in reflect.Value, item string, errs []jsonschema.FieldError, counts *[maxParams]int32) []jsonschema.FieldError {
	i := counts[b.index]
	counts[b.index]++
	if iss := b.set(in.FieldByIndex(b.field), item); iss != nil {
		errs = appendParamError(errs, b, int(i), item, iss)
	}
	return errs
}

// bindQuery scans the raw query once, as url.ParseQuery would read it (pairs
// with ';' are skipped), without building a url.Values. A scalar takes the
// first value given; a slice takes every value, each split at commas.
func (p *inputPlan) bindQuery(in reflect.Value, q string, errs []jsonschema.FieldError, seen *[maxParams]bool, counts *[maxParams]int32) []jsonschema.FieldError {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		b := p.queryParam(key)
		if b == nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			errs = appendParamError(errs, b, -1, v, &jsonschema.Issue{Type: "value_error", Msg: "Value error, invalid URL escape in the query"})
			seen[b.index] = true
			continue
		}
		if !b.slice {
			if !seen[b.index] {
				seen[b.index] = true
				if iss := b.set(in.FieldByIndex(b.field), val); iss != nil {
					errs = appendParamError(errs, b, -1, val, iss)
				}
			}
			continue
		}
		seen[b.index] = true
		for item := range strings.SplitSeq(val, ",") {
			errs = b.addItem(in, item, errs, counts)
		}
	}
	return errs
}

// queryParam returns the binder of the query parameter named key, or nil.
func (p *inputPlan) queryParam(key string) *paramBinder {
	if p.queryIndex != nil {
		if i, ok := p.queryIndex[key]; ok {
			return p.query[i]
		}
		return nil
	}
	for _, b := range p.query {
		if b.name == key {
			return b
		}
	}
	return nil
}

// bindCookies reads the Cookie header lines (RFC 6265: name=value pairs
// separated by ';'); the first cookie of a name wins.
func (p *inputPlan) bindCookies(in reflect.Value, lines []string, errs []jsonschema.FieldError, seen *[maxParams]bool) []jsonschema.FieldError {
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, val, ok := strings.Cut(textproto.TrimString(part), "=")
			if !ok {
				continue
			}
			if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			for _, b := range p.cookie {
				if b.name == name && !seen[b.index] {
					seen[b.index] = true
					if iss := b.set(in.FieldByIndex(b.field), val); iss != nil {
						errs = appendParamError(errs, b, -1, val, iss)
					}
				}
			}
		}
	}
	return errs
}

// rawValues collects the raw values of a slice parameter, for the input of
// an item-count problem.
func (p *inputPlan) rawValues(r *http.Request, b *paramBinder) []string {
	var out []string
	switch b.in {
	case inQuery:
		for _, v := range r.URL.Query()[b.name] {
			out = append(out, strings.Split(v, ",")...)
		}
	case inHeader:
		for _, line := range r.Header[b.name] {
			for item := range strings.SplitSeq(line, ",") {
				out = append(out, textproto.TrimString(item))
			}
		}
	}
	return out
}

// appendParamError records a problem with parameter b (item i of a slice,
// or -1), whose raw value was raw.
func appendParamError(errs []jsonschema.FieldError, b *paramBinder, i int, raw string, iss *jsonschema.Issue) []jsonschema.FieldError {
	if len(errs) >= jsonschema.MaxErrors {
		return errs
	}
	loc := []any{b.in, b.info.Name}
	if i >= 0 {
		loc = append(loc, i)
	}
	var input any
	if iss.Type != "missing" && !strings.HasPrefix(iss.Type, "too_") {
		input = raw
	}
	return append(errs, jsonschema.FieldError{Loc: loc, Msg: iss.Msg, Type: iss.Type, Input: input, Ctx: iss.Ctx})
}
