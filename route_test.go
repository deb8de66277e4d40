package dynroute

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSingleMethod(t *testing.T) {
	standard := []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
	}
	for _, m := range standard {
		t.Run(m, func(t *testing.T) {
			assert.Equal(t, []string{m}, singleMethod(m))
			got, err := normalizeMethods([]string{m})
			require.NoError(t, err)
			assert.Equal(t, []string{m}, got)
			again, _ := normalizeMethods([]string{m})
			assert.Same(t, &got[0], &again[0], "one shared slice per method")
		})
	}
	for _, m := range []string{"get", "Get", "PROPFIND", ""} {
		assert.Nil(t, singleMethod(m), "%q", m)
	}
}
