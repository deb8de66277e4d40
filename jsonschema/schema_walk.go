package jsonschema

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/dynroute/dynroute/internal/gotypes"
)

// The walk from Go types to schemas: one schema per kind, named struct types
// as components, struct fields as encoding/json sees them.

// schemaWalk is one call's walk over Go types. It adds components as it
// goes and removes them again if the walk finds a problem.
type schemaWalk struct {
	reg    *Registry
	added  []string
	active map[reflect.Type]*activeType // named non-struct types being walked; made on first use
	errs   []error
}

// activeType is a named slice, array or map type being walked; it becomes a
// component only if it turns out to contain itself.
type activeType struct{ name string }

// fail records a problem; the walk goes on to find the others.
func (w *schemaWalk) fail(err error) { w.errs = append(w.errs, err) }

// finish returns the problems found, joined, after removing the
// components the walk added: a failed walk leaves the registry as it was.
func (w *schemaWalk) finish() error {
	if len(w.errs) == 0 {
		return nil
	}
	for _, name := range w.added {
		delete(w.reg.names, w.reg.types[name])
		delete(w.reg.types, name)
		delete(w.reg.schemas, name)
	}
	return errors.Join(w.errs...)
}

// newName names t as a component of the registry.
func (w *schemaWalk) newName(t reflect.Type) string {
	name := w.reg.assignNameLocked(t)
	w.reg.names[t] = name
	w.reg.types[name] = t
	w.added = append(w.added, name)
	return name
}

// typeSchema returns a new schema for t, which a field of owner (nil: t is
// the top-level type) has; field names it in messages.
func (w *schemaWalk) typeSchema(t reflect.Type, owner reflect.Type, field string) *Schema {
	switch t {
	case gotypes.Time:
		return &Schema{Type: "string", Format: "date-time"}
	case gotypes.JSONNumber:
		return &Schema{Type: "number"}
	}
	if t.Kind() == reflect.Pointer {
		s := w.typeSchema(t.Elem(), owner, field)
		s.Nullable = true
		return s
	}
	if gotypes.Implements(t, gotypes.JSONMarshaler, gotypes.JSONUnmarshaler) {
		return &Schema{} // it encodes itself: any JSON value
	}
	if gotypes.Implements(t, gotypes.TextMarshaler, gotypes.TextUnmarshaler) {
		return &Schema{Type: "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return intSchema(t)
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Interface:
		return &Schema{}
	case reflect.Struct:
		if t.Name() == "" {
			return w.structSchema(t)
		}
		return w.component(t)
	case reflect.Slice:
		if isByteSlice(t) {
			return &Schema{Type: "string", ContentEncoding: "base64"}
		}
		return w.named(t, func() *Schema {
			return &Schema{Type: "array", Items: w.typeSchema(t.Elem(), owner, field)}
		})
	case reflect.Array:
		return w.named(t, func() *Schema {
			n := t.Len()
			return &Schema{Type: "array", Items: w.typeSchema(t.Elem(), owner, field), MinItems: &n, MaxItems: &n}
		})
	case reflect.Map:
		k := t.Key()
		switch {
		case k.Kind() == reflect.String, gotypes.Implements(k, gotypes.TextMarshaler, gotypes.TextUnmarshaler):
		case k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			w.fail(typeProblem(owner, field, t, "map key type %v: JSON object keys are strings, integers or encoding.TextMarshaler types", k))
			return &Schema{}
		}
		return w.named(t, func() *Schema {
			return &Schema{Type: "object", AdditionalProperties: w.typeSchema(t.Elem(), owner, field)}
		})
	}
	w.fail(typeProblem(owner, field, t, "kind %v has no JSON form", t.Kind()))
	return &Schema{}
}

// typeProblem reports a type that cannot be described, where it was met.
func typeProblem(owner reflect.Type, field string, t reflect.Type, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	if owner == nil {
		return fmt.Errorf("dynroute: type %v: %w: %s", t, ErrInvalidType, detail)
	}
	return fmt.Errorf("dynroute: field %s of %v: %w: %s", field, owner, ErrInvalidType, detail)
}

// tagProblem reports a problem with the tags of a field.
func tagProblem(owner reflect.Type, field, detail string) error {
	return fmt.Errorf("dynroute: field %s of %v: %w: %s", field, owner, ErrInvalidTag, detail)
}

// isByteSlice reports whether encoding/json writes t as a base64 string.
func isByteSlice(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
		!reflect.PointerTo(t.Elem()).Implements(gotypes.JSONMarshaler) &&
		!reflect.PointerTo(t.Elem()).Implements(gotypes.TextMarshaler)
}

// intSchema describes an integer type, with its range when the type is
// narrower than 64 bits: decoding enforces it, so the schema says it.
func intSchema(t reflect.Type) *Schema {
	s := &Schema{Type: "integer"}
	bits := t.Bits()
	signed := t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
	switch {
	case signed && bits == 64:
		s.Format = "int64"
	case signed:
		if bits == 32 {
			s.Format = "int32"
		}
		lo, hi := -float64(int64(1)<<(bits-1)), float64(int64(1)<<(bits-1)-1)
		s.Minimum, s.Maximum = &lo, &hi
	default:
		lo := 0.0
		s.Minimum = &lo
		if bits < 64 {
			hi := float64(uint64(1)<<bits - 1)
			s.Maximum = &hi
		}
	}
	return s
}

// named builds the schema of a slice, array or map type. A named one that
// contains itself becomes a component, so that the schema is finite.
func (w *schemaWalk) named(t reflect.Type, build func() *Schema) *Schema {
	if t.Name() == "" {
		return build()
	}
	if name, ok := w.reg.names[t]; ok {
		return Ref(name)
	}
	if a := w.active[t]; a != nil {
		if a.name == "" {
			a.name = w.newName(t)
		}
		return Ref(a.name)
	}
	a := &activeType{}
	if w.active == nil {
		w.active = make(map[reflect.Type]*activeType)
	}
	w.active[t] = a
	s := build()
	delete(w.active, t)
	if a.name == "" {
		return s
	}
	w.reg.schemas[a.name] = s
	return Ref(a.name)
}

// component returns a $ref to the component of the named struct type t,
// building it on first use. The name is taken before the fields are walked,
// so recursive types refer to themselves.
func (w *schemaWalk) component(t reflect.Type) *Schema {
	if name, ok := w.reg.names[t]; ok {
		return Ref(name)
	}
	name := w.newName(t)
	w.reg.schemas[name] = w.structSchema(t)
	return Ref(name)
}

// structSchema describes a struct type as an object of its JSON fields.
func (w *schemaWalk) structSchema(t reflect.Type) *Schema {
	s := &Schema{Type: "object"}
	for _, f := range Fields(t) {
		fs, required := w.fieldSchema(f)
		s.Properties = append(s.Properties, Property{Name: f.Name, Schema: fs})
		if required {
			s.Required = append(s.Required, f.Name)
		}
	}
	if w.reg.closed {
		s.AdditionalProperties = false
	}
	return s
}

// fieldSchema returns the schema of a struct field with its tags applied,
// and whether the member is required: unless the json tag says omitempty or
// omitzero, the field is a pointer or it has a default; the required tag
// decides when present.
func (w *schemaWalk) fieldSchema(f Field) (*Schema, bool) {
	tags, problems := parseFieldTags(f.sf.Tag)
	for _, p := range problems {
		w.fail(tagProblem(f.owner, f.sf.Name, p))
	}
	var s *Schema
	if f.quoted {
		s = &Schema{Type: "string"} // ",string": the value is written inside a JSON string
		s.Nullable = f.typ.Kind() == reflect.Pointer
	} else {
		s = w.typeSchema(f.typ, f.owner, f.sf.Name)
	}
	for _, p := range applyTags(s, f.typ, &tags, false) {
		w.fail(tagProblem(f.owner, f.sf.Name, p))
	}
	required := !f.omitEmpty && !f.omitZero && f.typ.Kind() != reflect.Pointer && !tags.HasDefault
	if tags.Required != nil {
		required = *tags.Required
		if required && tags.HasDefault {
			w.fail(tagProblem(f.owner, f.sf.Name, "required and default exclude each other"))
		}
	}
	return s, required
}

// Field is a member of a struct type as encoding/json sees it: the schemas
// of struct types describe these members.
type Field struct {
	Name                        string // the JSON member name
	Index                       []int  // the field's index sequence, for reflect.Value.FieldByIndex
	typ                         reflect.Type
	sf                          reflect.StructField
	owner                       reflect.Type // the struct that declares it
	tagged, omitEmpty, omitZero bool
	quoted                      bool // ",string"
}

// Fields returns the members encoding/json encodes for struct type t, in
// field order, by its rules: embedded structs are flattened, and of several
// fields with one name the shallowest wins, then the tagged one, else none.
func Fields(t reflect.Type) []Field {
	type queued struct {
		typ   reflect.Type
		index []int
	}
	var current []queued
	next := []queued{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := make(map[reflect.Type]bool)
	var fields []Field
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, make(map[reflect.Type]int)
		for _, q := range current {
			if visited[q.typ] {
				continue
			}
			visited[q.typ] = true
			for i := 0; i < q.typ.NumField(); i++ {
				sf := q.typ.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validJSONName(name) {
					name = ""
				}
				index := append(slices.Clip(q.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := Field{
						Name: name, Index: index, typ: sf.Type, sf: sf, owner: q.typ,
						tagged:    name != "",
						omitEmpty: hasTagOption(opts, "omitempty"),
						omitZero:  hasTagOption(opts, "omitzero"),
					}
					if f.Name == "" {
						f.Name = sf.Name
					}
					if hasTagOption(opts, "string") {
						switch ft.Kind() {
						case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
							reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
							f.quoted = true
						}
					}
					fields = append(fields, f)
					if count[q.typ] > 1 {
						// Two embeddings of one type at one depth annihilate
						// each other's fields; a duplicate makes that happen.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, queued{typ: ft, index: index})
				}
			}
		}
	}
	slices.SortStableFunc(fields, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.Index), len(b.Index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Index, b.Index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].Name == fields[i].Name {
			j++
		}
		if j-i == 1 || len(fields[i].Index) < len(fields[i+1].Index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}

// hasTagOption reports whether a json tag's options include want.
func hasTagOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validJSONName reports whether encoding/json accepts name from a tag.
func validJSONName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// derefType strips pointers from t.
func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
