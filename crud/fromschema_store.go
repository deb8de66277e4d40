package crud

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynroute/dynroute/internal/sqlname"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
)

// rowStore is the Store of the routes FromSchema generates: the rows of one
// table as JSON objects, column name → value. The SQL is sqlTable's, over
// the columns the catalog names; keys arrive as path text and are converted
// to the key column's type.
//
// Create inserts the columns the item has, so the database fills in the
// others (defaults, generated keys). Replace writes every column a client
// may set: the value the item has, or NULL for a nullable column it lacks;
// a NOT NULL column it lacks (one with a default, or it would be required)
// keeps its value. Patch writes NULL for every column the patch removed,
// so that removing a NOT NULL one is refused. Read-only and generated
// columns and the key are never written.
type rowStore struct {
	sqlTable
	cols   []rowColumn // the exposed columns, in the order of sqlTable.fields
	quoted string      // the table
	ret    string      // RETURNING every exposed column
}

var _ Store[map[string]any, string] = (*rowStore)(nil)

// rowColumn is one exposed column of a rowStore.
type rowColumn struct {
	dbColumn
	write      bool // clients set it: not the key, not read-only, not generated
	textTimes  bool // SQLite: times are written as RFC 3339 text
	jsonSchema *jsonschema.Schema
}

// sqliteTimeLayout writes times to SQLite in UTC with nine fraction digits,
// so that their text sorts in time order and equal times have equal text.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// newRowStore returns the store of the exposed columns cols of t; key is the
// index of the key in cols.
func newRowStore(db *sql.DB, dialect Dialect, t *dbTable, cols []rowColumn, key int) *rowStore {
	s := &rowStore{sqlTable: sqlTable{db: db, what: "FromSchema " + t.name, dialect: dialect, key: key,
		byJSON: make(map[string]int, len(cols))}, cols: cols, quoted: t.quoted}
	s.fields = make([]sqlField, len(cols))
	for i := range cols {
		c := &s.cols[i]
		c.textTimes = dialect != PostgreSQL
		s.fields[i] = sqlField{column: c.name, quoted: sqlname.Quote(c.name), json: c.name, nullable: !c.notNull, filter: c.toSQL}
		s.byJSON[c.name] = i
	}
	s.prepareReads(t.quoted)
	s.ret = s.returning()
	return s
}

// toSQL converts a JSON value of the column (as encoding/json decodes into
// an any, or a Filter value) to a bound parameter.
func (c *rowColumn) toSQL(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	mismatch := func(want string) error { return fmt.Errorf("want %s, not a %s", want, jsonTypeName(v)) }
	switch c.kind {
	case kindInteger:
		n, ok := filterInt(v)
		if !ok {
			return nil, mismatch("an integer")
		}
		if c.bits > 0 && c.bits < 64 {
			if lim := int64(1) << (c.bits - 1); n < -lim || n >= lim {
				return nil, fmt.Errorf("%d does not fit a %d-bit integer column", n, c.bits)
			}
		}
		return n, nil
	case kindNumber:
		switch v := v.(type) {
		case float64:
			return v, nil
		case int64:
			return float64(v), nil
		case json.Number:
			if f, err := v.Float64(); err == nil {
				return f, nil
			}
			return nil, fmt.Errorf("%s does not fit a 64-bit float", v)
		}
		return nil, mismatch("a number")
	case kindBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, mismatch("a boolean")
	case kindDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, mismatch("an RFC 3339 date-time")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, errors.New("want an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
		}
		if c.textTimes {
			return t.UTC().Format(sqliteTimeLayout), nil
		}
		return t.UTC(), nil
	case kindDate:
		s, ok := v.(string)
		if !ok {
			return nil, mismatch("a date")
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, errors.New("want a date such as 2024-05-01")
		}
		return s, nil
	case kindBlob:
		s, ok := v.(string)
		if !ok {
			return nil, mismatch("base64 text")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errors.New("want base64 text (RFC 4648, with padding)")
		}
		return b, nil
	case kindText:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, mismatch("a string")
	}
	// kindJSON, kindAny: JSON scalars as they are, the rest as JSON text.
	switch v := v.(type) {
	case string, bool, int64, float64:
		if c.kind == kindAny {
			return v, nil
		}
	case json.Number:
		if c.kind == kindAny {
			return numberArg(v), nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// numberArg is a JSON number as a bound value: an int64 when it is an
// integer that fits, else a float64 (or its text, if it fits no float64).
func numberArg(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

// jsonTypeName names the JSON type of a decoded value, for messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, int64, json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// fromSQL converts a value as the driver gives it to the column's JSON
// value. A value that does not fit the column's type (SQLite stores any
// value in any column) is given as it is, as text if it has no JSON form.
func (c *rowColumn) fromSQL(src any) any {
	if b, ok := src.([]byte); ok && c.kind != kindBlob && c.kind != kindAny {
		src = string(b)
	}
	if src == nil {
		return nil
	}
	switch c.kind {
	case kindInteger:
		switch v := src.(type) {
		case float64:
			if n, ok := filterInt(v); ok {
				return n
			}
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	case kindNumber:
		switch v := src.(type) {
		case int64:
			return float64(v)
		case string: // PostgreSQL's numeric
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f
			}
		}
	case kindBoolean:
		switch v := src.(type) {
		case int64:
			return v != 0
		case string:
			if b, err := strconv.ParseBool(v); err == nil {
				return b
			}
		}
	case kindDateTime, kindDate:
		if _, isNumber := src.(int64); !isNumber {
			if t, err := sqlTime(src); err == nil {
				if c.kind == kindDate {
					return t.Format(time.DateOnly)
				}
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
	case kindBlob:
		switch v := src.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(v)
		case string:
			return base64.StdEncoding.EncodeToString([]byte(v))
		}
	case kindJSON:
		if s, ok := src.(string); ok {
			if json.Valid([]byte(s)) {
				return json.RawMessage(s)
			}
			return s
		}
	}
	switch v := src.(type) {
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return strconv.FormatFloat(v, 'g', -1, 64) // JSON has no such numbers
		}
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return base64.StdEncoding.EncodeToString(v)
	}
	return src
}

// keyArg converts a key given in the path to a bound value of the key
// column, or a *typed.ValidationError (422) at path.id.
func (s *rowStore) keyArg(id string) (any, error) {
	c := &s.cols[s.key]
	v, err := filterValue(c.jsonSchema, id)
	msg := ""
	if err == nil {
		v, err = c.toSQL(v)
		msg = "Input is not a valid key: "
	}
	if err != nil {
		return nil, &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"path", "id"},
			Msg: msg + err.Error(), Type: "key_parsing", Input: id}}}
	}
	return v, nil
}

// rowValues receives the values of a row of the exposed columns; one serves
// every row of a query.
type rowValues struct {
	vals  []any
	dests []any
}

func (s *rowStore) newRowValues() *rowValues {
	rv := &rowValues{vals: make([]any, len(s.cols)), dests: make([]any, len(s.cols))}
	for i := range rv.vals {
		rv.dests[i] = &rv.vals[i]
	}
	return rv
}

// scan reads one row with scan (Row.Scan or Rows.Scan).
func (s *rowStore) scan(rv *rowValues, scan func(...any) error) (map[string]any, error) {
	if err := scan(rv.dests...); err != nil {
		return nil, err
	}
	item := make(map[string]any, len(s.cols))
	for i := range s.cols {
		item[s.cols[i].name] = s.cols[i].fromSQL(rv.vals[i])
		rv.vals[i] = nil
	}
	return item, nil
}

// List implements Store.
func (s *rowStore) List(ctx context.Context, q ListQuery) ([]map[string]any, int, error) {
	rv := s.newRowValues()
	return listPage(ctx, &s.sqlTable, q, func(scan func(...any) error, item *map[string]any) error {
		var err error
		*item, err = s.scan(rv, scan)
		return err
	})
}

// Get implements Store.
func (s *rowStore) Get(ctx context.Context, id string) (map[string]any, error) {
	k, err := s.keyArg(id)
	if err != nil {
		return nil, err
	}
	item, err := s.scan(s.newRowValues(), s.db.QueryRowContext(ctx, s.getSQL, k).Scan)
	if err != nil {
		return nil, s.failAt("get "+id, []any{"path", "id"}, err)
	}
	return item, nil
}

// Create implements Store: it inserts the columns item has.
func (s *rowStore) Create(ctx context.Context, item map[string]any) (map[string]any, error) {
	var cols []string
	var args []any
	for i := range s.cols {
		c := &s.cols[i]
		v, ok := item[c.name]
		if !ok || !c.write && i != s.key {
			continue
		}
		a, err := c.toSQL(v)
		if err != nil {
			return nil, bodyError(c.name, v, err)
		}
		if err := refuseNUL(c.name, a); err != nil {
			return nil, err
		}
		cols = append(cols, s.fields[i].quoted)
		args = append(args, a)
	}
	var query string
	if len(cols) == 0 {
		query = "INSERT INTO " + s.quoted + " DEFAULT VALUES" + s.ret
	} else {
		ps := make([]string, len(cols))
		for i := range ps {
			ps[i] = s.placeholder(i + 1)
		}
		query = "INSERT INTO " + s.quoted + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ps, ", ") + ")" + s.ret
	}
	stored, err := s.scan(s.newRowValues(), s.db.QueryRowContext(ctx, query, args...).Scan)
	if err != nil {
		return nil, s.failAt("create", []any{"body"}, err)
	}
	return stored, nil
}

// bodyError is the 422 of a member whose value does not fit its column.
func bodyError(name string, v any, err error) error {
	return &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"body", name}, Msg: "Input does not fit the column: " + err.Error(),
		Type: "value_error", Input: v}}}
}

// Replace implements Store.
func (s *rowStore) Replace(ctx context.Context, id string, item map[string]any) (map[string]any, error) {
	k, err := s.keyArg(id)
	if err != nil {
		return nil, err
	}
	stored, err := s.update(ctx, s.db, k, item)
	if err != nil {
		return nil, s.failAt("replace "+id, []any{"body"}, err)
	}
	return stored, nil
}

// update writes item to the row of key k and returns the row.
func (s *rowStore) update(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, k any, item map[string]any) (map[string]any, error) {
	var set []string
	var args []any
	for i := range s.cols {
		c := &s.cols[i]
		if !c.write {
			continue
		}
		v, ok := item[c.name]
		if !ok && c.notNull {
			continue // it has a default, and keeps its value
		}
		a, err := c.toSQL(v)
		if err != nil {
			return nil, bodyError(c.name, v, err)
		}
		if err := refuseNUL(c.name, a); err != nil {
			return nil, err
		}
		args = append(args, a)
		set = append(set, s.fields[i].quoted+" = "+s.placeholder(len(args)))
	}
	key := s.fields[s.key].quoted
	if len(set) == 0 {
		set = []string{key + " = " + key}
	}
	args = append(args, k)
	query := "UPDATE " + s.quoted + " SET " + strings.Join(set, ", ") + " WHERE " + key + " = " + s.placeholder(len(args)) + s.ret
	return s.scan(s.newRowValues(), q.QueryRowContext(ctx, query, args...).Scan)
}

// Patch implements Store: the read, apply and write happen in one
// transaction, with the row locked from the read, as in SQLStore.Patch.
func (s *rowStore) Patch(ctx context.Context, id string, apply func(item *map[string]any) error) (map[string]any, error) {
	op := "patch " + id
	k, err := s.keyArg(id)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	item, err := s.scan(s.newRowValues(), tx.QueryRowContext(ctx, s.lockSQL, k).Scan)
	if err != nil {
		return nil, s.failAt(op, []any{"path", "id"}, err)
	}
	if err := apply(&item); err != nil {
		return nil, err
	}
	for i := range s.cols {
		if c := &s.cols[i]; c.write && c.notNull {
			if _, ok := item[c.name]; !ok {
				item[c.name] = nil // the patch removed it: the database refuses that (422)
			}
		}
	}
	stored, err := s.update(ctx, tx, k, item)
	if err != nil {
		return nil, s.failAt(op, []any{"body"}, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.fail(op, err)
	}
	return stored, nil
}

// Delete implements Store. A row other rows refer to (a FOREIGN KEY
// constraint) is ErrConflict.
func (s *rowStore) Delete(ctx context.Context, id string) error {
	k, err := s.keyArg(id)
	if err != nil {
		return err
	}
	if err := s.delete(ctx, "delete "+id, k); err != nil {
		return s.failAt("delete "+id, []any{"path", "id"}, err)
	}
	return nil
}
