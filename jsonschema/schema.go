package jsonschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Sentinel errors. Package typed wraps them too, for the fields of its
// input and output types.
var (
	// ErrInvalidType: a Go type has no JSON form to describe: a channel, a
	// function, a map whose keys are not strings or integers.
	ErrInvalidType = errors.New("invalid type")
	// ErrInvalidTag: a struct tag is malformed, unknown to dynroute though
	// it looks like one of its keywords, does not fit the field's type, or
	// holds a value that does not parse or contradicts another tag.
	ErrInvalidTag = errors.New("invalid struct tag")
)

// RefPrefix starts every $ref a Registry makes: the schemas are meant for
// an OpenAPI document's components.
const RefPrefix = "#/components/schemas/"

// Ref returns a schema that refers to the component name.
func Ref(name string) *Schema { return &Schema{Ref: RefPrefix + name} }

// Schema is a JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) in the
// subset dynroute generates from Go types and validates with. Marshalled to
// JSON it is a standard schema; a Schema from a Registry is shared and
// must not be modified. Beside a Ref, only Nullable and the annotations
// (Description, Default, Examples) are used.
type Schema struct {
	// Ref refers to a component: "#/components/schemas/Name".
	Ref string
	// Type is "string", "integer", "number", "boolean", "array", "object",
	// "null", or "" for any value.
	Type string
	// Nullable allows null too. It is written as a type array
	// (["string","null"]), or for a Ref as anyOf [$ref, {type: null}].
	Nullable bool
	// Format: date-time, email, uuid and uri are checked; int32, int64,
	// float and double describe numbers.
	Format string
	// ContentEncoding is "base64" for []byte.
	ContentEncoding string
	Description     string
	// Default is the value of a missing member: Validator.Normalize fills
	// it in before the document is decoded, so the Go value has it.
	Default  any
	Examples []any
	Enum     []any

	Minimum, ExclusiveMinimum, Maximum, ExclusiveMaximum *float64
	MinLength, MaxLength                                 *int // in Unicode code points
	// Pattern is a regular expression (Go's RE2 syntax) that must match
	// somewhere in the string; anchor it with ^…$ to match all of it.
	Pattern string

	Items              *Schema
	MinItems, MaxItems *int

	// Properties are the members of an object, in declaration order.
	Properties []Property
	Required   []string
	// AdditionalProperties is nil (other members are allowed), false
	// (they are not) or a *Schema they must match (maps).
	AdditionalProperties any

	// AnyOf lists schemas of which the value matches at least one, for
	// documents: the answers of routes told apart by headers, which may
	// overlap (a v2 that adds a member to v1). A Compiler refuses it.
	AnyOf []*Schema
}

// Property is one member of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// MarshalJSON writes s as a JSON Schema document with its keywords in a
// fixed order, so equal schemas give equal bytes.
func (s *Schema) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil, Draft2020) }

// A Dialect is a form a Schema is written in.
type Dialect int

const (
	// Draft2020 is JSON Schema 2020-12, the dialect of OpenAPI 3.1.
	Draft2020 Dialect = iota
	// OpenAPI30 is the schema object of OpenAPI 3.0: nullable: true for
	// null, boolean exclusive bounds, example for examples, no siblings of
	// a $ref (an allOf instead) and no boolean schemas.
	OpenAPI30
)

// AppendJSON appends the JSON form of s in dialect d to b, its keywords in
// a fixed order.
func (s *Schema) AppendJSON(b []byte, d Dialect) ([]byte, error) {
	w := schemaWriter{b: b, v30: d == OpenAPI30}
	w.schema(s)
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

// schemaWriter appends schemas to b; the first error stops it.
type schemaWriter struct {
	b     []byte
	v30   bool
	first bool // no member written yet in the current object
	err   error
}

// key starts a member of the current object.
func (w *schemaWriter) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// str writes a string member.
func (w *schemaWriter) str(k, v string) {
	w.key(k)
	w.b = appendString(w.b, v)
}

// value writes a member of any JSON value.
func (w *schemaWriter) value(k string, v any) {
	if w.err != nil {
		return
	}
	vb, err := json.Marshal(v)
	if err != nil {
		w.err = fmt.Errorf("schema keyword %s: %w", k, err)
		return
	}
	w.key(k)
	w.b = append(w.b, vb...)
}

// literal writes a member whose value is JSON text.
func (w *schemaWriter) literal(k, v string) {
	w.key(k)
	w.b = append(w.b, v...)
}

func (w *schemaWriter) number(k string, f *float64) {
	if f != nil {
		w.key(k)
		w.b = append(w.b, formatNumber(*f)...)
	}
}

func (w *schemaWriter) integer(k string, i *int) {
	if i != nil {
		w.key(k)
		w.b = strconv.AppendInt(w.b, int64(*i), 10)
	}
}

// sub writes a member that is a schema.
func (w *schemaWriter) sub(k string, c *Schema) {
	w.key(k)
	w.schema(c)
}

// schema writes s as an object.
func (w *schemaWriter) schema(s *Schema) {
	if w.err != nil {
		return
	}
	w.b = append(w.b, '{')
	w.first = true
	v30 := w.v30
	switch {
	case s.Ref == "":
	case v30 && (s.Nullable || s.Description != "" || s.Default != nil || len(s.Examples) > 0):
		// OpenAPI 3.0 ignores the siblings of a $ref, and nullable needs
		// a type beside it: components are objects (named structs).
		if s.Nullable {
			w.str("type", "object")
			w.literal("nullable", "true")
		}
		w.key("allOf")
		w.b = append(w.b, `[{"$ref":`...)
		w.b = appendString(w.b, s.Ref)
		w.b = append(w.b, `}]`...)
	case s.Nullable:
		w.key("anyOf")
		w.b = append(w.b, `[{"$ref":`...)
		w.b = appendString(w.b, s.Ref)
		w.b = append(w.b, `},{"type":"null"}]`...)
	default:
		w.str("$ref", s.Ref)
	}
	switch {
	case v30 && s.Type == "null":
		// 3.0 has no null type: a nullable string that can only be null.
		w.str("type", "string")
		w.literal("nullable", "true")
		w.literal("enum", "[null]")
	case v30 && s.Type != "" && s.Nullable:
		w.str("type", s.Type)
		w.literal("nullable", "true")
	case s.Type != "" && s.Nullable && s.Type != "null":
		w.key("type")
		w.b = append(w.b, `["`...)
		w.b = append(w.b, s.Type...)
		w.b = append(w.b, `","null"]`...)
	case s.Type != "":
		w.str("type", s.Type)
	}
	switch {
	case s.Format != "":
		w.str("format", s.Format)
	case v30 && s.ContentEncoding == "base64":
		w.str("format", "byte")
	}
	if s.ContentEncoding != "" && !v30 {
		w.str("contentEncoding", s.ContentEncoding)
	}
	if s.Description != "" {
		w.str("description", s.Description)
	}
	if s.Enum != nil {
		enum := s.Enum
		if s.Nullable && s.Ref == "" && s.Type != "" {
			enum = append(slices.Clip(enum), nil) // else null would fail the enum
		}
		w.value("enum", enum)
	}
	if s.Default != nil {
		w.value("default", s.Default)
	}
	switch {
	case len(s.Examples) > 0 && v30:
		w.value("example", s.Examples[0])
	case len(s.Examples) > 0:
		w.value("examples", s.Examples)
	}
	if v30 {
		// OpenAPI 3.0's exclusiveMinimum and exclusiveMaximum are booleans
		// that qualify minimum and maximum; of an inclusive and an exclusive
		// bound on one side, the stricter is written.
		w.bound30("minimum", "exclusiveMinimum", s.Minimum, s.ExclusiveMinimum, func(x, y float64) bool { return x > y })
		w.bound30("maximum", "exclusiveMaximum", s.Maximum, s.ExclusiveMaximum, func(x, y float64) bool { return x < y })
	} else {
		w.number("minimum", s.Minimum)
		w.number("exclusiveMinimum", s.ExclusiveMinimum)
		w.number("maximum", s.Maximum)
		w.number("exclusiveMaximum", s.ExclusiveMaximum)
	}
	w.integer("minLength", s.MinLength)
	w.integer("maxLength", s.MaxLength)
	if s.Pattern != "" {
		w.str("pattern", s.Pattern)
	}
	if s.Items != nil {
		w.sub("items", s.Items)
	}
	if len(s.AnyOf) > 0 {
		w.key("anyOf")
		w.b = append(w.b, '[')
		for i, o := range s.AnyOf {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.schema(o)
		}
		w.b = append(w.b, ']')
		w.first = false
	}
	w.integer("minItems", s.MinItems)
	w.integer("maxItems", s.MaxItems)
	if s.Properties != nil {
		w.key("properties")
		w.b = append(w.b, '{')
		for i, p := range s.Properties {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendString(w.b, p.Name)
			w.b = append(w.b, ':')
			switch {
			case p.Schema != nil:
				w.schema(p.Schema)
			case v30:
				w.b = append(w.b, "{}"...) // 3.0 has no boolean schemas
			default:
				w.b = append(w.b, "true"...)
			}
		}
		w.b = append(w.b, '}')
		w.first = false
	}
	if len(s.Required) > 0 {
		w.key("required")
		w.b = append(w.b, '[')
		for i, r := range s.Required {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendString(w.b, r)
		}
		w.b = append(w.b, ']')
	}
	switch a := s.AdditionalProperties.(type) {
	case nil:
	case bool:
		w.literal("additionalProperties", strconv.FormatBool(a))
	case *Schema:
		w.sub("additionalProperties", a)
	default:
		if w.err == nil {
			w.err = fmt.Errorf("additionalProperties is a %T, want a bool or *Schema", a)
		}
	}
	w.b = append(w.b, '}')
	w.first = false
}

// bound30 writes one side's bound in OpenAPI 3.0's form.
func (w *schemaWriter) bound30(name, exclName string, incl, excl *float64, stricter func(x, y float64) bool) {
	switch {
	case excl != nil && (incl == nil || !stricter(*incl, *excl)):
		w.number(name, excl)
		w.literal(exclName, "true")
	case incl != nil:
		w.number(name, incl)
	}
}

// Registry builds JSON Schemas from Go types and keeps the named
// struct types as components, referred to by "#/components/schemas/Name".
// Handlers of one API should share a registry so that each Go type is one
// component. Schemas are built once per type and never change afterwards. A
// Registry is safe for concurrent use.
//
// Component names are the Go type names (generic instantiations spelled
// Page[shop.Item] → "PageItem"). A type whose name is taken by a type of
// another package is named after its package too ("BillingProduct" for
// billing.Product); one whose name is taken in its own package (a type
// declared in a function) is numbered ("Product2", or "BillingProduct2"). Names depend only on
// the order types are first seen, so a program always makes the same names.
type Registry struct {
	mu      sync.Mutex
	closed  bool
	names   map[reflect.Type]string
	types   map[string]reflect.Type
	schemas map[string]*Schema
}

// Options configures a Registry. A nil *Options means the
// defaults.
type Options struct {
	// DisallowUnknownFields gives every object schema built from a struct
	// additionalProperties: false, so documents with members the Go type
	// does not declare fail validation (extra_forbidden), and the schema
	// says so.
	DisallowUnknownFields bool
}

// NewRegistry returns an empty registry.
func NewRegistry(opts *Options) *Registry {
	r := &Registry{}
	if opts != nil {
		r.closed = opts.DisallowUnknownFields
	}
	return r
}

// Schema returns the schema of t: for a named struct type a $ref to its
// component, which is added with those of the types it uses. The error
// wraps ErrInvalidType or ErrInvalidTag and lists every problem found; on
// error nothing is added.
func (r *Registry) Schema(t reflect.Type) (*Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.walk()
	s := w.typeSchema(t, nil, "")
	if err := w.finish(); err != nil {
		return nil, err
	}
	return s, nil
}

// DisallowsUnknownFields reports whether the registry was made with
// Options.DisallowUnknownFields: its object schemas refuse members their Go
// types do not declare.
func (r *Registry) DisallowsUnknownFields() bool { return r.closed }

// Components returns a copy of the map of component names to schemas.
func (r *Registry) Components() map[string]*Schema {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]*Schema, len(r.schemas))
	for k, v := range r.schemas {
		out[k] = v
	}
	return out
}

// Closure returns the components that schemas refer to, directly or
// through other components: the components/schemas of a document that uses
// them.
func (r *Registry) Closure(schemas ...*Schema) map[string]*Schema {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Closure(r.schemas, schemas...)
}

// TypeOf returns the Go type of the named component.
func (r *Registry) TypeOf(name string) (reflect.Type, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.types[name]
	return t, ok
}

// Closure returns the components of all that the schemas refer to,
// directly or through other components: the components/schemas a document
// that uses the schemas needs.
func Closure(all map[string]*Schema, schemas ...*Schema) map[string]*Schema {
	out := make(map[string]*Schema)
	var visit func(s *Schema)
	visit = func(s *Schema) {
		if s == nil {
			return
		}
		if name, ok := strings.CutPrefix(s.Ref, RefPrefix); ok {
			if _, seen := out[name]; !seen {
				if c := all[name]; c != nil {
					out[name] = c
					visit(c)
				}
			}
		}
		visit(s.Items)
		for _, o := range s.AnyOf {
			visit(o)
		}
		for _, p := range s.Properties {
			visit(p.Schema)
		}
		if a, ok := s.AdditionalProperties.(*Schema); ok {
			visit(a)
		}
	}
	for _, s := range schemas {
		visit(s)
	}
	return out
}

// walk starts a walk over Go types; the caller holds r.mu.
func (r *Registry) walk() *schemaWalk {
	if r.names == nil {
		r.names = make(map[reflect.Type]string)
		r.types = make(map[string]reflect.Type)
		r.schemas = make(map[string]*Schema)
	}
	return &schemaWalk{reg: r}
}

// assignNameLocked picks the component name of t; see Registry.
func (r *Registry) assignNameLocked(t reflect.Type) string {
	name := ComponentName(t.Name())
	elems := strings.Split(t.PkgPath(), "/")
	for i := len(elems) - 1; ; i-- {
		other, taken := r.types[name]
		if !taken {
			return name
		}
		if other.PkgPath() == t.PkgPath() || i < 0 {
			break
		}
		name = ComponentName(elems[i]) + name // name it after its package
	}
	for i := 2; ; i++ { // types of one package with one name: local types
		if _, taken := r.types[name+strconv.Itoa(i)]; !taken {
			return name + strconv.Itoa(i)
		}
	}
}

// ComponentName turns a Go type name into a component name of letters
// and digits: package qualifiers are dropped and each word capitalised, so
// "Page[github.com/x/shop.Item]" becomes "PageItem" and "[]T" "ListT".
func ComponentName(name string) string {
	out := make([]byte, 0, len(name))
	seg, upper := 0, true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.' || c == '/':
			out, upper = out[:seg], true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			out, upper = append(out, c), false
		case c == '[' && i+1 < len(name) && name[i+1] == ']':
			out = append(out, "List"...)
			i++
			seg, upper = len(out), true
		default:
			seg, upper = len(out), true
		}
	}
	if len(out) == 0 || out[0] >= '0' && out[0] <= '9' {
		out = append([]byte("Type"), out...)
	}
	return string(out)
}

// appendString appends s to b as a JSON string, the shortest way (RFC 8785),
// invalid UTF-8 replaced with U+FFFD as encoding/json replaces it.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s) // the only error is invalid UTF-8, replaced
	return b
}
