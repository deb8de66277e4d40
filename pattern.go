package dynroute

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dynroute/dynroute/internal/httpx"
)

// segKind is the kind of one path segment. The order is the precedence:
// a higher kind is more specific.
type segKind uint8

const (
	segCatchAll segKind = iota // {name...} or {name:path}: the rest of the path, possibly empty
	segParam                   // {name}, {name:int}…: one non-empty segment
	segMixed                   // literal text and parameters: {sid}.json, v{major}
	segLiteral                 // anything else, compared byte for byte
)

// segment is one element of a parsed path between slashes.
type segment struct {
	kind  segKind
	conv  convertor // of a segParam
	text  string    // the literal text, the parameter name, or a mixed segment as written
	mixed *mixedSeg // of a segMixed
}

// pattern is a parsed route path. The path "/a/{b}/" has the segments
// "a", {b} and "" (the empty literal that a trailing slash leaves).
type pattern struct {
	// The fields a compile reads come first (see routeRec).
	shapeStr string   // see shape
	hrPath   string   // see routerPath
	params   []string // parameter names in path order
	catchAll bool     // the last segment is {name...}
	// checked is set when httprouter's match must be confirmed (see
	// segment.checked), split when, besides, the values are not one per
	// httprouter parameter (a mixed segment with several parameters, a
	// literal httprouter holds as a parameter).
	checked, split bool
	// slots are, for a checked pattern, the segment that each httprouter
	// parameter holds, in order (see confirm).
	slots []int
	segs  []segment
	path  string
	// buf and pbuf hold segs and params of most paths, so that they cost no
	// allocation of their own; five segments still keep a routeRec within
	// the 768-byte size class.
	buf  [5]segment
	pbuf [2]string
}

// hasCatchAll reports whether the pattern ends in a {name...} segment.
func (p *pattern) hasCatchAll() bool { return p.catchAll }

// shape is the pattern with parameter names erased ("/users/{}",
// "/files/{...}"); two patterns with the same shape match the same requests.
// Its prefixes up to each '/' name the nodes of a segment tree.
func (p *pattern) shape() string { return p.shapeStr }

// parsePattern parses a route path in dynroute's syntax: literal segments,
// {name} for one segment and {name...} for the rest of the path.
func parsePattern(path string) (*pattern, error) {
	p := new(pattern)
	if err := p.parse(path); err != nil {
		return nil, err
	}
	return p, nil
}

// parse fills the zero pattern p from path; see parsePattern.
func (p *pattern) parse(path string) error {
	if path == "" {
		return fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	if path[0] != '/' {
		return fmt.Errorf("%w %q: must begin with '/'", ErrInvalidPath, path)
	}
	p.path = path
	p.segs = p.buf[:0] // most paths are short: one allocation for both
	p.params = p.pbuf[:0]
	routerParams := 0 // segments httprouter holds as parameters
	// One pass over the bytes finds the segments; only a segment with a
	// byte of the parameter syntax, or a dot segment, needs parseSegment.
	start, special := 1, false
	for i := 1; ; i++ {
		if i < len(path) {
			switch pathBytes[path[i]] {
			case 0:
				continue
			case syntaxByte:
				special = true
				continue
			case controlByte:
				return fmt.Errorf("%w %q: control character %U at byte %d", ErrInvalidPath, path, path[i], i)
			case queryByte:
				if seg := path[start:i]; strings.LastIndexByte(seg, '{') > strings.LastIndexByte(seg, '}') {
					return fmt.Errorf("%w %q: a parameter name has no %q", ErrInvalidPath, path, path[i])
				}
				if path[i] == '#' {
					return fmt.Errorf("%w %q: it has a fragment (%q), which clients never send: drop it", ErrInvalidPath, path, path[i:])
				}
				return fmt.Errorf("%w %q: it has a query (%q), which routes do not match (a client's query is never part of the path): serve %q and read the query in the handler",
					ErrInvalidPath, path, path[i:], path[:i])
			case utf8Byte:
				r, size := utf8.DecodeRuneInString(path[i:])
				if r == utf8.RuneError && size == 1 {
					return fmt.Errorf("%w %q: not UTF-8 at byte %d", ErrInvalidPath, path, i)
				}
				if unicode.IsControl(r) {
					return fmt.Errorf("%w %q: control character %U at byte %d", ErrInvalidPath, path, r, i)
				}
				i += size - 1
				continue
			}
		}
		more := i < len(path)
		text := path[start:i]
		seg := segment{kind: segLiteral, text: text}
		if special || isDots(text) {
			var ok bool
			if seg, ok = paramSegment(text, more); !ok {
				var err error
				if seg, err = parseSegment(path, text, more); err != nil {
					return err
				}
			}
		}
		switch seg.kind {
		case segLiteral:
			if seg.routerParam() {
				routerParams++
				p.split = true // no value
			}
		case segMixed:
			p.split = p.split || len(seg.mixed.names) > 1
			for _, name := range seg.mixed.names {
				if err := p.checkNewName(path, name); err != nil {
					return err
				}
				p.params = append(p.params, name)
			}
			routerParams++
		default:
			if err := p.checkNewName(path, seg.text); err != nil {
				return err
			}
			p.params = append(p.params, seg.text)
			routerParams++
		}
		if seg.checked() {
			p.checked = true
		}
		if seg.kind == segLiteral && seg.text == "" && more {
			return fmt.Errorf("%w %q: empty segment (\"//\")", ErrInvalidPath, path)
		}
		p.segs = append(p.segs, seg)
		if !more {
			break
		}
		start, special = i+1, false
	}
	if routerParams == 0 {
		p.params = nil
		p.shapeStr = path // a literal path is its own shape and router path
		p.hrPath = path
		return nil
	}
	p.catchAll = p.segs[len(p.segs)-1].kind == segCatchAll
	if p.checked {
		p.slots = make([]int, 0, routerParams)
		for i, s := range p.segs {
			if s.routerParam() {
				p.slots = append(p.slots, i)
			}
		}
	}
	// The shape and the router path are built in one buffer: one allocation.
	var b strings.Builder
	b.Grow(2*len(path) + 8)
	for _, s := range p.segs {
		b.WriteByte('/')
		b.WriteString(s.shapeText())
	}
	n := b.Len()
	for i, s := range p.segs {
		b.WriteByte('/')
		switch {
		case s.kind == segCatchAll:
			b.WriteString("*p")
			b.WriteString(strconv.Itoa(i))
		case s.routerParam():
			b.WriteString(":p")
			b.WriteString(strconv.Itoa(i))
		default:
			b.WriteString(s.text)
		}
	}
	both := b.String()
	p.shapeStr, p.hrPath = both[:n], both[n:]
	if len(p.params) == 0 {
		p.params = nil
	}
	return nil
}

// checkNewName reports a parameter name that p already has.
func (p *pattern) checkNewName(path, name string) error {
	for _, n := range p.params {
		if n == name {
			return fmt.Errorf("%w %q: parameter {%s} appears twice", ErrInvalidPath, path, name)
		}
	}
	return nil
}

// pathBytes marks the bytes parse stops at: the slash between segments,
// the bytes that make a segment more than a plain literal (syntaxByte:
// the braces of {name}, httprouter's ':' and '*'), the ASCII control
// characters no path may hold, and the bytes that begin a multi-byte UTF-8
// sequence, which must be valid. One table lookup per byte is the whole
// cost of a plain ASCII literal byte.
var pathBytes = func() (t [256]uint8) {
	t['/'] = slashByte
	for _, c := range "{}:*" {
		t[c] = syntaxByte
	}
	t['?'], t['#'] = queryByte, queryByte
	for c := range 0x20 {
		t[c] = controlByte
	}
	t[0x7f] = controlByte
	for c := 0x80; c < 0x100; c++ {
		t[c] = utf8Byte
	}
	return t
}()

const (
	slashByte uint8 = 1 + iota
	syntaxByte
	controlByte
	utf8Byte
	queryByte // '?' or '#': a query or fragment, which no route path holds
)

// isDots reports whether a segment is "." or "..".
func isDots(text string) bool {
	return text == "." || text == ".."
}

// paramSegment parses the common forms of a parameter, {name} and, last,
// {name...}, with an ASCII identifier for a name; ok is false for anything
// else, which parseSegment accepts the same way or explains.
func paramSegment(text string, more bool) (seg segment, ok bool) {
	if len(text) < 3 || text[0] != '{' || text[len(text)-1] != '}' {
		return segment{}, false
	}
	name, kind := text[1:len(text)-1], segParam
	if n, rest := strings.CutSuffix(name, "..."); rest {
		if more {
			return segment{}, false
		}
		name, kind = n, segCatchAll
	}
	if name == "" {
		return segment{}, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return segment{}, false
		}
	}
	return segment{kind: kind, text: name}, true
}

// parseSegment parses the text between two slashes; more reports whether
// another segment follows it. A segment is a literal, one parameter
// ({name}, {name:int}, {name...}), or literal text and parameters mixed
// ({sid}.json, {name}:cancel, {base}...{head}).
func parseSegment(path, text string, more bool) (segment, error) {
	bad := func(format string, args ...any) (segment, error) {
		return segment{}, fmt.Errorf("%w %q: "+format, append([]any{ErrInvalidPath, path}, args...)...)
	}
	switch {
	case text == "." || text == "..":
		return bad("%q segments are not allowed", text)
	case strings.HasPrefix(text, ":") || strings.HasPrefix(text, "*"):
		name := text[1:]
		suggest := "{" + name + "}"
		if text[0] == '*' {
			suggest = "{" + name + "...}"
		}
		return bad("%q is httprouter syntax; write %s", text, suggest)
	}
	var lits, names []string
	var convs []convertor
	rest := text
	for {
		open := strings.IndexByte(rest, '{')
		if close := strings.IndexByte(rest, '}'); close >= 0 && (open < 0 || close < open) {
			return bad("unmatched '}' in segment %q", text)
		}
		if open < 0 {
			lits = append(lits, rest)
			break
		}
		lit := rest[:open]
		if lit == "" && len(names) > 0 {
			return bad("segment %q has two parameters with nothing between them: put literal text between them ({a}-{b})", text)
		}
		lits = append(lits, lit)
		close := strings.IndexByte(rest[open:], '}')
		if close < 0 {
			return bad("segment %q has a '{' without its '}'", text)
		}
		inner := rest[open+1 : open+close]
		if strings.IndexByte(inner, '{') >= 0 {
			return bad("segment %q has a '{' inside a parameter", text)
		}
		name, conv, catchAll, err := parseParam(inner)
		if err != nil {
			return bad("%s", err)
		}
		if catchAll {
			switch {
			case text != "{"+inner+"}":
				return bad("{%s} must be a whole segment: it takes the rest of the path", inner)
			case more:
				return bad("{%s} must be the last segment", inner)
			}
			return segment{kind: segCatchAll, text: name}, nil
		}
		names, convs = append(names, name), append(convs, conv)
		if len(names) > maxMixedParams {
			return bad("segment %q has more than %d parameters", text, maxMixedParams)
		}
		rest = rest[open+close+1:]
	}
	switch {
	case len(names) == 0:
		return segment{kind: segLiteral, text: text}, nil
	case len(names) == 1 && lits[0] == "" && lits[1] == "":
		return segment{kind: segParam, text: names[0], conv: convs[0]}, nil
	}
	return segment{kind: segMixed, text: text, mixed: newMixedSeg(lits, names, convs)}, nil
}

// parseParam parses what is between the braces of a parameter: a name,
// optionally followed by "..." or by ':' and a convertor.
func parseParam(inner string) (name string, conv convertor, catchAll bool, err error) {
	name, spec, hasConv := strings.Cut(inner, ":")
	if n, ok := strings.CutSuffix(name, "..."); ok && !hasConv {
		name, catchAll = n, true
	}
	switch {
	case name == "" && !hasConv && !catchAll:
		return "", 0, false, errors.New("empty parameter name in {}")
	case name == "":
		return "", 0, false, fmt.Errorf("empty parameter name in {%s}", inner)
	case name == "$":
		return "", 0, false, errors.New("{$} is ServeMux's end anchor; dynroute paths match exactly: drop it")
	case hasConv && strings.HasSuffix(name, "..."):
		return "", 0, false, fmt.Errorf("{%s}: {name...} takes the rest of the path and no convertor", inner)
	case !httpx.ValidParamName(name):
		return "", 0, false, fmt.Errorf("invalid parameter name %q: a name has no white space, control characters or '/'", name)
	case !hasConv:
		return name, convNone, catchAll, nil
	case spec == "path":
		return name, convNone, true, nil
	}
	conv, ok := convertors[spec]
	if !ok {
		if spec == "" {
			return "", 0, false, fmt.Errorf("parameter {%s} names no convertor after ':'; the convertors are %s", inner, convertorNames)
		}
		return "", 0, false, fmt.Errorf("unknown convertor %q in {%s}: the convertors are %s (regular expressions are not supported: check such a value in the handler)", spec, inner, convertorNames)
	}
	return name, conv, false, nil
}

// routerPath is the path handed to httprouter: parameters renamed by segment
// index, so that routes sharing a prefix agree on the names httprouter sees.
func (p *pattern) routerPath() string { return p.hrPath }

// compareSpecificity orders two patterns by dynroute's precedence: segment by
// segment from the left, a literal beats a mixed segment, which beats a
// parameter with a convertor ({x:int} and {x:uuid} before {x:float}), which
// beats {x}, which beats {x...}; of two mixed segments the one with more
// literal bytes wins, then the one with fewer parameters, then the one
// whose convertors rank higher from the left (see compareSegments). It returns
// a positive number when a is more specific than b. Patterns that cannot
// match the same path (different literals, different lengths) are ordered
// arbitrarily but deterministically.
func compareSpecificity(a, b *pattern) int {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		if c := compareSegments(a.segs[i], b.segs[i]); c != 0 {
			return c
		}
	}
	return len(a.segs) - len(b.segs)
}

// cleanRest reports whether a {x...} value (without its leading slash) has
// no empty, "." or ".." segment; a trailing slash is fine.
func cleanRest(v string) bool {
	for len(v) > 0 {
		seg, rest, more := strings.Cut(v, "/")
		if seg == "." || seg == ".." || (seg == "" && more) {
			return false
		}
		v = rest
	}
	return true
}
