#!/usr/bin/env bash
# A/B of Drover's front: two builds (or two sets of JVM options) side by side, with nginx RR as
# the yardstick, on the same Node app (bench/app/hello.js, 2 workers each) as bench/front.sh.
# All three run at once; after one warmup each, wrk takes turns on them (A B nginx, then
# B A nginx, ...), so that every turn compares the three under the same load on the box. The
# table shows medians over the turns, and the per-turn ratios' medians (B/A, A/nginx, B/nginx).
#
#   bench/front-ab.sh [--a LAUNCHER] [--b LAUNCHER] [--turns 6] [--duration 8s] [--warmup 30s]
#                     [--connections 64] [--threads 2] [--handler trivial|cpu]
#   bench/front-ab.sh --save DIR   copies this tree's ./drover and its built node jar (with lib/)
#                                  to DIR: DIR/drover is then a launcher of that build, for --a/--b
# Env: DROVER_A_JAVA_OPTS, DROVER_B_JAVA_OPTS (the launcher's own options when unset),
# DROVER_A_EVENT_LOOPS, DROVER_B_EVENT_LOOPS (http.event-loops, default 0: one per core).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A="$REPO_DIR/drover"; B="$REPO_DIR/drover"; TURNS=6; DURATION=8s; WARMUP=30s; CONNS=64; THREADS=2; HANDLER=trivial
while [ $# -gt 0 ]; do
  case "$1" in
    --a) A="${2:?}"; shift 2 ;;
    --b) B="${2:?}"; shift 2 ;;
    --turns) TURNS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --handler) HANDLER="${2:?}"; shift 2 ;;
    --save)
      d="${2:?}"
      [ -f "$REPO_DIR/node/target/drover-node.jar" ] || { echo "front-ab.sh: build first (mvn -DskipTests package)" >&2; exit 2; }
      mkdir -p "$d/node/target" && cp "$REPO_DIR/drover" "$d/" &&
        rm -rf "$d/node/target/lib" && cp -r "$REPO_DIR/node/target/drover-node.jar" "$REPO_DIR/node/target/lib" "$d/node/target/" ||
        { echo "front-ab.sh: cannot copy to $d" >&2; exit 2; }
      echo "launcher of this build: $d/drover"; exit 0 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "front-ab.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "front-ab.sh: bad --duration" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "front-ab.sh: bad --warmup" >&2; exit 2; }
[[ $TURNS =~ ^[0-9]+$ && $TURNS -ge 1 && $TURNS -le 50 ]] || { echo "front-ab.sh: --turns 1..50" >&2; exit 2; }
case "$HANDLER" in trivial|cpu) ;; *) echo "front-ab.sh: --handler trivial|cpu" >&2; exit 2 ;; esac
for l in "$A" "$B"; do [ -x "$l" ] || { echo "front-ab.sh: launcher $l not executable" >&2; exit 2; }; done

bench_init
bench_install nginx,drover
iters=0
[ "$HANDLER" = cpu ] && iters="$(node -p "require('$BENCH_DIR/app/work.js').DEFAULT_WORK_ITERS")"
declare -A PORT=()
# each contender stays up: ct_start's pids are in BENCH_PIDS, which bench_cleanup stops at exit
ct_start nginx "$iters" || bench_die "nginx: $CT_SKIP"
PORT[nginx]="$CT_PORT"
DROVER_LAUNCHER="$A" DROVER_JAVA_OPTS="${DROVER_A_JAVA_OPTS:-}" DROVER_EVENT_LOOPS="${DROVER_A_EVENT_LOOPS:-0}" \
  ct_start drover "$iters" || bench_die "A: $CT_SKIP"
PORT[A]="$CT_PORT"
DROVER_LAUNCHER="$B" DROVER_JAVA_OPTS="${DROVER_B_JAVA_OPTS:-}" DROVER_EVENT_LOOPS="${DROVER_B_EVENT_LOOPS:-0}" \
  ct_start drover "$iters" || bench_die "B: $CT_SKIP"
PORT[B]="$CT_PORT"
CT_NAME=""   # nothing for ct_stop: bench_cleanup stops them all
bench_log "front-ab.sh: A=$A ${DROVER_A_JAVA_OPTS:+($DROVER_A_JAVA_OPTS) }B=$B ${DROVER_B_JAVA_OPTS:+($DROVER_B_JAVA_OPTS) }; $TURNS turns of $DURATION; $(nproc) cores"

w=""; m=""
for c in A B nginx; do
  [ "$(bench_secs "$WARMUP")" -gt 0 ] || break
  bench_wrk w "http://127.0.0.1:${PORT[$c]}/" "$WARMUP" "$CONNS" "$THREADS" "$BENCH_TMP/warmup-$c.txt"
  bench_log "warmup $c: $(bench_field "$w" rps) req/s"
done
RES="$BENCH_TMP/ab"; mkdir -p "$RES"
for ((t = 1; t <= TURNS; t++)); do
  order="A B nginx"; [ $((t % 2)) = 0 ] && order="B A nginx"
  for c in $order; do
    bench_wrk m "http://127.0.0.1:${PORT[$c]}/" "$DURATION" "$CONNS" "$THREADS" "$BENCH_TMP/wrk-$c-$t.txt"
    [ "$(bench_field "$m" ok)" = 1 ] || bench_die "turn $t $c: wrk gave no result"
    echo "$m" >"$RES/$c.$t"
    bench_log "turn $t $c: $m"
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { local t; for ((t = 1; t <= TURNS; t++)); do bench_field "$(cat "$RES/$1.$t")" "$2"; done; }
ratios() { # X Y FIELD: per-turn X/Y
  local t; for ((t = 1; t <= TURNS; t++)); do
    awk -v a="$(bench_field "$(cat "$RES/$1.$t")" "$3")" -v b="$(bench_field "$(cat "$RES/$2.$t")" "$3")" 'BEGIN { printf "%.3f\n", a / b }'
  done
}
echo
echo "== front-ab.sh: $HANDLER handler, wrk -t$THREADS -c$CONNS, $TURNS turns of $DURATION after a $WARMUP warmup each; medians =="
printf '%-8s %10s %9s %9s %8s\n' "" "req/s" "p50 ms" "p99 ms" errors
for c in A B nginx; do
  printf '%-8s %10.0f %9.2f %9.2f %8s\n' "$c" "$(col "$c" rps | median)" "$(col "$c" p50 | median)" "$(col "$c" p99 | median)" \
    "$(col "$c" errors | awk '{ s += $1 } END { print s + 0 }')"
done
echo
printf 'req/s ratios (median of per-turn): B/A %s  A/nginx %s  B/nginx %s\n' \
  "$(ratios B A rps | median)" "$(ratios A nginx rps | median)" "$(ratios B nginx rps | median)"
printf 'p99 ratios   (median of per-turn): B/A %s  A/nginx %s  B/nginx %s\n' \
  "$(ratios B A p99 | median)" "$(ratios A nginx p99 | median)" "$(ratios B nginx p99 | median)"
echo "A: $A ${DROVER_A_JAVA_OPTS:-}"
echo "B: $B ${DROVER_B_JAVA_OPTS:-}"
