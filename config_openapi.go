package dynroute

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// openAPIMethods are the path item keys that hold operations, lower case as
// OpenAPI writes them; "query" is OpenAPI 3.2's QUERY method.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"}

// openAPIItemKeys are the other keys a path item may have.
var openAPIItemKeys = []string{"$ref", "summary", "description", "servers", "parameters", "additionalOperations"}

// LoadOpenAPI reads an OpenAPI 3.x document, YAML or JSON, and returns one
// spec per operation, in document order, for spec-first services: the
// document declares the routes and the Registry holds a handler per
// operationId, as connexion does.
//
// Each spec has the operation's path (OpenAPI's {name} templates are
// dynroute's syntax), its method in upper case, Name, OperationID and
// Handler set to the operationId, and the operation's tags, summary,
// description and deprecated. An x-dynroute-handler string on the operation
// names a different handler; an x-dynroute-path string replaces the path
// (the documents dynroute writes set it where the template cannot say what
// the route matches, as for {rest...}). Source is name and the line of the operation.
// $refs of path items and operations into the same document
// (#/components/pathItems/...) are followed; LoadOpenAPIFS also follows
// those to other files. YAML anchors, aliases and merge keys are read.
//
// The error wraps ErrInvalidConfig. A document that cannot be read at all
// (not YAML or JSON, larger than 16 MiB, Swagger 2.0, no openapi field) is
// one error and no specs. Published documents are that large, so the cap is
// LoadJSON's, not LoadYAML's: the YAML parser builds its whole tree first,
// and a hostile 16 MiB YAML document of tiny values can take some 1.7 GB to
// read. Load documents you trust. A JSON document (one that starts with {
// or [ and parses as JSON; {openapi: 3.1.0} is YAML) is read by a JSON parser that
// skips what the loader does not read, schemas and responses, until a
// $ref leads there, and refuses more than 1,048,576 values elsewhere (some
// 160 MB); lines are those of the YAML parser. Otherwise it joins one *RouteError per problem,
// each with path, method and line: an operation with neither operationId
// nor x-dynroute-handler (it is left out, having no handler), a field of the
// wrong type, an unknown path item key (Get for get), a $ref that cannot
// be followed (to another file, a cycle).
// Parameters, request bodies, responses and security are not read, nor are
// servers: a server URL's base path (/api/v3) is not put before the paths.
func LoadOpenAPI(r io.Reader, name string) ([]RouteSpec, error) {
	data, err := readConfig(r, name, maxConfigBytes)
	if err != nil {
		return nil, err
	}
	return newOpenAPILoader(nil, name).run(data)
}

func newOpenAPILoader(fsys fs.FS, name string) *openAPILoader {
	return &openAPILoader{fsys: fsys, file: name, skipped: &oaSkipped{at: map[*yaml.Node]oaSkip{}}}
}

// run loads the document data, which is l.file.
func (l *openAPILoader) run(data []byte) ([]RouteSpec, error) {
	l.budget += 2*len(data) + 1024
	root, err := oaParseDocument(data, l.skipped)
	if err != nil {
		line := 0
		if je, ok := err.(*oaJSONError); ok {
			line = je.line
		}
		return nil, l.docError(line, "%v", err)
	}
	if root == nil {
		return nil, l.docError(0, "empty document")
	}
	l.root = &oaFile{name: l.file, root: root}
	if l.fsys != nil {
		l.files = map[string]*oaFile{path.Clean(l.file): l.root}
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	if l.over {
		return nil, l.docError(0, "the document expands too much through YAML aliases")
	}
	if l.skipped.over() {
		return nil, l.docError(0, "%v", errOATooMany)
	}
	return l.specs, configErrorIn(l.file, l.problems...)
}

// oaParseDocument parses a YAML or JSON document into a node tree and
// returns its top node, or nil for an empty document. JSON has a parser of
// its own, being most published documents and the YAML parser's slowest
// input; what only starts like JSON ({openapi: 3.1.0} is a YAML flow
// mapping) is read as YAML, and if that fails too the error is JSON's.
func oaParseDocument(data []byte, skipped *oaSkipped) (*yaml.Node, error) {
	if !oaLooksJSON(data) {
		return oaParse(data)
	}
	root, jerr := oaParseJSON(data, skipped)
	if jerr == nil {
		return root, nil
	}
	if je, ok := jerr.(*oaJSONError); ok && je.limit {
		return nil, jerr // the YAML parser would take ten times the memory
	}
	root, err := oaParse(jsonForYAML(data))
	if err == nil || jerr == errOANotJSON {
		return root, err
	}
	return nil, jerr
}

// oaParse parses data into a node tree and returns its top node, or
// nil for an empty document. A panic in the parser is returned as an error:
// the input is untrusted and a loader must not take the program down.
func oaParse(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			root, err = nil, fmt.Errorf("yaml: %v", p)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// openAPILoader walks one document's node tree, and those of the files its
// $refs name.
type openAPILoader struct {
	file string  // the document's name
	root *oaFile // the document
	// fsys holds the files $refs name, relative to the file of the $ref;
	// nil for LoadOpenAPI, which reads one document. files caches them by
	// their path in fsys, and read counts their bytes.
	fsys     fs.FS
	files    map[string]*oaFile
	read     int
	specs    []RouteSpec
	problems []error
	// budget bounds the mapping entries and list items visited. Without
	// aliases each node is visited about once and the budget is never
	// reached; with them a small document can name one large mapping or
	// list millions of times.
	budget int
	over   bool
	index  map[*yaml.Node]map[string]*yaml.Node // see lookup
	// skipped are the JSON mappings and lists not parsed yet; node
	// parses one when it is read.
	skipped *oaSkipped
	sec     oaSecurity // the document's schemes and default requirement
}

// oaPair is one key and value of a mapping; key is "" for a key that is
// not a scalar.
type oaPair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// load reads the document's top level and every path item.
func (l *openAPILoader) load() error {
	top, ok := l.mapping(l.root.root)
	if !ok {
		return l.docError(l.root.root.Line, "the document is %s, not an OpenAPI object", oaKind(l.root.root))
	}
	var openapi, swagger *oaPair
	var paths *yaml.Node
	for i, p := range top {
		switch p.key {
		case "openapi":
			openapi = &top[i]
		case "swagger":
			swagger = &top[i]
		case "paths":
			paths = p.val
		}
	}
	switch {
	case openapi == nil && swagger != nil:
		v, _ := oaString(swagger.val)
		return l.docError(swagger.keyNode.Line, "Swagger %s documents are not supported; convert to OpenAPI 3", v)
	case openapi == nil:
		return l.docError(l.root.root.Line, "no openapi version field; not an OpenAPI 3 document")
	}
	if v, _ := oaString(openapi.val); !strings.HasPrefix(v, "3.") {
		return l.docError(openapi.keyNode.Line, "openapi version %q is not supported; want 3.x", v)
	}
	if paths == nil || oaIsNull(paths) {
		return nil // a document of components or webhooks only declares no routes
	}
	l.readSecurity(top)
	items, ok := l.mapping(paths)
	if !ok {
		return l.docError(paths.Line, "paths is %s, want a mapping", oaKind(paths))
	}
	for _, p := range items {
		switch {
		case p.keyNode.Kind != yaml.ScalarNode:
			l.problem(&RouteSpec{Source: l.root.src(p.keyNode)}, "a path is %s, want a string", oaKind(p.keyNode))
		case strings.HasPrefix(p.key, "x-"):
		default:
			l.pathItem(l.root, p.key, p.keyNode, p.val, nil, nil)
		}
	}
	return nil
}

// pathItem reads the operations of one path item of file f. keyNode
// locates it for messages; done holds the methods an item that $refs this
// one already declared, which win over the referenced ones, and seen the
// items on the way here, to find a cycle of $refs.
func (l *openAPILoader) pathItem(f *oaFile, path string, keyNode, item *yaml.Node, done map[string]bool, seen []*yaml.Node) {
	at := &RouteSpec{Path: path, Source: f.src(keyNode)}
	pairs, ok := l.mapping(item)
	if !ok {
		l.problem(at, "the path item is %s, want a mapping", oaKind(item))
		return
	}
	mine := map[string]bool{}
	var ref *oaPair
	for i, p := range pairs {
		switch {
		case slices.Contains(openAPIMethods, p.key):
			m := strings.ToUpper(p.key)
			if !done[m] {
				mine[m] = true
				l.operation(f, path, m, p.keyNode, p.val)
			}
		case p.key == "additionalOperations":
			ops, ok := l.mapping(p.val)
			if !ok {
				l.problem(&RouteSpec{Path: path, Source: f.src(p.keyNode)}, "additionalOperations is %s, want a mapping", oaKind(p.val))
				continue
			}
			for _, op := range ops {
				m := strings.ToUpper(op.key)
				if !done[m] {
					mine[m] = true
					l.operation(f, path, m, op.keyNode, op.val)
				}
			}
		case p.key == "$ref":
			ref = &pairs[i]
		case slices.Contains(openAPIItemKeys, p.key), strings.HasPrefix(p.key, "x-"):
		default:
			detail := fmt.Sprintf("unknown key %q in the path item", p.key)
			if near := closestNames(p.key, append(slices.Clone(openAPIMethods), openAPIItemKeys...), 1); len(near) > 0 {
				detail += fmt.Sprintf("; did you mean %q?", near[0])
			}
			l.problem(&RouteSpec{Path: path, Source: f.src(p.keyNode)}, "%s", detail)
		}
	}
	if ref == nil {
		return
	}
	at.Source = f.src(ref.keyNode)
	seen = append(seen, oaDeref(item))
	tf, target, err := l.follow(f, ref.val, seen)
	if err != nil {
		l.problem(at, "%v", err)
		return
	}
	for m := range done {
		mine[m] = true
	}
	l.pathItem(tf, path, keyNode, target, mine, seen)
}

// operation reads one operation of file f into a spec. An operation may be
// a $ref to one elsewhere, as DigitalOcean's are, with its Source there;
// keys beside the $ref win over the referenced operation's.
func (l *openAPILoader) operation(f *oaFile, path, method string, keyNode, op *yaml.Node) {
	spec := RouteSpec{Path: path, Methods: []string{method}, Source: f.src(keyNode)}
	pairs, ok := l.mapping(op)
	if !ok {
		l.problem(&spec, "the operation is %s, want a mapping", oaKind(op))
		return
	}
	var seen []*yaml.Node
	for ref := oaRefPair(pairs); ref != nil; ref = oaRefPair(pairs) {
		seen = append(seen, oaDeref(op))
		tf, target, err := l.follow(f, ref.val, seen)
		if err != nil {
			spec.Source = f.src(ref.keyNode)
			l.problem(&spec, "%v", err)
			return
		}
		own := slices.DeleteFunc(pairs, func(p oaPair) bool { return p.key == "$ref" })
		f, op = tf, target
		spec.Source = f.src(op)
		pairs, _ = l.mapping(op)
		pairs = append(slices.Clip(pairs), own...)
	}
	var bad []string
	var handler string
	var security *yaml.Node
	opIDBad := false
	for _, p := range pairs {
		var ok bool
		switch p.key {
		case "operationId":
			spec.OperationID, ok = oaString(p.val)
			opIDBad = !ok
		case "x-dynroute-handler":
			handler, ok = oaString(p.val)
		case "x-dynroute-path":
			spec.Path, ok = oaString(p.val)
		case "summary":
			spec.Summary, ok = oaString(p.val)
		case "description":
			spec.Description, ok = oaString(p.val)
		case "tags":
			spec.Tags, ok = l.stringList(p.val)
		case "deprecated":
			spec.Deprecated, ok = oaBool(p.val)
		case "security":
			security, ok = p.val, true
		default:
			continue
		}
		if !ok {
			want := "a string"
			switch p.key {
			case "tags":
				want = "a list of strings"
			case "deprecated":
				want = "a boolean"
			}
			bad = append(bad, fmt.Sprintf("%s is %s, want %s", p.key, oaKind(p.val), want))
		}
	}
	spec.Name = spec.OperationID
	spec.Handler = spec.OperationID
	if handler != "" {
		spec.Handler = handler
	}
	for _, detail := range bad {
		l.problem(&spec, "%s", detail)
	}
	if spec.Handler == "" {
		if !opIDBad {
			l.problem(&spec, "the operation has no operationId, which names its handler; add one or an x-dynroute-handler")
		}
		return
	}
	if !l.secureSpec(&spec, security) {
		return
	}
	l.specs = append(l.specs, spec)
}

// lookup returns the value of key in mapping n. Each mapping is indexed
// once, so that many $refs into one large components section cost one walk
// of it, not one each.
func (l *openAPILoader) lookup(n *yaml.Node, key string) *yaml.Node {
	idx, ok := l.index[n]
	if !ok {
		pairs, _ := l.mapping(n)
		idx = make(map[string]*yaml.Node, len(pairs))
		for _, p := range pairs {
			if _, dup := idx[p.key]; !dup {
				idx[p.key] = p.val
			}
		}
		if l.index == nil {
			l.index = map[*yaml.Node]map[string]*yaml.Node{}
		}
		l.index[n] = idx
	}
	return idx[key]
}

// mapping returns the pairs of mapping n, following aliases and expanding
// merge keys (<<): explicit keys win over merged ones, and earlier merged
// mappings over later ones, as YAML specifies. ok is false if n is not a
// mapping.
func (l *openAPILoader) mapping(n *yaml.Node) (pairs []oaPair, ok bool) {
	return l.mappingDepth(n, 0)
}

func (l *openAPILoader) mappingDepth(n *yaml.Node, depth int) ([]oaPair, bool) {
	n = l.node(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	l.budget -= len(n.Content)/2 + 1
	if l.budget < 0 {
		l.over = true
		return nil, true
	}
	var pairs, merged []oaPair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := oaDeref(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if depth >= 8 {
				continue // a merge that reaches itself
			}
			srcs := []*yaml.Node{v}
			if s := oaDeref(v); s != nil && s.Kind == yaml.SequenceNode {
				srcs = s.Content
			}
			for _, s := range srcs {
				more, _ := l.mappingDepth(s, depth+1)
				merged = append(merged, more...)
			}
			continue
		}
		p := oaPair{keyNode: k, val: v}
		if k.Kind == yaml.ScalarNode {
			p.key = k.Value
		}
		pairs = append(pairs, p)
	}
	if len(merged) == 0 {
		return pairs, true
	}
	seen := make(map[string]bool, len(pairs)+len(merged))
	for _, p := range pairs {
		seen[p.key] = true
	}
	for _, p := range merged {
		if !seen[p.key] {
			seen[p.key] = true
			pairs = append(pairs, p)
		}
	}
	return pairs, true
}

// stringList reads a sequence of strings; null is an empty list.
func (l *openAPILoader) stringList(n *yaml.Node) ([]string, bool) {
	n = l.node(n)
	if oaIsNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false
	}
	l.budget -= len(n.Content)
	if l.budget < 0 {
		l.over = true
		return nil, true
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		s, ok := oaString(item)
		if !ok || oaIsNull(oaDeref(item)) {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// problem records a problem with the route spec at (a spec in the making,
// or just a path and a line).
func (l *openAPILoader) problem(at *RouteSpec, format string, args ...any) {
	l.problems = append(l.problems, &RouteError{
		Name:    at.Name,
		Methods: at.Methods,
		Path:    at.Path,
		Source:  at.Source,
		Err:     fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...)),
	})
}

// docError is the error for a document that cannot be read at all.
func (l *openAPILoader) docError(line int, format string, args ...any) error {
	where := Source{File: l.file, Line: line}.String()
	if where == "" {
		where = "OpenAPI document"
	}
	return fmt.Errorf("dynroute: %s: %w: %s", where, ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// node follows an alias and parses a skipped JSON mapping or list:
// every read of a mapping's or list's content goes through it.
func (l *openAPILoader) node(n *yaml.Node) *yaml.Node {
	n = oaDeref(n)
	if n != nil && n.Kind != yaml.ScalarNode && len(l.skipped.at) > 0 {
		l.skipped.expand(n)
	}
	return n
}

// oaDeref follows an alias to the node it names.
func oaDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func oaIsNull(n *yaml.Node) bool {
	n = oaDeref(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// oaString reads a scalar as text, as a YAML decoder into a string
// does: summary: 2024 is "2024". Null is "".
func oaString(n *yaml.Node) (string, bool) {
	n = oaDeref(n)
	switch {
	case n == nil || n.Kind != yaml.ScalarNode:
		return "", false
	case n.ShortTag() == "!!null":
		return "", true
	}
	return n.Value, true
}

// oaBool reads a YAML boolean (true, false); null is false.
func oaBool(n *yaml.Node) (bool, bool) {
	n = oaDeref(n)
	switch {
	case n == nil || n.Kind != yaml.ScalarNode:
		return false, false
	case n.ShortTag() == "!!null":
		return false, true
	case n.ShortTag() != "!!bool":
		return false, false
	}
	b, err := strconv.ParseBool(n.Value)
	return b, err == nil
}

// oaKind names what n is, for messages: a mapping, a list, null, "x", 42.
func oaKind(n *yaml.Node) string {
	n = oaDeref(n)
	if n == nil {
		return "missing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "empty"
}
