package dynroute

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/dynroute/dynroute/jsonschema"
)

// Registry maps handler names to handlers, so that routes declared as data
// (config files, database rows, environment variables) can name the code
// that serves them. It is safe for concurrent use; the zero value is an
// empty Registry.
type Registry struct {
	mu        sync.RWMutex
	handlers  map[string]registered
	apps      map[string]http.Handler // sub-applications, for mounts
	models    map[string]any          // response models, for config
	verifiers map[string]Verifier     // by security scheme name
}

type registered struct {
	h    http.Handler
	desc string
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{handlers: make(map[string]registered)}
}

// Register adds h under name. An empty name, a name with surrounding white
// space, a nil handler or a name already taken is an error.
func (g *Registry) Register(name string, h http.Handler) error {
	if err := checkRegistration("handler", name, h); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.handlers == nil { // the zero Registry is usable
		g.handlers = make(map[string]registered)
	}
	if _, dup := g.handlers[name]; dup {
		return fmt.Errorf("dynroute: register handler %q: %w", name, ErrDuplicateHandler)
	}
	g.handlers[name] = registered{h: h}
	return nil
}

// MustRegister is like Register but panics on error.
func (g *Registry) MustRegister(name string, h http.Handler) {
	if err := g.Register(name, h); err != nil {
		panic(err)
	}
}

// SetDescription sets the description of a registered handler, which the
// OpenAPI document gives the routes it serves that have none of their own.
// A served document is built once per route table: a description set while
// serving shows from the next change of the routes on.
func (g *Registry) SetDescription(name, description string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	r, ok := g.handlers[name]
	if !ok {
		return g.unknownLocked(name)
	}
	r.desc = description
	g.handlers[name] = r
	return nil
}

// Description returns the description set with SetDescription, or "".
func (g *Registry) Description(name string) string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.handlers[name].desc
}

// Lookup returns the handler registered under name.
func (g *Registry) Lookup(name string) (http.Handler, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	r, ok := g.handlers[name]
	return r.h, ok
}

// Names returns the registered names, sorted.
func (g *Registry) Names() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	names := make([]string, 0, len(g.handlers))
	for n := range g.handlers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// resolve returns the handler for name, or an ErrUnknownHandler error that
// suggests the closest registered names.
func (g *Registry) resolve(name string) (http.Handler, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if r, ok := g.handlers[name]; ok {
		return r.h, nil
	}
	return nil, g.unknownLocked(name)
}

func (g *Registry) unknownLocked(name string) error {
	return unknownName(ErrUnknownHandler, "handlers", name, slices.Collect(maps.Keys(g.handlers)))
}

// unknownName is the error for a name that is not among names: err, with
// the closest names, or the names there are.
func unknownName(err error, kind, name string, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("%w %q: the registry has no %s", err, name, kind)
	}
	if near := closestNames(name, names, 3); len(near) > 0 {
		return fmt.Errorf("%w %q; did you mean %s?", err, name, quoteJoin(near, " or "))
	}
	slices.Sort(names)
	if len(names) > 10 {
		return fmt.Errorf("%w %q (%d %s registered, none with a similar name)", err, name, len(names), kind)
	}
	return fmt.Errorf("%w %q; registered: %s", err, name, quoteJoin(names, ", "))
}

// RegisterVerifier adds v as the verifier of the security scheme name:
// routes whose requirement names the scheme hand it the credentials they
// get (see SecurityScheme). The rules of Register apply; verifiers have
// names of their own.
func (g *Registry) RegisterVerifier(name string, v Verifier) error {
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return fmt.Errorf("dynroute: register verifier %q: %w: name must be non-empty without surrounding spaces", name, ErrInvalidHandler)
	case v == nil:
		return fmt.Errorf("dynroute: register verifier %q: %w: nil verifier", name, ErrInvalidHandler)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.verifiers[name]; dup {
		return fmt.Errorf("dynroute: register verifier %q: %w", name, ErrDuplicateHandler)
	}
	if g.verifiers == nil {
		g.verifiers = make(map[string]Verifier)
	}
	g.verifiers[name] = v
	return nil
}

// verifier returns the verifier registered under name.
func (g *Registry) verifier(name string) (Verifier, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	v, ok := g.verifiers[name]
	return v, ok
}

// RegisterApp adds a sub-application under name, for route config that
// mounts it by name (an entry {app: name, prefix: /plugina}), as a plugin
// host registers its plugins. The rules of Register apply; handlers and apps
// have separate names.
func (g *Registry) RegisterApp(name string, h http.Handler) error {
	if err := checkRegistration("app", name, h); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.apps == nil {
		g.apps = make(map[string]http.Handler)
	}
	if _, dup := g.apps[name]; dup {
		return fmt.Errorf("dynroute: register app %q: %w", name, ErrDuplicateHandler)
	}
	g.apps[name] = h
	return nil
}

// checkRegistration checks the name and handler given to Register (kind
// "handler") or RegisterApp ("app").
func checkRegistration(kind, name string, h http.Handler) error {
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return fmt.Errorf("dynroute: register %s %q: %w: name must be non-empty without surrounding spaces", kind, name, ErrInvalidHandler)
	case h == nil:
		return fmt.Errorf("dynroute: register %s %q: %w: nil handler", kind, name, ErrInvalidHandler)
	}
	return nil
}

// LookupApp returns the sub-application registered under name.
func (g *Registry) LookupApp(name string) (http.Handler, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	h, ok := g.apps[name]
	return h, ok
}

// AppNames returns the names of the registered sub-applications, sorted.
func (g *Registry) AppNames() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	names := make([]string, 0, len(g.apps))
	for n := range g.apps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// resolveApp returns the app registered under name, or an error wrapping
// ErrUnknownApp that suggests the closest names.
func (g *Registry) resolveApp(name string) (http.Handler, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if h, ok := g.apps[name]; ok {
		return h, nil
	}
	return nil, unknownName(ErrUnknownApp, "apps", name, slices.Collect(maps.Keys(g.apps)))
}

func quoteJoin(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, sep)
}

// closestNames returns up to max names within a small edit distance of name
// (case-insensitive), nearest first, ties by name.
func closestNames(name string, names []string, max int) []string {
	type cand struct {
		name string
		dist int
	}
	limit := len(name)/3 + 1
	if limit > 4 {
		limit = 4
	}
	var cands []cand
	lower := strings.ToLower(name)
	for _, n := range names {
		d := editDistance(lower, strings.ToLower(n))
		if d <= limit {
			cands = append(cands, cand{n, d})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]string, 0, max)
	for i := 0; i < len(cands) && i < max; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// RegisterModel adds a response model under name, for config entries that
// name it (response_model: item): a value of the type of a successful
// answer's JSON body, as RouteOptions.ResponseModel takes. An empty name,
// a name with surrounding white space, a nil model, a type a
// jsonschema.Registry cannot describe (ErrInvalidOptions) or a name
// already taken (ErrDuplicateHandler) is an error. Models have names of
// their own, apart from handlers and apps.
func (g *Registry) RegisterModel(name string, model any) error {
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return fmt.Errorf("dynroute: register model %q: %w: name must be non-empty without surrounding spaces", name, ErrInvalidOptions)
	case model == nil:
		return fmt.Errorf("dynroute: register model %q: %w: nil model", name, ErrInvalidOptions)
	}
	if _, err := jsonschema.NewRegistry(nil).Schema(reflect.TypeOf(model)); err != nil {
		return fmt.Errorf("dynroute: register model %q: %w: %w", name, ErrInvalidOptions, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.models == nil {
		g.models = make(map[string]any)
	}
	if _, dup := g.models[name]; dup {
		return fmt.Errorf("dynroute: register model %q: %w", name, ErrDuplicateHandler)
	}
	g.models[name] = model
	return nil
}

// LookupModel returns the response model registered under name.
func (g *Registry) LookupModel(name string) (any, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	m, ok := g.models[name]
	return m, ok
}

// resolveModel returns the model for name, or an ErrUnknownModel error
// that suggests the closest names.
func (g *Registry) resolveModel(name string) (any, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if m, ok := g.models[name]; ok {
		return m, nil
	}
	return nil, unknownName(ErrUnknownModel, "response models", name, slices.Collect(maps.Keys(g.models)))
}
