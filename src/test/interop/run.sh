#!/usr/bin/env bash
# Runs the MCP TypeScript SDK interop tests against an already built jar
# (default ../../../target/trident.jar, or $TRIDENT_JAR). It does not build the jar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi

exec node --test --test-concurrency=2 *.test.mjs
