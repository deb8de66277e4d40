package openapi

import "github.com/dynroute/dynroute/jsonschema"

// Document is an OpenAPI 3.1 document. Its fields keep the order they are
// written in; MarshalJSON writes the same bytes for the same document.
type Document struct {
	Info    Info
	Servers []Server
	// Tags are listed in the order operations first use them, with the
	// descriptions of Options.Tags; tags declared there and used by no
	// operation follow in their declared order.
	Tags []Tag
	// Paths are in the order their first route was added.
	Paths []*PathItem
	// Components are components/schemas by name, written sorted by name.
	Components map[string]*jsonschema.Schema
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
	// Path is the OpenAPI path template: "/users/{id}". A {name...}
	// parameter is written {name}; its operations carry the route's own
	// path in an x-dynroute-path extension, which LoadOpenAPI reads, so a
	// document dynroute wrote loads back as the same routes. Routes whose paths differ only in their
	// parameter names share one PathItem under the first route's names. In
	// the rare table where a {name} route and a {name...} route would give
	// the same template, the second keeps dynroute's {name...} spelling
	// (and its parameter is named "name..."): OpenAPI has no way to tell
	// the two apart, so such a document is not strictly valid.
	Path string
	// Operations are in the order get, put, post, delete, options, head,
	// patch, trace.
	Operations []*Operation
}

// Operation documents one method of one route.
type Operation struct {
	Method      string // upper case
	OperationID string
	Summary     string
	Description string
	Tags        []string
	Deprecated  bool
	// Parameters are the path parameters in path order, then the others.
	Parameters  []Parameter
	RequestBody *RequestBody
	// Responses are in ascending status order, the default answer (Status
	// 0) last.
	Responses  []Response
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
