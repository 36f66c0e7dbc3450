#!/usr/bin/env bash
# Proof under fire: one command runs Drover through load, chaos, restarts, node crashes, a soak
# and a scale test, side by side with PM2 and nginx where the same test applies, and writes a
# Markdown report (tables, goals, pass/fail). See bench/proof/README.md.
#
#   bench/proof/run.sh                 # the full run (soak 30m): about an hour
#   bench/proof/run.sh --quick         # a few-minute run of every section (soak 2m)
#   bench/proof/run.sh --sections chaos,rolling --out /tmp/proof.md
#
# Sections (in this order):
#   load     wrk without chaos against each contender's front
#   chaos    kill -9 of a random worker every --kill-every s for --chaos → failed requests,
#            max time the app had fewer ready workers than declared
#   rolling  --reloads rolling restarts of every app under load → failed requests
#   recycle  workers recycled every few seconds (recycle.max-requests) under load → failed
#            requests, recycles done
#   deploy   an apply of a bad release (its workers exit 1 seconds after ready) under load →
#            failed requests, how the deployment ended (reverted), ready workers at the end
#   node     3-node local cluster (deploy/local/cluster.sh): kill -9 a node under load → failed
#            requests through a surviving node's front, time until every slot is ready again;
#            restart it → time until it is Up again in GET /cluster
#   orphans  SIGKILL of a node (or PM2's daemon) running 20 workers with a child each →
#            processes of the old run left after the restart
#   soak     --soak of restart churn (a worker exiting every second) under load → node RSS,
#            heap after GC, threads and open files each --soak-sample
#   scale    --scale-workers process workers on one node (or PM2) → time until all are up,
#            supervisor RSS, supervisor CPU while idle
# Everything runs on loopback with free high ports; every loop is bounded; everything started is
# stopped on exit (normal, error, Ctrl-C). Exit status: 0 when every goal passed, 1 otherwise.
set -uo pipefail
PROOF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$PROOF_DIR/../lib.sh"

usage() {
  sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options (durations: 30s, 2m, 1h):
  --quick              short durations for every section (below: full / quick)
  --out FILE           where the report goes (default: a new /tmp/drover-proof.XXXXXX/report.md)
  --sections LIST      load,chaos,rolling,recycle,deploy,node,orphans,soak,scale (default all)
  --peers LIST         pm2,nginx or none: contenders beside Drover where a test applies (default pm2,nginx)
  --load D             wrk run of the load section (20s / 5s)
  --chaos D            kill -9 period (60s / 15s); --kill-every S (2)
  --rolling D          wrk run of the rolling section (30s / 15s); --reloads N (3)
  --recycle D          wrk run of the recycle section (30s / 15s); --max-requests N (10000)
  --deploy D           wrk run of the deploy section (30s / 20s)
  --node D             wrk run of the node section (60s / 45s)
  --orphan-workers N   (20)
  --soak D             (30m / 2m); --soak-sample D (60s)
  --scale-workers N    (200 / 200); --idle D: CPU sampling while idle (30s / 10s)
  --connections N      wrk -c for load, chaos, rolling, node (32); --threads N (2)
Env: DROVER_JAR (a built node jar; default: node/target/drover-node.jar, built by ./drover when
missing or older than the sources), DROVER_JAVA_OPTS (as ./drover's), BENCH_KEEP_TMP=1 keeps the
run's temp dir (configs, logs, raw wrk output, event captures).
EOF
}

QUICK=0; OUT=""; SECTIONS="load,chaos,rolling,recycle,deploy,node,orphans,soak,scale"; DEPLOY=""; PEERS="pm2,nginx"
LOAD=""; CHAOS=""; KILL_EVERY=2; ROLLING=""; RELOADS=3; NODE_DUR=""; ORPHAN_WORKERS=20; RECYCLE=""; MAX_REQUESTS=10000
SOAK=""; SOAK_SAMPLE=60s; SCALE_WORKERS=""; IDLE=""; CONNS=32; THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --sections) SECTIONS="${2:?}"; shift 2 ;;
    --peers) PEERS="${2:?}"; shift 2 ;;
    --load) LOAD="${2:?}"; shift 2 ;;
    --chaos) CHAOS="${2:?}"; shift 2 ;;
    --kill-every) KILL_EVERY="${2:?}"; shift 2 ;;
    --rolling) ROLLING="${2:?}"; shift 2 ;;
    --recycle) RECYCLE="${2:?}"; shift 2 ;;
    --deploy) DEPLOY="${2:?}"; shift 2 ;;
    --max-requests) MAX_REQUESTS="${2:?}"; shift 2 ;;
    --reloads) RELOADS="${2:?}"; shift 2 ;;
    --node) NODE_DUR="${2:?}"; shift 2 ;;
    --orphan-workers) ORPHAN_WORKERS="${2:?}"; shift 2 ;;
    --soak) SOAK="${2:?}"; shift 2 ;;
    --soak-sample) SOAK_SAMPLE="${2:?}"; shift 2 ;;
    --scale-workers) SCALE_WORKERS="${2:?}"; shift 2 ;;
    --idle) IDLE="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
q() { [ "$QUICK" = 1 ] && echo "$2" || echo "$1"; }   # full / quick default
LOAD="${LOAD:-$(q 20s 5s)}"; CHAOS="${CHAOS:-$(q 60s 15s)}"; ROLLING="${ROLLING:-$(q 30s 15s)}"; RECYCLE="${RECYCLE:-$(q 30s 15s)}"
DEPLOY="${DEPLOY:-$(q 30s 20s)}"
NODE_DUR="${NODE_DUR:-$(q 60s 45s)}"; SOAK="${SOAK:-$(q 30m 2m)}"
SCALE_WORKERS="${SCALE_WORKERS:-200}"; IDLE="${IDLE:-$(q 30s 10s)}"
for d in "$LOAD" "$CHAOS" "$ROLLING" "$RECYCLE" "$DEPLOY" "$NODE_DUR" "$SOAK" "$SOAK_SAMPLE" "$IDLE"; do
  bench_is_duration "$d" && [ "$(bench_secs "$d")" -ge 2 ] || { echo "run.sh: bad duration $d (>= 2s)" >&2; exit 2; }
done
[ "$(bench_secs "$NODE_DUR")" -ge 20 ] || { echo "run.sh: --node needs >= 20s" >&2; exit 2; }
[ "$(bench_secs "$SOAK")" -ge "$(bench_secs "$SOAK_SAMPLE")" ] || { echo "run.sh: --soak shorter than --soak-sample" >&2; exit 2; }
for n in "$KILL_EVERY" "$RELOADS" "$ORPHAN_WORKERS" "$SCALE_WORKERS" "$CONNS" "$THREADS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad number $n" >&2; exit 2; }
done
[ "$RELOADS" -le 20 ] && [ "$ORPHAN_WORKERS" -le 500 ] && [ "$SCALE_WORKERS" -le 2000 ] && [ "$CONNS" -ge "$THREADS" ] ||
  { echo "run.sh: --reloads <= 20, --orphan-workers <= 500, --scale-workers <= 2000, --connections >= --threads" >&2; exit 2; }
IFS=',' read -r -a SECS_LIST <<<"$SECTIONS"
for s in "${SECS_LIST[@]}"; do
  case "$s" in load|chaos|rolling|recycle|deploy|node|orphans|soak|scale) ;; *) echo "run.sh: unknown section $s" >&2; exit 2 ;; esac
done
[ "$PEERS" = none ] && PEERS=""
IFS=',' read -r -a PEER_LIST <<<"$PEERS"
for p in "${PEER_LIST[@]}"; do
  case "$p" in pm2|nginx) ;; *) echo "run.sh: unknown peer $p (pm2, nginx)" >&2; exit 2 ;; esac
done
has_peer() { [[ ",$PEERS," == *",$1,"* ]]; }

bench_init
bench_install "${PEERS:-none}"
command -v jcmd >/dev/null || bench_die "jcmd (from the JDK) is needed for heap-after-GC samples (it triggers the GC)"

# The node: a built jar run with ./drover's JVM options and MALLOC_ARENA_MAX, through a launcher shim in the temp dir
# (so lib.sh's contender code runs it as it runs ./drover).
if [ -z "${DROVER_JAR:-}" ]; then
  DROVER_JAR="$REPO_DIR/node/target/drover-node.jar"
  bench_log "making sure $DROVER_JAR is built (./drover builds when missing or older than the sources)"
  (cd "$REPO_DIR" && timeout -k 5 "$DROVER_START_TIMEOUT" ./drover --version >/dev/null) || bench_die "building Drover failed (see node/build.log)"
fi
[ -f "$DROVER_JAR" ] || bench_die "no such jar: $DROVER_JAR"
DROVER_JAR="$(readlink -f "$DROVER_JAR")"
JAVA_OPTS="${DROVER_JAVA_OPTS:--Xms64m -Xmn24m -Xmx512m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -XX:PerMethodTrapLimit=0 -Dio.netty.leakDetection.level=disabled}"
DROVER_LAUNCHER="$BENCH_TMP/drover"
printf '#!/bin/sh\n# shellcheck disable=SC2086\n[ -n "${MALLOC_ARENA_MAX+set}" ] || export MALLOC_ARENA_MAX=2 DROVER_NODE_ONLY_ENV=MALLOC_ARENA_MAX\nexec java %s -jar "%s" "$@"\n' "$JAVA_OPTS" "$DROVER_JAR" >"$DROVER_LAUNCHER"
chmod +x "$DROVER_LAUNCHER"

if [ -z "$OUT" ]; then
  OUT_DIR="$(mktemp -d /tmp/drover-proof.XXXXXX)"
  OUT="$OUT_DIR/report.md"
fi
mkdir -p "$(dirname "$OUT")" || bench_die "cannot create the directory of $OUT"
SEC_DIR="$BENCH_TMP/sections"; mkdir -p "$SEC_DIR"
SUMMARY="$BENCH_TMP/summary"; : >"$SUMMARY"
NOTES="$BENCH_TMP/notes"; : >"$NOTES"
APP_DIR="$BENCH_DIR/app"
CHILD_JS="$PROOF_DIR/app/with-child.js"
GAPS_JS="$PROOF_DIR/ready-gaps.js"
w=""; f=""   # set by bench_wrk, bench_failures
bench_log "proof: sections $SECTIONS; peers ${PEERS:-none}; jar $DROVER_JAR; run id $BENCH_RUN_ID"

# --- helpers ---------------------------------------------------------------------------------

now_ms() { date +%s%3N; }
ms_to_s() { awk -v m="$1" 'BEGIN { printf "%.1f", m / 1000 }'; }
api() { curl -s -m "${3:-3}" "http://127.0.0.1:$1$2"; }               # PORT PATH [MAX_S]
api_post() { curl -s -m "${3:-120}" -X POST "http://127.0.0.1:$1$2"; } # PORT PATH [MAX_S]
# With EXCLUDE, only workers whose "node" is known and is not that node count (a slot whose node
# is unreachable is listed without one until it is placed again).
ready_count() { # PORT APP [EXCLUDE_NODE_SUBSTRING]: ready workers of APP (not on that node)
  local n
  n="$(api "$1" "/apps/$2" 10 | jq -r --arg x "${3:-}" \
    '[.workers[]? | select(.state == "ready") | select($x == "" or (.node != null and (.node | contains($x) | not)))] | length' 2>/dev/null)"
  echo "${n:-0}"
}
declared() { local n; n="$(api "$1" "/apps/$2" 10 | jq -r '.instances // 0' 2>/dev/null)"; echo "${n:-0}"; }
# Waits (at most S s, polling every 150 ms) until APP on the node at PORT has N ready workers;
# prints the ms it took, or "timeout".
wait_ready() { # PORT APP N S [EXCLUDE_NODE_SUBSTRING]
  local t0 i
  [[ $3 =~ ^[0-9]+$ ]] || { echo timeout; return 1; }
  t0=$(now_ms)
  for ((i = 0; i < $4 * 7 + 10; i++)); do
    [ "$(ready_count "$1" "$2" "${5:-}")" -ge "$3" ] && { echo $(($(now_ms) - t0)); return 0; }
    [ $(($(now_ms) - t0)) -gt $(($4 * 1000)) ] && break
    sleep 0.15
  done
  echo timeout
  return 1
}
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
cpu_ticks() { # PID: utime + stime of the process (clock ticks)
  local s; s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  s="${s##*) }"; set -- $s; echo $(( ${12} + ${13} ))
}
# CPU of PID over S seconds, as % of one core.
idle_cpu() { # PID S
  local a b hz; hz="$(getconf CLK_TCK)"
  a=$(cpu_ticks "$1"); sleep "$2"; b=$(cpu_ticks "$1")
  awk -v d=$((b - a)) -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", 100 * d / hz / s }'
}
# Heap in use right after a full GC, in MB: \`jcmd PID GC.run\`, then the node's own
# jvm_gc_live_data_size_bytes (GET /metrics: the long-lived pool's size after the last major GC).
# (The heap's total "used" just after the GC would count whatever the load allocated since.)
heap_after_gc_mb() { # PID MGMT_PORT
  timeout 30 jcmd "$1" GC.run >/dev/null 2>&1 || { echo "-"; return; }
  sleep 0.5   # the metric is set from the GC's notification
  api "$2" /metrics 10 | awk '/^jvm_gc_live_data_size_bytes / { v = $2 } END { if (v == "") print "-"; else printf "%.1f", v / 1048576 }'
}
# Descendants of ROOT (not ROOT), as "pid:starttime" lines: the identity of each process.
descendants() { # ROOT
  local root="$1" f s rest pid ppid st
  declare -A kids=()
  for f in /proc/[0-9]*/stat; do
    s="$(cat "$f" 2>/dev/null)" || continue
    [ -n "$s" ] || continue
    pid="${s%% *}"; rest="${s##*) }"
    # shellcheck disable=SC2086
    set -- $rest; ppid=$2; st=${20}
    kids[$ppid]+="$pid:$st "
  done
  local queue=("$root") cur k
  while [ ${#queue[@]} -gt 0 ]; do
    cur="${queue[0]}"; queue=("${queue[@]:1}")
    for k in ${kids[$cur]:-}; do echo "$k"; queue+=("${k%%:*}"); done
  done
}
# How many of the "pid:starttime" lines in FILE are still the same live process.
alive_count() { # FILE
  local file="$1" n=0 line pid st s rest
  while read -r line; do
    [ -n "$line" ] || continue
    pid="${line%%:*}"; st="${line#*:}"
    s="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    rest="${s##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    [ "$1" != Z ] && [ "${20}" = "$st" ] && n=$((n + 1))
  done <"$file"
  echo "$n"
}
kill_listed() { # FILE: KILL every listed process that is still the same live process
  local file="$1" line pid st s rest
  while read -r line; do
    [ -n "$line" ] || continue
    pid="${line%%:*}"; st="${line#*:}"
    s="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    rest="${s##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    [ "${20}" = "$st" ] && kill -KILL "$pid" 2>/dev/null
  done <"$file"
}

# A one-node Drover config in FILE: home under DIR, the front and the API on HPORT and MPORT, then
# the apps (HOCON inside drover { }).
write_node_conf() { # FILE DIR HPORT MPORT APPS
  cat >"$1" <<EOF
drover {
  home = "$2/home"
  http { interface = "127.0.0.1", port = $3 }
  management { interface = "127.0.0.1", port = $4 }
$5
}
EOF
}

# Starts a drover node on CONF (in the background, from the repo root) with extra env; P_PID is
# its JVM, P_LOG its output. Waits (S s) until its management API at MGMT answers /ready.
node_start() { # CONF LOG MGMT S [ENV=VAL...]
  local conf="$1" log="$2" mgmt="$3" s="$4"; shift 4
  (cd "$REPO_DIR" && exec env BENCH_RUN_ID="$BENCH_RUN_ID" "$@" "$DROVER_LAUNCHER" run "$conf") >>"$log" 2>&1 &
  P_PID=$!; P_LOG="$log"
  BENCH_PIDS+=("$P_PID")
  bench_wait_http "http://127.0.0.1:$mgmt/ready" "$s" "$P_PID"
}

# Section output: a Markdown fragment in SEC_DIR, printed when done; summary rows.
sec_begin() { SEC_FILE="$SEC_DIR/$(printf '%02d' "$1")-$2.md"; : >"$SEC_FILE"; bench_log "== section $2"; }
out() { printf '%s\n' "$*" >>"$SEC_FILE"; }
sec_end() { out ""; echo; cat "$SEC_FILE"; }
# A summary row: CHECK GOAL RESULT VERDICT (pass | FAIL | info | skipped)
summary() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"$SUMMARY"; }
verdict() { [ "$1" = 1 ] && echo pass || echo FAIL; }

# Drover's rolling restart for the rolling section: POST /apps/{app}/restart for every app (the
# API answers when the restart is done); false when one did not complete.
drover_reload_all() {
  local a r ok=0
  for a in $(api "$CT_MGMT_PORT" /apps | jq -r '.apps[].name'); do
    r="$(api_post "$CT_MGMT_PORT" "/apps/$a/restart")"
    echo "$(date +%T) POST /apps/$a/restart -> $r" >>"$CT_DIR/chaos.log"
    [ "$(jq -r '.completed' <<<"$r" 2>/dev/null)" = true ] || ok=1
  done
  return $ok
}

# Polls (every 100 ms, while WRK_PID runs, bounded) how many workers of the running peer are up,
# and prints the longest stretch (ms) with fewer than DECLARED. pm2: live worker processes under
# its daemon; nginx: backends whose /health answers.
poll_below() { # WRK_PID DECLARED
  local wrk="$1" want="$2" i n t below_since="" max=0 f
  for ((i = 0; i < 20000 && i < $(bench_secs "$CHAOS") * 20 + 200; i++)); do
    bench_alive "$wrk" || break
    case "$CT_NAME" in
      pm2) n=$(ct_workers | wc -l) ;;
      nginx) n=0
        for f in "$CT_DIR"/backend-*.pid; do
          [ "$(curl -s -o /dev/null -m 0.2 -w '%{http_code}' "http://127.0.0.1:$(ct_backend_port "$f")/health" 2>/dev/null)" = 200 ] && n=$((n + 1))
        done ;;
      *) n=$want ;;
    esac
    t=$(now_ms)
    if [ "$n" -lt "$want" ]; then
      [ -z "$below_since" ] && below_since=$t
    elif [ -n "$below_since" ]; then
      [ $((t - below_since)) -gt "$max" ] && max=$((t - below_since))
      below_since=""
    fi
    sleep 0.1
  done
  [ -n "$below_since" ] && [ $(($(now_ms) - below_since)) -gt "$max" ] && max=$(($(now_ms) - below_since))
  echo "$max"
}

# What a Drover front answered instead of a worker's response (drover_http_errors_total by kind:
# no_worker 503, timeout 504, worker_failed 502) and how many requests it retried, from /metrics;
# with BASE (a /metrics capture taken before), only what happened since.
front_errors() { # MGMT_PORT [BASE_FILE]
  local base="${2:-/dev/null}"
  [ -f "$base" ] || base=/dev/null
  api "$1" /metrics 10 | awk -v base="$base" '
    function kind(line) { k = line; sub(/.*kind="/, "", k); sub(/".*/, "", k); return k }
    BEGIN { while ((getline l < base) > 0) {
              if (l ~ /^drover_http_errors_total\{/) { split(l, f, " "); b[kind(l)] += f[2] }
              else if (l ~ /^drover_http_retries_total\{/) { split(l, f, " "); br += f[2] } } }
    /^drover_http_errors_total\{/ { e[kind($0)] += $NF }
    /^drover_http_retries_total\{/ { r += $NF }
    END { for (k in e) if (e[k] - b[k] > 0) { printf "%s%s %d", sep, k, e[k] - b[k]; sep = ", " }
          if (r - br > 0) printf "%sretried %d", sep, r - br }'
}

contenders() { echo drover; for p in "${PEER_LIST[@]}"; do echo "$p"; done; }
fmt_fail() { # "TOTAL FAILED PCT DETAIL" -> markdown cells: total | failed | failed % | detail
  local total failed pct detail
  read -r total failed pct detail <<<"$1"
  echo "$total | $failed | $pct | $detail"
}

# --- load ------------------------------------------------------------------------------------

section_load() {
  sec_begin 1 load
  out "## Load: wrk without chaos"
  out ""
  out "\`wrk -t$THREADS -c$CONNS -d$LOAD\` against each contender's front on 127.0.0.1 (\`GET /\` of bench/app/hello.js, 2 workers), after a 3 s warmup."
  out ""
  out "| contender | req/s | p50 ms | p99 ms | total | failed | failed % | detail |"
  out "|---|---:|---:|---:|---:|---:|---:|---|"
  local c m
  for c in $(contenders); do
    if ! ct_start "$c" 0 ""; then
      out "| $(ct_label "$c") | skipped: $(echo "$CT_SKIP" | head -n 1) | | | | | | |"
      [ "$c" = drover ] && summary "load: failed requests" 0 "drover did not start" FAIL
      ct_stop; continue
    fi
    bench_wrk w "http://127.0.0.1:$CT_PORT/" 3s "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
    bench_wrk m "http://127.0.0.1:$CT_PORT/" "$LOAD" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
    bench_failures f "$m"
    if [ -z "$f" ]; then
      out "| $(ct_label "$c") | no result from wrk | | | | | | |"
      [ "$c" = drover ] && summary "load: failed requests" 0 "no result from wrk" FAIL
    else
      out "| $(ct_label "$c") | $(bench_field "$m" rps) | $(bench_field "$m" p50) | $(bench_field "$m" p99) | $(fmt_fail "$f") |"
      if [ "$c" = drover ]; then
        read -r _ failed _ <<<"$f"
        summary "load: failed requests (no chaos)" 0 "$failed of $(bench_field "$m" requests), $(bench_field "$m" rps) req/s" "$(verdict $((failed == 0)))"
      fi
    fi
    ct_stop
  done
  sec_end
}

# --- recycling under load ----------------------------------------------------------------------

section_recycle() {
  sec_begin 4 recycle
  local secs m f recycled
  out "## Recycling under load: every worker replaced every few seconds"
  out ""
  out "Drover with 2 workers and \`recycle { max-requests = $MAX_REQUESTS, jitter = 0.2 }\` (each worker is replaced the rolling way — replacement ready, then the old one drained and stopped — after $MAX_REQUESTS to $((MAX_REQUESTS * 12 / 10)) requests), a 3 s warmup, then \`wrk -t$THREADS -c$CONNS -d$RECYCLE\`. *recycles*: workers that went draining with detail \`recycled: …\` on \`GET /events\` during the run. PM2 has no request-count recycling (only a cron restart and a memory limit); nginx supervises no workers."
  out ""
  out "| contender | total | failed | failed % | detail | recycles |"
  out "|---|---:|---:|---:|---|---:|"
  secs="$(bench_secs "$RECYCLE")"
  if ! DROVER_APP_EXTRA="recycle { max-requests = $MAX_REQUESTS, jitter = 0.2 }" ct_start drover 0 ""; then
    out "| drover | skipped: $(echo "$CT_SKIP" | head -n 1) | | | | |"
    summary "recycling under load: failed requests" 0 "drover did not start" FAIL
    ct_stop; sec_end; return
  fi
  bench_wrk w "http://127.0.0.1:$CT_PORT/" 3s "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
  wait_ready "$CT_MGMT_PORT" hello 2 30 >/dev/null
  timeout -k 2 $((secs + 20)) curl -sN "http://127.0.0.1:$CT_MGMT_PORT/events" >"$CT_DIR/events.txt" 2>/dev/null &
  local ev_pid=$!; BENCH_PIDS+=("$ev_pid")
  bench_wrk m "http://127.0.0.1:$CT_PORT/" "$RECYCLE" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
  sleep 1; kill "$ev_pid" 2>/dev/null; wait "$ev_pid" 2>/dev/null
  recycled="$(grep '"state":"draining"' "$CT_DIR/events.txt" 2>/dev/null | grep -c '"detail":"recycled: ')"
  bench_failures f "$m"
  if [ -z "$f" ]; then
    out "| drover | no result from wrk | | | | |"
    summary "recycling under load: failed requests" 0 "no result from wrk" FAIL
  else
    local failed
    read -r _ failed _ <<<"$f"
    out "| drover | $(fmt_fail "$f") | ${recycled:-0} |"
    summary "recycling under load ($((${recycled:-0})) recycles): failed requests" 0 "$failed of $(bench_field "$m" requests)" "$(verdict $((failed == 0 && ${recycled:-0} > 0)))"
  fi
  ct_stop
  sec_end
}

# --- a bad release under load ------------------------------------------------------------------

# The deployment's end: "STATE|REASON" of the app's newest deployment once none is in progress
# (polling every 250 ms for at most S s), or "timeout|...".
deployment_end() { # MGMT_PORT APP S
  local until=$((SECONDS + $3)) d
  while [ $SECONDS -lt $until ]; do
    d="$(api "$1" "/apps/$2/deployments" 5)"
    if [ -n "$d" ] && [ "$(jq -r '.current == null' <<<"$d" 2>/dev/null)" = true ] && [ "$(jq -r '.recent | length' <<<"$d")" -gt 0 ]; then
      jq -r '.recent[0] | "\(.state)|\(.reason)"' <<<"$d"; return
    fi
    sleep 0.25
  done
  echo "timeout|still in progress after $3 s"
}

section_deploy() {
  sec_begin 5 deploy
  local secs m f end state reason ready failed
  out "## A bad release under load: the deployment fails and reverts"
  out ""
  out "Drover with 2 workers of bench/app/hello.js and \`update { min-healthy-time = 5s }\` (the other update keys at their defaults: max-parallel = 1, auto-revert = on), a 3 s warmup, then \`wrk -t$THREADS -c$CONNS -d$DEPLOY\`; 2 s into it \`POST /config\` applies a release whose workers (bench/proof/app/crash-after.js) serve and become ready, and whose instance 1 exits with status 1 2.5 s after it starts. Each new worker serves beside the old one until it has been ready for min-healthy-time: instance 0's new worker passes and takes its slot, instance 1's dies within it, so the deployment fails and instance 0 is replaced back, the same rolling way. *deployment*: how it ended (\`GET /apps/hello/deployments\`); *ready after*: ready workers once it ended. PM2's \`pm2 reload\` has no health gate or revert; nginx supervises no workers."
  out ""
  out "| contender | total | failed | failed % | detail | deployment | ready after |"
  out "|---|---:|---:|---:|---|---|---:|"
  secs="$(bench_secs "$DEPLOY")"
  if ! DROVER_APP_EXTRA="update { min-healthy-time = 5s }" ct_start drover 0 ""; then
    out "| drover | skipped: $(echo "$CT_SKIP" | head -n 1) | | | | | |"
    summary "bad release under load: failed requests" 0 "drover did not start" FAIL
    ct_stop; sec_end; return
  fi
  bench_wrk w "http://127.0.0.1:$CT_PORT/" 3s "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
  wait_ready "$CT_MGMT_PORT" hello 2 30 >/dev/null
  sed -e "s|command = \[\"node\", \"$APP_JS\"\]|command = [\"node\", \"$PROOF_DIR/app/crash-after.js\"]|" \
    -e 's|env {|env { CRASH_ONLY_INSTANCE = "1",|' "$CT_DIR/drover.conf" >"$CT_DIR/release.conf"
  ( sleep 2; curl -s -m 10 -X POST --data-binary @"$CT_DIR/release.conf" "http://127.0.0.1:$CT_MGMT_PORT/config" >"$CT_DIR/apply.json" ) &
  local apply_pid=$!; BENCH_PIDS+=("$apply_pid")
  bench_wrk m "http://127.0.0.1:$CT_PORT/" "$DEPLOY" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
  wait "$apply_pid" 2>/dev/null
  end="$(deployment_end "$CT_MGMT_PORT" hello 60)"
  state="${end%%|*}"; reason="${end#*|}"
  ready="$(ready_count "$CT_MGMT_PORT" hello)"
  bench_failures f "$m"
  if [ -z "$f" ]; then
    out "| drover | no result from wrk | | | | $state | ${ready:-0} |"
    summary "bad release under load: failed requests" 0 "no result from wrk" FAIL
  else
    read -r _ failed _ <<<"$f"
    out "| drover | $(fmt_fail "$f") | $state | ${ready:-0} |"
    out ""
    out "Why it ended so: $(echo "$reason" | cut -c1-300)"
    local good=0
    [ "$failed" = 0 ] && [ "$state" = reverted ] && [ "${ready:-0}" -ge 2 ] && good=1
    summary "bad release under load: failed requests, how the deployment ended" "0, reverted" "$failed of $(bench_field "$m" requests), $state" "$(verdict $good)"
  fi
  ct_stop
  sec_end
}

# --- worker chaos and rolling restarts ---------------------------------------------------------

section_workers() { # chaos | rolling
  local kind="$1" dur secs c did m gaps max_below how ev_pid poll_pid url
  if [ "$kind" = chaos ]; then
    dur="$CHAOS"
    sec_begin 2 chaos
    out "## Worker chaos: kill -9 of a random worker every ${KILL_EVERY} s for $dur"
    out ""
    out "Each contender fresh, 2 workers, a 3 s warmup, then \`wrk -t$THREADS -c$CONNS -d$dur\` (GETs: idempotent) while a random worker is killed with \`kill -9\` every ${KILL_EVERY} s."
    out "*max below declared*: the longest time the app had fewer ready workers than declared. Drover: from its \`GET /events\` stream (the \`at\` of each worker state change); PM2: live worker processes under its daemon, polled every 100 ms; nginx: backends answering \`/health\`, polled every 100 ms."
    out ""
    out "| contender | total | failed | failed % | detail | chaos | max below declared |"
    out "|---|---:|---:|---:|---|---|---:|"
  else
    dur="$ROLLING"
    sec_begin 3 rolling
    out "## Rolling restart of every app, $RELOADS times, under load"
    out ""
    out "Each contender fresh, 2 workers, a 3 s warmup, then \`wrk -t$THREADS -c$CONNS -d$dur\` while the app is restarted rolling $RELOADS times, evenly spaced. Drover: \`POST /apps/{app}/restart\` for every app (answered when done); PM2: \`pm2 reload\`; nginx: TERM one backend, wait until its replacement answers \`/health\`, then the other."
    out ""
    out "| contender | total | failed | failed % | detail | restarts |"
    out "|---|---:|---:|---:|---|---|"
  fi
  secs="$(bench_secs "$dur")"
  for c in $(contenders); do
    if ! ct_start "$c" 0 "$([ "$c" = nginx ] && echo respawn)"; then
      out "| $(ct_label "$c") | skipped: $(echo "$CT_SKIP" | head -n 1) | | | | | |"
      [ "$c" = drover ] && summary "$kind: failed requests" 0 "drover did not start" FAIL
      ct_stop; continue
    fi
    url="http://127.0.0.1:$CT_PORT/"
    bench_wrk w "$url" 3s "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
    ev_pid=""; poll_pid=""
    if [ "$c" = drover ]; then
      wait_ready "$CT_MGMT_PORT" hello 2 30 >/dev/null
      timeout -k 2 $((secs + 40)) curl -sN "http://127.0.0.1:$CT_MGMT_PORT/events" >"$CT_DIR/events.txt" 2>/dev/null &
      ev_pid=$!; BENCH_PIDS+=("$ev_pid")
      sleep 0.3
    fi
    [ "$c" = drover ] && api "$CT_MGMT_PORT" /metrics 10 >"$CT_DIR/metrics-before.txt"
    bench_wrk_bg "$url" "$dur" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
    if [ "$kind" = chaos ]; then
      [ "$c" != drover ] && { poll_below "$BENCH_WRK_PID" 2 >"$CT_DIR/below" & poll_pid=$!; BENCH_PIDS+=("$poll_pid"); }
      bench_chaos_kill "$BENCH_WRK_PID" "$secs" "$KILL_EVERY" >"$CT_DIR/did" &
    else
      if [ "$c" = drover ]; then
        bench_chaos_reload "$BENCH_WRK_PID" "$secs" "$RELOADS" drover_reload_all >"$CT_DIR/did" &
      else
        bench_chaos_reload "$BENCH_WRK_PID" "$secs" "$RELOADS" >"$CT_DIR/did" &
      fi
    fi
    local chaos_pid=$!
    BENCH_PIDS+=("$chaos_pid")
    wait "$chaos_pid"; wait "$BENCH_WRK_PID"
    [ -n "$poll_pid" ] && wait "$poll_pid"
    did="$(cat "$CT_DIR/did")"
    m="$(bench_parse_wrk "$CT_DIR/wrk.txt")"
    max_below="-"
    if [ "$c" = drover ]; then
      sleep 0.5
      [ -n "$ev_pid" ] && { kill "$ev_pid" 2>/dev/null; wait "$ev_pid" 2>/dev/null; }
      if [ "$kind" = chaos ]; then
        gaps="$(node "$GAPS_JS" "$CT_DIR/events.txt" hello 2 "$(now_ms)")"
        max_below="$(ms_to_s "$(jq -r .maxMs <<<"$gaps")") s ($(jq -r .gaps <<<"$gaps") stretches, fewest ready $(jq -r .minReady <<<"$gaps"), $(jq -r .events <<<"$gaps") events$([ "$(jq -r .open <<<"$gaps")" = true ] && echo ", one still open at the end"))"
      fi
      local kinds
      kinds="$(front_errors "$CT_MGMT_PORT" "$CT_DIR/metrics-before.txt")"
      [ -n "$kinds" ] && did+="; front: $kinds"
      bench_alive "$CT_MAIN" || did+="; the drover node exited during the run"
    elif [ "$kind" = chaos ]; then
      max_below="$(ms_to_s "$(cat "$CT_DIR/below" 2>/dev/null || echo 0)") s (polled)"
    fi
    bench_failures f "$m"
    if [ -z "$f" ]; then
      out "| $(ct_label "$c") | no result from wrk | | | | $did | |"
      [ "$c" = drover ] && summary "$kind: failed requests" 0 "no result from wrk" FAIL
    else
      if [ "$kind" = chaos ]; then out "| $(ct_label "$c") | $(fmt_fail "$f") | $did | $max_below |"
      else out "| $(ct_label "$c") | $(fmt_fail "$f") | $did |"; fi
      if [ "$c" = drover ]; then
        read -r total failed _ <<<"$f"
        if [ "$kind" = chaos ]; then
          summary "worker chaos: failed idempotent requests ($did in $dur)" 0 "$failed of $total" "$(verdict $((failed == 0)))"
          summary "worker chaos: max time below declared ready workers" "(measured)" "${max_below%% (*}" info
        else
          local restarts_ok=0; [[ $did == "$RELOADS reloads, "* ]] && restarts_ok=1
          summary "rolling restart ×$RELOADS under load: failed requests" 0 "$failed of $total ($did)" "$(verdict $((failed == 0 && restarts_ok == 1)))"
        fi
      fi
    fi
    bench_log "[$kind] $c: $m; $did; below $max_below"
    ct_stop
  done
  sec_end
}

# --- node chaos ------------------------------------------------------------------------------

CLUSTER_DIR=""
cluster_stop() {
  [ -n "$CLUSTER_DIR" ] && [ -f "$CLUSTER_DIR/marker" ] || return 0
  DROVER_RUN_DIR="$CLUSTER_DIR" STOP_TIMEOUT=30 timeout -k 5 120 "$REPO_DIR/deploy/local/cluster.sh" stop >>"$CLUSTER_DIR/stop.log" 2>&1
  local rc=$?
  CLUSTER_DIR_STOPPED="$CLUSTER_DIR"; CLUSTER_DIR=""
  return $rc
}
BENCH_CLEANUP_HOOKS+=(cluster_stop)

member_status() { # API_PORT CLUSTER_PORT: status of the member at that port in GET /cluster ("" if none)
  api "$1" /cluster | jq -r --arg p ":$2" \
    '[.members[]? | select(.address | endswith($p))] | if length == 0 then "" else (.[0].status + (if .[0].reachable == false then ",unreachable" else "" end)) end' 2>/dev/null
}

section_node() {
  sec_begin 4 node
  local secs snippet placement inst probe run_dir base marker i h m cl dead_api port0 api0 front0 victim vpid vport
  secs="$(bench_secs "$NODE_DUR")"
  out "## Node chaos: kill -9 of a node of a 3-node local cluster under load"
  out ""
  run_dir="$BENCH_TMP/cluster"
  probe="$BENCH_TMP/placement-probe.conf"
  printf 'drover.cluster { enabled = on, port = 0 }\ndrover.apps.probe { command = ["true"], instances = 3, placement = cluster }\n' >"$probe"
  if java -jar "$DROVER_JAR" validate "$probe" >"$BENCH_TMP/placement-probe.out" 2>&1; then
    placement=cluster; inst=6
  else
    placement=local; inst=2
  fi
  snippet="$BENCH_TMP/cluster-apps.conf"
  {
    echo "drover.apps.hello {"
    echo "  command = [\"node\", \"$APP_JS\"]"
    echo "  env { BENCH_RUN_ID = \"$BENCH_RUN_ID\" }"
    echo "  instances = $inst"
    [ "$placement" = cluster ] && echo "  placement = cluster"
    echo "  route.prefix = \"/\""
    echo "  readiness { type = http, path = \"/health\" }"
    echo "}"
  } >"$snippet"
  if [ "$placement" = cluster ]; then
    out "Placement: \`placement = cluster\` (the build accepts it): \`instances = 6\` slots spread over the 3 nodes."
  else
    out "Placement: **local** — this build rejects \`placement = cluster\` (\`drover validate\` of a probe: $(head -n 1 "$BENCH_TMP/placement-probe.out" | sed 's/^.*: found/found/')), so every node runs its own 2 workers and routes to them; a node's death then takes no worker from the surviving nodes, and *slots ready again* measures the surviving node's view of its app (expected at once)."
  fi
  base=$((20000 + RANDOM % 10000))
  out ""
  out "deploy/local/cluster.sh starts 3 nodes (node 0 is the seed; ports from $base up). \`wrk -t$THREADS -c$CONNS -d$NODE_DUR\` runs against node 0's front; 5 s in, node 2 gets \`kill -9\`. Then: *slots ready again* = from the kill until node 0's \`GET /apps/hello\` shows every declared worker ready on a live node (a worker listed without a node, as a slot on an unreachable node is, or on the killed node does not count; polled every 150 ms, but while node 2 is unreachable each call waits ~3 s for its slots' answer); *removed* = until node 0's \`GET /cluster\` no longer lists node 2; then node 2 is started again (same config) and *rejoin* = from that start until node 0 lists it \`up\` (polled every 200 ms); *serving* = until node 2's own app has its workers ready."
  out ""
  CLUSTER_DIR="$run_dir"
  if ! env BENCH_RUN_ID="$BENCH_RUN_ID" DROVER_RUN_DIR="$run_dir" DROVER_BASE_PORT="$base" DROVER_JAR="$DROVER_JAR" \
      timeout -k 5 200 "$REPO_DIR/deploy/local/cluster.sh" start 3 "$snippet" >"$BENCH_TMP/cluster-start.log" 2>&1; then
    out "**skipped**: the cluster did not start: $(tail -n 3 "$BENCH_TMP/cluster-start.log" | tr '\n' ' ')"
    summary "node chaos: failed requests via a surviving node" 0 "cluster did not start" FAIL
    cluster_stop; sec_end; return
  fi
  read -r front0 api0 _ <"$run_dir/node-0/ports"
  read -r _ vapi vport <"$run_dir/node-2/ports"
  vpid="$(cat "$run_dir/node-2/pid")"
  marker="$(cat "$run_dir/marker")"
  # Before the kill: every node's app ready.
  for i in 0 1 2; do
    read -r _ m _ <"$run_dir/node-$i/ports"
    if [ "$placement" = cluster ]; then wait_ready "$m" hello "$inst" 60 >/dev/null; else wait_ready "$m" hello 2 60 >/dev/null; fi
  done
  local declared_n; declared_n="$(declared "$api0" hello)"
  [[ $declared_n =~ ^[1-9][0-9]*$ ]] || declared_n=$inst
  bench_log "[node] slots: $(api "$api0" /apps/hello 10 | jq -c '[.workers[]? | (.node // "local") + ":" + .state] | group_by(.) | map({(.[0]): length}) | add' 2>/dev/null)"
  bench_wrk w "http://127.0.0.1:$front0/" 3s "$CONNS" "$THREADS" "$run_dir/wrk-warmup.txt"
  api "$api0" /metrics 10 >"$run_dir/metrics-before.txt"
  bench_wrk_bg "http://127.0.0.1:$front0/" "$NODE_DUR" "$CONNS" "$THREADS" "$run_dir/wrk.txt"
  local wrk_pid=$BENCH_WRK_PID t_kill slots removed t_start rejoin serving status k
  sleep 5
  [ "$(cat "/proc/$vpid/comm" 2>/dev/null)" = java ] || bench_log "node 2's pid $vpid is not a java process"
  t_kill=$(now_ms)
  kill -KILL "$vpid" 2>/dev/null
  bench_log "[node] kill -9 node 2 (pid $vpid, cluster port $vport)"
  slots="$(wait_ready "$api0" hello "$declared_n" 60 "127.0.0.1:$vport")"
  [ "$slots" != timeout ] && slots="$(ms_to_s "$slots") s"
  bench_log "[node] slots ready again: $slots; now: $(api "$api0" /apps/hello 10 | jq -c '[.workers[]? | (.node // "local") + ":" + .state] | group_by(.) | map({(.[0]): length}) | add' 2>/dev/null)"
  removed=timeout
  for ((k = 0; k < 600; k++)); do
    status="$(member_status "$api0" "$vport")"
    [ -z "$status" ] && { removed="$(ms_to_s $(($(now_ms) - t_kill))) s"; break; }
    [ $(($(now_ms) - t_kill)) -gt 60000 ] && break
    sleep 0.2
  done
  bench_log "[node] node 2 removed from node 0's view: $removed"
  # Start node 2 again, as cluster.sh starts it (same config, marker, JVM options).
  t_start=$(now_ms)
  # shellcheck disable=SC2086
  DROVER_LOCAL_RUN="$marker" BENCH_RUN_ID="$BENCH_RUN_ID" setsid java ${DROVER_JAVA_OPTS:--Xms64m -Xmx256m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dio.netty.leakDetection.level=disabled} \
    "-Ddrover.local.run=$marker" -jar "$DROVER_JAR" run "$run_dir/node-2/drover.conf" </dev/null >>"$run_dir/node-2/node.log" 2>&1 &
  echo $! >"$run_dir/node-2/pid"
  rejoin=timeout
  for ((k = 0; k < 600; k++)); do
    [ "$(member_status "$api0" "$vport")" = up ] && { rejoin="$(ms_to_s $(($(now_ms) - t_start))) s"; break; }
    [ $(($(now_ms) - t_start)) -gt 90000 ] && break
    sleep 0.2
  done
  bench_log "[node] node 2 restarted; up in node 0's view after $rejoin"
  serving=timeout
  for ((k = 0; k < 600; k++)); do
    if [ "$placement" = cluster ]; then
      [ "$(ready_count "$vapi" hello)" -ge "$inst" ] 2>/dev/null && { serving="$(ms_to_s $(($(now_ms) - t_start))) s"; break; }
    else
      [ "$(ready_count "$vapi" hello)" -ge 2 ] 2>/dev/null && { serving="$(ms_to_s $(($(now_ms) - t_start))) s"; break; }
    fi
    [ $(($(now_ms) - t_start)) -gt 90000 ] && break
    sleep 0.2
  done
  bench_log "[node] node 2 serving after $serving"
  local wrk_left
  if bench_alive "$wrk_pid"; then wrk_left="wrk was still running when node 2 served again"
  else wrk_left="wrk ended before node 2 served again: the load covered the kill and part of the recovery"; fi
  wait "$wrk_pid"
  m="$(bench_parse_wrk "$run_dir/wrk.txt")"
  bench_failures f "$m"
  local kinds
  kinds="$(front_errors "$api0" "$run_dir/metrics-before.txt")"
  [ -n "$kinds" ] && f+="; node 0's front: $kinds"
  out "| placement | total | failed | failed % | detail | slots ready again | removed | rejoin (Up) | serving |"
  out "|---|---:|---:|---:|---|---:|---:|---:|---:|"
  if [ -z "$f" ]; then
    out "| $placement | no result from wrk | | | | $slots | $removed | $rejoin | $serving |"
    summary "node chaos: failed requests via a surviving node" 0 "no result from wrk" FAIL
  else
    out "| $placement | $(fmt_fail "$f") | $slots | $removed | $rejoin | $serving |"
    read -r total failed _ <<<"$f"
    summary "node chaos ($placement placement): failed requests via a surviving node" 0 "$failed of $total" "$(verdict $((failed == 0)))"
  fi
  summary "node chaos: kill -9 → all slots ready again" "(measured)" "$slots" "$([ "$slots" = timeout ] && echo FAIL || echo info)"
  summary "node chaos: restart → Up in GET /cluster (rejoin)" "(measured)" "$rejoin" "$([ "$rejoin" = timeout ] && echo FAIL || echo info)"
  out ""
  out "Load: $wrk_left. PM2 and nginx have no cluster of nodes: not applicable."
  if cluster_stop; then out "The cluster then stopped gracefully, leaving no process (cluster.sh stop)."
  else out "**cluster.sh stop had to kill something**: $(tail -n 3 "$BENCH_TMP/cluster/stop.log" 2>/dev/null | tr '\n' ' ')"; fi
  sec_end
}

# --- orphans ---------------------------------------------------------------------------------

section_orphans() {
  sec_begin 5 orphans
  local n="$ORPHAN_WORKERS" dir conf hport mport before after_kill left waited t0 k stop_left
  out "## Orphans: SIGKILL of a supervisor running $n workers, then its restart"
  out ""
  out "$n workers of bench/proof/app/with-child.js (hello.js plus one \`sleep 600\` child each: a helper the worker started). Once all are up, every descendant of the supervisor is recorded (pid and start time), the supervisor gets \`kill -9\`, and 2 s later the recorded processes still alive are counted (*left at +2 s*). The supervisor is then started again on the same config and home; once its $n workers are up, the recorded processes still alive are counted again, allowing up to 10 s (*left after restart*, goal 0). Drover: a node (its run records in \`state-dir\` name the previous run's workers); PM2: its God daemon, restarted by \`pm2 start\` of the same ecosystem file."
  out ""
  out "| supervisor | processes before | left at +2 s | left after restart | detail |"
  out "|---|---:|---:|---:|---|"
  # Drover
  dir="$BENCH_TMP/orphans-drover"; mkdir -p "$dir"
  bench_free_port hport; bench_free_port mport
  conf="$dir/drover.conf"
  write_node_conf "$conf" "$dir" "$hport" "$mport" "$(cat <<EOF
  apps.orph {
    command = ["node", "$CHILD_JS"]
    env { BENCH_RUN_ID = "$BENCH_RUN_ID" }
    instances = $n
    readiness { type = http, path = "/health", timeout = 60s }
    stop.timeout = 3s
  }
EOF
)"
  if ! node_start "$conf" "$dir/node-1.log" "$mport" 120 || [ "$(wait_ready "$mport" orph "$n" 180)" = timeout ]; then
    out "| drover | skipped: the node or its $n workers did not come up ($(tail -n 2 "$dir/node-1.log" | tr '\n' ' ')) | | | |"
    summary "orphans: processes left after SIGKILL + restart" 0 "node did not start" FAIL
    bench_stop_pids "$P_PID" 30
  else
    descendants "$P_PID" >"$dir/before"
    before=$(wc -l <"$dir/before")
    kill -KILL "$P_PID"; wait "$P_PID" 2>/dev/null
    sleep 2
    after_kill=$(alive_count "$dir/before")
    t0=$(now_ms)
    left="-"; waited=""
    if node_start "$conf" "$dir/node-2.log" "$mport" 120 && [ "$(wait_ready "$mport" orph "$n" 180)" != timeout ]; then
      for ((k = 0; k < 50; k++)); do
        left=$(alive_count "$dir/before")
        [ "$left" = 0 ] && break
        sleep 0.2
      done
      waited="$(ms_to_s $(($(now_ms) - t0))) s from the restart until the count was final"
    else
      waited="the restarted node's workers did not come up"
    fi
    descendants "$P_PID" >"$dir/second"
    bench_stop_pids "$P_PID" 30
    sleep 1
    stop_left=$(alive_count "$dir/second")
    out "| drover | $before | $after_kill | $left | $waited; after a graceful stop of the restarted node: $stop_left of its $(wc -l <"$dir/second") processes left |"
    summary "orphans: processes left after SIGKILL of a node with $n workers + restart" 0 "$left of $before" "$(verdict $(( left == 0 && stop_left == 0 )))"
    kill_listed "$dir/before"; kill_listed "$dir/second"
  fi
  # PM2
  if has_peer pm2; then
    local home eco god pdir="$BENCH_TMP/orphans-pm2" port
    mkdir -p "$pdir"; home="$pdir/pm2-home"; BENCH_PM2_HOMES+=("$home")
    bench_free_port port
    eco="$pdir/ecosystem.json"
    printf '{ "apps": [ { "name": "orph", "script": "%s", "instances": %s, "exec_mode": "cluster", "env": { "PORT": "%s", "BENCH_RUN_ID": "%s" } } ] }\n' \
      "$CHILD_JS" "$n" "$port" "$BENCH_RUN_ID" >"$eco"
    pm2_online() { bench_pm2 "$home" jlist 2>/dev/null | jq '[.[] | select(.pm2_env.status == "online")] | length' 2>/dev/null || echo 0; }
    pm2_wait_online() { local k; for ((k = 0; k < 300; k++)); do [ "$(pm2_online)" -ge "$n" ] && return 0; sleep 0.5; done; return 1; }
    if bench_pm2 "$home" start "$eco" >"$pdir/start-1.log" 2>&1 && pm2_wait_online && bench_wait_http "http://127.0.0.1:$port/health" 30; then
      sleep 2   # every worker has spawned its child
      god="$(cat "$home/pm2.pid")"
      descendants "$god" >"$pdir/before"
      before=$(wc -l <"$pdir/before")
      kill -KILL "$god"
      sleep 2
      after_kill=$(alive_count "$pdir/before")
      t0=$(now_ms)
      if bench_pm2 "$home" start "$eco" >"$pdir/start-2.log" 2>&1 && pm2_wait_online; then
        for ((k = 0; k < 50; k++)); do
          left=$(alive_count "$pdir/before")
          [ "$left" = 0 ] && break
          sleep 0.2
        done
        waited="$(ms_to_s $(($(now_ms) - t0))) s from the restart until the count was final; the harness then killed them"
      else
        left="-"; waited="pm2 start after the kill failed: $(tail -n 2 "$pdir/start-2.log" | tr '\n' ' ')"
      fi
      out "| pm2 cluster x$n | $before | $after_kill | $left | $waited |"
    else
      out "| pm2 cluster x$n | skipped: did not come up ($(tail -n 2 "$pdir/start-1.log" | tr '\n' ' ')) | | | |"
    fi
    bench_pm2_kill "$home"
    [ -f "$pdir/before" ] && kill_listed "$pdir/before"
  fi
  out ""
  out "nginx supervises no workers: not applicable."
  sec_end
}

# --- soak ------------------------------------------------------------------------------------

section_soak() {
  sec_begin 6 soak
  local dir conf hport mport secs every samples k t0 rss heap thr fds restarts rows=() first="" last="" m
  secs="$(bench_secs "$SOAK")"; every="$(bench_secs "$SOAK_SAMPLE")"
  samples=$((secs / every))
  out "## Soak: $SOAK of restart churn under load"
  out ""
  out "One Drover node (\`$JAVA_OPTS\`): app \`hello\` (2 workers, routed) under \`wrk -t1 -c4\` for the whole soak, and app \`churn\`: one worker, \`sleep 1\` — it exits every second and is restarted (min-uptime 500ms, so each exit counts as a stable one). Every $SOAK_SAMPLE: the node JVM's RSS (\`VmRSS\` of /proc/PID/status), its heap after a full GC (\`jcmd PID GC.run\`, then \`jvm_gc_live_data_size_bytes\` from its \`GET /metrics\`: the old generation's size after that GC), its threads and open file descriptors."
  out ""
  dir="$BENCH_TMP/soak"; mkdir -p "$dir"
  bench_free_port hport; bench_free_port mport
  conf="$dir/drover.conf"
  write_node_conf "$conf" "$dir" "$hport" "$mport" "$(cat <<EOF
  apps.hello {
    command = ["node", "$APP_JS"]
    env { BENCH_RUN_ID = "$BENCH_RUN_ID" }
    instances = 2
    route.prefix = "/"
    readiness { type = http, path = "/health" }
  }
  apps.churn {
    command = ["sleep", "1"]
    env { BENCH_RUN_ID = "$BENCH_RUN_ID" }
    readiness.type = none
    restart.min-uptime = 500ms
  }
EOF
)"
  if ! node_start "$conf" "$dir/node.log" "$mport" 120 || [ "$(wait_ready "$mport" hello 2 60)" = timeout ]; then
    out "**skipped**: the node did not come up: $(tail -n 3 "$dir/node.log" | tr '\n' ' ')"
    summary "soak: node RSS and heap after GC flat" flat "node did not start" FAIL
    bench_stop_pids "$P_PID" 30; sec_end; return
  fi
  local pid=$P_PID
  bench_wrk_bg "http://127.0.0.1:$hport/" "$((secs + 5))s" 4 1 "$dir/wrk.txt"
  local wrk_pid=$BENCH_WRK_PID
  out "| minute | RSS MB | heap after GC MB | threads | open fds | churn restarts |"
  out "|---:|---:|---:|---:|---:|---:|"
  t0=$SECONDS
  for ((k = 0; k <= samples; k++)); do
    while ((SECONDS < t0 + k * every)); do sleep 0.5; bench_alive "$pid" || break; done
    bench_alive "$pid" || break
    heap="$(heap_after_gc_mb "$pid" "$mport")"; rss="$(rss_mb "$pid")"
    thr="$(proc_field "$pid" Threads)"; fds="$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)"
    restarts="$(api "$mport" /apps/churn | jq '[.workers[].restarts] | add' 2>/dev/null)"
    out "| $(awk -v s=$((k * every)) 'BEGIN { printf "%g", s / 60 }') | $rss | $heap | $thr | $fds | $restarts |"
    bench_log "[soak] t+$((k * every))s rss ${rss}MB heap ${heap}MB threads $thr fds $fds churn restarts $restarts"
    rows+=("$rss $heap $thr $fds $restarts")
  done
  wait "$wrk_pid"
  m="$(bench_parse_wrk "$dir/wrk.txt")"
  bench_failures f "$m"
  local alive=1; bench_alive "$pid" || alive=0
  bench_stop_pids "$pid" 30
  # Flat: from the sample at minute 1 (index every..) to the last, within the tolerances.
  local base_i=$(( 60 / every )); [ "$base_i" -ge "${#rows[@]}" ] && base_i=0
  first="${rows[$base_i]:-}"; last="${rows[${#rows[@]}-1]:-}"
  out ""
  if [ "$alive" = 0 ] || [ -z "$first" ] || [ "${#rows[@]}" -le "$base_i" ]; then
    out "**The node exited during the soak**: $(tail -n 3 "$dir/node.log" | tr '\n' ' ')"
    summary "soak: node RSS and heap after GC flat" flat "node exited" FAIL
  else
    read -r r1 h1 t1 f1 c1 <<<"$first"; read -r r2 h2 t2 f2 c2 <<<"$last"
    local ok
    ok=$(awk -v r1="$r1" -v r2="$r2" -v h1="$h1" -v h2="$h2" -v t1="$t1" -v t2="$t2" -v f1="$f1" -v f2="$f2" 'BEGIN {
      rt = r1 * 0.10; if (rt < 32) rt = 32; ht = h1 * 0.20; if (ht < 8) ht = 8
      print ((r2 - r1 <= rt) && (h2 - h1 <= ht) && (t2 - t1 <= 10) && (f2 - f1 <= 20)) ? 1 : 0 }')
    out "Flat means, from the sample at minute $(awk -v s=$((base_i * every)) 'BEGIN { printf "%g", s / 60 }') to the last: RSS grew ≤ max(10 %, 32 MB), heap after GC ≤ max(20 %, 8 MB), threads ≤ 10, open fds ≤ 20. Here: RSS $r1 → $r2 MB, heap after GC $h1 → $h2 MB, threads $t1 → $t2, fds $f1 → $f2; the churn worker restarted $((c2 - c1)) times in between."
    summary "soak $SOAK: node RSS / heap after GC flat under restart churn" "flat (tolerances in the section)" "RSS $r1→$r2 MB, heap $h1→$h2 MB, $c2 restarts" "$(verdict "$ok")"
  fi
  if [ -n "$f" ]; then
    read -r total failed _ <<<"$f"
    out "Requests to \`hello\` during the soak: $failed failed of $total ($(bench_field "$m" rps) req/s)."
    summary "soak: failed requests to the routed app" 0 "$failed of $total" "$(verdict $((failed == 0)))"
  fi
  out "PM2 and nginx: not run in this section."
  sec_end
}

# --- scale -----------------------------------------------------------------------------------

section_scale() {
  sec_begin 7 scale
  local n="$SCALE_WORKERS" dir conf hport mport t0 took rss cpu isecs
  isecs="$(bench_secs "$IDLE")"
  out "## Scale: $n process workers on one node"
  out ""
  out "$n workers of bench/app/hello.js. *start-all*: from launching the supervisor until all $n are up (Drover: \`ready\` in \`GET /apps/scale\`, i.e. \`/health\` answered; PM2: \`online\` in \`pm2 jlist\`, i.e. forked — PM2 does not wait for the app to listen). *RSS*: the supervisor process alone (Drover's node JVM; PM2's God daemon), after all are up. *idle CPU*: the supervisor's own CPU over $IDLE with no requests, as % of one core. *status call*: one \`GET /apps/scale\` (Drover) or \`pm2 jlist\` (PM2) once all are up. *stop-all*: \`POST /apps/scale/stop\` (answered once every worker has exited) or \`pm2 stop scale\`; each worker's own exit (hello.js closing its server on SIGTERM) is part of it."
  out ""
  out "| supervisor | start-all s | supervisor RSS MB | idle CPU % | workers' RSS MB (sum) | status call ms | stop-all s |"
  out "|---|---:|---:|---:|---:|---:|---:|"
  dir="$BENCH_TMP/scale"; mkdir -p "$dir"
  bench_free_port hport; bench_free_port mport
  conf="$dir/drover.conf"
  write_node_conf "$conf" "$dir" "$hport" "$mport" "$(cat <<EOF
  apps.scale {
    command = ["node", "$APP_JS"]
    env { BENCH_RUN_ID = "$BENCH_RUN_ID" }
    instances = $n
    route.prefix = "/"
    readiness { type = http, path = "/health", timeout = 120s }
  }
EOF
)"
  t0=$(now_ms)
  if node_start "$conf" "$dir/node.log" "$mport" 120 && [ "$(wait_ready "$mport" scale "$n" 600)" != timeout ]; then
    took="$(ms_to_s $(($(now_ms) - t0)))"
    sleep 2
    rss="$(rss_mb "$P_PID")"
    cpu="$(idle_cpu "$P_PID" "$isecs")"
    local wrss call
    wrss="$(api "$mport" /apps/scale 30 | jq '[.workers[].rssBytes] | add / 1048576 | floor' 2>/dev/null)"
    call="$(curl -s -o /dev/null -m 30 -w '%{time_total}' "http://127.0.0.1:$mport/apps/scale" | awk '{ printf "%.0f", $1 * 1000 }')"
    local stop
    local answer
    answer="$(curl -s -o "$dir/stop.json" -m 120 -X POST -w '%{http_code} %{time_total}' "http://127.0.0.1:$mport/apps/scale/stop")"
    stop="$(echo "$answer" | awk '$1 == 200 { printf "%.2f", $2 }')"
    [ -n "$stop" ] || bench_log "stop-all: answered ${answer:-nothing} $(head -c 300 "$dir/stop.json" 2>/dev/null)"
    out "| drover | $took | $rss | $cpu | $wrss | $call | ${stop:-failed} |"
    summary "scale: $n process workers, start-all / node RSS / idle CPU / stop-all" "(measured)" "$took s / $rss MB / $cpu % / ${stop:-failed} s" info
  else
    out "| drover | did not bring $n workers up: $(tail -n 2 "$dir/node.log" | tr '\n' ' ') | | | | | |"
    summary "scale: $n process workers" "all up" "not all up" FAIL
  fi
  bench_stop_pids "$P_PID" 60
  if has_peer pm2; then
    local home="$dir/pm2-home" eco god k online=0 port
    BENCH_PM2_HOMES+=("$home")
    bench_free_port port
    eco="$dir/ecosystem.json"
    printf '{ "apps": [ { "name": "scale", "script": "%s", "instances": %s, "exec_mode": "cluster", "env": { "PORT": "%s", "BENCH_RUN_ID": "%s" } } ] }\n' \
      "$APP_JS" "$n" "$port" "$BENCH_RUN_ID" >"$eco"
    t0=$(now_ms)
    if bench_pm2 "$home" start "$eco" >"$dir/pm2-start.log" 2>&1; then
      for ((k = 0; k < 600; k++)); do
        online="$(bench_pm2 "$home" jlist 2>/dev/null | jq '[.[] | select(.pm2_env.status == "online")] | length' 2>/dev/null || echo 0)"
        [ "${online:-0}" -ge "$n" ] && break
        [ $(($(now_ms) - t0)) -gt 600000 ] && break
        sleep 0.5
      done
    fi
    if [ "${online:-0}" -ge "$n" ]; then
      took="$(ms_to_s $(($(now_ms) - t0)))"
      god="$(cat "$home/pm2.pid")"
      sleep 2
      local wrss=0 p
      for p in $(pgrep -P "$god"); do wrss=$((wrss + $(proc_field "$p" VmRSS | sed 's/[^0-9]//g' || echo 0))); done
      local cpu_god call
      cpu_god="$(idle_cpu "$god" "$isecs")"
      call="$(t=$(now_ms); bench_pm2 "$home" jlist >/dev/null 2>&1; echo $(($(now_ms) - t)))"
      local stop_ms
      stop_ms="$(t=$(now_ms); bench_pm2 "$home" stop scale >/dev/null 2>&1 && echo $(($(now_ms) - t)))"
      out "| pm2 cluster x$n | $took | $(rss_mb "$god") | $cpu_god | $((wrss / 1024)) | $call | $([ -n "$stop_ms" ] && ms_to_s "$stop_ms" || echo failed) |"
    else
      out "| pm2 cluster x$n | only ${online:-0} of $n online | | | | | |"
    fi
    bench_pm2_kill "$home"
  fi
  out ""
  out "nginx supervises no workers: not applicable."
  sec_end
}

# --- run and report ----------------------------------------------------------------------------

# The whole file is read before this runs (a function), so editing it during a run is harmless.
main() {
  T_START=$SECONDS
  for s in "${SECS_LIST[@]}"; do
    case "$s" in
      load) section_load ;;
      chaos) section_workers chaos ;;
      rolling) section_workers rolling ;;
      recycle) section_recycle ;;
      deploy) section_deploy ;;
      node) section_node ;;
      orphans) section_orphans ;;
      soak) section_soak ;;
      scale) section_scale ;;
    esac
  done

  fails=$(grep -c '| FAIL |$' "$SUMMARY")
  {
    echo "# Drover: proof under fire"
    echo ""
    echo "Run $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)); commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO_DIR" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'); $([ "$QUICK" = 1 ] && echo "**--quick** mode" || echo "full mode"); $(( (SECONDS - T_START) / 60 )) min."
    echo "Jar $DROVER_JAR (newest of it and its lib/drover-*.jar built $(date -u -d "@$(stat -c %Y "$DROVER_JAR" "$(dirname "$DROVER_JAR")"/lib/drover-*.jar 2>/dev/null | sort -n | tail -n 1)" +%Y-%m-%dT%H:%M:%SZ)); node JVM options \`$JAVA_OPTS\`; $(java -version 2>&1 | head -n 1); Node $(node --version); wrk $(wrk --version 2>&1 | head -n 1 | awk '{print $2}'); PM2 $PM2_VERSION; $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')."
    echo "Everything ran on 127.0.0.1 on this one machine: the load generator, the supervisors and the workers share its cores, so absolute figures move with whatever else runs; failure counts and pass/fail are what to read."
    echo ""
    echo "## Summary"
    echo ""
    echo "| check | goal | Drover | verdict |"
    echo "|---|---|---|---|"
    cat "$SUMMARY"
    echo ""
    echo "$fails check(s) failed."
    echo ""
    cat "$SEC_DIR"/*.md 2>/dev/null | sed 's/^## /## /'
    echo ""
    echo "## How failures are counted"
    echo ""
    echo "From wrk's summary: failed = non-2xx/3xx responses + socket errors (connect, read, write, timeout > 2 s); total = completed responses + socket errors. wrk does not retry: every error is one a client without retries would see. Every request is a GET (idempotent)."
  } >"$OUT"
  echo
  echo "== summary =="
  cat "$SUMMARY"
  echo
  bench_log "report written to $OUT ($fails failed check(s))"
  [ "$fails" = 0 ]
}

main; exit $?
