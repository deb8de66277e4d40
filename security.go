package dynroute

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/dynroute/dynroute/openapi"
)

// SecurityScheme declares one way clients authenticate, by name, for the
// OpenAPI document (components/securitySchemes, which Swagger UI's
// Authorize reads) and for the Router, which takes the credential from
// where the scheme says and hands it to the Verifier registered under the
// scheme's name (Registry.RegisterVerifier):
//
//	Type           fields                       credential
//	apiKey         In (header, query, cookie),  the header, query parameter or cookie Name
//	               Name
//	http           Scheme "bearer"              Authorization: Bearer <token>
//	http           Scheme "basic"               Authorization: Basic <user:password>
//	oauth2         Flows (for the document)     Authorization: Bearer <token>
//	openIdConnect  OpenIDConnectURL             Authorization: Bearer <token>
type SecurityScheme = openapi.SecurityScheme

// OAuthFlows and OAuthFlow describe an oauth2 scheme's flows and scopes,
// for the document and Swagger UI's Authorize.
type (
	OAuthFlows = openapi.OAuthFlows
	OAuthFlow  = openapi.OAuthFlow
)

// SecurityRequirement names the schemes a request must satisfy together,
// each with the scopes the Principal must have ([] or nil for none), as
// OpenAPI's security requirement object. A route's requirement is a list
// of them, of which one is enough; an empty list makes a route public.
type SecurityRequirement = openapi.SecurityRequirement

// SecurityOptions declares the Router's security schemes and the
// requirement of its routes that state none.
type SecurityOptions struct {
	// Schemes are the Router's schemes by name; more can be added with
	// Router.AddSecurityScheme, and LoadOpenAPI's specs bring their
	// documents' schemes.
	Schemes map[string]SecurityScheme
	// Default is the requirement of every route that sets none of its
	// own (RouteOptions.Security nil): set it to deny by default, and give
	// the public routes an empty, non-nil Security. The documentation
	// routes are public unless DocsOptions.Security says otherwise.
	Default []SecurityRequirement
	// Realm is the realm of WWW-Authenticate challenges; "" means the
	// document's title.
	Realm string
}

// Principal is who a request's credential identifies, as a Verifier
// returns it. A handler reads it with PrincipalFrom. When the alternative
// a request met names several schemes, the Principal is that of the first
// of them by name; each scheme's scopes were checked against its own
// credential's Principal.
type Principal struct {
	// Scheme is the name of the scheme whose credential identified it.
	Scheme string
	// Subject names the user, client or key.
	Subject string
	// Scopes are what the credential grants; a requirement's scopes must
	// all be among them.
	Scopes []string
	// Claims holds whatever else the verifier knows (a token's claims).
	Claims map[string]any
}

// Credential is what a request presents for one scheme, taken from where
// the scheme says (see SecurityScheme).
type Credential struct {
	// Scheme is the scheme's name and Type its type ("apiKey", "http",
	// "oauth2", "openIdConnect"); HTTPScheme is an http scheme's "bearer"
	// or "basic".
	Scheme, Type, HTTPScheme string
	// Value is the API key, the bearer token or basic auth's password.
	Value string
	// User is basic auth's user name.
	User string
}

// Verifier turns a credential into a Principal, or refuses it with an
// error. The Router answers a refusal with 401 and never shows the error
// to the client, nor which part of the credential was wrong; return an
// error that wraps ErrCredentials for the logs.
type Verifier interface {
	Verify(ctx context.Context, c Credential) (*Principal, error)
}

// VerifierFunc is a function that is a Verifier.
type VerifierFunc func(ctx context.Context, c Credential) (*Principal, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, c Credential) (*Principal, error) { return f(ctx, c) }

var (
	// ErrCredentials is what verifiers wrap when they refuse a credential.
	ErrCredentials = errors.New("credentials not accepted")
	// ErrUnknownScheme is wrapped by errors for a requirement naming a
	// scheme the Router does not have.
	ErrUnknownScheme = errors.New("unknown security scheme")
	// ErrInvalidScheme is wrapped by errors for a scheme declaration the
	// Router cannot enforce.
	ErrInvalidScheme = errors.New("invalid security scheme")
	// ErrNoVerifier is wrapped by errors for a scheme without a Verifier
	// registered under its name.
	ErrNoVerifier = errors.New("no verifier for the security scheme")
)

type principalKey struct{}

// PrincipalFrom returns the Principal the Router verified for the request
// whose context ctx is; ok is false on a route without a requirement.
func PrincipalFrom(ctx context.Context) (p *Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(*Principal)
	return p, ok
}

// checkScheme reports why the Router cannot enforce s, or nil.
func checkScheme(name string, s *SecurityScheme) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: "+format, append([]any{ErrInvalidScheme, name}, args...)...)
	}
	if name == "" || strings.TrimSpace(name) != name {
		return bad("a scheme name is not empty and has no surrounding white space")
	}
	switch s.Type {
	case "apiKey":
		if s.Name == "" {
			return bad("an apiKey scheme names its header, query parameter or cookie (Name)")
		}
		if s.In != "header" && s.In != "query" && s.In != "cookie" {
			return bad("an apiKey scheme's In is header, query or cookie, not %q", s.In)
		}
	case "http":
		if !strings.EqualFold(s.Scheme, "bearer") && !strings.EqualFold(s.Scheme, "basic") {
			return bad("the Router enforces http schemes bearer and basic, not %q", s.Scheme)
		}
	case "oauth2":
		if s.Flows == nil {
			return bad("an oauth2 scheme has Flows")
		}
	case "openIdConnect":
		if s.OpenIDConnectURL == "" {
			return bad("an openIdConnect scheme has an OpenIDConnectURL")
		}
	default:
		return bad("type %q is none of apiKey, http, oauth2 and openIdConnect", s.Type)
	}
	return nil
}

// securityRules are a Router's schemes and defaults. Schemes are added
// under mu (AddSecurityScheme, specs that bring them) and never change;
// plans point to them.
type securityRules struct {
	mu      sync.RWMutex
	schemes map[string]*SecurityScheme
	deflt   []SecurityRequirement // set by New only
	realm   string                // set by New only
}

// AddSecurityScheme declares a scheme under name. A name already declared
// with another scheme is an error, as is a scheme the Router cannot
// enforce; both wrap ErrInvalidScheme. Declaring the same scheme again does
// nothing.
func (rt *Router) AddSecurityScheme(name string, s SecurityScheme) error {
	if err := checkScheme(name, &s); err != nil {
		return fmt.Errorf("dynroute: %w", err)
	}
	rt.sec.mu.Lock()
	defer rt.sec.mu.Unlock()
	if err := rt.addSchemeLocked(name, &s); err != nil {
		return fmt.Errorf("dynroute: %w", err)
	}
	return nil
}

// addSchemeLocked adds s under name; callers hold rt.sec.mu or have not
// shared rt yet.
func (rt *Router) addSchemeLocked(name string, s *SecurityScheme) error {
	if old, ok := rt.sec.schemes[name]; ok {
		if !sameScheme(old, s) {
			return fmt.Errorf("%w %q: already declared as another scheme", ErrInvalidScheme, name)
		}
		return nil
	}
	if rt.sec.schemes == nil {
		rt.sec.schemes = make(map[string]*SecurityScheme)
	}
	c := *s
	rt.sec.schemes[name] = &c
	return nil
}

// sameScheme reports whether two declarations say the same, as a
// document reloaded or loaded twice declares its schemes again.
func sameScheme(a, b *SecurityScheme) bool { return reflect.DeepEqual(a, b) }

// authPlan is a route's requirement, resolved: each alternative's schemes
// with their verifiers. A nil plan is a public route.
type authPlan struct {
	req   []SecurityRequirement // as resolved, for the document
	alts  [][]authNeed
	realm string
	style ErrorStyle
}

type authNeed struct {
	name     string
	scheme   *SecurityScheme
	verifier Verifier
	scopes   []string
}

// resolveSecurity resolves a route's own requirement, nil for the
// Router's default; it returns nil for a public route.
func (rt *Router) resolveSecurity(own []SecurityRequirement) (*authPlan, error) {
	req := own
	if req == nil {
		req = rt.sec.deflt
	}
	if len(req) == 0 {
		return nil, nil
	}
	rt.sec.mu.RLock()
	defer rt.sec.mu.RUnlock()
	plan := &authPlan{req: req, realm: rt.sec.realm, style: rt.errStyle}
	var errs []error
	for _, alt := range req {
		if len(alt) == 0 {
			// {} among the alternatives lets anyone in (OpenAPI's optional
			// security): the route is public, and no credential is checked.
			return nil, nil
		}
		var needs []authNeed
		for _, name := range slices.Sorted(maps.Keys(alt)) {
			s, ok := rt.sec.schemes[name]
			if !ok {
				errs = append(errs, unknownName(ErrUnknownScheme, "security schemes", name, slices.Collect(maps.Keys(rt.sec.schemes))))
				continue
			}
			v, ok := rt.reg.verifier(name)
			if !ok {
				errs = append(errs, fmt.Errorf("%w %q: register one with Registry.RegisterVerifier(%q, …)", ErrNoVerifier, name, name))
				continue
			}
			needs = append(needs, authNeed{name: name, scheme: s, verifier: v, scopes: slices.Clone(alt[name])})
		}
		plan.alts = append(plan.alts, needs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return plan, nil
}

// secure resolves the requirement of rec (own, or the default) and keeps
// the plan in rec; the error names the route.
func (rt *Router) secure(rec *routeRec, own []SecurityRequirement) error {
	plan, err := rt.resolveSecurity(own)
	if err != nil {
		return rec.routeError(err)
	}
	rec.auth = plan
	return nil
}

// secureSpec declares the schemes a spec brings and resolves its
// requirement (see secure).
func (rt *Router) secureSpec(rec *routeRec, s *RouteSpec) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(s.SecuritySchemes)) {
		sc := s.SecuritySchemes[name]
		if err := checkScheme(name, &sc); err != nil {
			errs = append(errs, rec.routeError(err))
			continue
		}
		rt.sec.mu.Lock()
		err := rt.addSchemeLocked(name, &sc)
		rt.sec.mu.Unlock()
		if err != nil {
			errs = append(errs, rec.routeError(err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return rt.secure(rec, s.Security)
}

// routeError wraps err as a *RouteError naming rec.
func (rec *routeRec) routeError(err error) error {
	r := &rec.route
	if rec.mount != nil {
		return &RouteError{Name: r.Name, Path: rec.mount.prefix, Source: r.Source, Err: err, Mount: true}
	}
	return &RouteError{Name: r.Name, Methods: r.Methods, Path: r.Path, Source: r.Source, Err: err}
}

// checkRequirements reports a requirement list that names no scheme or an
// empty scope.
func checkRequirements(reqs []SecurityRequirement) error {
	for _, alt := range reqs {
		for name, scopes := range alt {
			if name == "" {
				return fmt.Errorf("%w: a security requirement names an empty scheme", ErrUnknownScheme)
			}
			if slices.Contains(scopes, "") {
				return fmt.Errorf("%w %q: an empty scope", ErrUnknownScheme, name)
			}
		}
	}
	return nil
}

// gate returns h behind the plan's checks.
func (p *authPlan) gate(h http.Handler) http.Handler {
	if p == nil {
		return h
	}
	if ph, ok := h.(ParamsHandler); ok {
		// Keep the fast path: the handler gets the Params, and with them
		// its Route (a typed handler's RouteOptions.StatusCode).
		return HandlerFunc(func(w http.ResponseWriter, r *http.Request, ps Params) {
			p.serve(w, r, func(w http.ResponseWriter, r *http.Request) { ph.ServeHTTPParams(w, r, ps) })
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serve(w, r, h.ServeHTTP) })
}

// outcome is how one alternative fared.
type outcome uint8

const (
	missing  outcome = iota // a credential is absent
	refused                 // a verifier refused one
	unscoped                // all verified, a scope is missing
	granted
)

// serve checks r against each alternative in turn and serves the first
// that is granted with h, the Principal in the context; else it answers
// 403 if some alternative's credentials were all good but lacked a
// scope, and 401 otherwise.
func (p *authPlan) serve(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) {
	best := missing
	var short *authNeed // a need whose credential lacked a scope
	for _, alt := range p.alts {
		var first *Principal
		result := granted
		for i := range alt {
			need := &alt[i]
			pr, o := need.check(r)
			if o != granted && (result == granted || o < result) {
				result = o
				if o == unscoped {
					short = need
				}
			}
			if o == missing || o == refused {
				break
			}
			if first == nil {
				first = pr
			}
		}
		if result == granted {
			h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, first)))
			return
		}
		best = max(best, result)
	}
	if best == unscoped {
		if s := short.scheme; s.Type != "apiKey" && !strings.EqualFold(s.Scheme, "basic") {
			w.Header().Add("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q, error="insufficient_scope", scope=%q`, p.realm, strings.Join(short.scopes, " ")))
		}
		writeError(w, p.style, http.StatusForbidden, "The credentials do not grant access to this route.")
		return
	}
	for _, c := range p.challenges(best == refused) {
		w.Header().Add("WWW-Authenticate", c)
	}
	if best == refused {
		writeError(w, p.style, http.StatusUnauthorized, "The credentials were not accepted.")
		return
	}
	writeError(w, p.style, http.StatusUnauthorized, "Not authenticated.")
}

// challenges are the WWW-Authenticate values of the plan's schemes, each
// once: Basic and Bearer as RFC 7617 and RFC 6750 write them, and, for an
// API key, APIKey with where the key goes.
func (p *authPlan) challenges(invalid bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, alt := range p.alts {
		for _, need := range alt {
			var c string
			s := need.scheme
			switch {
			case s.Type == "apiKey":
				c = fmt.Sprintf(`APIKey realm=%q, in=%q, name=%q`, p.realm, s.In, s.Name)
			case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
				c = fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, p.realm)
			case invalid:
				c = fmt.Sprintf(`Bearer realm=%q, error="invalid_token"`, p.realm)
			default:
				c = fmt.Sprintf(`Bearer realm=%q`, p.realm)
			}
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// check takes the need's credential from r and verifies it.
func (need *authNeed) check(r *http.Request) (*Principal, outcome) {
	c, ok := credentialOf(need.name, need.scheme, r)
	if !ok {
		return nil, missing
	}
	p, err := need.verifier.Verify(r.Context(), c)
	if err != nil || p == nil {
		return nil, refused
	}
	for _, s := range need.scopes {
		if !slices.Contains(p.Scopes, s) {
			return nil, unscoped
		}
	}
	if p.Scheme == "" {
		q := *p
		q.Scheme = need.name
		p = &q
	}
	return p, granted
}

// credentialOf takes the credential of scheme s from r; ok is false when
// there is none.
func credentialOf(name string, s *SecurityScheme, r *http.Request) (c Credential, ok bool) {
	c = Credential{Scheme: name, Type: s.Type}
	switch s.Type {
	case "apiKey":
		switch s.In {
		case "header":
			c.Value = r.Header.Get(s.Name)
		case "query":
			c.Value = r.URL.Query().Get(s.Name)
		case "cookie":
			if ck, err := r.Cookie(s.Name); err == nil {
				c.Value = ck.Value
			}
		}
		return c, c.Value != ""
	case "http":
		c.HTTPScheme = strings.ToLower(s.Scheme)
		if c.HTTPScheme == "basic" {
			c.User, c.Value, ok = r.BasicAuth()
			return c, ok && c.User != ""
		}
	}
	// bearer, oauth2, openIdConnect: a bearer token.
	kind, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(kind, "Bearer") {
		return c, false
	}
	c.Value = strings.TrimSpace(token)
	return c, c.Value != ""
}
