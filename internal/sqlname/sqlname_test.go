package sqlname

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidTable(t *testing.T) {
	for _, s := range []string{"routes", "_r2", "public.routes", "a"} {
		assert.True(t, ValidTable(s), s)
	}
	for _, s := range []string{"", "1routes", "a.b.c", "routes;drop", `r"x`, "a-b", "a.", ".a"} {
		assert.False(t, ValidTable(s), s)
	}
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `"a""b"`, Quote(`a"b`))
	assert.Equal(t, `"public"."routes"`, QuoteTable("public.routes"))
	assert.Equal(t, `"routes"`, QuoteTable("routes"))
}

func TestTable(t *testing.T) {
	quoted, err := Table("public.routes")
	assert.NoError(t, err)
	assert.Equal(t, `"public"."routes"`, quoted)
	quoted, err = Table(`r"x`)
	assert.EqualError(t, err, `table name "r\"x": want an identifier of letters, digits and underscores, or schema.table`)
	assert.Empty(t, quoted)
}
