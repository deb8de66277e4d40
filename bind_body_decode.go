package dynroute

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// A body decoder compiled from the Body type, for the body the validator has
// just accepted. encoding/json.Unmarshal was most of a typed request's cost:
// it checks the whole document's syntax a second time, then walks it
// through reflect. This decoder trusts the syntax (the validator checked it,
// and its edits are JSON) and stores scalars at field offsets, like the
// parameter setters.
//
// It decodes the success case only, exactly as encoding/json would; on
// anything else — a value of the wrong type, a number that does not fit, a
// member given twice, a name that only matches case-insensitively — it
// gives up, the Body field is zeroed again and encoding/json decodes the
// body as before, so that every error and every edge keeps encoding/json's
// behaviour. Types it does not handle itself (maps, interfaces, arrays,
// []byte, json.Number, types with UnmarshalJSON or UnmarshalText, structs
// with ",string" fields) are handed, value by value, to json.Unmarshal,
// which decodes a value through a pointer to it exactly as it decodes it in
// place.

// decKind is what a fastDec decodes.
type decKind uint8

const (
	decDelegate decKind = iota // json.Unmarshal decodes the value
	decBool
	decString
	decInt
	decUint
	decFloat
	decStruct
	decPointer
	decSlice
)

// fastDec decodes one Go type.
type fastDec struct {
	kind decKind
	typ  reflect.Type
	size uintptr  // decInt, decUint: bytes; decFloat: 32 or 64 bits
	elem *fastDec // decPointer, decSlice
	// decStruct: the members encoding/json decodes, by exact name.
	fields []fastField
	index  map[string]int // for structs with many fields
	folded map[string]bool
}

// fastField is one member of a struct.
type fastField struct {
	name   string
	offset uintptr
	dec    *fastDec // nil: the field is inside an embedded pointer, which encoding/json allocates
}

// maxFastFields is the most fields a struct decoded here may have: the
// members seen are a bit set, to refuse duplicates.
const maxFastFields = 64

// fastDecoders caches the decoders of Body types (reflect.Type →
// *fastDec, nil for encoding/json's), which depend on the type alone: an
// API registers many handlers of few body types.
var fastDecoders sync.Map

// fastDecoderOf returns the decoder of Body type t, or nil when
// encoding/json must decode the whole body.
func fastDecoderOf(t reflect.Type) *fastDec {
	if d, ok := fastDecoders.Load(t); ok {
		return d.(*fastDec)
	}
	c := fastCompiler{seen: make(map[reflect.Type]*fastDec)}
	d, ok := c.compile(t)
	if !ok || d.kind == decDelegate {
		d = nil
	}
	fastDecoders.Store(t, d)
	return d
}

// fastCompiler compiles fastDecs; recursive types become cyclic decoders.
type fastCompiler struct {
	seen map[reflect.Type]*fastDec
}

// compile returns the decoder of t; ok is false when only encoding/json
// can decode the whole body: t is a type whose methods encoding/json
// ignores in place (it takes the address of named types only) but would
// call through a pointer.
func (c *fastCompiler) compile(t reflect.Type) (*fastDec, bool) {
	if d, ok := c.seen[t]; ok {
		return d, true
	}
	switch {
	case t == jsonNumberType || t.Kind() == reflect.Interface:
		return &fastDec{kind: decDelegate, typ: t}, true
	case t.Kind() == reflect.Pointer:
		if t.Implements(jsonUnmarshalerType) || t.Implements(textUnmarshalerType) {
			return &fastDec{kind: decDelegate, typ: t}, true
		}
	case reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType):
		if t.Name() == "" {
			return nil, false
		}
		return &fastDec{kind: decDelegate, typ: t}, true
	}
	d := &fastDec{typ: t}
	switch t.Kind() {
	case reflect.Bool:
		d.kind = decBool
	case reflect.String:
		d.kind = decString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d.kind, d.size = decInt, t.Size()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		d.kind, d.size = decUint, t.Size()
	case reflect.Float32, reflect.Float64:
		d.kind, d.size = decFloat, uintptr(t.Bits())
	case reflect.Pointer:
		c.seen[t] = d
		e, ok := c.compile(t.Elem())
		if !ok {
			return nil, false
		}
		if e.kind != decDelegate {
			d.kind, d.elem = decPointer, e
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // base64, or bytes with methods: encoding/json's
		}
		c.seen[t] = d
		e, ok := c.compile(t.Elem())
		if !ok {
			return nil, false
		}
		if e.kind != decDelegate {
			d.kind, d.elem = decSlice, e
		}
	case reflect.Struct:
		c.seen[t] = d
		if !c.structFields(d, t) {
			return nil, false
		}
	}
	return d, true
}

// structFields fills the members of struct decoder d; the struct stays
// delegated when a field is ",string" or there are too many.
func (c *fastCompiler) structFields(d *fastDec, t reflect.Type) bool {
	fields := jsonFields(t)
	if len(fields) > maxFastFields {
		return true
	}
	var out []fastField
	for _, f := range fields {
		if f.quoted || hasTagOption(tagOptions(f.sf.Tag.Get("json")), "string") || !tagNameAgrees(f.sf) {
			return true
		}
		offset, ok := fieldOffset(t, f.index)
		if !ok {
			out = append(out, fastField{name: f.name, dec: nil})
			continue
		}
		fd, ok := c.compile(f.typ)
		if !ok {
			return false
		}
		out = append(out, fastField{name: f.name, offset: offset, dec: fd})
	}
	d.kind, d.fields = decStruct, out
	d.folded = make(map[string]bool, len(out))
	for _, f := range out {
		d.folded[string(foldJSONName(nil, []byte(f.name)))] = true
	}
	if len(out) > 8 {
		d.index = make(map[string]int, len(out))
		for i, f := range out {
			d.index[f.name] = i
		}
	}
	return true
}

// tagNameAgrees reports whether encoding/json takes the name of a field's
// json tag exactly when jsonFields does: they differ on tag names with
// characters beyond ASCII that are neither letters nor digits, which
// encoding/json refuses.
func tagNameAgrees(sf reflect.StructField) bool {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	for _, c := range name {
		if c >= utf8.RuneSelf && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

// tagOptions returns the options of a json tag, after its name.
func tagOptions(tag string) string {
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[i+1:]
		}
	}
	return ""
}

// fieldOffset returns the offset of the field at index in t; ok is false
// when the path goes through an embedded pointer, which encoding/json
// allocates (or refuses to, when its type is unexported).
func fieldOffset(t reflect.Type, index []int) (uintptr, bool) {
	var off uintptr
	for i, x := range index {
		sf := t.Field(x)
		off += sf.Offset
		if i < len(index)-1 {
			if sf.Type.Kind() != reflect.Struct {
				return 0, false
			}
			t = sf.Type
		}
	}
	return off, true
}

// foldJSONName appends name folded as encoding/json folds member names for
// its case-insensitive match.
func foldJSONName(dst, name []byte) []byte {
	for i := 0; i < len(name); {
		if c := name[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(name[i:])
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

// foldRune returns the smallest rune of r's fold set, as encoding/json
// folds.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// lookupFrom is lookup trying member next first (names are unique).
func (d *fastDec) lookupFrom(key string, next int) int {
	if next < len(d.fields) && d.fields[next].name == key {
		return next
	}
	return d.lookup(key)
}

// lookup returns the index of the member named key, or -1.
func (d *fastDec) lookup(key string) int {
	if d.index != nil {
		if i, ok := d.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range d.fields {
		if d.fields[i].name == key {
			return i
		}
	}
	return -1
}

// fastDecoder is the state of one decoding.
type fastDecoder struct {
	data []byte
	pos  int
	buf  []byte // for strings with escapes
}

// decodeBody decodes data, a JSON document the validator accepted, into the
// value of d's type at p, which is zero. It reports false when encoding/json
// must decode it instead; p then holds a partial value.
func (d *fastDec) decodeBody(data []byte, p unsafe.Pointer, buf *[]byte) bool {
	dec := fastDecoder{data: data, buf: *buf}
	ok := dec.value(d, p)
	*buf = dec.buf
	return ok
}

// ws skips whitespace.
func (s *fastDecoder) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value decodes the value at s.pos into p.
func (s *fastDecoder) value(d *fastDec, p unsafe.Pointer) bool {
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	c := s.data[s.pos]
	if d.kind == decDelegate {
		start := s.pos
		if !s.skip() {
			return false
		}
		return json.Unmarshal(s.data[start:s.pos], reflect.NewAt(d.typ, p).Interface()) == nil
	}
	if c == 'n' { // null: pointers and slices become nil, others are left alone
		s.pos += len("null")
		if d.kind == decPointer || d.kind == decSlice {
			reflect.NewAt(d.typ, p).Elem().SetZero()
		}
		return true
	}
	switch d.kind {
	case decBool:
		switch c {
		case 't':
			*(*bool)(p) = true
			s.pos += len("true")
		case 'f':
			*(*bool)(p) = false
			s.pos += len("false")
		default:
			return false
		}
		return true
	case decString:
		if c != '"' {
			return false
		}
		str, ok := s.str()
		if !ok {
			return false
		}
		*(*string)(p) = str
		return true
	case decInt, decUint, decFloat:
		return s.number(d, p)
	case decStruct:
		if c != '{' {
			return false
		}
		return s.object(d, p)
	case decPointer:
		if *(*unsafe.Pointer)(p) != nil {
			return false // only a member given twice gets here
		}
		q := reflect.New(d.typ.Elem()).UnsafePointer()
		*(*unsafe.Pointer)(p) = q
		return s.value(d.elem, q)
	case decSlice:
		if c != '[' {
			return false
		}
		return s.array(d, p)
	}
	return false
}

// number decodes a number into an int, uint or float field, as
// encoding/json parses it.
func (s *fastDecoder) number(d *fastDec, p unsafe.Pointer) bool {
	end := scanJSONNumber(s.data, s.pos)
	if end < 0 {
		return false
	}
	text := unsafeString(s.data[s.pos:end])
	s.pos = end
	switch d.kind {
	case decInt:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return false
		}
		switch d.size {
		case 1:
			if int64(int8(n)) != n {
				return false
			}
			*(*int8)(p) = int8(n)
		case 2:
			if int64(int16(n)) != n {
				return false
			}
			*(*int16)(p) = int16(n)
		case 4:
			if int64(int32(n)) != n {
				return false
			}
			*(*int32)(p) = int32(n)
		default:
			*(*int64)(p) = n
		}
	case decUint:
		n, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return false
		}
		switch d.size {
		case 1:
			if uint64(uint8(n)) != n {
				return false
			}
			*(*uint8)(p) = uint8(n)
		case 2:
			if uint64(uint16(n)) != n {
				return false
			}
			*(*uint16)(p) = uint16(n)
		case 4:
			if uint64(uint32(n)) != n {
				return false
			}
			*(*uint32)(p) = uint32(n)
		default:
			*(*uint64)(p) = n
		}
	default:
		f, err := strconv.ParseFloat(text, int(d.size))
		if err != nil {
			return false
		}
		if d.size == 32 {
			*(*float32)(p) = float32(f)
		} else {
			*(*float64)(p) = f
		}
	}
	return true
}

// scanStr moves past the string at s.pos and returns its raw content and
// whether that is its value: no escapes, and valid UTF-8 if any byte is
// beyond ASCII.
func (s *fastDecoder) scanStr() (raw []byte, plain bool, ok bool) {
	b := s.data
	start := s.pos + 1
	i := start
	for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] < utf8.RuneSelf {
		i++
	}
	if i < len(b) && b[i] == '"' { // the usual case: plain ASCII
		s.pos = i + 1
		return b[start:i], true, true
	}
	escaped := false
	for i < len(b) && b[i] != '"' {
		if b[i] == '\\' {
			escaped = true
			i++ // the escaped byte, which may be a quote
		}
		i++
	}
	if i >= len(b) {
		return nil, false, false
	}
	s.pos = i + 1
	raw = b[start:i]
	return raw, !escaped && utf8.Valid(raw), true
}

// str decodes a string value, as encoding/json does.
func (s *fastDecoder) str() (string, bool) {
	raw, plain, ok := s.scanStr()
	if !ok {
		return "", false
	}
	if plain {
		return string(raw), true
	}
	s.buf = appendUnquoted(s.buf[:0], raw)
	return string(s.buf), true
}

// object decodes an object into the struct at p.
func (s *fastDecoder) object(d *fastDec, p unsafe.Pointer) bool {
	s.pos++ // {
	var seen uint64
	next := 0 // the member expected next: members usually come in field order
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return true
	}
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		raw, plain, ok := s.scanStr()
		if !ok {
			return false
		}
		key := unsafeString(raw)
		if !plain {
			s.buf = appendUnquoted(s.buf[:0], raw)
			key = unsafeString(s.buf)
		}
		i := d.lookupFrom(key, next)
		if i >= 0 {
			next = i + 1
		}
		if i < 0 && d.folded[unsafeString(foldJSONName(s.buf[len(s.buf):], []byte(key)))] {
			return false // encoding/json's case-insensitive match
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		if i < 0 {
			if !s.skip() {
				return false
			}
		} else {
			if seen&(1<<i) != 0 {
				return false // a member given twice: encoding/json merges
			}
			seen |= 1 << i
			f := &d.fields[i]
			if f.dec == nil || !s.value(f.dec, unsafe.Add(p, f.offset)) {
				return false
			}
		}
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// array decodes an array into the slice at p: an empty array is an empty,
// non-nil slice, as encoding/json makes it.
func (s *fastDecoder) array(d *fastDec, p unsafe.Pointer) bool {
	n, ok := s.count()
	if !ok {
		return false
	}
	slice := reflect.NewAt(d.typ, p).Elem()
	slice.Set(reflect.MakeSlice(d.typ, n, n))
	s.pos++ // [
	if n == 0 {
		s.ws()
		s.pos++ // ]
		return true
	}
	base := slice.UnsafePointer()
	size := d.typ.Elem().Size()
	for i := range n {
		if !s.value(d.elem, unsafe.Add(base, uintptr(i)*size)) {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		s.pos++ // , or ]
	}
	return true
}

// count returns the number of items of the array at s.pos, without moving.
func (s *fastDecoder) count() (int, bool) {
	t := fastDecoder{data: s.data, pos: s.pos + 1}
	t.ws()
	if t.pos < len(t.data) && t.data[t.pos] == ']' {
		return 0, true
	}
	n := 0
	for {
		if !t.skip() {
			return 0, false
		}
		n++
		t.ws()
		if t.pos >= len(t.data) {
			return 0, false
		}
		switch t.data[t.pos] {
		case ',':
			t.pos++
		case ']':
			return n, true
		default:
			return 0, false
		}
	}
}

// skip moves past the value at s.pos, which the validator found to be JSON.
func (s *fastDecoder) skip() bool {
	s.ws()
	depth := 0
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"':
			if _, _, ok := s.scanStr(); !ok {
				return false
			}
		case '{', '[':
			depth++
			s.pos++
		case '}', ']':
			depth--
			s.pos++
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return true
			}
			s.pos++
			continue
		default: // a number or a literal
			s.pos++
			for s.pos < len(s.data) && !isJSONDelim(s.data[s.pos]) {
				s.pos++
			}
		}
		if depth == 0 {
			return true
		}
		if depth < 0 {
			return false
		}
	}
	return depth == 0
}

// isJSONDelim reports whether c ends a number or a literal.
func isJSONDelim(c byte) bool {
	switch c {
	case ',', ':', '}', ']', ' ', '\t', '\n', '\r', '"', '{', '[':
		return true
	}
	return false
}
