package dynroute

import (
	"regexp"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// convertor constrains the values of a parameter, in Starlette's spelling:
// {id:int} matches only the values the convertor accepts, so a request
// whose value does not convert goes to another route or gets a 404.
type convertor uint8

const (
	convNone  convertor = iota // {x} or {x:str}: any non-empty value
	convInt                    // {x:int}: ASCII digits
	convFloat                  // {x:float}: digits, optionally '.' and more digits
	convUUID                   // {x:uuid}: 8-4-4-4-12 lower-case hexadecimal digits
)

// convertors maps the names a path may use after the ':' of a parameter
// to their convertors; path is {x...} and is handled by parseSegment.
var convertors = map[string]convertor{"str": convNone, "int": convInt, "float": convFloat, "uuid": convUUID}

// convertorNames lists the convertors for error messages.
const convertorNames = "int, float, uuid, str or path"

// String returns the convertor's name as a path writes it, "" for none.
func (c convertor) String() string {
	switch c {
	case convInt:
		return "int"
	case convFloat:
		return "float"
	case convUUID:
		return "uuid"
	}
	return ""
}

// rank orders convertors by specificity: int's values are all float's, and
// uuid's values are no other's, so it ranks with int.
func (c convertor) rank() int {
	switch c {
	case convInt, convUUID:
		return 2
	case convFloat:
		return 1
	}
	return 0
}

// match reports whether v, a non-empty segment value, is one of c's.
func (c convertor) match(v string) bool {
	switch c {
	case convInt:
		return digits(v) == len(v) && v != ""
	case convFloat:
		n := digits(v)
		if n == 0 {
			return false
		}
		if n == len(v) {
			return true
		}
		rest := v[n:]
		return rest[0] == '.' && len(rest) > 1 && digits(rest[1:]) == len(rest)-1
	case convUUID:
		if len(v) != 36 {
			return false
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if c != '-' {
					return false
				}
			} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	return v != ""
}

// digits returns the number of ASCII digits v starts with.
func digits(v string) int {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	return i
}

// regexp returns the expression of c's values, lazy: in a mixed segment
// each value is as short as the whole segment allows.
func (c convertor) regexp() string {
	switch c {
	case convInt:
		return `[0-9]+?`
	case convFloat:
		return `[0-9]+?(?:\.[0-9]+?)??`
	case convUUID:
		return `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	}
	return `[^/]+?`
}

// sample is a value c matches, for the example paths of conflict messages.
func (c convertor) sample() string {
	switch c {
	case convInt, convFloat:
		return "1"
	case convUUID:
		return "00000000-0000-0000-0000-000000000000"
	}
	return "x"
}

// maxMixedParams bounds the parameters of one segment.
const maxMixedParams = 8

// mixedSeg is a segment that mixes literal text and parameters, such as
// {sid}.json, v{major} or {base}...{head}. A value of the segment is split
// as Go's regexp package splits it with each parameter lazy: every
// parameter takes the fewest bytes, from the left, that let the rest of the
// segment match. So {name}.{ext} splits a.b.json into a and b.json, and
// {base}...{head} splits a..b...c into a..b and c; a single parameter
// takes what its literals leave ({sid}.json: a.b.json gives a.b).
type mixedSeg struct {
	lits  []string    // the text before each parameter and after the last; the first and last may be ""
	names []string    // the parameters, in order
	convs []convertor // the parameters' convertors
	re    *regexp.Regexp
}

// newMixedSeg compiles a mixed segment from its parts.
func newMixedSeg(lits, names []string, convs []convertor) *mixedSeg {
	m := &mixedSeg{lits: lits, names: names, convs: convs}
	if len(names) > 1 {
		var b strings.Builder
		b.WriteString(`^`)
		for i, c := range convs {
			b.WriteString(regexp.QuoteMeta(lits[i]))
			b.WriteString("(" + c.regexp() + ")")
		}
		b.WriteString(regexp.QuoteMeta(lits[len(lits)-1]))
		b.WriteString(`$`)
		m.re = regexp.MustCompile(b.String()) // built from quoted literals and fixed expressions
	}
	return m
}

// value returns the value of the parameter of a segment with one.
func (m *mixedSeg) value(v string) (string, bool) {
	pre, suf := m.lits[0], m.lits[1]
	if len(v) <= len(pre)+len(suf) || !strings.HasPrefix(v, pre) || !strings.HasSuffix(v, suf) {
		return "", false
	}
	x := v[len(pre) : len(v)-len(suf)]
	return x, m.convs[0].match(x)
}

// match reports whether v is a value of the segment and, with write set,
// appends the parameters' values to dst.
func (m *mixedSeg) match(v string, dst httprouter.Params, write bool) (httprouter.Params, bool) {
	if m.re == nil {
		x, ok := m.value(v)
		if ok && write {
			dst = append(dst, httprouter.Param{Key: m.names[0], Value: x})
		}
		return dst, ok
	}
	loc := m.re.FindStringSubmatchIndex(v)
	if loc == nil {
		return dst, false
	}
	if write {
		for i := 2; i < len(loc); i += 2 {
			dst = append(dst, httprouter.Param{Key: m.names[i/2-1], Value: v[loc[i]:loc[i+1]]})
		}
	}
	return dst, true
}

// literalBytes is the length of the segment's literal text, its first
// measure of specificity.
func (m *mixedSeg) literalBytes() int {
	n := 0
	for _, l := range m.lits {
		n += len(l)
	}
	return n
}

// samples returns values of the segment, for example paths: each
// parameter filled with its convertor's sample or, for a parameter
// without one, with each hint in turn, so that a value shared with
// another segment whose literals are the hints is among them.
func (m *mixedSeg) samples(hints []string) []string {
	fills := make([][]string, len(m.names))
	for i, c := range m.convs {
		fills[i] = []string{c.sample()}
		if c == convNone {
			for _, h := range hints {
				fills[i] = append(fills[i], h, "x"+h+"x")
			}
		}
	}
	var out []string
	var walk func(i int, b string)
	walk = func(i int, b string) {
		if len(out) >= 256 {
			return
		}
		if i == len(m.names) {
			out = append(out, b+m.lits[i])
			return
		}
		for _, f := range fills[i] {
			walk(i+1, b+m.lits[i]+f)
		}
	}
	walk(0, "")
	return out
}

// segRank is a segment's place in the precedence order, most specific
// highest: a literal, a mixed segment, a parameter with the int or uuid
// convertor, one with float, a plain parameter, {x...}.
func segRank(s segment) int {
	switch s.kind {
	case segLiteral:
		return 5
	case segMixed:
		return 4
	case segParam:
		return 1 + s.conv.rank()
	}
	return 0
}

// compareSegments orders two segments by precedence; see compareSpecificity.
func compareSegments(a, b segment) int {
	if ra, rb := segRank(a), segRank(b); ra != rb {
		return ra - rb
	}
	switch a.kind {
	case segLiteral:
		return strings.Compare(b.text, a.text)
	case segParam:
		return int(b.conv) - int(a.conv) // int and uuid: no value in common
	case segMixed:
		ma, mb := a.mixed, b.mixed
		if d := ma.literalBytes() - mb.literalBytes(); d != 0 {
			return d
		}
		if d := len(mb.names) - len(ma.names); d != 0 {
			return d
		}
		for i := range ma.convs {
			if d := ma.convs[i].rank() - mb.convs[i].rank(); d != 0 {
				return d
			}
		}
		return strings.Compare(b.shapeText(), a.shapeText())
	}
	return 0
}

// matches reports whether a request's segment value v matches s, which is
// not {x...}.
func (s segment) matches(v string) bool {
	switch s.kind {
	case segLiteral:
		return v == s.text
	case segParam:
		return s.conv.match(v)
	case segMixed:
		_, ok := s.mixed.match(v, nil, false)
		return ok
	}
	return true
}

// literals returns the literal text of s, as hints for samples.
func (s segment) literals() []string {
	switch s.kind {
	case segLiteral:
		return []string{s.text}
	case segMixed:
		var out []string
		for _, l := range s.mixed.lits {
			if l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	return nil
}

// samples returns values s matches, using hints as mixedSeg.samples does.
func (s segment) samples(hints []string) []string {
	switch s.kind {
	case segLiteral:
		return []string{s.text}
	case segMixed:
		return s.mixed.samples(hints)
	case segParam:
		out := []string{s.conv.sample()}
		if s.conv == convNone {
			out = append(out, hints...)
		}
		return out
	}
	return nil
}

// commonValue returns a value that both a and b match, neither of them
// {x...}; ok is false when there is none. Between two mixed segments it
// tries the values samples gives, which finds one for the segments real
// APIs have ({a}.{b} and {a}-{b} share x.x-x) and may miss one for
// contrived pairs; such a pair then counts as never matching the same
// request, for StrictConflicts only: dispatch always applies the
// precedence rule.
func commonValue(a, b segment) (string, bool) {
	if a.kind == segLiteral {
		return a.text, b.matches(a.text)
	}
	if b.kind == segLiteral {
		return b.text, a.matches(b.text)
	}
	for _, v := range a.samples(b.literals()) {
		if b.matches(v) {
			return v, true
		}
	}
	for _, v := range b.samples(a.literals()) {
		if a.matches(v) {
			return v, true
		}
	}
	return "", false
}

// segCovers reports whether every value b matches is matched by a, neither
// of them {x...}. Where it cannot tell (a convertor or a mixed segment
// against a mixed segment of another shape) it answers false, which can
// only make StrictConflicts report a pair as a conflict.
func segCovers(a, b segment) bool {
	switch {
	case b.kind == segLiteral:
		return a.matches(b.text)
	case a.kind == segParam && a.conv == convNone:
		return true
	case a.kind == segParam && b.kind == segParam:
		return a.conv == b.conv || a.conv == convFloat && b.conv == convInt
	case a.kind == segMixed && b.kind == segMixed:
		return a.shapeText() == b.shapeText() || a.mixed.coversMixed(b.mixed)
	}
	return false
}

// coversMixed reports, for two segments of one parameter each, whether
// every value of n is one of m's: m's parameter takes anything, and n's
// literals extend m's ({a}.gz covers {a}.tar.gz).
func (m *mixedSeg) coversMixed(n *mixedSeg) bool {
	return len(m.names) == 1 && len(n.names) == 1 && m.convs[0] == convNone &&
		strings.HasPrefix(n.lits[0], m.lits[0]) && strings.HasSuffix(n.lits[1], m.lits[1])
}

// shapeText is the segment as the shape writes it: parameter names
// erased, convertors kept ("{}", "{:int}", "{}.json"). Every route's
// segments pass here when it is added: the common ones cost no allocation.
func (s segment) shapeText() string {
	switch {
	case s.kind == segLiteral:
		return s.text
	case s.kind == segParam && s.conv == convNone:
		return "{}"
	case s.kind == segCatchAll:
		return "{...}"
	}
	return s.spelled(false, true)
}

// spelled writes the segment in dynroute's syntax, with or without the
// parameters' names and convertors: the shape keeps convertors only, the
// document (docPath) names only, its path items (docShape) neither.
func (s segment) spelled(names, convs bool) string {
	param := func(name string, c convertor, rest bool) string {
		t := "{"
		if names {
			t += name
		}
		if convs && c != convNone {
			t += ":" + c.String()
		}
		if rest {
			t += "..."
		}
		return t + "}"
	}
	switch s.kind {
	case segParam:
		return param(s.text, s.conv, false)
	case segCatchAll:
		return param(s.text, convNone, true)
	case segMixed:
		var b strings.Builder
		for i, c := range s.mixed.convs {
			b.WriteString(s.mixed.lits[i])
			b.WriteString(param(s.mixed.names[i], c, false))
		}
		b.WriteString(s.mixed.lits[len(s.mixed.lits)-1])
		return b.String()
	}
	return s.text
}

// routerParam reports whether httprouter holds s as a parameter: every
// segment but a plain literal. A literal with ':' or '*', which httprouter
// would read as its own syntax, is one too, checked after the match.
func (s segment) routerParam() bool {
	return s.kind != segLiteral || strings.ContainsAny(s.text, ":*")
}

// checked reports whether httprouter's match of s must be confirmed: a
// convertor, a mixed segment or a literal httprouter holds as a parameter.
func (s segment) checked() bool {
	switch s.kind {
	case segParam:
		return s.conv != convNone
	case segMixed:
		return true
	case segLiteral:
		return s.routerParam()
	}
	return false
}
