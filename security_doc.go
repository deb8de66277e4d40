package dynroute

import (
	"maps"
	"net/http"
	"reflect"
	"slices"

	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/openapi"
)

// docSecurity gathers, while a document is built, the schemes its
// operations use and says what each operation's security is.
type docSecurity struct {
	rules   *securityRules
	deflt   []SecurityRequirement
	schemes map[string]*SecurityScheme
}

func newDocSecurity(rules *securityRules) *docSecurity {
	if rules == nil {
		return &docSecurity{}
	}
	rules.mu.RLock()
	defer rules.mu.RUnlock()
	return &docSecurity{rules: rules, deflt: rules.deflt, schemes: maps.Clone(rules.schemes)}
}

// operation sets op's security from plan, the requirement the route's
// Router enforces (nil: none): left to the document's default when it is
// that, [] for a public route under a default, else the plan's own; and
// adds the 401 and 403 answers a protected operation can give.
func (ds *docSecurity) operation(op *openapi.Operation, plan *authPlan, style ErrorStyle) {
	if plan == nil {
		if len(ds.deflt) > 0 {
			op.Security = []openapi.SecurityRequirement{}
		}
		return
	}
	for _, alt := range plan.alts {
		for _, need := range alt {
			if _, ok := ds.schemes[need.name]; !ok {
				if ds.schemes == nil {
					ds.schemes = make(map[string]*SecurityScheme)
				}
				ds.schemes[need.name] = need.scheme
			}
		}
	}
	if !reflect.DeepEqual(plan.req, ds.deflt) {
		op.Security = cloneRequirements(plan.req)
	}
	scoped := false
	for _, alt := range plan.req {
		for _, scopes := range alt {
			scoped = scoped || len(scopes) > 0
		}
	}
	add := func(status int, desc string, headers []openapi.Header) {
		if slices.ContainsFunc(op.Responses, func(r openapi.Response) bool { return r.Status == status }) {
			return
		}
		ct, schema := "application/problem+json", problemSchema
		if style == FastAPIErrors {
			ct, schema = "application/json", detailSchema
		}
		op.Responses = append(op.Responses, openapi.Response{Status: status, Description: desc, ContentType: ct, Schema: schema, Headers: headers})
		sortResponses(op.Responses)
	}
	add(http.StatusUnauthorized, "The request has no credentials, or credentials that were not accepted.",
		[]openapi.Header{{Name: "WWW-Authenticate", Description: "The challenges of the route's schemes.", Schema: &jsonschema.Schema{Type: "string"}}})
	if scoped {
		add(http.StatusForbidden, "The credentials do not grant the scopes the route needs.", nil)
	}
}

// mounted sets the security of op, an operation of a mounted
// application whose Security says what the application requires, behind a
// mount whose Router enforces plan: both must be met.
func (ds *docSecurity) mounted(op *openapi.Operation, plan *authPlan, style ErrorStyle) {
	own := op.Security
	if plan == nil {
		op.Security = own
	} else {
		ds.operation(op, plan, style) // the schemes, the answers
		op.Security = bothRequirements(own, plan.req)
	}
	switch {
	case len(op.Security) == 0 && len(ds.deflt) == 0:
		op.Security = nil
	case reflect.DeepEqual(op.Security, ds.deflt):
		op.Security = nil
	}
}

// mountedSchemes adds the schemes of mounted documents that the
// document does not have under their names.
func (ds *docSecurity) mountedSchemes(schemes map[string]*SecurityScheme) {
	for name, s := range schemes {
		if _, ok := ds.schemes[name]; !ok {
			if ds.schemes == nil {
				ds.schemes = make(map[string]*SecurityScheme)
			}
			ds.schemes[name] = s
		}
	}
}

// bothRequirements is the requirement of meeting both a and b: each
// alternative of a joined with each of b; an empty list requires nothing.
func bothRequirements(a, b []SecurityRequirement) []SecurityRequirement {
	if len(a) == 0 {
		return cloneRequirements(b)
	}
	if len(b) == 0 {
		return cloneRequirements(a)
	}
	var out []SecurityRequirement
	for _, x := range a {
		for _, y := range b {
			r := make(SecurityRequirement, len(x)+len(y))
			for name, scopes := range x {
				r[name] = slices.Clone(scopes)
			}
			for name, scopes := range y {
				for _, s := range scopes {
					if !slices.Contains(r[name], s) {
						r[name] = append(r[name], s)
					}
				}
				if r[name] == nil {
					r[name] = []string{}
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// finish puts the schemes and the default requirement into doc.
func (ds *docSecurity) finish(doc *openapi.Document) {
	if len(ds.schemes) > 0 {
		doc.SecuritySchemes = ds.schemes
	}
	if len(ds.deflt) > 0 {
		doc.Security = cloneRequirements(ds.deflt)
	}
}

// problemSchema and detailSchema are the schemas of the 401 and 403
// answers: RFC 9457 problem details, or FastAPI's {"detail": ...}.
var (
	problemSchema = &jsonschema.Schema{Type: "object", Properties: []jsonschema.Property{
		{Name: "type", Schema: &jsonschema.Schema{Type: "string"}},
		{Name: "title", Schema: &jsonschema.Schema{Type: "string"}},
		{Name: "status", Schema: &jsonschema.Schema{Type: "integer"}},
		{Name: "detail", Schema: &jsonschema.Schema{Type: "string"}},
	}}
	detailSchema = &jsonschema.Schema{Type: "object", Properties: []jsonschema.Property{
		{Name: "detail", Schema: &jsonschema.Schema{Type: "string"}},
	}, Required: []string{"detail"}}
)
