#!/usr/bin/env bash
# run.sh runs the side-by-side router benchmarks and prints them as
# benchstat tables with the routers as columns (-col /router).
#
# Environment:
#   COUNT      runs of each benchmark (default 10; benchstat wants >= 6)
#   BENCHTIME  -benchtime of each run (default 1s)
#   BENCH      -bench regexp (default ".", everything)
#   OUT        raw results file (default bench.txt in this directory)
#   HUMA10K    if set, BenchmarkRegisterSpec also registers 10,000
#              operations with huma (3-6 s an op here: quadratic)
#
# On a shared machine the wall-clock tables swing; the paired ratios
# printed last are the ones to hold against DESIGN.md's targets.
set -euo pipefail

cd "$(dirname "$0")"

count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
bench=${BENCH:-.}
out=${OUT:-bench.txt}
huma10k=${HUMA10K:+-huma10k}

# Pinned so that the table format does not change under us.
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

# -count N would run each router N times in a row, so a burst of load from
# elsewhere on the machine would land on one router only. Instead make N
# passes over all routers: the routers' samples are interleaved and share
# whatever the machine does.
: >"$out"
for ((i = 1; i <= count; i++)); do
	echo "pass $i/$count" >&2
	go test -run '^$' -bench "$bench" -benchmem -count 1 -benchtime "$benchtime" ${huma10k:+"$huma10k"} . >>"$out"
done

# Each table's first column is the baseline the others are compared with.
echo "== dynroute (static, fast path, registration) vs raw httprouter and the peers"
go run "$benchstat" -col '/router@(httprouter dynroute dynroute-fast servemux chi)' "$out"
echo
echo "== dynroute compat path (plain http.Handler, r.PathValue) vs httprouter + r.SetPathValue"
go run "$benchstat" -filter '.name:(Param OR GitHubAll)' -col '/router@(httprouter-setpathvalue dynroute-compat servemux chi)' "$out"
echo
echo "== runtime changes: swapping a 10,000-route table, dispatch and latency during swaps"
go run "$benchstat" -filter '.name:(Swap10k OR DispatchDuringSwaps OR LatencyDuringReloads)' "$out"
echo
# spec_test.go: huma's column is the baseline. dynroute-perhandler is the
# same document from handlers with a SchemaRegistry each; dynroute-served
# is the first GET /openapi.json after a route change.
echo "== OpenAPI JSON of 10,000 operations (goal < 50 ms), dynroute vs huma v2"
go run "$benchstat" -filter '.name:Spec' -col '/api@(huma dynroute dynroute-perhandler dynroute-served)' "$out"
echo
echo "== registering N operations with unique operationIds (huma: 1,000 and 3,000 unless HUMA10K)"
go run "$benchstat" -filter '.name:RegisterSpec' -col '/api@(huma dynroute)' "$out"
echo
echo "== linearity of dynroute's registration with operationIds (10x the routes: goal <= +1000%)"
go run "$benchstat" -filter '.name:RegisterSpec AND /api:dynroute' -col /routes "$out"
echo
# crud_test.go: issue 8's CRUD on SQLite, through the whole handler, from
# the same file of 1,000 rows; the hand-written column is the baseline.
echo "== CRUD on SQLite: get by id and a list of 100 rows, dynroute vs hand-written database/sql + encoding/json (goal <= 1.3x)"
go run "$benchstat" -filter '.name:CRUD' -col '/api@(handwritten dynroute)' "$out"
echo
# TestPaired (paired_test.go, Linux only) gives the same ratios measured in
# interleaved rounds of thread CPU time: far steadier than the tables above
# when something else is running on the machine.
if [[ $(uname) == Linux ]]; then
	echo "== paired ratios (thread CPU time, interleaved rounds, GC excluded)"
	go test -run '^TestPaired$' -paired -count 1 . | grep -v '^ok'
fi
