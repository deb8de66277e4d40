#!/usr/bin/env bash
# lint-openapi.sh lints OpenAPI documents with the pinned Redocly CLI
# (testdata/npm, installed by `npm ci --prefix testdata/npm`) and its "spec"
# ruleset, which checks conformance to the OpenAPI specification. With no
# arguments it lints every golden document of the repository:
#
#	.ci/lint-openapi.sh                   # the goldens
#	.ci/lint-openapi.sh my-openapi.json   # files of your own
#
# Every file is linted; the exit status is 1 if any has an error. Redocly CLI
# prints a notice about the Node.js version on stderr, which cannot be turned
# off.
set -euo pipefail
cd "$(dirname "$0")/.."

redocly=testdata/npm/node_modules/.bin/redocly
if [ ! -x "$redocly" ]; then
	echo "no $redocly: run npm ci --prefix testdata/npm" >&2
	exit 1
fi

if [ $# -eq 0 ]; then
	shopt -s nullglob
	set -- testdata/openapi/*.json openapi/testdata/*.json typed/testdata/openapi/*.json typed/testdata/openapi/*.yaml crud/testdata/openapi/*.json examples/*/testdata/openapi*.json
	shopt -u nullglob
	if [ $# -eq 0 ]; then
		echo "no golden OpenAPI documents found" >&2
		exit 1
	fi
fi

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
failed=()
for f in "$@"; do
	echo "-- redocly lint --extends=spec $f"
	if ! "$redocly" lint --extends=spec "$f"; then
		failed+=("$f")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "Redocly lint failed on ${#failed[@]} of $# documents:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "Redocly lint: $# documents valid"
