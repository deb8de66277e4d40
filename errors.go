package dynroute

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error the router returns wraps one of them, so
// callers test with errors.Is; the message carries the detail: which route,
// which method and path, and where it was declared.
var (
	// ErrInvalidPath: the route path breaks the path syntax.
	ErrInvalidPath = errors.New("invalid path")
	// ErrInvalidMethod: a method is empty or not an HTTP token.
	ErrInvalidMethod = errors.New("invalid method")
	// ErrInvalidOptions: a RouteOptions field is out of range.
	ErrInvalidOptions = errors.New("invalid route options")
	// ErrInvalidHandler: the handler is nil.
	ErrInvalidHandler = errors.New("invalid handler")
	// ErrDuplicateRoute: another route has the same method and the same
	// path shape (parameter names aside), so it would match the same requests.
	ErrDuplicateRoute = errors.New("duplicate route")
	// ErrDuplicateName: another route has the same name.
	ErrDuplicateName = errors.New("duplicate route name")
	// ErrDuplicateOperationID: another route has the same OpenAPI operationId.
	ErrDuplicateOperationID = errors.New("duplicate operationId")
	// ErrUnknownApp: a mount names a sub-application the Registry does not
	// have (Registry.RegisterApp).
	ErrUnknownApp = errors.New("unknown app")
	// ErrUnknownModel: a config entry's response_model names a model the
	// Registry does not have (see Registry.RegisterModel).
	ErrUnknownModel = errors.New("unknown response model")
	// ErrConflict: with Options.StrictConflicts, two routes match a common
	// path and neither is more specific than the other (ServeMux's rule).
	ErrConflict = errors.New("conflicting routes")
	// ErrUnknownHandler: no handler of that name is in the Registry.
	ErrUnknownHandler = errors.New("unknown handler")
	// ErrDuplicateHandler: a handler of that name is already registered.
	ErrDuplicateHandler = errors.New("duplicate handler name")
	// ErrUnknownRoute: no route of that name exists (Router.URL).
	ErrUnknownRoute = errors.New("unknown route")
	// ErrInvalidParams: the parameters given to Router.URL do not fit the route.
	ErrInvalidParams = errors.New("invalid URL parameters")
)

// Source says where a route was declared: a Go file and line for routes added
// in code, or the config file, environment variable or table row it came from.
type Source struct {
	File  string // file name; for code, the base name of the calling Go file
	Line  int    // 1-based line in File; 0 if unknown
	Env   string // environment variable the route came from
	Table string // SQL table the route came from
	Key   string // primary key of the row in Table
}

// IsZero reports whether s says nothing.
func (s Source) IsZero() bool { return s == Source{} }

// String formats s for messages: "routes.yaml:12", "env ROUTES_USERS_PATH",
// "table routes key 7".
func (s Source) String() string {
	var parts []string
	if s.File != "" {
		if s.Line > 0 {
			parts = append(parts, s.File+":"+strconv.Itoa(s.Line))
		} else {
			parts = append(parts, s.File)
		}
	}
	if s.Env != "" {
		parts = append(parts, "env "+s.Env)
	}
	if s.Table != "" {
		t := "table " + s.Table
		if s.Key != "" {
			t += " key " + s.Key
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, ", ")
}

// RouteError is the error for one route that could not be added. Err is the
// sentinel (errors.Is works through Unwrap); Detail says what was wrong.
type RouteError struct {
	Name    string   // route name, if any
	Methods []string // the route's methods
	Path    string   // the route's path as written
	Source  Source   // where the route was declared
	Err     error    // the sentinel, e.g. ErrDuplicateRoute
	Detail  string   // what is wrong, e.g. `duplicates route "user" GET /users/{name} (main.go:40)`
	// Mount says the error is about a Router.Mount; Path is then its
	// prefix, and the message says `mount "name" /prefix`.
	Mount bool
}

// Error formats the route and the problem in one line:
//
//	dynroute: route "get_user" GET /users/{id} (routes.yaml:12) duplicates route "user" GET /users/{name} (main.go:40)
func (e *RouteError) Error() string {
	var b strings.Builder
	b.WriteString("dynroute: ")
	if e.Name == "" && len(e.Methods) == 0 && e.Path == "" && !e.Source.IsZero() {
		b.WriteString(e.Source.String()) // a problem of a whole document
	} else {
		b.WriteString(describeRoute(e.Name, e.Methods, e.Path, e.Source, e.Mount))
	}
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *RouteError) Unwrap() error { return e.Err }

// describeRoute renders `route "name" GET,POST /path (file:line)`, leaving out
// what is unknown.
func describeRoute(name string, methods []string, path string, src Source, mount bool) string {
	var b strings.Builder
	b.WriteString("route")
	if mount {
		b.Reset()
		b.WriteString("mount")
		methods = nil
	}
	if name != "" {
		fmt.Fprintf(&b, " %q", name)
	}
	if len(methods) > 0 {
		b.WriteByte(' ')
		b.WriteString(strings.Join(methods, ","))
	}
	if path != "" {
		b.WriteByte(' ')
		b.WriteString(path)
	}
	if !src.IsZero() {
		b.WriteString(" (")
		b.WriteString(src.String())
		b.WriteByte(')')
	}
	return b.String()
}
