#!/usr/bin/env bash
# Several instances, no stickiness (SPEC.md §5.7): one Redis (Debian redis-server) and three
# Trident jars behind HAProxy (Debian haproxy; round robin per request, the server side of every
# request on its own connection), all on loopback, installed with apt-get when missing. Through the
# load balancer it runs:
#   1. the official MCP conformance suite (src/test/conformance/run.sh, both suites), conformance backend;
#   2. the TypeScript SDK's HTTP interop tests (src/test/interop/http.test.mjs), backends default+conformance;
#   3. lb.test.mjs: $SCALE_SESSIONS (default 10000) sessions usable from any instance, and an instance
#      killed (SIGKILL) while a tool streams progress: the client resumes through the load balancer.
#   4. the interop tests of 2. again, the three instances now sharing a 3-master Redis Cluster
#      (redis.mode cluster; redis-cli --cluster create on loopback) instead of the one Redis.
# It does not build the jar (default ../../../target/trident.jar or $TRIDENT_JAR). $SCALE_PHASES
# (default "conformance interop lb cluster") picks the parts to run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
jar="$(realpath "${TRIDENT_JAR:-$root/target/trident.jar}")"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  fi
}
need haproxy haproxy
need redis-server redis-server

work="$(mktemp -d)"
# A private copy: a build in this tree meanwhile must not swap the jar under the running instances.
cp "$jar" "$work/trident.jar"
jar="$work/trident.jar"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() { # file pattern what
  for _ in $(seq 1 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" >&2
  echo "scale: $3 did not start" >&2
  exit 1
}

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for "$work/redis.log" "Ready to accept connections" redis-server
redis_url="redis://127.0.0.1:$redis_port"

cat >"$work/trident.yaml" <<YAML
http:
  maxSessions: 50000
  maxSessionsPerPrincipal: 50000
redis:
  timeout: 5s                # a shared 2-core test machine can be slow to answer
YAML

instances=()
ports=()
config="$work/trident.yaml"
start_instances() { # backend (the Redis: $config, $redis_url)
  for p in "${instances[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  instances=()
  info="["
  for i in 1 2 3; do
    port="${ports[$((i - 1))]}"
    log="$work/trident-$i.log"
    (cd "$work" && exec java -jar "$jar" --config "$config" --transport http --port "$port" \
      --no-auth --backend "$1" --redis "$redis_url") >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    instances+=("$pid")
    wait_for "$log" "MCP Streamable HTTP on" "trident $i"
    tag="$(grep -o 'instance tag [0-9]*' "$log" | head -1 | awk '{print $3}')"
    info="$info{\"tag\":$tag,\"pid\":$pid,\"port\":$port},"
  done
  export SCALE_INSTANCES="${info%,}]"
  echo "scale: instances $SCALE_INSTANCES (backend $1)"
}

for i in 1 2 3; do ports+=("$(free_port)"); done
lb_port="$(free_port)"
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 5m
  timeout server 5m
  timeout tunnel 5m
  # No stickiness: every request is balanced on its own, on a server connection of its own.
  option http-server-close
  http-reuse never
  # A request sent to an instance that just died goes to another one.
  option redispatch
  retries 3
frontend mcp
  bind 127.0.0.1:$lb_port
  default_backend trident
backend trident
  balance roundrobin
  server t1 127.0.0.1:${ports[0]} check inter 500ms fall 2 rise 2
  server t2 127.0.0.1:${ports[1]} check inter 500ms fall 2 rise 2
  server t3 127.0.0.1:${ports[2]} check inter 500ms fall 2 rise 2
CFG
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
lb="http://127.0.0.1:$lb_port/mcp"
echo "scale: HAProxy at $lb, Redis at $redis_url"

status=0
phases=" ${SCALE_PHASES:-conformance interop lb cluster} "
if [[ "$phases" == *" conformance "* ]]; then
  start_instances conformance
  MCP_URL="$lb" TRIDENT_JAR="$jar" "$root/src/test/conformance/run.sh" || status=1
fi

start_instances default,conformance
cd "$root/src/test/interop"
if [[ "$phases" == *" interop "* || "$phases" == *" cluster "* ]]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund
    touch node_modules
  fi
fi
if [[ "$phases" == *" interop "* ]]; then
  TRIDENT_HTTP_URL="$lb" TRIDENT_JAR="$jar" node --test http.test.mjs || status=1
fi
if [[ "$phases" == *" lb "* ]]; then
  SCALE_LB_URL="$lb" node --test --test-concurrency=1 "$here/lb.test.mjs" || status=1
fi

if [[ "$phases" == *" cluster "* ]]; then
  # Three masters, no replicas, each with its cluster bus on port + 10000.
  cluster_ports=()
  while [ "${#cluster_ports[@]}" -lt 3 ]; do
    p="$(free_port)"
    if [ "$p" -le 55535 ] && python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $p + 10000))" 2>/dev/null; then
      cluster_ports+=("$p")
    fi
  done
  nodes=()
  for p in "${cluster_ports[@]}"; do
    mkdir -p "$work/cluster-$p"
    redis-server --port "$p" --bind 127.0.0.1 --dir "$work/cluster-$p" --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file "$work/cluster-$p/nodes.conf" \
      --cluster-node-timeout 2000 >"$work/redis-cluster-$p.log" 2>&1 &
    pids+=($!)
    wait_for "$work/redis-cluster-$p.log" "Ready to accept connections" "redis-server (cluster) $p"
    nodes+=("127.0.0.1:$p")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$work/cluster-create.log" 2>&1 \
    || { cat "$work/cluster-create.log" >&2; exit 1; }
  for p in "${cluster_ports[@]}"; do
    for _ in $(seq 1 200); do
      redis-cli -p "$p" cluster info | grep -q cluster_state:ok && break
      sleep 0.1
    done
  done
  config="$work/trident-cluster.yaml"
  cat >"$config" <<YAML
http:
  maxSessions: 50000
  maxSessionsPerPrincipal: 50000
redis:
  mode: cluster
  timeout: 5s
YAML
  redis_url="$(printf 'redis://%s,' "${nodes[@]}")"
  redis_url="${redis_url%,}"
  echo "scale: Redis Cluster at $redis_url"
  start_instances default,conformance
  TRIDENT_HTTP_URL="$lb" TRIDENT_JAR="$jar" node --test http.test.mjs || status=1
  for p in "${cluster_ports[@]}"; do
    echo "scale: cluster node $p holds $(redis-cli -p "$p" dbsize) keys"
  done
fi

if [ "$status" -ne 0 ]; then
  echo "scale: FAILED (logs follow)" >&2
  for f in "$work"/trident-*.log "$work/haproxy.log" "$work"/redis-cluster-*.log; do echo "--- $f" >&2; tail -50 "$f" >&2; done
fi
exit "$status"
