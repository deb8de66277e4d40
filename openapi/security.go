package openapi

import (
	"maps"
	"slices"
)

// SecurityScheme declares one way clients authenticate, as
// components/securitySchemes holds it. The same fields serve OpenAPI 3.1
// and 3.0.3.
type SecurityScheme struct {
	// Type is "apiKey", "http", "oauth2" or "openIdConnect".
	Type        string
	Description string
	// Name is the header, query parameter or cookie of an apiKey scheme,
	// and In says which: "header", "query" or "cookie".
	Name, In string
	// Scheme is the HTTP authentication scheme of an http scheme: "bearer"
	// or "basic". BearerFormat hints at a bearer token's format ("JWT").
	Scheme, BearerFormat string
	// Flows are the OAuth2 flows of an oauth2 scheme.
	Flows *OAuthFlows
	// OpenIDConnectURL is the discovery document of an openIdConnect
	// scheme.
	OpenIDConnectURL string
}

// OAuthFlows are the OAuth2 flows a scheme supports; nil flows are left out.
type OAuthFlows struct {
	Implicit, Password, ClientCredentials, AuthorizationCode *OAuthFlow
}

// OAuthFlow is one OAuth2 flow: its endpoints and the scopes it grants,
// each with a description.
type OAuthFlow struct {
	AuthorizationURL, TokenURL, RefreshURL string
	Scopes                                 map[string]string
}

// SecurityRequirement names the schemes a request must satisfy together,
// each with the scopes it needs ([] for none). A list of requirements is a
// choice: satisfying one of them is enough.
type SecurityRequirement map[string][]string

// securitySchemes writes the components/securitySchemes object.
func (w *docWriter) securitySchemes(schemes map[string]*SecurityScheme) {
	o := w.object()
	for _, name := range slices.Sorted(maps.Keys(schemes)) {
		s := schemes[name]
		o.key(name)
		so := w.object()
		so.str("type", s.Type)
		so.str("description", s.Description)
		so.str("name", s.Name)
		so.str("in", s.In)
		so.str("scheme", s.Scheme)
		so.str("bearerFormat", s.BearerFormat)
		if f := s.Flows; f != nil {
			so.key("flows")
			fo := w.object()
			for _, flow := range []struct {
				key  string
				flow *OAuthFlow
			}{{"implicit", f.Implicit}, {"password", f.Password}, {"clientCredentials", f.ClientCredentials}, {"authorizationCode", f.AuthorizationCode}} {
				if flow.flow == nil {
					continue
				}
				fo.key(flow.key)
				w.oauthFlow(flow.flow)
			}
			fo.end()
		}
		so.str("openIdConnectUrl", s.OpenIDConnectURL)
		so.end()
	}
	o.end()
}

func (w *docWriter) oauthFlow(f *OAuthFlow) {
	o := w.object()
	o.str("authorizationUrl", f.AuthorizationURL)
	o.str("tokenUrl", f.TokenURL)
	o.str("refreshUrl", f.RefreshURL)
	o.key("scopes") // required, even when empty
	scopes := w.object()
	for _, name := range slices.Sorted(maps.Keys(f.Scopes)) {
		scopes.key(name)
		w.b = appendString(w.b, f.Scopes[name])
	}
	scopes.end()
	o.end()
}

// security writes a list of requirements; an empty, non-nil list is
// written [] (no requirement).
func (w *docWriter) security(reqs []SecurityRequirement) {
	w.list(len(reqs), func(i int) {
		o := w.object()
		for _, name := range slices.Sorted(maps.Keys(reqs[i])) {
			o.key(name)
			scopes := reqs[i][name]
			if scopes == nil {
				scopes = []string{}
			}
			w.strings(scopes)
		}
		o.end()
	})
}
