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
