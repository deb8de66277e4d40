#!/usr/bin/env bash
# run.sh runs the side-by-side benchmarks, prints them as benchstat tables
# with the routers as columns (-col /router), runs TestPaired, checks the
# performance goals, runs the fleet convergence test of reload/convergence
# once (issue 21), draws charts of the medians into bench/charts (SVG,
# internal/charts), and writes all of it, with the machine and the
# versions compared, to BENCHMARKS.md at the root of the repository, which
# embeds the charts. BENCHMARKS.md and bench/charts are only ever written
# by this script: to regenerate them, run bench/run.sh from a clean
# checkout and commit both.
#
# Environment:
#   COUNT      runs of each benchmark (default 10; benchstat wants >= 6)
#   BENCHTIME  -benchtime of each run (default 1s)
#   BENCH      -bench regexp (default ".", everything); with another, the
#              charts whose benchmarks did not run are left out (and their
#              files removed from bench/charts) instead of failing the run
#   OUT        raw results file (default bench.txt in this directory)
#   PAIRED     0 skips TestPaired (its goals are then "not measured")
#   CONVERGENCE
#              0 skips the fleet convergence test (its goals are then "not
#              measured"); it also needs PostgreSQL (DYNROUTE_TEST_POSTGRES,
#              eval "$(.ci/postgres.sh)") and /usr/bin/etcd (apt-get install
#              -y etcd-server), and without them is not measured either
#   HUMA10K    if set, BenchmarkRegisterSpec also registers 10,000
#              operations with huma (3-6 s an op here: quadratic)
#
# On a shared machine the wall-clock tables swing; the paired ratios are
# the ones held against the ratio goals of DESIGN.md.
set -euo pipefail

cd "$(dirname "$0")"
root=$(cd .. && pwd)
report=$root/BENCHMARKS.md

count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
bench=${BENCH:-.}
out=${OUT:-bench.txt}
huma10k=${HUMA10K:+-huma10k}
paired=${PAIRED:-1}
convergence=${CONVERGENCE:-1}

# Pinned so that the table format does not change under us.
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The commit measured, before this run writes anything. BENCHMARKS.md and
# the charts do not make the tree dirty: regenerating them changes them.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown && -n $(git -C "$root" status --porcelain -- . ':(exclude)BENCHMARKS.md' ':(exclude)bench/charts') ]]; then
	commit+=-dirty
fi
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# BenchmarkLoadYAML10k (DESIGN.md: a 10,000-route YAML file to serving in
# < 300 ms) is in the root module's tests; it runs with the others if BENCH
# selects it.
yaml=
if grep -qE -- "${bench%%/*}" <<<BenchmarkLoadYAML10k; then
	yaml='^BenchmarkLoadYAML10k$'
fi

# -count N would run each router N times in a row, so a burst of load from
# elsewhere on the machine would land on one router only. Instead make N
# passes over all routers: the routers' samples are interleaved and share
# whatever the machine does.
: >"$out"
for ((i = 1; i <= count; i++)); do
	echo "pass $i/$count" >&2
	go test -run '^$' -bench "$bench" -benchmem -count 1 -benchtime "$benchtime" ${huma10k:+"$huma10k"} . >>"$out"
	if [[ -n $yaml ]]; then
		(cd "$root" && go test -run '^$' -bench "$yaml" -benchmem -count 1 -benchtime "$benchtime" .) >>"$out"
	fi
done

# section prints a benchstat table of $out under a title and adds it, with
# a sentence saying what it compares, to the report. The arguments after
# the sentence are benchstat's. Each table's first column is the baseline
# the others are compared with.
sections=$tmp/sections.md
section() {
	local title=$1 about=$2 table
	shift 2
	table=$(go run "$benchstat" "$@" "dynroute=$out")
	[[ -n $table ]] || table='(not run: BENCH did not select these benchmarks)'
	printf '== %s\n%s\n\n' "$title" "$table"
	printf '### %s\n\n%s\n\n```\n%s\n```\n\n' "$title" "$about" "$table" >>"$sections"
}

section "Dispatch and registration: dynroute vs httprouter, ServeMux and chi" \
	"One request to a static route, to a route with three parameters and to every route of the GitHub API table in turn, and building routers of 1,000 and 10,000 generated routes (and serving one request: dynroute compiles its table on the first), with dynroute's fast path (\`dynroute.Params\`) against raw httprouter (\`ps.ByName\`) as the baseline." \
	-filter '.name:(Static OR Param OR GitHubAll OR Register1k OR Register10k)' \
	-col '/router@(httprouter dynroute dynroute-fast servemux chi)'
section "Dispatch, compat path: plain http.Handler and r.PathValue" \
	"The same requests served to plain \`http.Handler\`s reading \`r.PathValue\`: dynroute's compat path against httprouter with a hand-written \`r.SetPathValue\` copy as the baseline, and ServeMux and chi, which serve such handlers natively." \
	-filter '.name:(Param OR GitHubAll)' \
	-col '/router@(httprouter-setpathvalue dynroute-compat servemux chi)'
section "Dispatch on a Twilio-style table: dynroute vs chi" \
	"One item request (GET /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json, req=item) and every route in turn (req=all) of a table shaped like Twilio's 2010-04-01 API (routes_twilio.go: 199 operations, every path ending in .json, so an item's last parameter sits inside its segment), which httprouter and ServeMux cannot express: dynroute's fast and compat paths against chi, the baseline, which serves such segments natively. The handlers read every parameter." \
	-filter '.name:DispatchTwilio' \
	-col '/router@(chi dynroute-fast dynroute-compat)'
section "Typed JSON endpoint: dynroute vs hand-written, huma v2 and fuego" \
	"POST /items/42?q=pen with a JSON body of five members, three of them constrained, answered with JSON (typed_test.go): typed.New against the same endpoint written by hand on httprouter with encoding/json (the baseline), huma v2 without and with its default create hook (huma-default, which adds \`\$schema\`), and fuego with its default configuration but for its request logger, which writes a line per request." \
	-filter '.name:Typed' \
	-col '/router@(httprouter dynroute huma huma-default fuego)'
section "Runtime changes: swapping a 10,000-route table, dispatch and latency during swaps" \
	"Replacing a source of 10,000 routes on a serving router (Swap10k's sec/op is one swap), dispatch on stable routes while another source is swapped (ratio: against dispatch without swaps), and the latency percentiles of requests while a 10,000-route source is swapped (a request that waited for a swap would take about ms/swap)." \
	-filter '.name:(Swap10k OR DispatchDuringSwaps OR LatencyDuringReloads)'
section "Start-up from a YAML file of 10,000 routes" \
	"The root module's BenchmarkLoadYAML10k: reading and loading the file, adding the routes, serving the first request and the first /openapi.json (20,000 operations)." \
	-filter '.name:LoadYAML10k'
# spec_test.go: huma's column is the baseline. dynroute-perhandler is the
# same document from handlers with a jsonschema.Registry each; dynroute-served
# is the first GET /openapi.json after a route change.
section "OpenAPI JSON of 10,000 operations: dynroute vs huma v2" \
	"The OpenAPI document of the same 10,000 operations, huma v2's (the baseline) against dynroute's with one shared jsonschema.Registry, with a registry per typed handler, and as served by the first GET /openapi.json after a route change." \
	-filter '.name:Spec' \
	-col '/api@(huma dynroute dynroute-perhandler dynroute-served)'
section "Registering operations with unique operationIds: dynroute vs huma v2" \
	"Building an API of 1,000 and 3,000 operations (10,000 for huma only with HUMA10K), typed handlers and all, with huma v2 as the baseline." \
	-filter '.name:RegisterSpec' \
	-col '/api@(huma dynroute)'
section "Linearity of dynroute's registration with operationIds" \
	"dynroute's registration of 1,000 (the baseline), 3,000 and 10,000 operations: linear is +900% at 10,000, the goal at most +1000%." \
	-filter '.name:RegisterSpec AND /api:dynroute' \
	-col /routes
# crud_test.go: issue 8's CRUD on SQLite, through the whole handler, from
# the same file of 1,000 rows; the hand-written column is the baseline.
section "CRUD on SQLite: dynroute vs hand-written database/sql + encoding/json" \
	"Get by id and a list of 100 rows through each side's whole handler, from the same SQLite file of 1,000 rows, with the hand-written handlers as the baseline." \
	-filter '.name:CRUD' \
	-col '/api@(handwritten dynroute)'

# TestPaired (paired_test.go, Linux only) gives the same ratios measured in
# interleaved rounds of thread CPU time: far steadier than the tables above
# when something else is running on the machine. The goals read its rows
# from paired.json.
pairedTable='(not run: TestPaired needs Linux and PAIRED != 0)'
if [[ $(uname) == Linux && $paired != 0 ]]; then
	echo "== paired ratios (thread CPU time, interleaved rounds, GC excluded)"
	pairedTable=$(go test -run '^TestPaired$' -paired -paired-json "$tmp/paired.json" -count 1 . | grep -v -e '^ok' -e '^PASS$')
	printf '%s\n\n' "$pairedTable"
fi

# The fleet convergence test (reload/convergence, a module of its own, issue
# 21), once in full: 200 changes written to etcd and to a PostgreSQL table
# with LISTEN/NOTIFY, 30 to a polled table, each timed until all 3 instances
# serve it. It starts its own etcd (/usr/bin/etcd) and needs PostgreSQL
# (DYNROUTE_TEST_POSTGRES). Its Markdown table goes into the report as it is
# printed, and to the goals (internal/report -convergence); without the
# table their goals are "not measured". A goal missed fails the test, which
# does not stop this script: the Goals table says so.
convTitle='Fleet convergence: etcd watch and PostgreSQL LISTEN/NOTIFY vs a polled table'
convAbout="\`reload/convergence\`'s \`TestConvergence\`, run once with \`DYNROUTE_CONVERGENCE=full\`: 3 instances of a dynroute server (separate processes) follow one route source under client load while changes are written to it one at a time (200 to etcd and to a PostgreSQL table with LISTEN/NOTIFY, 30 to a table polled every second, \`reload.NewSQL\`), each change timed from just before its write until all 3 serve its new route, with the load's requests for routes in every set that failed and the sets an instance published that were never written (issue 21: p99 ≤ 200 ms for both push engines, 0 failed, 0 never-written)."
convMissing=
if [[ $convergence == 0 ]]; then
	convMissing='CONVERGENCE=0 skipped it'
elif [[ -z ${DYNROUTE_TEST_POSTGRES:-} ]]; then
	convMissing='DYNROUTE_TEST_POSTGRES is not set (no PostgreSQL)'
elif [[ ! -x /usr/bin/etcd ]]; then
	convMissing='there is no etcd server at /usr/bin/etcd'
fi
echo "== ${convTitle}"
if [[ -n $convMissing ]]; then
	convTable="Not measured: $convMissing. To measure it, run as root from the root of the repository \`eval \"\$(.ci/postgres.sh)\"\` (PostgreSQL on 127.0.0.1; it sets DYNROUTE_TEST_POSTGRES) and \`apt-get install -y etcd-server\`, then \`bench/run.sh\` again."
	printf '%s\n\n' "$convTable"
else
	echo "convergence test (DYNROUTE_CONVERGENCE=full, a few minutes)" >&2
	convStatus=0
	(cd "$root/reload/convergence" && DYNROUTE_CONVERGENCE=full go test -run '^TestConvergence$' -count 1 -timeout 30m -v .) \
		>"$tmp/convergence.out" 2>&1 || convStatus=$?
	# The table is t.Log's: the line that says what runs, a blank line and
	# the rows, each indented by 8 spaces.
	awk '/instances \(separate processes\)/ && !done { on = 1 }
		on {
			sub(/^        /, "")
			if (table && !/^\|/) { on = 0; done = 1; next }
			if (/^\|/) table = 1
			print
		}' "$tmp/convergence.out" >"$tmp/convergence.md"
	if [[ -s $tmp/convergence.md ]]; then
		convTable=$(<"$tmp/convergence.md")
	else
		rm -f "$tmp/convergence.md"
		convTable='The test printed no table.'
	fi
	if [[ $convStatus != 0 ]]; then
		cat "$tmp/convergence.out" >&2
		convTable+=$'\n\n'"The test failed (go test exited with status $convStatus):"$'\n\n```\n'"$(grep -E -e '^[[:space:]]*--- FAIL' -e '^FAIL' -e 'Error:' -e '(panic|timed out)' "$tmp/convergence.out" | head -40 || true)"$'\n```'
	fi
	printf '%s\n\n' "$convTable"
fi
printf '### %s\n\n%s\n\n%s\n\n' "$convTitle" "$convAbout" "$convTable" >>"$sections"

goals=$(go run ./internal/report -bench "$out" -paired "$tmp/paired.json" -convergence "$tmp/convergence.md")
printf '%s\n\n' "$goals"

# The charts (internal/charts): SVG files in charts/ and the report's
# "Charts" section, whose links are relative to BENCHMARKS.md at the root.
# A chart's missing benchmark fails the run, unless BENCH restricted it.
partial=
[[ $bench == . ]] || partial=-partial
charts=$(go run ./internal/charts -bench "$out" -dir charts -link bench/charts ${partial:+"$partial"})

# The machine and the versions compared.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
vcpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
versions=$(go list -m -f '- {{.Path}} {{.Version}}' github.com/julienschmidt/httprouter github.com/go-chi/chi/v5 \
	github.com/danielgtaylor/huma/v2 github.com/go-fuego/fuego modernc.org/sqlite)

{
	cat <<EOF
# Benchmarks

Generated by \`bench/run.sh\`; do not edit by hand. The script runs every side-by-side benchmark of the \`bench\` module (and the root module's \`BenchmarkLoadYAML10k\`) \`COUNT\` times, in passes over all of them so that load from elsewhere on the machine falls on every side alike, and summarizes the runs with benchstat: one column per router or API, the first the baseline, ± the 95% confidence interval, ~ no significant difference. It then measures dynroute against its baselines again with \`TestPaired\` (interleaved rounds of thread CPU time, far steadier on a shared machine) and runs the fleet convergence test of \`reload/convergence\` once (with PostgreSQL and etcd; "not measured" without them), and checks DESIGN.md's performance goals and the issues' targets against all of it. It also draws the medians of the benchmarks as charts (\`bench/charts\`, by \`bench/internal/charts\`). Absolute times are this machine's, under whatever else it was running; the ratio goals are checked against \`TestPaired\` for that reason. To regenerate the file from a clean checkout, run \`bench/run.sh\` (\`COUNT\`, runs of each benchmark, default 10; \`BENCHTIME\`, default 1s; see the script for the other settings) and commit it with \`bench/charts\`.

## This run

- date: $started
- commit: $commit
- settings: \`COUNT=$count BENCHTIME=$benchtime BENCH=$bench${HUMA10K:+ HUMA10K=$HUMA10K}\`
- machine: ${cpu:-unknown CPU}, $vcpus vCPUs, ${mem:-unknown memory}, $(uname -sr) $(uname -m)
- Go: $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)
$versions
- benchstat ${benchstat#*@}

$goals

$charts

## Paired ratios

\`TestPaired\`: dynroute (a) against its baseline (b) in alternating short rounds on one locked OS thread, timed by that thread's CPU clock with the collector off, each row the median and quartiles of the per-round ratios and the median CPU time per operation of each side.

\`\`\`
$pairedTable
\`\`\`

## Benchmark tables

EOF
	cat "$sections"
} >"$tmp/BENCHMARKS.md"
# The sections end in blank lines; the file ends in one newline.
printf '%s\n' "$(<"$tmp/BENCHMARKS.md")" >"$report"
echo "wrote $report" >&2
