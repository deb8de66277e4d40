package pgnotify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// DefaultChannel is the channel the trigger notifies when none is given.
const DefaultChannel = "dynroute_routes"

// VersionsTable is the table, in the routes table's schema, that holds the
// version of each routes table the trigger follows.
const VersionsTable = "dynroute_versions"

// ErrInvalidName: a table or channel name is not an identifier.
var ErrInvalidName = errors.New("invalid table or channel name")

var (
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	tableName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$`)
)

// triggerSQL installs the versions table, the trigger function and the
// trigger. %[1]s is the schema prefix ("" or `"s".`), %[2]s the quoted
// routes table, %[3]s the channel and %[4]s the table as named, both as
// SQL literals of checked identifiers. search_path FROM CURRENT makes the
// function find the versions table whatever the writer's search_path.
const triggerSQL = `CREATE TABLE IF NOT EXISTS %[1]s` + VersionsTable + ` (
	source  text PRIMARY KEY, -- the routes table, as Install named it
	version bigint NOT NULL,  -- bumped once by each transaction that writes it
	xact    bigint            -- the transaction that bumped it last
);

CREATE OR REPLACE FUNCTION %[1]sdynroute_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $dynroute$
DECLARE
	v bigint;
BEGIN
	-- One bump and one notification per transaction: later statements of
	-- the transaction that bumped it find its xact and do nothing.
	INSERT INTO %[1]s` + VersionsTable + ` AS t (source, version, xact)
	VALUES (TG_ARGV[1], 1, txid_current())
	ON CONFLICT (source) DO UPDATE SET version = t.version + 1, xact = excluded.xact
	WHERE t.xact IS DISTINCT FROM excluded.xact
	RETURNING t.version INTO v;
	IF v IS NOT NULL THEN
		PERFORM pg_notify(TG_ARGV[0], v || ' ' || TG_ARGV[1]);
	END IF;
	RETURN NULL;
END
$dynroute$;

INSERT INTO %[1]s` + VersionsTable + ` (source, version) VALUES (%[4]s, 1) ON CONFLICT (source) DO NOTHING;

DROP TRIGGER IF EXISTS dynroute_notify ON %[2]s;
CREATE TRIGGER dynroute_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %[2]s
FOR EACH STATEMENT EXECUTE FUNCTION %[1]sdynroute_notify(%[3]s, %[4]s);
`

// TriggerSQL returns the SQL Install runs, for a migration tool: the
// versions table, the trigger function and the trigger on table that
// notifies channel ("" means DefaultChannel). table is a name dynroute.LoadSQL
// accepts, routes or schema.routes; the versions table and the function go
// into the same schema (the current one for a bare name). Run it in one
// transaction; it may be run again.
func TriggerSQL(table, channel string) (string, error) {
	if channel == "" {
		channel = DefaultChannel
	}
	if !tableName.MatchString(table) || !identifier.MatchString(channel) {
		return "", fmt.Errorf("pgnotify: %w: table %q, channel %q: want identifiers of letters, digits and underscores (schema.table for a table)", ErrInvalidName, table, channel)
	}
	return fmt.Sprintf(triggerSQL, schemaPrefix(table), quoteTable(table), literal(channel), literal(table)), nil
}

// Install runs TriggerSQL(table, channel) in a transaction, under an
// advisory lock so that instances installing it at the same start do not
// race. It is idempotent: the trigger is replaced, the version kept.
func Install(ctx context.Context, db *sql.DB, table, channel string) error {
	stmts, err := TriggerSQL(table, channel)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("pgnotify: install the trigger on %s: %w", table, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('dynroute_notify'))`); err != nil {
		return fmt.Errorf("pgnotify: install the trigger on %s: %w", table, err)
	}
	if _, err := tx.ExecContext(ctx, stmts); err != nil {
		return fmt.Errorf("pgnotify: install the trigger on %s: %w", table, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("pgnotify: install the trigger on %s: %w", table, err)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + s + `"` } // s is a checked identifier

func quoteTable(table string) string {
	if schema, name, ok := strings.Cut(table, "."); ok {
		return quoteIdent(schema) + "." + quoteIdent(name)
	}
	return quoteIdent(table)
}

// schemaPrefix is `"schema".` for schema.table, "" for a bare name.
func schemaPrefix(table string) string {
	if schema, _, ok := strings.Cut(table, "."); ok {
		return quoteIdent(schema) + "."
	}
	return ""
}

func literal(s string) string { return "'" + s + "'" } // s is a checked identifier or table name
