#!/usr/bin/env bash
# CPU-heavy jobs per request (PBKDF2, a prime sieve), served four ways on 2 workers each:
#   actor    Drover actor workers: 2 instances of io.drover.examples.hash.HashWorker (Java, the
#            jar of deploy/examples/hash) on the app's own pool of 2 threads, inside Drover's JVM
#   threads  one Node process (bench/app/cpu-threads.js) handing each job to a worker_threads
#            pool of 2
#   pm2      PM2 cluster mode, 2 Node processes doing the job inline (bench/app/cpu-inline.js)
#   process  Drover's front to 2 Drover process workers running cpu-inline.js
# Same algorithm, constants and sizes everywhere (bench/app/cpu-jobs.js = HashWorker.java).
# Each contender: start, check that it answers what the reference (cpu-jobs.js) answers, a
# warmup run, the measured run, stop. One table per job with the actor workers' ratios.
#
#   bench/cpu.sh [--duration 10s] [--warmup 10s] [--connections 64] [--threads 2]
#                [--job sieve|pbkdf2|both] [--contenders actor,threads,pm2,process]
#                [--iterations 40000] [--sieve-size 2000000] [--in-flight 1]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --duration D       measured wrk run per contender and job (default 10s)
  --warmup D         wrk run before it, not counted (default 10s; 0 = none). The JVM needs it.
  --connections N    wrk -c (default 64)
  --threads N        wrk -t (default 2)
  --job J            sieve (GET /sieve), pbkdf2 (GET /pbkdf2?password=...), or both (default)
  --contenders LIST  comma separated subset of actor,threads,pm2,process (default all)
  --iterations N     PBKDF2 iterations, for every contender (default 40000)
  --sieve-size N     sieve bound, for every contender (default 2000000)
  --in-flight N      the actor app's max-in-flight per worker (default 1; its pool gets 2 x N threads)
Env: DROVER_LAUNCHER (default ./drover), DROVER_START_TIMEOUT (s, default 300: covers a first
build), HASH_JAR (default deploy/examples/hash/target/hash-worker.jar; built with Maven when
missing), BENCH_KEEP_TMP=1 keeps the temp dir (logs, configs, raw wrk output).
EOF
}

DURATION=10s; WARMUP=10s; CONNS=64; THREADS=2; JOB=both; CONTENDERS="actor,threads,pm2,process"
ITERATIONS=40000; SIEVE_SIZE=2000000; IN_FLIGHT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --job) JOB="${2:?}"; shift 2 ;;
    --contenders) CONTENDERS="${2:?}"; shift 2 ;;
    --iterations) ITERATIONS="${2:?}"; shift 2 ;;
    --sieve-size) SIEVE_SIZE="${2:?}"; shift 2 ;;
    --in-flight) IN_FLIGHT="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cpu.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "cpu.sh: bad --duration $DURATION" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "cpu.sh: bad --warmup $WARMUP" >&2; exit 2; }
[[ $CONNS =~ ^[0-9]+$ && $THREADS =~ ^[0-9]+$ && $CONNS -ge $THREADS && $THREADS -ge 1 ]] ||
  { echo "cpu.sh: need --connections >= --threads >= 1" >&2; exit 2; }
[[ $ITERATIONS =~ ^[1-9][0-9]*$ && $SIEVE_SIZE =~ ^[1-9][0-9]*$ && $SIEVE_SIZE -le 500000000 ]] ||
  { echo "cpu.sh: --iterations and --sieve-size (<= 500000000) must be positive integers" >&2; exit 2; }
[[ $IN_FLIGHT =~ ^[1-9][0-9]*$ && $IN_FLIGHT -le 32 ]] || { echo "cpu.sh: --in-flight 1..32" >&2; exit 2; }
case "$JOB" in sieve) JOBS=(sieve) ;; pbkdf2) JOBS=(pbkdf2) ;; both) JOBS=(sieve pbkdf2) ;;
  *) echo "cpu.sh: --job sieve|pbkdf2|both" >&2; exit 2 ;; esac
IFS=',' read -r -a CTS <<<"$CONTENDERS"
for c in "${CTS[@]}"; do
  case "$c" in actor|threads|pm2|process) ;; *) echo "cpu.sh: unknown contender $c" >&2; exit 2 ;; esac
done

INLINE_JS="$BENCH_DIR/app/cpu-inline.js"
THREADS_JS="$BENCH_DIR/app/cpu-threads.js"
HASH_JAR="${HASH_JAR:-$REPO_DIR/deploy/examples/hash/target/hash-worker.jar}"
PASSWORD="correct-horse-battery-staple"   # the measured input
JOB_ENV=(PBKDF2_ITERATIONS="$ITERATIONS" SIEVE_SIZE="$SIEVE_SIZE")

cpu_label() {
  case "$1" in
    actor) echo "drover actor x2" ;;
    threads) echo "node threads x2" ;;
    pm2) echo "pm2 cluster x2" ;;
    process) echo "drover proc x2" ;;
    *) echo "$1" ;;
  esac
}

job_path() { # JOB [PASSWORD] -> the request path
  if [ "$1" = pbkdf2 ]; then echo "/pbkdf2?password=${2:-$PASSWORD}"; else echo "/sieve"; fi
}

# --- contenders (started through lib.sh's ct_start as cpu_<name>; ct_stop stops them) --------

ct_start_cpu_threads() {
  env BENCH_RUN_ID="$BENCH_RUN_ID" PORT="$CT_PORT" THREADS=2 "${JOB_ENV[@]}" node "$THREADS_JS" \
    >>"$CT_DIR/app.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  bench_wait_http "http://127.0.0.1:$CT_PORT/health" 20 "$CT_MAIN" && return 0
  CT_SKIP="cpu-threads.js did not answer 200 on /health within 20s: $(tail -n 3 "$CT_DIR/app.log" | tr '\n' ' ')"
  return 1
}

ct_start_cpu_pm2() {
  [ -x "$PM2_BIN" ] || { CT_SKIP="pm2 not installed in bench/node_modules"; return 1; }
  CT_PM2_HOME="$CT_DIR/pm2-home"
  BENCH_PM2_HOMES+=("$CT_PM2_HOME")
  cat >"$CT_DIR/ecosystem.json" <<EOF
{ "apps": [ { "name": "cpu", "script": "$INLINE_JS", "instances": 2, "exec_mode": "cluster",
  "env": { "PORT": "$CT_PORT", "PBKDF2_ITERATIONS": "$ITERATIONS", "SIEVE_SIZE": "$SIEVE_SIZE",
           "BENCH_RUN_ID": "$BENCH_RUN_ID" } } ] }
EOF
  if ! bench_pm2 "$CT_PM2_HOME" start "$CT_DIR/ecosystem.json" >"$CT_DIR/pm2-start.log" 2>&1; then
    CT_SKIP="pm2 start failed: $(tail -n 3 "$CT_DIR/pm2-start.log" | tr '\n' ' ')"
    return 1
  fi
  CT_MAIN="$(cat "$CT_PM2_HOME/pm2.pid" 2>/dev/null)"
  bench_wait_http "http://127.0.0.1:$CT_PORT/health" 30 "$CT_MAIN" && return 0
  CT_SKIP="pm2 app did not answer 200 on /health within 30s"
  return 1
}

# Writes DIR/drover.conf: the node's settings (free ports, own home) and the given app block.
cpu_drover_conf() { # APP_BLOCK
  local mport
  bench_free_port mport
  cat >"$CT_DIR/drover.conf" <<EOF
# Written by bench/cpu.sh for one benchmark run; removed with its temp dir.
drover {
  home = "$CT_DIR/drover-home"
  http { interface = "127.0.0.1", port = $CT_PORT }
  management { interface = "127.0.0.1", port = $mport }
  apps {
$1
  }
}
EOF
}

ct_start_cpu_actor() {
  if [ ! -f "$HASH_JAR" ]; then
    CT_SKIP="no $HASH_JAR: build it with 'mvn -B -q -DskipTests -pl deploy/examples/hash -am package'"
    return 1
  fi
  cpu_drover_conf "    hash {
      kind = actor
      class = \"io.drover.examples.hash.HashWorker\"
      classpath = [\"$HASH_JAR\"]
      config { iterations = $ITERATIONS, sieve-size = $SIEVE_SIZE }
      instances = 2
      max-in-flight = $IN_FLIGHT
      threads = $((2 * IN_FLIGHT))
      route.prefix = \"/\"
      readiness.type = none
    }"
  cpu_start_drover
}

ct_start_cpu_process() {
  cpu_drover_conf "    cpu {
      command = [\"node\", \"$INLINE_JS\"]
      env { PBKDF2_ITERATIONS = \"$ITERATIONS\", SIEVE_SIZE = \"$SIEVE_SIZE\", BENCH_RUN_ID = \"$BENCH_RUN_ID\" }
      instances = 2
      route.prefix = \"/\"
      readiness { type = http, path = \"/health\" }
    }"
  cpu_start_drover
}

cpu_start_drover() { # ./drover run DIR/drover.conf; 0 once its front answers 200 on /health
  local rc
  command -v java >/dev/null || { CT_SKIP="java not found"; return 1; }
  [ -x "$DROVER_LAUNCHER" ] || { CT_SKIP="launcher $DROVER_LAUNCHER not executable"; return 1; }
  if [ "$DROVER_LAUNCHER" = "$REPO_DIR/drover" ] && ct_drover_needs_build; then
    bench_log "drover: the launcher builds first (sources newer than the jar); waiting up to ${DROVER_START_TIMEOUT}s"
  fi
  (cd "$REPO_DIR" && exec env BENCH_RUN_ID="$BENCH_RUN_ID" "$DROVER_LAUNCHER" run "$CT_DIR/drover.conf") \
    >"$CT_DIR/drover.log" 2>&1 &
  CT_MAIN=$!
  BENCH_PIDS+=("$CT_MAIN"); CT_PIDS+=("$CT_MAIN")
  bench_wait_http "http://127.0.0.1:$CT_PORT/health" "$DROVER_START_TIMEOUT" "$CT_MAIN"
  rc=$?
  [ $rc = 0 ] && return 0
  if [ $rc = 2 ]; then
    wait "$CT_MAIN" 2>/dev/null
    CT_SKIP="drover exited (status $?) before its front answered 200 on /health"
  else
    CT_SKIP="drover's front did not answer 200 on http://127.0.0.1:$CT_PORT/health within ${DROVER_START_TIMEOUT}s"
  fi
  if [ -s "$CT_DIR/drover.log" ]; then
    CT_SKIP+=$'\n'"    last lines of its output:"$'\n'"$(tail -n 8 "$CT_DIR/drover.log" | sed 's/^/      | /')"
  else
    CT_SKIP+=$'\n'"    (it printed nothing)"
  fi
  return 1
}

# --- same answers ------------------------------------------------------------------------------
# Inputs checked on every contender before it is measured, and the reference answers computed
# by bench/app/cpu-jobs.js (which is what HashWorker.java does, written in JS).
CHECK_PASSWORDS=("$PASSWORD" "s%C3%A9same+ouvre-toi")   # the second: URL-encoded "sésame ouvre-toi"
declare -A EXPECTED=()
reference() {
  local out ref=()
  out="$(cd "$BENCH_DIR/app" && env "${JOB_ENV[@]}" timeout -k 5 120 node -e '
    const j = require("./cpu-jobs.js");
    for (const p of process.argv.slice(1)) console.log(j.pbkdf2(p));
    console.log(j.sieve());' -- "$PASSWORD" "sésame ouvre-toi")" || bench_die "cpu-jobs.js failed to compute the reference answers"
  mapfile -t ref <<<"$out"
  EXPECTED["$(job_path pbkdf2 "${CHECK_PASSWORDS[0]}")"]="${ref[0]}"
  EXPECTED["$(job_path pbkdf2 "${CHECK_PASSWORDS[1]}")"]="${ref[1]}"
  EXPECTED["/sieve"]="${ref[2]}"
}

# 0 when the running contender answers every check path as expected; else prints the differences.
check_answers() { # LABEL
  local path got bad=0
  for path in "${!EXPECTED[@]}"; do
    got="$(curl -s -m 30 "http://127.0.0.1:$CT_PORT$path" 2>&1)"
    if [ "$got" != "${EXPECTED[$path]}" ]; then
      echo "MISMATCH: $1 answered '$(echo "$got" | head -c 200 | tr '\n' ' ')' to GET $path; expected '${EXPECTED[$path]}'" >&2
      bad=1
    fi
  done
  return $bad
}

# --- the run -----------------------------------------------------------------------------------
bench_init
bench_install "$CONTENDERS"
if [[ ,$CONTENDERS, == *,actor,* ]] && [ ! -f "$HASH_JAR" ] && command -v mvn >/dev/null &&
  [ "$HASH_JAR" = "$REPO_DIR/deploy/examples/hash/target/hash-worker.jar" ]; then
  bench_log "building the hash worker jar (mvn -pl deploy/examples/hash -am package)"
  (cd "$REPO_DIR" && timeout -k 5 600 mvn -B -q -DskipTests -pl deploy/examples/hash -am package) \
    >"$BENCH_TMP/hash-build.log" 2>&1 || bench_log "the build failed (last lines: $(tail -n 3 "$BENCH_TMP/hash-build.log" | tr '\n' ' '))"
fi
reference
bench_log "cpu.sh: contenders $CONTENDERS; jobs ${JOBS[*]}; wrk -t$THREADS -c$CONNS -d$DURATION (warmup $WARMUP); pbkdf2 $ITERATIONS iterations, sieve $SIEVE_SIZE; $(nproc) cores; run id $BENCH_RUN_ID"
bench_log "reference answers: sieve ${EXPECTED[/sieve]}, pbkdf2($PASSWORD) ${EXPECTED[$(job_path pbkdf2)]}"

RES="$BENCH_TMP/results"; mkdir -p "$RES"
w=""; m=""   # set by bench_wrk
declare -A SKIPPED=()
MISMATCHES=0

for j in "${JOBS[@]}"; do
  for c in "${CTS[@]}"; do
    bench_log "[$j] $c: starting"
    if ! ct_start "cpu_$c" 0; then
      bench_log "[$j] SKIP $c: $CT_SKIP"
      SKIPPED[$j.$c]="$(echo "$CT_SKIP" | head -n 1)"
      ct_stop
      continue
    fi
    if ! check_answers "$(cpu_label "$c")"; then
      bench_log "[$j] $c: wrong answers (above); not measured"
      SKIPPED[$j.$c]="WRONG ANSWERS (see the MISMATCH lines)"
      MISMATCHES=$((MISMATCHES + 1))
      ct_stop
      continue
    fi
    url="http://127.0.0.1:$CT_PORT$(job_path "$j")"
    if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
      bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup-$j.txt"
      bench_log "[$j] $c: warmup $(bench_field "$w" rps) jobs/s"
    fi
    bench_wrk m "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk-$j.txt"
    if [ "$(bench_field "$m" ok)" = 1 ]; then
      echo "$m" >"$RES/$j.$c"
      bench_log "[$j] $c: $m"
    else
      bench_log "[$j] $c: wrk gave no result: $(tail -n 3 "$CT_DIR/wrk-$j.txt" | tr '\n' ' ')"
      SKIPPED[$j.$c]="wrk gave no result"
    fi
    ct_stop
  done
done

# --- tables ------------------------------------------------------------------------------------
field() { [ -f "$RES/$1.$2" ] && bench_field "$(cat "$RES/$1.$2")" "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

for j in "${JOBS[@]}"; do
  echo
  if [ "$j" = pbkdf2 ]; then
    desc="GET /pbkdf2?password=$PASSWORD: PBKDF2-HMAC-SHA256, $ITERATIONS iterations, 32-byte key"
  else
    desc="GET /sieve: primes <= $SIEVE_SIZE (${EXPECTED[/sieve]})"
  fi
  echo "== job $j: $desc; wrk -t$THREADS -c$CONNS -d$DURATION after a $WARMUP warmup =="
  a_rps="$(field "$j" actor rps)"; a_p99="$(field "$j" actor p99)"
  printf '%-17s %9s %9s %9s %7s %13s %10s\n' contender "jobs/s" "p50 ms" "p99 ms" errors "actor/jobs/s" "actor/p99"
  for c in "${CTS[@]}"; do
    rps="$(field "$j" "$c" rps)"
    if [ -z "$rps" ]; then
      printf '%-17s %s\n' "$(cpu_label "$c")" "skipped: ${SKIPPED[$j.$c]:-no result}"
      continue
    fi
    printf '%-17s %9.0f %9.2f %9.2f %7s %13s %10s\n' "$(cpu_label "$c")" "$rps" "$(field "$j" "$c" p50)" \
      "$(field "$j" "$c" p99)" "$(field "$j" "$c" errors)" "$(ratio "$a_rps" "$rps")" "$(ratio "$a_p99" "$(field "$j" "$c" p99)")"
  done
done
echo
echo "actor/jobs/s = Drover actor workers' jobs/s divided by the row's (above 1: the actor workers serve more);"
echo "actor/p99 = their p99 divided by the row's (below 1: their tail is shorter). '-': no actor result."
echo "errors = wrk's non-2xx/3xx responses + socket errors (connect, read, write, timeout)."
if [ "$MISMATCHES" -gt 0 ]; then
  echo "ERROR: $MISMATCHES contender run(s) answered differently from the reference (MISMATCH lines above)."
  exit 1
fi
exit 0
