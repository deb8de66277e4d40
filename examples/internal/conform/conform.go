// Package conform checks, for the examples' tests, that a server answers as
// its own OpenAPI document says: every operation is called with a request
// made from the document (its examples and defaults, else the least value
// each schema allows), and kin-openapi's openapi3filter checks the request
// and the answer against the document.
package conform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Check calls every operation of the OpenAPI 3.0 document that the server
// at base (a URL on 127.0.0.1) serves at docPath, path by path and, on each,
// GET, POST, PUT, PATCH and then DELETE, and checks each request and answer
// against it. It returns the status each operation ("METHOD /path")
// answered with.
func Check(t *testing.T, base, docPath string) map[string]int {
	t.Helper()
	return CheckWith(t, base, docPath, nil)
}

// CheckWith is Check with credentials: API keys by the name of their
// apiKey scheme, presented where the scheme says to the operations whose
// security names it.
func CheckWith(t *testing.T, base, docPath string, keys map[string]string) map[string]int {
	t.Helper()
	res, err := http.Get(base + docPath)
	require.NoError(t, err)
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s", docPath)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)

	called := map[string]int{}
	paths := doc.Paths.Map()
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range paths {
			if !yield(p) {
				return
			}
		}
	}) {
		ops := paths[path].Operations()
		for _, method := range slices.SortedFunc(func(yield func(string) bool) {
			for m := range ops {
				if !yield(m) {
					return
				}
			}
		}, func(a, b string) int { return methodOrder(a) - methodOrder(b) }) {
			op := ops[method]
			name := method + " " + path
			t.Run(name, func(t *testing.T) {
				req := request(t, base, path, method, op, paths[path].Parameters)
				present(req, doc, op, keys)
				route, pathParams, err := router.FindRoute(req)
				require.NoError(t, err)
				in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
					Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
				require.NoError(t, openapi3filter.ValidateRequest(req.Context(), in), "the request made from the document")
				send := req.Clone(req.Context())
				if in.Request.GetBody != nil {
					send.Body, _ = in.Request.GetBody()
				}
				res, err := http.DefaultClient.Do(send)
				require.NoError(t, err)
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				require.NoError(t, err)
				called[name] = res.StatusCode
				out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode,
					Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
					Options: &openapi3filter.Options{IncludeResponseStatus: true}}
				assert.NoError(t, openapi3filter.ValidateResponse(req.Context(), out), "%s answered %d %s", name, res.StatusCode, body)
			})
		}
	}
	return called
}

// methodOrder orders the methods of a path: reads and creates first,
// DELETE last.
func methodOrder(m string) int {
	if i := slices.Index([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}, m); i >= 0 {
		return i
	}
	return 6
}

// request makes the request of an operation from its document.
func request(t *testing.T, base, path, method string, op *openapi3.Operation, shared openapi3.Parameters) *http.Request {
	t.Helper()
	query := url.Values{}
	header := http.Header{}
	for _, ref := range append(slices.Clone(shared), op.Parameters...) {
		p := ref.Value
		v := sample(p.Example, p.Schema)
		if p.In != "path" && !p.Required {
			continue
		}
		text := fmt.Sprint(v)
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(text))
		case "query":
			query.Set(p.Name, text)
		case "header":
			header.Set(p.Name, text)
		case "cookie":
			header.Add("Cookie", p.Name+"="+text)
		}
	}
	target := base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body []byte
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			b, err := json.Marshal(sample(mt.Example, mt.Schema))
			require.NoError(t, err)
			body = b
			header.Set("Content-Type", "application/json")
		} else if mt := rb.Value.Content.Get("application/merge-patch+json"); mt != nil {
			body = []byte("{}")
			header.Set("Content-Type", "application/merge-patch+json")
		}
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	if body != nil {
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return req
}

// sample is a value the schema allows: the example given, the schema's own
// example or default, else the least value of its type and limits.
func sample(example any, ref *openapi3.SchemaRef) any {
	if example != nil {
		return example
	}
	if ref == nil || ref.Value == nil {
		return "x"
	}
	s := ref.Value
	switch {
	case s.Example != nil:
		return s.Example
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		n := 1.0
		switch {
		case s.ExclusiveMin.Value != nil: // 3.1
			n = *s.ExclusiveMin.Value + 1
		case s.Min != nil:
			n = *s.Min
			if s.ExclusiveMin.IsTrue() { // 3.0
				n++
			}
		}
		if s.Type.Is("integer") {
			return int64(n)
		}
		return n + 0.5
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		var items []any
		for range max(int(s.MinItems), 1) {
			items = append(items, sample(nil, s.Items))
		}
		return items
	case s.Type.Is("object"):
		obj := map[string]any{}
		for _, name := range s.Required {
			obj[name] = sample(nil, s.Properties[name])
		}
		return obj
	}
	switch s.Format {
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "date":
		return "2024-01-01"
	case "email":
		return "ada@example.com"
	case "uuid":
		return "123e4567-e89b-12d3-a456-426614174000"
	case "uri":
		return "https://example.com/"
	}
	return strings.Repeat("a", max(int(s.MinLength), 1))
}

// present sets on req the API keys of the first alternative of op's
// security (else the document's) whose every scheme is an apiKey scheme
// with a key in keys.
func present(req *http.Request, doc *openapi3.T, op *openapi3.Operation, keys map[string]string) {
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, alt := range security {
		schemes := map[string]*openapi3.SecurityScheme{}
		for name := range alt {
			ref := doc.Components.SecuritySchemes[name]
			if _, ok := keys[name]; !ok || ref == nil || ref.Value == nil || ref.Value.Type != "apiKey" {
				schemes = nil
				break
			}
			schemes[name] = ref.Value
		}
		if len(schemes) == 0 {
			continue
		}
		for name, s := range schemes {
			switch s.In {
			case "header":
				req.Header.Set(s.Name, keys[name])
			case "query":
				q := req.URL.Query()
				q.Set(s.Name, keys[name])
				req.URL.RawQuery = q.Encode()
			case "cookie":
				req.AddCookie(&http.Cookie{Name: s.Name, Value: keys[name]})
			}
		}
		return
	}
}

// CheckSucceeds is Check for a server whose every operation must succeed
// (2xx) on the document's own request.
func CheckSucceeds(t *testing.T, base, docPath string) map[string]int {
	t.Helper()
	return CheckSucceedsWith(t, base, docPath, nil)
}

// CheckSucceedsWith is CheckSucceeds with API keys (see CheckWith).
func CheckSucceedsWith(t *testing.T, base, docPath string, keys map[string]string) map[string]int {
	t.Helper()
	called := CheckWith(t, base, docPath, keys)
	assert.NotEmpty(t, called, "the document has operations")
	for op, status := range called {
		assert.Less(t, status, 300, "%s answered %d to the document's own request", op, status)
	}
	return called
}
