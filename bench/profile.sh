#!/usr/bin/env bash
# A CPU profile of Drover's front under load: the same Node app (bench/app/hello.js, 2 workers)
# behind ./drover run as in front.sh; wrk warms it up, then async-profiler (Maven Central's
# tools.profiler:async-profiler:4.1) is attached with jcmd for the measured run. Writes, into
# --out (default: a new directory under /tmp, printed at the end):
#   flame.html      flame graph of every thread of the node
#   all.collapsed   every thread of the node, one stack per line (thread name first)
#   front.collapsed the front's event-loop threads (drover-front-*), one stack per line
#   top-frames.txt  self time of the front threads by frame and by kind (drover, netty, jdk, kernel, ...)
#   threads.txt     CPU of every thread group of the node (front, GC, JIT, Pekko, ...), per request too
#
#   bench/profile.sh [--handler trivial|cpu] [--warmup 30s] [--duration 20s] [--connections 64]
#                    [--threads 2] [--interval 1ms] [--out DIR]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HANDLER=trivial; WARMUP=30s; DURATION=20s; CONNS=64; THREADS=2; INTERVAL=1ms; OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --handler) HANDLER="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --connections) CONNS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --interval) INTERVAL="${2:?}"; shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$HANDLER" in trivial|cpu) ;; *) echo "profile.sh: --handler trivial|cpu" >&2; exit 2 ;; esac
bench_is_duration "$DURATION" && [ "$(bench_secs "$DURATION")" -gt 0 ] || { echo "profile.sh: bad --duration" >&2; exit 2; }
bench_is_duration "$WARMUP" || { echo "profile.sh: bad --warmup" >&2; exit 2; }
[[ $INTERVAL =~ ^[0-9]+(ms|us)$ ]] || { echo "profile.sh: --interval like 1ms or 500us" >&2; exit 2; }
command -v jcmd >/dev/null || { echo "profile.sh: jcmd (from the JDK) is needed" >&2; exit 2; }

bench_init
bench_install drover
if [ -z "$OUT" ]; then OUT="$(mktemp -d /tmp/drover-profile.XXXXXX)"; fi
mkdir -p "$OUT" || bench_die "cannot create $OUT"
OUT="$(cd "$OUT" && pwd)"

# the profiler: from the local Maven repository, fetched once
AP_JAR="$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar"
if [ ! -f "$AP_JAR" ]; then
  bench_log "fetching async-profiler 4.1 (Maven Central)"
  timeout -k 5 300 mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.1 >/dev/null ||
    bench_die "mvn dependency:get tools.profiler:async-profiler:4.1 failed"
fi
(cd "$BENCH_TMP" && unzip -q -o "$AP_JAR" linux-x64/libasyncProfiler.so) || bench_die "cannot unpack $AP_JAR"
LIB="$BENCH_TMP/linux-x64/libasyncProfiler.so"

iters=0
[ "$HANDLER" = cpu ] && iters="$(node -p "require('$BENCH_DIR/app/work.js').DEFAULT_WORK_ITERS")"
ct_start drover "$iters" || bench_die "drover did not start: $CT_SKIP"
jvm="$(ct_drover_jvm)"
url="http://127.0.0.1:$CT_PORT/"
w=""; m=""
if [ "$(bench_secs "$WARMUP")" -gt 0 ]; then
  bench_wrk w "$url" "$WARMUP" "$CONNS" "$THREADS" "$CT_DIR/wrk-warmup.txt"
  bench_log "warmup: $w"
fi

# jcmd reads key=value words as its own named arguments: the agent's options go in quotes
agent() {
  timeout -k 5 60 jcmd "$jvm" JVMTI.agent_load "$LIB" "\"$1\"" >>"$CT_DIR/jcmd.txt" 2>&1 &&
    tail -n 1 "$CT_DIR/jcmd.txt" | grep -q 'return code: 0'
}
agent "start,event=cpu,interval=$INTERVAL,threads" || bench_die "could not attach the profiler: $(tail -n 3 "$CT_DIR/jcmd.txt")"
bench_wrk m "$url" "$DURATION" "$CONNS" "$THREADS" "$CT_DIR/wrk.txt"
bench_log "profiled run: $m"
agent "dump,file=$OUT/all.collapsed,collapsed" || bench_die "profiler dump failed"
agent "stop,file=$OUT/flame.html,flamegraph,title=Drover_front_$HANDLER" || bench_die "profiler stop failed"
ct_stop

grep '^\[drover-front' "$OUT/all.collapsed" >"$OUT/front.collapsed"
# every thread of the node, by group (the thread's name without its numbers): what the JVM spends
# beside the front (GC, JIT, Pekko dispatchers, timers), per request as well
awk -v rps="$(bench_field "$m" rps)" -v secs="$(bench_secs "$DURATION")" '
  { n = $NF; t = $1; sub(/;.*/, "", t); sub(/^\[/, "", t); sub(/ tid=.*/, "", t); gsub(/[0-9]+/, "N", t)
    g[t] += n; total += n }
  END {
    for (t in g) printf "%8.1f us/req  %5.1f%%  %s\n", (rps > 0 ? g[t] / (rps * secs) * 1000 : 0), 100 * g[t] / total, t | "sort -rn | head -n 12"
    close("sort -rn | head -n 12")
    if (rps > 0) printf "%8.1f us/req  all threads of the node\n", total / (rps * secs) * 1000
  }' "$OUT/all.collapsed" >"$OUT/threads.txt"
[ -s "$OUT/front.collapsed" ] || bench_die "no samples of drover-front threads (see $OUT/flame.html)"

# self time: the leaf frame of each stack; kinds by package
awk -v rps="$(bench_field "$m" rps)" -v secs="$(bench_secs "$DURATION")" '
  function kind(f) {
    if (f ~ /_\[k\]$/) return "kernel"
    if (f ~ /^io\/drover\//) return "drover"
    if (f ~ /^io\/netty\/handler\/codec\/http\//) return "netty http codec"
    if (f ~ /^io\/netty\//) return "netty (other)"
    if (f ~ /^io\/micrometer\//) return "metrics (micrometer)"
    if (f ~ /^(java|jdk|sun)\//) return "jdk"
    if (f ~ /^org\/apache\/pekko\//) return "pekko"
    if (f ~ /Interpreter|^\[/) return "interpreter / jvm"
    return "native / other"
  }
  {
    n = $NF; $NF = ""; sub(/ $/, "")
    k = split($0, fr, ";"); leaf = fr[k]
    self[leaf] += n; kinds[kind(leaf)] += n; total += n
    # inclusive time of drover frames (each counted once per stack)
    delete seen
    for (i = 2; i <= k; i++) if (fr[i] ~ /^io\/drover\// && !(fr[i] in seen)) { seen[fr[i]] = 1; incl[fr[i]] += n }
  }
  END {
    printf "front threads: %d samples", total
    if (rps > 0 && secs > 0) printf " over %d s at %s req/s: %.1f us of front CPU per request (at the sampling interval)", secs, rps, total / (rps * secs) * 1000
    printf "\n\n== self time by kind ==\n"
    for (k in kinds) printf "%6.1f%%  %s\n", 100 * kinds[k] / total, k | "sort -rn"
    close("sort -rn")
    printf "\n== self time by frame (top 40) ==\n"
    for (f in self) printf "%6.1f%%  %s\n", 100 * self[f] / total, f | "sort -rn | head -n 40"
    close("sort -rn | head -n 40")
    printf "\n== Drover frames, inclusive (top 25) ==\n"
    for (f in incl) printf "%6.1f%%  %s\n", 100 * incl[f] / total, f | "sort -rn | head -n 25"
    close("sort -rn | head -n 25")
  }' "$OUT/front.collapsed" >"$OUT/top-frames.txt"

echo "== bench/profile.sh: $HANDLER handler, wrk -t$THREADS -c$CONNS -d$DURATION after a $WARMUP warmup =="
echo "load: $m"
echo
head -n 30 "$OUT/top-frames.txt"
echo "..."
echo
echo "== CPU of the node's threads, by group (at the sampling interval) =="
cat "$OUT/threads.txt"
echo
echo "written: $OUT/flame.html, $OUT/top-frames.txt, $OUT/threads.txt, $OUT/front.collapsed, $OUT/all.collapsed"
