package crud

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynroute/dynroute/internal/sqlname"
	"github.com/dynroute/dynroute/jsonschema"
	"github.com/dynroute/dynroute/typed"
)

// ErrInvalidQuery: a ListQuery names a field the store does not map to a
// column, or a filter value does not fit its field.
var ErrInvalidQuery = errors.New("invalid list query")

// Dialect is the SQL a store speaks: how it writes bound parameters, and
// what it relies on the database for.
type Dialect int

const (
	// DetectDialect, the zero value, tells the dialect from the driver's
	// Go package: one whose path holds "sqlite" is SQLite; "pgx", "lib/pq"
	// or "postgres", PostgreSQL. NewSQLStore fails for any other driver:
	// set the dialect.
	DetectDialect Dialect = iota
	// SQLite writes ? and speaks SQLite (3.35 or later, for RETURNING).
	SQLite
	// PostgreSQL writes $1, $2, … and speaks PostgreSQL: Patch locks the row
	// with SELECT … FOR UPDATE, and sorting puts NULLs where SQLite does
	// (first ascending, last descending).
	PostgreSQL
)

// SQLStoreOptions configures NewSQLStore. A nil *SQLStoreOptions means the
// defaults.
type SQLStoreOptions struct {
	// Dialect is the SQL the store speaks; default: detected from the
	// driver (see DetectDialect).
	Dialect Dialect
	// KeyColumn is the column of the key, which must be a column of T of
	// type K. Default: the field tagged db:"id", else the field whose JSON
	// member is "id".
	KeyColumn string
	// GeneratedKeys says the database assigns keys (INTEGER PRIMARY KEY,
	// SERIAL, IDENTITY, a DEFAULT): Create leaves the key column out of
	// the INSERT when the item's key is the zero value, and returns the
	// key the database chose.
	GeneratedKeys bool
	// ReadOnly are columns the store never writes: the database fills
	// them in (a DEFAULT, a trigger, a generated column) and every
	// statement reads them back. Give the columns of Options.ReadOnly
	// here, or their zero values are written.
	ReadOnly []string
}

// SQLStore is a Store over a table of a database/sql database: each
// exported field of T tagged db:"column" is a column (db:"-" and untagged
// fields are not stored; embedded structs without a tag are flattened), and
// one of them is the key. ListQuery fields are the JSON member names of
// those fields (encoding/json's rules), which the store maps to columns.
//
// Field types may be strings, integers, floats, bools, time.Time, []byte,
// pointers to these (NULL is nil), sql.Null* and any type that implements
// sql.Scanner (reading) and driver.Valuer (writing). The SQL holds only
// keywords, placeholders and the table and column names, which NewSQLStore
// checks and quotes; every value, key, limit and offset is a bound
// parameter.
//
// Every statement returns the row as the database stored it (RETURNING,
// which SQLite has since 3.35), so Create and the changes return what Get
// would. Unique and primary-key violations are ErrConflict, a missing
// key ErrNotFound, in errors that name the table and the operation. What the
// database refuses of a value is the client's mistake, not the server's: a
// CHECK or NOT NULL violation, or a value of a type or range the column
// does not take, is a *typed.ValidationError (422), and a FOREIGN KEY
// violation ErrConflict (409), each with a message of the library's own;
// the database's text stays in the wrapped error, for the log. A string
// holding the NUL character (U+0000) is refused before the database sees
// it, with a 422 of type string_nul at the member, although JSON allows
// it: PostgreSQL refuses it in text, and SQLite's string functions stop at
// it, so a CHECK on length() would judge a shorter string than the one
// stored. (The memory store and other stores keep such strings.)
//
// # Filters and sorting
//
// A filter value is first made a value of its field's type (a time.Time
// from RFC 3339 text, a []byte from base64, a type with UnmarshalJSON from
// its JSON) and bound as a write would bind it; a nil value matches NULL.
// Equality and order are then the database's: on SQLite, where times are
// stored as the driver's text, a time matches only a time stored in the
// same location (store UTC); text sorts by each database's collation.
// Sorting always ends with the key, so pages are stable.
//
// # Concurrency
//
// Patch reads, changes and writes the row in one transaction. On
// PostgreSQL it locks the row with SELECT … FOR UPDATE, at the database's
// default isolation (READ COMMITTED), so concurrent patches of a row queue
// behind each other and none is lost. On SQLite it first takes the
// database's write lock with a no-op UPDATE of the row (UPDATE triggers
// fire for it too), so patches are serialised with every other write;
// set a busy timeout in the DSN (modernc.org/sqlite:
// _pragma=busy_timeout(10000)) so that writers wait for each other rather
// than fail with SQLITE_BUSY, and prefer _pragma=journal_mode(WAL), where
// readers never wait for writers.
//
// List reads the page and, only when the page alone does not tell the
// total (a full page, or an empty one past the first), counts in a second
// query: a change committed between the two can make the total differ from
// the page by that change.
type SQLStore[T any, K comparable] struct {
	sqlTable
	generated bool
	readOnly  []bool // per field: never written

	insertSQL    string // every column
	insertGenSQL string // every column but the key
	updateSQL    string // every column but the key, then the key
}

// sqlTable is what does not depend on the item type: the columns, the
// statements that read, page and delete, and the mapping of errors. SQLStore
// and the map-row store of FromSchema share it.
type sqlTable struct {
	db      *sql.DB
	what    string // "SQLStore products", for messages
	dialect Dialect
	fields  []sqlField // in column order
	key     int        // index of the key in fields
	byJSON  map[string]int

	selectSQL, countSQL string // SELECT cols FROM t; SELECT count(*) FROM t
	getSQL, lockSQL     string
	deleteSQL           string
}

var _ Store[struct{}, int] = (*SQLStore[struct{}, int])(nil)

// sqlField is one column of a SQLStore: where it is in T and how its
// values travel, worked out once by NewSQLStore.
type sqlField struct {
	column, quoted string
	json           string // the JSON member, "" if encoding/json skips it
	index          []int
	typ            reflect.Type
	nullable       bool // the Go type holds NULL (sorting names NULLS FIRST/LAST)
	// arg returns the field's value as a bound parameter.
	arg func(reflect.Value) (any, error)
	// set, if not nil, stores a value as the driver gives it (src is the
	// driver's until the next row); otherwise rows are scanned straight into
	// the field.
	set func(v reflect.Value, src any) error
	// filter converts a Filter value to a bound parameter.
	filter func(any) (any, error)
}

// sqlColumnName is what NewSQLStore accepts as a column name.
var sqlColumnName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

var (
	sqlBytesType   = reflect.TypeFor[[]byte]()
	sqlValuerType  = reflect.TypeFor[driver.Valuer]()
	sqlScannerType = reflect.TypeFor[sql.Scanner]()
	sqlTimeForms   = []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999 -0700 MST", // time.Time.String, modernc.org/sqlite's default
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
		"2006-01-02",
	}
)

// NewSQLStore returns a store of the items of type T in table, a name of
// letters, digits and underscores, optionally schema-qualified. Names are
// double-quoted in the SQL, which makes them case-sensitive on PostgreSQL:
// give tables and columns created unquoted there in lower case. It checks
// T and the options, not the table: a missing table or column is an error
// of the first statement that needs it. Errors wrap ErrInvalidOptions.
func NewSQLStore[T any, K comparable](db *sql.DB, table string, opts *SQLStoreOptions) (*SQLStore[T, K], error) {
	var o SQLStoreOptions
	if opts != nil {
		o = *opts
	}
	t := reflect.TypeFor[T]()
	fail := func(format string, args ...any) (*SQLStore[T, K], error) {
		return nil, fmt.Errorf("dynroute: crud.NewSQLStore[%v] table %q: %w: %s", t, table, ErrInvalidOptions, fmt.Sprintf(format, args...))
	}
	if db == nil {
		return fail("nil database")
	}
	if !sqlname.ValidTable(table) {
		return fail("want a table name of letters, digits and underscores, or schema.table")
	}
	if t.Kind() != reflect.Struct {
		return fail("the item type is not a struct")
	}
	s := &SQLStore[T, K]{sqlTable: sqlTable{db: db, what: "SQLStore " + table, dialect: o.Dialect, key: -1}, generated: o.GeneratedKeys}
	readOnly := o.ReadOnly
	switch s.dialect {
	case DetectDialect:
		s.dialect = detectDialect(db.Driver())
		if s.dialect == DetectDialect {
			return fail("cannot tell the SQL dialect of driver %T: set Dialect", db.Driver())
		}
	case SQLite, PostgreSQL:
	default:
		return fail("unknown Dialect %d", s.dialect)
	}
	fields, err := sqlFields(t, nil)
	if err != nil {
		return fail("%v", err)
	}
	if len(fields) == 0 {
		return fail("no field has a db tag")
	}
	s.fields = fields
	s.byJSON = make(map[string]int)
	for _, jf := range jsonschema.Fields(t) {
		for i := range fields {
			if slices.Equal(fields[i].index, jf.Index) {
				fields[i].json = jf.Name
				s.byJSON[jf.Name] = i
			}
		}
	}
	for i, f := range fields {
		if slices.ContainsFunc(fields[:i], func(g sqlField) bool { return g.column == f.column }) {
			return fail("two fields have column %q", f.column)
		}
		switch {
		case o.KeyColumn != "":
			if f.column == o.KeyColumn {
				s.key = i
			}
		case f.column == "id":
			s.key = i
		case f.json == "id" && (s.key < 0 || fields[s.key].column != "id"):
			s.key = i
		}
	}
	s.readOnly = make([]bool, len(fields))
	for _, c := range readOnly {
		i := slices.IndexFunc(fields, func(f sqlField) bool { return f.column == c })
		switch {
		case i < 0:
			return fail("ReadOnly column %q is not a column of the item type", c)
		case i == s.key:
			return fail("ReadOnly column %q is the key; see GeneratedKeys", c)
		}
		s.readOnly[i] = true
	}
	if s.key < 0 {
		if o.KeyColumn != "" {
			return fail("KeyColumn %q is not a column of the item type", o.KeyColumn)
		}
		return fail("no column id and no JSON member id: set KeyColumn")
	}
	if kt, ft := reflect.TypeFor[K](), fields[s.key].typ; kt != ft {
		return fail("the key column %q holds %v, the key type is %v", fields[s.key].column, ft, kt)
	}
	s.prepareSQL(sqlname.QuoteTable(table))
	return s, nil
}

// detectDialect tells the dialect from the driver's package path, or
// returns DetectDialect.
func detectDialect(d driver.Driver) Dialect {
	t := reflect.TypeOf(d)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return DetectDialect
	}
	path := strings.ToLower(t.PkgPath())
	switch {
	case strings.Contains(path, "sqlite"):
		return SQLite
	case strings.Contains(path, "pgx"), strings.Contains(path, "lib/pq"), strings.Contains(path, "postgres"):
		return PostgreSQL
	}
	return DetectDialect
}

// prepareReads writes the statements of table (quoted) that read and delete.
func (t *sqlTable) prepareReads(table string) {
	key := t.fields[t.key].quoted
	returning := t.returning()
	t.selectSQL = "SELECT " + strings.TrimPrefix(returning, " RETURNING ") + " FROM " + table
	t.countSQL = "SELECT count(*) FROM " + table
	t.getSQL = t.selectSQL + " WHERE " + key + " = " + t.placeholder(1)
	if t.dialect == PostgreSQL {
		t.lockSQL = t.getSQL + " FOR UPDATE"
	} else {
		t.lockSQL = "UPDATE " + table + " SET " + key + " = " + key + " WHERE " + key + " = " + t.placeholder(1) + returning
	}
	t.deleteSQL = "DELETE FROM " + table + " WHERE " + key + " = " + t.placeholder(1)
}

// returning is the RETURNING clause of every column.
func (t *sqlTable) returning() string {
	cols := make([]string, len(t.fields))
	for i, f := range t.fields {
		cols[i] = f.quoted
	}
	return " RETURNING " + strings.Join(cols, ", ")
}

// prepareSQL writes the statements that do not depend on a query.
func (s *SQLStore[T, K]) prepareSQL(table string) {
	s.prepareReads(table)
	var cols, written, rest []string // all, written with the key, written without
	for i, f := range s.fields {
		cols = append(cols, f.quoted)
		if !s.readOnly[i] {
			written = append(written, f.quoted)
			if i != s.key {
				rest = append(rest, f.quoted)
			}
		}
	}
	all := strings.Join(cols, ", ")
	key := s.fields[s.key].quoted
	returning := " RETURNING " + all
	placeholders := func(from, n int) string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = s.placeholder(from + i)
		}
		return strings.Join(ps, ", ")
	}
	s.insertSQL = "INSERT INTO " + table + " (" + strings.Join(written, ", ") + ") VALUES (" + placeholders(1, len(written)) + ")" + returning
	if len(rest) == 0 {
		s.insertGenSQL = "INSERT INTO " + table + " DEFAULT VALUES" + returning
	} else {
		s.insertGenSQL = "INSERT INTO " + table + " (" + strings.Join(rest, ", ") + ") VALUES (" + placeholders(1, len(rest)) + ")" + returning
	}
	set := make([]string, len(rest))
	for i, c := range rest {
		set[i] = c + " = " + s.placeholder(i+1)
	}
	if len(set) == 0 {
		set = []string{key + " = " + key}
	}
	s.updateSQL = "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + key + " = " + s.placeholder(len(rest)+1) + returning
}

// placeholder is the n-th (1-based) parameter.
func (t *sqlTable) placeholder(n int) string {
	if t.dialect == PostgreSQL {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// fail wraps an error of operation op: sql.ErrNoRows as ErrNotFound, a
// unique violation as ErrConflict.
func (t *sqlTable) fail(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("dynroute: %s: %s: %w", t.what, op, ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("dynroute: %s: %s: %w: %w", t.what, op, ErrConflict, err)
	}
	return fmt.Errorf("dynroute: %s: %s: %w", t.what, op, err)
}

// isUniqueViolation reports whether err is a database's unique or
// primary-key violation, without importing any driver: PostgreSQL's
// SQLSTATE 23505 (pgx's *pgconn.PgError and lib/pq's *pq.Error have
// SQLState), SQLite's extended codes SQLITE_CONSTRAINT_PRIMARYKEY and
// SQLITE_CONSTRAINT_UNIQUE (modernc.org/sqlite's *sqlite.Error has Code),
// else the messages both databases write.
func isUniqueViolation(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState() == "23505"
	}
	var code interface{ Code() int }
	if errors.As(err, &code) && (code.Code() == 1555 || code.Code() == 2067) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "PRIMARY KEY must be unique") ||
		strings.Contains(msg, "duplicate key value violates unique constraint") || strings.Contains(msg, "(SQLSTATE 23505)")
}

// failAt wraps an error as sqlTable.fail does, and makes the database's
// refusal of a value a *typed.ValidationError at loc (422) and a FOREIGN KEY
// violation ErrConflict (409), as PostgREST answers them. Messages are
// fixed: the database's text may hold anything.
func (t *sqlTable) failAt(op string, loc []any, err error) error {
	if err == nil {
		return nil
	}
	var ve *typed.ValidationError
	if errors.As(err, &ve) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalidQuery) {
		return err
	}
	var msg, typ string
	switch sqlRefusal(err) {
	case "":
		return t.fail(op, err)
	case "foreign_key":
		return fmt.Errorf("dynroute: %s: %s: %w: %w", t.what, op, ErrConflict, err)
	case "not_null":
		msg, typ = "A column that may not be null would be null", "not_null_violation"
	case "check":
		msg, typ = "The item breaks a CHECK constraint of the table", "check_violation"
	default:
		msg, typ = "A value does not fit its column", "value_error"
		if len(loc) == 2 && loc[0] == "path" {
			msg, typ = "Input is not a valid key: the database refuses it", "key_parsing"
		}
	}
	return fmt.Errorf("dynroute: %s: %s: %w (%w)", t.what, op, &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: loc, Msg: msg, Type: typ}}}, err)
}

// sqlRefusal classifies a database error that refuses a value: "not_null",
// "check", "foreign_key", "data" (a value of the wrong type or out of
// range), or "" for any other error. It reads PostgreSQL's SQLSTATE and
// SQLite's extended result codes without importing a driver, as
// isUniqueViolation does.
func sqlRefusal(err error) string {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch c := state.SQLState(); {
		case c == "23502":
			return "not_null"
		case c == "23514":
			return "check"
		case c == "23503" || c == "23001":
			return "foreign_key"
		case strings.HasPrefix(c, "22"):
			return "data"
		}
		return ""
	}
	var code interface{ Code() int }
	if errors.As(err, &code) {
		switch code.Code() {
		case 1299: // SQLITE_CONSTRAINT_NOTNULL
			return "not_null"
		case 275: // SQLITE_CONSTRAINT_CHECK
			return "check"
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return "foreign_key"
		case 3091, 20: // SQLITE_CONSTRAINT_DATATYPE (STRICT tables), SQLITE_MISMATCH
			return "data"
		}
	}
	return ""
}

// refuseNUL returns a *typed.ValidationError (422) at body.name when the
// bound value a is a string holding U+0000. The SQL stores refuse such
// strings before the database sees them, although JSON allows them:
// PostgreSQL refuses NUL in text, and SQLite stores it but its string
// functions stop there, so that a CHECK on length() or a LIKE would judge
// another string than the one stored.
func refuseNUL(name string, a any) error {
	if s, ok := a.(string); !ok || strings.IndexByte(s, 0) < 0 {
		return nil
	}
	return &typed.ValidationError{Errors: []jsonschema.FieldError{{Loc: []any{"body", name},
		Msg: "Input should not contain the NUL character (U+0000)", Type: "string_nul", Input: a}}}
}

// args returns the bound values of the fields of item at indexes in fields
// but skip (-1: none), then extra.
func (s *SQLStore[T, K]) args(item *T, skip int, extra ...any) ([]any, error) {
	v := reflect.ValueOf(item).Elem()
	args := make([]any, 0, len(s.fields)+len(extra))
	for i := range s.fields {
		if i == skip || s.readOnly[i] {
			continue
		}
		f := &s.fields[i]
		a, err := f.arg(v.FieldByIndex(f.index))
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.column, err)
		}
		if err := refuseNUL(cmp.Or(f.json, f.column), a); err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return append(args, extra...), nil
}

// keyArg returns id as a bound value.
func (s *SQLStore[T, K]) keyArg(id K) (any, error) {
	return s.fields[s.key].arg(reflect.ValueOf(&id).Elem())
}

// setKey sets the key field of item to id.
func (s *SQLStore[T, K]) setKey(item *T, id K) {
	reflect.ValueOf(item).Elem().FieldByIndex(s.fields[s.key].index).Set(reflect.ValueOf(id))
}

// rowScanner reads rows of the store's columns into items; one serves all
// rows of a query.
type rowScanner struct {
	dests   []any
	setters []fieldSetter
}

// fieldSetter is the scan destination of a field with a set function.
type fieldSetter struct {
	set func(v reflect.Value, src any) error
	v   reflect.Value
}

// Scan implements sql.Scanner.
func (fs *fieldSetter) Scan(src any) error { return fs.set(fs.v, src) }

func (s *SQLStore[T, K]) newRowScanner() *rowScanner {
	rs := &rowScanner{dests: make([]any, len(s.fields)), setters: make([]fieldSetter, len(s.fields))}
	for i := range s.fields {
		rs.setters[i].set = s.fields[i].set
	}
	return rs
}

// scan reads one row into item with scan (Row.Scan or Rows.Scan).
func (s *SQLStore[T, K]) scan(rs *rowScanner, scan func(...any) error, item *T) error {
	v := reflect.ValueOf(item).Elem()
	for i := range s.fields {
		f := &s.fields[i]
		if f.set != nil {
			rs.setters[i].v = v.FieldByIndex(f.index)
			rs.dests[i] = &rs.setters[i]
		} else {
			rs.dests[i] = v.FieldByIndex(f.index).Addr().Interface()
		}
	}
	return scan(rs.dests...)
}

// queryRow runs a statement that returns one row of the store's columns.
func (s *SQLStore[T, K]) queryRow(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, args ...any) (T, error) {
	var item T
	err := s.scan(s.newRowScanner(), q.QueryRowContext(ctx, query, args...).Scan, &item)
	return item, err
}

// List implements Store.
func (s *SQLStore[T, K]) List(ctx context.Context, q ListQuery) ([]T, int, error) {
	rs := s.newRowScanner()
	return listPage(ctx, &s.sqlTable, q, func(scan func(...any) error, item *T) error {
		return s.scan(rs, scan, item)
	})
}

// listPage runs the query of the page q selects and reads each row into an
// item with read, then finds the total: the List of SQLStore and of the
// map-row store of FromSchema.
func listPage[E any](ctx context.Context, t *sqlTable, q ListQuery, read func(scan func(...any) error, item *E) error) ([]E, int, error) {
	query, pageArgs, where, args, err := t.listSQL(q)
	if err != nil {
		return nil, 0, err
	}
	rows, err := t.db.QueryContext(ctx, query, pageArgs...)
	if err != nil {
		return nil, 0, t.failAt("list", []any{"query"}, err)
	}
	defer rows.Close()
	items := make([]E, 0, max(min(q.Limit, 1024), 0))
	scan := rows.Scan // one method value for all rows
	for rows.Next() {
		items = append(items, *new(E))
		if err := read(scan, &items[len(items)-1]); err != nil {
			return nil, 0, t.fail("list", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, t.failAt("list", []any{"query"}, err)
	}
	total, err := t.listTotal(ctx, q, len(items), where, args)
	if err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

// listSQL writes the query of the page q selects, with its parameters, and
// the WHERE clause of q's filters, with theirs (for the count).
func (t *sqlTable) listSQL(q ListQuery) (query string, pageArgs []any, where string, args []any, err error) {
	where, args, err = t.where(q.Filters)
	if err != nil {
		return "", nil, "", nil, err
	}
	if q.Offset < 0 {
		return "", nil, "", nil, fmt.Errorf("dynroute: %s: list: %w: offset %d is negative", t.what, ErrInvalidQuery, q.Offset)
	}
	var b strings.Builder
	b.WriteString(t.selectSQL)
	b.WriteString(where)
	order := make([]string, 0, len(q.Sort)+1)
	keySorted := false
	for _, k := range q.Sort {
		i, ok := t.byJSON[k.Field]
		if !ok {
			return "", nil, "", nil, fmt.Errorf("dynroute: %s: list: %w: cannot sort by %q: no column has that JSON name", t.what, ErrInvalidQuery, k.Field)
		}
		f := &t.fields[i]
		term := f.quoted
		if k.Desc {
			term += " DESC"
		}
		if f.nullable && t.dialect == PostgreSQL {
			// As SQLite sorts them, and MemoryStore.
			if k.Desc {
				term += " NULLS LAST"
			} else {
				term += " NULLS FIRST"
			}
		}
		order = append(order, term)
		keySorted = keySorted || i == t.key
	}
	if !keySorted {
		order = append(order, t.fields[t.key].quoted)
	}
	b.WriteString(" ORDER BY ")
	b.WriteString(strings.Join(order, ", "))
	n := len(args)
	pageArgs = slices.Clip(args)
	switch {
	case q.Limit > 0:
		fmt.Fprintf(&b, " LIMIT %s OFFSET %s", t.placeholder(n+1), t.placeholder(n+2))
		pageArgs = append(pageArgs, int64(q.Limit), int64(q.Offset))
	case t.dialect == PostgreSQL:
		fmt.Fprintf(&b, " OFFSET %s", t.placeholder(n+1))
		pageArgs = append(pageArgs, int64(q.Offset))
	default:
		fmt.Fprintf(&b, " LIMIT -1 OFFSET %s", t.placeholder(n+1))
		pageArgs = append(pageArgs, int64(q.Offset))
	}
	return b.String(), pageArgs, where, args, nil
}

// listTotal returns how many rows match q's filters, given that the page
// of q has n rows: from the page when it ends the list, else counted.
func (t *sqlTable) listTotal(ctx context.Context, q ListQuery, n int, where string, args []any) (int, error) {
	if n > 0 && (q.Limit <= 0 || n < q.Limit) || n == 0 && q.Offset == 0 {
		return q.Offset + n, nil // the page ends the list
	}
	var total int
	if err := t.db.QueryRowContext(ctx, t.countSQL+where, args...).Scan(&total); err != nil {
		return 0, t.fail("list: count", err)
	}
	return total, nil
}

// where returns the WHERE clause of filters, with its parameters from $1.
func (t *sqlTable) where(filters []Filter) (string, []any, error) {
	if len(filters) == 0 {
		return "", nil, nil
	}
	var b strings.Builder
	args := make([]any, 0, len(filters))
	for i, flt := range filters {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		j, ok := t.byJSON[flt.Field]
		if !ok {
			return "", nil, fmt.Errorf("dynroute: %s: list: %w: cannot filter by %q: no column has that JSON name", t.what, ErrInvalidQuery, flt.Field)
		}
		f := &t.fields[j]
		b.WriteString(f.quoted)
		if flt.Value == nil {
			b.WriteString(" IS NULL")
			continue
		}
		v, err := f.filter(flt.Value)
		if err != nil {
			return "", nil, fmt.Errorf("dynroute: %s: list: %w: filter %q (column %s): %w", t.what, ErrInvalidQuery, flt.Field, f.column, err)
		}
		args = append(args, v)
		b.WriteString(" = ")
		b.WriteString(t.placeholder(len(args)))
	}
	return b.String(), args, nil
}

// Get implements Store.
func (s *SQLStore[T, K]) Get(ctx context.Context, id K) (T, error) {
	k, err := s.keyArg(id)
	if err != nil {
		return *new(T), s.fail(fmt.Sprintf("get %v", id), err)
	}
	item, err := s.queryRow(ctx, s.db, s.getSQL, k)
	if err != nil {
		// A key the database refuses (not a UUID, say) is the client's.
		return *new(T), s.failAt(fmt.Sprintf("get %v", id), []any{"path", "id"}, err)
	}
	return item, nil
}

// Create implements Store. With GeneratedKeys and a zero key, the database
// chooses the key.
func (s *SQLStore[T, K]) Create(ctx context.Context, item T) (T, error) {
	query, skip := s.insertSQL, -1
	if s.generated && reflect.ValueOf(&item).Elem().FieldByIndex(s.fields[s.key].index).IsZero() {
		query, skip = s.insertGenSQL, s.key
	}
	args, err := s.args(&item, skip)
	if err != nil {
		return *new(T), s.failAt("create", []any{"body"}, err)
	}
	stored, err := s.queryRow(ctx, s.db, query, args...)
	if err != nil {
		return *new(T), s.failAt("create", []any{"body"}, err)
	}
	return stored, nil
}

// Replace implements Store.
func (s *SQLStore[T, K]) Replace(ctx context.Context, id K, item T) (T, error) {
	stored, err := s.update(ctx, s.db, id, &item)
	if err != nil {
		return *new(T), s.failAt(fmt.Sprintf("replace %v", id), []any{"body"}, err)
	}
	return stored, nil
}

// update writes item under id and returns the row.
func (s *SQLStore[T, K]) update(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id K, item *T) (T, error) {
	s.setKey(item, id)
	k, err := s.keyArg(id)
	if err != nil {
		return *new(T), err
	}
	args, err := s.args(item, s.key, k)
	if err != nil {
		return *new(T), err
	}
	return s.queryRow(ctx, q, s.updateSQL, args...)
}

// Patch implements Store: the read, apply and write happen in one
// transaction, with the row locked from the read (see SQLStore on
// concurrency). An error of apply is returned as it is, and nothing changes.
func (s *SQLStore[T, K]) Patch(ctx context.Context, id K, apply func(item *T) error) (T, error) {
	op := fmt.Sprintf("patch %v", id)
	k, err := s.keyArg(id)
	if err != nil {
		return *new(T), s.fail(op, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return *new(T), s.fail(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	item, err := s.queryRow(ctx, tx, s.lockSQL, k)
	if err != nil {
		return *new(T), s.failAt(op, []any{"path", "id"}, err)
	}
	if err := apply(&item); err != nil {
		return *new(T), err
	}
	stored, err := s.update(ctx, tx, id, &item)
	if err != nil {
		return *new(T), s.failAt(op, []any{"body"}, err)
	}
	if err := tx.Commit(); err != nil {
		return *new(T), s.fail(op, err)
	}
	return stored, nil
}

// Delete implements Store.
func (s *SQLStore[T, K]) Delete(ctx context.Context, id K) error {
	op := fmt.Sprintf("delete %v", id)
	k, err := s.keyArg(id)
	if err != nil {
		return s.fail(op, err)
	}
	return s.failAt(op, []any{"path", "id"}, s.delete(ctx, op, k))
}

// delete deletes the row of key k (a bound value), or returns ErrNotFound.
func (t *sqlTable) delete(ctx context.Context, op string, k any) error {
	res, err := t.db.ExecContext(ctx, t.deleteSQL, k)
	if err != nil {
		return t.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail(op, err)
	}
	if n == 0 {
		return t.fail(op, sql.ErrNoRows)
	}
	return nil
}
