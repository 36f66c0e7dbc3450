#!/usr/bin/env bash
# Throughput and latency of the same Node app (bench/app/hello.js) behind four fronts, in one run:
#   direct  one Node process, wrk straight at it
#   pm2     PM2 cluster mode, 2 instances (connections handed out by Node's cluster primary)
#   nginx   nginx round-robin to 2 Node processes (upstream keepalive 64, HTTP/1.1, 2 workers)
#   drover  Drover's HTTP front (./drover run) to 2 Node workers
#   and, on request: passenger (Phusion Passenger standalone, builtin engine, 2 processes),
#   drover_c1 / drover_c2 (Drover with route.max-concurrency = 1 / 2: a fair queue at the front),
#   drover_al (Drover with http.access-log.enabled = on: the access log's cost beside drover),
#   drover_nofwd (Drover with http.forward-headers = []: its workers get the request headers
#     nginx RR's get; drover beside nginx_fwd is the other like-for-like pair),
#   minimal (bench/proxy/MinimalProxy.java: a bare Netty proxy, the yardstick for Drover's front)
#   raw (the same program as a TCP proxy, a backend connection per client connection: no HTTP work)
#   nginx_fwd (nginx RR that also sets X-Forwarded-For/-Proto/-Host and X-Request-Id, as Drover does)
# Each contender: start, wait for 200 on /, a warmup run, the measured run, stop. One table per
# handler with Drover's ratio to each. Only ratios within one run mean anything (see README.md).
#
#   bench/front.sh [--duration 10s] [--connections 64] [--threads 2] [--warmup 5s]
#                  [--handler trivial|cpu|both] [--rounds 1] [--work-iters N]
#                  [--contenders direct,pm2,nginx,drover] [--reference drover]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --duration D       measured wrk run per contender (default 10s)
  --warmup D         wrk run before it, not counted (default 30s: a JVM levels off after ~25 s of
                     load; 0 = none)
  --connections N    wrk -c (default 64)
  --threads N        wrk -t (default 2)
  --handler H        trivial (GET / answers at once), cpu (WORK_ITERS of CPU per request, ~1 ms),
                     or both (default)
  --rounds N         repeat every contender N times; tables show medians (default 1)
  --work-iters N     iterations of the cpu handler (default: DEFAULT_WORK_ITERS of bench/app/work.js)
  --contenders LIST  comma separated, of direct,pm2,nginx,nginx_fwd,drover,passenger,drover_c1,drover_c2,drover_al,drover_nofwd,minimal,raw
                     (default direct,pm2,nginx,drover)
  --reference C      the contender the ratio columns divide by the others (default drover)
Env: DROVER_LAUNCHER (default ./drover), DROVER_START_TIMEOUT (s, default 300: covers a first
build), BENCH_KEEP_TMP=1 keeps the temp dir (logs, configs, raw wrk output); for every Drover
contender: DROVER_BALANCER (route.balancer, default round-robin), DROVER_EVENT_LOOPS
(http.event-loops, default 0: every core with io_uring, half of them with epoll).
EOF
}

DURATION=10s; WARMUP=30s; CONNS=64; THREADS=2; HANDLER=both; ROUNDS=1; WORK_ITERS=""
CONTENDERS="direct,pm2,nginx,drover"; REF=drover
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --handler) HANDLER="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --work-iters) WORK_ITERS="${2:?}"; shift 2 ;;
    --contenders) CONTENDERS="${2:?}"; shift 2 ;;
    --reference) REF="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "front.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "front.sh: bad --duration $DURATION" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "front.sh: bad --warmup $WARMUP" >&2; exit 2; }
[[ $CONNS =~ ^[0-9]+$ && $THREADS =~ ^[0-9]+$ && $CONNS -ge $THREADS && $THREADS -ge 1 ]] ||
  { echo "front.sh: need --connections >= --threads >= 1" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 && $ROUNDS -le 20 ]] || { echo "front.sh: --rounds 1..20" >&2; exit 2; }
case "$HANDLER" in trivial) HANDLERS=(trivial) ;; cpu) HANDLERS=(cpu) ;; both) HANDLERS=(trivial cpu) ;;
  *) echo "front.sh: --handler trivial|cpu|both" >&2; exit 2 ;; esac
IFS=',' read -r -a CTS <<<"$CONTENDERS"
for c in "${CTS[@]}"; do
  case "$c" in direct|pm2|nginx|nginx_fwd|drover|passenger|drover_c1|drover_c2|drover_al|drover_nofwd|minimal|raw) ;; *) echo "front.sh: unknown contender $c" >&2; exit 2 ;; esac
done

bench_init
bench_install "$CONTENDERS"
if [ -z "$WORK_ITERS" ]; then
  WORK_ITERS="$(node -p "require('$BENCH_DIR/app/work.js').DEFAULT_WORK_ITERS")"
fi
[[ $WORK_ITERS =~ ^[0-9]+$ ]] || bench_die "bad --work-iters $WORK_ITERS"

RES="$BENCH_TMP/results"; mkdir -p "$RES"
w=""; m=""   # set by bench_wrk
declare -A SKIPPED=()
bench_log "front.sh: contenders ${CONTENDERS}; wrk -t$THREADS -c$CONNS -d$DURATION (warmup $WARMUP); handlers ${HANDLERS[*]}; rounds $ROUNDS; $(nproc) cores; run id $BENCH_RUN_ID"

for h in "${HANDLERS[@]}"; do
  iters=0; [ "$h" = cpu ] && iters="$WORK_ITERS"
  for ((r = 1; r <= ROUNDS; r++)); do
    for c in "${CTS[@]}"; do
      bench_log "[$h round $r] $c: starting"
      if ! ct_start "$c" "$iters"; then
        bench_log "[$h round $r] SKIP $c: $CT_SKIP"
        SKIPPED[$c]="$(echo "$CT_SKIP" | head -n 1)"
        ct_stop
        continue
      fi
      url="http://127.0.0.1:$CT_PORT/"
      if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
        bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
        bench_log "[$h round $r] $c: warmup $(bench_field "$w" rps) req/s"
      fi
      bench_wrk m "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
      if [ "$(bench_field "$m" ok)" = 1 ]; then
        echo "$m" >"$RES/$h.$c.$r"
        bench_log "[$h round $r] $c: $m"
      else
        bench_log "[$h round $r] $c: wrk gave no result: $(tail -n 3 "$CT_DIR/wrk.txt" | tr '\n' ' ')"
      fi
      ct_stop
    done
  done
done

# --- tables ------------------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field_of() { local f; for f in "$RES/$1.$2".*; do [ -f "$f" ] && bench_field "$(cat "$f")" "$3"; done; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

for h in "${HANDLERS[@]}"; do
  echo
  if [ "$h" = trivial ]; then desc="GET / answers at once"; else desc="GET / runs WORK_ITERS=$WORK_ITERS (~1 ms of CPU)"; fi
  echo "== handler $h: $desc; wrk -t$THREADS -c$CONNS -d$DURATION after a $WARMUP warmup; $ROUNDS round(s)$([ "$ROUNDS" -gt 1 ] && echo ', medians') =="
  d_rps="$(field_of "$h" "$REF" rps | median)"; d_p99="$(field_of "$h" "$REF" p99 | median)"
  printf '%-16s %10s %9s %9s %8s %12s %12s\n' contender "req/s" "p50 ms" "p99 ms" errors "ref/req/s" "ref/p99"
  for c in "${CTS[@]}"; do
    rps="$(field_of "$h" "$c" rps | median)"
    if [ -z "$rps" ]; then
      printf '%-16s %s\n' "$(ct_label "$c")" "skipped: ${SKIPPED[$c]:-no result}"
      continue
    fi
    p50="$(field_of "$h" "$c" p50 | median)"; p99="$(field_of "$h" "$c" p99 | median)"
    errs="$(field_of "$h" "$c" errors | awk '{ s += $1 } END { print s + 0 }')"
    rng=""
    [ "$ROUNDS" -gt 1 ] && rng=" ($(field_of "$h" "$c" rps | sort -g | head -n1)-$(field_of "$h" "$c" rps | sort -g | tail -n1))"
    printf '%-16s %10.0f %9.2f %9.2f %8s %12s %12s%s\n' "$(ct_label "$c")" "$rps" "$p50" "$p99" "$errs" \
      "$(ratio "$d_rps" "$rps")" "$(ratio "$d_p99" "$p99")" "$rng"
  done
done
echo
echo "ref = $(ct_label "$REF"). ref/req/s = its req/s divided by the row's (above 1: it serves more);"
echo "ref/p99 = its p99 divided by the row's (below 1: its tail is shorter). '-': no result for it."
echo "errors = wrk's non-2xx/3xx responses + socket errors (connect, read, write, timeout), summed over rounds."
