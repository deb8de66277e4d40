package dynroute

import (
	"cmp"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// OperationDescriber is implemented by handlers that can describe their
// input and output, such as typed handlers; the OpenAPI emitter documents
// their routes from it.
type OperationDescriber interface {
	// DescribeOperation returns the handler's part of its operations. The
	// result is shared and must not be modified; its Components hold every
	// component its schemas refer to.
	DescribeOperation() *openapi.OperationInfo
}

// docMethods are the methods an OpenAPI 3.1 path item has fields for, in
// the order the specification lists them.
var docMethods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace,
}

// docInfo is what a Router puts into its documents besides the routes.
type docInfo struct {
	reg      *Registry  // for handler descriptions
	errStyle ErrorStyle // of the handlers' error answers
	sec      *securityRules
	info     openapi.Info
	servers  []openapi.Server
	tags     []openapi.Tag
}

// OpenAPI returns the OpenAPI 3.1 document of the routes added so far, as
// /openapi.json serves it once they are published. Hidden routes, the
// Router's own documentation routes and methods OpenAPI has no field for
// (CONNECT and extension methods) are left out. The Document is the
// caller's to change, but for the schemas of its Components and operations,
// which are shared and must not be modified.
//
// Each route's methods become operations: a route whose handler implements
// OperationDescriber (typed handlers do) is documented with its parameters,
// request body, responses and their schemas; any other handler with its
// path parameters (strings), its status code and Responses. A route
// without a description gets its Registry handler's
// (Registry.SetDescription). GET and HEAD operations document no request
// body. Summaries default to the route name in words ("get_user" → "Get
// User").
//
// Paths are in the order their first route was added; routes whose paths
// differ only in their parameter names share one path item, under the
// first route's names. A {name...} parameter is written {name}, and the
// operation carries the route's own path in an x-dynroute-path extension,
// which LoadOpenAPI reads, so a document the Router wrote loads back as the
// same routes. (In the rare table where a {name} route and a {name...}
// route would give the same template, the second keeps the {name...}
// spelling: OpenAPI cannot tell the two apart.) Operations are in the
// order get, put, post, delete, options, head, patch, trace; parameters
// are the path parameters in path order, then the others; responses are in
// ascending status order, the default answer last. Tags are listed in the
// order operations first use them, with the descriptions of Options.Tags;
// tags declared there that no operation uses follow in their declared
// order.
//
// Components that handlers built in different jsonschema Registries share a
// name when their schemas are equal; when they differ, the one met later
// (in route order) is renamed with a number ("Product2"), so no schema is
// ever overwritten.
func (rt *Router) OpenAPI() *openapi.Document {
	return rt.document(nil)
}

// document builds the document of the routes added so far; seen holds the
// Routers whose documents are being built, which mounts do not enter again.
func (rt *Router) document(seen []*Router) *openapi.Document {
	rt.mu.Lock()
	recs := slices.Clone(rt.set.recs)
	rt.mu.Unlock()
	return rt.doc.document(recs, append(seen, rt))
}

// document builds the document of recs, served by the Routers of seen (the
// last one the Router of recs).
func (d *docInfo) document(recs []*routeRec, seen []*Router) *openapi.Document {
	doc := &openapi.Document{Info: d.info, Servers: d.servers}
	sec := newDocSecurity(d.sec)
	models := jsonschema.NewRegistry(nil)         // the response models of plain handlers
	items := make(map[string]*docItem, len(recs)) // by template shape (docShape)
	// The templates of routes without {x...}, names aside: a {x...} route
	// whose template would be one of them keeps its {x...} spelling.
	templates := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if !rec.route.Hidden && rec.mount == nil && !rec.pat.hasCatchAll() {
			templates[rec.pat.docShape()] = true
		}
	}
	var tagOrder []string
	tagSeen := make(map[string]bool)
	var merge componentMerger
	var mounted *mountedOps
	headerOps := make(headerOperations)
	for _, rec := range recs {
		r := &rec.route
		if rec.mount != nil {
			if r.Hidden {
				continue
			}
			if mounted == nil {
				mounted = newMountedOps(recs)
			}
			for _, item := range mounted.add(rec.mount, seen, &merge, d) {
				doc.Paths = append(doc.Paths, item)
				for _, op := range item.Operations {
					sec.mounted(op, rec.auth, d.errStyle)
					for _, t := range op.Tags {
						if !tagSeen[t] {
							tagSeen[t] = true
							tagOrder = append(tagOrder, t)
						}
					}
				}
			}
			continue
		}
		if r.Hidden {
			continue
		}
		var info *openapi.OperationInfo
		h := r.Handler
		if s, ok := h.(ErrorStyler); ok && d.errStyle != ProblemDetails {
			h = s.WithErrorStyle(d.errStyle) // documented as it answers
		}
		if od, ok := h.(OperationDescriber); ok {
			info = od.DescribeOperation()
		} else if r.ResponseModel != nil {
			info = modelInfo(models, r)
		}
		ren := merge.add(info)
		shape := rec.pat.docShape()
		di, ok := items[shape]
		if !ok {
			di = newDocItem(rec.pat, templates)
			items[shape] = di
			doc.Paths = append(doc.Paths, di.item)
		}
		item := di.item
		var params []openapi.Parameter
		var body *openapi.RequestBody
		var responses []openapi.Response
		for i, m := range r.Methods {
			if !slices.Contains(docMethods, m) {
				continue
			}
			if op := item.Operation(m); op != nil {
				// Only routes told apart by headers or by convertors
				// ({id:int} beside {name}) share a path item and a method:
				// they share one operation, the first route's, whose path
				// parameters take every route's values.
				widenPathParams(op.Parameters, operationParams(rec, di.names, info, ren))
				if headerOps[op] == nil {
					headerOps[op] = []*Route{di.routes[slices.Index(item.Operations, op)]}
				}
				headerOps[op] = append(headerOps[op], r)
				// It documents every route's answers: a status the first
				// route has with another schema becomes a anyOf of both.
				op.Responses = mergeResponses(op.Responses, operationResponses(r, info, ren))
				continue
			}
			if params == nil {
				params = operationParams(rec, di.names, info, ren)
				body = operationBody(info, ren)
				responses = operationResponses(r, info, ren)
			} else { // a second method: its own copies, for callers that edit
				params, responses = slices.Clone(params), slices.Clone(responses)
				if body != nil {
					b := *body
					body = &b
				}
			}
			op := &openapi.Operation{
				Method:      m,
				OperationID: rec.opIDs[i],
				Summary:     r.Summary,
				Description: r.Description,
				Tags:        slices.Clone(r.Tags),
				Deprecated:  r.Deprecated,
				Parameters:  params,
				RequestBody: body,
				Responses:   responses,
				Extensions:  maps.Clone(r.Extensions),
			}
			if op.Summary == "" && r.Name != "" {
				op.Summary = nameWords(r.Name)
			}
			if op.Description == "" && r.HandlerName != "" && d.reg != nil {
				op.Description = d.reg.Description(r.HandlerName)
			}
			if r.Path != item.Path {
				// The template does not say what the route matches ({rest...},
				// or other parameter names): say it for LoadOpenAPI.
				if op.Extensions == nil {
					op.Extensions = make(map[string]any, 1)
				}
				op.Extensions["x-dynroute-path"] = r.Path
			}
			if m == http.MethodGet || m == http.MethodHead {
				// GET and HEAD bodies have no defined meaning (RFC 9110),
				// and many tools refuse to document one.
				op.RequestBody = nil
			}
			sec.operation(op, rec.auth, d.errStyle)
			item.Operations = append(item.Operations, op)
			di.routes = append(di.routes, r)
			if len(r.Headers) > 0 {
				headerOps[op] = []*Route{r} // document its headers, even alone
			}
			for _, t := range r.Tags {
				if !tagSeen[t] {
					tagSeen[t] = true
					tagOrder = append(tagOrder, t)
				}
			}
		}
	}
	headerOps.document()
	if mounted != nil {
		sec.mountedSchemes(mounted.schemes)
	}
	sec.finish(doc)
	for _, item := range doc.Paths {
		slices.SortStableFunc(item.Operations, func(a, b *openapi.Operation) int {
			return slices.Index(docMethods, a.Method) - slices.Index(docMethods, b.Method)
		})
	}
	doc.Paths = slices.DeleteFunc(doc.Paths, func(p *openapi.PathItem) bool { return len(p.Operations) == 0 })
	declared := make(map[string]openapi.Tag, len(d.tags))
	if mounted != nil {
		for _, t := range mounted.tags { // the mounted documents' own
			declared[t.Name] = t
		}
	}
	for _, t := range d.tags {
		declared[t.Name] = t
	}
	for _, name := range tagOrder {
		t, ok := declared[name]
		if !ok {
			t = openapi.Tag{Name: name}
		}
		doc.Tags = append(doc.Tags, t)
	}
	for _, t := range d.tags {
		if !tagSeen[t.Name] {
			doc.Tags = append(doc.Tags, t)
		}
	}
	doc.Components = merge.out
	return doc
}

// headerOperations are the operations that routes told apart by headers
// share, with those routes, the first (the operation's) first.
type headerOperations map[*openapi.Operation][]*Route

// document adds to each shared operation a header parameter per header its
// routes match: required when every route matches it, with the exact
// values as an enum when no route uses a regular expression for it.
func (h headerOperations) document() {
	for op, variants := range h {
		var names []string
		matches := make(map[string][]HeaderMatch)
		for _, r := range variants {
			for _, m := range r.Headers {
				name := http.CanonicalHeaderKey(m.Name)
				if matches[name] == nil {
					names = append(names, name)
				}
				matches[name] = append(matches[name], m)
			}
		}
		params := slices.Clone(op.Parameters)
		for _, name := range names {
			schema := &jsonschema.Schema{Type: "string"}
			var desc []string
			exact := true
			for _, m := range matches[name] {
				if m.Regexp {
					exact = false
					desc = append(desc, `a value matching "`+m.Value+`"`)
				} else {
					desc = append(desc, `"`+m.Value+`"`)
				}
			}
			if exact {
				for _, m := range matches[name] {
					schema.Enum = append(schema.Enum, m.Value)
				}
			}
			params = append(params, openapi.Parameter{
				Name:        name,
				In:          "header",
				Required:    len(matches[name]) == len(variants),
				Description: "Selects the route: " + strings.Join(desc, ", ") + ".",
				Schema:      schema,
			})
		}
		op.Parameters = params
	}
}

// docItem is a path item being built, with its template's parameter names
// and the route of each of its operations.
type docItem struct {
	routes []*Route
	item   *openapi.PathItem
	names  []string
}

// newDocItem starts the path item of routes of p's shape. dynroute's path
// syntax is OpenAPI's but for {name...}, written {name} unless a route
// without {x...} has that template (names aside): then p keeps its
// {name...} spelling. templates holds those templates, as shapes.
func newDocItem(p *pattern, templates map[string]bool) *docItem {
	path := p.docPath()
	if !p.hasCatchAll() {
		return &docItem{item: &openapi.PathItem{Path: path}, names: p.params}
	}
	shape := p.docShape()
	if templates[shape[:len(shape)-len("{...}")]+"{}"] {
		names := slices.Clone(p.params)
		names[len(names)-1] += "..."
		return &docItem{item: &openapi.PathItem{Path: path}, names: names}
	}
	// {name...}, the last segment, is written {name}.
	return &docItem{item: &openapi.PathItem{Path: strings.TrimSuffix(path, "...}") + "}"}, names: p.params}
}

// docPath is the path as a document writes it: dynroute's syntax without
// convertors ({id:int} is {id}, {p:path} is {p...}).
func (p *pattern) docPath() string {
	if !p.checked && !strings.Contains(p.path, ":path}") && !strings.Contains(p.path, ":str}") {
		return p.path
	}
	return p.spelled(true, false)
}

// docShape is the shape of the path a document writes (docPath): routes
// told apart by convertors only share it, and a path item.
func (p *pattern) docShape() string {
	if !p.checked {
		return p.shape()
	}
	return p.spelled(false, false)
}

// spelled writes p's segments as segment.spelled does.
func (p *pattern) spelled(names, convs bool) string {
	var b strings.Builder
	for _, s := range p.segs {
		b.WriteByte('/')
		b.WriteString(s.spelled(names, convs))
	}
	return b.String()
}

// paramConvertors returns the convertor of each of p's parameters, in
// order.
func (p *pattern) paramConvertors() []convertor {
	var convs []convertor
	for _, s := range p.segs {
		switch s.kind {
		case segParam, segCatchAll:
			convs = append(convs, s.conv)
		case segMixed:
			convs = append(convs, s.mixed.convs...)
		}
	}
	return convs
}

// convertorSchemas are the schemas of the values convertors accept.
var convertorSchemas = map[convertor]*jsonschema.Schema{
	convInt:   {Type: "integer"},
	convFloat: {Type: "number"},
	convUUID:  {Type: "string", Format: "uuid"},
}

// widenPathParams lets the path parameters of a shared operation (see
// document) take the values of another route's: a schema that differs
// becomes an anyOf of both.
func widenPathParams(params, other []openapi.Parameter) {
	for i := range params {
		if params[i].In != "path" || i >= len(other) || other[i].In != "path" {
			continue
		}
		a, b := params[i].Schema, other[i].Schema
		if a == nil || b == nil || reflect.DeepEqual(a, b) {
			continue
		}
		if len(a.AnyOf) > 0 && a.Type == "" {
			if !slices.ContainsFunc(a.AnyOf, func(s *jsonschema.Schema) bool { return reflect.DeepEqual(s, b) }) {
				params[i].Schema = &jsonschema.Schema{AnyOf: append(slices.Clone(a.AnyOf), b)}
			}
			continue
		}
		params[i].Schema = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{a, b}}
	}
}

// stringSchema is the schema of a path parameter no handler describes.
var stringSchema = &jsonschema.Schema{Type: "string"}

// operationParams lists the parameters of rec's operations: its path
// parameters in path order, named as in item's template, then the
// handler's other parameters.
func operationParams(rec *routeRec, names []string, info *openapi.OperationInfo, ren *componentNames) []openapi.Parameter {
	params := make([]openapi.Parameter, 0, len(rec.pat.params))
	var convs []convertor
	if rec.pat.checked {
		convs = rec.pat.paramConvertors()
	}
	for i, name := range rec.pat.params {
		p := openapi.Parameter{Name: name, In: "path", Required: true, Schema: stringSchema}
		if convs != nil && convertorSchemas[convs[i]] != nil {
			p.Schema = convertorSchemas[convs[i]]
		}
		described := false
		if info != nil {
			for _, q := range info.Parameters {
				if q.In == "path" && q.Name == name {
					p, described = q, true
					p.Schema = ren.rewrite(q.Schema)
					p.Required = true
					break
				}
			}
		}
		if !described && i == len(rec.pat.params)-1 && rec.pat.hasCatchAll() {
			p.Description = "The rest of the path; may contain '/'."
		}
		if i < len(names) {
			p.Name = names[i]
		}
		params = append(params, p)
	}
	if info != nil {
		for _, q := range info.Parameters {
			if q.In != "path" {
				q.Schema = ren.rewrite(q.Schema)
				params = append(params, q)
			}
		}
	}
	return params
}

// operationBody returns the request body the handler described, if any.
func operationBody(info *openapi.OperationInfo, ren *componentNames) *openapi.RequestBody {
	if info == nil || info.RequestBody == nil {
		return nil
	}
	b := *info.RequestBody
	b.Schema = ren.rewrite(b.Schema)
	return &b
}

// operationResponses lists a route's answers: the handler's, with the
// route's StatusCode replacing the success status, and the descriptions of
// Route.Responses, in ascending status order with the default last.
func operationResponses(r *Route, info *openapi.OperationInfo, ren *componentNames) []openapi.Response {
	var out []openapi.Response
	if info != nil {
		out = make([]openapi.Response, 0, len(info.Responses)+len(r.Responses))
		for i, resp := range info.Responses {
			resp.Schema = ren.rewrite(resp.Schema)
			if len(resp.Headers) > 0 {
				resp.Headers = slices.Clone(resp.Headers)
				for j := range resp.Headers {
					resp.Headers[j].Schema = ren.rewrite(resp.Headers[j].Schema)
				}
			}
			if i == 0 && r.StatusCode != 0 && resp.Status != 0 {
				resp.Status = r.StatusCode
				resp.Description = http.StatusText(r.StatusCode)
				if !httpx.BodyAllowed(r.StatusCode) {
					resp.ContentType, resp.Schema = "", nil
				}
			}
			out = append(out, resp)
		}
	} else {
		status := r.StatusCode
		if status == 0 {
			status = http.StatusOK
			for code := range r.Responses {
				if code >= 200 && code < 300 {
					status = 0 // the route documents its successes itself
				}
			}
		}
		if status != 0 {
			out = append(out, openapi.Response{Status: status})
		}
	}
	for code, desc := range r.Responses {
		i := slices.IndexFunc(out, func(resp openapi.Response) bool { return resp.Status == code })
		if i < 0 {
			out = append(out, openapi.Response{Status: code})
			i = len(out) - 1
		}
		out[i].Description = desc
	}
	for i := range out {
		if out[i].Description == "" {
			out[i].Description = http.StatusText(out[i].Status)
		}
		if out[i].Description == "" {
			out[i].Description = "Response"
		}
	}
	sortResponses(out)
	return out
}

// sortResponses orders answers by status, OpenAPI's default (0) last.
func sortResponses(rs []openapi.Response) {
	slices.SortStableFunc(rs, func(a, b openapi.Response) int {
		ka, kb := a.Status, b.Status
		if ka == 0 {
			ka = 1000
		}
		if kb == 0 {
			kb = 1000
		}
		return ka - kb
	})
}

// nameWords turns a route name into a summary: "get_dynamic_users" →
// "Get Dynamic Users".
func nameWords(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' })
	for i, w := range words {
		if c := w[0]; c >= 'a' && c <= 'z' {
			words[i] = string(c-'a'+'A') + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// operationIDs returns the operationIds of a route, one per method: its
// OperationID, else its Name, else the method and path ("get_users_by_id"
// for GET /users/{id}); a route with several methods gets the method
// appended to each ("user_get", "user_delete"). A hidden route without
// OperationID has none.
func operationIDs(r *Route, p *pattern, buf []string) []string {
	base := r.OperationID
	if base == "" {
		if r.Hidden {
			return nil
		}
		base = r.Name
	}
	if base != "" && len(r.Methods) == 1 {
		return append(buf, base)
	}
	ids := buf
	for _, m := range r.Methods {
		if base != "" {
			ids = append(ids, base+"_"+strings.ToLower(m))
		} else {
			ids = append(ids, pathOperationID(m, p))
		}
	}
	return ids
}

// pathOperationID derives an operationId from a method and a path: the
// lower-case method, then each literal segment with runs of characters
// other than letters and digits made one '_', each parameter as by_name
// (by_name_int with a convertor; a mixed segment as written, {sid}.json as
// by_sid_json), a trailing slash as "slash" and the root as "root".
func pathOperationID(method string, p *pattern) string {
	var buf [128]byte // on the stack: the string is the one allocation
	b := buf[:0]
	for i := 0; i < len(method); i++ {
		c := method[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	word := func(prefix, s string) {
		start := len(b)
		b = append(b, '_')
		b = append(b, prefix...)
		sep := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				if sep && len(b) > start+1+len(prefix) {
					b = append(b, '_')
				}
				b = append(b, c)
				sep = false
			} else {
				sep = true
			}
		}
		if len(b) == start+1+len(prefix) {
			b = b[:start] // nothing but punctuation
		}
	}
	if len(p.segs) == 1 && p.segs[0].kind == segLiteral && p.segs[0].text == "" {
		return string(append(b, "_root"...))
	}
	for i, s := range p.segs {
		switch {
		case s.kind == segLiteral && s.text == "" && i == len(p.segs)-1:
			b = append(b, "_slash"...)
		case s.kind == segLiteral:
			word("", s.text)
		case s.kind == segParam && s.conv != convNone:
			word("by_", s.text+"_"+s.conv.String())
		default:
			word("by_", s.text)
		}
	}
	return string(b)
}

// opIDOrigin says, for error messages, where a route's operationIds came
// from when the route did not set them.
func opIDOrigin(r *Route) string {
	switch {
	case r.OperationID != "":
		return ""
	case r.Name != "":
		return " (from the route name; set OperationID to choose another)"
	default:
		return " (from the method and path; set OperationID or Name to choose another)"
	}
}

// hasAnyMethod reports whether a and b share a method.
func hasAnyMethod(a, b []string) bool {
	for _, m := range a {
		if slices.Contains(b, m) {
			return true
		}
	}
	return false
}

// modelInfo describes the successful answer of a plain handler whose route
// has a ResponseModel: application/json with the model type's schema, built
// in models, the document's registry of such types.
func modelInfo(models *jsonschema.Registry, r *Route) *openapi.OperationInfo {
	s, err := models.Schema(reflect.TypeOf(r.ResponseModel))
	if err != nil { // checked when the route was added: it does not happen
		return nil
	}
	status := cmp.Or(r.StatusCode, http.StatusOK)
	return &openapi.OperationInfo{
		Schemas:    models,
		Responses:  []openapi.Response{{Status: status, Description: http.StatusText(status), ContentType: "application/json", Schema: s}},
		Components: models.Closure(s),
	}
}
