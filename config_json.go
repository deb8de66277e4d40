package dynroute

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// LoadJSON reads route specs from the JSON document r; name is the file name
// recorded in each spec's Source, with the line the entry starts on.
//
// It accepts the shapes, keys and limits of LoadYAML, except that the input
// may be up to 16 MiB (the values are counted as they are read, which bounds
// memory as well), and reports problems the same way, unknown and duplicate
// keys included, which encoding/json's Unmarshal would silently accept. Values keep their JSON types: a string
// field given a number is a problem, where YAML takes the number's text.
// Numbers in extra become int when integral, otherwise float64, as in YAML.
// A UTF-8 byte order mark is skipped.
func LoadJSON(r io.Reader, name string) ([]RouteSpec, error) {
	data, err := readConfig(r, name, maxConfigBytes)
	if err != nil {
		return nil, err
	}
	root, err := parseJSON(data, name)
	if err != nil {
		return nil, configErrorIn(name, err)
	}
	return decodeRoutes(root, name, false)
}

// parseJSON parses data with encoding/json's token stream, which gives byte
// offsets (turned into lines) and, unlike Unmarshal, every key, duplicates
// included.
func parseJSON(data []byte, file string) (*value, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.Trim(data, " \t\r\n")) == 0 {
		return nil, nil
	}
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(data)), data: data, file: file, line: 1}
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	tok, err := p.dec.Token()
	switch {
	case err == io.EOF:
		return root, nil
	case err != nil:
		return nil, p.syntaxError(err)
	}
	return nil, docError(file, p.lineAt(p.dec.InputOffset()),
		"JSON syntax error: %v after the top-level value; a file holds one JSON value", tokenText(tok))
}

// jsonParser builds values from a token stream, counting lines as the
// offsets advance so that the whole parse counts each newline once.
type jsonParser struct {
	dec    *json.Decoder
	data   []byte
	file   string
	off    int // offset up to which newlines are counted in line
	line   int
	values valueSlab
}

// lineAt returns the line of the token that ends at off. Tokens hold no
// newlines, so the newlines before off are those before the token.
func (p *jsonParser) lineAt(off int64) int {
	o := min(int(off), len(p.data))
	if o > p.off {
		p.line += bytes.Count(p.data[p.off:o], []byte{'\n'})
		p.off = o
	}
	return p.line
}

func (p *jsonParser) value(depth int) (*value, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	line := p.lineAt(p.dec.InputOffset())
	if err := p.values.check(p.file, line); err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxConfigDepth {
			return nil, docError(p.file, line, "the document nests deeper than %d levels", maxConfigDepth)
		}
		if t == '[' {
			return p.list(line, depth)
		}
		return p.object(line, depth)
	case string:
		v := p.values.new(valString, line)
		v.text = t
		return v, nil
	case json.Number:
		return p.number(t.String(), line), nil
	case bool:
		v := p.values.new(valBool, line)
		v.text, v.bit = strconv.FormatBool(t), t
		return v, nil
	case nil:
		v := p.values.new(valNull, line)
		v.text = "null"
		return v, nil
	}
	return nil, docError(p.file, line, "JSON syntax error: unexpected %v", tokenText(tok))
}

func (p *jsonParser) list(line, depth int) (*value, error) {
	v := p.values.new(valList, line)
	for p.dec.More() {
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
	}
	return v, p.closing()
}

func (p *jsonParser) object(line, depth int) (*value, error) {
	v := p.values.new(valMap, line)
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.syntaxError(err)
		}
		k, ok := tok.(string)
		if !ok { // the decoder only returns string keys; stay safe anyway
			return nil, docError(p.file, p.lineAt(p.dec.InputOffset()), "JSON syntax error: unexpected %v", tokenText(tok))
		}
		line := p.lineAt(p.dec.InputOffset())
		if err := p.values.check(p.file, line); err != nil {
			return nil, err
		}
		key := p.values.new(valString, line)
		key.text = k
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.pairs = append(v.pairs, pair{key, val})
	}
	return v, p.closing()
}

// closing consumes the ']' or '}' that ends a list or object.
func (p *jsonParser) closing() error {
	if _, err := p.dec.Token(); err != nil {
		return p.syntaxError(err)
	}
	return nil
}

// syntaxError turns a decoder error into a document error at its line.
func (p *jsonParser) syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset counts the offending byte; its line is that of the byte before.
		return docError(p.file, lineAt(p.data, int(se.Offset)-1), "JSON syntax error: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return docError(p.file, lineAt(p.data, len(p.data)), "JSON syntax error: unexpected end of input")
	}
	return docError(p.file, lineAt(p.data, int(p.dec.InputOffset())), "JSON syntax error: %v", err)
}

// number types a number: an int64 if it is one, else a float64, else a
// value the decoder reports as out of range where it is used.
func (p *jsonParser) number(s string, line int) *value {
	v := p.values.new(valScalar, line)
	v.text = s
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		v.kind, v.num = valInt, n
	} else if f, err := strconv.ParseFloat(s, 64); err == nil {
		v.kind, v.flt = valFloat, f
	} else {
		v.typ, v.bad = "out-of-range number", true
	}
	return v
}

// tokenText renders a token for messages.
func tokenText(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return strconv.Quote(t.String())
	case string:
		return "string " + strconv.Quote(clip(t))
	case json.Number:
		return "number " + clip(t.String())
	case bool:
		return "boolean " + strconv.FormatBool(t)
	}
	return "null"
}
