// A small web app as PM2 users write them: listens on process.env.PORT, tells PM2 it is ready
// (guarded, as there is no IPC channel outside PM2) and stops on SIGINT.
const http = require('http');
const port = Number(process.env.PORT || 3000);
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello from ${process.env.DROVER_APP || 'pm2'}-${process.env.DROVER_INSTANCE || process.env.NODE_APP_INSTANCE || 0}`
    + ` (${process.env.NODE_ENV || 'no NODE_ENV'}, ${process.env.GREETING || 'no GREETING'})\n`);
});
server.listen(port, '127.0.0.1', () => {
  if (process.send) process.send('ready');
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
