'use strict';
// bench/cpu.sh's Node app doing its CPU job inline, on the event loop (what a PM2 cluster or
// Drover's process workers run, one job at a time per process):
//   GET /pbkdf2?password=...  -> PBKDF2-HMAC-SHA256 hex (see cpu-jobs.js)
//   GET /sieve                -> number of primes <= SIEVE_SIZE
//   GET /health               -> ok
// Only the path's last segment counts (/x/sieve = /sieve). Listens on 127.0.0.1:$PORT.
// Env: PORT (default 3000), PBKDF2_ITERATIONS, SIEVE_SIZE. No dependencies.
// SIGTERM/SIGINT: close the server and idle connections, exit (at most 3 s later).
const http = require('http');
const jobs = require('./cpu-jobs.js');

const port = Number(process.env.PORT || 3000);

const server = http.createServer((req, res) => {
  const r = jobs.parse(req.url);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  if (r === null) {
    res.statusCode = 404;
    res.end('not found: try /pbkdf2?password=... or /sieve\n');
  } else if (r.job === 'health') {
    res.end('ok\n');
  } else {
    res.end(jobs.run(r.job, r.arg) + '\n');
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`cpu-inline.js pid ${process.pid} on 127.0.0.1:${port} (pbkdf2 iterations ${jobs.ITERATIONS}, sieve size ${jobs.SIEVE_SIZE})`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`cpu-inline.js pid ${process.pid}: ${signal}, closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
