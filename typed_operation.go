package dynroute

import (
	"net/http"
	"reflect"

	"github.com/dynroute/dynroute/jsonschema"
)

// What a typed handler tells the OpenAPI emitter about itself.

// OperationDescriber is implemented by handlers that can describe their
// input and output, such as TypedHandler; the OpenAPI emitter documents
// their routes from it.
type OperationDescriber interface {
	DescribeOperation() *OperationInfo
}

// OperationInfo describes what a handler reads and answers, in the terms of
// an OpenAPI operation. Schemas refer to Components by
// "#/components/schemas/Name".
type OperationInfo struct {
	Parameters  []ParameterInfo
	RequestBody *RequestBodyInfo // nil: the handler reads no body
	// Responses are the success answer first (with the handler's status;
	// the route's StatusCode, when set, replaces it), then 422 when the
	// request can fail validation, then the default error answer (Status 0).
	Responses []ResponseInfo
	// Components are every component the schemas above refer to,
	// directly or through each other.
	Components map[string]*jsonschema.Schema
	// Schemas is the registry the components belong to: operations that
	// share a registry never disagree on a component name.
	Schemas *jsonschema.Registry
}

// ParameterInfo describes one parameter.
type ParameterInfo struct {
	Name        string // as bound; header names as written in the tag
	In          string // "path", "query", "header" or "cookie"
	Required    bool
	Description string
	Example     any // nil: none
	Schema      *jsonschema.Schema
}

// RequestBodyInfo describes the request body.
type RequestBodyInfo struct {
	Required    bool
	Description string
	ContentType string
	Schema      *jsonschema.Schema
}

// ResponseInfo describes one answer.
type ResponseInfo struct {
	Status      int // 0 is OpenAPI's "default"
	Description string
	ContentType string             // "" when the answer has no body
	Schema      *jsonschema.Schema // nil when the answer has no body
	Headers     []HeaderInfo
}

// HeaderInfo describes a response header.
type HeaderInfo struct {
	Name        string
	Description string
	Schema      *jsonschema.Schema
}

// describeOperation builds the OperationInfo of a handler, once.
func describeOperation(in *inputPlan, out *outputPlan, status int, reg *jsonschema.Registry) (*OperationInfo, error) {
	info := &OperationInfo{Schemas: reg}
	var schemas []*jsonschema.Schema
	for _, b := range in.params {
		info.Parameters = append(info.Parameters, b.info)
		schemas = append(schemas, b.info.Schema)
	}
	if b := in.body; b != nil {
		info.RequestBody = &RequestBodyInfo{Required: b.required, Description: b.doc, ContentType: "application/json", Schema: b.schema}
		schemas = append(schemas, b.schema)
	}
	success := ResponseInfo{Status: status, Description: http.StatusText(status), Headers: out.headerInfo}
	if bodyAllowed(status) {
		success.ContentType, success.Schema = "application/json", out.schema
		schemas = append(schemas, out.schema)
	}
	info.Responses = append(info.Responses, success)
	if len(in.params) > 0 || in.body != nil {
		s, err := reg.Schema(reflect.TypeFor[ValidationProblem]())
		if err != nil {
			return nil, err
		}
		info.Responses = append(info.Responses, ResponseInfo{Status: http.StatusUnprocessableEntity,
			Description: "Validation Error", ContentType: "application/problem+json", Schema: s})
		schemas = append(schemas, s)
	}
	s, err := reg.Schema(reflect.TypeFor[Problem]())
	if err != nil {
		return nil, err
	}
	info.Responses = append(info.Responses, ResponseInfo{Description: "Error", ContentType: "application/problem+json", Schema: s})
	schemas = append(schemas, s)
	info.Components = jsonschema.Closure(reg.Components(), schemas...)
	return info, nil
}
