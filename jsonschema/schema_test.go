package jsonschema

import (
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"maps"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynroute/dynroute/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Types the tests share with those of package typed, where they are bound
// and validated: the same names give the same component names.
// upper is an encoding.TextUnmarshaler and TextMarshaler: it upper-cases
// its text and refuses "bad".
type upper struct{ s string }

func (u *upper) UnmarshalText(b []byte) error {
	if string(b) == "bad" {
		return errors.New("bad is not allowed")
	}
	u.s = strings.ToUpper(string(b))
	return nil
}

func (u upper) MarshalText() ([]byte, error) { return []byte(u.s), nil }

type level int8

type (
	vbAddress struct {
		Street string `json:"street" minLength:"1"`
		Zip    string `json:"zip" pattern:"^[0-9]{5}$"`
	}
	vbItem struct {
		SKU   string  `json:"sku" format:"uuid"`
		Qty   int     `json:"qty" minimum:"1" maximum:"99"`
		Price float64 `json:"price" exclusiveMinimum:"0"`
	}
	vbOrder struct {
		Email    string            `json:"email" format:"email"`
		Site     string            `json:"site,omitempty" format:"uri"`
		When     time.Time         `json:"when"`
		Status   string            `json:"status" enum:"new,paid" default:"new"`
		Note     *string           `json:"note" maxLength:"5"`
		Ratio    float64           `json:"ratio,omitempty" exclusiveMaximum:"1"`
		Small    int8              `json:"small,omitempty"`
		Big      []int64           `json:"big,omitempty"`
		Items    []vbItem          `json:"items" minItems:"1" maxItems:"2"`
		Address  *vbAddress        `json:"address,omitempty"`
		Meta     map[string]uint16 `json:"meta,omitempty"`
		Tags     []string          `json:"tags,omitempty" maxLength:"3"`
		Optional string            `json:"optional" required:"false"`
	}
)

type benchProduct struct {
	Name     string  `json:"name" maxLength:"50"`
	Price    float64 `json:"price" minimum:"0"`
	Quantity int     `json:"quantity" minimum:"1"`
	SKU      string  `json:"sku"`
	Note     string  `json:"note"`
}

// Types for the schema goldens.
type (
	schemaNode struct {
		Name     string                `json:"name"`
		Children []schemaNode          `json:"children,omitempty"`
		Parent   *schemaNode           `json:"parent,omitempty"`
		Peer     *schemaPeer           `json:"peer"`
		Tree     schemaTree            `json:"tree,omitempty"`
		Index    map[string]schemaNode `json:"index,omitempty"`
	}
	schemaPeer struct {
		Back *schemaNode `json:"back"`
	}
	schemaTree map[string]schemaTree

	schemaBase struct {
		ID      int64  `json:"id" doc:"the identifier"`
		Shadow  string `json:"shadow"`
		Dropped string // tied with schemaOther.Dropped at one depth: neither is encoded
	}
	schemaOther struct {
		Dropped string
		Deep    string `json:"deep"`
	}
	schemaTags struct {
		schemaBase
		schemaOther
		Shadow    int               `json:"shadow" doc:"beats the embedded one, being shallower"`
		Plain     string            // untagged: named as the field
		Omit      string            `json:"omit,omitempty"`
		Zero      time.Time         `json:"zero,omitzero"`
		Skipped   string            `json:"-"`
		Dash      string            `json:"-,"`
		Quoted    int               `json:"quoted,string"`
		hidden    string            //nolint:unused // unexported: not encoded
		Raw       json.RawMessage   `json:"raw"`
		Bytes     []byte            `json:"bytes"`
		When      *time.Time        `json:"when"`
		ByInt     map[int]string    `json:"by_int"`
		Fixed     [3]uint8          `json:"fixed"`
		Anything  any               `json:"anything"`
		Number    json.Number       `json:"number"`
		Text      upper             `json:"text"`
		Addr      netip.Addr        `json:"addr"`
		Level     level             `json:"level" enum:"1,2,3"`
		Optional  *string           `json:"optional" enum:"a,b" example:"a"`
		Required  *int              `json:"required_ptr" required:"true"`
		Defaulted string            `json:"defaulted" default:"x" maxLength:"3" doc:"a default makes it optional"`
		Floats    []float32         `json:"floats" minItems:"1" maximum:"1.5" example:"0.5,1"`
		Nested    struct{ A bool }  `json:"nested"`
		Meta      map[string]*upper `json:"meta"`
	}
	schemaPage[T any] struct {
		Items []T `json:"items"`
		Next  *T  `json:"next"`
	}
)

func TestSchemaGolden(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		opts *Options
	}{
		{"schema_order", reflect.TypeFor[vbOrder](), nil},
		{"schema_order_closed", reflect.TypeFor[vbOrder](), &Options{DisallowUnknownFields: true}},
		{"schema_recursive", reflect.TypeFor[schemaNode](), nil},
		{"schema_json_tags", reflect.TypeFor[schemaTags](), nil},
		{"schema_generic", reflect.TypeFor[schemaPage[schemaPage[benchProduct]]](), nil},
		{"schema_pointer_root", reflect.TypeFor[*[]*schemaPeer](), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewRegistry(tt.opts)
			s, err := reg.Schema(tt.typ)
			require.NoError(t, err)
			got, err := json.MarshalIndent(map[string]any{"schema": s, "components": reg.Components()}, "", "  ")
			require.NoError(t, err)
			schemaGolden(t, tt.name, append(got, '\n'))
			// The same types in a new registry give the same bytes.
			again := NewRegistry(tt.opts)
			s2, err := again.Schema(tt.typ)
			require.NoError(t, err)
			got2, err := json.MarshalIndent(map[string]any{"schema": s2, "components": again.Components()}, "", "  ")
			require.NoError(t, err)
			assert.Equal(t, string(got), string(got2))
		})
	}
}

func schemaGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name+".json"), got)
}

func TestSchemaComponentNames(t *testing.T) {
	type Error struct{ Local int }
	type Pair[K, V any] struct {
		K K
		V V
	}
	reg := NewRegistry(nil)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[url.Error](),
		reflect.TypeFor[htmltemplate.Error](),
		reflect.TypeFor[Error](),
		reflect.TypeFor[func() any](), // not a struct: fails, names nothing
		reflect.TypeFor[schemaPage[benchProduct]](),
		reflect.TypeFor[schemaPage[[]int]](),
		reflect.TypeFor[Pair[string, map[string]int]](),
	} {
		_, _ = reg.Schema(typ)
	}
	localError := func() reflect.Type {
		type Error struct{ Other string }
		return reflect.TypeFor[Error]()
	}()
	s, err := reg.Schema(localError)
	require.NoError(t, err)
	assert.Equal(t, RefPrefix+"JsonschemaError2", s.Ref)

	var names []string
	for name, s := range reg.Components() {
		names = append(names, name)
		typ, ok := reg.TypeOf(name)
		require.True(t, ok)
		assert.NotNil(t, typ)
		assert.Equal(t, "object", s.Type, name)
	}
	assert.ElementsMatch(t, []string{
		"Error",                  // net/url, first seen
		"TemplateError",          // html/template: named after its package
		"JsonschemaError",        // a test-local type, named after this package
		"JsonschemaError2",       // and another one
		"SchemaPageBenchProduct", // generic instantiations
		"BenchProduct",           // its type argument
		"SchemaPageListInt",      // []int
		"PairStringMapStringInt", // two arguments
	}, names)
	typ, _ := reg.TypeOf("TemplateError")
	assert.Equal(t, reflect.TypeFor[htmltemplate.Error](), typ)
}

func TestComponentName(t *testing.T) {
	for in, want := range map[string]string{
		"Product":                                "Product",
		"page[github.com/x/shop.Item]":           "PageItem",
		"Page[[]int]":                            "PageListInt",
		"Page[map[string]*shop.Item]":            "PageMapStringItem",
		"Pair[string,github.com/a/b.Thing[int]]": "PairStringThingInt",
		"":                                       "Type",
		"9lives":                                 "Type9lives",
	} {
		assert.Equal(t, want, ComponentName(in), in)
	}
}

func TestSchemaRecursionValidates(t *testing.T) {
	reg := NewRegistry(nil)
	s, err := reg.Schema(reflect.TypeFor[schemaNode]())
	require.NoError(t, err)
	c := (&NewCompiler(reg.Components()).c)
	n, err := c.compile(s)
	require.NoError(t, err)

	// A deep chain of children, wrong at the bottom.
	deep := `{"name":"leaf","peer":null,"tree":{"a":{"b":{"c":5}}}}`
	for i := range 200 {
		deep = `{"name":"n","peer":{"back":null},"children":[` + deep + `],"index":{"k` + string(rune('a'+i%26)) + `":{"name":"x","peer":null}}}`
	}
	var v jsonValidator
	v.reset([]byte(deep), []any{"body"}, nil)
	errs := v.validate(n)
	require.Len(t, errs, 1)
	assert.Equal(t, "object_type", errs[0].Type)
	assert.Len(t, errs[0].Loc, 1+200*2+4, "body, 200 × children/0, then tree/a/b/c")
	assert.Equal(t, []any{"tree", "a", "b", "c"}, errs[0].Loc[len(errs[0].Loc)-4:])

	v.reset([]byte(`{"name":"n","peer":{"back":{"name":1,"peer":{"back":{}}}}}`), []any{"body"}, nil)
	errs = v.validate(n)
	require.Len(t, errs, 2) // a pointer member is optional: peer may be missing
	assert.Equal(t, []any{"body", "peer", "back", "name"}, errs[0].Loc)
	assert.Equal(t, []any{"body", "peer", "back", "peer", "back", "name"}, errs[1].Loc)
	assert.Equal(t, "missing", errs[1].Type)
}

func TestSchemaErrorsAddNothing(t *testing.T) {
	type bad struct {
		Good benchProduct `json:"good"`
		Bad  chan int     `json:"bad"`
	}
	reg := NewRegistry(nil)
	_, err := reg.Schema(reflect.TypeFor[bad]())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidType)
	assert.Contains(t, err.Error(), "dynroute: field Bad of jsonschema.bad: invalid type: kind chan has no JSON form")
	assert.Empty(t, reg.Components(), "a failed walk leaves nothing behind")
	_, err = reg.Schema(reflect.TypeFor[benchProduct]())
	require.NoError(t, err)
	assert.Len(t, reg.Components(), 1)
}

func TestSchemaConcurrent(t *testing.T) {
	reg := NewRegistry(nil)
	types := []reflect.Type{reflect.TypeFor[vbOrder](), reflect.TypeFor[schemaNode](), reflect.TypeFor[schemaTags](), reflect.TypeFor[benchProduct]()}
	var wg sync.WaitGroup
	refs := make([][]string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range types {
				s, err := reg.Schema(types[(i+g)%len(types)])
				if err != nil {
					t.Error(err)
					return
				}
				refs[g] = append(refs[g], s.Ref)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, reg.Components(), 8) // vbOrder, vbItem, vbAddress, schemaNode, schemaPeer, schemaTree, schemaTags, benchProduct
}

func TestSchemaMarshalJSON(t *testing.T) {
	one := 1.0
	tests := []struct {
		name string
		s    *Schema
		want string
	}{
		{"any", &Schema{}, `{}`},
		{"nullable type", &Schema{Type: "integer", Nullable: true, Minimum: &one}, `{"type":["integer","null"],"minimum":1}`},
		{"nullable enum admits null", &Schema{Type: "string", Nullable: true, Enum: []any{"a"}}, `{"type":["string","null"],"enum":["a",null]}`},
		{"nullable ref", &Schema{Ref: "#/components/schemas/A", Nullable: true, Description: "d"},
			`{"anyOf":[{"$ref":"#/components/schemas/A"},{"type":"null"}],"description":"d"}`},
		{"closed object in order", &Schema{Type: "object", Properties: []Property{{"b", &Schema{Type: "string"}}, {"a", nil}},
			Required: []string{"b"}, AdditionalProperties: false}, `{"type":"object","properties":{"b":{"type":"string"},"a":true},"required":["b"],"additionalProperties":false}`},
		{"map", &Schema{Type: "object", AdditionalProperties: &Schema{Type: "number"}}, `{"type":"object","additionalProperties":{"type":"number"}}`},
		{"default zero kept", &Schema{Type: "integer", Default: 0, Examples: []any{0}}, `{"type":"integer","default":0,"examples":[0]}`},
		{"big numbers as JSON writes them", &Schema{Type: "number", Maximum: ptr(1e21), ExclusiveMinimum: ptr(-1e-7)},
			`{"type":"number","exclusiveMinimum":-1e-7,"maximum":1e+21}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.s)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
		})
	}
	_, err := json.Marshal(&Schema{AdditionalProperties: "yes"})
	assert.ErrorContains(t, err, "additionalProperties is a string")
	_, err = json.Marshal(&Schema{Default: make(chan int)})
	assert.ErrorContains(t, err, "schema keyword default")
}

func TestSchemaMemberNamesFollowEncodingJSON(t *testing.T) {
	type Tags struct {
		Arrow  int `json:"a→b"` // a symbol, neither letter nor digit
		Accent int `json:"café"`
		Punct  int `json:"x-y.z"`
		Quote  int `json:"a\"b"`
		Digits int `json:"٣٤"` // Arabic-Indic digits
	}
	reg := NewRegistry(nil)
	s, err := reg.Schema(reflect.TypeFor[Tags]())
	require.NoError(t, err)
	obj := reg.Components()[strings.TrimPrefix(s.Ref, RefPrefix)]
	require.NotNil(t, obj, "%+v", s)
	var ours []string
	for _, p := range obj.Properties {
		ours = append(ours, p.Name)
	}
	b, err := json.Marshal(Tags{})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.ElementsMatch(t, slices.Collect(maps.Keys(doc)), ours)
	assert.Contains(t, ours, "Arrow")
	assert.Contains(t, ours, "café")
}

func ptr[T any](v T) *T { return &v }

func TestAppendJSONOpenAPI30(t *testing.T) {
	one, zero := 1.0, 0.0
	tests := []struct {
		name string
		s    *Schema
		want string
	}{
		{"nullable type", &Schema{Type: "string", Nullable: true}, `{"type":"string","nullable":true}`},
		{"nullable ref", &Schema{Ref: "#/components/schemas/A", Nullable: true}, `{"type":"object","nullable":true,"allOf":[{"$ref":"#/components/schemas/A"}]}`},
		{"null", &Schema{Type: "null"}, `{"type":"string","nullable":true,"enum":[null]}`},
		{"ref with a description", &Schema{Ref: "#/components/schemas/A", Description: "d"}, `{"allOf":[{"$ref":"#/components/schemas/A"}],"description":"d"}`},
		{"bare ref", &Schema{Ref: "#/components/schemas/A"}, `{"$ref":"#/components/schemas/A"}`},
		{"examples", &Schema{Type: "string", Examples: []any{"a", "b"}}, `{"type":"string","example":"a"}`},
		{"exclusive minimum", &Schema{Type: "number", ExclusiveMinimum: &zero}, `{"type":"number","minimum":0,"exclusiveMinimum":true}`},
		{"both minimums, exclusive stricter", &Schema{Type: "number", Minimum: &zero, ExclusiveMinimum: &one}, `{"type":"number","minimum":1,"exclusiveMinimum":true}`},
		{"both minimums, inclusive stricter", &Schema{Type: "number", Minimum: &one, ExclusiveMinimum: &zero}, `{"type":"number","minimum":1}`},
		{"exclusive maximum", &Schema{Type: "integer", ExclusiveMaximum: &one}, `{"type":"integer","maximum":1,"exclusiveMaximum":true}`},
		{"base64", &Schema{Type: "string", ContentEncoding: "base64"}, `{"type":"string","format":"byte"}`},
		{"any member", &Schema{Type: "object", Properties: []Property{{Name: "x"}}}, `{"type":"object","properties":{"x":{}}}`},
		{"nullable enum", &Schema{Type: "string", Nullable: true, Enum: []any{"a"}}, `{"type":"string","nullable":true,"enum":["a",null]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.s.AppendJSON(nil, OpenAPI30)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
		})
	}
}

// TestAnyOf: a anyOf is written in both dialects, its components are part
// of a closure, and a Compiler refuses it.
func TestAnyOf(t *testing.T) {
	reg := NewRegistry(nil)
	type variantA struct{ A int }
	type variantB struct{ B string }
	a, err := reg.Schema(reflect.TypeFor[variantA]())
	require.NoError(t, err)
	b, err := reg.Schema(reflect.TypeFor[variantB]())
	require.NoError(t, err)
	s := &Schema{AnyOf: []*Schema{a, b}, Description: "either"}
	for _, d := range []Dialect{Draft2020, OpenAPI30} {
		out, err := s.AppendJSON(nil, d)
		require.NoError(t, err)
		assert.JSONEq(t, `{"description":"either","anyOf":[{"$ref":"#/components/schemas/VariantA"},{"$ref":"#/components/schemas/VariantB"}]}`, string(out), "dialect %v", d)
	}
	closure := reg.Closure(s)
	assert.Contains(t, closure, "VariantA")
	assert.Contains(t, closure, "VariantB")
	_, err = NewCompiler(reg.Components()).Compile(s)
	assert.ErrorContains(t, err, "anyOf")
}
