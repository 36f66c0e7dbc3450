#!/usr/bin/env bash
# Autoscaling under a ramp of load: the same CPU-bound app (bench/app/hello.js with WORK_ITERS)
# behind Drover twice in one run,
#   auto   instances = 1 and autoscale { min = 1, max = --max, target = --target,
#          scale-down-window = --down-window, interval = 500ms }
#   fixed  instances = --max
# then wrk with 1, 2, 4, ... --connections connections, --step each (one after another, no pause),
# then --idle without load. Prints per step the req/s, p99 and ready workers at its end of each,
# the time from the ramp's start until auto had --max ready workers, when it was back at 1, and
# every scaling decision (from GET /events).
#
#   bench/autoscale.sh [--max 4] [--target 2] [--step 5s] [--connections 64] [--idle 40s]
#                      [--down-window 30s] [--work-iters 700000]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MAX=4; TARGET=2; STEP=5s; CONNS=64; IDLE=40s; DOWN=30s; ITERS=700000
while [ $# -gt 0 ]; do
  case "$1" in
    --max) MAX="${2:?}"; shift 2 ;;
    --target) TARGET="${2:?}"; shift 2 ;;
    --step) STEP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --idle) IDLE="${2:?}"; shift 2 ;;
    --down-window) DOWN="${2:?}"; shift 2 ;;
    --work-iters) ITERS="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "autoscale.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $MAX =~ ^[1-9][0-9]*$ && $CONNS =~ ^[1-9][0-9]*$ && $ITERS =~ ^[0-9]+$ ]] || { echo "autoscale.sh: bad --max/--connections/--work-iters" >&2; exit 2; }
for d in "$STEP" "$IDLE" "$DOWN"; do bench_is_duration "$d" || { echo "autoscale.sh: bad duration $d" >&2; exit 2; }; done

bench_init
bench_install drover
for t in wrk jq curl node; do command -v "$t" >/dev/null || bench_die "$t is needed"; done
STEPS=(); for ((c = 1; c <= CONNS; c *= 2)); do STEPS+=("$c"); done

ready_workers() { curl -s -m 5 "http://127.0.0.1:$CT_MGMT_PORT/apps/hello" | jq '[.workers[] | select(.state == "ready")] | length' 2>/dev/null || echo "?"; }
now_ms() { date +%s%3N; }

declare -A RPS P99 READY T_MAX T_MIN
run_contender() { # auto | fixed
  local kind="$1" extra t0 c m ev
  if [ "$kind" = auto ]; then
    extra="instances = 1
    autoscale { min = 1, max = $MAX, target = $TARGET, scale-down-window = $DOWN, interval = 500ms }"
  else
    extra="instances = $MAX"
  fi
  DROVER_APP_EXTRA="$extra" ct_start drover "$ITERS" || bench_die "drover ($kind) did not start: $CT_SKIP"
  # the JIT warms up on one connection; the ramp starts from the app's start count
  bench_wrk m "http://127.0.0.1:$CT_PORT/" 5s 1 1 "$CT_DIR/wrk-warmup.txt"
  timeout -k 2 600 curl -sN "http://127.0.0.1:$CT_MGMT_PORT/events" >"$CT_DIR/events.txt" 2>/dev/null &
  ev=$!; BENCH_PIDS+=("$ev")
  t0=$(now_ms)
  for c in "${STEPS[@]}"; do
    bench_wrk m "http://127.0.0.1:$CT_PORT/" "$STEP" "$c" "$((c < 2 ? 1 : 2))" "$CT_DIR/wrk-$c.txt"
    RPS[$kind,$c]="$(bench_field "$m" rps)"; P99[$kind,$c]="$(bench_field "$m" p99)"; READY[$kind,$c]="$(ready_workers)"
    bench_log "$kind c=$c: $(bench_field "$m" rps) req/s, p99 $(bench_field "$m" p99) ms, ${READY[$kind,$c]} ready"
  done
  local idle_end=$(($(now_ms) + $(bench_secs "$IDLE") * 1000))
  while [ "$(now_ms)" -lt "$idle_end" ] && { [ "$kind" = fixed ] || [ "$(ready_workers)" != 1 ]; }; do sleep 0.5; done
  kill "$ev" 2>/dev/null; wait "$ev" 2>/dev/null
  sed -n 's/^data: *//p' "$CT_DIR/events.txt" >"$CT_DIR/events.json"   # SSE: the JSON after data:
  # the first event saying all MAX are ready, and (auto) the scale back to 1
  local at
  at="$(jq -r --arg n "$MAX workers ready" 'select(.type == "app" and (.detail | contains($n))) | .at' "$CT_DIR/events.json" 2>/dev/null | head -n 1)"
  T_MAX[$kind]="$([ -n "$at" ] && echo "$(( $(date -d "$at" +%s%3N) - t0 )) ms" || echo "-")"
  at="$(jq -r 'select(.type == "app" and (.detail | test("to 1 workers?: autoscale"))) | .at' "$CT_DIR/events.json" 2>/dev/null | tail -n 1)"
  T_MIN[$kind]="$([ -n "$at" ] && echo "$(( ($(date -d "$at" +%s%3N) - t0) / 1000 )) s" || echo "-")"
  if [ "$kind" = auto ]; then
    echo "Scaling decisions (auto), seconds from the ramp's start:"
    jq -r 'select(.type == "app" and (.detail | contains("autoscale"))) | "\(.at) \(.detail)"' "$CT_DIR/events.json" 2>/dev/null |
      while read -r when detail; do printf '  %6.1f s  %s\n' "$(awk -v a="$(date -d "$when" +%s%3N)" -v b="$t0" 'BEGIN { print (a - b) / 1000 }')" "$detail"; done
  fi
  ct_stop
}

run_contender auto
run_contender fixed

echo
echo "== ramp: wrk -c 1..$CONNS, $STEP per step, GET / with WORK_ITERS=$ITERS; auto: autoscale 1..$MAX target $TARGET; fixed: instances = $MAX =="
printf '%-6s %12s %10s %6s %12s %10s %6s\n' conns "auto req/s" "p99 ms" ready "fixed req/s" "p99 ms" ready
for c in "${STEPS[@]}"; do
  printf '%-6s %12s %10s %6s %12s %10s %6s\n' "$c" "${RPS[auto,$c]}" "${P99[auto,$c]}" "${READY[auto,$c]}" "${RPS[fixed,$c]}" "${P99[fixed,$c]}" "${READY[fixed,$c]}"
done
echo
echo "auto: all $MAX workers ready ${T_MAX[auto]} after the ramp started; back to 1 worker at ${T_MIN[auto]} (scale-down-window $DOWN)"
worst() { local k="$1" c w=0; for c in "${STEPS[@]}"; do w="$(awk -v a="$w" -v b="${P99[$k,$c]:-0}" 'BEGIN { print (b > a ? b : a) }')"; done; echo "$w"; }
echo "worst step p99: auto $(worst auto) ms, fixed $(worst fixed) ms"
