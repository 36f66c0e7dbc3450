#!/usr/bin/env bash
# TLS at the front, side by side in one run: nginx (ssl, http2) and Drover's front, each in front
# of 2 Node workers (bench/app/hello.js), both with the same self-signed EC P-256 certificate.
#   h1    TLS keep-alive HTTP/1.1 throughput (wrk over https)
#   h2    HTTP/2 over TLS throughput (h2load: clients x concurrent streams each)
#   hs    full handshakes per second (wrk with Connection: close: one TLS handshake per request)
# Each measure runs after a warmup of its own. One table with Drover's ratio to nginx per measure (issue goals: h1, h2 >= 0.9; hs >= 0.8).
# Only ratios within one run mean anything (see README.md).
#   --loops 1,2      one Drover contender per value of http.event-loops (0: its default)
#   --base LAUNCHER  also runs another build's launcher (e.g. a checkout of main: before vs after)
#   --measures LIST  a subset of h1,h2,hs
#   --interleave     all contenders up at once, each measure taken in turn from each, --rounds
#                    times (short turns: a box whose speed drifts hits every contender alike)
#   --headers H      what the workers get added to each request: own (default; each its
#                    default: nginx none, Drover X-Forwarded-For/-Proto/-Host and X-Request-Id),
#                    same (nginx adds Drover's four too) or none (Drover with
#                    http.forward-headers = []): same and none compare the same work
#
#   bench/tls.sh [--duration 10s] [--warmup 20s] [--connections 64] [--threads 2]
#                [--h2-clients 16] [--h2-streams 10] [--hs-connections 16] [--rounds 1]
#                [--loops 0] [--base LAUNCHER] [--measures h1,h2,hs] [--interleave] [--headers own]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=10s; WARMUP=20s; CONNS=64; THREADS=2; H2_CLIENTS=16; H2_STREAMS=10; HS_CONNS=16; ROUNDS=1; LOOPS=0; BASE=""; MEASURES=h1,h2,hs; INTERLEAVE=0; HEADERS=own
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --h2-clients) H2_CLIENTS="${2:?}"; shift 2 ;;
    --h2-streams) H2_STREAMS="${2:?}"; shift 2 ;;
    --hs-connections) HS_CONNS="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --loops) LOOPS="${2:?}"; shift 2 ;;
    --base) BASE="${2:?}"; shift 2 ;;
    --measures) MEASURES="${2:?}"; shift 2 ;;
    --interleave) INTERLEAVE=1; shift ;;
    --headers) HEADERS="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tls.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "tls.sh: bad --duration $DURATION" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "tls.sh: bad --warmup $WARMUP" >&2; exit 2; }
for n in "$CONNS" "$THREADS" "$H2_CLIENTS" "$H2_STREAMS" "$HS_CONNS" "$ROUNDS"; do
  [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || { echo "tls.sh: counts must be whole numbers >= 1" >&2; exit 2; }
done
[ "$ROUNDS" -le 20 ] || { echo "tls.sh: --rounds 1..20" >&2; exit 2; }
[[ $LOOPS =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "tls.sh: --loops like 1,2" >&2; exit 2; }
[[ $MEASURES =~ ^(h1|h2|hs)(,(h1|h2|hs))*$ ]] || { echo "tls.sh: --measures: a subset of h1,h2,hs" >&2; exit 2; }
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "tls.sh: --base $BASE is not an executable launcher" >&2; exit 2; }
[[ $HEADERS =~ ^(own|same|none)$ ]] || { echo "tls.sh: --headers own, same or none" >&2; exit 2; }
measure() { [[ ,$MEASURES, == *,$1,* ]]; }
NGINX_FWD=""; DROVER_FWD="[x-forwarded-for, x-forwarded-proto, x-forwarded-host, x-request-id]"
[ "$HEADERS" = same ] && NGINX_FWD='proxy_set_header X-Request-Id $request_id; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Forwarded-Host $host;'
[ "$HEADERS" = none ] && DROVER_FWD="[]"

# Drover's contenders: "dK" with its label, event loops and launcher.
V_ID=(); V_LABEL=(); V_LOOPS=(); V_LAUNCHER=()
IFS=, read -r -a loop_list <<<"$LOOPS"
for l in "${loop_list[@]}"; do
  for which in base this; do
    [ "$which" = base ] && [ -z "$BASE" ] && continue
    k=${#V_ID[@]}; V_ID+=("d$k"); V_LOOPS+=("$l")
    label="drover"; [ -n "$BASE" ] && label="$which"
    [ "${#loop_list[@]}" -gt 1 ] || [ "$l" != 0 ] && label+="/l$l"
    [[ " ${TLS_SKIP:-} " == *" $label "* ]] && { unset 'V_ID[-1]' 'V_LOOPS[-1]'; continue; }  # TLS_SKIP="this/l2 ...": leave those out
    V_LABEL+=("$label")
    if [ "$which" = base ]; then V_LAUNCHER+=("$BASE"); else V_LAUNCHER+=("$DROVER_LAUNCHER"); fi
  done
done

bench_init
bench_install "nginx,drover"
if ! command -v h2load >/dev/null; then
  bench_log "installing nghttp2-client (h2load)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null || bench_die "apt-get install nghttp2-client failed"
fi
command -v openssl >/dev/null || bench_die "openssl not found"

CERT="$BENCH_TMP/cert.pem"; KEY="$BENCH_TMP/key.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 || bench_die "openssl req failed"
chmod 644 "$CERT" "$KEY"

# nginx: 2 workers, ssl + http2 on one port, upstream keep-alive to 2 Node processes.
ct_start_nginx_tls() {
  local i p ports=()
  [ -x "$NGINX_BIN" ] || { CT_SKIP="nginx not installed"; return 1; }
  for i in 1 2; do bench_free_port p; ports+=("$p"); ct_node "$i" "$p" 0 "$CT_DIR/backend-$i.log"; done
  for i in 0 1; do
    bench_wait_http "http://127.0.0.1:${ports[$i]}/health" 20 || { CT_SKIP="backend ${ports[$i]} did not start"; return 1; }
  done
  ct_nginx_launch "${ports[@]}" <<EOF
  server {
    listen 127.0.0.1:$CT_PORT ssl http2;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    http2_max_concurrent_streams 128;
    keepalive_requests 1000000;
    location / { proxy_pass http://hello; proxy_http_version 1.1; proxy_set_header Connection ""; $NGINX_FWD }
  }
EOF
  tls_wait && return 0
  CT_SKIP="nginx did not answer 200 over https: $(tail -n 3 "$CT_DIR/nginx/error.log" 2>/dev/null | tr '\n' ' ')"
  return 1
}

# Drover: its TLS listener on CT_PORT (plain one beside it), 2 workers.
ct_start_drover_tls() {
  local plain
  [ -x "$DROVER_LAUNCHER" ] || { CT_SKIP="launcher $DROVER_LAUNCHER not executable"; return 1; }
  bench_free_port plain; bench_free_port CT_MGMT_PORT
  cat >"$CT_DIR/drover.conf" <<EOF
drover {
  home = "$CT_DIR/drover-home"
  http { interface = "127.0.0.1", port = $plain, event-loops = ${TLS_LOOPS:-0}, tls { enabled = on, port = $CT_PORT, cert = "$CERT", key = "$KEY" }
    forward-headers = $DROVER_FWD
    ${TLS_TRANSPORT:+transport = $TLS_TRANSPORT} }
  management { interface = "127.0.0.1", port = $CT_MGMT_PORT }
  apps.hello {
    command = ["node", "$APP_JS"]
    env { WORK_ITERS = "0", BENCH_RUN_ID = "$BENCH_RUN_ID" }
    instances = 2
    route.prefix = "/"
    readiness { type = http, path = "/health" }
  }
}
EOF
  (cd "$REPO_DIR" && exec env BENCH_RUN_ID="$BENCH_RUN_ID" "$DROVER_LAUNCHER" run "$CT_DIR/drover.conf") >"$CT_DIR/drover.log" 2>&1 &
  CT_MAIN=$!; BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  tls_wait "$DROVER_START_TIMEOUT" && { bench_log "$(grep -m1 'front listening on https' "$CT_DIR/drover.log")"; return 0; }
  CT_SKIP="drover did not answer 200 over https: $(tail -n 5 "$CT_DIR/drover.log" | tr '\n' ' ')"
  return 1
}

tls_wait() { # [TIMEOUT_S]: 0 once https://127.0.0.1:CT_PORT/ answers 200
  local limit="${1:-20}" end=$((SECONDS + ${1:-20})) i
  for ((i = 0; i < limit * 10 + 10 && SECONDS < end; i++)); do
    [ "$(curl -sk -o /dev/null -m 2 -w '%{http_code}' "https://127.0.0.1:$CT_PORT/")" = 200 ] && return 0
    bench_alive "$CT_MAIN" || return 1
    sleep 0.1
  done
  return 1
}

h2_run() { # SECONDS RAW: h2load for that long; prints "rps errors"
  timeout -k 5 $(($1 + 30)) h2load -D "$1" -c "$H2_CLIENTS" -m "$H2_STREAMS" -t "$THREADS" "https://127.0.0.1:$CT_PORT/" >"$2" 2>&1
  awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($i == "req/s,") rps = $(i - 1) }
       /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i + 1) ~ /^failed/) f = $i; if ($(i + 1) ~ /^errored/) e = $i } }
       /^status codes:/ { n = 0; for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^[345]xx/) n += $i }
       END { if (rps == "") print "- -"; else printf "%.0f %d\n", rps, f + e + n }' "$2"
}

# TLS_PROFILE=DIR: async-profiler (as in profile.sh) on each Drover contender's measured runs,
# DIR/<label>-<measure>-r<round>.collapsed (all threads); TLS_STRACE=DIR: strace -c -f of its JVM
# during the h1 run. Both slow the contender down: its figures in that run do not count.
# TLS_TRANSPORT=epoll (or io_uring, nio): Drover's http.transport (default: the node's).
# TLS_CPU=1 (with --interleave): bench/procsnap.js around each measured turn, logged per turn:
# CPU us per request of the front (nginx or Drover's JVM), of its Node workers and of the box.
prof_start() {
  [ -n "${TLS_PROFILE:-}" ] || return 0
  local jar="$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar"
  [ -f "$TLS_PROFILE/libasyncProfiler.so" ] || (mkdir -p "$TLS_PROFILE" && cd "$TLS_PROFILE" && unzip -q -j -o "$jar" linux-x64/libasyncProfiler.so) ||
    bench_die "cannot unpack $jar (mvn dependency:get -Dartifact=tools.profiler:async-profiler:4.1)"
  timeout -k 5 60 jcmd "$(ct_drover_jvm)" JVMTI.agent_load "$TLS_PROFILE/libasyncProfiler.so" "\"start,event=cpu,interval=1ms,threads\"" >>"$CT_DIR/jcmd.txt" 2>&1
}
prof_stop() { # NAME
  [ -n "${TLS_PROFILE:-}" ] || return 0
  timeout -k 5 60 jcmd "$(ct_drover_jvm)" JVMTI.agent_load "$TLS_PROFILE/libasyncProfiler.so" "\"stop,file=$TLS_PROFILE/$1.collapsed,collapsed\"" >>"$CT_DIR/jcmd.txt" 2>&1
}

RES="$BENCH_TMP/results"; mkdir -p "$RES"
CTS=(nginx_tls "${V_ID[@]}")
label_of() { local k; [ "$1" = nginx_tls ] && { echo nginx; return; }; k="${1#d}"; echo "${V_LABEL[$k]}"; }
w=""; m=""
bench_log "tls.sh: wrk -t$THREADS -c$CONNS, h2load -c$H2_CLIENTS -m$H2_STREAMS, handshakes wrk -c$HS_CONNS; $DURATION each after a $WARMUP warmup; $ROUNDS round(s); $(nproc) cores; drover contenders: ${V_LABEL[*]}; headers: $HEADERS"
secs="$(bench_secs "$DURATION")"
# --interleave: every contender started once (its state kept here), then turns.
declare -A SAVED=()
ct_save() { SAVED[$1]="$(declare -p CT_NAME CT_DIR CT_PORT CT_MAIN CT_PM2_HOME CT_MGMT_PORT CT_PIDS CT_LOOPS | sed 's/^declare -[aA-Za-z-]* /declare -g /')"; }
ct_restore() { eval "${SAVED[$1]}"; }
turn() { # MEASURE CONTENDER SECONDS RAW: one run of that measure on it; prints "rps errors" or "- -"
  local url="https://127.0.0.1:$CT_PORT/" mm
  case $1 in
    h1) bench_wrk mm "$url" "$3s" "$CONNS" "$THREADS" "$4"
        [ "$(bench_field "$mm" ok)" = 1 ] && echo "$(bench_field "$mm" rps) $(bench_field "$mm" errors)" || echo "- -" ;;
    h2) h2_run "$3" "$4" ;;
    hs) timeout -k 5 $(($3 + 30)) wrk --latency -t"$THREADS" -c"$HS_CONNS" -d"$3s" -H "Connection: close" "$url" >"$4" 2>&1
        mm="$(bench_parse_wrk "$4")"
        [ "$(bench_field "$mm" ok)" = 1 ] && echo "$(bench_field "$mm" rps) $(bench_field "$mm" errors)" || echo "- -" ;;
  esac
}
if [ "$INTERLEAVE" = 1 ]; then
  UP=()
  for c in "${CTS[@]}"; do
    lbl="$(label_of "$c")"
    bench_log "$lbl: starting"
    if [ "$c" = nginx_tls ]; then
      ct_start nginx_tls 0
    else
      k="${c#d}"; TLS_LOOPS="${V_LOOPS[$k]}" DROVER_LAUNCHER="${V_LAUNCHER[$k]}" ct_start drover_tls 0
    fi
    if [ $? != 0 ]; then bench_log "SKIP $lbl: $CT_SKIP"; ct_stop; continue; fi
    ct_save "$c"; UP+=("$c")
  done
  for t in h1 h2 hs; do
    measure "$t" || continue
    for c in "${UP[@]}"; do
      ct_restore "$c"
      [ "$(bench_secs "$WARMUP")" -gt 0 ] && turn "$t" "$c" "$(bench_secs "$WARMUP")" "$CT_DIR/$t-warmup.txt" >/dev/null
    done
    for ((r = 1; r <= ROUNDS; r++)); do
      n=${#UP[@]}
      for ((j = 0; j < n; j++)); do
        c="${UP[$(((j + r - 1) % n))]}"   # each round starts one contender later
        ct_restore "$c"
        [ -n "${TLS_CPU:-}" ] && node "$BENCH_DIR/procsnap.js" snap "$RES/cpu.s0"
        read -r rps errs < <(turn "$t" "$c" "$secs" "$CT_DIR/$t-$r.txt")
        if [ -n "${TLS_CPU:-}" ] && [ "$rps" != "-" ]; then
          node "$BENCH_DIR/procsnap.js" snap "$RES/cpu.s1"
          # shellcheck disable=SC2086
          node "$BENCH_DIR/procsnap.js" diff "$RES/cpu.s0" "$RES/cpu.s1" --requests "$(awk -v r="$rps" -v s="$secs" 'BEGIN { printf "%d", r * s }')" \
            --front ${CT_PIDS[*]} >"$RES/cpu.$t.$c.$r" 2>&1
          bench_log "[round $r] $(label_of "$c") $t cpu: $(tr ' ' '\n' <"$RES/cpu.$t.$c.$r" | grep -E '^(idle_pct|box_us|front_us|workers_us|front_rd|front_wr|front_vol|workers_vol)=' | tr '\n' ' ')"
        fi
        [ "$rps" != "-" ] && echo "$rps $errs" >"$RES/$t.$c.$r"
        bench_log "[round $r] $(label_of "$c") $t: $rps req/s, $errs errors"
      done
    done
  done
  for c in "${UP[@]}"; do ct_restore "$c"; ct_stop; done
fi
for ((r = 1; r <= ROUNDS && INTERLEAVE == 0; r++)); do
  for c in "${CTS[@]}"; do
    lbl="$(label_of "$c")"; drv=0
    bench_log "[round $r] $lbl: starting"
    if [ "$c" = nginx_tls ]; then
      ct_start nginx_tls 0
    else
      drv=1; k="${c#d}"
      TLS_LOOPS="${V_LOOPS[$k]}" DROVER_LAUNCHER="${V_LAUNCHER[$k]}" ct_start drover_tls 0
    fi
    if [ $? != 0 ]; then bench_log "[round $r] SKIP $lbl: $CT_SKIP"; ct_stop; continue; fi
    url="https://127.0.0.1:$CT_PORT/"
    tag="${lbl//\//-}"
    if measure h1; then
      if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
        bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
        bench_log "[round $r] $lbl: warmup $(bench_field "$w" rps) req/s"
      fi
      [ $drv = 1 ] && prof_start
      st=""
      if [ $drv = 1 ] && [ -n "${TLS_STRACE:-}" ]; then
        mkdir -p "$TLS_STRACE"
        timeout -k 5 $((secs + 5)) strace -c -f -p "$(ct_drover_jvm)" -o "$TLS_STRACE/$tag-h1-r$r.txt" 2>/dev/null & st=$!
      fi
      bench_wrk m "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk-h1.txt"
      [ -n "$st" ] && { kill -INT "$st" 2>/dev/null; wait "$st" 2>/dev/null; }
      [ $drv = 1 ] && prof_stop "$tag-h1-r$r"
      [ "$(bench_field "$m" ok)" = 1 ] && echo "$(bench_field "$m" rps) $(bench_field "$m" errors)" >"$RES/h1.$c.$r"
      bench_log "[round $r] $lbl h1: $m"
    fi
    if measure h2; then
      # each measure warms its own code paths first (the h2 and handshake paths are cold after wrk's h1 warmup)
      [ "$(bench_secs "$WARMUP")" -gt 0 ] && h2_run "$(bench_secs "$WARMUP")" "$CT_DIR/h2load-warmup.txt" >/dev/null
      [ $drv = 1 ] && prof_start
      read -r rps errs < <(h2_run "$secs" "$CT_DIR/h2load.txt")
      [ $drv = 1 ] && prof_stop "$tag-h2-r$r"
      [ "$rps" != "-" ] && echo "$rps $errs" >"$RES/h2.$c.$r"
      bench_log "[round $r] $lbl h2: $rps req/s, $errs errors"
    fi
    if measure hs; then
      if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
        timeout -k 5 $(($(bench_secs "$WARMUP") + 30)) wrk -t"$THREADS" -c"$HS_CONNS" -d"$WARMUP" -H "Connection: close" "$url" >"$CT_DIR/wrk-hs-warmup.txt" 2>&1
      fi
      [ $drv = 1 ] && prof_start
      timeout -k 5 $((secs + 30)) wrk --latency -t"$THREADS" -c"$HS_CONNS" -d"$DURATION" -H "Connection: close" "$url" >"$CT_DIR/wrk-hs.txt" 2>&1
      [ $drv = 1 ] && prof_stop "$tag-hs-r$r"
      m="$(bench_parse_wrk "$CT_DIR/wrk-hs.txt")"
      [ "$(bench_field "$m" ok)" = 1 ] && echo "$(bench_field "$m" rps) $(bench_field "$m" errors)" >"$RES/hs.$c.$r"
      bench_log "[round $r] $lbl handshakes: $m"
    fi
    ct_stop
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { local f; for f in "$RES/$1.$2".*; do [ -f "$f" ] && awk -v k="$3" '{ print $k }' "$f"; done; }
# per-round ratios to nginx (the box drifts between rounds: the median of ratios is the steadier figure)
ratios() { local f n d; for ((q = 1; q <= ROUNDS; q++)); do
  [ -f "$RES/$1.nginx_tls.$q" ] && [ -f "$RES/$1.$2.$q" ] || continue
  awk 'NR == FNR { n = $1; next } { if (n + 0 > 0) printf "%.4f\n", $1 / n }' "$RES/$1.nginx_tls.$q" "$RES/$1.$2.$q"
done; }
echo
echo "== TLS: nginx vs drover, 2 Node workers each, same EC P-256 certificate; headers $HEADERS; $DURATION per measure; $ROUNDS round(s)$([ "$ROUNDS" -gt 1 ] && echo ', medians') =="
printf '%-34s %10s' measure nginx
for k in "${!V_ID[@]}"; do printf ' %18s' "${V_LABEL[$k]}"; done
printf ' %8s %12s\n' goal "errors"
for t in h1 h2 hs; do
  measure "$t" || continue
  case $t in
    h1) label="HTTP/1.1 keep-alive req/s"; goal=0.9 ;;
    h2) label="HTTP/2 req/s (h2load)"; goal=0.9 ;;
    hs) label="handshakes/s (Connection: close)"; goal=0.8 ;;
  esac
  n="$(col "$t" nginx_tls 1 | median)"
  errs="$(col "$t" nginx_tls 2 | awk '{ s += $1 } END { print s + 0 }')"
  printf '%-34s %10s' "$label" "${n:--}"
  for k in "${!V_ID[@]}"; do
    d="$(col "$t" "${V_ID[$k]}" 1 | median)"
    ratio="$(ratios "$t" "${V_ID[$k]}" | median)"
    ratio="$(awk -v x="$ratio" 'BEGIN { if (x == "") print "-"; else printf "%.2f", x }')"
    printf ' %18s' "${d:--} (${ratio}x)"
    errs+="/$(col "$t" "${V_ID[$k]}" 2 | awk '{ s += $1 } END { print s + 0 }')"
  done
  printf ' %8s %12s\n' ">= $goal" "$errs"
done
echo
echo "(Nx) = drover / nginx, median of the per-round ratios (above the goal: met). errors = non-2xx + socket errors (wrk)"
echo "or failed/errored/non-2xx (h2load), summed over rounds, nginx first."
