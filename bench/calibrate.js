'use strict';
// Prints how many iterations of the app's CPU loop (bench/app/work.js) one core runs per
// millisecond, i.e. the WORK_ITERS that costs ~1 ms per request. Bounded: ~1-2 s of CPU.
//   node bench/calibrate.js
const { work, DEFAULT_WORK_ITERS } = require('./app/work.js');

const CHUNK = 200000;
let sink = 0;
// Warm up so the loop is optimised, as it is in a server that has taken a few requests.
for (let i = 0; i < 50; i++) sink ^= work(CHUNK);

const samples = [];
for (let i = 0; i < 60; i++) {
  const t0 = process.hrtime.bigint();
  sink ^= work(CHUNK);
  const ns = Number(process.hrtime.bigint() - t0);
  samples.push(CHUNK / (ns / 1e6)); // iterations per ms
}
samples.sort((a, b) => a - b);
const median = samples[samples.length >> 1];
const best = samples[samples.length - 1];
const t0 = process.hrtime.bigint();
sink ^= work(DEFAULT_WORK_ITERS);
const defaultMs = Number(process.hrtime.bigint() - t0) / 1e6;

console.log(`iterations per ms: median ${Math.round(median)}, best ${Math.round(best)} (${samples.length} samples of ${CHUNK})`);
console.log(`default WORK_ITERS=${DEFAULT_WORK_ITERS} took ${defaultMs.toFixed(3)} ms here`);
console.log(`suggested WORK_ITERS for ~1 ms: ${Math.round(median / 1000) * 1000}`);
if (sink === 0.5) console.log(''); // keeps sink alive
