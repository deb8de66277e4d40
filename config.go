package dynroute

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/internal/errlist"
)

// ErrInvalidConfig wraps every error of Router.AddRoutes in strict mode, and
// the per-entry problems loaders find (a missing field, an unknown key, a
// value of the wrong type).
var ErrInvalidConfig = errors.New("invalid route config")

// ConfigError lists every problem found in a config source or a batch of
// RouteSpecs, one error per problem (mostly *RouteError values naming the
// entry and its source). errors.Is(err, ErrInvalidConfig) is true, and
// errors.Is and errors.As also look into each problem.
type ConfigError struct {
	Summary  string  // first line of the message, e.g. "2 of 5 routes have problems, none was added"
	Problems []error // one per problem, in source order
}

// Error is the summary followed by one line per problem.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("dynroute: ")
	b.WriteString(ErrInvalidConfig.Error())
	if e.Summary != "" {
		b.WriteString(": ")
		b.WriteString(e.Summary)
	}
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.Is and errors.As search them.
func (e *ConfigError) Unwrap() []error { return e.Problems }

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// configErrorIn is newConfigError for the problems of one source (a file,
// a table, an environment prefix).
func configErrorIn(source string, errs ...error) error {
	err := newConfigError("", errs...)
	if ce, ok := err.(*ConfigError); ok {
		ce.Summary = errlist.Summary(source, len(ce.Problems))
	}
	return err
}

// newConfigError flattens errs (joined errors become their parts) into a
// ConfigError, or returns nil when there are none.
func newConfigError(summary string, errs ...error) error {
	var flat []error
	for _, err := range errs {
		if err != nil {
			flat = append(flat, errlist.Flatten(err)...)
		}
	}
	if len(flat) == 0 {
		return nil
	}
	return &ConfigError{Summary: summary, Problems: flat}
}

// RouteSpec is the data form of one route, as config files, environment
// variables, database rows and OpenAPI documents declare it. Handler names a
// handler in the Router's Registry.
type RouteSpec struct {
	Name        string   `json:"name,omitempty" yaml:"name,omitempty"`
	Path        string   `json:"path" yaml:"path"`
	Methods     []string `json:"methods" yaml:"methods"`
	Handler     string   `json:"handler" yaml:"handler"`
	Tags        []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	Summary     string   `json:"summary,omitempty" yaml:"summary,omitempty"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	StatusCode  int      `json:"status_code,omitempty" yaml:"status_code,omitempty"`
	OperationID string   `json:"operation_id,omitempty" yaml:"operation_id,omitempty"`
	Deprecated  bool     `json:"deprecated,omitempty" yaml:"deprecated,omitempty"`
	Hidden      bool     `json:"hidden,omitempty" yaml:"hidden,omitempty"`
	// Extra is the application's own data for the route's handler (Route.Extra):
	// the extra: mapping of a config entry, and the entry's keys that are
	// neither RouteSpec's nor misspellings of them (LoadYAML).
	Extra map[string]any `json:"extra,omitempty" yaml:"extra,omitempty"`
	// ResponseModel names a response model of the Registry
	// (Registry.RegisterModel), which documents the successful answer of a
	// handler that does not describe itself (RouteOptions.ResponseModel; a
	// typed handler's own description wins). LoadYAML and LoadJSON read it;
	// the other loaders have no form for it.
	ResponseModel string `json:"response_model,omitempty" yaml:"response_model,omitempty"`
	// Headers and HeaderPatterns are header matches (RouteOptions.Headers):
	// header name to exact value, and to regular expression. LoadYAML and
	// LoadJSON read them; the other loaders have no form for them.
	Headers        map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	HeaderPatterns map[string]string `json:"header_patterns,omitempty" yaml:"header_patterns,omitempty"`
	// App and Prefix make the spec a mount (Router.Mount) instead of a
	// route: the sub-application the Registry holds under App
	// (Registry.RegisterApp) serves Prefix and everything under it. A mount
	// has no path, methods or handler. LoadYAML and LoadJSON read them.
	App    string `json:"app,omitempty" yaml:"app,omitempty"`
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	// MaxBodyBytes is RouteOptions.MaxBodyBytes (MountOptions.MaxBodyBytes
	// for a mount). LoadYAML and LoadJSON read it.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty" yaml:"max_body_bytes,omitempty"`
	// Security is RouteOptions.Security (MountOptions.Security for a
	// mount), in OpenAPI's shape: a list of alternatives, each a mapping of
	// scheme names to scopes; nil means the Router's default and an empty
	// list (security: []) a public route. A scheme the Router does not
	// declare is a problem of the spec, with the closest names. LoadYAML,
	// LoadJSON and LoadOpenAPI read it.
	Security []SecurityRequirement `json:"security,omitempty" yaml:"security,omitempty"`
	// SecuritySchemes are schemes the spec's source declares (LoadOpenAPI
	// fills it with the document's schemes that Security names); AddRoutes
	// declares them on the Router as AddSecurityScheme does.
	SecuritySchemes map[string]SecurityScheme `json:"-" yaml:"-"`
	// Source is where the spec was read; loaders set it.
	Source Source `json:"-" yaml:"-"`
}

// ApplyOptions configures Router.AddRoutes. A nil *ApplyOptions means
// strict mode with no default tags.
type ApplyOptions struct {
	// Lenient skips specs that have problems, logging one warning each, and
	// adds the rest. By default (strict) one problem rejects the batch.
	Lenient bool
	// Logger receives the warnings of lenient mode; nil means slog.Default().
	Logger *slog.Logger
	// DefaultTags are given to specs that have no tags.
	DefaultTags []string
}

// Skipped is a spec that AddRoutes left out in lenient mode, and why.
type Skipped struct {
	Spec RouteSpec
	Err  error
}

// AddRoutes adds a route for each spec, resolving handler names in the
// Router's Registry, and publishes them in one step.
//
// Every spec is checked — against itself, the routes already added and the
// specs before it — and every problem is reported with the spec's name,
// methods, path and source. In strict mode (the default) any problem rejects
// the whole batch: nothing is added and the error, which wraps
// ErrInvalidConfig, joins one error per problem, so errors.Is finds each
// sentinel. In lenient mode the specs with problems are skipped, each with
// one warning, the others are added, and the skipped ones are returned.
func (rt *Router) AddRoutes(specs []RouteSpec, opts *ApplyOptions) ([]Skipped, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	recs, problems := rt.specRecs(specs, &o)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	skipped, added, err := applySpecs(rt.set, specs, recs, problems, &o)
	if added > 0 {
		rt.publishLocked()
	}
	return skipped, err
}

// specRecs checks every spec on its own; recs[i] is nil where problems[i]
// says why.
func (rt *Router) specRecs(specs []RouteSpec, o *ApplyOptions) (recs []*routeRec, problems []error) {
	recs = make([]*routeRec, len(specs))
	problems = make([]error, len(specs))
	block := recBlock{free: make([]routeRec, len(specs))} // a batch is added, and replaced, as one
	for i := range specs {
		slot := block.next()
		if recs[i], problems[i] = rt.specRec(slot, &specs[i], o); problems[i] != nil {
			*slot = routeRec{} // keep nothing of the spec alive in the block
		}
	}
	return recs, problems
}

// applySpecs inserts the records of specs into set, all or nothing unless
// o.Lenient, and returns what it skipped and how many it added.
func applySpecs(set *routeSet, specs []RouteSpec, recs []*routeRec, problems []error, o *ApplyOptions) ([]Skipped, int, error) {
	var inserted []*routeRec
	for i, rec := range recs {
		if rec == nil {
			continue
		}
		if err := set.insert(rec); err != nil {
			problems[i] = err
			continue
		}
		inserted = append(inserted, rec)
	}
	var all []error
	for _, p := range problems {
		if p != nil {
			all = append(all, p)
		}
	}
	if len(all) > 0 && !o.Lenient {
		set.remove(inserted...)
		return nil, 0, newConfigError(fmt.Sprintf("%d of %d routes have problems, none was added", len(all), len(specs)), all...)
	}
	var skipped []Skipped
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for i, p := range problems {
		if p == nil {
			continue
		}
		skipped = append(skipped, Skipped{Spec: specs[i], Err: p})
		if specs[i].App != "" || specs[i].Prefix != "" {
			logger.Warn("dynroute: skipping mount", "name", specs[i].Name, "prefix", specs[i].Prefix,
				"app", specs[i].App, "source", specs[i].Source.String(), "error", p.Error())
			continue
		}
		logger.Warn("dynroute: skipping route", "name", specs[i].Name, "path", specs[i].Path,
			"source", specs[i].Source.String(), "error", p.Error())
	}
	return skipped, len(inserted), nil
}

// specRec turns a spec into a route record, filling rec (a mount has one of
// its own), and reports every problem the spec has on its own.
func (rt *Router) specRec(rec *routeRec, s *RouteSpec, o *ApplyOptions) (*routeRec, error) {
	if s.App != "" || s.Prefix != "" {
		return rt.mountSpecRec(s)
	}
	opts := RouteOptions{
		Name:         s.Name,
		OperationID:  s.OperationID,
		Summary:      s.Summary,
		Description:  s.Description,
		Tags:         s.Tags,
		StatusCode:   s.StatusCode,
		Deprecated:   s.Deprecated,
		Hidden:       s.Hidden,
		Extra:        s.Extra,
		Source:       s.Source,
		Headers:      specHeaders(s),
		MaxBodyBytes: s.MaxBodyBytes,
		Security:     s.Security,
	}
	if len(opts.Tags) == 0 {
		opts.Tags = slices.Clone(o.DefaultTags)
	}
	var h http.Handler
	var handlerErr error
	if s.Handler == "" {
		handlerErr = fmt.Errorf("%w: missing handler", ErrInvalidConfig)
	} else {
		h, handlerErr = rt.reg.resolve(s.Handler)
	}
	var modelErr error
	if s.ResponseModel != "" {
		opts.ResponseModel, modelErr = rt.reg.resolveModel(s.ResponseModel)
	}
	rec, err := buildRec(rec, s.Path, s.Methods, h, s.Handler, &opts, handlerErr, true)
	if modelErr != nil {
		return nil, errors.Join(err, &RouteError{Name: s.Name, Methods: s.Methods, Path: s.Path, Source: s.Source, Err: modelErr})
	}
	if err != nil {
		return nil, err
	}
	rec.route.ResponseModelName = s.ResponseModel
	if err := rt.secureSpec(rec, s); err != nil {
		return nil, err
	}
	return rec, nil
}

// specHeaders returns the header matches of a spec, sorted by name.
func specHeaders(s *RouteSpec) []HeaderMatch {
	var out []HeaderMatch
	for name, v := range s.Headers {
		out = append(out, HeaderMatch{Name: name, Value: v})
	}
	for name, v := range s.HeaderPatterns {
		out = append(out, HeaderMatch{Name: name, Value: v, Regexp: true})
	}
	slices.SortFunc(out, func(a, b HeaderMatch) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// mountSpecRec turns a mount spec into the mount's route record.
func (rt *Router) mountSpecRec(s *RouteSpec) (*routeRec, error) {
	var errs []error
	where := s.Prefix
	fail := func(format string, args ...any) {
		errs = append(errs, &RouteError{Name: s.Name, Path: where, Source: s.Source, Mount: true,
			Err: fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))})
	}
	var h http.Handler
	switch {
	case s.App == "":
		fail("a mount (with prefix) needs an app")
	default:
		var err error
		if h, err = rt.reg.resolveApp(s.App); err != nil {
			errs = append(errs, &RouteError{Name: s.Name, Path: where, Source: s.Source, Err: err, Mount: true})
		}
	}
	if s.Prefix == "" {
		fail("a mount (with app) needs a prefix")
	} else if err := CheckPrefix(s.Prefix); err != nil {
		errs = append(errs, &RouteError{Name: s.Name, Path: where, Source: s.Source, Err: err, Mount: true})
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"path", s.Path != ""}, {"methods", len(s.Methods) > 0}, {"handler", s.Handler != ""},
		{"operation_id", s.OperationID != ""}, {"status_code", s.StatusCode != 0},
		{"headers", len(s.Headers)+len(s.HeaderPatterns) > 0}, {"response_model", s.ResponseModel != ""},
	} {
		if f.set {
			fail("a mount has no %s: the app serves everything under its prefix", f.name)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rec, err := mountRec(s.Prefix, h, &MountOptions{Name: s.Name, Tags: s.Tags, Hidden: s.Hidden, Source: s.Source, MaxBodyBytes: s.MaxBodyBytes, Security: s.Security})
	if err != nil {
		return nil, err
	}
	if err := rt.secureSpec(rec, s); err != nil {
		return nil, err
	}
	rec.route.HandlerName = s.App
	rec.route.Summary, rec.route.Description, rec.route.Deprecated = s.Summary, s.Description, s.Deprecated
	rec.route.Extra = maps.Clone(s.Extra)
	return rec, nil
}

// RouteSpecs exports the routes as specs, in the order added, for writing
// back as YAML or JSON. Routes whose handler did not come from the Registry
// have an empty Handler, and mounts of handlers that did not come from it an
// empty App.
func (rt *Router) RouteSpecs() []RouteSpec {
	routes := rt.Routes()
	specs := make([]RouteSpec, len(routes))
	for i, r := range routes {
		if r.Mount {
			specs[i] = RouteSpec{
				Name:         r.Name,
				App:          r.HandlerName,
				Prefix:       r.MountPrefix(),
				Hidden:       r.Hidden,
				Tags:         r.Tags,
				Summary:      r.Summary,
				Description:  r.Description,
				Deprecated:   r.Deprecated,
				Extra:        r.Extra,
				Source:       r.Source,
				MaxBodyBytes: r.MaxBodyBytes,
				Security:     r.Security,
			}
			continue
		}
		specs[i] = RouteSpec{
			Name:         r.Name,
			Path:         r.Path,
			Methods:      r.Methods,
			Handler:      r.HandlerName,
			Tags:         r.Tags,
			Summary:      r.Summary,
			Description:  r.Description,
			StatusCode:   r.StatusCode,
			OperationID:  r.OperationID,
			Deprecated:   r.Deprecated,
			Hidden:       r.Hidden,
			Extra:        r.Extra,
			Source:       r.Source,
			MaxBodyBytes: r.MaxBodyBytes,
			Security:     r.Security,
			// A model given in code has no name to write back.
			ResponseModel: r.ResponseModelName,
		}
		for _, m := range r.Headers {
			if m.Regexp {
				specs[i].HeaderPatterns = setKey(specs[i].HeaderPatterns, m.Name, m.Value)
			} else {
				specs[i].Headers = setKey(specs[i].Headers, m.Name, m.Value)
			}
		}
	}
	return specs
}

// setKey sets m[k] = v, making m if it is nil.
func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = make(map[string]string)
	}
	m[k] = v
	return m
}
