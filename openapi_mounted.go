package dynroute

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/openapi"
)

// mountedOps gathers the operations of mounted applications into a
// document.
type mountedOps struct {
	ids     map[string]bool // operationIds taken
	tags    []openapi.Tag   // tags the mounted documents declare
	schemes map[string]*SecurityScheme
}

// newMountedOps starts with the operationIds of recs' own operations, which
// mounted ones must not take.
func newMountedOps(recs []*routeRec) *mountedOps {
	m := &mountedOps{ids: make(map[string]bool)}
	for _, rec := range recs {
		if !rec.route.Hidden {
			for _, id := range rec.opIDs {
				m.ids[id] = true
			}
		}
	}
	return m
}

// add returns the path items of a mounted application's document, its
// paths behind the mount's prefix, its schemas merged and its
// operationIds made unique: one that is taken gets the mount's name before
// it ("plugina_list_items"), and then a number if need be.
func (m *mountedOps) add(mh *mountHandler, seen []*Router, merge *componentMerger, d *docInfo) []*openapi.PathItem {
	var sub *openapi.Document
	var key any = mh
	switch h := mh.h.(type) {
	case *Router:
		if slices.Contains(seen, h) {
			return nil // a cycle of mounts
		}
		sub, key = h.document(seen), h
	case OpenAPIProvider:
		sub = h.OpenAPI()
	}
	if sub == nil {
		return nil
	}
	ren := merge.addComponents(key, sub.Components)
	for n, s := range sub.SecuritySchemes {
		if m.schemes == nil {
			m.schemes = make(map[string]*SecurityScheme)
		}
		m.schemes[n] = s
	}
	name := mh.opts.Name
	if name == "" {
		name = strings.Trim(pathOperationID("", &pattern{segs: []segment{{kind: segLiteral, text: mh.prefix}}}), "_")
	}
	m.tags = append(m.tags, sub.Tags...)
	items := make([]*openapi.PathItem, 0, len(sub.Paths))
	for _, item := range sub.Paths {
		out := &openapi.PathItem{Path: mh.prefix + item.Path}
		for _, op := range item.Operations {
			c := *op
			c.Tags = slices.Clone(op.Tags)
			for _, t := range mh.opts.Tags {
				if !slices.Contains(c.Tags, t) {
					c.Tags = append(c.Tags, t)
				}
			}
			if c.OperationID != "" && m.ids[c.OperationID] {
				id := name + "_" + c.OperationID
				for i := 2; m.ids[id]; i++ {
					id = fmt.Sprintf("%s_%s_%d", name, c.OperationID, i)
				}
				c.OperationID = id
			}
			m.ids[c.OperationID] = true
			if c.Security == nil {
				// What the application's document requires of it; [] for
				// nothing, as the mount may require something.
				c.Security = cloneRequirements(sub.Security)
				if c.Security == nil {
					c.Security = []openapi.SecurityRequirement{}
				}
			}
			c.Parameters = prefixParams(mh.pat, op.Parameters)
			for i := range c.Parameters {
				c.Parameters[i].Schema = ren.rewrite(c.Parameters[i].Schema)
			}
			if op.RequestBody != nil {
				b := *op.RequestBody
				b.Schema = ren.rewrite(b.Schema)
				c.RequestBody = &b
			}
			c.Responses = slices.Clone(op.Responses)
			for i := range c.Responses {
				resp := &c.Responses[i]
				resp.Schema = ren.rewrite(resp.Schema)
				if len(resp.Headers) > 0 {
					resp.Headers = slices.Clone(resp.Headers)
					for j := range resp.Headers {
						resp.Headers[j].Schema = ren.rewrite(resp.Headers[j].Schema)
					}
				}
			}
			out.Operations = append(out.Operations, &c)
		}
		items = append(items, out)
	}
	return items
}

// prefixParams returns the parameters of an operation of a mounted
// application behind prefix: the prefix's path parameters, in path order,
// then the operation's own, params. A name params has as a path parameter
// already is left to it.
func prefixParams(prefix *pattern, params []openapi.Parameter) []openapi.Parameter {
	if len(prefix.params) == 0 {
		return slices.Clone(params)
	}
	out := make([]openapi.Parameter, 0, len(prefix.params)+len(params))
	for _, name := range prefix.params {
		if !slices.ContainsFunc(params, func(q openapi.Parameter) bool { return q.In == "path" && q.Name == name }) {
			out = append(out, openapi.Parameter{Name: name, In: "path", Required: true, Schema: stringSchema})
		}
	}
	return append(out, params...)
}
