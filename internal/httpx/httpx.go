// Package httpx holds the small HTTP rules dynroute's packages share: what
// a token and a path parameter name are, which answers have a body, the
// default body limit, and how a problem document (RFC 9457) is sent.
package httpx

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxBodyBytes is the request body limit when none is set: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// BodyLimit resolves a body limit option: 0 means DefaultMaxBodyBytes, a
// negative value no limit (-1).
func BodyLimit(n int64) int64 {
	if n == 0 {
		return DefaultMaxBodyBytes
	}
	return max(n, -1)
}

// IsToken reports whether s is a non-empty RFC 9110 token: the syntax of
// methods and header and cookie names.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidParamName reports whether name can name a path parameter: any
// non-empty text, as OpenAPI allows ({role-name}, {id.v2}), but for '{',
// '}' and '/', which end it, ':', kept for convertors ({id:int}), '?' and
// '#', which no route path holds, control characters and white space, and
// "$", ServeMux's end anchor ({$}).
func ValidParamName(name string) bool {
	if name == "" || name == "$" {
		return false
	}
	for _, c := range name {
		if strings.ContainsRune("{}/:?#", c) || unicode.IsControl(c) || unicode.IsSpace(c) {
			return false
		}
	}
	return true
}

// BodyAllowed reports whether an answer with status may have a body.
func BodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// MaxEchoBytes bounds what a problem answer repeats of a request: a text
// (a message, a location, a detail) is cut to it, and an offending value
// longer than it in JSON is left out.
const MaxEchoBytes = 1024

// Clip returns s cut to at most n bytes on a UTF-8 boundary, with "…" in
// place of what was cut, so that an answer quoting a client's text stays
// bounded.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	i := max(n-len(ellipsis), 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ellipsis
}

// WriteProblem answers with body, an encoded problem document, as
// application/problem+json; every problem answer of dynroute goes here.
func WriteProblem(w http.ResponseWriter, status int, body []byte) {
	write(w, status, "application/problem+json", body)
}

// WriteJSON answers with body, an encoded JSON document, as
// application/json.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	write(w, status, "application/json", body)
}

// write answers with body and a newline, as json.Encoder ends a document,
// as contentType; nosniff keeps browsers from reading it as another type.
func write(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
