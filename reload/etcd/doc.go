// Package etcd keeps a dynroute.Router's routes in step with routes stored
// in etcd, so that every instance of a fleet serves the same set within
// milliseconds of a change: a reload.Reloader whose source is a key prefix,
// loaded at start and then followed by an etcd watch.
//
//	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}, DialTimeout: 5 * time.Second})
//	...
//	rl, err := etcd.New(rt, cli, &etcd.Options{Prefix: "/shop/routes/"})
//	...
//	if err := rl.Start(ctx); err != nil { // the first load: no routes, no start
//		log.Fatal(err)
//	}
//	admin.Handle("/routes/status", rl.StatusHandler()) // {"version":"1042","ok":true,...}
//
// It is a module of its own (github.com/dynroute/dynroute/reload/etcd), so
// that a program that imports dynroute without it never builds an etcd
// client. It is tested against etcd 3.4 (Debian's etcd-server) with
// client v3.6.
//
// # Keys
//
// One key per route: the key is the prefix followed by the route's name,
// and the value is the route as a JSON object or a YAML mapping, with the
// keys of a config file's entry (dynroute.LoadYAML):
//
//	/dynroute/routes/get_user    {"path": "/users/{id}", "methods": ["GET"], "handler": "get_user"}
//	/dynroute/routes/list_users  path: /users
//	                             methods: [GET]
//	                             handler: list_users
//
// A value may repeat the name (name: get_user); another name is a problem.
// One key per route rather than one document per source because a change
// of one route then writes one small value and a watch event names the
// route; because a problem is reported with the key it is in; and because
// etcd bounds a value (1.5 MiB by default), which one document of some
// 10,000 routes would reach. What a document gave for free, changing many
// routes at once, a transaction gives: Put (and the dynroute-etcd command)
// writes a whole set in one transaction, one revision, and every reader
// sees all of it or none.
//
// # Revisions
//
// A load reads the whole prefix at one revision, a consistent snapshot, and
// reports that revision as the Reloader's version (Event.Version,
// Reloader.Version, Reloader.Status): instances that report the same
// revision serve the same routes. The watch starts after the revision
// loaded; each watch response, one revision or several, reloads the prefix
// whole at the newest revision, so every set applied is one that etcd held
// at some revision, never half of a transaction and never a mix of two. A
// response whose revision the last load already read is skipped.
//
// A bad value is refused as a bad file is: the reload fails, the routes
// serving stay, and the problem is logged with its key, its line and the
// revision of the key's last write, the reload with the revision it read.
//
// # Outages and compaction
//
// The watch asks the cluster every CheckInterval whether it answers (a
// count of the prefix's keys) and watches with WithRequireLeader: a server
// that is gone, or a cluster without a leader, is an outage, which the
// Reloader logs once while the routes serving stay; it calls the watch
// again with a growing pause (reload.Options.WatchRetry). Once the server
// answers again the watch resumes after the last revision read, and the
// prefix is reloaded if the cluster's revision moved meanwhile. If that
// revision was compacted away, the events between are lost: the prefix is
// reloaded whole, which is all a reload ever does, and the watch resumes
// from the compaction.
package etcd
