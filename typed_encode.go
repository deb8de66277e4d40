package dynroute

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// An answer encoder compiled from the Out type, the counterpart of the body
// decoder: it writes the bytes json.Encoder writes (HTML escaping on, a
// newline at the end), reading fields at their offsets instead of walking
// the value through reflect. Where encoding/json would fail (NaN, an
// infinity) or the value nests deeper than the encoder goes, it gives up
// and json.Encoder encodes the answer, error and all. Types it does not
// handle itself (maps, interfaces, arrays, []byte, json.Number, types with
// MarshalJSON or MarshalText) are handed, value by value, to json.Marshal
// through a pointer, so that pointer methods are found as they are in
// place; a struct with a ",string" field, or an omitzero field whose type
// has an IsZero method, is handed over whole.

// encKind is what a fastEnc encodes.
type encKind uint8

const (
	encDelegate encKind = iota // json.Marshal encodes the value
	encBool
	encString
	encInt
	encUint
	encFloat
	encStruct
	encPointer
	encSlice
)

// maxEncodeDepth is how deep the encoder follows pointers and slices
// before it leaves the answer to encoding/json, which detects cycles.
const maxEncodeDepth = 1000

// fastEnc encodes one Go type.
type fastEnc struct {
	kind   encKind
	typ    reflect.Type
	size   uintptr // encInt, encUint: bytes; encFloat: 32 or 64 bits
	elem   *fastEnc
	fields []encField
}

// encField is one member of a struct.
type encField struct {
	key                 string // `"name":`, HTML-escaped as encoding/json writes it
	offset              uintptr
	enc                 *fastEnc
	omitEmpty, omitZero bool
}

var isZeroerType = reflect.TypeFor[interface{ IsZero() bool }]()

// fastEncoders caches the encoders of Out types (reflect.Type →
// *fastEnc, nil for encoding/json's), as fastDecoders does the decoders.
var fastEncoders sync.Map

// fastEncoderOf returns the encoder of Out type t, or nil when
// encoding/json must encode the whole answer.
func fastEncoderOf(t reflect.Type) *fastEnc {
	if e, ok := fastEncoders.Load(t); ok {
		return e.(*fastEnc)
	}
	e := compileEnc(t, make(map[reflect.Type]*fastEnc))
	if e.kind == encDelegate {
		e = nil
	}
	fastEncoders.Store(t, e)
	return e
}

// compileEnc returns the encoder of t.
func compileEnc(t reflect.Type, seen map[reflect.Type]*fastEnc) *fastEnc {
	if e, ok := seen[t]; ok {
		return e
	}
	e := &fastEnc{typ: t}
	if t == jsonNumberType || implements(t, jsonMarshalerType, textMarshalerType) {
		return e
	}
	switch t.Kind() {
	case reflect.Bool:
		e.kind = encBool
	case reflect.String:
		e.kind = encString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.kind, e.size = encInt, t.Size()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.kind, e.size = encUint, t.Size()
	case reflect.Float32, reflect.Float64:
		e.kind, e.size = encFloat, uintptr(t.Bits())
	case reflect.Pointer:
		seen[t] = e
		if el := compileEnc(t.Elem(), seen); el.kind != encDelegate {
			e.kind, e.elem = encPointer, el
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // base64, unless the bytes have methods: encoding/json's
		}
		seen[t] = e
		if el := compileEnc(t.Elem(), seen); el.kind != encDelegate {
			e.kind, e.elem = encSlice, el
		}
	case reflect.Struct:
		seen[t] = e
		compileEncStruct(e, t, seen)
	}
	return e
}

// compileEncStruct fills the members of struct encoder e, which stays
// delegated when a member is one the encoder leaves to encoding/json.
func compileEncStruct(e *fastEnc, t reflect.Type, seen map[reflect.Type]*fastEnc) {
	var fields []encField
	for _, f := range jsonFields(t) {
		if f.quoted || hasTagOption(tagOptions(f.sf.Tag.Get("json")), "string") || !tagNameAgrees(f.sf) {
			return
		}
		if f.omitZero && (f.typ.Implements(isZeroerType) || reflect.PointerTo(f.typ).Implements(isZeroerType)) {
			return
		}
		offset, ok := fieldOffset(t, f.index)
		if !ok {
			return // inside an embedded pointer, which may be nil
		}
		var key bytes.Buffer
		json.HTMLEscape(&key, []byte(`"`+f.name+`":`))
		fields = append(fields, encField{key: key.String(), offset: offset, enc: compileEnc(f.typ, seen),
			omitEmpty: f.omitEmpty, omitZero: f.omitZero})
	}
	e.kind, e.fields = encStruct, fields
}

// encodeAnswer appends the JSON of the value at p and a newline to dst, as
// json.Encoder writes it; ok is false when encoding/json must encode it.
func (e *fastEnc) encodeAnswer(dst []byte, p unsafe.Pointer) ([]byte, bool) {
	dst, ok := e.append(dst, p, 0)
	return append(dst, '\n'), ok
}

// append appends the JSON of the value at p.
func (e *fastEnc) append(dst []byte, p unsafe.Pointer, depth int) ([]byte, bool) {
	switch e.kind {
	case encBool:
		return strconv.AppendBool(dst, *(*bool)(p)), true
	case encString:
		return appendJSONStringHTML(dst, *(*string)(p)), true
	case encInt:
		return strconv.AppendInt(dst, loadIntAt(p, e.size), 10), true
	case encUint:
		return strconv.AppendUint(dst, loadUintAt(p, e.size), 10), true
	case encFloat:
		if e.size == 32 {
			return appendJSONFloat(dst, float64(*(*float32)(p)), 32)
		}
		return appendJSONFloat(dst, *(*float64)(p), 64)
	case encPointer:
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			return append(dst, "null"...), true
		}
		if depth >= maxEncodeDepth {
			return dst, false
		}
		return e.elem.append(dst, q, depth+1)
	case encSlice:
		return e.appendSlice(dst, p, depth)
	case encStruct:
		return e.appendStruct(dst, p, depth)
	}
	b, err := json.Marshal(reflect.NewAt(e.typ, p).Interface())
	return append(dst, b...), err == nil
}

// appendSlice appends a slice: null when nil.
func (e *fastEnc) appendSlice(dst []byte, p unsafe.Pointer, depth int) ([]byte, bool) {
	v := reflect.NewAt(e.typ, p).Elem()
	if v.IsNil() {
		return append(dst, "null"...), true
	}
	if depth >= maxEncodeDepth {
		return dst, false
	}
	n, base, size := v.Len(), v.UnsafePointer(), e.typ.Elem().Size()
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = e.elem.append(dst, unsafe.Add(base, uintptr(i)*size), depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

// appendStruct appends a struct's members, leaving out the empty or zero
// ones their tags say to omit.
func (e *fastEnc) appendStruct(dst []byte, p unsafe.Pointer, depth int) ([]byte, bool) {
	next := byte('{')
	for i := range e.fields {
		f := &e.fields[i]
		fp := unsafe.Add(p, f.offset)
		if (f.omitEmpty && f.enc.empty(fp)) || (f.omitZero && reflect.NewAt(f.enc.typ, fp).Elem().IsZero()) {
			continue
		}
		dst = append(dst, next)
		next = ','
		dst = append(dst, f.key...)
		var ok bool
		if dst, ok = f.enc.append(dst, fp, depth); !ok {
			return dst, false
		}
	}
	if next == '{' {
		return append(dst, "{}"...), true
	}
	return append(dst, '}'), true
}

// empty reports whether the value at p is empty as omitempty means it:
// false, 0, "", a nil pointer or interface, an empty slice, map or array.
func (e *fastEnc) empty(p unsafe.Pointer) bool {
	switch e.kind {
	case encBool:
		return !*(*bool)(p)
	case encString:
		return len(*(*string)(p)) == 0
	case encInt:
		return loadIntAt(p, e.size) == 0
	case encUint:
		return loadUintAt(p, e.size) == 0
	case encFloat:
		if e.size == 32 {
			return *(*float32)(p) == 0
		}
		return *(*float64)(p) == 0
	case encPointer:
		return *(*unsafe.Pointer)(p) == nil
	}
	v := reflect.NewAt(e.typ, p).Elem()
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// loadIntAt reads a signed integer of size bytes.
func loadIntAt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

// loadUintAt reads an unsigned integer of size bytes.
func loadUintAt(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

// appendJSONFloat formats f as encoding/json does (ES6 number formatting);
// ok is false for NaN and infinities, which it refuses.
func appendJSONFloat(dst []byte, f float64, bits int) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' { // e-09 is written e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// appendJSONStringHTML appends s quoted as json.Encoder quotes it, with HTML
// escaping on: <, > and & as \u003c…, control characters escaped, invalid
// UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONStringHTML(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
