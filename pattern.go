package dynroute

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
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
	path   string
	segs   []segment
	params []string // parameter names in path order
}

// hasCatchAll reports whether the pattern ends in a {name...} segment.
func (p *pattern) hasCatchAll() bool {
	return len(p.segs) > 0 && p.segs[len(p.segs)-1].kind == segCatchAll
}

// shape is the pattern with parameter names erased; two patterns with the
// same shape match the same requests.
func (p *pattern) shape() string {
	var b strings.Builder
	b.Grow(len(p.path))
	for _, s := range p.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segParam:
			b.WriteString("{}")
		case segCatchAll:
			b.WriteString("{...}")
		}
	}
	return b.String()
}

// parsePattern parses a route path in dynroute's syntax: literal segments,
// {name} for one segment and {name...} for the rest of the path.
func parsePattern(path string) (*pattern, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty path", ErrInvalidPath)
	}
	if path[0] != '/' {
		return nil, fmt.Errorf("%w %q: must begin with '/'", ErrInvalidPath, path)
	}
	p := &pattern{path: path}
	rest := path[1:]
	for i := 0; ; i++ {
		text, tail, more := strings.Cut(rest, "/")
		seg, err := parseSegment(path, text, more)
		if err != nil {
			return nil, err
		}
		if seg.kind != segLiteral {
			for _, name := range p.params {
				if name == seg.text {
					return nil, fmt.Errorf("%w %q: parameter {%s} appears twice", ErrInvalidPath, path, seg.text)
				}
			}
			p.params = append(p.params, seg.text)
		}
		if seg.kind == segLiteral && seg.text == "" && more {
			return nil, fmt.Errorf("%w %q: empty segment (\"//\")", ErrInvalidPath, path)
		}
		p.segs = append(p.segs, seg)
		if !more {
			break
		}
		rest = tail
	}
	return p, nil
}

// parseSegment parses the text between two slashes; more reports whether
// another segment follows it.
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
	if open > 0 || !strings.HasSuffix(text, "}") {
		return bad("parameter in %q must be a whole segment (like /{name}, not /f.{ext})", text)
	}
	name := text[1 : len(text)-1]
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
	if !validParamName(name) {
		return bad("invalid parameter name %q: want a Go identifier: letters, digits and '_', not starting with a digit", name)
	}
	return segment{kind: kind, text: name}, nil
}

// validParamName reports whether name is a Go identifier, the rule ServeMux
// applies to wildcard names.
func validParamName(name string) bool {
	for i, c := range name {
		if c != '_' && !unicode.IsLetter(c) && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return name != ""
}

// routerPath is the path handed to httprouter: parameters renamed by segment
// index, so that routes sharing a prefix agree on the names httprouter sees.
func (p *pattern) routerPath() string {
	var b strings.Builder
	b.Grow(len(p.path))
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
	return b.String()
}

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

// cleanValue reports whether a matched parameter value came from a clean
// path: no empty, "." or ".." segment. Literal parts of a match are clean by
// construction, so checking the values is enough.
func cleanValue(v string, catchAll bool) bool {
	if !catchAll {
		return v != "" && v != "." && v != ".."
	}
	// httprouter's catch-all value starts with the slash before it.
	for i := 0; i < len(v); i++ {
		if v[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(v) && v[j] != '/' {
			j++
		}
		seg := v[i+1 : j]
		if (seg == "" && j < len(v)) || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
