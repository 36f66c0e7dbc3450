#!/usr/bin/env node
'use strict';
// A stand-in for `./drover run <conf>`, only to test the benchmark harness itself without
// building Drover (the real launcher runs Maven on first use):
//   DROVER_LAUNCHER=bench/test/fake-drover.js bench/front.sh --contenders drover --duration 3s
// It reads the few keys bench/lib.sh writes (http.port, the app's command and env, instances),
// spawns the workers as its own children with PORT, DROVER_APP and DROVER_INSTANCE set, proxies
// GET requests round-robin to the ready ones (retrying once on another worker when a connection
// fails), respawns a worker that exits, restarts them one at a time on SIGHUP, and stops them
// on SIGTERM/SIGINT. Its numbers say nothing about Drover.
const http = require('http');
const net = require('net');
const fs = require('fs');
const { spawn } = require('child_process');

if (process.argv[2] !== 'run' || !process.argv[3]) {
  console.error('usage: fake-drover.js run <conf>');
  process.exit(2);
}
const conf = fs.readFileSync(process.argv[3], 'utf8');
const port = Number((conf.match(/port\s*=\s*(\d+)/) || [])[1]);
const command = JSON.parse((conf.match(/command\s*=\s*(\[[^\]]*\])/) || [])[1] || '[]');
const instances = Number((conf.match(/instances\s*=\s*(\d+)/) || [])[1] || 1);
const appEnv = {};
const envBlock = (conf.match(/env\s*\{([^}]*)\}/) || [])[1] || '';
for (const m of envBlock.matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) appEnv[m[1]] = m[2];
if (!port || command.length === 0) {
  console.error('fake-drover: no http.port or command in ' + process.argv[3]);
  process.exit(1);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
const slots = []; // { child, port, ready, inflight }
let rr = 0;
let stopping = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function probe(p) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: p, path: '/health', timeout: 500 }, (res) => {
      res.resume(); resolve(res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

async function startWorker(i) {
  const p = await freePort();
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, ...appEnv, PORT: String(p), DROVER_APP: 'hello', DROVER_INSTANCE: String(i) },
    stdio: 'ignore',
  });
  const w = { child, port: p, ready: false, inflight: 0, retired: false };
  child.on('exit', () => {
    w.ready = false;
    if (!stopping && !w.retired && slots[i] === w) setTimeout(() => { if (!stopping) replace(i); }, 100);
  });
  for (let k = 0; k < 100 && !w.ready && child.exitCode === null; k++) {
    if (await probe(p)) w.ready = true; else await new Promise((r) => setTimeout(r, 100));
  }
  return w;
}

async function replace(i) {
  const w = await startWorker(i);
  const old = slots[i];
  slots[i] = w;
  if (old && old.child.exitCode === null) {
    old.retired = true;
    for (let k = 0; k < 50 && old.inflight > 0; k++) await new Promise((r) => setTimeout(r, 100));
    old.child.kill('SIGTERM');
  }
  console.log(`worker ${i} pid ${w.child.pid} port ${w.port} ready=${w.ready}`);
}

function pick(exclude) {
  for (let k = 0; k < slots.length; k++) {
    const w = slots[rr++ % slots.length];
    if (w && w.ready && w !== exclude) return w;
  }
  return null;
}

function forward(req, res, body, tried) {
  const w = pick(tried);
  if (!w) { res.statusCode = 503; res.end('no ready worker\n'); return; }
  w.inflight++;
  const out = http.request({ host: '127.0.0.1', port: w.port, method: req.method, path: req.url,
    headers: req.headers, agent }, (wres) => {
    res.writeHead(wres.statusCode, wres.headers);
    wres.pipe(res);
    wres.on('end', () => { w.inflight--; });
  });
  out.on('error', () => {
    w.inflight--;
    if (!tried && !res.headersSent) forward(req, res, body, w);
    else if (!res.headersSent) { res.statusCode = 502; res.end('bad gateway\n'); } else res.destroy();
  });
  out.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => forward(req, res, Buffer.concat(chunks), null));
});

async function main() {
  for (let i = 0; i < instances; i++) await replace(i);
  server.listen(port, '127.0.0.1', () => console.log(`fake-drover: front on 127.0.0.1:${port}`));
}

process.on('SIGHUP', async () => {
  console.log('fake-drover: SIGHUP, rolling restart');
  for (let i = 0; i < slots.length && !stopping; i++) await replace(i);
});
function stop(sig) {
  if (stopping) return;
  stopping = true;
  console.log(`fake-drover: ${sig}, stopping`);
  server.close();
  server.closeAllConnections();
  const live = slots.filter((w) => w && w.child.exitCode === null && w.child.signalCode === null);
  let left = live.length;
  if (left === 0) process.exit(0);
  for (const w of live) { w.child.on('exit', () => { if (--left === 0) process.exit(0); }); w.child.kill('SIGTERM'); }
  setTimeout(() => process.exit(0), 4000);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
main();
