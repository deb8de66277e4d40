package jsonschema

import (
	"bytes"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The validator checks a JSON document against a Schema in one pass over its
// bytes, before the document is decoded into Go values: it sees what
// decoding hides (a missing member, null for a number, a member given
// twice) and reports every problem, not the first. It is
// compiled once from the Schema that documents the body, so the documented
// rules and the enforced ones are the same.

const (
	// maxJSONDepth bounds the nesting of a body, as encoding/json does, so
	// that a hostile body cannot exhaust the stack.
	maxJSONDepth = 10000
	// maxInputEcho is the largest offending value, in bytes of JSON, that a
	// FieldError repeats as its input.
	maxInputEcho = 1024
)

// jsonTypes is a set of JSON Schema types.
type jsonTypes uint8

// The JSON types, one bit each.
const (
	typeNull jsonTypes = 1 << iota
	typeBoolean
	typeObject
	typeArray
	typeNumber
	typeInteger
	typeString
)

// typeBits maps a Schema.Type to its bit; "" (any type) is 0.
func typeBits(name string) (jsonTypes, bool) {
	switch name {
	case "":
		return 0, true
	case "null":
		return typeNull, true
	case "boolean":
		return typeBoolean, true
	case "object":
		return typeObject, true
	case "array":
		return typeArray, true
	case "number":
		return typeNumber, true
	case "integer":
		return typeInteger, true
	case "string":
		return typeString, true
	}
	return 0, false
}

// accepts reports whether a value of type t is allowed; integral says a
// number has no fractional part, which "integer" requires.
func (m jsonTypes) accepts(t jsonTypes, integral bool) bool {
	return m == 0 || m&t != 0 || (t == typeNumber && integral && m&typeInteger != 0)
}

// ok reports whether i is no problem at all.
func (i Issue) ok() bool { return i.Type == "" }

// vnode is a compiled schema.
type vnode struct {
	types  jsonTypes // allowed types; 0 means any
	nullOr *vnode    // when set, the value is null or matches nullOr: a nullable $ref
	str    *strRules
	num    *numRules
	enum   *enumSet

	items              *vnode
	minItems, maxItems int // -1 when not set

	props       []vprop
	propIndex   map[string]int // for objects with many properties
	additional  *vnode         // schema of undeclared members; nil means any
	closed      bool           // undeclared members are errors
	nRequired   int
	hasDefaults bool
	uniqueNames bool // no two props share a name, so lookupFrom may guess
}

// vprop is one declared member of an object.
type vprop struct {
	name     string
	node     *vnode
	required bool
	def      []byte // `"name":<default>`, inserted when the member is missing
}

// lookupFrom is lookup trying member next first: members usually come in
// the order they are declared, so the one after the last found is the
// likely one.
func (n *vnode) lookupFrom(key []byte, next int) int {
	if n.uniqueNames && next < len(n.props) && n.props[next].name == string(key) {
		return next
	}
	return n.lookup(key)
}

// lookup returns the index of the declared member named key. (The
// conversions of key to string compare and index without a copy.)
func (n *vnode) lookup(key []byte) int {
	if n.propIndex != nil {
		if i, ok := n.propIndex[string(key)]; ok {
			return i
		}
		return -1
	}
	for i := range n.props {
		if n.props[i].name == string(key) {
			return i
		}
	}
	return -1
}

// locPart is one step of a location inside the body: a member name (raw, as
// it appears between the quotes, at data[start:end]) or an array index. It
// holds offsets, not a slice of the body, so that keeping the path holds no
// pointers and costs no write barriers.
type locPart struct {
	start, end int
	esc        bool
	index      int
	isIndex    bool
}

// edit is a change to the body before decoding: a default spliced into an
// object, or an integral number rewritten in the form Go integers decode.
type edit struct {
	at, end  int // the bytes replaced: body[at:end]
	from, to int // the new text, in jsonValidator.editText
}

// jsonValidator holds the state of one validation. It is reused across
// validations (see states), so its buffers grow once.
type jsonValidator struct {
	data   []byte
	pos    int
	depth  int
	prefix []any // the location of the document, e.g. ["body"]
	loc    []locPart
	errs   []FieldError
	full   bool // errs reached MaxErrors; stop looking

	syntaxMsg string // non-empty after a syntax error; the document is not JSON
	syntaxAt  int

	strBuf, keyBuf []byte
	edits          []edit
	editText       []byte

	findAt int   // when > 0: record the location of the scalar that ends at this offset
	found  []any // that location
	input  any   // and that value
}

// maxKeptBytes is the largest buffer a pooled jsonValidator keeps: larger
// ones, from rare large documents, are left to the collector.
const maxKeptBytes = 64 << 10

// small reports whether v's buffers are small enough to keep for reuse.
func (v *jsonValidator) small() bool {
	return cap(v.strBuf) <= maxKeptBytes && cap(v.keyBuf) <= maxKeptBytes && cap(v.editText) <= maxKeptBytes
}

// reset prepares v for data, keeping its buffers.
func (v *jsonValidator) reset(data []byte, prefix []any, errs []FieldError) {
	v.data, v.pos, v.depth, v.prefix = data, 0, 0, prefix
	v.loc = v.loc[:0]
	v.errs = errs
	v.full = len(errs) >= MaxErrors
	v.syntaxMsg, v.syntaxAt = "", 0
	v.edits = v.edits[:0]
	v.editText = v.editText[:0]
	v.findAt, v.found, v.input = 0, nil, nil
}

// mark records the current location if the scalar at data[start:v.pos] is
// the one Locate looks for.
func (v *jsonValidator) mark(start int) {
	if v.findAt > start && v.findAt <= v.pos && v.found == nil {
		v.found, v.input = v.location(""), decodeInput(v.data[start:v.pos])
	}
}

// validate checks data, a whole JSON document, against n and appends the
// problems to the errs given to reset. A document that is not JSON gives one
// json_invalid problem and no others.
func (v *jsonValidator) validate(n *vnode) []FieldError {
	before := len(v.errs)
	v.value(n)
	if v.syntaxMsg == "" {
		v.ws()
		if v.pos < len(v.data) {
			v.syntax("unexpected " + quoteByte(v.data[v.pos]) + " after the JSON value")
		}
	}
	if v.syntaxMsg != "" {
		v.errs = append(v.errs[:before], FieldError{
			Loc:  append([]any(nil), v.prefix...),
			Msg:  "JSON decode error",
			Type: "json_invalid",
			Ctx:  map[string]any{"error": v.syntaxMsg, "offset": v.syntaxAt},
		})
	}
	return v.errs
}

// edited returns the document with the edits made, appended to dst: the
// missing members that have defaults filled in, and integral numbers such as
// 1.0 or 2e3 written as integers, which JSON Schema's "integer" accepts and
// encoding/json would refuse for Go integers. ok is false when there are
// no edits.
func (v *jsonValidator) edited(dst []byte) ([]byte, bool) {
	if len(v.edits) == 0 {
		return dst, false
	}
	slices.SortFunc(v.edits, func(a, b edit) int { return a.at - b.at })
	last := 0
	for _, e := range v.edits {
		dst = append(dst, v.data[last:e.at]...)
		dst = append(dst, v.editText[e.from:e.to]...)
		last = e.end
	}
	return append(dst, v.data[last:]...), true
}

// stopped reports whether the walk should end: the document is not JSON,
// or enough problems have been found.
func (v *jsonValidator) stopped() bool { return v.syntaxMsg != "" || v.full }

// syntax records the first syntax error.
func (v *jsonValidator) syntax(msg string) {
	if v.syntaxMsg == "" {
		v.syntaxMsg, v.syntaxAt = msg, v.pos
	}
}

// unexpected records a syntax error at the current byte, which is not what
// context says should be there. The words are the library's own (the
// client reads them, as ctx.error of a json_invalid problem).
func (v *jsonValidator) unexpected(context string) {
	if v.pos >= len(v.data) {
		v.syntax(msgJSONEnds)
		return
	}
	v.syntax("unexpected " + quoteByte(v.data[v.pos]) + " " + context)
}

// msgJSONEnds is the syntax error of a document that ends inside a value.
const msgJSONEnds = "the JSON ends before its value is complete"

// ws skips JSON whitespace.
func (v *jsonValidator) ws() {
	for v.pos < len(v.data) {
		switch v.data[v.pos] {
		case ' ', '\t', '\n', '\r':
			v.pos++
		default:
			return
		}
	}
}

// value checks the value at v.pos against n (nil: anything) and moves past it.
func (v *jsonValidator) value(n *vnode) {
	v.ws()
	if v.pos >= len(v.data) {
		v.syntax(msgJSONEnds)
		return
	}
	if n != nil && n.nullOr != nil {
		if v.data[v.pos] == 'n' {
			v.literal("null")
		} else {
			v.value(n.nullOr)
		}
		return
	}
	start := v.pos
	var t jsonTypes
	switch c := v.data[v.pos]; {
	case c == '{':
		t = typeObject
	case c == '[':
		t = typeArray
	case c == '"':
		t = typeString
	case c == 't' || c == 'f':
		t = typeBoolean
	case c == 'n':
		t = typeNull
	case c == '-' || (c >= '0' && c <= '9'):
		v.number(n)
		return
	default:
		v.unexpected("where a value should start")
		return
	}
	if n != nil && !n.types.accepts(t, false) {
		v.value(nil)
		if !v.stopped() {
			v.fail(start, v.pos, "", typeIssue(n.types, t))
		}
		return
	}
	switch t {
	case typeObject:
		v.object(n)
	case typeArray:
		v.array(n)
	case typeString:
		v.str(n)
	case typeBoolean:
		word := "true"
		if v.data[v.pos] == 'f' {
			word = "false"
		}
		if !v.literal(word) {
			return
		}
		if v.findAt > 0 {
			v.mark(start)
		}
		if n != nil && n.enum != nil && !n.enum.hasBool(word == "true") {
			v.fail(start, v.pos, "", n.enum.issue())
		}
	case typeNull:
		if v.literal("null") && n != nil && n.enum != nil && !n.enum.hasNull {
			v.fail(start, v.pos, "", n.enum.issue())
		}
	}
}

// enter counts one level of nesting, refusing documents nested deeper
// than encoding/json decodes.
func (v *jsonValidator) enter() bool {
	v.depth++
	if v.depth > maxJSONDepth {
		v.syntax("the JSON nests deeper than " + strconv.Itoa(maxJSONDepth) + " levels")
		return false
	}
	return true
}

// object checks an object: its declared members against their schemas,
// the others against additionalProperties, then the required members, and
// records the defaults of the missing ones.
func (v *jsonValidator) object(n *vnode) {
	start := v.pos
	v.pos++
	if !v.enter() {
		return
	}
	var seenSmall uint64
	var seenBig []bool
	if n != nil && len(n.props) > 64 {
		seenBig = make([]bool, len(n.props))
	}
	members, next := 0, 0
	v.ws()
	if v.pos < len(v.data) && v.data[v.pos] == '}' {
		v.pos++
	} else {
		for {
			v.ws()
			if v.pos >= len(v.data) || v.data[v.pos] != '"' {
				v.unexpected("where a member name (a string) should start")
				return
			}
			kstart := v.pos
			flags, ok := v.scanString()
			if !ok {
				return
			}
			key := v.data[kstart+1 : v.pos-1]
			v.ws()
			if v.pos >= len(v.data) || v.data[v.pos] != ':' {
				v.unexpected("after a member name, where ':' should follow")
				return
			}
			v.pos++
			var child *vnode
			extra := false
			if n != nil {
				if i := v.lookupKey(n, key, flags, next); i >= 0 {
					next = i + 1
					if seenBig != nil {
						seenBig[i] = true
					} else {
						seenSmall |= 1 << i
					}
					child = n.props[i].node
				} else if n.closed {
					extra = true
				} else {
					child = n.additional
				}
			}
			v.loc = append(v.loc, locPart{start: kstart + 1, end: kstart + 1 + len(key), esc: flags != strPlain})
			if extra {
				v.ws()
				s := v.pos
				v.value(nil)
				if !v.stopped() {
					v.fail(s, v.pos, "", Issue{Type: "extra_forbidden", Msg: "Extra inputs are not permitted"})
				}
			} else {
				v.value(child)
			}
			v.loc = v.loc[:len(v.loc)-1]
			if v.syntaxMsg != "" {
				return
			}
			members++
			v.ws()
			if v.pos < len(v.data) && v.data[v.pos] == ',' {
				v.pos++
				continue
			}
			if v.pos < len(v.data) && v.data[v.pos] == '}' {
				v.pos++
				break
			}
			v.unexpected("after a member, where ',' or '}' should follow")
			return
		}
	}
	v.depth--
	if n == nil || (n.nRequired == 0 && !n.hasDefaults) || v.stopped() {
		return
	}
	from := len(v.editText)
	for i := range n.props {
		p := &n.props[i]
		if (seenBig != nil && seenBig[i]) || (seenBig == nil && i < 64 && seenSmall&(1<<i) != 0) {
			continue
		}
		switch {
		case p.required:
			v.fail(-1, -1, p.name, Issue{Type: "missing", Msg: "Field required"})
		case p.def != nil:
			if len(v.editText) > from {
				v.editText = append(v.editText, ',')
			}
			v.editText = append(v.editText, p.def...)
		}
	}
	if len(v.editText) > from {
		if members > 0 {
			v.editText = append(v.editText, ',')
		}
		v.edits = append(v.edits, edit{at: start + 1, end: start + 1, from: from, to: len(v.editText)})
	}
}

// array checks an array: each item, then the number of items.
func (v *jsonValidator) array(n *vnode) {
	start := v.pos
	v.pos++
	if !v.enter() {
		return
	}
	var items *vnode
	if n != nil {
		items = n.items
	}
	count := 0
	v.ws()
	if v.pos < len(v.data) && v.data[v.pos] == ']' {
		v.pos++
	} else {
		for {
			v.loc = append(v.loc, locPart{index: count, isIndex: true})
			v.value(items)
			v.loc = v.loc[:len(v.loc)-1]
			if v.syntaxMsg != "" {
				return
			}
			count++
			v.ws()
			if v.pos < len(v.data) && v.data[v.pos] == ',' {
				v.pos++
				continue
			}
			if v.pos < len(v.data) && v.data[v.pos] == ']' {
				v.pos++
				break
			}
			v.unexpected("after an array item, where ',' or ']' should follow")
			return
		}
	}
	v.depth--
	if n != nil && !v.stopped() {
		if iss := checkCount(count, n.minItems, n.maxItems); !iss.ok() {
			v.fail(start, v.pos, "", iss)
		}
	}
}

// str checks a string; it is decoded only when a rule needs its value.
func (v *jsonValidator) str(n *vnode) {
	start := v.pos
	flags, ok := v.scanString()
	if ok && v.findAt > 0 {
		v.mark(start)
	}
	if !ok || n == nil || (n.str == nil && n.enum == nil) {
		return
	}
	s := v.decodeString(v.data[start+1:v.pos-1], flags)
	iss := Issue{}
	if n.str != nil {
		iss = n.str.checkBytes(s)
	}
	if iss.ok() && n.enum != nil && !containsBytes(n.enum.strs, s) {
		iss = n.enum.issue()
	}
	if !iss.ok() {
		v.fail(start, v.pos, "", iss)
	}
}

// number checks a number: integer or not, bounds and enum, compared
// exactly.
func (v *jsonValidator) number(n *vnode) {
	start := v.pos
	if !v.scanNumber() {
		return
	}
	if v.findAt > 0 {
		v.mark(start)
	}
	if n == nil {
		return
	}
	if n.types == 0 && n.num == nil && n.enum == nil {
		return
	}
	d := parseDecimal(v.data[start:v.pos])
	if !n.types.accepts(typeNumber, d.isInteger()) {
		v.fail(start, v.pos, "", typeIssue(n.types, typeNumber))
		return
	}
	integerOnly := n.types&typeInteger != 0 && n.types&typeNumber == 0
	if n.num != nil {
		iss := n.num.check(&d)
		if iss.ok() && !integerOnly {
			iss = n.num.checkDecoded(v.data[start:v.pos])
		}
		if !iss.ok() {
			v.fail(start, v.pos, "", iss)
			return
		}
	}
	if n.enum != nil && !n.enum.hasNumber(&d) {
		v.fail(start, v.pos, "", n.enum.issue())
		return
	}
	if integerOnly {
		v.plainInteger(start, &d)
	}
}

// plainInteger records an edit writing the integral number at
// data[start:v.pos] without fraction or exponent, when it has either.
// Numbers of more than 40 digits are left alone: no Go integer holds them,
// and decoding says so.
func (v *jsonValidator) plainInteger(start int, d *decimal) {
	tok := v.data[start:v.pos]
	if bytes.IndexAny(tok, ".eE") < 0 || d.exp > 40 {
		return
	}
	from := len(v.editText)
	if d.n() == 0 {
		v.editText = append(v.editText, '0')
	} else {
		if d.neg {
			v.editText = append(v.editText, '-')
		}
		v.editText = append(v.editText, d.hi...)
		v.editText = append(v.editText, d.lo...)
		for range d.exp - d.n() {
			v.editText = append(v.editText, '0')
		}
	}
	v.edits = append(v.edits, edit{at: start, end: v.pos, from: from, to: len(v.editText)})
}

// fail records a problem with the value at data[start:end] (start < 0: no
// input), at the current location plus member (if not "").
func (v *jsonValidator) fail(start, end int, member string, iss Issue) {
	if v.full {
		return
	}
	loc := v.location(member)
	var input any
	if start >= 0 && end-start <= maxInputEcho {
		input = decodeInput(v.data[start:end])
	}
	v.add(FieldError{Loc: loc, Msg: iss.Msg, Type: iss.Type, Input: input, Ctx: iss.Ctx})
}

// location returns the current location, plus member if not "".
func (v *jsonValidator) location(member string) []any {
	loc := make([]any, 0, len(v.prefix)+len(v.loc)+1)
	loc = append(loc, v.prefix...)
	for _, p := range v.loc {
		if p.isIndex {
			loc = append(loc, p.index)
		} else if key := v.data[p.start:p.end]; p.esc || !utf8.Valid(key) {
			loc = append(loc, string(appendUnquoted(nil, key)))
		} else {
			loc = append(loc, string(key))
		}
	}
	if member != "" {
		loc = append(loc, member)
	}
	return loc
}

// add records a problem unless enough have been found.
func (v *jsonValidator) add(e FieldError) {
	if v.full {
		return
	}
	v.errs = append(v.errs, e)
	v.full = len(v.errs) >= MaxErrors
}

// FieldError is one problem with one value, in FastAPI's shape: an HTTP
// layer answers a list of them (see package typed).
type FieldError struct {
	// Loc is where: the loc given to Validate (for a request, the part:
	// "path", "query", "header", "cookie" or "body"), then the path inside
	// the document (member names and array indexes).
	Loc []any `json:"loc" doc:"where: the request part, then the parameter or the path inside the body"`
	// Msg says what is wrong, for people.
	Msg string `json:"msg" doc:"what is wrong"`
	// Type classifies the problem for programs: missing, int_parsing,
	// string_too_short, greater_than_equal, extra_forbidden, json_invalid, …
	Type string `json:"type" doc:"the kind of problem"`
	// Input is the offending value: the raw parameter string or the JSON
	// value (omitted for values over 1 KiB of JSON and for missing ones).
	Input any `json:"input" doc:"the offending value"`
	// Ctx holds the limit that was broken, e.g. {"ge": 1}.
	Ctx map[string]any `json:"ctx,omitempty" doc:"the limit that was broken"`
}
