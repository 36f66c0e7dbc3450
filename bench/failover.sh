#!/usr/bin/env bash
# Node failover under load, measured: a 3-node local cluster (deploy/local/cluster.sh) runs the
# benchmark app as 6 cluster-placed slots (2 per node) and wrk loads node 1's front throughout
# each round, with wrk's 2 s request timeout (a client that gives up after 2 s).
#
#   kill rounds   kill -9 of node 2 and of node 0 (the seed) in turn. From the kill:
#                 "removed" = until node 1's GET /cluster no longer lists the node;
#                 "ready" = until node 1's GET /apps/hello shows all 6 slots ready on live nodes;
#                 then the node is started again: "up" = from its start until node 1 lists it
#                 up, "share" = from then until it runs its 2 slots again (rebalance).
#   pause rounds  SIGSTOP of node 2 for --pause (2s), as a long GC or an overloaded box would
#                 stop a JVM, then SIGCONT: the node must not be downed (same process, still up,
#                 still running its slots).
# For every round: wrk's requests and failures (non-2xx, socket errors, 2 s timeouts).
# Goals: ready p50 <= 6 s and max <= 8 s over the kills, 0 failed requests, no pause downed.
#
#   bench/failover.sh [--kills 6] [--pauses 2] [--pause 2] [--connections 16] [--threads 2]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kills=6 pauses=2 pause=2 conns=16 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2; shift 2 ;;
    --pauses) pauses=$2; shift 2 ;;
    --pause) pause=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_die "unknown option $1 (see --help)" ;;
  esac
done
[[ $kills =~ ^[0-9]+$ && $pauses =~ ^[0-9]+$ && $pause =~ ^[0-9]+$ ]] || bench_die "--kills, --pauses and --pause take whole numbers"

bench_init
bench_install drover
jar="$REPO_DIR/node/target/drover-node.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$REPO_DIR"/*/src -newer "$jar" -type f -print -quit)" ]; then
  bench_log "building the node jar"
  (cd "$REPO_DIR" && mvn -B -q -DskipTests install) >"$BENCH_TMP/build.log" 2>&1 || bench_die "build failed: $BENCH_TMP/build.log"
fi
run_dir="$BENCH_TMP/cluster"
stop_cluster() { [ -f "$run_dir/marker" ] && DROVER_RUN_DIR="$run_dir" STOP_TIMEOUT=30 "$REPO_DIR/deploy/local/cluster.sh" stop >"$BENCH_TMP/stop.log" 2>&1; }
BENCH_CLEANUP_HOOKS+=(stop_cluster)

cat >"$BENCH_TMP/apps.conf" <<CONF
drover.apps.hello {
  command = ["node", "$APP_JS"]
  env { BENCH_RUN_ID = "$BENCH_RUN_ID" }
  instances = 6
  placement = cluster
  route.prefix = "/"
  readiness { type = http, path = "/health" }
}
CONF
bench_log "starting a 3-node local cluster"
env BENCH_RUN_ID="$BENCH_RUN_ID" DROVER_RUN_DIR="$run_dir" DROVER_BASE_PORT=$((20000 + RANDOM % 10000)) DROVER_JAR="$jar" \
  timeout -k 5 240 "$REPO_DIR/deploy/local/cluster.sh" start 3 "$BENCH_TMP/apps.conf" >"$BENCH_TMP/start.log" 2>&1 ||
  bench_die "the cluster did not start: $(tail -n 3 "$BENCH_TMP/start.log" | tr '\n' ' ')"
marker="$(cat "$run_dir/marker")"
read -r front1 api1 _ <"$run_dir/node-1/ports"

now_ms() { date +%s%3N; }
secs() { awk -v m="$1" 'BEGIN { printf "%.1f", m / 1000 }'; }
apps() { curl -s -m 2 "http://127.0.0.1:$api1/apps/hello"; }
# Ready slots of hello as node 1 sees them, not counting those on the node with cluster port $1.
ready_not_on() { apps | jq -r --arg p ":$1" '[.workers[]? | select(.state == "ready" and .node != null and (.node | endswith($p) | not))] | length' 2>/dev/null || echo 0; }
ready_on() { apps | jq -r --arg p ":$1" '[.workers[]? | select(.state == "ready" and .node != null and (.node | endswith($p)))] | length' 2>/dev/null || echo 0; }
member() { # CLUSTER_PORT: "up", "up,unreachable", another status, or "" when node 1 does not list it
  curl -s -m 2 "http://127.0.0.1:$api1/cluster" | jq -r --arg p ":$1" \
    '[.members[]? | select(.address | endswith($p))] | if length == 0 then "" else (.[0].status + (if .[0].reachable == false then ",unreachable" else "" end)) end' 2>/dev/null
}
await() { # LIMIT_S COMMAND...: ms until COMMAND succeeds (polled every 100 ms), or "timeout"
  local limit=$1 t0 i
  shift
  t0=$(now_ms)
  for ((i = 0; i < limit * 10 + 10; i++)); do
    "$@" && { echo $(($(now_ms) - t0)); return 0; }
    [ $(($(now_ms) - t0)) -gt $((limit * 1000)) ] && break
    sleep 0.1
  done
  echo timeout
}
all_ready_not_on() { [ "$(ready_not_on "$1")" -ge 6 ]; }
gone() { [ -z "$(member "$1")" ]; }
is_up() { [ "$(member "$1")" = up ]; }
hosts_two() { [ "$(ready_on "$1")" -ge 2 ] && [ "$(ready_not_on "$1")" -ge 4 ]; }

for i in 0 1 2; do
  read -r _ _ c <"$run_dir/node-$i/ports"
  [ "$(await 90 hosts_two "$c")" != timeout ] || bench_die "node $i did not get its 2 slots"
done
bench_log "6 slots ready, 2 per node; warming up"
bench_wrk w "http://127.0.0.1:$front1/" 5s "$conns" "$threads" "$BENCH_TMP/warmup.txt"

restart() { # NODE
  # shellcheck disable=SC2086
  DROVER_LOCAL_RUN="$marker" BENCH_RUN_ID="$BENCH_RUN_ID" setsid java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Dio.netty.leakDetection.level=disabled "-Ddrover.local.run=$marker" -jar "$jar" run "$run_dir/node-$1/drover.conf" \
    </dev/null >>"$run_dir/node-$1/node.log" 2>&1 &
  echo $! >"$run_dir/node-$1/pid"
  BENCH_PIDS+=("$!")
  disown "$!"   # its kill -9 in a later round is no news to this shell
}

rows=() readies=() failed_kills=0 total_kills=0 failed_pauses=0 total_pauses=0 downed=0
round=0
for ((k = 0; k < kills + pauses; k++)); do
  round=$((round + 1))
  if [ $k -lt "$kills" ]; then event=kill; victim=$(( k % 2 == 0 ? 2 : 0 )); else event=pause; victim=2; fi
  read -r _ _ vport <"$run_dir/node-$victim/ports"
  vpid="$(cat "$run_dir/node-$victim/pid")"
  bench_wrk_bg "http://127.0.0.1:$front1/" 14s "$conns" "$threads" "$BENCH_TMP/wrk-$round.txt"
  wrk_pid=$BENCH_WRK_PID
  sleep 3
  t0=$(now_ms)
  if [ $event = kill ]; then
    kill -KILL "$vpid"
    bench_log "round $round: kill -9 of node $victim (pid $vpid)"
    ready=timeout removed=timeout
    for ((i = 0; i < 600; i++)); do   # both from the kill, polled every 100 ms, at most 60 s
      [ "$ready" = timeout ] && all_ready_not_on "$vport" && ready=$(($(now_ms) - t0))
      [ "$removed" = timeout ] && gone "$vport" && removed=$(($(now_ms) - t0))
      [ "$ready" != timeout ] && [ "$removed" != timeout ] && break
      [ $(($(now_ms) - t0)) -gt 60000 ] && break
      sleep 0.1
    done
    wait "$wrk_pid"
    restart "$victim"
    up="$(await 120 is_up "$vport")"
    share="$(await 60 hosts_two "$vport")"
    [ "$ready" != timeout ] && readies+=("$ready")
    bench_log "round $round: ready after $ready ms, removed after $removed ms; restarted: up after $up ms, its share $share ms later"
    [ "$up" != timeout ] && up="$(secs "$up") s"
    [ "$share" != timeout ] && share="$(secs "$share") s"
    [ "$ready" != timeout ] && ready="$(secs "$ready") s"
    [ "$removed" != timeout ] && removed="$(secs "$removed") s"
    what="kill -9 node $victim$([ "$victim" = 0 ] && echo ' (seed)')"
    not_downed="-"
  else
    kill -STOP "$vpid"
    bench_log "round $round: SIGSTOP of node $victim for ${pause}s"
    sleep "$pause"
    kill -CONT "$vpid"
    wait "$wrk_pid"
    sleep 8   # longer than stable-after's share of a decision: a downed node would be gone by now
    if [ "$(cat "/proc/$vpid/comm" 2>/dev/null)" = java ] && is_up "$vport" && hosts_two "$vport"; then not_downed=yes
    else not_downed="**no** ($(member "$vport"))"; downed=$((downed + 1)); fi
    what="SIGSTOP node $victim for ${pause} s"
    ready="-" removed="-" up="-" share="-"
  fi
  bench_failures f "$(bench_parse_wrk "$BENCH_TMP/wrk-$round.txt")"
  if [ -z "$f" ]; then f="0 0 0 no result from wrk"; fi
  read -r total failed pct detail <<<"$f"
  if [ $event = kill ]; then total_kills=$((total_kills + total)) failed_kills=$((failed_kills + failed))
  else total_pauses=$((total_pauses + total)) failed_pauses=$((failed_pauses + failed)); fi
  rows+=("| $round | $what | $ready | $removed | $failed of $total ($detail) | $not_downed | $up | $share |")
  # every slot back where the rebalance puts it before the next round
  for i in 0 1 2; do
    read -r _ _ c <"$run_dir/node-$i/ports"
    await 60 hosts_two "$c" >/dev/null
  done
done

p50="-" max="-"
if [ ${#readies[@]} -gt 0 ]; then
  sorted=($(printf '%s\n' "${readies[@]}" | sort -n))
  p50="$(secs "${sorted[$(( (${#sorted[@]} - 1) / 2 ))]}") s"
  max="$(secs "${sorted[-1]}") s"
fi
echo
echo "## Node failover: 3 nodes, 6 cluster-placed slots, wrk -t$threads -c$conns (2 s timeout) on node 1's front"
echo
echo "| round | event | slots ready on survivors | removed | failed requests | not downed | restarted: up | its share after up |"
echo "|---:|---|---:|---:|---|---|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Kills: ${#readies[@]} of $kills measured; slots ready p50 $p50, max $max (goal: <= 6 s p50, <= 8 s max)."
echo "Requests in kill rounds: $failed_kills failed of $total_kills (goal: 0)."
echo "Pause rounds: $downed of $pauses paused nodes downed (goal: 0); $failed_pauses of $total_pauses requests failed (those in flight to the paused node wait out the pause: with a 2 s client timeout, some time out)."
