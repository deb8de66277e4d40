package soak

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Latency histogram.

// histSub is the number of sub-buckets per power of two: a bucket spans
// 1/16 of its power of two, so a percentile read from it is within about 6%.
const histSub = 16

// hist is a log-linear latency histogram of nanoseconds: values below
// histSub have a bucket each, larger ones fall into histSub buckets per power
// of two. Recording is an index computation and an increment, so the
// clients stay cheap and the server is what is measured. A hist belongs to
// one goroutine; merge combines them at the end.
type hist struct {
	counts [64 * histSub]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

// bucketOf returns the bucket of ns nanoseconds.
func bucketOf(ns uint64) int {
	if ns < histSub {
		return int(ns)
	}
	e := bits.Len64(ns) - 1 // ns is in [2^e, 2^(e+1)), e >= 4
	m := (ns >> (e - 4)) & (histSub - 1)
	return (e-3)*histSub + int(m)
}

// bucketTop returns the largest value of bucket i, in nanoseconds.
func bucketTop(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	e, m := i/histSub+3, uint64(i%histSub)
	return (histSub+m+1)<<(e-4) - 1
}

// add records one latency.
func (h *hist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// merge adds o's counts to h.
func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the recorded
// ones lie: the top of the bucket holding it (the exact maximum for q = 1).
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(q*float64(h.n)) + 1 // 1-based rank of the value wanted
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketTop(i)), h.max)
		}
	}
	return h.max
}

// mean returns the average latency.
func (h *hist) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// String formats the histogram's summary.
func (h *hist) String() string {
	return fmt.Sprintf("n=%d mean=%v p50=%v p90=%v p99=%v p99.9=%v max=%v", h.n,
		round(h.mean()), round(h.quantile(0.50)), round(h.quantile(0.90)),
		round(h.quantile(0.99)), round(h.quantile(0.999)), round(h.max))
}

// round shortens a latency for the report.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// Errors.

// maxSamples is how many error messages a tally keeps for the report.
const maxSamples = 10

// tally counts errors by kind ("transport", "5xx", "status", "body",
// "reload", "api", "log") and keeps the first messages. A tally belongs to
// one goroutine, or is guarded by its owner.
type tally struct {
	kinds   map[string]int
	samples []string
}

// add records one error of kind.
func (t *tally) add(kind, msg string) {
	if t.kinds == nil {
		t.kinds = make(map[string]int)
	}
	t.kinds[kind]++
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, kind+": "+msg)
	}
}

// merge adds o's errors to t.
func (t *tally) merge(o *tally) {
	for k, n := range o.kinds {
		if t.kinds == nil {
			t.kinds = make(map[string]int)
		}
		t.kinds[k] += n
	}
	for _, s := range o.samples {
		if len(t.samples) < maxSamples {
			t.samples = append(t.samples, s)
		}
	}
}

// total returns the number of errors of every kind.
func (t *tally) total() int {
	n := 0
	for _, c := range t.kinds {
		n += c
	}
	return n
}

// String lists the counts by kind, sorted, or "none".
func (t *tally) String() string {
	if t.total() == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.kinds)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, t.kinds[k]))
	}
	return strings.Join(parts, " ")
}

// Logs.

// logCounter is the servers' and the Reloader's slog handler: it drops
// records below Warn and keeps those at Warn or above, which are errors of
// the soak (a server that warns under load, a reload that failed).
type logCounter struct {
	mu    sync.Mutex
	warns tally
	attrs []slog.Attr
	state *logCounter // the shared state; nil on the root
}

// root returns the handler holding the shared state.
func (h *logCounter) root() *logCounter {
	if h.state != nil {
		return h.state
	}
	return h
}

// Enabled reports whether level is kept: Warn and above.
func (h *logCounter) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}

// Handle keeps r as an error of kind "log".
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		b.WriteString(" " + a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	root := h.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	root.warns.add("log", b.String())
	return nil
}

// WithAttrs returns a handler that adds attrs to each record.
func (h *logCounter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logCounter{attrs: append(slices.Clip(h.attrs), attrs...), state: h.root()}
}

// WithGroup returns h: the soak's loggers use no groups that matter for
// counting.
func (h *logCounter) WithGroup(string) slog.Handler { return h }

// tally returns a copy of the records kept.
func (h *logCounter) tally() tally {
	root := h.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	var t tally
	t.merge(&root.warns)
	return t
}

// Memory.

// memSample is the process's memory and goroutines at one moment.
type memSample struct {
	at         time.Duration // since the load started; negative before it
	rss        int64         // resident set size in bytes (VmRSS); -1 where unknown
	heapLive   uint64        // bytes of live heap objects after a forced GC
	heapInuse  uint64        // bytes in in-use heap spans after that GC
	goroutines int
	requests   int64 // answered by then
}

// sampleMem forces a garbage collection and measures.
func sampleMem(at time.Duration, requests int64) memSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{
		at:         at,
		rss:        readRSS(),
		heapLive:   ms.HeapAlloc,
		heapInuse:  ms.HeapInuse,
		goroutines: runtime.NumGoroutine(),
		requests:   requests,
	}
}

// String formats the sample for the report.
func (s memSample) String() string {
	rss := "n/a"
	if s.rss >= 0 {
		rss = mib(uint64(s.rss))
	}
	return fmt.Sprintf("t=%-6v rss=%-9s heap-live=%-9s heap-inuse=%-9s goroutines=%-4d requests=%d",
		s.at.Round(100*time.Millisecond), rss, mib(s.heapLive), mib(s.heapInuse), s.goroutines, s.requests)
}

// mib formats a byte count in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

// readRSS returns the process's resident set size from /proc/self/status,
// or -1 where there is none (not Linux).
func readRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return -1
		}
		return kb << 10
	}
	return -1
}
