package dynroute

import (
	"encoding/json"
	"net/http"

	"github.com/dynroute/dynroute/internal/httpx"
)

// Problem is an RFC 9457 problem details document, the body of every error
// answer the Router writes itself (404, 405).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// ErrorStyle is the shape of error answers: see Options.ErrorStyle.
type ErrorStyle uint8

const (
	// ProblemDetails answers errors with RFC 9457 problem documents,
	// application/problem+json: {"type", "title", "status", "detail"}, a
	// validation error with "errors": [{"loc", "msg", "type", "input",
	// "ctx"}] besides. The default.
	ProblemDetails ErrorStyle = iota
	// FastAPIErrors answers errors as FastAPI does, application/json
	// {"detail": "Not Found"}, and a validation error (422) as
	// {"detail": [{"loc", "msg", "type", "input", "ctx"}]}, for clients
	// written for FastAPI. The 404, 405 and 500 details are FastAPI's
	// ("Not Found", "Method Not Allowed", "Internal Server Error").
	FastAPIErrors
)

// ErrorStyler is implemented by handlers that write error answers of their
// own (typed handlers; CRUD routes take the style of the Router given to
// crud.Register): a Router whose Options.ErrorStyle is not ProblemDetails
// serves, and documents, the handler WithErrorStyle returns in their place,
// and so does a Router that includes them (Include). Route.Handler stays
// the handler given.
type ErrorStyler interface {
	WithErrorStyle(ErrorStyle) http.Handler
}

// writeError answers status with detail in style: a problem+json document,
// or FastAPI's {"detail": ...}. A detail that quotes the request (its path)
// is cut to httpx.MaxEchoBytes.
func writeError(w http.ResponseWriter, style ErrorStyle, status int, detail string) {
	if style == FastAPIErrors {
		switch status {
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusInternalServerError:
			detail = http.StatusText(status)
		}
		body, err := json.Marshal(map[string]string{"detail": httpx.Clip(detail, httpx.MaxEchoBytes)})
		if err != nil { // a map of strings always marshals
			http.Error(w, http.StatusText(status), status)
			return
		}
		httpx.WriteJSON(w, status, body)
		return
	}
	writeProblem(w, status, detail)
}

// writeProblem answers with a problem+json document for status; a detail
// that quotes the request (its path) is cut to httpx.MaxEchoBytes.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	body, err := json.Marshal(Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: httpx.Clip(detail, httpx.MaxEchoBytes),
	})
	if err != nil { // a Problem of strings and an int always marshals
		http.Error(w, http.StatusText(status), status)
		return
	}
	httpx.WriteProblem(w, status, body)
}
