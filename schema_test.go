package dynroute

import (
	"context"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
		opts *SchemaOptions
	}{
		{"schema_order", reflect.TypeFor[vbOrder](), nil},
		{"schema_order_closed", reflect.TypeFor[vbOrder](), &SchemaOptions{DisallowUnknownFields: true}},
		{"schema_recursive", reflect.TypeFor[schemaNode](), nil},
		{"schema_json_tags", reflect.TypeFor[schemaTags](), nil},
		{"schema_generic", reflect.TypeFor[schemaPage[schemaPage[benchProduct]]](), nil},
		{"schema_pointer_root", reflect.TypeFor[*[]*schemaPeer](), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewSchemaRegistry(tt.opts)
			s, err := reg.Schema(tt.typ)
			require.NoError(t, err)
			got, err := json.MarshalIndent(map[string]any{"schema": s, "components": reg.Components()}, "", "  ")
			require.NoError(t, err)
			schemaGolden(t, tt.name, append(got, '\n'))
			// The same types in a new registry give the same bytes.
			again := NewSchemaRegistry(tt.opts)
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
	checkGolden(t, filepath.Join("testdata", "typed", name+".json"), got)
}

func TestSchemaComponentNames(t *testing.T) {
	type Error struct{ Local int }
	type Pair[K, V any] struct {
		K K
		V V
	}
	reg := NewSchemaRegistry(nil)
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
	assert.Equal(t, componentsPrefix+"DynrouteError2", s.Ref)

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
		"DynrouteError",          // a test-local type, named after this package
		"DynrouteError2",         // and another one
		"SchemaPageBenchProduct", // generic instantiations
		"BenchProduct",           // its type argument
		"SchemaPageListInt",      // []int
		"PairStringMapStringInt", // two arguments
	}, names)
	typ, _ := reg.TypeOf("TemplateError")
	assert.Equal(t, reflect.TypeFor[htmltemplate.Error](), typ)
}

func TestSchemaSanitizeTypeName(t *testing.T) {
	for in, want := range map[string]string{
		"Product":                                "Product",
		"page[github.com/x/shop.Item]":           "PageItem",
		"Page[[]int]":                            "PageListInt",
		"Page[map[string]*shop.Item]":            "PageMapStringItem",
		"Pair[string,github.com/a/b.Thing[int]]": "PairStringThingInt",
		"":                                       "Type",
		"9lives":                                 "Type9lives",
	} {
		assert.Equal(t, want, sanitizeTypeName(in), in)
	}
}

func TestSchemaRecursionValidates(t *testing.T) {
	reg := NewSchemaRegistry(nil)
	s, err := reg.Schema(reflect.TypeFor[schemaNode]())
	require.NoError(t, err)
	c := reg.compilerLocked()
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
	reg := NewSchemaRegistry(nil)
	_, err := reg.Schema(reflect.TypeFor[bad]())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidType)
	assert.Contains(t, err.Error(), "dynroute: field Bad of dynroute.bad: invalid type for a typed handler: kind chan has no JSON form")
	assert.Empty(t, reg.Components(), "a failed walk leaves nothing behind")
	_, err = reg.Schema(reflect.TypeFor[benchProduct]())
	require.NoError(t, err)
	assert.Len(t, reg.Components(), 1)
}

func TestSchemaConcurrent(t *testing.T) {
	reg := NewSchemaRegistry(nil)
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

func TestSchemaDescribeOperation(t *testing.T) {
	type getIn struct {
		ID     int64         `path:"id" minimum:"1" doc:"the product" example:"42"`
		Fields []string      `query:"fields" enum:"name,price"`
		Token  string        `header:"x-token" required:"true"`
		Body   *benchProduct `doc:"what to change"`
	}
	reg := NewSchemaRegistry(nil)
	h, err := Typed(func(_ context.Context, in *getIn) (*createdOut, error) { return nil, nil }, &TypedOptions{Schemas: reg, StatusCode: 201})
	require.NoError(t, err)
	var d OperationDescriber = h
	info := d.DescribeOperation()
	require.Len(t, info.Parameters, 3)
	assert.Equal(t, ParameterInfo{Name: "id", In: "path", Required: true, Description: "the product", Example: int64(42),
		Schema: &Schema{Type: "integer", Format: "int64", Minimum: ptr(1.0)}}, info.Parameters[0])
	assert.Equal(t, "query", info.Parameters[1].In)
	assert.Equal(t, []any{"name", "price"}, info.Parameters[1].Schema.Items.Enum)
	assert.Equal(t, ParameterInfo{Name: "x-token", In: "header", Required: true, Schema: &Schema{Type: "string"}}, info.Parameters[2])
	assert.Equal(t, &RequestBodyInfo{Required: false, Description: "what to change", ContentType: "application/json",
		Schema: &Schema{Ref: componentsPrefix + "BenchProduct", Nullable: true}}, info.RequestBody)
	require.Len(t, info.Responses, 3)
	assert.Equal(t, 201, info.Responses[0].Status)
	assert.Equal(t, componentsPrefix+"CreatedOut", info.Responses[0].Schema.Ref)
	var headers []string
	for _, h := range info.Responses[0].Headers {
		headers = append(headers, h.Name)
	}
	assert.Equal(t, []string{"Location", "X-Count", "Last-Modified", "ETag", "Vary", "Content-Language", "X-Ratio", "X-Flag", "X-Big", "X-Small", "Expires"}, headers)
	assert.Equal(t, ResponseInfo{Status: 422, Description: "Validation Error", ContentType: "application/problem+json",
		Schema: &Schema{Ref: componentsPrefix + "ValidationProblem"}}, info.Responses[1])
	assert.Equal(t, 0, info.Responses[2].Status)
	var comps []string
	for name := range info.Components {
		comps = append(comps, name)
	}
	assert.ElementsMatch(t, []string{"BenchProduct", "CreatedOut", "ValidationProblem", "FieldError", "Problem"}, comps)
	assert.Same(t, reg, info.Schemas)
	assert.Equal(t, reg.Components()["BenchProduct"], info.Components["BenchProduct"], "the registry's own schema")

	// The problem documents the handler writes match their schemas.
	problem, err := json.Marshal(info.Components)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(problem), `"errors":{"type":"array"`))

	_, err = Typed(func(_ context.Context, in *struct{}) (*struct{}, error) { return nil, nil }, nil)
	require.NoError(t, err)
	empty := MustTyped(func(_ context.Context, in *struct{}) (*struct{}, error) { return nil, nil }, &TypedOptions{StatusCode: 204}).DescribeOperation()
	assert.Empty(t, empty.Parameters)
	assert.Nil(t, empty.RequestBody)
	require.Len(t, empty.Responses, 2, "no 422: nothing to validate")
	assert.Equal(t, ResponseInfo{Status: 204, Description: "No Content"}, empty.Responses[0])
	assert.False(t, errors.Is(err, ErrInvalidType))
}

// TestSchemaMemberNamesFollowEncodingJSON: a json tag name encoding/json
// refuses (it then uses the Go field name) is refused by the schema too, so
// the documented and validated member is the one the body decodes.
func TestSchemaMemberNamesFollowEncodingJSON(t *testing.T) {
	type Tags struct {
		Arrow  int `json:"a→b"` // a symbol, neither letter nor digit
		Accent int `json:"café"`
		Punct  int `json:"x-y.z"`
		Quote  int `json:"a\"b"`
		Digits int `json:"٣٤"` // Arabic-Indic digits
	}
	reg := NewSchemaRegistry(nil)
	s, err := reg.Schema(reflect.TypeFor[Tags]())
	require.NoError(t, err)
	obj := reg.Components()[strings.TrimPrefix(s.Ref, componentsPrefix)]
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
