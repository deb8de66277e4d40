package dynroute

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v3"
)

// oaLooksJSON reports whether data starts as a JSON object or array does,
// after white space and a byte order mark.
func oaLooksJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

// oaJSONError is a JSON syntax error at a line of the document, or with
// limit set a document past maxOAJSONNodes.
type oaJSONError struct {
	line  int
	msg   string
	limit bool
}

func (e *oaJSONError) Error() string {
	if e.limit {
		return e.msg
	}
	return "JSON syntax error: " + e.msg
}

// oaParseJSON parses a JSON document into the node tree the YAML parser
// would build from it (JSON is YAML's flow style), with the same lines.
// Strings are decoded as encoding/json decodes them (\/, surrogate pairs, a
// lone surrogate as U+FFFD); names may repeat, as the YAML parser lets
// them. The error is an *oaJSONError, or errOANotJSON for input that is not
// UTF-8, which is left for the YAML parser to refuse.
//
// Most of a published document is schemas the loader never reads, so
// mappings and lists deeper than oaJSONEager levels are left empty and
// recorded in skipped, whose expand fills one in when the loader reads it.
func oaParseJSON(data []byte, skipped *oaSkipped) (*yaml.Node, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errOANotJSON
	}
	return newOAJSONParser(oaSkip{data, 0, len(data)}, 1, skipped).parse()
}

// errOANotJSON says that a document is not JSON the JSON parser reads.
var errOANotJSON = errors.New("not UTF-8")

// oaJSONEager is how many levels of a JSON document are read up front: the
// top level, paths, path items and operations (a mapping or list among an
// operation's fields is skipped until read).
const oaJSONEager = 4

// oaSkipped holds the JSON mappings and lists that parses skipped, each
// with where it is, and the nodes the parses of one load hand out, a chunk
// at a time: one allocation per node was a third of the parse.
type oaSkipped struct {
	at   map[*yaml.Node]oaSkip
	free []yaml.Node
	made int // nodes handed out, at most maxOAJSONNodes
}

// maxOAJSONNodes caps the nodes of a JSON document's parses, some 160 MB:
// a published document has tens of thousands outside what is skipped, and a
// hostile one of 16 MiB of zeros would have 8 million.
const maxOAJSONNodes = 1 << 20

// errOATooMany is the error of a document past maxOAJSONNodes.
var errOATooMany = fmt.Errorf("the document holds more than %d values outside the schemas and responses the loader skips", maxOAJSONNodes)

// oaSkip locates a skipped value: data[start:end] of its document.
type oaSkip struct {
	data       []byte
	start, end int
}

// expand parses n if it is a mapping or list a parse skipped. The
// document's first parse checked its syntax, so that it parses.
func (s *oaSkipped) expand(n *yaml.Node) {
	at, ok := s.at[n]
	if !ok {
		return
	}
	delete(s.at, n)
	if v, err := newOAJSONParser(at, n.Line, s).parse(); err == nil {
		n.Content = v.Content
	}
}

// over reports whether the parses have made more than maxOAJSONNodes nodes
// (an expand then leaves its node empty).
func (s *oaSkipped) over() bool { return s.made > maxOAJSONNodes }

// newOAJSONParser returns a parser of at, which starts on line.
func newOAJSONParser(at oaSkip, line int, skipped *oaSkipped) *oaJSONParser {
	data := at.data[at.start:at.end]
	return &oaJSONParser{
		dec:     jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
		at:      at,
		data:    data,
		first:   line,
		line:    line,
		skipped: skipped,
	}
}

// oaJSONParser builds yaml.Nodes from a token stream, counting lines as the
// offsets advance so that the whole parse counts each newline once.
type oaJSONParser struct {
	dec     *jsontext.Decoder
	at      oaSkip
	data    []byte // what dec reads, at's bytes
	first   int    // the line data starts on
	off     int    // offset up to which newlines are counted in line
	line    int
	skipped *oaSkipped
}

// lineAt returns the line of the token that ends at off. Tokens hold no
// newlines, so the newlines before off are those before the token.
func (p *oaJSONParser) lineAt(off int64) int {
	o := min(int(off), len(p.data))
	if o > p.off {
		p.line += bytes.Count(p.data[p.off:o], []byte{'\n'})
		p.off = o
	}
	return p.line
}

// node returns a new node.
func (p *oaJSONParser) node(kind yaml.Kind, tag, value string, line int) *yaml.Node {
	s := p.skipped
	if len(s.free) == 0 {
		s.free = make([]yaml.Node, 256)
	}
	n := &s.free[0]
	s.free = s.free[1:]
	s.made++
	n.Kind, n.Tag, n.Value, n.Line = kind, tag, value, line
	return n
}

// parse reads the one value of the document. It keeps its own stack of open
// mappings and lists rather than recursing; the decoder bounds the depth.
func (p *oaJSONParser) parse() (*yaml.Node, error) {
	var root *yaml.Node
	var open []*yaml.Node
	for {
		if len(open) >= oaJSONEager {
			if k := p.dec.PeekKind(); k == '{' || k == '[' {
				n, err := p.skip(k)
				if err != nil {
					return nil, err
				}
				top := open[len(open)-1]
				top.Content = append(top.Content, n)
				continue
			}
		}
		tok, err := p.dec.ReadToken()
		if err != nil {
			return nil, p.syntaxError(err)
		}
		line := p.lineAt(p.dec.InputOffset())
		var n *yaml.Node
		switch k := tok.Kind(); k {
		case '}', ']':
			open = open[:len(open)-1]
		case '{':
			n = p.node(yaml.MappingNode, "!!map", "", line)
			n.Style = yaml.FlowStyle
		case '[':
			n = p.node(yaml.SequenceNode, "!!seq", "", line)
			n.Style = yaml.FlowStyle
		case '"':
			n = p.node(yaml.ScalarNode, "!!str", tok.String(), line)
			n.Style = yaml.DoubleQuotedStyle
		case '0':
			s := tok.String()
			tag := "!!int"
			if strings.ContainsAny(s, ".eE") {
				tag = "!!float"
			}
			n = p.node(yaml.ScalarNode, tag, s, line)
		case 't', 'f':
			n = p.node(yaml.ScalarNode, "!!bool", tok.String(), line)
		case 'n':
			n = p.node(yaml.ScalarNode, "!!null", "null", line)
		default: // the decoder returns no other kind; stay safe anyway
			return nil, &oaJSONError{line: line, msg: fmt.Sprintf("unexpected token %v", k)}
		}
		if p.skipped.over() {
			return nil, &oaJSONError{line: line, msg: errOATooMany.Error(), limit: true}
		}
		if n != nil {
			if len(open) == 0 {
				root = n
			} else {
				top := open[len(open)-1]
				top.Content = append(top.Content, n)
			}
			if n.Kind != yaml.ScalarNode {
				open = append(open, n)
			}
		}
		if len(open) == 0 {
			break
		}
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		line := p.lineAt(p.dec.InputOffset())
		if err != nil {
			return nil, p.syntaxError(err)
		}
		return nil, &oaJSONError{line: line, msg: "more after the top-level value; a document is one JSON value"}
	}
	return root, nil
}

// skip skips the mapping or list that comes next, returning an empty node
// of its kind and line that oaJSONDoc.expand fills in.
func (p *oaJSONParser) skip(k jsontext.Kind) (*yaml.Node, error) {
	prev := int(p.dec.InputOffset())
	if err := p.dec.SkipValue(); err != nil {
		return nil, p.syntaxError(err)
	}
	end := int(p.dec.InputOffset())
	// Between the previous token and the value: white space, and ':' or ','.
	start := prev + len(p.data[prev:end]) - len(bytes.TrimLeft(p.data[prev:end], " \t\r\n:,"))
	kind, tag := yaml.MappingNode, "!!map"
	if k == '[' {
		kind, tag = yaml.SequenceNode, "!!seq"
	}
	n := p.node(kind, tag, "", p.lineAt(int64(start)))
	n.Style = yaml.FlowStyle
	p.skipped.at[n] = oaSkip{p.at.data, p.at.start + start, p.at.start + end}
	return n, nil
}

// syntaxError turns a decoder error into an *oaJSONError at its line.
func (p *oaJSONParser) syntaxError(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &oaJSONError{line: p.first - 1 + lineAt(p.data, len(p.data)), msg: "unexpected end of input"}
	case errors.As(err, &se):
		msg := strings.TrimPrefix(se.Err.Error(), "jsontext: ")
		if se.JSONPointer != "" {
			msg += fmt.Sprintf(" within %q", se.JSONPointer)
		}
		return &oaJSONError{line: p.first - 1 + lineAt(p.data, int(se.ByteOffset)), msg: msg}
	}
	return &oaJSONError{line: p.first - 1 + lineAt(p.data, int(p.dec.InputOffset())), msg: err.Error()}
}

// jsonForYAML rewrites the two JSON string escapes the YAML parser rejects —
// \/ (PHP's json_encode writes "\/pets") and UTF-16 surrogate pairs
// (Python's json.dumps writes "\ud83d\ude00") — into \U escapes YAML reads,
// without moving a line, so line numbers stay right. YAML input is returned
// as it is.
func jsonForYAML(data []byte) []byte {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') || bytes.IndexByte(data, '\\') < 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			inString = !inString
		case c != '\\' || !inString || i+1 == len(data):
		case data[i+1] == '/':
			out = append(out, '/')
			i++
			continue
		case data[i+1] == 'u':
			r1, ok := hex4(data[i+2:])
			if !ok || !utf16.IsSurrogate(r1) {
				out = append(out, c, 'u')
				i++
				continue
			}
			if r2, ok := lowSurrogate(data[i+6:]); ok && r1 < 0xDC00 {
				out = fmt.Appendf(out, `\U%08X`, utf16.DecodeRune(r1, r2))
				i += 11
				continue
			}
			out = append(out, `\uFFFD`...) // a lone surrogate, as encoding/json reads it
			i += 5
			continue
		default: // another escape, copied whole so that \" does not end the string
			out = append(out, c, data[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

// lowSurrogate reads `\uDC00`-`\uDFFF` at the start of b.
func lowSurrogate(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	r, ok := hex4(b[2:])
	return r, ok && r >= 0xDC00 && r <= 0xDFFF
}

// hex4 reads four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}
