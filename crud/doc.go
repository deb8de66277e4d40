// Package crud serves collections of items over HTTP: list, create, get,
// replace, patch (JSON merge patch) and delete routes for the items of a
// Store, validated and documented from the item type's JSON Schema — the
// admin panel over many models, and, with FromSchema, every table of a live
// database, PostgREST-style.
//
//	type Product struct {
//		ID    int64   `json:"id" db:"id"`
//		Name  string  `json:"name" db:"name" minLength:"1"`
//		Price float64 `json:"price" db:"price" exclusiveMinimum:"0"`
//	}
//	store, err := crud.NewSQLStore[Product, int64](db, "products", &crud.SQLStoreOptions{GeneratedKeys: true})
//	err = crud.Register(rt, "/products", store, nil)
//	// GET /products?limit=20&offset=0&sort=-price,name&name=pen → {"items":[…],"total":…,"limit":20,"offset":0}
//	// POST /products (201 + Location), GET|PUT|PATCH|DELETE /products/{id}
//
// Register works with any Store: MemoryStore, SQLStore (a struct with db
// tags on any database/sql driver, SQLite or PostgreSQL) or your own. Bodies
// are read and validated by a typed.BodyDecoder; filters and sort keys are
// checked against the item's members, so a Store only sees names the item
// declares and values of their types; ErrNotFound and ErrConflict are
// answered 404 and 409. FromSchema reads a SQLite or PostgreSQL catalog and
// registers a resource per table, its schema built from the columns.
package crud
