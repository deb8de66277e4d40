package crud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
)

// ErrUnsupportedTable: FromSchema cannot serve a table, or cannot serve all
// of it: it has no single-column primary key, it is a virtual table, its
// name is not a path segment, a column clients cannot set is NOT NULL
// without a default, or a column's name is not valid UTF-8 (JSON cannot name it; the
// table is served without it, or skipped if it is the key). Lenient FromSchema logs these and goes on; strict returns them.
var ErrUnsupportedTable = errors.New("unsupported table")

// FromSchemaOptions configures FromSchema. A nil *FromSchemaOptions means
// the defaults. Every table and column the options name must exist, or
// FromSchema fails with ErrInvalidOptions.
type FromSchemaOptions struct {
	// Tables are the tables to serve; nil means every table.
	Tables []string
	// Exclude are tables not to serve.
	Exclude []string
	// Columns maps a table to the columns its routes expose, of which the
	// primary key is always one; a table not in the map exposes all.
	Columns map[string][]string
	// ReadOnly maps a table to columns clients may not set (say, a
	// created_at the database fills in): they are left out of the create,
	// replace and patch bodies and never written. The key and generated
	// columns are read-only anyway.
	ReadOnly map[string][]string
	// Prefix is put before every table's path: "/api" serves
	// /api/products. It may have parameters, as dynroute.CheckPrefix
	// allows ("/tenants/{tenant}"), but not {id}. Default "": /products.
	Prefix string
	// Tags of every route; nil means one tag per table, its name.
	Tags []string
	// Operations are the routes of each table; nil means all six.
	Operations []Operation
	// Dialect is the SQL of the database, as in SQLStoreOptions; default:
	// detected from the driver.
	Dialect Dialect
	// Schema is the PostgreSQL schema whose tables are served; default
	// "public". On SQLite it must be "" or "main".
	Schema string
	// DefaultLimit, MaxLimit and MaxBodyBytes are those of Options.
	DefaultLimit, MaxLimit int
	MaxBodyBytes           int64
	// Schemas is the registry the tables' schemas are documented in; nil
	// means a new one. Each table's row schema is the component named
	// after the table ("order_items" → OrderItems), beside OrderItemsCreate
	// and OrderItemsPatch.
	Schemas *jsonschema.Registry
	// Strict makes every table FromSchema cannot fully serve an error
	// (ErrUnsupportedTable), and then no route is added. By default such a
	// table is skipped, or served without what it cannot do, with a
	// warning in Logger.
	Strict bool
	// Logger receives the warnings, and the store errors the routes answer
	// 500; nil means slog.Default().
	Logger *slog.Logger
}

// FromSchema serves the tables of a live database as a REST API, as
// PostgREST does: it reads the catalog (SQLite's sqlite_master and pragma
// table_xinfo; PostgreSQL's information_schema for FromSchemaOptions.Schema)
// and registers CRUD routes for each table, at Prefix + "/" + table, with a
// JSON Schema of its rows built from the column types. Given
//
//	CREATE TABLE products (
//		id      INTEGER PRIMARY KEY AUTOINCREMENT,
//		name    TEXT NOT NULL,
//		sku     VARCHAR(20) NOT NULL UNIQUE,
//		price   REAL NOT NULL DEFAULT 0,
//		note    TEXT,
//		added   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
//	)
//
// it serves GET and POST /products and GET, PUT, PATCH and DELETE
// /products/{id}, as Register describes, with rows as JSON objects:
// {"id": 1, "name": "pen", "sku": "P-1", "price": 1.5, "note": null,
// "added": "2024-05-01T12:00:00Z"}. name and sku are required (NOT NULL
// without a default), note may be null, and id is read-only.
//
// # Columns
//
// Column types map to JSON Schema types, by name, else by SQLite's
// affinity rules:
//
//	integer types (INTEGER, BIGINT, int4 …)  integer, format int64 (int32 with bounds for PostgreSQL integer and smallint)
//	REAL, DOUBLE, NUMERIC, DECIMAL           number (a PostgreSQL numeric is read as a float64)
//	BOOLEAN                                  boolean (SQLite's 0 and 1 too)
//	TEXT, VARCHAR(n), CHAR(n)                string, maxLength n; PostgreSQL uuid: format uuid
//	DATETIME, TIMESTAMP(TZ)                  string, format date-time (RFC 3339, given in UTC)
//	DATE                                     string, format date
//	BLOB, bytea                              string, contentEncoding base64
//	JSON, jsonb; SQLite columns of no type   any JSON value
//	other PostgreSQL types (enums, arrays)   string: their PostgreSQL text form
//
// Integers keep every digit both ways, also beyond 2^53 (bodies are decoded
// with json.Number, not float64).
//
// A NOT NULL column without a default is required; a nullable column may
// be null, and null or absent is NULL. Create inserts the members a body
// has, so the database fills in the others; replace writes every column
// clients may set, NULL for a nullable one the body lacks, while a NOT NULL
// column it lacks (one with a default) keeps its value; a merge patch that
// sets a NOT NULL column to null is refused (422). SQLite
// stores date-times as RFC 3339 text in UTC with nine fraction digits, so
// that they sort in order and a filter matches the text; rows written by
// other programs in other layouts are read but do not match filters.
//
// # Keys
//
// The table's single-column primary key is the id. A key the database
// assigns (SQLite's INTEGER PRIMARY KEY, SERIAL, IDENTITY, a DEFAULT) is
// left to it on create and returned (RETURNING). A table whose key it does
// not assign (a TEXT code, a UUID the application makes) takes the key from
// the create body, where it is required (Options.ClientKeys): POST
// {"code": "FP-42", ...} creates the row /items/FP-42, and a key that is
// taken is a 409. PUT never creates: it replaces the row its path names. The id in the path is converted to the key column's type: an
// id that does not fit (abc for an integer key) is a *typed.ValidationError, a
// 422 at path.id of type key_parsing, as Register answers its own key types.
// A value the database refuses is a 422 too (NOT NULL, CHECK, a type or
// range the schema does not say), a FOREIGN KEY violation a 409, like a
// UNIQUE one; a string holding U+0000 is refused up front, as SQLStore
// refuses it.
//
// Tables without a single-column primary key, views, virtual tables and
// tables whose names are not path segments are skipped with a warning (an error
// with FromSchemaOptions.Strict), and nothing is skipped silently: every
// table the options select (SQLite's own sqlite_* tables aside) is served or
// named in a warning. Identifiers come only from the catalog and are quoted;
// every value is a bound parameter. The routes of all tables are added in one step, all or
// none, and errors wrap ErrInvalidOptions, ErrUnsupportedTable or the
// router's errors.
func FromSchema(ctx context.Context, rt *dynroute.Router, db *sql.DB, opts *FromSchemaOptions) error {
	var o FromSchemaOptions
	if opts != nil {
		o = *opts
	}
	fail := func(err error) error { return fmt.Errorf("dynroute: crud.FromSchema: %w", err) }
	if rt == nil || db == nil {
		return fail(fmt.Errorf("%w: nil Router or database", ErrInvalidOptions))
	}
	if err := dynroute.CheckPrefix(o.Prefix); err != nil {
		return fail(err)
	}
	dialect := o.Dialect
	switch dialect {
	case DetectDialect:
		if dialect = detectDialect(db.Driver()); dialect == DetectDialect {
			return fail(fmt.Errorf("%w: cannot tell the SQL dialect of driver %T: set Dialect", ErrInvalidOptions, db.Driver()))
		}
	case SQLite, PostgreSQL:
	default:
		return fail(fmt.Errorf("%w: unknown Dialect %d", ErrInvalidOptions, dialect))
	}
	schema := o.Schema
	switch {
	case dialect == PostgreSQL && schema == "":
		schema = "public"
	case dialect == SQLite && schema != "" && schema != "main":
		return fail(fmt.Errorf("%w: Schema %q: on SQLite FromSchema serves the main schema", ErrInvalidOptions, schema))
	}
	tables, err := introspect(ctx, db, dialect, schema)
	if err != nil {
		return fail(err)
	}
	if err := checkSchemaOptions(tables, &o); err != nil {
		return fail(err)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	reg := o.Schemas
	if reg == nil {
		reg = jsonschema.NewRegistry(nil)
	}
	// Every CRUD documents these; registered first, their names are taken.
	for _, t := range []reflect.Type{reflect.TypeFor[dynroute.Problem](), reflect.TypeFor[typed.ValidationProblem]()} {
		if _, err := reg.Schema(t); err != nil {
			return fail(err)
		}
	}
	taken := reg.Components()

	// The routes go to a Router of their own, then into rt in one Include.
	sub := dynroute.New(&dynroute.Options{Docs: &dynroute.DocsOptions{Disabled: true}})
	var problems, errs []error
	served := 0
	for i := range tables {
		t := &tables[i]
		if o.Tables != nil && !slices.Contains(o.Tables, t.name) || slices.Contains(o.Exclude, t.name) {
			continue
		}
		plan, skip, warnings := planTable(t, &o, taken)
		for _, w := range warnings {
			if o.Strict {
				problems = append(problems, fmt.Errorf("%w: table %q: %s", ErrUnsupportedTable, t.name, w))
			} else {
				logger.WarnContext(ctx, "dynroute: crud.FromSchema serves a table in part", "table", t.name, "problem", w)
			}
		}
		if skip != "" {
			if o.Strict {
				problems = append(problems, fmt.Errorf("%w: table %q: %s", ErrUnsupportedTable, t.name, skip))
			} else {
				logger.WarnContext(ctx, "dynroute: crud.FromSchema skips a table", "table", t.name, "reason", skip)
			}
			continue
		}
		store := newRowStore(db, dialect, t, plan.cols, plan.key)
		plan.crud.Schemas, plan.crud.Logger = reg, o.Logger
		plan.crud.Source = dynroute.Source{Table: t.name}
		plan.crud.exactNumbers = true // toSQL takes json.Number: BIGINTs keep every digit
		if err := Register(sub, "/"+t.name, Store[map[string]any, string](store), &plan.crud); err != nil {
			errs = append(errs, err)
		}
		served++
	}
	if len(problems) > 0 {
		return fail(errors.Join(problems...))
	}
	if len(errs) > 0 {
		return fail(errors.Join(errs...))
	}
	if served == 0 {
		logger.WarnContext(ctx, "dynroute: crud.FromSchema found no table to serve", "schema", schema)
		return nil
	}
	if err := rt.Include(o.Prefix, sub, nil); err != nil {
		return fail(err)
	}
	return nil
}

// checkSchemaOptions checks that every table and column the options name
// exists.
func checkSchemaOptions(tables []dbTable, o *FromSchemaOptions) error {
	byName := make(map[string]*dbTable, len(tables))
	for i := range tables {
		byName[tables[i].name] = &tables[i]
	}
	var errs []error
	table := func(option, name string) *dbTable {
		t := byName[name]
		if t == nil {
			errs = append(errs, fmt.Errorf("%w: %s names table %q, which the schema does not have", ErrInvalidOptions, option, name))
		}
		return t
	}
	for _, name := range o.Tables {
		table("Tables", name)
	}
	for _, name := range o.Exclude {
		table("Exclude", name)
	}
	for _, option := range []struct {
		name string
		m    map[string][]string
	}{{"Columns", o.Columns}, {"ReadOnly", o.ReadOnly}} {
		for _, name := range slices.Sorted(maps.Keys(option.m)) {
			t := table(option.name, name)
			if t == nil {
				continue
			}
			for _, col := range option.m[name] {
				if !slices.ContainsFunc(t.columns, func(c dbColumn) bool { return c.name == col }) {
					errs = append(errs, fmt.Errorf("%w: %s names column %q of table %q, which it does not have", ErrInvalidOptions, option.name, col, name))
				} else if cols, ok := o.Columns[name]; ok && option.name == "ReadOnly" && !slices.Contains(cols, col) &&
					(t.key < 0 || t.columns[t.key].name != col) {
					errs = append(errs, fmt.Errorf("%w: ReadOnly names column %q of table %q, which Columns does not expose", ErrInvalidOptions, col, name))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// tablePlan is how FromSchema serves one table.
type tablePlan struct {
	cols []rowColumn // exposed
	key  int         // in cols
	crud Options
}

// pathSegment is what a table name must be to be a literal path segment.
var pathSegment = regexp.MustCompile(`^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$`)

// planTable works out the columns, schema and CRUD options of t, or why it
// cannot be served (skip), and what it is served without (warnings). It
// marks the component names it uses in taken.
func planTable(t *dbTable, o *FromSchemaOptions, taken map[string]*jsonschema.Schema) (plan *tablePlan, skip string, warnings []string) {
	if t.unsupported != "" {
		return nil, t.unsupported, nil
	}
	if !pathSegment.MatchString(t.name) {
		return nil, "its name is not a path segment (letters, digits and _ - . ~)", nil
	}
	name := jsonschema.ComponentName(t.name)
	names := []string{name, name + "Create", name + "Patch"}
	if !t.keyGenerated {
		names = append(names, name+"Replace") // ClientKeys
	}
	for _, n := range names {
		if _, ok := taken[n]; ok {
			return nil, fmt.Sprintf("its schema name %s is taken by another table or component", n), nil
		}
	}
	expose, limited := o.Columns[t.name]
	readOnly := o.ReadOnly[t.name]
	ops := o.Operations
	if ops == nil {
		ops = []Operation{List, Create, Get, Replace, Patch, Delete}
	}
	plan = &tablePlan{key: -1}
	item := &jsonschema.Schema{Type: "object", Description: "A row of table " + t.name + "."}
	for i := range t.columns {
		c := &t.columns[i]
		isKey := i == t.key
		hidden := limited && !isKey && !slices.Contains(expose, c.name)
		if !utf8.ValidString(c.name) {
			// No JSON member can name it: encoding/json would write U+FFFD,
			// and a write of that member back could never reach the column.
			if isKey {
				return nil, fmt.Sprintf("the name of its key column %q is not valid UTF-8", c.name), nil
			}
			if !hidden {
				warnings = append(warnings, fmt.Sprintf("column %q: its name is not valid UTF-8, which JSON cannot carry: served without it", c.name))
			}
			hidden = true
		}
		ro := c.generated || slices.Contains(readOnly, c.name)
		if (hidden || ro) && !isKey && c.notNull && !c.hasDefault && !c.generated && slices.Contains(ops, Create) {
			warnings = append(warnings, fmt.Sprintf("column %q is NOT NULL without a default, and clients cannot set it: creates will fail", c.name))
		}
		if hidden {
			continue
		}
		if isKey {
			plan.key = len(plan.cols)
		}
		s := columnSchema(c, isKey, t.keyGenerated)
		plan.cols = append(plan.cols, rowColumn{dbColumn: *c, write: !isKey && !ro, jsonSchema: s})
		item.Properties = append(item.Properties, jsonschema.Property{Name: c.name, Schema: s})
		if isKey || c.notNull && !c.hasDefault && !c.generated {
			item.Required = append(item.Required, c.name)
		}
		if ro && !isKey {
			plan.crud.ReadOnly = append(plan.crud.ReadOnly, c.name)
		}
	}
	for _, n := range names {
		taken[n] = item
	}
	tags := o.Tags
	if tags == nil {
		tags = []string{t.name}
	}
	plan.crud = Options{Name: t.name, Tags: tags, IDField: t.columns[t.key].name, ReadOnly: plan.crud.ReadOnly, ClientKeys: !t.keyGenerated,
		Operations: ops, DefaultLimit: o.DefaultLimit, MaxLimit: o.MaxLimit, MaxBodyBytes: o.MaxBodyBytes,
		Schema: item, SchemaName: name}
	return plan, "", warnings
}

// columnSchema is the JSON Schema of a column's values.
func columnSchema(c *dbColumn, key, keyGenerated bool) *jsonschema.Schema {
	desc := c.sqlType
	if desc == "" {
		desc = "no declared type"
	}
	s := &jsonschema.Schema{}
	switch c.kind {
	case kindInteger:
		s.Type, s.Format = "integer", "int64"
		if c.bits < 64 {
			s.Format = "int32"
			lim := float64(int64(1) << (c.bits - 1))
			s.Minimum, s.Maximum = ptr(-lim), ptr(lim-1)
		}
	case kindNumber:
		s.Type = "number"
	case kindBoolean:
		s.Type = "boolean"
	case kindText:
		s.Type, s.Format = "string", c.format
		if c.maxLen > 0 {
			s.MaxLength = ptr(c.maxLen)
		}
	case kindDateTime:
		s.Type, s.Format = "string", "date-time"
	case kindDate:
		s.Type, s.Format = "string", "date"
	case kindBlob:
		s.Type, s.ContentEncoding = "string", "base64"
	case kindJSON:
		desc += ", any JSON value"
	}
	switch {
	case key && keyGenerated:
		desc += ", primary key, assigned by the database"
	case key:
		desc += ", primary key"
	case c.generated:
		desc += ", generated by the database"
	}
	s.Description = desc
	s.Nullable = !c.notNull && !key && s.Type != ""
	return s
}
