package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute/jsonschema"
	"github.com/go-json-experiment/json/jsontext"
)

// MarshalJSON writes d as an OpenAPI 3.1.0 document. Members are written in
// a fixed order and maps sorted by key, so the same document always gives
// the same bytes.
func (d *Document) MarshalJSON() ([]byte, error) { return d.appendJSON(d.buffer(), false) }

// MarshalJSON30 writes d as an equivalent OpenAPI 3.0.3 document, for tools
// that do not read 3.1: nullable types become nullable: true, numeric
// exclusive bounds become boolean ones, examples become example, $ref
// siblings move beside an allOf, base64 content becomes format: byte, and
// the 3.1-only Info.Summary and License.Identifier are left out.
func (d *Document) MarshalJSON30() ([]byte, error) { return d.appendJSON(d.buffer(), true) }

// buffer returns a buffer of about the size of d's JSON, so that writing
// it does not copy it again and again as it grows.
func (d *Document) buffer() []byte {
	n := 4096 + 256*len(d.Components)
	for _, item := range d.Paths {
		n += 64 + 448*len(item.Operations)
	}
	return make([]byte, 0, n)
}

// docWriter appends an OpenAPI document to b.
type docWriter struct {
	b   []byte
	v30 bool
	err error
}

// object starts a JSON object; its members are written with the methods of
// the returned value.
func (w *docWriter) object() docObject {
	w.b = append(w.b, '{')
	return docObject{w: w}
}

// docObject writes the members of one JSON object.
type docObject struct {
	w *docWriter
	n int
}

func (o *docObject) key(k string) {
	if o.n > 0 {
		o.w.b = append(o.w.b, ',')
	}
	o.n++
	o.w.b = appendString(o.w.b, k)
	o.w.b = append(o.w.b, ':')
}

func (o *docObject) end() { o.w.b = append(o.w.b, '}') }

// str writes a string member unless v is empty.
func (o *docObject) str(k, v string) {
	if v != "" {
		o.key(k)
		o.w.b = appendString(o.w.b, v)
	}
}

// flag writes a true member; false is the default of every flag written.
func (o *docObject) flag(k string, v bool) {
	if v {
		o.key(k)
		o.w.b = append(o.w.b, "true"...)
	}
}

// value writes any JSON value.
func (o *docObject) value(k string, v any) {
	o.key(k)
	vb, err := json.Marshal(v)
	if err != nil {
		if o.w.err == nil {
			o.w.err = fmt.Errorf("dynroute: OpenAPI %s: %w", k, err)
		}
		vb = []byte("null")
	}
	o.w.b = append(o.w.b, vb...)
}

// schema writes a schema member.
func (o *docObject) schema(k string, s *jsonschema.Schema) {
	o.key(k)
	var err error
	dialect := jsonschema.Draft2020
	if o.w.v30 {
		dialect = jsonschema.OpenAPI30
	}
	o.w.b, err = s.AppendJSON(o.w.b, dialect)
	if err != nil && o.w.err == nil {
		o.w.err = fmt.Errorf("dynroute: OpenAPI schema: %w", err)
	}
}

// extensions writes x- members, sorted by key.
func (o *docObject) extensions(ext map[string]any) {
	if len(ext) == 0 {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(ext)) {
		o.value(k, ext[k])
	}
}

// appendJSON appends the document to b.
func (d *Document) appendJSON(b []byte, v30 bool) ([]byte, error) {
	w := &docWriter{b: b, v30: v30}
	doc := w.object()
	if v30 {
		doc.str("openapi", "3.0.3")
	} else {
		doc.str("openapi", "3.1.0")
	}
	doc.key("info")
	w.info(&d.Info)
	if len(d.Servers) > 0 {
		doc.key("servers")
		w.list(len(d.Servers), func(i int) {
			s := w.object()
			s.str("url", d.Servers[i].URL)
			s.str("description", d.Servers[i].Description)
			s.end()
		})
	}
	if len(d.Tags) > 0 {
		doc.key("tags")
		w.list(len(d.Tags), func(i int) {
			t := &d.Tags[i]
			o := w.object()
			o.str("name", t.Name)
			o.str("description", t.Description)
			if t.ExternalDocs != nil {
				o.key("externalDocs")
				w.externalDocs(t.ExternalDocs)
			}
			o.end()
		})
	}
	doc.key("paths")
	paths := w.object()
	for _, item := range d.Paths {
		paths.key(item.Path)
		ops := w.object()
		for _, op := range item.Operations {
			ops.key(strings.ToLower(op.Method))
			w.operation(op)
		}
		ops.end()
	}
	paths.end()
	if len(d.Components) > 0 || len(d.SecuritySchemes) > 0 {
		doc.key("components")
		c := w.object()
		if len(d.Components) > 0 {
			c.key("schemas")
			schemas := w.object()
			for _, name := range slices.Sorted(maps.Keys(d.Components)) {
				schemas.schema(name, d.Components[name])
			}
			schemas.end()
		}
		if len(d.SecuritySchemes) > 0 {
			c.key("securitySchemes")
			w.securitySchemes(d.SecuritySchemes)
		}
		c.end()
	}
	if d.Security != nil {
		doc.key("security")
		w.security(d.Security)
	}
	doc.end()
	return w.b, w.err
}

// list writes a JSON array of n elements, each written by elem.
func (w *docWriter) list(n int, elem func(i int)) {
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		elem(i)
	}
	w.b = append(w.b, ']')
}

func (w *docWriter) strings(ss []string) {
	w.list(len(ss), func(i int) { w.b = appendString(w.b, ss[i]) })
}

func (w *docWriter) info(in *Info) {
	o := w.object()
	title := in.Title
	if title == "" {
		title = "API" // required
	}
	o.str("title", title)
	if !w.v30 {
		o.str("summary", in.Summary)
	}
	o.str("description", in.Description)
	o.str("termsOfService", in.TermsOfService)
	if c := in.Contact; c != nil {
		o.key("contact")
		co := w.object()
		co.str("name", c.Name)
		co.str("url", c.URL)
		co.str("email", c.Email)
		co.end()
	}
	if l := in.License; l != nil {
		o.key("license")
		lo := w.object()
		lo.str("name", l.Name)
		if !w.v30 && l.URL == "" {
			lo.str("identifier", l.Identifier)
		}
		lo.str("url", l.URL)
		lo.end()
	}
	version := in.Version
	if version == "" {
		version = "0.0.0" // required
	}
	o.str("version", version)
	o.end()
}

func (w *docWriter) externalDocs(e *ExternalDocs) {
	o := w.object()
	o.str("description", e.Description)
	o.str("url", e.URL)
	o.end()
}

func (w *docWriter) operation(op *Operation) {
	o := w.object()
	if len(op.Tags) > 0 {
		o.key("tags")
		w.strings(op.Tags)
	}
	o.str("summary", op.Summary)
	o.str("description", op.Description)
	o.str("operationId", op.OperationID)
	if len(op.Parameters) > 0 {
		o.key("parameters")
		w.list(len(op.Parameters), func(i int) { w.parameter(&op.Parameters[i]) })
	}
	if rb := op.RequestBody; rb != nil {
		o.key("requestBody")
		r := w.object()
		r.str("description", rb.Description)
		r.key("content")
		w.content(rb.ContentType, rb.Schema)
		r.flag("required", rb.Required)
		r.end()
	}
	o.key("responses")
	rs := w.object()
	for i := range op.Responses {
		resp := &op.Responses[i]
		if resp.Status == 0 {
			rs.key("default")
		} else {
			rs.key(strconv.Itoa(resp.Status))
		}
		w.response(resp)
	}
	rs.end()
	o.flag("deprecated", op.Deprecated)
	if op.Security != nil {
		o.key("security")
		w.security(op.Security)
	}
	o.extensions(op.Extensions)
	o.end()
}

func (w *docWriter) parameter(p *Parameter) {
	o := w.object()
	o.str("name", p.Name)
	o.str("in", p.In)
	o.str("description", p.Description)
	o.flag("required", p.Required)
	if p.Schema != nil {
		o.schema("schema", p.Schema)
	}
	if p.Example != nil {
		o.value("example", p.Example)
	}
	o.end()
}

// content writes a content map of one media type.
func (w *docWriter) content(contentType string, s *jsonschema.Schema) {
	c := w.object()
	c.key(contentType)
	m := w.object()
	if s != nil {
		m.schema("schema", s)
	}
	m.end()
	c.end()
}

func (w *docWriter) response(r *Response) {
	o := w.object()
	o.str("description", r.Description)
	if len(r.Headers) > 0 {
		o.key("headers")
		hs := w.object()
		for i := range r.Headers {
			h := &r.Headers[i]
			hs.key(h.Name)
			ho := w.object()
			ho.str("description", h.Description)
			if h.Schema != nil {
				ho.schema("schema", h.Schema)
			}
			ho.end()
		}
		hs.end()
	}
	if r.ContentType != "" {
		o.key("content")
		w.content(r.ContentType, r.Schema)
	}
	o.end()
}

// appendString appends s to b as a JSON string, the shortest way (RFC 8785),
// invalid UTF-8 replaced with U+FFFD as encoding/json replaces it.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s) // the only error is invalid UTF-8, replaced
	return b
}
