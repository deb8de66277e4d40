package reload

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// push holds what a Watch announced and no reload has read yet.
type push struct {
	kick chan struct{} // holds one token while a reload is wanted

	mu      sync.Mutex
	pending bool   // a change was announced since the last take
	version string // the last version announced
	unknown bool   // a change without a version was announced
	down    bool   // Watch failed and has not connected since
	called  bool   // changed was called during the current Watch
	logger  *slog.Logger
	source  string
	st      *status
}

// startPush starts Options.Watch and the loop that reloads on its
// announcements; both end with ctx.
func (r *Reloader) startPush(ctx context.Context) {
	p := &push{kick: make(chan struct{}, 1), logger: r.logger, source: r.source, st: &r.st}
	r.wg.Go(func() { r.pushLoop(ctx, p) })
	r.wg.Go(func() { r.followLoop(ctx, p) })
}

// changed is the function Watch calls: it records the announcement and
// wakes the reload loop without waiting for it, so announcements made
// while a reload runs fold into one more. A call after an outage ends it.
func (p *push) changed(version string) {
	p.mu.Lock()
	if version == "" {
		p.unknown = true
	}
	p.pending, p.version = true, version
	p.called = true
	if p.down {
		p.down = false
		p.st.watchUp()
		p.logger.Info("dynroute: reload: the push source is back", "source", p.source, "version", version)
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default: // a reload is pending already; it will read this change too
	}
}

// take returns the announcements since the last take: whether there were
// any (a wake-up can come after a take has read its change) and the last
// version, or "" if any of them had none.
func (p *push) take() (pending bool, version string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pending, version = p.pending, p.version
	if p.unknown {
		version = ""
	}
	p.pending, p.version, p.unknown = false, "", false
	return pending, version
}

// pushLoop reloads after each announcement, skipping one whose version
// the last load read already.
func (r *Reloader) pushLoop(ctx context.Context, p *push) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		}
		pending, v := p.take()
		if !pending || v != "" && v == r.st.loadedVersion() {
			continue
		}
		_, _ = r.reload(ctx, TriggerPush, true)
	}
}

// errWatchReturned stands for a Watch that returned nil before its context
// was done: it is not following the source any more.
var errWatchReturned = errors.New("Watch returned before its context ended")

// followLoop runs Watch until ctx is done, calling it again after each
// outage with a pause that doubles up to Options.WatchRetry. The outage
// is logged once; the next call of changed ends it (push.changed). A Watch
// that connected and ran for longer than WatchRetry starts the next pause
// from the shortest again.
func (r *Reloader) followLoop(ctx context.Context, p *push) {
	pause := min(firstWatchRetry, r.retry)
	for {
		p.mu.Lock()
		p.called = false
		p.mu.Unlock()
		began := time.Now()
		err := r.watch(ctx, p.changed)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errWatchReturned
		}
		p.mu.Lock()
		if p.called && time.Since(began) > r.retry {
			pause = min(firstWatchRetry, r.retry)
		}
		level := slog.LevelDebug // the outage was logged when it began
		if !p.down {
			p.down = true
			level = slog.LevelWarn
		}
		p.st.watchDown(err)
		p.mu.Unlock()
		r.logger.Log(context.Background(), level, "dynroute: reload: lost the push source, the last good routes keep serving",
			"source", r.source, "retry_in", pause, "error", err.Error())
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, r.retry)
	}
}
