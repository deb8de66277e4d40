// Command instance is one member of the fleet the convergence test
// measures: a dynroute.Router whose routes follow an engine, served on
// 127.0.0.1:0. It prints on stdout
//
//	listening 127.0.0.1:41234
//	applied <version> <fingerprint>     (one line per set it publishes)
//
// and logs the reloader's records on stderr. Every route answers its name.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload"
	"github.com/dynroute/dynroute/reload/convergence"
	"github.com/dynroute/dynroute/reload/etcd"
	"github.com/dynroute/dynroute/reload/pgnotify"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func main() {
	engine := flag.String("engine", "etcd", "etcd, pgnotify or poll (reload.NewSQL)")
	endpoint := flag.String("etcd", "127.0.0.1:2379", "etcd endpoint")
	prefix := flag.String("prefix", etcd.DefaultPrefix, "etcd key prefix")
	table := flag.String("table", "routes", "PostgreSQL routes table")
	poll := flag.Duration("poll", time.Second, "poll interval of -engine poll")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	rt := dynroute.New(nil)
	if err := rt.Registry().Register("hello", dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		_, _ = w.Write([]byte(ps.Route().Name))
	})); err != nil {
		log.Fatal(err)
	}
	var out sync.Mutex // stdout lines whole
	opts := &reload.Options{
		Logger:     slog.New(slog.NewTextHandler(os.Stderr, nil)),
		WatchRetry: 500 * time.Millisecond,
		OnReload: func(ev reload.Event) {
			if !ev.Changed {
				return
			}
			var set [][2]string
			for _, r := range rt.Routes() {
				set = append(set, [2]string{r.Name, r.Path})
			}
			out.Lock()
			fmt.Printf("applied %s %s\n", orDash(ev.Version), convergence.Fingerprint(set))
			out.Unlock()
		},
	}
	var (
		rl  *reload.Reloader
		err error
	)
	switch *engine {
	case "etcd":
		cli, cerr := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
		if cerr != nil {
			log.Fatal(cerr)
		}
		defer cli.Close()
		rl, err = etcd.New(rt, cli, &etcd.Options{Prefix: *prefix, Reload: opts, CheckInterval: 200 * time.Millisecond})
	case "pgnotify", "poll":
		db, oerr := sql.Open("pgx", os.Getenv("DYNROUTE_TEST_POSTGRES"))
		if oerr != nil {
			log.Fatal(oerr)
		}
		defer db.Close()
		if *engine == "poll" {
			opts.PollInterval = *poll
			rl, err = reload.NewSQL(rt, db, *table, opts)
		} else {
			rl, err = pgnotify.New(rt, db, *table, &pgnotify.Options{Reload: opts, CheckInterval: 200 * time.Millisecond})
		}
	default:
		err = fmt.Errorf("unknown engine %q", *engine)
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := rl.Start(ctx); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	out.Lock()
	fmt.Printf("listening %s\n", l.Addr())
	out.Unlock()
	srv := &http.Server{Handler: rt}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !strings.Contains(err.Error(), "closed") {
		log.Fatal(err)
	}
	rl.Wait()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
