package dynroute

import (
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
	segCatchAll segKind = iota // {name...}: the rest of the path, possibly empty
	segParam                   // {name}: one non-empty segment
	segLiteral                 // anything else, compared byte for byte
)

// segment is one element of a parsed path between slashes.
type segment struct {
	kind segKind
	text string // the literal text, or the parameter name
}

// pattern is a parsed route path. The path "/a/{b}/" has the segments
// "a", {b} and "" (the empty literal that a trailing slash leaves).
type pattern struct {
	// The fields a compile reads come first (see routeRec).
	shapeStr string   // see shape
	hrPath   string   // see routerPath
	params   []string // parameter names in path order
	catchAll bool     // the last segment is {name...}
	segs     []segment
	path     string
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
	params := 0
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
		if seg.kind != segLiteral {
			for _, s := range p.segs {
				if s.kind != segLiteral && s.text == seg.text {
					return fmt.Errorf("%w %q: parameter {%s} appears twice", ErrInvalidPath, path, seg.text)
				}
			}
			params++
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
	if params == 0 {
		p.shapeStr = path // a literal path is its own shape and router path
		p.hrPath = path
		return nil
	}
	p.params = p.pbuf[:0]
	p.catchAll = p.segs[len(p.segs)-1].kind == segCatchAll
	// The shape and the router path are built in one buffer: one allocation.
	var b strings.Builder
	b.Grow(2*len(path) + 8)
	for _, s := range p.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segParam:
			p.params = append(p.params, s.text)
			b.WriteString("{}")
		case segCatchAll:
			p.params = append(p.params, s.text)
			b.WriteString("{...}")
		}
	}
	n := b.Len()
	for i, s := range p.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segParam:
			b.WriteString(":p")
			b.WriteString(strconv.Itoa(i))
		case segCatchAll:
			b.WriteString("*p")
			b.WriteString(strconv.Itoa(i))
		}
	}
	both := b.String()
	p.shapeStr, p.hrPath = both[:n], both[n:]
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
// another segment follows it.
func parseSegment(path, text string, more bool) (segment, error) {
	bad := func(format string, args ...any) (segment, error) {
		return segment{}, fmt.Errorf("%w %q: "+format, append([]any{ErrInvalidPath, path}, args...)...)
	}
	if !strings.ContainsAny(text, "{}:*") && text != "." && text != ".." {
		return segment{kind: segLiteral, text: text}, nil // the common case, in one pass
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
	open := strings.IndexByte(text, '{')
	if open < 0 {
		if strings.IndexByte(text, '}') >= 0 {
			return bad("unmatched '}' in segment %q", text)
		}
		if strings.ContainsAny(text, ":*") {
			// httprouter would read these as wildcards mid-segment.
			return bad("literal segment %q contains ':' or '*'", text)
		}
		return segment{kind: segLiteral, text: text}, nil
	}
	if strings.Count(text, "{") > 1 {
		return bad("segment %q holds more than one parameter; a parameter must be a whole segment (like /{name}, not /{a}-{b})", text)
	}
	if open > 0 || !strings.HasSuffix(text, "}") {
		return bad("parameter in %q must be a whole segment (like /{name}, not /f.{ext})", text)
	}
	name := text[1 : len(text)-1]
	if strings.IndexByte(name, '}') >= 0 {
		return bad("unmatched '}' in segment %q", text)
	}
	kind := segParam
	if n, ok := strings.CutSuffix(name, "..."); ok {
		name, kind = n, segCatchAll
		if more {
			return bad("{%s...} must be the last segment", name)
		}
	}
	if name == "" {
		return bad("empty parameter name in %q", text)
	}
	if !httpx.ValidParamName(name) {
		switch {
		case name == "$":
			return bad("{$} is ServeMux's end anchor; dynroute paths match exactly: drop it")
		case strings.ContainsRune(name, ':'):
			return bad("invalid parameter name %q: ':' is kept for convertors ({id:int}), which are not supported yet", name)
		}
		return bad("invalid parameter name %q: a name has no white space, control characters or '/'", name)
	}
	return segment{kind: kind, text: name}, nil
}

// routerPath is the path handed to httprouter: parameters renamed by segment
// index, so that routes sharing a prefix agree on the names httprouter sees.
func (p *pattern) routerPath() string { return p.hrPath }

// compareSpecificity orders two patterns by dynroute's precedence: segment by
// segment from the left, a literal beats {x} and {x} beats {x...}. It returns
// a positive number when a is more specific than b. Patterns that cannot
// match the same path (different literals, different lengths) are ordered
// arbitrarily but deterministically.
func compareSpecificity(a, b *pattern) int {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		sa, sb := a.segs[i], b.segs[i]
		if sa.kind != sb.kind {
			return int(sa.kind) - int(sb.kind)
		}
		if sa.kind == segLiteral && sa.text != sb.text {
			return strings.Compare(sb.text, sa.text)
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
