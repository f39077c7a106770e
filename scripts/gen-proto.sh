#!/usr/bin/env bash
# Regenerates src/gen from proto/ (never edit src/gen by hand). Same loader options as src/api/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/gen
npx proto-loader-gen-types --keepCase --longs String --enums String --defaults --oneofs \
  --includeComments --grpcLib @grpc/grpc-js --importFileExtension .js \
  -I proto -O src/gen $(cd proto && ls warrant/v1/*.proto)
