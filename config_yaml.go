package dynroute

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// LoadYAML reads route specs from the YAML document r; name is the file name
// recorded in each spec's Source, with the line the entry starts on.
//
// The document is a list of entries, or a mapping from route name to entry
// (the seed's config dict), or an object whose only key is "routes" holding
// either:
//
//	# a list of entries
//	- name: dynamic_users
//	  path: /dynamic/users
//	  methods: [GET]
//	  handler: get_dynamic_users
//
//	# a mapping; the key is the name
//	dynamic_users:
//	  path: /dynamic/users
//	  methods: GET
//	  handler_name: get_dynamic_users
//
// An entry's keys are RouteSpec's tags: name, path, methods, handler, tags,
// summary, description, status_code, operation_id, deprecated, hidden,
// extra, headers, header_patterns, app, prefix, max_body_bytes and
// response_model (a model of the Registry, Registry.RegisterModel, that
// documents the answer). handler_name is an alias of handler; methods may be one string
// ("GET" or "GET,POST"). Any other key is the application's own, as the
// seed's response_message is, and goes into Extra for the handler to read
// (Params.Route().Extra, Router.MatchedRoute); only a key one edit from a
// known key the entry lacks (two edits for keys of eight letters or more:
// pth, methds, handler_nme) is taken for a misspelling and reported with
// the key it resembles; put such a key of your own under extra. A key given both at the top and in extra is a
// problem. In map form the key is the route's name. A "routes"
// mapping that has a route field among its keys (routes: {path: ...}) is a
// route named "routes", not the wrapper. Null means absent, and as in
// yaml.Unmarshal any scalar's text is accepted where a string is wanted.
// Anchors, aliases and merge keys (<<) work, but aliases and merges may add
// at most max(64 Ki, input size in bytes) values in all, which defeats
// "billion laughs" documents. The input must be UTF-8, at most 2 MiB (some
// 20,000 routes in block style), hold at most 524,288 values (scalars,
// lists and mappings, keys included) and nest at most 1000 levels deep;
// reading it then takes at most about 280 MB whatever its shape. A document
// past a limit is one error and no specs; larger route sets belong in a
// database (LoadSQL) or in several files.
//
// LoadYAML reports what a RouteSpec cannot represent, not whether the routes
// are valid: Router.AddRoutes checks that (missing fields, unknown handlers,
// bad paths, conflicts, two entries with one name). It returns every entry
// that decoded without a problem, with Source.Line at the entry's first
// line; it leaves out entries with a misspelt key, a value of the wrong
// type, a duplicate key, or conflicting handler and handler_name or name and
// map key, so that nothing is applied but what the author meant and
// AddRoutes does not report such an entry again (as missing the path its
// misspelt key held). The error is nil or joins (errors.Join) one
// *RouteError per problem, each wrapping ErrInvalidConfig, with the line of
// the offending key or value in Source: a misspelt key (with the known key
// it resembles), a wrong type, a duplicate key, an entry that is not a
// mapping, a conflict.
// Past 1000 problems, one more says how many were not listed.
// A document that is malformed as a whole (a syntax error, the wrong shape,
// a second document, too large) gives no specs and one such error. An empty
// document gives no specs and no error. Only an error reading r does not
// wrap ErrInvalidConfig.
func LoadYAML(r io.Reader, name string) ([]RouteSpec, error) {
	data, err := readConfig(r, name, maxYAMLBytes)
	if err != nil {
		return nil, err
	}
	root, err := parseYAML(data, name)
	if err != nil {
		return nil, err
	}
	return decodeRoutes(root, name, true)
}

// parseYAML parses the one document of data. yaml.v3 is used at the Node
// level only: Nodes carry lines, and decoding them ourselves lets us report
// every problem rather than the first and keep aliases in check.
func parseYAML(data []byte, file string) (root *value, err error) {
	if off, what := badYAMLChar(data); off >= 0 {
		return nil, configErrorIn(file, docError(file, lineAt(data, off), "%s", what))
	}
	// yaml.v3 has panicked on malformed input before; a loader must not.
	defer func() {
		if p := recover(); p != nil {
			root, err = nil, configErrorIn(file, docError(file, 0, "the YAML parser failed: %v", p))
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlSyntaxError(data, file, err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlSyntaxError(data, file, err)
		}
		if len(next.Content) > 0 && next.Content[0].ShortTag() != "!!null" {
			return nil, configErrorIn(file, docError(file, next.Line,
				"a second YAML document starts here; put every route in one document"))
		}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	c := &yamlConverter{file: file, budget: max(1<<16, len(data)), active: make(map[*yaml.Node]bool)}
	root, cerr := c.convert(doc.Content[0], 0)
	if cerr != nil {
		return nil, configErrorIn(file, cerr)
	}
	return root, nil
}

// badYAMLChar returns the offset of the first byte that is not UTF-8 or
// starts a character YAML forbids, and what is wrong with it; -1 if none.
// yaml.v3 rejects these too, but without saying where.
func badYAMLChar(data []byte) (int, string) {
	for i := 0; i < len(data); {
		c := data[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' || c == '\r' {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return i, "the file is not UTF-8"
		case r == 0x85, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000:
		default:
			return i, "character " + strconv.QuoteRune(r) + " is not allowed in YAML"
		}
		i += size
	}
	return -1, ""
}

// yamlSyntaxError turns a yaml.v3 parse error ("yaml: line 3: ...") into a
// document error with the line in its Source.
func yamlSyntaxError(data []byte, file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1 // yaml.v3 leaves the line out when it is the first
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
				if yamlParserError(msg) {
					line++ // yaml.v3 prints the parser's 0-based line
				}
			}
		}
	} else if anchor, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		anchor, _, _ = strings.Cut(anchor, "'")
		if off := bytes.Index(data, []byte("*"+anchor)); off >= 0 {
			line = lineAt(data, off)
		}
	}
	// An error at the end of input may name the line after the last.
	last := lineAt(data, len(bytes.TrimRight(data, "\r\n")))
	return configErrorIn(file, docError(file, min(line, last), "YAML syntax error: %s", msg))
}

// yamlParserError reports whether msg comes from yaml.v3's parser rather
// than its scanner: the two number lines differently.
func yamlParserError(msg string) bool {
	for _, p := range []string{
		"did not find expected ',' or ", "did not find expected <", "did not find expected '-' indicator",
		"did not find expected key", "did not find expected node content", "found duplicate %",
		"found incompatible YAML document", "found undefined tag handle", "expected ",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// yamlConverter turns yaml.Nodes into values, expanding aliases and merge
// keys within a budget.
type yamlConverter struct {
	file       string
	budget     int // values that aliases and merge keys may still add
	aliasDepth int // > 0 while converting an alias's target
	active     map[*yaml.Node]bool
	values     valueSlab
}

func (c *yamlConverter) spend(n int, line int) error {
	c.budget -= n
	if c.budget < 0 {
		return docError(c.file, line, "aliases and merge keys expand to too many values; the limit is the larger of 65536 and the file size")
	}
	return nil
}

func (c *yamlConverter) convert(n *yaml.Node, depth int) (*value, error) {
	if depth > maxConfigDepth {
		return nil, docError(c.file, n.Line, "the document nests deeper than %d levels", maxConfigDepth)
	}
	if err := c.values.check(c.file, n.Line); err != nil {
		return nil, err
	}
	if c.aliasDepth > 0 {
		if err := c.spend(1, n.Line); err != nil {
			return nil, err
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return c.scalar(n), nil
	case yaml.SequenceNode:
		v := c.values.new(valList, n.Line)
		v.items = make([]*value, 0, len(n.Content))
		for _, child := range n.Content {
			item, err := c.convert(child, depth+1)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, item)
		}
		return v, nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.AliasNode:
		return c.alias(n, depth)
	}
	return nil, docError(c.file, n.Line, "unexpected YAML node kind %d", n.Kind)
}

// alias converts the target of an alias node. The result takes the alias's
// line: that is where this copy of the value is used.
func (c *yamlConverter) alias(n *yaml.Node, depth int) (*value, error) {
	target := n.Alias
	if target == nil {
		return nil, docError(c.file, n.Line, "unknown anchor %q", n.Value)
	}
	if c.active[target] {
		return nil, docError(c.file, n.Line, "alias *%s is inside its own anchor", n.Value)
	}
	c.active[target] = true
	c.aliasDepth++
	v, err := c.convert(target, depth+1)
	c.aliasDepth--
	delete(c.active, target)
	if err != nil {
		return nil, err
	}
	v.line = n.Line
	return v, nil
}

// mapping converts a mapping, applying merge keys as YAML defines them: the
// mapping's own keys win over merged ones, and earlier merged mappings win
// over later ones. Duplicate own keys are kept for the decoder to report.
func (c *yamlConverter) mapping(n *yaml.Node, depth int) (*value, error) {
	v := c.values.new(valMap, n.Line)
	v.pairs = make([]pair, 0, len(n.Content)/2)
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		val, err := c.convert(vn, depth+1)
		if err != nil {
			return nil, err
		}
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			m, err := c.mergeSources(val)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		key, err := c.convert(kn, depth+1)
		if err != nil {
			return nil, err
		}
		v.pairs = append(v.pairs, pair{key, val})
	}
	if len(merged) == 0 {
		return v, nil
	}
	if err := c.spend(len(merged), n.Line); err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(v.pairs)+len(merged))
	for _, p := range v.pairs {
		if p.key.kind < valList {
			have[p.key.text] = true
		}
	}
	for _, p := range merged {
		if p.key.kind < valList {
			if have[p.key.text] {
				continue
			}
			have[p.key.text] = true
		}
		v.pairs = append(v.pairs, p)
	}
	return v, nil
}

// mergeSources returns the pairs a merge key's value brings: a mapping's, or
// those of each mapping of a list, in order.
func (c *yamlConverter) mergeSources(v *value) ([]pair, error) {
	switch v.kind {
	case valMap:
		return v.pairs, nil
	case valList:
		var out []pair
		for _, item := range v.items {
			if item.kind != valMap {
				return nil, docError(c.file, item.line, "a merge key (<<) needs a mapping or a list of mappings, got a list holding %s", describe(item))
			}
			out = append(out, item.pairs...)
		}
		return out, nil
	}
	return nil, docError(c.file, v.line, "a merge key (<<) needs a mapping or a list of mappings, got %s", describe(v))
}

// scalar converts a scalar by its resolved tag, letting yaml.v3 parse bools
// and numbers so that YAML's spellings (0x1F, 1_000, .inf) hold.
func (c *yamlConverter) scalar(n *yaml.Node) *value {
	v := c.values.new(valScalar, n.Line)
	v.text = n.Value
	tag := n.ShortTag()
	switch tag {
	case "!!null":
		v.kind = valNull
	case "!!str":
		v.kind = valString
	case "!!bool":
		if n.Decode(&v.bit) == nil {
			v.kind = valBool
		}
	case "!!int", "!!float":
		var x any
		if n.Decode(&x) == nil {
			switch x := x.(type) {
			case int:
				v.kind, v.num = valInt, int64(x)
			case int64:
				v.kind, v.num = valInt, x
			case uint64:
				v.kind, v.flt = valFloat, float64(x)
			case float64:
				v.kind, v.flt = valFloat, x
			}
		}
	}
	if v.kind == valScalar {
		v.typ = strings.TrimPrefix(tag, "!!")
		switch tag {
		case "!!bool", "!!int", "!!float":
			v.typ, v.bad = "invalid "+v.typ, true
		}
	}
	return v
}
