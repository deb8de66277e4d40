// Package bench measures dynroute side by side with the routers it is
// compared against in DESIGN.md: raw julienschmidt/httprouter (which dynroute
// is built on), net/http.ServeMux and go-chi/chi.
//
// It is its own module so that the benchmark dependencies (chi) stay out of
// dynroute's go.mod. Every router is built from the same route table and
// serves the same requests; TestTablesAgree checks that they pick the same
// route and read the same parameter values, so the benchmarks compare equal
// work. The typed-endpoint and OpenAPI benchmarks (typed_test.go,
// spec_test.go) compare it with huma v2 the same way: TestTypedAgree and
// TestSpecAgree check that both sides answer and document the same
// operations. Run ./run.sh to get a benchstat table with one column per
// router.
package bench
