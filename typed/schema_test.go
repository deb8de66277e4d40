package typed

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchemaDescribeOperation(t *testing.T) {
	type getIn struct {
		ID     int64         `path:"id" minimum:"1" doc:"the product" example:"42"`
		Fields []string      `query:"fields" enum:"name,price"`
		Token  string        `header:"x-token" required:"true"`
		Body   *benchProduct `doc:"what to change"`
	}
	reg := jsonschema.NewRegistry(nil)
	h, err := New(func(_ context.Context, in *getIn) (*createdOut, error) { return nil, nil }, &Options{Schemas: reg, StatusCode: 201})
	require.NoError(t, err)
	var d dynroute.OperationDescriber = h
	info := d.DescribeOperation()
	require.Len(t, info.Parameters, 3)
	assert.Equal(t, openapi.Parameter{Name: "id", In: "path", Required: true, Description: "the product", Example: int64(42),
		Schema: &jsonschema.Schema{Type: "integer", Format: "int64", Minimum: ptr(1.0)}}, info.Parameters[0])
	assert.Equal(t, "query", info.Parameters[1].In)
	assert.Equal(t, []any{"name", "price"}, info.Parameters[1].Schema.Items.Enum)
	assert.Equal(t, openapi.Parameter{Name: "x-token", In: "header", Required: true, Schema: &jsonschema.Schema{Type: "string"}}, info.Parameters[2])
	assert.Equal(t, &openapi.RequestBody{Required: false, Description: "what to change", ContentType: "application/json",
		Schema: &jsonschema.Schema{Ref: jsonschema.RefPrefix + "BenchProduct", Nullable: true}}, info.RequestBody)
	require.Len(t, info.Responses, 3)
	assert.Equal(t, 201, info.Responses[0].Status)
	assert.Equal(t, jsonschema.RefPrefix+"CreatedOut", info.Responses[0].Schema.Ref)
	var headers []string
	for _, h := range info.Responses[0].Headers {
		headers = append(headers, h.Name)
	}
	assert.Equal(t, []string{"Location", "X-Count", "Last-Modified", "ETag", "Vary", "Content-Language", "X-Ratio", "X-Flag", "X-Big", "X-Small", "Expires"}, headers)
	assert.Equal(t, openapi.Response{Status: 422, Description: "Validation Error", ContentType: "application/problem+json",
		Schema: jsonschema.Ref("ValidationProblem")}, info.Responses[1])
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

	_, err = New(func(_ context.Context, in *struct{}) (*struct{}, error) { return nil, nil }, nil)
	require.NoError(t, err)
	empty := Must(func(_ context.Context, in *struct{}) (*struct{}, error) { return nil, nil }, &Options{StatusCode: 204}).DescribeOperation()
	assert.Empty(t, empty.Parameters)
	assert.Nil(t, empty.RequestBody)
	require.Len(t, empty.Responses, 2, "no 422: nothing to validate")
	assert.Equal(t, openapi.Response{Status: 204, Description: "No Content"}, empty.Responses[0])
	assert.False(t, errors.Is(err, jsonschema.ErrInvalidType))
}

// TestSchemaMemberNamesFollowEncodingJSON: a json tag name encoding/json
// refuses (it then uses the Go field name) is refused by the schema too, so
// the documented and validated member is the one the body decodes.
