package typed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/httpx"
	"github.com/dynroute/dynroute/jsonschema"
)

// The errors of typed handlers and the problem documents (RFC 9457) they
// are answered with.

// Sentinel errors of New; each error names the type and field or option.
var (
	// ErrInvalidOptions: an Options field is out of range or contradicts
	// another.
	ErrInvalidOptions = errors.New("invalid typed handler options")
	// ErrInvalidType: In or Out has a field that cannot be bound or
	// encoded. It is jsonschema.ErrInvalidType, which the schemas of the
	// types wrap too.
	ErrInvalidType = jsonschema.ErrInvalidType
	// ErrInvalidTag: a binding or validation tag is malformed or does not
	// fit its field. It is jsonschema.ErrInvalidTag.
	ErrInvalidTag = jsonschema.ErrInvalidTag
)

// ValidationError is the error of a request that failed binding or
// validation; Errors lists the problems found (binding and validation stop
// at jsonschema.MaxErrors, 100). WriteProblem answers it 422 and bounds
// what it lists (see WriteProblem).
type ValidationError struct {
	Errors []jsonschema.FieldError
}

// Error lists the problems on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("dynroute: ")
	b.WriteString(validationSummary(len(e.Errors)))
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		for j, l := range fe.Loc {
			if j > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, l)
		}
		b.WriteString(": ")
		b.WriteString(fe.Msg)
	}
	return b.String()
}

// StatusCode is 422.
func (e *ValidationError) StatusCode() int { return http.StatusUnprocessableEntity }

// validationSummary is the detail of a 422 answer: "3 validation errors".
func validationSummary(n int) string {
	if n == 1 {
		return "1 validation error"
	}
	return strconv.Itoa(n) + " validation errors"
}

// ValidationProblem is the problem document of a 422 answer: a dynroute.Problem
// with the list of problems.
type ValidationProblem struct {
	dynroute.Problem
	Errors []jsonschema.FieldError `json:"errors,omitempty" doc:"every problem found"`
}

// StatusError is an error with the HTTP status to answer and a detail
// that is safe to show to the client. Err, if set, is wrapped but not shown.
type StatusError struct {
	Status int
	Detail string
	Err    error
}

// Error returns the status, the detail and the wrapped error's text (unless
// the detail is that text).
func (e *StatusError) Error() string {
	s := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil && e.Err.Error() != e.Detail {
		s += ": " + e.Err.Error()
	}
	return s
}

// StatusCode returns e.Status.
func (e *StatusError) StatusCode() int { return e.Status }

// Unwrap returns e.Err.
func (e *StatusError) Unwrap() error { return e.Err }

// NewError returns an error that a typed handler answers with status and
// detail, like FastAPI's HTTPException:
//
//	return nil, typed.NewError(http.StatusNotFound, "no product 42")
func NewError(status int, detail string) error {
	return &StatusError{Status: status, Detail: detail}
}

// Errorf is NewError with a formatted detail. The whole message is the detail
// the client sees; an error given for %w is also wrapped, for errors.Is.
func Errorf(status int, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &StatusError{Status: status, Detail: err.Error(), Err: err}
}

// StatusOf returns the status an error is answered with: that of its
// StatusCode method (found with errors.As) when it is in 400–599, else 500.
func StatusOf(err error) int {
	if sc, ok := errors.AsType[interface {
		error
		StatusCode() int
	}](err); ok {
		if s := sc.StatusCode(); s >= 400 && s <= 599 {
			return s
		}
	}
	return http.StatusInternalServerError
}

// maxProblemBytes bounds a problem answer WriteProblem writes, whatever
// the request held.
const maxProblemBytes = 64 << 10

// maxLoc bounds the elements of a listed problem's location: a deeper one
// keeps its first and last maxLoc/2 around "…".
const maxLoc = 32

// WriteProblem is the default error writer of typed handlers: an
// application/problem+json answer (RFC 9457) with StatusOf(err). The
// detail is that of a *StatusError, or the text of another error with a
// StatusCode method below 500; a *ValidationError adds its errors. The text
// of other errors is not shown: it may hold anything.
//
// The answer is bounded, so that a small request cannot ask for a large
// one: it is at most 64 KiB. It lists at most jsonschema.MaxErrors (100)
// problems; in each, a message, a location name or a detail is cut to 1 KiB
// (with "…"), a location deeper than 32 keeps its first and last 16 steps
// around "…", and an input or ctx longer than 1 KiB of JSON is left out. The
// list stops before the problem that would take the answer past 64 KiB, and
// the detail then says how many of how many are listed.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	p := ValidationProblem{Problem: dynroute.Problem{Type: "about:blank", Title: title, Status: status}}
	if ve, ok := errors.AsType[*ValidationError](err); ok {
		// The rest of the answer takes at most 2 KiB: the detail is cut to
		// 1 KiB, and the type, title and status are short.
		p.Errors = boundErrors(ve.Errors, maxProblemBytes-2*httpx.MaxEchoBytes)
		p.Detail = validationSummary(len(ve.Errors))
		if len(p.Errors) < len(ve.Errors) {
			p.Detail += "; the first " + strconv.Itoa(len(p.Errors)) + " are listed"
		}
	} else if se, ok := errors.AsType[*StatusError](err); ok {
		p.Detail = se.Detail
	} else if status < 500 {
		p.Detail = err.Error()
	}
	p.Detail = httpx.Clip(p.Detail, httpx.MaxEchoBytes)
	body, merr := json.Marshal(p)
	if merr != nil { // an input that is not JSON-encodable; answer without the list
		p.Errors = nil
		body, _ = json.Marshal(p)
	}
	if status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close") // the rest of the body is not read
	}
	httpx.WriteProblem(w, status, body)
}

// boundErrors returns the problems an answer lists: at most
// jsonschema.MaxErrors, each cut by boundError, and no more than fit in
// budget bytes of JSON.
func boundErrors(errs []jsonschema.FieldError, budget int) []jsonschema.FieldError {
	errs = errs[:min(len(errs), jsonschema.MaxErrors)]
	out := make([]jsonschema.FieldError, 0, len(errs))
	for _, fe := range errs {
		fe = boundError(fe)
		b, err := json.Marshal(fe)
		if err != nil { // an input that is not JSON-encodable
			fe.Input, fe.Ctx = nil, nil
			if b, err = json.Marshal(fe); err != nil {
				continue
			}
		}
		if budget -= len(b) + 1; budget < 0 {
			break
		}
		out = append(out, fe)
	}
	return out
}

// boundError cuts the texts of fe to httpx.MaxEchoBytes, its location to
// maxLoc steps, and leaves out an input or ctx longer than
// httpx.MaxEchoBytes of JSON. fe's own slices are not changed.
func boundError(fe jsonschema.FieldError) jsonschema.FieldError {
	fe.Msg = httpx.Clip(fe.Msg, httpx.MaxEchoBytes)
	loc, owned := fe.Loc, false
	if len(loc) > maxLoc {
		loc, owned = slices.Concat(loc[:maxLoc/2], []any{"…"}, loc[len(loc)-maxLoc/2:]), true
	}
	for i, l := range loc {
		if s, ok := l.(string); ok && len(s) > httpx.MaxEchoBytes {
			if !owned {
				loc, owned = slices.Clone(loc), true
			}
			loc[i] = httpx.Clip(s, httpx.MaxEchoBytes)
		}
	}
	fe.Loc = loc
	if !echoFits(fe.Input) {
		fe.Input = nil
	}
	if fe.Ctx != nil && !echoFits(fe.Ctx) {
		fe.Ctx = nil
	}
	return fe
}

// echoFits reports whether v is at most httpx.MaxEchoBytes of JSON.
func echoFits(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		if len(v) > httpx.MaxEchoBytes {
			return false
		}
	}
	b, err := json.Marshal(v)
	return err == nil && len(b) <= httpx.MaxEchoBytes
}

// HTTPValidationError is the body of a 422 answer in FastAPI's style
// (dynroute.FastAPIErrors): the problems found, as FastAPI lists them.
type HTTPValidationError struct {
	Detail []jsonschema.FieldError `json:"detail" doc:"every problem found"`
}

// HTTPError is the body of the other error answers in FastAPI's style.
type HTTPError struct {
	Detail string `json:"detail" doc:"what is wrong"`
}

// WriteFastAPIError writes an error as FastAPI does, for clients written
// for it (dynroute.FastAPIErrors): application/json with StatusOf(err); a
// *ValidationError as {"detail": [{"loc", "msg", "type", "input", "ctx"},
// ...]}, bounded as WriteProblem bounds its list, anything else as
// {"detail": "..."} with the detail WriteProblem would give, or the status
// text.
func WriteFastAPIError(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	var body []byte
	var merr error
	if ve, ok := errors.AsType[*ValidationError](err); ok {
		body, merr = json.Marshal(HTTPValidationError{Detail: boundErrors(ve.Errors, maxProblemBytes-2*httpx.MaxEchoBytes)})
	} else {
		detail := http.StatusText(status)
		if se, ok := errors.AsType[*StatusError](err); ok && se.Detail != "" {
			detail = se.Detail
		} else if !ok && status < 500 {
			detail = err.Error()
		}
		body, merr = json.Marshal(HTTPError{Detail: httpx.Clip(detail, httpx.MaxEchoBytes)})
	}
	if merr != nil { // an input that is not JSON-encodable
		body, _ = json.Marshal(HTTPError{Detail: http.StatusText(status)})
	}
	if status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close") // the rest of the body is not read
	}
	httpx.WriteJSON(w, status, body)
}
