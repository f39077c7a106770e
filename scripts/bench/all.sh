#!/usr/bin/env bash
# `npm run bench`: every benchmark in turn. A missed target is reported, not an error; the exit code
# is non-zero only when a benchmark itself failed.
set -u
cd "$(dirname "$0")/../.."
tsx=node_modules/.bin/tsx
status=0
"$tsx" scripts/bench/run.ts "$@" || status=1
echo; "$tsx" scripts/bench/databases.ts || status=1
echo; "$tsx" scripts/bench/providers-external.ts || status=1
# Cedar's wasm on Node 20 needs the V8 flag; policy.ts exits 1 when it misses a target.
flags=()
node -e 'process.exit(process.versions.node.startsWith("20.") ? 0 : 1)' && flags+=(--no-turbo-inline-js-wasm-calls)
echo; node "${flags[@]}" --import tsx scripts/bench/policy.ts || echo "policy bench: a target was missed (see above)"
echo; "$tsx" scripts/bench/revocation.ts || status=1
exit $status
