#!/usr/bin/env bash
# What routing across nodes costs: a 3-node local cluster (deploy/local/cluster.sh) runs the
# benchmark app with 6 workers, and wrk loads node 0's front, side by side:
#   local     placement = local, instances = 2 per node: node 0's front uses its own 2 workers
#   cluster   placement = cluster, instances = 6: 2 slots per node; node 0's front balances over
#             all 6, so about 2 of 3 requests travel as messages to a worker on another node
# Both in one run on the same box; only the ratio means anything (the 3 node JVMs, 6 workers
# and wrk share the machine's cores). --kind actor runs the hash example's Java worker instead
# of the Node app (GET /health: no work), which leaves out the worker process and its socket.
#
#   bench/cluster.sh [--duration 10s] [--warmup 10s] [--connections 32] [--threads 2] [--work-iters 0]
#                    [--kind process|actor]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

duration=10s warmup=10s conns=32 threads=2 work=0 kind=process
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --work-iters) work=$2; shift 2 ;;
    --kind) kind=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_die "unknown option $1 (see --help)" ;;
  esac
done
bench_is_duration "$duration" && bench_is_duration "$warmup" || bench_die "durations look like 10s or 2m"
command -v wrk >/dev/null || bench_die "wrk is not installed (bench/front.sh installs it)"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$(mktemp -d /tmp/drover-bench-cluster.XXXXXX)"
cleanup() {
  DROVER_RUN_DIR="$run_dir/run" "$repo/deploy/local/cluster.sh" stop >/dev/null 2>&1
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

front_of_node0() { awk '/^node 0/ { for (i = 1; i <= NF; i++) if ($i == "front") print $(i + 1) }' "$1"; }

results=()
for placement in local cluster; do
  instances=2
  [ "$placement" = cluster ] && instances=6
  if [ "$kind" = actor ]; then
    jar="$repo/deploy/examples/hash/target/hash-worker.jar"
    [ -f "$jar" ] || bench_die "$jar missing: build it with mvn -B -pl deploy/examples/hash package"
    what="kind = actor, class = \"io.drover.examples.hash.HashWorker\", classpath = [\"$jar\"]"
  else
    what="command = [\"node\", \"$repo/bench/app/hello.js\"], env.WORK_ITERS = \"$work\""
  fi
  cat >"$run_dir/$placement.conf" <<CONF
drover.apps.hello {
  $what
  instances = $instances
  placement = $placement
  route.prefix = "/"
  readiness.type = $([ "$kind" = actor ] && echo none || echo http), readiness.path = "/health"
}
CONF
  bench_log "$placement: starting 3 nodes"
  DROVER_RUN_DIR="$run_dir/run" "$repo/deploy/local/cluster.sh" start 3 "$run_dir/$placement.conf" >"$run_dir/start.out" 2>&1 \
    || { cat "$run_dir/start.out" >&2; bench_die "the cluster did not start"; }
  url="$(front_of_node0 "$run_dir/start.out")"
  [ "$kind" = actor ] && url="${url%/}/health"
  bench_wait_http "$url" 60 || bench_die "node 0's front does not answer $url"
  sleep 10 # slots spread and every front learns every worker
  if [ "$(bench_secs "$warmup")" -gt 0 ]; then
    bench_wrk _ "$url" "$warmup" "$conns" "$threads" "$run_dir/warmup.out"
  fi
  bench_wrk r "$url" "$duration" "$conns" "$threads" "$run_dir/$placement.out"
  results+=("$placement $r")
  DROVER_RUN_DIR="$run_dir/run" "$repo/deploy/local/cluster.sh" stop >/dev/null 2>&1
done

printf '\n%-9s %10s %9s %9s %7s\n' placement "req/s" "p50 ms" "p99 ms" errors
for line in "${results[@]}"; do
  set -- $line
  r="${*:2}"
  printf '%-9s %10s %9s %9s %7s\n' "$1" "$(bench_field "$r" rps)" "$(bench_field "$r" p50)" "$(bench_field "$r" p99)" "$(bench_field "$r" errors)"
done
l="$(bench_field "${results[0]#* }" rps)" c="$(bench_field "${results[1]#* }" rps)"
[ -n "$l" ] && [ -n "$c" ] && [ "$l" != 0 ] && awk -v l="$l" -v c="$c" 'BEGIN { printf "cluster / local throughput: %.2f\n", c / l }'
