package dynroute

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// componentMerger merges the components of handlers that built their
// schemas in different jsonschema Registries into one components/schemas map.
type componentMerger struct {
	out   map[string]*jsonschema.Schema
	names map[any]*componentNames // per registry
	// from is the registry each component of out came from, if any: a
	// component of the same Go type from an equally configured registry is
	// the same schema, without comparing them.
	from map[string]*jsonschema.Registry
}

// componentNames maps one registry's component names to the names in the
// merged map; names not in it are kept.
type componentNames struct {
	to map[string]string
}

// add merges the components info refers to and returns the names its
// schemas' references must use.
func (m *componentMerger) add(info *openapi.OperationInfo) *componentNames {
	if info == nil || len(info.Components) == 0 {
		return nil
	}
	var key any = info.Schemas
	if info.Schemas == nil {
		key = info
	}
	return m.addComponents(key, info.Components)
}

// addComponents merges components, which key's schemas refer to, and
// returns the names key's references must use.
func (m *componentMerger) addComponents(key any, components map[string]*jsonschema.Schema) *componentNames {
	if len(components) == 0 {
		return nil
	}
	if m.out == nil {
		m.out = make(map[string]*jsonschema.Schema)
		m.names = make(map[any]*componentNames)
		m.from = make(map[string]*jsonschema.Registry)
	}
	ren := m.names[key]
	if ren == nil {
		ren = &componentNames{to: make(map[string]string)}
		m.names[key] = ren
	}
	var fresh []string
	for name := range components {
		if _, done := ren.to[name]; !done {
			fresh = append(fresh, name)
		}
	}
	if len(fresh) == 0 {
		return ren
	}
	slices.Sort(fresh)
	for _, name := range fresh {
		ren.to[name] = name
	}
	// Rename, until nothing changes, each new component whose name holds
	// a different schema: a rename changes the references of the schemas
	// that use it, which may make them differ in turn.
	reg, _ := key.(*jsonschema.Registry)
	sameType := func(name, target string) bool {
		other := m.from[target]
		if reg == nil || other == nil || name != target || reg.DisallowsUnknownFields() != other.DisallowsUnknownFields() {
			return false
		}
		t, ok := reg.TypeOf(name)
		u, ok2 := other.TypeOf(name)
		return ok && ok2 && t == u
	}
	for changed := true; changed; {
		changed = false
		for _, name := range fresh {
			target := ren.to[name]
			have := m.out[target]
			if have == nil || sameType(name, target) || ren.equal(components[name], have) {
				continue
			}
			ren.to[name] = m.freeName(name, ren, fresh)
			changed = true
		}
	}
	for _, name := range fresh {
		target := ren.to[name]
		if m.out[target] == nil {
			m.out[target] = ren.rewrite(components[name])
			if reg != nil {
				m.from[target] = reg
			}
		}
	}
	return ren
}

// freeName returns name with the lowest number from 2 up that neither the
// merged map nor the batch being merged uses.
func (m *componentMerger) freeName(name string, ren *componentNames, batch []string) string {
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s%d", name, i)
		if m.out[c] != nil {
			continue
		}
		taken := false
		for _, n := range batch {
			if ren.to[n] == c {
				taken = true
				break
			}
		}
		if !taken {
			return c
		}
	}
}

// target returns the merged name of a reference.
func (c *componentNames) target(ref string) string {
	if c == nil {
		return ref
	}
	name, ok := strings.CutPrefix(ref, jsonschema.RefPrefix)
	if !ok {
		return ref
	}
	if to, ok := c.to[name]; ok && to != name {
		return jsonschema.RefPrefix + to
	}
	return ref
}

// rewrite returns s with its references renamed; s itself when none is.
func (c *componentNames) rewrite(s *jsonschema.Schema) *jsonschema.Schema {
	if s == nil || c == nil || !c.renames(s) {
		return s
	}
	out := *s
	out.Ref = c.target(s.Ref)
	out.Items = c.rewrite(s.Items)
	if s.AnyOf != nil {
		out.AnyOf = make([]*jsonschema.Schema, len(s.AnyOf))
		for i, o := range s.AnyOf {
			out.AnyOf[i] = c.rewrite(o)
		}
	}
	if s.Properties != nil {
		out.Properties = make([]jsonschema.Property, len(s.Properties))
		for i, p := range s.Properties {
			out.Properties[i] = jsonschema.Property{Name: p.Name, Schema: c.rewrite(p.Schema)}
		}
	}
	if a, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
		out.AdditionalProperties = c.rewrite(a)
	}
	return &out
}

// renames reports whether s refers, directly or through its subschemas (not
// through other components), to a renamed component.
func (c *componentNames) renames(s *jsonschema.Schema) bool {
	if s == nil {
		return false
	}
	if c.target(s.Ref) != s.Ref {
		return true
	}
	if c.renames(s.Items) || slices.ContainsFunc(s.AnyOf, c.renames) {
		return true
	}
	for _, p := range s.Properties {
		if c.renames(p.Schema) {
			return true
		}
	}
	a, _ := s.AdditionalProperties.(*jsonschema.Schema)
	return c.renames(a)
}

// equal reports whether s, with its references renamed, equals the merged
// schema have.
func (c *componentNames) equal(s, have *jsonschema.Schema) bool {
	if s == have && !c.renames(s) {
		return true
	}
	if s == nil || have == nil {
		return s == have
	}
	if c.target(s.Ref) != have.Ref || s.Type != have.Type || s.Nullable != have.Nullable ||
		s.Format != have.Format || s.ContentEncoding != have.ContentEncoding ||
		s.Description != have.Description || s.Pattern != have.Pattern ||
		!equalAny(s.Default, have.Default) || !equalAnys(s.Examples, have.Examples) ||
		!equalAnys(s.Enum, have.Enum) ||
		!equalPtr(s.Minimum, have.Minimum) || !equalPtr(s.ExclusiveMinimum, have.ExclusiveMinimum) ||
		!equalPtr(s.Maximum, have.Maximum) || !equalPtr(s.ExclusiveMaximum, have.ExclusiveMaximum) ||
		!equalPtr(s.MinLength, have.MinLength) || !equalPtr(s.MaxLength, have.MaxLength) ||
		!equalPtr(s.MinItems, have.MinItems) || !equalPtr(s.MaxItems, have.MaxItems) ||
		!slices.Equal(s.Required, have.Required) || len(s.Properties) != len(have.Properties) ||
		(s.Properties == nil) != (have.Properties == nil) {
		return false
	}
	if !c.equal(s.Items, have.Items) || len(s.AnyOf) != len(have.AnyOf) {
		return false
	}
	for i, o := range s.AnyOf {
		if !c.equal(o, have.AnyOf[i]) {
			return false
		}
	}
	for i, p := range s.Properties {
		if p.Name != have.Properties[i].Name || !c.equal(p.Schema, have.Properties[i].Schema) {
			return false
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case *jsonschema.Schema:
		h, ok := have.AdditionalProperties.(*jsonschema.Schema)
		return ok && c.equal(a, h)
	default:
		return s.AdditionalProperties == have.AdditionalProperties
	}
}

// equalAny and equalAnys compare annotation values, without reflection for
// the common nil case.
func equalAny(a, b any) bool {
	return a == nil && b == nil || a != nil && b != nil && reflect.DeepEqual(a, b)
}

func equalAnys(a, b []any) bool {
	return a == nil && b == nil || a != nil && b != nil && reflect.DeepEqual(a, b)
}

func equalPtr[T comparable](a, b *T) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// mergeResponses adds to have the answers of a route that shares its
// operation, told apart by headers: a status have lacks is added, and one
// it has with another schema (of the same content type) gets an anyOf of
// the schemas, so that the document describes each route's answer. An
// answer of another content type than the first route's is not added: one
// response here has one content type.
func mergeResponses(have, more []openapi.Response) []openapi.Response {
	for _, m := range more {
		i := slices.IndexFunc(have, func(h openapi.Response) bool { return h.Status == m.Status })
		switch {
		case i < 0:
			have = append(have, m)
		case m.Schema == nil || have[i].ContentType != m.ContentType || sameSchema(have[i].Schema, m.Schema):
			// No schema to add, or another content type, which one
			// response of this model cannot hold: the first route's stays.
		case have[i].Schema == nil:
			// The first route's answer is any JSON, which holds the variant's.
		case len(have[i].Schema.AnyOf) > 0 && have[i].Schema.Ref == "" && have[i].Schema.Type == "":
			if !slices.ContainsFunc(have[i].Schema.AnyOf, func(s *jsonschema.Schema) bool { return sameSchema(s, m.Schema) }) {
				one := *have[i].Schema
				one.AnyOf = append(slices.Clip(one.AnyOf), m.Schema)
				have[i].Schema = &one
			}
		default:
			have[i].Schema = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{have[i].Schema, m.Schema}}
		}
	}
	return have
}

// sameSchema reports whether a and b are the same schema: one value, the
// same component, or the same JSON.
func sameSchema(a, b *jsonschema.Schema) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a == b || a.Ref != "" && a.Ref == b.Ref {
		return true
	}
	ja, errA := a.MarshalJSON()
	jb, errB := b.MarshalJSON()
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
