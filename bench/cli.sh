#!/usr/bin/env bash
# How long Drover's CLI takes against PM2's, in one run: a Drover node and a PM2 daemon, each
# running the same app (bench/app/hello.js, 2 workers), then ROUNDS rounds of each command below,
# interleaved (one of each per round, so a noisy moment hits all of them alike). Prints the
# median, min and max wall time of each, and the ratio of its median to `pm2 ls`'s.
#   pm2 ls                          the reference
#   drover status                   the node's apps and workers
#   drover scale hello 2            a scale request (to the count it has: a no-op for the node)
#   drover restart hello --worker 0 a worker's restart: a new process, ready, the old one drained
#   drover --version                the launcher and a bare JVM start: the floor of every command
#   pm2 reload 0                    PM2's counterpart of that restart (its instance 0, gracefully),
#                                   for reference
# Every command is the whole user-facing thing: `./drover` (the launcher, its freshness check and
# the JVM) and `pm2` (Node and PM2's client); output goes to /dev/null; a failing command ends
# the run. Before the rounds, one warm-up call of each is not counted (the first client call
# writes the launcher's class-data archive).
#
#   bench/cli.sh [--rounds 10]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] && [ "$ROUNDS" -le 200 ] || bench_die "--rounds: expected 1..200"

bench_init
bench_install pm2
[ -x "$PM2_BIN" ] || bench_die "pm2 not installed in bench/node_modules"

# --- the contenders ----------------------------------------------------------------------------

bench_log "starting a Drover node (./drover run, app hello x2)"
ct_start drover 0 || bench_die "drover did not start: $CT_SKIP"
DROVER_URL="http://127.0.0.1:$CT_MGMT_PORT"
export DROVER_URL
unset DROVER_TOKEN

PM2_HOME_DIR="$BENCH_TMP/pm2-home"
BENCH_PM2_HOMES+=("$PM2_HOME_DIR")
bench_free_port PM2_PORT
cat >"$BENCH_TMP/ecosystem.json" <<EOF
{ "apps": [ { "name": "hello", "script": "$APP_JS", "instances": 2, "exec_mode": "cluster",
  "env": { "PORT": "$PM2_PORT", "BENCH_RUN_ID": "$BENCH_RUN_ID" } } ] }
EOF
bench_log "starting PM2 (own PM2_HOME, app hello x2, cluster mode)"
bench_pm2 "$PM2_HOME_DIR" start "$BENCH_TMP/ecosystem.json" >"$BENCH_TMP/pm2-start.log" 2>&1 ||
  bench_die "pm2 start failed: $(tail -n 3 "$BENCH_TMP/pm2-start.log" | tr '\n' ' ')"
bench_wait_http "http://127.0.0.1:$PM2_PORT/" 30 || bench_die "pm2's app did not answer 200 within 30s"

# --- the commands ------------------------------------------------------------------------------

NAMES=("pm2 ls" "drover status" "drover scale hello 2" "drover restart hello --worker 0"
  "drover --version" "pm2 reload 0")
run_cmd() { # INDEX: runs that command, its output to the run's log
  local log="$BENCH_TMP/commands.log"
  case "$1" in
    0) bench_pm2 "$PM2_HOME_DIR" ls ;;
    1) timeout -k 5 60 "$REPO_DIR/drover" status ;;
    2) timeout -k 5 60 "$REPO_DIR/drover" scale hello 2 ;;
    3) timeout -k 5 60 "$REPO_DIR/drover" restart hello --worker 0 ;;
    4) timeout -k 5 60 "$REPO_DIR/drover" --version ;;
    5) bench_pm2 "$PM2_HOME_DIR" reload 0 ;;
  esac >>"$log" 2>&1
}

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

declare -A TIMES
for i in "${!NAMES[@]}"; do
  run_cmd "$i" || bench_die "warm-up: '${NAMES[$i]}' failed; see $BENCH_TMP/commands.log (BENCH_KEEP_TMP=1 keeps it)"
done
bench_log "$ROUNDS rounds of ${#NAMES[@]} commands"
for ((r = 1; r <= ROUNDS; r++)); do
  for i in "${!NAMES[@]}"; do
    t0=$(ms_now)
    run_cmd "$i" || bench_die "round $r: '${NAMES[$i]}' failed; tail of its output: $(tail -n 3 "$BENCH_TMP/commands.log" | tr '\n' ' ')"
    TIMES[$i]+="$(( $(ms_now) - t0 )) "
  done
done

# --- the table ---------------------------------------------------------------------------------

stats() { # "t1 t2 ..." -> "median min max"
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%d %d %d\n", m, v[1], v[NR] }'
}
read -r ref _ _ <<<"$(stats "${TIMES[0]}")"
printf '\nCLI wall time, %d rounds (ms; ratio = median / median of pm2 ls)\n' "$ROUNDS"
printf '%-34s %8s %6s %6s %9s\n' command median min max "x pm2 ls"
for i in "${!NAMES[@]}"; do
  read -r med lo hi <<<"$(stats "${TIMES[$i]}")"
  printf '%-34s %8d %6d %6d %9s\n' "${NAMES[$i]}" "$med" "$lo" "$hi" \
    "$(awk -v a="$med" -v b="$ref" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }')"
done
echo
echo "(java: $(java -version 2>&1 | head -n 1); node: $(node --version); pm2: $PM2_VERSION; $(nproc) cores)"
