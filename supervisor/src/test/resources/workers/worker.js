// A test worker whose misbehaviour is chosen by arguments. No npm dependencies.
//   --listen                 serve HTTP on $PORT: /health answers 200 (until hung), / answers hello;
//                            a path ending in /echo answers the length of the request's body,
//                            one ending in /bytes?n=N answers N bytes
//   --listen-after MS        start listening only after MS milliseconds
//   --exit-after MS          exit after MS milliseconds with --code (default 1)
//   --code N                 exit status for --exit-after
//   --only-instance N        --exit-after applies only to DROVER_INSTANCE N
//   --once FILE              --exit-after applies only while FILE does not exist (creates it)
//   --hang-after MS          stop answering any request after MS (a hung worker)
//   --ignore-term            ignore SIGTERM (and SIGINT)
//   --grandchild FILE        spawn a long-lived child process and write its pid to FILE
//   --hog MB                 allocate and touch MB megabytes after start
//   --spam KB                write KB kilobytes of numbered lines to stdout at start
//   --tick MS                write a numbered line to stdout every MS milliseconds
//   --flood MS               write to stdout as fast as the pipe takes it for MS milliseconds,
//                            then "flooded N bytes" to stderr
//   --starts FILE            append "<instance> <pid>\n" to FILE at start
const http = require('http');
const fs = require('fs');
const { spawn } = require('child_process');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? true) : undefined;
};
const flag = (name) => args.includes(name);

const instance = process.env.DROVER_INSTANCE;
if (opt('--starts')) fs.appendFileSync(opt('--starts'), `${instance} ${process.pid}\n`);
console.log(`worker ${process.env.DROVER_APP}-${instance} pid ${process.pid} port ${process.env.PORT}`);
console.error(`stderr line from ${instance}`);

let hung = false;
if (flag('--ignore-term')) {
  process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  process.on('SIGINT', () => console.log('ignoring SIGINT'));
} else {
  process.on('SIGTERM', () => process.exit(0));
}

const listen = () => {
  http
    .createServer((req, res) => {
      if (hung) return; // never answer
      const path = req.url.split('?')[0];
      if (req.url === '/health') {
        res.end('ok');
      } else if (path.endsWith('/echo')) {
        let length = 0;
        req.on('data', (chunk) => { length += chunk.length; });
        req.on('end', () => res.end(String(length)));
      } else if (path.endsWith('/bytes')) {
        res.end(Buffer.alloc(Number(new URL(req.url, 'http://x').searchParams.get('n')), 'x'));
      } else {
        res.end(`hello from ${process.env.DROVER_APP}-${instance}\n`);
      }
    })
    .listen(Number(process.env.PORT), '127.0.0.1');
};
if (flag('--listen')) listen();
if (opt('--listen-after')) setTimeout(listen, Number(opt('--listen-after')));
const exitApplies =
  opt('--exit-after') &&
  (opt('--only-instance') === undefined || opt('--only-instance') === instance) &&
  (opt('--once') === undefined || !fs.existsSync(opt('--once')));
if (exitApplies) {
  setTimeout(() => {
    if (opt('--once')) fs.writeFileSync(opt('--once'), 'done');
    process.exit(Number(opt('--code') ?? 1));
  }, Number(opt('--exit-after')));
}
if (opt('--hang-after')) setTimeout(() => { hung = true; }, Number(opt('--hang-after')));
if (opt('--grandchild')) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(opt('--grandchild'), String(child.pid));
}
if (opt('--spam')) {
  const kb = Number(opt('--spam'));
  for (let i = 0; i < kb * 16; i++) process.stdout.write(`line ${String(i).padStart(8, '0')} ${'x'.repeat(45)}\n`);
}
if (opt('--tick')) {
  let n = 0;
  setInterval(() => console.log(`tick ${n++}`), Number(opt('--tick')));
}
if (opt('--flood')) {
  const block = Buffer.from(`flood ${'x'.repeat(57)}\n`.repeat(256)); // 16 KiB of 64-byte lines
  const until = Date.now() + Number(opt('--flood'));
  let bytes = 0;
  const flood = () => {
    while (Date.now() < until) {
      bytes += block.length;
      if (!process.stdout.write(block)) {
        process.stdout.once('drain', flood); // the pipe is full: go on once it was read
        return;
      }
    }
    console.error(`flooded ${bytes} bytes`);
  };
  flood();
}
const held = [];
if (opt('--hog')) {
  setTimeout(() => {
    const b = Buffer.alloc(Number(opt('--hog')) * 1024 * 1024);
    b.fill(1);
    held.push(b);
  }, 200);
}
setInterval(() => {}, 1 << 30); // stay alive
