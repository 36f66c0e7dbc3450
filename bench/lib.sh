# shellcheck shell=bash
# Shared helpers of bench/front.sh and bench/chaos.sh; sourced, not run.
#
# What it gives:
#   bench_init                 temp dir, run marker, traps (EXIT/INT/TERM -> bench_cleanup)
#   bench_install LIST         installs what the contenders in LIST need, if missing
#   bench_free_port VAR        a free loopback port in VAR (never one handed out before in this run)
#   bench_wait_http URL S [PID]  waits (at most S seconds) until URL answers 200
#   bench_wrk VAR URL DUR CONNS THREADS RAW   runs wrk --latency, parses it into VAR
#   bench_wrk_bg URL DUR CONNS THREADS RAW    the same in the background (pid in BENCH_WRK_PID)
#   ct_start NAME ITERS [respawn]  starts a contender (direct | pm2 | nginx | passenger | drover |
#                              drover_c1 | drover_c2: route.max-concurrency 1 or 2 | drover_al: access log
#                              drover_nofwd: http.forward-headers = [] (no forwarding headers, as nginx RR)
#                              on | minimal: bench/proxy/MinimalProxy.java), ct_stop stops it
#   ct_workers                 pids of the running contender's app workers
#   ct_reload                  rolling restart of the running contender's app
#   bench_chaos_kill / bench_chaos_reload   kill -9 of a random worker every S s / N rolling restarts, while wrk runs
#   bench_failures VAR M       "total failed pct detail" of a parsed wrk result M
#   bench_cleanup              stops everything this run started and removes the temp dir
#                              (after running the commands in BENCH_CLEANUP_HOOKS, if any)
#
# Every process this run starts carries BENCH_RUN_ID=<unique id> in its environment (set on the
# commands, not exported to the script itself); bench_cleanup ends, as a last resort, any process
# that still carries it: PM2's daemon and workers, Drover's workers, nginx, respawned Node apps.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
APP_JS="$BENCH_DIR/app/hello.js"
PM2_VERSION="7.0.4"          # engines: node >= 18; tested here with Node 20.20
PM2_BIN="$BENCH_DIR/node_modules/.bin/pm2"
DROVER_LAUNCHER="${DROVER_LAUNCHER:-$REPO_DIR/drover}"   # overridable to test the harness
DROVER_START_TIMEOUT="${DROVER_START_TIMEOUT:-300}"     # s; covers the launcher's first build
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"

BENCH_TMP=""
BENCH_RUN_ID=""
BENCH_PIDS=()        # every background pid started (nodes, nginx masters, drover JVMs, loops)
BENCH_PM2_HOMES=()   # every PM2_HOME used
BENCH_PORTS_USED=" "
BENCH_CLEANED=0
BENCH_CLEANUP_HOOKS=()   # commands bench_cleanup runs first (e.g. stopping a local cluster)

bench_log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# --- setup and teardown ------------------------------------------------------------------------

bench_init() {
  BENCH_RUN_ID="drover-bench-$$-$RANDOM$RANDOM"
  BENCH_TMP="$(mktemp -d /tmp/drover-bench.XXXXXX)"
  # nginx's workers run as nobody: they must be able to traverse to their temp paths.
  chmod 711 "$BENCH_TMP"
  trap bench_cleanup EXIT
  trap 'bench_log "interrupted"; exit 130' INT
  trap 'bench_log "terminated"; exit 143' TERM
  trap 'bench_log "hangup"; exit 129' HUP
}

# Is PID a live process? (A child that exited but is not reaped yet is a zombie: not alive.)
bench_alive() {
  local s
  [ -n "${1:-}" ] || return 1
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$s" ] || return 1
  s="${s##*) }"
  [ "${s%% *}" != Z ]
}

# Pids of live processes whose environment holds BENCH_RUN_ID=<this run> (not this shell).
bench_marked_pids() {
  local f p
  [ -n "$BENCH_RUN_ID" ] || return 0
  for f in /proc/[0-9]*/environ; do
    p="${f#/proc/}"; p="${p%/environ}"
    [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    if grep -qzxF "BENCH_RUN_ID=$BENCH_RUN_ID" "$f" 2>/dev/null; then
      echo "$p"
    fi
  done
}

# Sends TERM to the given pids, waits up to $2 s for them to exit, then KILLs what is left.
bench_stop_pids() {
  local pids=() wait_s="${2:-5}" p left i
  read -r -a pids <<<"$1"
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  for ((i = 0; i < wait_s * 10; i++)); do
    left=0
    for p in "${pids[@]}"; do bench_alive "$p" && left=1; done
    [ $left -eq 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    bench_alive "$p" && { bench_log "pid $p did not stop in ${wait_s}s: KILL"; kill -KILL "$p" 2>/dev/null; }
  done
  # Reap our own children so none is left as a zombie.
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  return 0
}

bench_pm2() { # PM2_HOME CMD...: the PM2 CLI, bounded in time, with its own home
  local home="$1"; shift
  env PM2_HOME="$home" BENCH_RUN_ID="$BENCH_RUN_ID" timeout -k 5 60 "$PM2_BIN" "$@"
}

# Stops a PM2 daemon and its apps: `pm2 kill`, then KILL for its God daemon and the God's children
# if they outlived it. (PM2 sets process titles, which blanks /proc/PID/environ: its processes
# cannot be found by the run marker, hence this.)
bench_pm2_kill() { # PM2_HOME
  local god kids p
  god="$(cat "$1/pm2.pid" 2>/dev/null)"
  [ -n "$god" ] || return 0
  bench_alive "$god" || return 0
  kids="$(pgrep -P "$god" 2>/dev/null)"
  bench_pm2 "$1" kill >/dev/null 2>&1
  if bench_alive "$god"; then
    bench_log "pm2 kill left its daemon $god: KILL"
    kids="$kids $(pgrep -P "$god" 2>/dev/null)"
    kill -KILL "$god" 2>/dev/null
  fi
  for p in $kids; do bench_alive "$p" && kill -KILL "$p" 2>/dev/null; done
  return 0
}

bench_cleanup() {
  [ "$BENCH_CLEANED" = 1 ] && return 0
  BENCH_CLEANED=1
  set +e
  trap - INT TERM HUP
  local h live=() p left
  for h in "${BENCH_CLEANUP_HOOKS[@]}"; do eval "$h"; done
  ct_stop   # the running contender, in order (loops before their backends)
  for h in "${BENCH_PM2_HOMES[@]}"; do
    bench_pm2_kill "$h"
  done
  for p in "${BENCH_PIDS[@]}"; do bench_alive "$p" && live+=("$p"); done
  # Drover stops its workers gracefully (stop.timeout 5s by default): give it time.
  bench_stop_pids "${live[*]}" 20
  left="$(bench_marked_pids)"
  if [ -n "$left" ]; then
    bench_log "cleanup: ending leftover processes of this run: $(echo $left)"
    kill -KILL $left 2>/dev/null
    sleep 0.2
  fi
  if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
    if [ -n "${BENCH_KEEP_TMP:-}" ]; then
      bench_log "kept $BENCH_TMP (BENCH_KEEP_TMP set)"
    else
      rm -rf "$BENCH_TMP"
    fi
  fi
  return 0
}

# --- installation ------------------------------------------------------------------------------

bench_install() { # contenders list, comma separated
  local list=",$1," need=() had_nginx=1
  command -v wrk >/dev/null || need+=(wrk)
  command -v curl >/dev/null || need+=(curl)
  command -v ss >/dev/null || need+=(iproute2)
  command -v pgrep >/dev/null || need+=(procps)
  command -v jq >/dev/null || need+=(jq)
  command -v timeout >/dev/null || need+=(coreutils)
  command -v node >/dev/null || need+=(nodejs)
  if [[ $list == *,nginx,* || $list == *,nginx_fwd,* ]] && [ ! -x "$NGINX_BIN" ]; then need+=(nginx); had_nginx=0; fi
  if [[ $list == *,pm2,* ]] && ! command -v npm >/dev/null; then need+=(npm); fi
  if [[ $list == *,passenger,* ]] && ! command -v passenger >/dev/null; then need+=(passenger); fi
  if [ ${#need[@]} -gt 0 ]; then
    bench_log "installing ${need[*]} (apt-get)"
    apt-get update -qq || bench_die "apt-get update failed"
    # RUNLEVEL=1: ask invoke-rc.d not to start the distribution's nginx service.
    RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
      bench_die "apt-get install ${need[*]} failed"
    NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
    if [ $had_nginx = 0 ] && [ -s /run/nginx.pid ] && bench_alive "$(cat /run/nginx.pid)"; then
      bench_log "stopping the system nginx that the package started"
      "$NGINX_BIN" -s quit 2>/dev/null
    fi
  fi
  if [[ $list == *,pm2,* ]]; then
    local have=""
    [ -f "$BENCH_DIR/node_modules/pm2/package.json" ] &&
      have="$(node -p "require('$BENCH_DIR/node_modules/pm2/package.json').version" 2>/dev/null)"
    if [ "$have" != "$PM2_VERSION" ]; then
      bench_log "installing pm2@$PM2_VERSION into bench/node_modules (npm)"
      timeout -k 5 300 npm install --prefix "$BENCH_DIR" --no-save --no-package-lock --no-audit \
        --no-fund --loglevel=error "pm2@$PM2_VERSION" >/dev/null || bench_die "npm install pm2 failed"
    fi
  fi
}

# --- small helpers -----------------------------------------------------------------------------

bench_secs() { # "10s" | "2m" | "10" -> seconds (integer)
  local v="$1"
  case "$v" in
    *ms) echo $(( (${v%ms} + 999) / 1000 )) ;;
    *s) echo "${v%s}" ;;
    *m) echo $(( ${v%m} * 60 )) ;;
    *h) echo $(( ${v%h} * 3600 )) ;;
    *) echo "$v" ;;
  esac
}

bench_is_duration() { [[ $1 =~ ^[0-9]+[smh]?$ ]]; }

bench_free_port() { # VAR: a free port on 127.0.0.1, below the ephemeral range wrk's sockets use
  local _fp_port _fp_i   # names unlike any caller's VAR: printf -v would set a local otherwise
  for ((_fp_i = 0; _fp_i < 500; _fp_i++)); do
    _fp_port=$(( 20000 + RANDOM % 12000 ))
    [[ $BENCH_PORTS_USED == *" $_fp_port "* ]] && continue
    if [ -z "$(ss -Htln "sport = :$_fp_port" 2>/dev/null)" ]; then
      BENCH_PORTS_USED+="$_fp_port "
      printf -v "$1" '%s' "$_fp_port"
      return 0
    fi
  done
  bench_die "no free port found"
}

bench_http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true; }

bench_wait_http() { # URL TIMEOUT_S [PID]: 0 once URL answers 200; 1 on timeout; 2 if PID died
  local url="$1" limit="$2" pid="${3:-}" end=$((SECONDS + $2)) i
  for ((i = 0; i < limit * 10 + 10 && SECONDS < end; i++)); do
    [ "$(bench_http_code "$url")" = 200 ] && return 0
    if [ -n "$pid" ] && ! bench_alive "$pid"; then return 2; fi
    sleep 0.1
  done
  return 1
}

# Runs wrk --latency for DUR (bounded by timeout) and stores the parsed result in VAR as
# "ok=1 rps= p50= p99= requests= non2xx= connect= read= write= timeout= errors=" (latencies in ms;
# errors = non2xx + connect + read + write + timeout), or "ok=0" when wrk printed no result.
bench_wrk() {
  local _w_secs
  _w_secs="$(bench_secs "$3")"
  # In the background and waited for, so that a signal to this script is handled at once.
  timeout -k 5 $((_w_secs + 30)) wrk --latency -t"$5" -c"$4" -d"$3" "$2" >"$6" 2>&1 &
  BENCH_PIDS+=("$!")
  wait "$!"
  printf -v "$1" '%s' "$(bench_parse_wrk "$6")"
}

# Starts wrk --latency for DUR in the background (bounded by timeout); its pid in BENCH_WRK_PID.
bench_wrk_bg() { # URL DUR CONNS THREADS RAW
  timeout -k 5 $(($(bench_secs "$2") + 30)) wrk --latency -t"$4" -c"$3" -d"$2" "$1" >"$5" 2>&1 &
  BENCH_WRK_PID=$!
  BENCH_PIDS+=("$BENCH_WRK_PID")
}

bench_parse_wrk() {
  awk '
    function ms(v,   n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000; if (u == "s") return n * 1000; if (u == "m") return n * 60000
      return n }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { req = $1 }
    /^ +Socket errors:/ { gsub(",", ""); con = $4; rd = $6; wr = $8; to = $10 }
    /^ +Non-2xx or 3xx responses:/ { non = $NF }
    /^Requests\/sec:/ { rps = $2 }
    END {
      if (rps == "") { print "ok=0"; exit }
      printf "ok=1 rps=%.0f p50=%.3f p99=%.3f requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d errors=%d\n",
        rps, p50, p99, req, non, con, rd, wr, to, non + con + rd + wr + to
    }' "$1"
}

bench_field() { # "k=v k2=v2" KEY -> v
  local kv
  for kv in $1; do [ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return 0; }; done
  echo ""
}

bench_has_env() { # PID NAME=VALUE: does the process's environment hold it?
  grep -qzxF "$2" "/proc/$1/environ" 2>/dev/null
}

# --- contenders --------------------------------------------------------------------------------
# One runs at a time. State of the running one:
CT_NAME=""; CT_DIR=""; CT_PORT=""; CT_MAIN=""; CT_PM2_HOME=""; CT_PIDS=(); CT_LOOPS=(); CT_SKIP=""
CT_MGMT_PORT=""      # drover: its management API's port (a free one per start)
CT_SEQ=0

ct_label() {
  case "$1" in
    direct) echo "direct (1 node)" ;;
    pm2) echo "pm2 cluster x2" ;;
    nginx) echo "nginx RR x2" ;;
    nginx_fwd) echo "nginx RR x2 +fwd" ;;
    passenger) echo "passenger x2" ;;
    drover) echo "drover x2" ;;
    drover_c1) echo "drover x2 mc=1" ;;
    drover_c2) echo "drover x2 mc=2" ;;
    drover_al) echo "drover x2 +log" ;;
    drover_nofwd) echo "drover x2 -fwd" ;;
    minimal) echo "minimal netty x2" ;;
    raw) echo "raw tcp netty x2" ;;
    *) echo "$1" ;;
  esac
}

# Starts a Node app process in the background: IDX PORT ITERS LOG
ct_node() {
  env BENCH_RUN_ID="$BENCH_RUN_ID" PORT="$2" WORK_ITERS="$3" node "$APP_JS" >>"$4" 2>&1 &
  BENCH_PIDS+=("$!")
  CT_PIDS+=("$!")
}

# A loop that keeps one Node app process up (restarts it when it exits), bounded in time and
# count; the current pid is in DIR/backend-IDX.pid. Stops when DIR/stop exists.
ct_respawn_loop() { # DIR IDX PORT ITERS
  local dir="$1" idx="$2" port="$3" iters="$4" n=0 end=$((SECONDS + 3600)) pid
  trap - EXIT INT TERM HUP
  while [ ! -e "$dir/stop" ] && ((SECONDS < end && n < 2000)); do
    env BENCH_RUN_ID="$BENCH_RUN_ID" PORT="$port" WORK_ITERS="$iters" node "$APP_JS" \
      >>"$dir/backend-$idx.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/backend-$idx.pid"
    wait "$pid"
    n=$((n + 1))
    sleep 0.05
  done
}

ct_start() { # NAME ITERS [respawn]: 0 when up and answering 200 on /; else CT_SKIP says why
  local name="$1" iters="$2" respawn="${3:-}"
  CT_SEQ=$((CT_SEQ + 1))
  CT_NAME="$name"; CT_DIR="$BENCH_TMP/$CT_SEQ-$name"; CT_MAIN=""; CT_PM2_HOME=""; CT_MGMT_PORT=""
  CT_PIDS=(); CT_LOOPS=(); CT_SKIP=""
  mkdir -p "$CT_DIR"; chmod 711 "$CT_DIR"
  bench_free_port CT_PORT
  "ct_start_$name" "$iters" "$respawn"
}

ct_start_direct() {
  ct_node 0 "$CT_PORT" "$1" "$CT_DIR/app.log"
  CT_MAIN="${CT_PIDS[0]}"
  bench_wait_http "http://127.0.0.1:$CT_PORT/" 20 "$CT_MAIN" && return 0
  CT_SKIP="node did not answer 200 on / within 20s: $(tail -n 3 "$CT_DIR/app.log" | tr '\n' ' ')"
  return 1
}

ct_start_pm2() {
  [ -x "$PM2_BIN" ] || { CT_SKIP="pm2 not installed in bench/node_modules"; return 1; }
  CT_PM2_HOME="$CT_DIR/pm2-home"
  BENCH_PM2_HOMES+=("$CT_PM2_HOME")
  cat >"$CT_DIR/ecosystem.json" <<EOF
{ "apps": [ { "name": "hello", "script": "$APP_JS", "instances": 2, "exec_mode": "cluster",
  "env": { "PORT": "$CT_PORT", "WORK_ITERS": "$1", "BENCH_RUN_ID": "$BENCH_RUN_ID" } } ] }
EOF
  if ! bench_pm2 "$CT_PM2_HOME" start "$CT_DIR/ecosystem.json" >"$CT_DIR/pm2-start.log" 2>&1; then
    CT_SKIP="pm2 start failed: $(tail -n 3 "$CT_DIR/pm2-start.log" | tr '\n' ' ')"
    return 1
  fi
  CT_MAIN="$(cat "$CT_PM2_HOME/pm2.pid" 2>/dev/null)"
  bench_wait_http "http://127.0.0.1:$CT_PORT/" 30 "$CT_MAIN" && return 0
  CT_SKIP="pm2 app did not answer 200 on / within 30s"
  return 1
}

# nginx_fwd: nginx setting the forwarding headers Drover's front adds (see ct_start_nginx).
ct_start_nginx_fwd() { NGINX_FORWARD_HEADERS=true ct_start_nginx "$@"; }

ct_start_nginx() { # ITERS [respawn]
  local iters="$1" respawn="$2" i p ports=()
  [ -x "$NGINX_BIN" ] || { CT_SKIP="nginx not installed"; return 1; }
  for i in 1 2; do
    bench_free_port p
    ports+=("$p")
    if [ "$respawn" = respawn ]; then
      # (its stderr: bash reports there each backend killed by a signal)
      ct_respawn_loop "$CT_DIR" "$i" "$p" "$iters" 2>>"$CT_DIR/respawn-$i.log" &
      BENCH_PIDS+=("$!"); CT_LOOPS+=("$!")
    else
      ct_node "$i" "$p" "$iters" "$CT_DIR/backend-$i.log"
    fi
  done
  for i in 0 1; do
    if ! bench_wait_http "http://127.0.0.1:${ports[$i]}/health" 20; then
      CT_SKIP="backend on port ${ports[$i]} did not start"; return 1
    fi
  done
  # Upstream keep-alive and HTTP/1.1 to the backends (without them nginx loses ~30 %); the
  # upstream servers keep nginx's defaults (max_fails=1 fail_timeout=10s).
  # NGINX_FORWARD_HEADERS=true: the headers a reverse proxy usually sets and Drover's front always
  # sends (X-Forwarded-For/-Proto/-Host and a request id), so both make the workers parse the same.
  local forward=""
  [ "${NGINX_FORWARD_HEADERS:-false}" = true ] && forward='
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;'
  ct_nginx_launch "${ports[@]}" <<EOF
  server {
    listen 127.0.0.1:$CT_PORT;
    location / {
      proxy_pass http://hello;
      proxy_http_version 1.1;
      proxy_set_header Connection "";$forward
    }
  }
EOF
  bench_wait_http "http://127.0.0.1:$CT_PORT/" 20 "$CT_MAIN" && return 0
  CT_SKIP="nginx did not answer 200 on / within 20s: $(tail -n 3 "$CT_DIR/nginx/error.log" 2>/dev/null | tr '\n' ' ')"
  return 1
}

# nginx in CT_DIR/nginx as CT_MAIN: 2 worker processes, no access log, an upstream "hello" of the
# two backend PORTs with keep-alive; the server block(s) come on stdin.
ct_nginx_launch() { # PORT1 PORT2 <SERVER_BLOCKS
  mkdir -p "$CT_DIR/nginx"; chmod 711 "$CT_DIR/nginx"
  {
    cat <<EOF
worker_processes 2;
pid $CT_DIR/nginx/nginx.pid;
# crit: with both backends marked down nginx would log every 502 ("no live upstreams", level error)
error_log $CT_DIR/nginx/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $CT_DIR/nginx/client_body;
  proxy_temp_path $CT_DIR/nginx/proxy;
  fastcgi_temp_path $CT_DIR/nginx/fastcgi;
  uwsgi_temp_path $CT_DIR/nginx/uwsgi;
  scgi_temp_path $CT_DIR/nginx/scgi;
  upstream hello {
    server 127.0.0.1:$1;
    server 127.0.0.1:$2;
    keepalive 64;
  }
EOF
    cat
    echo "}"
  } >"$CT_DIR/nginx/nginx.conf"
  env BENCH_RUN_ID="$BENCH_RUN_ID" "$NGINX_BIN" -p "$CT_DIR/nginx" -c "$CT_DIR/nginx/nginx.conf" \
    -e "$CT_DIR/nginx/error.log" -g 'daemon off;' >"$CT_DIR/nginx/stdout.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
}

# The minimal Netty proxy (bench/proxy/MinimalProxy.java, run from source on the jars of Drover's
# build in node/target/lib) round-robin to 2 Node processes: the yardstick for Drover's front.
# MINIMAL_EVENT_LOOPS (default 1, as Drover's front on 2 cores), MINIMAL_JAVA_OPTS (default:
# the launcher's heap and GC options) and MINIMAL_HEADERS (true: add Drover's forwarding headers).
# Contender raw is the same program as a TCP proxy (no HTTP work: the floor under any Netty proxy).
ct_start_minimal() { # ITERS
  local iters="$1" i p ports=()
  command -v java >/dev/null || { CT_SKIP="java not found"; return 1; }
  ls "$REPO_DIR"/node/target/lib/netty-codec-http-*.jar >/dev/null 2>&1 ||
    { CT_SKIP="no node/target/lib (build Drover first: mvn -DskipTests package)"; return 1; }
  for i in 1 2; do
    bench_free_port p
    ports+=("$p")
    ct_node "$i" "$p" "$iters" "$CT_DIR/backend-$i.log"
  done
  for i in 0 1; do
    bench_wait_http "http://127.0.0.1:${ports[$i]}/health" 20 || { CT_SKIP="backend on port ${ports[$i]} did not start"; return 1; }
  done
  # shellcheck disable=SC2086
  env BENCH_RUN_ID="$BENCH_RUN_ID" java ${MINIMAL_JAVA_OPTS:--Xms64m -Xmn24m -Xmx512m -XX:+UseParallelGC -Dio.netty.leakDetection.level=disabled} \
    -Dminimal.headers="${MINIMAL_HEADERS:-false}" -Dminimal.raw="${MINIMAL_RAW:-false}" -cp "$REPO_DIR/node/target/lib/*" "$BENCH_DIR/proxy/MinimalProxy.java" "$CT_PORT" "${MINIMAL_EVENT_LOOPS:-1}" "${ports[@]}" \
    >"$CT_DIR/minimal.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  bench_wait_http "http://127.0.0.1:$CT_PORT/" 60 "$CT_MAIN" && return 0
  CT_SKIP="minimal proxy did not answer 200 on / within 60s: $(tail -n 3 "$CT_DIR/minimal.log" | tr '\n' ' ')"
  return 1
}

ct_start_raw() { # ITERS
  MINIMAL_RAW=true ct_start_minimal "$1"
}

# Phusion Passenger standalone, its builtin engine, 2 app processes kept (least-busy routing and
# a request queue are its own); nothing here reaches the internet, so no update check or telemetry.
ct_start_passenger() { # ITERS
  command -v passenger >/dev/null || { CT_SKIP="passenger not installed"; return 1; }
  (cd "$BENCH_DIR/app" && exec env BENCH_RUN_ID="$BENCH_RUN_ID" passenger start --address 127.0.0.1 --port "$CT_PORT" \
    --engine builtin --max-pool-size 2 --min-instances 2 --environment production --app-type node \
    --startup-file hello.js --disable-security-update-check --disable-anonymous-telemetry \
    --log-file "$CT_DIR/passenger.log" --pid-file "$CT_DIR/passenger.pid" \
    --envvar "WORK_ITERS=$1" --envvar "BENCH_RUN_ID=$BENCH_RUN_ID") >"$CT_DIR/passenger-start.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  bench_wait_http "http://127.0.0.1:$CT_PORT/" 60 "$CT_MAIN" && return 0
  CT_SKIP="passenger did not answer 200 on / within 60s: $(tail -n 3 "$CT_DIR/passenger-start.log" | tr '\n' ' ')"
  return 1
}

# Drover with route.max-concurrency = 1 or 2 (requests beyond it wait in the front's queue).
ct_start_drover_c1() { DROVER_MAX_CONCURRENCY=1 ct_start_drover "$@"; }
ct_start_drover_c2() { DROVER_MAX_CONCURRENCY=2 ct_start_drover "$@"; }
# Drover with its access log on (text, to <home>/logs/access.log): its cost beside drover.
ct_start_drover_al() { DROVER_ACCESS_LOG=on ct_start_drover "$@"; }
# Drover with http.forward-headers = []: it adds no X-Forwarded-*/X-Request-Id, so its workers get
# the same request headers as nginx RR's (nginx_fwd is the other pair that does the same work).
ct_start_drover_nofwd() { DROVER_FORWARD_HEADERS="[]" ct_start_drover "$@"; }

# Whether ./drover run will build first (the launcher's own test): only to tell the user.
ct_drover_needs_build() {
  local jar="$REPO_DIR/node/target/drover-node.jar"
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$REPO_DIR/pom.xml" "$REPO_DIR"/*/pom.xml "$REPO_DIR"/*/src -newer "$jar" -print -quit 2>/dev/null)" ]
}

ct_start_drover() {
  local iters="$1" rc
  command -v java >/dev/null || { CT_SKIP="java not found"; return 1; }
  [ -x "$DROVER_LAUNCHER" ] || { CT_SKIP="launcher $DROVER_LAUNCHER not executable"; return 1; }
  bench_free_port CT_MGMT_PORT
  cat >"$CT_DIR/drover.conf" <<EOF
# Written by bench/lib.sh for one benchmark run; removed with its temp dir.
drover {
  home = "$CT_DIR/drover-home"
  http { interface = "127.0.0.1", port = $CT_PORT, event-loops = ${DROVER_EVENT_LOOPS:-0}, access-log.enabled = ${DROVER_ACCESS_LOG:-off}
    forward-headers = ${DROVER_FORWARD_HEADERS:-[x-forwarded-for, x-forwarded-proto, x-forwarded-host, x-request-id]}
    ${DROVER_TRANSPORT:+transport = $DROVER_TRANSPORT} ${DROVER_LOOP_SCHEDULING:+loop-scheduling = $DROVER_LOOP_SCHEDULING} }
  management { interface = "127.0.0.1", port = $CT_MGMT_PORT }
  apps.hello {
    command = ["node", "$APP_JS"]
    env { WORK_ITERS = "$iters", BENCH_RUN_ID = "$BENCH_RUN_ID" }
    instances = 2
    route { prefix = "/", max-concurrency = ${DROVER_MAX_CONCURRENCY:-0}, balancer = ${DROVER_BALANCER:-round-robin} }
    readiness { type = http, path = "/health" }
    ${DROVER_APP_EXTRA:-}
  }
}
EOF
  if [ "$DROVER_LAUNCHER" = "$REPO_DIR/drover" ] && ct_drover_needs_build; then
    bench_log "drover: the launcher builds first (sources newer than the jar); waiting up to ${DROVER_START_TIMEOUT}s"
  fi
  # From the repo root, as a user would; exec keeps one pid: subshell -> launcher -> JVM.
  (cd "$REPO_DIR" && exec env BENCH_RUN_ID="$BENCH_RUN_ID" "$DROVER_LAUNCHER" run "$CT_DIR/drover.conf") \
    >"$CT_DIR/drover.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  bench_wait_http "http://127.0.0.1:$CT_PORT/" "$DROVER_START_TIMEOUT" "$CT_MAIN"
  rc=$?
  [ $rc = 0 ] && return 0
  if [ $rc = 2 ]; then
    wait "$CT_MAIN" 2>/dev/null
    CT_SKIP="drover exited (status $?) before its front answered 200 on /"
  else
    CT_SKIP="drover's front did not answer 200 on http://127.0.0.1:$CT_PORT/ within ${DROVER_START_TIMEOUT}s"
  fi
  if [ -s "$CT_DIR/drover.log" ]; then
    CT_SKIP+=$'\n'"    last lines of its output:"$'\n'"$(tail -n 8 "$CT_DIR/drover.log" | sed 's/^/      | /')"
  else
    CT_SKIP+=$'\n'"    (it printed nothing)"
  fi
  return 1
}

ct_stop() {
  local p live=()
  [ -n "$CT_NAME" ] || return 0
  [ -n "$CT_DIR" ] && touch "$CT_DIR/stop"
  [ -n "$CT_PM2_HOME" ] && bench_pm2_kill "$CT_PM2_HOME"
  if [ "$CT_NAME" = passenger ] && [ -s "$CT_DIR/passenger.pid" ]; then
    # its own stop ends the watchdog, the core and the app processes; what is left is stopped below
    local core
    core="$(cat "$CT_DIR/passenger.pid")"
    timeout -k 5 30 passenger stop --pid-file "$CT_DIR/passenger.pid" >>"$CT_DIR/passenger-stop.log" 2>&1
    bench_alive "$core" && live+=("$core")
  fi
  # Loops first (so they respawn nothing), then what they started, then the rest.
  [ ${#CT_LOOPS[@]} -gt 0 ] && bench_stop_pids "${CT_LOOPS[*]}" 5
  for p in "$CT_DIR"/backend-*.pid; do
    [ -f "$p" ] && bench_alive "$(cat "$p")" && live+=("$(cat "$p")")
  done
  for p in "${CT_PIDS[@]}"; do bench_alive "$p" && live+=("$p"); done
  bench_stop_pids "${live[*]}" 20
  CT_NAME=""
}

# Pids of the running contender's app workers (one per line).
ct_workers() {
  local p f
  case "$CT_NAME" in
    direct) bench_alive "$CT_MAIN" && echo "$CT_MAIN" ;;
    pm2) # children of PM2's God daemon running the app (PM2 sets process titles, which blanks
         # /proc/PID/environ, so the command line is what tells them apart)
      CT_MAIN="$(cat "$CT_PM2_HOME/pm2.pid" 2>/dev/null)"
      [ -n "$CT_MAIN" ] && pgrep -P "$CT_MAIN" -f "$APP_JS" 2>/dev/null ;;
    nginx) # the current pid of each respawn loop; without loops, the app processes this run started
      local looped=""
      for f in "$CT_DIR"/backend-*.pid; do
        [ -f "$f" ] && looped=1 && p="$(cat "$f")" && bench_alive "$p" && echo "$p"
      done
      if [ -z "$looped" ]; then
        for p in "${CT_PIDS[@]}"; do
          bench_alive "$p" && grep -qF "$APP_JS" "/proc/$p/cmdline" 2>/dev/null && echo "$p"
        done
      fi ;;
    drover|drover_c1|drover_c2|drover_al|drover_nofwd) # children of the drover node JVM whose environment has DROVER_APP=hello; failing
            # that, processes running hello.js with DROVER_APP=hello and this run's marker
      local jvm found=""
      jvm="$(ct_drover_jvm)"
      for p in $(pgrep -P "$jvm" 2>/dev/null); do
        bench_has_env "$p" "DROVER_APP=hello" && { echo "$p"; found=1; }
      done
      if [ -z "$found" ]; then
        for p in $(pgrep -f "$APP_JS" 2>/dev/null); do
          bench_has_env "$p" "DROVER_APP=hello" && bench_has_env "$p" "BENCH_RUN_ID=$BENCH_RUN_ID" && echo "$p"
        done
      fi ;;
  esac
  return 0
}

# Rolling restart of every worker of the running contender's app; returns when done (PM2,
# nginx loops) or once asked (Drover: SIGHUP to the node, which restarts its apps rolling).
ct_reload() {
  local f old i
  case "$CT_NAME" in
    pm2) bench_pm2 "$CT_PM2_HOME" reload hello >>"$CT_DIR/pm2-reload.log" 2>&1 ;;
    drover|drover_c1|drover_c2|drover_al|drover_nofwd) kill -HUP "$(ct_drover_jvm)" 2>/dev/null ;;
    nginx) # what an ops script does: restart one backend, wait until it answers, then the next
      for f in "$CT_DIR"/backend-*.pid; do
        old="$(cat "$f")"
        kill -TERM "$old" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
          [ "$(cat "$f")" != "$old" ] && [ "$(bench_http_code "http://127.0.0.1:$(ct_backend_port "$f")/health")" = 200 ] && break
          sleep 0.1
        done
      done ;;
    *) return 1 ;;
  esac
}

# The drover node's JVM: the pid started (the launcher execs java), or else its java child.
ct_drover_jvm() {
  local p
  if [ "$(cat "/proc/$CT_MAIN/comm" 2>/dev/null)" = java ]; then echo "$CT_MAIN"; return 0; fi
  for p in $(pgrep -P "$CT_MAIN" 2>/dev/null); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = java ] && { echo "$p"; return 0; }
  done
  echo "$CT_MAIN"   # not a JVM (a test stand-in): the process started
}

ct_backend_port() { # pid file -> port of that backend (from its process environment)
  tr '\0' '\n' 2>/dev/null <"/proc/$(cat "$1")/environ" | sed -n 's/^PORT=//p'
}

# --- chaos while wrk runs (chaos.sh, proof/run.sh) ---------------------------------------------

# kill -9 of a random worker of the running contender every EVERY s for SECS s, while WRK_PID
# runs; each kill is logged to $CT_DIR/chaos.log. Prints what it did ("9 kill -9").
bench_chaos_kill() { # WRK_PID SECS EVERY
  local wrk_pid="$1" secs="$2" every="$3" end=$((SECONDS + $2)) n=0 i w ws
  for ((i = 0; i < secs / every + 1; i++)); do
    sleep "$every"
    ((SECONDS < end)) && bench_alive "$wrk_pid" || break
    mapfile -t ws < <(ct_workers)
    if [ ${#ws[@]} -eq 0 ]; then bench_log "  t+$((secs - end + SECONDS))s: no live worker to kill"; continue; fi
    w="${ws[RANDOM % ${#ws[@]}]}"
    kill -KILL "$w" 2>/dev/null && n=$((n + 1))
    echo "$(date +%s.%N) t+$((secs - end + SECONDS))s kill -9 $w" >>"$CT_DIR/chaos.log"
  done
  echo "$n kill -9"
}

# N rolling restarts of the running contender's app, evenly spaced over SECS s, while WRK_PID
# runs; RELOAD_FN (default ct_reload) does one. Prints what it did and how many replaced the workers.
bench_chaos_reload() { # WRK_PID SECS N [RELOAD_FN]
  local wrk_pid="$1" secs="$2" reloads="$3" fn="${4:-ct_reload}" start=$SECONDS k at n=0 before after changed=0 i ok=0
  for ((k = 1; k <= reloads; k++)); do
    at=$((start + secs * k / (reloads + 1)))
    while ((SECONDS < at)) && bench_alive "$wrk_pid"; do sleep 0.2; done
    bench_alive "$wrk_pid" || break
    before="$(ct_workers | sort | tr '\n' ' ')"
    "$fn" && ok=$((ok + 1))
    n=$((n + 1))
    # Drover's SIGHUP returns at once, and PM2's old workers may still be exiting: wait
    # (bounded) until none of the workers from before is left.
    after=""
    for ((i = 0; i < 100; i++)); do
      bench_alive "$wrk_pid" || break
      after="$(ct_workers | sort | tr '\n' ' ')"
      [ -n "$after" ] && ! grep -qwFf <(tr ' ' '\n' <<<"$before" | grep .) <<<"$(tr ' ' '\n' <<<"$after")" && break
      sleep 0.2
    done
    echo "t+$((SECONDS - start))s reload $k: workers [$before] -> [$after]" >>"$CT_DIR/chaos.log"
    [ -n "$after" ] && [ "$before" != "$after" ] && changed=$((changed + 1))
  done
  if [ "$ok" = "$n" ]; then
    echo "$n reloads, $changed changed the workers"
  else
    echo "$n reloads ($((n - ok)) reported failure), $changed changed the workers"
  fi
}

# From a parsed wrk result M (bench_parse_wrk): VAR = "TOTAL FAILED PCT DETAIL..." where
# failed = non-2xx/3xx + socket errors and total = completed responses + socket errors;
# VAR = "" when wrk printed no result.
bench_failures() { # VAR M
  local _bf_m="$2" _bf_socket _bf_total _bf_failed
  if [ "$(bench_field "$_bf_m" ok)" != 1 ]; then printf -v "$1" '%s' ""; return 0; fi
  _bf_socket=$(( $(bench_field "$_bf_m" connect) + $(bench_field "$_bf_m" read) + $(bench_field "$_bf_m" write) + $(bench_field "$_bf_m" timeout) ))
  _bf_total=$(( $(bench_field "$_bf_m" requests) + _bf_socket ))
  _bf_failed=$(( $(bench_field "$_bf_m" non2xx) + _bf_socket ))
  printf -v "$1" '%s %s %s non2xx %s, connect %s, read %s, write %s, timeout %s' "$_bf_total" "$_bf_failed" \
    "$(awk -v f="$_bf_failed" -v t="$_bf_total" 'BEGIN { printf "%.3f", t ? 100 * f / t : 0 }')" \
    "$(bench_field "$_bf_m" non2xx)" "$(bench_field "$_bf_m" connect)" "$(bench_field "$_bf_m" read)" \
    "$(bench_field "$_bf_m" write)" "$(bench_field "$_bf_m" timeout)"
}
