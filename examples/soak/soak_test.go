package soak

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynroute/dynroute"
	"github.com/dynroute/dynroute/auth"
	"github.com/dynroute/dynroute/examples/internal/seed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The soak's flags; see the package documentation.
var (
	soakFor     = flag.Duration("soak", 0, "run the long soak for `duration` (e.g. 60s) and check that memory stays flat; 0 runs the short version")
	soakClients = flag.Int("clients", 0, "concurrent clients; 0 means 4 for the short version, 64 for the long one")
	reloadEvery = flag.Duration("reload-every", 75*time.Millisecond, "how often the reload example's routes file is rewritten and its code routes swapped")
)

// Sizes and limits of the two versions.
const (
	shortFor     = 2 * time.Second
	shortClients = 4
	longClients  = 64

	// Memory must stay flat in the long version: the live heap after a
	// forced GC, and the RSS, at the end may exceed those after warm-up by
	// the fraction plus the slack, no more. The heap after GC is the leak
	// signal (a route table, a connection or a request kept per reload or
	// per request grows it without bound); its slack absorbs what the
	// requests in flight and the transport's buffers hold at the moment of
	// a sample. RSS also holds freed heap not yet returned to the system and
	// the stacks of the goroutines of the moment, so it gets more room.
	heapGrowth = 0.20
	heapSlack  = 4 << 20
	rssGrowth  = 0.25
	rssSlack   = 16 << 20

	// settleLimit bounds the wait for goroutines to end after shutdown.
	settleLimit = 10 * time.Second
	// requestTimeout bounds one request; a loopback request takes
	// milliseconds even at the machine's limit.
	requestTimeout = 10 * time.Second
	// reloadDebounce is the reload example's debounce: shorter than the
	// rewrite interval, so that every rewrite is reloaded.
	reloadDebounce = 20 * time.Millisecond
)

// TestSoak serves the config example and the reload example on loopback
// ports and sends them a mix of requests from many clients while the reload
// example's routes change all the time; see the package documentation.
func TestSoak(t *testing.T) {
	long := *soakFor > 0
	dur, clients := shortFor, shortClients
	if long {
		dur, clients = *soakFor, longClients
	}
	if *soakClients > 0 {
		clients = *soakClients
	}
	require.Positive(t, *reloadEvery, "-reload-every")
	warmup := dur / 4
	if long {
		warmup = min(max(dur/5, 2*time.Second), 15*time.Second)
	}

	startGoroutines := runtime.NumGoroutine()
	before := sampleMem(-1, 0)
	logs := &logCounter{}
	logger := slog.New(logs)

	// The config example, as `go run ./examples/config` serves it.
	cfgRouter := newConfigRouter(t, logger)
	cfg := serve(t, cfgRouter, logger)

	// The reload example, as `go run ./examples/reload -config FILE`
	// serves it, with its routes file and code routes changing all the time.
	rl := startReloadExample(t, logger)
	rld := serve(t, rl.rt, logger)
	rl.startChanges(*reloadEvery)

	tr := newTransport(clients)
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{
		Transport:     tr,
		Timeout:       requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	golden := fetch(t, hc, cfg.url+"/openapi.json")
	mix := weighted(configMix(golden), reloadMix())

	// The load.
	var (
		stop     atomic.Bool
		answered atomic.Int64
		wg       sync.WaitGroup
		cs       = make([]*client, clients)
	)
	start := time.Now()
	for i := range cs {
		cs[i] = &client{
			hc:    hc,
			urls:  [numServers]string{cfg.url, rld.url},
			mix:   mix,
			rng:   rand.New(rand.NewPCG(uint64(i), 0x50a6)),
			count: &answered,
		}
		wg.Go(func() { cs[i].run(&stop) })
	}
	stopLoad := sync.OnceFunc(func() {
		stop.Store(true)
		wg.Wait()
	})
	t.Cleanup(stopLoad)

	// Memory samples: one after warm-up, then at intervals to the end.
	sleepUntil(start.Add(warmup))
	samples := []memSample{sampleMem(time.Since(start), answered.Load())}
	if long {
		every := max((dur-warmup)/8, time.Second)
		for next := start.Add(warmup + every); next.Before(start.Add(dur - every/2)); next = next.Add(every) {
			sleepUntil(next)
			samples = append(samples, sampleMem(time.Since(start), answered.Load()))
		}
	}
	sleepUntil(start.Add(dur - 200*time.Millisecond))
	samples = append(samples, sampleMem(time.Since(start), answered.Load()))
	sleepUntil(start.Add(dur))

	// Stop: the clients (their last requests finish), the changes, the
	// reloader, the idle connections, the servers.
	stopLoad()
	elapsed := time.Since(start)
	changes := rl.stop()
	tr.CloseIdleConnections()
	assert.NoError(t, cfg.stop(), "config server shutdown")
	assert.NoError(t, rld.stop(), "reload server shutdown")
	afterStop := sampleMem(time.Since(start), answered.Load())
	endGoroutines := settle(startGoroutines)

	// Merge and report.
	var total loadStats
	total.byProbe = make(map[probeStatus]int)
	for _, c := range cs {
		for s := range numServers {
			total.byServer[s].merge(&c.stats.byServer[s])
		}
		for k, n := range c.stats.byProbe {
			total.byProbe[k] += n
		}
		for i, n := range c.stats.byClass {
			total.byClass[i] += n
		}
		total.errs.merge(&c.stats.errs)
	}
	total.errs.merge(&changes.errs)
	logTally := logs.tally()
	total.errs.merge(&logTally)
	var all hist
	for s := range numServers {
		all.merge(&total.byServer[s])
	}

	mode := "short"
	if long {
		mode = "long"
	}
	report := []string{
		fmt.Sprintf("soak (%s): %v, %d clients, GOMAXPROCS=%d, %s, reload-every=%v", mode, elapsed.Round(time.Millisecond),
			clients, runtime.GOMAXPROCS(0), runtime.Version(), *reloadEvery),
		fmt.Sprintf("requests: %d (%.0f req/s); 2xx=%d 3xx=%d 4xx=%d 5xx=%d", all.n, float64(all.n)/elapsed.Seconds(),
			total.byClass[2], total.byClass[3], total.byClass[4], total.byClass[5]),
		fmt.Sprintf("errors: %d (%s)", total.errs.total(), total.errs.String()),
		fmt.Sprintf("latency all:    %v", &all),
	}
	for s := range numServers {
		report = append(report, fmt.Sprintf("latency %-7s %v", serverNames[s]+":", &total.byServer[s]))
	}
	report = append(report, fmt.Sprintf("reload example: %d file rewrites, %d reloads (%d changed the table, %d failed; slowest %v), %d API swaps",
		changes.writes, changes.reloads, changes.changed, changes.failed, changes.slowest.Round(time.Microsecond), changes.swaps))
	report = append(report, "answers by probe and status:")
	keys := slices.SortedFunc(maps.Keys(total.byProbe), func(a, b probeStatus) int {
		return cmp.Or(strings.Compare(a.probe, b.probe), a.status-b.status)
	})
	for i, k := range keys {
		if i == 0 || keys[i-1].probe != k.probe {
			report = append(report, fmt.Sprintf("  %-24s", k.probe))
		}
		report[len(report)-1] += fmt.Sprintf(" %d:%d", k.status, total.byProbe[k])
	}
	report = append(report, "memory (after a forced GC each):", "  start     "+before.String())
	for i, s := range samples {
		label := "  sample    "
		switch i {
		case 0:
			label = "  warm-up   "
		case len(samples) - 1:
			label = "  end       "
		}
		report = append(report, label+s.String())
	}
	report = append(report, "  stopped   "+afterStop.String(),
		fmt.Sprintf("goroutines: %d at the start, %d after shutdown", startGoroutines, endGoroutines))
	for _, s := range total.errs.samples {
		report = append(report, "error sample: "+s)
	}
	t.Log("\n" + strings.Join(report, "\n"))

	// Checks.
	assert.Zero(t, total.errs.total(), "errors: %s", total.errs.String())
	assert.Positive(t, total.byServer[configServer].n, "the config example answered")
	assert.Positive(t, total.byServer[reloadServer].n, "the reload example answered")
	assert.GreaterOrEqual(t, changes.changed, int64(2), "the reload example's table changed while the load ran")
	assert.Positive(t, changes.swaps, "the reload example's code routes were swapped")
	if !assert.LessOrEqual(t, endGoroutines, startGoroutines, "goroutines after shutdown") {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Logf("goroutines:\n%s", b.String())
	}
	if long {
		checkFlat(t, samples)
	}
}

// checkFlat fails if memory grew between the warm-up sample and the end
// (the smaller of the last two samples, so that one sample caught at a
// moment of many requests in flight does not decide) by more than the
// tolerances.
func checkFlat(t *testing.T, samples []memSample) {
	t.Helper()
	require.GreaterOrEqual(t, len(samples), 2, "memory samples")
	warm, last := samples[0], samples[len(samples)-1]
	prev := last
	if len(samples) >= 3 {
		prev = samples[len(samples)-2]
	}
	heapEnd := min(last.heapLive, prev.heapLive)
	limit := uint64(float64(warm.heapLive)*(1+heapGrowth)) + heapSlack
	assert.LessOrEqual(t, heapEnd, limit, "live heap after GC grew from %s after warm-up to %s at the end (limit %s)",
		mib(warm.heapLive), mib(heapEnd), mib(limit))
	if warm.rss < 0 {
		t.Log("no RSS on this system: only the heap is checked")
		return
	}
	rssEnd := min(last.rss, prev.rss)
	rssLimit := int64(float64(warm.rss)*(1+rssGrowth)) + rssSlack
	assert.LessOrEqual(t, rssEnd, rssLimit, "RSS grew from %s after warm-up to %s at the end (limit %s)",
		mib(uint64(warm.rss)), mib(uint64(rssEnd)), mib(uint64(rssLimit)))
}

// sleepUntil sleeps until t.
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}

// settle waits up to settleLimit for the goroutines to come down to want
// (connections' goroutines end a moment after they are closed) and returns
// how many there are.
func settle(want int) int {
	deadline := time.Now().Add(settleLimit)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fetch GETs url, which must answer 200, and returns the body.
func fetch(t *testing.T, hc *http.Client, url string) []byte {
	t.Helper()
	res, err := hc.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", url, body)
	return body
}

// Servers.

// server is one example served on a loopback port with seed.Serve, as the
// example programs serve.
type server struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	stop   func() error // shuts the server down gracefully, once
}

// serve serves h on a free port of 127.0.0.1 until stop is called (or the
// test ends).
func serve(t *testing.T, h http.Handler, logger *slog.Logger) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- seed.Serve(ctx, ln, h, logger) }()
	s.stop = sync.OnceValue(func() error {
		s.cancel()
		select {
		case err := <-s.done:
			return err
		case <-time.After(seed.ShutdownTimeout + 5*time.Second):
			return errors.New("the server did not shut down")
		}
	})
	t.Cleanup(func() { _ = s.stop() })
	return s
}

// soakAdminKey is the admin API key of the config example's router.
const soakAdminKey = "soak-admin-key"

// newConfigRouter builds the config example's router as its main does
// without -config: examples/config/routes.yaml in lenient mode with the
// default tag, on the seed router, with its admin_key scheme (X-API-Key)
// accepting soakAdminKey.
func newConfigRouter(t *testing.T, logger *slog.Logger) *dynroute.Router {
	t.Helper()
	file := filepath.Join("..", "config", "routes.yaml")
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	specs, err := dynroute.LoadYAML(f, "routes.yaml")
	require.NoError(t, err)
	rt, err := seed.NewRouter()
	require.NoError(t, err)
	require.NoError(t, rt.AddSecurityScheme("admin_key", dynroute.SecurityScheme{Type: "apiKey", In: "header", Name: "X-API-Key"}))
	keys, err := auth.NewAPIKeys(auth.APIKey{Key: soakAdminKey})
	require.NoError(t, err)
	require.NoError(t, rt.Registry().RegisterVerifier("admin_key", keys))
	skipped, err := rt.AddRoutes(specs, &dynroute.ApplyOptions{
		Lenient:     true,
		Logger:      logger,
		DefaultTags: []string{seed.DefaultTag},
	})
	require.NoError(t, err)
	require.Empty(t, skipped, "%s has no problems", file)
	return rt
}
