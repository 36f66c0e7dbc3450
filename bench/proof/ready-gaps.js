'use strict';
// Reads a capture of Drover's GET /events (SSE) and prints, as JSON, how long app APP had fewer
// ready workers than DECLARED: the longest such stretch, their total, how many there were, and
// how many worker events were seen. Every instance 0..DECLARED-1 is taken as ready when the
// capture starts (the suite starts capturing only once they are). A stretch still open at the
// end of the capture is closed at END_MS (epoch ms) and reported as open.
//
//   node bench/proof/ready-gaps.js EVENTS_FILE APP DECLARED END_MS
const fs = require('fs');

const [file, app, declaredArg, endArg] = process.argv.slice(2);
const declared = Number(declaredArg);
const endMs = Number(endArg);
if (!file || !app || !Number.isInteger(declared) || declared < 1 || !Number.isFinite(endMs)) {
  console.error('usage: ready-gaps.js EVENTS_FILE APP DECLARED END_MS');
  process.exit(2);
}

const ready = new Set();
for (let i = 0; i < declared; i++) ready.add(i);
let gapStart = null;
let maxMs = 0;
let totalMs = 0;
let gaps = 0;
let events = 0;
let minReady = declared;

for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.startsWith('data:')) continue;
  let e;
  try {
    e = JSON.parse(line.slice(5));
  } catch (err) {
    continue; // a heartbeat or a line cut off when the capture ended
  }
  if (e.type !== 'worker' || e.app !== app) continue;
  events++;
  const at = Date.parse(e.at);
  if (e.state === 'ready') ready.add(e.instance);
  else ready.delete(e.instance);
  const n = [...ready].filter((i) => i < declared).length;
  minReady = Math.min(minReady, n);
  if (n < declared && gapStart === null) {
    gapStart = at;
  } else if (n >= declared && gapStart !== null) {
    const d = at - gapStart;
    maxMs = Math.max(maxMs, d);
    totalMs += d;
    gaps++;
    gapStart = null;
  }
}
let open = false;
if (gapStart !== null) {
  const d = Math.max(0, endMs - gapStart);
  maxMs = Math.max(maxMs, d);
  totalMs += d;
  gaps++;
  open = true;
}
console.log(JSON.stringify({ maxMs, totalMs, gaps, events, minReady, open }));
