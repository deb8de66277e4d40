package jsonschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Compiling a Schema into the validator's vnodes.

// schemaCompiler turns Schemas into vnodes, resolving $refs to the
// components of a registry; recursive components compile to cyclic graphs.
type schemaCompiler struct {
	components map[string]*Schema
	compiled   map[string]*vnode
}

// compile returns the vnode of s; nil (any value) for a nil schema.
func (c *schemaCompiler) compile(s *Schema) (*vnode, error) {
	if s == nil {
		return nil, nil
	}
	if s.Ref != "" { // beside a $ref there are only annotations
		target, err := c.component(s.Ref)
		if err != nil || !s.Nullable {
			return target, err
		}
		return &vnode{nullOr: target, minItems: -1, maxItems: -1}, nil
	}
	n := &vnode{minItems: -1, maxItems: -1}
	var err error
	if n.types, err = schemaTypes(s); err != nil {
		return nil, err
	}
	if s.MinLength != nil || s.MaxLength != nil || s.Pattern != "" || formatCheck(s.Format) != nil {
		r := &strRules{minLen: -1, maxLen: -1, format: s.Format, valid: formatCheck(s.Format)}
		if s.MinLength != nil {
			r.minLen = *s.MinLength
		}
		if s.MaxLength != nil {
			r.maxLen = *s.MaxLength
		}
		if s.Pattern != "" {
			if r.pattern, err = regexp.Compile(s.Pattern); err != nil {
				return nil, fmt.Errorf("pattern %q: %w", s.Pattern, err)
			}
		}
		n.str = r
	}
	if s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil {
		r := &numRules{allInt: true, bits: 64}
		if s.Format == "float" {
			r.bits = 32
		}
		for _, b := range []struct {
			f   *float64
			dst **numBound
		}{{s.Minimum, &r.min}, {s.Maximum, &r.max}, {s.ExclusiveMinimum, &r.xmin}, {s.ExclusiveMaximum, &r.xmax}} {
			if b.f != nil {
				*b.dst = newNumBound(*b.f)
				r.allInt = r.allInt && (*b.dst).isInt
			}
		}
		n.num = r
	}
	if s.Enum != nil {
		values := s.Enum
		if s.Nullable {
			values = append(slices.Clip(values), nil)
		}
		if n.enum, err = newEnumSet(values); err != nil {
			return nil, err
		}
	}
	if len(s.AnyOf) > 0 {
		return nil, errors.New("anyOf is for documents; the validator does not check it")
	}
	if s.Items != nil {
		if n.items, err = c.compile(s.Items); err != nil {
			return nil, err
		}
	}
	if s.MinItems != nil {
		n.minItems = *s.MinItems
	}
	if s.MaxItems != nil {
		n.maxItems = *s.MaxItems
	}
	if err := c.compileObject(n, s); err != nil {
		return nil, err
	}
	return n, nil
}

// compileObject compiles the object keywords of s into n: members,
// required members, defaults and additionalProperties.
func (c *schemaCompiler) compileObject(n *vnode, s *Schema) error {
	required := make(map[string]bool, len(s.Required))
	for _, r := range s.Required {
		required[r] = true
	}
	for _, p := range s.Properties {
		pn, err := c.compile(p.Schema)
		if err != nil {
			return err
		}
		vp := vprop{name: p.Name, node: pn, required: required[p.Name]}
		delete(required, p.Name)
		if vp.required {
			n.nRequired++
		} else if p.Schema != nil && p.Schema.Default != nil {
			name, _ := json.Marshal(p.Name)
			val, err := json.Marshal(p.Schema.Default)
			if err != nil {
				return fmt.Errorf("default of %q: %w", p.Name, err)
			}
			vp.def = append(append(name, ':'), val...)
			n.hasDefaults = true
		}
		n.props = append(n.props, vp)
	}
	for _, r := range s.Required { // required members without a schema of their own
		if required[r] {
			n.props = append(n.props, vprop{name: r, required: true})
			n.nRequired++
			delete(required, r)
		}
	}
	names := make(map[string]bool, len(n.props))
	for _, p := range n.props {
		names[p.name] = true
	}
	n.uniqueNames = len(names) == len(n.props)
	if len(n.props) > 8 {
		n.propIndex = make(map[string]int, len(n.props))
		for i := len(n.props) - 1; i >= 0; i-- {
			n.propIndex[n.props[i].name] = i
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case nil:
	case bool:
		n.closed = !a
	case *Schema:
		ad, err := c.compile(a)
		if err != nil {
			return err
		}
		if ad == nil {
			ad = &vnode{minItems: -1, maxItems: -1}
		}
		n.additional = ad
	default:
		return fmt.Errorf("additionalProperties is a %T, want a bool or *Schema", a)
	}
	return nil
}

// schemaTypes returns the type set of s, with null when it is nullable.
func schemaTypes(s *Schema) (jsonTypes, error) {
	t, ok := typeBits(s.Type)
	if !ok {
		return 0, fmt.Errorf("unknown type %q", s.Type)
	}
	if t != 0 && s.Nullable {
		t |= typeNull
	}
	return t, nil
}

// component returns the compiled component a $ref names, compiling it on
// first use; the node is registered before its schema is compiled, so
// recursive references find it.
func (c *schemaCompiler) component(ref string) (*vnode, error) {
	name, ok := strings.CutPrefix(ref, RefPrefix)
	if !ok {
		return nil, fmt.Errorf("$ref %q is not a component (%s…)", ref, RefPrefix)
	}
	if n, ok := c.compiled[name]; ok {
		return n, nil
	}
	s, ok := c.components[name]
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such component", ref)
	}
	if c.compiled == nil {
		c.compiled = make(map[string]*vnode)
	}
	shell := &vnode{minItems: -1, maxItems: -1}
	c.compiled[name] = shell
	n, err := c.compile(s)
	if err != nil {
		return nil, err
	}
	if n != nil {
		*shell = *n
	}
	return shell, nil
}
