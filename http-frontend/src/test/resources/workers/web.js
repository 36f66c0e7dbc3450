// Test worker for the HTTP front. No npm dependencies.
//   GET  /                  "hello from <app>-<instance>"
//   GET  /health            ok
//   ANY  /echo...           JSON: method, url, headers, body length, worker
//   POST /upload            streams the body, answers its byte count and a running checksum;
//                           ?die=<instance> or ?die=all: that instance (every one) drops the connection at the body's first bytes
//   GET  /download?mb=N     streams N MiB (bytes i % 251), chunked
//   GET  /downloaded        how many bytes the last /download has handed to its socket so far
//   GET  /slow?ms=N         answers after N ms
//   GET  /close             answers with Connection: close
//   GET  /eof               answers without length, ending the body by closing (HTTP/1.0 style)
//   GET  /busy?ms=N&seq=S   holds the request N ms; JSON: worker, seq, when it started (ms, fractional),
//                           whether more than MAX_ACTIVE (env) requests were in it at once
//   GET  /seen              JSON: the seq of every /busy request this worker was given
//   GET  /status?on=I&code=C  instance I (or "all") answers status C (default 500), the others 200
//   env CRASH_AFTER_MS=N (and CRASH_INSTANCE=I: only instance I): the first request other than
//   /health that arrives N ms or more after the start ends the process with status 1 while it
//   holds the request (a release that crashes on its traffic)
//   WebSocket upgrade on /ws: echoes text frames back, prefixed with the worker's name; on
//   /ws?welcome the server speaks first: "welcome from <name>" in the same write as the 101
const http = require('http');
const crypto = require('crypto');

const name = `${process.env.DROVER_APP}-${process.env.DROVER_INSTANCE}`;
const delay = Number(process.env.READY_DELAY_MS || 0);

let active = 0;
const seen = [];
let downloaded = 0;

const started = Date.now();
const crashAfter = process.env.CRASH_AFTER_MS
  && [undefined, process.env.DROVER_INSTANCE].includes(process.env.CRASH_INSTANCE) ? Number(process.env.CRASH_AFTER_MS) : -1;

const server = http.createServer((req, res) => {
  if (process.env.LOG_REQUESTS) console.log(`request ${req.method} ${req.url}`);
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/health') return res.end('ok');
  if (crashAfter >= 0 && Date.now() - started >= crashAfter) {
    console.log(`crashing while holding ${req.method} ${req.url}`);
    process.exit(1);
  }
  if (url.pathname === '/upload') {
    if ([process.env.DROVER_INSTANCE, 'all'].includes(url.searchParams.get('die'))) {
      req.once('data', () => req.socket.destroy());
      return;
    }
    let n = 0;
    let sum = 0;
    req.on('data', (c) => {
      n += c.length;
      for (let i = 0; i < c.length; i += 4096) sum = (sum + c[i]) % 1000000007;
    });
    req.on('end', () => res.end(JSON.stringify({ bytes: n, sum, worker: name })));
    return;
  }
  if (url.pathname === '/download') {
    const total = Number(url.searchParams.get('mb') || 1) * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
    let sent = 0;
    downloaded = 0;
    res.setHeader('content-type', 'application/octet-stream');
    const pump = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        downloaded = sent;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  if (url.pathname === '/downloaded') return res.end(String(downloaded));
  if (url.pathname === '/busy') {
    const started = performance.timeOrigin + performance.now();
    active++;
    const limit = Number(process.env.MAX_ACTIVE || 0);
    const over = limit > 0 && active > limit;
    seen.push(url.searchParams.get('seq'));
    setTimeout(() => {
      active--;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-worker', name);
      res.end(JSON.stringify({ worker: name, seq: url.searchParams.get('seq'), started, over }));
    }, Number(url.searchParams.get('ms') || 100));
    return;
  }
  if (url.pathname === '/seen') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(seen));
  }
  if (url.pathname === '/status') {
    const bad = [process.env.DROVER_INSTANCE, 'all'].includes(url.searchParams.get('on'));
    res.statusCode = bad ? Number(url.searchParams.get('code') || 500) : 200;
    res.setHeader('x-worker', name);
    return res.end(name);
  }
  if (url.pathname === '/slow') {
    setTimeout(() => res.end(`slow from ${name}`), Number(url.searchParams.get('ms') || 1000));
    return;
  }
  if (url.pathname === '/close') {
    res.setHeader('connection', 'close');
    return res.end(`closing from ${name}`);
  }
  if (url.pathname === '/eof') {
    req.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\neof from ${name}`);
    req.socket.end();
    return;
  }
  if (url.pathname.startsWith('/echo')) {
    let n = 0;
    req.on('data', (c) => (n += c.length));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-worker', name);
      res.setHeader('keep-alive', 'timeout=5'); // hop-by-hop: the front must drop it
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyLength: n, worker: name }));
    });
    return;
  }
  res.end(`hello from ${name}\n`);
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  const head = Buffer.from(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  const welcome = Buffer.from(`welcome from ${name}`);
  socket.write(req.url.includes('welcome') ? Buffer.concat([head, Buffer.from([0x81, welcome.length]), welcome]) : head);
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 6) {
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { len = buf.readUInt16BE(2); off = 4; }
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4);
      const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buf = buf.subarray(off + 4 + len);
      if (opcode === 8) { socket.end(Buffer.from([0x88, 0])); return; }
      if (opcode !== 1) continue;
      const out = Buffer.from(`${name}: ${payload.toString()}`);
      const header = out.length < 126 ? Buffer.from([0x81, out.length]) : Buffer.from([0x81, 126, out.length >> 8, out.length & 255]);
      socket.write(Buffer.concat([header, out]));
    }
  });
  socket.on('error', () => {});
});

setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1'), delay);
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
});
