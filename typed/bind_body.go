package typed

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"sync"

	"github.com/dynroute/dynroute/internal/gotypes"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// A BodyDecoder reads JSON request bodies as typed handlers read their
// Body field: of a JSON media type, within a size limit, validated against a
// schema — every problem reported with its place — and decoded with the
// schema's defaults filled in. CRUD handlers read items with it, and a
// handler of your own can too. It is safe for concurrent use.
type BodyDecoder struct {
	validator *jsonschema.Validator
	maxBytes  int64 // -1: no limit
	optional  bool
	useNumber bool
}

// BodyOptions configures a BodyDecoder. A nil *BodyOptions means the
// defaults.
type BodyOptions struct {
	// MaxBytes limits the body: 0 means 1 MiB, a negative value no limit.
	MaxBytes int64
	// Optional makes an empty body no problem: Decode then leaves its
	// value alone. By default an empty body is a "missing" problem.
	Optional bool
	// UseNumber decodes numbers in interface values (such as the members of
	// a map[string]any) as encoding/json's json.Number, which keeps every
	// digit, instead of float64. Such bodies are decoded by encoding/json
	// itself, whose json.Number the stores take: it is meant for maps, as
	// into a struct it would match member names case-insensitively.
	UseNumber bool
}

// bodyBuffers are the memory of reading one body, reused.
type bodyBuffers struct {
	body, normal []byte
}

// buffers holds the bodyBuffers of finished requests for the next ones.
var buffers sync.Pool // *bodyBuffers

// maxPooledBytes is the largest buffer kept for reuse; larger ones, from
// rare large bodies, are left to the collector.
const maxPooledBytes = 64 << 10

// NewBodyDecoder returns a BodyDecoder that validates bodies with v, a
// Validator compiled from the schema of the values they decode into.
func NewBodyDecoder(v *jsonschema.Validator, opts *BodyOptions) *BodyDecoder {
	var o BodyOptions
	if opts != nil {
		o = *opts
	}
	return &BodyDecoder{validator: v, maxBytes: httpx.BodyLimit(o.MaxBytes), optional: o.Optional, useNumber: o.UseNumber}
}

// MaxBytes returns the decoder's limit, or -1 for none.
func (d *BodyDecoder) MaxBytes() int64 { return d.maxBytes }

// bodyLoc is the location of every body problem.
var bodyLoc = []any{"body"}

// Decode reads r's body and decodes it into v, a pointer. A body that is
// not JSON, or breaks the schema, is a *ValidationError listing every
// problem (422); a body of another media type, over the limit or that
// cannot be read is a *StatusError (415, 413, 400).
func (d *BodyDecoder) Decode(r *http.Request, v any) error {
	errs, err := d.decode(r, reflect.ValueOf(v), nil)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// decode is Decode appending the body's problems to errs; err is a
// problem of the request, not of the body's content.
func (d *BodyDecoder) decode(r *http.Request, ptr reflect.Value, errs []jsonschema.FieldError) ([]jsonschema.FieldError, error) {
	bufs, _ := buffers.Get().(*bodyBuffers)
	if bufs == nil {
		bufs = new(bodyBuffers)
	}
	defer d.release(bufs)
	data, err := d.read(r, bufs.body)
	bufs.body = data
	if err != nil {
		return errs, err
	}
	if len(data) == 0 {
		if !d.optional {
			errs = append(errs, jsonschema.FieldError{Loc: []any{"body"}, Msg: "Field required", Type: "missing"})
		}
		return errs, nil
	}
	before := len(errs)
	normal, edited, errs := d.validator.Normalize(data, bodyLoc, errs, bufs.normal[:0])
	if len(errs) > before {
		return errs, nil
	}
	if edited {
		bufs.normal, data = normal, normal
	}
	if err := d.Unmarshal(data, ptr.Interface()); err != nil {
		errs = append(errs, decodeProblem(data, err))
	}
	return errs, nil
}

// release returns bufs to the pool, keeping buffers of a reasonable size.
func (d *BodyDecoder) release(bufs *bodyBuffers) {
	if cap(bufs.body) > maxPooledBytes || cap(bufs.normal) > maxPooledBytes {
		return
	}
	bufs.body, bufs.normal = bufs.body[:0], bufs.normal[:0]
	buffers.Put(bufs)
}

// jsonMediaType reports whether a Content-Type names JSON:
// application/json or any type with the +json suffix.
func jsonMediaType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = textproto.TrimString(mt)
	return strings.EqualFold(mt, "application/json") ||
		(len(mt) > 5 && strings.EqualFold(mt[len(mt)-5:], "+json") && strings.Contains(mt, "/"))
}

// read reads the request body into buf (reused across requests). A body of
// another media type is a 415, a body over the limit a 413.
func (d *BodyDecoder) read(r *http.Request, buf []byte) ([]byte, error) {
	buf = buf[:0]
	if r.Body == nil || r.Body == http.NoBody {
		return buf, nil
	}
	if ct := r.Header["Content-Type"]; len(ct) > 0 && !jsonMediaType(ct[0]) {
		return buf, &StatusError{Status: http.StatusUnsupportedMediaType,
			Detail: fmt.Sprintf("the request body must be application/json, not %q", ct[0])}
	}
	limit := d.maxBytes
	if limit < 0 {
		limit = 1<<63 - 1
	}
	tooLarge := func() error {
		return &StatusError{Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the request body is larger than %d bytes", limit)}
	}
	if r.ContentLength > limit {
		return buf, tooLarge()
	}
	if r.ContentLength > 0 && int64(cap(buf)) <= r.ContentLength {
		buf = make([]byte, 0, r.ContentLength+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, tooLarge()
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return buf, tooLarge()
			}
			return buf, &StatusError{Status: http.StatusBadRequest, Detail: "reading the request body failed", Err: err}
		}
	}
}

// decodeOptions decode bodies with encoding/json's semantics, the field
// rules the schemas describe, on encoding/json/v2's faster engine; with one
// exception: member names match exactly, as the validator matched them, so
// that a member such as "NAME" cannot fill the field of "name" unchecked.
var decodeOptions = json.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	json.MatchCaseInsensitiveNames(false),
	jsonv1.ReportErrorsWithLegacySemantics(false), // *json.SemanticError, which says where
)

// decodeProblem describes what decoding refused after the validator
// accepted: a number too large for its Go integer, or a value that a
// json.Unmarshaler or encoding.TextUnmarshaler rejected. The words are the
// library's, as for parameters, except for an unmarshaler's own error.
func decodeProblem(data []byte, err error) jsonschema.FieldError {
	se, ok := errors.AsType[*json.SemanticError](err)
	if !ok {
		return jsonschema.FieldError{Loc: []any{"body"}, Type: "value_error", Msg: msgDoesNotFit}
	}
	fe := jsonschema.FieldError{Type: "value_error"}
	if se.ByteOffset >= 0 && se.ByteOffset < int64(len(data)) {
		fe.Loc, fe.Input = jsonschema.Locate(data, int(se.ByteOffset), bodyLoc)
	}
	if fe.Loc == nil {
		fe.Loc = []any{"body"}
		for tok := range se.JSONPointer.Tokens() {
			fe.Loc = append(fe.Loc, tok)
		}
	}
	switch {
	case se.GoType != nil && unmarshalsItself(se.GoType) && se.Err != nil:
		fe.Msg = "Value error, " + se.Err.Error()
	case se.GoType != nil:
		fe.Msg = decodeMsg(se.GoType)
	default:
		fe.Msg = msgDoesNotFit
	}
	return fe
}

// msgDoesNotFit is the message of a value decoding refused for a reason
// decodeMsg cannot word.
const msgDoesNotFit = "Value error, the value does not fit its field"

// decodeMsg words why a value of Go type t could not be decoded, which
// after validation is a number out of its type's range.
func decodeMsg(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return issueIntRange.Msg
	case reflect.Float32, reflect.Float64:
		return issueFloatRange.Msg
	}
	return msgDoesNotFit
}

// unmarshalsItself reports whether values of t decode themselves, with
// UnmarshalJSON or UnmarshalText: their errors are theirs to word.
func unmarshalsItself(t reflect.Type) bool {
	return gotypes.Implements(t, gotypes.JSONUnmarshaler, gotypes.TextUnmarshaler)
}

// Unmarshal decodes data, one JSON document, into v as Decode decodes a
// body (see BodyOptions.UseNumber), without validating it.
func (d *BodyDecoder) Unmarshal(data []byte, v any) error {
	if d.useNumber {
		return unmarshalNumbers(data, v)
	}
	return json.Unmarshal(data, v, decodeOptions)
}

// unmarshalNumbers decodes data into v as encoding/json does with
// Decoder.UseNumber: numbers in interface values as encoding/json's
// json.Number, which keeps every digit and which the stores bind. data
// holds one JSON value (the validator checked it).
func unmarshalNumbers(data []byte, v any) error {
	d := stdjson.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
