package dynroute

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Route files are kilobytes; the caps below keep a wrong or hostile input
// from exhausting memory while it is read. Measured on the worst shapes
// (a flow list of one-letter items, a block list of nulls, a JSON list of
// zeros), reading a document takes at most about 280 MB at its cap: YAML's
// parser builds its whole node tree before a value is counted, some 110
// bytes per byte of input, so YAML has the smaller byte cap; JSON is
// counted as it is parsed.
const (
	// maxConfigBytes caps the input of LoadJSON and LoadOpenAPI.
	maxConfigBytes = 16 << 20
	// maxYAMLBytes caps the input of LoadYAML: some 20,000 routes in
	// block style, 40,000 in flow style.
	maxYAMLBytes = 2 << 20
	// maxConfigValues caps the values (scalars, lists and mappings, keys
	// included, aliases expanded) of a YAML or JSON document: a route
	// takes eight to twelve, so that a JSON file holds some 50,000 routes.
	maxConfigValues = 1 << 19
)

// maxConfigProblems caps the problems a document's error lists one by one;
// one more problem says how many were left out.
const maxConfigProblems = 1000

// maxConfigDepth caps how deeply a config document may nest. Routes need four
// levels; the cap keeps the recursive readers far from the stack limit, which
// Go treats as a fatal error rather than a panic.
const maxConfigDepth = 1000

// readConfig reads all of r, refusing more than limit bytes (a whole
// number of MiB).
func readConfig(r io.Reader, file string, limit int) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("dynroute: read %s: nil reader", file)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("dynroute: read %s: %w", file, err)
	}
	if len(data) > limit {
		return nil, configErrorIn(file, docError(file, 0, "the file is larger than %d MiB", limit>>20))
	}
	return data, nil
}

// docError is a problem of the document as a whole: bad syntax, the wrong
// shape, too large. It is a *RouteError without a route, so that callers find
// its Source the same way as for per-entry problems.
func docError(file string, line int, format string, args ...any) *RouteError {
	return &RouteError{Source: Source{File: file, Line: line}, Err: ErrInvalidConfig, Detail: fmt.Sprintf(format, args...)}
}

// valueKind is the type of a decoded value.
type valueKind uint8

const (
	valNull valueKind = iota
	valString
	valInt
	valFloat
	valBool
	valScalar // another scalar: a YAML timestamp or custom-tagged value, a number out of range
	valList
	valMap
)

// value is a YAML or JSON value with the line it starts on. Both loaders
// parse into it and hand it to decodeRoutes, so that shapes, keys and types
// are checked, and problems worded, the same way for both formats.
type value struct {
	kind  valueKind
	bad   bool // valScalar: a number or bool whose text does not parse or fit
	bit   bool // valBool
	line  int
	text  string   // scalars: the text as written
	typ   string   // valScalar: its type for messages ("timestamp")
	num   int64    // valInt
	flt   float64  // valFloat
	items []*value // valList
	pairs []pair   // valMap, in document order, duplicates kept
}

type pair struct{ key, val *value }

// valueSlab hands out values from chunks: a 10,000-route file has some
// 150,000 values, and one allocation each was a tenth of LoadYAML's time.
// It counts them, for the cap of maxConfigValues.
type valueSlab struct {
	free []value
	n    int // values handed out
}

func (s *valueSlab) new(kind valueKind, line int) *value {
	if len(s.free) == 0 {
		s.free = make([]value, 512)
	}
	v := &s.free[0]
	s.free = s.free[1:]
	s.n++
	v.kind, v.line = kind, line
	return v
}

// check returns the error of a document that has reached maxConfigValues
// values, at line; nil before that.
func (s *valueSlab) check(file string, line int) error {
	if s.n < maxConfigValues {
		return nil
	}
	return docError(file, line, "the document holds more than %d values (scalars, lists and mappings, keys included); "+
		"split its routes across files, or load them from a database (LoadSQL)", maxConfigValues)
}

// describe names v's type and, for scalars, its text, for "got ..." messages.
func describe(v *value) string {
	switch v.kind {
	case valNull:
		return "null"
	case valString:
		return fmt.Sprintf("string %q", clip(v.text))
	case valInt:
		return "integer " + v.text
	case valFloat:
		return "number " + clip(v.text)
	case valBool:
		return "boolean " + v.text
	case valList:
		return "a list"
	case valMap:
		return "a mapping"
	}
	return fmt.Sprintf("%s %q", v.typ, clip(v.text))
}

// clip shortens s for messages, so that a huge value does not flood them.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// specKeys are the keys a route entry may have: RouteSpec's yaml and json
// tags, and the seed's handler_name for handler.
var specKeys = [...]string{
	"name", "path", "methods", "handler", "handler_name", "tags", "summary", "description",
	"status_code", "operation_id", "deprecated", "hidden", "extra",
	"headers", "header_patterns", "app", "prefix", "max_body_bytes", "response_model", "security",
}

// specKeyIndex maps each of specKeys to its index. It is never modified.
var specKeyIndex = func() map[string]int {
	m := make(map[string]int, len(specKeys))
	for i, k := range specKeys {
		m[k] = i
	}
	return m
}()

// routeDecoder turns a parsed document into specs, collecting every problem.
type routeDecoder struct {
	file string
	// looseStrings makes any scalar acceptable where a string is wanted,
	// taking its text as written: YAML's convention (`operation_id: 42`,
	// `summary: 2024-01-01`), which yaml.Unmarshal follows too. JSON keeps
	// its types, as encoding/json does.
	looseStrings bool
	errs         []error
	unlisted     int // problems past maxConfigProblems
}

// report records a problem, up to maxConfigProblems; past that it counts
// them.
func (d *routeDecoder) report(err error) {
	if len(d.errs) < maxConfigProblems {
		d.errs = append(d.errs, err)
		return
	}
	d.unlisted++
}

// decodeRoutes decodes a document of either shape, or the single-key
// `routes:` object holding one, into specs. It returns every entry that
// decoded and an error joining one *RouteError per problem, or nil.
func decodeRoutes(root *value, file string, looseStrings bool) ([]RouteSpec, error) {
	d := &routeDecoder{file: file, looseStrings: looseStrings}
	specs := d.document(root)
	if d.unlisted > 0 {
		d.errs = append(d.errs, docError(file, 0, "%d more problems are not listed (the first %d are)", d.unlisted, maxConfigProblems))
	}
	return specs, configErrorIn(file, d.errs...)
}

func (d *routeDecoder) document(root *value) []RouteSpec {
	if root == nil {
		return nil
	}
	if inner := routesWrapper(root); inner != nil {
		root = inner
	}
	var specs []RouteSpec
	switch root.kind {
	case valNull:
	case valList:
		specs = make([]RouteSpec, 0, len(root.items))
		for _, item := range root.items {
			if s, ok := d.entry(item, nil); ok {
				specs = append(specs, s)
			}
		}
	case valMap:
		specs = make([]RouteSpec, 0, len(root.pairs))
		for _, p := range root.pairs {
			if s, ok := d.entry(p.val, p.key); ok {
				specs = append(specs, s)
			}
		}
	default:
		d.report(docError(d.file, root.line,
			"the document must be a list of routes or a mapping of route names to routes, got %s", describe(root)))
	}
	return specs
}

// routesWrapper returns the value of a top-level object whose only key is
// "routes", when that value is a list, null, or a mapping none of whose keys
// is a route field; otherwise the object is a map-form document holding one
// route named "routes", and routesWrapper returns nil.
func routesWrapper(root *value) *value {
	if root.kind != valMap || len(root.pairs) != 1 {
		return nil
	}
	p := root.pairs[0]
	if p.key.kind != valString || p.key.text != "routes" {
		return nil
	}
	switch p.val.kind {
	case valNull, valList:
		return p.val
	case valMap:
		for _, q := range p.val.pairs {
			if _, field := specKeyIndex[q.key.text]; field {
				return nil
			}
		}
		return p.val
	}
	return nil
}

// entryDecoder decodes one route entry, collecting its problems.
type entryDecoder struct {
	d     *routeDecoder
	spec  RouteSpec
	probs []entryProblem // any problem leaves the entry out
}

type entryProblem struct {
	line   int
	detail string
}

// problem records a problem at line; the entry is then left out, so that
// nothing of it is applied but what its author meant.
func (e *entryDecoder) problem(line int, format string, args ...any) {
	e.probs = append(e.probs, entryProblem{line, fmt.Sprintf(format, args...)})
}

// entry decodes one route entry: a list item (key == nil) or, in map form,
// the value of the entry's name key. ok is false if the entry is left out.
func (d *routeDecoder) entry(v, key *value) (RouteSpec, bool) {
	e := &entryDecoder{d: d}
	line := v.line
	keyOK := false
	if key != nil {
		line = key.line
		e.spec.Name, keyOK = d.scalarText(key)
		if !keyOK || key.kind == valNull {
			keyOK = false
			e.problem(key.line, "a route name must be a string, got %s", describe(key))
		}
	}
	e.spec.Source = Source{File: d.file, Line: line}
	if v.kind == valMap {
		e.fields(v, key != nil, keyOK)
	} else {
		e.problem(line, "a route entry must be a mapping of route fields, got %s", describe(v))
	}
	for _, p := range e.probs {
		d.report(&RouteError{
			Name: e.spec.Name, Methods: e.spec.Methods, Path: e.spec.Path,
			Source: Source{File: d.file, Line: p.line},
			Err:    ErrInvalidConfig, Detail: p.detail,
		})
	}
	return e.spec, len(e.probs) == 0
}

// fields decodes the keys of an entry into e.spec. In map form the name
// comes from the key; keyOK says whether that key was a usable name.
func (e *entryDecoder) fields(v *value, mapForm, keyOK bool) {
	s := &e.spec
	// The line each key was first seen on, to report duplicates; a map only
	// for unknown keys, which are rare.
	var seenKnown [len(specKeys)]int
	var seenOther map[string]int
	// name, handler and handler_name meet other keys or each other: decode
	// them in place, compare once all keys are read.
	var name, handler, handlerName *value
	var nameText, handlerText, handlerNameText string
	var custom []pair // keys of the application's own, for Extra
	extraLine := 0
	for _, p := range v.pairs {
		k, ok := e.d.scalarText(p.key)
		if !ok || p.key.kind == valNull {
			e.problem(p.key.line, "a key must be a string, got %s", describe(p.key))
			continue
		}
		idx, known := specKeyIndex[k]
		first := seenKnown[idx]
		if !known {
			if seenOther == nil {
				seenOther = make(map[string]int)
			}
			first = seenOther[k]
		}
		if first > 0 {
			e.problem(p.key.line, "duplicate key %q (first at line %d)", clip(k), first)
			continue
		}
		if known {
			seenKnown[idx] = p.key.line
		} else {
			seenOther[k] = p.key.line
		}
		switch k {
		case "name":
			name, nameText = p.val, e.str(k, p.val)
		case "path":
			s.Path = e.str(k, p.val)
		case "methods":
			s.Methods = e.methods(p.val)
		case "handler":
			handler, handlerText = p.val, e.str(k, p.val)
		case "handler_name":
			handlerName, handlerNameText = p.val, e.str(k, p.val)
		case "tags":
			s.Tags = e.strList(k, p.val)
		case "summary":
			s.Summary = e.str(k, p.val)
		case "description":
			s.Description = e.str(k, p.val)
		case "status_code":
			s.StatusCode = e.integer(k, p.val)
		case "operation_id":
			s.OperationID = e.str(k, p.val)
		case "deprecated":
			s.Deprecated = e.boolean(k, p.val)
		case "hidden":
			s.Hidden = e.boolean(k, p.val)
		case "extra":
			s.Extra, extraLine = e.extra(p.val), p.key.line
		case "headers":
			s.Headers = e.strMap(k, p.val)
		case "header_patterns":
			s.HeaderPatterns = e.strMap(k, p.val)
		case "app":
			s.App = e.str(k, p.val)
		case "prefix":
			s.Prefix = e.str(k, p.val)
		case "max_body_bytes":
			s.MaxBodyBytes = int64(e.integer(k, p.val))
		case "response_model":
			s.ResponseModel = e.str(k, p.val)
		case "security":
			s.Security = e.security(p.val)
		default:
			custom = append(custom, p) // sorted out once every key is known
		}
	}
	for _, p := range custom {
		k := p.key.text
		if known, ok := misspelt(k, &seenKnown); ok {
			// The entry does not say what its author meant: leave it out,
			// so that it is not applied without the field, nor reported
			// again as missing it.
			e.problem(p.key.line, "unknown key %q; did you mean %q?", clip(k), known)
			continue
		}
		if _, dup := s.Extra[k]; dup {
			e.problem(p.key.line, "key %q is given both here and in extra (line %d); give it once", clip(k), extraLine)
			continue
		}
		if s.Extra == nil {
			s.Extra = make(map[string]any)
		}
		s.Extra[k] = e.anyValue(k, p.val)
	}
	switch {
	case !mapForm:
		s.Name = nameText
	case keyOK && e.given(name) && nameText != s.Name:
		e.problem(name.line, "name %q differs from the entry's key %q; drop one", clip(nameText), clip(s.Name))
	}
	s.Handler = handlerText
	switch {
	case !e.given(handlerName):
	case !e.given(handler):
		s.Handler = handlerNameText
	case handlerNameText != handlerText:
		e.problem(max(handler.line, handlerName.line),
			"handler %q and handler_name %q differ; give one (handler_name is an alias of handler)", clip(handlerText), clip(handlerNameText))
	}
}

// misspelt returns the known key that k misspells, if any: one the entry
// lacks (seen holds the lines of those it has) that k is one edit from,
// two for a key of eight letters or more (pth, methds, handler_nme). Any
// other key is the application's own (status, auth, response_message).
func misspelt(k string, seen *[len(specKeys)]int) (string, bool) {
	limit := 1
	if len(k) >= 8 {
		limit = 2
	}
	handlerGiven := seen[specKeyIndex["handler"]] > 0 || seen[specKeyIndex["handler_name"]] > 0
	for i, known := range specKeys {
		if seen[i] > 0 || handlerGiven && (known == "handler" || known == "handler_name") {
			continue
		}
		if editDistance(strings.ToLower(k), known) <= limit {
			return known, true
		}
	}
	return "", false
}

// given reports whether a string key was present with a usable value: null
// means absent, and a value of the wrong type is already a problem.
func (e *entryDecoder) given(v *value) bool {
	if v == nil || v.kind == valNull {
		return false
	}
	_, ok := e.d.scalarText(v)
	return ok
}

// scalarText returns the text of a scalar accepted as a string: a string,
// or with looseStrings any scalar; null counts as the empty string.
func (d *routeDecoder) scalarText(v *value) (string, bool) {
	switch v.kind {
	case valString:
		return v.text, true
	case valNull:
		return "", true
	case valInt, valFloat, valBool, valScalar:
		if d.looseStrings {
			return v.text, true
		}
	}
	return "", false
}

// str decodes a string field; null means absent.
func (e *entryDecoder) str(field string, v *value) string {
	s, ok := e.d.scalarText(v)
	if !ok {
		e.problem(v.line, "%s must be a string, got %s", field, describe(v))
		return ""
	}
	return s
}

// strList decodes a list of strings; null means absent.
func (e *entryDecoder) strList(field string, v *value) []string {
	switch v.kind {
	case valNull:
		return nil
	case valList:
		out := make([]string, 0, len(v.items))
		for i, item := range v.items {
			s, ok := e.d.scalarText(item)
			if !ok || item.kind == valNull {
				e.problem(item.line, "%s[%d] must be a string, got %s", field, i, describe(item))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	e.problem(v.line, "%s must be a list of strings, got %s", field, describe(v))
	return nil
}

// security decodes a security requirement list: a list of mappings of
// scheme names to lists of scopes. [] is kept apart from absent (null):
// it makes the route public.
func (e *entryDecoder) security(v *value) []SecurityRequirement {
	switch v.kind {
	case valNull:
		return nil
	case valList:
		out := make([]SecurityRequirement, 0, len(v.items))
		for i, item := range v.items {
			if item.kind != valMap {
				e.problem(item.line, "security[%d] must be a mapping of scheme names to lists of scopes, got %s", i, describe(item))
				continue
			}
			req := make(SecurityRequirement, len(item.pairs))
			for _, p := range item.pairs {
				name, ok := e.d.scalarText(p.key)
				if !ok || p.key.kind == valNull || name == "" {
					e.problem(p.key.line, "security[%d]: a scheme name must be a non-empty string, got %s", i, describe(p.key))
					continue
				}
				if _, dup := req[name]; dup {
					e.problem(p.key.line, "security[%d]: duplicate scheme %q", i, clip(name))
					continue
				}
				field := fmt.Sprintf("security[%d].%s", i, clip(name))
				scopes := e.strList(field, p.val)
				if scopes == nil {
					scopes = []string{}
				}
				if slices.Contains(scopes, "") {
					e.problem(p.val.line, "%s: a scope is not empty", field)
					continue
				}
				req[name] = scopes
			}
			out = append(out, req)
		}
		return out
	}
	e.problem(v.line, "security must be a list of mappings of scheme names to lists of scopes (security: [] for a public route), got %s", describe(v))
	return nil
}

// strMap decodes a mapping of strings to strings (header names to values);
// null means absent.
func (e *entryDecoder) strMap(field string, v *value) map[string]string {
	switch v.kind {
	case valNull:
		return nil
	case valMap:
		out := make(map[string]string, len(v.pairs))
		for _, p := range v.pairs {
			k, ok := e.d.scalarText(p.key)
			if !ok || p.key.kind == valNull {
				e.problem(p.key.line, "%s: a key must be a string, got %s", field, describe(p.key))
				continue
			}
			val, ok := e.d.scalarText(p.val)
			if !ok || p.val.kind == valNull {
				e.problem(p.val.line, "%s.%s must be a string, got %s", field, clip(k), describe(p.val))
				continue
			}
			if _, dup := out[k]; dup {
				e.problem(p.key.line, "%s: duplicate key %q", field, clip(k))
				continue
			}
			out[k] = val
		}
		return out
	}
	e.problem(v.line, "%s must be a mapping of header names to strings, got %s", field, describe(v))
	return nil
}

// methods decodes a list of methods or one string of comma-separated
// methods ("GET" or "GET,POST"). AddRoutes checks the methods themselves.
func (e *entryDecoder) methods(v *value) []string {
	if v.kind == valString {
		if strings.TrimSpace(v.text) == "" {
			return nil // absent, for AddRoutes to report as missing
		}
		ms := strings.Split(v.text, ",")
		for i := range ms {
			ms[i] = strings.TrimSpace(ms[i])
		}
		return ms
	}
	if v.kind == valList || v.kind == valNull {
		return e.strList("methods", v)
	}
	e.problem(v.line, "methods must be a string or a list of strings, got %s", describe(v))
	return nil
}

// integer decodes an int field; null means absent. AddRoutes checks ranges.
func (e *entryDecoder) integer(field string, v *value) int {
	switch v.kind {
	case valNull:
		return 0
	case valInt:
		if n := int(v.num); int64(n) == v.num {
			return n
		}
	}
	e.problem(v.line, "%s must be an integer, got %s", field, describe(v))
	return 0
}

// boolean decodes a bool field; null means absent.
func (e *entryDecoder) boolean(field string, v *value) bool {
	switch v.kind {
	case valNull:
		return false
	case valBool:
		return v.bit
	}
	e.problem(v.line, "%s must be a boolean, got %s", field, describe(v))
	return false
}

// extra decodes the extra mapping into plain Go values: strings, int,
// float64, bool, nil, []any and map[string]any, the same for both formats.
func (e *entryDecoder) extra(v *value) map[string]any {
	switch v.kind {
	case valNull:
		return nil
	case valMap:
		m, _ := e.anyValue("extra", v).(map[string]any)
		return m
	}
	e.problem(v.line, "extra must be a mapping, got %s", describe(v))
	return nil
}

// anyValue converts v, reporting keys and numbers it cannot represent under
// where (a path like extra.a[2]).
func (e *entryDecoder) anyValue(where string, v *value) any {
	switch v.kind {
	case valNull:
		return nil
	case valString:
		return v.text
	case valInt:
		if n := int(v.num); int64(n) == v.num {
			return n
		}
		return float64(v.num)
	case valFloat:
		return v.flt
	case valBool:
		return v.bit
	case valList:
		out := make([]any, len(v.items))
		for i, item := range v.items {
			out[i] = e.anyValue(fmt.Sprintf("%s[%d]", where, i), item)
		}
		return out
	case valMap:
		out := make(map[string]any, len(v.pairs))
		lines := make(map[string]int, len(v.pairs))
		for _, p := range v.pairs {
			k, ok := e.d.scalarText(p.key)
			if !ok || p.key.kind == valNull {
				e.problem(p.key.line, "%s: a key must be a string, got %s", where, describe(p.key))
				continue
			}
			if first, dup := lines[k]; dup {
				e.problem(p.key.line, "%s: duplicate key %q (first at line %d)", where, clip(k), first)
				continue
			}
			lines[k] = p.key.line
			out[k] = e.anyValue(where+"."+k, p.val)
		}
		return out
	}
	if v.bad {
		e.problem(v.line, "%s: %s cannot be represented", where, describe(v))
		return nil
	}
	return v.text
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}
