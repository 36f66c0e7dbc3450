// The quickstart app: a plain Node HTTP server, no dependencies.
// Drover gives each worker its own PORT on 127.0.0.1, and DROVER_APP / DROVER_INSTANCE.
const http = require('http');

const port = Number(process.env.PORT || 3000);
const name = `${process.env.DROVER_APP || 'web'}-${process.env.DROVER_INSTANCE || 0}`;

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.end('ok\n');
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end(`hello from ${name} (pid ${process.pid})\n`);
});

server.listen(port, '127.0.0.1', () => console.log(`${name} listening on 127.0.0.1:${port}`));

// Drover stops a worker with SIGTERM (stop.signal): finish in-flight requests, then exit.
process.on('SIGTERM', () => {
  console.log(`${name} stopping`);
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
});
