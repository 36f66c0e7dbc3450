'use strict';
// bench/cpu.sh's Node app handing each CPU job to a pool of worker_threads (the usual way to
// keep a Node server responsive under CPU work): one process, the HTTP server on the main
// thread, THREADS worker threads (default 2) running the jobs of cpu-jobs.js one at a time
// each; jobs wait in a FIFO queue on the main thread while every thread is busy.
//   GET /pbkdf2?password=...  -> PBKDF2-HMAC-SHA256 hex (see cpu-jobs.js)
//   GET /sieve                -> number of primes <= SIEVE_SIZE
//   GET /health               -> ok (answered by the main thread)
// Only the path's last segment counts. Listens on 127.0.0.1:$PORT.
// Env: PORT (default 3000), THREADS (default 2), PBKDF2_ITERATIONS, SIEVE_SIZE. No dependencies.
// A thread that dies fails its job (500) and is replaced. SIGTERM/SIGINT: close the server and
// idle connections, exit once in-flight jobs are answered (at most 3 s).
const { Worker, isMainThread, parentPort } = require('worker_threads');
const jobs = require('./cpu-jobs.js');

if (!isMainThread) {
  parentPort.on('message', ({ id, job, arg }) => {
    let result, error;
    try {
      result = jobs.run(job, arg);
    } catch (e) {
      error = String(e);
    }
    parentPort.postMessage({ id, result, error });
  });
  return;
}

const http = require('http');
const port = Number(process.env.PORT || 3000);
const size = Number(process.env.THREADS || 2);
if (!Number.isInteger(size) || size < 1) {
  console.error(`cpu-threads.js: THREADS must be a positive integer, got ${process.env.THREADS}`);
  process.exit(2);
}

const idle = [];     // threads waiting for a job
const queue = [];    // jobs waiting for a thread: { id, job, arg, done }
const pending = new Map(); // id -> done(error, result), jobs on a thread
let nextId = 0;

function spawn() {
  const t = new Worker(__filename);
  t.current = null;
  t.on('message', ({ id, result, error }) => {
    const done = pending.get(id);
    pending.delete(id);
    t.current = null;
    if (done) done(error, result);
    dispatch(t);
  });
  t.on('error', (e) => console.error(`cpu-threads.js: thread ${t.threadId} failed: ${e}`));
  t.on('exit', () => {
    const i = idle.indexOf(t);
    if (i >= 0) idle.splice(i, 1);
    if (t.current !== null && pending.has(t.current)) {
      const done = pending.get(t.current);
      pending.delete(t.current);
      done('worker thread exited');
    }
    if (!stopping) spawn();
  });
  dispatch(t);
}

function dispatch(t) {
  const next = queue.shift();
  if (!next) {
    idle.push(t);
    return;
  }
  t.current = next.id;
  pending.set(next.id, next.done);
  t.postMessage({ id: next.id, job: next.job, arg: next.arg });
}

function submit(job, arg, done) {
  queue.push({ id: ++nextId, job, arg, done });
  const t = idle.shift();
  if (t) dispatch(t);
}

for (let i = 0; i < size; i++) spawn();

const server = http.createServer((req, res) => {
  const r = jobs.parse(req.url);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  if (r === null) {
    res.statusCode = 404;
    res.end('not found: try /pbkdf2?password=... or /sieve\n');
    return;
  }
  if (r.job === 'health') {
    res.end('ok\n');
    return;
  }
  submit(r.job, r.arg, (error, result) => {
    if (error) {
      res.statusCode = 500;
      res.end(`job failed: ${error}\n`);
    } else {
      res.end(result + '\n');
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`cpu-threads.js pid ${process.pid} on 127.0.0.1:${port}: ${size} worker threads (pbkdf2 iterations ${jobs.ITERATIONS}, sieve size ${jobs.SIEVE_SIZE})`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`cpu-threads.js pid ${process.pid}: ${signal}, closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
