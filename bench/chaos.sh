#!/usr/bin/env bash
# Failed requests under the same load while workers die or are replaced, side by side:
#   pm2     PM2 cluster mode, 2 instances; chaos: kill -9 of a worker's pid; rolling: `pm2 reload`
#   nginx   nginx round-robin (default max_fails=1 fail_timeout=10s) over 2 plain Node processes
#           that a small bash loop restarts when they exit; chaos: kill -9 of one of them;
#           rolling: TERM one, wait until its replacement answers /health, then the other
#   drover  Drover's front to 2 workers; chaos: kill -9 of a worker (a child of the drover node
#           JVM whose environment has DROVER_APP=hello); rolling: SIGHUP to the node JVM
# Scenarios, each on a freshly started contender after a short warmup without chaos:
#   kill    wrk for --duration while a random worker is killed with kill -9 every --kill-every s
#   reload  wrk for --duration while the app is rolling-restarted --reloads times, evenly spaced
# A request counts as failed when wrk saw a non-2xx/3xx answer or a socket error (connect, read,
# write, timeout); total = completed responses + socket errors. See README.md.
#
#   bench/chaos.sh [--duration 20s] [--connections 32] [--threads 2] [--warmup 3s]
#                  [--scenarios kill,reload] [--kill-every 2] [--reloads 2]
#                  [--contenders pm2,nginx,drover] [--work-iters 0]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --duration D       wrk run per contender and scenario (default 20s)
  --warmup D         wrk run before it, without chaos, not counted (default 3s; 0 = none)
  --connections N    wrk -c (default 32)
  --threads N        wrk -t (default 2)
  --scenarios LIST   kill,reload (default both)
  --kill-every S     seconds between two kill -9 (default 2)
  --reloads N        rolling restarts during the run (default 2)
  --work-iters N     CPU loop per request of the app (default 0: the trivial handler)
  --contenders LIST  comma separated subset of pm2,nginx,drover (default all)
Env: DROVER_LAUNCHER, DROVER_START_TIMEOUT, BENCH_KEEP_TMP as for front.sh.
EOF
}

DURATION=20s; WARMUP=3s; CONNS=32; THREADS=2; SCENARIOS="kill,reload"; KILL_EVERY=2; RELOADS=2
WORK_ITERS=0; CONTENDERS="pm2,nginx,drover"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --scenarios) SCENARIOS="${2:?}"; shift 2 ;;
    --kill-every) KILL_EVERY="${2:?}"; shift 2 ;;
    --reloads) RELOADS="${2:?}"; shift 2 ;;
    --work-iters) WORK_ITERS="${2:?}"; shift 2 ;;
    --contenders) CONTENDERS="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "chaos.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -ge 2 ] || { echo "chaos.sh: bad --duration $DURATION (>= 2s)" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "chaos.sh: bad --warmup $WARMUP" >&2; exit 2; }
[[ $CONNS =~ ^[0-9]+$ && $THREADS =~ ^[0-9]+$ && $CONNS -ge $THREADS && $THREADS -ge 1 ]] ||
  { echo "chaos.sh: need --connections >= --threads >= 1" >&2; exit 2; }
[[ $KILL_EVERY =~ ^[0-9]+$ && $KILL_EVERY -ge 1 ]] || { echo "chaos.sh: --kill-every: whole seconds >= 1" >&2; exit 2; }
[[ $RELOADS =~ ^[0-9]+$ && $RELOADS -ge 1 && $RELOADS -le 20 ]] || { echo "chaos.sh: --reloads 1..20" >&2; exit 2; }
[[ $WORK_ITERS =~ ^[0-9]+$ ]] || { echo "chaos.sh: bad --work-iters" >&2; exit 2; }
IFS=',' read -r -a CTS <<<"$CONTENDERS"
for c in "${CTS[@]}"; do
  case "$c" in pm2|nginx|drover) ;; *) echo "chaos.sh: unknown contender $c (pm2, nginx, drover)" >&2; exit 2 ;; esac
done
IFS=',' read -r -a SCS <<<"$SCENARIOS"
for s in "${SCS[@]}"; do
  case "$s" in kill|reload) ;; *) echo "chaos.sh: unknown scenario $s (kill, reload)" >&2; exit 2 ;; esac
done

bench_init
bench_install "$CONTENDERS"
SECS="$(bench_secs "$DURATION")"
ROWS="$BENCH_TMP/rows"; : >"$ROWS"
w=""; f=""   # set by bench_wrk, bench_failures
bench_log "chaos.sh: contenders $CONTENDERS; scenarios $SCENARIOS; wrk -t$THREADS -c$CONNS -d$DURATION; WORK_ITERS=$WORK_ITERS; run id $BENCH_RUN_ID"

for c in "${CTS[@]}"; do
  for s in "${SCS[@]}"; do
    label="$(ct_label "$c")"
    bench_log "[$s] $c: starting"
    respawn=""; [ "$c" = nginx ] && respawn=respawn
    if ! ct_start "$c" "$WORK_ITERS" "$respawn"; then
      bench_log "[$s] SKIP $c: $CT_SKIP"
      printf '%s\t%s\tskipped: %s\n' "$label" "$s" "$(echo "$CT_SKIP" | head -n 1)" >>"$ROWS"
      ct_stop
      continue
    fi
    url="http://127.0.0.1:$CT_PORT/"
    if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
      bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
    fi
    bench_wrk_bg "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
    wrk_pid=$BENCH_WRK_PID
    # The chaos runs in the background too, so that a signal to this script is handled at once.
    if [ "$s" = kill ]; then
      bench_chaos_kill "$wrk_pid" "$SECS" "$KILL_EVERY" >"$CT_DIR/did" &
    else
      bench_chaos_reload "$wrk_pid" "$SECS" "$RELOADS" >"$CT_DIR/did" &
    fi
    chaos_pid=$!
    BENCH_PIDS+=("$chaos_pid")
    wait "$chaos_pid"
    wait "$wrk_pid"
    did="$(cat "$CT_DIR/did")"
    m="$(bench_parse_wrk "$CT_DIR/wrk.txt")"
    note=""
    if [ "$c" = drover ] && ! bench_alive "$CT_MAIN"; then
      note="; the drover node exited during the run"
      bench_log "[$s] drover node exited during the run; last lines: $(tail -n 5 "$CT_DIR/drover.log" | tr '\n' ' ')"
    fi
    bench_failures f "$m"
    if [ -z "$f" ]; then
      printf '%s\t%s\tno result from wrk (%s)%s\n' "$label" "$s" "$did" "$note" >>"$ROWS"
    else
      read -r total failed pct detail <<<"$f"
      printf '%s\t%s\t%s\t%s\t%s\t%s; %s%s\n' "$label" "$s" "$total" "$failed" "$pct" "$detail" "$did" "$note" >>"$ROWS"
    fi
    bench_log "[$s] $c: $m; $did$note"
    ct_stop
  done
done

echo
echo "== chaos: wrk -t$THREADS -c$CONNS -d$DURATION, WORK_ITERS=$WORK_ITERS; kill = kill -9 of a random worker every ${KILL_EVERY}s; reload = $RELOADS rolling restarts =="
printf '%-16s %-8s %10s %8s %9s  %s\n' contender scenario total failed "failed %" "detail"
while IFS=$'\t' read -r label s total failed pct detail; do
  if [[ $total == skipped:* || $total == no\ result* ]]; then
    printf '%-16s %-8s %s\n' "$label" "$s" "$total"
  else
    printf '%-16s %-8s %10s %8s %9s  %s\n' "$label" "$s" "$total" "$failed" "$pct" "$detail"
  fi
done <"$ROWS"
echo
echo "failed = wrk's non-2xx/3xx responses + socket errors (connect, read, write, timeout);"
echo "total = completed responses + socket errors. A socket error stands for one lost request."
