'use strict';
// The CPU work the benchmark app does per request: a fixed number of xorshift32 steps.
// It is a count of iterations, not a wall-clock spin, so a busy box makes a request slower
// instead of making it do less work. The result is returned (and used by the caller) so the
// JIT cannot drop the loop.
//
// DEFAULT_WORK_ITERS is ~1 ms of one idle core on the 2-core benchmark box: `node
// bench/calibrate.js` printed a median of 688k-694k iterations per ms there (Node 20.20.2,
// load average 0.2, 2026-11-26), so 700k is ~1.0 ms. On another machine re-run it and pass
// the number it suggests to front.sh/chaos.sh with --work-iters.

const DEFAULT_WORK_ITERS = 700000;

function work(iters) {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

module.exports = { work, DEFAULT_WORK_ITERS };
