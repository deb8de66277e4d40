package testkit

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ValidOpenAPI checks an OpenAPI document with kin-openapi, listing every
// problem.
func ValidOpenAPI(t testing.TB, doc []byte) {
	t.Helper()
	d, err := openapi3.NewLoader().LoadFromData(doc)
	require.NoError(t, err)
	assert.NoError(t, d.Validate(context.Background(), openapi3.EnableMultiError()))
}
