package etcd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// DefaultPrefix is the key prefix of Options.Prefix's default.
const DefaultPrefix = "/dynroute/routes/"

const defaultCheckInterval = time.Second

// ErrInvalidPrefix: a prefix is empty or does not end in "/".
var ErrInvalidPrefix = errors.New("invalid etcd key prefix")

// Options configures New. A nil *Options means the defaults.
type Options struct {
	// Prefix is the key prefix under which the routes are stored, one key
	// per route. It must end in "/" (it is the Reloader's source, which
	// holds the routes of every key under it: dynroute.Source.From). ""
	// means DefaultPrefix.
	Prefix string

	// Reload configures the Reloader: Logger, OnReload, Apply, Timeout,
	// WatchRetry, and PollInterval for a poll beside the watch. New sets
	// Source, LoadVersioned and Watch; any Load, Version or WatchFile given
	// is an error.
	Reload *reload.Options

	// CheckInterval is how often the watch asks the cluster whether it
	// answers; one that does not within three intervals is an outage.
	// Zero means 1s.
	CheckInterval time.Duration
}

// New returns a Reloader that keeps the routes stored under the prefix
// served by rt: Start loads them, then follows them with a watch (see the
// package doc). cli is the caller's: the Reloader never closes it.
func New(rt *dynroute.Router, cli *clientv3.Client, opts *Options) (*reload.Reloader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var ro reload.Options
	if o.Reload != nil {
		ro = *o.Reload
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	var problems []string
	if cli == nil {
		problems = append(problems, "nil etcd client")
	}
	if err := checkPrefix(o.Prefix); err != nil {
		problems = append(problems, err.Error())
	}
	if o.CheckInterval < 0 {
		problems = append(problems, "negative CheckInterval")
	}
	if ro.Load != nil || ro.LoadVersioned != nil || ro.Version != nil || ro.Watch != nil || ro.WatchFile != "" {
		problems = append(problems, "Reload sets Load, LoadVersioned, Version, Watch or WatchFile, which New sets")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("dynroute: etcd.New: %w: %s", reload.ErrInvalidOptions, strings.Join(problems, "; "))
	}
	s := &source{cli: cli, prefix: o.Prefix, check: o.CheckInterval, logger: ro.Logger}
	if s.check == 0 {
		s.check = defaultCheckInterval
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	ro.Source = o.Prefix
	ro.LoadVersioned = s.load
	ro.Watch = s.watch
	return reload.New(rt, &ro)
}

func checkPrefix(prefix string) error {
	if prefix == "" || !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("%w %q: it must end in \"/\"", ErrInvalidPrefix, prefix)
	}
	return nil
}

// source is the Reloader's loader and watch of one prefix.
type source struct {
	cli    *clientv3.Client
	prefix string
	check  time.Duration
	logger *slog.Logger

	mu  sync.Mutex
	rev int64 // the revision the last load read
}

// load is Options.LoadVersioned: the prefix at the newest revision.
func (s *source) load(ctx context.Context) ([]dynroute.RouteSpec, string, error) {
	specs, rev, err := Load(ctx, s.cli, s.prefix)
	if rev == 0 {
		return nil, "", err
	}
	s.mu.Lock()
	s.rev = max(s.rev, rev)
	s.mu.Unlock()
	return specs, strconv.FormatInt(rev, 10), err
}

func (s *source) lastRead() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rev
}

// alive asks the cluster whether it answers, and returns its revision.
func (s *source) alive(ctx context.Context) (int64, error) {
	cctx, cancel := context.WithTimeout(ctx, 3*s.check)
	defer cancel()
	resp, err := s.cli.Get(cctx, s.prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcd: %w", err)
	}
	return resp.Header.Revision, nil
}

// watch is Options.Watch: it announces every revision that changed the
// prefix until ctx is done, and returns an error when the cluster stops
// answering or the watch ends.
func (s *source) watch(ctx context.Context, changed func(version string)) error {
	rev, err := s.alive(ctx)
	if err != nil {
		return err
	}
	// Connected: a revision other than the one loaded may hide a change
	// made while no watch was running. The Reloader skips the one loaded.
	changed(strconv.FormatInt(rev, 10))

	from := s.lastRead() + 1
	for {
		err := s.follow(ctx, from, changed)
		var compacted compactedError
		if !errors.As(err, &compacted) {
			return err
		}
		// The revisions after the last read are gone: what changed then is
		// only known by reading the prefix whole.
		s.logger.Info("dynroute: etcd: the revisions to resume from were compacted, reloading the prefix whole",
			"source", s.prefix, "from", from, "compacted", int64(compacted))
		changed("")
		from = int64(compacted)
	}
}

// compactedError is the revision a watch's start was compacted to.
type compactedError int64

func (e compactedError) Error() string {
	return "etcd: watch: revision compacted to " + strconv.FormatInt(int64(e), 10)
}

// follow watches the prefix from revision from.
func (s *source) follow(ctx context.Context, from int64, changed func(string)) error {
	// WithRequireLeader: a member cut off from its cluster's leader ends
	// the watch instead of waiting silently.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	// Watch itself can wait for a connection without end when the server
	// goes away as it is called, so it runs beside the checks: a failed
	// check returns, and cancel then ends the waiting Watch too.
	started := make(chan clientv3.WatchChan, 1)
	go func() { started <- s.cli.Watch(wctx, s.prefix, clientv3.WithPrefix(), clientv3.WithRev(from)) }()
	var wch clientv3.WatchChan // nil, never ready, until Watch returns
	tick := time.NewTicker(s.check)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case wch = <-started:
			started = nil
		case resp, ok := <-wch:
			switch {
			case !ok:
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("etcd: the watch ended")
			case resp.CompactRevision != 0:
				return compactedError(resp.CompactRevision)
			case resp.Err() != nil:
				return fmt.Errorf("etcd: watch: %w", resp.Err())
			case len(resp.Events) > 0:
				// The response's revision: a load at it or later holds
				// every event of it.
				changed(strconv.FormatInt(resp.Header.Revision, 10))
			}
		case <-tick.C:
			if _, err := s.alive(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// Load reads the routes stored under prefix at the newest revision, one
// consistent snapshot, and returns them with that revision. A value that is
// not a route is a problem: the error, a *dynroute.ConfigError wrapping
// dynroute.ErrInvalidConfig, lists one per key, naming the key and the
// revision it was written at, and the routes of the other keys are
// returned too (for lenient mode). If the prefix cannot be read the
// revision is 0.
func Load(ctx context.Context, cli *clientv3.Client, prefix string) ([]dynroute.RouteSpec, int64, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, 0, err
	}
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("etcd: read %s: %w", prefix, err)
	}
	rev := resp.Header.Revision
	specs := make([]dynroute.RouteSpec, 0, len(resp.Kvs))
	var problems []error
	for _, kv := range resp.Kvs {
		spec, err := decodeValue(prefix, string(kv.Key), kv.Value)
		if err != nil {
			for _, p := range flatten(err) {
				problems = append(problems, fmt.Errorf("%w (written at revision %d)", p, kv.ModRevision))
			}
			continue
		}
		specs = append(specs, spec)
	}
	if len(problems) > 0 {
		n := "1 problem"
		if len(problems) > 1 {
			n = strconv.Itoa(len(problems)) + " problems"
		}
		return specs, rev, &dynroute.ConfigError{Summary: fmt.Sprintf("etcd %s at revision %d: %s", prefix, rev, n), Problems: problems}
	}
	return specs, rev, nil
}

// decodeValue reads the route of one key. Its Source is the key and the
// line in the value.
func decodeValue(prefix, key string, value []byte) (dynroute.RouteSpec, error) {
	name := strings.TrimPrefix(key, prefix)
	problem := func(detail string) error {
		return &dynroute.RouteError{Name: name, Source: dynroute.Source{File: key}, Err: dynroute.ErrInvalidConfig, Detail: detail}
	}
	if name == "" {
		return dynroute.RouteSpec{}, problem("the key has no route name after the prefix")
	}
	if len(bytes.TrimSpace(value)) == 0 {
		return dynroute.RouteSpec{}, problem("the value is empty")
	}
	// The value is one entry: read as the only item of a list, whose lines
	// are the value's, so that problems name the value's own lines.
	var (
		specs []dynroute.RouteSpec
		err   error
	)
	if trimmed := bytes.TrimLeft(value, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		doc := append(append([]byte("["), value...), ']')
		specs, err = dynroute.LoadJSON(bytes.NewReader(doc), key)
	} else {
		specs, err = dynroute.LoadYAML(bytes.NewReader(yamlItem(value)), key)
	}
	if err != nil {
		return dynroute.RouteSpec{}, err
	}
	switch {
	case len(specs) == 0:
		return dynroute.RouteSpec{}, problem("the value holds no route")
	case len(specs) > 1:
		return dynroute.RouteSpec{}, problem("the value holds more than one route")
	}
	spec := specs[0]
	switch spec.Name {
	case "":
		spec.Name = name
	case name:
	default:
		return dynroute.RouteSpec{}, problem(fmt.Sprintf("the value names the route %q, its key %q", spec.Name, name))
	}
	return spec, nil
}

// yamlItem makes a YAML value the only item of a list, line for line:
// "- " before the first line, two spaces before the others, so that the
// value's indentation, block scalars included, stays as it was. A leading
// document marker (---) becomes an empty line.
func yamlItem(value []byte) []byte {
	lines := bytes.Split(value, []byte("\n"))
	if bytes.Equal(bytes.TrimRight(lines[0], " \t\r"), []byte("---")) {
		lines[0] = nil
	}
	var b bytes.Buffer
	b.Grow(len(value) + 2*len(lines) + 2)
	for i, line := range lines {
		if i == 0 {
			b.WriteString("- ")
		} else {
			b.WriteString("\n  ")
		}
		b.Write(line)
	}
	return b.Bytes()
}

// flatten returns the problems a loader's error joins, or the error.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		if len(out) > 0 {
			return out
		}
	}
	return []error{err}
}
