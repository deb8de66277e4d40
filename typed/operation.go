package typed

import (
	"net/http"
	"reflect"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// What a typed handler tells the OpenAPI emitter about itself.

// describeOperation builds the OperationInfo of a handler, once, with its
// error answers in style.
func describeOperation(in *inputPlan, out *outputPlan, status int, reg *jsonschema.Registry, style dynroute.ErrorStyle) (*openapi.OperationInfo, error) {
	validationType, errorType, errorContent := reflect.TypeFor[ValidationProblem](), reflect.TypeFor[dynroute.Problem](), "application/problem+json"
	if style == dynroute.FastAPIErrors {
		validationType, errorType, errorContent = reflect.TypeFor[HTTPValidationError](), reflect.TypeFor[HTTPError](), "application/json"
	}
	info := &openapi.OperationInfo{Schemas: reg}
	var schemas []*jsonschema.Schema
	for _, b := range in.params {
		info.Parameters = append(info.Parameters, b.info)
		schemas = append(schemas, b.info.Schema)
	}
	if b := in.body; b != nil {
		info.RequestBody = &openapi.RequestBody{Required: b.required, Description: b.doc, ContentType: "application/json", Schema: b.schema}
		schemas = append(schemas, b.schema)
	}
	success := openapi.Response{Status: status, Description: http.StatusText(status), Headers: out.headerInfo}
	if httpx.BodyAllowed(status) {
		success.ContentType, success.Schema = "application/json", out.schema
		schemas = append(schemas, out.schema)
	}
	info.Responses = append(info.Responses, success)
	if len(in.params) > 0 || in.body != nil {
		s, err := reg.Schema(validationType)
		if err != nil {
			return nil, err
		}
		info.Responses = append(info.Responses, openapi.Response{Status: http.StatusUnprocessableEntity,
			Description: "Validation Error", ContentType: errorContent, Schema: s})
		schemas = append(schemas, s)
	}
	s, err := reg.Schema(errorType)
	if err != nil {
		return nil, err
	}
	info.Responses = append(info.Responses, openapi.Response{Description: "Error", ContentType: errorContent, Schema: s})
	schemas = append(schemas, s)
	info.Components = reg.Closure(schemas...)
	return info, nil
}
