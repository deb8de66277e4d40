package typed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
// validation; Errors lists every problem found (the first 100).
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

// WriteProblem is the default error writer of typed handlers: an
// application/problem+json answer (RFC 9457) with StatusOf(err). The
// detail is that of a *StatusError, or the text of another error with a
// StatusCode method below 500; a *ValidationError adds its errors. The text
// of other errors is not shown: it may hold anything.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	p := ValidationProblem{Problem: dynroute.Problem{Type: "about:blank", Title: title, Status: status}}
	if ve, ok := errors.AsType[*ValidationError](err); ok {
		p.Detail = validationSummary(len(ve.Errors))
		p.Errors = ve.Errors
	} else if se, ok := errors.AsType[*StatusError](err); ok {
		p.Detail = se.Detail
	} else if status < 500 {
		p.Detail = err.Error()
	}
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
