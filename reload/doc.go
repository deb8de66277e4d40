// Package reload keeps one source's routes up to date while a
// dynroute.Router serves them: a config file watched with fsnotify (editors'
// rename-on-save and delete-and-recreate included), a SIGHUP, or a SQL
// routes table polled so that every instance of a fleet sharing the
// database converges.
//
//	rl, err := reload.NewFile(rt, "routes.yaml", &reload.Options{
//		Signals:  []os.Signal{syscall.SIGHUP},
//		OnReload: func(ev reload.Event) { metrics.Observe(ev) },
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := rl.Start(ctx); err != nil { // the first load: no routes, no start
//		log.Fatal(err)
//	}
//	// rl follows the file until ctx is done; rl.Wait() waits for it to stop.
//
// Each reload is one Router.ReplaceSource: a source with a problem is
// refused whole, the old routes keep serving, and every problem is logged
// with its source (file:line, table row). A reload of an unchanged source
// publishes nothing. New takes any loader (Options.Load) for sources of your
// own; Event reports every reload, for metrics.
//
// # Push sources
//
// A source that announces its changes, such as an etcd watch or PostgreSQL
// LISTEN, is followed with Options.Watch instead of a poll: each
// announcement reloads at once (trigger "push"), announcements made during
// a reload fold into one more, and a lost connection is logged once while
// the last good routes keep serving and Watch is restarted with a growing
// pause. A poll set as well keeps going as a fallback. The modules
// github.com/dynroute/dynroute/reload/etcd (an etcd key prefix, followed by
// a watch) and github.com/dynroute/dynroute/reload/pgnotify (a PostgreSQL
// routes table, a trigger that NOTIFYs and a LISTEN) are such sources;
// each lives in a module of its own so that this one never requires an etcd
// client or pgx.
//
// # Versions
//
// A loader that can tell which version of the source it read
// (Options.LoadVersioned: an etcd revision, a table version) puts it in
// Event.Version and the logs; Reloader.Version and Reloader.Status say
// which version is serving, and Reloader.StatusHandler answers it as JSON,
// so that the instances of a fleet can be compared:
//
//	{"source":"/dynroute/routes/","version":"1042","routes":12,"ok":true,"applied":"..."}
package reload
