// Package bench measures dynroute side by side with the routers it is
// compared against in DESIGN.md: raw julienschmidt/httprouter (which dynroute
// is built on), net/http.ServeMux and go-chi/chi.
//
// It is its own module so that the benchmark dependencies (chi, huma,
// fuego, SQLite) stay out of dynroute's go.mod. Every router is built from
// the same route table and serves the same requests; TestTablesAgree checks
// that they pick the same route and read the same parameter values, so the
// benchmarks compare equal work. BenchmarkDispatchTwilio serves a table
// shaped like Twilio's API (routes_twilio.go), whose parameters inside a
// segment ({Sid}.json) only dynroute and chi can express; TestTwilioAgree
// checks it the same way. dynroute recovers handler panics by default, so
// the httprouter baseline has a PanicHandler; TestPaired also compares both
// without one. The typed-endpoint and OpenAPI benchmarks
// (typed_test.go, spec_test.go) compare it with huma v2 the same way, and
// the typed endpoint also with fuego: TestTypedAgree and TestSpecAgree check
// that every side answers and documents the same operations.
//
// Run ./run.sh to get the benchstat tables, with one column per router, and
// TestPaired's ratios (paired_test.go); it writes them, with the machine,
// the versions compared, the goals of DESIGN.md checked against the data
// (internal/report) and charts of the medians (internal/charts, SVG files in
// charts/), to BENCHMARKS.md at the root of the repository. For a
// quick comparison of two versions, run TestPaired alone on some rows:
//
//	go test -run '^TestPaired$' -paired -paired-rows '^(Static|Register10k)' .
package bench
