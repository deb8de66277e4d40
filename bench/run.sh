#!/usr/bin/env bash
# run.sh runs the side-by-side router benchmarks and prints them as
# benchstat tables with the routers as columns (-col /router).
#
# Environment:
#   COUNT      runs of each benchmark (default 10; benchstat wants >= 6)
#   BENCHTIME  -benchtime of each run (default 1s)
#   BENCH      -bench regexp (default ".", everything)
#   OUT        raw results file (default bench.txt in this directory)
#
# On a shared machine the wall-clock tables swing; the paired ratios
# printed last are the ones to hold against DESIGN.md's targets.
set -euo pipefail

cd "$(dirname "$0")"

count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
bench=${BENCH:-.}
out=${OUT:-bench.txt}

# Pinned so that the table format does not change under us.
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

# -count N would run each router N times in a row, so a burst of load from
# elsewhere on the machine would land on one router only. Instead make N
# passes over all routers: the routers' samples are interleaved and share
# whatever the machine does.
: >"$out"
for ((i = 1; i <= count; i++)); do
	echo "pass $i/$count" >&2
	go test -run '^$' -bench "$bench" -benchmem -count 1 -benchtime "$benchtime" . >>"$out"
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
# TestPaired (paired_test.go, Linux only) gives the same ratios measured in
# interleaved rounds of thread CPU time: far steadier than the tables above
# when something else is running on the machine.
if [[ $(uname) == Linux ]]; then
	echo "== paired ratios (thread CPU time, interleaved rounds, GC excluded)"
	go test -run '^TestPaired$' -paired -count 1 . | grep -v '^ok'
fi
