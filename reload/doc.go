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
package reload
