package dynroute

import (
	"fmt"
	"strings"

	"github.com/dynroute/dynroute/openapi"
	"go.yaml.in/yaml/v3"
)

// oaSecurity is what a document says about security: its schemes
// (components/securitySchemes) and the requirement of operations that
// state none (the top-level security).
type oaSecurity struct {
	schemes  map[string]SecurityScheme
	problems map[string]string // scheme name -> why it could not be read
	deflt    []SecurityRequirement
	hasDeflt bool
}

// readSecurity reads the document's top-level security and its
// components/securitySchemes; top is the document's mapping.
func (l *openAPILoader) readSecurity(top []oaPair) {
	for _, p := range top {
		switch p.key {
		case "security":
			reqs, ok := l.security(p.val)
			if !ok {
				l.problems = append(l.problems, l.docError(p.keyNode.Line, "security is %s, want a list of mappings of scheme names to lists of scopes", oaKind(p.val)))
				continue
			}
			l.sec.deflt, l.sec.hasDeflt = reqs, true
		case "components":
			schemes := l.lookup(l.node(p.val), "securitySchemes")
			pairs, ok := l.mapping(schemes)
			if !ok {
				continue
			}
			for _, sp := range pairs {
				l.securityScheme(sp)
			}
		}
	}
}

// securityScheme reads one entry of components/securitySchemes.
func (l *openAPILoader) securityScheme(p oaPair) {
	n := p.val
	if ref := oaRefPair(mustPairs(l.mapping(n))); ref != nil {
		_, target, err := l.follow(l.root, ref.val, nil)
		if err != nil {
			l.sec.problem(p.key, err.Error())
			return
		}
		n = target
	}
	pairs, ok := l.mapping(n)
	if !ok {
		l.sec.problem(p.key, fmt.Sprintf("it is %s, want a mapping", oaKind(n)))
		return
	}
	var s SecurityScheme
	var bad []string
	for _, f := range pairs {
		var ok bool
		switch f.key {
		case "type":
			s.Type, ok = oaString(f.val)
		case "description":
			s.Description, ok = oaString(f.val)
		case "name":
			s.Name, ok = oaString(f.val)
		case "in":
			s.In, ok = oaString(f.val)
		case "scheme":
			s.Scheme, ok = oaString(f.val)
		case "bearerFormat":
			s.BearerFormat, ok = oaString(f.val)
		case "openIdConnectUrl":
			s.OpenIDConnectURL, ok = oaString(f.val)
		case "flows":
			s.Flows, ok = l.oauthFlows(f.val)
		default:
			continue
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("%s is %s", f.key, oaKind(f.val)))
		}
	}
	if len(bad) > 0 {
		l.sec.problem(p.key, strings.Join(bad, ", "))
		return
	}
	if l.sec.schemes == nil {
		l.sec.schemes = make(map[string]SecurityScheme)
	}
	l.sec.schemes[p.key] = s
}

func (s *oaSecurity) problem(name, why string) {
	if s.problems == nil {
		s.problems = make(map[string]string)
	}
	s.problems[name] = why
}

func mustPairs(pairs []oaPair, _ bool) []oaPair { return pairs }

// oauthFlows reads an OAuth2 flows object.
func (l *openAPILoader) oauthFlows(n *yaml.Node) (*openapi.OAuthFlows, bool) {
	pairs, ok := l.mapping(n)
	if !ok {
		return nil, false
	}
	flows := &openapi.OAuthFlows{}
	for _, p := range pairs {
		var dst **openapi.OAuthFlow
		switch p.key {
		case "implicit":
			dst = &flows.Implicit
		case "password":
			dst = &flows.Password
		case "clientCredentials":
			dst = &flows.ClientCredentials
		case "authorizationCode":
			dst = &flows.AuthorizationCode
		default:
			continue
		}
		fp, ok := l.mapping(p.val)
		if !ok {
			return nil, false
		}
		f := &openapi.OAuthFlow{Scopes: map[string]string{}}
		for _, q := range fp {
			var ok bool
			switch q.key {
			case "authorizationUrl":
				f.AuthorizationURL, ok = oaString(q.val)
			case "tokenUrl":
				f.TokenURL, ok = oaString(q.val)
			case "refreshUrl":
				f.RefreshURL, ok = oaString(q.val)
			case "scopes":
				var sp []oaPair
				if sp, ok = l.mapping(q.val); ok {
					for _, s := range sp {
						desc, _ := oaString(s.val)
						f.Scopes[s.key] = desc
					}
				}
			default:
				continue
			}
			if !ok {
				return nil, false
			}
		}
		*dst = f
	}
	return flows, true
}

// security reads a list of security requirements; [] is kept apart from
// absent.
func (l *openAPILoader) security(n *yaml.Node) ([]SecurityRequirement, bool) {
	n = l.node(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, false
	}
	out := make([]SecurityRequirement, 0, len(n.Content))
	for _, item := range n.Content {
		pairs, ok := l.mapping(item)
		if !ok {
			return nil, false
		}
		req := make(SecurityRequirement, len(pairs))
		for _, p := range pairs {
			scopes, ok := l.stringList(p.val)
			if !ok || p.key == "" {
				return nil, false
			}
			if scopes == nil {
				scopes = []string{}
			}
			req[p.key] = scopes
		}
		out = append(out, req)
	}
	return out, true
}

// secureSpec sets the requirement of spec, read from an operation's
// security (op, nil if it has none) or the document's, and the schemes it
// names, reporting those the document declares in a way that could not
// be read.
func (l *openAPILoader) secureSpec(spec *RouteSpec, op *yaml.Node) bool {
	switch {
	case op != nil:
		reqs, ok := l.security(op)
		if !ok {
			l.problem(spec, "security is %s, want a list of mappings of scheme names to lists of scopes", oaKind(op))
			return false
		}
		spec.Security = reqs
	case l.sec.hasDeflt:
		spec.Security = cloneRequirements(l.sec.deflt)
	}
	for _, alt := range spec.Security {
		for name := range alt {
			if why, bad := l.sec.problems[name]; bad {
				l.problem(spec, "security scheme %q cannot be read: %s", name, why)
				return false
			}
			if s, ok := l.sec.schemes[name]; ok {
				if spec.SecuritySchemes == nil {
					spec.SecuritySchemes = make(map[string]SecurityScheme)
				}
				spec.SecuritySchemes[name] = s
			}
		}
	}
	return true
}
