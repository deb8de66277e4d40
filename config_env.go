package dynroute

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// envFields are the field suffixes LoadEnv knows. HANDLER_NAME is an alias of
// HANDLER, for deployments that already use that spelling.
var envFields = []string{
	"PATH", "METHODS", "HANDLER", "HANDLER_NAME", "NAME", "TAGS", "SUMMARY",
	"DESCRIPTION", "STATUS_CODE", "OPERATION_ID", "DEPRECATED", "HIDDEN",
}

// LoadEnv reads route specs from environment variables of the form
// <prefix>_<ROUTE>_<FIELD>=value, with environ as os.Environ returns it:
//
//	ROUTES_DYNAMIC_USERS_PATH=/dynamic/users
//	ROUTES_DYNAMIC_USERS_METHODS=GET,POST
//	ROUTES_DYNAMIC_USERS_HANDLER=get_dynamic_users
//	ROUTES_DYNAMIC_USERS_TAGS=Admin,Dynamic
//
// The fields are PATH, METHODS and TAGS (comma-separated), HANDLER (or its
// alias HANDLER_NAME), NAME, SUMMARY, DESCRIPTION, STATUS_CODE (an integer),
// OPERATION_ID, DEPRECATED and HIDDEN (strconv.ParseBool: true, false, 1,
// 0 ...). The field is the longest known suffix, so route names may contain
// underscores; a route literally ending in _HANDLER cannot have a NAME, as
// X_HANDLER_NAME reads as route X's HANDLER_NAME. Values are trimmed and an
// empty value counts as unset, because deployment tools often set variables
// to "" rather than removing them. When a variable appears twice in environ
// the first wins, as with os.Getenv. A name that starts with a UTF-8 byte
// order mark (U+FEFF), which the first line of an env file saved with one
// gives, is read without it.
//
// A route's Name defaults to its <ROUTE> part in lower case
// (dynamic_users). Specs come back sorted by the <ROUTE> part, so the result
// does not depend on the order of environ; Source.Env is the route's PATH
// variable, or its first variable when it has none.
//
// The prefix must be non-empty and is matched exactly, case-sensitively,
// followed by an underscore; it must not itself end in "_". The error wraps
// ErrInvalidConfig and joins one *RouteError per problem: a variable whose
// suffix is no known field (with the closest field suggested), an
// unparsable STATUS_CODE, DEPRECATED or HIDDEN, HANDLER and HANDLER_NAME that
// disagree. Missing paths, methods and handlers are left to Router.AddRoutes.
func LoadEnv(prefix string, environ []string) ([]RouteSpec, error) {
	switch {
	case prefix == "":
		return nil, fmt.Errorf("dynroute: LoadEnv: %w: empty prefix; variables are read as <PREFIX>_<ROUTE>_<FIELD>", ErrInvalidConfig)
	case strings.HasSuffix(prefix, "_"):
		return nil, fmt.Errorf("dynroute: LoadEnv: %w: prefix %q ends in \"_\"; pass %q, the underscore is implied",
			ErrInvalidConfig, prefix, strings.TrimRight(prefix, "_"))
	case strings.Contains(prefix, "="):
		return nil, fmt.Errorf("dynroute: LoadEnv: %w: prefix %q contains \"=\"", ErrInvalidConfig, prefix)
	}
	routes := map[string]*envRoute{}
	route := func(key string) *envRoute {
		r := routes[key]
		if r == nil {
			r = &envRoute{key: key, vars: map[string]envVar{}}
			routes[key] = r
		}
		return r
	}
	var orphans []error // problems of variables that belong to no route
	seen := map[string]bool{}
	for _, kv := range environ {
		// An env file saved with a byte order mark gives its first
		// variable a name that starts with one.
		name, value, ok := strings.Cut(strings.TrimPrefix(kv, "\ufeff"), "=")
		if !ok || !strings.HasPrefix(name, prefix+"_") || seen[name] {
			continue
		}
		seen[name] = true
		v := envVar{name: name, value: strings.TrimSpace(value)}
		rest := name[len(prefix)+1:]
		key, field := splitEnvField(rest)
		switch {
		case field != "" && key != "":
			r := route(key)
			r.vars[field] = v
			r.names = append(r.names, name)
		case field != "":
			orphans = append(orphans, envProblem(&RouteSpec{}, name, fmt.Sprintf(
				"%s has no route name: write %s_<ROUTE>_%s", name, prefix, field)))
		default:
			if key, hint := suggestEnvField(rest); hint != "" {
				// Reported with the route it probably belongs to, so the
				// message names that route.
				r := route(key)
				r.unknown = append(r.unknown, envUnknown{v, hint})
			} else {
				orphans = append(orphans, envProblem(&RouteSpec{}, name, unknownEnvField(name, rest, "")))
			}
		}
	}

	keys := make([]string, 0, len(routes))
	for k := range routes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	specs := make([]RouteSpec, 0, len(keys))
	var problems []error
	for _, k := range keys {
		r := routes[k]
		spec, errs := r.spec(prefix)
		problems = append(problems, errs...)
		if len(r.vars) > 0 {
			specs = append(specs, spec)
		}
	}
	problems = append(problems, orphans...)
	return specs, configErrorIn("environment "+prefix+"_*", problems...)
}

type envVar struct{ name, value string }

type envUnknown struct {
	envVar
	hint string // the field it probably meant, or ""
}

// envRoute gathers the variables of one <ROUTE> part.
type envRoute struct {
	key     string
	vars    map[string]envVar // by field
	names   []string          // variable names, for Source
	unknown []envUnknown
}

// spec builds the route's spec and reports the values it cannot read.
func (r *envRoute) spec(prefix string) (RouteSpec, []error) {
	get := func(field string) string { return r.vars[field].value }
	s := RouteSpec{
		Name:        get("NAME"),
		Path:        get("PATH"),
		Methods:     splitCommaList(get("METHODS")),
		Handler:     get("HANDLER"),
		Tags:        splitCommaList(get("TAGS")),
		Summary:     get("SUMMARY"),
		Description: get("DESCRIPTION"),
		OperationID: get("OPERATION_ID"),
	}
	if s.Name == "" {
		s.Name = strings.ToLower(r.key)
	}
	slices.Sort(r.names)
	if v, ok := r.vars["PATH"]; ok {
		s.Source.Env = v.name
	} else if len(r.names) > 0 {
		s.Source.Env = r.names[0]
	}

	var errs []error
	bad := func(field, detail string) {
		errs = append(errs, envProblem(&s, r.vars[field].name, detail))
	}
	if alias := r.vars["HANDLER_NAME"]; alias.value != "" {
		if s.Handler != "" && s.Handler != alias.value {
			bad("HANDLER_NAME", fmt.Sprintf("%s=%q disagrees with %s=%q; set one of them",
				alias.name, alias.value, r.vars["HANDLER"].name, s.Handler))
		}
		s.Handler = alias.value
	}
	if v := r.vars["STATUS_CODE"]; v.value != "" {
		if n, err := strconv.Atoi(v.value); err == nil {
			s.StatusCode = n
		} else {
			bad("STATUS_CODE", fmt.Sprintf("%s=%q is not an integer status code", v.name, v.value))
		}
	}
	for _, f := range []struct {
		field string
		dst   *bool
	}{{"DEPRECATED", &s.Deprecated}, {"HIDDEN", &s.Hidden}} {
		v := r.vars[f.field]
		if v.value == "" {
			continue
		}
		if b, err := strconv.ParseBool(v.value); err == nil {
			*f.dst = b
		} else {
			bad(f.field, fmt.Sprintf("%s=%q is not a boolean (true, false, 1 or 0)", v.name, v.value))
		}
	}
	slices.SortFunc(r.unknown, func(a, b envUnknown) int { return strings.Compare(a.name, b.name) })
	for _, u := range r.unknown {
		errs = append(errs, envProblem(&s, u.name, unknownEnvField(u.name, u.name[len(prefix)+1:], u.hint)))
	}
	return s, errs
}

// envProblem reports a problem with variable name of spec s.
func envProblem(s *RouteSpec, name, detail string) error {
	return &RouteError{
		Name:    s.Name,
		Methods: s.Methods,
		Path:    s.Path,
		Source:  Source{Env: name},
		Err:     fmt.Errorf("%w: %s", ErrInvalidConfig, detail),
	}
}

// unknownEnvField says that variable name (rest after the prefix) ends in no
// known field, suggesting hint when there is one.
func unknownEnvField(name, rest, hint string) string {
	if hint != "" {
		return fmt.Sprintf("%s does not end in a known field; did you mean %s%s?",
			name, name[:len(name)-len(rest)], hint)
	}
	return fmt.Sprintf("%s does not end in a known field (%s)", name, strings.Join(envFields, ", "))
}

// splitEnvField splits rest, the variable name after "<prefix>_", into the
// route part and the longest known field it ends with. field is "" when it
// ends in none; key is "" when nothing is left for the route.
func splitEnvField(rest string) (key, field string) {
	for _, f := range envFields {
		if len(f) <= len(field) {
			continue
		}
		switch {
		case rest == f:
			key, field = "", f
		case strings.HasSuffix(rest, "_"+f):
			key, field = rest[:len(rest)-len(f)-1], f
		}
	}
	return key, field
}

// suggestEnvField guesses which field a variable with an unknown suffix
// meant, trying the last one, two and three underscore-separated words of
// rest: METHOD means METHODS, STATUS means STATUS_CODE. It returns the route
// part that remains and rest with the guessed field in place of the suffix,
// or "" for both when nothing is close.
func suggestEnvField(rest string) (key, hint string) {
	words := strings.Split(rest, "_")
	best := -1
	for k := 1; k < len(words) && k <= 3; k++ {
		cand := strings.Join(words[len(words)-k:], "_")
		if cand == "" {
			continue
		}
		limit := min(len(cand)/3+1, 4)
		for _, f := range envFields {
			d := editDistance(strings.ToLower(cand), strings.ToLower(f))
			if strings.HasPrefix(f, strings.ToUpper(cand)+"_") {
				d = 1 // a field cut short: STATUS for STATUS_CODE
			}
			if d <= limit && (best < 0 || d < best) {
				best = d
				key = strings.Join(words[:len(words)-k], "_")
				hint = key + "_" + f
			}
		}
	}
	if key == "" {
		return "", ""
	}
	return key, hint
}

// splitCommaList splits a comma-separated list, trimming items and dropping empty
// ones, so "GET, POST," is [GET POST].
func splitCommaList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
