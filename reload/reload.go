package reload

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/internal/errlist"
	"github.com/fsnotify/fsnotify"
)

// Reloader errors. A failed reload's error wraps ErrFailed and its cause
// (dynroute.ErrInvalidConfig for a bad config, the os or database error for
// a source that could not be read), so errors.Is finds both.
var (
	// ErrFailed: a reload did not apply; the old routes keep serving.
	ErrFailed = errors.New("reload failed")
	// ErrInvalidOptions: Options are incomplete or out of range.
	ErrInvalidOptions = errors.New("invalid reloader options")
	// ErrStarted: Start or Run was called on a running Reloader.
	ErrStarted = errors.New("reloader already started")
	// ErrNoVersion: an Options.Version function cannot tell the
	// source's version (a table without an updated_at or version column);
	// the poll then loads the source and compares checksums instead.
	ErrNoVersion = errors.New("no version to compare")
)

// Trigger says what started a reload.
type Trigger string

// The triggers an Event reports.
const (
	TriggerStart  Trigger = "start"  // the first load, by Start or Run
	TriggerFile   Trigger = "file"   // a change of the watched file
	TriggerSignal Trigger = "signal" // one of Options.Signals
	TriggerPoll   Trigger = "poll"   // the poll saw the source change
	TriggerManual Trigger = "manual" // Reloader.Reload
	TriggerPush   Trigger = "push"   // Options.Watch said the source changed
)

// Defaults of Options; see there.
const (
	defaultDebounce      = 100 * time.Millisecond
	defaultReloadTimeout = 30 * time.Second
	defaultSQLPoll       = 5 * time.Second
	defaultChecksumEvery = 10
	defaultWatchRetry    = 2 * time.Second
	firstWatchRetry      = 100 * time.Millisecond
	// maxDebounceWaits bounds the debounce: a file written to without pause
	// is still reloaded every maxDebounceWaits debounce intervals.
	maxDebounceWaits = 10
)

// Event reports one reload to Options.OnReload, the hook for
// metrics (a counter of reloads by OK and Trigger, a histogram of Duration).
type Event struct {
	Source  string  // the source reloaded, as ReplaceSource names it
	Trigger Trigger // what started the reload
	OK      bool    // the reload applied (or found nothing to apply)
	Err     error   // why it failed; nil when OK
	// Changed is true when a new table was published. A reload whose source
	// is unchanged since the last applied load publishes nothing.
	Changed bool
	// Routes is the number of the source's routes serving afterwards: the
	// new count, or on failure the old one, which keeps serving.
	Routes int
	// Added, Removed and Updated compare the source's routes before and
	// after, a route being known by its name, or if it has none by its
	// methods and path. Updated counts routes whose spec changed other than
	// in its Source (a moved line is not a change).
	Added, Removed, Updated int
	// Problems is, on failure, the number of problems the error lists; in
	// lenient mode, the number of problems skipped with a warning.
	Problems int
	Start    time.Time     // when the reload began
	Duration time.Duration // load, check and publish
	// Version is the version of the source the reload read, as
	// Options.LoadVersioned reported it (an etcd revision, a table
	// version), also when the reload failed; "" for a Load function, which
	// cannot tell. Instances of a fleet that report the same Version serve
	// the same routes.
	Version string
}

// Options configures a Reloader. NewFile and NewSQL
// fill in Source, Load and the trigger for their source; New needs
// Source and Load.
type Options struct {
	// Source names the routes the Reloader owns, as Router.ReplaceSource
	// takes it: the file name the loader records in Source.File, the SQL
	// table (Source.Table), or an environment prefix. A reload replaces
	// exactly the routes from Source. Specs that Load returns without a
	// Source get Source{File: Source}; a spec from elsewhere is a problem,
	// since the next reload could not replace it.
	Source string

	// Load reads the source's specs. It is called for the first load and for
	// every reload, one call at a time, with a context bounded by Timeout.
	// An error fails the reload and the old routes keep serving, except in
	// lenient mode, where problems of single entries (errors wrapping
	// dynroute.ErrInvalidConfig, with some specs read) are logged and the
	// specs read are applied, as dynroute.ApplyOptions.Lenient does for the
	// problems Router.AddRoutes finds.
	Load func(ctx context.Context) ([]dynroute.RouteSpec, error)

	// LoadVersioned is Load for a source that can tell which version of
	// itself it read (the etcd revision of a snapshot): the version
	// goes into Event.Version, the logs and Reloader.Version, and a push of
	// that same version is known to be applied already (see Watch). It
	// should return the version also with an error, when it got that far.
	// Set Load or LoadVersioned, not both.
	LoadVersioned func(ctx context.Context) (specs []dynroute.RouteSpec, version string, err error)

	// Apply is how the specs are applied (strict or lenient, default tags);
	// nil means strict: one problem rejects the reload. Apply.Logger
	// defaults to Logger.
	Apply *dynroute.ApplyOptions

	// Logger receives one record per reload: Info when it applied (with
	// the routes added, removed and updated and the duration), Error when it
	// failed, followed by one Error record per problem. Nil means
	// slog.Default().
	Logger *slog.Logger

	// OnReload, if set, is called after every reload, from the goroutine
	// that reloaded, one call at a time, before the next reload may start;
	// so it must not call Reload, which would wait for it. Polls that find
	// the source unchanged are not reloads and are not reported.
	OnReload func(Event)

	// WatchFile, if set, is a file to watch with fsnotify: a change reloads
	// (trigger "file"). Its directory is watched, not the file, so that
	// editors that save by writing a new file and renaming it over the old
	// one, and a delete followed by a re-create, are seen; if the file is a
	// symbolic link, a change of its target in the same directory (as
	// Kubernetes swaps a ConfigMap's ..data link) is seen too. Events are
	// debounced: the reload waits until the file has been quiet for
	// Debounce.
	WatchFile string

	// Debounce is how long the watched file must be quiet before a reload,
	// so that an editor's truncate-then-write or a burst of saves loads once.
	// Zero means 100ms. A file written to without pause is still reloaded
	// every ten intervals.
	Debounce time.Duration

	// Signals reload on receipt (trigger "signal"), usually
	// []os.Signal{syscall.SIGHUP}. The Reloader calls signal.Notify for them
	// in Start and signal.Stop when its context ends.
	Signals []os.Signal

	// PollInterval, if positive, polls the source: every interval the
	// Reloader checks for a change and reloads when there is one (trigger
	// "poll"). With Version set, a poll compares versions, and every
	// ChecksumEvery-th poll loads the source anyway; without it every poll
	// loads the source, and applies it only if its checksum changed.
	PollInterval time.Duration

	// Version returns a cheap version of the source, such as a table's row
	// count and greatest updated_at, for the poll to compare. It is read
	// before each load, so a change made during a load is seen by the next
	// poll. An error wrapping ErrNoVersion makes the poll load and compare
	// checksums instead.
	Version func(ctx context.Context) (string, error)

	// ChecksumEvery makes every ChecksumEvery-th poll load the source and
	// compare checksums even though Version says nothing changed: a safety
	// net for versions that miss a change (two updates within the timestamp
	// resolution, a delete hidden by an insert). Zero means 10; negative
	// means never.
	ChecksumEvery int

	// Watch, if set, follows a source that pushes its changes (an etcd
	// watch, PostgreSQL LISTEN) instead of being polled. Start runs it in a
	// goroutine of its own after the first load, until ctx is done. Watch
	// calls changed whenever the source may have changed, with the version
	// the source is at now, or "" if it cannot tell; changed never blocks,
	// and every call made while a reload runs folds into one more reload
	// (trigger "push"), which loads the source whole. A version equal to
	// that of the last load is skipped: that load saw it. Since changes made
	// while Watch was not connected were pushed to no one, Watch calls
	// changed once it is connected, also after a restart; that call ends
	// an outage.
	//
	// Watch returns only when ctx is done or it lost the source. Any other
	// return is an outage: it is logged once (Warn), the last good routes
	// keep serving, Status reports it, and Watch is called again after a
	// pause that doubles from 100ms up to WatchRetry, until it connects.
	// With a PollInterval as well, the poll goes on beside the push, a
	// fallback for pushes lost with a connection.
	Watch func(ctx context.Context, changed func(version string)) error

	// WatchRetry is the longest pause before Watch is called again after
	// an outage. Zero means 2s.
	WatchRetry time.Duration

	// Timeout bounds each load and version check. Zero means 30s.
	Timeout time.Duration

	// AllowEmpty applies a load that gives no routes at all, removing every
	// route of the source. By default such a load fails and the old routes
	// keep serving: an empty file is far more often a file caught in the
	// middle of being rewritten than a wish to serve nothing.
	AllowEmpty bool
}

// Reloader keeps the routes of one source — a config file, a SQL table, any
// Load function — up to date in a Router, replacing them with
// Router.ReplaceSource on each reload: all or nothing, so on a bad new
// config the old table keeps serving and every problem is logged.
//
// Reloads happen on the triggers the options set up (a file watch, signals,
// a poll) and on Reload; they run one at a time. Start (or Run) loads the
// source once before it returns, and fails if that load fails, so that a
// program never starts serving without its routes.
type Reloader struct {
	rt       *dynroute.Router
	source   string
	load     func(context.Context) ([]dynroute.RouteSpec, string, error)
	apply    dynroute.ApplyOptions
	logger   *slog.Logger
	onReload func(Event)
	file     string
	debounce time.Duration
	signals  []os.Signal
	interval time.Duration
	version  func(context.Context) (string, error)
	checkSum int
	timeout  time.Duration
	empty    bool // AllowEmpty
	watch    func(context.Context, func(string)) error
	retry    time.Duration // WatchRetry

	started atomic.Bool
	wg      sync.WaitGroup

	mu       sync.Mutex // serialises reloads; guards the fields below
	seed     maphash.Seed
	applied  bool                // a load has been applied
	sum      uint64              // fingerprint of the specs of that load
	failed   uint64              // fingerprint of specs that failed to apply, 0 if none
	routes   map[routeKey]uint64 // content hash of each route applied
	count    int                 // routes applied
	lastFail string              // message of the last failed poll, to log repeats once

	st status // what Status reports, under its own lock: never held during a load
}

// New returns a Reloader for the source opts describes; it does
// nothing until Start, Run or Reload. opts.Source and opts.Load are
// required; the error wraps ErrInvalidOptions.
func New(rt *dynroute.Router, opts *Options) (*Reloader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	if rt == nil {
		problems = append(problems, "nil Router")
	}
	if o.Source == "" {
		problems = append(problems, "no Source")
	}
	switch {
	case o.Load == nil && o.LoadVersioned == nil:
		problems = append(problems, "no Load function")
	case o.Load != nil && o.LoadVersioned != nil:
		problems = append(problems, "both Load and LoadVersioned")
	}
	if o.Debounce < 0 || o.PollInterval < 0 || o.Timeout < 0 || o.WatchRetry < 0 {
		problems = append(problems, "negative Debounce, PollInterval, Timeout or WatchRetry")
	}
	if o.Version != nil && o.PollInterval == 0 {
		problems = append(problems, "Version without a PollInterval")
	}
	if slices.Contains(o.Signals, nil) {
		problems = append(problems, "nil signal in Signals")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("dynroute: reload.New: %w: %s", ErrInvalidOptions, strings.Join(problems, "; "))
	}
	r := &Reloader{
		rt:       rt,
		source:   o.Source,
		load:     o.LoadVersioned,
		logger:   o.Logger,
		onReload: o.OnReload,
		file:     o.WatchFile,
		debounce: o.Debounce,
		signals:  append([]os.Signal(nil), o.Signals...),
		interval: o.PollInterval,
		version:  o.Version,
		checkSum: o.ChecksumEvery,
		timeout:  o.Timeout,
		empty:    o.AllowEmpty,
		watch:    o.Watch,
		retry:    o.WatchRetry,
		seed:     maphash.MakeSeed(),
	}
	if load := o.Load; load != nil {
		r.load = func(ctx context.Context) ([]dynroute.RouteSpec, string, error) {
			specs, err := load(ctx)
			return specs, "", err
		}
	}
	if r.retry == 0 {
		r.retry = defaultWatchRetry
	}
	if o.Apply != nil {
		r.apply = *o.Apply
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	if r.apply.Logger == nil {
		r.apply.Logger = r.logger
	}
	if r.debounce == 0 {
		r.debounce = defaultDebounce
	}
	if r.timeout == 0 {
		r.timeout = defaultReloadTimeout
	}
	if r.checkSum == 0 {
		r.checkSum = defaultChecksumEvery
	}
	return r, nil
}

// NewFile returns a Reloader for a YAML (.yaml, .yml) or JSON
// (.json) config file: Source and WatchFile are file (unless opts sets
// WatchFile) and Load reads it with dynroute.LoadYAML or dynroute.LoadJSON,
// which record file in each spec's Source. Add Signals to reload on SIGHUP as well.
func NewFile(rt *dynroute.Router, file string, opts *Options) (*Reloader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if _, err := fileFormat(file); err != nil {
		return nil, fmt.Errorf("dynroute: reload.NewFile: %w: %w", ErrInvalidOptions, err)
	}
	o.Source = file
	o.Load = FileLoader(file)
	if o.WatchFile == "" {
		o.WatchFile = file
	}
	return New(rt, &o)
}

// FileLoader returns an Options.Load function that reads file with
// dynroute.LoadYAML (.yaml, .yml) or dynroute.LoadJSON (.json), chosen by
// its extension, and names file in each spec's Source.
func FileLoader(file string) func(context.Context) ([]dynroute.RouteSpec, error) {
	return func(ctx context.Context) ([]dynroute.RouteSpec, error) {
		load, err := fileFormat(file)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("dynroute: %w", err)
		}
		defer f.Close()
		return load(f, file)
	}
}

// fileFormat returns the loader for file's extension.
func fileFormat(file string) (func(r io.Reader, name string) ([]dynroute.RouteSpec, error), error) {
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".yaml", ".yml":
		return dynroute.LoadYAML, nil
	case ".json":
		return dynroute.LoadJSON, nil
	default:
		return nil, fmt.Errorf("%w: config file %q: unknown extension %q, want .yaml, .yml or .json", dynroute.ErrInvalidConfig, file, ext)
	}
}

// Source returns the name of the source the Reloader keeps up to date.
func (r *Reloader) Source() string { return r.source }

// Start loads the source, replacing its routes in the Router, and starts
// the triggers the options set up — the file watch, the signals, the poll —
// in goroutines that run until ctx is done (Wait waits for them). The file
// watch and the signal handlers are in place before the first load, so a
// change made while it runs is not missed.
//
// If the first load fails nothing is started, the Router is left as it was
// and the error (wrapping ErrFailed) is returned; Start may then be
// called again. Otherwise a Reloader starts once: a second Start, also after
// ctx is done, is an error wrapping ErrStarted.
func (r *Reloader) Start(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("dynroute: Reloader.Start: %w: nil context", ErrInvalidOptions)
	}
	if !r.started.CompareAndSwap(false, true) {
		return fmt.Errorf("dynroute: Reloader.Start: %s: %w", r.source, ErrStarted)
	}
	var (
		watch *fileWatch
		sigc  chan os.Signal
	)
	abort := func(err error) error {
		if watch != nil {
			_ = watch.w.Close()
		}
		if sigc != nil {
			signal.Stop(sigc)
		}
		r.started.Store(false)
		return err
	}
	if r.file != "" {
		var err error
		if watch, err = newFileWatch(r.file); err != nil {
			return abort(fmt.Errorf("dynroute: Reloader.Start: watch %s: %w", r.file, err))
		}
	}
	if len(r.signals) > 0 {
		// Buffered: a signal that arrives during a reload is kept, and
		// signals during that reload fold into one more.
		sigc = make(chan os.Signal, 1)
		signal.Notify(sigc, r.signals...)
	}
	var ver pollVersion
	if r.interval > 0 && r.version != nil {
		ver = r.readVersion(ctx) // before the load: see Version
	}
	if _, err := r.reload(ctx, TriggerStart, false); err != nil {
		return abort(err)
	}
	if watch != nil {
		r.wg.Go(func() { r.watchLoop(ctx, watch) })
	}
	if sigc != nil {
		r.wg.Go(func() { r.signalLoop(ctx, sigc) })
	}
	if r.interval > 0 {
		r.wg.Go(func() { r.pollLoop(ctx, ver) })
	}
	if r.watch != nil {
		r.startPush(ctx)
	}
	return nil
}

// Wait blocks until the goroutines Start began have ended, which they do
// soon after its context is done. It returns at once if none are running.
func (r *Reloader) Wait() { r.wg.Wait() }

// Run is Start followed, once ctx is done, by Wait: it blocks until ctx is
// done and every goroutine of the Reloader has ended, and returns nil; or it
// returns Start's error at once.
func (r *Reloader) Run(ctx context.Context) error {
	if err := r.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	r.wg.Wait()
	return nil
}

// Reload loads the source now and applies it (trigger "manual"): for an
// admin endpoint or a deploy hook. It is safe to call at any time, also
// before Start; it waits for a reload in progress. On failure the old routes
// keep serving and the error wraps ErrFailed.
func (r *Reloader) Reload(ctx context.Context) (Event, error) {
	return r.reload(ctx, TriggerManual, false)
}

// reload loads the source and, if it changed since the last applied load,
// replaces the source's routes. A quiet reload that finds nothing changed,
// or the same specs that failed last time, reports nothing: that is a poll
// that saw no change.
func (r *Reloader) reload(ctx context.Context, trig Trigger, quiet bool) (Event, error) {
	if ctx == nil {
		return Event{}, fmt.Errorf("dynroute: Reloader.Reload %s: %w: nil context", r.source, ErrInvalidOptions)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := Event{Source: r.source, Trigger: trig, Start: time.Now(), Routes: r.count}
	fail := func(err error, problems []error) (Event, error) {
		at := ""
		if ev.Version != "" {
			at = " version " + ev.Version
		}
		err = fmt.Errorf("dynroute: %w: %s%s (trigger %s): %w", ErrFailed, r.source, at, trig, err)
		ev.Err, ev.Problems, ev.Duration = err, len(problems), time.Since(ev.Start)
		r.st.setFailed(ev.Version, err, ctx.Err() != nil)
		r.logFailure(ctx, &ev, problems)
		r.report(ev)
		return ev, err
	}

	lctx, cancel := context.WithTimeout(ctx, r.timeout)
	specs, version, err := r.load(lctx)
	cancel()
	ev.Version = version
	var warnings []error
	if err != nil {
		problems := errlist.Flatten(err)
		// Lenient mode applies what was read when every problem is one of
		// the config's; a read cut short (a lost connection) is not.
		if !r.apply.Lenient || len(specs) == 0 || !allConfig(problems) {
			return fail(err, problems)
		}
		warnings = problems
	}
	if len(specs) == 0 && err == nil && !r.empty {
		return fail(fmt.Errorf("%w: the source has no routes; the old ones keep serving (Options.AllowEmpty applies an empty source)", dynroute.ErrInvalidConfig), nil)
	}
	specs, foreign := r.own(specs)
	if len(foreign) > 0 {
		if !r.apply.Lenient {
			return fail(&dynroute.ConfigError{Summary: errlist.Summary("source "+r.source, len(foreign)), Problems: foreign}, foreign)
		}
		warnings = append(warnings, foreign...)
	}

	hashes := r.hashSpecs(specs)
	sum := r.fingerprint(specs, hashes)
	if r.applied && sum == r.sum {
		ev.OK, ev.Duration = true, time.Since(ev.Start)
		r.st.setApplied(version, r.count, false) // the routes serving are the source's at version too
		if quiet {
			return ev, nil
		}
		r.logSuccess(&ev)
		r.report(ev)
		return ev, nil
	}
	if quiet && sum == r.failed {
		r.st.setLoaded(version)
		return ev, nil // the same specs failed last time; the error was logged
	}

	skipped, err := r.rt.ReplaceSource(r.source, specs, &r.apply)
	if err != nil {
		if errors.Is(err, dynroute.ErrInvalidConfig) {
			r.failed = sum
		}
		return fail(err, errlist.Flatten(err))
	}
	for _, w := range warnings {
		r.apply.Logger.Warn("dynroute: reload: skipping a config problem", "source", r.source, "error", w.Error())
	}
	routes := r.keyed(specs, hashes, skippedMask(specs, skipped))
	ev.Added, ev.Removed, ev.Updated = diffRoutes(r.routes, routes)
	ev.OK, ev.Changed = true, true
	ev.Routes = len(specs) - len(skipped)
	ev.Problems = len(warnings) + len(skipped)
	r.applied, r.sum, r.failed, r.routes, r.count = true, sum, 0, routes, ev.Routes
	r.lastFail = ""
	r.st.setApplied(version, ev.Routes, true)
	ev.Duration = time.Since(ev.Start)
	r.logSuccess(&ev)
	r.report(ev)
	return ev, nil
}

// own gives specs without a Source the Reloader's source and returns the
// others, which the next reload could not replace, as problems.
func (r *Reloader) own(specs []dynroute.RouteSpec) (mine []dynroute.RouteSpec, foreign []error) {
	i := 0
	for i < len(specs) && specs[i].Source.From(r.source) {
		i++
	}
	if i == len(specs) {
		return specs, nil // the usual case: a loader that names the source
	}
	// Copy rather than stamp the loader's slice, which it may keep.
	mine = make([]dynroute.RouteSpec, i, len(specs))
	copy(mine, specs[:i])
	for _, s := range specs[i:] {
		if s.Source.IsZero() {
			s.Source = dynroute.Source{File: r.source}
		}
		if !s.Source.From(r.source) {
			foreign = append(foreign, &dynroute.RouteError{Name: s.Name, Methods: s.Methods, Path: s.Path, Source: s.Source,
				Err: dynroute.ErrInvalidConfig, Detail: fmt.Sprintf("the spec's source is not %q, so a reload could not replace it", r.source)})
			continue
		}
		mine = append(mine, s)
	}
	return mine, foreign
}

// report calls OnReload.
func (r *Reloader) report(ev Event) {
	if r.onReload != nil {
		r.onReload(ev)
	}
}

// logSuccess logs an applied (or unchanged) reload.
func (r *Reloader) logSuccess(ev *Event) {
	msg := "dynroute: routes reloaded"
	if !ev.Changed {
		msg = "dynroute: routes reloaded, no change"
	}
	r.logger.Info(msg, append(sourceAttrs(ev), "trigger", string(ev.Trigger), "routes", ev.Routes,
		"added", ev.Added, "removed", ev.Removed, "updated", ev.Updated, "problems", ev.Problems,
		"duration", ev.Duration)...)
}

// logFailure logs a failed reload and, one record each, its problems. A
// poll that fails as the previous one did is logged at Debug, so that a
// database that is down does not flood the log; a reload cut short because
// ctx ended (shutdown) is not an error either.
func (r *Reloader) logFailure(ctx context.Context, ev *Event, problems []error) {
	level := slog.LevelError
	msg := ev.Err.Error()
	switch {
	case ctx.Err() != nil:
		level = slog.LevelDebug
	case ev.Trigger == TriggerPoll && msg == r.lastFail:
		level = slog.LevelDebug
	}
	if ev.Trigger == TriggerPoll {
		r.lastFail = msg
	}
	summary := msg
	if len(problems) > 1 {
		// The problems follow, one record each; keep the summary line.
		summary, _, _ = strings.Cut(msg, "\n")
	}
	r.logger.Log(context.Background(), level, "dynroute: reload failed, the old routes keep serving",
		append(sourceAttrs(ev), "trigger", string(ev.Trigger), "routes", ev.Routes, "problems", len(problems),
			"duration", ev.Duration, "error", summary)...)
	if len(problems) > 1 {
		for i, p := range problems {
			r.logger.Log(context.Background(), level, "dynroute: reload problem",
				append(sourceAttrs(ev), "problem", i+1, "of", len(problems), "error", p.Error())...)
		}
	}
}

// sourceAttrs are the log attributes that say what was reloaded: the
// source and, when the loader tells, its version.
func sourceAttrs(ev *Event) []any {
	if ev.Version == "" {
		return []any{"source", ev.Source}
	}
	return []any{"source", ev.Source, "version", ev.Version}
}

// allConfig reports whether every problem wraps ErrInvalidConfig.
func allConfig(problems []error) bool {
	for _, p := range problems {
		if !errors.Is(p, dynroute.ErrInvalidConfig) {
			return false
		}
	}
	return true
}

// Fingerprints. A reload compares the loaded specs with those last applied
// to skip a swap that would change nothing, and to count the routes added,
// removed and updated. maphash is seeded per Reloader: the values never
// leave the process.

// hashSpecs returns the content hash of each spec, its Source left out.
func (r *Reloader) hashSpecs(specs []dynroute.RouteSpec) []uint64 {
	out := make([]uint64, len(specs))
	var h maphash.Hash
	h.SetSeed(r.seed)
	for i := range specs {
		h.Reset()
		hashSpec(&h, &specs[i])
		out[i] = h.Sum64()
	}
	return out
}

// fingerprint hashes the specs in order, Sources included: a reordering
// changes the route order (and the OpenAPI document), a moved line changes
// what error messages cite, so both are applied.
func (r *Reloader) fingerprint(specs []dynroute.RouteSpec, hashes []uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	writeInt(&h, len(specs))
	for i := range specs {
		writeInt(&h, int(hashes[i]))
		s := &specs[i].Source
		writeStr(&h, s.File)
		writeInt(&h, s.Line)
		writeStr(&h, s.Env)
		writeStr(&h, s.Table)
		writeStr(&h, s.Key)
	}
	return h.Sum64() | 1 // never 0, which means "none" in Reloader.failed
}

func hashSpec(h *maphash.Hash, s *dynroute.RouteSpec) {
	writeStr(h, s.Name)
	writeStr(h, s.Path)
	writeStrs(h, s.Methods)
	writeStr(h, s.Handler)
	writeStrs(h, s.Tags)
	writeStr(h, s.Summary)
	writeStr(h, s.Description)
	writeInt(h, s.StatusCode)
	writeStr(h, s.OperationID)
	writeStr(h, s.ResponseModel)
	writeInt(h, int(s.MaxBodyBytes))
	flags := 0
	if s.Deprecated {
		flags |= 1
	}
	if s.Hidden {
		flags |= 2
	}
	writeInt(h, flags)
	for _, m := range []map[string]any{s.Extra, stringsToAny(s.Headers), stringsToAny(s.HeaderPatterns)} {
		if len(m) > 0 {
			// %#v prints map keys sorted, and keeps the values' types.
			writeStr(h, fmt.Sprintf("%#v", m))
		} else {
			writeInt(h, 0)
		}
	}
	writeStr(h, s.App)
	writeStr(h, s.Prefix)
	// nil (the Router's default) and [] (public) differ; %#v prints the
	// requirements' maps sorted. The schemes have pointers: JSON follows them.
	writeStr(h, fmt.Sprintf("%#v", s.Security))
	if len(s.SecuritySchemes) > 0 {
		b, _ := json.Marshal(s.SecuritySchemes) // plain data: never fails
		writeStr(h, string(b))
	} else {
		writeInt(h, 0)
	}
}

// stringsToAny returns m with any values, for hashing like Extra.
func stringsToAny(m map[string]string) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// writeStr writes s with its length, so that ("ab", "c") and ("a", "bc")
// hash differently.
func writeStr(h *maphash.Hash, s string) {
	writeInt(h, len(s))
	_, _ = h.WriteString(s)
}

func writeStrs(h *maphash.Hash, ss []string) {
	writeInt(h, len(ss))
	for _, s := range ss {
		writeStr(h, s)
	}
}

func writeInt(h *maphash.Hash, n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	_, _ = h.Write(b[:])
}

// skippedMask marks the specs that lenient mode skipped. skipped lists
// copies of specs in the order of specs, so one pass matches them.
func skippedMask(specs []dynroute.RouteSpec, skipped []dynroute.Skipped) []bool {
	if len(skipped) == 0 {
		return nil
	}
	mask := make([]bool, len(specs))
	j := 0
	for i := range specs {
		if j < len(skipped) && reflect.DeepEqual(specs[i], skipped[j].Spec) {
			mask[i] = true
			j++
		}
	}
	return mask
}

// keyed indexes the applied specs by routeKey.
func (r *Reloader) keyed(specs []dynroute.RouteSpec, hashes []uint64, skipped []bool) map[routeKey]uint64 {
	out := make(map[routeKey]uint64, len(specs))
	for i := range specs {
		if skipped != nil && skipped[i] {
			continue
		}
		out[keyOf(&specs[i])] = hashes[i]
	}
	return out
}

// routeKey is what identifies a route from one reload to the next: its
// name, or without one its methods and path.
type routeKey struct {
	named bool
	s     string // the name, or "METHODS path"
}

func keyOf(s *dynroute.RouteSpec) routeKey {
	if s.Name != "" {
		return routeKey{true, s.Name}
	}
	return routeKey{false, strings.ToUpper(strings.Join(s.Methods, ",")) + " " + s.Path}
}

// diffRoutes counts the keys only in after, only in before, and in both
// with another content hash.
func diffRoutes(before, after map[routeKey]uint64) (added, removed, updated int) {
	for k, h := range after {
		old, ok := before[k]
		switch {
		case !ok:
			added++
		case old != h:
			updated++
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			removed++
		}
	}
	return added, removed, updated
}

// Triggers.

// fileWatch watches the directory of one file.
type fileWatch struct {
	w    *fsnotify.Watcher
	file string // cleaned
	real string // the file's target at the last look, when it is a symlink
}

func newFileWatch(file string) (*fileWatch, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	fw := &fileWatch{w: w, file: filepath.Clean(file)}
	if err := w.Add(filepath.Dir(fw.file)); err != nil {
		_ = w.Close()
		return nil, err
	}
	fw.real, _ = filepath.EvalSymlinks(fw.file)
	return fw, nil
}

// relevant reports whether ev may have changed the file's content.
func (fw *fileWatch) relevant(ev fsnotify.Event) bool {
	if ev.Op&^fsnotify.Chmod == 0 {
		return false // permissions or timestamps only
	}
	if filepath.Clean(ev.Name) == fw.file {
		fw.real, _ = filepath.EvalSymlinks(fw.file)
		return true
	}
	// Another name in the directory matters only when the file is a link
	// that now points elsewhere. Lstat first: most files are no links.
	if fi, err := os.Lstat(fw.file); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return false
	}
	real, err := filepath.EvalSymlinks(fw.file)
	if err != nil || real == fw.real {
		return false
	}
	fw.real = real
	return true
}

// watchLoop reloads after the watched file changed and went quiet for the
// debounce interval.
func (r *Reloader) watchLoop(ctx context.Context, fw *fileWatch) {
	defer fw.w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var pendingSince time.Time // zero: no reload pending
	schedule := func() {
		now := time.Now()
		if pendingSince.IsZero() {
			pendingSince = now
		}
		delay := r.debounce
		if limit := pendingSince.Add(maxDebounceWaits * r.debounce); now.Add(delay).After(limit) {
			delay = max(0, limit.Sub(now))
		}
		timer.Reset(delay)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-fw.w.Events:
			if !ok {
				return
			}
			if fw.relevant(ev) {
				schedule()
			}
		case err, ok := <-fw.w.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				schedule() // events were lost; one of them may have been ours
			}
			r.logger.Warn("dynroute: watching a config file", "source", r.source, "file", r.file, "error", err.Error())
		case <-timer.C:
			pendingSince = time.Time{}
			_, _ = r.reload(ctx, TriggerFile, false)
		}
	}
}

// signalLoop reloads on each signal until ctx is done, then restores the
// signals' default handling.
func (r *Reloader) signalLoop(ctx context.Context, sigc chan os.Signal) {
	defer signal.Stop(sigc)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sigc:
			_, _ = r.reload(ctx, TriggerSignal, false)
		}
	}
}

// pollVersion is the version the poll last acted on.
type pollVersion struct {
	v  string
	ok bool // v is known
}

// readVersion reads the source's version, or returns an unknown one.
func (r *Reloader) readVersion(ctx context.Context) pollVersion {
	vctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.version(vctx)
	if err != nil {
		return pollVersion{}
	}
	return pollVersion{v: v, ok: true}
}

// pollLoop checks the source every interval and reloads when it changed.
// last is the version read before the first load.
func (r *Reloader) pollLoop(ctx context.Context, last pollVersion) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r.version != nil && (r.checkSum < 0 || n%r.checkSum != 0) {
			vctx, cancel := context.WithTimeout(ctx, r.timeout)
			v, err := r.version(vctx)
			cancel()
			switch {
			case errors.Is(err, ErrNoVersion):
				// Fall through to the checksum below.
			case err != nil:
				r.pollFailed(ctx, err)
				continue
			case last.ok && v == last.v:
				continue
			default:
				_, err := r.reload(ctx, TriggerPoll, true)
				// A bad config stays bad until the data changes: remember
				// its version so as not to reload it on every poll. Other
				// errors (the database is down) are retried.
				if err == nil || errors.Is(err, dynroute.ErrInvalidConfig) {
					last = pollVersion{v: v, ok: true}
				}
				continue
			}
		}
		_, _ = r.reload(ctx, TriggerPoll, true)
	}
}

// pollFailed logs an error of the version check, once while it repeats.
func (r *Reloader) pollFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := err.Error()
	level := slog.LevelWarn
	if msg == r.lastFail {
		level = slog.LevelDebug
	}
	r.lastFail = msg
	r.logger.Log(context.Background(), level, "dynroute: reload poll: version check failed",
		"source", r.source, "error", msg)
}
