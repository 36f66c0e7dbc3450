#!/usr/bin/env bash
# What the same Node workers (bench/app/hello.js, 2 processes) cost behind each front: the front
# decides what they parse and how their requests arrive, and on a 2-core box their CPU counts as
# much as its own. Contenders one after another (default nginx, drover, drover_nofwd: see
# bench/front.sh); for each, a warmup, then one measured wrk run during which:
#   - /proc gives the workers' user and system CPU and their preemptions (involuntary switches) per request;
#   - perf counts their syscalls (tracepoints): event-loop waits (epoll_pwait), reads and writes
#     per request; requests per wait is how many a worker finds ready each time it looks;
#   - with --symbols, perf samples them (cpu-clock): the functions whose CPU per request differs
#     most from the first contender's, in microseconds per request.
#
#   bench/workers.sh [--contenders nginx,drover,drover_nofwd] [--handler trivial|cpu]
#                    [--warmup 20s] [--duration 8s] [--connections 64] [--threads 2] [--symbols]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONTENDERS=nginx,drover,drover_nofwd; HANDLER=trivial; WARMUP=20s; DURATION=8s; CONNS=64; THREADS=2; SYMBOLS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --contenders) CONTENDERS="${2:?}"; shift 2 ;;
    --handler) HANDLER="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --symbols) SYMBOLS=1; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "workers.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$HANDLER" in trivial|cpu) ;; *) echo "workers.sh: --handler trivial|cpu" >&2; exit 2 ;; esac
for d in "$WARMUP" "$DURATION"; do bench_is_duration "$d" || { echo "workers.sh: bad duration $d" >&2; exit 2; }; done
IFS=, read -r -a LIST <<<"$CONTENDERS"
for c in "${LIST[@]}"; do
  case "$c" in nginx|nginx_fwd|pm2|drover|drover_nofwd) ;; *) echo "workers.sh: contender $c: one of nginx, nginx_fwd, pm2, drover, drover_nofwd" >&2; exit 2 ;; esac
done
command -v perf >/dev/null || bench_die "perf is needed (apt-get install -y linux-perf)"
EVENTS=syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_read,syscalls:sys_enter_writev,syscalls:sys_enter_write
perf stat -e "$EVENTS" -- true >/dev/null 2>&1 || bench_die "perf cannot count syscall tracepoints here (perf_event_paranoid, or no tracefs)"

bench_init
bench_install "$CONTENDERS"
iters=0
[ "$HANDLER" = cpu ] && iters="$(node -p "require('$BENCH_DIR/app/work.js').DEFAULT_WORK_ITERS")"
secs="$(bench_secs "$DURATION")"

cpu_ticks() { local p; for p in "$@"; do awk '{print $14, $15}' "/proc/$p/stat"; done | awk '{u += $1; s += $2} END {print u + 0, s + 0}'; }
# preemptions: involuntary context switches of every thread of the processes
preempted() { local p; for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done | awk '/^nonvoluntary_ctxt_switches/ {n += $2} END {print n + 0}'; }

rows=()
for c in "${LIST[@]}"; do
  ct_start "$c" "$iters" || { bench_log "$c skipped: $CT_SKIP"; ct_stop; continue; }
  url="http://127.0.0.1:$CT_PORT/"
  w=""; bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
  mapfile -t pids < <(ct_workers)
  [ ${#pids[@]} -gt 0 ] || { bench_log "$c: no worker processes found"; ct_stop; continue; }
  csv="$(IFS=,; echo "${pids[*]}")"
  read -r u0 s0 < <(cpu_ticks "${pids[@]}"); i0="$(preempted "${pids[@]}")"
  timeout -k 5 $((secs + 30)) perf stat -x, -e "$EVENTS" -p "$csv" -o "$CT_DIR/stat.csv" -- sleep "$((secs > 2 ? secs - 1 : secs))" >/dev/null 2>&1 &
  stat_pid=$!
  if [ "$SYMBOLS" = 1 ]; then
    timeout -k 5 $((secs + 30)) perf record -q -e cpu-clock -F 1999 -p "$csv" -o "$CT_DIR/perf.data" -- sleep "$((secs > 2 ? secs - 1 : secs))" >/dev/null 2>&1 &
    rec_pid=$!
  fi
  m=""; bench_wrk m "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
  read -r u1 s1 < <(cpu_ticks "${pids[@]}"); i1="$(preempted "${pids[@]}")"
  wait "$stat_pid"
  [ "$SYMBOLS" = 1 ] && wait "$rec_pid"
  bench_log "$c: $m"
  req="$(bench_field "$m" requests)"; rps="$(bench_field "$m" rps)"
  if [ -z "$req" ] || [ "$req" = 0 ]; then bench_log "$c: no requests"; ct_stop; continue; fi
  # perf ran for (secs - 1) of the secs wrk ran: its counts are per request of that share
  share="$(awk -v s="$secs" 'BEGIN { print (s > 2 ? (s - 1) / s : 1) }')"
  hz="$(getconf CLK_TCK)"
  rows+=("$(awk -F, -v name="$(ct_label "$c")" -v req="$req" -v rps="$rps" -v sh="$share" -v hz="$hz" \
      -v du="$((u1 - u0))" -v ds="$((s1 - s0))" -v di="$((i1 - i0))" '
    $3 ~ /epoll_p?wait/ { waits += $1 } $3 ~ /sys_enter_read$/ { reads += $1 } $3 ~ /sys_enter_writev?$/ { writes += $1 }
    END { n = req * sh
      printf "%-22s %8d %9.2f %9.2f %9.3f %9.2f %9.2f %10.2f %10.3f\n", name, rps, du * 1e6 / hz / req, ds * 1e6 / hz / req,
        waits / n, reads / n, writes / n, (waits > 0 ? reads / waits : 0), di / req }' "$CT_DIR/stat.csv")")
  if [ "$SYMBOLS" = 1 ]; then
    total_us="$(awk -v a="$((u1 - u0 + s1 - s0))" -v hz="$hz" -v req="$req" 'BEGIN { print a * 1e6 / hz / req }')"
    perf report -i "$CT_DIR/perf.data" --no-children --sort sym -q -g none 2>/dev/null |
      awk -v t="$total_us" -v c="$c" '{ p = $1; sub(/%/, "", p); $1 = ""; $2 = ""; sub(/^ +/, ""); printf "%s\t%.4f\t%s\n", c, p * t / 100, substr($0, 1, 90) }' \
      >>"$BENCH_TMP/symbols.tsv"
  fi
  ct_stop
done

echo
echo "== the workers behind each front: $HANDLER handler, wrk -t$THREADS -c$CONNS -d$DURATION after a $WARMUP warmup =="
printf '%-22s %8s %9s %9s %9s %9s %9s %10s %10s\n' "contender" "req/s" "user us" "sys us" "waits" "reads" "writes" "req/wait" "preempted"
printf '%s\n' "${rows[@]}"
echo "(per request: the workers' CPU in microseconds, their epoll waits, reads, writes and preemptions (involuntary switches); req/wait: reads per wait)"
if [ "$SYMBOLS" = 1 ] && [ -s "$BENCH_TMP/symbols.tsv" ]; then
  echo
  echo "== functions whose CPU per request differs most from ${LIST[0]}'s (us per request) =="
  awk -F'\t' -v base="${LIST[0]}" '
    { us[$1 SUBSEP $3] += $2; seen[$3] = 1; if (!($1 in cs)) { cs[$1] = 1; order[++n] = $1 } }
    END { for (s in seen) for (i = 2; i <= n; i++) {
        d = us[order[i] SUBSEP s] - us[base SUBSEP s]
        printf "%+.3f %8.3f %8.3f  %-14s %s\n", d, us[base SUBSEP s], us[order[i] SUBSEP s], order[i], s } }' \
    "$BENCH_TMP/symbols.tsv" | sort -g -r -k1,1 >"$BENCH_TMP/diff.txt"
  printf '%7s %8s %8s  %-14s %s\n' "diff" "${LIST[0]}" "other" "other" "function"
  head -n 20 "$BENCH_TMP/diff.txt"; echo "..."; tail -n 5 "$BENCH_TMP/diff.txt"
fi
