package openapi

import "github.com/dynroute/dynroute/jsonschema"

// Document is an OpenAPI 3.1 document. Its fields keep the order they are
// written in; MarshalJSON writes the same bytes for the same document.
type Document struct {
	Info    Info
	Servers []Server
	Tags    []Tag // written in this order
	// Paths are the path items, written in this order.
	Paths []*PathItem
	// Components are components/schemas by name, written sorted by name.
	Components map[string]*jsonschema.Schema
	// SecuritySchemes are components/securitySchemes by name, written
	// sorted by name.
	SecuritySchemes map[string]*SecurityScheme
	// Security is the requirement of operations that state none of their
	// own (see Operation.Security); nil for none.
	Security []SecurityRequirement
}

// Info is the info object of an OpenAPI document. Summary and
// License.Identifier are OpenAPI 3.1 fields, left out of 3.0 documents.
type Info struct {
	Title          string
	Summary        string
	Description    string
	TermsOfService string
	Contact        *Contact
	License        *License
	Version        string
}

// Contact is the contact information of an API.
type Contact struct {
	Name  string
	URL   string
	Email string
}

// License is the license of an API: a Name, and an SPDX Identifier or a URL.
type License struct {
	Name       string
	Identifier string
	URL        string
}

// Server is a base URL the API is served at.
type Server struct {
	URL         string
	Description string
}

// Tag describes a tag that operations are grouped by.
type Tag struct {
	Name         string
	Description  string
	ExternalDocs *ExternalDocs
}

// ExternalDocs links to documentation elsewhere.
type ExternalDocs struct {
	Description string
	URL         string
}

// PathItem is the operations of one path template.
type PathItem struct {
	// Path is the OpenAPI path template: "/users/{id}".
	Path string
	// Operations are written in this order, each under its method.
	Operations []*Operation
}

// Operation documents one method of one path.
type Operation struct {
	Method      string // upper case
	OperationID string
	Summary     string
	Description string
	Tags        []string
	Deprecated  bool
	Parameters  []Parameter
	RequestBody *RequestBody // nil: none
	// Responses are written in this order, each under its Status ("default"
	// for 0).
	Responses []Response
	// Security is the operation's own requirement: nil leaves it to the
	// document's, an empty list makes the operation public.
	Security []SecurityRequirement
	// Extensions are the operation's x- members, written sorted by key.
	Extensions map[string]any
}

// Operation returns the item's operation for method (upper case), or nil.
func (p *PathItem) Operation(method string) *Operation {
	for _, op := range p.Operations {
		if op.Method == method {
			return op
		}
	}
	return nil
}
