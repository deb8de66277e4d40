package crud

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/dynroute/dynroute/internal/sqlname"
)

// columnKind is how the values of a column travel between JSON and SQL.
type columnKind int

const (
	kindAny      columnKind = iota // no declared type (SQLite): the value as the database has it
	kindInteger                    // int64 in JSON and SQL
	kindNumber                     // float64
	kindBoolean                    // bool
	kindText                       // string; also the text form of types FromSchema does not know
	kindDateTime                   // RFC 3339 text in JSON
	kindDate                       // YYYY-MM-DD text
	kindBlob                       // base64 text in JSON, bytes in SQL
	kindJSON                       // any JSON value, stored as its text
)

// dbColumn is one column of a table, as the catalog describes it.
type dbColumn struct {
	name       string
	sqlType    string // as the catalog writes it, for the documentation
	kind       columnKind
	bits       int    // integers: 16, 32 or 64
	maxLen     int    // text: the n of varchar(n); 0 unknown
	format     string // text: "uuid" for PostgreSQL's uuid
	notNull    bool
	hasDefault bool
	generated  bool // computed by the database (GENERATED ALWAYS): never written
	pk         int  // 1-based position in the primary key; 0 if not in it
}

// dbTable is one table of the catalog.
type dbTable struct {
	name         string
	quoted       string // schema-qualified on PostgreSQL
	columns      []dbColumn
	rowidAlias   bool   // SQLite: the key is an INTEGER PRIMARY KEY of a rowid table
	unsupported  string // why the table cannot be served; "" if it may be
	keyGenerated bool   // the database assigns keys on insert
	key          int    // index of the single primary-key column; -1 if none
}

// findKey sets key and keyGenerated, or unsupported when the table has no
// single-column primary key.
func (t *dbTable) findKey() {
	t.key = -1
	n := 0
	for i, c := range t.columns {
		if c.pk > 0 {
			n++
			t.key = i
		}
	}
	switch {
	case t.unsupported != "":
	case n == 0:
		t.unsupported = "it has no primary key"
	case n > 1:
		t.unsupported = fmt.Sprintf("its primary key has %d columns; FromSchema serves single-column keys", n)
	}
	if n != 1 {
		t.key = -1
		return
	}
	k := &t.columns[t.key]
	t.keyGenerated = k.hasDefault || k.generated || t.rowidAlias
	k.notNull = true // whatever the catalog says (SQLite allows NULL keys in rowid tables)
}

// introspect reads the tables of the database: SQLite's main schema, or the
// PostgreSQL schema named.
func introspect(ctx context.Context, db *sql.DB, dialect Dialect, schema string) ([]dbTable, error) {
	if dialect == PostgreSQL {
		return postgresTables(ctx, db, schema)
	}
	return sqliteTables(ctx, db)
}

// sqliteTablesSQL lists the tables and views of the main schema but
// SQLite's own, with their kind (views, virtual and shadow tables are not
// served, and are named in a warning) and whether they are WITHOUT ROWID,
// where an INTEGER PRIMARY KEY is not the rowid.
const (
	sqliteTablesSQL = `SELECT m.name, coalesce(l.type, m.type), coalesce(l.wr, 0) FROM sqlite_master AS m
	LEFT JOIN pragma_table_list AS l ON l.schema = 'main' AND l.name = m.name
	WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name`
	// For SQLite before 3.37, which has no table_list.
	sqliteTablesOldSQL = `SELECT name, CASE WHEN type = 'view' THEN 'view' WHEN sql LIKE 'CREATE VIRTUAL %' THEN 'virtual' ELSE 'table' END,
	upper(sql) LIKE '%WITHOUT ROWID%' FROM sqlite_master
	WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	// hidden is 1 for a virtual table's hidden column, 2 or 3 for a
	// generated column.
	sqliteColumnsSQL = `SELECT name, type, "notnull", dflt_value IS NOT NULL, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`
)

func sqliteTables(ctx context.Context, db *sql.DB) ([]dbTable, error) {
	rows, err := db.QueryContext(ctx, sqliteTablesSQL)
	if err != nil {
		rows, err = db.QueryContext(ctx, sqliteTablesOldSQL)
	}
	if err != nil {
		return nil, fmt.Errorf("reading sqlite_master: %w", err)
	}
	var tables []dbTable
	for rows.Next() {
		var t dbTable
		var kind string
		var withoutRowid bool
		if err := rows.Scan(&t.name, &kind, &withoutRowid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading sqlite_master: %w", err)
		}
		t.quoted = sqlname.Quote(t.name)
		switch kind {
		case "table":
		case "view":
			t.unsupported = msgView
		case "virtual":
			t.unsupported = "it is a virtual table"
		case "shadow":
			t.unsupported = "it is a shadow table of a virtual table"
		default:
			t.unsupported = "it is a " + kind
		}
		t.rowidAlias = !withoutRowid // until the key's type says otherwise
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("reading sqlite_master: %w", err)
	}
	for i := range tables {
		if err := sqliteColumns(ctx, db, &tables[i]); err != nil {
			return nil, err
		}
	}
	return tables, nil
}

// sqliteColumns reads the columns of t with pragma table_xinfo.
func sqliteColumns(ctx context.Context, db *sql.DB, t *dbTable) error {
	rows, err := db.QueryContext(ctx, sqliteColumnsSQL, t.name)
	if err != nil {
		return fmt.Errorf("reading the columns of table %q: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c dbColumn
		var hidden int
		if err := rows.Scan(&c.name, &c.sqlType, &c.notNull, &c.hasDefault, &c.pk, &hidden); err != nil {
			return fmt.Errorf("reading the columns of table %q: %w", t.name, err)
		}
		if hidden == 1 {
			continue
		}
		c.generated = hidden > 1
		sqliteKind(&c)
		t.columns = append(t.columns, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the columns of table %q: %w", t.name, err)
	}
	rowid := t.rowidAlias
	t.rowidAlias = false
	t.findKey()
	// Only "INTEGER PRIMARY KEY", spelled so, makes the key the rowid.
	t.rowidAlias = rowid && t.key >= 0 && strings.EqualFold(strings.TrimSpace(t.columns[t.key].sqlType), "INTEGER")
	t.keyGenerated = t.keyGenerated || t.rowidAlias
	return nil
}

// sqliteKind sets the kind of a column from its declared type: the names
// that say more than SQLite's type affinity first, then the affinity rules
// (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
func sqliteKind(c *dbColumn) {
	t := strings.ToUpper(strings.TrimSpace(c.sqlType))
	base, args, _ := strings.Cut(t, "(")
	base = strings.TrimSpace(base)
	c.bits = 64
	switch base {
	case "BOOLEAN", "BOOL":
		c.kind = kindBoolean
		return
	case "DATE":
		c.kind = kindDate
		return
	case "DATETIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE":
		c.kind = kindDateTime
		return
	case "JSON", "JSONB":
		c.kind = kindJSON
		return
	case "UUID":
		c.kind, c.format = kindText, "uuid"
		return
	}
	switch {
	case strings.Contains(t, "INT"):
		c.kind = kindInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		c.kind = kindText
		if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(args, ")"))); err == nil && n > 0 {
			c.maxLen = n
		}
	case t == "":
		c.kind = kindAny
	case strings.Contains(t, "BLOB"):
		c.kind = kindBlob
	default: // REAL, FLOAT, DOUBLE; NUMERIC, DECIMAL and every other name
		c.kind = kindNumber
	}
}

// msgView says why FromSchema does not serve a view.
const msgView = "it is a view, which has no primary key to serve its rows by; serve its table, or register a crud.Store of your own for it"

const (
	postgresTablesSQL = `SELECT table_name, table_type = 'VIEW' FROM information_schema.tables
	WHERE table_schema = $1 AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name`
	postgresColumnsSQL = `SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
	is_nullable = 'YES', column_default IS NOT NULL, is_identity = 'YES',
	coalesce(identity_generation, '') = 'ALWAYS' OR coalesce(is_generated, '') = 'ALWAYS'
	FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`
	postgresKeysSQL = `SELECT k.table_name, k.column_name, k.ordinal_position
	FROM information_schema.table_constraints AS c JOIN information_schema.key_column_usage AS k
	ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
	AND k.table_schema = c.table_schema AND k.table_name = c.table_name
	WHERE c.table_schema = $1 AND c.constraint_type = 'PRIMARY KEY'`
)

// postgresTables reads the base tables and views of schema from
// information_schema (which shows those the user has some privilege on);
// views are marked unsupported, to be named in a warning.
func postgresTables(ctx context.Context, db *sql.DB, schema string) ([]dbTable, error) {
	var tables []dbTable
	index := map[string]int{}
	err := queryEach(ctx, db, postgresTablesSQL, []any{schema}, func(scan func(...any) error) error {
		var t dbTable
		var view bool
		if err := scan(&t.name, &view); err != nil {
			return err
		}
		if view {
			t.unsupported = msgView
		}
		t.quoted = sqlname.Quote(schema) + "." + sqlname.Quote(t.name)
		index[t.name] = len(tables)
		tables = append(tables, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading information_schema.tables: %w", err)
	}
	err = queryEach(ctx, db, postgresColumnsSQL, []any{schema}, func(scan func(...any) error) error {
		var table, dataType, udt string
		var maxLen sql.NullInt64
		var c dbColumn
		var nullable, identity bool
		if err := scan(&table, &c.name, &dataType, &udt, &maxLen, &nullable, &c.hasDefault, &identity, &c.generated); err != nil {
			return err
		}
		i, ok := index[table]
		if !ok {
			return nil // a table the user may not see
		}
		c.notNull = !nullable
		c.hasDefault = c.hasDefault || identity
		c.maxLen = int(maxLen.Int64)
		postgresKind(&c, dataType, udt)
		tables[i].columns = append(tables[i].columns, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading information_schema.columns: %w", err)
	}
	err = queryEach(ctx, db, postgresKeysSQL, []any{schema}, func(scan func(...any) error) error {
		var table, column string
		var pos int
		if err := scan(&table, &column, &pos); err != nil {
			return err
		}
		if i, ok := index[table]; ok {
			for j := range tables[i].columns {
				if tables[i].columns[j].name == column {
					tables[i].columns[j].pk = pos
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the primary keys in information_schema: %w", err)
	}
	for i := range tables {
		tables[i].findKey()
	}
	return tables, nil
}

// queryEach runs query and calls row for each row.
func queryEach(ctx context.Context, db *sql.DB, query string, args []any, row func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// postgresKind sets the kind of a column from information_schema's
// data_type (udt_name for arrays and user-defined types). Types without a
// JSON counterpart (intervals, arrays, enums, network addresses …) travel
// as their PostgreSQL text form.
func postgresKind(c *dbColumn, dataType, udt string) {
	c.sqlType = dataType
	switch dataType {
	case "ARRAY", "USER-DEFINED":
		c.sqlType = udt
	case "character varying", "character":
		if c.maxLen > 0 {
			c.sqlType = fmt.Sprintf("%s(%d)", dataType, c.maxLen)
		}
	}
	c.bits = 64
	switch dataType {
	case "smallint":
		c.kind, c.bits = kindInteger, 16
	case "integer":
		c.kind, c.bits = kindInteger, 32
	case "bigint":
		c.kind = kindInteger
	case "numeric", "real", "double precision":
		c.kind = kindNumber
	case "boolean":
		c.kind = kindBoolean
	case "date":
		c.kind = kindDate
	case "timestamp without time zone", "timestamp with time zone":
		c.kind = kindDateTime
	case "bytea":
		c.kind = kindBlob
	case "json", "jsonb":
		c.kind = kindJSON
	case "uuid":
		c.kind, c.format = kindText, "uuid"
	default: // text, character varying, character, citext, enums, arrays, …
		c.kind = kindText
	}
}
