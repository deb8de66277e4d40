// Package soak is the soak test of the examples (issue 10): many clients on
// loopback send a realistic mix of requests to the config and reload
// examples for a while, with the reload example's routes changing all the
// time, and the test reports throughput, errors, latency, memory and
// goroutines, and fails on any error, on goroutines left over after
// shutdown and, in the long version, on memory that grows.
//
// The package holds only this documentation and the test; run it with go test:
//
//	go test -race ./examples/soak                         # short: 2 s, 4 clients (also part of go test ./...)
//	go test ./examples/soak -run TestSoak -v -soak 60s    # long: 60 s, 64 clients, memory must stay flat
//	go test ./examples/soak -run TestSoak -v -soak 60s -clients 128 -reload-every 50ms
//
// The flags are the test binary's, so give them with a single package path
// (or after -args); -v prints the report when the test passes. Run the long
// version without -race: the race detector multiplies memory and slows the
// servers, so the numbers would measure it.
//
// # What runs
//
// Two servers on 127.0.0.1 ports chosen by the system, each served by
// seed.Serve, as the example programs serve:
//
//   - the config example's router: seed.NewRouter with
//     examples/config/routes.yaml applied as `go run ./examples/config` does.
//     It never changes.
//   - the reload example's router: seed.NewRouter with a
//     reload.NewFile on a routes file in a temporary directory,
//     set up as `go run ./examples/reload` does (without SIGHUP, which would
//     reach the whole test binary), plus a route /soak/flip added in code.
//     Every -reload-every (default 75 ms) the file is rewritten, aside and
//     renamed over, flipping between two valid versions that share most
//     routes and differ in some (the admin route, echo_v2, echo's methods, a
//     summary), and, half an interval later, /soak/flip's handler is swapped
//     with Router.ReplaceRoute and /soak/extra/{id} added or removed with
//     Router.Update. The Reloader's debounce is 20 ms so every rewrite is
//     reloaded.
//
// The clients (-clients; 4 in the short version, 64 in the long one) share
// one keep-alive transport and each sends one request at a time, as fast as
// answers come back, drawing from a weighted mix: every route of the config
// example with good and bad input (typed handler 200 and 422, echo, the
// mounted plugin), the route added in code, HEAD, OPTIONS, 405 with its
// Allow header, the trailing-slash redirect, 404s, and /openapi.json; on the
// reload example, the routes both file versions have and the code routes,
// which must answer every time, the routes only one version has, which may
// be served or 404/405 but must be whole either way, and /openapi.json,
// which must describe exactly one table (the stable paths, exactly one file
// version, maybe the extra route). The config example's /openapi.json must
// be byte for byte the one it served before the load.
//
// # What counts as an error
//
// An expected 4xx is not an error. Errors, by kind in the report: a
// transport error or timeout (transport), a 5xx (5xx), a status the probe
// does not allow (status), a wrong Content-Type, header or body (body), a
// reload that failed (reload: the soak writes only valid, whole files), a
// failed Router API call (api), a failed rewrite of the file (rewrite), and
// any record at Warn or above logged by the servers or the Reloader (log).
// There must be none.
//
// # What is reported
//
// Requests and requests per second, answers by status class and by probe
// and status, errors by kind with the first messages, latency (mean, p50,
// p90, p99, p99.9, max) overall and per server from a log-linear histogram
// (values within about 6%; the maximum is exact), the reload example's
// rewrites, reloads and swaps, memory samples (RSS from /proc/self/status,
// live heap and in-use heap after a forced GC, goroutines, requests so
// far) at the start, after warm-up, at intervals, at the end of the load and
// after shutdown, and goroutines at the start and after shutdown. The
// clients run in the same process, so the memory is the servers' plus the
// clients'. The latency is a client's: from sending to the last byte of the
// answer read, so at the machine's limit it includes waiting for a CPU.
//
// # Pass criteria
//
//   - no error of any kind;
//   - both servers answered, the reload example's table changed at least
//     twice and its code routes were swapped;
//   - after the clients stop, the idle connections are closed and the
//     servers and the Reloader shut down, the goroutines come back to the
//     number at the start within 10 s (their stacks are printed if not);
//   - long version only: memory is flat. Warm-up is a fifth of the run
//     (at least 2 s, at most 15 s); the end value is the smaller of the last
//     two samples. The live heap after GC at the end may exceed the warm-up
//     sample by 20% + 4 MiB, the RSS by 25% + 16 MiB. The live heap is the
//     leak signal; its slack covers what requests in flight hold at the
//     moment of a sample. RSS also holds heap freed but not yet returned to
//     the system, so it gets more room. At the rate of a 2-vCPU machine
//     (about 3,400 requests and 38 table swaps a second, with the live heap
//     at about 5.5 MiB), a leak of 3 KiB per swap or of 40 bytes per request
//     exceeds the heap limit within 60 s.
package soak
