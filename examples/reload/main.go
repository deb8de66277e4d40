// Command reload serves routes from a config file and keeps them up to date
// while it serves: edit the file, or send SIGHUP, and the routes change
// without a restart and without dropping a request.
//
// It registers the handlers of examples/config under the same names and
// reads the same RouteSpec format (.yaml, .yml or .json). A reload.Reloader
// watches the file with fsnotify — a write, an editor's rename-over, a delete
// and re-create — and reloads on SIGHUP; each reload swaps the file's routes
// in one step (Router.ReplaceSource). A config with a problem is refused as a
// whole: the old routes keep serving and every problem is logged. Each reload
// is logged with its trigger, the routes added, removed and updated, and how
// long it took. A route added in code, /static/route, is never touched.
//
//	go run ./examples/reload -config examples/config/routes.yaml
//	curl -i localhost:8000/dynamic/echo/a/b     # the echo route
//	$EDITOR examples/config/routes.yaml          # change a path: served on save
//	kill -HUP <pid>                              # reload by hand
//
// Flags: -addr (default 127.0.0.1:8000), -config FILE (required), -lenient
// (skip bad entries with a warning instead of refusing the file), -debounce
// (how long the file must be quiet before a reload). SIGINT or SIGTERM shuts
// the server down gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/dynroute/dynroute/reload"
)

// newReloader returns the Reloader that keeps rt serving o.file's routes:
// on a change of the file and on SIGHUP. onReload, if not nil, sees every
// reload (the tests use it; a program would count them as metrics).
func newReloader(rt *dynroute.Router, o options, logger *slog.Logger, onReload func(reload.Event)) (*reload.Reloader, error) {
	return reload.NewFile(rt, o.file, &reload.Options{
		Apply: &dynroute.ApplyOptions{
			Lenient:     o.lenient,
			DefaultTags: []string{seed.DefaultTag},
		},
		Logger:   logger,
		Debounce: o.debounce,
		Signals:  []os.Signal{syscall.SIGHUP},
		OnReload: onReload,
	})
}

// Serving.

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on")
	flag.StringVar(&o.file, "config", "", "route config `file` (.yaml, .yml or .json); required")
	flag.BoolVar(&o.lenient, "lenient", false, "skip config entries that have problems, with a warning each, instead of refusing the file")
	flag.DurationVar(&o.debounce, "debounce", 100*time.Millisecond, "how long the config file must be quiet before it is reloaded")
	flag.Parse()
	if o.file == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: reload -config FILE [-addr host:port] [-lenient] [-debounce d]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the program at once.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, o, logger, nil))
}

// options are the command-line flags.
type options struct {
	addr, file string
	lenient    bool
	debounce   time.Duration
}

// run serves until ctx is done and returns the exit code: 1 if the config
// cannot be loaded at start or the server fails. ready, if not nil, is
// called with the listening address once requests are accepted.
func run(ctx context.Context, o options, logger *slog.Logger, ready func(net.Addr)) int {
	rt, err := seed.NewRouter()
	if err != nil {
		logger.Error("router", "error", err)
		return 1
	}
	rl, err := newReloader(rt, o, logger, nil)
	if err != nil {
		logger.Error("config", "error", err)
		return 1
	}
	// The reloader stops with the server, also when the server fails.
	ctx, cancel := context.WithCancel(ctx)
	defer rl.Wait()
	defer cancel()
	if err := rl.Start(ctx); err != nil {
		// The reloader has logged every problem; serving none of the
		// config's routes is never meant.
		logger.Error("config refused, not starting", "config", o.file)
		return 1
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		logger.Error("listen", "error", err)
		return 1
	}
	if ready != nil {
		ready(ln.Addr())
	}
	logger.Info("reloading on change", "config", o.file, "pid", os.Getpid(), "sighup", "kill -HUP "+strconv.Itoa(os.Getpid()))
	if err := seed.Serve(ctx, ln, rt, logger); err != nil {
		logger.Error("serve", "error", err)
		return 1
	}
	return 0
}
