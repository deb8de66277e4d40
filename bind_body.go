package dynroute

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"reflect"
	"slices"
	"strings"

	"github.com/dynroute/dynroute/jsonschema"
	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// The request body: read within a limit, validated by the compiled schema,
// then decoded into the In value's Body field.

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

// decodeOptions decode bodies with encoding/json's semantics, the field
// rules the schemas describe, on encoding/json/v2's faster engine; with one
// exception: member names match exactly, as the validator matched them, so
// that a member such as "NAME" cannot fill the field of "name" unchecked.
var decodeOptions = json.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	json.MatchCaseInsensitiveNames(false),
	jsonv1.ReportErrorsWithLegacySemantics(false), // *json.SemanticError, which says where
)

// decode validates the body data and decodes it into field, the Body
// field. merged is a buffer for the body with defaults filled in.
func (b *bodyPlan) decode(field reflect.Value, data []byte, merged *[]byte, errs []jsonschema.FieldError) []jsonschema.FieldError {
	if len(data) == 0 {
		if b.required {
			errs = append(errs, jsonschema.FieldError{Loc: []any{"body"}, Msg: "Field required", Type: "missing"})
		}
		return errs
	}
	before := len(errs)
	normal, edited, errs := b.node.Normalize(data, b.loc, errs, (*merged)[:0])
	if len(errs) > before {
		return errs
	}
	if edited {
		*merged, data = normal, normal
	}
	if err := b.unmarshal(data, field.Addr().Interface()); err != nil {
		errs = append(errs, b.decodeProblem(data, err))
	}
	return errs
}

// decodeProblem describes what decoding refused after the validator
// accepted: a number too large for its Go integer, or a value that a
// json.Unmarshaler or encoding.TextUnmarshaler rejected.
func (b *bodyPlan) decodeProblem(data []byte, err error) jsonschema.FieldError {
	se, ok := errors.AsType[*json.SemanticError](err)
	if !ok {
		return jsonschema.FieldError{Loc: b.loc, Type: "value_error", Msg: "Value error, " + err.Error()}
	}
	fe := jsonschema.FieldError{Type: "value_error"}
	if se.ByteOffset >= 0 && se.ByteOffset < int64(len(data)) {
		fe.Loc, fe.Input = jsonschema.Locate(data, int(se.ByteOffset), b.loc)
	}
	if fe.Loc == nil {
		fe.Loc = slices.Clone(b.loc)
		for tok := range se.JSONPointer.Tokens() {
			fe.Loc = append(fe.Loc, tok)
		}
	}
	switch {
	case se.GoType != nil && unmarshalsItself(se.GoType) && se.Err != nil:
		fe.Msg = "Value error, " + se.Err.Error()
	case se.GoType != nil:
		got := se.JSONKind.String()
		if se.JSONKind == '0' && len(se.JSONValue) > 0 {
			got += " " + string(se.JSONValue)
		}
		fe.Msg = fmt.Sprintf("Input should be a valid %v, got %s", se.GoType, got)
	default:
		fe.Msg = "Value error, " + err.Error()
	}
	return fe
}

// unmarshalsItself reports whether values of t decode themselves, with
// UnmarshalJSON or UnmarshalText: their errors are theirs to word.
func unmarshalsItself(t reflect.Type) bool {
	return implements(t, jsonUnmarshalerType) || implements(t, textUnmarshalerType)
}

// unmarshal decodes data into v as the plan decodes bodies: numbers in
// interface values as json.Number with useNumber.
func (b *bodyPlan) unmarshal(data []byte, v any) error {
	if b.useNumber {
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
