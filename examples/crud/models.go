package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/crud"
	"github.com/dynroute/dynroute/jsonschema"
)

// Product is an item of /products. The db tags map it to the products
// table; the validation tags are checked on every create and change and
// shown in /docs.
type Product struct {
	ID    int64   `json:"id" db:"id" doc:"assigned by the database"`
	Name  string  `json:"name" db:"name" minLength:"1" maxLength:"100" example:"fountain pen"`
	SKU   string  `json:"sku" db:"sku" pattern:"^[A-Z0-9][A-Z0-9-]{2,19}$" doc:"stock keeping unit, unique" example:"FP-0042"`
	Price float64 `json:"price" db:"price" exclusiveMinimum:"0" doc:"in euros" example:"12.5"`
	Stock int     `json:"stock" db:"stock" required:"false" minimum:"0" maximum:"1000000" doc:"units in store; 0 if not given"`
	// Note is optional: omitted from a create, NULL in the table.
	Note *string `json:"note,omitempty" db:"note" maxLength:"500"`
}

// User is an item of /users. Email is unique (case-insensitively), so
// creating a second user with the same address is a 409.
type User struct {
	ID    int64  `json:"id" db:"id" doc:"assigned by the database"`
	Email string `json:"email" db:"email" format:"email" maxLength:"254" doc:"unique, compared without case" example:"ada@example.com"`
	Name  string `json:"name" db:"name" minLength:"1" maxLength:"100" example:"Ada Lovelace"`
	Admin bool   `json:"admin" db:"admin" required:"false" doc:"false if not given"`
}

// schemaSQL creates the tables of the models if they are missing. The
// CHECK and UNIQUE constraints hold the rules the schema's tags state, so
// rows written by other programs obey them too.
var schemaSQL = []string{
	`CREATE TABLE IF NOT EXISTS products (
		id    INTEGER PRIMARY KEY,
		name  TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
		sku   TEXT    NOT NULL UNIQUE,
		price REAL    NOT NULL CHECK (price > 0),
		stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
		note  TEXT
	)`,
	`CREATE TABLE IF NOT EXISTS users (
		id    INTEGER PRIMARY KEY,
		email TEXT    NOT NULL UNIQUE COLLATE NOCASE,
		name  TEXT    NOT NULL,
		admin BOOLEAN NOT NULL DEFAULT 0
	)`,
}

// createTables runs schemaSQL.
func createTables(ctx context.Context, db *sql.DB) error {
	for _, stmt := range schemaSQL {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}

// addModels registers the CRUD routes of Product at /products and of User
// at /users, each over a SQLStore of its table, whose INTEGER PRIMARY KEY
// the database assigns.
func addModels(rt *dynroute.Router, db *sql.DB, logger *slog.Logger) error {
	// One registry, so each Go type is one component of the document.
	schemas := jsonschema.NewRegistry(nil)
	products, err := crud.NewSQLStore[Product, int64](db, "products", &crud.SQLStoreOptions{GeneratedKeys: true})
	if err != nil {
		return err
	}
	if err := crud.Register(rt, "/products", products, &crud.Options{
		Name: "products", Tags: []string{"Products"}, Schemas: schemas, Logger: logger,
	}); err != nil {
		return err
	}
	users, err := crud.NewSQLStore[User, int64](db, "users", &crud.SQLStoreOptions{GeneratedKeys: true})
	if err != nil {
		return err
	}
	return crud.Register(rt, "/users", users, &crud.Options{
		Name: "users", Tags: []string{"Users"}, Schemas: schemas, Logger: logger,
	})
}
