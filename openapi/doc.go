// Package openapi is the OpenAPI 3.1 object model dynroute documents APIs
// in, and its writer: Document, PathItem, Operation, Parameter,
// RequestBody, Response, with schemas from package jsonschema.
//
// It knows no router. A dynroute.Router builds a Document from its route
// metadata (Router.OpenAPI) and serves it at /openapi.json; handlers that
// describe themselves — typed and CRUD handlers — hand the Router an
// OperationInfo, their part of an operation. A Document can also be built by
// hand, as any other value:
//
//	doc := &openapi.Document{Info: openapi.Info{Title: "Shop", Version: "1.0.0"}, Paths: items}
//	b, err := doc.MarshalJSON()   // OpenAPI 3.1.0
//	b, err = doc.MarshalJSON30()  // the same API as OpenAPI 3.0.3, for tools without 3.1
//
// The writer is deterministic: members in a fixed order and maps sorted by
// key, so the same document always gives the same bytes.
package openapi
