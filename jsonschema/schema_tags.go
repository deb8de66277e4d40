package jsonschema

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/jsonnum"
)

// Validation and documentation struct tags: parsed, checked against the
// field's type, and set on the field's schema.

// Tag keywords. Each is a struct tag of its own, so that values need no
// escaping: `minimum:"1" maximum:"100" pattern:"^[a-z]{2,8}$"`.
const (
	tagRequired         = "required"
	tagMinimum          = "minimum"
	tagMaximum          = "maximum"
	tagExclusiveMinimum = "exclusiveMinimum"
	tagExclusiveMaximum = "exclusiveMaximum"
	tagMinLength        = "minLength"
	tagMaxLength        = "maxLength"
	tagPattern          = "pattern"
	tagEnum             = "enum"
	tagFormat           = "format"
	tagMinItems         = "minItems"
	tagMaxItems         = "maxItems"
	tagDoc              = "doc"
	tagExample          = "example"
	tagDefault          = "default"
)

// tagKeywords lists the keywords, to tell them from other libraries' tags.
var tagKeywords = []string{tagRequired, tagMinimum, tagMaximum, tagExclusiveMinimum, tagExclusiveMaximum,
	tagMinLength, tagMaxLength, tagPattern, tagEnum, tagFormat, tagMinItems, tagMaxItems, tagDoc, tagExample, tagDefault}

// misspellings maps a tag key, lower case and without '_' or '-', to the
// keyword it was probably meant to be: the keyword itself, or the name
// another library (pydantic, go-playground/validator, JSON Schema prose)
// uses for it. It is never modified.
var misspellings = func() map[string]string {
	m := map[string]string{
		"min": tagMinimum, "ge": tagMinimum, "gte": tagMinimum,
		"max": tagMaximum, "le": tagMaximum, "lte": tagMaximum,
		"gt": tagExclusiveMinimum, "lt": tagExclusiveMaximum,
		"minlen": tagMinLength, "maxlen": tagMaxLength,
		"regex": tagPattern, "regexp": tagPattern,
		"oneof": tagEnum, "enums": tagEnum,
		"description": tagDoc, "desc": tagDoc,
		"examples": tagExample,
	}
	for _, k := range tagKeywords {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// misspelledTag returns the keyword a tag key was probably meant to be —
// the same word in other case or with '_' or '-', or another library's
// name for it — or "". Every tag key of every field is looked up, json and
// db included, so it allocates nothing.
func misspelledTag(key string) string {
	var buf [32]byte
	norm := buf[:0]
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '_' || c == '-':
		case 'A' <= c && c <= 'Z':
			norm = append(norm, c+'a'-'A')
		default:
			norm = append(norm, c)
		}
	}
	return misspellings[string(norm)]
}

// FieldTags are the validation and documentation tags of one struct field
// (see the package documentation), parsed by ParseFieldTags. Packages that
// bind fields themselves, such as typed for parameters, read Required, Doc
// and Default here and set the rest on the field's schema with Apply.
type FieldTags struct {
	Required   *bool  // required:"true" or "false"; nil when not given
	Doc        string // doc:"…", the description
	Default    string // default:"…" as written, when HasDefault
	HasDefault bool   // the field has a default tag, even an empty one

	minimum, maximum, exclusiveMin, exclusiveMax *float64
	minLength, maxLength, minItems, maxItems     *int
	pattern, format, example                     string
	enum                                         []string
	hasPattern, hasFormat, hasEnum               bool
	hasExample                                   bool
}

// ParseFieldTags reads the tags of field sf of struct type owner. The error
// joins one error per problem, each wrapping ErrInvalidTag and naming the
// field.
func ParseFieldTags(owner reflect.Type, sf reflect.StructField) (FieldTags, error) {
	t, problems := parseFieldTags(sf.Tag)
	return t, tagProblems(owner, sf.Name, problems)
}

// Limits reports whether the tags limit the value or its number of items
// (minimum … enum, format, minItems, maxItems), as opposed to describing it.
func (t *FieldTags) Limits() bool {
	return t.constrains() || t.minItems != nil || t.maxItems != nil
}

// Apply sets the keywords of the tags on s, the schema of field sf of struct
// type owner, as a struct's schema gets them; param says the field is a
// parameter, whose list default is comma-separated like its values (a body
// field's is JSON). The error joins one error per keyword that does not fit
// the field, each wrapping ErrInvalidTag.
func (t *FieldTags) Apply(s *Schema, owner reflect.Type, sf reflect.StructField, param bool) error {
	return tagProblems(owner, sf.Name, applyTags(s, sf.Type, t, param))
}

// tagProblems joins the problems of the tags of one field.
func tagProblems(owner reflect.Type, field string, problems []string) error {
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = tagProblem(owner, field, p)
	}
	return errors.Join(errs...)
}

// constrains reports whether a tag limits the value itself (not its count).
func (t *FieldTags) constrains() bool {
	return t.minimum != nil || t.maximum != nil || t.exclusiveMin != nil || t.exclusiveMax != nil ||
		t.minLength != nil || t.maxLength != nil || t.hasPattern || t.hasFormat || t.hasEnum
}

// parseFieldTags reads the keywords of tag; problems describe what is wrong.
func parseFieldTags(tag reflect.StructTag) (FieldTags, []string) {
	var t FieldTags
	var problems []string
	keys, ok := structTagKeys(string(tag))
	if !ok {
		problems = append(problems, fmt.Sprintf("malformed struct tag `%s`", tag))
	}
	seen := make(map[string]bool)
	for _, k := range keys {
		if slices.Contains(tagKeywords, k) {
			if seen[k] {
				problems = append(problems, fmt.Sprintf("%s given twice", k))
			}
			seen[k] = true
			continue
		}
		if want := misspelledTag(k); want != "" {
			problems = append(problems, fmt.Sprintf("unknown validation keyword %q; did you mean %q?", k, want))
		}
	}
	number := func(k string) *float64 {
		s, ok := tag.Lookup(k)
		if !ok {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !jsonnum.Valid(s) {
			problems = append(problems, fmt.Sprintf("%s %q is not a number", k, s))
			return nil
		}
		return &f
	}
	count := func(k string) *int {
		s, ok := tag.Lookup(k)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			problems = append(problems, fmt.Sprintf("%s %q is not a non-negative integer", k, s))
			return nil
		}
		return &n
	}
	if s, ok := tag.Lookup(tagRequired); ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("required %q is not true or false", s))
		} else {
			t.Required = &b
		}
	}
	t.minimum, t.maximum = number(tagMinimum), number(tagMaximum)
	t.exclusiveMin, t.exclusiveMax = number(tagExclusiveMinimum), number(tagExclusiveMaximum)
	t.minLength, t.maxLength = count(tagMinLength), count(tagMaxLength)
	t.minItems, t.maxItems = count(tagMinItems), count(tagMaxItems)
	t.pattern, t.hasPattern = tag.Lookup(tagPattern)
	if t.hasPattern {
		if _, err := regexp.Compile(t.pattern); err != nil {
			problems = append(problems, fmt.Sprintf("pattern %q does not compile: %v", t.pattern, err))
		}
	}
	t.format, t.hasFormat = tag.Lookup(tagFormat)
	if t.hasFormat && formatCheck(t.format) == nil {
		problems = append(problems, fmt.Sprintf("unknown format %q; dynroute checks email, uuid, date-time and uri", t.format))
	}
	var enum string
	if enum, t.hasEnum = tag.Lookup(tagEnum); t.hasEnum {
		t.enum = strings.Split(enum, ",")
	}
	t.Doc, _ = tag.Lookup(tagDoc)
	t.example, t.hasExample = tag.Lookup(tagExample)
	t.Default, t.HasDefault = tag.Lookup(tagDefault)
	for _, c := range []struct {
		lo, hi *float64
		a, b   string
	}{{t.minimum, t.maximum, tagMinimum, tagMaximum}, {t.exclusiveMin, t.exclusiveMax, tagExclusiveMinimum, tagExclusiveMaximum}} {
		if c.lo != nil && c.hi != nil && *c.lo > *c.hi {
			problems = append(problems, fmt.Sprintf("%s %s is above %s %s", c.a, formatNumber(*c.lo), c.b, formatNumber(*c.hi)))
		}
	}
	for _, c := range []struct {
		lo, hi *int
		a, b   string
	}{{t.minLength, t.maxLength, tagMinLength, tagMaxLength}, {t.minItems, t.maxItems, tagMinItems, tagMaxItems}} {
		if c.lo != nil && c.hi != nil && *c.lo > *c.hi {
			problems = append(problems, fmt.Sprintf("%s %d is above %s %d", c.a, *c.lo, c.b, *c.hi))
		}
	}
	return t, problems
}

// structTagKeys lists the keys of a struct tag in the conventional
// `key:"value" key2:"value2"` form; ok is false when the tag is malformed.
func structTagKeys(tag string) (keys []string, ok bool) {
	for {
		tag = strings.TrimLeft(tag, " ")
		if tag == "" {
			return keys, true
		}
		i := 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
			i++
		}
		if i == 0 || i+1 >= len(tag) || tag[i] != ':' || tag[i+1] != '"' {
			return keys, false
		}
		keys = append(keys, tag[:i])
		tag = tag[i+1:]
		i = 1
		for i < len(tag) && tag[i] != '"' {
			if tag[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(tag) {
			return keys, false
		}
		if _, err := strconv.Unquote(tag[:i+1]); err != nil {
			return keys, false
		}
		tag = tag[i+1:]
	}
}

// schemaClass names what a schema describes, for checking which tags fit.
func schemaClass(s *Schema) string {
	switch {
	case s.Ref != "":
		return "struct"
	case s.Type == "string" && s.ContentEncoding != "":
		return "[]byte"
	case s.Type == "string" && s.Format == "date-time":
		return "time"
	case s.Type == "":
		return "any-value"
	}
	return s.Type
}

// applyTags sets the keywords of tags on s, the schema of a field of Go type
// goType, and returns what does not fit. On a slice field the value limits
// apply to the items and minItems/maxItems to the slice. param says the
// field is a parameter, whose default may be a comma-separated list.
func applyTags(s *Schema, goType reflect.Type, t *FieldTags, param bool) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	isArray := s.Type == "array" && s.Items != nil
	target, elem := s, derefType(goType)
	if isArray {
		target, elem = s.Items, derefType(elem.Elem())
	}
	class := schemaClass(target)
	if t.minItems != nil || t.maxItems != nil {
		if !isArray {
			bad("minItems and maxItems apply to slices and arrays, not to %s field", withArticle(schemaClass(s)))
		} else {
			if t.minItems != nil && (s.MinItems == nil || *t.minItems > *s.MinItems) {
				s.MinItems = t.minItems
			}
			if t.maxItems != nil && (s.MaxItems == nil || *t.maxItems < *s.MaxItems) {
				s.MaxItems = t.maxItems
			}
		}
	}
	if t.constrains() {
		numeric := class == "integer" || class == "number"
		str := class == "string"
		for _, c := range []struct {
			set  bool
			name string
			ok   bool
		}{
			{t.minimum != nil, tagMinimum, numeric}, {t.maximum != nil, tagMaximum, numeric},
			{t.exclusiveMin != nil, tagExclusiveMinimum, numeric}, {t.exclusiveMax != nil, tagExclusiveMaximum, numeric},
			{t.minLength != nil, tagMinLength, str}, {t.maxLength != nil, tagMaxLength, str},
			{t.hasPattern, tagPattern, str},
			{t.hasFormat, tagFormat, str || (class == "time" && t.format == "date-time")},
			{t.hasEnum, tagEnum, str || numeric || class == "boolean"},
		} {
			if c.set && !c.ok {
				bad("%s does not apply to %s field", c.name, withArticle(class))
			}
		}
		if len(problems) == 0 {
			if t.minimum != nil && (target.Minimum == nil || *t.minimum > *target.Minimum) {
				target.Minimum = t.minimum
			}
			if t.maximum != nil && (target.Maximum == nil || *t.maximum < *target.Maximum) {
				target.Maximum = t.maximum
			}
			target.ExclusiveMinimum, target.ExclusiveMaximum = t.exclusiveMin, t.exclusiveMax
			target.MinLength, target.MaxLength = t.minLength, t.maxLength
			if t.hasPattern {
				target.Pattern = t.pattern
			}
			if t.hasFormat {
				target.Format = t.format
			}
			if t.hasEnum {
				for _, text := range t.enum {
					v, err := parseTagValue(class, elem, text)
					if err != nil {
						bad("enum value %q: %v", text, err)
						continue
					}
					target.Enum = append(target.Enum, v)
				}
			}
		}
	}
	s.Description = t.Doc
	if t.hasExample {
		v, err := tagValue(s, class, isArray, elem, t.example, true)
		if err != nil {
			bad("example %q: %v", t.example, err)
		} else {
			s.Examples = []any{v}
		}
	}
	if t.HasDefault {
		// A parameter's list default is comma-separated like its values;
		// in a body, a list is written as JSON like the body.
		if v, err := tagValue(s, class, isArray, elem, t.Default, param); err != nil {
			bad("default %q: %v", t.Default, err)
		} else {
			s.Default = v
		}
	}
	return problems
}

// tagValue parses an example or default for the schema s: a scalar, a
// comma-separated list for an array of scalars (when lists is true), or
// else JSON; then checks it against s itself.
func tagValue(s *Schema, class string, isArray bool, elem reflect.Type, text string, lists bool) (any, error) {
	var v any
	switch {
	case isArray && lists && isScalarClass(class):
		items := []any{}
		for _, part := range strings.Split(text, ",") {
			x, err := parseTagValue(class, elem, part)
			if err != nil {
				return nil, err
			}
			items = append(items, x)
		}
		v = items
	case !isArray && isScalarClass(class):
		x, err := parseTagValue(class, elem, text)
		if err != nil {
			return nil, err
		}
		v = x
	default:
		if !json.Valid([]byte(text)) {
			return nil, fmt.Errorf("a value for %s field is written as JSON", withArticle(schemaClass(s)))
		}
		v = json.RawMessage(text)
	}
	if hasRef(s) {
		return v, nil // its components may be incomplete while their types are walked
	}
	c := &schemaCompiler{}
	n, err := c.compile(s)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var vv jsonValidator
	vv.reset(raw, nil, nil)
	if errs := vv.validate(n); len(errs) > 0 {
		return nil, fmt.Errorf("breaks the field's own rules: %s", errs[0].Msg)
	}
	return v, nil
}

// hasRef reports whether s refers to a component anywhere.
func hasRef(s *Schema) bool {
	if s == nil {
		return false
	}
	if s.Ref != "" || hasRef(s.Items) {
		return true
	}
	for _, p := range s.Properties {
		if hasRef(p.Schema) {
			return true
		}
	}
	a, _ := s.AdditionalProperties.(*Schema)
	return hasRef(a)
}

// isScalarClass reports whether a class of schema holds one scalar value.
func isScalarClass(class string) bool {
	switch class {
	case "string", "integer", "number", "boolean", "time":
		return true
	}
	return false
}

// parseTagValue parses one scalar written in a tag (an enum value, example
// or default) for a field of type elem.
func parseTagValue(class string, elem reflect.Type, text string) (any, error) {
	switch class {
	case "string":
		if elem != nil && elem != gotypes.Time && gotypes.Implements(elem, gotypes.TextUnmarshaler) && elem.Kind() != reflect.Interface {
			u, ok := reflect.New(elem).Interface().(encoding.TextUnmarshaler)
			if ok {
				if err := u.UnmarshalText([]byte(text)); err != nil {
					return nil, err
				}
			}
		}
		return text, nil
	case "time":
		if _, err := time.Parse(time.RFC3339, text); err != nil {
			return nil, fmt.Errorf("not an RFC 3339 date-time")
		}
		return text, nil
	case "integer":
		if elem != nil && elem.Kind() >= reflect.Uint && elem.Kind() <= reflect.Uintptr {
			u, err := strconv.ParseUint(text, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("not an unsigned integer")
			}
			return u, nil
		}
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		return i, nil
	case "number":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || !jsonnum.Valid(text) {
			return nil, fmt.Errorf("not a number")
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("not a boolean")
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s field takes no such value", withArticle(class))
}

// withArticle puts "a" or "an" before a class name.
func withArticle(class string) string {
	if strings.ContainsRune("aeiou", rune(class[0])) {
		return "an " + class
	}
	return "a " + class
}
