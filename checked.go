package dynroute

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// Routes with a convertor ({id:int}), a mixed segment ({sid}.json) or a
// literal with ':' or '*' (levels:append) are "checked": httprouter holds
// each such segment as a plain parameter, and the table confirms its match
// before the route serves. When the check fails the request goes on to the
// next layer, where the less specific routes are (addMethod places every
// route after the layers of the more specific routes it overlaps), and so
// to the route the precedence rule names, or to miss.

// confirm checks the values httprouter matched for p, prepared (see
// prepare), against p's checked segments. With write set it also returns
// the values in p's parameter order: ps itself, a mixed segment's value
// cut to its parameter, when every httprouter parameter holds one value;
// else a new slice. Without write ps is left as it is.
func (p *pattern) confirm(ps httprouter.Params, write bool) (httprouter.Params, bool) {
	out := ps
	if p.split && write {
		out = make(httprouter.Params, 0, len(p.params))
	}
	for j, i := range p.slots {
		s := &p.segs[i]
		v := ps[j].Value
		switch s.kind {
		case segLiteral:
			if v != s.text {
				return nil, false
			}
		case segParam:
			if !s.conv.match(v) {
				return nil, false
			}
			if p.split && write {
				out = append(out, httprouter.Param{Key: s.text, Value: v})
			}
		case segMixed:
			if !p.split && write {
				// One parameter: its value replaces the segment's.
				x, ok := s.mixed.value(v)
				if !ok {
					return nil, false
				}
				out[j].Value = x
				break
			}
			var ok bool
			if out, ok = s.mixed.match(v, out, write); !ok {
				return nil, false
			}
		case segCatchAll:
			if p.split && write {
				out = append(out, httprouter.Param{Key: s.text, Value: v})
			}
		}
	}
	return out, true
}

// checkedHandle returns the handle of p's route in one layer: it confirms
// the match and serves the values with h, or leaves the request to next,
// which serves it from the following layers.
func checkedHandle(p *pattern, h httprouter.Handle, next func(http.ResponseWriter, *http.Request)) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if !p.prepare(ps) {
			// The path is unclean whatever the segments hold.
			redirect(w, r, cleanPath(r.URL.Path))
			return
		}
		vals, ok := p.confirm(ps, true)
		if !ok {
			next(w, r)
			return
		}
		h(w, r, vals)
	}
}

// serveFrom serves r from the layers of t from layer i on, looking up
// method (GET for a HEAD request that GET routes serve).
func (t *table) serveFrom(method string, i int, w http.ResponseWriter, r *http.Request) {
	for ; i < len(t.layers); i++ {
		if h, ps, _ := t.layers[i].Lookup(method, r.URL.Path); h != nil {
			h(w, r, ps)
			return
		}
	}
	t.miss(w, r)
}

// confirmed reports whether a match httprouter found in layer i for
// method and path holds: always, unless the route is checked and its
// check fails. It names the route by its httprouter path, rebuilt from
// path and the values: a literal segment is the path's, a parameter's
// name is the segment's index.
func (t *table) confirmed(i int, method, path string, ps httprouter.Params) bool {
	if t.checked == nil || len(ps) == 0 {
		return true
	}
	p := t.checked[checkedKey{i, method, routerPathOf(path, ps)}]
	if p == nil {
		return true
	}
	vals := make(httprouter.Params, len(ps))
	copy(vals, ps)
	if !p.prepare(vals) {
		return true // served by a redirect to the clean path
	}
	_, ok := p.confirm(vals, false)
	return ok
}

// routerPathOf rebuilds the httprouter path of the route that matched path
// with values ps (see pattern.routerPath).
func routerPathOf(path string, ps httprouter.Params) string {
	var b strings.Builder
	j := 0
	rest := strings.TrimPrefix(path, "/")
	for i := 0; ; i++ {
		seg, tail, more := strings.Cut(rest, "/")
		b.WriteByte('/')
		if j < len(ps) && ps[j].Key == "p"+strconv.Itoa(i) {
			if strings.HasPrefix(ps[j].Value, "/") { // {x...}: the rest of the path
				b.WriteString("*" + ps[j].Key)
				break
			}
			b.WriteString(":" + ps[j].Key)
			j++
		} else {
			b.WriteString(seg)
		}
		if !more {
			break
		}
		rest = tail
	}
	return b.String()
}
