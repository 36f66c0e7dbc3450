// The shape of PM2's documentation (Configuration File / Ecosystem File): several apps, env per
// environment, cluster mode, restart and log settings, and a deploy section.
module.exports = {
  apps: [
    {
      name: 'API',
      script: './bin/www',
      node_args: '--max-old-space-size=256 --enable-source-maps',
      args: ['--color', 'auto'],
      instances: 'max',
      exec_mode: 'cluster',
      autorestart: true,
      watch: false,
      max_memory_restart: '300M',
      min_uptime: '10s',
      max_restarts: 5,
      exp_backoff_restart_delay: 100,
      kill_timeout: 3000,
      listen_timeout: 8000,
      out_file: './logs/api-out.log',
      error_file: './logs/api-err.log',
      merge_logs: true,
      env: {
        NODE_ENV: 'development',
        PORT: 3000,
      },
      env_production: {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/prod',
      },
    },
    {
      name: 'worker',
      script: 'worker.js',
      instances: -1,
      watch: ['src'],
      ignore_watch: ['node_modules'],
      cron_restart: '0 3 * * *',
      restart_delay: 4000,
      autorestart: false,
    },
    {
      script: 'scripts/report.py',
      interpreter: 'python3',
      interpreter_args: '-u',
      args: 'daily "last week"',
      instances: 0,
    },
  ],

  deploy: {
    production: {
      user: 'node',
      host: '212.83.163.1',
      ref: 'origin/master',
      repo: 'git@github.com:repo.git',
      path: '/var/www/production',
      'post-deploy': 'npm install && pm2 reload ecosystem.config.js --env production',
    },
  },
};
