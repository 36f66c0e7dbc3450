#!/usr/bin/env bash
# A/B of Drover's front: two (or three) builds or sets of JVM options side by side, with nginx RR
# as the yardstick, on the same Node app (bench/app/hello.js, 2 workers each) as bench/front.sh.
# All run at once; after one warmup each, wrk takes turns on them (A B [C] nginx, then
# B A [C] nginx, ...), so that every turn compares them under the same load on the box. The
# table shows medians over the turns, and the per-turn ratios' medians (to A and to nginx).
#
#   bench/front-ab.sh [--a LAUNCHER] [--b LAUNCHER] [--c LAUNCHER] [--turns 6] [--duration 8s]
#                     [--warmup 30s] [--connections 64] [--threads 2] [--handler trivial|cpu] [--minimal] [--raw]
#   --minimal: bench/proxy/MinimalProxy.java (a bare Netty proxy, MINIMAL_EVENT_LOOPS loops) takes
#   turns too, as `min`: the gap between Drover's front and the fastest it could be, in one run;
#   --minimal-headers: and `minh`, the same proxy adding Drover's forwarding headers (their cost)
#   --raw: and `raw`, the same program as a TCP proxy (a backend connection per client connection,
#   bytes passed as they come): the floor under any HTTP proxy on Netty, the cost of HTTP work
#   --cpu: around each turn, bench/procsnap.js snapshots /proc: a second table gives, per contender,
#   the box's CPU per request (all processes), its idle share, the front's own CPU and run-queue
#   wait per request, its workers', wrk's and the rest's; then each JVM's threads (last turn)
#   bench/front-ab.sh --save DIR   copies this tree's ./drover and its built node jar (with lib/)
#                                  to DIR: DIR/drover is then a launcher of that build, for --a/--b
# Env: DROVER_A_JAVA_OPTS, DROVER_B_JAVA_OPTS, DROVER_C_JAVA_OPTS (the launcher's own options when
# unset), DROVER_A_EVENT_LOOPS, ... (http.event-loops, default 0: every core with io_uring, half of them with epoll), DROVER_A_TRANSPORT,
# ... (http.transport: io_uring, epoll or nio; default DROVER_TRANSPORT, else the node's default),
# DROVER_A_LOOP_SCHEDULING, ... (http.loop-scheduling: batch or normal; default DROVER_LOOP_SCHEDULING, else batch),
# DROVER_A_MAX_CONCURRENCY, ... (route.max-concurrency; default DROVER_MAX_CONCURRENCY, else 0),
# DROVER_A_APP_EXTRA, ... (more keys of the app's config; default DROVER_APP_EXTRA). C runs when
# --c or DROVER_C_JAVA_OPTS is given.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A="$REPO_DIR/drover"; B="$REPO_DIR/drover"; C=""; MINIMAL=0; RAW=0; CPU=0; TURNS=6; DURATION=8s; WARMUP=30s; CONNS=64; THREADS=2; HANDLER=trivial
while [ $# -gt 0 ]; do
  case "$1" in
    --a) A="${2:?}"; shift 2 ;;
    --b) B="${2:?}"; shift 2 ;;
    --c) C="${2:?}"; shift 2 ;;
    --turns) TURNS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --handler) HANDLER="${2:?}"; shift 2 ;;
    --minimal) MINIMAL=1; shift ;;
    --minimal-headers) MINIMAL=2; shift ;;
    --raw) RAW=1; shift ;;
    --cpu) CPU=1; shift ;;
    --save)
      d="${2:?}"
      [ -f "$REPO_DIR/node/target/drover-node.jar" ] || { echo "front-ab.sh: build first (mvn -DskipTests package)" >&2; exit 2; }
      mkdir -p "$d/node/target" && cp "$REPO_DIR/drover" "$d/" &&
        rm -rf "$d/node/target/lib" && cp -r "$REPO_DIR/node/target/drover-node.jar" "$REPO_DIR/node/target/lib" "$d/node/target/" ||
        { echo "front-ab.sh: cannot copy to $d" >&2; exit 2; }
      echo "launcher of this build: $d/drover"; exit 0 ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "front-ab.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "front-ab.sh: bad --duration" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "front-ab.sh: bad --warmup" >&2; exit 2; }
[[ $TURNS =~ ^[0-9]+$ && $TURNS -ge 1 && $TURNS -le 50 ]] || { echo "front-ab.sh: --turns 1..50" >&2; exit 2; }
case "$HANDLER" in trivial|cpu) ;; *) echo "front-ab.sh: --handler trivial|cpu" >&2; exit 2 ;; esac
[ -z "$C" ] && [ -n "${DROVER_C_JAVA_OPTS:-}" ] && C="$REPO_DIR/drover"
DROVERS=(A B); [ -n "$C" ] && DROVERS+=(C)
for l in "$A" "$B" ${C:+"$C"}; do [ -x "$l" ] || { echo "front-ab.sh: launcher $l not executable" >&2; exit 2; }; done

bench_init
bench_install nginx,drover
iters=0
[ "$HANDLER" = cpu ] && iters="$(node -p "require('$BENCH_DIR/app/work.js').DEFAULT_WORK_ITERS")"
declare -A PORT=() ROOTS=() JVM=()
# each contender stays up: ct_start's pids are in BENCH_PIDS, which bench_cleanup stops at exit
ct_start nginx "$iters" || bench_die "nginx: $CT_SKIP"
PORT[nginx]="$CT_PORT"; ROOTS[nginx]="${CT_PIDS[*]}"
declare -A LAUNCHER=([A]="$A" [B]="$B" [C]="$C")
# A Drover contender's launcher and settings, as the log and the table's footer show them.
describe() { # A|B|C
  local opts="DROVER_${1}_JAVA_OPTS" loops="DROVER_${1}_EVENT_LOOPS" mc="DROVER_${1}_MAX_CONCURRENCY" extra="DROVER_${1}_APP_EXTRA" io="DROVER_${1}_TRANSPORT" ls="DROVER_${1}_LOOP_SCHEDULING"
  echo "$1: ${LAUNCHER[$1]} ${!opts:-} (event loops ${!loops:-0}, transport ${!io:-${DROVER_TRANSPORT:-default}}, loop scheduling ${!ls:-${DROVER_LOOP_SCHEDULING:-default}}, max-concurrency ${!mc:-${DROVER_MAX_CONCURRENCY:-0}}) ${!extra:-${DROVER_APP_EXTRA:-}}"
}
for c in "${DROVERS[@]}"; do
  opts="DROVER_${c}_JAVA_OPTS"; loops="DROVER_${c}_EVENT_LOOPS"; mc="DROVER_${c}_MAX_CONCURRENCY"; extra="DROVER_${c}_APP_EXTRA"
  io="DROVER_${c}_TRANSPORT"; ls="DROVER_${c}_LOOP_SCHEDULING"
  DROVER_LAUNCHER="${LAUNCHER[$c]}" DROVER_JAVA_OPTS="${!opts:-}" DROVER_EVENT_LOOPS="${!loops:-0}" DROVER_TRANSPORT="${!io:-${DROVER_TRANSPORT:-}}" \
    DROVER_LOOP_SCHEDULING="${!ls:-${DROVER_LOOP_SCHEDULING:-}}" \
    DROVER_MAX_CONCURRENCY="${!mc:-${DROVER_MAX_CONCURRENCY:-0}}" DROVER_APP_EXTRA="${!extra:-${DROVER_APP_EXTRA:-}}" \
    ct_start drover "$iters" || bench_die "$c: $CT_SKIP"
  PORT[$c]="$CT_PORT"; ROOTS[$c]="${CT_PIDS[*]}"; JVM[$c]="$CT_MAIN"
  bench_log "$(describe "$c")"
done
OTHERS=(nginx)
if [ "$MINIMAL" -ge 1 ]; then
  ct_start minimal "$iters" || bench_die "minimal: $CT_SKIP"
  PORT[min]="$CT_PORT"; ROOTS[min]="${CT_PIDS[*]}"; JVM[min]="$CT_MAIN"; OTHERS=(min nginx)
fi
if [ "$MINIMAL" = 2 ]; then
  MINIMAL_HEADERS=true ct_start minimal "$iters" || bench_die "minimal (headers): $CT_SKIP"
  PORT[minh]="$CT_PORT"; ROOTS[minh]="${CT_PIDS[*]}"; JVM[minh]="$CT_MAIN"; OTHERS=(min minh nginx)
fi
if [ "$RAW" = 1 ]; then
  ct_start raw "$iters" || bench_die "raw: $CT_SKIP"
  PORT[raw]="$CT_PORT"; ROOTS[raw]="${CT_PIDS[*]}"; JVM[raw]="$CT_MAIN"; OTHERS=("${OTHERS[@]:0:${#OTHERS[@]}-1}" raw nginx)
fi
CT_NAME=""   # nothing for ct_stop: bench_cleanup stops them all
bench_log "front-ab.sh: ${DROVERS[*]} ${OTHERS[*]}; $TURNS turns of $DURATION; $(nproc) cores"

w=""; m=""
for c in "${DROVERS[@]}" "${OTHERS[@]}"; do
  [ "$(bench_secs "$WARMUP")" -gt 0 ] || break
  bench_wrk w "http://127.0.0.1:${PORT[$c]}/" "$WARMUP" "$CONNS" "$THREADS" "$BENCH_TMP/warmup-$c.txt"
  bench_log "warmup $c: $(bench_field "$w" rps) req/s"
done
RES="$BENCH_TMP/ab"; mkdir -p "$RES"
# wrk between two /proc snapshots; its own CPU (user + sys) from the subshell's `times`, since it
# has exited by the second snapshot
cpu_wrk() { # VAR C T URL
  local s secs
  secs="$(bench_secs "$DURATION")"
  node "$BENCH_DIR/procsnap.js" snap "$RES/$2.$3.s0"
  (timeout -k 5 $((secs + 30)) wrk --latency -t"$THREADS" -c"$CONNS" -d"$DURATION" "$4" >"$BENCH_TMP/wrk-$2-$3.txt" 2>&1; times >"$RES/$2.$3.times") &
  BENCH_PIDS+=("$!")
  wait "$!"
  node "$BENCH_DIR/procsnap.js" snap "$RES/$2.$3.s1"
  printf -v "$1" '%s' "$(bench_parse_wrk "$BENCH_TMP/wrk-$2-$3.txt")"
  s="$(tail -n 1 "$RES/$2.$3.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }')"
  # shellcheck disable=SC2086
  node "$BENCH_DIR/procsnap.js" diff "$RES/$2.$3.s0" "$RES/$2.$3.s1" --requests "$(bench_field "${!1}" requests)" \
    --wrk-cpu "$s" --front ${ROOTS[$2]} ${JVM[$2]:+--threads ${JVM[$2]}} >"$RES/$2.$3.cpu" 2>&1
  rm -f "$RES/$2.$3.s0" "$RES/$2.$3.s1"
}
for ((t = 1; t <= TURNS; t++)); do
  order="${DROVERS[*]} ${OTHERS[*]}"; [ $((t % 2)) = 0 ] && order="B A ${C:+C }${OTHERS[*]}"
  for c in $order; do
    if [ "$CPU" = 1 ]; then
      cpu_wrk m "$c" "$t" "http://127.0.0.1:${PORT[$c]}/"
    else
      bench_wrk m "http://127.0.0.1:${PORT[$c]}/" "$DURATION" "$CONNS" "$THREADS" "$BENCH_TMP/wrk-$c-$t.txt"
    fi
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
printf '%-8s %10s %9s %9s %8s %10s %10s %10s %10s\n' "" "req/s" "p50 ms" "p99 ms" errors "/A req/s" "/A p99" "/nginx r/s" "/nginx p99"
for c in "${DROVERS[@]}" "${OTHERS[@]}"; do
  printf '%-8s %10.0f %9.2f %9.2f %8s %10s %10s %10s %10s\n' "$c" "$(col "$c" rps | median)" "$(col "$c" p50 | median)" \
    "$(col "$c" p99 | median)" "$(col "$c" errors | awk '{ s += $1 } END { print s + 0 }')" \
    "$(ratios "$c" A rps | median)" "$(ratios "$c" A p99 | median)" "$(ratios "$c" nginx rps | median)" "$(ratios "$c" nginx p99 | median)"
done
echo "(ratio columns: medians of the per-turn ratios)"
for c in "${DROVERS[@]}"; do
  describe "$c"
done
[ "$CPU" = 1 ] || exit 0
cpucol() { local t; for ((t = 1; t <= TURNS; t++)); do head -n 1 "$RES/$1.$t.cpu" | tr ' ' '\n' | sed -n "s/^$2=//p"; done; }
echo
echo "== CPU per request (us; medians over the turns): box = every process's CPU / requests; front = the contender's own processes but its workers; wait = run-queue wait =="
printf '%-8s %8s %8s %9s %10s %9s %10s %8s %8s\n' "" "idle %" "box" "front" "front wait" "workers" "wkrs wait" "wrk" "rest"
for c in "${DROVERS[@]}" "${OTHERS[@]}"; do
  printf '%-8s %8s %8s %9s %10s %9s %10s %8s %8s\n' "$c" "$(cpucol "$c" idle_pct | median)" "$(cpucol "$c" box_us | median)" \
    "$(cpucol "$c" front_us | median)" "$(cpucol "$c" front_wait_us | median)" "$(cpucol "$c" workers_us | median)" \
    "$(cpucol "$c" workers_wait_us | median)" "$(cpucol "$c" wrk_us | median)" "$(cpucol "$c" rest_us | median)"
done
echo "== per request (medians): read and write syscalls (/proc/PID/io syscr, syscw) and voluntary context switches (sleeps) =="
printf '%-8s %9s %9s %9s %10s %10s %10s\n' "" "front rd" "front wr" "front vol" "workers rd" "workers wr" "workers vol"
for c in "${DROVERS[@]}" "${OTHERS[@]}"; do
  printf '%-8s %9s %9s %9s %10s %10s %10s\n' "$c" "$(cpucol "$c" front_rd | median)" "$(cpucol "$c" front_wr | median)" \
    "$(cpucol "$c" front_vol | median)" "$(cpucol "$c" workers_rd | median)" "$(cpucol "$c" workers_wr | median)" "$(cpucol "$c" workers_vol | median)"
done
for c in "${DROVERS[@]}" min minh; do
  [ -f "$RES/$c.$TURNS.cpu" ] || continue
  echo; echo "$c, turn $TURNS: $(head -n 1 "$RES/$c.$TURNS.cpu")"; tail -n +2 "$RES/$c.$TURNS.cpu"
done
[ -n "${FRONT_AB_KEEP:-}" ] && mkdir -p "$FRONT_AB_KEEP" && cp -r "$RES" "$BENCH_TMP"/wrk-* "$FRONT_AB_KEEP/" 2>/dev/null
exit 0
