package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/reload"
)

// The runtime-change benchmarks of DESIGN.md: swapping a 10,000-route table
// (< 50 ms, build and publish), dispatch on stable routes while tables are
// swapped without pause (within 1.2x of no swaps), and the latency of
// requests while large tables are rebuilt (no request waits for a
// rebuild: compare the p99 and max latency with ms/swap).

// discardLogger keeps the Reloader's per-reload records out of the output.
var discardLogger = slog.New(slog.DiscardHandler)

// noopSpec is the registry handler of generated config routes, "noop".
var noopSpec = dynroute.HandlerFunc(func(http.ResponseWriter, *http.Request, dynroute.Params) {})

// genSpecs returns n specs of Generated(n), each path under prefix so that
// two sets with different prefixes share no route, named prefix-i.
func genSpecs(n int, prefix string) []dynroute.RouteSpec {
	specs := make([]dynroute.RouteSpec, n)
	for i, r := range Generated(n) {
		specs[i] = dynroute.RouteSpec{
			Name:    fmt.Sprintf("%s-%d", prefix, i),
			Path:    "/" + prefix + r.Path,
			Methods: []string{r.Method},
			Handler: "noop",
		}
	}
	return specs
}

// reloadRouter returns a router serving GitHubAPI (added in code, so no
// swap touches it) with the fast-path handlers, and "noop" registered for
// generated specs. Its handlers record into a *recorder.
func reloadRouter(tb testing.TB) *dynroute.Router { return reloadRouterWith(tb, fastHandler) }

// serverHandler is fastHandler for any http.ResponseWriter: it reads the
// parameters and answers 200 with no body.
func serverHandler(_ int, names []string) http.Handler {
	return dynroute.HandlerFunc(func(w http.ResponseWriter, _ *http.Request, ps dynroute.Params) {
		n := 0
		for _, name := range names {
			n += len(ps.Get(name))
		}
		if n == 0 && len(names) > 0 {
			w.WriteHeader(http.StatusBadRequest) // keeps the reads; never happens
		}
	})
}

// reloadRouterWith is reloadRouter with handlers made by mk.
func reloadRouterWith(tb testing.TB, mk func(int, []string) http.Handler) *dynroute.Router {
	tb.Helper()
	h, err := newDynroute(githubTable, mk)
	if err != nil {
		tb.Fatal(err)
	}
	rt := h.(*dynroute.Router)
	if err := rt.Registry().Register("noop", noopSpec); err != nil {
		tb.Fatal(err)
	}
	return rt
}

// stableRequests are requests to routes every table version has: one
// static, one with three parameters.
func stableRequests(tb testing.TB, rt *dynroute.Router) []*http.Request {
	tb.Helper()
	reqs := newRequests([]Route{{"GET", staticRoute}, {"GET", paramRoute}})
	w := newRecorder()
	for _, r := range reqs {
		w.reset()
		rt.ServeHTTP(w, r) // the first request compiles; from now on swaps publish at once
		if w.status != 0 || w.route < 0 {
			tb.Fatalf("%s: status %d, want a route to serve it", r.URL.Path, w.status)
		}
	}
	return reqs
}

// swapper swaps the routes of source between two spec sets in a goroutine,
// without pause, until stop; it counts the swaps and their total duration.
type swapper struct {
	rt     *dynroute.Router
	source string
	sets   [2][]dynroute.RouteSpec
	done   chan struct{}
	wg     sync.WaitGroup
	swaps  atomic.Int64
	spent  atomic.Int64 // ns
	err    atomic.Pointer[error]
}

func newSwapper(rt *dynroute.Router, n int) *swapper {
	s := &swapper{rt: rt, source: "gen", sets: [2][]dynroute.RouteSpec{genSpecs(n, "a"), genSpecs(n, "b")}}
	for i := range s.sets {
		for j := range s.sets[i] {
			s.sets[i][j].Source = dynroute.Source{File: s.source}
		}
	}
	return s
}

// swap replaces the source's routes with set i%2 once.
func (s *swapper) swap(i int) error {
	start := time.Now()
	_, err := s.rt.ReplaceSource(s.source, s.sets[i%2], nil)
	s.spent.Add(int64(time.Since(start)))
	s.swaps.Add(1)
	return err
}

// start swaps in a goroutine until stop: every interval, or without
// pause for interval 0.
func (s *swapper) start(interval time.Duration) {
	s.done = make(chan struct{})
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		s.wg.Go(func() {
			<-s.done
			t.Stop()
		})
		tick = t.C
	}
	s.wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-s.done:
				return
			default:
			}
			if tick != nil && i > 0 { // the first swap at once
				select {
				case <-s.done:
					return
				case <-tick:
				}
			}
			if err := s.swap(i); err != nil {
				s.err.Store(&err)
				return
			}
		}
	})
}

// halt ends the swaps and waits for the one under way.
func (s *swapper) halt() {
	close(s.done)
	s.wg.Wait()
}

// stop ends the swaps and reports them as metrics of b.
func (s *swapper) stop(b *testing.B) {
	s.halt()
	if err := s.err.Load(); err != nil {
		b.Fatal(*err)
	}
	if n := s.swaps.Load(); n > 0 {
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "swaps/s")
		b.ReportMetric(float64(s.spent.Load())/float64(n)/1e6, "ms/swap")
	}
}

// BenchmarkSwap10k replaces a source of 10,000 routes with another 10,000
// on a router that is serving, so that each swap checks the specs, builds
// the table and publishes it: the reload of a large config. With Reloader
// the swap goes through Reloader.Reload, which also fingerprints the specs
// and counts what changed.
func BenchmarkSwap10k(b *testing.B) {
	const n = 10_000
	b.Run("via=ReplaceSource", func(b *testing.B) {
		rt := reloadRouter(b)
		s := newSwapper(rt, n)
		stableRequests(b, rt)
		if err := s.swap(0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 1
		for b.Loop() {
			if err := s.swap(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if got := len(rt.Routes()); got != n+len(GitHubAPI) {
			b.Fatalf("%d routes, want %d", got, n+len(GitHubAPI))
		}
	})
	b.Run("via=Reloader", func(b *testing.B) {
		rt := reloadRouter(b)
		sets := newSwapper(rt, n).sets // with Sources, as a file loader gives them
		var i atomic.Int64
		rl, err := reload.New(rt, &reload.Options{
			Source: "gen",
			Load: func(context.Context) ([]dynroute.RouteSpec, error) {
				return sets[i.Add(1)%2], nil
			},
			Logger: discardLogger,
		})
		if err != nil {
			b.Fatal(err)
		}
		stableRequests(b, rt)
		if _, err := rl.Reload(b.Context()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ev, err := rl.Reload(b.Context())
			if err != nil || !ev.Changed || ev.Added != n || ev.Removed != n {
				b.Fatalf("reload: %+v, %v", ev, err)
			}
		}
	})
}

// swapRates are the swap rates of BenchmarkDispatchDuringSwaps: 100 a
// second (a config reloaded far more often than any deployment does) and as
// fast as one goroutine can (max).
var swapRates = []struct {
	name     string
	interval time.Duration
}{{"100/s", 10 * time.Millisecond}, {"max", 0}}

// BenchmarkDispatchDuringSwaps serves the stable routes of the GitHub
// table (one static, one with three parameters, in turn) while a goroutine
// swaps another source of 100 routes; each swap compiles the whole table,
// ~300 routes. ns/op is the dispatch cost while swapping; none-ns/op the
// cost without swaps, measured in chunks that alternate with the swapping
// ones so that both see the same machine; ratio is the median ratio of
// adjacent chunks, the number DESIGN.md's 1.2x is about.
//
// The requests never wait for a swap: the table is read with one atomic
// load. What swaps cost them is the CPU, caches and memory bandwidth they
// share with the swapper and with the collector it keeps busy; on a machine
// with two cores (or two hyperthreads of one) swaps=max measures mostly
// that sharing. Allocations are not reported: the testing package would
// count the swapper's; BenchmarkStatic and BenchmarkParam show dispatch's.
func BenchmarkDispatchDuringSwaps(b *testing.B) {
	for _, rate := range swapRates {
		b.Run("swaps="+rate.name, func(b *testing.B) {
			rt := reloadRouter(b)
			s := newSwapper(rt, 100)
			if err := s.swap(0); err != nil {
				b.Fatal(err)
			}
			reqs := stableRequests(b, rt)
			w := newRecorder()
			j := 0
			dispatch := func(n int) time.Duration {
				start := time.Now()
				for range n {
					rt.ServeHTTP(w, reqs[j])
					j ^= 1
				}
				return time.Since(start)
			}
			// Chunks of tens of ms: long enough for several swaps at 100/s,
			// short enough for a dozen pairs or more per run.
			const chunk = 1 << 18
			var none, swapping, ratios []float64
			var swapTime time.Duration
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(chunk, b.N-done)
				b.StopTimer()
				quiet := dispatch(n)
				s.start(rate.interval)
				b.StartTimer()
				busy := dispatch(n)
				b.StopTimer()
				s.halt()
				b.StartTimer()
				swapTime += busy
				none = append(none, float64(quiet)/float64(n))
				swapping = append(swapping, float64(busy)/float64(n))
				ratios = append(ratios, float64(busy)/float64(quiet))
				done += n
			}
			b.StopTimer()
			if err := s.err.Load(); err != nil {
				b.Fatal(*err)
			}
			if w.route < 0 {
				b.Fatal("no route served")
			}
			b.ReportMetric(median(none), "none-ns/op")
			b.ReportMetric(median(ratios), "ratio")
			if n := s.swaps.Load(); n > 0 {
				b.ReportMetric(float64(n)/swapTime.Seconds(), "swaps/s")
			}
		})
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// reloadRates are the reload rates of BenchmarkLatencyDuringReloads.
var reloadRates = []struct {
	name     string
	on       bool
	interval time.Duration
}{{"none", false, 0}, {"10/s", true, 100 * time.Millisecond}, {"max", true, 0}}

// BenchmarkLatencyDuringReloads measures the latency of each request to a
// stable route, in process and over loopback HTTP (one kept-alive
// connection), while a goroutine swaps a 10,000-route source: never, ten
// times a second, or without pause; and reports its percentiles. A request
// that waited for a rebuild would take about ms/swap: compare max with it.
// At reloads=max the swapper keeps one CPU busy by itself, so on a
// two-CPU machine the loopback requests also wait for a CPU.
func BenchmarkLatencyDuringReloads(b *testing.B) {
	for _, transport := range []string{"inproc", "loopback"} {
		for _, rate := range reloadRates {
			b.Run(fmt.Sprintf("transport=%s/reloads=%s", transport, rate.name), func(b *testing.B) {
				var do func()
				rt := reloadRouter(b)
				if transport == "loopback" {
					rt = reloadRouterWith(b, serverHandler)
				}
				s := newSwapper(rt, 10_000)
				if err := s.swap(0); err != nil {
					b.Fatal(err)
				}
				if transport == "loopback" {
					srv := httptest.NewServer(rt)
					defer srv.Close()
					do = overLoopback(b, srv, newRequests([]Route{{"GET", staticRoute}, {"GET", paramRoute}}))
				} else {
					do = inProcess(rt, stableRequests(b, rt))
				}
				for range 4 {
					do() // connect, and compile the table the swap(0) left
				}
				var h histogram
				if rate.on {
					s.start(rate.interval)
				}
				for b.Loop() {
					start := time.Now()
					do()
					h.add(time.Since(start))
				}
				if rate.on {
					s.stop(b)
				}
				for _, p := range []struct {
					q    float64
					unit string
				}{{0.5, "p50-ns"}, {0.99, "p99-ns"}, {0.999, "p99.9-ns"}, {1, "max-ns"}} {
					b.ReportMetric(float64(h.quantile(p.q)), p.unit)
				}
			})
		}
	}
}

// inProcess returns a function that serves the next request of reqs.
func inProcess(rt *dynroute.Router, reqs []*http.Request) func() {
	w := newRecorder()
	j := 0
	return func() {
		rt.ServeHTTP(w, reqs[j])
		j ^= 1
	}
}

// overLoopback returns a function that sends the next request of reqs to
// srv over a kept-alive connection and reads the answer.
func overLoopback(b *testing.B, srv *httptest.Server, reqs []*http.Request) func() {
	client := srv.Client()
	urls := make([]string, len(reqs))
	for i, r := range reqs {
		urls[i] = srv.URL + r.URL.Path
	}
	j := 0
	return func() {
		resp, err := client.Get(urls[j])
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s", urls[j], resp.Status)
		}
		j ^= 1
	}
}

// histogram counts durations in buckets 1/32 wide on a log scale (exact
// below 64 ns), so that quantiles of any b.N cost a fixed 10 KiB.
type histogram struct {
	counts [64 + 58*32]uint64
	n      uint64
	max    time.Duration
}

func (h *histogram) add(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	h.n++
	h.max = max(h.max, d)
}

// bucketOf is v for v < 64; above, 32 buckets per power of two.
func bucketOf(v uint64) int {
	if v < 64 {
		return int(v)
	}
	e := bits.Len64(v) - 6 // v>>e is in [32, 64)
	return 64 + (e-1)*32 + int(v>>e) - 32
}

// bucketTop is the greatest value of bucket i.
func bucketTop(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	e := (i-64)/32 + 1
	sub := uint64((i-64)%32 + 32)
	return (sub+1)<<e - 1
}

// quantile returns the upper bound of the bucket holding quantile q, and the
// maximum for q = 1.
func (h *histogram) quantile(q float64) time.Duration {
	if q >= 1 || h.n == 0 {
		return h.max
	}
	rank := uint64(q * float64(h.n))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return min(time.Duration(bucketTop(i)), h.max)
		}
	}
	return h.max
}

// TestHistogram checks the buckets against exact quantiles.
func TestHistogram(t *testing.T) {
	for v := uint64(0); v < 1<<20; v += 1 + v/7 {
		i := bucketOf(v)
		if top := bucketTop(i); v > top || (i > 0 && v <= bucketTop(i-1)) {
			t.Fatalf("value %d in bucket %d, whose range ends at %d (previous %d)", v, i, top, bucketTop(i-1))
		}
	}
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.quantile(c.q)
		if got < c.want || float64(got) > float64(c.want)*1.04 {
			t.Errorf("quantile %v = %v, want %v (+4%%)", c.q, got, c.want)
		}
	}
}
