// Package pgnotify keeps a dynroute.Router's routes in step with a
// PostgreSQL routes table (the table of dynroute.LoadSQL), pushed rather
// than polled: a trigger on the table NOTIFYs a channel in the transaction
// that changed it, and every instance of a fleet LISTENs and reloads at once.
//
//	db, err := sql.Open("pgx", dsn) // github.com/jackc/pgx/v5/stdlib
//	...
//	if err := pgnotify.Install(ctx, db, "routes", ""); err != nil { // once, or at every start: idempotent
//		log.Fatal(err)
//	}
//	rl, err := pgnotify.New(rt, db, "routes", nil)
//	...
//	if err := rl.Start(ctx); err != nil { // the first load: no routes, no start
//		log.Fatal(err)
//	}
//	admin.Handle("/routes/status", rl.StatusHandler()) // {"version":"42","ok":true,...}
//
// It is a module of its own (github.com/dynroute/dynroute/reload/pgnotify),
// so that a program that imports dynroute without it never builds pgx.
//
// # The trigger and the version
//
// Install (or the SQL TriggerSQL returns, for a migration tool) adds to the
// table's schema a table dynroute_versions, one row per routes table, and a
// statement-level trigger on INSERT, UPDATE, DELETE and TRUNCATE of the
// routes table. The first statement of a transaction that writes the table
// bumps the table's version in that row, in the same transaction, and sends
// NOTIFY with it; later statements of the same transaction bump and send
// nothing more. So a version names one committed state of the table, a
// transaction of many statements is one version and one notification, and
// PostgreSQL delivers the notification only once the transaction commits.
// Writers of the table are serialised by the version row's lock, and need
// INSERT and UPDATE on dynroute_versions besides their rights on the routes
// table (the trigger runs as the writer); the instances need SELECT on
// both.
//
// A load reads the version and the rows in one REPEATABLE READ transaction,
// so that the version it reports (Event.Version, Reloader.Version,
// Reloader.Status) is that of the rows it read: instances that report the
// same version serve the same routes.
//
// # Connections and outages
//
// The LISTEN runs on a connection of its own, made with the configuration
// of db's connections (or Options.Listen). Once listening it reads the
// version and announces it, so a change made while no one listened is
// loaded (catch-up); then each notification reloads. An idle connection is
// checked every CheckInterval. A lost connection (the server restarted, the
// session terminated) is an outage: the Reloader logs it once, the last good
// routes keep serving, and the LISTEN is made again with a pause doubling up
// to reload.Options.WatchRetry. Beside it the table's version is polled
// every PollInterval (5s unless set), a fallback for notifications lost with
// a connection.
package pgnotify
