package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestIsToken(t *testing.T) {
	for _, s := range []string{"GET", "X-Custom-Header", "a!#$%&'*+-.^_`|~9"} {
		assert.True(t, IsToken(s), s)
	}
	for _, s := range []string{"", "GE T", "a:b", "é", "a\x00", "(x)"} {
		assert.False(t, IsToken(s), s)
	}
}

func TestValidParamName(t *testing.T) {
	for _, s := range []string{"id", "_x", "productID", "ü2", "2a", "role-name", "a.b", "@user", "a$"} {
		assert.True(t, ValidParamName(s), s)
	}
	for _, s := range []string{"", "a b", "a/b", "a{b", "a}b", "id:int", "$", "a\x00", "a\tb"} {
		assert.False(t, ValidParamName(s), s)
	}
}

func TestBodyAllowed(t *testing.T) {
	assert.True(t, BodyAllowed(http.StatusOK))
	assert.True(t, BodyAllowed(http.StatusNotFound))
	for _, s := range []int{http.StatusContinue, http.StatusNoContent, http.StatusNotModified} {
		assert.False(t, BodyAllowed(s), s)
	}
}

func TestWriteProblem(t *testing.T) {
	w := httptest.NewRecorder()
	WriteProblem(w, http.StatusTeapot, []byte(`{"status":418}`))
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "{\"status\":418}\n", w.Body.String())
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusCreated, []byte(`{"id":1}`))
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "{\"id\":1}\n", w.Body.String())
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 8, "éé…"}, // never half a rune
		{"abc", 2, "…"},
	} {
		got := Clip(tt.s, tt.n)
		assert.Equal(t, tt.want, got, "%q %d", tt.s, tt.n)
		assert.True(t, utf8.ValidString(got))
		if len(tt.s) > tt.n {
			assert.LessOrEqual(t, len(got), max(tt.n, len("…")))
		}
	}
}
