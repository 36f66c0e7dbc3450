// A runnable ecosystem file: `drover import` converts it, and the result serves app/server.js.
const path = require('path');

module.exports = {
  apps: [
    {
      name: 'hello',
      script: 'server.js',
      cwd: __dirname,
      instances: 2,
      exec_mode: 'cluster',
      wait_ready: true,
      listen_timeout: 10000,
      kill_timeout: 3000,
      env: {
        NODE_ENV: 'development',
        PORT: 3000,
      },
      env_production: {
        NODE_ENV: 'production',
        GREETING: 'hi',
      },
    },
  ],
};
