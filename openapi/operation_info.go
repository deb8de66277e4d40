package openapi

import "github.com/dynroute/dynroute/jsonschema"

// OperationInfo describes what a handler reads and answers, in the terms of
// an OpenAPI operation. Schemas refer to Components by
// "#/components/schemas/Name".
type OperationInfo struct {
	// Parameters are the path, query, header and cookie values the
	// handler binds, in the order it declares them.
	Parameters  []Parameter
	RequestBody *RequestBody // nil: the handler reads no body
	// Responses are the success answer first (with the handler's status; a
	// Router replaces it with the route's status code when one is set),
	// then 422 when the request can fail validation, then the default
	// error answer (Status 0).
	Responses []Response
	// Components are every component the schemas above refer to,
	// directly or through each other.
	Components map[string]*jsonschema.Schema
	// Schemas is the registry the components belong to: operations that
	// share a registry never disagree on a component name.
	Schemas *jsonschema.Registry
}

// Parameter describes one parameter.
type Parameter struct {
	Name        string // as bound; header names as written in the tag
	In          string // "path", "query", "header" or "cookie"
	Required    bool
	Description string
	Example     any // nil: none
	Schema      *jsonschema.Schema
}

// RequestBody describes a request body.
type RequestBody struct {
	Required    bool   // the request must carry a body
	Description string // "" for none
	ContentType string // media type, such as "application/json"
	Schema      *jsonschema.Schema
}

// Response describes one answer.
type Response struct {
	Status      int                // 0 is OpenAPI's "default"
	Description string             // "" for the status text
	ContentType string             // "" when the answer has no body
	Schema      *jsonschema.Schema // nil when the answer has no body
	Headers     []Header           // headers the answer sets
}

// Header describes a response header.
type Header struct {
	Name        string // such as "Location"
	Description string // "" for none
	Schema      *jsonschema.Schema
}
