// Command crud serves create, read, update and delete routes for two Go
// models, products and users, stored in SQLite: crud.Register over a
// crud.SQLStore per table, with the models' JSON Schemas in /docs. The
// FastAPI way is a loop of add_api_route calls and dynamic pydantic models;
// here it is one call per model.
//
// The database is a file in a temporary directory, removed on exit, or the
// file given with -db, kept. The program creates the tables if they are
// missing (models.go), with the models' rules as CHECK and UNIQUE
// constraints. Each model gets six routes:
//
//	GET    /products        list: ?limit=20&offset=0&sort=-price,name&stock=0 → {items, total, limit, offset}
//	POST   /products        create: 201 and Location: /products/{id}
//	GET    /products/{id}   read
//	PUT    /products/{id}   replace
//	PATCH  /products/{id}   change some members (JSON merge patch; null removes the note)
//	DELETE /products/{id}   204
//
// Bodies are validated with the model's schema (a 422 lists every problem),
// a UNIQUE column taken already (a user's email, a product's sku) is a 409,
// and a missing id a 404, all as application/problem+json. Filters, sort
// keys and ids are checked against the model before any SQL is written, and
// every value is a bound parameter.
//
// With -schema the program serves every table of an existing SQLite file
// instead (-db is required then), and creates nothing in it:
// crud.FromSchema reads the tables and their columns and registers the
// same six routes for each table at /<table>, with a JSON Schema built from
// the column types, NOT NULL and the primary key. A table it cannot serve
// (no single-column primary key, say) is skipped with a warning.
//
//	go run ./examples/crud                          # a temporary database, 127.0.0.1:8000
//	go run ./examples/crud -db shop.db              # a file of your own, kept
//	go run ./examples/crud -db shop.db -schema      # every table of shop.db, from its schema
//	go run ./examples/crud -routes                  # print the route table and exit
//
//	curl -i --json '{"name":"fountain pen","sku":"FP-0042","price":12.5,"stock":3}' localhost:8000/products
//	curl -i 'localhost:8000/products?sort=-price&limit=10'
//	curl -i -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"stock":2}' localhost:8000/products/1
//	curl -i --json '{"email":"ada@example.com","name":"Ada"}' localhost:8000/users
//	curl -i --json '{"email":"ADA@example.com","name":"Ada"}' localhost:8000/users   # 409
//	curl -i --json '{"email":"nope","name":""}' localhost:8000/users                 # 422, two problems
//	curl -i -X DELETE localhost:8000/users/1
//
// Open http://127.0.0.1:8000/docs for every route with its schemas (the
// document is at /openapi.json).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/crud"
	_ "github.com/dynroute/dynroute/docsui" // /docs and /redoc without a network
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/openapi"
)

// newRouter builds the API on db: the two models' CRUD routes, with their
// tables created if missing, or with schema set the routes FromSchema makes
// for every table of db.
func newRouter(ctx context.Context, db *sql.DB, schema bool, logger *slog.Logger) (*dynroute.Router, error) {
	opts := &dynroute.Options{
		Title:       "dynroute CRUD",
		Version:     "1.0.0",
		Description: "Create, read, update and delete routes for Go models stored in SQLite.",
		Tags: []openapi.Tag{
			{Name: "Products", Description: "The shop's products: the Product model, table products."},
			{Name: "Users", Description: "The shop's users: the User model, table users. Emails are unique."},
		},
	}
	if schema {
		// One tag per table, named after it.
		opts.Description = "Create, read, update and delete routes for every table of a SQLite database, from its schema."
		opts.Tags = nil
	}
	rt := dynroute.New(opts)
	if schema {
		if err := crud.FromSchema(ctx, rt, db, &crud.FromSchemaOptions{Logger: logger}); err != nil {
			return nil, err
		}
		return rt, nil
	}
	if err := createTables(ctx, db); err != nil {
		return nil, err
	}
	if err := addModels(rt, db, logger); err != nil {
		return nil, err
	}
	return rt, nil
}

// openDB opens the SQLite database in file, with foreign keys enforced.
// Writers wait for each other (busy_timeout) rather than fail and, with wal,
// readers never wait for writers; that mode stays with the file, so it is
// not set on a database -schema is given.
func openDB(file string, wal bool) (*sql.DB, error) {
	dsn := "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	if wal {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	return sql.Open("sqlite", dsn)
}

// Serving.

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.StringVar(&o.db, "db", "", "SQLite database `file`; default: a new file in a temporary directory, removed on exit")
	flag.BoolVar(&o.schema, "schema", false, "serve every table of the existing -db file, from its schema, instead of the two models")
	flag.BoolVar(&o.routes, "routes", false, "print the route table and exit")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(o, os.Stdout, logger))
}

// options are the command-line flags.
type options struct {
	addr, db       string
	schema, routes bool
}

// run does what the flags ask and returns the exit code: 0, 1 for a
// failure, 2 for flags that do not go together.
func run(o options, stdout io.Writer, logger *slog.Logger) int {
	file := o.db
	switch {
	case o.schema && file == "":
		logger.Error("flags", "error", "-schema serves the tables of an existing database: give its file with -db")
		return 2
	case o.schema:
		// sql.Open would create a missing file, and serve nothing.
		if _, err := os.Stat(file); err != nil {
			logger.Error("database", "error", err.Error())
			return 1
		}
	case file == "":
		dir, err := os.MkdirTemp("", "dynroute-crud-")
		if err != nil {
			logger.Error("database", "error", err.Error())
			return 1
		}
		defer os.RemoveAll(dir)
		file = filepath.Join(dir, "crud.db")
	}
	db, err := openDB(file, !o.schema)
	if err != nil {
		logger.Error("database", "error", err.Error())
		return 1
	}
	defer db.Close()
	logger.Info("database", "file", file, "temporary", o.db == "", "schema", o.schema)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)

	rt, err := newRouter(ctx, db, o.schema, logger)
	if err != nil {
		logger.Error("routes", "error", err.Error())
		return 1
	}
	if o.routes {
		printRoutes(stdout, rt.Routes())
		return 0
	}
	for _, r := range rt.Routes() {
		logger.Info("route", "methods", strings.Join(r.Methods, ","), "path", r.Path,
			"name", r.Name, "source", r.Source.String())
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		logger.Error("listen", "error", err)
		return 1
	}
	if err := seed.Serve(ctx, ln, rt, logger); err != nil {
		logger.Error("serve", "error", err)
		return 1
	}
	return 0
}

// printRoutes prints the route table aligned in columns.
func printRoutes(out io.Writer, routes []dynroute.Route) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHODS\tPATH\tNAME\tTAGS")
	for _, r := range routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", strings.Join(r.Methods, ","), r.Path, r.Name, strings.Join(r.Tags, ","))
	}
	tw.Flush()
}
