'use strict';
// The benchmark app: a tiny Node HTTP server with no dependencies, the same behind every
// contender (one process direct, PM2 cluster, nginx round-robin, Drover's front).
//
//   PORT=3000 node bench/app/hello.js                  # GET / -> "hello\n", GET /health -> "ok\n"
//   PORT=3000 WORK_ITERS=700000 node bench/app/hello.js  # + ~1 ms of CPU per GET /
//
// Env:
//   PORT        port on 127.0.0.1 (default 3000). Drover gives each worker its own; under PM2
//               cluster mode every instance asks for the same one and the primary shares it.
//   WORK_ITERS  iterations of a fixed CPU loop (bench/app/work.js) run for each request to /
//               before answering; 0 or unset: none. It is a count of iterations, not a
//               wall-clock spin. DEFAULT_WORK_ITERS in work.js is ~1 ms on an idle core of the
//               benchmark box (`node bench/calibrate.js` prints the figure for this machine).
//               "default" means DEFAULT_WORK_ITERS. /health never does the work.
//
// SIGTERM and SIGINT: stop accepting, close idle keep-alive connections, exit once the
// in-flight requests are answered (bounded: exit anyway after 3 s). Nothing more careful than
// that, on purpose: the app is what an ordinary user would write.
const http = require('http');
const { work, DEFAULT_WORK_ITERS } = require('./work.js');

const port = Number(process.env.PORT || 3000);
const rawIters = process.env.WORK_ITERS || '0';
const iters = rawIters === 'default' ? DEFAULT_WORK_ITERS : Number(rawIters);
if (!Number.isInteger(iters) || iters < 0) {
  console.error(`hello.js: WORK_ITERS must be a non-negative integer or "default", got ${rawIters}`);
  process.exit(2);
}

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.setHeader('content-type', 'text/plain');
    res.end('ok\n');
    return;
  }
  if (req.url === '/' || req.url.startsWith('/?')) {
    // The loop's result decides nothing visible but is used, so it cannot be optimised away.
    const x = iters > 0 ? work(iters) : 1;
    res.setHeader('content-type', 'text/plain');
    res.end(x === 0 ? 'hello!\n' : 'hello\n');
    return;
  }
  res.statusCode = 404;
  res.end('not found\n');
});

server.listen(port, '127.0.0.1', () => {
  console.log(`hello.js pid ${process.pid} listening on 127.0.0.1:${port} (WORK_ITERS=${iters})`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`hello.js pid ${process.pid}: ${signal}, closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
