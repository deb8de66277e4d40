package dynroute

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"unsafe"
)

// The request body: read within a limit, validated by the compiled schema,
// then decoded into the In value's Body field by the decoder compiled from
// its type (bind_body_decode.go), or by encoding/json where that one gives
// up.

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
func (b *bodyPlan) read(r *http.Request, buf []byte) ([]byte, error) {
	buf = buf[:0]
	if r.Body == nil || r.Body == http.NoBody {
		return buf, nil
	}
	if ct := r.Header["Content-Type"]; len(ct) > 0 && !jsonMediaType(ct[0]) {
		return buf, &StatusError{Status: http.StatusUnsupportedMediaType,
			Detail: fmt.Sprintf("the request body must be application/json, not %q", ct[0])}
	}
	limit := b.maxBytes
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

// decode validates the body data and decodes it into the Body field of the
// In value at base. merged is a buffer for the body with defaults filled in.
func (b *bodyPlan) decode(base unsafe.Pointer, data []byte, v *jsonValidator, merged *[]byte, errs []FieldError) []FieldError {
	if len(data) == 0 {
		if b.required {
			errs = append(errs, FieldError{Loc: []any{"body"}, Msg: "Field required", Type: "missing"})
		}
		return errs
	}
	before := len(errs)
	v.reset(data, b.loc, errs)
	errs = v.validate(b.node)
	if len(errs) == before {
		if m, ok := v.edited((*merged)[:0]); ok {
			*merged, data = m, m
		}
	}
	v.data, v.errs = nil, nil // the buffers go back to their pools
	if len(errs) > before {
		return errs
	}
	field := unsafe.Add(base, b.offset)
	if b.useNumber {
		if err := unmarshalNumbers(data, reflect.NewAt(b.typ, field).Interface()); err != nil {
			errs = append(errs, b.decodeProblem(data, err))
		}
		return errs
	}
	if b.fast != nil {
		if b.fast.decodeBody(data, field, &v.strBuf) {
			return errs
		}
		reflect.NewAt(b.typ, field).Elem().SetZero() // encoding/json starts again
	}
	target := reflect.NewAt(b.typ, field).Interface()
	if err := json.Unmarshal(data, target); err != nil {
		errs = append(errs, b.decodeProblem(data, err))
	}
	return errs
}

// decodeProblem describes what encoding/json refused after the validator
// accepted: a number too large for its Go integer, or a value that a
// json.Unmarshaler or encoding.TextUnmarshaler rejected (located only as
// "body": encoding/json does not say where).
func (b *bodyPlan) decodeProblem(data []byte, err error) FieldError {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		fe := FieldError{Type: "value_error", Msg: fmt.Sprintf("Input should be a valid %v, got %s", te.Type, te.Value)}
		if te.Offset > 0 && te.Offset <= int64(len(data)) {
			fe.Loc, fe.Input = locate(data, int(te.Offset), b.loc)
		}
		if fe.Loc == nil {
			fe.Loc = []any{"body"}
			for f := range strings.SplitSeq(te.Field, ".") {
				if f != "" {
					fe.Loc = append(fe.Loc, f)
				}
			}
		}
		return fe
	}
	return FieldError{Loc: []any{"body"}, Type: "value_error", Msg: "Value error, " + err.Error()}
}

// unmarshal decodes data into v as the plan decodes bodies: numbers in
// interface values as json.Number with useNumber.
func (b *bodyPlan) unmarshal(data []byte, v any) error {
	if b.useNumber {
		return unmarshalNumbers(data, v)
	}
	return json.Unmarshal(data, v)
}

// unmarshalNumbers is json.Unmarshal with numbers in interface values
// decoded as json.Number, which keeps every digit. data holds one JSON
// value (the validator checked it).
func unmarshalNumbers(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
