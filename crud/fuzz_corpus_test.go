package crud

import (
	"strings"
	"testing"

	"github.com/dynroute/dynroute/internal/testkit"
)

// TestFuzzCorpus checks the seed corpus of FuzzFromSchema.
// TestMain bounds how long go test -fuzz minimizes an input (see
// testkit.Main).
func TestMain(m *testing.M) { testkit.Main(m) }

func TestFuzzCorpus(t *testing.T) {
	c := testkit.Corpus{}
	add := c.Add
	// Tables as FromSchema meets them: the declared types of SQLite and
	// PostgreSQL DDL, and the values other programs leave in them.
	for _, s := range []struct {
		table, column, typ string
		kind               uint8
		value              string
	}{
		{"products", "name", "VARCHAR(255) NOT NULL", 0, "Widget"},
		{"products", "price", "NUMERIC(12,4)", 3, "19.99"},
		{"products", "stock", "SMALLINT", 2, "32767"},
		{"users", "email", "CHARACTER VARYING(320)", 0, "ann@example.org"},
		{"users", "created_at", "TIMESTAMP WITH TIME ZONE", 0, "2024-05-06T07:08:09.123456789Z"},
		{"users", "born", "DATE", 0, "1970-01-01"},
		{"users", "active", "BOOLEAN NOT NULL DEFAULT 1", 2, "1"},
		{"users", "active", "BOOL", 0, "t"},
		{"order_items", "qty", "INTEGER CHECK (qty > 0)", 2, "3"},
		{"order_items", "meta", "JSON", 0, `[1,"two",{"3":null}]`},
		{"images", "png", "BLOB", 4, "\x89PNG\r\n\x1a\n"},
		{"events", "at", "DATETIME", 2, "1714979289"},
		{"events", "at", "DATETIME", 0, "2024-05-06 07:08"},
		{"notes", "body", "CLOB", 0, strings.Repeat("lorem ipsum ", 100)},
		{"measures", "value", "DOUBLE", 3, "-1.7976931348623157e308"},
		{"tokens", "id_hex", "UUID", 0, "123e4567-e89b-12d3-a456-426614174000"},
	} {
		add("FuzzFromSchema", s.table, s.column, s.typ, s.kind, s.value)
	}
	testkit.CheckFuzzCorpus(t, c)
}
