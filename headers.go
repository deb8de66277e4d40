package dynroute

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/julienschmidt/httprouter"
)

// HeaderMatch is a condition on a request header that a route may carry
// (RouteOptions.Headers), to route by header as well as by method and path:
// API versions by Accept-Version, tenants by X-Tenant. Several routes may
// then share a method and path; see RouteOptions.Headers.
type HeaderMatch struct {
	Name string // the header, any case
	// Value is the value the header must have, exactly; with Regexp it is
	// a regular expression (RE2) that must match somewhere in the value:
	// anchor it with ^ and $ to match all of it, as in "^2\.".
	Value  string
	Regexp bool
}

// String formats m as in messages, the value as written: `Accept-Version:
// "2"` or `Accept-Version ~ "^2\."`.
func (m HeaderMatch) String() string {
	op := ":"
	if m.Regexp {
		op = " ~"
	}
	return http.CanonicalHeaderKey(m.Name) + op + ` "` + m.Value + `"`
}

// headerMatcher is a compiled HeaderMatch.
type headerMatcher struct {
	name  string // canonical
	value string
	re    *regexp.Regexp // nil: value must be equal
}

// matches reports whether one of the values of the header in h matches.
func (m *headerMatcher) matches(h http.Header) bool {
	for _, v := range h[m.name] {
		if m.re != nil && m.re.MatchString(v) || m.re == nil && v == m.value {
			return true
		}
	}
	return false
}

// compileHeaders checks and compiles a route's header matches and returns
// them with their canonical key: the matches sorted, for telling routes that
// share a method and path apart.
func compileHeaders(ms []HeaderMatch) ([]headerMatcher, string, error) {
	if len(ms) == 0 {
		return nil, "", nil
	}
	out := make([]headerMatcher, 0, len(ms))
	for _, m := range ms {
		if !httpx.IsToken(m.Name) {
			return nil, "", fmt.Errorf("%w: header match %q: not a header name", ErrInvalidOptions, m.Name)
		}
		hm := headerMatcher{name: http.CanonicalHeaderKey(m.Name), value: m.Value}
		if m.Regexp {
			re, err := regexp.Compile(m.Value)
			if err != nil {
				return nil, "", fmt.Errorf("%w: header match %s: %v", ErrInvalidOptions, m, err)
			}
			hm.re = re
		}
		for _, prev := range out {
			if prev.name == hm.name {
				return nil, "", fmt.Errorf("%w: header %s is matched twice", ErrInvalidOptions, hm.name)
			}
		}
		out = append(out, hm)
	}
	slices.SortFunc(out, func(a, b headerMatcher) int { return strings.Compare(a.name, b.name) })
	var key strings.Builder
	for _, m := range out {
		kind := "="
		if m.re != nil {
			kind = "~"
		}
		fmt.Fprintf(&key, "\x00%s%s%s", m.name, kind, m.value)
	}
	return out, key.String(), nil
}

// headerGroups replaces, in es (the routes of one method), each set of
// routes that share a path shape (routes that match headers) by one entry
// that picks among them per request: the first route, in order added, whose
// header matches all hold, else the route without matches, else the
// mismatch answer.
func headerGroups(es []*entry, mismatch http.HandlerFunc) []*entry {
	grouped := false
	for _, e := range es {
		if len(e.headers) > 0 {
			grouped = true
			break
		}
	}
	if !grouped {
		return es
	}
	groups := make(map[string][]*entry)
	out := make([]*entry, 0, len(es))
	for _, e := range es {
		shape := e.pat.shape()
		if groups[shape] == nil {
			out = append(out, e) // replaced below if it has company
		}
		groups[shape] = append(groups[shape], e)
	}
	for i, e := range out {
		g := groups[e.pat.shape()]
		if len(g) == 1 && len(g[0].headers) == 0 {
			continue
		}
		// g is in the order the routes were added: es lists one method's
		// routes in that order, and a shape's routes are all GET or all
		// HEAD in a HEAD list (see compile).
		var variants []*entry
		var fallback *entry
		for _, v := range g {
			if len(v.headers) == 0 {
				fallback = v
			} else {
				variants = append(variants, v)
			}
		}
		first := g[0]
		c := *first
		c.handle = func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
			for _, v := range variants {
				if v.headersMatch(r.Header) {
					v.handle(w, r, ps)
					return
				}
			}
			if fallback != nil {
				fallback.handle(w, r, ps)
				return
			}
			mismatch(w, r)
		}
		out[i] = &c
	}
	return out
}

// headersMatch reports whether every header match of the entry holds.
func (e *entry) headersMatch(h http.Header) bool {
	for i := range e.headers {
		if !e.headers[i].matches(h) {
			return false
		}
	}
	return true
}
